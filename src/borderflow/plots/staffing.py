"""The figure of a staffing search: lanes open by hour, and the target against what it gives.

It takes a staffing directory (``borderflow staff -o DIR``), a
:class:`~borderflow.staffing.StaffingResult` in memory, or their
:class:`~borderflow.plots.io.StaffingData`, and returns a matplotlib Figure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..findings import in_sentence
from .io import StaffingData, load
from .style import (
    NEUTRAL,
    OKABE_ITO,
    SHORT_COLOR,
    axis_label,
    group_label,
    new_figure,
    set_clock_axis,
    stream_label,
    styled,
)

SCHEDULE_STYLE = {
    "found": {"color": OKABE_ITO["blue"], "ls": "-", "label": "found by the search"},
    "stationary": {"color": OKABE_ITO["orange"], "ls": "--", "label": "stationary, hour by hour"},
    "scenario": {"color": NEUTRAL, "ls": ":", "label": "the scenario's own"},
}


def _data(source: Any) -> StaffingData:
    data = load(source)
    if not isinstance(data, StaffingData):
        raise TypeError(f"expected a staffing result or directory, not {type(source).__name__}")
    return data


def target_words(stream: str, metric: str, value: float, scenario: Any = None) -> str:
    """A target as a planner says it: ``a 95th percentile wait of at most 30 minutes for
    general cars``, ``at most 10% of general cars waiting over 15 minutes``."""
    who = in_sentence(stream_label(stream, scenario))
    if metric.startswith("share_wait_over_"):
        x = metric.removeprefix("share_wait_over_").removesuffix("_min")
        if x in ("0", "0.0"):
            return f"at most {value:.0%} of {who} waiting at all"
        return f"at most {value:.0%} of {who} waiting over {x} minutes"
    if metric == "wait_mean_min":
        return f"a mean wait of at most {value:g} minutes for {who}"
    q = metric.removeprefix("wait_p").removesuffix("_min")
    return f"a {_ordinal(q)} percentile wait of at most {value:g} minutes for {who}"


def _ordinal(q: str) -> str:
    n = q.rstrip("0").rstrip(".") if "." in q else q
    if not n.isdigit():
        return n
    k = int(n)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def targets_of(source: Any) -> list[tuple[str, str, float]]:
    """(stream, metric, value) of each target of a staffing result."""
    out = []
    for text in _data(source).target_texts:
        stream, _, rest = text.partition(":")
        metric, _, value = rest.partition("<=")
        out.append((stream, metric, float(value)))
    return out


@styled
def staffing_by_hour(source: Any, target: int = 0) -> Figure:
    """Lanes open by hour in the groups serving the target's stream (found, stationary and the
    scenario's own), and below, the target's metric by hour of arrival under each, the found
    schedule's with its 95% CI band; hours the stationary schedule misses are marked.

    Lines carry gids ``lanes:<schedule>`` and ``metric:<schedule>``; the band ``ci:found``.
    """
    data = _data(source)
    stream, metric, value = targets_of(data)[target]
    groups = data.meta.get("serving", {}).get(stream, [])
    hours = np.array(data.hours())
    figure = new_figure(10.0, 7.5)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(1, 1.3))
    x = np.append(hours, hours[-1] + 1) if len(hours) else hours
    drawn: dict[str, np.ndarray] = {}
    for name, style in SCHEDULE_STYLE.items():
        lanes = data.lanes(name, groups)
        if not len(lanes) or np.isnan(lanes).all():
            continue
        same = [other for other, seen in drawn.items() if np.array_equal(seen, lanes)]
        label = style["label"] + (
            f" (the same as {SCHEDULE_STYLE[same[0]]['label']})" if same else ""
        )
        drawn[name] = lanes
        (line,) = top.step(
            x,
            np.append(lanes, lanes[-1]),
            where="post",
            color=style["color"],
            ls=style["ls"],
            lw=2.8 if name == "found" else 1.8,
            label=label,
        )
        line.set_gid(f"lanes:{name}")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.legend(loc="upper left", fontsize=8)
    top.set_ylabel("Lanes open")
    top.set_ylim(0, max(1.0, top.get_ylim()[1]) * 1.05)
    scenario = data.meta.get("scenario")
    names = [group_label(g.split(".", 1)[0], g.split(".", 1)[-1], scenario) for g in groups]
    top.set_title("Lanes open: " + ", ".join(names), loc="left", fontsize=10)
    centre = hours + 0.5
    for name, style in SCHEDULE_STYLE.items():
        by_hour = data.metric(name, stream, metric)
        if not by_hour:
            continue
        mean = np.array([by_hour[h].mean if h in by_hour else math.nan for h in hours])
        shown = np.where(np.isinf(mean), np.nan, mean)
        (line,) = bottom.plot(
            centre,
            shown,
            color=style["color"],
            ls=style["ls"],
            marker="o",
            ms=3,
            label=style["label"],
        )
        line.set_gid(f"metric:{name}")
        if name == "found":
            low = np.array([by_hour[h].ci_low if h in by_hour else math.nan for h in hours])
            high = np.array([by_hour[h].ci_high if h in by_hour else math.nan for h in hours])
            ok = ~(np.isnan(low) | np.isnan(high) | np.isinf(high))
            if ok.any():
                band = bottom.fill_between(
                    centre,
                    low,
                    high,
                    where=ok,
                    color=style["color"],
                    alpha=0.18,
                    lw=0,
                    label="95% CI (found)",
                )
                band.set_gid("ci:found")
        if name == "stationary":
            missed = sorted(data.missed(name, stream, metric))
            if missed:
                top_value = np.nanmax(shown) if np.isfinite(shown).any() else value
                marks = [
                    by_hour[h].mean if math.isfinite(by_hour[h].mean) else top_value for h in missed
                ]
                points = bottom.scatter(
                    np.array(missed) + 0.5,
                    marks,
                    marker="x",
                    s=60,
                    color=SHORT_COLOR,
                    zorder=5,
                    label="stationary misses the target",
                )
                points.set_gid("missed:stationary")
    bottom.axhline(value, color="black", lw=1.2, label=f"target {value:g}")
    bottom.set_ylabel(axis_label(metric) if not metric.startswith("share_") else _share(metric))
    bottom.set_ylim(bottom=0)
    handles, labels = bottom.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=3)
    if len(hours):
        set_clock_axis(bottom, int(hours[0]), int(hours[-1]) + 1, "Hour of arrival")
    words = target_words(stream, metric, value, scenario)
    figure.suptitle(f"Staffing for {words}, in every hour")
    return figure


def _share(metric: str) -> str:
    x = metric.removeprefix("share_wait_over_").removesuffix("_min")
    return f"Share waiting over {x} min"
