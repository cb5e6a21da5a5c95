"""The staffing search: the fewest lane-hours whose simulated waits meet every hourly target.

Simulation-based iterative staffing in the manner of Feldman, Mandelbaum, Massey and Whitt
(2008), adapted to lanes and wait targets by hour of arrival:

1. **Bounds.** Every lane open: the hours that miss a target even so are impossible with the
   lanes the port has (reported, and left at all lanes).
2. **Start** from the stationary schedule of the modified offered load
   (:mod:`borderflow.staffing.stationary`).
3. **Up.** Simulate the replications (common random numbers: the same seeds every time, so two
   schedules differ only by their lanes); for every hour that misses a target, open a lane (two
   when the bound is twice the target or more) in that hour in the pool serving the stream, or,
   if the pool is full then, in the nearest earlier hour that has a lane to open (the queue that
   those travellers meet was built then). Repeat until no hour misses: the schedule repeats.
4. **Down.** Try closing a lane in hours with slack, most slack first, several at a time (at
   least three hours apart in a pool, so that their effects hardly meet; only where every
   target they may affect has 10% slack or more); keep them if every
   target is still met. Otherwise the closure nearest each hour that missed (in that hour,
   the three before or the one after, in the pool serving the stream) stays open for good, and the
   next batch is half as big; it doubles again after a batch that is kept.

An hour is met when the upper end of the 95% confidence interval over the replications is at
or below the target (:mod:`borderflow.staffing.targets`). Each step is one run of the
replications through the one dispatcher (:mod:`borderflow.execution`), with one executor for
the whole search.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import defaults
from ..execution import executor_for, map_replications
from ..runner import expected_travellers, resolve
from ..scenario import Scenario
from ..scenario.schema import HOURS
from ..scenario.size import DEFAULT_MAX_TRAVELLERS
from .schedule import Decision, Key, Plan, Schedule, StaffingError, make_plan
from .shifts import ShiftPlan, plan_shifts
from .stationary import stationary_schedule
from .targets import (
    RULES,
    HourCheck,
    Target,
    TargetError,
    check_hours,
    measure_hours,
    parse_target,
)

MAX_ITERATIONS = 30
"""Simulation runs allowed to each of the up and down phases."""
LOOK_BACK = 3
"""Hours before a missed hour where a closure may have caused it (down phase); the hour after
it counts too, for those who arrived late in the hour and waited into the next."""
POOLED = "all"
"""The lane group of a stage's shifts when its officers are pooled over its lane groups."""
SPACING = 3
"""Hours between lanes closed together in one pool (down phase)."""
MIN_SLACK = 0.1
"""A lane is tried for closing only where every target it may affect has at least this much
slack (the bound 10% under the target): closing one of a few lanes raises waits by more."""


@dataclass
class Evaluation:
    """A schedule and its targets, hour by hour, over the replications."""

    schedule: Schedule
    checks: list[HourCheck]

    def missed(self, excluded: frozenset[tuple[int, int]] = frozenset()) -> list[HourCheck]:
        """Hours that miss a target, but for ``excluded`` (target index, hour) pairs."""
        return [c for c in self.checks if not c.met and (c.index, c.hour) not in excluded]


@dataclass(frozen=True)
class Step:
    """One simulation run of the search."""

    number: int
    phase: str
    """``bound`` (every lane), ``start``, ``up``, ``down``, ``stationary`` or ``scenario``."""
    lane_hours: float
    hours_missed: int
    worst: float
    """The largest excess over a target, relative to it (negative: every hour has slack)."""
    changed: int
    """Lane-hours changed from the schedule before."""
    seconds: float


STEP_COLUMNS = ("step", "phase", "lane_hours", "hours_missed", "worst_excess", "changed", "seconds")


@dataclass
class StaffingResult:
    """What the search found, against the stationary schedule and the scenario's own."""

    scenario: Scenario
    plan: Plan
    targets: tuple[Target, ...]
    found: Evaluation
    stationary: Evaluation
    own: Evaluation
    steps: list[Step]
    impossible: list[HourCheck]
    """Hours that miss a target even with every lane open."""
    shift_hours: tuple[int, ...] = (8,)
    breaks: bool = False
    pool_shifts: bool = False
    rule: str = "ci"
    source: str | None = None
    overrides: tuple[str, ...] = ()
    interrupted: bool = False
    wall_time_s: float = 0.0
    _shifts: dict[str, dict[Key, ShiftPlan]] = field(default_factory=dict, repr=False)

    @property
    def replications(self) -> int:
        return self.scenario.replications

    @property
    def seed(self) -> int:
        return self.scenario.seed

    def schedules(self) -> dict[str, Evaluation]:
        """``found``, ``stationary`` and ``scenario`` (the scenario's own)."""
        return {"found": self.found, "stationary": self.stationary, "scenario": self.own}

    def shifts(self, which: str = "found") -> dict[Key, ShiftPlan]:
        """Officer shifts covering a schedule's booths, per decided lane group, or with
        ``pool_shifts`` per stage (lane group ``all``: officers move between its groups)."""
        if which not in self._shifts:
            schedule = self.schedules()[which].schedule
            needs: dict[Key, list[int]] = {}
            for key in self.plan.keys:
                need = self.officers_needed(schedule, key)
                target = (key[0], POOLED) if self.pool_shifts else key
                if target in needs:
                    needs[target] = [a + b for a, b in zip(needs[target], need, strict=True)]
                else:
                    needs[target] = need
            self._shifts[which] = {
                key: plan_shifts(need, self.shift_hours, self.breaks) for key, need in needs.items()
            }
        return self._shifts[which]

    def officers_needed(self, schedule: Schedule, key: Key) -> list[int]:
        """Officers on duty needed in each hour of the cycle: lanes open x booths per lane.
        The cycle is a day when one day type is simulated, else the week from Monday, in which
        the days the run does not simulate need nobody (they are not part of the question)."""
        d = self.plan.decision(key)
        if len(self.plan.types) == 1:
            return [n * d.booths_per_lane for n in schedule.lanes[key][0]]
        week = []
        for day in range(7):
            found = [i for i, t in enumerate(self.plan.types) if day in t.days]
            for h in range(HOURS):
                n = schedule.lanes[key][found[0]][h] if found else 0
                week.append(n * d.booths_per_lane)
        return week

    def officer_hours(self, which: str) -> int:
        """Officer-hours a day (or a week, with several day types) of a schedule's shifts."""
        return sum(p.officer_hours for p in self.shifts(which).values())

    def day_label(self, day_type: int) -> str | int:
        return 0 if len(self.plan.types) == 1 else self.plan.types[day_type].label


Progress = Callable[[float, int], None]
Journal = Callable[[Step], None]


def staff(
    scenario: Scenario | str | Path | dict[str, Any],
    targets: Sequence[Target | str],
    *,
    groups: Sequence[str] | None = None,
    shift_hours: Sequence[int] = (8,),
    breaks: bool = False,
    pool_shifts: bool = False,
    replications: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    jobs: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    iterations: int = MAX_ITERATIONS,
    rule: str = "ci",
    progress: Progress | None = None,
    journal: Journal | None = None,
    max_travellers: int | None = DEFAULT_MAX_TRAVELLERS,
    max_memory_mb: float | None = defaults.MAX_MEMORY_MB,
) -> StaffingResult:
    """Find the fewest lane-hours of the lane groups serving the targeted streams (or of
    ``groups``) for which every target holds in every counted hour, and the officer shifts
    that cover them (see the module's text for the method).

    Args:
        scenario: a :class:`Scenario`, a scenario file, or its content as a dict.
        targets: ``Target`` objects or texts ``STREAM:METRIC<=VALUE``.
        groups: ``STAGE.GROUP`` names to decide (default: every group serving a targeted
            stream at the stage where its wait ends); the others keep their schedule.
        shift_hours: the shift lengths officers may work (hours).
        breaks: give every shift longer than 6 hours a one-hour break.
        pool_shifts: plan a stage's shifts for all its decided lane groups together (officers
            move between them), rather than group by group.
        replications, seed, overrides, jobs, dask, executor, max_travellers, max_memory_mb:
            as for :func:`borderflow.run`; the same seeds are used for every schedule tried.
        iterations: simulation runs allowed to each phase of the search.
        rule: an hour meets a target when the upper end of the 95% CI over replications is
            at or below it (``"ci"``), or its mean is (``"mean"``: cheaper, met half the time
            at the boundary).
        progress: ``progress(done, total)`` after each simulation run.
        journal: called with each :class:`Step` as it is made (the command writes them).

    Returns:
        A :class:`StaffingResult`. After Ctrl-C it holds the best schedule so far (the last
        one that met every target, or the last tried) and ``interrupted`` is set.

    Raises:
        TargetError, StaffingError: a target or a group that cannot be used.
        ScenarioError: the scenario or an override is invalid.
    """
    started = time.perf_counter()
    scenario, source = resolve(
        scenario, overrides, replications, seed, max_travellers, max_memory_mb
    )
    parsed = tuple(t if isinstance(t, Target) else parse_target(t, scenario) for t in targets)
    if not parsed:
        raise TargetError("give at least one target, e.g. --target car_general:wait_p95_min<=30")
    for t in parsed:
        if t.stream not in scenario.streams:
            raise TargetError(f"target {t.text}: no stream {t.stream!r} in the scenario")
    lengths = tuple(int(h) for h in shift_hours)
    if not lengths or any(not 1 <= h <= 24 for h in lengths):
        raise StaffingError(f"shift lengths are between 1 and 24 hours, found {list(shift_hours)}")
    if rule not in RULES:
        raise StaffingError(f"rule must be one of {', '.join(RULES)}, found {rule!r}")
    plan = make_plan(scenario, parsed, groups)
    if not plan.decisions:
        raise StaffingError("no lane group serves the targeted streams")
    total = 2 * iterations + 4
    work = (scenario.replications, expected_travellers(scenario) * scenario.replications)
    with executor_for(jobs, dask, executor, work=work) as pool:
        search = _Search(plan, parsed, pool, progress, journal, total, rule)
        try:
            search.run(iterations)
        except KeyboardInterrupt:
            search.interrupted = True
    stationary = search.evaluations.get(search.stationary.key())
    own = search.evaluations.get(plan.own().key())
    # stopped before a schedule of the search was simulated: nothing found (no checks)
    found = search.best or search.last or Evaluation(search.stationary, [])
    result = StaffingResult(
        scenario=scenario,
        plan=plan,
        targets=parsed,
        found=found,
        stationary=stationary or Evaluation(search.stationary, []),
        own=own or Evaluation(plan.own(), []),
        steps=search.steps,
        impossible=search.impossible,
        shift_hours=lengths,
        breaks=breaks,
        pool_shifts=pool_shifts,
        rule=rule,
        source=source,
        overrides=tuple(overrides),
        interrupted=search.interrupted,
    )
    result.wall_time_s = time.perf_counter() - started
    if progress:
        progress(total, total)
    return result


class _Search:
    def __init__(
        self,
        plan: Plan,
        targets: tuple[Target, ...],
        pool: Executor,
        progress: Progress | None,
        journal: Journal | None,
        total: int,
        rule: str = "ci",
    ):
        self.plan = plan
        self.rule = rule
        self.targets = targets
        self.pool = pool
        self.progress = progress
        self.journal = journal
        self.total = total
        self.evaluations: dict[tuple, Evaluation] = {}
        self.steps: list[Step] = []
        self.impossible: list[HourCheck] = []
        self.excluded: frozenset[tuple[int, int]] = frozenset()
        self.best: Evaluation | None = None
        """The last schedule that met every possible target."""
        self.last: Evaluation | None = None
        self.interrupted = False
        self.stationary = stationary_schedule(plan, targets)
        self.reduce = functools.partial(measure_hours, targets)
        self.pools: dict[int, list[Decision]] = {}
        for d in plan.decisions:
            self.pools.setdefault(d.pool, []).append(d)
        self.pool_of_stream: dict[str, int | None] = {
            t.stream: (plan.serving(t.stream)[0].pool if plan.serving(t.stream) else None)
            for t in targets
        }

    # --- one simulation run ------------------------------------------------------------------

    def evaluate(self, schedule: Schedule, phase: str) -> Evaluation:
        key = schedule.key()
        if key in self.evaluations:
            return self.evaluations[key]
        started = time.perf_counter()
        scenario = self.plan.apply(schedule)
        values = map_replications(
            scenario, range(scenario.replications), self.pool, reduce=self.reduce, waits=True
        )
        checks = check_hours(self.targets, scenario, values, self.rule)
        evaluation = Evaluation(schedule, checks)
        self.evaluations[key] = evaluation
        missed = evaluation.missed(self.excluded)
        before = self.last.schedule if self.last is not None else schedule
        step = Step(
            len(self.steps) + 1,
            phase,
            schedule.lane_hours(self.plan),
            len({c.hour for c in missed}),
            max((c.excess for c in evaluation.checks if c.estimate.replications), default=0.0),
            _changed(before, schedule),
            time.perf_counter() - started,
        )
        self.steps.append(step)
        if phase not in ("bound", "stationary", "scenario"):
            self.last = evaluation
            if not missed:
                self.best = evaluation
        if self.journal:
            self.journal(step)
        if self.progress:
            self.progress(min(len(self.steps), self.total - 1), self.total)
        return evaluation

    # --- the phases --------------------------------------------------------------------------

    def run(self, iterations: int) -> None:
        bound = self.evaluate(self.plan.full(), "bound")
        self.impossible = bound.missed()
        self.excluded = frozenset((c.index, c.hour) for c in self.impossible)
        current = self.evaluate(stationary_schedule(self.plan, self.targets, lag=True), "start")
        schedule = current.schedule
        for _ in range(iterations):
            missed = current.missed(self.excluded)
            if not missed:
                break
            schedule = self.raised(schedule, missed)
            if schedule.key() == current.schedule.key():
                break  # nothing left to open where it would help
            current = self.evaluate(schedule, "up")
        if not current.missed(self.excluded):
            self.lower(current, iterations)
        self.evaluate(self.stationary, "stationary")
        self.evaluate(self.plan.own(), "scenario")

    def raised(self, schedule: Schedule, missed: list[HourCheck]) -> Schedule:
        """One more lane (two for a large miss) where each missed hour needs it."""
        done: set[tuple[int, int, int]] = set()
        for c in sorted(missed, key=lambda c: (-c.excess, c.hour)):
            pool = self.pool_of_stream.get(c.target.stream)
            if pool is None:
                continue
            step = 2 if c.excess >= 1 else 1
            order = sorted(self.pools[pool], key=lambda d: (-d.worth, d.group))
            for back in range(HOURS):
                hour = c.hour - back
                if hour < 0:
                    break
                slot = (pool, self.plan.type_of_hour(hour), hour % HOURS)
                if slot in done:
                    break
                opened = False
                for d in order:
                    key = (d.stage, d.group)
                    spare = d.lanes - schedule.at(key, slot[1], slot[2])
                    if spare > 0:
                        schedule = schedule.changed(key, slot[1], slot[2], min(step, spare))
                        opened = True
                        break
                if opened:
                    done.add(slot)
                    break
        return schedule

    def lower(self, current: Evaluation, iterations: int) -> None:
        """Close lanes where the targets have slack, keeping what still meets them all.

        A round tries a batch of closures; if some hour then misses, the closures blamed for it
        are kept open for good and the next batch is half as big (it doubles again after a
        round that keeps every closure), so that the search ends with single closures tried
        one by one where the slack is thin."""
        fixed: set[tuple[Key, int, int]] = set()
        batch: int | None = None
        for _ in range(iterations):
            picks = self.picks(current, fixed)[:batch]
            if not picks:
                return
            trial = current.schedule
            for key, day_type, hour in picks:
                trial = trial.changed(key, day_type, hour, -1)
            tried = self.evaluate(trial, "down")
            missed = tried.missed(self.excluded)
            if not missed:
                current = tried
                batch = None if batch is None else 2 * batch
                continue
            fixed |= self.blame(picks, missed)
            batch = max(1, len(picks) // 2)

    def picks(
        self, current: Evaluation, fixed: set[tuple[Key, int, int]]
    ) -> list[tuple[Key, int, int]]:
        """Lanes to try closing together: in hours with slack, most slack first, at least
        ``SPACING`` hours apart within a pool."""
        plan = self.plan
        worst: dict[tuple[int, int, int], float] = {}
        for c in current.checks:
            if not c.estimate.replications or (c.index, c.hour) in self.excluded:
                continue
            pool = self.pool_of_stream.get(c.target.stream)
            if pool is None:
                continue
            for back in range(-1, LOOK_BACK + 1):
                hour = c.hour - back
                if hour < 0:
                    break
                slot = (pool, plan.type_of_hour(hour), hour % HOURS)
                worst[slot] = max(worst.get(slot, -math.inf), c.excess)
        options = []
        for d in plan.decisions:
            key = (d.stage, d.group)
            for day_type in range(len(plan.types)):
                for hour in range(HOURS):
                    if current.schedule.at(key, day_type, hour) <= 0:
                        continue
                    if (key, day_type, hour) in fixed:
                        continue
                    slack = worst.get((d.pool, day_type, hour), -math.inf)
                    if slack > -MIN_SLACK:
                        continue
                    options.append((slack, d.worth, d.pool, key, day_type, hour))
        options.sort(key=lambda o: (o[0], -o[1], o[3], o[4], o[5]))
        chosen: list[tuple[Key, int, int]] = []
        taken: list[tuple[int, int, int]] = []
        for _, _, pool, key, day_type, hour in options:
            if any(p == pool and t == day_type and _apart(h, hour) < SPACING for p, t, h in taken):
                continue
            chosen.append((key, day_type, hour))
            taken.append((pool, day_type, hour))
        return chosen

    def blame(
        self, picks: list[tuple[Key, int, int]], missed: list[HourCheck]
    ) -> set[tuple[Key, int, int]]:
        """The closures that may have made these hours miss: in the pool serving the stream,
        the nearest in the missed hour or the ``LOOK_BACK`` before it; if none, all of the
        pool's."""
        blamed: set[tuple[Key, int, int]] = set()
        by_pool: dict[int, list[tuple[Key, int, int]]] = {}
        for p in picks:
            by_pool.setdefault(self.plan.decision(p[0]).pool, []).append(p)
        for c in missed:
            pool = self.pool_of_stream.get(c.target.stream)
            mine = by_pool.get(pool, []) if pool is not None else []
            found = None
            for back in (0, 1, -1, *range(2, LOOK_BACK + 1)):
                hour = c.hour - back
                if hour < 0:
                    continue
                slot = (self.plan.type_of_hour(hour), hour % HOURS)
                found = next((p for p in mine if (p[1], p[2]) == slot), None)
                if found:
                    break
            if found:
                blamed.add(found)
            else:
                blamed |= set(mine) if mine else set(picks)
        return blamed


def _apart(a: int, b: int) -> int:
    d = abs(a - b) % HOURS
    return min(d, HOURS - d)


def _changed(before: Schedule, after: Schedule) -> int:
    return sum(
        abs(x - y)
        for key in after.lanes
        for row_a, row_b in zip(before.lanes.get(key, ()), after.lanes[key], strict=False)
        for x, y in zip(row_a, row_b, strict=True)
    )
