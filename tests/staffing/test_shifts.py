"""Officer shifts: every hour covered, and the integer programme's optimum is the true one."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from borderflow.staffing import plan_shifts
from borderflow.staffing.shifts import shift_columns


def brute_force(need: list[int], lengths: list[int], most: int) -> int:
    """Fewest officer-hours covering ``need``, trying every count 0..most on every shift."""
    columns = shift_columns(len(need), lengths, breaks=False)
    cover = np.array([c.covers(len(need)) for c in columns])
    cost = np.array([c.hours for c in columns])
    best = None
    for counts in itertools.product(range(most + 1), repeat=len(columns)):
        x = np.array(counts)
        if (x @ cover >= need).all():
            value = int(x @ cost)
            best = value if best is None else min(best, value)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(6))
def test_the_programme_finds_the_brute_force_optimum(seed: int) -> None:
    """A 5-hour cycle with 2- and 3-hour shifts: 10 shifts, each worked by 0 to 2 officers
    (needs of at most 2 never call for more on one shift)."""
    rng = np.random.default_rng(seed)
    need = [int(n) for n in rng.integers(0, 3, 5)]
    plan = plan_shifts(need, lengths=(2, 3))
    assert (plan.on_duty() >= need).all()
    assert plan.officer_hours == brute_force(need, [2, 3], most=2)


def test_a_day_is_covered_with_shifts_that_run_past_midnight() -> None:
    need = [2] * 6 + [6] * 12 + [2] * 6  # a 12-hour day peak
    plan = plan_shifts(need, lengths=(8,))
    on = plan.on_duty()
    assert (on >= need).all()
    # 8-hour shifts from a 24-hour cycle: at least the need, at most a shift's slack more
    assert sum(need) <= plan.officer_hours < sum(need) + 8 * 4
    assert any(s.start + s.hours > 24 for s in plan.shifts) or on[0] == 0


def test_breaks_are_off_duty_and_still_cover_every_hour() -> None:
    need = [3] * 24
    plan = plan_shifts(need, lengths=(8,), breaks=True)
    assert all(s.break_after is not None and 3 <= s.break_after <= 4 for s in plan.shifts)
    assert (plan.on_duty() >= need).all()
    assert plan.officer_hours > sum(need)  # a break is paid, not worked


def test_nothing_needed_means_no_shifts_and_bad_lengths_are_refused() -> None:
    assert plan_shifts([0] * 24).shifts == ()
    with pytest.raises(ValueError, match="between 1 and 24"):
        plan_shifts([1] * 24, lengths=(30,))
