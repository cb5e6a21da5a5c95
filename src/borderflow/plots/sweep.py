"""Figures of a sweep: a metric against one parameter, and a map over two with a target contour.

They read a sweep directory, or a :class:`~borderflow.experiments.sweep.SweepResult` in memory
as the same tables: ``points.csv`` (each point's value of every varied parameter),
``results.csv`` (each point's metrics per stream: mean, 95% CI, replications) and, when present,
``sweep.json`` (the design). The figure follows the design:

* ``grid``: one line per value of the second parameter; a heatmap of cells. Further parameters
  are held at one value each (``fixed``, or their first value), named in the subtitle.
* ``one_at_a_time``: the metric against one parameter, the others at the baseline.
* ``lhs`` (or any scattered points): every point with its interval, coloured by the second
  parameter; the map is interpolated between the points (the points are marked).
"""

from __future__ import annotations

import itertools
import math
import textwrap
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from ..findings import in_sentence
from .io import PlotInputError, SweepData, SweepSource, demand_level, is_grid, load_sweep
from .style import (
    OKABE_ITO,
    SEQUENTIAL,
    axis_label,
    binned_norm,
    is_dark,
    is_minutes,
    is_share,
    metric_label,
    new_figure,
    parameter_label,
    sequential_colors,
    styled,
)

SweepLike = SweepSource
"""A sweep directory, a :class:`~borderflow.experiments.sweep.SweepResult`, or their
``SweepData``."""
TARGET_COLOR = OKABE_ITO["vermillion"]


def _sweep(data: SweepLike) -> SweepData:
    return load_sweep(data)


def check_selection(data: SweepData, stream: str, metric: str) -> None:
    """Raise :class:`PlotInputError` if ``stream`` or ``metric`` is not in results.csv."""
    if stream not in data.streams:
        raise PlotInputError(
            f"{data.origin}: no stream {stream!r} in results.csv "
            f"(streams: {', '.join(data.streams)})"
        )
    if metric not in data.metrics:
        raise PlotInputError(
            f"{data.origin}: no metric {metric!r} in results.csv "
            f"(metrics: {', '.join(data.metrics)})"
        )


def _param(data: SweepData, name: str) -> str:
    if name not in data.parameters:
        raise PlotInputError(
            f"{data.origin}: {name!r} is not a swept parameter "
            f"(parameters: {', '.join(data.parameters)})"
        )
    return name


def fixed_combinations(data: SweepData, free: list[str]) -> list[dict[str, str]]:
    """Every combination of the values of the parameters outside ``free`` that the points hold
    (one figure each)."""
    others = [p for p in data.parameters if p not in free]
    if not others:
        return [{}]
    values = [list(dict.fromkeys(p[o] for p in data.points.values())) for o in others]
    seen = {tuple(p[o] for o in others) for p in data.points.values()}
    return [
        dict(zip(others, combo, strict=True))
        for combo in itertools.product(*values)
        if combo in seen
    ]


def _select(
    data: SweepData, fixed: dict[str, str] | None, free: list[str]
) -> tuple[list[str], dict[str, str], str]:
    """(points to draw, parameters held at one value, layout ``'grid'`` or ``'scatter'``)."""
    held = {k: str(v) for k, v in (fixed or {}).items()}
    for name in held:
        _param(data, name)
    points = [p for p, v in data.points.items() if all(v[k] == w for k, w in held.items())]
    if not points:
        raise PlotInputError(f"{data.origin}: no point with {_fixed_text(held)}")
    design = data.design
    if design == "one_at_a_time":
        base = data.baseline()
        if base is not None:
            for q in data.parameters:
                if q not in free and q not in held:
                    held[q] = data.points[base][q]
            points = [p for p in points if all(data.points[p][k] == w for k, w in held.items())]
            return points, held, "grid"
        design = "lhs"
    if design == "lhs":
        return points, held, "scatter"
    for q in data.parameters:
        if q in free or q in held:
            continue
        values = list(dict.fromkeys(data.points[p][q] for p in points))
        if len(values) > 1:
            held[q] = values[0]
            points = [p for p in points if data.points[p][q] == values[0]]
    layout = "grid" if is_grid(data, points, free) else "scatter"
    return points, held, layout


def _fixed_text(held: dict[str, str]) -> str:
    return ", ".join(f"{parameter_label(k)} = {v}" for k, v in held.items())


def _position(data: SweepData, point: str, parameter: str) -> float:
    """Where a point goes along a parameter's axis: its number, or the index of its text."""
    value = data.value(point, parameter)
    if isinstance(value, float):
        return value
    return float(data.values(parameter)[0].index(value))


def _param_axis(ax: Any, data: SweepData, parameter: str, axis: str = "x") -> None:
    """Label and tick the axis of a swept parameter: demand as changes from the scenario's,
    shares in %, text values by name; the swept values as ticks when there are few."""
    values, unit = data.values(parameter)
    numeric = data.is_numeric(parameter)
    base = data.demand_base(parameter) if numeric else None
    share = is_share(parameter) and numeric and not unit
    if base:  # demand: in the units of the change
        label = f"{parameter_label(parameter)} (change from the scenario's {base:,.0f})"
    elif share:
        label = f"{parameter_label(parameter)} (%)"
    else:
        label = parameter_label(parameter) + (f" ({unit})" if unit else "")
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)(label)
    set_ticks = ax.set_xticks if axis == "x" else ax.set_yticks
    if not numeric:
        set_ticks(list(range(len(values))), [_short(v) for v in values])
    elif len(values) <= 12 and data.design != "lhs":  # at the swept values
        if base:
            texts = [f"{v:,.0f}\n{v / base - 1:+.0%}" for v in values]
        else:
            texts = [f"{v:.0%}" if share else _format(v, "") for v in values]
        set_ticks(values, texts)
    elif share:
        (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(PercentFormatter(1.0))


def _short(text: Any, width: int = 18) -> str:
    text = _format(text, "")
    return text if len(text) <= width else text[: width - 1] + "…"


def _format(value: Any, unit: str) -> str:
    if isinstance(value, float):
        text = f"{value:g}"
        return f"{text} {unit}" if unit else text
    return str(value)


@styled
def sweep_lines(
    sweep: SweepLike,
    metric: str = "wait_mean_min",
    stream: str = "all",
    x: str | None = None,
    by: str | None = None,
    fixed: dict[str, str] | None = None,
) -> Figure:
    """``metric`` of ``stream`` against parameter ``x`` (default: the first swept) with 95% CIs.

    On a grid, one line (gid ``line:<value>``) with its band for each value of parameter ``by``
    (default: the second, if any). One at a time: one line, the other parameters at the
    baseline. Scattered points (Latin hypercube): each point with its interval (the scatter's gid
    is ``points``), coloured by ``by``. Parameters not drawn are held at one value (``fixed``, or
    their first), named in the subtitle.
    """
    data = _sweep(sweep)
    check_selection(data, stream, metric)
    x = _param(data, x or data.parameters[0])
    if by is None and len(data.parameters) > 1 and data.design != "one_at_a_time":
        by = next(p for p in data.parameters if p != x)
    if by is not None:
        _param(data, by)
    points, held, layout = _select(data, fixed, [x] + ([by] if by else []))
    results = data.result(stream, metric)
    points = [p for p in points if p in results]
    figure = new_figure(10, 5.5)
    ax = figure.add_subplot()
    if layout == "grid":
        _draw_lines(ax, data, points, results, x, by)
        note = "mean over replications, band: 95% CI"
    else:
        _draw_scatter(figure, ax, data, points, results, x, by)
        note = f"each of the {len(points)} points: mean over replications with its 95% CI"
    _param_axis(ax, data, x)
    ax.set_ylabel(axis_label(metric))
    if metric_label(metric)[1] in {"min", "travellers", "travellers/h"}:
        ax.set_ylim(bottom=0)
    figure.suptitle(
        f"{metric_label(metric)[0]} of {_stream_name(stream)}\n"
        f"against {in_sentence(parameter_label(x))}"
    )
    if held:
        note += f" · {_fixed_text(held)}"
    ax.set_title(textwrap.fill(note, 150), fontsize=9, fontweight="normal", loc="left")
    return figure


def _draw_lines(ax, data: SweepData, points, results, x: str, by: str | None) -> None:
    groups: list[Any] = data.values(by)[0] if by else [None]
    groups = [g for g in groups if any(by is None or data.value(p, by) == g for p in points)]
    colors = sequential_colors(len(groups)) if by else [OKABE_ITO["blue"]]
    for group, color in zip(groups, colors, strict=True):
        chosen = sorted(
            (p for p in points if by is None or data.value(p, by) == group),
            key=lambda p: _position(data, p, x),
        )
        pos = np.array([_position(data, p, x) for p in chosen])
        mean = np.array([results[p].mean for p in chosen])
        low = np.array([results[p].ci_low for p in chosen])
        high = np.array([results[p].ci_high for p in chosen])
        ok = ~(np.isnan(low) | np.isnan(high))
        if ok.any():
            ax.fill_between(
                pos, low, high, where=ok, color=color, alpha=0.18, lw=0, gid=f"ci:{group}"
            )
        base = data.demand_base(by)
        if by is None:
            label = None
        elif base and isinstance(group, float):
            label = demand_level(group, base)
        else:
            label = _format(group, data.values(by)[1])
        ax.plot(pos, mean, color=color, marker="o", ms=5, label=label, gid=f"line:{group}")
    if by:
        unit = data.values(by)[1]
        ax.legend(title=parameter_label(by) + (f" ({unit})" if unit else ""), loc="best")


def _draw_scatter(figure, ax, data: SweepData, points, results, x: str, by: str | None) -> None:
    pos = np.array([_position(data, p, x) for p in points])
    mean = np.array([results[p].mean for p in points])
    low = np.array([results[p].ci_low for p in points])
    high = np.array([results[p].ci_high for p in points])
    err = np.nan_to_num(np.vstack([mean - low, high - mean]), nan=0.0)
    ax.errorbar(pos, mean, yerr=err, fmt="none", ecolor="#999999", elinewidth=1, capsize=2)
    if by is None:
        ax.scatter(pos, mean, color=OKABE_ITO["blue"], s=30, zorder=3, gid="points")
        return
    unit = data.values(by)[1]
    label = parameter_label(by) + (f" ({unit})" if unit else "")
    shade = np.array([_position(data, p, by) for p in points])
    norm = binned_norm(float(shade.min()), float(shade.max())) if data.is_numeric(by) else None
    dots = ax.scatter(
        pos,
        mean,
        c=shade,
        cmap=SEQUENTIAL,
        norm=norm,
        s=36,
        zorder=3,
        gid="points",
        edgecolors="white",
        linewidths=0.5,
    )
    bar = figure.colorbar(dots, ax=ax, pad=0.01, spacing="proportional")
    bar.set_label(label)
    if not data.is_numeric(by):
        values = data.values(by)[0]
        bar.set_ticks(range(len(values)), labels=[_short(v) for v in values])


@styled
def sweep_heatmap(
    sweep: SweepLike,
    metric: str = "wait_p95_min",
    stream: str = "all",
    x: str | None = None,
    y: str | None = None,
    target: float | None = 30.0,
    fixed: dict[str, str] | None = None,
) -> Figure:
    """``metric`` of ``stream`` over two swept parameters (default: the first two), with a
    contour (gid ``target``) where the metric equals ``target`` (None: no contour).

    On a grid, each cell is a point's mean over replications (the image's array: rows are ``y``
    values, columns ``x`` values). Scattered points are marked (gid ``points``) over a map
    interpolated between them. Parameters not drawn are held as in :func:`sweep_lines`.

    Raises:
        PlotInputError: fewer than two swept parameters, a one-at-a-time design, or an unknown
            stream or metric.
    """
    data = _sweep(sweep)
    check_selection(data, stream, metric)
    if len(data.parameters) < 2:
        raise PlotInputError(f"{data.origin}: a heatmap needs two swept parameters, found one")
    if data.design == "one_at_a_time":
        raise PlotInputError(
            f"{data.origin}: a one-at-a-time sweep varies one parameter at a time, so there "
            "is no map over two"
        )
    x = _param(data, x or data.parameters[0])
    y = _param(data, y or next(p for p in data.parameters if p != x))
    points, held, layout = _select(data, fixed, [x, y])
    results = data.result(stream, metric)
    points = [p for p in points if p in results]
    figure = new_figure(9, 6.5)
    ax = figure.add_subplot()
    name, unit = metric_label(metric)
    if layout == "grid" and target is not None:
        counts = _draw_verdicts(ax, data, points, results, x, y, target, metric)
        _param_axis(ax, data, x)
        _param_axis(ax, data, y, "y")
        ax.grid(False)
        handles = [
            Patch(facecolor=VERDICT_COLORS[v], edgecolor="#555555", label=f"{text} ({counts[v]})")
            for v, text in (
                ("met", f"met: whole 95% CI below {target:g} {unit}"),
                ("undecided", "undecided: the CI holds the target"),
                ("not met", f"not met: whole 95% CI above {target:g} {unit}"),
            )
        ]
        figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8.5)
        note = (
            f"each cell: mean over replications [95% CI]; target {name.lower()} {target:g} {unit}"
        )
        _title(figure, ax, f"Where is the target met? {name}", stream, x, y, note, held)
        return figure
    if layout == "grid":
        image, values, contour = _draw_grid(ax, data, points, results, x, y, target)
        note = "mean over replications in each cell"
    else:
        image, values, contour = _draw_map(ax, data, points, results, x, y, target)
        note = f"{len(points)} points (dots), coloured between them by interpolation"
    _param_axis(ax, data, x)
    _param_axis(ax, data, y, "y")
    ax.grid(False)
    bar = figure.colorbar(image, ax=ax, pad=0.02, spacing="proportional")
    bar.set_label(axis_label(metric))
    if target is not None:
        if contour:
            bar.ax.axhline(target, color=TARGET_COLOR, lw=2.5)
            handle = Line2D(
                [], [], color=TARGET_COLOR, lw=2.5, label=f"target: {name} = {target:g} {unit}"
            )
            ax.legend(handles=[handle], loc="upper right", framealpha=0.9, frameon=True)
        elif values.size:
            side = "above" if values.min() > target else "below" if values.max() < target else ""
            note += (
                f"; target {target:g} {unit} not crossed (every point {side} it)"
                if side
                else f"; no contour at the target {target:g} {unit}"
            )
    _title(figure, ax, name, stream, x, y, note, held)
    return figure


def _title(
    figure, ax, what: str, stream: str, x: str, y: str, note: str, held: dict[str, str]
) -> None:
    """A two-parameter figure's title (``what`` of the stream over the two parameters) and its
    note, with the parameters held fixed."""
    figure.suptitle(
        f"{what} of {_stream_name(stream)}\n"
        f"over {in_sentence(parameter_label(x))} and {in_sentence(parameter_label(y))}"
    )
    if held:
        note += f" · {_fixed_text(held)}"
    ax.set_title(note, fontsize=9, fontweight="normal", loc="left")


VERDICT_COLORS = {"met": "#9ad8c2", "undecided": "#e6e6e6", "not met": "#f2b48c"}
"""Cells of a sweep map by their verdict: light bluish green, grey, light vermillion (light
tints of the Okabe–Ito colours, so that the values written on them stay legible)."""


def _stream_name(stream: str) -> str:
    """A stream's display name inside a title: ``general cars``, ``SENTRI cars``."""
    from .style import stream_label

    return in_sentence(stream_label(stream))


def _draw_verdicts(
    ax, data: SweepData, points, results, x: str, y: str, target: float, metric: str = ""
) -> dict[str, int]:
    """Grid cells coloured by whether the target is met by the whole 95% CI (the mesh, gid
    ``cells``, holds 0 met, 1 undecided, 2 not met); the mean and interval written in each."""
    from matplotlib.colors import BoundaryNorm, ListedColormap

    from ..findings import verdicts

    xs = [v for v in data.values(x)[0] if any(data.value(p, x) == v for p in points)]
    ys = [v for v in data.values(y)[0] if any(data.value(p, y) == v for p in points)]
    verdict = verdicts({p: results[p] for p in points}, target)
    code = {"met": 0, "undecided": 1, "not met": 2}
    grid = np.full((len(ys), len(xs)), np.nan)
    for p in points:
        grid[ys.index(data.value(p, y)), xs.index(data.value(p, x))] = code[verdict[p]]
    cx = np.array([v if isinstance(v, float) else data.values(x)[0].index(v) for v in xs], float)
    cy = np.array([v if isinstance(v, float) else data.values(y)[0].index(v) for v in ys], float)
    cmap = ListedColormap([VERDICT_COLORS[k] for k in code]).with_extremes(bad="#ffffff")
    mesh = ax.pcolormesh(
        _edges(cx),
        _edges(cy),
        np.ma.masked_invalid(grid),
        cmap=cmap,
        norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3),
        edgecolors="white",
        linewidth=1.5,
    )
    mesh.set_gid("cells")
    from ..findings import minutes

    def fmt(v: float) -> str:
        return minutes(v) if is_minutes(metric) else f"{v:.3g}"

    for p in points:
        e = results[p]
        vx, vy = cx[xs.index(data.value(p, x))], cy[ys.index(data.value(p, y))]
        ax.text(vx, vy, fmt(e.mean), ha="center", va="bottom", fontsize=9.5, color="black")
        if not (math.isnan(e.ci_low) or math.isnan(e.ci_high)):
            ax.text(
                vx,
                vy,
                f"[{fmt(e.ci_low)}, {fmt(e.ci_high)}]",
                ha="center",
                va="top",
                fontsize=7.5,
                color="#333333",
            )
    if data.is_numeric(x):
        ax.set_xticks(cx, [_format(v, "") for v in xs])
    if data.is_numeric(y):
        ax.set_yticks(cy, [_format(v, "") for v in ys])
    return {k: sum(v == k for v in verdict.values()) for k in code}


def _draw_grid(ax, data: SweepData, points, results, x: str, y: str, target: float | None):
    import matplotlib

    xs, ys = data.values(x)[0], data.values(y)[0]
    xs = [v for v in xs if any(data.value(p, x) == v for p in points)]
    ys = [v for v in ys if any(data.value(p, y) == v for p in points)]
    grid = np.full((len(ys), len(xs)), np.nan)
    for p in points:
        grid[ys.index(data.value(p, y)), xs.index(data.value(p, x))] = results[p].mean
    cx = np.array([v if isinstance(v, float) else data.values(x)[0].index(v) for v in xs], float)
    cy = np.array([v if isinstance(v, float) else data.values(y)[0].index(v) for v in ys], float)
    cmap = matplotlib.colormaps[SEQUENTIAL].with_extremes(bad="#e6e6e6")
    finite = grid[~np.isnan(grid)]
    norm = binned_norm(float(finite.min()), float(finite.max())) if finite.size else None
    image = ax.pcolormesh(_edges(cx), _edges(cy), np.ma.masked_invalid(grid), cmap=cmap, norm=norm)
    image.set_gid("cells")
    for (i, vy), (j, vx) in itertools.product(enumerate(cy), enumerate(cx)):
        if not math.isnan(grid[i, j]):
            dark = is_dark(image.norm, grid[i, j])
            ax.text(
                vx,
                vy,
                f"{grid[i, j]:.3g}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
    if data.is_numeric(x):
        ax.set_xticks(cx, [_format(v, "") for v in xs])
    if data.is_numeric(y):
        ax.set_yticks(cy, [_format(v, "") for v in ys])
    drawn = False
    if (
        target is not None
        and finite.size
        and finite.min() <= target <= finite.max()
        and min(grid.shape) >= 2
    ):
        contour = ax.contour(
            cx,
            cy,
            np.ma.masked_invalid(grid),
            levels=[target],
            colors=[TARGET_COLOR],
            linewidths=2.5,
        )
        contour.set_gid("target")
        drawn = True
    return image, finite, drawn


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges half-way between centres (cells of unequal width for uneven values)."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate(
        [
            [centres[0] - (middle[0] - centres[0])],
            middle,
            [centres[-1] + (centres[-1] - middle[-1])],
        ]
    )


def _draw_map(ax, data: SweepData, points, results, x: str, y: str, target: float | None):
    from matplotlib.tri import Triangulation

    px = np.array([_position(data, p, x) for p in points])
    py = np.array([_position(data, p, y) for p in points])
    values = np.array([results[p].mean for p in points])
    ok = ~np.isnan(values)
    px, py, values = px[ok], py[ok], values[ok]
    dots = ax.scatter(
        px,
        py,
        c=values,
        cmap=SEQUENTIAL,
        norm=binned_norm(float(values.min()), float(values.max())) if values.size else None,
        s=42,
        edgecolors="white",
        linewidths=0.8,
        zorder=3,
        gid="points",
    )
    drawn = False
    if values.size < 3:  # no triangle to colour between: the dots alone
        return dots, values, drawn
    try:
        # scale both axes to [0, 1] so that the triangles do not depend on the units
        sx = (px - px.min()) / (np.ptp(px) or 1)
        sy = (py - py.min()) / (np.ptp(py) or 1)
        triangles = Triangulation(sx, sy).triangles
        mesh = Triangulation(px, py, triangles)
        ax.tricontourf(
            mesh,
            values,
            levels=dots.norm.boundaries,
            cmap=SEQUENTIAL,
            alpha=0.55,
            zorder=1,
            norm=dots.norm,
        )
        if target is not None and values.min() <= target <= values.max():
            contour = ax.tricontour(
                mesh, values, levels=[target], colors=[TARGET_COLOR], linewidths=2.5, zorder=2
            )
            contour.set_gid("target")
            drawn = True
    except (ValueError, RuntimeError):  # too few points, or all on one line: dots only
        pass
    return dots, values, drawn


def _change(data: SweepData, point: str, parameter: str) -> str:
    """A point's value of a parameter, with its change from the scenario's value for demand
    (``18,000 (+10%)``)."""
    text = data.points[point][parameter]
    base = data.demand_base(parameter)
    value = data.value(point, parameter)
    if base and isinstance(value, float):
        return demand_level(value, base)
    if is_share(parameter) and isinstance(value, float):
        return f"{value:.0%}"
    return text


@styled
def tornado(sweep: SweepLike, metric: str = "wait_p95_min", stream: str = "all") -> Figure:
    """For a one-at-a-time sweep: one bar per parameter from the lowest to the highest mean of
    ``metric`` over its values (the others at the scenario's), the widest swing on top, the
    value at the baseline as a line, and the parameter values at each end. Bars carry gids
    ``bar:<parameter>``.

    Raises:
        PlotInputError: not a one-at-a-time sweep, or an unknown stream or metric.
    """
    from ..findings import tornado_swings

    data = _sweep(sweep)
    check_selection(data, stream, metric)
    base = data.baseline()
    if data.design != "one_at_a_time" or base is None:
        raise PlotInputError(f"{data.origin}: a tornado chart needs a one-at-a-time sweep")
    results = {p: e for p, e in data.result(stream, metric).items() if not math.isnan(e.mean)}
    swings = tornado_swings(data, results)
    figure = new_figure(10, 1.8 + 0.6 * max(len(swings), 1))
    ax = figure.add_subplot()
    centre = results[base].mean if base in results else math.nan
    for i, (parameter, low, high) in enumerate(swings):
        points = [
            p
            for p, v in data.points.items()
            if p in results
            and all(v[q] == data.points[base][q] for q in data.parameters if q != parameter)
        ]
        at_low = min(points, key=lambda p: results[p].mean)
        at_high = max(points, key=lambda p: results[p].mean)
        bar = ax.barh(i, high - low, left=low, color=OKABE_ITO["sky_blue"], height=0.55)
        bar.patches[0].set_gid(f"bar:{parameter}")
        ends = (_change(data, at_low, parameter), _change(data, at_high, parameter))
        text = f"{ends[0]} → {ends[1]}" if high > low else "no change over its values"
        ax.annotate(
            text,
            (high, i),
            xytext=(5, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=8,
        )
    if not math.isnan(centre):
        ax.axvline(centre, color="#333333", lw=1.2, gid="baseline")
    ax.set_yticks(range(len(swings)), [parameter_label(p) for p, _, _ in swings])
    ax.set_ylim(len(swings) - 0.5, -0.5)
    ax.set_xlabel(axis_label(metric))
    ax.margins(x=0.2)
    if metric_label(metric)[1] == "min":
        ax.set_xlim(left=0)
    ax.grid(axis="y", visible=False)
    name = metric_label(metric)[0]
    figure.suptitle(
        f"Which input matters most? {name} of {_stream_name(stream)}\n"
        "each input varied alone, the others at the scenario's values (line)\n"
        "labels: the input's values at the two ends of its bar",
        fontsize=11,
    )
    return figure


def plan_figures(
    data: SweepData, metric: str, stream: str, target: float | None
) -> tuple[list[tuple[str, str, Any]], list[str]]:
    """(file name, caption, draw function) of each figure for one stream and metric, and notes
    on what is left out: what :func:`borderflow.plots.plan` uses for sweeps."""
    from .style import slug

    check_selection(data, stream, metric)
    base = f"{slug(metric)}_{slug(stream)}"
    who = _stream_name(stream)
    what = f"{metric_label(metric)[0]} of {who}"
    p0 = parameter_label(data.parameters[0])
    p1 = parameter_label(data.parameters[1]) if len(data.parameters) > 1 else ""
    figures: list[tuple[str, str, Any]] = []
    notes: list[str] = []
    p = data.parameters
    if data.design == "one_at_a_time":
        if len(p) > 1 and data.baseline() is not None:
            figures.append(
                (
                    f"tornado_{base}",
                    f"Which input matters most? {what}: the range over each input's values, the "
                    "others at the scenario's (widest on top).",
                    lambda: tornado(data, metric, stream),
                )
            )
        for parameter in p:
            figures.append(
                (
                    f"sweep_{base}_{slug(parameter)}",
                    f"{what} against {parameter_label(parameter)}, the other parameters at the "
                    "scenario's values (95% CI bands).",
                    lambda q=parameter: sweep_lines(data, metric, stream, x=q),
                )
            )
        if len(p) > 1:
            notes.append("heatmap left out: a one-at-a-time sweep varies one parameter at a time")
        return figures, notes
    combos = fixed_combinations(data, p[:2]) if data.design == "grid" else [{}]
    for i, fixed in enumerate(combos):
        suffix = f"_{i + 1}" if len(combos) > 1 else ""
        held = f" ({_fixed_text(fixed)})" if fixed else ""
        figures.append(
            (
                f"sweep_{base}{suffix}",
                f"How does it respond? {what} against {p0}"
                + (f", by {p1}" if len(p) > 1 else "")
                + f"{held}, with 95% confidence intervals.",
                lambda f=fixed: sweep_lines(data, metric, stream, fixed=f),
            )
        )
        if len(p) > 1:
            figures.append(
                (
                    f"sweep_map_{base}{suffix}",
                    (
                        f"Where is the target met? {what} over {p0} and {p1}{held}: each cell "
                        f"met, not met or undecided by its 95% CI against {target:g}."
                        if target is not None
                        else f"{what} over {p0} and {p1}{held}."
                    ),
                    lambda f=fixed: sweep_heatmap(data, metric, stream, target=target, fixed=f),
                )
            )
    if len(p) < 2:
        notes.append("heatmap left out: the sweep varies one parameter")
    if data.design == "lhs" and len(p) > 2:
        notes.append(f"the figures show {p[0]} and {p[1]}; the other parameters vary too")
    return figures, notes
