"""The findings that open a report, the money and emissions, benefit–cost, and display names."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from plot_helpers import EXAMPLE
from test_report import Page

from borderflow.analysis import Estimate
from borderflow.economics import BenefitCost, annuity_factor, benefit_cost
from borderflow.experiments.compare import compare
from borderflow.findings import (
    change_class,
    comparison_benefit_costs,
    comparison_findings,
    counted_days,
    difference,
    interval,
    minutes,
    money,
    run_findings,
    run_money,
    verdicts,
)
from borderflow.plots.io import load_comparison, read_run
from borderflow.plots.style import group_label, stage_label, stream_label
from borderflow.report import build_report
from borderflow.runner import run


def test_numbers_in_words() -> None:
    assert minutes(29.27) == "29" and minutes(1.08) == "1.1"
    assert money(96_183_000) == "$96.2 million" and money(471_234) == "$471,000"
    assert money(2.4e9) == "$2.4 billion" and money(-263_493) == "−$263,000"
    assert interval(27.2, 32.4) == "95% CI 27–32"
    assert interval(math.nan, 3) == ""


def test_run_findings_state_the_longest_wait_and_the_cost_with_intervals(run_dir: Path) -> None:
    data = read_run(run_dir)
    sentences = run_findings(data)
    assert 2 <= len(sentences) <= 4
    waits = {s: data.summary[s]["wait_mean_min"] for s in data.streams}
    worst = max(waits, key=lambda s: waits[s].mean)
    e = waits[worst]
    assert sentences[0].startswith(f"{stream_label(worst)} wait longest: {minutes(e.mean)}")
    assert interval(e.ci_low, e.ci_high) in sentences[0]
    cost = data.summary["all"]["delay_cost_usd"]
    days = counted_days(data.meta["scenario"])
    assert days == 0.5  # the example counts 12 hours
    assert f"{money(cost.mean / days)} a day" in sentences[-1]
    assert "if 365 days a year were like this one" in sentences[-1]  # no annualize_days given
    table = run_money(data)
    assert table is not None
    what, day, year, unit = table.rows[0]
    assert unit == "USD" and day.mean == pytest.approx(cost.mean * 2)
    assert year.ci_low == pytest.approx(cost.ci_low * 2 * 365)
    assert not table.days_given


def test_benefit_cost_formulas() -> None:
    result = benefit_cost(
        {"capital_cost_usd": 1e6, "annual_om_usd": 1e5, "discount_rate": 0.05, "horizon_years": 10},
        (1e6, 8e5, 1.2e6),
        None,
    )
    assert isinstance(result, BenefitCost) and not result.assumptions
    a = (1 - 1.05**-10) / 0.05
    assert result.factor == pytest.approx(a) == pytest.approx(annuity_factor(0.05, 10))
    npv, low, high = result.npv_estimate
    assert npv == pytest.approx(a * (1e6 - 1e5) - 1e6)
    assert (low, high) == (pytest.approx(a * (8e5 - 1e5) - 1e6), pytest.approx(a * 11e5 - 1e6))
    ratio, r_low, r_high = result.bcr_estimate
    assert ratio == pytest.approx(a * 1e6 / (1e6 + a * 1e5))
    assert r_low < ratio < r_high
    assert annuity_factor(0.0, 7) == 7
    # officer cost: extra staffed hours a year at the hourly cost; defaults named as assumed
    staffed = benefit_cost({"officer_cost_per_hour": 80.0}, (5e5, 4e5, 6e5), 1000.0)
    assert staffed is not None
    assert staffed.yearly_cost == 80_000 and staffed.rate == 0.07 and staffed.years == 20
    assert len(staffed.assumptions) == 2
    assert benefit_cost({}, (1.0, 0.0, 2.0), None) is None  # no cost given: nothing to weigh


def test_verdicts_by_interval() -> None:
    def e(mean: float, low: float, high: float) -> Estimate:
        return Estimate(mean, low, high, 1.0, 10)

    found = verdicts({"a": e(20, 18, 22), "b": e(40, 35, 45), "c": e(29, 26, 33)}, 30)
    assert found == {"a": "met", "b": "not met", "c": "undecided"}


@pytest.fixture(scope="module")
def costed_comparison(tmp_path_factory: pytest.TempPathFactory):
    """The example against faster primary inspection that costs money to build and run."""
    folder = tmp_path_factory.mktemp("costed")
    base = folder / "busy.yaml"
    base.write_text(
        f"extends: {EXAMPLE}\nname: Example port, morning peak\n"
        "streams: {car_general: {arrivals: {per_day: 1900}}}\n",
        encoding="utf-8",
    )
    alt = folder / "faster.yaml"
    alt.write_text(
        f"extends: {base}\nname: Example port, morning peak, faster primary\n"
        "stages: {primary: {service: {car_general: {mean: 40 s}}}}\n"
        "economics: {capital_cost_usd: 2000000, annual_om_usd: 50000, "
        "officer_cost_per_hour: 90, discount_rate: 0.03, horizon_years: 15, "
        "annualize_days: 250}\n",
        encoding="utf-8",
    )
    return compare(base, alt, replications=3)


def test_comparison_findings_and_benefit_cost(costed_comparison) -> None:
    data = load_comparison(costed_comparison)
    (scenario,) = data.scenarios
    e = difference(data, scenario, "car_general", "wait_mean_min")
    assert e is not None and e.ci_high < 0  # faster inspection cuts the general-lane wait
    assert change_class(data, scenario, "car_general") == "changed"
    results = comparison_benefit_costs(data)
    result = results[scenario]
    cost = difference(data, scenario, "all", "delay_cost_usd")
    assert cost is not None
    yearly = -cost.mean / 0.5 * 250  # 12 counted hours, 250 such days a year
    assert result.benefit[0] == pytest.approx(yearly)
    assert result.staff_hours == 0  # the same lanes open: no officer cost
    assert result.npv_estimate[0] == pytest.approx(
        annuity_factor(0.03, 15) * (yearly - 50_000) - 2e6
    )
    sentences = comparison_findings(data, results)
    assert sentences[0].startswith(
        f"Faster primary cuts {minutes(abs(e.mean))} minutes from the mean wait of general cars"
    )
    assert "a year" in sentences[0] and "such days a year assumed" not in sentences[0]
    assert "net present value" in sentences[1] and "15 years at 3%" in sentences[1]
    text = " ".join(Page(build_report(costed_comparison)).text)
    assert "Benefit–cost ratio" in text and f"{result.bcr_estimate[0]:.2f}" in text


def test_display_names_default_and_from_label_keys(tmp_path: Path) -> None:
    scenario = {
        "streams": {
            "car_general": {"mode": "car", "route": ["primary"]},
            "ped_ready": {"mode": "pedestrian", "route": ["primary"], "label": "Fast walkers"},
        },
        "stages": {
            "primary": {
                "lanes": {
                    "general_stacked": {"serves": ["car_general"]},
                    "ped_ready": {"serves": ["ped_ready"], "label": "Ready hall"},
                }
            },
            "secondary_ped": {"lanes": {"stations": {}}},
        },
    }
    assert stream_label("car_general", scenario) == "General cars"
    assert stream_label("ped_ready", scenario) == "Fast walkers"
    assert stream_label("all") == "All travellers"
    assert stream_label("car_sentri") == "SENTRI cars"
    stacked = group_label("primary", "general_stacked", scenario)
    assert stacked == "General stacked-booth lanes (cars)"
    assert group_label("primary", "ped_ready", scenario) == "Ready hall"
    assert stage_label("primary") == "Primary inspection"
    assert stage_label("secondary_ped") == "Secondary inspection (pedestrians)"
    from borderflow.plots.style import is_share, parameter_label

    assert is_share("stages.secondary.visit.car_general") and is_share("sentri_share")
    assert not is_share("streams.car_general.arrivals.per_day")
    assert parameter_label("streams.car_general.arrivals.per_day") == "General cars a day"
    assert (
        parameter_label("stages.secondary.visit.car_general")
        == "Share of general cars sent to secondary inspection"
    )
    # a label: key in a scenario file is accepted and used by the report
    result = run(EXAMPLE, replications=1, overrides=["streams.car_general.label=Cars, main lanes"])
    assert result.scenario.streams["car_general"].label == "Cars, main lanes"
    assert "Cars, main lanes" in " ".join(Page(build_report(result)).text)


def test_sweep_findings_count_the_points_that_meet_the_target(sweep_dir: Path) -> None:
    from borderflow.findings import sweep_findings
    from borderflow.plots.io import read_sweep

    data = read_sweep(sweep_dir)
    results = data.result("car_general", "wait_p95_min")
    target = sorted(e.mean for e in results.values())[2]
    sentences = sweep_findings(data, "wait_p95_min", "car_general", target, lambda p: p)
    found = verdicts(results, target)
    met = sum(v == "met" for v in found.values())
    assert f"{met} of the 6 points meet the target" in sentences[1]
    low = min(results, key=lambda p: results[p].mean)
    assert f"({low})" in sentences[0]  # where the metric is lowest
    # for each demand, the inspection times that meet it
    assert sentences[2].startswith("Values of primary inspection time of general cars")
    for demand in ("1,500 (+0%)", "1,800 (+20%)"):
        assert demand in sentences[2]


def test_the_findings_and_the_money_come_first(run_dir: Path, costed_comparison) -> None:
    for text in (build_report(run_dir), build_report(costed_comparison)):
        first = text.index('<section class="findings">')
        money_at = max(text.find("What the waiting costs"), text.find("What the change is worth"))
        assert first < money_at < text.index("<h2>Headline results</h2>")
        assert text.index("<h2>Headline results</h2>") < text.index("<h2>Figures</h2>")
