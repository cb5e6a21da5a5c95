"""An overloaded port is reported honestly: every arrival is counted in its hour, those whose
wait had not ended when the run stopped are ``not_served``, their wait so far gives a lower
bound on the mean wait, and the hour's statistics cost the same however long the queue is."""

from __future__ import annotations

import math
from collections import Counter, deque

import pytest
from model_helpers import one_queue, scripted_port

from borderflow import simulate
from borderflow.model import port as port_module
from borderflow.model.port import Port, _result
from borderflow.runner import RunResult
from borderflow.scenario.units import DAY, HOUR


def test_a_tiny_overloaded_case_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """One booth, 10-minute inspections, arrivals at 0, 1, 2 and 3 min, horizon 10 min, the
    drain limit cut to 15 min, so the run stops at 25 min (1500 s):

    ===== ======= ============== ==========================
    who   arrives starts         wait (s)
    ===== ======= ============== ==========================
    A     0       0              0
    B     60      600            540
    C     120     1200           1080
    D     180     (not by 1500)  not served; 1500 - 180 = 1320 so far
    ===== ======= ============== ==========================
    """
    monkeypatch.setattr(port_module, "DRAIN_LIMIT", 900.0)
    scenario = one_queue(lanes=1, horizon="10 min")
    port = scripted_port(scenario, [0, 60, 120, 180], [600, 600, 600, 600])
    port.run()
    assert port.env.now == 1500
    r = _result(port, 0)
    m = r.metrics["car"]
    assert m["entities"] == 3
    assert m["not_served"] == 1
    assert m["not_served_share"] == 0.25
    assert m["wait_mean_min"] == pytest.approx((0 + 540 + 1080) / 3 / 60, rel=1e-15)
    assert m["wait_mean_min_lower_bound"] == pytest.approx(
        (0 + 540 + 1080 + 1320) / 4 / 60, rel=1e-15
    )
    assert r.metrics["all"]["not_served"] == 1
    assert r.metrics["all"]["wait_mean_min_lower_bound"] == m["wait_mean_min_lower_bound"]
    assert r.unfinished == {"car": {"arrivals": 4, "inside": 2, "not_served": 1}}
    (row,) = r.hourly
    assert row[:4] == (0, 0, "car", 4)
    assert row[4] == pytest.approx(540 / 60)
    assert row[6] == 1


def overloaded(per_hour: float = 45, horizon: str = "3 h", **extra: object):
    """One lane at load 3: 45 an hour, exponential inspections of 4 minutes."""
    return one_queue(
        lanes=1,
        per_hour=per_hour,
        horizon=horizon,
        service={"dist": "exponential", "mean": "4 min"},
        **extra,
    )


@pytest.mark.parametrize("warmup", ["0 h", "30 min"])
def test_served_and_not_served_add_up_to_the_arrivals_of_each_hour(
    monkeypatch: pytest.MonkeyPatch, warmup: str
) -> None:
    # the drain limit cut to 1 h: the queue of about 2 h of work left at the horizon is not
    # cleared, so the run stops with most of the last hours' travellers still in line
    monkeypatch.setattr(port_module, "DRAIN_LIMIT", HOUR)
    scenario = overloaded(warmup=warmup)
    for replication in range(3):
        port = Port(scenario, scenario.seed, replication, trace=True)
        arrivals = list(port.streams["car"].arrival_times)
        port = Port(scenario, scenario.seed, replication, trace=True)
        port.run()
        assert port.env.now == scenario.horizon + HOUR  # stopped by the drain limit
        r = _result(port, replication)
        counted = [a for a in arrivals if a >= scenario.warmup]
        by_hour = Counter(int(a // HOUR) for a in counted)
        # whose wait ended: those who left (the trace) and the one in the booth
        (lane,) = port.stages["primary"].groups["g"].lanes
        in_booth = [t for t in lane.slots if t is not None]
        waits = [(arrival, legs[0][4] - arrival) for _, arrival, legs, _ in port.trace_rows]
        waits += [(t.arrival, t.start - t.arrival) for t in in_booth]
        waits = [(a, w) for a, w in waits if a >= scenario.warmup]
        served = Counter(int(a // HOUR) for a, _ in waits)
        rows = {day * 24 + hour: row for day, hour, _, *row in r.hourly}
        assert {h: row[0] for h, row in rows.items()} == dict(by_hour)  # arrivals, exactly
        for hour, (n, mean, p95, not_served) in rows.items():
            assert n - not_served == served[hour]
            hour_waits = [w for a, w in waits if int(a // HOUR) == hour]
            if hour_waits:
                assert mean * 60 == pytest.approx(sum(hour_waits) / len(hour_waits), rel=1e-12)
            else:
                assert math.isnan(mean) and math.isnan(p95)
        m = r.metrics["car"]
        assert m["entities"] + m["not_served"] == len(counted)
        assert m["not_served"] == sum(row[3] for row in rows.values()) > 0
        # the lower bound, by hand: waits that ended, and the others until the run stopped
        end = port.env.now
        left = [t.arrival for t in lane.line if t.arrival >= scenario.warmup]
        assert len(left) == m["not_served"]
        bound = (sum(w for _, w in waits) + sum(end - a for a in left)) / len(counted) / 60
        assert m["wait_mean_min_lower_bound"] == pytest.approx(bound, rel=1e-12)
        assert m["wait_mean_min_lower_bound"] >= m["wait_mean_min"]


def test_a_port_that_empties_serves_everyone() -> None:
    result = simulate(overloaded(horizon="2 h"), replication=0)
    assert result.checks["left_inside"] == 0
    for name in ("car", "all"):
        m = result.metrics[name]
        assert m["not_served"] == 0 and m["not_served_share"] == 0
        # the same sum divided by the same count: equal, not just close
        assert m["wait_mean_min_lower_bound"] == m["wait_mean_min"]
    assert all(row[6] == 0 for row in result.hourly)
    assert sum(row[3] for row in result.hourly) == result.metrics["car"]["entities"]


def queue_areas(trace: list[tuple], first: int, last: int) -> dict[int, float]:
    """Per hour of [first, last): seconds spent in line (from joining to the booth), summed
    over the travellers of the trace."""
    areas = dict.fromkeys(range(first, last), 0.0)
    for _, _, legs, _ in trace:
        for _, _, _, queued, start, _ in legs:
            for hour in range(int(queued // HOUR), min(math.ceil(start / HOUR), last)):
                overlap = min(start, (hour + 1) * HOUR) - max(queued, hour * HOUR)
                if hour >= first and overlap > 0:
                    areas[hour] += overlap
    return areas


@pytest.mark.parametrize("queue", ["per_lane", "shared"])
def test_queue_mean_by_hour_is_the_area_under_the_traced_queue(queue: str) -> None:
    # Load 1.5 for 6 hours on 2 lanes, with no lane open in hours 2 and 7 (travellers held at
    # the stage), then 4 hours of draining: a queue that spans many hour boundaries. The
    # running sums must give each hour's area exactly, up to rounding: 1e-9 relative (sums
    # of a few thousand terms of up to 3600 s, each exact to 1e-16 relative).
    open_ = [2, 2, 0, 2, 2, 2, 2, 0] + [2] * 16
    scenario = one_queue(
        lanes=2,
        queue=queue,
        per_hour=[180] * 6 + [0] * 18,
        service={"dist": "exponential", "mean": "1 min"},
        open_=open_,
        horizon="12 h",
    )
    for replication in range(2):
        result = simulate(scenario, replication=replication, trace=True)
        assert result.checks["left_inside"] == 0 and result.trace is not None
        areas = queue_areas(result.trace, 0, 12)
        assert sum(areas.values()) > 10 * HOUR  # a long queue, across hours
        rows = {day * 24 + hour: row for day, hour, *row in result.lanes_hourly}
        assert set(rows) == set(areas)
        for hour, area in areas.items():
            queue_mean = rows[hour][4]
            assert queue_mean == pytest.approx(area / HOUR, rel=1e-9, abs=1e-12), hour


class CountingDeque(deque):
    """A deque that counts how often it is walked (iterated)."""

    walks = 0

    def __iter__(self):  # type: ignore[override]
        CountingDeque.walks += 1
        return super().__iter__()


@pytest.mark.parametrize("queue", ["per_lane", "shared"])
def test_no_line_is_walked_while_the_port_runs(queue: str, monkeypatch) -> None:
    # An hourly walk of the lines made long runs quadratic; now lines are only pushed and
    # popped, and walked once, at the end, to count those left inside.
    monkeypatch.setattr(port_module, "DRAIN_LIMIT", 2 * HOUR)
    scenario = overloaded(horizon="24 h", queue=queue)
    port = Port(scenario, scenario.seed, 0)
    for group in port.stages["primary"].groups.values():
        group.line = CountingDeque()
        for lane in group.lanes:
            lane.line = CountingDeque()
    CountingDeque.walks = 0
    port.run()
    assert CountingDeque.walks == 0
    result = _result(port, 0)
    assert result.metrics["car"]["not_served"] > 500  # a long queue was left
    assert CountingDeque.walks == 2  # the group's line and the lane's, once each


def test_progress_is_called_at_each_simulated_midnight(monkeypatch) -> None:
    monkeypatch.setattr(port_module, "DRAIN_LIMIT", DAY)
    scenario = overloaded(per_hour=30, horizon="3 d")
    calls: list[tuple[float, float]] = []
    result = simulate(scenario, progress=lambda now, horizon: calls.append((now, horizon)))
    assert calls == [(day * DAY, 3 * DAY) for day in (1, 2, 3, 4)]  # the drain day included
    assert result.metrics == simulate(scenario).metrics  # and it changes nothing


def test_the_printed_warning_names_the_share_not_served(monkeypatch) -> None:
    import io

    from borderflow.output import print_run

    monkeypatch.setattr(port_module, "DRAIN_LIMIT", HOUR)
    scenario = overloaded()
    result = RunResult(scenario, scenario.seed, [simulate(scenario, replication=0)])
    out = io.StringIO()
    print_run(result, out)
    (line,) = [x for x in out.getvalue().splitlines() if x.startswith("warning:")]
    u = result.replications[0].unfinished["car"]
    assert line.startswith(
        f"warning: car: {u['not_served']:,} of {u['arrivals']:,} travellers "
        f"({u['not_served'] / u['arrivals']:.1%}) not served: still waiting when the run stopped"
    )
