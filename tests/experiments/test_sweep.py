"""Sweeps: experiment files, designs, errors before anything runs, and resuming."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from borderflow import sweep
from borderflow.cli import main
from borderflow.experiments.designs import Parameter, Range, grid, latin_hypercube, one_at_a_time
from borderflow.experiments.sweep import ExperimentError, load_experiment
from borderflow.runner import run

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scenarios" / "example.yaml"
FINAL = ("points.csv", "results.csv", "sweep.json")


def cli(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "experiment.yaml") -> Path:
    """An experiment file; ``{example}`` is replaced by the example scenario's path."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).replace("{example}", str(EXAMPLE)), encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def final_files(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FINAL}


SMALL = """\
scenario: {example}
replications: 2
set:
  horizon: 10 h
vary:
  stages.primary.service.car_general.mean: {from: 50 s, to: 70 s, steps: 3}
  streams.car_general.arrivals.per_day: [1200, 1600]
"""


# --- designs -------------------------------------------------------------------------------


def test_ranges_give_whole_numbers_floats_and_durations():
    assert Range(24000, 36000, True, steps=5).grid() == [24000, 27000, 30000, 33000, 36000]
    assert Range(60, 90, False, "s", 4).grid() == ["60 s", "70 s", "80 s", "90 s"]
    assert Range(0.02, 0.05, False, steps=4).grid() == pytest.approx([0.02, 0.03, 0.04, 0.05])


def test_grid_varies_the_last_parameter_fastest():
    a = Parameter("a", (("a",),), levels=((1,), (2,)))
    b = Parameter("b", (("b",),), levels=((10,), (20,), (30,)))
    points = grid([a, b])
    assert [(p[0][0], p[1][0]) for p in points] == [
        (1, 10),
        (1, 20),
        (1, 30),
        (2, 10),
        (2, 20),
        (2, 30),
    ]


def test_one_at_a_time_starts_from_the_baseline():
    a = Parameter("a", (("a",),), levels=((1,), (2,), (3,)), baseline=(2,))
    b = Parameter("b", (("b",),), levels=((10,), (20,)), baseline=(5,))
    points = one_at_a_time([a, b])
    assert points == [
        ((2,), (5,)),
        ((1,), (5,)),
        ((3,), (5,)),
        ((2,), (10,)),
        ((2,), (20,)),
    ]


def test_a_latin_hypercube_puts_one_point_in_each_stratum_of_each_parameter():
    n = 20
    time_range = Parameter("t", (("t",),), range=Range(60.0, 90.0, False, "s"))
    share = Parameter("s", (("s",),), range=Range(0.02, 0.05, False))
    lanes = Parameter("l", (("l",),), range=Range(10, 29, True))
    points = latin_hypercube([time_range, share, lanes], n, seed=7)
    assert len(points) == n
    seconds = [float(p[0][0].split()[0]) for p in points]
    shares = [p[1][0] for p in points]
    assert sorted(int((v - 60) / 30 * n) for v in seconds) == list(range(n))
    assert sorted(int((v - 0.02) / 0.03 * n) for v in shares) == list(range(n))
    # 20 whole numbers 10..29 in 20 strata: each exactly once
    assert sorted(p[2][0] for p in points) == list(range(10, 30))
    assert latin_hypercube([time_range, share, lanes], n, seed=7) == points
    assert latin_hypercube([time_range, share, lanes], n, seed=8) != points


# --- running and the files -----------------------------------------------------------------


def test_a_grid_sweep_writes_points_and_results(tmp_path):
    path = write(tmp_path, SMALL)
    result = sweep(path, output=tmp_path / "out")
    assert result.computed == 6 and not result.interrupted
    points = read_csv(tmp_path / "out" / "points.csv")
    assert [list(p.values()) for p in points] == [
        ["0", "50 s", "1200"],
        ["1", "50 s", "1600"],
        ["2", "60 s", "1200"],
        ["3", "60 s", "1600"],
        ["4", "70 s", "1200"],
        ["5", "70 s", "1600"],
    ]
    rows = read_csv(tmp_path / "out" / "results.csv")
    assert list(rows[0]) == [
        "point",
        "stream",
        "metric",
        "mean",
        "ci_low",
        "ci_high",
        "replications",
    ]
    assert {r["point"] for r in rows} == {str(i) for i in range(6)}
    # point 3 is the scenario with those two values set, run as usual
    plain = run(
        EXAMPLE,
        replications=2,
        overrides=[
            "horizon=10 h",
            "stages.primary.service.car_general.mean=60 s",
            "streams.car_general.arrivals.per_day=1600",
        ],
    )
    e = plain.estimate("car_general", "wait_mean_min")
    row = next(
        r
        for r in rows
        if (r["point"], r["stream"], r["metric"]) == ("3", "car_general", "wait_mean_min")
    )
    assert float(row["mean"]) == e.mean and float(row["ci_high"]) == e.ci_high
    assert result.estimate(3, "car_general", "wait_mean_min") == e
    meta = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert meta["design"] == "grid" and meta["points"] == 6 and meta["seed"] == 20261128


def test_to_frame_has_the_parameters_next_to_the_results(tmp_path):
    result = sweep(write(tmp_path, SMALL))
    frame = result.to_frame()
    assert {"stages.primary.service.car_general.mean", "mean", "ci_low"} <= set(frame.columns)
    assert len(frame) == len(result.table("results")[1])


def test_linked_keys_move_together(tmp_path):
    path = write(
        tmp_path,
        """\
        scenario: {example}
        replications: 1
        vary:
          sentri_share:
            values: [0.25, 0.5]
            set:
              streams.car_sentri.arrivals.per_day: [500, 1000]
              streams.car_general.arrivals.per_day: [1500, 1000]
        """,
    )
    result = sweep(path, output=tmp_path / "out")
    points = read_csv(tmp_path / "out" / "points.csv")
    assert points == [
        {
            "point": "0",
            "sentri_share": "0.25",
            "streams.car_sentri.arrivals.per_day": "500",
            "streams.car_general.arrivals.per_day": "1500",
        },
        {
            "point": "1",
            "sentri_share": "0.5",
            "streams.car_sentri.arrivals.per_day": "1000",
            "streams.car_general.arrivals.per_day": "1000",
        },
    ]
    assert result.experiment.points[1].scenario.streams["car_sentri"].arrivals.per_day == 1000


def test_resume_recomputes_only_missing_points_and_gives_the_same_files(tmp_path):
    path = write(tmp_path, SMALL)
    sweep(path, output=tmp_path / "whole")
    expected = final_files(tmp_path / "whole")
    sweep(path, output=tmp_path / "part")
    for index in (1, 4):
        (tmp_path / "part" / "points" / f"point-{index:05d}.json").unlink()
    (tmp_path / "part" / "results.csv").unlink()
    (tmp_path / "part" / "points" / "point-00002.json.partial").write_text("{trunc")
    resumed = sweep(path, output=tmp_path / "part", resume=True)
    assert resumed.computed == 2
    assert final_files(tmp_path / "part") == expected
    assert not list((tmp_path / "part" / "points").glob("*.partial"))
    # without --resume everything is computed again
    assert sweep(path, output=tmp_path / "part").computed == 6
    assert final_files(tmp_path / "part") == expected


def test_a_changed_experiment_recomputes_the_points_it_changes(tmp_path):
    path = write(tmp_path, SMALL)
    sweep(path, output=tmp_path / "out")
    path.write_text(path.read_text().replace("[1200, 1600]", "[1200, 1700]"))
    resumed = sweep(path, output=tmp_path / "out", resume=True)
    assert resumed.computed == 3  # the points with 1700 cars; those with 1200 are kept
    sweep(path, output=tmp_path / "fresh")
    assert final_files(tmp_path / "out") == final_files(tmp_path / "fresh")


@pytest.mark.slow
def test_a_killed_sweep_resumes_to_the_same_files(tmp_path):
    path = write(
        tmp_path,
        """\
        scenario: {example}
        replications: 4
        vary:
          streams.car_general.arrivals.per_day: {from: 1000, to: 1550, steps: 12}
        """,
    )
    command = [sys.executable, "-m", "borderflow.cli", "sweep", str(path)]
    subprocess.run([*command, "-q", "-j", "1", "-o", tmp_path / "whole"], check=True, timeout=120)
    process = subprocess.Popen([*command, "-q", "-j", "2", "-o", tmp_path / "killed"])
    store = tmp_path / "killed" / "points"
    deadline = time.monotonic() + 60
    while len(list(store.glob("point-*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL
    stored = len(list(store.glob("point-*.json")))
    assert 3 <= stored < 12, "the sweep should be killed half-way"
    assert not (tmp_path / "killed" / "results.csv").exists()
    done = subprocess.run(
        [*command, "-j", "1", "-o", tmp_path / "killed", "--resume"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"12 finished ({12 - stored} computed now)" in done.stdout
    assert final_files(tmp_path / "killed") == final_files(tmp_path / "whole")


# --- errors, before anything runs ----------------------------------------------------------

BAD = [
    pytest.param(
        """\
        scenario: {example}
        replication: 3
        vary:
          stages.primary.lanes.general.lanes: [4, 5]
        """,
        [
            "experiment.yaml:2:1: replication: unknown key 'replication' "
            "(did you mean 'replications'?)"
        ],
        id="unknown-key",
    ),
    pytest.param(
        """\
        scenario: {example}
        vary:
          stages.primary.lanes.genral.lanes: [3, 4]
        """,
        [
            "experiment.yaml:3:3: vary.stages.primary.lanes.genral.lanes: cannot vary "
            "'stages.primary.lanes.genral.lanes': no key 'genral' in stages.primary.lanes "
            "(did you mean 'general'?)"
        ],
        id="bad-path",
    ),
    pytest.param(
        """\
        scenario: {example}
        vary:
          stages.primary.lanes.general.booths_per_lane: [1, 2, 5]
          stages.secondary.visit.car_general: [0.03, 1.5]
        """,
        [
            "experiment.yaml:3:56: stages.primary.lanes.general.booths_per_lane: "
            "must be at most 4, found 5",
            "experiment.yaml:4:46: stages.secondary.visit.car_general: must be at most 1",
        ],
        id="bad-values",
    ),
    pytest.param(
        """\
        scenario: {example}
        vary:
          stages.primary.lanes.general.lanes: [3, 4, 5]
        """,
        [
            "experiment.yaml:2:1: vary: design point 0 gives an invalid scenario: "
            "stages.primary.lanes.general.open: open lanes (4) cannot exceed the 3 lanes of the "
            "group (at "
        ],
        id="invalid-combination",
    ),
    pytest.param(
        """\
        scenario: {example}
        design: lhs
        seed: 1
        vary:
          streams.car_general.arrivals.per_day: {from: 1000, to: 2000, steps: 3}
        """,
        [
            "experiment.yaml:2:1: design: a Latin hypercube (lhs) needs n: the number of points",
            "experiment.yaml:5:64: vary.streams.car_general.arrivals.per_day.steps: lhs samples "
            "the whole range",
        ],
        id="lhs-without-n",
    ),
    pytest.param(
        """\
        scenario: {example}
        design: grid
        seed: 4
        vary:
          streams.car_general.arrivals.per_day: {from: 1000, to: 2000}
          stages.primary.service.car_general.mean: {from: 50 s, to: 1 min, steps: 3}
        """,
        [
            "experiment.yaml:3:1: seed: seed is used only with design: lhs; the simulation seed "
            "is the scenario's",
            "experiment.yaml:5:3: vary.streams.car_general.arrivals.per_day: a range needs "
            "'steps' (number of values) with grid",
            "experiment.yaml:6:3: vary.stages.primary.service.car_general.mean: from and to must "
            "use the same unit, found '50 s' and '1 min'",
        ],
        id="bad-ranges",
    ),
    pytest.param(
        """\
        scenario: ../nowhere.yaml
        vary: {}
        """,
        [
            "experiment.yaml:1:1: scenario: file not found: '../nowhere.yaml'",
            "experiment.yaml:2:1: vary: expected a map of key.path: values (at least one)",
        ],
        id="missing-scenario",
    ),
    pytest.param(
        """\
        scenario: {example}
        vary:
          share:
            values: [low, high]
            set:
              streams.car_general.arrivals.per_day: [1000, 2000]
              streams.car_sentri.arrivals.per_day: [400]
        """,
        [
            "experiment.yaml:7:7: vary.share.set.streams.car_sentri.arrivals.per_day: expected a "
            "list of 2 values (one per entry of 'values'), found a list of 1 value"
        ],
        id="linked-lengths",
    ),
    pytest.param(
        """\
        scenario: {example}
        design: one_at_a_time
        vary:
          stages.primary.lanes.sentri.open: [1, 2]
        """,
        [
            "experiment.yaml:4:3: vary.stages.primary.lanes.sentri.open: one_at_a_time starts "
            "from the scenario's own value of each key, and the scenario has no "
            "'stages.primary.lanes.sentri.open'"
        ],
        id="no-baseline",
    ),
    pytest.param(
        "scenario: {example}\nvary: [1, 2\n",
        ["experiment.yaml:3:1: YAML syntax error"],
        id="yaml-syntax",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_experiment_files_are_reported_before_anything_runs(
    tmp_path, monkeypatch, text, expected
):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)
    code, out, err = cli("sweep", "experiment.yaml", "-o", "out", "-j", "1")
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].endswith("in the experiment:")
    for want in expected:
        assert any(line.startswith(want) for line in lines[1:]), (want, lines)
    assert len(lines) == 1 + len(expected), lines
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing ran, nothing was written
    with pytest.raises(ExperimentError):
        load_experiment("experiment.yaml")


def test_a_bad_experiment_in_a_separate_process(tmp_path):
    path = write(tmp_path, "scenario: {example}\nvary:\n  stages.primary.lanes.general.lanes: x\n")
    done = subprocess.run(
        [sys.executable, "-m", "borderflow.cli", "sweep", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines()[1].startswith(
        f"{path}:3:3: vary.stages.primary.lanes.general.lanes: expected a list of values"
    )
    assert "Traceback" not in done.stderr


# --- the shipped experiments ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path", sorted((REPO / "experiments").glob("*.yaml")), ids=lambda p: p.name
)
def test_shipped_experiments_are_valid(path):
    experiment = load_experiment(path)  # builds and validates every design point
    assert len(experiment.points) >= 2
