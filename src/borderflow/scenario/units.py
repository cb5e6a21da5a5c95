"""Durations with units.

Scenario files give every duration as a string with a unit (``70 s``, ``25 min``, ``24 h``,
``2 d``) so that nobody has to guess whether ``70`` meant seconds or minutes. Internally the
model keeps time in seconds.
"""

from __future__ import annotations

import math
import re

UNITS: dict[str, float] = {
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
"""Accepted units and their length in seconds."""

_DURATION = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]+)\s*$")
"""A number and a unit. No two parts can match the same characters, so that a long text that is
not a duration is rejected in linear time."""

UNIT_HELP = "a duration with a unit, e.g. '70 s', '25 min', '24 h' or '2 d' (units: s, min, h, d)"


def parse_duration(value: object) -> float:
    """Return ``value`` (such as ``"25 min"``) in seconds.

    Raises:
        ValueError: for a bare number, an unknown unit or anything that is not a duration; the
            message names the accepted units.
    """
    if isinstance(value, bool) or not isinstance(value, str):
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:36] + "..."
        raise ValueError(f"expected {UNIT_HELP}, found {shown} (no unit)")
    match = _DURATION.match(value) if len(value) <= 100 else None
    if not match:
        raise ValueError(f"expected {UNIT_HELP}, found {_shown(value)}")
    number, unit = match.groups()
    factor = UNITS.get(unit)
    if factor is None:
        raise ValueError(f"unknown unit {unit!r} in {_shown(value)}: expected {UNIT_HELP}")
    seconds = float(number) * factor
    if not math.isfinite(seconds):
        raise ValueError(f"the duration {_shown(value)} is too large to be a number of seconds")
    return seconds


def hours_of(duration: object) -> float:
    """A duration as a resolved scenario or ``run.json`` holds it (``'24 h'``, or seconds as a
    number) in hours."""
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        return float(duration) / HOUR
    return parse_duration(str(duration)) / HOUR


def _shown(value: str, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def format_duration(seconds: float) -> str:
    """Write ``seconds`` back as the shortest readable duration string (``90 s``, ``25 min``)."""
    if not math.isfinite(seconds) or abs(seconds) >= 1e15:
        return f"{seconds!r} s"
    for unit in ("d", "h", "min"):
        size = UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    if seconds == int(seconds):
        return f"{int(seconds)} s"
    return f"{seconds!r} s"  # shortest text that reads back to the same float


HOUR = 3600.0
"""Seconds in an hour: the model's clock counts seconds, its statistics hours."""
DAY = 24 * HOUR
"""Seconds in a day."""
