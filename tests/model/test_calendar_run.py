"""Calendar runs: a year reproduces the monthly volumes; results by date; the design hour."""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import borderflow
from borderflow.design_hour import design_hour, mean_by_stream, share_over, wait_hours
from borderflow.model import simulate
from borderflow.model.port import ReplicationResult
from borderflow.output import write_run
from borderflow.runner import RunResult
from borderflow.scenario import load_scenario

VEHICLES_2019 = [
    1164766,
    1039184,
    1208832,
    1223897,
    1267857,
    1246491,
    1289680,
    1288909,
    1263831,
    1337143,
    1260915,
    1387858,
]
"""BTS personal vehicles at San Ysidro, January to December 2019 (the shipped year's table)."""


def tiny_year(per_day: float, horizon: str = "365 d", **extra) -> dict:
    """One stream of ``per_day`` cars through ample lanes, scaled by the 2019 vehicle table."""
    data = {
        "name": "tiny year",
        "start_date": "2019-01-01",
        "horizon": horizon,
        "replications": 1,
        "seed": 11,
        "streams": {"cars": {"arrivals": {"per_day": per_day}, "route": ["primary"]}},
        "stages": {
            "primary": {
                "lanes": {"g": {"lanes": 3, "queue": "shared"}},
                "service": {"default": {"dist": "exponential", "mean": "1 min"}},
            }
        },
        "calendar": {
            "monthly": {
                "vehicles": {
                    "volumes": {f"2019-{m:02d}": v for m, v in enumerate(VEHICLES_2019, 1)}
                }
            }
        },
    }
    data.update(extra)
    return data


def test_a_year_reproduces_each_month_volume() -> None:
    """Each month's arrivals are Poisson with mean per_day x 365 x (month's share of the
    table): every month within 4 standard deviations (a chance of about 1 in 1,300 that a
    correct model fails one of the 12), and a chi-square test over the months at the 0.1%
    level. The months differ by up to 13% from the average: about 7 standard deviations at 60
    a day, so a run ignoring the table fails."""
    per_day = 60.0
    result = borderflow.run(load_scenario(tiny_year(per_day)), replications=1)
    by_month: dict[int, int] = defaultdict(int)
    for _, date, *_, arrivals, _, _, _ in result.daily_rows():
        by_month[int(date[5:7])] += arrivals
    total = sum(VEHICLES_2019)
    expected = [per_day * 365 * v / total for v in VEHICLES_2019]
    for month, want in enumerate(expected, 1):
        got = by_month[month]
        assert abs(got - want) < 4 * math.sqrt(want), (calendar.month_name[month], got, want)
    observed = [by_month[m] for m in range(1, 13)]
    chi2 = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    assert stats.chi2.sf(chi2, df=12) > 0.001, chi2


def test_daily_rows_are_exact_over_the_day_waits() -> None:
    """daily.csv's counts and mean agree with the hourly table, and its 95th percentile is
    the exact percentile of the day's waits (kept with ``waits=True``)."""
    data = tiny_year(3000, horizon="3 d", warmup="12 h")
    data["stages"]["primary"]["lanes"]["g"]["lanes"] = 2  # load about 1.04 at its peak hours
    scenario = load_scenario(data)
    replication = simulate(scenario, replication=0, waits=True)
    result = RunResult(scenario, scenario.seed, [replication])
    rows = result.daily_rows()
    assert [r[1] for r in rows] == ["2019-01-01", "2019-01-02", "2019-01-03"]
    assert [r[3] for r in rows] == ["tuesday", "wednesday", "thursday"]
    kept = replication.waits
    assert kept is not None
    for _, _, day, _, stream, arrivals, mean, p95, not_served in rows:
        waits = np.concatenate([w for hour, w in kept[stream].items() if hour // 24 == day])
        hourly = [h for h in replication.hourly if h[0] == day]
        assert arrivals == sum(h[3] for h in hourly) == len(waits) + not_served
        assert mean == pytest.approx(waits.mean() / 60, rel=1e-9)
        assert p95 == pytest.approx(np.percentile(waits, 95) / 60, rel=1e-12)
    assert rows[0][5] < rows[1][5]  # the first day's first 12 hours are the warm-up


def test_design_hour_of_a_hand_made_table() -> None:
    waits = [float(w) for w in range(100)] + [math.nan] * 5  # 0 ... 99 min, 5 unknown hours
    assert design_hour(waits) == 70.0  # 99, 98, ..., 70 is the 30th
    assert design_hour(waits, rank=1) == 99.0
    assert math.isnan(design_hour(waits[:29]))
    assert share_over(waits, 30) == pytest.approx(69 / 100)  # 31 ... 99
    assert share_over(waits, 60) == pytest.approx(39 / 100)
    assert math.isnan(share_over([math.nan], 30))
    with pytest.raises(ValueError):
        design_hour(waits, rank=0)


def _replication(number: int, waits: list[float]) -> ReplicationResult:
    hourly = [(h // 24, h % 24, "cars", 10, w, w, 0) for h, w in enumerate(waits)]
    return ReplicationResult(number, {}, hourly, [], {})


def test_wait_hours_takes_each_replication_as_a_year() -> None:
    scenario = load_scenario(tiny_year(10, horizon="3 d"))
    first = [float(w) for w in range(72)]  # 72 hours: the 30th highest is 42
    second = [w / 2 for w in first]  # the 30th highest is 21
    result = RunResult(scenario, 0, [_replication(0, first), _replication(1, second)])
    rows = wait_hours(result)
    assert [(w.replication, w.hours, w.design_hour_min) for w in rows] == [(0, 72, 42), (1, 72, 21)]
    assert rows[0].share_over == (41 / 72, 11 / 72)  # 31..71 and 61..71
    design, over30, over60 = mean_by_stream(rows)["cars"]
    assert design == 31.5
    assert over30 == pytest.approx((41 / 72 + 11 / 72) / 2)  # halves over 30: 30.5 ... 35.5
    assert over60 == pytest.approx(11 / 72 / 2)


def test_a_dated_run_writes_results_by_date(tmp_path: Path) -> None:
    scenario = load_scenario(tiny_year(200, horizon="2 d"))
    result = borderflow.run(scenario, replications=2)
    names = {p.name for p in write_run(result, tmp_path)}
    assert {"daily.csv", "design_hour.csv", "hourly.csv"} <= names
    lines = (tmp_path / "daily.csv").read_text().splitlines()
    assert lines[0].startswith("replication,date,day,weekday,stream,arrivals")
    assert len(lines) == 1 + 2 * 2  # 2 replications x 2 days x 1 stream
    undated = {k: v for k, v in tiny_year(200, horizon="2 d").items() if k != "calendar"}
    undated.pop("start_date")
    plain = borderflow.run(load_scenario(undated), replications=1)
    names = {p.name for p in write_run(plain, tmp_path / "plain")}
    assert "daily.csv" not in names and "design_hour.csv" not in names


def test_staffing_by_date_opens_the_lanes_it_names() -> None:
    """lanes_hourly.csv's open lanes follow the dated staffing hour by hour."""
    data = tiny_year(100, horizon="3 d")
    data["calendar"]["staffing"] = [
        {"from": "2019-01-02", "to": "2019-01-02", "stage": "primary", "group": "g", "open": 1}
    ]
    result = borderflow.run(load_scenario(data), replications=1)
    opened = {(day, hour): row[2] for day, hour, *row in result.replications[0].lanes_hourly}
    assert opened == {(d, h): 1 if d == 1 else 3 for d in range(3) for h in range(24)}
