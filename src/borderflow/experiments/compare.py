"""Paired comparison of scenarios with common random numbers.

Every scenario runs with the same root seed, so replication r of each sees the same travellers
arriving at the same times with the same needs (the random streams are found by name, see
``model/rng.py``). The effect of a change is then estimated from the differences replication by
replication, alternative minus base, with a Student-t interval over replications (Law & Kelton,
ch. 10, paired-t). Because both runs share their randomness, the differences vary much less than
either run, and the interval is much narrower than one from independent runs.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .. import defaults
from ..analysis import Estimate, estimate, metric_names
from ..errors import whole
from ..execution import Chunk, chunk_size, executor_for, run_chunks, split, workers_of
from ..model import ReplicationResult
from ..output import COMPARISON_CSV, COMPARISON_JSON, OutputError, write_csv
from ..precision import (
    Sequential,
    check_target,
    relative_half_width,
    sequential,
)
from ..runner import RunResult, expected_travellers, resolve
from ..scenario import Scenario
from ..scenario.size import DEFAULT_MAX_TRAVELLERS

CONTRACT_COLUMNS = (
    "stream",
    "metric",
    "scenario",
    "base_mean",
    "alt_mean",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "pct_change",
    "significant",
)
"""The columns of ``comparison.csv`` that readers (plots, reports, users) may rely on."""

COMPARISON_COLUMNS = (*CONTRACT_COLUMNS, "replications")
"""What ``comparison.csv`` holds: the contract, and how many replications were paired."""

ScenarioSource = Scenario | str | Path | dict[str, Any]


@dataclass(frozen=True)
class Difference:
    """One metric of one stream: alternative against base, from paired replications."""

    stream: str
    metric: str
    scenario: str
    """The alternative's label."""
    base_mean: float
    alt_mean: float
    diff: Estimate
    """Mean of (alternative - base) over the paired replications, with its 95% t interval."""

    @property
    def pct_change(self) -> float:
        """The mean difference as a percentage of the base mean (NaN when that is 0)."""
        if math.isnan(self.base_mean) or self.base_mean == 0:
            return math.nan
        return 100 * self.diff.mean / self.base_mean

    @property
    def significant(self) -> bool | None:
        """True when the 95% interval of the difference excludes 0 (None: undefined)."""
        if math.isnan(self.diff.ci_low):
            return None
        return self.diff.ci_low > 0 or self.diff.ci_high < 0

    def row(self) -> tuple:
        """A row of ``comparison.csv``."""
        return (
            self.stream,
            self.metric,
            self.scenario,
            self.base_mean,
            self.alt_mean,
            self.diff.mean,
            self.diff.ci_low,
            self.diff.ci_high,
            self.pct_change,
            "" if self.significant is None else self.significant,
            self.diff.replications,
        )


def paired(
    base: Sequence[ReplicationResult],
    alternative: Sequence[ReplicationResult],
    stream: str,
    metric: str,
    label: str = "",
) -> Difference:
    """Paired difference of one metric over the replications both runs have (by number) and in
    which the metric is defined in both."""
    a = {r.replication: r.metrics.get(stream, {}).get(metric, math.nan) for r in base}
    b = {r.replication: r.metrics.get(stream, {}).get(metric, math.nan) for r in alternative}
    pairs = [
        (a[n], b[n])
        for n in sorted(a.keys() & b.keys())
        if not (math.isnan(a[n]) or math.isnan(b[n]))
    ]
    if not pairs:
        return Difference(stream, metric, label, math.nan, math.nan, estimate([]))
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    return Difference(
        stream, metric, label, float(x.mean()), float(y.mean()), estimate((y - x).tolist())
    )


@dataclass
class Comparison:
    """A base scenario and alternatives, run with common random numbers.

    Attributes:
        base: the base scenario's replications.
        alternatives: each alternative's replications (the same replication numbers).
        labels: a short name per scenario, base first (file name without ``.yaml``).
        seed: the root seed all of them used.
        precision: how the sequential procedure ended, when a precision was asked for.
        interrupted: True when stopped by Ctrl-C; only replications finished by every scenario
            are kept.
    """

    base: RunResult
    alternatives: list[RunResult]
    labels: list[str]
    seed: int
    wall_time_s: float = 0.0
    interrupted: bool = False
    precision: Sequential | None = None
    _differences: list[Difference] | None = field(default=None, repr=False)

    @property
    def replications(self) -> int:
        """Replications per scenario."""
        return len(self.base.replications)

    @property
    def differences(self) -> list[Difference]:
        """Every stream and metric (base order), for each alternative in turn."""
        if self._differences is None:
            out = []
            runs = [self.base, *self.alternatives]
            names = metric_names([r.metrics for run in runs for r in run.replications])
            for stream, metrics in names.items():
                for metric in metrics:
                    for label, alt in zip(self.labels[1:], self.alternatives, strict=True):
                        out.append(
                            paired(self.base.replications, alt.replications, stream, metric, label)
                        )
            self._differences = out
        return self._differences

    def difference(self, stream: str, metric: str, scenario: str | int = 0) -> Difference:
        """One paired difference; ``scenario`` is an alternative's label or its index."""
        label = self.labels[1 + scenario] if isinstance(scenario, int) else scenario
        for d in self.differences:
            if (d.stream, d.metric, d.scenario) == (stream, metric, label):
                return d
        raise KeyError(f"no {stream!r} {metric!r} for scenario {label!r}")

    def table(self) -> tuple[tuple[str, ...], list[tuple]]:
        """(columns, rows) of ``comparison.csv``."""
        return COMPARISON_COLUMNS, [d.row() for d in self.differences]

    def to_frame(self):
        """``comparison.csv`` as a pandas DataFrame (pandas must be installed)."""
        import pandas as pd

        columns, rows = self.table()
        frame = pd.DataFrame(rows, columns=list(columns))
        frame["significant"] = [d.significant for d in self.differences]
        return frame

    def metadata(self) -> dict[str, Any]:
        """What ``comparison.json`` records: versions, seed, replications, each scenario."""
        from .. import __version__

        scenarios = []
        for label, run in zip(self.labels, [self.base, *self.alternatives], strict=True):
            meta = run.metadata()
            scenarios.append(
                {
                    "label": label,
                    "name": run.scenario.name,
                    "file": run.source,
                    "file_sha256": meta["scenario_file_sha256"],
                    "scenario_sha256": meta["scenario_sha256"],
                    "conservation": meta["conservation"],
                }
            )
        return {
            "borderflow_version": __version__,
            "seed": self.seed,
            "replications": self.replications,
            "interrupted": self.interrupted,
            "precision": None if self.precision is None else _precision_json(self.precision),
            "wall_time_s": round(self.wall_time_s, 3),
            "scenarios": scenarios,
        }


def _precision_json(p: Sequential) -> dict[str, Any]:
    return {
        "precision": p.precision,
        "stream": p.stream,
        "metric": p.metric,
        "initial": p.initial,
        "cap": p.cap,
        "replications": p.replications,
        "reached": p.reached,
        "relative_half_width": p.relative_half_width,
    }


def label_of(source: ScenarioSource, scenario: Scenario) -> str:
    """A short name: the file name without ``.yaml``, or the scenario's name."""
    if isinstance(source, str | Path):
        name = Path(source).name
        for suffix in (".yaml", ".yml"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name
    return scenario.name


def _unique(labels: list[str]) -> list[str]:
    """Labels of the alternatives made distinct (``name``, ``name#2``, ...); the base keeps its
    own (comparing a file with itself is allowed)."""
    out = [labels[0]]
    for label in labels[1:]:
        candidate, k = label, 1
        while candidate in out[1:]:
            k += 1
            candidate = f"{label}#{k}"
        out.append(candidate)
    return out


def compare(
    base: ScenarioSource,
    *alternatives: ScenarioSource,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    precision: float | None = None,
    stream: str = defaults.STREAM,
    metric: str = defaults.METRIC,
    max_replications: int = defaults.MAX_REPLICATIONS,
    max_travellers: int | None = DEFAULT_MAX_TRAVELLERS,
    max_memory_mb: float | None = defaults.MAX_MEMORY_MB,
) -> Comparison:
    """Run a base scenario and alternatives with common random numbers; compare them in pairs.

    Args:
        base: the base scenario (file, dict or loaded :class:`Scenario`).
        alternatives: one or more scenarios to compare with it.
        replications: per scenario (default: the base's ``replications``).
        seed: root seed for all (default: the base's ``seed``; the alternatives' own seeds are
            not used, so that every scenario sees the same travellers).
        jobs, dask, executor: where to run, as for :func:`borderflow.run`.
        progress: ``progress(done, total)`` in replications over all scenarios.
        precision: if given, add replications (to every scenario alike) until the 95%
            half-width of the mean of ``metric`` of ``stream`` is within this fraction of the
            mean in every scenario, at most ``max_replications``. The paired differences are
            then usually known more precisely still.

    Raises:
        ScenarioError: a scenario is invalid. ValueError: no alternative, a bad number.
    """
    if not alternatives:
        raise ValueError("compare needs a base scenario and at least one alternative")
    sources = [base, *alternatives]
    loaded = [
        resolve(s, max_travellers=max_travellers, max_memory_mb=max_memory_mb)[0] for s in sources
    ]
    n = loaded[0].replications if replications is None else whole(replications, "replications")
    seed = loaded[0].seed if seed is None else whole(seed, "seed", minimum=0)
    if precision is not None:
        check_target(precision, stream, metric, loaded, n, max_replications)
    scenarios = [s.model_copy(update={"seed": seed, "replications": n}) for s in loaded]
    labels = _unique([label_of(src, s) for src, s in zip(sources, scenarios, strict=True)])
    results: dict[int, list[ReplicationResult]] = {i: [] for i in range(len(scenarios))}
    total = len(scenarios) * (n if precision is None else max_replications)
    outcome: Sequential | None = None
    interrupted = False
    start = time.perf_counter()
    try:
        travellers = sum(expected_travellers(s) for s in scenarios) * (total // len(scenarios))
        with executor_for(jobs, dask, executor, work=(total, travellers)) as pool:
            size = chunk_size(n * len(scenarios), workers_of(pool))
            _run(scenarios, range(n), size, pool, results, progress, total)
            while precision is not None:
                relative = _widest_relative(results, stream, metric)
                outcome, stop = sequential(
                    precision,
                    stream,
                    metric,
                    n,
                    max_replications,
                    relative,
                    len(results[0]),
                )
                if stop:
                    break
                done = len(results[0])
                batch = min(max(1, workers_of(pool) // len(scenarios)), max_replications - done)
                _run(scenarios, range(done, done + batch), batch, pool, results, progress, total)
    except KeyboardInterrupt:
        interrupted = True
    common = set.intersection(*({r.replication for r in rs} for rs in results.values()))
    if outcome is not None and not interrupted:
        common = {c for c in common if c < outcome.replications}
    wall = time.perf_counter() - start
    runs = []
    for i, (src, scenario) in enumerate(zip(sources, scenarios, strict=True)):
        kept = sorted((r for r in results[i] if r.replication in common), key=_number)
        scenario = scenario.model_copy(update={"replications": max(1, len(kept))})
        file = None if isinstance(src, Scenario | dict) else str(src)
        runs.append(RunResult(scenario, seed, kept, file, (), wall, interrupted))
    return Comparison(runs[0], runs[1:], labels, seed, wall, interrupted, outcome)


def _number(r: ReplicationResult) -> int:
    return r.replication


def _run(
    scenarios: list[Scenario],
    numbers: Iterable[int],
    size: int,
    pool: Executor,
    results: dict[int, list[ReplicationResult]],
    progress: Callable[[int, int], None] | None,
    total: int,
) -> None:
    pieces = split(list(numbers), size)
    # interleave the scenarios, so that an interrupted run has pairs to keep
    chunks = [Chunk(i, s, s.seed, piece) for piece in pieces for i, s in enumerate(scenarios)]
    for key, chunk_results in run_chunks(chunks, pool):
        results[key].extend(chunk_results)
        if progress:
            progress(sum(len(r) for r in results.values()), total)
    for rs in results.values():
        rs.sort(key=_number)


def _widest_relative(
    results: dict[int, list[ReplicationResult]], stream: str, metric: str
) -> Callable[[int], float]:
    """relative(n): the largest, over the scenarios, of the half-width over the mean of the
    first n replications."""

    def relative(n: int) -> float:
        worst = 0.0
        for reps in results.values():
            values = [r.metrics.get(stream, {}).get(metric, math.nan) for r in reps[:n]]
            value = relative_half_width(estimate(values))
            if math.isnan(value):
                return math.nan
            worst = max(worst, value)
        return worst

    return relative


def write_comparison(comparison: Comparison, directory: str | Path) -> list[Path]:
    """Write ``comparison.csv`` and ``comparison.json`` into ``directory``, and each scenario's
    run tables (as ``borderflow run -o`` writes them) into ``base/`` and
    ``alternatives/<label>/``; return the paths of the comparison files.

    Raises:
        OutputError: when the folder or a file cannot be written.
    """
    from ..output import write_run

    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        columns, rows = comparison.table()
        write_csv(directory / COMPARISON_CSV, columns, rows)
        meta = directory / COMPARISON_JSON
        meta.write_text(json.dumps(comparison.metadata(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    write_run(comparison.base, directory / "base")
    for label, alt in zip(comparison.labels[1:], comparison.alternatives, strict=True):
        write_run(alt, directory / "alternatives" / _folder(label))
    return [directory / COMPARISON_CSV, meta]


def _folder(label: str) -> str:
    """A label as a folder name."""
    return "".join(c if c.isalnum() or c in "-_.#" else "_" for c in label).strip(".") or "_"


def _num(value: float, digits: int = 1, sign: bool = False) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:+,.{digits}f}" if sign else f"{value:,.{digits}f}"


def print_comparison(
    comparison: Comparison,
    out: TextIO,
    metrics: Sequence[str] = defaults.PRINTED_METRICS,
) -> None:
    """The table a planner reads after ``borderflow compare``: the chosen metrics of each
    stream, each alternative against the base."""
    n = comparison.replications
    count = len(comparison.alternatives) + 1
    out.write(
        f"{count} scenarios, {n} paired replication{'s' if n != 1 else ''} each "
        f"(common random numbers), seed {comparison.seed}, {comparison.wall_time_s:.1f} s"
        + ("  (INTERRUPTED: partial results)" if comparison.interrupted else "")
        + "\n"
    )
    out.write(f"base: {comparison.labels[0]} ({comparison.base.scenario.name})\n")
    for label, alt in zip(comparison.labels[1:], comparison.alternatives, strict=True):
        out.write(f"alt:  {label} ({alt.scenario.name})\n")
    width = max(8, *(len(x) for x in comparison.labels[1:]))
    header = (
        f"\n{'stream':<14}{'metric':<15}{'scenario':<{width + 2}}{'base':>8}{'alt':>8}"
        f"  {'difference [95% CI]':<26}{'change':>8}  significant"
    )
    out.write(header + "\n" + "-" * (len(header) - 1) + "\n")
    for d in comparison.differences:
        if d.metric not in metrics:
            continue
        ci = (
            f"[{_num(d.diff.ci_low, sign=True)}, {_num(d.diff.ci_high, sign=True)}]"
            if d.diff.replications > 1
            else ""
        )
        change = "-" if math.isnan(d.pct_change) else f"{d.pct_change:+.1f}%"
        significant = {True: "yes", False: "no", None: "-"}[d.significant]
        out.write(
            f"{d.stream:<14}{d.metric:<15}{d.scenario:<{width + 2}}{_num(d.base_mean):>8}"
            f"{_num(d.alt_mean):>8}  {_num(d.diff.mean, sign=True) + ' ' + ci:<26}"
            f"{change:>8}  {significant}\n"
        )
    out.write(
        "\nDifferences are alternative minus base, replication by replication; the 95% CI is a\n"
        "paired-t interval over replications. 'significant': the interval excludes 0.\n"
    )
