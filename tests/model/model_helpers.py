"""Small scenarios and a scripted port for the model tests."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from borderflow.model.port import Port
from borderflow.scenario import Scenario, load_scenario


def one_queue(
    lanes: int = 1,
    booths: int = 1,
    queue: str = "per_lane",
    per_hour: float | list[float] = 0,
    service: dict[str, Any] | None = None,
    open_: int | list[int] | None = None,
    horizon: str = "24 h",
    **extra: Any,
) -> Scenario:
    """A port with one stream and one stage of ``lanes`` lanes."""
    group: dict[str, Any] = {"lanes": lanes, "booths_per_lane": booths, "queue": queue}
    if open_ is not None:
        group["open"] = open_
    data = {
        "name": "test port",
        "horizon": horizon,
        "seed": 7,
        "streams": {"car": {"arrivals": {"per_hour": per_hour}, "route": ["primary"]}},
        "stages": {
            "primary": {
                "lanes": {"g": group},
                "service": {"default": service or {"dist": "exponential", "mean": "1 min"}},
            }
        },
    }
    data.update(extra)
    return load_scenario(data)


def scripted_port(scenario: Scenario, arrivals: list[float], services: list[float]) -> Port:
    """A traced port whose only stream arrives at the given times (s) and needs the given
    inspection times (s) at its first stage, in order."""
    port = Port(scenario, seed=1, replication=0, trace=True)
    (stream,) = port.streams.values()
    stream.arrival_times = iter(arrivals)
    stage, groups, _, _, referral, travel = stream.route[0]
    values = iter(services)
    stream.route[0] = (
        stage,
        groups,
        lambda n: np.array([next(values, math.nan) for _ in range(n)]),
        lambda times: times,
        referral,
        travel,
    )
    return port


def trace_of(port: Port) -> list[dict[str, Any]]:
    """Port trace rows as dicts: arrival, lane, queued, start, end (s), exit (s)."""
    rows = []
    for stream, arrival, legs, exit_time in port.trace_rows:
        stage, group, lane, queued, start, end = legs[0]
        rows.append(
            {
                "stream": stream,
                "arrival": arrival,
                "group": group,
                "lane": lane,
                "queued": queued,
                "start": start,
                "end": end,
                "exit": exit_time,
            }
        )
    return sorted(rows, key=lambda r: r["arrival"])


def with_changes(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of scenario data with top-level keys replaced."""
    out = copy.deepcopy(data)
    out.update(changes)
    return out
