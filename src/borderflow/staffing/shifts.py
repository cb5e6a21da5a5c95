"""Officer shifts that cover an hourly need, with the fewest officer-hours.

The classic set-covering model of shift scheduling (Dantzig 1954): a column for every shift
that can be worked (a start hour, a length, and with breaks the hour of its break), an integer
number of officers on each, and for every hour the officers on duty at least the officers
needed. The day (or week) repeats, so a shift may run past midnight into the next one. Solved
exactly as an integer programme with HiGHS (``scipy.optimize.milp``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

BREAK_FROM = 3
"""With breaks, a shift's one-hour break falls after at least this many hours of work, and
leaves at least this many after it (``break_after`` of 3 to ``hours - 3``)."""


@dataclass(frozen=True)
class Shift:
    """``officers`` officers working ``hours`` hours from ``start`` (an hour of the cycle),
    off duty in hour ``start + break_after`` when it has a break."""

    start: int
    hours: int
    officers: int
    break_after: int | None = None

    def covers(self, cycle: int) -> np.ndarray:
        """0/1 for each hour of the cycle: on duty."""
        on = np.zeros(cycle, dtype=int)
        for k in range(self.hours):
            if k != self.break_after:
                on[(self.start + k) % cycle] = 1
        return on


@dataclass(frozen=True)
class ShiftPlan:
    """Shifts covering ``need`` (officers per hour of a repeating cycle)."""

    need: tuple[int, ...]
    shifts: tuple[Shift, ...]

    @property
    def officer_hours(self) -> int:
        """Hours paid: every hour of every shift, its break included."""
        return sum(s.officers * s.hours for s in self.shifts)

    @property
    def officers(self) -> int:
        return sum(s.officers for s in self.shifts)

    def on_duty(self) -> np.ndarray:
        cycle = len(self.need)
        total = np.zeros(cycle, dtype=int)
        for s in self.shifts:
            total += s.officers * s.covers(cycle)
        return total


def shift_columns(cycle: int, lengths: Sequence[int], breaks: bool) -> list[Shift]:
    """Every shift that can be worked in a cycle of ``cycle`` hours (one officer each)."""
    columns = []
    for hours in sorted(set(lengths)):
        offsets: list[int | None] = (
            list(range(BREAK_FROM, hours - BREAK_FROM)) if breaks and hours > 2 * BREAK_FROM else []
        ) or [None]
        for start in range(cycle):
            for off in offsets:
                columns.append(Shift(start, hours, 1, off))
    return columns


def plan_shifts(
    need: Sequence[int], lengths: Sequence[int] = (8,), breaks: bool = False
) -> ShiftPlan:
    """The shifts of the given ``lengths`` (hours) that cover ``need`` (officers in each hour of
    a cycle that repeats, e.g. 24 or 168 hours) with the fewest officer-hours.

    Raises:
        ValueError: a length is not between 1 and the cycle, or a need is negative.
    """
    need_arr = np.asarray([int(n) for n in need], dtype=int)
    cycle = len(need_arr)
    if cycle == 0:
        raise ValueError("no hours to cover")
    if (need_arr < 0).any():
        raise ValueError("officers needed cannot be negative")
    if not lengths or any(not 1 <= int(h) <= cycle for h in lengths):
        raise ValueError(
            f"shift lengths must be between 1 and {cycle} hours, found {list(lengths)}"
        )
    if not need_arr.any():
        return ShiftPlan(tuple(int(n) for n in need_arr), ())
    columns = shift_columns(cycle, [int(h) for h in lengths], breaks)
    cover = np.array([c.covers(cycle) for c in columns]).T  # hours x columns
    cost = np.array([c.hours for c in columns], dtype=float)
    solution = milp(
        cost,
        constraints=LinearConstraint(cover, lb=need_arr, ub=np.inf),
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, np.inf),
    )
    if not solution.success:  # pragma: no cover - a covering problem always has a solution
        raise RuntimeError(f"shift scheduling failed: {solution.message}")
    counts = np.rint(solution.x).astype(int)
    shifts = tuple(
        Shift(c.start, c.hours, int(n), c.break_after)
        for c, n in zip(columns, counts, strict=True)
        if n > 0
    )
    return ShiftPlan(tuple(int(n) for n in need_arr), shifts)
