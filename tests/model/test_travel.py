"""Travel between stages: a time to reach a stage from the one before, in the time in port but
in no wait."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from borderflow import load_scenario, simulate
from borderflow.scenario import ScenarioError


def tandem(travel: dict[str, Any] | None, per_hour: float = 30, **extra: Any) -> dict[str, Any]:
    """Two single-booth stages in a row (M/M/1 then M/M/1, mean inspections 1 min and 1.2
    min), the second reached after ``travel``."""
    second: dict[str, Any] = {
        "lanes": {"dock": {"lanes": 1}},
        "service": {"default": {"dist": "exponential", "mean": "72 s"}},
    }
    if travel is not None:
        second["travel"] = travel
    return {
        "name": "tandem with travel",
        "horizon": "200 h",
        "warmup": "10 h",
        "seed": 11,
        "streams": {
            "truck": {"mode": "truck", "arrivals": {"per_hour": per_hour}, "route": ["a", "b"]}
        },
        "stages": {
            "a": {
                "lanes": {"booth": {"lanes": 1}},
                "service": {"default": {"dist": "exponential", "mean": "1 min"}},
            },
            "b": second,
        },
        **extra,
    }


def test_a_fixed_travel_time_is_the_gap_between_one_booth_and_the_next_line():
    scenario = load_scenario(tandem({"default": {"dist": "deterministic", "mean": "3 min"}}))
    result = simulate(scenario, trace=True)
    assert result.trace
    for _, arrival, visits, exit_s in result.trace:
        if len(visits) < 2:
            continue  # still inside at the end of the trace
        (_, _, _, queued_a, start_a, end_a), (_, _, _, queued_b, start_b, end_b) = visits
        assert queued_a == arrival
        assert queued_b - end_a == pytest.approx(180.0, abs=1e-6)
        assert exit_s == end_b


def test_travel_is_in_the_time_in_port_and_in_no_wait():
    """Jackson: M/M/1 (load 0.5) -> exponential travel of 5 min (a queue of infinitely many
    servers, which keeps the flow Poisson) -> M/M/1 (load 0.6). The mean time in port is the
    sum of the two sojourns and the travel, 2 + 5 + 3 = 10 min; the stage waits are those of
    the two M/M/1 queues alone (1 and 1.8 min). Tolerance: 4 standard errors of the mean over
    8 replications of 190 counted hours (each replication's mean is close to normal)."""
    data = tandem({"default": {"dist": "exponential", "mean": "5 min"}}, replications=8)
    scenario = load_scenario(data)
    in_port, wait_b = [], []
    for replication in range(8):
        metrics = simulate(scenario, replication=replication).metrics
        in_port.append(metrics["truck"]["time_in_port_mean_min"])
        wait_b.append(metrics["all"]["b.wait_mean_min"])
    for values, expected in ((in_port, 10.0), (wait_b, 1.8)):
        mean = float(np.mean(values))
        error = float(np.std(values, ddof=1)) / math.sqrt(len(values))
        assert abs(mean - expected) < 4 * error + 0.02 * expected, (mean, expected, error)


def test_a_stream_the_travel_map_does_not_name_does_not_travel():
    data = tandem({"car": {"dist": "deterministic", "mean": "1 h"}})
    data["streams"]["car"] = {"arrivals": {"per_hour": 3}, "route": ["a", "b"]}
    scenario = load_scenario(data)
    assert scenario.stages["b"].travel_for("truck") is None
    result = simulate(scenario, trace=True)
    gaps: dict[str, list[float]] = {"car": [], "truck": []}
    for stream, _, visits, _ in result.trace or []:
        if len(visits) == 2:
            gaps[stream].append(visits[1][3] - visits[0][5])
    assert gaps["car"] and all(gap == pytest.approx(3600.0) for gap in gaps["car"])
    assert gaps["truck"] and all(gap == 0.0 for gap in gaps["truck"])


def test_travellers_on_their_way_at_the_end_are_left_inside():
    """Arrivals until the horizon; a drain cut short while a long travel is under way."""
    data = tandem({"default": {"dist": "deterministic", "mean": "10 d"}}, per_hour=6)
    data["horizon"], data["warmup"] = "2 h", "0 h"
    result = simulate(load_scenario(data))
    checks = result.checks
    assert checks["arrived"] == checks["exited"] + checks["left_inside"]
    assert checks["exited"] == 0 and checks["left_inside"] == checks["arrived"] > 0


def test_a_travel_time_for_an_unknown_stream_is_an_error_with_its_path():
    with pytest.raises(ScenarioError) as raised:
        load_scenario(tandem({"truk": {"dist": "deterministic", "mean": "1 min"}}))
    text = str(raised.value)
    assert "stages.b.travel.truk" in text and "did you mean 'truck'" in text


def test_a_bad_travel_distribution_is_an_error_with_its_path():
    with pytest.raises(ScenarioError) as raised:
        load_scenario(tandem({"default": {"dist": "exponential", "mean": "-3 min"}}))
    assert "stages.b.travel.default: exponential: the mean must be a positive" in str(raised.value)


def test_a_travel_written_as_one_distribution_says_it_is_a_map_by_stream():
    with pytest.raises(ScenarioError) as raised:
        load_scenario(tandem({"dist": "exponential", "mean": "5 min"}))
    text = str(raised.value)
    assert "stages.b.travel.dist: unknown stream 'dist'" in text
    assert "travel is a map from a stream name, or 'default', to a distribution" in text


def test_a_travel_time_on_the_first_stage_of_every_route_is_a_warning():
    data = tandem(None)
    data["stages"]["a"]["travel"] = {"default": {"dist": "deterministic", "mean": "2 min"}}
    scenario = load_scenario(data)
    (warning,) = scenario.load_warnings
    assert warning == (
        "<dict>: stages.a.travel: no traveller takes this time: a is the first stage of the "
        "route of truck, reached at arrival"
    )
    assert (
        load_scenario(tandem({"default": {"dist": "exponential", "mean": "1 min"}})).load_warnings
        == ()
    )


def test_empirical_travel_times_are_read_from_a_file(tmp_path):
    import json

    (tmp_path / "drive.csv").write_text("time\n4 min\n6 min\n", encoding="utf-8")
    data = tandem({"default": {"dist": "empirical", "file": "drive.csv"}})
    (tmp_path / "port.yaml").write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    scenario = load_scenario(tmp_path / "port.yaml")
    travel = scenario.stages["b"].travel_for("truck")
    assert travel is not None and travel.values == (240.0, 360.0)
