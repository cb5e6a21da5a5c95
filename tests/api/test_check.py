"""``borderflow check`` as a library function: the report a notebook gets and the CLI prints."""

from __future__ import annotations

from pathlib import Path

import pytest

import borderflow
from borderflow.capacity import CheckReport, day_names
from borderflow.scenario.size import expected_travellers

REPO = Path(__file__).resolve().parents[2]
SAN_YSIDRO = REPO / "scenarios" / "san_ysidro_weekday.yaml"


def test_check_returns_the_report_the_command_prints(capsys):
    report = borderflow.check(SAN_YSIDRO)
    assert isinstance(report, CheckReport)
    assert report.expected_travellers == expected_travellers(report.scenario)
    text = report.to_text()
    assert text.startswith(f"{report.scenario.name}: valid\n")
    total = sum(report.expected_travellers.values())
    assert f"expected travellers in one replication: {total:,.0f}" in text
    from borderflow.cli import main

    assert main(["check", str(SAN_YSIDRO)]) == 0
    assert capsys.readouterr().out == text


def test_overloaded_hours_are_flagged_and_warned():
    report = borderflow.check(
        REPO / "scenarios" / "example.yaml", ["stages.primary.service.car_general.mean=10 min"]
    )
    over = report.over_capacity
    assert over, "10-minute inspections cannot keep up with the example's demand"
    assert all(hour.utilization >= 1 for _, hour in over)
    assert report.warnings() == [
        f"{len(over)} pool-hours at or over capacity (utilisation >= 1): queues grow through "
        "those hours"
    ]


@pytest.mark.parametrize(
    ("days", "name"),
    [([0, 1, 2, 3, 4], "monday-friday"), ([5], "saturday"), (list(range(7)), "every day")],
)
def test_day_names(days, name):
    assert day_names(days) == name
