"""Arrivals and inspection times: the random inputs match what the scenario asks for."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from borderflow.model.arrivals import arrival_times
from borderflow.model.sampling import quantile_function, sample
from borderflow.scenario.schema import Distribution


def test_hourly_counts_match_rates_chi_square():
    # A strongly varying profile with empty hours, over 50 days: counts per hour of day
    # must fit the rates (chi-square goodness of fit; fails with p < 0.001 about 1 in 1000).
    rates = [
        0,
        0,
        5,
        10,
        40,
        120,
        300,
        250,
        100,
        60,
        60,
        60,
        60,
        60,
        80,
        120,
        200,
        150,
        90,
        50,
        30,
        20,
        10,
        0,
    ]
    days = 50
    rng = np.random.default_rng(11)
    times = np.fromiter(arrival_times(rates, days * 86400.0, rng.standard_exponential), float)
    counts = np.bincount((times // 3600 % 24).astype(int), minlength=24)
    assert counts[[0, 1, 23]].sum() == 0, "no arrivals in hours with rate 0"
    used = np.array(rates) > 0
    expected = np.array(rates, float)[used] * days
    chi2 = ((counts[used] - expected) ** 2 / expected).sum()
    p = stats.chi2.sf(chi2, used.sum())
    assert p > 0.001, f"chi-square p = {p:.2g}"


def test_arrivals_within_an_hour_are_uniform_no_boundary_bias():
    # Constant rate: positions within the hour are uniform (KS), and gaps exponential (KS).
    rng = np.random.default_rng(12)
    times = np.fromiter(arrival_times([30.0] * 24, 40 * 86400.0, rng.standard_exponential), float)
    within = (times % 3600) / 3600
    assert stats.kstest(within, "uniform").pvalue > 0.001
    gaps = np.diff(times) * 30 / 3600
    assert stats.kstest(gaps, "expon").pvalue > 0.001


def test_arrivals_stop_at_horizon_and_are_sorted():
    rng = np.random.default_rng(13)
    times = list(arrival_times([500.0] * 24, 5000.0, rng.standard_exponential))
    assert times == sorted(times)
    assert times[0] >= 0 and times[-1] < 5000.0


CASES = [
    ({"dist": "exponential", "mean": "60 s"}, 60, 1.0, stats.expon(scale=60)),
    (
        {"dist": "lognormal", "mean": "70 s", "cv": 0.6},
        70,
        0.6,
        stats.lognorm(s=math.sqrt(math.log(1.36)), scale=70 / math.sqrt(1.36)),
    ),
    (
        {"dist": "gamma", "mean": "25 min", "cv": 0.8},
        1500,
        0.8,
        stats.gamma(a=1 / 0.64, scale=1500 * 0.64),
    ),
    (
        {"dist": "uniform", "min": "30 s", "max": "90 s"},
        60,
        30 / math.sqrt(3) / 60,
        stats.uniform(loc=30, scale=60),
    ),
    (
        {"dist": "triangular", "min": "10 s", "mode": "20 s", "max": "60 s"},
        30,
        math.sqrt((100 + 400 + 3600 - 200 - 600 - 1200) / 18) / 30,
        stats.triang(c=0.2, loc=10, scale=50),
    ),
]


@pytest.mark.parametrize(
    ("spec", "mean", "cv", "reference"), CASES, ids=[c[0]["dist"] for c in CASES]
)
def test_service_samples_match_mean_cv_and_distribution(spec, mean, cv, reference):
    d = Distribution.model_validate(spec)
    assert d.moments == pytest.approx((mean, cv))
    n = 40_000
    x = sample(d, np.random.default_rng(21), n)
    # mean within 4 standard errors (known variance); CV within 5% relative
    assert abs(x.mean() - mean) < 4 * mean * cv / math.sqrt(n)
    assert x.std() / x.mean() == pytest.approx(cv, rel=0.05)
    assert stats.kstest(x, reference.cdf).pvalue > 0.001


def test_deterministic_and_empirical():
    det = Distribution.model_validate({"dist": "deterministic", "mean": "45 s"})
    assert set(sample(det, np.random.default_rng(1), 100)) == {45.0}
    emp = Distribution.model_validate({"dist": "empirical", "values": ["10 s", "20 s", "1 min"]})
    x = sample(emp, np.random.default_rng(2), 30_000)
    assert set(x) == {10.0, 20.0, 60.0}
    shares = np.array([np.mean(x == v) for v in (10.0, 20.0, 60.0)])
    assert np.all(np.abs(shares - 1 / 3) < 4 * math.sqrt(2 / 9 / 30_000))


def test_inversion_keeps_common_random_numbers_monotone():
    # A faster inspection (smaller mean) with the same uniforms gives pointwise shorter times.
    slow = Distribution.model_validate({"dist": "gamma", "mean": "70 s", "cv": 0.6})
    fast = Distribution.model_validate({"dist": "gamma", "mean": "55 s", "cv": 0.6})
    a = sample(slow, np.random.default_rng(5), 1000)
    b = sample(fast, np.random.default_rng(5), 1000)
    assert np.all(b < a)
    assert np.allclose(b / a, 55 / 70)


@pytest.mark.parametrize(
    "spec",
    [c[0] for c in CASES]
    + [
        {"dist": "exponential", "mean": "1 min"},
        {"dist": "deterministic", "mean": "45 s"},
        {"dist": "empirical", "values": ["10 s", "20 s", "1 min"]},
    ],
    ids=lambda spec: spec["dist"],
)
def test_an_inverse_cdf_gives_the_same_numbers_on_part_of_a_block(spec):
    """The model draws a block of uniforms for every traveller of a stream but computes the
    inspection times at a stage with referrals for those referred only: the same numbers, bit
    for bit, as over the whole block (what keeps results unchanged by that shortcut)."""
    transform = quantile_function(Distribution.model_validate(spec))
    u = np.random.default_rng(8).random(1024)
    some = np.random.default_rng(9).random(1024) < 0.07
    assert np.array_equal(transform(u[some]), transform(u)[some])
    assert np.array_equal(transform(u[:1]), transform(u)[:1])
