"""Staffing each hour by its own load: the period-by-period (stationary) schedule.

This is what a spreadsheet does, and the comparison the simulation-based search is measured
against. In each hour, each pool of lane groups (the groups that share travellers) is taken as a
GI/G/c queue in steady state with that hour's arrival rate: c is the booths open, service the
mix of its streams' inspection times (stacked booths count for less than two single booths:
each booth's time is stretched by booths over booth-equivalents). The waiting-time tail is the
Allen–Cunneen one, ``P(W > t) = C exp(-t (c mu - lambda) / ((ca2 + cs2) / 2))`` with C the
Erlang C probability of waiting (exact for M/M/c; its mean is the Allen–Cunneen mean), from
which the mean, percentiles and shares over a threshold follow. Lanes are opened in the pool
in order of booth-equivalents per lane (stacked lanes first) until every target of the pool's
streams holds.

With ``lag=True`` the hour's arrival rate is replaced by the modified offered load (Feldman,
Mandelbaum, Massey and Whitt 2008): the work in service at time t is the arrivals before t
weighted by the chance their inspection is still going, ``m(t) = E[lambda(t - Se)] E[S]``. For
inspections of a minute or two it is the hour's own rate; for long ones (secondary, dock
exams) it lags demand, as the real load does. This is the search's starting point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..model.sampling import quantile_function
from ..scenario import Scenario
from ..scenario.schema import HOURS, Stage
from ..scenario.units import HOUR
from ..theory import erlang_c
from .schedule import Decision, Plan, Schedule
from .targets import Target


def pool_wait(
    arrival_rate: float, service_mean: float, servers: int, cs2: float, target: Target
) -> float:
    """``target``'s metric for a stationary GI/G/c queue (Poisson arrivals; rates and times in
    seconds, waits in minutes); inf when the queue is unstable."""
    if arrival_rate <= 0:
        return 0.0
    if servers <= 0:
        return math.inf
    mu = 1.0 / service_mean
    slack = servers * mu - arrival_rate
    if slack <= 0:
        return math.inf
    c_wait = erlang_c(servers, arrival_rate * service_mean)
    decay = slack / ((1.0 + cs2) / 2.0)  # P(W > t) = C exp(-decay t)
    metric = target.metric
    if metric == "wait_mean_min":
        return c_wait / decay / 60
    if metric.startswith("share_wait_over_"):
        x = float(metric.removeprefix("share_wait_over_").removesuffix("_min")) * 60
        return c_wait * math.exp(-decay * x)
    q = float(metric.removeprefix("wait_p").removesuffix("_min")) / 100
    if 1 - q >= c_wait:
        return 0.0
    return math.log(c_wait / (1 - q)) / decay / 60


def stationary_schedule(plan: Plan, targets: Sequence[Target], lag: bool = False) -> Schedule:
    """The period-by-period schedule of ``plan``'s decisions (see the module's text); a pool
    whose targets no number of lanes meets gets all its lanes."""
    scenario = plan.scenario
    lanes: dict[tuple[str, str], list[list[int]]] = {
        (d.stage, d.group): [[0] * HOURS for _ in plan.types] for d in plan.decisions
    }
    by_pool: dict[int, list[Decision]] = {}
    for d in plan.decisions:
        by_pool.setdefault(d.pool, []).append(d)
    for members in by_pool.values():
        stage = members[0].stage
        spec = scenario.stages[stage]
        streams = [
            s
            for s, stream in scenario.streams.items()
            if stage in stream.route
            and any(g.group in scenario.groups_serving(stage, s) for g in members)
        ]
        pool_targets = [t for t in targets if t.stream in streams]
        order = sorted(members, key=lambda d: (-d.worth, d.group))
        for t_index, day_type in enumerate(plan.types):
            day = day_type.days[0]
            rates = {s: _rates(scenario, s, stage, day, lag) for s in streams}
            for hour in range(HOURS):
                lam = {s: rates[s][hour] / HOUR for s in streams}  # per second
                opened = _lanes_needed(spec, lam, order, pool_targets, spec.scale_at(hour, day))
                for d, n in opened.items():
                    lanes[(d.stage, d.group)][t_index][hour] = n
    return Schedule({k: tuple(tuple(r) for r in rows) for k, rows in lanes.items()})


def _lanes_needed(
    spec: Stage,
    lam: dict[str, float],
    order: list[Decision],
    targets: list[Target],
    scale: float = 1.0,
) -> dict[Decision, int]:
    """Lanes opened in ``order`` until the pool's stationary queue meets every target, for
    arrival rates ``lam`` (per second) of its streams and inspection times times ``scale``."""
    total = sum(lam.values())
    opened = dict.fromkeys(order, 0)
    if total <= 0:
        return opened
    mean = scale * sum(lam[s] * spec.service_for(s).moments[0] for s in lam) / total
    second = (
        scale**2
        * sum(
            lam[s]
            * (spec.service_for(s).moments[0] ** 2)
            * (1 + spec.service_for(s).moments[1] ** 2)
            for s in lam
        )
        / total
    )
    cs2 = second / mean**2 - 1
    for d in order:
        for _ in range(d.lanes):
            booths = sum(opened[o] * o.booths_per_lane for o in order)
            worth = sum(opened[o] * o.worth for o in order)
            if booths and all(
                pool_wait(total, mean * booths / worth, booths, cs2, t) <= t.value for t in targets
            ):
                return opened
            opened[d] += 1
    return opened  # every lane: as close as the pool can get


def _rates(scenario: Scenario, stream: str, stage: str, day: int, lag: bool) -> list[float]:
    """Arrivals per hour of ``stream`` at ``stage`` in each hour of ``day``: the hour's rate
    times the share that visits the stage, or with ``lag`` its modified offered load rate."""
    spec = scenario.stages[stage]
    rates = [
        r * scenario.visit_probability(stage, stream, hour, day)
        for hour, r in enumerate(scenario.hourly_rates(stream, day))
    ]
    if not lag:
        return rates
    # m(t)/E[S] = integral of lambda(t - u) P(S > u) du / E[S], on a one-minute grid, over the
    # day before, this day, and the day after (the schedule repeats); each minute's weight is
    # the exact integral of P(S > u) over it, so the weights add up to E[S]
    times = quantile_function(spec.service_for(stream))((np.arange(4000) + 0.5) / 4000)
    mean = float(times.mean())
    step = 60.0
    starts = np.arange(0.0, float(times.max()) + step, step)
    weights = np.clip(times[None, :] - starts[:, None], 0.0, step).mean(axis=1)
    per_minute = np.repeat(np.asarray(rates) / HOUR, int(HOUR / step))
    three_days = np.tile(per_minute, 3)
    load = np.convolve(three_days, weights)[: len(three_days)] / mean
    day_part = load[len(per_minute) : 2 * len(per_minute)]
    return list(day_part.reshape(HOURS, -1).mean(axis=1) * HOUR)
