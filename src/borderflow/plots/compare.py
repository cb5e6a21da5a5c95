"""Figures of a comparison: hourly waits of base and alternatives, and what each change buys.

They read a comparison directory, or a :class:`~borderflow.experiments.compare.Comparison` in
memory as the same tables: ``comparison.csv`` (one row per alternative, stream and metric: base
and alternative means, the difference with its 95% CI, the change in percent and whether it is
significant) and, for the hourly profiles, the run folders written beside it.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .io import ComparisonData, ComparisonSource, PlotInputError, load_comparison, number
from .style import (
    LINESTYLES,
    NEUTRAL,
    axis_label,
    finish_panels,
    metric_label,
    new_figure,
    set_clock_axis,
    stream_colors,
    stream_label,
    styled,
)

ComparisonLike = ComparisonSource
"""A comparison directory, a :class:`~borderflow.experiments.compare.Comparison`, or their
``ComparisonData``."""

HEADLINE_METRICS = ("wait_mean_min", "wait_p95_min", "time_in_port_mean_min")
"""Metrics shown by :func:`metric_changes` by default (those present in the file)."""
MARKERS = ("o", "s", "D", "^", "v", "P", "X")


def _comparison(data: ComparisonLike) -> ComparisonData:
    return load_comparison(data)


def _same(a: Any, b: Any) -> bool:
    """True when two hourly series are identical hour for hour (common random numbers: the
    change did not reach the stream)."""
    return bool(np.array_equal(a.hours, b.hours) and np.array_equal(a.mean, b.mean, equal_nan=True))


def _short_name(data: ComparisonData, scenario: str) -> str:
    from ..findings import alternative_name

    name = alternative_name(data, scenario)
    return name if len(name) <= 40 else name[:39] + "…"


@styled
def hourly_wait_comparison(
    comparison: ComparisonLike, streams: list[str] | None = None, value: str = "wait_mean_min"
) -> Figure:
    """Mean wait by hour of arrival, one panel per stream: the base (grey) and each alternative
    (in the stream's colour, one line style each), with 95% CI bands, from the ``hourly.csv`` of
    the runs in the comparison's folders. Lines carry gids ``<scenario>:<stream>``, the base's
    ``base:<stream>``. An alternative identical to the base hour for hour is not drawn (it
    would hide under the base) but named above the panel; without ``streams``, a stream that
    every alternative leaves identical gets no panel and is named in the title.

    Raises:
        PlotInputError: the comparison directory holds no run of the base or of an alternative.
    """
    data = _comparison(comparison)
    if data.base is None or not data.alternatives:
        raise PlotInputError(
            f"{data.origin}: the hourly profiles need the run folders of the base and the "
            "alternatives next to comparison.csv; none found"
        )
    runs = [("base", data.base), *data.alternatives.items()]
    all_streams = list(dict.fromkeys(s for _, run in runs for s in run.streams))
    colors = stream_colors(all_streams)
    series = {name: run.hourly(value) for name, run in runs}
    scenario = data.base.meta.get("scenario") or {}
    unchanged: list[str] = []
    if streams is None:
        # a stream no alternative changes, hour by hour, gets no panel of its own: it is named
        streams = []
        for s in data.base.streams:
            if s not in all_streams:
                continue
            base_s = series["base"].get(s)
            identical = base_s is not None and all(
                series[n].get(s) is not None and _same(series[n][s], base_s) for n, _ in runs[1:]
            )
            (unchanged if identical else streams).append(s)
        if not streams:
            streams, unchanged = unchanged, []
    columns = 2 if len(streams) > 1 else 1
    rows = math.ceil(len(streams) / columns)
    figure = new_figure(11 if columns == 2 else 9, 1.8 + 2.6 * rows)
    axes = figure.subplots(rows, columns, sharex=True, squeeze=False).ravel()
    first, last = data.base.counted_hours
    for _, run in runs:
        first, last = min(first, run.counted_hours[0]), max(last, run.counted_hours[1])
    for ax, stream in zip(axes, streams, strict=False):
        same = []
        base_series = series["base"].get(stream)
        for i, (name, _) in enumerate(runs):
            hourly = series[name].get(stream)
            if hourly is None:
                continue
            if name != "base" and base_series is not None and _same(hourly, base_series):
                same.append(_short_name(data, name))  # drawn, it would hide under the base
                continue
            color = NEUTRAL if name == "base" else colors[stream]
            style = "-" if name == "base" else LINESTYLES[(i - 1) % len(LINESTYLES)]
            x = hourly.hours + 0.5
            ok = ~(np.isnan(hourly.ci_low) | np.isnan(hourly.ci_high))
            if ok.any():
                ax.fill_between(
                    x, hourly.ci_low, hourly.ci_high, where=ok, color=color, alpha=0.15, lw=0
                )
            # the base is wide and under the others: an alternative equal to it stays visible
            ax.plot(
                x,
                hourly.mean,
                color=color,
                ls=style,
                lw=3.5 if name == "base" else 1.8,
                label=name if name == "base" else _short_name(data, name),
                gid=f"{name}:{stream}",
            )
        ax.set_title(stream_label(stream, scenario), loc="left", fontsize=10, color=colors[stream])
        ax.set_ylabel("Mean wait (min)")
        ax.set_ylim(bottom=0)
        set_clock_axis(ax, first, last, "Hour of arrival")
        legend = ax.legend(
            loc="upper left",
            fontsize=8,
            title=textwrap.fill("same as the base: " + ", ".join(same), 45) if same else None,
            title_fontsize=7.5,
            alignment="left",
        )
        legend.set_gid("legend")
    finish_panels(axes, len(streams), columns)
    reps = data.base.replications
    figure.suptitle(
        f"Mean wait by hour of arrival: base and alternatives\nbase: {data.base.name} · "
        f"{reps} replication{'s' if reps != 1 else ''} each; band: 95% CI"
        + (
            "\n"
            + textwrap.fill(
                "the same in every alternative (no panel): "
                + ", ".join(stream_label(s, scenario) for s in unchanged),
                90 if columns == 1 else 120,
            )
            if unchanged
            else ""
        ),
        fontsize=11,
    )
    return figure


@styled
def metric_changes(
    comparison: ComparisonLike,
    metrics: list[str] | None = None,
    streams: list[str] | None = None,
) -> Figure:
    """Change in each headline metric (alternative − base), by stream, with its 95% CI, one panel
    per metric, from ``comparison.csv``. Marker shape: the alternative; filled: significant at
    95%, hollow: not. Each point is an errorbar whose line carries the gid
    ``<scenario>:<stream>:<metric>``.
    """
    from ..findings import change_class

    data = _comparison(comparison)
    present = data.metrics
    metrics = metrics or [m for m in HEADLINE_METRICS if m in present] or present[:3]
    unchanged: list[str] = []
    if streams is None:
        streams = []
        for s in data.streams:
            if s != "all" and all(change_class(data, a, s) == "unchanged" for a in data.scenarios):
                unchanged.append(s)
            else:
                streams.append(s)
    scenarios = data.scenarios
    spec = data.base.meta.get("scenario") or {} if data.base is not None else {}
    colors = stream_colors(streams)
    figure = new_figure(
        max(8.0, 3.6 * len(metrics) + 2.2),
        2.2 + len(streams) * (0.3 + 0.25 * min(len(scenarios), 4)),
    )
    axes = figure.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    step = 0.7 / max(len(scenarios), 1)
    for ax, metric in zip(axes, metrics, strict=True):
        ax.axvline(0, color="#444444", lw=1, gid="zero")
        for j, stream in enumerate(streams):
            for k, scenario in enumerate(scenarios):
                row = data.row(scenario, stream, metric)
                if row is None:
                    continue
                diff = number(row["diff_mean"])
                low, high = number(row["diff_ci_low"]), number(row["diff_ci_high"])
                y = j + (k - (len(scenarios) - 1) / 2) * step
                err = [
                    [diff - low if not math.isnan(low) else 0.0],
                    [high - diff if not math.isnan(high) else 0.0],
                ]
                significant = str(row["significant"]).strip().lower() in {"true", "1", "yes"}
                color = colors[stream]
                bars = ax.errorbar(
                    [diff],
                    [y],
                    xerr=err,
                    color=color,
                    marker=MARKERS[k % len(MARKERS)],
                    ms=7,
                    capsize=3,
                    lw=1.6,
                    mfc=color if significant else "white",
                    mec=color,
                )
                bars.lines[0].set_gid(f"{scenario}:{stream}:{metric}")
                pct = number(row["pct_change"])
                if not math.isnan(pct) and abs(pct) >= 0.5:
                    right = high if not math.isnan(high) else diff
                    ax.annotate(  # right of the interval, clear of the markers around it
                        f"{pct:+.0f}%",
                        (right, y),
                        xytext=(5, 0),
                        textcoords="offset points",
                        ha="left",
                        va="center",
                        fontsize=7,
                        color="#333333",
                    )
        ax.set_xlabel(axis_label(metric, "Change in "))
        ax.set_title(metric_label(metric)[0], loc="left", fontsize=10)
        ax.margins(x=0.15)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(range(len(streams)), [stream_label(s, spec) for s in streams])
    axes[0].set_ylim(len(streams) - 0.5, -0.5)
    handles: list[Artist] = [
        Line2D(
            [],
            [],
            color=NEUTRAL,
            marker=MARKERS[k % len(MARKERS)],
            ls="",
            ms=7,
            label=_short_name(data, s),
        )
        for k, s in enumerate(scenarios)
    ]
    handles += [
        Line2D([], [], color=NEUTRAL, marker="o", ls="", ms=7, label="significant (95%)"),
        Line2D(
            [], [], color=NEUTRAL, marker="o", mfc="white", ls="", ms=7, label="not significant"
        ),
        Patch(color="none", label="labels: change in %"),
    ]
    figure.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=8.5
    )
    base = data.base.name if data.base is not None else "the base scenario"
    figure.suptitle(
        f"What each alternative changes, against {base}\n"
        "alternative − base, with its 95% confidence interval; left of 0: lower than the base"
        + (
            "\n"
            + textwrap.fill(
                "unchanged in every replication (not drawn): "
                + ", ".join(stream_label(s, spec) for s in unchanged),
                120,
            )
            if unchanged
            else ""
        ),
        fontsize=11,
    )
    return figure
