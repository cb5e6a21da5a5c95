"""Calibration recovers a known demand profile from the waits it produces."""

from __future__ import annotations

import numpy as np
import pytest

from borderflow import load_scenario
from borderflow.calibrate import (
    Observed,
    calibrate,
    parse_days,
    read_observed,
    simulated_waits,
    write_calibration,
)
from borderflow.cli import main
from borderflow.scenario import ScenarioError

TRUE_PROFILE = [1, 1, 1, 1, 2, 4, 8, 10, 10, 8, 6, 5, 5, 5, 6, 7, 8, 7, 5, 4, 3, 2, 1, 1]


def port(profile):
    return load_scenario(
        {
            "name": "synthetic",
            "horizon": "48 h",
            "warmup": "24 h",
            "seed": 3,
            "profiles": {"p": profile},
            "streams": {
                "car": {"arrivals": {"per_day": 3000, "profile": "p"}, "route": ["primary"]}
            },
            "stages": {
                "primary": {
                    "lanes": {"g": {"lanes": 4, "open": [2] * 5 + [4] * 19}},
                    "service": {"default": {"dist": "lognormal", "mean": "60 s", "cv": 0.6}},
                }
            },
        }
    )


@pytest.fixture(scope="module")
def synthetic():
    """'Observed' waits: 40 replications of the true profile, with a seed the fit never uses."""
    truth = port(TRUE_PROFILE)
    waits, _ = simulated_waits(truth, "car", 40, 999)
    observed = Observed(waits, "synthetic", "car", 40, None, None)
    result = calibrate(port([1] * 24), observed, "car", iterations=10, replications=6)
    return truth, observed, result


def test_recovers_the_true_profile_where_there_is_a_queue(synthetic):
    truth, observed, result = synthetic
    true_rates = np.array(truth.hourly_rates("car"))
    assert result.rates.sum() == pytest.approx(3000, rel=1e-12)  # the daily volume is kept
    queue = observed.waits >= 1.0
    assert queue.sum() >= 4
    # Where arrivals meet a queue, the waits pin the demand down: within 15% hour by hour
    # (the spread of 6 replications of a near-saturated queue is about 5-10% at these hours).
    relative = np.abs(result.rates[queue] - true_rates[queue]) / true_rates[queue]
    assert relative.max() < 0.15, relative
    # Elsewhere only a stationary-queue inversion informs demand, hour by hour it may be far
    # off (the late-night hours carry a few dozen cars); over the day the median hour is close.
    loose = np.abs(result.rates - true_rates) / true_rates
    assert np.median(loose) < 0.15


def test_fitted_waits_match_observed_within_noise(synthetic):
    _, observed, result = synthetic
    # 20 fresh replications judge the fit; its noise is their standard error per hour.
    noise = float(np.sqrt(np.mean(result.standard_error**2)))
    assert result.rmse < max(1.0, 3 * noise)
    assert not result.warnings
    assert result.rmse < float(np.sqrt(np.mean((result.initial_waits - observed.waits) ** 2)))


def test_unreachable_waits_are_flagged(synthetic):
    _, observed, _ = synthetic
    impossible = Observed(observed.waits + 60, "synthetic", "car", 40, None, None)
    result = calibrate(port(TRUE_PROFILE), impossible, "car", iterations=3, replications=2)
    assert any("cannot be reached" in w for w in result.warnings)


def test_calibrated_file_extends_the_original_and_reloads(synthetic, tmp_path):
    _, _, result = synthetic
    original = tmp_path / "port.yaml"
    original.write_text(
        "name: synthetic\nhorizon: 48 h\nwarmup: 24 h\nseed: 3\nprofiles:\n  p: ["
        + ", ".join(map(str, TRUE_PROFILE))
        + "]\nstreams:\n  car:\n    arrivals: {per_day: 3000, "
        "profile: p}\n    route: [primary]\nstages:\n  primary:\n    lanes:\n      g: {lanes: 4, "
        "open: [2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]}\n"
        "    service:\n      default: {dist: lognormal, mean: 60 s, cv: 0.6}\n"
    )
    paths = write_calibration(result, original, tmp_path / "out" / "fitted.yaml")
    assert [p.name for p in paths] == ["fitted.yaml", "fitted_fit.csv", "fitted_fit.png"]
    text = paths[0].read_text()
    assert "extends: ../port.yaml" in text
    fitted = load_scenario(paths[0])
    rates = np.array(fitted.hourly_rates("car"))
    assert rates.sum() == pytest.approx(3000)
    assert np.allclose(rates, result.rates, rtol=1e-3)


def test_read_observed_selects_rows_and_averages_by_hour(tmp_path):
    path = tmp_path / "waits.csv"
    rows = ["month,weekday,hour,pov_min"]
    rows += [f"1,{d},{h},{10 + d}" for d in range(7) for h in range(24)]
    rows += [f"2,{d},{h},99" for d in range(7) for h in range(24)]
    path.write_text("\n".join(rows) + "\n")
    observed = read_observed(path, "pov_min", months=[1], weekdays=parse_days("0-4"))
    assert observed.rows == 5 * 24
    assert np.allclose(observed.waits, 12.0)
    with pytest.raises(ScenarioError, match="no column 'nope'"):
        read_observed(path, "nope")
    with pytest.raises(ScenarioError, match="no observed wait for hour"):
        read_observed(path, "pov_min", months=[3])


def test_cli_reports_bad_input_with_exit_2(tmp_path, capsys, example_path):
    code = main(
        [
            "calibrate",
            str(example_path),
            "--observed",
            str(tmp_path / "missing.csv"),
            "--stream",
            "car_general",
            "--column",
            "x",
        ]
    )
    assert code == 2
    assert "file not found" in capsys.readouterr().err
    code = main(
        ["calibrate", str(example_path), "--observed", "x.csv", "--stream", "bus", "--column", "x"]
    )
    assert code == 2
    assert "unknown stream 'bus'" in capsys.readouterr().err
