"""borderflow: discrete-event simulation of land ports of entry.

Describe a port as traffic streams, lanes and booths, opening schedules and inspection stages
(a scenario file), and get wait times by stream and hour as the border agency publishes them,
with confidence intervals over replications.
"""

from .experiments.compare import compare
from .experiments.running import run
from .experiments.sweep import sweep
from .model import ReplicationResult, simulate
from .scenario import Scenario, ScenarioError, load_scenario

__version__ = "0.1.0"

__all__ = [
    "ReplicationResult",
    "Scenario",
    "ScenarioError",
    "compare",
    "load_scenario",
    "run",
    "simulate",
    "sweep",
]
