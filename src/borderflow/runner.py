"""Running a scenario: replications of the model, gathered into a :class:`RunResult`.

:func:`run` is what ``borderflow run`` calls, and what a notebook calls (as ``borderflow.run``):
load the scenario (or take one already loaded), run each replication as the pure function
:func:`borderflow.model.simulate` through the one dispatcher (:mod:`borderflow.execution`: this
process, local processes or Dask), optionally until a confidence interval is narrow enough, and
keep the per-replication tables.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import defaults
from .analysis import Estimate, summarise
from .capacity import check_memory
from .errors import whole
from .execution import executor_for, iter_replications, map_replications, workers_of
from .model import ReplicationResult
from .precision import Sequential, check_target, mean_relative, sequential, values_of
from .scenario import Scenario, load_scenario
from .scenario.schema import MAX_REPLICATIONS
from .scenario.size import DEFAULT_MAX_TRAVELLERS, check_size
from .scenario.size import expected_travellers as by_stream
from .scenario.units import HOUR

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
    "not_served",
)
DAILY_COLUMNS = (
    "replication",
    "date",
    "day",
    "weekday",
    "stream",
    "arrivals",
    "wait_mean_min",
    "wait_p95_min",
    "not_served",
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
    "queue_max_m",
    "blocked_booth_hours",
    "storage_full_min",
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
        streams = list(self.scenario.streams)
        for r in self.replications:
            known = {(day, hour, stream): row for day, hour, stream, *row in r.hourly}
            for absolute in self.scenario.counted_hours():
                day, hour = divmod(absolute, 24)
                for stream in streams:
                    arrivals, mean, p95, not_served = known.get(
                        (day, hour, stream), (0, math.nan, math.nan, 0)
                    )
                    rows.append((r.replication, day, hour, stream, arrivals, mean, p95, not_served))
        return rows

    def daily_rows(self) -> list[tuple]:
        """Rows of ``daily.csv``: every counted day of every stream, with its date (empty for
        a run without ``start_date``). The mean is over the day's travellers whose wait ended
        (from the hourly table), the 95th percentile is exact over the day's waits."""
        from .scenario.schema import DAYS

        dates = self.scenario.run_dates()
        first = int(self.scenario.warmup // HOUR) // 24
        last = math.ceil(self.scenario.horizon / HOUR / 24)
        week = self.scenario.week_days()
        streams = list(self.scenario.streams)
        rows = []
        for r in self.replications:
            totals: dict[tuple[int, str], list[float]] = {}
            for day, _hour, stream, arrivals, mean, _p95, not_served in r.hourly:
                t = totals.setdefault((day, stream), [0, 0, 0.0])
                t[0] += arrivals
                t[1] += not_served
                if arrivals > not_served:
                    t[2] += mean * (arrivals - not_served)
            p95s = {(day, stream): p95 for day, stream, p95 in r.daily}
            for day in range(first, last):
                for stream in streams:
                    arrivals, not_served, wait_sum = totals.get((day, stream), (0, 0, 0.0))
                    served = arrivals - not_served
                    rows.append(
                        (
                            r.replication,
                            dates[day].isoformat() if dates else "",
                            day,
                            DAYS[week[day % 7]],
                            stream,
                            arrivals,
                            wait_sum / served if served else math.nan,
                            p95s.get((day, stream), math.nan),
                            not_served,
                        )
                    )
        return rows

    @property
    def not_served(self) -> dict[str, int]:
        """stream -> counted travellers, over all replications, whose wait had not ended when
        their replication stopped (0 for every stream of a port that emptied)."""
        return {
            stream: sum(
                r.unfinished.get(stream, {}).get("not_served", 0) for r in self.replications
            )
            for stream in self.scenario.streams
        }

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
        ``replications``, ``hourly``, ``daily``, ``lanes_hourly`` or ``trace``."""
        import pandas as pd

        columns, rows = self.table(table)
        return pd.DataFrame(rows, columns=list(columns))

    def table(self, name: str) -> tuple[tuple[str, ...], list[tuple]]:
        """(columns, rows) of one of the output tables."""
        tables: dict[str, tuple[Sequence[str], Callable[[], list[tuple]]]] = {
            "summary": (SUMMARY_COLUMNS, self.summary_rows),
            "replications": (REPLICATION_COLUMNS, self.replication_rows),
            "hourly": (HOURLY_COLUMNS, self.hourly_rows),
            "daily": (DAILY_COLUMNS, self.daily_rows),
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
        from importlib.metadata import version

        import numpy
        import simpy

        from . import __version__

        resolved = self.scenario.model_dump(mode="json", exclude_none=True)
        canonical = json.dumps(resolved, sort_keys=True, separators=(",", ":")).encode()
        meta: dict[str, Any] = {
            "borderflow_version": __version__,
            "numpy_version": numpy.__version__,
            "scipy_version": version("scipy"),  # not imported: it takes longer than a run
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
            # per replication and stream: counted arrivals, travellers still inside when the
            # run stopped, and the counted ones among them whose wait had not ended
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


@dataclass
class SequentialRunResult(RunResult):
    """A :class:`RunResult` whose number of replications was chosen by the sequential
    procedure; ``precision`` says how it ended."""

    precision: Sequential | None = None


def resolve(
    scenario: Scenario | str | Path | dict[str, Any],
    overrides: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    max_travellers: int | None = DEFAULT_MAX_TRAVELLERS,
    max_memory_mb: float | None = defaults.MAX_MEMORY_MB,
) -> tuple[Scenario, str | None]:
    """The scenario to run and the file it came from: loaded (with ``overrides`` applied) if it
    is a file or a dict, with ``replications`` and ``seed`` put in when given, and refused if
    one replication expects more than ``max_travellers`` or is estimated to need more than
    ``max_memory_mb`` (None: no limit; see :func:`borderflow.capacity.check_memory`).

    Raises:
        ScenarioError: the scenario or an override is invalid, or the run is too big.
        ArgumentError: the replications or the seed are out of range.
    """
    source = None
    if not isinstance(scenario, Scenario):
        source = None if isinstance(scenario, dict) else str(scenario)
        scenario = load_scenario(scenario, tuple(overrides), max_travellers)
    elif overrides:
        scenario = load_scenario(
            scenario.model_dump(mode="json", exclude_none=True), tuple(overrides), max_travellers
        )
    elif max_travellers is not None:
        check_size(scenario, max_travellers)
    if max_memory_mb is not None:
        check_memory(scenario, max_memory_mb)
    if replications is not None:
        count = whole(replications, "replications", maximum=MAX_REPLICATIONS)
        scenario = scenario.model_copy(update={"replications": count})
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": whole(seed, "seed", minimum=0)})
    return scenario, source


def run(
    scenario: Scenario | str | Path | dict[str, Any],
    *,
    replications: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    trace: bool = False,
    progress: Callable[[float, int], None] | None = None,
    jobs: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    precision: float | None = None,
    stream: str = defaults.STREAM,
    metric: str = defaults.METRIC,
    max_replications: int = defaults.MAX_REPLICATIONS,
    max_travellers: int | None = DEFAULT_MAX_TRAVELLERS,
    max_memory_mb: float | None = defaults.MAX_MEMORY_MB,
) -> RunResult:
    """Run the replications of a scenario.

    Args:
        scenario: a loaded :class:`Scenario`, a scenario file, or its content as a dict.
        replications: number of replications (default: the scenario's ``replications``).
        seed: root seed (default: the scenario's ``seed``).
        overrides: ``key.path=value`` changes, as ``--set`` gives them.
        trace: keep one record per traveller (memory grows with the number of travellers).
        progress: called as ``progress(done, total)`` after each replication, and, for
            replications run in this process, at each simulated midnight with ``done`` counting
            the share of the current replication (so a long replication shows progress).
        jobs: worker processes; 1 runs in this process. Default: every core, unless the run is
            small (see :func:`borderflow.execution.auto_jobs`), as on the command line.
        dask: ``"local"`` or a scheduler address (``tcp://host:8786``) to run on Dask.
        executor: or run on this ``concurrent.futures`` executor (it is not shut down; see
            :func:`borderflow.execution.make_executor`).
        precision: if given (0.05 = 5%), start with ``replications`` and add replications until
            the 95% CI half-width of ``metric`` of ``stream`` is within that fraction of its
            mean, at most ``max_replications`` (Law & Kelton's sequential procedure). The result
            is then a :class:`SequentialRunResult`.
        max_travellers: refuse, before anything runs, a scenario that expects more travellers
            than this in one replication (None: no limit); ``check`` shows the estimate.
        max_memory_mb: likewise for the memory one replication is estimated to need, from the
            fluid backlog of an overloaded port (None: no limit).

    The results are the same, bit for bit, however and wherever the replications ran.

    Returns:
        A :class:`RunResult`. If interrupted (Ctrl-C), the replications finished so far are kept
        and ``interrupted`` is set; the caller decides whether to write them. If a replication
        fails, the exception carries the finished ones as ``partial_result``.

    Raises:
        ScenarioError: the scenario or an override is invalid. PrecisionError: a precision,
        stream or metric that cannot be used. ExecutionError: ``jobs`` or ``dask`` cannot be
        used.
    """
    scenario, source = resolve(
        scenario, overrides, replications, seed, max_travellers, max_memory_mb
    )
    start_n = scenario.replications
    if precision is not None:
        check_target(precision, stream, metric, [scenario], start_n, max_replications)
    result: RunResult = (
        RunResult(scenario, scenario.seed, [], source, tuple(overrides))
        if precision is None
        else SequentialRunResult(scenario, scenario.seed, [], source, tuple(overrides))
    )
    total = start_n if precision is None else max_replications
    work = (total, expected_travellers(scenario) * total)
    started = time.perf_counter()
    try:
        with executor_for(jobs, dask, executor, work=work) as pool:
            for r in iter_replications(
                scenario, range(start_n), pool, trace=trace, within=_within(result, progress, total)
            ):
                result.replications.append(r)
                if progress:
                    progress(len(result.replications), total)
            if isinstance(result, SequentialRunResult):
                _add_to_precision(
                    result, pool, precision, stream, metric, max_replications, trace, progress
                )
    except KeyboardInterrupt:
        result.interrupted = True
    except Exception as exc:
        # keep what was computed: the caller can still write the finished replications
        result.interrupted = True
        _finish(result, started)
        exc.partial_result = result  # type: ignore[attr-defined]
        raise
    _finish(result, started)
    return result


def _within(
    result: RunResult, progress: Callable[[float, int], None] | None, total: int
) -> Callable[[float, float], None] | None:
    """Progress inside a long replication (when it runs in this process): the replications
    done plus the share of the current one's horizon simulated."""
    if progress is None:
        return None

    def within(now: float, horizon: float) -> None:
        part = min(now / horizon, 0.999) if horizon > 0 else 0.0
        progress(len(result.replications) + part, total)

    return within


def _finish(result: RunResult, started: float) -> None:
    # replications run elsewhere come back as they finish; keep them in replication order
    result.replications.sort(key=lambda r: r.replication)
    result._summary = None
    result.wall_time_s = time.perf_counter() - started


def _add_to_precision(
    result: SequentialRunResult,
    pool: Executor,
    precision: float | None,
    stream: str,
    metric: str,
    cap: int,
    trace: bool,
    progress: Callable[[float, int], None] | None,
) -> None:
    """Add replications, a batch per round, until the sequential procedure stops; drop those
    past its stopping point (so the result does not depend on the number of workers)."""
    assert precision is not None
    reps = result.replications
    reps.sort(key=lambda r: r.replication)
    start_n = len(reps)
    outcome: Sequential | None = None
    try:
        while True:
            relative = mean_relative(values_of([r.metrics for r in reps], stream, metric))
            outcome, stop = sequential(precision, stream, metric, start_n, cap, relative, len(reps))
            if stop:
                break
            batch = min(workers_of(pool), cap - len(reps))
            reps += map_replications(
                result.scenario, range(len(reps), len(reps) + batch), pool, 1, trace=trace
            )
            if progress:
                progress(len(reps), cap)
    finally:
        result.precision = outcome
    del reps[outcome.replications :]
    result.scenario = result.scenario.model_copy(update={"replications": outcome.replications})


def expected_travellers(scenario: Scenario) -> float:
    """Travellers expected in one replication of ``scenario`` (all streams)."""
    return math.fsum(by_stream(scenario).values())
