"""The data behind the figures and reports: a run, a comparison or a sweep, read from the
directory its command wrote or taken from the result in memory.

Figures and reports work on the tables that the commands write (CSV and ``run.json``): read from
a directory, a result can be plotted long after it was computed, on another machine. A result
still in memory (:class:`~borderflow.runner.RunResult`,
:class:`~borderflow.experiments.compare.Comparison`,
:class:`~borderflow.experiments.sweep.SweepResult`) is turned into the same tables, cell for
cell, without writing them: :func:`load_run`, :func:`load_comparison`, :func:`load_sweep` and
:func:`load` are the one place where figures get their data, whatever it came from.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np

from ..analysis import Estimate, estimate
from ..errors import InputError
from ..experiments.compare import CONTRACT_COLUMNS, Comparison
from ..experiments.sweep import SweepResult
from ..output import (
    COMPARISON_CSV,
    COMPARISON_JSON,
    FILES,
    POINTS_CSV,
    RESULTS_CSV,
    RUN_JSON,
    SCHEDULES_CSV,
    SHIFTS_CSV,
    STAFFING_JSON,
    STAFFING_SUMMARY_CSV,
    SWEEP_JSON,
    TARGETS_COMPARED_CSV,
    TRACE_FILE,
)
from ..runner import RunResult
from ..scenario.units import hours_of
from ..staffing.search import StaffingResult

RUN_FILES = (RUN_JSON, FILES["summary"], FILES["hourly"], FILES["lanes_hourly"])
COMPARISON_FILE = COMPARISON_CSV
SWEEP_FILES = (POINTS_CSV, RESULTS_CSV)


class PlotInputError(InputError):
    """A directory or file that holds no result to plot (the message says what is missing).

    The one definition of the plots' input error: ``borderflow.plots`` and the report re-export
    it from here.
    """


# --- tables ---------------------------------------------------------------------------------


def read_json(path: str | Path) -> Any:
    """The JSON document of a result's metadata file (``run.json``, ``sweep.json`` ...)."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlotInputError(f"cannot read {path}: {exc}") from None


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts of strings."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise PlotInputError(f"cannot read {path}: {exc.strerror or exc}") from None


def number(text: str | None) -> float:
    """A CSV cell as a float; empty (undefined) cells are NaN."""
    if text is None or text == "":
        return math.nan
    return float(text)


def cell_text(value: object) -> str:
    """A table cell as the output files hold it, once read back: NaN and None as empty cells,
    floats in their shortest exact form (as :func:`borderflow.output.write_csv` writes them)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(float(value))
    return str(value)


def table_rows(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> list[dict[str, str]]:
    """The rows of a table in memory as :func:`read_rows` reads them from its CSV file."""
    return [dict(zip(columns, map(cell_text, row), strict=True)) for row in rows]


def _as_json(value: Any) -> Any:
    """``value`` as it reads back from a JSON file (tuples as lists, keys as strings)."""
    return json.loads(json.dumps(value))


def _json_documents(directory: Path) -> dict[str, Any]:
    """The JSON files directly in ``directory``, by file name (unreadable ones left out)."""
    documents = {}
    for path in sorted(directory.glob("*.json")):
        try:
            documents[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return documents


def _require(rows: list[dict[str, str]], columns: Iterable[str], path: Path) -> None:
    missing = [c for c in columns if rows and c not in rows[0]]
    if missing:
        raise PlotInputError(f"{path}: missing column(s) {', '.join(missing)}")


# --- runs -----------------------------------------------------------------------------------


@dataclass
class HourlySeries:
    """A quantity by hour, over replications: the hours and one :class:`Estimate` per hour."""

    hours: np.ndarray
    """Hours from 00:00 of day 0 (``day * 24 + hour``)."""
    estimates: list[Estimate]

    @property
    def mean(self) -> np.ndarray:
        return np.array([e.mean for e in self.estimates])

    @property
    def ci_low(self) -> np.ndarray:
        return np.array([e.ci_low for e in self.estimates])

    @property
    def ci_high(self) -> np.ndarray:
        return np.array([e.ci_high for e in self.estimates])


def hourly_estimates(
    rows: Iterable[dict[str, str]], key: str, value: str
) -> dict[str, HourlySeries]:
    """For each value of column ``key``, the column ``value`` by hour, estimated over the
    replications (mean and 95% CI, as in ``summary.csv``; undefined cells left out)."""
    values: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        hour = int(row["day"]) * 24 + int(row["hour"])
        values[row[key]][hour].append(number(row[value]))
    out = {}
    for name, by_hour in values.items():
        hours = sorted(by_hour)
        out[name] = HourlySeries(np.array(hours), [estimate(by_hour[h]) for h in hours])
    return out


TraceRows: TypeAlias = Callable[[], Iterator[dict[str, str]]]
"""Gives the rows of ``trace.csv`` (as :func:`read_rows` would), one at a time."""


@dataclass
class RunData:
    """The tables of one run: the files of ``borderflow run -o DIR``, or those a
    :class:`~borderflow.runner.RunResult` in memory would write (:meth:`from_result`)."""

    directory: Path | None
    """Where the files were read from (None for a result in memory)."""
    meta: dict[str, Any]
    """The content of ``run.json``."""
    summary_rows: list[dict[str, str]]
    hourly_rows: list[dict[str, str]]
    lane_rows: list[dict[str, str]]
    label: str = ""
    """Short name used in legends (the folder name, for runs inside a comparison)."""
    trace: TraceRows | None = field(default=None, repr=False, compare=False)
    """The rows of ``trace.csv`` of a result in memory that kept one; None otherwise (a
    directory's ``trace.csv`` is read from the directory)."""

    @classmethod
    def from_result(cls, result: RunResult, label: str = "") -> RunData:
        """The tables of a run in memory, as :func:`borderflow.output.write_run` would write
        them (with ``trace.csv`` when the replications were traced)."""
        traced = bool(result.replications) and all(r.trace is not None for r in result.replications)

        def trace() -> Iterator[dict[str, str]]:
            columns, rows = result.table("trace")
            for row in rows:
                yield dict(zip(columns, map(cell_text, row), strict=True))

        meta = _as_json(result.metadata())
        return cls(
            None,
            meta,
            table_rows(*result.table("summary")),
            table_rows(*result.table("hourly")),
            table_rows(*result.table("lanes_hourly")),
            label or str(meta.get("scenario_name") or ""),
            trace if traced else None,
        )

    @property
    def origin(self) -> str:
        """Where the tables came from, for messages: the directory, or the run in memory."""
        if self.directory is not None:
            return str(self.directory)
        return f"the run of {self.name!r}"

    @property
    def name(self) -> str:
        """The scenario's name."""
        folder = self.directory.name if self.directory is not None else ""
        return str(self.meta.get("scenario_name") or folder or self.label or "run")

    @property
    def streams(self) -> list[str]:
        """Stream names in scenario order."""
        scenario = self.meta.get("scenario") or {}
        names = list(scenario.get("streams") or {})
        if names:
            return names
        seen: list[str] = []
        for row in self.summary_rows:
            if row["stream"] != "all" and row["stream"] not in seen:
                seen.append(row["stream"])
        return seen

    @property
    def replications(self) -> int:
        return int(self.meta.get("replications_finished") or 0)

    @cached_property
    def summary(self) -> dict[str, dict[str, Estimate]]:
        """stream -> metric -> :class:`Estimate`, read back from ``summary.csv``."""
        out: dict[str, dict[str, Estimate]] = defaultdict(dict)
        for row in self.summary_rows:
            out[row["stream"]][row["metric"]] = Estimate(
                number(row["mean"]),
                number(row["ci_low"]),
                number(row["ci_high"]),
                number(row["std"]),
                int(number(row["replications"]) if row["replications"] else 0),
            )
        return dict(out)

    @cached_property
    def scenario(self) -> Any:
        """The resolved scenario of ``run.json``, loaded and validated."""
        from ..scenario import ScenarioError, load_scenario

        where = self.origin if self.directory is None else str(self.directory / RUN_JSON)
        resolved = self.meta.get("scenario")
        if not isinstance(resolved, dict):
            raise PlotInputError(f"{where}: no resolved scenario in it")
        try:
            return load_scenario(resolved)
        except ScenarioError as exc:
            raise PlotInputError(f"{where}: its scenario does not load: {exc}") from None

    @property
    def counted_hours(self) -> tuple[int, int]:
        """(first, last) hour of the counted period, from 00:00 of day 0."""
        scenario = self.meta.get("scenario") or {}
        hours = sorted({int(r["day"]) * 24 + int(r["hour"]) for r in self.hourly_rows})
        if hours:
            return hours[0], hours[-1] + 1
        horizon = hours_of(scenario.get("horizon", "24 h"))
        warmup = hours_of(scenario.get("warmup", "0 h"))
        return int(warmup), math.ceil(horizon)

    def hourly(self, value: str = "wait_mean_min") -> dict[str, HourlySeries]:
        """stream -> ``value`` of ``hourly.csv`` by hour of arrival, over replications."""
        return hourly_estimates(self.hourly_rows, "stream", value)

    def lanes(self, value: str) -> dict[tuple[str, str], HourlySeries]:
        """(stage, lane group) -> ``value`` of ``lanes_hourly.csv`` by hour, over replications."""
        rows = [dict(r, _group=f"{r['stage']}\x00{r['lane_group']}") for r in self.lane_rows]
        series = hourly_estimates(rows, "_group", value)
        out: dict[tuple[str, str], HourlySeries] = {}
        for key, hourly in series.items():
            stage, group = key.split("\x00", 1)
            out[stage, group] = hourly
        return out

    @property
    def lane_groups(self) -> list[tuple[str, str]]:
        """(stage, lane group) in scenario order."""
        scenario = self.meta.get("scenario") or {}
        groups = [
            (stage, group)
            for stage, spec in (scenario.get("stages") or {}).items()
            for group in (spec.get("lanes") or {})
        ]
        if groups:
            return groups
        seen: list[tuple[str, str]] = []
        for row in self.lane_rows:
            key = (row["stage"], row["lane_group"])
            if key not in seen:
                seen.append(key)
        return seen

    def trace_rows(self) -> Iterator[dict[str, str]] | None:
        """The rows of ``trace.csv``, one at a time (None without one)."""
        if self.trace is not None:
            return self.trace()
        if self.directory is None or not (self.directory / TRACE_FILE).is_file():
            return None
        return _iter_rows(self.directory / TRACE_FILE)

    @cached_property
    def trace_arrays(self) -> dict[str, np.ndarray] | None:
        """The columns of ``trace.csv`` the figures use, read in one pass (None without a
        trace): ``replication``, ``stream`` (index into :attr:`streams`), ``arrival_min``,
        ``start_min`` (start of the first inspection: the end of the wait; NaN if it never
        began) and ``wait_min``, one entry per traveller of every replication."""
        trace = self.trace_rows()
        if trace is None:
            return None
        scenario = self.meta.get("scenario") or {}
        routes = {
            name: list(spec.get("route") or [])
            for name, spec in (scenario.get("streams") or {}).items()
        }
        index = {s: i for i, s in enumerate(self.streams)}
        reps: list[int] = []
        streams: list[int] = []
        arrivals: list[float] = []
        starts: list[float] = []
        for row in trace:
            stream = row["stream"]
            if stream not in index:
                index[stream] = len(index)
            began = math.nan
            for stage in routes.get(stream, []):
                text = row.get(f"{stage}.start_min")
                if text:
                    began = float(text)
                    break
            reps.append(int(row["replication"]))
            streams.append(index[stream])
            arrivals.append(float(row["arrival_min"]))
            starts.append(began)
        arrival = np.array(arrivals)
        start = np.array(starts)
        return {
            "replication": np.array(reps, dtype=int),
            "stream": np.array(streams, dtype=int),
            "arrival_min": arrival,
            "start_min": start,
            "wait_min": np.where(np.isnan(start), 0.0, start - arrival),
            "names": np.array(list(index)),
        }

    def trace_waits(self) -> dict[str, np.ndarray] | None:
        """stream -> waits (min) of every counted traveller of every replication, from
        ``trace.csv`` (None without one). Counted: arrived from the warm-up to the horizon."""
        arrays = self.trace_arrays
        if arrays is None:
            return None
        scenario = self.meta.get("scenario") or {}
        start = hours_of(scenario.get("warmup", "0 h")) * 60
        end = hours_of(scenario.get("horizon", "24 h")) * 60
        counted = (arrays["arrival_min"] >= start) & (arrays["arrival_min"] < end)
        out = {}
        for i, name in enumerate(arrays["names"]):
            if str(name) in self.streams or (counted & (arrays["stream"] == i)).any():
                out[str(name)] = np.sort(arrays["wait_min"][counted & (arrays["stream"] == i)])
        return out


def _iter_rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a CSV file, read one at a time (a trace can be large)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            yield from csv.DictReader(handle)
    except OSError as exc:
        raise PlotInputError(f"cannot read {path}: {exc.strerror or exc}") from None


def demand_level(value: float, base: float) -> str:
    """A level of demand with its change from the scenario's: ``18,000 (+10%)``."""
    return f"{value:,.0f} ({value / base - 1:+.0%})"


def is_run(directory: str | Path) -> bool:
    """True if ``directory`` holds the files of ``borderflow run -o``."""
    return all((Path(directory) / name).is_file() for name in RUN_FILES)


def read_run(directory: str | Path, label: str = "") -> RunData:
    """The output files of a run directory.

    Raises:
        PlotInputError: a file is missing or unreadable.
    """
    directory = Path(directory)
    missing = [name for name in RUN_FILES if not (directory / name).is_file()]
    if missing:
        raise PlotInputError(
            f"{directory} holds no borderflow run: {', '.join(missing)} missing "
            "(write one with borderflow run FILE -o DIR)"
        )
    meta = read_json(directory / RUN_JSON)
    summary = read_rows(directory / FILES["summary"])
    _require(
        summary, ("stream", "metric", "mean", "ci_low", "ci_high"), directory / FILES["summary"]
    )
    hourly = read_rows(directory / FILES["hourly"])
    _require(hourly, ("day", "hour", "stream", "wait_mean_min"), directory / FILES["hourly"])
    lanes = read_rows(directory / FILES["lanes_hourly"])
    _require(lanes, ("day", "hour", "stage", "lane_group"), directory / FILES["lanes_hourly"])
    return RunData(directory, meta, summary, hourly, lanes, label or directory.name)


# --- comparisons ----------------------------------------------------------------------------


@dataclass
class ComparisonData:
    """A comparison: ``comparison.csv`` and, when present, each scenario's run; read from a
    comparison directory, or from a :class:`~borderflow.experiments.compare.Comparison` in
    memory (:meth:`from_result`)."""

    directory: Path | None
    """Where the files were read from (None for a comparison in memory)."""
    rows: list[dict[str, str]]
    base: RunData | None = None
    alternatives: dict[str, RunData] = field(default_factory=dict)
    """Alternative name (as in the ``scenario`` column) -> its run, when its files exist."""
    documents: dict[str, Any] = field(default_factory=dict)
    """The JSON files beside ``comparison.csv`` by name (``comparison.json``)."""

    @classmethod
    def from_result(cls, comparison: Comparison) -> ComparisonData:
        """The tables of a comparison in memory, as
        :func:`~borderflow.experiments.compare.write_comparison` would write them."""
        base = RunData.from_result(comparison.base, "base")
        alternatives = {
            label: RunData.from_result(run, label)
            for label, run in zip(comparison.labels[1:], comparison.alternatives, strict=True)
        }
        return cls(
            None,
            table_rows(*comparison.table()),
            base,
            alternatives,
            {COMPARISON_JSON: _as_json(comparison.metadata())},
        )

    @property
    def origin(self) -> str:
        """Where the tables came from, for messages: the directory, or the comparison."""
        if self.directory is not None:
            return str(self.directory)
        base = self.base.name if self.base is not None else "the base"
        return f"the comparison of {base!r}"

    @property
    def scenarios(self) -> list[str]:
        """Alternative scenarios, in file order."""
        return list(dict.fromkeys(r["scenario"] for r in self.rows))

    @property
    def streams(self) -> list[str]:
        return list(dict.fromkeys(r["stream"] for r in self.rows))

    @property
    def metrics(self) -> list[str]:
        return list(dict.fromkeys(r["metric"] for r in self.rows))

    def row(self, scenario: str, stream: str, metric: str) -> dict[str, str] | None:
        """The row of ``comparison.csv`` for this scenario, stream and metric (None: none)."""
        return self._index.get((scenario, stream, metric))

    @cached_property
    def _index(self) -> dict[tuple[str, str, str], dict[str, str]]:
        """The rows by (scenario, stream, metric), the first of each kept: reports look rows
        up many times over."""
        index: dict[tuple[str, str, str], dict[str, str]] = {}
        for r in self.rows:
            index.setdefault((r["scenario"], r["stream"], r["metric"]), r)
        return index


def is_comparison(directory: str | Path) -> bool:
    return (Path(directory) / COMPARISON_FILE).is_file()


def _find_runs(directory: Path) -> dict[str, RunData]:
    """Runs in ``directory``'s subfolders (any depth up to 2), keyed by folder path relative
    to ``directory`` (``'base'``, ``'alternatives/rfid'``...)."""
    runs = {}
    for path in sorted(directory.glob("*/run.json")) + sorted(directory.glob("*/*/run.json")):
        folder = path.parent
        if is_run(folder):
            runs[folder.relative_to(directory).as_posix()] = read_run(folder)
    return runs


def _match_runs(
    names: list[str], runs: dict[str, RunData]
) -> tuple[RunData | None, dict[str, RunData]]:
    """Pair alternative names with run folders; the run left over (or named base) is the base.

    A name goes to the folder of that name first, then to a folder whose run has that scenario
    name or file, a folder named ``base`` last: an alternative may have the base's scenario name
    (or be the base's file compared with itself)."""

    def folder(key: str) -> str:
        return key.rsplit("/", 1)[-1]

    def is_base(key: str) -> bool:
        return folder(key) in {"base", "baseline"}

    def keys(key: str, run: RunData) -> set[str]:
        meta = run.meta
        found = {key, folder(key), str(meta.get("scenario_name") or "")}
        source = meta.get("scenario_file")
        if source:
            stem = Path(str(source)).stem
            found |= {str(source), Path(str(source)).name, stem}
        return {k for k in found if k}

    passes: list[Callable[[str, RunData, set[str]], bool]] = [
        lambda key, run, wanted: folder(key) in wanted and not is_base(key),
        lambda key, run, wanted: bool(keys(key, run) & wanted) and not is_base(key),
        lambda key, run, wanted: bool(keys(key, run) & wanted),
    ]
    alternatives: dict[str, RunData] = {}
    used: set[str] = set()
    for name in names:
        wanted = {name, Path(name).stem}
        for matches in passes:
            key = next(
                (k for k, run in runs.items() if k not in used and matches(k, run, wanted)), None
            )
            if key is not None:
                alternatives[name] = runs[key]
                used.add(key)
                break
    rest = {k: r for k, r in runs.items() if k not in used}
    base = None
    for key, run in rest.items():
        if is_base(key):
            base = run
            break
    if base is None and len(rest) == 1:
        base = next(iter(rest.values()))
    if base is not None:
        base.label = "base"
    for name, run in alternatives.items():
        run.label = name
    return base, alternatives


def read_comparison(directory: str | Path) -> ComparisonData:
    """``comparison.csv`` of a comparison directory, and the runs found in its subfolders."""
    directory = Path(directory)
    path = directory / COMPARISON_FILE
    if not path.is_file():
        raise PlotInputError(f"{directory} holds no comparison: {COMPARISON_FILE} missing")
    rows = read_rows(path)
    if not rows:
        raise PlotInputError(f"{path}: no rows")
    _require(rows, CONTRACT_COLUMNS, path)
    data = ComparisonData(directory, rows, documents=_json_documents(directory))
    data.base, data.alternatives = _match_runs(data.scenarios, _find_runs(directory))
    return data


# --- sweeps ---------------------------------------------------------------------------------


@dataclass
class SweepData:
    """A sweep: ``points.csv`` (parameter values), ``results.csv`` and, when the ``sweep``
    command wrote it, ``sweep.json``; read from a sweep directory, or from a
    :class:`~borderflow.experiments.sweep.SweepResult` in memory (:meth:`from_result`)."""

    directory: Path | None
    """Where the files were read from (None for a sweep in memory)."""
    points: dict[str, dict[str, str]]
    """point -> column of points.csv -> value as written."""
    parameters: list[str]
    """The parameters varied independently, in column order. Columns that only follow another
    (the key paths of a linked parameter, next to its label column) are not among them."""
    rows: list[dict[str, str]]
    meta: dict[str, Any] = field(default_factory=dict)
    """The content of ``sweep.json`` (empty without one)."""
    documents: dict[str, Any] = field(default_factory=dict)
    """The JSON files beside ``points.csv`` by name (``sweep.json``)."""

    @classmethod
    def from_result(cls, result: SweepResult) -> SweepData:
        """The tables of a sweep in memory, as :func:`~borderflow.experiments.sweep.write_sweep`
        would write them."""
        meta = _as_json(result.metadata())
        return _sweep_data(
            None,
            table_rows(*result.table("points")),
            table_rows(*result.table("results")),
            meta,
            {SWEEP_JSON: meta},
        )

    @property
    def origin(self) -> str:
        """Where the tables came from, for messages: the directory, or the sweep in memory."""
        if self.directory is not None:
            return str(self.directory)
        source = self.meta.get("experiment_file")
        return f"the sweep of {Path(str(source)).name!r}" if source else "the sweep"

    @property
    def columns(self) -> list[str]:
        """Every column of points.csv but ``point``."""
        first = next(iter(self.points.values()), {})
        return list(first)

    @property
    def streams(self) -> list[str]:
        return list(dict.fromkeys(r["stream"] for r in self.rows))

    @property
    def metrics(self) -> list[str]:
        return list(dict.fromkeys(r["metric"] for r in self.rows))

    @cached_property
    def design(self) -> str:
        """``grid``, ``one_at_a_time`` or ``lhs``: from ``sweep.json``, else recognised from the
        points (``lhs`` standing for any set of points that is neither)."""
        design = self.meta.get("design")
        if design in {"grid", "one_at_a_time", "lhs"}:
            return str(design)
        if is_grid(self, list(self.points), self.parameters):
            return "grid"
        if self.baseline() is not None:
            return "one_at_a_time"
        return "lhs"

    def baseline(self) -> str | None:
        """The point from which every other point differs in one parameter (None if none)."""
        for candidate, values in self.points.items():
            if all(
                sum(values[p] != other[p] for p in self.parameters) <= 1
                for other in self.points.values()
            ):
                return candidate
        return None

    def values(self, parameter: str) -> tuple[list[Any], str]:
        """The distinct values of a parameter and their unit: numbers (sorted) when every value
        is a number with the same unit (see :func:`parse_value`), else the texts in point order."""
        parsed = [parse_value(p[parameter]) for p in self.points.values()]
        units = {unit for _, unit in parsed}
        if all(isinstance(v, float) for v, _ in parsed) and len(units) == 1:
            return sorted({v for v, _ in parsed}), units.pop()
        raw = [p[parameter] for p in self.points.values()]
        return list(dict.fromkeys(raw)), ""

    def scenario_value(self, parameter: str) -> float | None:
        """The scenario's own value of a parameter (from ``sweep.json``), as a number; None
        when not recorded, not a number, or a linked parameter of several keys."""
        for entry in self.meta.get("parameters") or []:
            if not isinstance(entry, dict) or entry.get("name") != parameter:
                continue
            values = entry.get("scenario_values") or []
            if len(values) != 1 or values[0] is None or isinstance(values[0], bool):
                return None
            value = parse_value(str(values[0]))[0]
            return value if isinstance(value, float) else None
        return None

    def demand_base(self, parameter: str | None) -> float | None:
        """The scenario's own value of a demand parameter (``...arrivals...``), against which
        its levels are shown as changes; None for another parameter or none recorded."""
        if parameter is None or ".arrivals." not in parameter:
            return None
        return self.scenario_value(parameter)

    def is_numeric(self, parameter: str) -> bool:
        values, _ = self.values(parameter)
        return bool(values) and isinstance(values[0], float)

    def value(self, point: str, parameter: str) -> Any:
        """The value of ``parameter`` at ``point``, as in :meth:`values`."""
        text = self.points[point][parameter]
        return parse_value(text)[0] if self.is_numeric(parameter) else text

    def result(self, stream: str, metric: str) -> dict[str, Estimate]:
        """point -> :class:`Estimate` of one stream's metric."""
        out = {}
        for r in self.rows:
            if r["stream"] == stream and r["metric"] == metric:
                n = r.get("replications") or ""
                out[r["point"]] = Estimate(
                    number(r["mean"]),
                    number(r["ci_low"]),
                    number(r["ci_high"]),
                    math.nan,
                    int(float(n)) if n else 0,
                )
        return out


def is_grid(data: SweepData, points: list[str], parameters: list[str]) -> bool:
    """True if ``points`` hold every combination of the values of ``parameters`` they take."""
    combos = {tuple(data.points[p][q] for q in parameters) for p in points}
    size = 1
    for q in parameters:
        size *= len({data.points[p][q] for p in points})
    return len(combos) == size and len(points) >= 1


def _independent(points: dict[str, dict[str, str]], columns: list[str]) -> list[str]:
    """Columns that do not merely follow an earlier one value for value (linked keys)."""
    kept: list[str] = []
    for column in columns:
        follows = False
        for earlier in kept:
            pairs = {(v[earlier], v[column]) for v in points.values()}
            left = {a for a, _ in pairs}
            right = {b for _, b in pairs}
            # a column follows another when their values pair one to one, and repeat (a value
            # seen once per point says nothing: a Latin hypercube has all values distinct)
            if len(pairs) == len(left) == len(right) < len(points):
                follows = True
                break
        if not follows:
            kept.append(column)
    return kept


def parse_value(text: str) -> tuple[float | str, str]:
    """A swept value as a number and its unit: ``'12'`` -> (12.0, ''), ``'45 s'`` ->
    (45.0, 's'); anything else is kept as text: (text, '')."""
    stripped = text.strip()
    try:
        return float(stripped), ""
    except ValueError:
        pass
    head, _, unit = stripped.partition(" ")
    if unit and " " not in unit.strip():
        try:
            return float(head), unit.strip()
        except ValueError:
            pass
    return text, ""


def is_sweep(directory: str | Path) -> bool:
    return all((Path(directory) / name).is_file() for name in SWEEP_FILES)


def read_sweep(directory: str | Path) -> SweepData:
    """``points.csv`` and ``results.csv`` of a sweep directory."""
    directory = Path(directory)
    missing = [name for name in SWEEP_FILES if not (directory / name).is_file()]
    if missing:
        raise PlotInputError(f"{directory} holds no sweep: {', '.join(missing)} missing")
    point_rows = read_rows(directory / POINTS_CSV)
    rows = read_rows(directory / RESULTS_CSV)
    _require(
        rows, ("point", "stream", "metric", "mean", "ci_low", "ci_high"), directory / RESULTS_CSV
    )
    meta: dict[str, Any] = {}
    if (directory / SWEEP_JSON).is_file():
        meta = read_json(directory / SWEEP_JSON)
    return _sweep_data(directory, point_rows, rows, meta, _json_documents(directory))


def _sweep_data(
    directory: Path | None,
    point_rows: list[dict[str, str]],
    rows: list[dict[str, str]],
    meta: dict[str, Any],
    documents: dict[str, Any],
) -> SweepData:
    """A :class:`SweepData` from the rows of points.csv and results.csv, and sweep.json."""
    where = f"{directory / 'points.csv'}" if directory is not None else "the sweep's points"
    if not point_rows or "point" not in point_rows[0]:
        raise PlotInputError(f"{where}: no points (column 'point' expected)")
    columns = [c for c in point_rows[0] if c != "point"]
    if not columns:
        raise PlotInputError(f"{where}: no parameter columns")
    points = {r["point"]: {c: r[c] for c in columns} for r in point_rows}
    named = [p.get("name") for p in meta.get("parameters") or [] if isinstance(p, dict)]
    parameters = [n for n in named if n in columns] or _independent(points, columns)
    return SweepData(directory, points, parameters, rows, meta, documents)


# --- any directory --------------------------------------------------------------------------


def kind_of(directory: str | Path) -> str:
    """``'run'``, ``'comparison'`` or ``'sweep'``: what ``directory`` holds.

    Raises:
        PlotInputError: it is not a directory, or holds none of them.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise PlotInputError(f"{directory}: no such directory")
    if is_comparison(directory):
        return "comparison"
    if is_staffing(directory):
        return "staffing"
    if is_sweep(directory):
        return "sweep"
    if is_run(directory):
        return "run"
    raise PlotInputError(
        f"{directory} holds no borderflow run, comparison, sweep or staffing: expected "
        "run.json, summary.csv, hourly.csv and lanes_hourly.csv (borderflow run -o), "
        "comparison.csv (borderflow compare), points.csv and results.csv (borderflow sweep) "
        "or staffing.json and schedules.csv (borderflow staff)"
    )


# --- any source -----------------------------------------------------------------------------

RunSource: TypeAlias = RunData | RunResult | str | Path
"""What a run figure takes: a run directory, a :class:`RunResult` in memory (a
``SequentialRunResult`` too), or the :class:`RunData` of either."""
ComparisonSource: TypeAlias = ComparisonData | Comparison | str | Path
"""What a comparison figure takes: a comparison directory, a :class:`Comparison` in memory, or
the :class:`ComparisonData` of either."""
SweepSource: TypeAlias = SweepData | SweepResult | str | Path
"""What a sweep figure takes: a sweep directory, a :class:`SweepResult` in memory, or the
:class:`SweepData` of either."""
Data: TypeAlias = "RunData | ComparisonData | SweepData | StaffingData"
"""The tables of a run, a comparison, a sweep or a staffing search, wherever they came from."""
Result: TypeAlias = "RunResult | Comparison | SweepResult | StaffingResult"
"""A result in memory that figures and reports take."""
Source: TypeAlias = "Data | Result | str | Path"
"""Anything to plot or report on: a directory, a result in memory, or its data."""


def _refuse(source: object, expected: str) -> TypeError:
    return TypeError(f"expected {expected}, not {type(source).__name__}")


def load_run(source: RunSource, label: str = "") -> RunData:
    """The tables of a run directory or of a :class:`RunResult` in memory (a :class:`RunData`
    is returned as it is).

    Raises:
        PlotInputError: the directory holds no run, or a file in it is unusable.
        TypeError: ``source`` is none of these.
    """
    if isinstance(source, RunData):
        return source
    if isinstance(source, RunResult):
        return RunData.from_result(source, label)
    if isinstance(source, str | Path):
        return read_run(source, label)
    raise _refuse(source, "a run directory, a RunResult or RunData")


def load_comparison(source: ComparisonSource) -> ComparisonData:
    """The tables of a comparison directory or of a :class:`Comparison` in memory (a
    :class:`ComparisonData` is returned as it is).

    Raises:
        PlotInputError: the directory holds no comparison, or a file in it is unusable.
        TypeError: ``source`` is none of these.
    """
    if isinstance(source, ComparisonData):
        return source
    if isinstance(source, Comparison):
        return ComparisonData.from_result(source)
    if isinstance(source, str | Path):
        return read_comparison(source)
    raise _refuse(source, "a comparison directory, a Comparison or ComparisonData")


def load_sweep(source: SweepSource) -> SweepData:
    """The tables of a sweep directory or of a :class:`SweepResult` in memory (a
    :class:`SweepData` is returned as it is).

    Raises:
        PlotInputError: the directory holds no sweep, or a file in it is unusable.
        TypeError: ``source`` is none of these.
    """
    if isinstance(source, SweepData):
        return source
    if isinstance(source, SweepResult):
        return SweepData.from_result(source)
    if isinstance(source, str | Path):
        return read_sweep(source)
    raise _refuse(source, "a sweep directory, a SweepResult or SweepData")


def load(source: Source) -> Data:
    """The tables of whatever ``source`` is: a run, comparison or sweep directory (see
    :func:`kind_of`), a result in memory, or already their data.

    Raises:
        PlotInputError: the directory holds nothing to plot, or a file in it is unusable.
        TypeError: ``source`` is none of these.
    """
    if isinstance(source, RunData | ComparisonData | SweepData | StaffingData):
        return source
    if isinstance(source, StaffingResult):
        return StaffingData.from_result(source)
    if isinstance(source, RunResult):
        return load_run(source)
    if isinstance(source, Comparison):
        return load_comparison(source)
    if isinstance(source, SweepResult):
        return load_sweep(source)
    if isinstance(source, str | Path):
        kind = kind_of(source)
        if kind == "run":
            return read_run(source)
        if kind == "comparison":
            return read_comparison(source)
        if kind == "staffing":
            return read_staffing(source)
        return read_sweep(source)
    raise _refuse(
        source,
        "a run, comparison, sweep or staffing directory, or a RunResult, Comparison, SweepResult "
        "or StaffingResult",
    )


def is_in_memory(source: object) -> bool:
    """True for a result in memory (a :class:`RunResult`, :class:`Comparison` or
    :class:`SweepResult`), which has no directory of its own."""
    return isinstance(source, RunResult | Comparison | SweepResult | StaffingResult)


def directory_of(source: Source) -> Path | None:
    """The directory that ``source`` is, or was read from (None for a result in memory)."""
    if isinstance(source, str | Path):
        return Path(source)
    if isinstance(source, RunData | ComparisonData | SweepData | StaffingData):
        return source.directory
    return None


def no_directory(function: str, argument: str, source: Source) -> TypeError:
    """The error of ``function`` given ``source`` without ``argument`` saying where to write."""
    kind = "a result in memory" if is_in_memory(source) else "data not read from a directory"
    return TypeError(
        f"{function}: {argument} is required for {kind} ({type(source).__name__}): it has no "
        "directory of its own to write into"
    )


# --- staffing -------------------------------------------------------------------------------


@dataclass
class StaffingData:
    """The tables of a staffing search (``borderflow staff -o DIR``): the lanes of the found,
    stationary and scenario's own schedules (``schedules.csv``), every target in every hour
    under each (``targets_compared.csv``), their cost (``staffing_summary.csv``) and
    ``staffing.json``."""

    directory: Path | None
    meta: dict[str, Any]
    schedules: list[dict[str, str]]
    targets: list[dict[str, str]]
    summary: list[dict[str, str]]
    shifts: list[dict[str, str]]

    @classmethod
    def from_result(cls, result: Any) -> StaffingData:
        from ..staffing import files

        return cls(
            None,
            _as_json(files.metadata(result)),
            table_rows(files.SCHEDULE_COLUMNS, files.schedule_rows(result)),
            table_rows(("schedule", *files.TARGET_COLUMNS), files.compared_target_rows(result)),
            table_rows(files.SUMMARY_COLUMNS, files.summary_rows(result)),
            table_rows(files.SHIFT_COLUMNS, files.shift_rows(result)),
        )

    @property
    def origin(self) -> str:
        return str(self.directory) if self.directory else "a staffing result in memory"

    @property
    def name(self) -> str:
        return str(self.meta.get("scenario_name") or "staffing")

    @property
    def target_texts(self) -> list[str]:
        return [str(t) for t in self.meta.get("targets", [])]

    def hours(self) -> list[int]:
        first = int(self.meta.get("first_hour", 0))
        return list(range(first, first + len(self.meta.get("hour_day_types", []))))

    def lanes(self, schedule: str, groups: Sequence[str]) -> np.ndarray:
        """Lanes open in ``groups`` (``stage.group``) under ``schedule`` in each counted hour."""
        types = self.meta.get("hour_day_types", [])
        table: dict[tuple[str, str, int], float] = {}
        for r in self.schedules:
            key = (f"{r['stage']}.{r['lane_group']}", r["day"], int(r["hour"]))
            table[key] = number(r[schedule])
        return np.array(
            [
                sum(table.get((g, str(day), h % 24), math.nan) for g in groups)
                for h, day in zip(self.hours(), types, strict=True)
            ]
        )

    def metric(self, schedule: str, stream: str, metric: str) -> dict[int, Estimate]:
        """Absolute hour -> the target metric's estimate under ``schedule``."""
        out = {}
        for r in self.targets:
            if r["schedule"] == schedule and r["stream"] == stream and r["metric"] == metric:
                hour = 24 * int(r["day"]) + int(r["hour"])
                out[hour] = Estimate(
                    number(r["mean"]), number(r["ci_low"]), number(r["ci_high"]), math.nan, 0
                )
        return out

    def missed(self, schedule: str, stream: str, metric: str) -> set[int]:
        return {
            24 * int(r["day"]) + int(r["hour"])
            for r in self.targets
            if r["schedule"] == schedule
            and r["stream"] == stream
            and r["metric"] == metric
            and r["met"] == "False"
        }


STAFFING_FILES = (STAFFING_JSON, SCHEDULES_CSV, TARGETS_COMPARED_CSV, STAFFING_SUMMARY_CSV)


def is_staffing(directory: str | Path) -> bool:
    return all((Path(directory) / name).is_file() for name in STAFFING_FILES)


def read_staffing(directory: str | Path) -> StaffingData:
    """The tables of a staffing directory."""
    directory = Path(directory)
    missing = [name for name in STAFFING_FILES if not (directory / name).is_file()]
    if missing:
        raise PlotInputError(
            f"{directory} holds no complete staffing result: missing {', '.join(missing)} "
            "(written by borderflow staff -o)"
        )
    meta = read_json(directory / STAFFING_JSON)
    schedules = read_rows(directory / SCHEDULES_CSV)
    _require(schedules, ("stage", "lane_group", "day", "hour", "found"), directory / SCHEDULES_CSV)
    targets = read_rows(directory / TARGETS_COMPARED_CSV)
    _require(
        targets,
        ("schedule", "stream", "day", "hour", "metric", "mean", "ci_high", "met"),
        directory / TARGETS_COMPARED_CSV,
    )
    summary = read_rows(directory / STAFFING_SUMMARY_CSV)
    shifts_path = directory / SHIFTS_CSV
    shifts = read_rows(shifts_path) if shifts_path.is_file() else []
    return StaffingData(directory, meta, schedules, targets, summary, shifts)
