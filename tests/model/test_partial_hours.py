"""A warm-up or horizon that is not a whole hour: the hours it cuts are averaged over their
part in the counted period [warmup, horizon), and nothing at or after the horizon is counted."""

from __future__ import annotations

import math

import numpy as np
import pytest
from model_helpers import one_queue, scripted_port

from borderflow import simulate
from borderflow.model.arrivals import arrival_times
from borderflow.model.collect import HOUR
from borderflow.model.port import _result
from borderflow.runner import RunResult


def scripted() -> RunResult:
    """One booth, counted period [00:30, 02:30). Booth and line, by hand (s):

    ===== ======= ============== ============== ====
    who   arrives waits          in the booth   exit
    ===== ======= ============== ============== ====
    A     600     -              600–2400       2400
    B     1200    1200–2400      2400–4200      4200
    C     3000    3000–4200      4200–4800      4800
    D     7800    -              7800–9000      9000 (at the horizon: not counted)
    E     8700    8700–9000      9000–9300      9300
    ===== ======= ============== ============== ====
    """
    scenario = one_queue(lanes=1, horizon="2.5 h", warmup="30 min")
    port = scripted_port(scenario, [600, 1200, 3000, 7800, 8700], [1800, 1800, 600, 1200, 300])
    port.run()
    return RunResult(scenario, 1, [_result(port, 0)])


def test_partial_hours_average_over_their_counted_part() -> None:
    result = scripted()
    (r,) = result.replications
    rows = {
        hour: (util, queue_mean, queue_max)
        for _, hour, _, _, _, util, queue_mean, queue_max, *_ in r.lanes_hourly
    }
    # 00:30–01:00 (1800 s): booth busy 600 (A) + 1200 (B); waiting 600 (B) + 600 (C)
    # 01:00–02:00 (3600 s): busy 600 (B) + 600 (C); waiting 600 (C)
    # 02:00–02:30 (1800 s): busy 1200 (D); waiting 300 (E)
    assert rows == {
        0: (pytest.approx(1.0), pytest.approx(2 / 3), 1),
        1: (pytest.approx(1 / 3), pytest.approx(1 / 6), 1),
        2: (pytest.approx(2 / 3), pytest.approx(1 / 6), 1),
    }
    m = r.metrics
    assert m["all"]["primary.utilization"] == pytest.approx((1800 + 1200 + 1200) / 7200)
    # exits in [00:30, 02:30): A, B, C; D leaves exactly at the horizon
    assert m["car"]["throughput_per_hour"] == pytest.approx(3 / 2)
    # counted arrivals: C (00:50), D and E (02:xx)
    assert m["car"]["entities"] == 3
    assert m["car"]["wait_mean_min"] == pytest.approx((1200 + 0 + 300) / 3 / 60)


def test_hourly_rows_cover_the_hours_that_overlap_the_counted_period() -> None:
    result = scripted()
    rows = result.hourly_rows()
    assert [(day, hour) for _, day, hour, *_ in rows] == [(0, 0), (0, 1), (0, 2)]
    arrivals = [row[4] for row in rows]
    assert arrivals == [1, 0, 2]
    assert rows[2][5] == pytest.approx(2.5)  # (0 + 300 s) / 2
    assert [hour for _, hour, *_ in result.replications[0].lanes_hourly] == [0, 1, 2]


def overlap(a: float, b: float, start: float, end: float) -> float:
    return max(0.0, min(b, end) - max(a, start))


@pytest.mark.parametrize(
    ("warmup", "horizon"), [("25 min", "190 min"), ("0 h", "100 min"), ("70 min", "110 min")]
)
def test_lane_hours_match_the_trace(warmup: str, horizon: str) -> None:
    # Poisson arrivals, two booths always open: each reported hour's queue_mean and
    # utilisation equal the areas under the trace over the hour's counted part, divided by
    # its length. Exact up to rounding.
    scenario = one_queue(lanes=2, per_hour=150, horizon=horizon, warmup=warmup)
    for replication in range(3):
        r = simulate(scenario, replication=replication, trace=True)
        assert r.trace is not None
        start, end = scenario.warmup, scenario.horizon
        hours = range(int(start // HOUR), math.ceil(end / HOUR))
        assert [hour for _, hour, *_ in r.lanes_hourly] == list(hours)
        for _, hour, _, _, _, util, queue_mean, *_ in r.lanes_hourly:
            a, b = max(hour * HOUR, start), min((hour + 1) * HOUR, end)
            waiting = busy = 0.0
            for _, _, legs, _ in r.trace:
                ((_, _, _, queued, began, ended, *_),) = legs
                waiting += overlap(queued, began, a, b)
                busy += overlap(began, ended, a, b)
            assert queue_mean == pytest.approx(waiting / (b - a), rel=1e-9, abs=1e-12)
            assert util == pytest.approx(busy / (2 * (b - a)), rel=1e-9, abs=1e-12)
        exits = sum(1 for *_, exit_time in r.trace if start <= exit_time < end)
        assert r.metrics["car"]["throughput_per_hour"] == pytest.approx(
            exits / ((end - start) / HOUR), rel=1e-12
        )


def test_no_arrival_at_the_horizon_through_rounding() -> None:
    # The last point of the unit-rate process just below the total intensity maps to a time
    # that rounds to the horizon (here 02:30 at 100 an hour); arrivals stay in [0, horizon).
    horizon, rate = 9000.0, 100.0
    total = rate / HOUR * horizon
    last = float(np.nextafter(total, 0.0))

    def gaps(n: int) -> np.ndarray:
        return np.concatenate(([last], np.full(n - 1, 1e9)))

    (time,) = arrival_times([rate] * 24, horizon, gaps)
    assert horizon - 1e-6 < time < horizon
