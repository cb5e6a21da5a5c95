"""Storage and blocking: room to wait before a stage, a shared approach, spill-back beyond the
port, and booths blocked by a full stage ahead."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from borderflow import load_scenario, simulate, theory
from borderflow.model.port import ReplicationResult
from borderflow.scenario import ScenarioError

HOUR = 3600.0


def tandem(
    dock_storage: Any = None,
    per_hour: float = 30,
    booth: dict[str, Any] | None = None,
    dock: dict[str, Any] | None = None,
    horizon: str = "200 h",
) -> dict[str, Any]:
    """An inspection booth, then a dock with limited room before it (M/M/1 into M/M/1 when
    both are single booths: mean inspections 1.2 min and 1.5 min)."""
    dock_stage: dict[str, Any] = {
        "lanes": {"dock": {"lanes": 1}},
        "service": {"default": {"dist": "exponential", "mean": "1.5 min"}},
        **(dock or {}),
    }
    if dock_storage is not None:
        dock_stage["storage"] = dock_storage
    return {
        "name": "tandem with storage",
        "horizon": horizon,
        "warmup": "10 h",
        "seed": 3,
        "streams": {
            "truck": {
                "mode": "truck",
                "arrivals": {"per_hour": per_hour},
                "route": ["booth", "dock"],
            }
        },
        "stages": {
            "booth": {
                "lanes": {"booth": {"lanes": 1}},
                "service": {"default": {"dist": "exponential", "mean": "1.2 min"}},
                **(booth or {}),
            },
            "dock": dock_stage,
        },
    }


def occupancy(result: ReplicationResult, stage: str, sizes: dict[str, float]) -> float:
    """The most room ever taken before ``stage``: each traveller holds its size from when it
    drives out of the booth of the stage before to when its inspection at ``stage`` starts
    (from the trace)."""
    events = []
    for stream, _, legs, _ in result.trace or ():
        for before, here in zip(legs, legs[1:], strict=False):
            if here[0] == stage and here[4] > before[5]:
                events += [(before[5], sizes[stream]), (here[4], -sizes[stream])]
    events.sort(key=lambda e: (e[0], e[1]))  # room freed at an instant is reused then
    return float(np.max(np.cumsum([size for _, size in events]), initial=0.0))


def lane_rows(result: ReplicationResult, stage: str) -> list[tuple]:
    return [row for row in result.lanes_hourly if row[2] == stage]


CASES = {
    "stage storage, two lanes": (
        {"storage": 3, "lanes": {"dock": {"lanes": 2}}},
        {},
        3,
        {"truck": 1},
    ),
    "lane-group storage, shared line": (
        {"lanes": {"dock": {"lanes": 2, "queue": "shared", "storage": 2}}},
        {},
        2,
        {"truck": 1},
    ),
    "stacked booths before": (
        {"storage": 1},
        {"lanes": {"booth": {"lanes": 1, "booths_per_lane": 2}}},
        1,
        {"truck": 1},
    ),
    "metres": ({"storage": {"metres": 50}}, {}, 50, {"truck": 23}),
    "travel counts on the road": (
        {"storage": 2, "travel": {"default": {"dist": "exponential", "mean": "2 min"}}},
        {},
        2,
        {"truck": 1},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_storage_is_never_exceeded_and_does_bind(case: str) -> None:
    dock, booth, capacity, sizes = CASES[case]
    data = tandem(per_hour=40, booth=booth, dock=dock)
    data["stages"]["dock"]["service"]["default"]["mean"] = "2.5 min"  # a dock slower than needed
    if "lanes" in dock:
        data["stages"]["dock"]["service"]["default"]["mean"] = "4 min"
    result = simulate(load_scenario(data), trace=True)
    assert occupancy(result, "dock", sizes) <= capacity + 1e-9
    rows = lane_rows(result, "dock")
    assert max(row[7] for row in rows) * sizes["truck"] <= capacity  # queue_max, in vehicles
    in_metres = capacity if sizes["truck"] > 1 else capacity * 23.0  # a truck is 23 m
    assert max(row[8] for row in rows) <= in_metres + 1e-9  # queue_max_m
    # and the storage does bind: the booth before is blocked some of the time
    assert sum(row[9] for row in lane_rows(result, "booth")) > 1.0
    assert sum(row[10] for row in rows) > 60.0


def test_blocked_only_while_the_next_storage_is_full() -> None:
    """One booth before a dock: the booth can be blocked only while the dock's storage is full,
    so in every hour its blocked time is at most the time the storage was full."""
    result = simulate(load_scenario(tandem(dock_storage=1, per_hour=36)))
    booth = {row[1] + 24 * row[0]: row for row in lane_rows(result, "booth")}
    dock = {row[1] + 24 * row[0]: row for row in lane_rows(result, "dock")}
    assert sum(row[9] for row in booth.values()) > 5  # blocking does happen
    for hour, row in booth.items():
        blocked_min, full_min = row[9] * 60, dock[hour][10]
        assert blocked_min <= full_min + 1e-6, hour
        if full_min == 0:
            assert blocked_min == 0
    assert all(row[9] == 0 for row in dock.values())  # the last stage is never blocked
    assert result.metrics["all"]["booth.blocked_booth_hours"] == pytest.approx(
        sum(row[9] for row in booth.values())
    )


@pytest.mark.parametrize(
    "dock",
    [
        {"storage": 10_000},
        {"lanes": {"dock": {"lanes": 1, "storage": 10_000}}},
        {"storage": {"metres": 1e5}, "approach": {"storage": 10_000}},
    ],
    ids=["stage", "lane group", "metres and approach"],
)
def test_storage_that_never_fills_changes_nothing(dock: dict[str, Any]) -> None:
    """The same travellers with the same needs, and no storage ever full: every inspection
    starts and ends at the same instant as with unlimited room."""
    free = simulate(load_scenario(tandem(per_hour=36)), trace=True)
    roomy = simulate(load_scenario(tandem(per_hour=36, dock=dock)), trace=True)
    assert roomy.trace == free.trace
    assert all(row[9] == 0 and row[10] == 0 for row in roomy.lanes_hourly)


def test_spill_back_beyond_the_port_keeps_the_order_and_the_waits() -> None:
    """A shared line with room for 3: the rest wait beyond the port in order of arrival, so
    with one line first come first served either way, every wait is the same as with unlimited
    room, while the line itself never holds more than 3."""
    data = tandem(per_hour=45)
    data["streams"]["truck"]["route"] = ["booth"]
    del data["stages"]["dock"]
    data["stages"]["booth"]["lanes"] = {"booth": {"lanes": 2, "queue": "shared"}}
    data["stages"]["booth"]["service"]["default"]["mean"] = "2.5 min"  # load 0.94
    free = simulate(load_scenario(data), trace=True)
    data["stages"]["booth"]["storage"] = 3
    limited = simulate(load_scenario(data), trace=True)
    assert [legs[0][4] for *_, legs, _ in limited.trace or ()] == [
        legs[0][4] for *_, legs, _ in free.trace or ()
    ]
    assert max(row[7] for row in limited.lanes_hourly) == 3
    assert max(row[7] for row in free.lanes_hourly) > 10  # the queue did spill back
    assert limited.metrics["truck"]["wait_mean_min"] == free.metrics["truck"]["wait_mean_min"]


def test_a_full_lane_group_blocks_the_shared_approach() -> None:
    """General and SENTRI lanes behind one approach: when the general lanes' room is full, the
    first traveller in the approach waits for it, and the SENTRI travellers behind wait too.
    Without the approach (separate roads), they pass."""
    data: dict[str, Any] = {
        "name": "shared approach",
        "horizon": "48 h",
        "warmup": "2 h",
        "seed": 5,
        "streams": {
            "general": {"arrivals": {"per_hour": 50}, "route": ["primary"]},
            "sentri": {"arrivals": {"per_hour": 20}, "route": ["primary"]},
        },
        "stages": {
            "primary": {
                "lanes": {
                    "general": {"lanes": 1, "serves": ["general"], "storage": 4},
                    "sentri": {"lanes": 1, "serves": ["sentri"], "storage": 4},
                },
                "service": {
                    "general": {"dist": "exponential", "mean": "1.25 min"},
                    "sentri": {"dist": "exponential", "mean": "0.5 min"},
                },
            }
        },
    }
    separate = simulate(load_scenario(data))
    data["stages"]["primary"]["approach"] = {"storage": 30}
    shared = simulate(load_scenario(data))
    # the SENTRI lane alone is M/M/1 at load 1/6: a wait of 0.1 min
    assert separate.metrics["sentri"]["wait_mean_min"] < 0.5
    assert (
        shared.metrics["sentri"]["wait_mean_min"] > 10 * separate.metrics["sentri"]["wait_mean_min"]
    )


def test_the_queue_in_metres_counts_each_vehicle_at_its_length() -> None:
    """Cars (7.6 m) and buses (15 m) in one line with 40 m of room: never more than 40 m, and
    the queue in metres lies between the number of vehicles at the shortest and the longest
    length."""
    data = tandem(per_hour=0)
    data["streams"] = {
        "car": {"mode": "car", "arrivals": {"per_hour": 30}, "route": ["booth", "dock"]},
        "bus": {"mode": "bus", "arrivals": {"per_hour": 8}, "route": ["booth", "dock"]},
    }
    data["stages"]["dock"]["storage"] = {"metres": 40}
    data["stages"]["dock"]["service"]["default"]["mean"] = "1.5 min"
    result = simulate(load_scenario(data), trace=True)
    assert occupancy(result, "dock", {"car": 7.6, "bus": 15.0}) <= 40 + 1e-9
    rows = lane_rows(result, "dock")
    assert max(row[8] for row in rows) <= 40 + 1e-9
    for row in rows:
        assert 7.6 * row[7] - 1e-9 <= row[8] <= 15.0 * row[7] + 1e-9
    assert max(row[7] for row in rows) >= 3  # cars alone reach 3 (22.8 m), buses fewer


def test_the_tandem_matches_its_markov_chain() -> None:
    """Two M/M/1 stations with room for 1 between them: the share of time the first booth is
    blocked, the share the storage is full and the mean time in port against the exact chain
    (:func:`borderflow.theory.tandem_blocking`). Tolerance: the 99% t-interval of 12
    independent replications of 500 h."""
    data = tandem(dock_storage=1, horizon="510 h")
    exact = theory.tandem_blocking(0.5, 1 / 1.2, 1 / 1.5, 1)
    scenario = load_scenario(data)
    blocked, full, tip = [], [], []
    for r in range(12):
        result = simulate(scenario, replication=r)
        blocked.append(sum(row[9] for row in lane_rows(result, "booth")) / 500)
        full.append(sum(row[10] for row in lane_rows(result, "dock")) / 60 / 500)
        tip.append(result.metrics["truck"]["time_in_port_mean_min"])
    expected = {
        "blocked": exact.p_blocked,
        "full": exact.p_storage_full,
        "time in port": exact.first_wait + exact.second_wait + 1.2 + 1.5,
    }
    for name, values in zip(expected, (blocked, full, tip), strict=True):
        mean, se = np.mean(values), stats.sem(values)
        half = stats.t.ppf(0.995, len(values) - 1) * se
        assert abs(mean - expected[name]) <= half, (name, mean, expected[name], half)


def test_travellers_left_waiting_are_counted() -> None:
    """A stage with room for 2 and far too little capacity: when the drain limit stops the
    run, those beyond the port and those blocked in booths are still inside, not lost."""
    data = tandem(dock_storage=2, per_hour=60, horizon="12 h")
    data["stages"]["dock"]["service"]["default"] = {"dist": "deterministic", "mean": "3 h"}
    result = simulate(load_scenario(data))
    checks = result.checks
    assert checks["arrived"] == checks["exited"] + checks["left_inside"]
    assert checks["left_inside"] > 0
    assert result.unfinished["truck"]["not_served"] > 0


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    return str(caught.value)


def test_storage_that_cannot_hold_a_vehicle_is_refused() -> None:
    text = problems(tandem(dock_storage={"metres": 10}))
    assert "stages.dock.storage" in text and "truck (23 m" in text
    data = tandem(dock_storage={"metres": 30, "vehicles": 2})
    assert "not both" in problems(data)
    data = tandem(
        dock_storage=0, dock={"travel": {"default": {"dist": "deterministic", "mean": "1 min"}}}
    )
    assert "no room for truck on its way to dock" in problems(data)


def test_an_approach_nobody_waits_in_is_reported() -> None:
    scenario = load_scenario(tandem(dock={"approach": {"storage": 5}}))
    assert any("nobody waits in this approach" in w for w in scenario.load_warnings)


def test_storage_zero_still_lets_a_vehicle_drive_into_a_free_booth() -> None:
    """No room to wait at the dock: a vehicle moves on only into a free dock booth, so nobody
    ever waits in the dock's line."""
    result = simulate(load_scenario(tandem(dock_storage=0, per_hour=20)), trace=True)
    assert all(row[7] == 0 for row in lane_rows(result, "dock"))
    assert result.metrics["all"]["dock.wait_mean_min"] == 0
    waits = [legs[1][4] - legs[1][3] for *_, legs, _ in result.trace or ()]
    assert max(waits) == 0
    assert not math.isnan(result.metrics["all"]["booth.blocked_booth_hours"])


def test_a_vehicle_is_held_exactly_when_the_storage_ahead_is_full() -> None:
    """One booth with 1-minute inspections, then a dock with room for 2: from the trace, a
    truck stays in the booth after its inspection (driving out later than start + 1 min)
    exactly when 2 trucks were waiting for the dock at that moment, and then drives out at the
    instant one of them starts at the dock."""
    data = tandem(dock_storage=2, per_hour=50, horizon="60 h")
    data["stages"]["booth"]["service"]["default"] = {"dist": "deterministic", "mean": "1 min"}
    result = simulate(load_scenario(data), trace=True)
    legs = [legs for *_, legs, _ in result.trace or ()]
    waiting = [(booth[5], dock[4]) for booth, dock in legs]  # waiting for the dock, from-to
    dock_starts = {dock[4] for _, dock in legs}
    held = 0
    for booth, _ in legs:
        done = booth[4] + 60.0
        queued = sum(1 for start, end in waiting if start < done < end)
        if booth[5] > done + 1e-6:
            held += 1
            assert queued == 2, booth
            assert booth[5] in dock_starts  # room freed by a truck starting at the dock
        else:
            assert booth[5] == pytest.approx(done)
            assert queued < 2, booth
    assert held > 100  # the rule was exercised


def test_an_approach_written_as_a_number_says_how_to_write_it() -> None:
    text = problems(tandem(dock={"approach": 20}))
    assert "stages.dock.approach: an approach is a map with its storage" in text
    assert "approach: {storage: 20}" in text
