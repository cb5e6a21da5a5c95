"""borderflow: discrete-event simulation of land ports of entry.

Describe a port as traffic streams, lanes and booths, opening schedules and inspection stages
(a scenario file), and get wait times by stream and hour as the border agency publishes them,
with confidence intervals over replications::

    import borderflow

    result = borderflow.run("scenarios/san_ysidro_weekday.yaml", replications=10)
    result.estimate("car_general", "wait_mean_min")

The names below are imported when first used, so that ``import borderflow`` (and the command
line's ``--help``) stays quick. Calibration and verification are the functions
``borderflow.calibrate.calibrate`` and ``borderflow.verify.verify`` (their modules carry the
names).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    # scenarios
    "Scenario": "scenario",
    "ScenarioError": "scenario",
    "load_scenario": "scenario",
    "check": "capacity",
    "CheckReport": "capacity",
    # one replication, and many
    "simulate": "model",
    "ReplicationResult": "model",
    "run": "runner",
    "RunResult": "runner",
    "SequentialRunResult": "runner",
    "Estimate": "analysis",
    "write_run": "output",
    # outer loops
    "compare": "experiments.compare",
    "Comparison": "experiments.compare",
    "write_comparison": "experiments.compare",
    "sweep": "experiments.sweep",
    "SweepResult": "experiments.sweep",
    "load_experiment": "experiments.sweep",
    "staff": "staffing",
    "StaffingResult": "staffing",
    "write_staffing": "staffing",
    "CalibrationResult": "calibrate",
    "VerificationReport": "verify",
    # errors
    "InputError": "errors",
    "ArgumentError": "errors",
}

__all__ = [
    "ArgumentError",
    "CalibrationResult",
    "CheckReport",
    "Comparison",
    "Estimate",
    "InputError",
    "ReplicationResult",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SequentialRunResult",
    "StaffingResult",
    "SweepResult",
    "VerificationReport",
    "check",
    "compare",
    "load_experiment",
    "load_scenario",
    "run",
    "simulate",
    "staff",
    "sweep",
    "write_comparison",
    "write_run",
    "write_staffing",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'borderflow' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # what type checkers and editors see
    from .analysis import Estimate
    from .calibrate import CalibrationResult
    from .capacity import CheckReport, check
    from .errors import ArgumentError, InputError
    from .experiments.compare import Comparison, compare, write_comparison
    from .experiments.sweep import SweepResult, load_experiment, sweep
    from .model import ReplicationResult, simulate
    from .output import write_run
    from .runner import RunResult, SequentialRunResult, run
    from .scenario import Scenario, ScenarioError, load_scenario
    from .verify import VerificationReport
