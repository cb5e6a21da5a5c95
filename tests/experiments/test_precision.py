"""Law & Kelton's sequential procedure: replications until the interval is narrow enough."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from borderflow import compare, run
from borderflow.analysis import estimate
from borderflow.cli import main
from borderflow.precision import (
    PrecisionError,
    adjusted,
    first_precise,
    mean_relative,
    relative_half_width,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scenarios" / "example.yaml"


def cli(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_the_target_is_adjusted_as_law_and_kelton_say():
    assert adjusted(0.05) == pytest.approx(0.05 / 1.05)
    assert adjusted(0.1) == pytest.approx(1 / 11)


def test_the_first_n_that_meets_the_target_is_chosen():
    values = [10.0, 12.0, 9.0, 11.0, 10.5, 10.2, 9.8, 10.1, 10.0, 9.9, 10.3, 9.7]
    relative = mean_relative(values)
    n = first_precise(relative, 0.05, 3, len(values))
    brute = [k for k in range(3, len(values) + 1) if relative(k) <= 0.05 / 1.05]
    assert n == brute[0]
    assert relative(n - 1) > adjusted(0.05)


def test_zero_half_width_of_a_zero_mean_is_precise():
    assert relative_half_width(estimate([0.0, 0.0, 0.0])) == 0.0
    assert relative_half_width(estimate([0.0, 1.0, -1.0])) == float("inf")


def test_a_run_stops_at_the_first_precise_replication_count():
    result = run(EXAMPLE, replications=3, precision=0.2, stream="car_sentri", jobs=1)
    outcome = result.precision
    assert outcome.reached
    n = outcome.replications
    assert n == len(result.replications) == result.scenario.replications
    values = [r.metrics["car_sentri"]["wait_mean_min"] for r in result.replications]
    assert relative_half_width(estimate(values)) <= adjusted(0.2)
    assert n > 3
    assert relative_half_width(estimate(values[:-1])) > adjusted(0.2)
    # the same replications as a plain run of n
    assert repr(result.replications) == repr(run(EXAMPLE, replications=n).replications)


def test_the_outcome_does_not_depend_on_the_number_of_workers():
    serial = run(EXAMPLE, replications=3, precision=0.2, stream="car_sentri", jobs=1)
    parallel = run(EXAMPLE, replications=3, precision=0.2, stream="car_sentri", jobs=2)
    assert parallel.precision == serial.precision
    assert repr(parallel.replications) == repr(serial.replications)


def test_the_cap_is_stated_when_the_target_is_not_reached():
    result = run(EXAMPLE, replications=2, precision=0.001, max_replications=4)
    assert not result.precision.reached
    assert len(result.replications) == 4
    assert "NOT reached: stopped at the cap of 4 replications" in str(result.precision)


def test_a_comparison_runs_every_scenario_to_the_same_count():
    alt = {
        "extends": str(EXAMPLE),
        "name": "alt",
        "stages": {"primary": {"lanes": {"general": {"booths_per_lane": 1}}}},
    }
    result = compare(EXAMPLE, alt, replications=3, precision=0.2, stream="all")
    n = result.precision.replications
    assert result.precision.reached
    assert len(result.base.replications) == len(result.alternatives[0].replications) == n
    for r in (result.base, result.alternatives[0]):
        values = [x.metrics["all"]["wait_mean_min"] for x in r.replications]
        assert relative_half_width(estimate(values)) <= adjusted(0.2)


def test_the_command_says_how_many_replications_it_took(tmp_path):
    code, out, err = cli(
        "run",
        EXAMPLE,
        "-r",
        "3",
        "-j",
        "1",
        "--precision",
        "0.2",
        "--stream",
        "car_sentri",
        "-o",
        tmp_path,
    )
    assert code == 0, err
    match = re.search(
        r"precision 20% of the mean for car_sentri wait_mean_min reached after (\d+) "
        r"replications \(95% CI half-width (\d+\.\d)% of the mean\)",
        out,
    )
    assert match, out
    assert f"{match.group(1)} replications, seed" in out
    assert float(match.group(2)) <= 100 * adjusted(0.2) + 0.05


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--precision", "5"], "--precision: expected a fraction between 0 and 1"),
        (
            ["--precision", "0.05", "--metric", "wait_men_min"],
            "unknown metric 'wait_men_min' for stream 'all' (did you mean 'wait_mean_min'?)",
        ),
        (["--precision", "0.05", "--stream", "car"], "unknown stream 'car' for the precision"),
        (
            ["--precision", "0.05", "--max-replications", "3"],
            "the cap on replications (3) is below the 5 to start with",
        ),
    ],
)
def test_bad_precision_options(args, message):
    code, out, err = cli("run", EXAMPLE, "-j", "1", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    with pytest.raises(PrecisionError):
        run(EXAMPLE, precision=0.05, stream="nobody")
