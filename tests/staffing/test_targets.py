"""Targets: how they are read, how an hour is measured, and when it is met."""

from __future__ import annotations

import math

import numpy as np
import pytest

from borderflow import theory
from borderflow.analysis import Estimate
from borderflow.scenario import load_scenario
from borderflow.staffing import Target, TargetError, parse_target
from borderflow.staffing.stationary import pool_wait


def test_a_target_is_read_from_its_text() -> None:
    t = parse_target(" car_general : wait_p95_min <= 30 ")
    assert t == Target("car_general", "wait_p95_min", 30.0)
    assert parse_target("x:share_wait_over_15_min<=0.1").value == 0.1
    assert parse_target("x:wait_mean_min<=7.5").text == "x:wait_mean_min<=7.5"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("car_general wait_p95_min<=30", "expected STREAM:METRIC<=VALUE"),
        ("car_general:wait_p95_min<30", "expected STREAM:METRIC<=VALUE"),
        ("car_general:wait_median<=30", "unknown metric 'wait_median'"),
        ("car_general:wait_p100_min<=30", "between 0 and 100"),
        ("car_general:wait_p95_min<=soon", "expected a number after <=, found 'soon'"),
        ("car_general:wait_p95_min<=-1", "finite number >= 0"),
        ("car_general:share_wait_over_30_min<=5", "a share is between 0 and 1"),
        ("trucks:wait_p95_min<=30", "no stream 'trucks' in the scenario; streams: car_general"),
    ],
)
def test_a_bad_target_says_what_is_wrong(text: str, says: str, example_path) -> None:
    scenario = load_scenario(example_path)
    with pytest.raises(TargetError, match=None) as caught:
        parse_target(text, scenario)
    assert says in str(caught.value)
    assert text.split(":")[0] in str(caught.value)


def test_an_hour_is_measured_as_its_metric_over_its_travellers() -> None:
    rng = np.random.default_rng(1)
    waits = rng.exponential(600.0, 501)
    mean, p90, over = (
        Target("s", "wait_mean_min", 1),
        Target("s", "wait_p90_min", 1),
        Target("s", "share_wait_over_10_min", 1),
    )
    assert mean.measure(waits, 0) == pytest.approx(waits.mean() / 60, rel=1e-12)
    assert p90.measure(waits, 0) == pytest.approx(np.percentile(waits, 90) / 60, rel=1e-12)
    assert over.measure(waits, 0) == np.mean(waits > 600.0)
    assert math.isnan(mean.measure(np.zeros(0), 0))  # nobody arrived: no value


def test_travellers_not_served_count_as_unbounded_waits() -> None:
    waits = np.arange(1.0, 96.0) * 60  # 95 ended waits of 1..95 min, and 5 not served
    assert Target("s", "wait_mean_min", 1).measure(waits, 5) == math.inf
    # the 94th percentile of 100 falls among the ended waits; the 96th among those not served
    assert Target("s", "wait_p94_min", 1).measure(waits, 5) == pytest.approx(
        np.percentile(np.append(waits, [1e9] * 5), 94) / 60
    )
    assert Target("s", "wait_p96_min", 1).measure(waits, 5) == math.inf
    assert Target("s", "share_wait_over_90_min", 1).measure(waits, 5) == (5 + 5) / 100


def test_an_hour_is_met_by_the_upper_end_of_its_interval_or_by_its_mean() -> None:
    t = Target("s", "wait_p95_min", 30.0)
    close = Estimate(28.0, 25.0, 31.0, 4.0, 10)
    assert not t.met(close)
    assert t.met(close, "mean")
    assert t.met(Estimate(math.nan, math.nan, math.nan, math.nan, 0))  # an empty hour
    assert t.met(Estimate(30.0, math.nan, math.nan, math.nan, 1))  # one replication: its value


@pytest.mark.parametrize("servers", [3, 8, 20])
def test_the_stationary_queue_is_exact_for_mmc(servers: int) -> None:
    """The stationary schedule's queue is the M/M/c queue when arrivals and inspections are
    exponential (cs2 = 1): mean, percentiles and shares over a threshold, in minutes."""
    lam, service = 0.85 * servers / 90.0, 90.0  # per second; seconds
    mmc = theory.mmc(lam, 1 / service, servers)
    got = pool_wait(lam, service, servers, 1.0, Target("s", "wait_mean_min", 1))
    assert got == pytest.approx(mmc.wait_mean / 60, rel=1e-12)
    q95 = theory.mmc_wait_quantile(lam, 1 / service, servers, 0.95)
    got = pool_wait(lam, service, servers, 1.0, Target("s", "wait_p95_min", 1))
    assert got == pytest.approx(q95 / 60, rel=1e-12, abs=1e-12)
    over = theory.mmc_wait_exceeds(lam, 1 / service, servers, 300.0)
    got = pool_wait(lam, service, servers, 1.0, Target("s", "share_wait_over_5_min", 1))
    assert got == pytest.approx(over, rel=1e-12)
    assert pool_wait(lam, service, servers - servers, 1.0, Target("s", "wait_mean_min", 1)) == (
        math.inf
    )
