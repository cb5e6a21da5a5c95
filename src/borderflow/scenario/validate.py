"""From plain data to a :class:`Scenario`, with every problem reported at its place in the file.

Two passes share one error list: pydantic checks each key's type and range; then the
cross-references are checked (a stream's route names a known stage, a profile exists, each
stage of a route has a lane that serves the stream, visit shares and service times exist).
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Path, Problem, ScenarioError
from .load import Document, load_document
from .schema import Scenario


def load_scenario(
    source: str | FilePath | dict[str, Any], overrides: list[str] | tuple[str, ...] = ()
) -> Scenario:
    """Load and validate a scenario from a YAML file or from a dict.

    Args:
        source: path of a scenario file, or the same content as a Python dict.
        overrides: ``key.path=value`` strings, applied after ``extends`` (as ``--set`` does).

    Raises:
        ScenarioError: listing every problem found, each with file, line, column and key path.
    """
    if isinstance(source, dict):
        from .load import apply_overrides

        doc = Document(dict(source), {(): ("<dict>", None, None)}, "<dict>")
        if overrides:
            doc = apply_overrides(doc, overrides)
    else:
        doc = load_document(source, overrides)
    return validate_document(doc)


def validate_document(doc: Document) -> Scenario:
    """Validate a loaded document; raise :class:`ScenarioError` with all problems."""
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(_pydantic_problems(exc, doc)) from None
    problems = [doc.problem(path, message) for path, message in check_references(scenario)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def check_references(s: Scenario) -> list[tuple[Path, str]]:
    """Problems between parts of a structurally valid scenario, as (key path, message)."""
    out: list[tuple[Path, str]] = []
    for name, stream in s.streams.items():
        profile = stream.arrivals.profile
        if profile is not None and profile not in s.profiles:
            out.append(
                (("streams", name, "arrivals", "profile"), _unknown("profile", profile, s.profiles))
            )
        seen: set[str] = set()
        for i, stage_name in enumerate(stream.route):
            where = ("streams", name, "route", i)
            if stage_name not in s.stages:
                out.append((where, _unknown("stage", stage_name, s.stages)))
                continue
            if stage_name in seen:
                out.append((where, f"stage {stage_name!r} appears twice in the route"))
            seen.add(stage_name)
            stage = s.stages[stage_name]
            groups = s.groups_serving(stage_name, name)
            if not groups:
                out.append(
                    (
                        where,
                        f"no lane group of stage {stage_name!r} serves stream {name!r} "
                        f"(add it to the 'serves' list of one of: {', '.join(stage.lanes)})",
                    )
                )
            elif all(stage.lanes[g].open_at(h) == 0 for g in groups for h in range(24)):
                out.append(
                    (
                        where,
                        f"the lanes of stage {stage_name!r} that serve {name!r} "
                        f"({', '.join(groups)}) are never open",
                    )
                )
            if name not in stage.service and "default" not in stage.service:
                out.append(
                    (
                        ("stages", stage_name, "service"),
                        f"no service time for stream {name!r} and no 'default'",
                    )
                )
            if stage.visit is not None and name not in stage.visit and "default" not in stage.visit:
                out.append(
                    (
                        ("stages", stage_name, "visit"),
                        f"no visit share for stream {name!r} and no 'default' "
                        "(a stream routed here needs one; it is not assumed to be 1)",
                    )
                )
    for stage_name, stage in s.stages.items():
        for group_name, group in stage.lanes.items():
            for i, stream in enumerate(group.serves or ()):
                if stream not in s.streams:
                    out.append(
                        (
                            ("stages", stage_name, "lanes", group_name, "serves", i),
                            _unknown("stream", stream, s.streams),
                        )
                    )
        for key in list(stage.service) + list(stage.visit or ()):
            if key != "default" and key not in s.streams:
                part = "service" if key in stage.service else "visit"
                out.append(
                    ((("stages", stage_name, part, key)), _unknown("stream", key, s.streams))
                )
    return out


def _unknown(kind: str, name: str, known: typing.Iterable[str]) -> str:
    known = list(known)
    text = f"unknown {kind} {name!r}"
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        text += f" (did you mean {close[0]!r}?)"
    elif known:
        text += f"; known: {', '.join(known)}"
    else:
        text += "; none is defined"
    return text


def _pydantic_problems(exc: ValidationError, doc: Document) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple] = set()
    for err in exc.errors(include_url=False):
        path = _data_path(doc.data, err["loc"])
        kind = err["type"]
        message = str(err["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        value = err.get("input")
        if kind == "extra_forbidden":
            key = path[-1]
            message = f"unknown key {key!r}"
            allowed = _allowed_keys(path[:-1])
            close = difflib.get_close_matches(str(key), allowed, n=1)
            if close:
                message += f" (did you mean {close[0]!r}?)"
            elif allowed:
                message += f"; allowed here: {', '.join(allowed)}"
        elif kind == "missing":
            key = err["loc"][-1]
            message = f"missing required key {key!r}"
            if path and path[-1] == key:
                path = path[:-1]
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            message = f"expected one of {expected}, found {value!r}"
        elif kind not in ("value_error", "assertion_error") and not isinstance(value, dict | list):
            message = f"{message[0].lower()}{message[1:]}, found {value!r}"
        key = (path, message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(doc.problem(path, message))
    return problems


def _data_path(data: Any, loc: tuple) -> Path:
    """Keep the parts of a pydantic location that are keys or indexes of the data.

    Pydantic adds the names of union members and validators to locations; those are not in the
    user's file and would only confuse.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if (
            isinstance(node, dict)
            and part in node
            or isinstance(node, list)
            and isinstance(part, int)
            and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_tag(part):
            path.append(part)  # a missing key: keep it so the message can name it
            node = None
    return tuple(path)


def _is_tag(part: str) -> bool:
    return any(ch in part for ch in "[]()") or part in ("int", "float", "str", "bool")


def _allowed_keys(path: Path) -> list[str]:
    """The keys the schema accepts at ``path`` (for 'did you mean' hints)."""
    model: Any = Scenario
    for part in path:
        if isinstance(part, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None:
                return []
            model = field.annotation
        elif typing.get_origin(model) is dict:
            model = typing.get_args(model)[1]
        else:
            return []
        model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        elif origin in (tuple, list) and typing.get_args(tp):
            tp = typing.get_args(tp)[0]
        else:
            return tp
