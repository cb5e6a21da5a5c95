"""Comparison and sweep directories in the contract format, built with the Python API.

The ``compare`` and ``sweep`` commands write ``comparison.csv`` (and a run folder per scenario)
and ``points.csv`` + ``results.csv``. These helpers write the same files from
``borderflow.runner.run`` calls, so the figures can be tested on real simulation output.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Sequence
from pathlib import Path

from borderflow.analysis import estimate
from borderflow.experiments.compare import CONTRACT_COLUMNS
from borderflow.output import write_run
from borderflow.runner import RunResult, run

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "example.yaml"
SERVICE = "stages.primary.service.car_general.mean"
DEMAND = "streams.car_general.arrivals.per_day"
SENTRI = "streams.car_sentri.arrivals.per_day"

RESULT_COLUMNS = ("point", "stream", "metric", "mean", "ci_low", "ci_high", "replications")


def _cell(value: object) -> object:
    return "" if isinstance(value, float) and math.isnan(value) else value


def _write(path: Path, columns: Sequence[str], rows: list[Sequence[object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in row] for row in rows)


def comparison_rows(base: RunResult, name: str, alt: RunResult) -> list[tuple]:
    """Rows of comparison.csv for one alternative: paired differences over replications."""
    rows = []
    for stream, metrics in base.summary.items():
        for metric, b in metrics.items():
            if metric not in alt.summary.get(stream, {}):
                continue
            diffs = [
                ra.metrics[stream][metric] - rb.metrics[stream][metric]
                for rb, ra in zip(base.replications, alt.replications, strict=True)
                if metric in ra.metrics.get(stream, {}) and metric in rb.metrics.get(stream, {})
            ]
            d = estimate(diffs)
            a = alt.summary[stream][metric]
            pct = d.mean / b.mean * 100 if b.mean else math.nan
            significant = not math.isnan(d.ci_low) and (d.ci_low > 0 or d.ci_high < 0)
            rows.append(
                (
                    stream,
                    metric,
                    name,
                    b.mean,
                    a.mean,
                    d.mean,
                    d.ci_low,
                    d.ci_high,
                    pct,
                    significant,
                )
            )
    return rows


def write_comparison(
    directory: Path,
    scenario: str | Path,
    alternatives: dict[str, Sequence[str]],
    replications: int = 2,
) -> Path:
    """A comparison directory: ``base/`` and one folder per alternative (``--set`` changes
    applied to ``scenario``), and ``comparison.csv``."""
    base = run(scenario, replications=replications)
    write_run(base, directory / "base")
    rows = []
    for name, overrides in alternatives.items():
        alt = run(scenario, replications=replications, overrides=overrides)
        write_run(alt, directory / name)
        rows += comparison_rows(base, name, alt)
    _write(directory / "comparison.csv", CONTRACT_COLUMNS, rows)
    return directory


def write_sweep(
    directory: Path,
    scenario: str | Path,
    parameters: dict[str, Sequence[str]],
    replications: int = 2,
) -> Path:
    """A sweep directory over every combination of ``parameters`` (key path -> values):
    ``points.csv`` and ``results.csv``."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = list(parameters)
    points, results = [], []
    for i, combo in enumerate(itertools.product(*parameters.values())):
        point = f"p{i:03d}"
        overrides = [f"{k}={v}" for k, v in zip(keys, combo, strict=True)]
        result = run(scenario, replications=replications, overrides=overrides)
        points.append((point, *combo))
        for stream, metrics in result.summary.items():
            for metric, e in metrics.items():
                results.append((point, stream, metric, e.mean, e.ci_low, e.ci_high, e.replications))
    _write(directory / "points.csv", ("point", *keys), points)
    _write(directory / "results.csv", RESULT_COLUMNS, results)
    return directory
