"""How big a run a scenario asks for, computed from its rates before anything is simulated.

A typo in an arrival rate (``per_day: 1e30``) or a horizon makes a run that would never end;
:func:`check_size` refuses it at once, naming the streams, without drawing a single arrival.
"""

from __future__ import annotations

import math

from ..defaults import MAX_TRAVELLERS
from .errors import Path, Problem, ScenarioError
from .load import Document
from .schema import HOURS, Scenario
from .units import HOUR

DEFAULT_MAX_TRAVELLERS = MAX_TRAVELLERS
"""Most travellers expected in one replication (all streams, warm-up included). A year of the
San Ysidro weekday scenario is about 26 million, already a long run for each replication."""

WEEK_HOURS = 7 * HOURS


def expected_travellers(scenario: Scenario) -> dict[str, float]:
    """Expected arrivals of each stream over the horizon of one replication (warm-up included).

    Computed from the hourly rates the model runs on (:meth:`Scenario.run_rates`: a week, or
    every hour of a calendar run), repeated over the horizon, with the last hour counted in
    proportion when the horizon ends inside it.
    """
    hours = scenario.horizon / HOUR
    full_hours = int(hours)
    partial = hours - full_hours
    out: dict[str, float] = {}
    for name in scenario.streams:
        rates = scenario.run_rates(name)
        cycles, rest = divmod(full_hours, len(rates))
        total = cycles * math.fsum(rates) + math.fsum(rates[:rest])
        if partial:
            total += partial * rates[rest % len(rates)]
        out[name] = total
    return out


def _count(value: float) -> str:
    if not math.isfinite(value):
        return "more than 1e308"
    if value >= 1e12:
        return f"{value:.3g}"
    return f"{value:,.0f}"


def check_size(
    scenario: Scenario,
    max_travellers: int = DEFAULT_MAX_TRAVELLERS,
    doc: Document | None = None,
) -> None:
    """Refuse a scenario that expects more than ``max_travellers`` in one replication.

    Args:
        scenario: a validated scenario.
        max_travellers: the limit, for all streams together.
        doc: the document the scenario was validated from, to point at the arrivals in the
            file; without it the problem names the scenario.

    Raises:
        ScenarioError: naming the total, the streams that contribute most, and how to raise
            the limit (``--max-travellers N`` on the command line).
    """
    expected = expected_travellers(scenario)
    total = math.fsum(expected.values())
    if total <= max_travellers:
        return
    ranked = sorted(expected, key=lambda name: -expected[name])
    big = [name for name in ranked if expected[name] > 0][:3]
    shown = ", ".join(f"{name} {_count(expected[name])}" for name in big)
    more = len([n for n in ranked if expected[n] > 0]) - len(big)
    if more > 0:
        shown += f" and {more} more"
    message = (
        f"about {_count(total)} travellers expected in one replication ({shown}), more than "
        f"the limit of {max_travellers:,}: check the arrival rates and the horizon, or raise "
        "the limit (borderflow run/check --max-travellers N)"
    )
    path: Path = ("streams", big[0], "arrivals") if big else ("streams",)
    if doc is not None:
        problem = doc.problem(path, message)
    else:
        problem = Problem(f"scenario {scenario.name!r}", None, None, path, message)
    raise ScenarioError([problem])
