"""What a staffing plan decides: lanes open per hour for some lane groups, by day type.

A *decision* is a lane group whose open lanes are chosen; a *day type* is a set of simulated
days of the week that have the same demand and the same schedules (a weekday run has one). A
:class:`Schedule` holds, for each decision and day type, the lanes open in each of the 24 hours;
it is put into the scenario as each group's ``open:``, and written as a scenario file that
``extends`` the input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..capacity import booth_equivalents, pools
from ..capacity import day_types as week_day_types
from ..errors import InputError
from ..scenario import Scenario
from ..scenario.schema import DAYS, HOURS
from ..scenario.units import DAY
from .targets import Target


class StaffingError(InputError):
    """A staffing question that cannot be asked of this scenario."""


@dataclass(frozen=True)
class Decision:
    """A lane group whose open lanes per hour are decided."""

    stage: str
    group: str
    lanes: int
    """Lanes the group has: the most that can be open."""
    booths_per_lane: int
    worth: float
    """Single booths one lane is worth (less than ``booths_per_lane`` for stacked booths)."""
    pool: int
    """Decisions with the same pool share the travellers they serve."""

    @property
    def name(self) -> str:
        return f"{self.stage}.{self.group}"


@dataclass(frozen=True)
class DayType:
    """Simulated days of the week (0 = Monday) with the same demand and schedules."""

    days: tuple[int, ...]

    @property
    def label(self) -> str:
        """``weekday``, ``weekend``, a day's name, or the names joined by ``+``."""
        if self.days == (0, 1, 2, 3, 4):
            return "weekday"
        if self.days == (5, 6):
            return "weekend"
        return "+".join(DAYS[d] for d in self.days)


Key = tuple[str, str]
"""(stage, lane group)."""


@dataclass(frozen=True)
class Schedule:
    """Lanes open: decision -> one 24-hour tuple per day type (in the order of ``types``)."""

    lanes: dict[Key, tuple[tuple[int, ...], ...]]

    def key(self) -> tuple:
        return tuple(sorted(self.lanes.items()))

    def at(self, key: Key, day_type: int, hour: int) -> int:
        return self.lanes[key][day_type][hour]

    def changed(self, key: Key, day_type: int, hour: int, by: int) -> Schedule:
        """A copy with ``by`` more (or fewer) lanes open in one hour of one day type."""
        rows = [list(r) for r in self.lanes[key]]
        rows[day_type][hour] += by
        return Schedule({**self.lanes, key: tuple(tuple(r) for r in rows)})

    def lane_hours(self, plan: Plan, keys: Iterable[Key] | None = None) -> float:
        """Lane-hours open in the cycle of ``plan`` (a day with one day type, else the days
        of the week simulated)."""
        keys = list(self.lanes) if keys is None else list(keys)
        return float(
            sum(plan.days_of(t) * sum(self.lanes[k][t]) for k in keys for t in plan.type_range)
        )

    def booth_hours(self, plan: Plan) -> float:
        """Booth-hours staffed in the cycle of ``plan``: what officers must cover."""
        return float(
            sum(
                plan.days_of(t) * sum(self.lanes[(d.stage, d.group)][t]) * d.booths_per_lane
                for d in plan.decisions
                for t in plan.type_range
            )
        )


@dataclass(frozen=True)
class Plan:
    """The decisions and day types of a staffing question about one scenario."""

    scenario: Scenario
    decisions: tuple[Decision, ...]
    types: tuple[DayType, ...]
    day_of_week: tuple[int, ...]
    """Day of the week of each simulated day."""
    counted: range
    """Absolute hours whose arrivals are counted."""

    @property
    def keys(self) -> list[Key]:
        return [(d.stage, d.group) for d in self.decisions]

    def decision(self, key: Key) -> Decision:
        return next(d for d in self.decisions if (d.stage, d.group) == key)

    def type_of_hour(self, hour: int) -> int:
        """Day type of absolute ``hour`` (hours before the first day count as its own)."""
        day = hour // HOURS
        weekday = self.day_of_week[min(day, len(self.day_of_week) - 1)]
        return next(i for i, t in enumerate(self.types) if weekday in t.days)

    @property
    def type_range(self) -> range:
        return range(len(self.types))

    def days_of(self, day_type: int) -> int:
        """Days of the cycle of the day type: 1 with one day type (the cycle is a day), else
        its days of the week (the cycle is the week)."""
        return 1 if len(self.types) == 1 else len(self.types[day_type].days)

    @property
    def cycle(self) -> str:
        """What lane-hours and officer-hours are counted over: ``a day`` or ``a week``."""
        return "a day" if len(self.types) == 1 else "a week"

    def serving(self, stream: str) -> list[Decision]:
        """The decisions at ``stream``'s wait stage that serve it."""
        spec = self.scenario.streams[stream]
        stage = spec.wait_until or spec.route[0]
        groups = set(self.scenario.groups_serving(stage, stream))
        return [d for d in self.decisions if d.stage == stage and d.group in groups]

    def own(self) -> Schedule:
        """The scenario's own schedule of the decided groups."""
        lanes = {}
        for d in self.decisions:
            spec = self.scenario.stages[d.stage].lanes[d.group]
            lanes[(d.stage, d.group)] = tuple(
                tuple(spec.open_at(h, t.days[0]) for h in range(HOURS)) for t in self.types
            )
        return Schedule(lanes)

    def full(self) -> Schedule:
        """Every lane of every decided group open in every hour."""
        return Schedule(
            {(d.stage, d.group): ((d.lanes,) * HOURS,) * len(self.types) for d in self.decisions}
        )

    def apply(self, schedule: Schedule) -> Scenario:
        """The scenario with ``schedule`` as the decided groups' ``open:``."""
        data = self.scenario.model_dump(mode="json", exclude_none=True)
        for key, value in self.open_values(schedule).items():
            stage, group = key
            data["stages"][stage]["lanes"][group]["open"] = value
        return Scenario.model_validate(data)

    def open_values(self, schedule: Schedule) -> dict[Key, Any]:
        """Each decided group's ``open:`` as a scenario file gives it: a list of 24 when one day
        type is simulated and the group's own schedule does not vary by day, else a map by day
        (the simulated days from ``schedule``, the others as the scenario had them)."""
        out: dict[Key, Any] = {}
        for key, rows in schedule.lanes.items():
            stage, group = key
            spec = self.scenario.stages[stage].lanes[group]
            if len(self.types) == 1 and not isinstance(spec.open, dict):
                out[key] = list(rows[0])
                continue
            by_day: dict[str, Any] = {}
            for day in range(7):
                found = [i for i, t in enumerate(self.types) if day in t.days]
                if found:
                    by_day[DAYS[day]] = list(rows[found[0]])
                elif isinstance(spec.open, dict):
                    continue  # kept by the merge with the file extended
                else:
                    by_day[DAYS[day]] = [spec.open_at(h, day) for h in range(HOURS)]
            out[key] = by_day
        return out


def make_plan(
    scenario: Scenario, targets: Sequence[Target], groups: Sequence[str] | None = None
) -> Plan:
    """The decisions for ``targets``: the lane groups that serve a targeted stream at the stage
    where its wait ends, or those of them named in ``groups`` (``STAGE.GROUP``).

    Raises:
        StaffingError: a named group does not exist or serves no targeted stream there.
    """
    candidates: dict[Key, None] = {}
    for target in targets:
        spec = scenario.streams[target.stream]
        stage = spec.wait_until or spec.route[0]
        for g in scenario.groups_serving(stage, target.stream):
            candidates[(stage, g)] = None
    if groups:
        chosen: list[Key] = []
        for text in groups:
            stage, _, group = str(text).partition(".")
            if stage not in scenario.stages or group not in scenario.stages[stage].lanes:
                known = ", ".join(f"{s}.{g}" for s, st in scenario.stages.items() for g in st.lanes)
                raise StaffingError(
                    f"--groups {text}: no lane group {group!r} at a stage {stage!r}; "
                    f"the scenario has {known}"
                )
            if (stage, group) not in candidates:
                raise StaffingError(
                    f"--groups {text}: this group serves no targeted stream at the stage where "
                    "that stream's wait ends, so no target depends on it; the groups that do: "
                    + ", ".join(f"{s}.{g}" for s, g in candidates)
                )
            chosen.append((stage, group))
        keys = list(dict.fromkeys(chosen))
    else:
        keys = list(candidates)
    decisions = []
    pool_ids: dict[tuple[str, tuple[str, ...]], int] = {}
    for stage, group in keys:
        for groups_of_pool, streams in pools(scenario, stage):
            if group in groups_of_pool:
                pool = pool_ids.setdefault((stage, groups_of_pool), len(pool_ids))
                group_spec = scenario.stages[stage].lanes[group]
                worth = booth_equivalents(scenario, stage, streams, group_spec.booths_per_lane)
                decisions.append(
                    Decision(
                        stage, group, group_spec.lanes, group_spec.booths_per_lane, worth, pool
                    )
                )
    days = math.ceil(scenario.horizon / DAY)
    day_of_week = tuple(scenario.week_days()[d % 7] for d in range(days))
    types = day_types(scenario, day_of_week)
    return Plan(scenario, tuple(decisions), types, day_of_week, scenario.counted_hours())


def day_types(scenario: Scenario, day_of_week: Sequence[int]) -> tuple[DayType, ...]:
    """The simulated days of the week grouped by demand and schedules."""
    simulated = set(day_of_week)
    groups = [tuple(d for d in days if d in simulated) for days, _ in week_day_types(scenario)]
    return tuple(DayType(days) for days in groups if days)
