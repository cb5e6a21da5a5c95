"""``--strict``: an overloaded port (travellers not served when the run stopped) exits with
code 4, after writing its results; a port that empties exits 0."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from borderflow.cli import main
from borderflow.errors import EXIT_NOT_SERVED, EXIT_OK
from borderflow.model import port as port_module
from borderflow.model.port import Port
from borderflow.scenario import load_scenario
from borderflow.scenario.units import HOUR

PORT = """\
name: one booth
horizon: 3 h
seed: 5
replications: 2
streams:
  car: {arrivals: {per_hour: PER_HOUR}, route: [primary]}
stages:
  primary:
    lanes: {g: {lanes: 1}}
    service: {default: {dist: exponential, mean: 4 min}}
"""


def cli(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def scenario_file(tmp_path: Path, per_hour: int, name: str = "port.yaml") -> Path:
    path = tmp_path / name
    path.write_text(PORT.replace("PER_HOUR", str(per_hour)), encoding="utf-8")
    return path


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def short_drain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the drain after 1 h, so that load 3 (45 an hour of 4 minutes) leaves a queue."""
    monkeypatch.setattr(port_module, "DRAIN_LIMIT", HOUR)


def test_strict_exits_4_after_writing_the_results(tmp_path: Path, short_drain: None) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = cli("run", scenario_file(tmp_path, 45), "-j", "1", "--strict", "-o", out)
    assert code == EXIT_NOT_SERVED == 4
    assert "not served" in stderr and "car" in stderr
    assert "warning: car:" in stdout
    assert {p.name for p in out.iterdir()} >= {"summary.csv", "hourly.csv", "run.json"}
    summary = {(r["stream"], r["metric"]): r for r in rows(out / "summary.csv")}
    assert float(summary["car", "not_served"]["mean"]) > 0
    assert 0 < float(summary["car", "not_served_share"]["mean"]) < 1
    assert float(summary["all", "wait_mean_min_lower_bound"]["mean"]) > float(
        summary["all", "wait_mean_min"]["mean"]
    )
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    hourly = rows(out / "hourly.csv")
    assert list(hourly[0]) == [
        "replication",
        "day",
        "hour",
        "stream",
        "arrivals",
        "wait_mean_min",
        "wait_p95_min",
        "not_served",
    ]
    scenario = load_scenario(meta["scenario"])
    for replication, unfinished in enumerate(meta["unfinished"]):
        mine = [r for r in hourly if r["replication"] == str(replication)]
        # every arrival in its hour of arrival, served or not, as the arrival process drew them
        times = Port(scenario, scenario.seed, replication).streams["car"].arrival_times
        expected = Counter(int(t // HOUR) for t in times)
        assert {int(r["hour"]): int(r["arrivals"]) for r in mine} == {
            h: expected.get(h, 0) for h in range(3)
        }
        assert sum(int(r["not_served"]) for r in mine) == unfinished["car"]["not_served"] > 0
    # the HTML report says so too
    from borderflow.report import write_report

    page = write_report(out).read_text(encoding="utf-8")
    assert "were not served" in page
    # without --strict, the same run exits 0
    code, _, _ = cli("run", scenario_file(tmp_path, 45), "-j", "1", "-q")
    assert code == EXIT_OK


def test_strict_exits_0_when_the_port_empties(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = cli("run", scenario_file(tmp_path, 10), "-j", "1", "--strict", "-o", out)
    assert code == EXIT_OK, stderr
    assert "warning" not in stdout
    summary = {(r["stream"], r["metric"]): r for r in rows(out / "summary.csv")}
    assert float(summary["car", "not_served"]["mean"]) == 0
    assert (
        summary["car", "wait_mean_min_lower_bound"]["mean"]
        == summary["car", "wait_mean_min"]["mean"]
    )
    assert all(r["not_served"] == "0" for r in rows(out / "hourly.csv"))


def test_compare_strict_names_the_overloaded_scenario(tmp_path: Path, short_drain: None) -> None:
    base = scenario_file(tmp_path, 10, "base.yaml")
    busy = scenario_file(tmp_path, 45, "busy.yaml")
    out = tmp_path / "cmp"
    code, _, stderr = cli("compare", base, busy, "-j", "1", "-q", "--strict", "-o", out)
    assert code == EXIT_NOT_SERVED
    assert "busy: car" in stderr and "base:" not in stderr
    assert (out / "comparison.csv").exists()
    code, _, _ = cli("compare", base, base, "-j", "1", "-q", "--strict")
    assert code == EXIT_OK
