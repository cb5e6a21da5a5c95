"""The whole port: conservation, reproducibility, common random numbers, and queueing theory."""

from __future__ import annotations

import math

import numpy as np
import pytest
from model_helpers import one_queue

from borderflow import load_scenario, simulate
from borderflow.analysis import estimate
from borderflow.model.port import Port
from borderflow.theory import mmc

EXAMPLE = "scenarios/example.yaml"


def two_stage(**changes):
    data = {
        "name": "two stages",
        "horizon": "30 h",
        "seed": 3,
        "profiles": {"day": [1] * 6 + [4] * 12 + [2] * 6},
        "streams": {
            "car": {
                "arrivals": {"per_day": 6000, "profile": "day"},
                "route": ["primary", "secondary"],
            },
            "ready": {
                "arrivals": {"per_day": 3000, "profile": "day"},
                "route": ["primary", "secondary"],
            },
        },
        "stages": {
            "primary": {
                "lanes": {
                    "general": {"lanes": 4, "booths_per_lane": 2, "serves": ["car", "ready"]},
                    "ready": {"lanes": 2, "serves": ["ready"]},
                },
                "service": {
                    "car": {"dist": "lognormal", "mean": "60 s", "cv": 0.6},
                    "ready": {"dist": "lognormal", "mean": "40 s", "cv": 0.6},
                },
            },
            "secondary": {
                "lanes": {"bays": {"lanes": 6, "queue": "shared"}},
                "visit": {"car": 0.1, "default": 0.02},
                "service": {"default": {"dist": "gamma", "mean": "10 min", "cv": 0.8}},
            },
        },
    }
    data.update(changes)
    return load_scenario(data)


def test_entities_are_conserved():
    port = Port(two_stage(), seed=1, replication=0)
    port.run()
    assert port.arrived > 0
    assert port.arrived == port.exited + port.inside
    assert port.inside == 0, "the port empties after the horizon"
    result = simulate(two_stage(), replication=0)
    checks = result.checks
    assert checks["arrived"] == checks["exited"] + checks["left_inside"]
    assert result.metrics["all"]["entities"] == checks["arrived"]  # no warm-up


def test_same_seed_same_result_and_different_seed_differs():
    a = simulate(two_stage(), seed=5, replication=2)
    b = simulate(two_stage(), seed=5, replication=2)
    c = simulate(two_stage(), seed=5, replication=3)
    assert a == b
    assert a.metrics != c.metrics


def test_common_random_numbers_same_travellers_in_a_what_if():
    # More lanes change waits, not who arrives nor how long each inspection takes.
    base = simulate(two_stage(), replication=0, trace=True)
    data = two_stage().model_dump(mode="json", exclude_none=True)
    data["stages"]["primary"]["lanes"]["general"]["lanes"] = 6
    alt = simulate(load_scenario(data), replication=0, trace=True)

    def travellers(result):
        return sorted((stream, arrival) for stream, arrival, _, _ in result.trace)

    assert travellers(base) == travellers(alt)
    assert base.metrics["car"]["secondary.visits"] == alt.metrics["car"]["secondary.visits"]
    assert alt.metrics["car"]["wait_mean_min"] < base.metrics["car"]["wait_mean_min"]


def test_referral_shares():
    # Visits to secondary over 10 replications: binomial, within 4 standard errors.
    car = ready = n_car = n_ready = 0
    for r in range(10):
        m = simulate(two_stage(), replication=r).metrics
        car += m["car"]["secondary.visits"]
        ready += m["ready"]["secondary.visits"]
        n_car += m["car"]["entities"]
        n_ready += m["ready"]["entities"]
    for visits, n, p in ((car, n_car, 0.1), (ready, n_ready, 0.02)):
        assert abs(visits / n - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_warmup_excludes_early_arrivals():
    full = simulate(two_stage(), replication=0)
    warm = simulate(two_stage(warmup="6 h"), replication=0)
    assert warm.metrics["all"]["entities"] < full.metrics["all"]["entities"]
    assert all(day * 24 + hour >= 6 for day, hour, *_ in warm.hourly)
    assert all(day * 24 + hour >= 6 for day, hour, *_ in warm.lanes_hourly)


def test_multi_day_horizon_repeats_the_daily_profile():
    result = simulate(two_stage(horizon="3 d"), replication=0)
    days = {day for day, *_ in result.hourly}
    assert days == {0, 1, 2}
    per_day = [sum(n for d, _, _, n, *_ in result.hourly if d == day) for day in days]
    assert max(per_day) / min(per_day) < 1.1  # 9,000 a day each day, Poisson noise only


def test_time_average_queue_equals_total_wait():
    # Little's law as an identity on one run: the area under the number waiting (queue_mean
    # per hour x 1 h) equals the sum of all waits, when everyone has waited and left by the
    # horizon. Exact up to rounding.
    scenario = one_queue(
        lanes=2, per_hour=[200] * 10 + [0] * 14, service={"dist": "exponential", "mean": "30 s"}
    )
    result = simulate(scenario, replication=0)
    area_min = sum(row[6] for row in result.lanes_hourly) * 60
    m = result.metrics["car"]
    assert area_min == pytest.approx(m["wait_mean_min"] * m["entities"], rel=1e-9)


def test_utilization_is_load_over_capacity():
    # 2 single booths always open, 80 per hour of 60 s: utilisation 80/120 = 2/3 over the day
    scenario = one_queue(lanes=2, per_hour=80, horizon="100 h")
    values = [
        simulate(scenario, replication=r).metrics["all"]["primary.utilization"] for r in range(5)
    ]
    e = estimate(values)
    assert e.ci_low - 0.01 < 2 / 3 < e.ci_high + 0.01


@pytest.mark.slow
@pytest.mark.parametrize(("servers", "rho", "queue"), [(1, 0.7, "per_lane"), (5, 0.85, "shared")])
def test_mmc_wait_matches_erlang_c(servers, rho, queue):
    # 10 replications of 300 h after a 20 h warm-up. Pass when Erlang C's mean wait lies
    # within the 99% t-interval over replications (fixed seeds: deterministic outcome).
    per_hour = rho * servers * 60
    scenario = one_queue(
        lanes=servers, queue=queue, per_hour=per_hour, horizon="320 h", warmup="20 h"
    )
    waits = [
        simulate(scenario, seed=99, replication=r).metrics["car"]["wait_mean_min"]
        for r in range(10)
    ]
    theory = mmc(per_hour / 60, 1.0, servers).wait_mean
    e = estimate(waits, confidence=0.99)
    assert e.ci_low <= theory <= e.ci_high, (theory, e)
    assert e.half_width < 0.1 * theory


def test_hourly_rows_cover_all_arrivals():
    result = simulate(two_stage(), replication=0)
    for stream in ("car", "ready"):
        hourly = sum(n for _, _, s, n, *_ in result.hourly if s == stream)
        assert hourly == result.metrics[stream]["entities"]
    waits = np.array([row[4] for row in result.hourly])
    assert np.all(waits >= 0)


@pytest.mark.parametrize("warmup", ["0 h", "90 min"])
def test_every_counted_hour_has_a_lane_row(warmup):
    # Also when the port is empty at the horizon and the clock never reaches the last hour.
    scenario = one_queue(lanes=2, per_hour=[30] * 2 + [0] * 22, horizon="3 h", warmup=warmup)
    for replication in range(3):
        result = simulate(scenario, replication=replication)
        hours = [hour for _, hour, *_ in result.lanes_hourly]
        first = 0 if warmup == "0 h" else 1
        assert hours == list(range(first, 3))


def test_wait_can_end_at_a_later_stage():
    # Trucks queue at export customs first; the published wait ends at US primary.
    data = {
        "name": "trucks",
        "horizon": "6 h",
        "seed": 2,
        "streams": {
            "truck": {
                "mode": "truck",
                "arrivals": {"per_hour": 50},
                "route": ["export", "us_primary"],
                "wait_until": "us_primary",
            }
        },
        "stages": {
            "export": {
                "lanes": {"g": {"lanes": 1}},
                "service": {"default": {"dist": "deterministic", "mean": "30 s"}},
            },
            "us_primary": {
                "lanes": {"g": {"lanes": 1}},
                "service": {"default": {"dist": "exponential", "mean": "65 s"}},
            },
        },
    }
    result = simulate(load_scenario(data), replication=0, trace=True)
    waits = [legs[1][4] - arrival for _, arrival, legs, _ in result.trace]
    m = result.metrics["truck"]
    assert m["wait_mean_min"] == pytest.approx(np.mean(waits) / 60, rel=1e-9)
    assert m["wait_mean_min"] > m["us_primary.wait_mean_min"] > 0


def test_wait_until_must_be_a_stage_everyone_visits():
    from borderflow.scenario import ScenarioError

    data = two_stage().model_dump(mode="json", exclude_none=True)
    data["streams"]["car"]["wait_until"] = "secondary"
    with pytest.raises(ScenarioError, match="only 0.1 of the stream visits 'secondary'"):
        load_scenario(data)
    data["streams"]["car"]["wait_until"] = "nowhere"
    with pytest.raises(ScenarioError, match="'nowhere' is not a stage of the stream's route"):
        load_scenario(data)


def test_a_change_in_one_lane_group_leaves_the_others_untouched():
    # Common random numbers: more general lanes must not move the Ready-lane travellers, who
    # have lanes of their own (ties between Ready lanes use their own random stream).
    data = two_stage().model_dump(mode="json", exclude_none=True)
    data["streams"]["ready"]["route"] = ["primary"]
    data["stages"]["primary"]["lanes"]["general"]["serves"] = ["car"]
    base = simulate(load_scenario(data), replication=0)
    data["stages"]["primary"]["lanes"]["general"]["lanes"] = 6
    alt = simulate(load_scenario(data), replication=0)
    assert alt.metrics["ready"]["wait_mean_min"] == base.metrics["ready"]["wait_mean_min"]
    assert alt.metrics["car"]["wait_mean_min"] != base.metrics["car"]["wait_mean_min"]
