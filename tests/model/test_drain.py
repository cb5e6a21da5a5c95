"""Travellers still inside when the run stops at the drain limit are counted, not lost."""

from __future__ import annotations

import io
import math
from typing import Any

from borderflow import load_scenario, simulate
from borderflow.model.port import DRAIN_LIMIT, Port
from borderflow.output import print_run
from borderflow.runner import run
from borderflow.scenario import Scenario


def overloaded(truck: str = "4 h", bay: str = "3 h") -> Scenario:
    """Two hours of arrivals that take far more than the 7-day drain limit to serve: trucks at a
    one-booth primary with 4-hour inspections; cars through a fast primary to one secondary bay
    with 3-hour inspections; pedestrians with enough capacity."""
    data: dict[str, Any] = {
        "name": "overloaded",
        "horizon": "2 h",
        "seed": 8,
        "streams": {
            "truck": {"mode": "truck", "arrivals": {"per_hour": 30}, "route": ["primary"]},
            "car": {"arrivals": {"per_hour": 100}, "route": ["primary", "secondary"]},
            "walker": {"mode": "pedestrian", "arrivals": {"per_hour": 20}, "route": ["primary"]},
        },
        "stages": {
            "primary": {
                "lanes": {
                    "trucks": {"lanes": 1, "serves": ["truck"]},
                    "cars": {"lanes": 4, "serves": ["car"]},
                    "hall": {"lanes": 2, "serves": ["walker"], "queue": "shared"},
                },
                "service": {
                    "truck": {"dist": "deterministic", "mean": truck},
                    "default": {"dist": "exponential", "mean": "30 s"},
                },
            },
            "secondary": {
                "lanes": {"bays": {"lanes": 1, "queue": "shared"}},
                "service": {"default": {"dist": "deterministic", "mean": bay}},
            },
        },
    }
    return load_scenario(data)


def arrivals_of(scenario: Scenario, replication: int) -> dict[str, list[float]]:
    """Each stream's arrival times, from the same random streams the model uses."""
    port = Port(scenario, seed=scenario.seed, replication=replication)
    return {name: list(stream.arrival_times) for name, stream in port.streams.items()}


def test_travellers_left_inside_are_counted_per_stream() -> None:
    scenario = overloaded()
    for replication in range(2):
        result = simulate(scenario, replication=replication, trace=True)
        arrived = arrivals_of(scenario, replication)
        assert result.trace is not None
        exited = {name: 0 for name in scenario.streams}
        for stream, *_ in result.trace:
            exited[stream] += 1
        unfinished = result.unfinished
        # conservation, per stream and in total
        for name in scenario.streams:
            u = unfinished[name]
            assert u["arrivals"] == len(arrived[name])  # no warm-up: everyone is counted
            assert u["inside"] == len(arrived[name]) - exited[name]
            m = result.metrics[name]
            assert u["arrivals"] == m["entities"] + u["not_served"]
            assert m["not_served"] == u["not_served"]
            assert m["not_served_share"] == u["not_served"] / u["arrivals"]
            rows = [row for row in result.hourly if row[2] == name]
            assert sum(row[3] for row in rows) == u["arrivals"]  # hourly: every arrival
            assert sum(row[6] for row in rows) == u["not_served"]
        assert sum(u["inside"] for u in unfinished.values()) == result.checks["left_inside"]
        # trucks: one booth serves one every 4 h from the first arrival; the run stops at
        # horizon + 7 days, when the one in the booth has had its wait and the rest have not
        first = arrived["truck"][0]
        started = math.floor((scenario.horizon + DRAIN_LIMIT - first) / (4 * 3600)) + 1
        assert unfinished["truck"]["not_served"] == len(arrived["truck"]) - started
        assert unfinished["truck"]["inside"] == unfinished["truck"]["not_served"] + 1
        # cars waited at primary; what is left of them is queued for secondary
        assert unfinished["car"]["inside"] > 0
        assert unfinished["car"]["not_served"] == 0
        assert unfinished["walker"] == {
            "arrivals": len(arrived["walker"]),
            "inside": 0,
            "not_served": 0,
        }


def test_a_port_that_empties_has_nothing_unfinished() -> None:
    result = simulate(overloaded(truck="60 s", bay="60 s"), replication=0)
    assert result.checks["left_inside"] == 0
    assert result.unfinished == {
        name: {"arrivals": m["entities"], "inside": 0, "not_served": 0}
        for name, m in result.metrics.items()
        if name != "all"
    }
    out = io.StringIO()
    print_run(run(overloaded(truck="60 s", bay="60 s"), replications=1), out)
    assert "warning" not in out.getvalue()


def test_run_json_and_the_printed_table_say_so() -> None:
    result = run(overloaded(), replications=2)
    meta = result.metadata()
    assert meta["unfinished"] == [r.unfinished for r in result.replications]
    out = io.StringIO()
    print_run(result, out)
    text = out.getvalue()
    table_end = text.index("Waits are from arrival")
    warnings = [line for line in text[table_end:].splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2  # cars and trucks (streams by name), not pedestrians
    truck = [r.unfinished["truck"] for r in result.replications]
    missing = sum(u["not_served"] for u in truck)
    arrivals = sum(u["arrivals"] for u in truck)
    bound = result.estimate("truck", "wait_mean_min_lower_bound").mean
    assert warnings[1] == (
        f"warning: truck: {missing:,} of {arrivals:,} travellers ({missing / arrivals:.1%}) in 2 "
        "replications not served: still waiting when the run stopped, 7 days after the horizon; "
        f"mean wait counting them at least {bound:,.1f} min"
    )
    assert warnings[0].startswith("warning: car: ")
    assert warnings[0].endswith("after their wait ended; their time in port is not in the table")
