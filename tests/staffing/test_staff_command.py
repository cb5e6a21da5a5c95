"""``borderflow staff`` end to end: its files, the scenario it writes, and bad questions."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from borderflow.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "example.yaml"
TARGET = "car_general:wait_p95_min<=8"


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def staffed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("staff") / "out"
    code = main(
        ["staff", str(EXAMPLE), "--target", TARGET, "-r", "4", "-j", "1", "-q", "-o", str(out)]
    )
    assert code == 0
    return out


def test_the_command_writes_its_tables(staffed: Path) -> None:
    lanes = rows(staffed / "staffing.csv")
    assert list(lanes[0]) == ["stage", "lane_group", "day", "hour", "lanes_open"]
    assert {(r["stage"], r["lane_group"]) for r in lanes} == {("primary", "general")}
    assert [int(r["hour"]) for r in lanes] == list(range(24))
    assert all(0 <= int(r["lanes_open"]) <= 4 and r["day"] == "0" for r in lanes)
    targets = rows(staffed / "targets.csv")
    assert list(targets[0]) == [
        "stream",
        "day",
        "hour",
        "metric",
        "target",
        "mean",
        "ci_low",
        "ci_high",
        "met",
    ]
    assert len(targets) == 12  # the 12 counted hours of the example
    assert all(r["met"] == "True" for r in targets)
    assert all(r["mean"] == "" or float(r["ci_high"] or r["mean"]) <= 8 for r in targets)
    shifts = rows(staffed / "shifts.csv")
    assert list(shifts[0])[:5] == ["stage", "lane_group", "start_hour", "hours", "officers"]
    # the shifts cover the booths open in every hour (2 booths a lane)
    need = np.array([2 * int(r["lanes_open"]) for r in lanes])
    on = np.zeros(24, dtype=int)
    for s in shifts:
        for k in range(int(s["hours"])):
            on[(int(s["start_hour"]) + k) % 24] += int(s["officers"])
    assert (on >= need).all()
    summary = {r["schedule"]: r for r in rows(staffed / "staffing_summary.csv")}
    assert set(summary) == {"found", "stationary", "scenario"}
    assert summary["found"]["hours_missed"] == "0"
    assert [r["phase"] for r in rows(staffed / "iterations.csv")][:2] == ["bound", "start"]


def test_the_staffed_scenario_reproduces_the_check(staffed: Path, tmp_path: Path) -> None:
    """Run the written scenario: its hourly 95th percentile waits are those of targets.csv."""
    assert main(["run", str(staffed / "staffed.yaml"), "-j", "1", "-q", "-o", str(tmp_path)]) == 0
    by_hour = defaultdict(list)
    for r in rows(tmp_path / "hourly.csv"):
        if r["stream"] == "car_general" and r["wait_p95_min"]:
            by_hour[(int(r["day"]), int(r["hour"]))].append(float(r["wait_p95_min"]))
    checked = 0
    for r in rows(staffed / "targets.csv"):
        key = (int(r["day"]), int(r["hour"]))
        if key in by_hour and len(by_hour[key]) == 4:
            assert np.mean(by_hour[key]) == pytest.approx(float(r["mean"]), rel=1e-12)
            checked += 1
    assert checked >= 6


def test_plot_and_report_take_the_folder(staffed: Path) -> None:
    assert main(["plot", str(staffed)]) == 0
    assert (staffed / "plots" / "staffing_car_general_wait_p95_min.png").is_file()
    assert main(["report", str(staffed)]) == 0
    text = (staffed / "report.html").read_text(encoding="utf-8")
    assert "Staffing report" in text and "lane-hours" in text


def test_an_impossible_target_names_its_hours(tmp_path: Path, capsys) -> None:
    code = main(
        [
            "staff",
            str(EXAMPLE),
            "--target",
            "car_general:wait_mean_min<=0.01",
            "-r",
            "3",
            "-j",
            "1",
            "-q",
            "-o",
            str(tmp_path),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot be met even with every lane open" in err
    assert "car_general day 0 0" in err  # the hours, by stream and day
    assert "Traceback" not in err
    assert (tmp_path / "staffing.csv").is_file()  # what was found is written all the same


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--target", "car_general:wait_p95<=8"], "unknown metric 'wait_p95'"),
        (["--target", "buses:wait_p95_min<=8"], "no stream 'buses'"),
        (["--target", TARGET, "--groups", "primary.ready"], "no lane group 'ready'"),
        (["--target", TARGET, "--groups", "secondary.bays"], "serves no targeted stream"),
        (["--target", TARGET, "--shift-hours", "30"], "between 1 and 24 hours"),
    ],
)
def test_a_bad_question_is_an_input_error(args: list[str], says: str, capsys) -> None:
    assert main(["staff", str(EXAMPLE), *args, "-r", "2", "-j", "1", "-q"]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_day_types_are_staffed_apart(write_yaml, tmp_path: Path) -> None:
    """A Friday and a Saturday with different demand get a schedule each; the scenario written
    gives them by day, and running it gives the waits checked."""
    path = write_yaml(
        f"""
        name: Friday and Saturday
        extends: {EXAMPLE}
        horizon: 48 h
        start_day: friday
        streams:
          car_general:
            arrivals: {{per_day: {{default: 1500, saturday: 700}}, profile: morning}}
        """
    )
    out = tmp_path / "out"
    assert (
        main(["staff", str(path), "--target", TARGET, "-r", "3", "-j", "1", "-q", "-o", str(out)])
        == 0
    )
    lanes = rows(out / "staffing.csv")
    by_day = defaultdict(list)
    for r in lanes:
        by_day[r["day"]].append(int(r["lanes_open"]))
    assert set(by_day) == {"friday", "saturday"}
    assert sum(by_day["saturday"]) < sum(by_day["friday"])  # less demand, fewer lanes
    assert all(int(r["start_hour"]) < 168 for r in rows(out / "shifts.csv"))
    run = tmp_path / "run"
    assert main(["run", str(out / "staffed.yaml"), "-j", "1", "-q", "-o", str(run)]) == 0
    p95 = defaultdict(list)
    for r in rows(run / "hourly.csv"):
        if r["stream"] == "car_general" and r["wait_p95_min"]:
            p95[(int(r["day"]), int(r["hour"]))].append(float(r["wait_p95_min"]))
    for r in rows(out / "targets.csv"):
        key = (int(r["day"]), int(r["hour"]))
        if len(p95.get(key, [])) == 3:
            assert np.mean(p95[key]) == pytest.approx(float(r["mean"]), rel=1e-12)


def test_pooled_shifts_cover_a_stage_with_no_more_officer_hours() -> None:
    import dataclasses

    from borderflow.staffing import staff

    result = staff(
        EXAMPLE, [TARGET, "car_sentri:wait_p95_min<=5"], replications=3, jobs=1, iterations=4
    )
    assert set(result.plan.keys) == {("primary", "general"), ("primary", "sentri")}
    pooled = dataclasses.replace(result, pool_shifts=True, _shifts={})
    ((key, plan),) = pooled.shifts().items()
    assert key == ("primary", "all")
    need = sum(np.array(p.need) for p in result.shifts().values())
    assert (plan.on_duty() >= need).all()
    assert plan.officer_hours <= result.officer_hours("found")


def test_an_output_folder_that_is_a_file_is_an_input_error(tmp_path: Path, capsys) -> None:
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    assert (
        main(
            [
                "staff",
                str(EXAMPLE),
                "--target",
                TARGET,
                "-r",
                "2",
                "-j",
                "1",
                "-q",
                "-o",
                str(taken),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert f"cannot write {taken}" in err and "Traceback" not in err
