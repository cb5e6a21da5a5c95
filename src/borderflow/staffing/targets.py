"""Wait targets by hour: what a staffing plan must achieve, and how an hour is measured.

A target reads ``STREAM:METRIC<=VALUE`` (``car_general:wait_p95_min<=30``) and must hold in
every counted hour of the stream's arrivals (hour of arrival, as in ``hourly.csv``). The metrics:

* ``wait_mean_min``: the mean wait of the hour's arrivals, in minutes;
* ``wait_pNN_min``: the NN-th percentile of their waits (``wait_p95_min``, ``wait_p90_min``);
* ``share_wait_over_X_min``: the share of them who wait longer than X minutes
  (``share_wait_over_0_min`` is the probability of waiting at all).

A traveller still waiting when the run stopped (not served) has an unbounded wait: an hour
with one cannot meet a mean target, and counts it above any percentile and threshold. An hour
is *met* when the upper end of the 95% confidence interval over replications is at or below
the target (with one replication, when the value is), or, with the ``mean`` rule, when the
mean over replications is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..analysis import Estimate, estimate
from ..errors import InputError
from ..model import ReplicationResult
from ..scenario import Scenario

_METRIC = re.compile(
    r"^(?:(?P<mean>wait_mean_min)|wait_p(?P<q>\d+(?:\.\d+)?)_min"
    r"|share_wait_over_(?P<x>\d+(?:\.\d+)?)_min)$"
)
METRIC_FORMS = "wait_mean_min, wait_pNN_min (e.g. wait_p95_min) or share_wait_over_X_min"


class TargetError(InputError):
    """A target that cannot be read or used."""


@dataclass(frozen=True)
class Target:
    """``metric`` of ``stream`` at most ``value`` in every counted hour."""

    stream: str
    metric: str
    value: float

    @property
    def text(self) -> str:
        return f"{self.stream}:{self.metric}<={self.value:g}"

    @property
    def is_share(self) -> bool:
        return self.metric.startswith("share_")

    def measure(self, waits_s: np.ndarray, not_served: int) -> float:
        """The metric of one hour of one replication: ``waits_s`` the ended waits (seconds),
        ``not_served`` the hour's travellers whose wait never ended. NaN for an empty hour."""
        n = len(waits_s) + not_served
        if n == 0:
            return math.nan
        match = _METRIC.match(self.metric)
        assert match is not None  # checked by parse_target
        if match["mean"]:
            return math.inf if not_served else float(np.mean(waits_s)) / 60
        if match["x"] is not None:
            over = int(np.count_nonzero(waits_s > float(match["x"]) * 60))
            return (over + not_served) / n
        return _percentile_min(waits_s, not_served, float(match["q"]))

    def met(self, e: Estimate, rule: str = "ci") -> bool:
        """Whether an hour's estimate over replications meets the target (an empty hour does):
        by the upper end of its 95% confidence interval (``rule="ci"``), or by its mean
        (``"mean"``)."""
        if e.replications == 0:
            return True
        return bound_of(e, rule) <= self.value + 1e-12


RULES = ("ci", "mean")
"""How an hour's estimate is judged: the upper end of its 95% CI, or its mean."""


def bound_of(e: Estimate, rule: str = "ci") -> float:
    """The value of an estimate that is held against the target."""
    if rule == "mean" or e.replications <= 1 or math.isnan(e.ci_high):
        return e.mean
    return e.ci_high


def _percentile_min(waits_s: np.ndarray, not_served: int, q: float) -> float:
    """The q-th percentile (linear, as numpy's default) in minutes, of the ended waits and
    ``not_served`` unbounded ones."""
    n = len(waits_s) + not_served
    rank = q / 100 * (n - 1)
    low, high = math.floor(rank), math.ceil(rank)
    if high >= len(waits_s):
        return math.inf
    ordered = np.sort(waits_s)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return float(value) / 60


def parse_target(text: str, scenario: Scenario | None = None) -> Target:
    """``STREAM:METRIC<=VALUE`` as a :class:`Target`, checked against ``scenario``'s streams.

    Raises:
        TargetError: the text is not of that form, or names an unknown stream or metric.
    """
    stream, sep, rest = str(text).partition(":")
    metric, le, value_text = rest.partition("<=")
    stream, metric, value_text = stream.strip(), metric.strip(), value_text.strip()
    if not sep or not le or not stream or not metric or not value_text:
        raise TargetError(
            f"target {text!r}: expected STREAM:METRIC<=VALUE, e.g. car_general:wait_p95_min<=30"
        )
    match = _METRIC.match(metric)
    if match is None:
        raise TargetError(f"target {text!r}: unknown metric {metric!r}; use {METRIC_FORMS}")
    if match["q"] is not None and not 0 < float(match["q"]) < 100:
        raise TargetError(f"target {text!r}: a percentile is between 0 and 100, found {metric}")
    try:
        value = float(value_text)
    except ValueError:
        raise TargetError(
            f"target {text!r}: expected a number after <=, found {value_text!r}"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise TargetError(f"target {text!r}: the value must be a finite number >= 0")
    if match["x"] is not None and value > 1:
        raise TargetError(
            f"target {text!r}: a share is between 0 and 1 (0.05 = 5%), found {value:g}"
        )
    if scenario is not None and stream not in scenario.streams:
        raise TargetError(
            f"target {text!r}: no stream {stream!r} in the scenario; streams: "
            + ", ".join(scenario.streams)
        )
    return Target(stream, metric, value)


HourValues = dict[tuple[int, int], float]
"""(target index, absolute hour of arrival) -> value of one replication."""


def measure_hours(
    targets: Sequence[Target], scenario: Scenario, result: ReplicationResult
) -> HourValues:
    """Every target's value in every counted hour of one replication (run with
    ``waits=True``): a ``reduce`` for the dispatcher, so only these numbers leave a worker."""
    assert result.waits is not None, "the replication must keep its waits (waits=True)"
    empty = np.zeros(0)
    not_served = {(24 * day + hour, stream): ns for day, hour, stream, _, _, _, ns in result.hourly}
    out: HourValues = {}
    for i, target in enumerate(targets):
        kept = result.waits.get(target.stream, {})
        for hour in scenario.counted_hours():
            waits = kept.get(hour, empty)
            value = target.measure(waits, not_served.get((hour, target.stream), 0))
            if not math.isnan(value):
                out[(i, hour)] = value
    return out


@dataclass(frozen=True)
class HourCheck:
    """One target in one counted hour, over the replications."""

    target: Target
    index: int
    """Position of the target in the list of targets."""
    hour: int
    """Absolute hour of arrival."""
    estimate: Estimate
    rule: str = "ci"

    @property
    def met(self) -> bool:
        return self.target.met(self.estimate, self.rule)

    @property
    def excess(self) -> float:
        """How far the hour's bound is over (positive) or under the target, relative to it."""
        scale = self.target.value if self.target.value > 0 else 1.0
        return (bound_of(self.estimate, self.rule) - self.target.value) / scale


def check_hours(
    targets: Sequence[Target],
    scenario: Scenario,
    replications: Sequence[HourValues],
    rule: str = "ci",
) -> list[HourCheck]:
    """Each target in each counted hour, from the replications' :func:`measure_hours`."""
    checks = []
    for i, target in enumerate(targets):
        for hour in scenario.counted_hours():
            values = [r[(i, hour)] for r in replications if (i, hour) in r]
            checks.append(HourCheck(target, i, hour, _estimate(values), rule))
    return checks


def _estimate(values: Sequence[float]) -> Estimate:
    if any(math.isinf(v) for v in values):
        return Estimate(math.inf, math.inf, math.inf, math.nan, len(values))
    return estimate(values)
