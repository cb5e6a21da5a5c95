"""Writing a run's tables (CSV, JSON) and printing them for a person to read."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from .design_hour import DESIGN_HOUR_COLUMNS, DESIGN_RANK, mean_by_stream, wait_hours
from .errors import InputError
from .runner import RunResult

FILES = {
    "summary": "summary.csv",
    "replications": "replications.csv",
    "hourly": "hourly.csv",
    "lanes_hourly": "lanes_hourly.csv",
}
"""A run's tables and their files (``borderflow run -o``)."""
DATED_FILES = {"daily": "daily.csv", "design_hour": "design_hour.csv"}
"""Tables written for a dated run (one with ``start_date``): results by date, and the design
hour and shares of hours over 30 and 60 minutes."""
TRACE_FILE = "trace.csv"
RUN_JSON = "run.json"
COMPARISON_CSV, COMPARISON_JSON = "comparison.csv", "comparison.json"
POINTS_CSV, RESULTS_CSV, SWEEP_JSON = "points.csv", "results.csv", "sweep.json"
STAFFING_CSV, STAFFING_JSON, STAFFED_YAML = "staffing.csv", "staffing.json", "staffed.yaml"
SCHEDULES_CSV, TARGETS_CSV, TARGETS_COMPARED_CSV = (
    "schedules.csv",
    "targets.csv",
    "targets_compared.csv",
)
SHIFTS_CSV, STAFFING_SUMMARY_CSV, ITERATIONS_CSV = (
    "shifts.csv",
    "staffing_summary.csv",
    "iterations.csv",
)
"""The one home of every output file name; readers (figures, reports) use these too."""


def csv_cell(value: object) -> object:
    """CSV cell: NaN as an empty cell, floats in their shortest exact form (byte-stable)."""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return value


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write ``rows`` under a header; the file appears complete or not at all."""
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([csv_cell(v) for v in row] for row in rows)
    partial.replace(path)


def append_csv(path: Path, row: Sequence[object]) -> None:
    """Add one row to a CSV file that :func:`write_csv` started (a log kept as work goes)."""
    with open(path, "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerow([csv_cell(v) for v in row])


class OutputError(InputError):
    """An output folder or file that cannot be written (message says which and why)."""


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` (a Markdown page, a JSON Schema, a report, an animation),
    making its folder if needed.

    Raises:
        OutputError: when the folder or the file cannot be written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_run(result: RunResult, directory: str | Path, trace: bool = False) -> list[Path]:
    """Write ``summary.csv``, ``replications.csv``, ``hourly.csv``, ``lanes_hourly.csv``,
    ``run.json`` (and ``trace.csv`` when traced; ``daily.csv`` and ``design_hour.csv`` for a
    run with ``start_date``) into ``directory``; return the paths.

    Raises:
        OutputError: when the folder cannot be created or a file cannot be written.
    """
    try:
        return _write_run(result, Path(directory), trace)
    except OSError as exc:
        where = exc.filename or directory
        raise OutputError(f"cannot write {where}: {exc.strerror or exc}") from None


def _write_run(result: RunResult, directory: Path, trace: bool) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table, name in FILES.items():
        columns, rows = result.table(table)
        write_csv(directory / name, columns, rows)
        written.append(directory / name)
    if result.scenario.start_date is not None:
        columns, rows = result.table("daily")
        write_csv(directory / DATED_FILES["daily"], columns, rows)
        written.append(directory / DATED_FILES["daily"])
        hours = wait_hours(result)
        write_csv(
            directory / DATED_FILES["design_hour"], DESIGN_HOUR_COLUMNS, [w.row() for w in hours]
        )
        written.append(directory / DATED_FILES["design_hour"])
    if trace:
        columns, rows = result.table("trace")
        write_csv(directory / TRACE_FILE, columns, rows)
        written.append(directory / TRACE_FILE)
    meta = directory / RUN_JSON
    meta.write_text(json.dumps(result.metadata(), indent=2) + "\n", encoding="utf-8")
    written.append(meta)
    return written


def _num(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def _aligned(rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)) -> list[str]:
    """Rows of cells as lines of a table: each column as wide as its widest cell, two spaces
    apart; the columns in ``left`` aligned left, the others (numbers) right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(w) if i in left else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def print_table(out: TextIO, rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)) -> None:
    """Write ``rows`` (the first the header) to ``out`` as an aligned table, the header ruled
    off (see :func:`_aligned`)."""
    lines = _aligned(rows, left)
    out.write(lines[0] + "\n" + "-" * len(lines[0]) + "\n")
    out.writelines(line + "\n" for line in lines[1:])


def print_run(result: RunResult, out: TextIO) -> None:
    """The table a planner reads after ``borderflow run``."""
    s = result.scenario
    n = len(result.replications)
    out.write(f"{s.name}\n")
    out.write(
        f"{n} replication{'s' if n != 1 else ''}, seed {result.seed}, "
        f"{result.wall_time_s:.1f} s"
        + ("  (INTERRUPTED: partial results)" if result.interrupted else "")
        + "\n\n"
    )
    rows: list[tuple[str, ...]] = [
        ("stream", "entities", "wait mean [95% CI] min", "p50", "p95", "max", "in port")
    ]
    for stream, metrics in result.summary.items():
        wait = metrics["wait_mean_min"]
        ci = f" [{_num(wait.ci_low)}, {_num(wait.ci_high)}]" if wait.replications > 1 else ""
        rows.append(
            (
                stream,
                _num(metrics["entities"].mean, 0),
                _num(wait.mean) + ci,
                *(_num(metrics[m].mean) for m in ("wait_p50_min", "wait_p95_min")),
                _num(metrics["wait_max_min"].mean),
                _num(metrics["time_in_port_mean_min"].mean),
            )
        )
    print_table(out, rows, left=(0, 2))
    everyone = result.summary.get("all", {})
    out.write("\nstage         utilization [95% CI]   mean wait min\n")
    for stage in s.stages:
        util = everyone.get(f"{stage}.utilization")
        stage_wait = everyone.get(f"{stage}.wait_mean_min")
        if util is None or stage_wait is None:
            continue
        ci = f"[{_num(util.ci_low, 3)}, {_num(util.ci_high, 3)}]" if util.replications > 1 else ""
        out.write(f"{stage:<14}{_num(util.mean, 3):>6} {ci:<17}{_num(stage_wait.mean):>12}\n")
    ends = {spec.wait_until for spec in s.streams.values() if spec.wait_until}
    where = "primary inspection" + (f" ({', '.join(sorted(ends))} where set)" if ends else "")
    out.write(
        f"\nWaits are from arrival at the port to the start of {where}; "
        "p50/p95/max are means over replications.\n"
    )
    if s.start_date is not None:
        _print_design_hour(result, out)
    for line in _unfinished_warnings(result):
        out.write(line + "\n")


def _print_design_hour(result: RunResult, out: TextIO) -> None:
    """The design hour and the shares of hours over 30 and 60 minutes, for a dated run."""
    dates = result.scenario.run_dates() or []
    first = dates[int(result.scenario.warmup // 86400)] if dates else None
    out.write(
        f"\nFrom {first} to {dates[-1]}: design hour = the {DESIGN_RANK}th-highest hourly mean "
        "wait (min); share of hours with a mean wait over 30 and 60 min (means over "
        "replications)\n"
    )
    rows: list[tuple[str, ...]] = [("stream", "design hour", "over 30 min", "over 60 min")]
    for stream, (design, over30, over60) in mean_by_stream(wait_hours(result)).items():
        rows.append(
            (
                stream,
                _num(design),
                "-" if math.isnan(over30) else f"{over30:.1%}",
                "-" if math.isnan(over60) else f"{over60:.1%}",
            )
        )
    print_table(out, rows)


def _unfinished_warnings(result: RunResult) -> list[str]:
    """One line per stream with travellers still inside when the run stopped (drain limit):
    those not served (their wait had not ended), or else those in the port after their wait."""
    from .model.port import DAY, DRAIN_LIMIT

    n = len(result.replications)
    where = f" in {n} replications" if n > 1 else ""
    limit = f"{DRAIN_LIMIT / DAY:g} days after the horizon"
    lines = []
    for stream in result.scenario.streams:
        counts = [r.unfinished.get(stream, {}) for r in result.replications]
        inside = sum(c.get("inside", 0) for c in counts)
        missing = sum(c.get("not_served", 0) for c in counts)
        arrivals = sum(c.get("arrivals", 0) for c in counts)
        if missing:
            bound = result.summary[stream]["wait_mean_min_lower_bound"].mean
            lines.append(
                f"warning: {stream}: {missing:,} of {arrivals:,} travellers "
                f"({missing / arrivals:.1%}){where} not served: still waiting when the run "
                f"stopped, {limit}; mean wait counting them at least {_num(bound)} min"
            )
        elif inside:
            lines.append(
                f"warning: {stream}: {inside:,} travellers{where} were still inside {limit}, "
                "after their wait ended; their time in port is not in the table"
            )
    return lines
