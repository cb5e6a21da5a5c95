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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .defaults import MAX_MEMORY_MB
from .model.sampling import quantile_function
from .scenario import Problem, Scenario, ScenarioError
from .scenario.schema import DAYS, HOURS
from .scenario.size import DEFAULT_MAX_TRAVELLERS
from .scenario.units import HOUR as HOUR_S


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
    weights = np.array(
        [
            sum(
                rate * scenario.visit_probability(stage, s, hour, day)
                for hour, rate in enumerate(scenario.hourly_rates(s, day))
            )
            for s in streams
        ]
    )
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
            tuple(
                (scenario.visit_probability(st, s, h, day), scenario.stages[st].scale_at(h, day))
                for s, spec in scenario.streams.items()
                for st in spec.route
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
                visits = {s: scenario.visit_probability(stage, s, hour, day) for s in streams}
                arrivals = sum(rates[s][hour] * visits[s] for s in streams)
                work = spec.scale_at(hour, day) * sum(
                    rates[s][hour] * visits[s] * spec.service_for(s).moments[0] / HOUR_S
                    for s in streams
                )
                capacity = sum(spec.lanes[g].open_at(hour, day) * worth[g] for g in groups)
                rows.append(PoolHour(stage, groups, streams, hour, arrivals, work, capacity))
    return rows


@dataclass(frozen=True)
class CheckReport:
    """What ``borderflow check`` shows: the scenario is valid, its demand by stream and day
    type, the expected travellers of one replication, and each pool's load by hour."""

    scenario: Scenario
    day_types: list[tuple[list[int], int]]
    """(days of the week, a representative day) for each distinct kind of day."""
    load: dict[int, list[PoolHour]]
    """Representative day -> its pool-hours."""
    expected_travellers: dict[str, float]
    """Stream -> travellers expected over one replication's horizon."""
    backlog: Backlog
    """The fluid backlog: how many travellers wait at once when the lanes cannot keep up."""
    memory_mb: float
    """Estimated peak memory of one replication (MB)."""
    max_memory_mb: float | None = None
    """The limit ``run`` applies to :attr:`memory_mb` (None: none)."""

    @property
    def over_capacity(self) -> list[tuple[int, PoolHour]]:
        """(day, pool-hour) where the offered load meets or exceeds the open capacity."""
        return [(d, r) for d, rows in self.load.items() for r in rows if r.utilization >= 1]

    def to_text(self) -> str:
        """The report as the command prints it."""
        s = self.scenario
        lines = [
            f"{s.name}: valid",
            f"horizon {s.horizon / HOUR_S:g} h from {s.start_day}, warm-up "
            f"{s.warmup / HOUR_S:g} h, {s.replications} replications, seed {s.seed}",
            "",
        ]
        names = [day_names(days) for days, _ in self.day_types]
        several = len(self.day_types) > 1
        width = 15 if several else 10
        head = "".join(f"{n[:14]:>15}" for n in names) if several else f"{'per day':>10}"
        lines.append(f"{'stream':<16}{'mode':<12}{head}{'per run':>13}  route")
        for name, stream in s.streams.items():
            per_day = "".join(
                f"{sum(s.hourly_rates(name, day)):>{width},.0f}" for _, day in self.day_types
            )
            lines.append(
                f"{name:<16}{stream.mode:<12}{per_day}{self.expected_travellers[name]:>13,.0f}"
                f"  {' -> '.join(stream.route)}"
            )
        total = sum(self.expected_travellers.values())
        lines.append(
            f"expected travellers in one replication: {total:,.0f} "
            f"({s.replications} replications: {total * s.replications:,.0f})"
        )
        day, hour = divmod(self.backlog.peak_hour, HOURS)
        peak = (
            f"at most {self.backlog.peak_inside:,.0f} travellers waiting at once (day {day}, "
            f"{hour:02d}:00)"
            if self.backlog.peak_inside >= 0.5
            else "no lasting queue"
        )
        lines.append(
            f"fluid estimate: {peak}; memory about {self.memory_mb:,.0f} MB per replication"
        )
        for stage in s.storages():  # room to wait, where it is limited
            parts = [f"{group or kind} {room}" for kind, group, room in s.stages[stage].storages()]
            lines.append(
                f"storage at {stage}: {', '.join(parts)}; when full, booths before it block"
            )
        for (_, day), label in zip(self.day_types, names, strict=True):
            rows = self.load[day]
            keys = sorted(
                {(r.stage, r.groups, r.streams) for r in rows},
                key=lambda p: (list(s.stages).index(p[0]), p[1]),
            )
            for stage, groups, streams in keys:
                where = f" ({label})" if several else ""
                lines += [
                    "",
                    f"{stage}{where}: lanes {', '.join(groups)} serving "
                    f"{', '.join(streams) or 'no stream'}",
                    f"  {'hour':<7}{'arrivals/h':>11}{'load':>8}{'capacity':>10}{'util':>7}",
                ]
                for r in rows:
                    if (r.stage, r.groups, r.streams) != (stage, groups, streams):
                        continue
                    flag = "  <- at or over capacity" if r.utilization >= 1 else ""
                    util = "inf" if r.utilization == float("inf") else f"{r.utilization:.2f}"
                    lines.append(
                        f"  {r.hour:02d}:00 {r.arrivals_per_hour:>11,.0f}{r.offered_load:>8.1f}"
                        f"{r.capacity:>10.1f}{util:>7}{flag}"
                    )
        lines.append("")
        if not self.over_capacity:
            lines.append("every pool of lanes has spare capacity in every hour")
        return "\n".join(lines) + "\n"

    def warnings(self) -> list[str]:
        """What deserves a warning (printed apart from the report): what loading the file
        found (a what-if that changes nothing of its base), the pool-hours over capacity, and
        a replication that would need more memory than ``run`` allows."""
        out = list(self.scenario.load_warnings)
        n = len(self.over_capacity)
        if n:
            out.append(
                f"{n} pool-hours at or over capacity (utilisation >= 1): queues grow through "
                "those hours"
            )
        if self.max_memory_mb is not None and self.memory_mb > self.max_memory_mb:
            out.append(
                f"one replication would need about {self.memory_mb:,.0f} MB, more than the "
                f"limit of {self.max_memory_mb:,.0f} MB: run refuses it (--max-memory MB)"
            )
        return out


def check(
    scenario: Scenario | str | Path | dict[str, Any],
    overrides: Sequence[str] = (),
    max_travellers: int | None = DEFAULT_MAX_TRAVELLERS,
    max_memory_mb: float | None = MAX_MEMORY_MB,
) -> CheckReport:
    """Validate a scenario and measure its load against the open lanes, hour by hour, without
    simulating (``borderflow check``).

    Raises:
        ScenarioError: the scenario or an override is invalid, or one replication expects more
            than ``max_travellers`` (None: no limit), as ``run`` would refuse it. A scenario
            estimated to need more than ``max_memory_mb`` is reported, with a warning.
    """
    from .runner import resolve
    from .scenario.size import expected_travellers

    loaded, _ = resolve(scenario, overrides, max_travellers=max_travellers, max_memory_mb=None)
    types = day_types(loaded)
    queue = backlog(loaded)
    return CheckReport(
        loaded,
        types,
        {day: hourly_load(loaded, day) for _, day in types},
        expected_travellers(loaded),
        queue,
        memory_mb(loaded, queue.peak_inside),
        max_memory_mb,
    )


def day_names(days: list[int]) -> str:
    """'monday-friday', 'saturday', 'sunday', or 'every day'."""
    if len(days) == 7:
        return "every day"
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
    return ", ".join(DAYS[d] for d in days)


MEMORY_BASE_MB = 80.0
"""Memory of a replication process before any traveller: Python, numpy, SimPy, the scenario."""
BYTES_PER_TRAVELLER = 600.0
"""Memory per traveller inside the port (queued or in a booth): the traveller, its needs and its
place in a line; measured at 380 to 590 bytes, rounded up."""
BYTES_PER_HOUR_ROW = 200.0
"""Memory per stream-hour and lane-group-hour of statistics kept until the run ends."""


@dataclass(frozen=True)
class Backlog:
    """The fluid (deterministic) queue of a scenario: work that arrives faster than the open
    lanes can inspect it piles up, hour by hour, over the whole horizon."""

    peak_inside: float
    """Most travellers waiting at once, over all stages and pools."""
    peak_hour: int
    """Simulated hour (from 00:00 of the first day) at which the backlog peaks."""
    left_at_horizon: float
    """Travellers still waiting when arrivals stop."""


def backlog(scenario: Scenario) -> Backlog:
    """The fluid backlog over the horizon, from the hourly load and capacity of every pool (no
    randomness: random queues form below full load too, so this is a lower bound on queues and
    a good estimate of them only under overload, where memory and run time matter)."""
    week = scenario.week_days()
    types = day_types(scenario)
    kind = {day: rep for days, rep in types for day in days}
    load = {rep: hourly_load(scenario, rep) for _, rep in types}
    keys = sorted({(r.stage, r.groups, r.streams) for rows in load.values() for r in rows})
    by_key = {
        rep: {key: [r for r in rows if (r.stage, r.groups, r.streams) == key] for key in keys}
        for rep, rows in load.items()
    }
    per_booth_hour = {}  # travellers per booth-hour of work, per pool (1 / mean inspection)
    for key in keys:
        arrivals = sum(r.arrivals_per_hour for rows in by_key.values() for r in rows[key])
        work = sum(r.offered_load for rows in by_key.values() for r in rows[key])
        per_booth_hour[key] = arrivals / work if work > 0 else 0.0
    work_waiting = dict.fromkeys(keys, 0.0)  # booth-hours of work waiting, per pool
    peak, peak_hour, inside = 0.0, 0, 0.0
    hours = math.ceil(scenario.horizon / HOUR_S)
    for h in range(hours):
        rep = kind[week[(h // HOURS) % 7]]
        inside = 0.0
        for key in keys:
            row = by_key[rep][key][h % HOURS]
            work_waiting[key] = max(0.0, work_waiting[key] + row.offered_load - row.capacity)
            inside += work_waiting[key] * per_booth_hour[key]
        if inside > peak:
            peak, peak_hour = inside, h
    return Backlog(peak, peak_hour, inside)


def memory_mb(scenario: Scenario, peak_inside: float) -> float:
    """Estimated peak memory (MB) of one replication with ``peak_inside`` travellers inside at
    once: a base, the travellers, and the hourly statistics kept until the end."""
    hours = math.ceil(scenario.horizon / HOUR_S)
    groups = sum(len(stage.lanes) for stage in scenario.stages.values())
    rows = hours * (len(scenario.streams) + groups)
    return MEMORY_BASE_MB + (peak_inside * BYTES_PER_TRAVELLER + rows * BYTES_PER_HOUR_ROW) / 1e6


def check_memory(scenario: Scenario, max_memory_mb: float) -> Backlog:
    """Refuse a scenario whose replication would need more than ``max_memory_mb`` (estimated
    from its fluid backlog: an overloaded port keeps its travellers), before anything runs.

    Raises:
        ScenarioError: naming the estimate, where the backlog peaks, and how to raise the limit.
    """
    queue = backlog(scenario)
    need = memory_mb(scenario, queue.peak_inside)
    if need > max_memory_mb:
        day, hour = divmod(queue.peak_hour, HOURS)
        message = (
            f"one replication would need about {need:,.0f} MB: the lanes cannot keep up, and "
            f"about {queue.peak_inside:,.0f} travellers would be waiting at once (day {day}, "
            f"{hour:02d}:00; fluid estimate), more than the limit of {max_memory_mb:,.0f} MB. "
            "Check the arrival rates, the lanes open and the inspection times "
            "(borderflow check shows the load by hour), or raise the limit "
            "(--max-memory MB)"
        )
        raise ScenarioError([Problem(f"scenario {scenario.name!r}", None, None, (), message)])
    return queue
