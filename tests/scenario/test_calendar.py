"""The calendar: start_date, monthly volume tables, day-of-week and holiday factors.

The expected rates are computed here from the table and factors written in each test, not taken
from the code under test; errors are checked with their line and key path.
"""

from __future__ import annotations

import calendar
import datetime
import math

import pytest
from scenario_helpers import at, problems_of

from borderflow.scenario import load_scenario
from borderflow.scenario.size import expected_travellers

# Line numbers of this text are asserted below: keep them stable.
BASE = """\
name: calendar port
start_date: 2019-01-28
horizon: 14 d
replications: 1
streams:
  cars: {mode: car, arrivals: {per_day: 240}, route: [primary]}
  walkers: {mode: pedestrian, arrivals: {per_day: 96}, route: [primary]}
stages:
  primary:
    lanes:
      car_lanes: {lanes: 2, serves: [cars]}
      ped_lanes: {lanes: 1, serves: [walkers]}
    service:
      default: {dist: exponential, mean: 30 s}
calendar:
  monthly:
    vehicles:
      modes: [car]
      volumes: {2019-01: 310, 2019-02: 560, 2019-03: 310, 2019-04: 300, 2019-05: 310,
                2019-06: 300, 2019-07: 310, 2019-08: 310, 2019-09: 300, 2019-10: 310,
                2019-11: 300, 2019-12: 310}
  day_of_week: {saturday: 0.5, sunday: 0.25}
  holidays:
    - {date: 2019-02-04, factor: 0.4, name: test holiday}
"""

VOLUMES = {
    1: 310,
    2: 560,
    3: 310,
    4: 300,
    5: 310,
    6: 300,
    7: 310,
    8: 310,
    9: 300,
    10: 310,
    11: 300,
    12: 310,
}
"""The vehicle table of BASE: February is twice as busy per day as the other months."""


def variant(*changes: tuple[str, str]) -> str:
    text = BASE
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} must occur exactly once in BASE"
        text = text.replace(old, new)
    return text


def write(tmp_path, text: str):
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def day_totals(rates: tuple[float, ...]) -> list[float]:
    return [math.fsum(rates[24 * d : 24 * d + 24]) for d in range(len(rates) // 24)]


def dow(date: datetime.date) -> float:
    return {5: 0.5, 6: 0.25}.get(date.weekday(), 1.0)


def holiday(date: datetime.date) -> float:
    return 0.4 if date == datetime.date(2019, 2, 4) else 1.0


def test_start_date_decides_the_day_of_the_week(tmp_path) -> None:
    s = load_scenario(write(tmp_path, BASE))
    assert s.start_day == "monday"  # 28 January 2019 was a Monday
    later = load_scenario(write(tmp_path, variant(("2019-01-28", "2019-01-31"))))
    assert later.start_day == "thursday"
    assert later.week_days()[:4] == [3, 4, 5, 6]


def test_a_stream_without_a_table_takes_the_day_factors_exactly(tmp_path) -> None:
    s = load_scenario(write(tmp_path, BASE))
    dates = s.run_dates()
    assert dates is not None and len(dates) == 14
    got = day_totals(s.run_rates("walkers"))
    want = [96 * dow(d) * holiday(d) for d in dates]
    assert got == pytest.approx(want, rel=1e-12)
    assert expected_travellers(s)["walkers"] == pytest.approx(sum(want), rel=1e-12)


def month_weight_mean(year: int, month: int) -> float:
    days = calendar.monthrange(year, month)[1]
    return sum(dow(datetime.date(year, month, d)) * holiday(datetime.date(year, month, d))
               for d in range(1, days + 1)) / days  # fmt: skip


def test_a_table_keeps_each_month_volume_and_shapes_its_days(tmp_path) -> None:
    s = load_scenario(write(tmp_path, BASE))
    dates = s.run_dates()
    assert dates is not None
    got = day_totals(s.run_rates("cars"))
    average_day = sum(VOLUMES.values()) / 365
    for date, total in zip(dates, got, strict=True):
        days = calendar.monthrange(date.year, date.month)[1]
        month_factor = VOLUMES[date.month] / days / average_day
        weight = dow(date) * holiday(date) / month_weight_mean(date.year, date.month)
        assert total == pytest.approx(240 * month_factor * weight, rel=1e-12), date


def test_a_whole_month_gets_its_share_of_the_year(tmp_path) -> None:
    """Over a whole month, the day factors average out: February gets its share of the table's
    year (of 240 a day), whatever its weekends and holiday."""
    s = load_scenario(write(tmp_path, variant(("2019-01-28", "2019-02-01"), ("14 d", "28 d"))))
    assert math.fsum(s.run_rates("cars")) == pytest.approx(
        240 * 365 * VOLUMES[2] / sum(VOLUMES.values()), rel=1e-12
    )


def test_without_a_calendar_the_week_repeats(tmp_path) -> None:
    text = BASE[: BASE.index("calendar:")]
    s = load_scenario(write(tmp_path, text))
    assert s.calendar is None and s.start_day == "monday"
    assert s.run_rates("cars") == s.week_rates("cars")
    assert len(s.run_dates() or []) == 14


CASES = [
    pytest.param(
        ("start_date: 2019-01-28", "start_date: 2019-02-30"),
        2,
        "start_date",
        ["not a date"],
        id="impossible-date",
    ),
    pytest.param(
        ("start_date: 2019-01-28", "start_date: 28/01/2019"),
        2,
        "start_date",
        ["YYYY-MM-DD"],
        id="date-format",
    ),
    pytest.param(
        ("horizon: 14 d\n", "horizon: 14 d\nstart_day: sunday\n"),
        4,
        "start_day",
        ["2019-01-28 is a monday, not a sunday"],
        id="start-day-disagrees",
    ),
    pytest.param(
        ("start_date: 2019-01-28\n", ""),
        14,
        "calendar",
        ["needs start_date"],
        id="calendar-without-date",
    ),
    pytest.param(
        ("horizon: 14 d", "horizon: 340 d"),
        15,
        "calendar",
        ["'vehicles' has no volume for 2020-01"],
        id="run-outside-table",
    ),
    pytest.param(
        ("2019-12: 310}", "2019-13: 310}"),
        21,
        "calendar.monthly.vehicles.volumes.2019-13",
        ["YYYY-MM"],
        id="bad-month",
    ),
    pytest.param(
        (", 2019-12: 310}", "}"),
        17,
        "calendar.monthly.vehicles",
        ["2019 lack 2019-12"],
        id="missing-month",
    ),
    pytest.param(
        ("2019-02: 560", "2019-02: -5"),
        19,
        "calendar.monthly.vehicles.volumes.2019-02",
        ["more than 0"],
        id="negative-volume",
    ),
    pytest.param(
        ("modes: [car]", "streams: [cras]"),
        18,
        "calendar.monthly.vehicles.streams[0]",
        ["unknown stream 'cras'", "did you mean 'cars'?"],
        id="unknown-stream",
    ),
    pytest.param(
        ("modes: [car]", "modes: [car]\n      streams: [cars]"),
        17,
        "calendar.monthly.vehicles",
        ["streams or modes, not both"],
        id="streams-and-modes",
    ),
    pytest.param(
        ("saturday: 0.5", "saturday: -0.5"),
        22,
        "calendar.day_of_week",
        ["between 0 and 100"],
        id="negative-day-factor",
    ),
    pytest.param(
        ("saturday: 0.5", "satday: 0.5"),
        22,
        "calendar.day_of_week",
        ["unknown day 'satday'"],
        id="unknown-day",
    ),
    pytest.param(
        (
            "    - {date: 2019-02-04, factor: 0.4, name: test holiday}\n",
            "    - {date: 2019-02-04, factor: 0.4}\n    - {date: 2019-02-04, factor: 0.5}\n",
        ),
        23,
        "calendar.holidays",
        ["2019-02-04 is listed twice"],
        id="holiday-twice",
    ),
    pytest.param(
        ("factor: 0.4", "factor: lots"),
        24,
        "calendar.holidays[0].factor",
        ["number"],
        id="holiday-factor-type",
    ),
    pytest.param(
        ("date: 2019-02-04", "dat: 2019-02-04"),
        24,
        "calendar.holidays[0].dat",
        ["unknown key 'dat'"],
        id="holiday-unknown-key",
    ),
]


@pytest.mark.parametrize(("change", "line", "key_path", "fragments"), CASES)
def test_bad_calendar_keys_are_reported_where_they_are(
    tmp_path, change: tuple[str, str], line: int, key_path: str, fragments: list[str]
) -> None:
    problem = at(problems_of(write(tmp_path, variant(change))), key_path)
    assert problem.line == line, str(problem)
    for fragment in fragments:
        assert fragment in problem.message, str(problem)


def test_a_stream_takes_one_table(tmp_path) -> None:
    text = variant(
        (
            "  day_of_week:",
            "    everyone:\n      volumes: {"
            + ", ".join(f"2019-{m:02d}: 1" for m in range(1, 13))
            + "}\n  day_of_week:",
        )
    )
    problem = at(problems_of(write(tmp_path, text)), "calendar.monthly.everyone")
    assert "'cars' is already scaled by monthly table 'vehicles'" in problem.message


STAFFING = """\
  staffing:
    - {from: 2019-02-01, to: 2019-02-10, stage: primary, group: car_lanes, open: 1}
    - {from: 2019-02-03, to: 2019-02-03, stage: primary, group: car_lanes,
       open: {default: 2, sunday: [0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2,
                                   2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0]}}
"""


def test_staffing_by_date_range_replaces_the_group_schedule(tmp_path) -> None:
    s = load_scenario(write(tmp_path, BASE + STAFFING))
    dates = s.run_dates()
    assert dates is not None
    opened = s.run_open("primary", "car_lanes")
    assert len(opened) == 24 * len(dates)
    for d, date in enumerate(dates):
        hours = opened[24 * d : 24 * d + 24]
        if date == datetime.date(2019, 2, 3):  # a Sunday, in both entries: the later one wins
            assert hours == (0,) * 6 + (2,) * 16 + (0, 0)
        elif datetime.date(2019, 2, 1) <= date <= datetime.date(2019, 2, 10):
            assert hours == (1,) * 24, date
        else:
            assert hours == (2,) * 24, date  # the group's own: all its 2 lanes
    assert s.run_open("primary", "ped_lanes") == s.week_open("primary", "ped_lanes")
    again = load_scenario(s.model_dump(mode="json", exclude_none=True))
    assert again.run_open("primary", "car_lanes") == opened


STAFFING_CASES = [
    pytest.param(
        ("stage: primary", "stage: primry"),
        26,
        "calendar.staffing[0].stage",
        ["unknown stage 'primry'"],
        id="unknown-stage",
    ),  # fmt: skip
    pytest.param(
        ("group: car_lanes, open: 1", "group: cars, open: 1"),
        26,
        "calendar.staffing[0].group",
        ["unknown lane group 'cars'", "at stage 'primary'"],
        id="unknown-group",
    ),  # fmt: skip
    pytest.param(
        ("car_lanes, open: 1", "car_lanes, open: 3"),
        26,
        "calendar.staffing[0].open",
        ["open lanes (3) cannot exceed the 2 lanes of primary.car_lanes"],
        id="too-many-lanes",
    ),  # fmt: skip
    pytest.param(
        ("to: 2019-02-10", "to: 2019-01-10"),
        26,
        "calendar.staffing[0]",
        ["to (2019-01-10) is before from (2019-02-01)"],
        id="backwards",
    ),  # fmt: skip
    pytest.param(
        ("{from: 2019-02-01, ", "{"),
        26,
        "calendar.staffing[0]",
        ["missing required key 'from'"],
        id="missing-from",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("change", "line", "key_path", "fragments"), STAFFING_CASES)
def test_bad_staffing_entries_are_reported_where_they_are(
    tmp_path, change: tuple[str, str], line: int, key_path: str, fragments: list[str]
) -> None:
    old, new = change
    text = BASE + STAFFING.replace(old, new, 1)
    problem = at(problems_of(write(tmp_path, text)), key_path)
    assert problem.line == line, str(problem)
    for fragment in fragments:
        assert fragment in problem.message, str(problem)
