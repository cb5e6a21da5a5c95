"""Every shipped scenario loads, runs, and reports waits, delay cost and emissions.

A smoke test of the scenario library (``scenarios/**/*.yaml``): each file is validated as a
whole (every day type, every what-if through its ``extends`` chain), then simulated once over a
short horizon so that the whole library runs in seconds. It proves that the files run, not that
their numbers are right: the port pages and ``docs/validation-real.md`` do that.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import borderflow
from borderflow.economics import METRICS as DELAY_METRICS
from borderflow.runner import run

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
LIBRARY = sorted(SCENARIOS.rglob("*.yaml"))
PORT_FOLDERS = ["san_ysidro", "otay_mesa", "laredo_wtb", "nogales_mariposa", "el_paso_bota"]

# One day from 00:00 of the scenario's first day, nothing discarded: the shortest run that still
# sends travellers through every stage (truck ports open in the morning of day 0).
SHORT = ["horizon=1 d", "warmup=0 h"]


def _id(path: Path) -> str:
    return str(path.relative_to(SCENARIOS))


def test_the_library_has_every_port_with_a_baseline_and_what_ifs():
    for port in PORT_FOLDERS:
        files = {p.name for p in (SCENARIOS / port).glob("*.yaml")}
        assert files, f"no scenarios for {port}"
        if port != "san_ysidro":  # San Ysidro's base case stays at the top of scenarios/
            assert "baseline.yaml" in files, f"{port} has no baseline.yaml"
        assert len(files - {"baseline.yaml"}) >= 1, f"{port} has no what-if"


@pytest.mark.parametrize("path", LIBRARY, ids=_id)
def test_scenario_loads_and_runs(path: Path):
    scenario = borderflow.load_scenario(path)  # the full file, every day type
    assert scenario.name

    result = run(path, replications=1, overrides=SHORT)

    assert not result.interrupted
    checks = result.replications[0].checks
    assert checks["arrived"] > 0
    assert checks["left_inside"] == 0, "the port did not clear after the horizon"
    entities = result.estimate("all", "entities").mean
    assert entities > 0
    for stream in scenario.streams:
        per_day = scenario.hourly_rates(stream, scenario.week_days()[0])
        if sum(per_day) > 0:
            assert result.estimate(stream, "entities").mean > 0, stream
    wait = result.estimate("all", "wait_mean_min").mean
    assert math.isfinite(wait) and wait >= 0
    for metric in DELAY_METRICS:
        value = result.estimate("all", metric).mean
        assert math.isfinite(value) and value >= 0, metric
