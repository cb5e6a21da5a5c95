"""Lane mechanics, checked on scripted arrivals with known inspection times (exact)."""

from __future__ import annotations

import pytest
from model_helpers import one_queue, scripted_port, trace_of


def run(scenario, arrivals, services):
    port = scripted_port(scenario, arrivals, services)
    port.run()
    return port, trace_of(port)


def test_single_booth_is_fifo_with_exact_times():
    _, rows = run(one_queue(), [0, 1, 2], [10, 3, 5])
    assert [(r["start"], r["end"]) for r in rows] == [(0, 10), (10, 13), (13, 18)]


def test_stacked_rear_vehicle_blocked_until_front_leaves():
    # A to the front booth (10 s); B pulls into the rear booth (3 s) and is blocked until A
    # leaves at 10; C waits, then drives to the front booth when both have gone.
    _, rows = run(one_queue(booths=2), [0, 1, 2], [10, 3, 5])
    a, b, c = rows
    assert (a["start"], a["end"]) == (0, 10)
    assert (b["start"], b["end"]) == (1, 10)
    assert (c["start"], c["end"]) == (10, 15)


def test_stacked_front_booth_unreachable_while_rear_busy():
    # A at the front finishes at 3 and leaves; B in the rear booth is inspected until 11.
    # C cannot pass B to reach the empty front booth: it starts at 11.
    _, rows = run(one_queue(booths=2), [0, 1, 2], [3, 10, 5])
    a, b, c = rows
    assert a["end"] == 3
    assert b["end"] == 11
    assert c["start"] == 11


def test_stacked_lane_under_saturation_serves_pairs_in_max_time():
    # Six vehicles queued at once: pairs enter together, each pair frees the lane when the
    # slower of the two is done: 10, then +4, then +7.
    _, rows = run(one_queue(booths=2), [0] * 6, [10, 2, 4, 1, 7, 7])
    assert [r["start"] for r in rows] == [0, 0, 10, 10, 14, 14]
    assert [r["exit"] for r in rows] == [10, 10, 14, 14, 21, 21]


def test_shortest_lane_is_joined_and_no_switching():
    # Two lanes, single booths. A long inspection in lane 1 does not make later vehicles
    # in its line switch to the other lane.
    scenario = one_queue(lanes=2)
    _, rows = run(scenario, [0, 0.5, 1, 1.5], [100, 5, 5, 5])
    a, b, c, d = rows
    assert a["lane"] != b["lane"]  # the empty lane is chosen
    # c finds lanes with 1 vehicle each (a busy, b busy): a tie, broken at random
    for row in (c, d):
        same = [r for r in rows if r["lane"] == row["lane"] and r["arrival"] < row["arrival"]]
        assert row["start"] == max(r["exit"] for r in same)  # FIFO behind its own lane


def test_per_lane_fifo_and_capacity_on_random_day():
    scenario = one_queue(
        lanes=3,
        booths=2,
        per_hour=400,
        service={"dist": "lognormal", "mean": "40 s", "cv": 0.8},
        open_=[1] * 6 + [3] * 12 + [2] * 6,
        horizon="24 h",
    )
    from borderflow.model.port import Port

    port = Port(scenario, seed=3, replication=0, trace=True)
    port.run()
    rows = trace_of(port)
    assert len(rows) == port.arrived
    by_lane: dict[int, list] = {}
    for r in rows:
        by_lane.setdefault(r["lane"], []).append(r)
    for lane_rows in by_lane.values():
        starts = [r["start"] for r in sorted(lane_rows, key=lambda r: r["queued"])]
        assert starts == sorted(starts), "vehicles of one lane start in the order they queued"
        exits = [r["exit"] for r in sorted(lane_rows, key=lambda r: r["queued"])]
        assert exits == sorted(exits), "no vehicle leaves before the one in front of it"
        # never more vehicles in booths than the lane has booths
        events = sorted(
            [(r["start"], 1) for r in lane_rows] + [(r["exit"], -1) for r in lane_rows],
            key=lambda e: (e[0], e[1]),
        )
        inside = 0
        for _, step in events:
            inside += step
            assert inside <= 2


@pytest.mark.parametrize("queue", ["per_lane", "shared"])
def test_closed_lanes_take_no_new_vehicles_and_drain(queue):
    # 3 lanes open until 01:00, then 1. Vehicles queued in a closing lane are still served;
    # nobody new joins lanes 2 and 3 after 01:00.
    scenario = one_queue(
        lanes=3,
        queue=queue,
        per_hour=600,
        service={"dist": "deterministic", "mean": "20 s"},
        open_=[3] + [1] * 23,
        horizon="2 h",
    )
    from borderflow.model.port import Port

    port = Port(scenario, seed=5, replication=0, trace=True)
    port.run()
    rows = trace_of(port)
    late = [r for r in rows if r["lane"] > 0 and r["queued"] >= 3600]
    if queue == "per_lane":
        assert not late, "a closed lane admitted a vehicle"
    else:
        assert not [r for r in rows if r["lane"] > 0 and r["start"] > 3600 + 1e-9]
    drained = [r for r in rows if r["lane"] > 0 and r["exit"] > 3600]
    if queue == "per_lane":
        assert drained, "vehicles queued in a closing lane are served after it closes"
    assert port.inside == 0


def test_travellers_wait_for_a_lane_to_open():
    # No lane open 00:00-01:00: the vehicles arriving then wait and start at 01:00 in order.
    scenario = one_queue(lanes=1, open_=[0] + [1] * 23, horizon="2 h")
    _, rows = run(scenario, [100, 200, 300], [10, 10, 10])
    assert [r["start"] for r in rows] == [3600, 3610, 3620]
