"""Where the published wait ends when a traveller skips its stream's wait stage, and that every
counted arrival has exactly one wait."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pytest

from borderflow import load_scenario, simulate
from borderflow.model.collect import HOUR, StreamStats
from borderflow.model.port import Port, ReplicationResult
from borderflow.scenario import Scenario, ScenarioError


def stage(visit: float | None = None, mean: str = "40 s", lanes: int = 1) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "lanes": {"g": {"lanes": lanes}},
        "service": {"default": {"dist": "exponential", "mean": mean}},
    }
    if visit is not None:
        spec["visit"] = {"default": visit}
    return spec


def skipping(**changes: Any) -> dict[str, Any]:
    """Cars whose first stage is visited by half of them, the second by all of them (or as
    changed); trucks that always visit both."""
    data: dict[str, Any] = {
        "name": "skipped first stage",
        "horizon": "8 h",
        "warmup": "1 h",
        "seed": 11,
        "streams": {
            "car": {"arrivals": {"per_hour": 60}, "route": ["first", "second"]},
            "truck": {"arrivals": {"per_hour": 20}, "route": ["first", "second"]},
        },
        "stages": {
            "first": stage(mean="50 s") | {"visit": {"car": 0.5, "default": 1}},
            "second": stage(mean="40 s", lanes=2),
        },
    }
    data.update(changes)
    return data


def expected_waits(result: ReplicationResult, scenario: Scenario) -> dict[str, list[float]]:
    """From the trace: each counted traveller's wait under the decided rule (the start of
    inspection at the wait stage, else at the first stage visited after it, else 0)."""
    waits: dict[str, list[float]] = {name: [] for name in scenario.streams}
    assert result.trace is not None
    for stream, arrival, legs, _ in result.trace:
        if arrival < scenario.warmup:
            continue
        spec = scenario.streams[stream]
        route = list(spec.route)
        from_wait = route[route.index(spec.wait_until or route[0]) :]
        starts = [start for name, _, _, _, start, _ in legs if name in from_wait]
        waits[stream].append(starts[0] - arrival if starts else 0.0)
    return waits


def by_hour(result: ReplicationResult, scenario: Scenario) -> Counter[tuple[str, int]]:
    """Counted arrivals per (stream, hour), from the trace."""
    assert result.trace is not None
    return Counter(
        (stream, int(arrival // HOUR))
        for stream, arrival, _, _ in result.trace
        if arrival >= scenario.warmup
    )


def assert_conserved(result: ReplicationResult, scenario: Scenario) -> None:
    """Every counted arrival has exactly one wait: per stream and per hour of arrival."""
    counted = by_hour(result, scenario)
    hourly = Counter({(stream, day * 24 + hour): n for day, hour, stream, n, *_ in result.hourly})
    assert hourly == counted
    for stream in scenario.streams:
        arrivals = sum(n for (s, _), n in counted.items() if s == stream)
        assert result.metrics[stream]["entities"] == arrivals


@pytest.mark.parametrize("replication", [0, 1])
def test_skippers_wait_ends_at_the_next_stage_they_visit(replication: int) -> None:
    scenario = load_scenario(skipping())
    result = simulate(scenario, replication=replication, trace=True)
    assert_conserved(result, scenario)
    waits = expected_waits(result, scenario)
    assert result.trace is not None
    skippers = sum(
        1 for s, a, legs, _ in result.trace if s == "car" and a >= HOUR and legs[0][0] == "second"
    )
    assert 0.4 < skippers / len(waits["car"]) < 0.6  # about half skip the first stage
    for stream, values in waits.items():
        m = result.metrics[stream]
        assert m["entities"] == len(values)
        # exact up to the order of summation
        assert m["wait_mean_min"] == pytest.approx(np.mean(values) / 60, rel=1e-12)
        assert m["wait_max_min"] == pytest.approx(max(values) / 60, rel=1e-12)


def test_hours_close_during_the_run_when_the_first_stage_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every hour's travellers all reach the end of their wait, so its bucket is complete
    # (pending 0) and closed as the run goes, not left open until the end.
    left_open: list[int] = []
    finish = StreamStats.finish_hours

    def spy(self: StreamStats, before: int | None = None) -> None:
        if before is None:
            left_open.extend(b.pending for b in self.open_buckets.values() if b.pending)
        finish(self, before)

    monkeypatch.setattr(StreamStats, "finish_hours", spy)
    scenario = load_scenario(skipping(horizon="30 h"))
    port = Port(scenario, seed=1, replication=0)
    port.run()
    assert port.inside == 0
    assert left_open == []


def test_a_traveller_who_visits_no_stage_at_or_after_the_wait_stage_waits_zero() -> None:
    data = skipping()
    data["stages"]["second"]["visit"] = {"default": 0.5}
    data["stages"]["first"]["visit"] = {"default": 0.5}
    scenario = load_scenario(data)
    result = simulate(scenario, replication=0, trace=True)
    assert_conserved(result, scenario)
    assert result.trace is not None
    nowhere = [a for s, a, legs, _ in result.trace if not legs and a >= scenario.warmup]
    assert len(nowhere) > 0  # a quarter of them
    waits = expected_waits(result, scenario)
    for stream, values in waits.items():
        assert result.metrics[stream]["wait_mean_min"] == pytest.approx(
            np.mean(values) / 60, rel=1e-12
        )


def wait_until_skipped() -> Scenario:
    """Trucks queue at export, then US primary (where the wait ends), which half of them skip
    (a fast-lane pilot, say), then an X-ray that a third visit. The loader refuses a
    ``wait_until`` stage that not everyone visits, so this is built without its checks."""
    data = {
        "name": "wait stage skipped",
        "horizon": "10 h",
        "seed": 5,
        "streams": {
            "truck": {
                "mode": "truck",
                "arrivals": {"per_hour": 40},
                "route": ["export", "us_primary", "xray"],
                "wait_until": "us_primary",
            }
        },
        "stages": {
            "export": stage(mean="45 s"),
            "us_primary": stage(visit=0.5, mean="60 s"),
            "xray": stage(visit=0.3, mean="2 min", lanes=2),
        },
    }
    with pytest.raises(ScenarioError, match="only 0.5 of the stream visits 'us_primary'"):
        load_scenario(data)
    return Scenario.model_validate(data)


def test_wait_until_a_stage_not_everyone_visits() -> None:
    scenario = wait_until_skipped()
    result = simulate(scenario, replication=0, trace=True)
    assert_conserved(result, scenario)
    assert result.trace is not None
    kinds = Counter(tuple(leg[0] for leg in legs) for _, _, legs, _ in result.trace)
    # all four ways through: primary and X-ray, primary only, X-ray only, neither
    assert len(kinds) == 4
    (values,) = expected_waits(result, scenario).values()
    m = result.metrics["truck"]
    assert m["wait_mean_min"] == pytest.approx(np.mean(values) / 60, rel=1e-12)
    assert 0.0 in values  # trucks that leave after export: wait 0
    assert not math.isnan(m["wait_p95_min"])
