"""Parameter sweeps: an experiment file names a scenario, the values to vary and a design.

Every design point is checked before anything runs: its values are set into the scenario the way
``--set`` does and the result is validated like a scenario file, with each problem reported at
the line of the experiment file that caused it. A sweep with an output folder stores each point
in its own file as soon as its replications are done (written whole or not at all), so that a
sweep stopped by Ctrl-C, a kill or a crash can be resumed: only the missing points run again,
and the final tables, rebuilt from the stored points in point order, are byte-identical to those
of an uninterrupted sweep.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any, TextIO

from .. import defaults
from ..analysis import Estimate, summarise
from ..capacity import check_memory
from ..execution import (
    Chunk,
    chunk_size,
    executor_for,
    run_chunks,
    signals_held,
    split,
    workers_of,
)
from ..output import POINTS_CSV, RESULTS_CSV, SWEEP_JSON, OutputError, write_csv
from ..runner import expected_travellers
from ..scenario import Scenario, ScenarioError, validate_document
from ..scenario.errors import Path, Problem, format_path
from ..scenario.load import Document, load_document, parse_key_path, read_yaml, set_path
from ..scenario.size import DEFAULT_MAX_TRAVELLERS, check_size
from .designs import DESIGNS, Parameter, Point, Range, design_points, format_value, is_number
from .designs import split_duration as _split_duration

EXPERIMENT_KEYS = ("description", "scenario", "replications", "design", "n", "seed", "set", "vary")
RESULTS_COLUMNS = ("point", "stream", "metric", "mean", "ci_low", "ci_high", "replications")
MAX_POINTS = 100_000
"""A design with more points than this is refused (most likely a mistake)."""

Record = dict[str, Any]
"""One replication of a design point as stored: replication number, metrics, checks."""


class ExperimentError(ScenarioError):
    """An experiment file that cannot be used, with every problem found (in it or in what it
    does to the scenario)."""

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the experiment:"
        return "\n".join([head, *(str(p) for p in self.problems)])


@dataclass(frozen=True)
class DesignPoint:
    """One scenario of a sweep: its number, its parameter values and the scenario to run."""

    index: int
    values: Point
    scenario: Scenario
    key: str
    """SHA-256 of the resolved scenario (and the borderflow version): a stored point is reused
    only if it was computed from exactly this."""


@dataclass
class Experiment:
    """A loaded and checked experiment file."""

    source: str
    scenario_file: str
    replications: int
    design: str
    parameters: list[Parameter]
    points: list[DesignPoint]
    n: int | None = None
    seed: int = 0
    """Seed of the Latin hypercube sample (not of the simulation: that is the scenario's)."""
    settings: list[tuple[str, Any]] = field(default_factory=list)
    description: str = ""

    def columns(self) -> list[str]:
        """The columns of ``points.csv``."""
        return ["point", *(c for p in self.parameters for c in p.columns())]

    def point_row(self, point: DesignPoint) -> list[Any]:
        """A row of ``points.csv``."""
        cells = [c for p, v in zip(self.parameters, point.values, strict=True) for c in p.cells(v)]
        return [point.index, *(format_value(c) for c in cells)]

    def describe(self, point: DesignPoint) -> str:
        """``key=value, ...`` for one point, as in messages."""
        names = self.columns()[1:]
        return ", ".join(f"{k}={v}" for k, v in zip(names, self.point_row(point)[1:], strict=True))


# --- loading and checking ------------------------------------------------------------------


def load_experiment(
    source: str | FilePath | dict[str, Any],
    max_travellers: int | None = DEFAULT_MAX_TRAVELLERS,
    max_memory_mb: float | None = defaults.MAX_MEMORY_MB,
) -> Experiment:
    """Read and check an experiment file (or the same content as a dict).

    The scenario is relative to the experiment file (to the working directory for a dict).
    Every design point is built and validated here, before anything runs; a point that
    expects more than ``max_travellers`` in one replication, or is estimated to need more
    than ``max_memory_mb``, is refused like an invalid one (None: no limit).

    Raises:
        ExperimentError: listing every problem, each as ``file:line:col: key.path: message``.
    """
    if isinstance(source, dict):
        doc = Document(copy.deepcopy(source), {(): ("<experiment>", None, None)}, "<experiment>")
        folder = FilePath(".")
    else:
        try:
            doc = read_yaml(source)
        except ScenarioError as exc:
            raise ExperimentError(exc.problems) from None
        folder = FilePath(source).parent
    return _Loader(doc, folder, max_travellers, max_memory_mb).load()


class _Loader:
    def __init__(
        self,
        doc: Document,
        folder: FilePath,
        max_travellers: int | None,
        max_memory_mb: float | None,
    ):
        self.doc = doc
        self.folder = folder
        self.max_travellers = max_travellers
        self.max_memory_mb = max_memory_mb
        self.problems: list[Problem] = []

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(self.doc.problem(path, message))

    def fail(self) -> ExperimentError:
        unique = list(dict.fromkeys(self.problems))  # first of each, in order
        order = {p: i for i, p in enumerate(unique)}
        return ExperimentError(
            sorted(unique, key=lambda p: (p.file != self.doc.source, p.line or 0, order[p]))
        )

    def load(self) -> Experiment:
        data = self.doc.data
        for key in data:
            if key not in EXPERIMENT_KEYS:
                close = difflib.get_close_matches(str(key), EXPERIMENT_KEYS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.problem(
                    (key,), f"unknown key {key!r}{hint}; keys: {', '.join(EXPERIMENT_KEYS)}"
                )
        design = data.get("design", "grid")
        if design not in DESIGNS:
            close = difflib.get_close_matches(str(design), DESIGNS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.problem(
                ("design",), f"expected one of {', '.join(DESIGNS)}, found {design!r}{hint}"
            )
            design = None
        replications = self._count("replications", 1)
        n = self._count("n", 1)
        seed = self._count("seed", 0)
        if design == "lhs" and "n" not in data:
            self.problem(("design",), "a Latin hypercube (lhs) needs n: the number of points")
        for key, value in (("n", n), ("seed", seed)):
            if design not in (None, "lhs") and key in data and value is not None:
                extra = (
                    "; the simulation seed is the scenario's (change it with set: {seed: ...})"
                    if key == "seed"
                    else ""
                )
                self.problem((key,), f"{key} is used only with design: lhs{extra}")
        description = data.get("description", "")
        if not isinstance(description, str):
            self.problem(("description",), "expected text")
        scenario_doc, scenario_file = self._scenario()
        if scenario_doc is not None:
            self._settings(scenario_doc)
        parameters = self._parameters(design, scenario_doc)
        vary = data.get("vary")
        complete = isinstance(vary, dict) and len(parameters) == len(vary)
        if scenario_doc is None or design is None or not complete or (design == "lhs" and not n):
            raise self.fail()  # the design points cannot be built
        points = self._points(design, parameters, scenario_doc, replications, n, seed)
        if self.problems:
            raise self.fail()
        return Experiment(
            source=self.doc.source,
            scenario_file=scenario_file,
            replications=points[0].scenario.replications,
            design=design,
            parameters=parameters,
            points=points,
            n=n if design == "lhs" else None,
            seed=seed if seed is not None else 0,
            settings=[(str(k), v) for k, v in _map(data.get("set")).items()],
            description=description if isinstance(description, str) else "",
        )

    def _count(self, key: str, least: int) -> int | None:
        value = self.doc.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem((key,), f"expected a whole number, found {value!r}")
            return None
        if value < least:
            self.problem((key,), f"must be at least {least}, found {value}")
            return None
        return value

    def _scenario(self) -> tuple[Document | None, str]:
        value = self.doc.data.get("scenario")
        if value is None:
            self.problem((), "missing required key 'scenario' (the scenario file to vary)")
            return None, ""
        if not isinstance(value, str) or not value.strip():
            self.problem(("scenario",), f"expected a file name, found {value!r}")
            return None, ""
        target = FilePath(os.path.normpath(self.folder / value))
        if not target.is_file():
            self.problem(("scenario",), f"file not found: {value!r} (looked for {target})")
            return None, str(target)
        try:
            return load_document(target), str(target)
        except ScenarioError as exc:
            self.problems.extend(exc.problems)
            return None, str(target)

    def _settings(self, scenario: Document) -> None:
        """Apply ``set:`` to the scenario (in place), positions pointing at the experiment."""
        settings = self.doc.data.get("set")
        if settings is None:
            return
        if not isinstance(settings, dict):
            self.problem(("set",), "expected a map of key.path: value")
            return
        for key, value in settings.items():
            where = ("set", key)
            try:
                path = parse_key_path(str(key))
                set_path(scenario.data, path, copy.deepcopy(value))
            except ValueError as exc:
                self.problem(where, f"cannot set {key!r}: {exc}")
                continue
            _move_positions(scenario, path, self.doc.where(where))

    def _parameters(self, design: str | None, scenario: Document | None) -> list[Parameter]:
        vary = self.doc.data.get("vary")
        if vary is None:
            self.problem((), "missing required key 'vary' (the keys to vary and their values)")
            return []
        if not isinstance(vary, dict) or not vary:
            self.problem(("vary",), "expected a map of key.path: values (at least one)")
            return []
        parameters = []
        for name, spec in vary.items():
            parameter = self._parameter(str(name), spec, design)
            if parameter is None:
                continue
            if scenario is not None:
                parameter = self._fit(parameter, scenario, design)
            if parameter is not None:
                parameters.append(parameter)
        return parameters

    def _parameter(self, name: str, spec: Any, design: str | None) -> Parameter | None:
        where = ("vary", name)
        if isinstance(spec, list):
            path = self._path(name, where)
            if path is None:
                return None
            if not spec:
                self.problem(where, "needs at least one value, found an empty list")
                return None
            return Parameter(name, (path,), levels=tuple((v,) for v in spec))
        if isinstance(spec, dict) and "set" in spec:
            return self._linked(name, spec, where)
        if isinstance(spec, dict) and ("from" in spec or "to" in spec):
            path = self._path(name, where)
            value_range = self._range(spec, where, design)
            if path is None or value_range is None:
                return None
            return Parameter(name, (path,), range=value_range)
        self.problem(
            where,
            "expected a list of values, a range {from, to, steps} or linked keys "
            f"{{values, set}}, found {_found(spec)}",
        )
        return None

    def _path(self, text: str, where: Path) -> Path | None:
        try:
            return parse_key_path(text)
        except ValueError as exc:
            self.problem(where, str(exc))
            return None

    def _range(self, spec: dict[str, Any], where: Path, design: str | None) -> Range | None:
        ok = True
        for key in spec:
            if key not in ("from", "to", "steps"):
                self.problem(
                    (*where, key), f"unknown key {key!r} in a range; keys: from, to, steps"
                )
                ok = False
        for key in ("from", "to"):
            if key not in spec:
                self.problem(where, f"a range needs {key!r}")
                ok = False
        steps = spec.get("steps")
        if design == "lhs":
            if steps is not None:
                self.problem(
                    (*where, "steps"),
                    "lhs samples the whole range from..to; steps are for grid and one_at_a_time",
                )
                ok = False
        elif design is not None:
            if steps is None:
                self.problem(where, f"a range needs 'steps' (number of values) with {design}")
                ok = False
            elif isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
                self.problem(
                    (*where, "steps"), f"expected a whole number of 2 or more, found {steps!r}"
                )
                ok = False
        if not ok:
            return None
        low, high = spec["from"], spec["to"]
        if is_number(low) and is_number(high):
            unit = None
            integer = isinstance(low, int) and isinstance(high, int)
            a, b = float(low), float(high)
        else:
            d_low, d_high = _split_duration(low), _split_duration(high)
            if d_low is None or d_high is None:
                bad = "from" if d_low is None else "to"
                self.problem(
                    (*where, bad),
                    "expected a number or a duration with a unit ('60 s'), and the same kind "
                    f"for from and to; found {_found(spec[bad])}",
                )
                return None
            if d_low[1] != d_high[1]:
                self.problem(
                    where, f"from and to must use the same unit, found {low!r} and {high!r}"
                )
                return None
            (a, unit), (b, _) = d_low, d_high
            integer = False
        if not a < b:
            self.problem(where, f"from must be less than to, found from {low!r}, to {high!r}")
            return None
        return Range(a, b, integer, unit, steps)

    def _linked(self, name: str, spec: dict[str, Any], where: Path) -> Parameter | None:
        ok = True
        for key in spec:
            if key not in ("values", "set"):
                self.problem(
                    (*where, key), f"unknown key {key!r} in linked keys; keys: values, set"
                )
                ok = False
        labels = spec.get("values")
        if not isinstance(labels, list) or not labels:
            self.problem(
                (*where, "values") if "values" in spec else where,
                "linked keys need 'values': a list naming each level (shown in points.csv)",
            )
            return None
        keys = spec["set"]
        if not isinstance(keys, dict) or not keys:
            self.problem((*where, "set"), "expected a map of key.path: [one value per level]")
            return None
        paths, columns = [], []
        for key, values in keys.items():
            here = (*where, "set", key)
            path = self._path(str(key), here)
            if path is None:
                ok = False
                continue
            if not isinstance(values, list) or len(values) != len(labels):
                self.problem(
                    here,
                    f"expected a list of {len(labels)} values (one per entry of 'values'), "
                    f"found {_found(values)}",
                )
                ok = False
                continue
            paths.append(path)
            columns.append(values)
        if not ok:
            return None
        levels = tuple(zip(*columns, strict=True))
        return Parameter(name, tuple(paths), levels=levels, labels=tuple(labels))

    def _fit(self, p: Parameter, scenario: Document, design: str | None) -> Parameter | None:
        """Check that each key path of ``p`` fits the scenario; record the baseline values."""
        ok = True
        baseline = []
        for i, path in enumerate(p.paths):
            where = (
                ("vary", p.name, "set", _raw_key(self.doc, p.name, i))
                if p.linked
                else (
                    "vary",
                    p.name,
                )
            )
            try:
                set_path(copy.deepcopy(scenario.data), path, None)
            except ValueError as exc:
                self.problem(where, f"cannot vary {format_path(path)!r}: {exc}")
                ok = False
                continue
            found, value = _get(scenario.data, path)
            if design == "one_at_a_time" and not found:
                self.problem(
                    where,
                    "one_at_a_time starts from the scenario's own value of each key, and the "
                    f"scenario has no {format_path(path)!r}",
                )
                ok = False
            baseline.append(value)
        if not ok:
            return None
        return Parameter(p.name, p.paths, p.levels, p.range, p.labels, tuple(baseline))

    def _points(
        self,
        design: str,
        parameters: list[Parameter],
        scenario: Document,
        replications: int | None,
        n: int | None,
        seed: int | None,
    ) -> list[DesignPoint]:
        if design == "grid":
            size = math.prod(len(p.discrete()) for p in parameters)
            if size > MAX_POINTS:
                self.problem(("vary",), f"the grid has {size:,} points, more than {MAX_POINTS:,}")
                return []
        values = design_points(design, parameters, n, seed or 0)
        from .. import __version__

        points: list[DesignPoint] = []
        blamed: dict[tuple, list[int]] = {}
        for index, point in enumerate(values):
            doc = Document(copy.deepcopy(scenario.data), dict(scenario.positions), scenario.source)
            if replications is not None:
                doc.data["replications"] = replications
            for parameter, levels in zip(parameters, point, strict=True):
                for k, (path, value) in enumerate(zip(parameter.paths, levels, strict=True)):
                    set_path(doc.data, path, copy.deepcopy(value))
                    _move_positions(
                        doc, path, self.doc.where(self._value_where(parameter, k, levels))
                    )
            try:
                resolved = validate_document(doc)
                if self.max_travellers is not None:
                    check_size(resolved, self.max_travellers, doc)
                if self.max_memory_mb is not None:
                    check_memory(resolved, self.max_memory_mb)
            except ScenarioError as exc:
                for p in exc.problems:
                    if p.file == self.doc.source:
                        self.problems.append(p)  # a value of the experiment is wrong
                    else:
                        blamed.setdefault((p.path, p.message, p.file, p.line, p.column), []).append(
                            index
                        )
                continue
            canonical = json.dumps(
                resolved.model_dump(mode="json", exclude_none=True),
                sort_keys=True,
                separators=(",", ":"),
            )
            key = hashlib.sha256(f"{__version__}\n{canonical}".encode()).hexdigest()
            points.append(DesignPoint(index, point, resolved, key))
        for (path, message, file, line, column), indexes in blamed.items():
            where = f"{file}:{line}:{column}" if line is not None else file
            example = Experiment("", "", 0, design, parameters, []).describe(
                DesignPoint(indexes[0], values[indexes[0]], None, "")  # type: ignore[arg-type]
            )
            self.problems.append(
                self.doc.problem(
                    ("vary",),
                    f"{_points_text(indexes)} give{'s' if len(indexes) == 1 else ''} an invalid "
                    f"scenario: {format_path(path)}: {message} (at {where}; point {indexes[0]}: "
                    f"{example})",
                )
            )
        return points

    def _value_where(self, parameter: Parameter, k: int, levels: tuple[Any, ...]) -> Path:
        """Where in the experiment file the k-th key of ``parameter`` got its value."""
        base: Path = ("vary", parameter.name)
        if parameter.range is not None or parameter.levels is None:
            return base
        try:
            i = parameter.levels.index(levels)
        except ValueError:  # the baseline of one_at_a_time
            return base
        if parameter.linked:
            return (*base, "set", _raw_key(self.doc, parameter.name, k), i)
        return (*base, i)


def _raw_key(doc: Document, name: str, k: int) -> str:
    return list(doc.data["vary"][name]["set"])[k]


def _points_text(indexes: list[int]) -> str:
    if len(indexes) == 1:
        return f"design point {indexes[0]}"
    shown = ", ".join(str(i) for i in indexes[:6])
    more = f", ... ({len(indexes)} points)" if len(indexes) > 6 else ""
    return f"design points {shown}{more}"


def _move_positions(doc: Document, path: Path, position: tuple) -> None:
    n = len(path)
    for key in [k for k in doc.positions if k[:n] == path]:
        del doc.positions[key]
    doc.positions[path] = position


def _get(data: Any, path: Path) -> tuple[bool, Any]:
    node = data
    for part in path:
        if isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node):
            node = node[part]
            continue
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            continue
        return False, None
    return True, copy.deepcopy(node)


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "a map" if value else "an empty map"
    if isinstance(value, list):
        return (
            f"a list of {len(value)} value{'s' if len(value) != 1 else ''}"
            if value
            else ("an empty list")
        )
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


# --- the store of finished points ----------------------------------------------------------


class PointStore:
    """Finished design points in ``DIR/points/``, one JSON file each, written atomically.

    JSON keeps floats exactly (shortest repr, NaN as ``NaN``), so tables rebuilt from the files
    equal those built from the results in memory.
    """

    def __init__(self, directory: str | FilePath):
        self.directory = FilePath(directory)
        self.folder = self.directory / "points"

    def path(self, index: int) -> FilePath:
        return self.folder / f"point-{index:05d}.json"

    def prepare(self, resume: bool) -> None:
        """Create the folders; unless resuming, forget earlier points and final tables."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob("*.partial"):
            stale.unlink()
        if not resume:
            for old in self.folder.glob("point-*.json"):
                old.unlink()
            for name in (RESULTS_CSV, POINTS_CSV, SWEEP_JSON):
                (self.directory / name).unlink(missing_ok=True)

    def load(self, point: DesignPoint) -> list[Record] | None:
        """The stored replications of ``point``, if stored from the same scenario."""
        try:
            stored = json.loads(self.path(point.index).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict) or stored.get("key") != point.key:
            return None
        records = stored.get("replications")
        if not isinstance(records, list) or len(records) != point.scenario.replications:
            return None
        return records

    def save(self, point: DesignPoint, parameters: dict[str, Any], records: list[Record]) -> None:
        """Write one point whole: to a temporary file, then renamed over the final name (a
        rename is atomic, so a killed sweep leaves either the whole file or none)."""
        target = self.path(point.index)
        partial = target.with_name(target.name + ".partial")
        text = json.dumps(
            {
                "point": point.index,
                "key": point.key,
                "parameters": parameters,
                "replications": records,
            },
            indent=1,
        )
        partial.write_text(text + "\n", encoding="utf-8")
        partial.replace(target)


# --- running -------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """The results of a sweep: per design point, the metrics of each replication.

    Attributes:
        experiment: the experiment, with its design points.
        records: point number -> its replications (``replication``, ``metrics``, ``checks``),
            for the points finished (all of them unless interrupted).
        computed: points computed in this call (the others came from the store).
        interrupted: True when stopped by Ctrl-C before every point was finished.
        output: the output folder, if any.
    """

    experiment: Experiment
    records: dict[int, list[Record]]
    computed: int = 0
    interrupted: bool = False
    wall_time_s: float = 0.0
    output: FilePath | None = None
    _summaries: dict[int, dict[str, dict[str, Estimate]]] = field(default_factory=dict, repr=False)

    @property
    def missing(self) -> list[int]:
        """Design points not finished."""
        return [p.index for p in self.experiment.points if p.index not in self.records]

    def summary(self, point: int) -> dict[str, dict[str, Estimate]]:
        """stream -> metric -> :class:`Estimate` over the replications of one point."""
        if point not in self._summaries:
            self._summaries[point] = summarise([r["metrics"] for r in self.records[point]])
        return self._summaries[point]

    def estimate(self, point: int, stream: str, metric: str) -> Estimate:
        """One metric of one stream at one design point."""
        return self.summary(point)[stream][metric]

    def table(self, name: str = "results") -> tuple[tuple[str, ...], list[list[Any]]]:
        """(columns, rows) of ``points.csv`` (``"points"``) or ``results.csv`` (``"results"``)."""
        if name == "points":
            exp = self.experiment
            return tuple(exp.columns()), [exp.point_row(p) for p in exp.points]
        if name == "results":
            rows = []
            for p in self.experiment.points:
                if p.index not in self.records:
                    continue
                for stream, metrics in self.summary(p.index).items():
                    for metric, e in metrics.items():
                        rows.append(
                            [p.index, stream, metric, e.mean, e.ci_low, e.ci_high, e.replications]
                        )
            return RESULTS_COLUMNS, rows
        raise ValueError(f"unknown table {name!r}; tables: points, results")

    def to_frame(self, name: str = "results"):
        """A pandas DataFrame (pandas must be installed). ``"results"`` has the parameter values
        of each point as columns next to its results; ``"points"`` is ``points.csv``."""
        import pandas as pd

        columns, rows = self.table(name)
        frame = pd.DataFrame(rows, columns=list(columns))
        if name == "results":
            p_columns, p_rows = self.table("points")
            points = pd.DataFrame(p_rows, columns=list(p_columns))
            frame = points.merge(frame, on="point", how="right")
        return frame

    def metadata(self) -> dict[str, Any]:
        """What ``sweep.json`` records (no times or dates, so reruns give the same file)."""
        import platform

        import numpy
        import scipy
        import simpy

        from .. import __version__

        exp = self.experiment
        first = exp.points[0].scenario
        return {
            "borderflow_version": __version__,
            "numpy_version": numpy.__version__,
            "scipy_version": scipy.__version__,
            "simpy_version": simpy.__version__,
            "python_version": platform.python_version(),
            "experiment_file": exp.source,
            "experiment_file_sha256": _sha256(exp.source),
            "scenario_file": exp.scenario_file,
            "scenario_file_sha256": _sha256(exp.scenario_file),
            "design": exp.design,
            "n": exp.n,
            "lhs_seed": exp.seed if exp.design == "lhs" else None,
            "replications": exp.replications,
            "seed": first.seed,
            "set": dict(exp.settings),
            "parameters": [
                {
                    "name": p.name,
                    "keys": [format_path(path) for path in p.paths],
                    "scenario_values": [_plain(v) for v in p.baseline or ()],
                }
                for p in exp.parameters
            ],
            "points": len(exp.points),
            "points_finished": len(self.records),
            "point_sha256": [p.key for p in exp.points],
        }


def _plain(value: Any) -> Any:
    """A value of the scenario as JSON holds it (numbers and text; anything else as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _sha256(path: str) -> str | None:
    try:
        return hashlib.sha256(FilePath(path).read_bytes()).hexdigest()
    except OSError:
        return None


def sweep(
    experiment: Experiment | str | FilePath | dict[str, Any],
    *,
    output: str | FilePath | None = None,
    resume: bool = False,
    jobs: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_travellers: int | None = DEFAULT_MAX_TRAVELLERS,
    max_memory_mb: float | None = defaults.MAX_MEMORY_MB,
) -> SweepResult:
    """Run every design point of an experiment (all with the scenario's seed: common random
    numbers across points).

    Args:
        experiment: an experiment file, its content as a dict, or a loaded :class:`Experiment`.
        output: folder for the store of finished points and the final ``points.csv``,
            ``results.csv`` and ``sweep.json`` (written when every point is done).
        resume: reuse the points already stored in ``output`` (when computed from the same
            scenario); without it, stored points are discarded.
        jobs, dask, executor: where to run, as for :func:`borderflow.run`.
        progress: ``progress(done, total)`` in replications, stored ones included.
        max_travellers, max_memory_mb: as for :func:`load_experiment`, when ``experiment`` is
            not loaded yet.

    Raises:
        ExperimentError: the experiment file is invalid (before anything runs).
        OutputError: the output folder cannot be written.
    """
    exp = (
        experiment
        if isinstance(experiment, Experiment)
        else load_experiment(experiment, max_travellers, max_memory_mb)
    )
    start = time.perf_counter()
    store = PointStore(output) if output is not None else None
    records: dict[int, list[Record]] = {}
    try:
        if store is not None:
            store.prepare(resume)
            if resume:
                for point in exp.points:
                    stored = store.load(point)
                    if stored is not None:
                        records[point.index] = stored
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename or output}: {exc.strerror}") from None
    todo = [p for p in exp.points if p.index not in records]
    by_index = {p.index: p for p in exp.points}
    total = sum(p.scenario.replications for p in exp.points)
    done = sum(len(r) for r in records.values())
    if progress:
        progress(done, total)
    result = SweepResult(exp, records, output=FilePath(output) if output is not None else None)
    partial: dict[int, list] = {}
    try:
        todo_reps = sum(p.scenario.replications for p in todo)
        travellers = sum(expected_travellers(p.scenario) * p.scenario.replications for p in todo)
        with executor_for(jobs, dask, executor, work=(todo_reps, travellers)) as pool:
            size = chunk_size(todo_reps, workers_of(pool))
            chunks = (
                Chunk(p.index, p.scenario, p.scenario.seed, piece)
                for p in todo
                for piece in split(range(p.scenario.replications), size)
            )
            for index, results in run_chunks(chunks, pool):
                partial.setdefault(index, []).extend(results)
                done += len(results)
                point = by_index[index]
                if len(partial[index]) == point.scenario.replications:
                    finished = sorted(partial.pop(index), key=lambda r: r.replication)
                    # through JSON, so that stored and fresh points are the same numbers
                    rows = json.loads(
                        json.dumps(
                            [
                                {
                                    "replication": r.replication,
                                    "metrics": r.metrics,
                                    "checks": r.checks,
                                }
                                for r in finished
                            ]
                        )
                    )
                    with signals_held():  # a point is stored and counted, or neither
                        if store is not None:
                            columns = exp.columns()[1:]
                            params = dict(zip(columns, exp.point_row(point)[1:], strict=True))
                            try:
                                store.save(point, params, rows)
                            except OSError as exc:
                                raise OutputError(
                                    f"cannot write {exc.filename or store.folder}: {exc.strerror}"
                                ) from None
                        records[index] = rows
                        result.computed += 1
                if progress:
                    progress(done, total)
    except KeyboardInterrupt:
        result.interrupted = True
    result.wall_time_s = time.perf_counter() - start
    if store is not None and not result.interrupted:
        write_sweep(result, store.directory)
    return result


def write_sweep(result: SweepResult, directory: str | FilePath) -> list[FilePath]:
    """Write ``points.csv``, ``results.csv`` and ``sweep.json`` into ``directory``.

    Raises:
        OutputError: when the folder or a file cannot be written.
    """
    directory = FilePath(directory)
    written = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("points", "results"):
            columns, rows = result.table(name)
            write_csv(directory / f"{name}.csv", columns, rows)
            written.append(directory / f"{name}.csv")
        meta = directory / SWEEP_JSON
        partial = meta.with_name(meta.name + ".partial")
        partial.write_text(json.dumps(result.metadata(), indent=2) + "\n", encoding="utf-8")
        partial.replace(meta)
        written.append(meta)
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    return written


def _num(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def print_sweep(
    result: SweepResult,
    out: TextIO,
    stream: str = defaults.STREAM,
    metrics: Sequence[str] = defaults.PRINTED_METRICS,
) -> None:
    """A table of the design points: parameter values and the chosen metrics of one stream."""
    exp = result.experiment
    done = len(result.records)
    out.write(
        f"{exp.design} design, {len(exp.points)} points x {exp.replications} replications, "
        f"{done} finished ({result.computed} computed now), {result.wall_time_s:.1f} s"
        + ("  (INTERRUPTED)" if result.interrupted else "")
        + "\n\n"
    )
    columns, rows = result.table("points")
    names = list(columns[1:])
    widths = [max(len(n), *(len(str(r[i + 1])) for r in rows)) for i, n in enumerate(names)]
    head = f"{'point':>5}  " + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True))
    head += "".join(f"  {stream + ' ' + m + ' [95% CI]':<32}" for m in metrics)
    out.write(head.rstrip() + "\n" + "-" * len(head.rstrip()) + "\n")
    for point, row in zip(exp.points, rows, strict=True):
        line = f"{point.index:>5}  " + "  ".join(
            f"{row[i + 1]!s:>{w}}" for i, w in enumerate(widths)
        )
        for metric in metrics:
            cell = "(not run)"
            if point.index in result.records:
                e = result.summary(point.index).get(stream, {}).get(metric)
                cell = "-" if e is None else f"{_num(e.mean)}"
                if e is not None and e.replications > 1:
                    cell += f" [{_num(e.ci_low)}, {_num(e.ci_high)}]"
            line += f"  {cell:<32}"
        out.write(line.rstrip() + "\n")
