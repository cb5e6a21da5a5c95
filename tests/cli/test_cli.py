"""The ``borderflow`` command end to end: run, check and schema, good input and bad."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy
import pytest

import borderflow
from borderflow.cli import main
from borderflow.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
EXAMPLE = SCENARIOS / "example.yaml"
EXAMPLE_STREAMS = ["car_general", "car_sentri"]
TABLES = ["summary.csv", "replications.csv", "hourly.csv", "lanes_hourly.csv"]
METRICS = [
    "entities",
    "throughput_per_hour",
    "wait_mean_min",
    "wait_p50_min",
    "wait_p90_min",
    "wait_p95_min",
    "wait_max_min",
    "time_in_port_mean_min",
    "primary.wait_mean_min",
]


def cli(*args: str | Path) -> tuple[int, str, str]:
    """Run ``borderflow ARGS`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def subprocess_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m borderflow.cli ARGS`` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "borderflow.cli", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def number(cell: str) -> float:
    return math.nan if cell == "" else float(cell)


# --- bad input ---------------------------------------------------------------------------------

PORT = """\
name: test port
horizon: 4 h
replications: 2
streams:
  car:
    arrivals: {per_hour: 100}
    route: [primary, secondary]
stages:
  primary:
    lanes:
      general: {lanes: 2}
    service:
      default: {dist: exponential, mean: 30 s}
  secondary:
    lanes:
      bays: {lanes: 1}
    visit: {default: 0.1}
    service:
      default: {dist: gamma, mean: 5 min, cv: 0.5}
"""


def port(*changes: tuple[str, str]) -> str:
    text = PORT
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


# (files to write, expected problem lines, relative to the working directory)
BAD_INPUT = [
    pytest.param(
        {"port.yaml": port(("horizon: 4 h", "horizon: 4 h: x"))},
        ["port.yaml:2:13: YAML syntax error: mapping values are not allowed here"],
        id="yaml-syntax",
    ),
    pytest.param(
        {"port.yaml": port(("replications: 2", "replicatons: 2"))},
        ["port.yaml:3:1: replicatons: unknown key 'replicatons' (did you mean 'replications'?)"],
        id="unknown-key",
    ),
    pytest.param(
        {"port.yaml": port(("{lanes: 2}", "{lanes: two}"))},
        ["port.yaml:11:17: stages.primary.lanes.general.lanes: "],
        id="wrong-type",
    ),
    pytest.param(
        {"port.yaml": port(("[primary, secondary]", "[primary, secondry]"))},
        [
            "port.yaml:7:22: streams.car.route[1]: unknown stage 'secondry' "
            "(did you mean 'secondary'?)"
        ],
        id="unknown-stage",
    ),
    pytest.param(
        {"port.yaml": port(("mean: 30 s", "mean: 70"))},
        ["port.yaml:13:36: stages.primary.service.default.mean: expected a duration with a unit"],
        id="duration-without-unit",
    ),
    pytest.param(
        {"port.yaml": port(("per_hour: 100", "per_day: -5"))},
        ["port.yaml:6:16: streams.car.arrivals.per_day: "],
        id="negative-count",
    ),
    pytest.param(
        {"port.yaml": port(("per_hour: 100", "per_day: 100, profile: morning"))},
        ["port.yaml:6:30: streams.car.arrivals.profile: unknown profile 'morning'"],
        id="unknown-profile",
    ),
    pytest.param(
        {"port.yaml": port(("streams:\n", "profiles:\n  flat: [1, 2]\nstreams:\n"))},
        ["port.yaml:5:3: profiles.flat: a profile needs 24 hourly weights, found 2"],
        id="profile-wrong-length",
    ),
    pytest.param(
        {"port.yaml": port(("{lanes: 1}", "{lanes: 1, serves: []}"))},
        [
            "port.yaml:7:22: streams.car.route[1]: "
            "no lane group of stage 'secondary' serves stream 'car'"
        ],
        id="no-eligible-lane",
    ),
    pytest.param(
        {"port.yaml": port(("dist: gamma", "dist: weibull"))},
        ["port.yaml:19:17: stages.secondary.service.default.dist: expected one of "],
        id="unknown-distribution",
    ),
    pytest.param(
        {"port.yaml": port(("visit: {default: 0.1}", "visit: {bus: 0.1}"))},
        [
            "port.yaml:17:5: stages.secondary.visit: no visit share for stream 'car'",
            "port.yaml:17:13: stages.secondary.visit.bus: unknown stream 'bus'",
        ],
        id="visit-without-stream-or-default",
    ),
    pytest.param(
        {"port.yaml": "extends: missing.yaml\nname: x\n"},
        ["port.yaml:1:1: extends: file not found: 'missing.yaml'"],
        id="missing-extends",
    ),
    pytest.param(
        {"port.yaml": "extends: other.yaml\nname: x\n", "other.yaml": "extends: port.yaml\n"},
        ["other.yaml:1:1: extends: circular extends: port.yaml -> other.yaml -> port.yaml"],
        id="circular-extends",
    ),
    pytest.param(
        {
            "port.yaml": port(
                ("replications: 2", "replications: 0"),
                ("{lanes: 2}", "{lanes: -1}"),
                ("dist: gamma", "dist: weibull"),
            )
        },
        [
            "port.yaml:3:1: replications: ",
            "port.yaml:11:17: stages.primary.lanes.general.lanes: ",
            "port.yaml:19:17: stages.secondary.service.default.dist: ",
        ],
        id="three-errors",
    ),
]


@pytest.mark.parametrize("command", ["run", "check"])
@pytest.mark.parametrize(("files", "expected"), BAD_INPUT)
def test_bad_input_is_reported_as_file_line_column(tmp_path, monkeypatch, command, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = [command, "port.yaml"] + (["-r", "1", "-q", "-j", "1"] if command == "run" else [])
    code, out, err = cli(*args)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    # files reached through 'extends' may be named by their full path
    lines = err.replace(f"{tmp_path.resolve()}/", "").splitlines()
    count = len(expected)
    assert lines[0] == f"{count} problem{'s' if count > 1 else ''} in the scenario:"
    assert len(lines) == 1 + count
    for line, start in zip(lines[1:], expected, strict=True):
        assert line.startswith(start)


@pytest.mark.parametrize("command", ["run", "check"])
def test_open_lanes_above_the_lane_count_on_the_cli(tmp_path, monkeypatch, command):
    (tmp_path / "port.yaml").write_text(port(("{lanes: 2}", "{lanes: 2, open: 3}")), "utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(command, "port.yaml", *(["-q", "-j", "1"] if command == "run" else []))
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    # at the lane group or at its 'open' key, both on line 11
    pattern = r"port\.yaml:11:\d+: stages\.primary\.lanes\.general(\.open)?: open lanes \(3\) "
    assert re.search(pattern, err), err


@pytest.mark.parametrize("command", ["run", "check"])
def test_bad_input_in_a_separate_process(tmp_path, command):
    (tmp_path / "port.yaml").write_text(
        port(("replications: 2", "replicatons: 2"), ("[primary, secondary]", "[primary, xray]")),
        encoding="utf-8",
    )
    done = subprocess_cli(
        command, "port.yaml", *(["-j", "1"] if command == "run" else []), cwd=tmp_path
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert "port.yaml:3:1: replicatons: unknown key 'replicatons'" in done.stderr
    pattern = re.compile(r"^[^:\s]+:\d+:\d+: [\w.\[\]]+: \S")
    assert all(pattern.match(line) for line in done.stderr.splitlines()[1:])


def test_a_missing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("check", "nowhere.yaml")
    assert (code, out) == (2, "")
    assert err.splitlines()[1] == "nowhere.yaml: file not found"


def test_a_bad_override(tmp_path):
    code, _, err = cli(
        "run", EXAMPLE, "-j", "1", "-r", "1", "-q", "--set", "stages.primary.lanez=3"
    )
    assert code == 2
    assert "Traceback" not in err
    assert (
        "--set stages.primary.lanez=3: stages.primary.lanez: unknown key 'lanez' "
        "(did you mean 'lanes'?)" in err
    )


def test_an_override_that_breaks_the_scenario(tmp_path):
    code, _, err = cli("check", EXAMPLE, "--set", "stages.primary.lanes.general.lanes=3")
    assert code == 2
    assert "open lanes (4) cannot exceed the 3 lanes" in err
    assert "Traceback" not in err


def test_replications_must_be_positive(tmp_path):
    code, out, err = cli("run", EXAMPLE, "-j", "1", "-r", "0", "-o", tmp_path / "out")
    assert code == 2
    assert "--replications" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_negative_seed_is_bad_input():
    code, _, err = cli("run", EXAMPLE, "-j", "1", "-r", "1", "-q", "--seed", "-1")
    assert "Traceback" not in err
    assert code == 2


def test_an_output_directory_that_cannot_be_made(tmp_path):
    (tmp_path / "taken").write_text("a file, not a directory\n", encoding="utf-8")
    code, _, err = cli("run", EXAMPLE, "-j", "1", "-r", "1", "-q", "-o", tmp_path / "taken" / "out")
    assert "Traceback" not in err
    assert code == 2


def test_an_unknown_command_is_a_usage_error():
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["simulate", str(EXAMPLE)]) == 2
    assert "invalid choice: 'simulate'" in err.getvalue()


def test_version():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--version"]) == 0
    assert out.getvalue().strip() == f"borderflow {borderflow.__version__}"


# --- run -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    """``borderflow run example.yaml -r 2 -o DIR``: (DIR, exit code, stdout, stderr)."""
    directory = tmp_path_factory.mktemp("example-run")
    code, out, err = cli("run", EXAMPLE, "-j", "1", "-r", "2", "-o", directory)
    return directory, code, out, err


def test_run_prints_a_table_of_every_stream(example_run):
    directory, code, out, err = example_run
    assert code == 0
    assert "Traceback" not in err
    table = out.splitlines()
    assert table[0] == "Example port, morning peak"
    for stream in [*EXAMPLE_STREAMS, "all"]:
        assert any(line.split()[:1] == [stream] for line in table), stream
    for stage in ["primary", "secondary"]:
        assert any(line.split()[:1] == [stage] for line in table), stage
    assert f"to {directory}" in out


def test_run_writes_its_files(example_run):
    directory = example_run[0]
    assert sorted(p.name for p in directory.iterdir()) == sorted([*TABLES, "run.json"])


def test_summary_csv(example_run):
    columns, rows = read_csv(example_run[0] / "summary.csv")
    assert columns == ["stream", "metric", "mean", "ci_low", "ci_high", "std", "replications"]
    by_stream = defaultdict(dict)
    for row in rows:
        by_stream[row["stream"]][row["metric"]] = row
    assert list(by_stream) == [*EXAMPLE_STREAMS, "all"]
    for stream, metrics in by_stream.items():
        assert set(METRICS) <= set(metrics), stream
    assert {"primary.utilization", "secondary.utilization"} <= set(by_stream["all"])
    for row in rows:
        if row["mean"] == "":
            continue
        assert int(row["replications"]) <= 2
        if int(row["replications"]) == 2:
            assert float(row["ci_low"]) <= float(row["mean"]) <= float(row["ci_high"])
    entities = {s: float(by_stream[s]["entities"]["mean"]) for s in by_stream}
    assert entities["all"] == pytest.approx(sum(entities[s] for s in EXAMPLE_STREAMS), rel=1e-12)
    assert 0 < float(by_stream["all"]["primary.utilization"]["mean"]) < 1


def test_summary_means_are_the_means_of_the_replications(example_run):
    _, summary = read_csv(example_run[0] / "summary.csv")
    columns, rows = read_csv(example_run[0] / "replications.csv")
    assert columns == ["replication", "stream", "metric", "value"]
    assert {row["replication"] for row in rows} == {"0", "1"}
    values = defaultdict(list)
    for row in rows:
        if row["value"] != "":
            values[row["stream"], row["metric"]].append(float(row["value"]))
    assert {(r["stream"], r["metric"]) for r in summary} == {
        (r["stream"], r["metric"]) for r in rows
    }
    for row in summary:
        observed = values[row["stream"], row["metric"]]
        assert int(row["replications"]) == len(observed)
        if observed:
            mean = sum(observed) / len(observed)
            assert float(row["mean"]) == pytest.approx(mean, rel=1e-12, abs=1e-12)
        else:
            assert row["mean"] == ""


def test_hourly_csv(example_run):
    columns, rows = read_csv(example_run[0] / "hourly.csv")
    assert columns == [
        "replication",
        "day",
        "hour",
        "stream",
        "arrivals",
        "wait_mean_min",
        "wait_p95_min",
        "not_served",
    ]
    # the example's port empties: everyone who arrived was served
    assert all(r["not_served"] == "0" for r in rows)
    # the 12 hours of the horizon, for each stream and replication
    assert len(rows) == 2 * 12 * len(EXAMPLE_STREAMS)
    assert {int(r["hour"]) for r in rows} == set(range(12))
    _, replications = read_csv(example_run[0] / "replications.csv")
    entities = {
        (r["replication"], r["stream"]): float(r["value"])
        for r in replications
        if r["metric"] == "entities"
    }
    arrivals = defaultdict(int)
    for row in rows:
        arrivals[row["replication"], row["stream"]] += int(row["arrivals"])
        if int(row["arrivals"]) == 0:
            assert row["wait_mean_min"] == row["wait_p95_min"] == ""
        else:
            assert float(row["wait_mean_min"]) >= 0
    for key, count in arrivals.items():
        assert count == entities[key]
    # the example's profile has no traffic from 12:00
    assert all(int(r["arrivals"]) == 0 for r in rows if int(r["hour"]) >= 12 or int(r["hour"]) < 4)


def test_lanes_hourly_csv(example_run):
    columns, rows = read_csv(example_run[0] / "lanes_hourly.csv")
    assert columns == [
        "replication",
        "day",
        "hour",
        "stage",
        "lane_group",
        "lanes_open",
        "utilization",
        "queue_mean",
        "queue_max",
        "queue_max_m",
        "blocked_booth_hours",
        "storage_full_min",
    ]
    groups = {(r["stage"], r["lane_group"]) for r in rows}
    assert groups == {("primary", "general"), ("primary", "sentri"), ("secondary", "bays")}
    assert len(rows) == 2 * 12 * len(groups)
    schedule = load_scenario(EXAMPLE).stages["primary"].lanes["general"]
    for row in rows:
        assert 0 <= float(row["utilization"]) <= 1
        assert float(row["queue_mean"]) >= 0 and int(row["queue_max"]) >= 0
        if row["queue_max"] == "0":
            assert float(row["queue_mean"]) == 0
        # cars take 7.6 m each; the example has no storage, so nothing is blocked or full
        assert float(row["queue_max_m"]) == pytest.approx(7.6 * int(row["queue_max"]))
        assert float(row["blocked_booth_hours"]) == float(row["storage_full_min"]) == 0
        if row["lane_group"] == "general":
            assert int(row["lanes_open"]) == schedule.open_at(int(row["hour"]))


def test_run_json(example_run):
    meta = json.loads((example_run[0] / "run.json").read_text(encoding="utf-8"))
    assert meta["borderflow_version"] == borderflow.__version__
    assert meta["numpy_version"] == numpy.__version__
    assert meta["seed"] == 20261128
    assert meta["scenario_file_sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert isinstance(meta["wall_time_s"], float | int) and meta["wall_time_s"] >= 0
    ran = load_scenario(meta["scenario"])
    assert ran.replications == 2
    assert ran.model_copy(update={"replications": 5}) == load_scenario(EXAMPLE)


def test_the_same_command_twice_gives_the_same_files(example_run, tmp_path):
    first = example_run[0]
    code, _, _ = cli("run", EXAMPLE, "-j", "1", "-r", "2", "-q", "-o", tmp_path)
    assert code == 0
    for name in TABLES:
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name
    again = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    before = json.loads((first / "run.json").read_text(encoding="utf-8"))
    again.pop("wall_time_s")
    before.pop("wall_time_s")
    assert again == before


def test_a_separate_process_writes_the_same_files(example_run, tmp_path):
    done = subprocess_cli("run", EXAMPLE, "-j", "1", "-r", "2", "-q", "-o", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    for name in TABLES:
        assert (tmp_path / name).read_bytes() == (example_run[0] / name).read_bytes(), name


def test_the_seed_changes_the_results(example_run, tmp_path):
    code, _, _ = cli("run", EXAMPLE, "-j", "1", "-r", "2", "-q", "--seed", "7", "-o", tmp_path)
    assert code == 0
    assert (tmp_path / "replications.csv").read_bytes() != (
        example_run[0] / "replications.csv"
    ).read_bytes()
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["seed"] == 7


def _summary_value(directory: Path, stream: str, metric: str) -> float:
    _, rows = read_csv(directory / "summary.csv")
    (row,) = [r for r in rows if (r["stream"], r["metric"]) == (stream, metric)]
    return float(row["mean"])


def test_fewer_lanes_give_longer_waits(example_run, tmp_path):
    item = "stages.primary.lanes.general.open=1"
    code, _, _ = cli("run", EXAMPLE, "-j", "1", "-r", "2", "-q", "--set", item, "-o", tmp_path)
    assert code == 0
    before = _summary_value(example_run[0], "car_general", "wait_mean_min")
    after = _summary_value(tmp_path, "car_general", "wait_mean_min")
    assert after > 5 * before
    meta = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert meta["overrides"] == [item]
    assert meta["scenario"]["stages"]["primary"]["lanes"]["general"]["open"] == 1


def test_trace_has_one_row_per_traveller(tmp_path):
    code, _, _ = cli("run", EXAMPLE, "-j", "1", "-r", "2", "-q", "--trace", "-o", tmp_path)
    assert code == 0
    columns, rows = read_csv(tmp_path / "trace.csv")
    assert columns[:3] == ["replication", "stream", "arrival_min"]
    assert columns[-1] == "exit_min"
    assert "primary.lane_group" in columns and "secondary.lane_group" in columns
    _, replications = read_csv(tmp_path / "replications.csv")
    entities = {
        r["replication"]: float(r["value"])
        for r in replications
        if (r["stream"], r["metric"]) == ("all", "entities")
    }
    per_replication = defaultdict(int)
    for row in rows:
        per_replication[row["replication"]] += 1
        assert float(row["arrival_min"]) <= float(row["primary.start_min"])
        assert float(row["primary.start_min"]) <= float(row["exit_min"])
    # warmup is 0 and every traveller leaves: each traveller is counted and traced once
    assert dict(per_replication) == {r: int(n) for r, n in entities.items()}
    meta = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    exited = [c["exited"] for c in meta["conservation"]]
    assert exited == [per_replication["0"], per_replication["1"]]


def test_quiet_run_prints_nothing(tmp_path):
    code, out, err = cli("run", EXAMPLE, "-j", "1", "-r", "1", "-q", "-o", tmp_path)
    assert (code, out, err) == (0, "", "")
    assert (tmp_path / "summary.csv").exists()


SAN_YSIDRO = SCENARIOS / "san_ysidro_weekday.yaml"


@pytest.mark.skipif(not SAN_YSIDRO.exists(), reason="the San Ysidro scenario is not written yet")
def test_san_ysidro_runs(tmp_path):
    code, _, err = cli("run", SAN_YSIDRO, "-j", "1", "-r", "1", "-q", "-o", tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*TABLES, "run.json"])
    scenario = load_scenario(SAN_YSIDRO)
    _, rows = read_csv(tmp_path / "summary.csv")
    assert [s for s in dict.fromkeys(r["stream"] for r in rows)] == [*scenario.streams, "all"]
    assert all(r["replications"] in ("0", "1") for r in rows)
    for stream in scenario.streams:
        assert _summary_value(tmp_path, stream, "entities") > 0
    meta = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert meta["scenario_file_sha256"] == hashlib.sha256(SAN_YSIDRO.read_bytes()).hexdigest()


# --- check and schema ----------------------------------------------------------------------


def test_check_shows_streams_and_the_hourly_load():
    code, out, err = cli("check", EXAMPLE)
    assert code == 0
    assert err == ""
    assert out.startswith("Example port, morning peak: valid")
    lines = out.splitlines()
    for stream, per_day in [("car_general", "1,500"), ("car_sentri", "500")]:
        (line,) = [x for x in lines if x.split()[:1] == [stream]]
        assert per_day in line.split() and "primary -> secondary" in line
    assert sum(1 for x in lines if x.split()[:1] == ["hour"]) >= 3  # one table per pool of lanes
    assert any(x.strip().startswith("07:00") for x in lines)
    assert "spare capacity" in out


def test_check_warns_when_lanes_are_overloaded():
    code, out, err = cli("check", EXAMPLE, "--set", "streams.car_sentri.arrivals.per_day=5000")
    assert code == 0
    assert "<- at or over capacity" in out
    assert err.startswith("warning:") and "utilisation >= 1" in err
    flagged = [x for x in out.splitlines() if x.endswith("<- at or over capacity")]
    assert all(float(x.split()[4]) >= 1 for x in flagged)
    assert f"warning: {len(flagged)} pool-hours" in err


def test_schema_prints_json_schema(tmp_path):
    code, out, err = cli("schema")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    assert {"name", "streams", "stages"} <= set(schema["properties"])
    # required unless the file extends another one
    assert set(schema["then"]["required"]) >= {"name", "streams", "stages"}
    assert schema["if"] == {"not": {"required": ["extends"]}}
    code, out_file, _ = cli("schema", "-o", tmp_path / "schema.json")
    assert (code, out_file) == (0, "")
    assert (tmp_path / "schema.json").read_text(encoding="utf-8") == out
