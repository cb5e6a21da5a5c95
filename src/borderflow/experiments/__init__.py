"""Experiments: compare scenarios with common random numbers, sweep parameters, run anywhere.

* :func:`borderflow.compare` (``compare.py``): paired comparison of a base and alternatives.
* :func:`borderflow.sweep` (``sweep.py``, ``designs.py``): experiment files, designs (grid, Latin
  hypercube, one at a time), a resumable store of finished points.
* :func:`borderflow.run` (``running.py``, ``precision.py``): replications, optionally until a
  confidence interval is narrow enough (Law & Kelton's sequential procedure).
* ``execution.py``: serial, local processes or Dask, behind ``concurrent.futures``; the same
  results, bit for bit, everywhere.
"""

from .compare import Comparison, Difference, write_comparison
from .execution import ExecutionError, make_executor, map_replications
from .precision import PrecisionError, Sequential
from .running import SequentialRunResult
from .sweep import Experiment, ExperimentError, SweepResult, load_experiment, write_sweep

__all__ = [
    "Comparison",
    "Difference",
    "ExecutionError",
    "Experiment",
    "ExperimentError",
    "PrecisionError",
    "Sequential",
    "SequentialRunResult",
    "SweepResult",
    "load_experiment",
    "make_executor",
    "map_replications",
    "write_comparison",
    "write_sweep",
]
