"""Reading scenario files: YAML 1.2 with positions, ``extends`` and ``--set`` overrides.

The loader turns files into plain Python data (dicts, lists, str, int, float, bool) plus a map
from each key path to the file, line and column it came from, so that every later check can say
exactly where a problem is. Nothing downstream of this module reads YAML.
"""

from __future__ import annotations

import copy
import csv
import difflib
import io
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver

from .errors import Path, Problem, ScenarioError, format_path
from .schema import schema_keys
from .units import parse_duration

Position = tuple[str, int | None, int | None]
"""(file, line, column), 1-based; line and column are None where unknown (``--set``)."""


@dataclass
class Document:
    """Plain scenario data and where each key path was written."""

    data: dict[str, Any]
    positions: dict[Path, Position] = field(default_factory=dict)
    source: str = "<scenario>"
    warnings: list[str] = field(default_factory=list)
    """What deserves a warning but is not an error (a what-if that changes nothing)."""
    base: Document | None = field(default=None, repr=False, compare=False)
    """The resolved document this one ``extends``, as it was before this file's changes."""

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


MAX_FILE_BYTES = 500_000
"""Largest scenario (YAML) file read, in bytes; checked before reading. The shipped scenarios
are under 15 kB; the pure-Python YAML reader takes a few seconds for a file this size."""

MAX_CSV_BYTES = 20_000_000
"""Largest empirical CSV file read, in bytes; checked before reading."""

MAX_DEPTH = 32
"""Deepest nesting of maps and lists accepted in a file (a scenario needs at most 7)."""

MAX_VALUES = 250_000
"""Most values (map entries, list items) in one file, counting each use of an alias anew."""

MAX_EXTENDS = 20
"""Longest chain of files that ``extends`` one another."""


class Unreadable(Exception):
    """A file that cannot be read; the message says why (without the file name)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


SCENARIO_SUFFIXES = (".yaml", ".yml")
"""Name endings of a scenario file: the file given to a command, and each file it ``extends``."""

TIMES_SUFFIXES = (".csv", ".txt")
"""Name endings of an empirical times file (``file:`` in a distribution)."""
TIMED = ("service", "travel")
"""The maps of a stage whose distributions may be empirical times read from a file."""

SYSTEM_DIRECTORIES = ("/proc", "/sys", "/dev")
"""Where no scenario or data file lives: files there describe the running system, and a
"regular" file under ``/proc`` says its size is 0 yet reads non-empty."""


def wrong_suffix(path: str | FilePath, suffixes: tuple[str, ...]) -> bool:
    """Whether the name of ``path`` ends in none of ``suffixes`` (in any case). A directory is
    not refused here: reading it says it is a directory, which is the clearer message."""
    return FilePath(path).suffix.lower() not in suffixes and not os.path.isdir(path)


def _ends(suffixes: tuple[str, ...]) -> str:
    return " or ".join(suffixes)


def read_bytes(path: str | FilePath, limit: int) -> bytes:
    """The content of the regular file ``path``, refusing directories, devices, pipes, files
    under /proc, /sys and /dev, and files over ``limit`` bytes before reading anything; a file
    that reads more bytes than its size (a special file) is refused too.

    Raises:
        FileNotFoundError: when there is no such file.
        Unreadable: for anything else that keeps the file from being read.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise
    except ValueError:  # a NUL character in the name
        raise Unreadable("has a NUL character in its name") from None
    except OSError as exc:
        raise Unreadable(f"cannot be opened ({exc.strerror})") from None
    _check_kind(info.st_mode, info.st_size, limit)
    _check_place(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise Unreadable(f"cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())  # the file opened is the file checked
        _check_kind(info.st_mode, info.st_size, limit)
        try:
            data = handle.read(info.st_size + 1)
        except OSError as exc:
            raise Unreadable(f"cannot be read ({exc.strerror})") from None
    if len(data) > info.st_size:
        raise Unreadable(
            f"is not an ordinary file: it reads more than the {info.st_size:,} bytes its size "
            "says (a special file, such as those under /proc, or a file being written)"
        )
    return data


def _check_place(path: str | FilePath) -> None:
    real = os.path.realpath(path)
    for top in SYSTEM_DIRECTORIES:
        if real == top or real.startswith(top + os.sep):
            raise Unreadable(f"is a system file under {top}, not a scenario or data file")


def _check_kind(mode: int, size: int, limit: int) -> None:
    if stat.S_ISDIR(mode):
        raise Unreadable("is a directory, not a file")
    if not stat.S_ISREG(mode):
        raise Unreadable("is not a regular file (it is a device, a pipe or a socket)")
    if size > limit:
        _too_big(size, limit)


def _too_big(size: int, limit: int) -> None:
    raise Unreadable(f"is too large: {size:,} bytes, and at most {limit:,} are read")


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``offset`` of ``data``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def decode_text(data: bytes) -> str:
    """``data`` as UTF-8 text (a leading byte-order mark is dropped).

    Raises:
        Unreadable: positioned at the first NUL byte or the first byte that is not UTF-8.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable("the file is UTF-16 text: save it as UTF-8", 1, 1)
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _line_column(data, nul)
        raise Unreadable(
            "the file contains a NUL byte: it is not a text file (or not saved as UTF-8)",
            line,
            column,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(data, exc.start)
        raise Unreadable(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be read (save the file as UTF-8)",
            line,
            column,
        ) from None
    return text.removeprefix("\ufeff")


_TAG_PREFIX = "tag:yaml.org,2002:"


def _tag_name(tag: Any) -> str:
    text = str(tag)
    return "!!" + text[len(_TAG_PREFIX) :] if text.startswith(_TAG_PREFIX) else text


def _kind_of(value: Any) -> str:
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    return f"the number {value!r}"


class _Node:
    """A map or list being read, with the positions of what is in it (relative paths)."""

    __slots__ = ("value", "positions", "anchor", "size", "key", "key_at", "seen", "merges")

    def __init__(self, value: dict[str, Any] | list[Any], anchor: str | None):
        self.value = value
        self.positions: dict[Path, tuple[int, int]] = {}
        self.anchor = anchor
        self.size = 1
        self.key: str | None = None
        """The key whose value comes next (maps); None while a key is expected."""
        self.key_at: tuple[int, int] = (0, 0)
        self.seen: dict[str, int] = {}
        """Line of each key written in this map, for duplicates."""
        self.merges: list[tuple[Any, dict[Path, tuple[int, int]], tuple[int, int]]] = []


_MERGE = "<<"
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Builder:
    """Plain data and positions from the YAML event stream, without recursion.

    Tags are refused by name before anything is constructed; nesting and the number of values
    (aliases included) are bounded; keys must be text and appear once per map; merge keys
    (``<<: *defaults``) are resolved as in YAML 1.1, keeping the positions of merged keys.
    """

    def __init__(self, file: str):
        self.file = file
        self.resolver = VersionedResolver(version=(1, 2))
        self.stack: list[_Node] = []
        self.anchors: dict[str, tuple[Any, dict[Path, tuple[int, int]], int]] = {}
        self.count = 0
        self.root: Any = None
        self.root_positions: dict[Path, tuple[int, int]] = {}
        self.root_at: tuple[int, int] | None = None
        self.documents = 0

    def fail(self, mark: Any, message: str) -> ScenarioError:
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        return ScenarioError([Problem(self.file, line, column, self._path(), message)])

    def _path(self) -> Path:
        path: list[str | int] = []
        for node in self.stack:
            if isinstance(node.value, dict):
                if node.key is None or node.key == _MERGE:
                    break
                path.append(node.key)
            else:
                path.append(len(node.value))
        return tuple(path)

    def build(self, events: Any) -> None:
        for event in events:
            if isinstance(event, DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise self.fail(
                        event.start_mark,
                        "a scenario file holds one YAML document; found a second one "
                        "(a line '---')",
                    )
            elif isinstance(event, ScalarEvent):
                self._check_tag(event)
                self._count(event, 1)
                self._scalar(event)
            elif isinstance(event, MappingStartEvent | SequenceStartEvent):
                self._check_tag(event)
                self._count(event, 1)
                if len(self.stack) >= MAX_DEPTH:
                    raise self.fail(
                        event.start_mark,
                        f"maps and lists are nested more than {MAX_DEPTH} levels deep "
                        "(a scenario needs at most 7); is a bracket left open?",
                    )
                if self.stack and self._expecting_key():
                    raise self.fail(
                        event.start_mark,
                        "a key must be a name (text), found a "
                        + ("map" if isinstance(event, MappingStartEvent) else "list"),
                    )
                value: dict[str, Any] | list[Any] = (
                    {} if isinstance(event, MappingStartEvent) else []
                )
                self.stack.append(_Node(value, event.anchor))
                if len(self.stack) == 1:
                    self.root_at = (event.start_mark.line + 1, event.start_mark.column + 1)
            elif isinstance(event, MappingEndEvent | SequenceEndEvent):
                node = self.stack.pop()
                if isinstance(node.value, dict):
                    self._apply_merges(node)
                self._done(node.value, node.positions, node.anchor, node.size, event)
            elif isinstance(event, AliasEvent):
                self._alias(event)

    def _expecting_key(self) -> bool:
        top = self.stack[-1]
        return isinstance(top.value, dict) and top.key is None

    def _check_tag(self, event: Any) -> None:
        if event.tag is not None:
            raise self.fail(
                event.start_mark,
                f"the YAML tag {_tag_name(event.tag)} is not allowed: a scenario holds plain "
                "text, numbers, lists and maps (remove the tag)",
            )

    def _count(self, event: Any, size: int) -> None:
        self.count += size
        if self.count > MAX_VALUES:
            raise self.fail(
                event.start_mark,
                f"the file holds more than {MAX_VALUES:,} values (aliases counted each time "
                "they are used); put long lists of observed times in an empirical CSV file",
            )

    def _scalar(self, event: ScalarEvent) -> None:
        value = self._construct(event)
        if self.stack and self._expecting_key():
            top = self.stack[-1]
            mark = event.start_mark
            if not isinstance(value, str):
                raise self.fail(
                    mark,
                    f"a key must be a name (text), found {_kind_of(value)}; "
                    f'put it in quotes if it is a name ("{_short(event.value)}")',
                )
            merge = value == _MERGE and event.implicit[0]
            if not merge and value in top.seen:
                raise self.fail(
                    mark,
                    f"duplicate key {_short(repr(value))}: it is already given at line "
                    f"{top.seen[value]} of this map (a key can appear once)",
                )
            if not merge:
                top.seen[value] = mark.line + 1
            top.key = _MERGE if merge else value
            top.key_at = (mark.line + 1, mark.column + 1)
            return
        self._done(value, {}, event.anchor, 1, event)

    def _construct(self, event: ScalarEvent) -> Any:
        text = event.value
        bad = _SURROGATE.search(text)
        if bad:
            raise self.fail(
                event.start_mark,
                f"the text contains the invalid character \\u{ord(bad.group()):04x} "
                "(half of a UTF-16 pair)",
            )
        if event.implicit[0]:
            tag = str(self.resolver.resolve(ScalarNode, text, (True, False)))
        else:
            tag = _TAG_PREFIX + "str"
        kind = tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else "str"
        if kind == "null":
            return None
        if kind == "bool":
            return text.lower() == "true"
        if kind == "int":
            digits = text.replace("_", "")
            sign = -1 if digits.startswith("-") else 1
            digits = digits.lstrip("+-")
            base = {"0o": 8, "0x": 16, "0b": 2}.get(digits[:2].lower(), 10)
            try:
                return sign * int(digits[2:] if base != 10 else digits, base)
            except ValueError:
                raise self.fail(
                    event.start_mark, f"the number {_short(text)} has too many digits"
                ) from None
        if kind == "float":
            lowered = text.replace("_", "").lower()
            if lowered.lstrip("+-") == ".nan":
                raise self.fail(event.start_mark, f"{text} (not a number) is not allowed")
            number = float(lowered.replace(".inf", "inf"))
            if math.isinf(number):
                raise self.fail(
                    event.start_mark,
                    f"{_short(text)} is infinite or too large for a number: give a finite number",
                )
            return number
        return text

    def _alias(self, event: AliasEvent) -> None:
        if event.anchor not in self.anchors:
            raise self.fail(
                event.start_mark,
                f"unknown alias *{_short(event.anchor)}: an alias must come after its anchor "
                f"&{_short(event.anchor)}, and not inside it",
            )
        value, positions, size = self.anchors[event.anchor]
        self._count(event, size)
        if self.stack and self._expecting_key():
            raise self.fail(
                event.start_mark,
                f"a key must be a name written in the map, found *{_short(event.anchor)}",
            )
        self._done(copy.deepcopy(value), positions, None, size, event)

    def _done(
        self,
        value: Any,
        positions: dict[Path, tuple[int, int]],
        anchor: str | None,
        size: int,
        event: Any,
    ) -> None:
        """A complete value: remember its anchor and put it in its parent."""
        if anchor is not None:
            self.anchors[anchor] = (value, positions, size)  # each alias copies it
        if not self.stack:
            self.root = value
            self.root_positions = positions
            if self.root_at is None:
                self.root_at = (event.start_mark.line + 1, event.start_mark.column + 1)
            return
        top = self.stack[-1]
        top.size += size
        if isinstance(top.value, dict):
            key = top.key
            assert key is not None
            top.key = None
            if key == _MERGE:
                top.merges.append((value, positions, top.key_at))
                return
            top.value[key] = value
            top.positions[(key,)] = top.key_at
            for rel, at in positions.items():
                top.positions[(key, *rel)] = at
        else:
            index = len(top.value)
            top.value.append(value)
            mark = event.start_mark
            top.positions[(index,)] = (mark.line + 1, mark.column + 1)
            for rel, at in positions.items():
                top.positions[(index, *rel)] = at

    def _apply_merges(self, node: _Node) -> None:
        """Keys of ``<<:`` maps not written in ``node`` itself; earlier sources win."""
        assert isinstance(node.value, dict)
        for value, positions, at in node.merges:
            sources: list[tuple[Any, dict[Path, tuple[int, int]]]]
            if isinstance(value, list):
                sources = [
                    (item, {rel[1:]: p for rel, p in positions.items() if rel[0] == i})
                    for i, item in enumerate(value)
                ]
            else:
                sources = [(value, positions)]
            for source, where in sources:
                if not isinstance(source, dict):
                    raise ScenarioError(
                        [
                            Problem(
                                self.file,
                                *at,
                                self._path(),
                                "a merge key '<<' takes a map or a list of maps "
                                "(e.g. <<: *defaults)",
                            )
                        ]
                    )
                for key, item in source.items():
                    if key in node.value:
                        continue
                    node.value[key] = copy.deepcopy(item)
                    for rel, p in where.items():
                        if rel and rel[0] == key:
                            node.positions[rel] = p


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_yaml(text: str, file: str) -> Document:
    """Parse YAML 1.2 ``text`` (from ``file``, used in messages) into a :class:`Document`.

    Nothing is constructed from tags: a tagged value is an error, as are keys that are not
    text, duplicate keys, more than one document, nesting deeper than :data:`MAX_DEPTH` and
    numbers that are infinite or NaN.
    """
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    builder = _Builder(file)
    try:
        builder.build(yaml.parse(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ScenarioError(
            [Problem(file, line, column, (), f"YAML syntax error: {what}")]
        ) from None
    except ReaderError as exc:
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        raise ScenarioError(
            [
                Problem(
                    file,
                    line,
                    column,
                    (),
                    f"the character {char!r} (#x{ord(char):04x}) is not allowed in a YAML file",
                )
            ]
        ) from None
    except YAMLError as exc:
        raise ScenarioError([Problem(file, None, None, (), f"YAML error: {exc}")]) from None
    data = builder.root
    if builder.count == 0:
        raise ScenarioError(
            [
                Problem(
                    file,
                    1,
                    1,
                    (),
                    "the file is empty (or holds only comments): expected a map of keys "
                    "(name:, streams:, ...)",
                )
            ]
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                Problem(
                    file,
                    *(builder.root_at or (1, 1)),
                    (),
                    f"expected a map of keys (name:, streams:, ...), found {_found_kind(data)}",
                )
            ]
        )
    positions: dict[Path, Position] = {(): (file, 1, 1)}
    for path, (line, column) in builder.root_positions.items():
        positions[path] = (file, line, column)
    return Document(data, positions, file)


def _found_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):  # not quoted: the file may be anything but a scenario
        return f"text of {len(value):,} characters, not key: value lines"
    return _kind_of(value)


def read_yaml(path: str | FilePath) -> Document:
    """Read one YAML file (no ``extends`` resolution), refusing what is not a text file."""
    path = FilePath(path)
    try:
        text = decode_text(read_bytes(path, MAX_FILE_BYTES))
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, None, (), "file not found")]) from None
    except Unreadable as exc:
        message = (
            exc.message if exc.line is not None else f"cannot read this file: it {exc.message}"
        )
        raise ScenarioError([Problem(str(path), exc.line, exc.column, (), message)]) from None
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
        if wrong_suffix(path, SCENARIO_SUFFIXES):
            message = f"the name of a scenario file must end in {_ends(SCENARIO_SUFFIXES)}"
            raise ScenarioError([Problem(str(path), None, None, (), message)])
        main = read_yaml(path)
        _looks_like_a_scenario(main, main, ())
        doc = _extend(main, path.parent, (path.resolve(),))
    unchanged = unchanged_from_base(doc)
    if unchanged:
        doc.warnings.append(unchanged)
    if overrides:
        doc = apply_overrides(doc, overrides)
    _read_empirical_files(doc)
    return doc


SCENARIO_KEYS = tuple(schema_keys(()))
"""The keys of the top level of a scenario file."""


def _looks_like_a_scenario(doc: Document, referrer: Document, path: Path) -> None:
    """Refuse a file whose top level is a map of keys that are (nearly) all foreign, such as a
    system file, in one problem that lists none of them (at ``path`` of ``referrer``)."""
    keys = list(doc.data)
    known = sum(1 for key in keys if key in SCENARIO_KEYS)
    unknown = len(keys) - known
    if not keys or (known and unknown <= max(5, known)):
        return
    if len(keys) == 1:
        count = "its one top-level key is not a scenario key"
    elif not known:
        count = f"none of its {len(keys):,} top-level keys is a scenario key"
    else:
        are = "is a scenario key" if known == 1 else "are scenario keys"
        count = f"only {known} of its {len(keys):,} top-level keys {are}"
    what = "this file" if doc is referrer else f"{_short(doc.source, 80)!r}"
    raise ScenarioError(
        [
            referrer.problem(
                path,
                f"{what} does not look like a scenario file: {count} (name, streams, stages, "
                "...); its keys are not listed",
            )
        ]
    )


def unchanged_from_base(doc: Document) -> str | None:
    """A warning when ``doc`` extends a file and changes nothing of it but its name and
    descriptions (the two would give the same results), else None.

    Values are compared as the files write them (``240 min`` is not ``4 h``), and an empirical
    ``file:`` as the file it names. :func:`load_document` calls this on the merged document,
    before ``--set`` and empirical files, and keeps the result in ``warnings``.
    """
    base = doc.base
    if base is None:
        return None
    if _comparable(doc) != _comparable(base):
        return None
    changed = [
        what
        for what, differs in (
            ("name", doc.data.get("name") != base.data.get("name")),
            ("descriptions", _descriptions(doc) != _descriptions(base)),
        )
        if differs
    ]
    but = f" except its {' and '.join(changed)}" if changed else ""
    return f"{doc.source} changes nothing of {base.source}{but}"


def _description_paths(data: dict[str, Any]) -> list[tuple[str, ...]]:
    """Where the format has a ``description`` key (text that changes no result)."""
    paths: list[tuple[str, ...]] = [("description",)]
    for section in ("streams", "stages"):
        for name, item in _map(data.get(section)).items():
            paths.append((section, name, "description"))
            if section == "stages":
                for group in _map(_map(item).get("lanes")):
                    paths.append(("stages", name, "lanes", group, "description"))
    return paths


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _descriptions(doc: Document) -> dict[tuple[str, ...], Any]:
    out = {}
    for path in _description_paths(doc.data):
        node: Any = doc.data
        for part in path:
            node = _map(node).get(part)
        out[path] = node
    return out


def _comparable(doc: Document) -> dict[str, Any]:
    """``doc.data`` without name and descriptions, each empirical ``file`` as the file read."""
    data = copy.deepcopy(doc.data)
    data.pop("name", None)
    for path in _description_paths(doc.data):
        node: Any = data
        for part in path[:-1]:
            node = _map(node).get(part)
        _map(node).pop(path[-1], None)
    for stage_name, stage in _map(data.get("stages")).items():
        for part in TIMED:
            for key, spec in _map(_map(stage).get(part)).items():
                if isinstance(spec, dict) and isinstance(spec.get("file"), str):
                    where = ("stages", stage_name, part, key, "file")
                    spec["file"] = str(_empirical_target(doc, where, spec["file"]))
    return data


def _extend(doc: Document, directory: FilePath, chain: tuple[FilePath, ...]) -> Document:
    """Merge ``doc`` over the file its ``extends`` names (recursively)."""
    parent = doc.data.pop("extends", None)
    if parent is None:
        return doc
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(
            [doc.problem(("extends",), f"expected a file name, found {_short(repr(parent))}")]
        )
    target = FilePath(os.path.normpath(directory / parent))
    if wrong_suffix(target, SCENARIO_SUFFIXES):
        raise ScenarioError(
            [
                doc.problem(
                    ("extends",),
                    f"cannot extend {_short(parent)!r}: a scenario file's name ends in "
                    f"{_ends(SCENARIO_SUFFIXES)}",
                )
            ]
        )
    try:
        resolved = target.resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise ScenarioError(
            [doc.problem(("extends",), f"cannot use {_short(parent)!r} as a file name: {exc}")]
        ) from None
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, target))
        raise ScenarioError([doc.problem(("extends",), f"circular extends: {cycle}")])
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(
            [doc.problem(("extends",), f"more than {MAX_EXTENDS} files extend one another")]
        )
    try:
        text = decode_text(read_bytes(target, MAX_FILE_BYTES))
    except FileNotFoundError:
        raise ScenarioError(
            [doc.problem(("extends",), f"file not found: {_short(parent)!r} (looked for {target})")]
        ) from None
    except Unreadable as exc:
        shown = "" if str(target) == parent else f" ({target})"
        if exc.line is not None:  # a problem inside the base file: point at it
            raise ScenarioError(
                [Problem(str(target), exc.line, exc.column, (), exc.message)]
            ) from None
        raise ScenarioError(
            [doc.problem(("extends",), f"cannot read {_short(parent)!r}{shown}: it {exc.message}")]
        ) from None
    parsed = parse_yaml(text, str(target))
    _looks_like_a_scenario(parsed, doc, ("extends",))
    base = _extend(parsed, target.parent, (*chain, resolved))
    merged = _merge(base, doc)
    merged.base = base
    return merged


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
    if list(doc.data) != ["value"]:
        raise ValueError(f"the value {_short(text)!r} is not one YAML value (it has a line break)")
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
                found = "a map" if isinstance(node, dict) else _short(repr(node))
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
            raise ValueError(
                f"{where} is not a map (it is {_short(repr(node))}); it has no key {part!r}"
            )
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
    return Document(data, positions, doc.source, list(doc.warnings), doc.base)


def _read_empirical_files(doc: Document) -> None:
    """Replace ``{dist: empirical, file: times.csv}`` by the values in that CSV file.

    The file is read relative to the scenario file that named it; its first column holds
    durations with units or, with a ``unit:`` key, plain numbers in that unit. The maps on the
    way are copied before they change: a base document may share them.
    """
    stages = doc.data.get("stages")
    if not isinstance(stages, dict):
        return
    stages = doc.data["stages"] = dict(stages)
    problems: list[Problem] = []
    for stage_name, part in [(name, part) for name in stages for part in TIMED]:
        stage = stages[stage_name]
        times = stage.get(part) if isinstance(stage, dict) else None
        if not isinstance(times, dict) or not any(_names_a_file(s) for s in times.values()):
            continue
        times = dict(times)
        stages[stage_name] = {**stage, part: times}
        for key, spec in times.items():
            if not _names_a_file(spec):
                continue
            path = ("stages", stage_name, part, key, "file")
            target = _empirical_target(doc, path, str(spec["file"]))
            if wrong_suffix(target, TIMES_SUFFIXES):
                problems.append(
                    doc.problem(
                        path,
                        f"cannot read {_short(str(spec['file']))!r}: empirical times are read "
                        f"from a file whose name ends in {_ends(TIMES_SUFFIXES)}",
                    )
                )
                continue
            try:
                values = _read_times_csv(target, spec.get("column"), spec.get("unit"))
            except FileNotFoundError:
                problems.append(
                    doc.problem(
                        path,
                        f"file not found: {_short(str(spec['file']))!r} (looked for {target})",
                    )
                )
                continue
            except Unreadable as exc:
                where = f"line {exc.line}, column {exc.column}: " if exc.line is not None else "it "
                problems.append(doc.problem(path, f"cannot read {target}: {where}{exc.message}"))
                continue
            except ValueError as exc:
                problems.append(doc.problem(path, f"{target}: {exc}"))
                continue
            spec = dict(spec)
            for part in ("file", "column", "unit"):
                spec.pop(part, None)
            spec["values"] = values
            times[key] = spec
    if problems:
        raise ScenarioError(problems)


def _names_a_file(spec: Any) -> bool:
    return isinstance(spec, dict) and spec.get("dist") == "empirical" and "file" in spec


def _empirical_target(doc: Document, path: Path, name: str) -> FilePath:
    """The file an empirical ``file:`` at ``path`` names: relative to the file it is written
    in (to the working directory for ``--set`` and dicts)."""
    file, _, _ = doc.where(path)
    in_file = not file.startswith("--set") and not file.startswith("<")
    base = FilePath(file).parent if in_file else FilePath(".")
    return FilePath(os.path.normpath(base / name))


def _read_times_csv(path: FilePath, column: Any, unit: Any) -> list[str]:
    text = decode_text(read_bytes(path, MAX_CSV_BYTES))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValueError(f"not a readable CSV file: {exc}") from None
    if not rows:
        raise ValueError("the file is empty")
    index = 0
    start = 0
    header = rows[0]
    if column is not None:
        if column not in header:
            close = difflib.get_close_matches(str(column), [h[:100] for h in header[:100]], n=1)
            hint = f" (did you mean {_short(close[0])!r}?)" if close else ""
            count = f"{len(header)} column{'s' if len(header) != 1 else ''}"
            raise ValueError(f"no column {_short(str(column))!r} in its first row ({count}){hint}")
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
        cell = row[index].strip()
        if not cell:
            continue
        try:
            parse_duration(f"{cell} {unit}" if unit else cell)
        except ValueError:  # the cell is not shown: the file may be anything but times
            what = "a number" if unit else "a duration with its unit (such as 70 s)"
            raise ValueError(
                f"row {number}, column {index + 1} is not {what}"
                + ("" if unit else "; for plain numbers give unit: s (or min, h)")
            ) from None
        values.append(cell)
    if unit:
        parse_duration(f"1 {unit}")  # an unknown unit is the scenario's mistake: say so
        values = [f"{v} {unit}" for v in values]
    if not values:
        raise ValueError("no values found")
    return values
