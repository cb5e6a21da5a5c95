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


def test_check_lists_the_storage_and_uses_shares_by_hour() -> None:
    """A stage with storage is listed with its room; a referral share by hour and a
    conditional one give the load of each hour at the stage."""
    report = borderflow.check(REPO / "scenarios" / "laredo_wtb" / "dps_enhanced.yaml")
    text = report.to_text()
    assert "storage at us_primary: stage 4000 m; when full, booths before it block" in text
    assert "storage at dps_screen: stage 460 m" in text
    night, day = [0.0] * 12, [0.5] * 12
    data = {
        "name": "referrals by hour",
        "streams": {"car": {"arrivals": {"per_hour": 100}, "route": ["primary", "secondary"]}},
        "stages": {
            "primary": {
                "lanes": {"booths": {"lanes": 4}},
                "service": {"default": {"dist": "exponential", "mean": "1 min"}},
            },
            "secondary": {
                "lanes": {"bays": {"lanes": 10, "queue": "shared"}},
                "service": {"default": {"dist": "exponential", "mean": "6 min"}},
                "visit": {"default": night + day},
                "service_scale": [1.0] * 12 + [2.0] * 12,
            },
        },
    }
    rows = {
        r.hour: r
        for day_rows in borderflow.check(data).load.values()
        for r in day_rows
        if r.stage == "secondary"
    }
    assert rows[3].arrivals_per_hour == 0
    assert rows[15].arrivals_per_hour == pytest.approx(50)
    assert rows[15].offered_load == pytest.approx(50 * 6 * 2 / 60)  # inspections twice as long
