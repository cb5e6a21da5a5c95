"""Running a scenario: replications of the model, gathered into a :class:`RunResult`.

``run()`` is what ``borderflow run`` calls, and what a notebook calls: load the scenario (or take
one already loaded), run each replication as the pure function
:func:`borderflow.model.simulate`, and keep the per-replication tables.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysis import Estimate, summarise
from .model import ReplicationResult, simulate
from .scenario import Scenario, load_scenario

SUMMARY_COLUMNS = ("stream", "metric", "mean", "ci_low", "ci_high", "std", "replications")
REPLICATION_COLUMNS = ("replication", "stream", "metric", "value")
HOURLY_COLUMNS = (
    "replication",
    "day",
    "hour",
    "stream",
    "arrivals",
    "wait_mean_min",
    "wait_p95_min",
)
LANES_COLUMNS = (
    "replication",
    "day",
    "hour",
    "stage",
    "lane_group",
    "lanes_open",
    "utilization",
    "queue_mean",
    "queue_max",
)


@dataclass
class RunResult:
    """The replications of one scenario, as tables.

    Attributes:
        scenario: the resolved scenario that was run.
        seed: the root seed; replication r used the seed tree (seed, r).
        replications: one :class:`ReplicationResult` per finished replication.
        source: the scenario file, if it came from one.
        overrides: ``--set`` overrides applied to it.
        wall_time_s: seconds the run took.
        interrupted: True when the run was stopped before all replications finished.
    """

    scenario: Scenario
    seed: int
    replications: list[ReplicationResult]
    source: str | None = None
    overrides: tuple[str, ...] = ()
    wall_time_s: float = 0.0
    interrupted: bool = False
    _summary: dict[str, dict[str, Estimate]] | None = field(default=None, repr=False)

    @property
    def summary(self) -> dict[str, dict[str, Estimate]]:
        """stream (and ``all``) -> metric -> :class:`Estimate` over replications."""
        if self._summary is None:
            self._summary = summarise([r.metrics for r in self.replications])
        return self._summary

    def estimate(self, stream: str, metric: str) -> Estimate:
        """One metric of one stream, e.g. ``estimate('car_general', 'wait_mean_min')``."""
        return self.summary[stream][metric]

    # --- tables -----------------------------------------------------------------------------

    def summary_rows(self) -> list[tuple]:
        """Rows of ``summary.csv``."""
        return [
            (stream, metric, e.mean, e.ci_low, e.ci_high, e.std, e.replications)
            for stream, metrics in self.summary.items()
            for metric, e in metrics.items()
        ]

    def replication_rows(self) -> list[tuple]:
        """Rows of ``replications.csv``."""
        return [
            (r.replication, stream, metric, value)
            for r in self.replications
            for stream, metrics in r.metrics.items()
            for metric, value in metrics.items()
        ]

    def hourly_rows(self) -> list[tuple]:
        """Rows of ``hourly.csv``: every counted hour of every stream, empty hours included."""
        rows = []
        first = int(self.scenario.warmup // 3600)
        last = math.ceil(self.scenario.horizon / 3600)
        streams = list(self.scenario.streams)
        for r in self.replications:
            known = {(day, hour, stream): row for day, hour, stream, *row in r.hourly}
            for absolute in range(first, last):
                day, hour = divmod(absolute, 24)
                for stream in streams:
                    arrivals, mean, p95 = known.get((day, hour, stream), (0, math.nan, math.nan))
                    rows.append((r.replication, day, hour, stream, arrivals, mean, p95))
        return rows

    def lane_rows(self) -> list[tuple]:
        """Rows of ``lanes_hourly.csv``."""
        return [(r.replication, *row) for r in self.replications for row in r.lanes_hourly]

    def trace_columns(self) -> tuple[str, ...]:
        """Columns of ``trace.csv``: one group of columns per stage, in scenario order."""
        columns = ["replication", "stream", "arrival_min"]
        for stage in self.scenario.stages:
            columns += [
                f"{stage}.lane_group",
                f"{stage}.lane",
                f"{stage}.joined_min",
                f"{stage}.start_min",
                f"{stage}.end_min",
            ]
        return (*columns, "exit_min")

    def trace_rows(self) -> list[tuple]:
        """Rows of ``trace.csv`` (runs with ``trace=True`` only), times in minutes from 00:00."""
        stages = list(self.scenario.stages)
        rows = []
        for r in self.replications:
            for stream, arrival, legs, exit_time in r.trace or ():
                cells: list[Any] = [""] * (5 * len(stages))
                for stage, group, lane, queued, start, end in legs:
                    i = 5 * stages.index(stage)
                    cells[i : i + 5] = [group, lane + 1, queued / 60, start / 60, end / 60]
                rows.append((r.replication, stream, arrival / 60, *cells, exit_time / 60))
        return rows

    def to_frame(self, table: str = "summary"):
        """A table as a pandas DataFrame (pandas must be installed): ``summary``,
        ``replications``, ``hourly``, ``lanes_hourly`` or ``trace``."""
        import pandas as pd

        columns, rows = self.table(table)
        return pd.DataFrame(rows, columns=list(columns))

    def table(self, name: str) -> tuple[tuple[str, ...], list[tuple]]:
        """(columns, rows) of one of the output tables."""
        tables: dict[str, tuple[Sequence[str], Callable[[], list[tuple]]]] = {
            "summary": (SUMMARY_COLUMNS, self.summary_rows),
            "replications": (REPLICATION_COLUMNS, self.replication_rows),
            "hourly": (HOURLY_COLUMNS, self.hourly_rows),
            "lanes_hourly": (LANES_COLUMNS, self.lane_rows),
            "trace": (self.trace_columns(), self.trace_rows),
        }
        if name not in tables:
            raise ValueError(f"unknown table {name!r}; tables: {', '.join(tables)}")
        columns, rows = tables[name]
        return tuple(columns), rows()

    def metadata(self) -> dict[str, Any]:
        """What ``run.json`` records: versions, seed, scenario hashes, the resolved scenario."""
        import platform

        import numpy
        import scipy
        import simpy

        from . import __version__

        resolved = self.scenario.model_dump(mode="json", exclude_none=True)
        canonical = json.dumps(resolved, sort_keys=True, separators=(",", ":")).encode()
        meta: dict[str, Any] = {
            "borderflow_version": __version__,
            "numpy_version": numpy.__version__,
            "scipy_version": scipy.__version__,
            "simpy_version": simpy.__version__,
            "python_version": platform.python_version(),
            "scenario_name": self.scenario.name,
            "scenario_file": self.source,
            "scenario_file_sha256": _file_hash(self.source),
            "scenario_sha256": hashlib.sha256(canonical).hexdigest(),
            "overrides": list(self.overrides),
            "seed": self.seed,
            "replications_requested": self.scenario.replications,
            "replications_finished": len(self.replications),
            "interrupted": self.interrupted,
            "conservation": [r.checks for r in self.replications],
            # per replication and stream: travellers still inside at the drain limit
            "unfinished": [r.unfinished for r in self.replications],
            "wall_time_s": round(self.wall_time_s, 3),
            "scenario": resolved,
        }
        return meta


def _file_hash(path: str | None) -> str | None:
    if not path:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def run(
    scenario: Scenario | str | Path | dict[str, Any],
    *,
    replications: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    trace: bool = False,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Run the replications of a scenario.

    Args:
        scenario: a loaded :class:`Scenario`, a scenario file, or its content as a dict.
        replications: number of replications (default: the scenario's ``replications``).
        seed: root seed (default: the scenario's ``seed``).
        overrides: ``key.path=value`` changes, as ``--set`` gives them.
        trace: keep one record per traveller (memory grows with the number of travellers).
        progress: called as ``progress(done, total)`` after each replication.
        jobs: run the replications in this many local processes (default: in this process).
        executor: or on this ``concurrent.futures`` executor (see
            :func:`borderflow.experiments.execution.make_executor`; Dask included). The results
            are the same, bit for bit, wherever the replications ran.

    Returns:
        A :class:`RunResult`. If interrupted (Ctrl-C), the replications finished so far are kept
        and ``interrupted`` is set; the caller decides whether to write them.
    """
    source = None
    if not isinstance(scenario, Scenario):
        source = None if isinstance(scenario, dict) else str(scenario)
        scenario = load_scenario(scenario, tuple(overrides))
    elif overrides:
        scenario = load_scenario(
            scenario.model_dump(mode="json", exclude_none=True), tuple(overrides)
        )
    if replications is not None:
        if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
            raise ValueError(f"replications must be a positive whole number, not {replications!r}")
        scenario = scenario.model_copy(update={"replications": replications})
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative whole number, not {seed!r}")
        scenario = scenario.model_copy(update={"seed": seed})
    result = RunResult(scenario, scenario.seed, [], source, tuple(overrides))
    start = time.perf_counter()
    try:
        for r in _replications(scenario, range(scenario.replications), trace, jobs, executor):
            result.replications.append(r)
            if progress:
                progress(len(result.replications), scenario.replications)
    except KeyboardInterrupt:
        result.interrupted = True
    except Exception as exc:
        # keep what was computed: the caller can still write the finished replications
        result.interrupted = True
        result.replications.sort(key=lambda r: r.replication)
        result.wall_time_s = time.perf_counter() - start
        exc.partial_result = result  # type: ignore[attr-defined]
        raise
    # replications run elsewhere come back as they finish; keep them in replication order
    result.replications.sort(key=lambda r: r.replication)
    result.wall_time_s = time.perf_counter() - start
    return result


def _replications(
    scenario: Scenario,
    numbers: Iterable[int],
    trace: bool,
    jobs: int | None = None,
    executor: Executor | None = None,
):
    numbers = list(numbers)
    one = len(numbers) < 2 and isinstance(jobs, int) and jobs >= 1  # no pool for one replication
    if executor is None and (jobs in (None, 1) or one):
        for number in numbers:
            yield simulate(scenario, scenario.seed, number, trace)
        return
    from .experiments.execution import executor_for, iter_replications

    with executor_for(jobs, None, executor) as pool:
        yield from iter_replications(scenario, numbers, pool, trace=trace)
