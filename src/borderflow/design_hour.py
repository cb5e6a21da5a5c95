"""The design hour and the share of hours over a wait: how a planner reads a year of waits.

The design hour of a facility is the 30th-highest hourly value of the year: it is exceeded in
only 29 hours, so designing for it serves all but the worst few hours (the highway practice
of the 30th-highest hour, applied to the hourly mean wait). Each replication of a calendar run
is one possible year, so these measures are taken per replication and then averaged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runner import RunResult

DESIGN_RANK = 30
"""The design hour is the 30th-highest hourly wait."""

THRESHOLDS_MIN = (30.0, 60.0)
"""Waits (min) whose share of hours is reported."""

DESIGN_HOUR_COLUMNS = (
    "replication",
    "stream",
    "hours",
    "design_hour_wait_min",
    "share_hours_over_30_min",
    "share_hours_over_60_min",
)


def _known(waits_min: Iterable[float]) -> list[float]:
    return [w for w in waits_min if not math.isnan(w)]


def design_hour(waits_min: Iterable[float], rank: int = DESIGN_RANK) -> float:
    """The ``rank``-th highest of the hourly waits (min); NaN hours (no wait ended) are left
    out, and the answer is NaN when fewer than ``rank`` hours remain."""
    if rank < 1:
        raise ValueError(f"rank must be at least 1, found {rank}")
    known = sorted(_known(waits_min), reverse=True)
    return known[rank - 1] if len(known) >= rank else math.nan


def share_over(waits_min: Iterable[float], threshold_min: float) -> float:
    """Share of the hours (NaN hours left out) whose wait is over ``threshold_min``; NaN when
    no hour is known."""
    known = _known(waits_min)
    return sum(w > threshold_min for w in known) / len(known) if known else math.nan


@dataclass(frozen=True)
class WaitHours:
    """The design hour and shares of one stream in one replication."""

    replication: int
    stream: str
    hours: int
    """Hours with a known wait (counted hours with at least one wait that ended)."""
    design_hour_min: float
    share_over: tuple[float, ...]
    """Share of those hours over each of :data:`THRESHOLDS_MIN`."""

    def row(self) -> tuple:
        return (self.replication, self.stream, self.hours, self.design_hour_min, *self.share_over)


def wait_hours(
    result: RunResult, rank: int = DESIGN_RANK, thresholds: Sequence[float] = THRESHOLDS_MIN
) -> list[WaitHours]:
    """Design hour and shares over ``thresholds`` of each stream in each replication, from the
    hourly mean waits (``hourly.csv``'s ``wait_mean_min``)."""
    out = []
    for r in result.replications:
        by_stream: dict[str, list[float]] = {name: [] for name in result.scenario.streams}
        for _day, _hour, stream, _n, mean, _p95, _ns in r.hourly:
            by_stream[stream].append(mean)
        for stream, waits in by_stream.items():
            out.append(
                WaitHours(
                    r.replication,
                    stream,
                    len(_known(waits)),
                    design_hour(waits, rank),
                    tuple(share_over(waits, t) for t in thresholds),
                )
            )
    return out


def mean_by_stream(rows: Sequence[WaitHours]) -> dict[str, tuple[float, ...]]:
    """stream -> (design hour, shares ...) averaged over replications (NaN ones left out)."""
    out: dict[str, tuple[float, ...]] = {}
    for stream in dict.fromkeys(w.stream for w in rows):
        mine = [(w.design_hour_min, *w.share_over) for w in rows if w.stream == stream]
        columns = list(zip(*mine, strict=True))
        out[stream] = tuple(
            math.fsum(known) / len(known) if (known := _known(c)) else math.nan for c in columns
        )
    return out
