"""Defaults shared by the Python API and the command line, so that both behave the same.

Kept free of heavy imports: the command line reads them to build its help.
"""

from __future__ import annotations

import os

STREAM = "all"
"""The stream a precision target and the printed tables refer to."""
METRIC = "wait_mean_min"
"""The metric a precision target refers to."""
PRINTED_METRICS = ("wait_mean_min", "wait_p95_min")
"""The metrics ``compare`` and ``sweep`` print when none is asked for."""
MAX_REPLICATIONS = 100
"""The cap on replications when a precision is asked for and not reached."""
MAX_TRAVELLERS = 50_000_000
"""Most travellers expected in one replication before a run is refused (a typo in a rate or a
horizon would otherwise run for days); a year of San Ysidro is about 26 million."""
MAX_MEMORY_MB = 8_000.0
"""Most memory (MB) one replication may be estimated to need before a run is refused: an
overloaded port keeps its travellers, about 600 bytes each."""
CALIBRATE_ITERATIONS = 10
"""Simulation steps of a calibration fit."""
CALIBRATE_REPLICATIONS = 6
"""Replications per calibration step (common random numbers)."""


def default_jobs() -> int:
    """The number of cores this process may use (what a large run uses by default)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
