"""Demand and staffing that differ by day of the week."""

from __future__ import annotations

import pytest

from borderflow import load_scenario, simulate
from borderflow.scenario import ScenarioError


def week(**changes):
    data = {
        "name": "week",
        "horizon": "7 d",
        "seed": 4,
        "profiles": {"flat": [1] * 24, "late": [0] * 8 + [1] * 16},
        "streams": {
            "car": {
                "arrivals": {
                    "per_day": {"weekday": 2400, "saturday": 1200, "sunday": 480},
                    "profile": {"default": "flat", "sunday": "late"},
                },
                "route": ["primary"],
            }
        },
        "stages": {
            "primary": {
                "lanes": {"g": {"lanes": 4, "open": {"weekday": 4, "weekend": [1] * 8 + [2] * 16}}},
                "service": {"default": {"dist": "exponential", "mean": "1 min"}},
            }
        },
    }
    data.update(changes)
    return load_scenario(data)


def daily_arrivals(result):
    days: dict[int, int] = {}
    for day, _, _, n, *_ in result.hourly:
        days[day] = days.get(day, 0) + n
    return [days.get(d, 0) for d in range(7)]


def test_volumes_profiles_and_open_lanes_follow_the_day():
    result = simulate(week(), replication=0)
    counts = daily_arrivals(result)
    # Poisson counts: within 4 standard deviations of the day's volume
    for count, expected in zip(counts, [2400] * 5 + [1200, 480], strict=True):
        assert abs(count - expected) < 4 * expected**0.5
    sunday_early = [n for d, h, _, n, *_ in result.hourly if d == 6 and h < 8]
    assert sum(sunday_early) == 0
    opened = {(d, h): n for d, h, _, _, n, *_ in result.lanes_hourly}
    assert opened[(0, 3)] == 4 and opened[(5, 3)] == 1 and opened[(6, 12)] == 2


def test_start_day_shifts_the_week():
    result = simulate(week(start_day="saturday", horizon="2 d"), replication=0)
    saturday, sunday = daily_arrivals(result)[:2]
    assert abs(saturday - 1200) < 4 * 1200**0.5 and abs(sunday - 480) < 4 * 480**0.5


def test_a_map_by_day_must_cover_every_day():
    with pytest.raises(ScenarioError) as caught:
        week(
            streams={
                "car": {
                    "arrivals": {"per_day": {"weekday": 5, "saturday": 1}},
                    "route": ["primary"],
                }
            }
        )
    (problem,) = caught.value.problems
    assert problem.message == "per_day gives no value for sunday (add them or 'default')"


def test_an_unknown_day_is_named():
    with pytest.raises(ScenarioError) as caught:
        week(
            streams={
                "car": {
                    "arrivals": {"per_day": {"weekdays": 5, "default": 1}},
                    "route": ["primary"],
                }
            }
        )
    assert "unknown day 'weekdays'" in caught.value.problems[0].message
