"""A deliberately broken model fails the verification: the catalogue can tell right from wrong."""

from __future__ import annotations

import dataclasses

import pytest

from borderflow.cli import main
from borderflow.model import lanes, port, sampling
from borderflow.verify import CATALOGUE, Plan, verify

# Smaller plans than the quick run's, as small as lets the *correct* model still pass every
# check, half-width bounds included (checked with these seeds: with the correct model the
# theory lies within 0.65 half-widths of every mean, and every half-width is under 85% of its
# bound). A half-width here is that of a Bonferroni interval, about 3 to 4 standard errors.
MM1_RHO50 = Plan(20, "260 h", "20 h")  # quick: 720 h; Lq half-width 5.9% (bound 8%)
MD1_RHO80 = Plan(20, "300 h", "20 h")  # quick: 520 h; Lq half-width 5.6% (bound 8%)
SERVICE_TIMES = Plan(20, samples=30_000)  # quick: 40,000 draws; exponential mean 0.6% (1%)
TIME_VARYING_DAY = Plan(600)  # quick: 800 days; 20:00-21:00 queue half-width 0.24 (0.29)
STACKED_SATURATED = Plan(10, "26 h", "2 h")  # quick: 20 x 52 h; throughput 1.1% (bound 2%)


def _smaller(monkeypatch, **plans: Plan) -> None:
    """Run the cases named with ``plans`` as their quick plans (tests run them in-process)."""
    for name, plan in plans.items():
        monkeypatch.setitem(CATALOGUE, name, dataclasses.replace(CATALOGUE[name], quick=plan))


@pytest.fixture
def slow_service(monkeypatch):
    """Every inspection takes 10% longer than its distribution says."""
    original = sampling.quantile_function

    def slower(d):
        transform = original(d)
        return lambda u: 1.1 * transform(u)

    # the port looks the function up where it imported it; sample() in the sampling module
    monkeypatch.setattr(sampling, "quantile_function", slower)
    monkeypatch.setattr(port, "quantile_function", slower)


@pytest.fixture
def lanes_never_close(monkeypatch):
    """A staffing schedule can open lanes but never close them."""
    original = lanes.LaneGroup.set_open

    def set_open(self, count):
        original(self, max(count, self.open))

    monkeypatch.setattr(lanes.LaneGroup, "set_open", set_open)


def _failed(report):
    return {(r.case, r.quantity) for r in report.failed()}


@pytest.mark.usefixtures("slow_service")
def test_service_ten_percent_slower_fails(monkeypatch):
    # Margins with the broken model: the theory lies 4.6 half-widths from the mean wait of
    # mm1_rho50, 7 from its utilisation, 6 from md1_rho80's mean wait, 38 from the lognormal
    # mean; Little's law and the CVs stay within half a half-width.
    _smaller(monkeypatch, mm1_rho50=MM1_RHO50, md1_rho80=MD1_RHO80, service_times=SERVICE_TIMES)
    # In this process (jobs=1), so the patch is what the replications run.
    report = verify(quick=True, cases=["mm1_rho50", "md1_rho80", "service_times"], jobs=1)
    assert not report.passed
    assert set(report.failed_cases()) == {"mm1_rho50", "md1_rho80", "service_times"}
    failed = _failed(report)
    # load 0.5 -> 0.55: the M/M/1 wait goes from 1 to 1.34 minutes
    assert ("mm1_rho50", "mean wait (min)") in failed
    assert ("mm1_rho50", "utilisation") in failed
    assert ("md1_rho80", "mean wait (min)") in failed
    assert ("service_times", "lognormal: mean (s)") in failed
    # what does not depend on inspection times still passes
    assert ("mm1_rho50", "Little's law: Lq / (λ · W)") not in failed
    assert ("service_times", "lognormal: CV") not in failed
    wait = next(r for r in report.rows if r.case == "mm1_rho50" and r.quantity.startswith("mean w"))
    assert wait.mean == pytest.approx(1.1 * 0.55 / (1 - 0.55), rel=0.1)


@pytest.mark.slow
@pytest.mark.usefixtures("lanes_never_close")
def test_lanes_that_never_close_fail(monkeypatch):
    # Margins with the broken model: the theory lies 3.0 half-widths (about 9 standard errors)
    # from the day's mean queue, more than 100 from the hours after the closings. With fewer
    # days the correct model's intervals come too close to their bounds (at 500 days the
    # 20:00-21:00 half-width is 0.27 travellers, 0.29 allowed).
    _smaller(monkeypatch, time_varying_day=TIME_VARYING_DAY, mm1_rho50=MM1_RHO50)
    report = verify(quick=True, cases=["time_varying_day", "mm1_rho50"], jobs=1)
    assert report.failed_cases() == ["time_varying_day"]
    failed = _failed(report)
    # 12 booths stay open after the morning peak instead of 8, 8 instead of 4 in the evening:
    # the queue in the busy hours after each closing is far below the theory
    assert ("time_varying_day", "mean number waiting 11:00–12:00") in failed
    assert ("time_varying_day", "mean number waiting 19:00–20:00") in failed
    assert ("time_varying_day", "mean number waiting over the day") in failed
    # before the first closing the day is unchanged
    assert not any(q.startswith("mean number waiting 0") for _, q in failed)


@pytest.mark.usefixtures("slow_service")
def test_cli_exits_3_when_a_case_fails(tmp_path, capsys, monkeypatch):
    # the broken throughput is 9 half-widths below the theory (83.2 against 92.0 an hour)
    _smaller(monkeypatch, stacked_saturated=STACKED_SATURATED)
    out = tmp_path / "verification.md"
    code = main(["verify", "--quick", "--case", "stacked_saturated", "-j", "1", "-o", str(out)])
    assert code == 3
    text = capsys.readouterr().out
    assert "FAIL" in text and "stacked_saturated" in text
    page = out.read_text(encoding="utf-8")
    assert "**fail**" in page
