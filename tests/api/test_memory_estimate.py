"""The fluid backlog and the memory estimate: an overloaded run is refused before it starts."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

import borderflow
from borderflow.capacity import (
    BYTES_PER_TRAVELLER,
    MEMORY_BASE_MB,
    backlog,
    check_memory,
    memory_mb,
)
from borderflow.cli import main
from borderflow.model import simulate
from borderflow.scenario import ScenarioError

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "example.yaml"

# One lane, one booth, deterministic 2-minute inspections (30 an hour), 90 arrivals an hour
# for 4 hours: the fluid queue grows by 60 an hour, to 240 at the horizon.
OVERLOADED = {
    "name": "overloaded",
    "horizon": "4 h",
    "replications": 1,
    "streams": {"car": {"arrivals": {"per_hour": 90}, "route": ["primary"]}},
    "stages": {
        "primary": {
            "lanes": {"only": {"lanes": 1}},
            "service": {"default": {"dist": "deterministic", "mean": "2 min"}},
        }
    },
}


def test_the_backlog_of_a_steady_overload_is_known_by_hand():
    queue = backlog(borderflow.load_scenario(OVERLOADED))
    assert queue.peak_inside == pytest.approx(240)
    assert queue.peak_hour == 3
    assert queue.left_at_horizon == pytest.approx(240)


def test_a_port_that_keeps_up_has_no_backlog():
    queue = backlog(borderflow.load_scenario(EXAMPLE))
    assert queue.peak_inside == 0


def test_the_simulated_queue_is_close_to_the_fluid_one_under_heavy_overload():
    """Poisson arrivals at load 3: the queue at the horizon is the 360 arrivals less the 120
    inspected, 240, give or take the arrivals' standard deviation sqrt(360) = 19; 25% is
    three of those (seed fixed)."""
    scenario = borderflow.load_scenario(OVERLOADED)
    inside = simulate(scenario, 1, 0).checks["inside_at_horizon"]
    assert inside == pytest.approx(backlog(scenario).left_at_horizon, rel=0.25)


def test_memory_grows_with_the_backlog_and_a_limit_refuses_it():
    scenario = borderflow.load_scenario(
        OVERLOADED, ["streams.car.arrivals.per_hour=100000"], max_travellers=None
    )
    queue = backlog(scenario)
    assert queue.peak_inside == pytest.approx(4 * (100_000 - 30))
    need = memory_mb(scenario, queue.peak_inside)
    assert need == pytest.approx(
        MEMORY_BASE_MB + queue.peak_inside * BYTES_PER_TRAVELLER / 1e6, rel=1e-3
    )
    with pytest.raises(ScenarioError, match="would need about 320 MB.*--max-memory"):
        check_memory(scenario, 100)
    assert check_memory(scenario, 1000) == queue


def test_run_refuses_and_check_warns_with_the_same_estimate():
    out, err = io.StringIO(), io.StringIO()
    args = [
        "--set",
        "streams.car_general.arrivals.per_day=400000",
        "--set",
        "stages.primary.service.car_general.mean=100 min",
    ]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["run", str(EXAMPLE), "-j", "1", *args, "--max-memory", "200"]) == 2
        assert "more than the limit of 200 MB" in err.getvalue()
        assert main(["check", str(EXAMPLE), *args, "--max-memory", "200"]) == 0
    assert "travellers waiting at once" in out.getvalue()
    assert "run refuses it (--max-memory MB)" in err.getvalue()
