"""A staffing result as files (``borderflow staff -o DIR``) and as text for a person to read."""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..output import (
    ITERATIONS_CSV,
    SCHEDULES_CSV,
    SHIFTS_CSV,
    STAFFED_YAML,
    STAFFING_CSV,
    STAFFING_JSON,
    STAFFING_SUMMARY_CSV,
    TARGETS_COMPARED_CSV,
    TARGETS_CSV,
    OutputError,
    append_csv,
    write_csv,
)
from ..scenario.schema import DAYS, HOURS
from .search import STEP_COLUMNS, StaffingResult, Step
from .targets import HourCheck

STAFFING_COLUMNS = ("stage", "lane_group", "day", "hour", "lanes_open")
SCHEDULE_COLUMNS = ("stage", "lane_group", "day", "hour", "found", "stationary", "scenario")
TARGET_COLUMNS = (
    "stream",
    "day",
    "hour",
    "metric",
    "target",
    "mean",
    "ci_low",
    "ci_high",
    "met",
)
SHIFT_COLUMNS = ("stage", "lane_group", "start_hour", "hours", "officers", "break_after")
SUMMARY_COLUMNS = (
    "schedule",
    "lane_hours",
    "booth_hours",
    "officer_hours",
    "officers",
    "hours_missed",
    "missed",
)


def staffing_rows(result: StaffingResult, which: str = "found") -> list[tuple]:
    """Rows of ``staffing.csv``: lanes open per decided group, day type and hour."""
    schedule = result.schedules()[which].schedule
    return [
        (stage, group, result.day_label(t), hour, lanes[t][hour])
        for (stage, group), lanes in schedule.lanes.items()
        for t in range(len(result.plan.types))
        for hour in range(HOURS)
    ]


def schedule_rows(result: StaffingResult) -> list[tuple]:
    """Rows of ``schedules.csv``: the found, stationary and scenario's own lanes side by side."""
    found, stationary, own = (e.schedule for e in result.schedules().values())
    return [
        (
            stage,
            group,
            result.day_label(t),
            hour,
            found.at((stage, group), t, hour),
            stationary.at((stage, group), t, hour),
            own.at((stage, group), t, hour),
        )
        for stage, group in result.plan.keys
        for t in range(len(result.plan.types))
        for hour in range(HOURS)
    ]


def target_rows(checks: list[HourCheck]) -> list[tuple]:
    """Rows of ``targets.csv``: each target in each counted hour of arrival."""
    return [
        (
            c.target.stream,
            c.hour // HOURS,
            c.hour % HOURS,
            c.target.metric,
            c.target.value,
            c.estimate.mean,
            c.estimate.ci_low,
            c.estimate.ci_high,
            c.met,
        )
        for c in checks
    ]


def compared_target_rows(result: StaffingResult) -> list[tuple]:
    """Rows of ``targets_compared.csv``: :func:`target_rows` of each schedule, named first."""
    return [(name, *row) for name, e in result.schedules().items() for row in target_rows(e.checks)]


def shift_rows(result: StaffingResult, which: str = "found") -> list[tuple]:
    """Rows of ``shifts.csv``: officers starting a shift of a length at an hour (of the day,
    or of the week from Monday 00:00 with several day types)."""
    return [
        (stage, group, s.start, s.hours, s.officers, "" if s.break_after is None else s.break_after)
        for (stage, group), plan in result.shifts(which).items()
        for s in plan.shifts
    ]


def summary_rows(result: StaffingResult) -> list[tuple]:
    """Rows of ``staffing_summary.csv``: each schedule's cost and the hours it misses."""
    rows = []
    for name, evaluation in result.schedules().items():
        missed = evaluation.missed()
        rows.append(
            (
                name,
                evaluation.schedule.lane_hours(result.plan),
                evaluation.schedule.booth_hours(result.plan),
                result.officer_hours(name),
                sum(p.officers for p in result.shifts(name).values()),
                len({c.hour for c in missed}) if evaluation.checks else math.nan,
                missed_text(missed),
            )
        )
    return rows


def cycle_text(result: StaffingResult) -> str:
    """What lane-hours and officer-hours are counted over."""
    if result.plan.cycle == "a day":
        return "a day"
    return (
        "the days of a week the run simulates ("
        + ", ".join(t.label for t in result.plan.types)
        + ")"
    )


def missed_text(missed: list[HourCheck]) -> str:
    """``car_general day 1 06:00, 07:00; ...``: the hours that miss, by stream and day."""
    by: dict[tuple[str, int], list[int]] = {}
    for c in missed:
        by.setdefault((c.target.stream, c.hour // HOURS), []).append(c.hour % HOURS)
    return "; ".join(
        f"{stream} day {day} " + ", ".join(f"{h:02d}:00" for h in sorted(set(hours)))
        for (stream, day), hours in by.items()
    )


def step_rows(steps: list[Step]) -> list[tuple]:
    return [
        (
            s.number,
            s.phase,
            s.lane_hours,
            s.hours_missed,
            s.worst,
            s.changed,
            round(s.seconds, 3),
        )
        for s in steps
    ]


class StepLog:
    """``iterations.csv`` written as the search goes, a row per simulation run as it ends, so
    that a crash or a stop loses none of them (a ``journal`` for :func:`staff`).

    Raises:
        OutputError: the folder or the file cannot be written.
    """

    def __init__(self, directory: str | Path):
        self.path = Path(directory) / ITERATIONS_CSV
        self.started = False

    def __call__(self, step: Step) -> None:
        try:
            if not self.started:  # made with the first run: a refused scenario leaves nothing
                self.path.parent.mkdir(parents=True, exist_ok=True)
                write_csv(self.path, STEP_COLUMNS, [])
                self.started = True
            append_csv(self.path, step_rows([step])[0])
        except OSError as exc:
            where = exc.filename or self.path
            raise OutputError(f"cannot write {where}: {exc.strerror or exc}") from None


def staffed_yaml(result: StaffingResult, directory: str | Path) -> str:
    """A scenario file with the found schedule: it ``extends`` the input file (relative to
    ``directory``) with the decided groups' ``open:``, the replications and the seed, so that
    ``borderflow run`` on it reproduces the check. A scenario that did not come from a file, or
    came with ``--set`` changes, is written whole."""
    from ruamel.yaml import YAML

    plan = result.plan
    opens = plan.open_values(result.found.schedule)
    targets = ", ".join(t.text for t in result.targets)
    header = [
        f"# Lanes open found by borderflow staff for {targets}",
        f"# ({result.replications} replications, seed {result.seed}; an hour is met when "
        + ("the upper end of its 95% CI" if result.rule == "ci" else "its mean")
        + " is at or below the target).",
        "# Run it to see the waits it gives: borderflow run staffed.yaml",
    ]
    data: dict[str, Any]
    if result.source is not None and not result.overrides:
        extends = os.path.relpath(Path(result.source).resolve(), Path(directory).resolve())
        data = {
            "name": f"{result.scenario.name}, staffed for {targets}",
            "extends": Path(extends).as_posix(),
            "replications": result.replications,
            "seed": result.seed,
            "stages": {},
        }
        for (stage, group), value in opens.items():
            data["stages"].setdefault(stage, {"lanes": {}})["lanes"][group] = {"open": value}
    else:
        header.append("# The whole scenario is written: it did not come from a file as it is.")
        data = plan.scenario.model_dump(mode="json", exclude_none=True)
        data.pop("extends", None)
        data["name"] = f"{result.scenario.name}, staffed for {targets}"
        for (stage, group), value in opens.items():
            data["stages"][stage]["lanes"][group]["open"] = value
    yaml = YAML()
    yaml.default_flow_style = None
    yaml.width = 100
    out = io.StringIO()
    yaml.dump(data, out)
    return "\n".join(header) + "\n" + out.getvalue()


def metadata(result: StaffingResult) -> dict[str, Any]:
    """What ``staffing.json`` records: the question, the method's settings and the outcome."""
    from .. import __version__

    return {
        "borderflow_version": __version__,
        "scenario_name": result.scenario.name,
        "scenario_file": result.source,
        "overrides": list(result.overrides),
        "targets": [t.text for t in result.targets],
        "rule": result.rule,
        "replications": result.replications,
        "seed": result.seed,
        "groups": [f"{s}.{g}" for s, g in result.plan.keys],
        "day_types": [
            {"day": result.day_label(i), "days": [DAYS[d] for d in t.days]}
            for i, t in enumerate(result.plan.types)
        ],
        "serving": {
            t.stream: [f"{d.stage}.{d.group}" for d in result.plan.serving(t.stream)]
            for t in result.targets
        },
        "first_hour": result.plan.counted.start,
        "hour_day_types": [
            str(result.day_label(result.plan.type_of_hour(h))) for h in result.plan.counted
        ],
        "shift_hours": list(result.shift_hours),
        "breaks": result.breaks,
        "pool_shifts": result.pool_shifts,
        "cycle": cycle_text(result),
        "steps": len(result.steps),
        "met": not result.found.missed(),
        "impossible": missed_text(result.impossible),
        "interrupted": result.interrupted,
        "wall_time_s": round(result.wall_time_s, 3),
        "scenario": result.scenario.model_dump(mode="json", exclude_none=True),
    }


def write_staffing(result: StaffingResult, directory: str | Path) -> list[Path]:
    """Write every file of a staffing result into ``directory``; return the paths.

    Raises:
        OutputError: when the folder or a file cannot be written.
    """
    out = Path(directory)
    tables: list[tuple[str, tuple[str, ...], Callable[[], list[tuple]]]] = [
        (STAFFING_CSV, STAFFING_COLUMNS, lambda: staffing_rows(result)),
        (SCHEDULES_CSV, SCHEDULE_COLUMNS, lambda: schedule_rows(result)),
        (TARGETS_CSV, TARGET_COLUMNS, lambda: target_rows(result.found.checks)),
        (
            TARGETS_COMPARED_CSV,
            ("schedule", *TARGET_COLUMNS),
            lambda: compared_target_rows(result),
        ),
        (SHIFTS_CSV, SHIFT_COLUMNS, lambda: shift_rows(result)),
        (STAFFING_SUMMARY_CSV, SUMMARY_COLUMNS, lambda: summary_rows(result)),
        (ITERATIONS_CSV, STEP_COLUMNS, lambda: step_rows(result.steps)),
    ]
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, columns, rows in tables:
            write_csv(out / name, columns, rows())
            written.append(out / name)
        (out / STAFFED_YAML).write_text(staffed_yaml(result, out), encoding="utf-8")
        (out / STAFFING_JSON).write_text(
            json.dumps(metadata(result), indent=2) + "\n", encoding="utf-8"
        )
        written += [out / STAFFED_YAML, out / STAFFING_JSON]
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from None
    return written


def to_text(result: StaffingResult) -> str:
    """The result for a terminal: the three schedules' cost, the misses, and the shifts."""
    lines = []
    targets = ", ".join(t.text for t in result.targets)
    rule = "the upper end of its 95% CI" if result.rule == "ci" else "its mean"
    lines.append(
        f"Staffing {', '.join(f'{s}.{g}' for s, g in result.plan.keys)} for {targets}: "
        f"{result.replications} replications; an hour is met when {rule} is at or below the "
        "target."
    )
    lines.append(f"Lane-, booth- and officer-hours are for {cycle_text(result)}.")
    header = ("schedule", "lane-hours", "booth-hours", "officer-hours", "hours missed")
    rows = [header]
    for name, lane_h, booth_h, officer_h, _, missed, _ in summary_rows(result):
        label = {"found": "found", "stationary": "stationary", "scenario": "scenario's own"}[name]
        rows.append(
            (
                label,
                f"{lane_h:,.0f}",
                f"{booth_h:,.0f}",
                f"{officer_h:,}",
                "-" if isinstance(missed, float) else str(missed),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines.append("")
    for r in rows:
        lines.append(
            "  ".join(
                r[i].ljust(widths[i]) if i == 0 else r[i].rjust(widths[i]) for i in range(len(r))
            )
        )
    lines.append("")
    for name, e in result.schedules().items():
        text = missed_text(e.missed())
        if text and name != "found":
            lines.append(f"The {name} schedule misses: {text}.")
    if result.impossible:
        lines.append(
            "Not met even with every lane open (more lanes needed than the port has): "
            f"{missed_text(result.impossible)}."
        )
    lengths = "/".join(str(h) for h in result.shift_hours)
    for (stage, group), plan in result.shifts().items():
        starts = ", ".join(
            f"{s.officers} at {_clock(s.start, len(plan.need))} ({s.hours} h"
            + ("" if s.break_after is None else f", break after {s.break_after} h")
            + ")"
            for s in plan.shifts
        )
        lines.append(
            f"Shifts of {lengths} h, {stage}.{group}: {plan.officers} officers, "
            f"{plan.officer_hours} officer-hours for {sum(plan.need)} booth-hours"
            + (f": {starts}" if starts else "")
        )
    phases: dict[str, int] = {}
    for s in result.steps:
        phases[s.phase] = phases.get(s.phase, 0) + 1
    lines.append(
        f"Search: {len(result.steps)} simulation runs ("
        + ", ".join(f"{n} {p}" for p, n in phases.items())
        + f"), {result.wall_time_s:.0f} s."
    )
    return "\n".join(lines)


def _clock(hour: int, cycle: int) -> str:
    if cycle == HOURS:
        return f"{hour:02d}:00"
    return f"{DAYS[hour // HOURS][:3].title()} {hour % HOURS:02d}:00"
