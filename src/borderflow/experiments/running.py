"""``borderflow.run``: the replications of one scenario, anywhere, optionally to a precision."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .. import runner
from ..runner import RunResult
from ..scenario import Scenario, load_scenario
from .execution import executor_for, map_replications, workers_of
from .precision import (
    DEFAULT_MAX_REPLICATIONS,
    Sequential,
    check_target,
    mean_relative,
    sequential,
    values_of,
)


@dataclass
class SequentialRunResult(RunResult):
    """A :class:`RunResult` whose number of replications was chosen by the sequential
    procedure; ``precision`` says how it ended."""

    precision: Sequential | None = None


def run(
    scenario: Scenario | str | Path | dict[str, Any],
    *,
    replications: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    trace: bool = False,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    precision: float | None = None,
    stream: str = "all",
    metric: str = "wait_mean_min",
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
) -> RunResult:
    """Run a scenario's replications: serially (default), in ``jobs`` processes, on Dask.

    Args:
        scenario, replications, seed, overrides, trace, progress: as
            :func:`borderflow.runner.run`.
        jobs: local worker processes (1 or None: in this process).
        dask: ``"local"`` or a scheduler address (``tcp://host:8786``) to run on Dask.
        executor: an executor to use instead (it is not shut down).
        precision: if given (0.05 = 5%), start with ``replications`` and add replications until
            the 95% CI half-width of ``metric`` of ``stream`` is within that fraction of its
            mean, at most ``max_replications`` (Law & Kelton's sequential procedure). The result
            is then a :class:`SequentialRunResult`.

    The results are the same, bit for bit, however the replications were run.
    """
    if precision is None and dask is None:
        return runner.run(
            scenario,
            replications=replications,
            seed=seed,
            overrides=overrides,
            trace=trace,
            progress=progress,
            jobs=jobs,
            executor=executor,
        )
    with executor_for(jobs, dask, executor) as pool:
        if precision is None:
            return runner.run(
                scenario,
                replications=replications,
                seed=seed,
                overrides=overrides,
                trace=trace,
                progress=progress,
                executor=pool,
            )
        return _run_to_precision(
            scenario,
            replications,
            seed,
            overrides,
            trace,
            progress,
            pool,
            precision,
            stream,
            metric,
            max_replications,
        )


def _run_to_precision(
    scenario: Scenario | str | Path | dict[str, Any],
    replications: int | None,
    seed: int | None,
    overrides: Sequence[str],
    trace: bool,
    progress: Callable[[int, int], None] | None,
    pool: Executor,
    precision: float,
    stream: str,
    metric: str,
    cap: int,
) -> SequentialRunResult:
    source = None
    if not isinstance(scenario, Scenario):
        source = None if isinstance(scenario, dict) else str(scenario)
        scenario = load_scenario(scenario, tuple(overrides))
    elif overrides:
        scenario = load_scenario(
            scenario.model_dump(mode="json", exclude_none=True), tuple(overrides)
        )
    start_n = scenario.replications if replications is None else replications
    check_target(precision, stream, metric, [scenario], start_n, cap)
    started = time.perf_counter()
    result = runner.run(
        scenario,
        replications=start_n,
        seed=seed,
        trace=trace,
        progress=(lambda done, _total: progress(done, cap)) if progress else None,
        executor=pool,
    )
    result.source, result.overrides = source, tuple(overrides)
    out = SequentialRunResult(
        **{f.name: getattr(result, f.name) for f in fields(RunResult) if f.init},
    )
    out._summary = None
    if result.interrupted:
        return out
    reps = out.replications
    outcome: Sequential | None = None
    try:
        while True:
            relative = mean_relative(values_of([r.metrics for r in reps], stream, metric))
            outcome, stop = sequential(precision, stream, metric, start_n, cap, relative, len(reps))
            if stop:
                break
            batch = min(workers_of(pool), cap - len(reps))
            reps += map_replications(
                out.scenario, range(len(reps), len(reps) + batch), pool, 1, trace=trace
            )
            if progress:
                progress(len(reps), cap)
    except KeyboardInterrupt:
        out.interrupted = True
        out.precision = outcome
        out.wall_time_s = time.perf_counter() - started
        return out
    assert outcome is not None
    del reps[outcome.replications :]
    out.precision = outcome
    out.scenario = out.scenario.model_copy(update={"replications": outcome.replications})
    out.wall_time_s = time.perf_counter() - started
    return out
