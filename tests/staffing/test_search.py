"""The staffing search against the exact M(t)/M/c(t) queue, and its promises: the same answer
however it runs, and the best schedule so far kept when it is stopped."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from borderflow import theory
from borderflow.staffing import staff
from borderflow.staffing.files import target_rows

RATES = [round(60 + 50 * math.sin(2 * math.pi * (h - 9) / 24)) for h in range(24)]
"""Arrivals per hour: 10 at night to 110 in the afternoon."""
MU = 30.0
"""Inspections per hour per booth (exponential, mean 2 minutes)."""
ALPHA = 0.2
"""Target: at most 20% of each hour's arrivals wait at all."""
TOLERANCE = 0.025
"""About two standard errors of an hour's simulated share over 20 replications (a share near
0.2 of about 60 arrivals has a standard deviation of about 0.05 in one replication)."""


def scenario(replications: int = 20) -> dict[str, Any]:
    """M(t)/M/c(t): Poisson arrivals at hourly rates, one shared line, 12 single booths."""
    return {
        "name": "M(t)/M/c(t)",
        "horizon": "24 h",
        "replications": replications,
        "seed": 7,
        "streams": {"cars": {"arrivals": {"per_hour": RATES}, "route": ["primary"]}},
        "stages": {
            "primary": {
                "lanes": {"booths": {"lanes": 12, "queue": "shared"}},
                "service": {"default": {"dist": "exponential", "mean": "2 min"}},
            }
        },
    }


def exact_share_waiting(servers: list[int]) -> np.ndarray:
    """By the forward equations: the share of each hour's arrivals who wait (PASTA)."""
    return theory.transient_mmc(
        RATES, servers, MU, t_points_per_period=2, method="LSODA"
    ).period_p_wait


def exact_hour_by_hour() -> list[int]:
    """The fewest servers in each hour, in turn, that keep the exact share at most ALPHA."""
    chosen: list[int] = []
    for hour in range(24):
        for c in range(max(1, int(RATES[hour] // MU)), 13):  # fewer cannot keep up
            ode = theory.transient_mmc(RATES[: hour + 1], [*chosen, c], MU, t_points_per_period=2)
            if ode.period_p_wait[-1] <= ALPHA:
                chosen.append(c)
                break
    return chosen


@pytest.fixture(scope="module")
def found() -> Any:
    return staff(scenario(), [f"cars:share_wait_over_0_min<={ALPHA}"], jobs=1)


def test_the_found_schedule_meets_the_target_in_every_hour_by_the_exact_queue(found) -> None:
    lanes = list(found.found.schedule.lanes[("primary", "booths")][0])
    share = exact_share_waiting(lanes)
    assert share.max() <= ALPHA + TOLERANCE, np.round(share, 3)
    assert not found.found.missed()


def test_closing_a_lane_in_a_tight_hour_breaks_the_target(found) -> None:
    """The search leaves no lane open that the target does not need: where the exact share is
    within a quarter of the target, one lane less takes some hour over it."""
    lanes = list(found.found.schedule.lanes[("primary", "booths")][0])
    share = exact_share_waiting(lanes)
    tight = [h for h in range(24) if share[h] > 0.75 * ALPHA]
    assert len(tight) >= 4
    for hour in tight:
        fewer = lanes.copy()
        fewer[hour] -= 1
        assert exact_share_waiting(fewer).max() > ALPHA, hour


@pytest.mark.slow
def test_the_found_schedule_is_close_to_the_exact_hour_by_hour_one(found) -> None:
    """The exact schedule needs no confidence margin; the search's, judged by the upper end
    of a 95% interval over 20 replications, may keep a few lanes more (at most 6%)."""
    exact = sum(exact_hour_by_hour())
    lanes = sum(found.found.schedule.lanes[("primary", "booths")][0])
    assert exact - 2 <= lanes <= math.ceil(1.06 * exact)
    # and the stationary schedule is the Erlang C one of each hour
    stationary = found.stationary.schedule.lanes[("primary", "booths")][0]
    for rate, c in zip(RATES, stationary, strict=True):
        assert theory.erlang_c(c, rate / MU) <= ALPHA
        assert c == 0 or c - 1 <= rate / MU or theory.erlang_c(c - 1, rate / MU) > ALPHA


def test_the_search_gives_the_same_answer_in_processes() -> None:
    targets = ["cars:wait_p90_min<=2"]
    serial = staff(scenario(8), targets, jobs=1)
    pooled = staff(scenario(8), targets, jobs=2)
    assert serial.found.schedule == pooled.found.schedule
    assert target_rows(serial.found.checks) == target_rows(pooled.found.checks)
    assert [s.lane_hours for s in serial.steps] == [s.lane_hours for s in pooled.steps]


def test_a_stopped_search_keeps_its_best_schedule() -> None:
    def stop_after_three(step: Any) -> None:
        if step.number == 3:
            raise KeyboardInterrupt

    result = staff(scenario(6), ["cars:wait_mean_min<=1"], jobs=1, journal=stop_after_three)
    assert result.interrupted
    assert len(result.steps) == 3
    assert result.found.checks  # the last schedule simulated (or the best one that met)


def test_a_search_stopped_at_once_has_found_nothing() -> None:
    def stop(step: Any) -> None:
        raise KeyboardInterrupt

    result = staff(scenario(2), ["cars:wait_mean_min<=1"], jobs=1, journal=stop)
    assert result.interrupted and not result.found.checks
