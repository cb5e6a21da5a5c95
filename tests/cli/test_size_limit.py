"""A run that would never end is refused before it starts, naming the stream and its count."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from borderflow.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "example.yaml"
HUGE = "streams.car_general.arrivals.per_day=1e300"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        ("run", str(EXAMPLE), "-j", "1", "--set", HUGE),
        ("check", str(EXAMPLE), "--set", HUGE),
        ("compare", str(EXAMPLE), str(EXAMPLE), "-j", "1", "--max-travellers", "10"),
    ],
    ids=["run", "check", "compare"],
)
def test_a_run_that_would_never_end_is_refused(args):
    code, _, err = cli(*args)
    assert code == 2
    assert "car_general" in err and "travellers expected in one replication" in err
    assert "--max-travellers" in err and "Traceback" not in err


def test_the_limit_can_be_raised_and_check_shows_the_estimate():
    code, out, _ = cli("check", str(EXAMPLE))
    assert code == 0
    assert "expected travellers in one replication: 2,000 (5 replications: 10,000)" in out
    code, _, err = cli("run", str(EXAMPLE), "-q", "-r", "1", "-j", "1", "--max-travellers", "1000")
    assert code == 2 and "more than the limit of 1,000" in err
    code, _, _ = cli("run", str(EXAMPLE), "-q", "-r", "1", "-j", "1", "--max-travellers", "2000")
    assert code == 0


def test_a_sweep_point_that_would_never_end_is_refused_before_anything_runs(tmp_path):
    experiment = tmp_path / "huge.yaml"
    experiment.write_text(
        f"scenario: {EXAMPLE}\n"
        "design: grid\n"
        "vary:\n"
        "  streams.car_general.arrivals.per_day: [1500, 1e300]\n",
        encoding="utf-8",
    )
    code, _, err = cli("sweep", str(experiment), "-o", str(tmp_path / "out"), "-j", "1", "-q")
    assert code == 2
    assert "point 1 gives an invalid scenario" in err and "car_general" in err
    assert "travellers expected in one replication" in err
    assert not (tmp_path / "out").exists()  # refused before the store was made
