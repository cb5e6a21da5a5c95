"""Reading scenario files: YAML 1.2 with positions, ``extends`` and ``--set`` overrides.

The loader turns files into plain Python data (dicts, lists, str, int, float, bool) plus a map
from each key path to the file, line and column it came from, so that every later check can say
exactly where a problem is. Nothing downstream of this module reads YAML.
"""

from __future__ import annotations

import copy
import csv
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from .errors import Path, Problem, ScenarioError, format_path
from .schema import schema_keys

Position = tuple[str, int | None, int | None]
"""(file, line, column), 1-based; line and column are None where unknown (``--set``)."""


@dataclass
class Document:
    """Plain scenario data and where each key path was written."""

    data: dict[str, Any]
    positions: dict[Path, Position] = field(default_factory=dict)
    source: str = "<scenario>"

    def where(self, path: Path) -> Position:
        """The position of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (self.source, None, None))

    def problem(self, path: Path, message: str) -> Problem:
        """A :class:`Problem` at ``path`` of this document."""
        file, line, column = self.where(path)
        return Problem(file, line, column, tuple(path), message)


def _plain(node: Any, file: str, path: Path, positions: dict[Path, Position]) -> Any:
    """Convert ruamel's round-trip nodes to plain Python, recording positions on the way."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            line, col = node.lc.key(key)
            child = (*path, str(key))
            positions[child] = (file, line + 1, col + 1)
            out[str(key)] = _plain(value, file, child, positions)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            child = (*path, index)
            positions[child] = (file, line + 1, col + 1)
            items.append(_plain(value, file, child, positions))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    return yaml


def parse_yaml(text: str, file: str) -> Document:
    """Parse YAML 1.2 ``text`` (from ``file``, used in messages) into a :class:`Document`."""
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ScenarioError(
            [Problem(file, line, column, (), f"YAML syntax error: {what}")]
        ) from None
    positions: dict[Path, Position] = {(): (file, 1, 1)}
    data = _plain(node, file, (), positions)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                Problem(
                    file,
                    1,
                    1,
                    (),
                    f"expected a map of keys (name:, streams:, ...), found {type(data).__name__}",
                )
            ]
        )
    return Document(data, positions, file)


def read_yaml(path: str | FilePath) -> Document:
    """Read one YAML file (no ``extends`` resolution)."""
    path = FilePath(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, None, (), "file not found")]) from None
    except OSError as exc:
        raise ScenarioError(
            [Problem(str(path), None, None, (), f"cannot read file: {exc.strerror}")]
        ) from None
    return parse_yaml(text, str(path))


def _merge(base: Document, over: Document) -> Document:
    """Deep-merge ``over`` onto ``base``: maps merge by key, everything else replaces."""
    positions = dict(base.positions)

    def merge(a: Any, b: Any, path: Path) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            out = dict(a)
            for key, value in b.items():
                child = (*path, key)
                if key in out:
                    if child in over.positions:
                        positions[child] = over.positions[child]
                    out[key] = merge(out[key], value, child)
                else:
                    _drop(positions, child)
                    _copy(over.positions, positions, child)
                    out[key] = value
            return out
        _drop(positions, path)
        _copy(over.positions, positions, path)
        return b

    data = merge(base.data, over.data, ())
    positions[()] = over.positions.get((), (over.source, 1, 1))
    return Document(data, positions, over.source)


def _drop(positions: dict[Path, Position], path: Path) -> None:
    n = len(path)
    for key in [k for k in positions if k[:n] == path and len(k) >= n]:
        del positions[key]


def _copy(src: dict[Path, Position], dst: dict[Path, Position], path: Path) -> None:
    n = len(path)
    for key, value in src.items():
        if key[:n] == path:
            dst[key] = value


def load_document(
    source: str | FilePath | dict[str, Any], overrides: list[str] | tuple[str, ...] = ()
) -> Document:
    """Read a scenario (a file, or the same content as a dict), resolve its ``extends`` chain,
    apply ``--set`` overrides and read empirical CSV files.

    In a dict, ``extends`` and CSV ``file:`` paths are relative to the working directory.
    """
    if isinstance(source, dict):
        doc = Document(copy.deepcopy(source), {(): ("<dict>", None, None)}, "<dict>")
        doc = _extend(doc, FilePath("."), ())
    else:
        path = FilePath(source)
        doc = _extend(read_yaml(path), path.parent, (path.resolve(),))
    if overrides:
        doc = apply_overrides(doc, overrides)
    _read_empirical_files(doc)
    return doc


def _extend(doc: Document, directory: FilePath, chain: tuple[FilePath, ...]) -> Document:
    """Merge ``doc`` over the file its ``extends`` names (recursively)."""
    parent = doc.data.pop("extends", None)
    if parent is None:
        return doc
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError([doc.problem(("extends",), f"expected a file name, found {parent!r}")])
    target = FilePath(os.path.normpath(directory / parent))
    if target.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, target))
        raise ScenarioError([doc.problem(("extends",), f"circular extends: {cycle}")])
    if not target.exists():
        raise ScenarioError(
            [doc.problem(("extends",), f"file not found: {parent!r} (looked for {target})")]
        )
    base = _extend(read_yaml(target), target.parent, (*chain, target.resolve()))
    return _merge(base, doc)


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_key_path(text: str) -> Path:
    """Split ``stages.primary.lanes.general.open[3]`` into its keys and indexes."""
    parts: list[str | int] = []
    pos = 0
    text = text.strip()
    if ".." in text or text.startswith(".") or text.endswith("."):
        raise ValueError(f"empty key in key path {text!r}")
    while pos < len(text):
        if text[pos] == ".":
            pos += 1
            continue
        match = _PART.match(text, pos)
        if not match:
            raise ValueError(f"cannot read key path {text!r} at {text[pos:]!r}")
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        pos = match.end()
    if not parts:
        raise ValueError("empty key path")
    return tuple(parts)


def parse_value(text: str) -> Any:
    """Read an override value as YAML 1.2 (``22``, ``70 s``, ``[1, 2]``, ``{per_hour: 900}``)."""
    doc = parse_yaml(f"value: {text}", "--set")
    return doc.data["value"]


def set_path(data: dict[str, Any], path: Path, value: Any) -> None:
    """Set ``data[path] = value``. Every key on the way must exist; only the last may be new.

    Raises:
        ValueError: naming the first part of the path that does not fit the data.
    """
    node: Any = data
    for i, part in enumerate(path):
        last = i == len(path) - 1
        where = format_path(path[:i]) if i else "the top level"
        if isinstance(part, int):
            if not isinstance(node, list):
                found = "a map" if isinstance(node, dict) else f"{node!r}"
                raise ValueError(
                    f"{where} is not a list (it is {found}); "
                    + (
                        "use a key name, not an index"
                        if isinstance(node, dict)
                        else "set the whole value, e.g. key=[...]"
                    )
                )
            if not -len(node) <= part < len(node):
                raise ValueError(f"{where} has {len(node)} items; there is no item [{part}]")
        elif not isinstance(node, dict):
            raise ValueError(f"{where} is not a map (it is {node!r}); it has no key {part!r}")
        elif part not in node and not last and part in schema_keys(path[:i]):
            node[part] = {}  # a section of the format the file leaves out, e.g. economics
        elif part not in node and not last:
            close = difflib.get_close_matches(part, [str(k) for k in node], n=1)
            hint = (
                f" (did you mean {close[0]!r}?)"
                if close
                else (f"; keys there: {', '.join(map(str, node))}" if node else "")
            )
            raise ValueError(f"no key {part!r} in {where}{hint}")
        if last:
            node[part] = value
        else:
            node = node[part]


def apply_overrides(doc: Document, overrides: list[str] | tuple[str, ...]) -> Document:
    """Apply ``key.path=value`` overrides (as given to ``--set``) to a copy of ``doc``."""
    data = copy.deepcopy(doc.data)
    positions = dict(doc.positions)
    problems: list[Problem] = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        origin = f"--set {item}"
        if not sep:
            problems.append(Problem(origin, None, None, (), "expected key.path=value"))
            continue
        try:
            path = parse_key_path(key)
            value = parse_value(raw)
            set_path(data, path, value)
        except ScenarioError as exc:
            problems.extend(Problem(origin, None, None, (), p.message) for p in exc.problems)
            continue
        except ValueError as exc:
            problems.append(Problem(origin, None, None, (), f"cannot set {key.strip()!r}: {exc}"))
            continue
        _drop(positions, path)
        positions[path] = (origin, None, None)
    if problems:
        raise ScenarioError(problems)
    return Document(data, positions, doc.source)


def _read_empirical_files(doc: Document) -> None:
    """Replace ``{dist: empirical, file: times.csv}`` by the values in that CSV file.

    The file is read relative to the scenario file that named it; its first column holds
    durations with units or, with a ``unit:`` key, plain numbers in that unit.
    """
    stages = doc.data.get("stages")
    if not isinstance(stages, dict):
        return
    problems: list[Problem] = []
    for stage_name, stage in stages.items():
        service = stage.get("service") if isinstance(stage, dict) else None
        if not isinstance(service, dict):
            continue
        for key, spec in service.items():
            if not (isinstance(spec, dict) and spec.get("dist") == "empirical" and "file" in spec):
                continue
            path = ("stages", stage_name, "service", key, "file")
            file, _, _ = doc.where(path)
            in_file = not file.startswith("--set") and not file.startswith("<")
            base = FilePath(file).parent if in_file else FilePath(".")
            target = FilePath(os.path.normpath(base / str(spec["file"])))
            try:
                values = _read_times_csv(target, spec.get("column"), spec.get("unit"))
            except FileNotFoundError:
                problems.append(
                    doc.problem(path, f"file not found: {spec['file']!r} (looked for {target})")
                )
                continue
            except OSError as exc:
                problems.append(doc.problem(path, f"cannot read {target}: {exc.strerror}"))
                continue
            except ValueError as exc:
                problems.append(doc.problem(path, f"{target}: {exc}"))
                continue
            spec = dict(spec)
            for part in ("file", "column", "unit"):
                spec.pop(part, None)
            spec["values"] = values
            service[key] = spec
    if problems:
        raise ScenarioError(problems)


def _read_times_csv(path: FilePath, column: str | None, unit: str | None) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ValueError("the file is empty")
    index = 0
    start = 0
    header = rows[0]
    if column is not None:
        if column not in header:
            raise ValueError(f"no column {column!r} (columns: {', '.join(header)})")
        index, start = header.index(column), 1
    else:
        try:
            float(header[0].split()[0])
        except (ValueError, IndexError):
            start = 1
    values = []
    for number, row in enumerate(rows[start:], start=start + 1):
        if not row or not "".join(row).strip():
            continue
        if index >= len(row):
            raise ValueError(f"row {number} has no column {index + 1}")
        if row[index].strip():
            values.append(row[index].strip())
    if unit:
        values = [f"{v} {unit}" for v in values]
    if not values:
        raise ValueError("no values found")
    return values
