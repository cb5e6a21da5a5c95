"""Outer loops over the model: compare scenarios, sweep parameters.

* :func:`borderflow.compare` (``compare.py``): paired comparison of a base and alternatives
  under common random numbers.
* :func:`borderflow.sweep` (``sweep.py``, ``designs.py``): experiment files, designs (grid, Latin
  hypercube, one at a time), a resumable store of finished points.

Each takes scenarios in and gives a result table out, and sends its replications through the one
dispatcher, :mod:`borderflow.execution`.
"""

from .compare import Comparison, Difference, compare, write_comparison
from .sweep import Experiment, ExperimentError, SweepResult, load_experiment, sweep, write_sweep

__all__ = [
    "Comparison",
    "Difference",
    "Experiment",
    "ExperimentError",
    "SweepResult",
    "compare",
    "load_experiment",
    "sweep",
    "write_comparison",
    "write_sweep",
]
