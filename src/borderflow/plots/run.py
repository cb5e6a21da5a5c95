"""Figures of one run: waits by hour, wait distribution, queues, utilisation, demand vs lanes.

Each function takes a run directory, a :class:`~borderflow.runner.RunResult` in memory, or
their :class:`~borderflow.plots.io.RunData`, and returns a matplotlib
:class:`~matplotlib.figure.Figure`; nothing is shown or saved here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.artist import Artist
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .io import RunData, RunSource, load_run
from .style import (
    ALL_COLOR,
    NEUTRAL,
    SEQUENTIAL,
    SHORT_COLOR,
    STREAM_PALETTE,
    finish_panels,
    new_figure,
    set_clock_axis,
    stream_colors,
    styled,
)

if TYPE_CHECKING:
    from ..capacity import PoolHour

RunLike = RunSource
"""A run directory, a :class:`~borderflow.runner.RunResult`, or their ``RunData``."""


def _run(run: RunLike) -> RunData:
    return load_run(run)


def _subtitle(run: RunData) -> str:
    n = run.replications
    return f"{run.name} · {n} replication{'s' if n != 1 else ''}, seed {run.meta.get('seed')}"


def _label(data: RunData, stream: str) -> str:
    from .style import stream_label

    return stream_label(stream, data.meta.get("scenario") or {})


def _band(ax, x: np.ndarray, low: np.ndarray, high: np.ndarray, color: str, gid: str) -> None:
    ok = ~(np.isnan(low) | np.isnan(high))
    if ok.any():
        band = ax.fill_between(x, low, high, where=ok, color=color, alpha=0.18, lw=0)
        band.set_gid(gid)


@styled
def hourly_wait(run: RunLike, streams: list[str] | None = None) -> Figure:
    """Mean wait by hour of arrival for each stream, with its 95% CI band, and the 95th
    percentile wait (dashed), from ``hourly.csv``.

    Lines carry gids ``mean:<stream>`` and ``p95:<stream>``; bands ``ci:<stream>``.
    """
    data = _run(run)
    streams = streams or data.streams
    colors = stream_colors(data.streams)
    means, p95s = data.hourly("wait_mean_min"), data.hourly("wait_p95_min")
    figure = new_figure(10, 5.5)
    ax = figure.add_subplot()
    for stream in streams:
        if stream not in means:
            continue
        series, color = means[stream], colors[stream]
        x = series.hours + 0.5
        _band(ax, x, series.ci_low, series.ci_high, color, f"ci:{stream}")
        ax.plot(x, series.mean, color=color, label=_label(data, stream), gid=f"mean:{stream}")
        p95 = p95s[stream]
        ax.plot(p95.hours + 0.5, p95.mean, color=color, ls="--", lw=1.2, gid=f"p95:{stream}")
    first, last = data.counted_hours
    set_clock_axis(ax, first, last, "Hour of arrival at the port")
    ax.set_ylabel("Wait to reach primary inspection (min)")
    ax.set_ylim(bottom=0)
    figure.suptitle("Wait by hour of arrival")
    ax.set_title(_subtitle(data), fontsize=9, fontweight="normal", loc="left")
    handles: list[Artist] = [
        Line2D([], [], color=colors[s], label=_label(data, s)) for s in streams if s in means
    ]
    handles += [
        Line2D([], [], color=NEUTRAL, label="mean wait"),
        Patch(color=NEUTRAL, alpha=0.3, label="95% CI of the mean"),
        Line2D([], [], color=NEUTRAL, ls="--", lw=1.2, label="95th percentile"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1))
    return figure


@styled
def wait_distribution(run: RunLike, streams: list[str] | None = None) -> Figure:
    """Share of travellers who waited at most x minutes, per stream.

    With ``trace.csv`` (``borderflow run --trace``), the empirical distribution (ECDF) of every
    counted traveller of every replication. Without it, the percentiles of ``summary.csv`` (p50,
    p90, p95, max, as means over replications with their 95% CI). Lines carry gids
    ``ecdf:<stream>`` or ``percentiles:<stream>``.
    """
    data = _run(run)
    streams = streams or data.streams
    colors = stream_colors(data.streams)
    waits = data.trace_waits()
    figure = new_figure(10, 5.5)
    ax = figure.add_subplot()
    for level, text in ((0.5, "median"), (0.95, "95%")):
        ax.axhline(level, color="#999999", lw=0.8, ls=":", gid=f"ref:{level}")
        ax.text(
            1.0,
            level,
            f" {text}",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8,
            color="#666666",
        )
    if waits is not None:
        for stream in streams:
            values = waits.get(stream)
            if values is None or not len(values):
                continue
            x, y = _ecdf(values)
            ax.step(
                x,
                y,
                where="post",
                color=colors[stream],
                label=f"{_label(data, stream)} (n={len(values):,})",
                gid=f"ecdf:{stream}",
            )
        note = f"every counted traveller of {data.replications} replications pooled"
    else:
        metrics = (
            ("wait_p50_min", 0.5),
            ("wait_p90_min", 0.9),
            ("wait_p95_min", 0.95),
            ("wait_max_min", 1.0),
        )
        for stream in streams:
            summary = data.summary.get(stream, {})
            points = [(summary[m], p) for m, p in metrics if m in summary]
            if not points:
                continue
            x = np.array([e.mean for e, _ in points])
            y = np.array([p for _, p in points])
            low = np.array([e.ci_low for e, _ in points])
            high = np.array([e.ci_high for e, _ in points])
            err = np.vstack([x - low, high - x])
            err = np.where(np.isnan(err), 0.0, err)
            bars = ax.errorbar(
                x,
                y,
                xerr=err,
                color=colors[stream],
                marker="o",
                ms=5,
                capsize=3,
                lw=1,
                ls=":",
                label=_label(data, stream),
            )
            bars.lines[0].set_gid(f"percentiles:{stream}")
        note = (
            "median, 90th, 95th percentile and longest wait (means over replications, 95% CI);"
            " run with --trace for the whole distribution"
        )
    ax.set_xlabel("Wait to reach primary inspection (min)")
    ax.set_ylabel("Share of travellers who waited at most this long")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(left=0)
    figure.suptitle("Distribution of waits by stream")
    ax.set_title(f"{_subtitle(data)}\n{note}", fontsize=9, fontweight="normal", loc="left")
    ax.legend(loc="lower right")
    return figure


def _ecdf(values: np.ndarray, points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Steps of the ECDF of sorted ``values``, thinned to about ``points`` steps (the first and
    last value kept exactly)."""
    n = len(values)
    if n <= points:
        return np.concatenate([[values[0]], values]), np.arange(n + 1) / n
    idx = np.unique(np.linspace(0, n - 1, points).round().astype(int))
    x = np.concatenate([[values[0]], values[idx]])
    return x, np.concatenate([[0.0], (idx + 1) / n])


def _group_colors(data: RunData) -> dict[tuple[str, str], tuple[str, str]]:
    """(stage, group) -> (colour, marker), distinct within a stage (one panel): a group takes
    the colour of the one stream it serves (dark grey for several) unless another group of
    the stage has it already; then the next palette colour free in the panel, so that no two
    lines of a panel share a colour (markers differ too, for grey print and colour blindness)."""
    from .style import STREAM_PALETTE

    colors = stream_colors(data.streams)
    out: dict[tuple[str, str], tuple[str, str]] = {}
    used: dict[str, set[str]] = {}
    markers = ("", "o", "s", "^", "D", "v", "P", "X")
    count: dict[str, int] = {}
    for stage, group in data.lane_groups:
        served = group_served(data, stage, group)
        color = colors.get(served[0], ALL_COLOR) if len(served) == 1 else ALL_COLOR
        taken = used.setdefault(stage, set())
        if color in taken:
            free = [c for c in (*STREAM_PALETTE, ALL_COLOR) if c not in taken]
            color = free[0] if free else color
        taken.add(color)
        k = count.get(stage, 0)
        count[stage] = k + 1
        out[(stage, group)] = (color, markers[k % len(markers)])
    return out


def group_served(data: RunData, stage: str, group: str) -> list[str]:
    """Streams a lane group serves, from the scenario in ``run.json`` (no ``serves``: every
    stream routed through the stage)."""
    scenario = data.meta.get("scenario") or {}
    spec = ((scenario.get("stages") or {}).get(stage) or {}).get("lanes", {}).get(group, {})
    served = spec.get("serves")
    if served is None:
        served = [
            s
            for s, sp in (scenario.get("streams") or {}).items()
            if stage in (sp.get("route") or [])
        ]
    return list(served)


@styled
def queue_by_hour(run: RunLike) -> Figure:
    """Travellers waiting in each lane group's lines through the day, one panel per stage:
    time-average (solid, with 95% CI band) and hourly maximum (dotted), from
    ``lanes_hourly.csv``. Lines carry gids ``queue_mean:<stage>/<group>`` and
    ``queue_max:<stage>/<group>``."""
    from .style import group_label, stage_label

    data = _run(run)
    scenario = data.meta.get("scenario") or {}
    mean, peak = data.lanes("queue_mean"), data.lanes("queue_max")
    style = _group_colors(data)
    stages = list(dict.fromkeys(stage for stage, _ in data.lane_groups))
    figure = new_figure(10, 2.2 + 2.6 * len(stages))
    axes = figure.subplots(len(stages), 1, sharex=True, squeeze=False)[:, 0]
    first, last = data.counted_hours
    for ax, stage in zip(axes, stages, strict=True):
        handles = []
        for st, group in data.lane_groups:
            if st != stage or (st, group) not in mean:
                continue
            color, marker = style[(st, group)]
            series = mean[(st, group)]
            x = series.hours + 0.5
            _band(ax, x, series.ci_low, series.ci_high, color, f"ci:{st}/{group}")
            label = group_label(st, group, scenario)
            ax.plot(
                x,
                series.mean,
                color=color,
                marker=marker or None,
                ms=4,
                gid=f"queue_mean:{st}/{group}",
            )
            ax.plot(
                peak[(st, group)].hours + 0.5,
                peak[(st, group)].mean,
                color=color,
                ls=":",
                lw=1.2,
                marker=marker or None,
                ms=3,
                gid=f"queue_max:{st}/{group}",
            )
            handles.append(Line2D([], [], color=color, marker=marker or None, ms=4, label=label))
        handles += [
            Line2D([], [], color=NEUTRAL, label="time-average"),
            Line2D([], [], color=NEUTRAL, ls=":", lw=1.2, label="hourly maximum"),
        ]
        ax.set_title(stage_label(stage, scenario), loc="left", fontsize=10)
        ax.set_ylabel("Travellers in line")
        ax.set_ylim(bottom=0)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1))
    set_clock_axis(axes[-1], first, last, "Hour of the day")
    figure.suptitle(
        f"Queue length through the day by lane group\n{_subtitle(data)}",
        fontsize=11,
    )
    axes[0].text(
        0,
        1.12,
        "Vehicles or pedestrians waiting in the group's lines (not in booths); "
        "band: 95% CI of the time-average",
        transform=axes[0].transAxes,
        fontsize=8.5,
        color="#444444",
        va="bottom",
    )
    return figure


def storages(scenario: dict) -> dict[str, list[tuple[str, str | None, float, str]]]:
    """stage -> (what, lane group or None, capacity, unit) of each storage the scenario gives
    there (``what``: ``stage``, ``approach`` or ``group``), from a run's scenario."""
    from pydantic import ValidationError

    from ..scenario.schema import Storage

    out: dict[str, list[tuple[str, str | None, float, str]]] = {}

    def add(stage: str, what: str, group: str | None, raw: object) -> None:
        if raw is None:
            return
        try:  # read as the scenario format reads it
            storage = Storage.model_validate(raw)
        except ValidationError:
            return
        unit = "veh" if storage.metres is None else "m"
        out.setdefault(stage, []).append((what, group, storage.capacity, unit))

    for stage, spec in (scenario.get("stages") or {}).items():
        add(stage, "stage", None, spec.get("storage"))
        add(stage, "approach", None, (spec.get("approach") or {}).get("storage"))
        for group, group_spec in (spec.get("lanes") or {}).items():
            add(stage, "group", group, (group_spec or {}).get("storage"))
    return out


@styled
def storage_by_hour(run: RunLike) -> Figure:
    """For each stage with a storage, the longest line of each lane group by hour (in the
    storage's unit: metres or vehicles) against the storage (dashed), with the hours it was
    full for half the hour or more shaded; then the booth-hours blocked at each stage by a
    full stage ahead. From ``lanes_hourly.csv``. Lines carry gids
    ``queue_peak:<stage>/<group>``, ``storage:<stage>[/<group>]`` and ``blocked:<stage>``."""
    from .style import group_label, stage_label

    data = _run(run)
    scenario = data.meta.get("scenario") or {}
    limited = storages(scenario)
    style = _group_colors(data)
    first, last = data.counted_hours
    figure = new_figure(10, 2.4 + 2.6 * (len(limited) + 1))
    axes = figure.subplots(len(limited) + 1, 1, sharex=True, squeeze=False)[:, 0]
    full = data.lanes("storage_full_min")
    peaks = {True: data.lanes("queue_max_m"), False: data.lanes("queue_max")}
    for ax, (stage, kinds) in zip(axes, limited.items(), strict=False):
        metres = any(unit == "m" for *_, unit in kinds)
        peak = peaks[metres]
        handles: list[Artist] = []
        for st, group in data.lane_groups:
            if st != stage or (st, group) not in peak:
                continue
            color, marker = style[(st, group)]
            series = peak[(st, group)]
            ax.plot(
                series.hours + 0.5,
                series.mean,
                color=color,
                marker=marker or None,
                ms=3,
                gid=f"queue_peak:{st}/{group}",
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    color=color,
                    marker=marker or None,
                    label=group_label(st, group, scenario),
                )
            )
            shaded = full.get((st, group))
            if shaded is not None:
                for hour in shaded.hours[shaded.mean >= 30]:
                    ax.axvspan(hour, hour + 1, color=SHORT_COLOR, alpha=0.10, lw=0)
        for what, bound_group, capacity, unit in kinds:
            if (unit == "m") != metres:
                continue
            color = style[(stage, bound_group)][0] if bound_group is not None else NEUTRAL
            name = {"stage": "stage storage", "approach": "approach", "group": "group storage"}
            ax.axhline(
                capacity,
                color=color,
                ls="--",
                lw=1.2,
                gid=f"storage:{stage}" + (f"/{bound_group}" if bound_group else "") + f":{what}",
            )
            handles.append(
                Line2D([], [], color=color, ls="--", label=f"{name[what]}: {capacity:g} {unit}")
            )
        handles.append(Patch(color=SHORT_COLOR, alpha=0.25, label="full ≥ 30 min of the hour"))
        ax.set_title(stage_label(stage, scenario), loc="left", fontsize=10)
        ax.set_ylabel("Longest line (m)" if metres else "Longest line (vehicles)")
        ax.set_ylim(bottom=0)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax = axes[-1]
    blocked = data.lanes("blocked_booth_hours")
    by_stage: dict[str, np.ndarray] = {}
    hours = np.arange(first, last)
    for (stage, _), series in blocked.items():
        values = by_stage.setdefault(stage, np.zeros(len(hours)))
        index = series.hours - first
        ok = (index >= 0) & (index < len(hours))
        values[index[ok]] += np.nan_to_num(series.mean[ok])
    handles = []
    for n, (stage, values) in enumerate(by_stage.items()):
        if not values.any():
            continue
        color = STREAM_PALETTE[n % len(STREAM_PALETTE)]
        ax.step(hours, values, where="post", color=color, gid=f"blocked:{stage}")
        handles.append(Line2D([], [], color=color, label=stage_label(stage, scenario)))
    if not handles:
        ax.text(0.5, 0.5, "no booth was blocked", transform=ax.transAxes, ha="center")
    ax.set_title("Booths held by vehicles with no room ahead", loc="left", fontsize=10)
    ax.set_ylabel("Booth-hours blocked")
    ax.set_ylim(bottom=0)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1))
    set_clock_axis(axes[-1], first, last, "Hour of the day")
    figure.suptitle(f"Storage and blocking by hour\n{_subtitle(data)}", fontsize=11)
    return figure


@styled
def utilization_heatmap(run: RunLike) -> Figure:
    """Booth utilisation of each lane group by hour (mean over replications), with the number
    of lanes open written in each cell, from ``lanes_hourly.csv``. Grey: no booth staffed."""
    data = _run(run)
    util, lanes_open = data.lanes("utilization"), data.lanes("lanes_open")
    groups = [g for g in data.lane_groups if g in util]
    first, last = data.counted_hours
    hours = np.arange(first, last)
    grid = np.full((len(groups), len(hours)), np.nan)
    opened = np.full_like(grid, np.nan)
    for i, key in enumerate(groups):
        for h, e in zip(util[key].hours, util[key].estimates, strict=True):
            if first <= h < last:
                grid[i, h - first] = e.mean
        for h, e in zip(lanes_open[key].hours, lanes_open[key].estimates, strict=True):
            if first <= h < last:
                opened[i, h - first] = e.mean
    figure = new_figure(11, 1.6 + 0.42 * len(groups) + 1.0)
    ax = figure.add_subplot()
    import matplotlib

    cmap = matplotlib.colormaps[SEQUENTIAL].with_extremes(bad="#e6e6e6")
    image = ax.imshow(
        np.ma.masked_invalid(grid),
        aspect="auto",
        cmap=cmap,
        norm=BoundaryNorm(np.linspace(0, 1, 11), cmap.N),  # steps of 0.1
        extent=(first, last, len(groups), 0),
        interpolation="nearest",
    )
    for i in range(len(groups)):
        for j in range(len(hours)):
            if np.isnan(opened[i, j]):
                continue
            value = grid[i, j]
            dark = not np.isnan(value) and value < 0.6
            ax.text(
                first + j + 0.5,
                i + 0.5,
                f"{opened[i, j]:.0f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if dark else "black",
            )
    from .style import group_label, stage_label

    scenario = data.meta.get("scenario") or {}
    first_stage = groups[0][0] if groups else ""
    ax.set_yticks(
        np.arange(len(groups)) + 0.5,
        [
            group_label(s, g, scenario)
            + ("" if s == first_stage else f" · {stage_label(s, scenario)}")
            for s, g in groups
        ],
    )
    ax.grid(False)
    set_clock_axis(ax, first, last, "Hour of the day")
    ax.set_ylabel("Lane group")
    bar = figure.colorbar(image, ax=ax, pad=0.01, fraction=0.04, ticks=np.linspace(0, 1, 6))
    bar.ax.set_yticklabels([f"{v:.0%}" for v in np.linspace(0, 1, 6)])
    bar.set_label("Utilisation (share of staffed booth time occupied)")
    figure.suptitle("Lane utilisation by hour")
    ax.set_title(
        f"{_subtitle(data)}\nnumbers: lanes open; grey: no booth staffed",
        fontsize=9,
        fontweight="normal",
        loc="left",
    )
    return figure


Pool = tuple[str, tuple[str, ...], tuple[str, ...]]
"""A pool of lanes: its stage, lane groups and streams."""


def _pools(rows: list[PoolHour]) -> dict[Pool, list[PoolHour]]:
    """The hours of :func:`~borderflow.capacity.hourly_load` by pool of lanes (stage, lane
    groups, streams), in first-seen order, each pool's hours in order."""
    out: dict[Pool, list[PoolHour]] = {}
    for r in rows:
        out.setdefault((r.stage, r.groups, r.streams), []).append(r)
    return {key: sorted(pool, key=lambda r: r.hour) for key, pool in out.items()}


@styled
def demand_capacity(run: RunLike) -> Figure:
    """Inspection work arriving against the capacity of the open lanes, by hour of the day, for
    each pool of lanes (``borderflow check``'s table, from the scenario in ``run.json``).

    Both in booths: work as booth-hours per hour, capacity as booth-equivalents open. Hours where
    work reaches capacity are shaded: there the port is short of lanes and the queue grows. Each
    panel has two lines, gids ``demand:<stage>/<groups>`` and ``capacity:<stage>/<groups>``.
    """
    from ..capacity import hourly_load
    from .style import group_label, stream_label

    data = _run(run)
    scenario = data.meta.get("scenario") or {}
    pools = _pools(hourly_load(data.scenario))
    colors = stream_colors(data.streams)
    columns = 2 if len(pools) > 1 else 1
    n_rows = math.ceil(len(pools) / columns)
    figure = new_figure(11, 1.4 + 2.5 * n_rows)
    axes = figure.subplots(n_rows, columns, sharex=True, squeeze=False).ravel()
    x = np.arange(25)
    short_hours = 0
    for ax, ((stage, groups, streams), pool) in zip(axes, pools.items(), strict=False):
        load = np.array([r.offered_load for r in pool])
        capacity = np.array([r.capacity for r in pool])
        color = colors.get(streams[0], ALL_COLOR) if len(streams) == 1 else ALL_COLOR
        key = f"{stage}/{'+'.join(groups)}"
        ax.fill_between(
            x, np.append(capacity, capacity[-1]), step="post", color=NEUTRAL, alpha=0.2, lw=0
        )
        ax.step(
            x,
            np.append(capacity, capacity[-1]),
            where="post",
            color=NEUTRAL,
            lw=1.4,
            gid=f"capacity:{key}",
        )
        ax.step(x, np.append(load, load[-1]), where="post", color=color, lw=2, gid=f"demand:{key}")
        short = load >= capacity
        short &= load > 0
        short_hours += int(short.sum())
        for h in np.flatnonzero(short):
            ax.axvspan(h, h + 1, color=SHORT_COLOR, alpha=0.18, lw=0)
        ax.set_title(
            " + ".join(group_label(stage, g, scenario) for g in groups), loc="left", fontsize=9.5
        )
        ax.text(
            0.99,
            0.97,
            ", ".join(stream_label(s, scenario) for s in streams) or "no stream",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="#444444",
        )
        ax.set_ylim(0, max(float(load.max()), float(capacity.max()), 1e-9) * 1.18)
        ax.set_ylabel("Booth-hours per hour")
        set_clock_axis(ax, 0, 24, "Hour of the day")
    finish_panels(axes, len(pools), columns)
    handles = [
        Line2D(
            [],
            [],
            color=ALL_COLOR,
            lw=2,
            label="demand: inspection work arriving (booth-hours per hour),\n"
            "in the colour of its stream (dark grey: several streams)",
        ),
        Patch(
            facecolor=NEUTRAL,
            alpha=0.35,
            edgecolor=NEUTRAL,
            label="capacity: booth-hours the open lanes can inspect per hour",
        ),
        Patch(color=SHORT_COLOR, alpha=0.25, label="short of lanes: demand at or above capacity"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8.5)
    figure.suptitle(
        f"Demand against the capacity of open lanes by hour\n{data.name} · "
        f"{short_hours} pool-hour{'s' if short_hours != 1 else ''} short of lanes",
        fontsize=11,
    )
    return figure


def _counted_minutes(data: RunData) -> tuple[float, float]:
    first, last = data.counted_hours
    return first * 60.0, last * 60.0


@styled
def share_waiting_over(run: RunLike, thresholds: tuple[float, ...] = (30.0, 60.0)) -> Figure:
    """Share of each stream's travellers who waited more than each threshold (minutes), by
    hour of arrival, every replication pooled, from ``trace.csv``: one panel per threshold.
    Streams that never wait that long are named in the panel instead of drawn at 0. Lines carry
    gids ``over<threshold>:<stream>``.

    Raises:
        PlotInputError: the run has no trace (``borderflow run --trace``).
    """
    from .io import PlotInputError
    from .style import stream_label

    data = _run(run)
    arrays = data.trace_arrays
    if arrays is None:
        raise PlotInputError(f"{data.origin}: the share waiting over a time needs trace.csv")
    scenario = data.meta.get("scenario") or {}
    colors = stream_colors(data.streams)
    start, end = _counted_minutes(data)
    first, last = data.counted_hours
    counted = (arrays["arrival_min"] >= start) & (arrays["arrival_min"] < end)
    hour = np.floor(arrays["arrival_min"] / 60).astype(int)
    figure = new_figure(10, 2.0 + 2.7 * len(thresholds))
    axes = figure.subplots(len(thresholds), 1, sharex=True, squeeze=False)[:, 0]
    names = [str(n) for n in arrays["names"]]
    for ax, threshold in zip(axes, thresholds, strict=True):
        never = []
        for stream in data.streams:
            chosen = counted & (arrays["stream"] == names.index(stream))
            if not chosen.any():
                continue
            over = arrays["wait_min"][chosen] > threshold
            if not over.any():
                never.append(stream_label(stream, scenario))
                continue
            hours = hour[chosen]
            x = np.arange(first, last)
            totals = np.bincount(hours - first, minlength=last - first)[: last - first]
            counts = np.bincount(hours - first, weights=over, minlength=last - first)
            share = np.where(totals > 0, counts[: last - first] / np.maximum(totals, 1), np.nan)
            ax.step(
                np.append(x, last),
                np.append(share, share[-1]) * 100,
                where="post",
                color=colors[stream],
                label=stream_label(stream, scenario),
                gid=f"over{threshold:g}:{stream}",
            )
        ax.set_ylim(0, 100)
        ax.set_ylabel("Share of travellers (%)")
        ax.set_title(f"Waited more than {threshold:g} minutes", loc="left", fontsize=10)
        if never:
            ax.text(  # above the panel, clear of the lines
                1.0,
                1.01,
                "none waited that long: " + ", ".join(never),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=8,
                color="#444444",
            )
        if ax.get_lines():
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    set_clock_axis(axes[-1], first, last, "Hour of arrival at the port")
    figure.suptitle(
        f"How many wait longer than {' and '.join(f'{t:g}' for t in thresholds)} minutes, by "
        f"hour of arrival\n{_subtitle(data)} · every counted traveller pooled",
        fontsize=11,
    )
    return figure


@styled
def lanes_needed(run: RunLike, utilization: float = 0.85) -> Figure:
    """Lanes open against lanes needed by hour, one panel per pool of lanes, from the scenario
    in ``run.json`` (as ``borderflow check``): needed to keep up is the hour's inspection work
    (booth-hours per hour) divided by what one open lane of the pool inspects (its booths, as
    booth-equivalents), rounded up; needed at ``utilization`` leaves that share of slack for
    the randomness of arrivals. Lines carry gids ``open:<stage>/<groups>``,
    ``needed:<stage>/<groups>`` and ``planned:<stage>/<groups>``."""
    from ..capacity import hourly_load
    from .style import group_label, stream_label

    data = _run(run)
    scenario = data.meta.get("scenario") or {}
    pools = {
        key: pool
        for key, pool in _pools(hourly_load(data.scenario)).items()
        if any(r.offered_load > 0 for r in pool)
    }
    colors = stream_colors(data.streams)
    columns = 2 if len(pools) > 1 else 1
    n_rows = math.ceil(len(pools) / columns)
    figure = new_figure(11, 1.6 + 2.5 * n_rows)
    axes = figure.subplots(n_rows, columns, sharex=True, squeeze=False).ravel()
    x = np.arange(25)
    spec = data.scenario
    short = 0
    for ax, ((stage, groups, streams), pool) in zip(axes, pools.items(), strict=False):
        opened = np.array(
            [sum(spec.stages[stage].lanes[g].open_at(r.hour) for g in groups) for r in pool],
            dtype=float,
        )
        total_lanes = sum(spec.stages[stage].lanes[g].lanes for g in groups)
        capacity = np.array([r.capacity for r in pool])
        per_lane = np.where(opened > 0, capacity / np.maximum(opened, 1), np.nan)
        fallback = np.nanmean(per_lane) if np.isfinite(per_lane).any() else 1.0
        per_lane = np.where(np.isnan(per_lane), fallback, per_lane)
        load = np.array([r.offered_load for r in pool])
        needed = np.ceil(load / per_lane - 1e-9)
        planned = np.ceil(load / (per_lane * utilization) - 1e-9)
        color = colors.get(streams[0], ALL_COLOR) if len(streams) == 1 else ALL_COLOR
        key = f"{stage}/{'+'.join(groups)}"
        ax.fill_between(
            x, np.append(opened, opened[-1]), step="post", color=NEUTRAL, alpha=0.2, lw=0
        )
        ax.step(
            x, np.append(opened, opened[-1]), where="post", color=NEUTRAL, lw=1.4, gid=f"open:{key}"
        )
        ax.step(
            x, np.append(needed, needed[-1]), where="post", color=color, lw=2, gid=f"needed:{key}"
        )
        ax.step(
            x,
            np.append(planned, planned[-1]),
            where="post",
            color=color,
            lw=1.2,
            ls=":",
            gid=f"planned:{key}",
        )
        for h in np.flatnonzero(needed > opened):
            ax.axvspan(h, h + 1, color=SHORT_COLOR, alpha=0.18, lw=0)
        short += int((needed > opened).sum())
        ax.axhline(total_lanes, color="#444444", lw=0.8, ls="--")
        ax.set_title(
            " + ".join(group_label(stage, g, scenario) for g in groups), loc="left", fontsize=9.5
        )
        ax.text(
            0.99,
            0.97,
            ", ".join(stream_label(s, scenario) for s in streams),
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="#444444",
        )
        ax.set_ylim(0, max(total_lanes, float(planned.max())) * 1.2 + 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("Lanes")
        set_clock_axis(ax, 0, 24, "Hour of the day")
    finish_panels(axes, len(pools), columns)
    handles = [
        Patch(facecolor=NEUTRAL, alpha=0.35, edgecolor=NEUTRAL, label="lanes open"),
        Line2D([], [], color=ALL_COLOR, lw=2, label="lanes needed to keep up with arrivals"),
        Line2D(
            [],
            [],
            color=ALL_COLOR,
            lw=1.2,
            ls=":",
            label=f"lanes needed at {utilization:.0%} utilisation",
        ),
        Line2D([], [], color="#444444", lw=0.8, ls="--", label="lanes built"),
        Patch(color=SHORT_COLOR, alpha=0.25, label="fewer open than needed to keep up"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8.5)
    figure.suptitle(
        f"Lanes open against lanes needed, by hour\n{data.name} · {short} pool-hour"
        f"{'s' if short != 1 else ''} with fewer lanes open than needed",
        fontsize=11,
    )
    return figure


@styled
def input_output(run: RunLike, replication: int | None = None) -> Figure:
    """The input–output diagram of one replication (the first by default), from ``trace.csv``:
    for each stream that queues, the cumulative count of arrivals and of inspections started
    (the end of the wait) over the day. The vertical gap between the curves is the number in
    line, the horizontal gap the wait of the traveller who arrived then. Lines carry gids
    ``arrivals:<stream>`` and ``started:<stream>``.

    Raises:
        PlotInputError: no trace, or no such replication.
    """
    from .io import PlotInputError
    from .style import stream_label

    data = _run(run)
    arrays = data.trace_arrays
    if arrays is None:
        raise PlotInputError(f"{data.origin}: the input–output diagram needs trace.csv")
    reps = arrays["replication"]
    chosen = int(reps[0]) if replication is None and len(reps) else replication
    if chosen is None or not (reps == chosen).any():
        raise PlotInputError(f"{data.origin}: no replication {replication} in trace.csv")
    scenario = data.meta.get("scenario") or {}
    colors = stream_colors(data.streams)
    names = [str(n) for n in arrays["names"]]
    start, end = _counted_minutes(data)
    first, last = data.counted_hours
    waits = data.summary
    queued = [
        s
        for s in data.streams
        if waits.get(s, {}).get("wait_mean_min") is not None
        and waits[s]["wait_mean_min"].mean >= 1.0
    ] or data.streams[:1]
    columns = 2 if len(queued) > 1 else 1
    n_rows = math.ceil(len(queued) / columns)
    figure = new_figure(11 if columns == 2 else 9, 1.6 + 2.8 * n_rows)
    axes = figure.subplots(n_rows, columns, sharex=True, squeeze=False).ravel()
    for ax, stream in zip(axes, queued, strict=False):
        mine = (reps == chosen) & (arrays["stream"] == names.index(stream))
        arrived = np.sort(arrays["arrival_min"][mine])
        began = np.sort(arrays["start_min"][mine][~np.isnan(arrays["start_min"][mine])])
        # counted from the start of the counted period: those in line then start the count
        before = int((arrived < start).sum() - (began < start).sum())
        t = np.arange(start, end + 0.5, 1.0)  # every minute
        in_ = np.searchsorted(arrived[arrived >= start], t, side="right") + before
        out = np.searchsorted(began[began >= start], t, side="right")
        ax.fill_between(t / 60, out, in_, color=colors[stream], alpha=0.3, lw=0)
        ax.plot(t / 60, in_, color=colors[stream], lw=1.6, gid=f"arrivals:{stream}")
        ax.plot(t / 60, out, color=colors[stream], lw=1.6, ls="--", gid=f"started:{stream}")
        gap = in_ - out
        k = int(np.argmax(gap))
        if gap[k] > 0:
            ax.annotate(
                f"most in line: {gap[k]:,} at {int(t[k] // 60) % 24:02d}:{int(t[k] % 60):02d}",
                (t[k] / 60, (in_[k] + out[k]) / 2),
                xytext=(12, -18),
                textcoords="offset points",
                fontsize=8,
                arrowprops={"arrowstyle": "-", "color": "#444444", "lw": 0.8},
            )
        ax.set_title(stream_label(stream, scenario), loc="left", fontsize=10)
        ax.set_ylabel("Travellers (cumulative)")
        ax.set_ylim(bottom=0)
        set_clock_axis(ax, first, last, "Time of day")
    finish_panels(axes, len(queued), columns)
    handles = [
        Line2D([], [], color=NEUTRAL, lw=1.6, label="arrived (joined the line)"),
        Line2D([], [], color=NEUTRAL, lw=1.6, ls="--", label="reached the booth"),
        Patch(color=NEUTRAL, alpha=0.4, label="in line (the gap)"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8.5)
    figure.suptitle(
        "Input–output diagram: arrivals and inspections started\n"
        f"{data.name} · replication {chosen}; vertical gap: travellers in line, horizontal gap: "
        "their wait",
        fontsize=11,
    )
    return figure


@styled
def observed_waits(
    run: RunLike,
    observed: str,
    offset_min: float | dict[str, float] = 0.0,
    reporting: str = "arrival",
    months: tuple[int, ...] | None = None,
    weekdays: tuple[int, ...] | None = None,
    columns: dict[str, str] | None = None,
) -> Figure:
    """Simulated against observed mean waits by hour, one panel per stream that has a column in
    the CSV of observed waits (CBP's layout: ``month, weekday, hour`` and a column per lane
    type; ``pov_general_min`` goes with ``car_general``, ``ped_ready_min`` with ``ped_ready``,
    or give ``columns``: stream -> column).

    The CBP convention: the observed wait includes a few minutes that are not queueing (the
    drive between its readers), ``offset_min`` is subtracted from it (one number, or minutes
    by column, ``""`` for the others: pedestrian Ready lanes show less); CBP reports a wait at the
    hour it is posted, when the traveller reaches the booth, ``reporting='booth'`` draws each
    simulated hour at the time its travellers reached the booth (the hour of arrival plus its
    mean wait) instead of the hour of arrival. Lines carry gids ``simulated:<stream>`` and
    ``observed:<stream>``.

    Raises:
        PlotInputError: the file is unusable or no column matches a stream.
    """
    from .io import PlotInputError, read_rows
    from .style import stream_label

    data = _run(run)
    scenario = data.meta.get("scenario") or {}
    rows = read_rows(observed)  # once, for every panel
    matched = dict(columns or {})
    if not matched:
        for column in rows[0] if rows else ():
            stream = column.removesuffix("_min").replace("pov_", "car_")
            if stream in data.streams:
                matched[stream] = column
    if not matched:
        raise PlotInputError(
            f"{observed}: no column matches a stream of the run ({', '.join(data.streams)}); "
            "name them like pov_general_min for car_general"
        )
    colors = stream_colors(data.streams)
    means = data.hourly("wait_mean_min")
    streams = [s for s in data.streams if s in matched]
    n_cols = 2 if len(streams) > 1 else 1
    n_rows = math.ceil(len(streams) / n_cols)
    figure = new_figure(11 if n_cols == 2 else 9, 1.8 + 2.7 * n_rows)
    axes = figure.subplots(n_rows, n_cols, sharex=True, squeeze=False).ravel()
    for ax, stream in zip(axes, streams, strict=False):
        waits = _observed_by_hour(rows, observed, matched[stream], months, weekdays)
        series = means.get(stream)
        offset = _offset(offset_min, matched[stream])
        target = np.clip(waits - offset, 0, None)
        ax.plot(
            np.arange(24) + 0.5,
            target,
            color="black",
            marker="o",
            ms=3.5,
            lw=1.2,
            gid=f"observed:{stream}",
        )
        if series is not None:
            hours = series.hours % 24 + 0.5
            if reporting == "booth":
                hours = (hours + np.nan_to_num(series.mean) / 60) % 24
            order = np.argsort(hours)
            ax.plot(
                hours[order],
                series.mean[order],
                color=colors[stream],
                lw=2,
                gid=f"simulated:{stream}",
            )
            _band(
                ax,
                hours[order],
                series.ci_low[order],
                series.ci_high[order],
                colors[stream],
                f"ci:{stream}",
            )
        ax.set_title(
            f"{stream_label(stream, scenario)} · {matched[stream]}"
            + (f" less {offset:g} min" if offset else ""),
            loc="left",
            fontsize=9.5,
        )
        ax.set_ylabel("Mean wait (min)")
        ax.set_ylim(bottom=0)
        set_clock_axis(
            ax, 0, 24, "Hour of arrival" if reporting != "booth" else "Hour reaching the booth"
        )
    finish_panels(axes, len(streams), n_cols)
    chosen = []
    if months:
        chosen.append("months " + ",".join(map(str, months)))
    if weekdays:
        chosen.append("weekdays " + ",".join(map(str, weekdays)))
    handles = [
        Line2D(
            [],
            [],
            color="black",
            marker="o",
            ms=3.5,
            lw=1.2,
            label="observed, less the no-queue offset",
        ),
        Line2D([], [], color=NEUTRAL, lw=2, label="simulated mean (band: 95% CI)"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8.5)
    from pathlib import Path as _Path

    figure.suptitle(
        f"Simulated against observed waits by hour\n{_subtitle(data)}\nobserved: "
        f"{_Path(observed).name}"
        + (f" ({'; '.join(chosen)})" if chosen else "")
        + ("; simulated by the hour the booth is reached" if reporting == "booth" else ""),
        fontsize=11,
    )
    return figure


def _offset(offset: float | dict[str, float], column: str) -> float:
    """The no-queue minutes of one column: its own, else the ``""`` entry, else 0."""
    if isinstance(offset, dict):
        return float(offset.get(column, offset.get("", 0.0)))
    return float(offset)


def _observed_by_hour(
    rows: list[dict[str, str]],
    path: str,
    column: str,
    months: tuple[int, ...] | None,
    weekdays: tuple[int, ...] | None,
) -> np.ndarray:
    """Mean observed wait of each hour of the day (NaN for an hour without one), from the
    ``rows`` of the file at ``path``. Empty cells and zeros are hours with no report (CBP
    publishes no zero wait: its waits include the time between its readers), not waits of zero,
    and are left out."""
    from .io import PlotInputError

    sums, counts = np.zeros(24), np.zeros(24)
    for line, row in enumerate(rows, start=2):
        try:
            if months and int(row["month"]) not in months:
                continue
            if weekdays and int(row["weekday"]) not in weekdays:
                continue
            hour, text = int(row["hour"]), (row.get(column) or "").strip()
            value = float(text) if text else 0.0
        except (KeyError, ValueError, TypeError):
            raise PlotInputError(
                f"{path}, line {line}: expected numbers in month, weekday, hour and {column}"
            ) from None
        if value > 0 and 0 <= hour < 24:
            sums[hour] += value
            counts[hour] += 1
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
