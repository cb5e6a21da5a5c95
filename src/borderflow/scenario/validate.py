"""From plain data to a :class:`Scenario`, with every problem reported at its place in the file.

Two passes share one error list: pydantic checks each key's type and range, and the
cross-references are checked on the plain data (a stream's route names a known stage, a profile
exists, each stage of a route has a lane that serves the stream, visit shares and service times
exist). Problems are listed in the order they appear in the files.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Path, Problem, ScenarioError
from .load import Document, load_document
from .schema import MAX_LANES, Distribution, Scenario, schema_keys
from .size import DEFAULT_MAX_TRAVELLERS, check_size
from .units import format_duration, parse_duration

MAX_BOOTHS = 20_000
"""Most booths (lanes times booths per lane, over all stages) in one scenario."""

MAX_UNKNOWN_KEYS = 20
"""Most unknown keys listed for one file; the others are counted in one more line."""

RESERVED_STREAMS = {
    "all": "the results list every stream together under 'all' (summary.csv, the printed "
    "table), where a stream of that name would be lost",
    "default": "in service: and visit: maps, 'default' is the value for every stream not "
    "named there",
}
"""Stream names that mean something else in a scenario or its results: why each is taken."""


def load_scenario(
    source: str | FilePath | dict[str, Any],
    overrides: list[str] | tuple[str, ...] = (),
    max_travellers: int | None = DEFAULT_MAX_TRAVELLERS,
) -> Scenario:
    """Load and validate a scenario from a YAML file or from a dict.

    Args:
        source: path of a scenario file, or the same content as a Python dict.
        overrides: ``key.path=value`` strings, applied after ``extends`` (as ``--set`` does).
        max_travellers: refuse a scenario that expects more travellers than this in one
            replication (see :func:`~borderflow.scenario.size.check_size`); None for no limit.

    Raises:
        ScenarioError: listing every problem found, each with file, line, column and key path.
    """
    doc = load_document(source, overrides)
    scenario = validate_document(doc)
    if max_travellers is not None:
        check_size(scenario, max_travellers, doc)
    return scenario


def validate_document(doc: Document) -> Scenario:
    """Validate a loaded document; raise :class:`ScenarioError` with all problems."""
    problems: list[Problem] = []
    scenario = None
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, doc))
    seen = {(p.path, p.message) for p in problems}
    for path, message in check_references(doc.data):
        if (path, message) not in seen:
            problems.append(doc.problem(path, message))
    if problems:
        raise ScenarioError(_bounded(sorted(problems, key=file_order)))
    assert scenario is not None
    storage = [doc.problem(path, message) for path, message in _check_storage(scenario)]
    if storage:
        raise ScenarioError(_bounded(sorted(storage, key=file_order)))
    unused = [
        str(doc.problem(path, message))
        for path, message in (*_unused_travel(scenario), *_idle_approach(scenario))
    ]
    scenario._load_warnings = (*doc.warnings, *unused)
    return scenario


def _check_storage(scenario: Scenario) -> list[tuple[Path, str]]:
    """Storage no vehicle could ever use: in metres, shorter than a vehicle that needs it; or
    no room at all at a stage that takes time to reach (the road to it is its storage)."""
    out: list[tuple[Path, str]] = []
    limited = set(scenario.storages())
    for name, stage in scenario.stages.items():
        if stage.batch is not None:
            for stream, spec in scenario.streams.items():
                route = list(spec.route)
                later = route[route.index(name) + 1 :] if name in route else []
                if any(s in limited for s in later):
                    out.append(
                        (
                            ("stages", name, "batch"),
                            f"a batch released from {name} goes on without waiting for room, "
                            f"but a stage after it on the route of {stream} has a storage "
                            f"({_list([s for s in later if s in limited])}): not supported",
                        )
                    )
                    break
        users = [s for s, spec in scenario.streams.items() if name in spec.route]
        travelling = [s for s in users if stage.travel_for(s) is not None]
        for kind, group, storage in stage.storages():
            path: Path = {
                "stage": ("stages", name, "storage"),
                "approach": ("stages", name, "approach", "storage"),
                "group": ("stages", name, "lanes", str(group), "storage"),
            }[kind]
            streams = (
                [s for s in users if group in scenario.groups_serving(name, s)]
                if kind == "group"
                else users
            )
            if not streams:
                continue
            if storage.metres is not None:
                longest = max(streams, key=lambda s: scenario.streams[s].length_m or 0.0)
                length = scenario.streams[longest].length_m or 0.0
                if storage.metres < length:
                    out.append(
                        (
                            path,
                            f"{storage.metres:g} m cannot hold one vehicle of {longest} "
                            f"({length:g} m, its length_m): give at least {length:g} m",
                        )
                    )
            elif storage.vehicles == 0 and kind != "approach":
                roomy = stage.approach is not None and stage.approach.storage.capacity > 0
                late = [s for s in travelling if s in streams and not (kind == "group" and roomy)]
                if late:
                    out.append(
                        (
                            path,
                            f"storage 0 leaves no room for {_list(late)} on its way to {name} "
                            "(its travel time): a vehicle takes its place when it sets off; "
                            "give room for at least 1 vehicle",
                        )
                    )
    return out


def _idle_approach(scenario: Scenario) -> list[tuple[Path, str]]:
    """Approaches nobody waits in: none of the stage's lane groups limits its storage."""
    return [
        (
            ("stages", name, "approach"),
            f"nobody waits in this approach: none of the lane groups of {name} has a storage, "
            "so every traveller goes straight to its lane group",
        )
        for name, stage in scenario.stages.items()
        if stage.approach is not None and all(g.storage is None for g in stage.lanes.values())
    ]


def _unused_travel(scenario: Scenario) -> list[tuple[Path, str]]:
    """Travel times no traveller takes: on a stage that is the first of the route of every
    stream it has a time for (the first stage a traveller visits is reached at arrival)."""
    out: list[tuple[Path, str]] = []
    for name, stage in scenario.stages.items():
        if stage.travel is None:
            continue
        routed = [s for s, spec in scenario.streams.items() if name in spec.route]
        timed = [s for s in routed if stage.travel_for(s) is not None]
        if timed and all(scenario.streams[s].route[0] == name for s in timed):
            out.append(
                (
                    ("stages", name, "travel"),
                    f"no traveller takes this time: {name} is the first stage of the route of "
                    f"{_list(timed)}, reached at arrival",
                )
            )
    return out


def _bounded(problems: list[Problem]) -> list[Problem]:
    """At most :data:`MAX_UNKNOWN_KEYS` unknown keys of each file, then one line for the rest
    (a file that is not a scenario would otherwise have each of its lines listed)."""
    out: list[Problem] = []
    unknown: dict[str, int] = {}
    for problem in problems:
        if problem.message.startswith(_UNKNOWN_KEY):
            unknown[problem.file] = unknown.get(problem.file, 0) + 1
            if unknown[problem.file] > MAX_UNKNOWN_KEYS:
                continue
        out.append(problem)
    for file, count in unknown.items():
        if count > MAX_UNKNOWN_KEYS:
            last = max(i for i, p in enumerate(out) if p.file == file)
            more = count - MAX_UNKNOWN_KEYS
            out.insert(
                last + 1,
                Problem(
                    file,
                    None,
                    None,
                    (),
                    f"... and {more:,} more unknown key{'s' if more != 1 else ''} "
                    f"(only the first {MAX_UNKNOWN_KEYS} are listed)",
                ),
            )
    return out


_UNKNOWN_KEY = "unknown key "


def file_order(problem: Problem) -> tuple[str, int, int]:
    """Sort key of a problem: its file, line and column."""
    return (problem.file, problem.line or 0, problem.column or 0)


def _maps(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _names(value: Any) -> list[tuple[int, str]]:
    return (
        [(i, v) for i, v in enumerate(value) if isinstance(v, str)]
        if isinstance(value, list | tuple)
        else []
    )


def check_references(data: dict[str, Any]) -> list[tuple[Path, str]]:
    """Problems between parts of a scenario, as (key path, message).

    Works on the plain data, so that it runs even when some keys have the wrong type: a file
    with a wrong type and a misspelt stage name gets both problems at once.
    """
    out: list[tuple[Path, str]] = []
    streams, stages, profiles = (_maps(data.get(k)) for k in ("streams", "stages", "profiles"))
    out += _check_times(data)
    out += _check_booths(stages)
    for stage_name, stage in stages.items():
        for group_name, group in _maps(_maps(stage).get("lanes")).items():
            group = _maps(group)
            where = ("stages", stage_name, "lanes", group_name)
            lanes = group.get("lanes")
            plural = "lane" if lanes == 1 else "lanes"
            out += _too_many_open(group.get("open"), lanes, where, f"{plural} of the group")
            for i, served in _names(group.get("serves")):
                if served not in streams:
                    out.append(((*where, "serves", i), unknown("stream", served, streams)))
        for part in ("service", "visit", "travel"):
            for key in _maps(_maps(stage).get(part)):
                if key != "default" and key not in streams:
                    message = unknown("stream", key, streams)
                    if part != "visit" and key in Distribution.model_fields:
                        message += (
                            f" ({part} is a map from a stream name, or 'default', to a "
                            f"distribution: {part}: {{default: {{dist: ..., ...}}}})"
                        )
                    out.append((("stages", stage_name, part, key), message))
    for name, stream in streams.items():
        if name in RESERVED_STREAMS:
            out.append(
                (
                    ("streams", name),
                    f"the stream name {name!r} is reserved: {RESERVED_STREAMS[name]} "
                    "(rename the stream)",
                )
            )
        stream = _maps(stream)
        profile = _maps(stream.get("arrivals")).get("profile")
        if isinstance(profile, str) and profile not in profiles:
            out.append(
                (("streams", name, "arrivals", "profile"), unknown("profile", profile, profiles))
            )
        seen: set[str] = set()
        for i, stage_name in _names(stream.get("route")):
            out += _check_route_stage(stages, name, i, stage_name, seen)
        out += _check_wait_until(stages, name, stream)
    out += _check_visit_after(stages, streams)
    calendar = _maps(data.get("calendar"))
    out += _check_calendar(streams, _maps(calendar.get("monthly")))
    out += _check_dated_open(stages, calendar.get("staffing"))
    return out


def _check_dated_open(stages: dict[str, Any], staffing: Any) -> list[tuple[Path, str]]:
    """Each staffing entry names a known stage and lane group, and opens no more lanes than the
    group has."""
    out: list[tuple[Path, str]] = []
    for i, entry in enumerate(staffing if isinstance(staffing, list) else []):
        entry = _maps(entry)
        where = ("calendar", "staffing", i)
        stage, group = entry.get("stage"), entry.get("group")
        if not isinstance(stage, str):
            continue
        if stage not in stages:
            out.append(((*where, "stage"), unknown("stage", stage, stages)))
            continue
        groups = _maps(_maps(stages[stage]).get("lanes"))
        if not isinstance(group, str):
            continue
        if group not in groups:
            out.append(
                ((*where, "group"), f"{unknown('lane group', group, groups)} at stage {stage!r}")
            )
            continue
        lanes = _maps(groups[group]).get("lanes")
        out += _too_many_open(entry.get("open"), lanes, where, f"lanes of {stage}.{group}")
    return out


def _too_many_open(open_: Any, lanes: Any, where: Path, whose: str) -> list[tuple[Path, str]]:
    """An ``open`` schedule (at ``where``) that opens more lanes than the ``lanes`` there are."""
    numbers = [v for v in _open_values(open_) if isinstance(v, int) and not isinstance(v, bool)]
    if isinstance(lanes, int) and lanes >= 0 and numbers and max(numbers) > lanes:
        return [
            ((*where, "open"), f"open lanes ({max(numbers)}) cannot exceed the {lanes} {whose}")
        ]
    return []


def _check_calendar(streams: dict[str, Any], monthly: dict[str, Any]) -> list[tuple[Path, str]]:
    """Monthly tables name known streams, and no stream is scaled by two tables."""
    out: list[tuple[Path, str]] = []
    taken: dict[str, str] = {}
    for table_name, table in monthly.items():
        table = _maps(table)
        where = ("calendar", "monthly", table_name)
        named = dict(_names(table.get("streams")))
        modes = [m for _, m in _names(table.get("modes"))]
        for i, stream in named.items():
            if stream not in streams:
                out.append(((*where, "streams", i), unknown("stream", stream, streams)))
        if "streams" in table:
            scaled = [s for s in named.values() if s in streams]
        elif "modes" in table:
            scaled = [s for s, spec in streams.items() if _maps(spec).get("mode", "car") in modes]
        else:
            scaled = list(streams)
        for stream in scaled:
            if stream in taken:
                out.append(
                    (
                        where,
                        f"stream {stream!r} is already scaled by monthly table "
                        f"{taken[stream]!r}: a stream takes one table",
                    )
                )
                break
            taken[stream] = table_name
    return out


def _check_wait_until(
    stages: dict[str, Any], name: str, stream: dict[str, Any]
) -> list[tuple[Path, str]]:
    """The stage that ends the published wait is on the route, and everyone visits it."""
    until = stream.get("wait_until")
    route = [s for _, s in _names(stream.get("route"))]
    if not isinstance(until, str) or not route:
        return []
    where = ("streams", name, "wait_until")
    if until not in route:
        return [(where, f"{_name(until)} is not a stage of the stream's route ({_list(route)})")]
    stage = _maps(stages.get(until))
    visit = _maps(stage.get("visit"))
    shares = _open_values(visit.get(name, visit.get("default", 1)))
    after = _maps(_maps(stage.get("visit_after")).get("share"))
    shares += _open_values(after.get(name, after.get("default", 1)))
    numbers = [v for v in shares if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers and min(numbers) < 1:
        return [
            (
                where,
                f"only {min(numbers):g} of the stream visits {_name(until)}: the wait must end "
                "at a stage every traveller of the stream reaches",
            )
        ]
    return []


def _check_visit_after(stages: dict[str, Any], streams: dict[str, Any]) -> list[tuple[Path, str]]:
    """A referral that depends on an earlier one names a stage before it on the route of every
    stream it gives a share for, and known streams."""
    out: list[tuple[Path, str]] = []
    for stage_name, stage in stages.items():
        after = _maps(_maps(stage).get("visit_after"))
        earlier = after.get("stage")
        if not after or not isinstance(earlier, str):
            continue
        where = ("stages", stage_name, "visit_after")
        if earlier not in stages:
            out.append(((*where, "stage"), unknown("stage", earlier, stages)))
            continue
        share = _maps(after.get("share"))
        for key in share:
            if key != "default" and key not in streams:
                out.append(((*where, "share", key), unknown("stream", key, streams)))
        wrong: dict[str, list[str]] = {}  # stream -> its route, where the stage is not before
        for name, stream in streams.items():
            route = [s for _, s in _names(_maps(stream).get("route"))]
            if stage_name not in route or (name not in share and "default" not in share):
                continue
            if earlier not in route[: route.index(stage_name)]:
                wrong[name] = route
        if wrong:  # one problem for all the streams concerned
            first, route = next(iter(wrong.items()))
            names = ", ".join(_name(n) for n in wrong)
            where_ = f"route of {names} ({_list(route)})"
            if len(wrong) > 1:
                where_ = f"routes of {names} (that of {_name(first)}: {_list(route)})"
            out.append(
                (
                    (*where, "stage"),
                    f"{_name(earlier)} is not before {_name(stage_name)} on the {where_}: a "
                    "referral can only depend on an earlier one",
                )
            )
    return out


def _check_booths(stages: dict[str, Any]) -> list[tuple[Path, str]]:
    """All the booths of the port together, each of which the model keeps in memory."""
    total = 0
    for stage in stages.values():
        for group in _maps(_maps(stage).get("lanes")).values():
            lanes = _maps(group).get("lanes")
            booths = _maps(group).get("booths_per_lane", 1)
            if isinstance(lanes, int) and isinstance(booths, int) and 0 <= lanes <= MAX_LANES:
                total += lanes * min(max(booths, 1), 4)  # bool is an int, and counts as 0 or 1
    if total > MAX_BOOTHS:
        return [
            (
                ("stages",),
                f"the lane groups have {total:,} booths in all; at most {MAX_BOOTHS:,} can be "
                "simulated",
            )
        ]
    return []


def _check_times(data: dict[str, Any]) -> list[tuple[Path, str]]:
    try:
        horizon = parse_duration(data.get("horizon", "24 h"))
        warmup = parse_duration(data.get("warmup", "0 h"))
    except ValueError:
        return []
    if horizon > 0 and warmup >= horizon:
        return [
            (
                ("warmup",),
                f"the warm-up ({format_duration(warmup)}) must be shorter than "
                f"the horizon ({format_duration(horizon)})",
            )
        ]
    return []


def _check_route_stage(
    stages: dict[str, Any], name: str, i: int, stage_name: str, seen: set[str]
) -> list[tuple[Path, str]]:
    where = ("streams", name, "route", i)
    if stage_name not in stages:
        return [(where, unknown("stage", stage_name, stages))]
    if stage_name in seen:
        return [(where, f"stage {_name(stage_name)} appears twice in the route")]
    seen.add(stage_name)
    out: list[tuple[Path, str]] = []
    stage = _maps(stages[stage_name])
    groups = _maps(stage.get("lanes"))
    serving = {
        g: _maps(spec)
        for g, spec in groups.items()
        if "serves" not in _maps(spec) or name in [n for _, n in _names(_maps(spec).get("serves"))]
    }
    if groups and not serving:
        out.append(
            (
                where,
                f"no lane group of stage {_name(stage_name)} serves stream {_name(name)} "
                f"(add it to the 'serves' list of one of: {_list(groups)})",
            )
        )
    elif serving and all(_never_open(spec) for spec in serving.values()):
        out.append(
            (
                where,
                f"the lanes of stage {_name(stage_name)} that serve {_name(name)} "
                f"({_list(serving)}) are never open",
            )
        )
    service = stage.get("service")
    if isinstance(service, dict) and name not in service and "default" not in service:
        out.append(
            (
                ("stages", stage_name, "service"),
                f"no service time for stream {_name(name)} and no 'default'",
            )
        )
    visit = stage.get("visit")
    if isinstance(visit, dict) and name not in visit and "default" not in visit:
        out.append(
            (
                ("stages", stage_name, "visit"),
                f"no visit share for stream {_name(name)} and no 'default' "
                "(a stream routed here needs one; it is not assumed to be 1)",
            )
        )
    return out


def _open_values(open_: Any) -> list[Any]:
    """Every number of an ``open`` value: one number, 24, or a map of those by day."""
    parts = open_.values() if isinstance(open_, dict) else [open_]
    values: list[Any] = []
    for part in parts:
        values.extend(part if isinstance(part, list) else [part])
    return values


def _never_open(group: dict[str, Any]) -> bool:
    if group.get("lanes") == 0:
        return True
    values = _open_values(group.get("open", group.get("lanes")))
    return all(isinstance(v, int) and not isinstance(v, bool) and v == 0 for v in values)


def unknown(kind: str, name: str, known: typing.Iterable[str]) -> str:
    """'unknown <kind> <name>', with the closest known name or the known ones."""
    known = list(known)
    text = f"unknown {kind} {_name(name)}"
    close = difflib.get_close_matches(name, known, n=1) if len(name) <= 200 else []
    if close:
        text += f" (did you mean {_name(close[0])}?)"
    elif known:
        text += f"; known: {_list(known)}"
    else:
        text += "; none is defined"
    return text


_LISTED = 20
"""Most names listed in one message."""


def _list(names: typing.Iterable[str]) -> str:
    """Names from the file, comma-separated, at most :data:`_LISTED` of them, each cut."""
    names = list(names)
    shown = ", ".join(_short(str(n), 40) for n in names[:_LISTED])
    return shown + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")


def _name(name: object) -> str:
    """A name from the file, quoted and cut to a readable length."""
    return _short(repr(name))


def pydantic_problems(
    exc: ValidationError, doc: Document, root: type[BaseModel] | None = None
) -> list[Problem]:
    """Pydantic's errors as positioned problems in ``doc``, whose schema is the scenario's or,
    given, that of the model ``root``."""
    problems: list[Problem] = []
    seen: set[tuple[Path, str]] = set()
    for err in exc.errors(include_url=False):
        path = _data_path(doc.data, err["loc"])
        kind = err["type"]
        message = str(err["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        value = err.get("input")
        if kind == "extra_forbidden":
            key = path[-1]
            message = f"{_UNKNOWN_KEY}{_short(repr(key))}"
            allowed = schema_keys(path[:-1], root)
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
            message = f"expected one of {expected}, found {_found(value)}"
        elif kind in _EXPECTED:
            message = f"expected {_EXPECTED[kind]}, found {_found(value)}"
        elif kind in _BOUNDS:
            bound = next(iter(err.get("ctx", {}).values()), "?")
            shown = _short(repr(value)) if isinstance(value, str) else _found(value)
            message = f"must be {_BOUNDS[kind]} {bound}, found {shown}"
        elif kind == "too_short":
            least = err.get("ctx", {}).get("min_length", 1)
            message = f"needs at least {least} item{'s' if least != 1 else ''}, found none"
        elif kind not in ("value_error", "assertion_error"):
            message = f"{message[0].lower()}{message[1:]}, found {_found(value)}"
        entry = (path, message)
        if entry in seen:
            continue
        seen.add(entry)
        problems.append(doc.problem(path, message))
    return problems


_EXPECTED = {
    "model_type": "a map of keys",
    "model_attributes_type": "a map of keys",
    "dict_type": "a map of keys",
    "tuple_type": "a list",
    "list_type": "a list",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "string_type": "text",
    "bool_type": "true or false",
}
_BOUNDS = {
    "greater_than_equal": "at least",
    "greater_than": "more than",
    "less_than_equal": "at most",
    "less_than": "less than",
}


def _found(value: Any) -> str:
    """How a value found in the file is named in a message."""
    if isinstance(value, dict):
        return "a map" if value else "an empty map"
    if isinstance(value, list | tuple):
        return "a list" if value else "an empty list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, str):
        return f"the text {_short(repr(value))}"
    if isinstance(value, int) and abs(value) >= 10**30:
        return f"a whole number too large to use ({len(str(abs(value)))} digits)"
    return _short(repr(value))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
