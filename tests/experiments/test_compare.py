"""Paired comparisons with common random numbers: the API, the command and its files."""

from __future__ import annotations

import contextlib
import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from borderflow import compare
from borderflow.analysis import estimate
from borderflow.cli import main
from borderflow.experiments.compare import COMPARISON_COLUMNS
from borderflow.runner import run

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scenarios" / "example.yaml"


def faster(mean: str = "56 s", seed: int | None = None) -> dict:
    """The example with a different mean inspection time for general cars."""
    alt = {
        "extends": str(EXAMPLE),
        "name": f"general inspection {mean}",
        "stages": {
            "primary": {"service": {"car_general": {"dist": "lognormal", "mean": mean, "cv": 0.6}}}
        },
    }
    if seed is not None:
        alt["seed"] = seed
    return alt


def cli(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_a_scenario_compared_with_itself_differs_by_exactly_zero():
    result = compare(EXAMPLE, EXAMPLE, replications=4)
    assert result.replications == 4
    checked = 0
    for d in result.differences:
        if d.diff.replications == 0:  # undefined in every replication (no visit)
            continue
        assert d.diff.mean == 0.0
        assert d.base_mean == d.alt_mean
        if d.diff.replications > 1:
            assert d.diff.ci_low == 0.0 and d.diff.ci_high == 0.0
            assert d.significant is False
        assert d.pct_change == 0.0 or (d.base_mean == 0 and math.isnan(d.pct_change))
        checked += 1
    assert checked > 20


def test_replication_r_of_each_scenario_sees_the_same_travellers():
    result = compare(EXAMPLE, faster(seed=999), replications=3)
    base, alt = result.base, result.alternatives[0]
    assert alt.seed == base.seed == 20261128  # the alternative's own seed is not used
    for b, a in zip(base.replications, alt.replications, strict=True):
        assert b.replication == a.replication
        for stream in ("car_general", "car_sentri"):
            assert a.metrics[stream]["entities"] == b.metrics[stream]["entities"]
        # SENTRI cars are not changed and use their own lanes: their waits are identical
        assert a.metrics["car_sentri"]["wait_mean_min"] == b.metrics["car_sentri"]["wait_mean_min"]


def test_the_difference_is_the_paired_t_interval_of_the_replication_differences():
    result = compare(EXAMPLE, faster(), replications=6)
    base = run(EXAMPLE, replications=6)
    alt = run(faster(), replications=6, seed=base.seed)
    x = [r.metrics["car_general"]["wait_p95_min"] for r in base.replications]
    y = [r.metrics["car_general"]["wait_p95_min"] for r in alt.replications]
    expected = estimate(np.subtract(y, x).tolist())
    d = result.difference("car_general", "wait_p95_min")
    assert d.diff == expected
    assert d.base_mean == pytest.approx(np.mean(x), rel=1e-12)
    assert d.alt_mean == pytest.approx(np.mean(y), rel=1e-12)
    assert d.pct_change == pytest.approx(100 * expected.mean / np.mean(x), rel=1e-12)
    assert d.significant == (expected.ci_high < 0 or expected.ci_low > 0)


def test_common_random_numbers_narrow_the_interval():
    """The paired interval's width follows from the correlation between the two runs: the
    differences have variance var(a) + var(b) - 2 cov(a, b), where Welch's interval for two
    independent runs uses var(a) + var(b). Common random numbers make the covariance positive."""
    n = 10
    result = compare(EXAMPLE, faster(), replications=n)
    paired = result.difference("car_general", "wait_mean_min").diff
    metric = "wait_mean_min"
    b = np.array([r.metrics["car_general"][metric] for r in result.base.replications])
    a = np.array([r.metrics["car_general"][metric] for r in result.alternatives[0].replications])
    va, vb = a.var(ddof=1), b.var(ddof=1)
    cov = np.cov(a, b, ddof=1)[0, 1]
    var_diff = va + vb - 2 * cov
    # the paired interval is the t interval of the n differences, with that variance
    t_paired = stats.t.ppf(0.975, n - 1)
    assert paired.std**2 == pytest.approx(var_diff, rel=1e-9)
    assert paired.half_width == pytest.approx(t_paired * math.sqrt(var_diff / n), rel=1e-9)
    # Welch's interval for the same replications taken as independent runs
    sa, sb = va / n, vb / n
    dof = (sa + sb) ** 2 / (sa**2 / (n - 1) + sb**2 / (n - 1))
    t_welch = stats.t.ppf(0.975, dof)
    welch = t_welch * math.sqrt(sa + sb)
    expected_ratio = (t_welch / t_paired) * math.sqrt((va + vb) / var_diff)
    assert welch / paired.half_width == pytest.approx(expected_ratio, rel=1e-9)
    # so the paired interval is the narrower one exactly when the covariance takes away more
    # than its fewer degrees of freedom add: 2 cov / (var a + var b) > 1 - (t_welch/t_paired)²
    # (at most 0.14 with 10 replications, 0.10 here; common random numbers give about 0.76)
    correlation = cov / math.sqrt(va * vb)
    assert correlation > 0
    narrower_when = 2 * cov / (va + vb) > 1 - (t_welch / t_paired) ** 2
    assert (paired.half_width < welch) == narrower_when
    assert paired.half_width < welch


def test_the_command_writes_comparison_csv_and_each_run(tmp_path):
    alt = tmp_path / "faster.yaml"
    alt.write_text(
        f"extends: {EXAMPLE}\nname: faster\nstages:\n  primary:\n    service:\n"
        "      car_general: {dist: lognormal, mean: 50 s, cv: 0.6}\n",
        encoding="utf-8",
    )
    code, out, err = cli("compare", EXAMPLE, alt, "-r", "3", "-j", "1", "-o", tmp_path / "c")
    assert code == 0, err
    assert "base: example (Example port, morning peak)" in out
    assert "alt:  faster (faster)" in out
    with open(tmp_path / "c" / "comparison.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        assert tuple(reader.fieldnames) == COMPARISON_COLUMNS
    row = next(r for r in rows if (r["stream"], r["metric"]) == ("car_general", "wait_mean_min"))
    assert row["scenario"] == "faster"
    assert float(row["diff_mean"]) < 0 and row["significant"] in ("True", "False")
    assert float(row["diff_ci_low"]) <= float(row["diff_mean"]) <= float(row["diff_ci_high"])
    assert row["replications"] == "3"
    for folder in ("base", "alternatives/faster"):
        assert (tmp_path / "c" / folder / "summary.csv").is_file()
    line = next(x for x in out.splitlines() if x.startswith("car_general   wait_mean_min"))
    assert "faster" in line and "%" in line


def test_labels_of_repeated_alternatives_are_made_distinct():
    result = compare(EXAMPLE, EXAMPLE, EXAMPLE, replications=2)
    assert result.labels == ["example", "example", "example#2"]
    assert result.difference("all", "wait_mean_min", "example#2").diff.mean == 0.0


def test_a_comparison_needs_an_alternative():
    with pytest.raises(ValueError, match="at least one alternative"):
        compare(EXAMPLE)


def test_a_bad_scenario_is_reported_with_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {EXAMPLE}\nhorizon: 12\n", encoding="utf-8")
    code, out, err = cli("compare", EXAMPLE, bad, "-r", "2", "-j", "1")
    assert code == 2
    assert f"{bad}:2:1: horizon: expected a duration with a unit" in err
    assert "Traceback" not in err


def test_to_frame():
    frame = compare(EXAMPLE, faster(), replications=2).to_frame()
    assert list(frame.columns) == list(COMPARISON_COLUMNS)
    assert frame["significant"].dropna().isin([True, False]).all()
