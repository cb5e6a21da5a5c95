"""The verification catalogue: it passes, its theory comes from its files, its rule is honest."""

from __future__ import annotations

import math

import pytest

from borderflow import theory
from borderflow.errors import ArgumentError
from borderflow.verify import CATALOGUE, verify
from borderflow.verify.cases import select
from borderflow.verify.checks import Exact, GoodnessOfFit, Interval, Tolerance
from borderflow.verify.runner import FAMILY_ALPHA, _row


@pytest.mark.slow
def test_quick_catalogue_passes():
    # The CI run: every case, the quick plans, all cores (two in CI; about a minute there).
    # Fixed seeds, so the outcome is deterministic; the pass rule's false-alarm chance is at
    # most 5% by design.
    report = verify(quick=True)
    assert report.passed, report.to_text()
    assert [c.name for c in report.cases] == list(CATALOGUE)
    assert report.judged == sum(r.kind in ("interval", "test") for r in report.rows)
    assert report.alpha == pytest.approx(FAMILY_ALPHA / report.judged)
    # every simulation case checks Little's law (the saturated lane at its booths) and
    # conservation
    for case in report.cases:
        quantities = " ".join(r.quantity for r in case.rows)
        if case.simulated:
            assert "left inside" in quantities, case.name
            assert "Little's law" in quantities or case.name == "stacked_saturated", case.name


def test_case_files_load_and_fit_their_theory():
    for case in CATALOGUE.values():
        for quick in (True, False):
            scenario = case.scenario(quick)
            plan = case.plan(quick)
            if plan.replications is not None:
                assert scenario.replications == plan.replications
    assert [c.name for c in select(["port_parts", "mm1_rho50"])] == ["mm1_rho50", "port_parts"]
    with pytest.raises(ArgumentError, match="unknown case nope"):
        select(["nope"])


def _theory_rows(name: str, overrides: tuple[str, ...] = ()):
    """The case's measurements with placeholder observations: only the theory is of interest."""
    from borderflow.scenario import load_scenario

    case = CATALOGUE[name]
    scenario = case.scenario(quick=True)
    if overrides:
        data = scenario.model_dump(mode="json", exclude_none=True)
        scenario = load_scenario(data, overrides)
    fake = {
        "wait": 0.0,
        "p95": 0.0,
        "queue": 0.0,
        "utilization": 0.0,
        "throughput": 0.0,
        "little": 1.0,
        "conserved": True,
    }
    measurements, _ = case.evaluate(scenario, [fake, fake], case.quick, True)
    return {m.quantity: m.theory for m in measurements}


def test_theory_is_computed_from_the_case_file():
    base = _theory_rows("mm1_rho90")
    assert base["mean wait (min)"] == pytest.approx(9.0)  # rho/(mu - lambda), mu = 1/min
    assert base["utilisation"] == pytest.approx(0.9)
    assert base["95th percentile wait (min)"] == pytest.approx(math.log(0.9 / 0.05) / 0.1)
    slower = _theory_rows("mm1_rho90", ("streams.car.arrivals.per_hour=30",))
    assert slower["mean wait (min)"] == pytest.approx(1.0)
    mg1 = _theory_rows("mg1_lognormal_rho80")
    assert mg1["mean wait (min)"] == pytest.approx(theory.mg1(0.8, 1.0, 0.6).wait_mean)
    mmc = _theory_rows("mmc10_rho90")
    assert mmc["mean number waiting, Lq"] == pytest.approx(theory.mmc(9, 1, 10).queue_mean)


def test_a_case_file_that_no_longer_fits_its_formula_is_rejected():
    from borderflow.verify.cases import CaseError

    with pytest.raises(CaseError, match="M/G/10"):
        _theory_rows(
            "mmc10_rho90",
            ("stages.primary.service.pedestrian={dist: gamma, mean: 1 min, cv: 0.5}",),
        )
    with pytest.raises(CaseError, match="constant rates"):
        _theory_rows("mm1_rho50", ("streams.car.arrivals.per_hour=[" + "30, " * 23 + "40]",))


def test_small_cases_pass_in_process():
    report = verify(quick=True, cases=["stacked_saturated", "service_times"], jobs=1)
    assert report.passed, report.to_text()
    rows = {r.quantity: r for r in report.rows}
    capacity = rows["throughput (vehicles per hour)"]
    # 2 / E[max(S1, S2)] for lognormal(60 s, CV 0.6): about 1.53 booths' worth of 60 per hour
    assert capacity.theory == pytest.approx(60 * 1.5325, rel=1e-3)
    assert rows["booth utilisation"].theory == pytest.approx(0.8831, rel=1e-3)
    assert rows["exponential: distribution"].kind == "test"


# --------------------------------------------------------------------------- the pass rule


def test_interval_passes_only_when_theory_inside_and_interval_narrow():
    alpha = 0.05 / 10
    values = [1.0, 1.02, 0.98, 1.01, 0.99] * 4
    ok = _row("c", Interval("x", 1.0, values, Tolerance(0.05)), alpha)
    assert ok.passed and ok.inside and ok.narrow
    assert ok.half_width_ratio < 0.05
    assert ok.ci_low < 1.0 < ok.ci_high
    outside = _row("c", Interval("x", 1.1, values, Tolerance(0.05)), alpha)
    assert not outside.passed and not outside.inside and outside.narrow
    assert "outside" in outside.why()
    wide = _row("c", Interval("x", 1.0, [0.5, 1.5] * 10, Tolerance(0.05)), alpha)
    assert not wide.passed and wide.inside and not wide.narrow
    assert "too wide" in wide.why()
    # the absolute floor of the bound, for values near zero
    small = _row("c", Interval("x", 0.01, [0.0, 0.02] * 10, Tolerance(0.1, 0.05)), alpha)
    assert small.passed
    # an identity that holds in every replication: a zero-width interval, theory on it
    exact = _row("c", Interval("x", 1.0, [1.0 + 1e-15] * 20, Tolerance(0.01)), alpha)
    assert exact.passed


def test_bonferroni_level_widens_the_interval():
    values = [1.0, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.0] * 3
    one = _row("c", Interval("x", 1.0, values, Tolerance(1)), 0.05)
    many = _row("c", Interval("x", 1.0, values, Tolerance(1)), 0.05 / 80)
    assert many.ci_high - many.ci_low > 1.5 * (one.ci_high - one.ci_low)


def test_tests_and_identities():
    assert _row("c", GoodnessOfFit("t", 3.0, 0.01, "chi-square, 2 df"), 0.001).passed
    assert not _row("c", GoodnessOfFit("t", 30.0, 1e-5, "chi-square, 2 df"), 0.001).passed
    assert _row("c", Exact("lost", 0.0, 0.0), 0.001).passed
    assert not _row("c", Exact("lost", 0.0, 1.0), 0.001).passed
    info = _row("c", Interval("x", 1.0, [5.0, 6.0] * 10, Tolerance(0.01), judged=False), 0.01)
    assert info.passed and not info.judged
