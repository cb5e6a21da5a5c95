"""Enough replications: add them until the confidence interval is as narrow as asked.

The sequential procedure of Law & Kelton (*Simulation Modeling and Analysis*, 5th ed., §9.4.1,
"a specified relative precision"): start with n0 replications; after each further replication,
stop at the first n where the 95% half-width is at most gamma' = gamma / (1 + gamma) of the
absolute mean. Using gamma' rather than gamma makes the actual relative error of the mean at most
gamma (with about 95% confidence). Law & Kelton recommend n0 >= 10 and gamma <= 0.15.

Replications may be computed in batches (one per worker), but the stopping rule is applied to
n = n0, n0 + 1, ... in order and the replications after the stopping point are dropped, so the
result does not depend on how many workers there were.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .analysis import Estimate, estimate, metric_names
from .errors import InputError
from .model import simulate
from .scenario import Scenario
from .scenario.units import HOUR


class PrecisionError(InputError, ValueError):
    """A precision, stream or metric that cannot be used (message says why)."""


def adjusted(precision: float) -> float:
    """gamma' = gamma / (1 + gamma): the relative half-width to aim for (Law & Kelton)."""
    return precision / (1 + precision)


def relative_half_width(e: Estimate, reference: float | None = None) -> float:
    """Half-width of ``e`` over the absolute ``reference`` (default: its own mean).

    0 when both are 0 (a difference that is exactly zero in every replication); infinite when
    only the reference is 0; NaN when undefined (fewer than 2 replications).
    """
    ref = abs(e.mean if reference is None else reference)
    half = e.half_width
    if math.isnan(half) or math.isnan(ref):
        return math.nan
    if ref == 0:
        return 0.0 if half == 0 else math.inf
    return half / ref


def first_precise(
    relative: Callable[[int], float], precision: float, start: int, stop: int
) -> int | None:
    """The first n in ``start..stop`` with ``relative(n) <= gamma'``, or None."""
    target = adjusted(precision)
    for n in range(max(2, start), stop + 1):
        value = relative(n)
        if not math.isnan(value) and value <= target:
            return n
    return None


def values_of(per_replication: Sequence[dict[str, dict[str, float]]], stream: str, metric: str):
    """One metric of one stream, replication by replication (NaN where undefined)."""
    return [m.get(stream, {}).get(metric, math.nan) for m in per_replication]


def check_target(
    precision: float, stream: str, metric: str, scenarios: Sequence[Scenario], start: int, cap: int
) -> None:
    """Reject a precision, stream, metric or cap that cannot work, before anything runs."""
    if isinstance(precision, bool) or not isinstance(precision, int | float):
        raise PrecisionError(f"precision must be a number, not {precision!r}")
    if not 0 < precision < 1:
        raise PrecisionError(
            f"precision is a fraction of the mean between 0 and 1 (0.05 for 5%), not {precision}"
        )
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 2:
        raise PrecisionError(f"the replication cap must be at least 2, not {cap!r}")
    if start > cap:
        raise PrecisionError(f"the cap on replications ({cap}) is below the {start} to start with")
    for scenario in scenarios:
        names = metric_names_of(scenario)
        if stream not in names:
            raise PrecisionError(
                f"unknown stream {stream!r} for the precision{_hint(stream, names)}; "
                f"streams: {', '.join(names)}"
            )
        if metric not in names[stream]:
            raise PrecisionError(
                f"unknown metric {metric!r} for stream {stream!r}{_hint(metric, names[stream])}; "
                f"metrics: {', '.join(names[stream])}"
            )


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def metric_names_of(scenario: Scenario) -> dict[str, list[str]]:
    """The metrics each stream of ``scenario`` reports, read from one replication of its first
    hour (the names depend on the streams, routes and stages, not on how long it runs)."""
    probe = scenario.model_copy(update={"horizon": min(scenario.horizon, HOUR), "warmup": 0.0})
    return metric_names([simulate(probe, scenario.seed, 0).metrics])


@dataclass(frozen=True)
class Sequential:
    """How the sequential procedure ended."""

    precision: float
    """gamma: the relative half-width asked for (0.05 = 5% of the mean)."""
    stream: str
    metric: str
    initial: int
    """Replications to start with (n0)."""
    cap: int
    """The most replications it may use."""
    replications: int
    """Replications used."""
    reached: bool
    """True when the half-width reached gamma' of the mean before the cap."""
    relative_half_width: float
    """Half-width over the mean at ``replications`` (in a comparison, the widest of the
    scenarios)."""

    def __str__(self) -> str:
        achieved = (
            "undefined"
            if math.isnan(self.relative_half_width)
            else f"{100 * self.relative_half_width:.1f}% of the mean"
        )
        target = f"{100 * self.precision:g}%"
        name = f"{self.stream} {self.metric}"
        if self.reached:
            return (
                f"precision {target} of the mean for {name} reached after "
                f"{self.replications} replications (95% CI half-width {achieved})"
            )
        return (
            f"precision {target} of the mean for {name} NOT reached: stopped at the cap of "
            f"{self.cap} replications with a 95% CI half-width of {achieved}"
        )


def sequential(
    precision: float,
    stream: str,
    metric: str,
    start: int,
    cap: int,
    relative: Callable[[int], float],
    available: int,
) -> tuple[Sequential, bool]:
    """Apply the stopping rule to the ``available`` replications.

    Returns the outcome so far and whether to stop (the rule held, or the cap is reached).
    """
    n = first_precise(relative, precision, start, available)
    if n is not None:
        return Sequential(precision, stream, metric, start, cap, n, True, relative(n)), True
    done = available >= cap
    used = min(available, cap)
    return (
        Sequential(precision, stream, metric, start, cap, used, False, relative(used)),
        done,
    )


def mean_relative(values: Sequence[float]) -> Callable[[int], float]:
    """relative(n): half-width over the mean of the first n values."""
    return lambda n: relative_half_width(estimate(values[:n]))
