"""Figures of one run: waits by hour, wait distribution, queues, utilisation, demand vs lanes.

Each function takes a run directory, a :class:`~borderflow.runner.RunResult` in memory, or
their :class:`~borderflow.plots.io.RunData`, and returns a matplotlib
:class:`~matplotlib.figure.Figure`; nothing is shown or saved here.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.artist import Artist
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .io import RunData, RunSource, load_run
from .style import (
    ALL_COLOR,
    NEUTRAL,
    SEQUENTIAL,
    SHORT_COLOR,
    new_figure,
    set_clock_axis,
    stream_colors,
    styled,
)

RunLike = RunSource
"""A run directory, a :class:`~borderflow.runner.RunResult`, or their ``RunData``."""


def _run(run: RunLike) -> RunData:
    return load_run(run)


def _subtitle(run: RunData) -> str:
    n = run.replications
    return f"{run.name} · {n} replication{'s' if n != 1 else ''}, seed {run.meta.get('seed')}"


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
        ax.plot(x, series.mean, color=color, label=stream, gid=f"mean:{stream}")
        p95 = p95s[stream]
        ax.plot(p95.hours + 0.5, p95.mean, color=color, ls="--", lw=1.2, gid=f"p95:{stream}")
    first, last = data.counted_hours
    set_clock_axis(ax, first, last, "Hour of arrival at the port")
    ax.set_ylabel("Wait to reach primary inspection (min)")
    ax.set_ylim(bottom=0)
    figure.suptitle("Wait by hour of arrival")
    ax.set_title(_subtitle(data), fontsize=9, fontweight="normal", loc="left")
    handles: list[Artist] = [
        Line2D([], [], color=colors[s], label=s) for s in streams if s in means
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
                label=f"{stream} (n={len(values):,})",
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
                label=stream,
            )
            bars.lines[0].set_gid(f"percentiles:{stream}")
        note = (
            "median, 90th, 95th percentile and longest wait (means over replications, 95% CI);"
            " run with --trace for the whole distribution"
        )
    ax.set_xlabel("Wait to reach primary inspection (min)")
    ax.set_ylabel("Share of travellers who waited at most this long")
    ax.set_ylim(0, 1.02)
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
    """(stage, group) -> (colour, marker): the colour of the one stream a group serves (dark
    grey for a group serving several), and a marker telling apart groups of the same colour in
    one stage (one panel)."""
    colors = stream_colors(data.streams)
    out: dict[tuple[str, str], tuple[str, str]] = {}
    used: dict[tuple[str, str], int] = {}
    markers = ("", "o", "s", "^", "D", "v")
    for stage, group in data.lane_groups:
        served = group_served(data, stage, group)
        color = colors.get(served[0], ALL_COLOR) if len(served) == 1 else ALL_COLOR
        k = used.get((stage, color), 0)
        used[(stage, color)] = k + 1
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
    data = _run(run)
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
            label = f"{group} ({', '.join(group_served(data, st, group))})"
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
        ax.set_title(f"{stage}", loc="left", fontsize=10)
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
    ax.set_yticks(np.arange(len(groups)) + 0.5, [f"{s}: {g}" for s, g in groups])
    ax.grid(False)
    set_clock_axis(ax, first, last, "Hour of the day")
    ax.set_ylabel("Lane group (stage: group)")
    bar = figure.colorbar(image, ax=ax, pad=0.01, fraction=0.04, ticks=np.linspace(0, 1, 6))
    bar.set_label("Utilisation (occupied / staffed booth time)")
    figure.suptitle("Lane utilisation by hour")
    ax.set_title(
        f"{_subtitle(data)} · numbers: lanes open; grey: no booth staffed",
        fontsize=9,
        fontweight="normal",
        loc="left",
    )
    return figure


@styled
def demand_capacity(run: RunLike) -> Figure:
    """Inspection work arriving against the capacity of the open lanes, by hour of the day, for
    each pool of lanes (``borderflow check``'s table, from the scenario in ``run.json``).

    Both in booths: work as booth-hours per hour, capacity as booth-equivalents open. Hours where
    work reaches capacity are shaded: there the port is short of lanes and the queue grows. Each
    panel has two lines, gids ``demand:<stage>/<groups>`` and ``capacity:<stage>/<groups>``.
    """
    from ..capacity import hourly_load

    data = _run(run)
    rows = hourly_load(data.scenario)
    pools = list(dict.fromkeys((r.stage, r.groups, r.streams) for r in rows))
    colors = stream_colors(data.streams)
    columns = 2 if len(pools) > 1 else 1
    n_rows = math.ceil(len(pools) / columns)
    figure = new_figure(11, 1.4 + 2.5 * n_rows)
    axes = figure.subplots(n_rows, columns, sharex=True, squeeze=False).ravel()
    x = np.arange(25)
    short_hours = 0
    for ax, (stage, groups, streams) in zip(axes, pools, strict=False):
        pool = sorted(
            (r for r in rows if (r.stage, r.groups, r.streams) == (stage, groups, streams)),
            key=lambda r: r.hour,
        )
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
        ax.set_title(f"{stage}: {' + '.join(groups)}", loc="left", fontsize=9.5)
        ax.text(
            0.99,
            0.97,
            ", ".join(streams) or "no stream",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="#444444",
        )
        ax.set_ylim(0, max(float(load.max()), float(capacity.max()), 1e-9) * 1.18)
        ax.set_ylabel("Booths")
        set_clock_axis(ax, 0, 24, "Hour of the day")
    for ax in axes[len(pools) :]:
        ax.set_visible(False)
    for i, ax in enumerate(axes[: len(pools)]):
        if i + columns >= len(pools):  # nothing drawn below: show the hours here
            ax.xaxis.set_tick_params(labelbottom=True)
        else:
            ax.set_xlabel("")
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
            label="capacity: booths of the open lanes (booth-equivalents)",
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
