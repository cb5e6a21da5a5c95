"""Figures of a region at equilibrium (``borderflow region -o DIR``): the markets' shares by hour,
the expected waits by port, and the convergence of the equilibrium.

They read a region directory (``choices.csv``, ``waits.csv``, ``convergence.csv``,
``region.json``) or a :class:`~borderflow.region.RegionResult` in memory as the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .io import PlotInputError, number, read_json, read_rows
from .style import new_figure, set_clock_axis, stream_colors, styled

REGION_TABLES = ("choices", "waits", "convergence")
"""The region's tables the figures read."""


@dataclass
class RegionData:
    """The tables of a region: rows as dicts of text (files) or values (memory)."""

    name: str
    choices: list[dict[str, Any]]
    waits: list[dict[str, Any]]
    convergence: list[dict[str, Any]]
    origin: str
    directory: Path | None = None


def is_region(directory: Path) -> bool:
    """Whether ``directory`` holds a region's outputs."""
    return (directory / "region.json").is_file() and (directory / "choices.csv").is_file()


def load_region_data(source: Any) -> RegionData:
    """The tables of a region directory or of a ``RegionResult``."""
    if isinstance(source, RegionData):
        return source
    if isinstance(source, str | Path):
        directory = Path(source)
        meta = read_json(directory / "region.json")
        tables = {name: read_rows(directory / f"{name}.csv") for name in REGION_TABLES}
        return RegionData(
            meta.get("region_name", directory.name),
            tables["choices"],
            tables["waits"],
            tables["convergence"],
            str(directory),
            directory,
        )
    from ..region import RegionResult

    if not isinstance(source, RegionResult):
        raise TypeError(f"not a region: {type(source).__name__}")
    out = {}
    for name in REGION_TABLES:
        columns, rows = source.table(name)
        out[name] = [dict(zip(columns, row, strict=True)) for row in rows]
    return RegionData(
        source.region.spec.name, out["choices"], out["waits"], out["convergence"], "memory"
    )


def _num(value: Any) -> float:
    """A cell read back from a file (text) or kept in memory (a number): NaN when empty."""
    return value if isinstance(value, float) else number(None if value is None else str(value))


def _title(data: RegionData, what: str) -> str:
    """The region's name (wrapped) and what the figure shows."""
    import textwrap

    return "\n".join(textwrap.wrap(f"{data.name}: {what}", 80))


def _true(value: Any) -> bool:
    return value is True or value == "True"


@styled
def shares_by_hour(source: Any) -> Figure:
    """Share of each market's trips by option (port and stream) and hour of arrival, counted
    hours; the trips not made are shaded grey. One panel per market."""
    data = load_region_data(source)
    markets = sorted({r["market"] for r in data.choices})
    if not markets:
        raise PlotInputError(f"{data.origin}: no trips in choices.csv")
    figure = new_figure(10, 2.8 + 2.6 * len(markets))
    axes = figure.subplots(len(markets), 1, squeeze=False)[:, 0]
    # one colour per port and stream across the panels
    colors = stream_colors(sorted({f"{r['port']} {r['stream']}".strip() for r in data.choices}))
    for ax, market in zip(axes, markets, strict=True):
        rows = [r for r in data.choices if r["market"] == market and _true(r["counted"])]
        hours = sorted({int(r["day"]) * 24 + int(r["hour"]) for r in rows})
        first, last = hours[0], hours[-1] + 1
        keys = sorted({(r["port"], r["stream"]) for r in rows})
        table = np.zeros((len(keys), last - first))
        for r in rows:
            t = int(r["day"]) * 24 + int(r["hour"]) - first
            table[keys.index((r["port"], r["stream"])), t] += _num(r["trips"])
        total = table.sum(axis=0)
        share = np.divide(table, total, out=np.zeros_like(table), where=total > 0)
        x = np.arange(first, last) + 0.5
        bottom = np.zeros(last - first)
        for i, (port, stream) in enumerate(keys):
            label = f"{port} {stream}".strip()
            color = "#bbbbbb" if stream == "" else colors[label]
            ax.bar(x, share[i], 1.0, bottom=bottom, color=color, label=label, gid=label)
            bottom += share[i]
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of trips")
        ax.set_title(market, loc="left")
        set_clock_axis(ax, first, last, "Hour of arrival at the border")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.suptitle(_title(data, "shares of trips by hour"))
    return figure


@styled
def waits_by_port(source: Any) -> Figure:
    """Expected wait by hour of arrival at each port's market streams at equilibrium, with the
    95% interval over replications (counted hours)."""
    data = load_region_data(source)
    series = sorted({(r["port"], r["stream"]) for r in data.waits})
    if not series:
        raise PlotInputError(f"{data.origin}: no waits in waits.csv")
    figure = new_figure()
    ax = figure.subplots()
    colors = stream_colors([f"{p} {s}" for p, s in series])
    first = last = None
    for port, stream in series:
        rows = [
            r
            for r in data.waits
            if (r["port"], r["stream"]) == (port, stream) and _true(r["counted"])
        ]
        t = np.array([int(r["day"]) * 24 + int(r["hour"]) + 0.5 for r in rows])
        mean = np.array([_num(r["wait_mean_min"]) for r in rows])
        low = np.array([_num(r["ci_low"]) for r in rows])
        high = np.array([_num(r["ci_high"]) for r in rows])
        label = f"{port} {stream}"
        ax.plot(t, mean, color=colors[label], label=label, gid=label)
        ax.fill_between(t, low, high, color=colors[label], alpha=0.2, linewidth=0)
        first = int(t.min()) if first is None else min(first, int(t.min()))
        last = int(t.max()) + 1 if last is None else max(last, int(t.max()) + 1)
    assert first is not None and last is not None
    set_clock_axis(ax, first, last, "Hour of arrival at the port")
    ax.set_ylabel("expected wait (min)")
    ax.set_ylim(bottom=0)
    ax.legend()
    figure.suptitle(_title(data, "waits by port at equilibrium"))
    return figure


@styled
def convergence(source: Any) -> Figure:
    """Relative gap of each iteration of the equilibrium (log scale)."""
    data = load_region_data(source)
    if not data.convergence:
        raise PlotInputError(f"{data.origin}: no iteration in convergence.csv")
    figure = new_figure(8, 4.5)
    ax = figure.subplots()
    k = [int(r["iteration"]) for r in data.convergence]
    gap = [_num(r["gap"]) for r in data.convergence]
    ax.plot(k, gap, marker="o", color="#333333", gid="gap")
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("relative gap |response − flows| / |flows|")
    figure.suptitle(_title(data, "convergence"))
    return figure


FIGURES = (
    (
        "region_shares_by_hour",
        "Share of each market's trips by port and stream, by hour of arrival (grey: trips "
        "not made).",
        shares_by_hour,
    ),
    (
        "region_waits_by_port",
        "Expected wait by hour of arrival at equilibrium, with 95% intervals over replications.",
        waits_by_port,
    ),
    (
        "region_convergence",
        "Relative gap of the flows at each iteration of the equilibrium.",
        convergence,
    ),
)
"""The figures of a region: (file name, caption, function)."""


def plan_of(source: Any) -> tuple[RegionData, list[tuple[str, str, Any]]] | None:
    """The region's data and figures (name, caption, draw) if ``source`` is a region folder or
    a ``RegionResult``; None for anything else (a run, comparison or sweep)."""
    known = type(source).__name__ == "RegionResult" or isinstance(source, RegionData)
    folder = isinstance(source, str | Path) and is_region(Path(source))
    if not (known or folder):
        return None
    data = load_region_data(source)
    return data, [(name, caption, lambda draw=draw: draw(data)) for name, caption, draw in FIGURES]


def report_body(planned: Any, figures_html: str) -> tuple[str, str, str, str]:
    """(kind, title, body HTML, source name) of a region's report: the trips of each market and
    option at equilibrium, the convergence, and the figures."""
    from html import escape

    data: RegionData = planned.data
    totals: dict[tuple[str, str, str], float] = {}
    for r in data.choices:
        if _true(r["counted"]):
            key = (r["market"], r["port"], r["stream"])
            totals[key] = totals.get(key, 0.0) + _num(r["trips"])
    by_market: dict[str, float] = {}
    for (market, _, _), trips in totals.items():
        by_market[market] = by_market.get(market, 0.0) + trips
    rows = "".join(
        f"<tr><td>{escape(m)}</td><td>{escape(p)}</td><td>{escape(s)}</td>"
        f'<td class="num">{t:,.0f}</td><td class="num">{t / by_market[m]:.1%}</td></tr>'
        for (m, p, s), t in sorted(totals.items())
    )
    last = data.convergence[-1] if data.convergence else {}
    body = (
        "<section><h2>Trips at equilibrium (counted hours)</h2>"
        "<table><thead><tr><th>market</th><th>port</th><th>stream</th><th>trips</th>"
        f"<th>share</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<p>{len(data.convergence)} iterations; last relative gap "
        f"{_num(last.get('gap')):.4f}.</p></section>"
        f"<section><h2>Figures</h2>{figures_html}</section>"
    )
    return "Region", data.name, body, data.origin
