"""Offered load against the capacity of open lanes, hour by hour (``borderflow check``).

A quick, simulation-free look at where a port is short of lanes. Within a stage, streams and
lane groups that share lanes (a Ready-Lane stream that may also use general lanes) form one
*pool*; for each pool and hour:

    offered load  = sum over streams of arrivals/h x visit share x mean inspection time (h)
    capacity      = open lanes x booth-equivalents per lane
    utilisation   = offered load / capacity

A stacked lane of k booths is worth k·E[S]/E[max(S1..Sk)] single booths (vehicles enter in
groups and the lane frees when the slowest is done), estimated here from 20,000 draws of the
pool's service-time mix with a fixed seed. A utilisation at or above 1 means the queue grows
through that hour. Later stages are loaded with the same hourly pattern as arrivals (the shift by
the time spent upstream is ignored).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model.sampling import quantile_function
from .scenario import Scenario

HOURS = 24


@dataclass(frozen=True)
class PoolHour:
    """Load of one pool of lanes in one hour of the day."""

    stage: str
    groups: tuple[str, ...]
    streams: tuple[str, ...]
    hour: int
    arrivals_per_hour: float
    offered_load: float
    """Booth-hours of inspection work arriving per hour."""
    capacity: float
    """Booth-equivalents open in the hour."""

    @property
    def utilization(self) -> float:
        """Offered load over capacity (inf with work and no open lane)."""
        if self.capacity > 0:
            return self.offered_load / self.capacity
        return float("inf") if self.offered_load > 0 else 0.0


def pools(scenario: Scenario, stage: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Groups of lane groups and streams of ``stage`` that share lanes: (groups, streams)."""
    streams = [s for s, spec in scenario.streams.items() if stage in spec.route]
    parent = {("g", g): ("g", g) for g in scenario.stages[stage].lanes}
    parent.update({("s", s): ("s", s) for s in streams})

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for s in streams:
        for g in scenario.groups_serving(stage, s):
            parent[find(("s", s))] = find(("g", g))
    result: dict[tuple, tuple[list[str], list[str]]] = {}
    for node in parent:
        kind, name = node
        entry = result.setdefault(find(node), ([], []))
        (entry[0] if kind == "g" else entry[1]).append(name)
    return [(tuple(g), tuple(s)) for g, s in result.values() if g]


def booth_equivalents(
    scenario: Scenario, stage: str, streams: tuple[str, ...], k: int, day: int = 0
) -> float:
    """How many single booths one lane of ``k`` stacked booths is worth for this stream mix."""
    if k == 1 or not streams:
        return float(k)
    rng = np.random.default_rng(20261128)
    spec = scenario.stages[stage]
    weights = np.array([sum(scenario.hourly_rates(s, day)) * spec.visit_share(s) for s in streams])
    if weights.sum() <= 0:
        weights = np.ones(len(streams))
    counts = rng.multinomial(20_000, weights / weights.sum())
    draws = []
    for stream, count in zip(streams, counts, strict=True):
        quantile = quantile_function(spec.service_for(stream))
        draws.append(quantile(rng.random((count, k))))
    times = np.concatenate(draws)
    return float(k * times.mean() / times.max(axis=1).mean())


def day_types(scenario: Scenario) -> list[tuple[list[int], int]]:
    """Days of the week (0 = Monday) that share the same demand and schedules, grouped:
    [(days, representative day)], in week order."""
    groups: dict[tuple, list[int]] = {}
    for day in range(7):
        key = (
            tuple(scenario.hourly_rates(s, day) for s in scenario.streams),
            tuple(
                g.open_at(h, day)
                for st in scenario.stages.values()
                for g in st.lanes.values()
                for h in range(HOURS)
            ),
        )
        groups.setdefault(key, []).append(day)
    return [(days, days[0]) for days in groups.values()]


def hourly_load(scenario: Scenario, day: int = 0) -> list[PoolHour]:
    """Offered load and capacity of every pool of every stage, for each hour of day of week
    ``day`` (0 = Monday)."""
    rows = []
    for stage, spec in scenario.stages.items():
        for groups, streams in pools(scenario, stage):
            worth = {
                g: booth_equivalents(scenario, stage, streams, spec.lanes[g].booths_per_lane, day)
                for g in groups
            }
            rates = {s: scenario.hourly_rates(s, day) for s in streams}
            for hour in range(HOURS):
                arrivals = sum(rates[s][hour] * spec.visit_share(s) for s in streams)
                work = sum(
                    rates[s][hour] * spec.visit_share(s) * spec.service_for(s).moments[0] / 3600
                    for s in streams
                )
                capacity = sum(spec.lanes[g].open_at(hour, day) * worth[g] for g in groups)
                rows.append(PoolHour(stage, groups, streams, hour, arrivals, work, capacity))
    return rows
