"""Tests of the queueing-theory reference formulas against independently defensible values.

Each test states its tolerance: closed forms are compared at ~1e-12 (pure floating
point arithmetic), results of numerical integration at the requested integrator
tolerance.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, special, stats

try:
    from borderflow import theory
except ImportError:  # the package __init__ may be mid-change; theory.py is standalone
    _path = Path(__file__).resolve().parents[1] / "src" / "borderflow" / "theory.py"
    _spec = importlib.util.spec_from_file_location("borderflow_theory", _path)
    theory = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = theory
    _spec.loader.exec_module(theory)

# Closed forms evaluated two ways differ only by rounding.
EXACT = 1e-12


# --------------------------------------------------------------------------- M/M/1, M/M/c


def test_mm1_textbook_values():
    # lambda = 3, mu = 4: rho = 3/4, Wq = rho/(mu - lambda) = 0.75, Lq = rho^2/(1-rho)
    # = 2.25, L = rho/(1-rho) = 3, W = 1/(mu - lambda) = 1. Pure arithmetic -> 1e-12.
    m = theory.mm1(3.0, 4.0)
    assert m.utilization == pytest.approx(0.75, rel=EXACT)
    assert m.p_wait == pytest.approx(0.75, rel=EXACT)
    assert m.wait_mean == pytest.approx(0.75, rel=EXACT)
    assert m.queue_mean == pytest.approx(2.25, rel=EXACT)
    assert m.system_mean == pytest.approx(3.0, rel=EXACT)
    assert m.sojourn_mean == pytest.approx(1.0, rel=EXACT)
    assert m.servers == 1


@pytest.mark.parametrize(("lam", "mu"), [(0.1, 1.0), (3.0, 4.0), (59.0, 60.0), (0.999, 1.0)])
def test_mmc_with_one_server_equals_mm1(lam, mu):
    # Erlang C with c = 1 is rho; the log-space evaluation only adds rounding -> 1e-12.
    a, b = theory.mmc(lam, mu, 1), theory.mm1(lam, mu)
    for field in ("utilization", "p_wait", "wait_mean", "queue_mean", "system_mean"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), rel=EXACT)


def _erlang_c_direct(c: int, a: float) -> float:
    """Textbook formula with factorials (fine for small c)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_erlang_c_published_value():
    # a = 9 Erlangs, c = 10: C = 0.6687 (published to 4 decimals in Erlang C tables,
    # so 5e-5 absolute), and the direct factorial formula to rounding (1e-12).
    c = theory.erlang_c(10, 9.0)
    assert c == pytest.approx(0.6687, abs=5e-5)
    assert c == pytest.approx(_erlang_c_direct(10, 9.0), rel=EXACT)


@pytest.mark.parametrize(("c", "a"), [(1, 0.3), (2, 1.5), (5, 4.99), (20, 12.0), (60, 55.5)])
def test_erlang_c_matches_direct_formula(c, a):
    # Small c: factorials are exact enough in double precision -> 1e-11.
    assert theory.erlang_c(c, a) == pytest.approx(_erlang_c_direct(c, a), rel=1e-11)


@pytest.mark.parametrize(("c", "a"), [(200, 190), (200, 150), (300, 299), (500, 480)])
def test_erlang_c_large_c_against_exact_rationals(c, a):
    # Integer offered load -> the formula can be evaluated exactly with Fractions; the
    # float result must agree to ~1e-10 (log-gamma of arguments ~ c costs a few ulps
    # times c log a).
    terms = [Fraction(1)]
    for k in range(1, c + 1):
        terms.append(terms[-1] * a / k)
    top = terms[c] * Fraction(c, c - a)
    exact = top / (sum(terms[:c]) + top)
    assert theory.erlang_c(c, a) == pytest.approx(float(exact), rel=1e-10)


def test_erlang_b_against_recursion():
    # Independent textbook recursion B(k) = a B(k-1) / (k + a B(k-1)), B(0) = 1; it is
    # numerically stable, so agreement is to rounding accumulated over c steps (1e-11).
    a = 170.0
    b = 1.0
    for k in range(1, 251):
        b = a * b / (k + a * b)
        if k in (1, 10, 100, 171, 250):
            assert theory.erlang_b(k, a) == pytest.approx(b, rel=1e-11)


def test_mmc_identities_and_formulas():
    # lambda = 9, mu = 1, c = 10: Wq = C/(c mu - lambda), Lq = lambda Wq (Little),
    # L = Lq + lambda/mu, W = Wq + 1/mu; arithmetic identities -> 1e-12.
    lam, mu, c = 9.0, 1.0, 10
    m = theory.mmc(lam, mu, c)
    C = theory.erlang_c(c, lam / mu)
    assert m.p_wait == pytest.approx(C, rel=EXACT)
    assert m.utilization == pytest.approx(0.9, rel=EXACT)
    assert m.wait_mean == pytest.approx(C / (c * mu - lam), rel=EXACT)
    assert m.queue_mean == pytest.approx(C * 0.9 / (1 - 0.9), rel=EXACT)
    assert m.system_mean == pytest.approx(m.queue_mean + lam / mu, rel=EXACT)
    assert m.sojourn_mean == pytest.approx(m.wait_mean + 1 / mu, rel=EXACT)
    assert m.system_mean == pytest.approx(lam * m.sojourn_mean, rel=EXACT)


def test_zero_arrivals_gives_empty_system():
    m = theory.mmc(0.0, 2.0, 3)
    assert (m.p_wait, m.wait_mean, m.queue_mean, m.system_mean) == (0.0, 0.0, 0.0, 0.0)
    assert m.sojourn_mean == 0.5


def test_mmc_wait_distribution():
    lam, mu, c = 50.0, 6.0, 10
    C = theory.erlang_c(c, lam / mu)
    rate = c * mu - lam
    # Atom at 0 and complementarity: arithmetic -> 1e-12.
    assert theory.mmc_wait_cdf(lam, mu, c, 0.0) == pytest.approx(1 - C, rel=EXACT)
    t = np.array([0.0, 0.01, 0.1, 0.5, 2.0])
    cdf = theory.mmc_wait_cdf(lam, mu, c, t)
    exceeds = theory.mmc_wait_exceeds(lam, mu, c, t)
    np.testing.assert_allclose(cdf + exceeds, 1.0, rtol=EXACT)
    np.testing.assert_allclose(exceeds, C * np.exp(-rate * t), rtol=EXACT)
    assert theory.mmc_wait_cdf(lam, mu, c, -1.0) == 0.0
    # E[Wq] = int_0^inf P(Wq > t) dt; quad on a smooth exponential is good to ~1e-10.
    mean = integrate.quad(lambda x: theory.mmc_wait_exceeds(lam, mu, c, x), 0, np.inf)[0]
    assert mean == pytest.approx(theory.mmc(lam, mu, c).wait_mean, rel=1e-9)
    # Quantiles invert the cdf (closed-form log/exp round trip -> 1e-12).
    for q in (0.6, 0.9, 0.99):
        tq = theory.mmc_wait_quantile(lam, mu, c, q)
        assert tq > 0
        assert theory.mmc_wait_cdf(lam, mu, c, tq) == pytest.approx(q, rel=EXACT)
    assert theory.mmc_wait_quantile(lam, mu, c, 1 - C) == 0.0
    assert theory.mmc_wait_quantile(lam, mu, c, 0.1) == 0.0
    assert theory.mmc_wait_quantile(lam, mu, c, 1.0) == math.inf


# --------------------------------------------------------------------------- M/G/1, M/D/1


@pytest.mark.parametrize(("lam", "mu"), [(0.2, 1.0), (3.0, 4.0), (0.95, 1.0)])
def test_mg1_with_cv_one_equals_mm1(lam, mu):
    # P-K with cs = 1 is algebraically the M/M/1 formula -> 1e-12.
    a, b = theory.mg1(lam, 1 / mu, 1.0), theory.mm1(lam, mu)
    for field in ("utilization", "p_wait", "wait_mean", "queue_mean", "system_mean"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), rel=EXACT)


def test_md1_equals_mg1_cv0_and_half_the_mm1_wait():
    lam, d = 0.8, 1.0
    a, b = theory.md1(lam, d), theory.mg1(lam, d, 0.0)
    assert a == b
    # Wq = rho D / (2 (1 - rho)) = 0.8 / 0.4 = 2, half of M/M/1's 4 -> 1e-12.
    assert a.wait_mean == pytest.approx(2.0, rel=EXACT)
    assert theory.mm1(lam, 1 / d).wait_mean == pytest.approx(2 * a.wait_mean, rel=EXACT)


def test_mg1_pollaczek_khinchine_value():
    # lambda = 0.5, E[S] = 1.5, cs = 0.5: rho = 0.75,
    # Wq = 0.75 * 1.5 * 1.25 / (2 * 0.25) = 2.8125 -> 1e-12.
    m = theory.mg1(0.5, 1.5, 0.5)
    assert m.wait_mean == pytest.approx(2.8125, rel=EXACT)
    assert m.queue_mean == pytest.approx(0.5 * 2.8125, rel=EXACT)
    assert m.sojourn_mean == pytest.approx(2.8125 + 1.5, rel=EXACT)


# --------------------------------------------------------------------------- G/G/c


@pytest.mark.parametrize(("lam", "s", "c"), [(0.5, 1.0, 1), (9.0, 1.0, 10), (100.0, 0.05, 6)])
def test_allen_cunneen_exact_for_mmc(lam, s, c):
    # With ca2 = cs2 = 1 the factor is 1, so it must equal the M/M/c wait (1e-12).
    ac = theory.allen_cunneen(lam, s, c, 1.0, 1.0)
    assert ac == pytest.approx(theory.mmc(lam, 1 / s, c).wait_mean, rel=EXACT)
    # ... and it scales linearly with (ca2 + cs2) / 2.
    assert theory.allen_cunneen(lam, s, c, 0.5, 0.1) == pytest.approx(0.3 * ac, rel=EXACT)


@pytest.mark.parametrize("cs2", [0.0, 0.25, 1.0, 4.0])
def test_kingman_exact_for_mg1_and_allen_cunneen_single_server(cs2):
    # With Poisson arrivals (ca2 = 1) Kingman is the P-K formula; with c = 1 Allen-Cunneen
    # is the same expression. Algebraic identities -> 1e-12.
    lam, s = 0.7, 1.2
    k = theory.kingman(lam, s, 1.0, cs2)
    assert k == pytest.approx(theory.mg1(lam, s, math.sqrt(cs2)).wait_mean, rel=EXACT)
    assert theory.allen_cunneen(lam, s, 1, 1.0, cs2) == pytest.approx(k, rel=EXACT)
    assert theory.kingman(lam, s, 0.3, cs2) == pytest.approx(
        theory.allen_cunneen(lam, s, 1, 0.3, cs2), rel=EXACT
    )


def test_kingman_equals_mm1_for_exponential():
    assert theory.kingman(3.0, 0.25, 1.0, 1.0) == pytest.approx(
        theory.mm1(3.0, 4.0).wait_mean, rel=EXACT
    )


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("func", "args", "match"),
    [
        (theory.mm1, (4.0, 4.0), "unstable"),
        (theory.mm1, (5.0, 4.0), "unstable"),
        (theory.mm1, (1.0, 0.0), "service_rate"),
        (theory.mm1, (-1.0, 2.0), "arrival_rate"),
        (theory.mm1, (float("nan"), 2.0), "arrival_rate"),
        (theory.mmc, (10.0, 1.0, 10), "unstable"),
        (theory.mmc, (1.0, 1.0, 0), "servers"),
        (theory.mmc, (1.0, 1.0, 2.5), "integer"),
        (theory.mmc, (1.0, -1.0, 2), "service_rate"),
        (theory.erlang_c, (5, 5.0), "unstable"),
        (theory.erlang_c, (0, 0.5), "servers"),
        (theory.mg1, (1.0, 1.0, 0.5), "unstable"),
        (theory.mg1, (0.5, 0.0, 0.5), "service_mean"),
        (theory.mg1, (0.5, 1.0, -0.5), "service_cv"),
        (theory.md1, (2.0, 0.5), "unstable"),
        (theory.kingman, (2.0, 0.5, 1.0, 1.0), "unstable"),
        (theory.kingman, (1.0, 0.5, -1.0, 1.0), "ca2"),
        (theory.allen_cunneen, (12.0, 1.0, 10, 1.0, 1.0), "unstable"),
        (theory.allen_cunneen, (1.0, 1.0, 10, 1.0, -1.0), "cs2"),
        (theory.mmc_wait_quantile, (1.0, 1.0, 2, 1.5), "quantile"),
        (theory.mmc_wait_cdf, (3.0, 1.0, 3, 1.0), "unstable"),
    ],
)
def test_invalid_inputs_raise(func, args, match):
    with pytest.raises(ValueError, match=match):
        func(*args)


# --------------------------------------------------------------------------- stacked booths

# expected_max integrates with quad at epsrel 1e-11; 1e-9 leaves margin for the
# summation over sub-intervals.
QUAD = 1e-9


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_deterministic_stacking_is_perfect(k):
    d = theory.service_distribution("deterministic", 1.7)
    assert theory.expected_max(d, k) == 1.7  # handled exactly, no integration
    assert theory.stacked_efficiency(d, k) == pytest.approx(k, rel=EXACT)
    assert theory.stacked_lane_capacity(d, k) == pytest.approx(k / 1.7, rel=EXACT)


def test_exponential_stacking():
    # Max of k iid Exp(mu) has mean H_k / mu (harmonic number): 1.5/mu for k = 2,
    # (1 + 1/2 + 1/3)/mu = 11/(6 mu) for k = 3. Efficiency k/H_k = 4/3 and 18/11.
    mean = 2.0  # mu = 0.5
    d = theory.service_distribution("exponential", mean)
    assert theory.expected_max(d, 2) == pytest.approx(1.5 * mean, rel=QUAD)
    assert theory.expected_max(d, 3) == pytest.approx(11 / 6 * mean, rel=QUAD)
    assert theory.stacked_efficiency(d, 2) == pytest.approx(4 / 3, rel=QUAD)
    assert theory.stacked_efficiency(d, 3) == pytest.approx(18 / 11, rel=QUAD)
    assert theory.stacked_lane_capacity(d, 2) == pytest.approx(2 / (1.5 * mean), rel=QUAD)
    assert theory.stacked_lane_capacity(d) == theory.stacked_lane_capacity(d, 2)
    assert theory.expected_max(d, 1) == pytest.approx(mean, rel=EXACT)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_uniform_expected_max(k):
    # Max of k iid U(a, b) has mean a + (b - a) k / (k + 1).
    mean, cv = 3.0, 0.4
    half = math.sqrt(3) * cv * mean
    d = theory.service_distribution("uniform", mean, cv)
    expected = (mean - half) + 2 * half * k / (k + 1)
    assert theory.expected_max(d, k) == pytest.approx(expected, rel=QUAD)


@pytest.mark.parametrize("cv", [0.1, 0.5, 1.0, 2.5])
def test_lognormal_and_gamma_max_of_two(cv):
    # E[max(X1, X2)] = E[X] (1 + G) with G the Gini coefficient (E|X1-X2| = 2 G E[X]):
    # lognormal G = 2 Phi(sigma/sqrt 2) - 1, gamma(shape a) G = Gamma(a+1/2)/(sqrt(pi)
    # Gamma(a+1)) (gives 1/2 for the exponential, a = 1).
    mean = 40.0  # far from 0 on purpose: the integration must find the mass
    sigma = math.sqrt(math.log1p(cv * cv))
    d = theory.service_distribution("lognormal", mean, cv)
    g = 2 * stats.norm.cdf(sigma / math.sqrt(2)) - 1
    assert theory.expected_max(d, 2) == pytest.approx(mean * (1 + g), rel=QUAD)
    a = 1 / cv**2
    d = theory.service_distribution("gamma", mean, cv)
    g = math.exp(special.gammaln(a + 0.5) - special.gammaln(a + 1)) / math.sqrt(math.pi)
    assert theory.expected_max(d, 2) == pytest.approx(mean * (1 + g), rel=QUAD)


@pytest.mark.parametrize(("kind", "cv"), [("lognormal", 0.3), ("gamma", 1.5), ("uniform", 0.2)])
def test_expected_max_matches_order_statistic_density(kind, cv):
    # Independent route: E[max] = E[X k F(X)^(k-1)] via the density (scipy's expect);
    # both are adaptive quadratures, agreement to 1e-7 is ample.
    d = theory.service_distribution(kind, 5.0, cv)
    k = 3
    other = d.expect(lambda x: x * k * d.cdf(x) ** (k - 1))
    assert theory.expected_max(d, k) == pytest.approx(other, rel=1e-7)


def test_expected_max_finite_discrete_is_exact():
    # Two equally likely values 1 and 3: max of 2 is 1 w.p. 1/4, else 3 -> 2.5.
    d = stats.rv_discrete(values=([1.0, 3.0], [0.5, 0.5])).freeze()
    assert theory.expected_max(d, 2) == pytest.approx(2.5, rel=EXACT)


@pytest.mark.parametrize(
    ("kind", "cv"),
    [
        ("exponential", None),
        ("lognormal", 0.6),
        ("gamma", 0.3),
        ("uniform", 0.5),
        ("deterministic", None),
        ("gamma", 3.0),
    ],
)
def test_service_distribution_moments(kind, cv):
    # scipy's moments of the parameterised distributions: closed forms -> 1e-10.
    d = theory.service_distribution(kind, 2.5, cv)
    assert float(d.mean()) == pytest.approx(2.5, rel=1e-10)
    expected_cv = {"exponential": 1.0, "deterministic": 0.0}.get(kind, cv)
    assert float(d.std()) / float(d.mean()) == pytest.approx(expected_cv, rel=1e-10, abs=1e-15)
    assert np.all(np.asarray(d.rvs(size=5, random_state=1)) >= 0)


@pytest.mark.parametrize(
    ("kind", "mean", "cv", "match"),
    [
        ("weibull", 1.0, 0.5, "unknown"),
        ("gamma", 1.0, None, "cv is required"),
        ("gamma", 1.0, 0.0, "cv"),
        ("lognormal", -1.0, 0.5, "mean"),
        ("uniform", 1.0, 0.7, "negative"),
        ("exponential", 1.0, 0.5, "cv = 1"),
        ("deterministic", 1.0, 0.2, "cv = 0"),
    ],
)
def test_service_distribution_invalid(kind, mean, cv, match):
    with pytest.raises(ValueError, match=match):
        theory.service_distribution(kind, mean, cv)


def test_expected_max_rejects_negative_support():
    with pytest.raises(ValueError, match="non-negative"):
        theory.expected_max(stats.norm(5, 1), 2)


# --------------------------------------------------------------------------- transient


def test_transient_infinite_server_closed_form():
    # With more servers than the truncation level the chain is M(t)/M/inf, whose mean
    # solves m' = lambda(t) - mu m exactly:
    #   m(t) = a_i + (m_i - a_i) exp(-mu (t - t_i)),  a_i = lambda_i / mu,
    # and its period average is a_i + (m_i - a_i)(1 - exp(-mu T)) / (mu T).
    # Tolerance 1e-5 relative: the solver runs at rtol 1e-6 (default).
    lams, mu, period = [5.0, 20.0, 2.0, 0.0], 1.5, 2.0
    res = theory.transient_mmc(lams, [500] * 4, mu, period=period, t_points_per_period=20)
    assert res.n_max < 500
    m, t_edges = 0.0, 0.0
    for i, lam in enumerate(lams):
        a = lam / mu
        decay = math.exp(-mu * period)
        avg = a + (m - a) * (1 - decay) / (mu * period)
        assert res.period_system_mean[i] == pytest.approx(avg, rel=1e-5)
        sel = (res.times >= t_edges) & (res.times <= t_edges + period)
        exact = a + (m - a) * np.exp(-mu * (res.times[sel] - t_edges))
        np.testing.assert_allclose(res.system_mean[sel], exact, rtol=1e-5, atol=1e-9)
        m, t_edges = a + (m - a) * decay, t_edges + period
    assert np.all(res.queue_mean == 0.0)  # nobody waits with ample servers
    assert res.times[-1] == pytest.approx(len(lams) * period, rel=EXACT)
    assert res.times.size == 4 * 20 + 1


def test_transient_converges_to_mmc_steady_state():
    # lambda = 8, mu = 1, c = 10 held for 30 periods of 5 time units: the relaxation time
    # is a few time units, so after 150 units the chain is stationary to far below the
    # solver tolerance; compare Lq and P(wait) with Erlang C at 1e-5 relative (solver
    # rtol 1e-6, accumulated over the period integral).
    res = theory.transient_mmc([8.0] * 30, [10] * 30, 1.0, period=5.0, t_points_per_period=5)
    ss = theory.mmc(8.0, 1.0, 10)
    assert res.period_queue_mean[-1] == pytest.approx(ss.queue_mean, rel=1e-5)
    assert res.queue_mean[-1] == pytest.approx(ss.queue_mean, rel=1e-5)
    assert res.period_system_mean[-1] == pytest.approx(ss.system_mean, rel=1e-5)
    assert res.period_p_wait[-1] == pytest.approx(ss.p_wait, rel=1e-5)
    # From empty the queue builds up monotonically towards the limit.
    assert np.all(np.diff(res.period_queue_mean) >= -1e-9)


def test_transient_daily_profile_conservation_and_truncation():
    # A 24-hour profile with an overloaded peak (lambda > c mu in some hours).
    lams = [
        20,
        10,
        8,
        8,
        30,
        60,
        100,
        140,
        150,
        120,
        100,
        90,
        90,
        100,
        120,
        150,
        140,
        110,
        80,
        60,
        40,
        30,
        25,
        20,
    ]
    cs = [1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 2, 2, 3, 3, 3, 3, 3, 2, 2, 1, 1, 1]
    res = theory.transient_mmc(lams, cs, 45.0, t_points_per_period=12)
    # Probability is conserved to rounding (the generator's columns sum to zero).
    assert res.final_distribution.sum() == pytest.approx(1.0, abs=1e-10)
    assert res.final_distribution.min() > -1e-10
    # The automatic truncation level keeps the mass at n_max below the default 1e-9.
    assert res.p_truncation.max() < 1e-9
    assert np.all((res.p_wait >= -1e-10) & (res.p_wait <= 1 + 1e-10))
    assert np.all(res.system_mean >= res.queue_mean - 1e-12)
    # Period averages (integrals carried as ODE states) against Simpson's rule on a
    # fine output grid of a single period (from empty, overloaded): with 400 intervals
    # Simpson's error is far below 1e-4 relative, the tolerance used.
    one = theory.transient_mmc([150.0], [3], 45.0, t_points_per_period=400)
    simpson = integrate.simpson(one.queue_mean, x=one.times)
    assert one.period_queue_mean[0] == pytest.approx(simpson, rel=1e-4)
    simpson = integrate.simpson(one.p_wait, x=one.times)
    assert one.period_p_wait[0] == pytest.approx(simpson, rel=1e-4)


def test_transient_initial_state_and_warning():
    res = theory.transient_mmc([10.0] * 2, [2] * 2, 6.0, initial=15)
    assert res.system_mean[0] == pytest.approx(15.0, rel=EXACT)
    assert res.queue_mean[0] == pytest.approx(13.0, rel=EXACT)
    p0 = np.zeros(5)
    p0[[0, 4]] = 0.5
    res = theory.transient_mmc([1.0], [1], 2.0, initial=p0)
    assert res.system_mean[0] == pytest.approx(2.0, rel=EXACT)
    # Heavily overloaded with a too small n_max: the truncation is reported.
    with pytest.warns(RuntimeWarning, match="n_max"):
        theory.transient_mmc([100.0], [1], 45.0, n_max=20)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"arrival_rates": [1.0, 2.0], "servers": [1]}, "equal length"),
        ({"arrival_rates": [-1.0], "servers": [1]}, "arrival rate"),
        ({"arrival_rates": [1.0], "servers": [1.5]}, "integer"),
        ({"arrival_rates": [1.0], "servers": [-1]}, "servers"),
        ({"arrival_rates": [], "servers": []}, "non-empty"),
        ({"arrival_rates": [1.0], "servers": [1], "period": 0.0}, "period"),
        ({"arrival_rates": [1.0], "servers": [1], "initial": [0.5, 0.2]}, "sum to 1"),
        ({"arrival_rates": [1.0], "servers": [1], "initial": 30, "n_max": 10}, "n_max"),
    ],
)
def test_transient_invalid_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        theory.transient_mmc(service_rate=1.0, **kwargs)


# --- two stations in series with finite storage (blocking after service) -----------------


def test_tandem_with_ample_storage_is_two_independent_queues():
    """With storage far beyond what is ever used, the tandem is a Jackson network: two M/M/1
    queues in product form."""
    lam, mu1, mu2 = 0.8, 1.0, 1.25
    r = theory.tandem_blocking(lam, mu1, mu2, storage=120)
    rho1, rho2 = lam / mu1, lam / mu2
    assert r.throughput == pytest.approx(lam, rel=1e-9)
    assert r.first_mean == pytest.approx(rho1 / (1 - rho1), rel=1e-8)
    assert r.second_mean == pytest.approx(rho2 / (1 - rho2), rel=1e-8)
    assert r.p_blocked < 1e-12


def test_tandem_capacity_is_that_of_the_saturated_chain():
    # storage 0, equal rates: states 0, 1, 2 beyond the first queue, equally likely
    assert theory.tandem_capacity(1.0, 1.0, 0) == pytest.approx(2 / 3)
    # ample storage: the slower server
    assert theory.tandem_capacity(1.0, 2.0, 200) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="capacity"):
        theory.tandem_blocking(0.7, 1.0, 1.0, storage=0)  # 0.7 > 2/3


def _simulated_tandem(lam, mu1, mu2, storage, customers, seed):
    """A plain SimPy model of the tandem: a customer keeps the first server until a place
    (storage or the second server) is free; waits in the first queue and blocked time."""
    import simpy

    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    first = simpy.Resource(env, 1)
    places = simpy.Resource(env, storage + 1)  # the storage and the second server's place
    second = simpy.Resource(env, 1)
    waits, blocked = [], [0.0]

    def customer():
        arrived = env.now
        with first.request() as turn:
            yield turn
            waits.append(env.now - arrived)
            yield env.timeout(rng.exponential(1 / mu1))
            done = env.now
            place = places.request()
            yield place
            blocked[0] += env.now - done
        with second.request() as turn:
            yield turn
            yield env.timeout(rng.exponential(1 / mu2))
        places.release(place)

    def source():
        for _ in range(customers):
            yield env.timeout(rng.exponential(1 / lam))
            env.process(customer())

    env.process(source())
    env.run()
    return np.asarray(waits), blocked[0] / env.now


@pytest.mark.parametrize("storage", [0, 2])
def test_tandem_chain_matches_a_simulation(storage):
    """The chain against an independent plain SimPy simulation of 150,000 customers: the mean
    wait in the first queue within four batch-means standard errors (30 batches; waits are
    correlated, so batches of 5,000), and the blocked share within 0.01 absolute (about four
    times its batch standard error at these loads)."""
    lam, mu1, mu2 = 0.6, 1.0, 1.2
    exact = theory.tandem_blocking(lam, mu1, mu2, storage)
    waits, blocked = _simulated_tandem(lam, mu1, mu2, storage, 150_000, seed=11)
    waits = waits[5_000:]  # warm-up
    batches = waits[: len(waits) // 30 * 30].reshape(30, -1).mean(axis=1)
    se = batches.std(ddof=1) / np.sqrt(30)
    assert abs(waits.mean() - exact.first_wait) < 4 * se, (waits.mean(), exact.first_wait, se)
    assert blocked == pytest.approx(exact.p_blocked, abs=0.01)
