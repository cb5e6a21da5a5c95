"""One self-contained HTML report of a run, a comparison or a sweep, to e-mail or print.

The report is made from the directory the command wrote, or from the result still in memory
(:class:`~borderflow.runner.RunResult`, :class:`~borderflow.experiments.compare.Comparison`,
:class:`~borderflow.experiments.sweep.SweepResult`); both give the same report.

The figures are embedded as PNG ``data:`` URIs and the style sheet is inline, so the file needs
nothing else to open: no network, no other file. Every text taken from the results (scenario
names, descriptions, stream names) is escaped.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the plots package (matplotlib) is imported only to make a report
    from .plots.io import Data, Source

REPORT_FILE = "report.html"

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 48px; }
header { border-bottom: 3px solid #0072B2; margin-bottom: 18px; padding-bottom: 10px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 1px solid
     var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
.kind { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: #0072B2;
        font-weight: 700; }
.muted, .note { color: var(--muted); }
.note { font-size: 13px; }
.warning { border-left: 4px solid #D55E00; background: #fff4ec; padding: 8px 12px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 14px; }
.wide { overflow-x: auto; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 600; }
.ci { color: var(--muted); font-size: 12.5px; }
.sig { font-weight: 600; }
figure { margin: 18px 0 26px; page-break-inside: avoid; break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 13.5px; color: var(--muted); margin-top: 6px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; font-size: 13.5px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; word-break:
             break-all; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px;
          margin-right: 6px; vertical-align: -1px; }
.findings { font-size: 16.5px; line-height: 1.55; background: #eef6fb; border-left: 4px solid
            #0072B2; padding: 10px 18px; margin: 6px 0 14px; }
.findings p { margin: 6px 0; }
.first { display: grid; grid-template-columns: 1fr; gap: 4px; }
@media print { main { padding: 0; max-width: none; } h2 { break-after: avoid; } }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{round(value, digits) + 0.0:,.{digits}f}"  # + 0.0: no "-0.0"


def _with_ci(e: Any, digits: int = 1) -> str:
    """``12.3 [10.1, 14.5]`` (interval only when defined)."""
    text = _num(e.mean, digits)
    if e.replications > 1 and not math.isnan(e.ci_low):
        text += f' <span class="ci">[{_num(e.ci_low, digits)}, {_num(e.ci_high, digits)}]</span>'
    return text


def _with_pct(e: Any) -> str:
    """A share as ``87.6% [87.4, 87.8]``."""
    text = f"{e.mean * 100:.1f}%"
    if e.replications > 1 and not math.isnan(e.ci_low):
        text += f' <span class="ci">[{e.ci_low * 100:.1f}, {e.ci_high * 100:.1f}]</span>'
    return text


def _ci_only(e: Any, fmt: Any) -> str:
    """``[a, b]`` in ``fmt``, or nothing when the interval is not defined."""
    if math.isnan(e.ci_low) or math.isnan(e.ci_high):
        return ""
    return f' <span class="ci">[{_e(fmt(e.ci_low))}, {_e(fmt(e.ci_high))}]</span>'


def _signed(fmt: Any) -> Any:
    """``fmt`` with a ``+`` before positive values (changes)."""
    return lambda v: ("+" if v > 0 else "") + fmt(v)


def _findings(sentences: Sequence[str]) -> str:
    """The opening sentences of a report (plain text, escaped here)."""
    if not sentences:
        return ""
    return (
        '<section class="findings">'
        + "".join(f"<p>{_e(t)}</p>" for t in sentences)
        + ("</section>")
    )


def _money_table(money: Any, change: bool = False) -> str:
    """Delay cost, person-hours, CO2 and fuel a day and a year (or their change), with CIs."""
    from .findings import money as dollars
    from .findings import quantity

    rows = []
    for what, day, year, unit in money.rows:
        fmt = (
            _signed(dollars if unit == "USD" else quantity)
            if change
            else (dollars if unit == "USD" else quantity)
        )
        rows.append(
            [
                _e(what),
                _e(fmt(day.mean)) + _ci_only(day, fmt),
                _e(fmt(year.mean)) + _ci_only(year, fmt),
                _e(unit if unit != "USD" else f"US dollars of {money.currency_year}"),
            ]
        )
    year_head = "a year" if money.days_given else f"a year ({money.days_per_year:g} days assumed)"
    head = [
        "",
        "change a day" if change else "a day",
        f"change {year_head}" if change else year_head,
        "unit",
    ]
    return _table(head, rows, {1, 2})


def _table(
    head: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: set[int] | None = None,
    total_first_cell: str | None = None,
) -> str:
    """An HTML table; cells in ``rows`` are already HTML (escape text before)."""
    numeric = numeric or set()
    out = ['<div class="wide"><table><thead><tr>']
    out += [f"<th{' class=num' if i in numeric else ''}>{_e(h)}</th>" for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        total = total_first_cell is not None and row and row[0] == total_first_cell
        out.append('<tr class="total">' if total else "<tr>")
        out += [f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row)]
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _figures(planned: Any) -> str:
    """Each planned figure drawn, as an embedded PNG with its caption."""
    from .plots import figure_bytes

    parts = []
    for figure in planned.figures:
        png = figure_bytes(figure.draw(), "png")
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure id="fig-{_e(figure.name)}"><img alt="{_e(figure.caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{_e(figure.caption)}'
            "</figcaption></figure>"
        )
    for note in planned.notes:
        parts.append(f'<p class="note">{_e(note)}</p>')
    return "\n".join(parts)


# --- runs -----------------------------------------------------------------------------------


def _scenario_section(run: Any) -> str:
    scenario = run.meta.get("scenario") or {}
    parts = []
    if scenario.get("description"):
        parts.append(f"<p>{_e(scenario['description'])}</p>")
    facts = [
        ("Horizon", scenario.get("horizon", "–")),
        ("Warm-up", scenario.get("warmup", "–")),
        ("Replications", run.meta.get("replications_finished", "–")),
        ("Seed", run.meta.get("seed", "–")),
    ]
    parts.append(_table([k for k, _ in facts], [[_e(v) for _, v in facts]]))
    try:
        loaded = run.scenario
    except Exception:  # the tables still read; the scenario is only for per-day volumes
        loaded = None
    from .plots.style import group_label, stage_label, stream_colors, stream_label

    colors = stream_colors(run.streams)
    rows = []
    for name, spec in (scenario.get("streams") or {}).items():
        per_day = sum(loaded.hourly_rates(name)) if loaded is not None else math.nan
        swatch = f'<span class="swatch" style="background:{colors.get(name, "#888")}"></span>'
        rows.append(
            [
                swatch + _e(stream_label(name, scenario)),
                f"<code>{_e(name)}</code>",
                _e(spec.get("mode", "")),
                _num(per_day, 0),
                _e(" → ".join(spec.get("route") or [])),
                _e(spec.get("description", "")),
            ]
        )
    parts.append("<h3>Traffic streams</h3>")
    parts.append(
        _table(["stream", "name in files", "mode", "per day", "route", "description"], rows, {3})
    )
    rows = []
    for stage, spec in (scenario.get("stages") or {}).items():
        for group, lanes in (spec.get("lanes") or {}).items():
            opened = lanes.get("open")
            if isinstance(opened, list) and opened:
                open_text = (
                    f"{min(opened)}–{max(opened)}" if min(opened) != max(opened) else str(opened[0])
                )
            else:
                open_text = str(opened if opened is not None else lanes.get("lanes", ""))
            serves = lanes.get("serves")
            rows.append(
                [
                    _e(stage_label(stage, scenario)),
                    _e(group_label(stage, group, scenario)) + f" <code>{_e(group)}</code>",
                    _e(lanes.get("lanes", "")),
                    _e(lanes.get("booths_per_lane", 1)),
                    _e(open_text),
                    _e(", ".join(serves) if serves else "every stream routed here"),
                ]
            )
    parts.append("<h3>Lanes</h3>")
    parts.append(
        _table(
            ["stage", "lane group", "lanes", "booths per lane", "lanes open by hour", "serves"],
            rows,
            {2, 3},
        )
    )
    return "\n".join(parts)


def _headline_section(run: Any) -> str:
    from .plots.style import stage_label, stream_label

    scenario = run.meta.get("scenario") or {}
    rows = []
    for stream in [*run.streams, "all"]:
        m = run.summary.get(stream)
        if not m:
            continue
        rows.append(
            [
                _e(stream_label(stream, scenario)),
                _num(m["entities"].mean, 0) if "entities" in m else "–",
                _with_ci(m["wait_mean_min"]) if "wait_mean_min" in m else "–",
                _num(m["wait_p50_min"].mean) if "wait_p50_min" in m else "–",
                _with_ci(m["wait_p95_min"]) if "wait_p95_min" in m else "–",
                _num(m["wait_max_min"].mean) if "wait_max_min" in m else "–",
                _with_ci(m["time_in_port_mean_min"]) if "time_in_port_mean_min" in m else "–",
                _num(m["throughput_per_hour"].mean, 0) if "throughput_per_hour" in m else "–",
            ]
        )
    parts = [
        _table(
            [
                "stream",
                "travellers",
                "mean wait (min)",
                "median (min)",
                "95th percentile (min)",
                "longest (min)",
                "time in port (min)",
                "throughput (per h)",
            ],
            rows,
            {1, 2, 3, 4, 5, 6, 7},
            total_first_cell=_e(stream_label("all")),
        )
    ]
    parts.append(
        '<p class="note">Means over replications with their 95% confidence interval in '
        "brackets. Waits run from arrival at the port to the start of the first inspection "
        "(primary); the median, 95th percentile and longest wait are means over replications "
        "of each replication's value.</p>"
    )
    everyone = run.summary.get("all", {})
    stages = list((run.meta.get("scenario") or {}).get("stages") or {})
    rows = [
        [
            _e(stage_label(stage, scenario)),
            _with_pct(everyone[f"{stage}.utilization"]),
            _num(everyone[f"{stage}.wait_mean_min"].mean)
            if f"{stage}.wait_mean_min" in everyone
            else "–",
        ]
        for stage in stages
        if f"{stage}.utilization" in everyone
    ]
    if rows:
        parts.append("<h3>Stages</h3>")
        parts.append(
            _table(["stage", "booth utilisation", "mean wait at the stage (min)"], rows, {1, 2})
        )
    return "\n".join(parts)


def _warnings(run: Any) -> str:
    notes = []
    if run.meta.get("interrupted"):
        notes.append(
            f"The run was interrupted: {run.meta.get('replications_finished')} of "
            f"{run.meta.get('replications_requested')} replications finished."
        )
    left = sum(int(c.get("left_inside", 0)) for c in run.meta.get("conservation") or [])
    unfinished = run.meta.get("unfinished") or []
    not_served = sum(  # ``waits_missing`` in run.json files of earlier versions
        int(u.get("not_served", u.get("waits_missing", 0))) for r in unfinished for u in r.values()
    )
    arrivals = sum(int(u.get("arrivals", 0)) for r in unfinished for u in r.values())
    if not_served:
        notes.append(
            f"{not_served:,} of {arrivals:,} travellers ({not_served / arrivals:.1%}) were not "
            "served: still waiting when the run stopped, the port could not clear. Their waits "
            "are not in the wait statistics; wait_mean_min_lower_bound counts them so far."
        )
    elif left:
        notes.append(
            f"{left:,} travellers were still inside the port when the run stopped, after their "
            "wait had ended: their time in port is missing from the results."
        )
    if run.replications < 10:
        notes.append(
            f"Only {run.replications} replication{'s' if run.replications != 1 else ''}: "
            "confidence intervals are wide. Use 10 or more for results you report."
        )
    return "".join(f'<p class="warning">{_e(n)}</p>' for n in notes)


_META_KEYS = (
    ("scenario_name", "scenario"),
    ("scenario_file", "scenario file"),
    ("scenario_file_sha256", "scenario file SHA-256"),
    ("scenario_sha256", "resolved scenario SHA-256"),
    ("overrides", "--set changes"),
    ("seed", "seed"),
    ("replications_requested", "replications requested"),
    ("replications_finished", "replications finished"),
    ("interrupted", "interrupted"),
    ("targets", "targets"),
    ("rule", "rule for met"),
    ("replications", "replications"),
    ("groups", "lane groups decided"),
    ("shift_hours", "shift lengths (h)"),
    ("breaks", "breaks"),
    ("steps", "simulation runs"),
    ("borderflow_version", "borderflow"),
    ("python_version", "Python"),
    ("numpy_version", "NumPy"),
    ("scipy_version", "SciPy"),
    ("simpy_version", "SimPy"),
    ("wall_time_s", "computing time (s)"),
)


def _metadata(meta: dict[str, Any], title: str = "") -> str:
    items = []
    for key, label in _META_KEYS:
        if key not in meta:
            continue
        value = meta[key]
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) or "none"
        if value is None:
            value = "–"
        items.append(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>")
    head = f"<h3>{_e(title)}</h3>" if title else ""
    return f'{head}<dl class="meta">{"".join(items)}</dl>'


def _run_body(planned: Any) -> tuple[str, str, str]:
    from .findings import run_findings, run_money

    run = planned.data
    money = run_money(run)
    body = [
        _warnings(run),
        _findings(run_findings(run)),
    ]
    if money is not None and money.rows:
        body += [
            "<h2>What the waiting costs</h2>",
            _money_table(money),
            '<p class="note">Every traveller counted: time in line at every stage, valued as in '
            "docs/economics.md; CO2 from idling engines. Intervals: 95%, over replications."
            + (
                ""
                if money.days_given
                else f" The year assumes {money.days_per_year:g} days like this one "
                "(set economics.annualize_days or run with --annualize DAYS)."
            )
            + "</p>",
        ]
    body += [
        "<h2>Headline results</h2>",
        _headline_section(run),
        "<h2>Figures</h2>",
        _figures(planned),
        "<h2>Scenario</h2>",
        _scenario_section(run),
        "<h2>Run metadata</h2>",
        _metadata(run.meta),
        '<p class="note">The resolved scenario is in run.json; it can be saved as YAML and run '
        "again to reproduce these results.</p>",
    ]
    return "Run", run.name, "\n".join(body)


# --- comparisons ----------------------------------------------------------------------------


def _comparison_money(data: Any, benefit_costs: dict[str, Any]) -> list[str]:
    """The change in delay cost and emissions of each alternative, and its benefit–cost."""
    from .findings import alternative_name, comparison_money, interval, money

    parts = []
    for scenario in data.scenarios:
        change = comparison_money(data, scenario)
        if change is None or not change.rows:
            continue
        parts.append(f"<h3>{_e(alternative_name(data, scenario))}</h3>")
        parts.append(_money_table(change, change=True))
        result = benefit_costs.get(scenario)
        if result is not None:
            npv, low, high = result.npv_estimate
            ratio, r_low, r_high = result.bcr_estimate
            rows = [
                [
                    "Saving in delay cost a year",
                    _e(money(result.benefit[0]))
                    + f' <span class="ci">[{_e(money(result.benefit[1]))}, '
                    f"{_e(money(result.benefit[2]))}]</span>",
                ],
                ["Capital cost (once)", _e(money(result.capital))],
                ["Operation and maintenance a year", _e(money(result.annual_om))],
                [
                    "Staffed booth-hours a year (change)",
                    _e(f"{result.staff_hours:+,.0f}")
                    + _e(f" at {money(result.officer_cost_per_hour)} an hour"),
                ],
                [
                    f"Net present value ({result.years} years at {result.rate:.1%})",
                    _e(money(npv))
                    + f' <span class="ci">[{_e(interval(low, high, money)[7:])}]</span>',
                ],
                [
                    "Benefit–cost ratio",
                    "–"
                    if math.isnan(ratio)
                    else f'{ratio:.2f} <span class="ci">[{r_low:.2f}, {r_high:.2f}]</span>',
                ],
            ]
            parts.append(_table(["benefit–cost", "value [95% CI]"], rows, {1}))
            if result.assumptions:
                parts.append(
                    '<p class="note">Assumed: ' + _e("; ".join(result.assumptions)) + ".</p>"
                )
    if not parts:
        return []
    return [
        "<h2>What the change is worth</h2>",
        *parts,
        '<p class="note">Alternative − base over every traveller: negative is a saving. The '
        "benefit–cost needs the alternative's costs in its economics: block (capital_cost_usd, "
        "annual_om_usd, officer_cost_per_hour; discount_rate, horizon_years); formulas and "
        "sources in docs/economics.md. Intervals: 95%, of the paired differences; they cover "
        "the simulation only, not the costs.</p>",
    ]


def _comparison_table(data: Any, metrics: Sequence[str]) -> list[str]:
    """One row per alternative and changed stream; the unchanged summed up in a line."""
    from .findings import alternative_name, change_class, comparison_scenario, difference
    from .plots.io import number
    from .plots.style import metric_label, stream_label

    spec = comparison_scenario(data)
    rows = []
    unchanged: dict[str, list[str]] = {}
    unclear: dict[str, list[str]] = {}
    for scenario in data.scenarios:
        for stream in data.streams:
            kind = change_class(data, scenario, stream)
            label = stream_label(stream, spec)
            if stream != "all" and kind == "unchanged":
                unchanged.setdefault(label, []).append(scenario)
                continue
            if stream != "all" and kind == "not significant":
                unclear.setdefault(label, []).append(scenario)
                continue
            cells = [_e(alternative_name(data, scenario)), _e(label)]
            first = data.row(scenario, stream, metrics[0]) if metrics else None
            cells.append(_num(number(first["base_mean"])) if first else "–")
            cells.append(_num(number(first["alt_mean"])) if first else "–")
            for metric in metrics:
                e = difference(data, scenario, stream, metric)
                row = data.row(scenario, stream, metric)
                if e is None or row is None:
                    cells.append("–")
                    continue
                ci = (
                    f' <span class="ci">[{_num(e.ci_low)}, {_num(e.ci_high)}]</span>'
                    if not math.isnan(e.ci_low)
                    else ""
                )
                pct = number(row["pct_change"])
                text = f"{e.mean:+,.1f}{ci}" + ("" if math.isnan(pct) else f" ({pct:+.0f}%)")
                significant = str(row["significant"]).strip().lower() in {"true", "1", "yes"}
                cells.append(f'<span class="sig">{text}</span>' if significant else text)
            rows.append(cells)
    first_name = metric_label(metrics[0])[0].lower() if metrics else ""
    head = [
        "alternative",
        "stream",
        f"base {first_name} (min)",
        f"alternative {first_name} (min)",
        *[f"change in {metric_label(m)[0].lower()} (min) [95% CI]" for m in metrics],
    ]
    parts = [_table(head, rows, set(range(2, len(head))))]
    total = len(data.scenarios)

    def summary(found: dict[str, list[str]]) -> str:
        return "; ".join(
            s if len(a) == total else f"{s} ({', '.join(alternative_name(data, x) for x in a)})"
            for s, a in found.items()
        )

    if unchanged:
        parts.append(
            f"<p><b>Unchanged</b> (the same waits in every replication: the change does not "
            f"reach them): {_e(summary(unchanged))}.</p>"
        )
    if unclear:
        parts.append(
            f"<p><b>Changed by less than the replications can tell</b> (no 95% interval "
            f"excludes 0): {_e(summary(unclear))}.</p>"
        )
    parts.append(
        '<p class="note">Change: alternative − base, the mean over replications of the paired '
        "differences (both run with the same random numbers), with its 95% confidence interval; "
        "bold: the interval excludes 0. Every stream and metric is in comparison.csv.</p>"
    )
    return parts


def _comparison_body(planned: Any) -> tuple[str, str, str]:
    from .findings import comparison_benefit_costs, comparison_findings
    from .plots.compare import HEADLINE_METRICS

    data = planned.data
    metrics = [m for m in HEADLINE_METRICS if m in data.metrics] or data.metrics[:3]
    benefit_costs = comparison_benefit_costs(data)
    body = [_warnings(data.base)] if data.base is not None else []
    base_name = data.base.name if data.base is not None else "the base scenario"
    base_file = data.base.meta.get("scenario_file") if data.base is not None else None
    base_detail = (
        f' <span class="muted">({_e(Path(str(base_file)).name)})</span>' if base_file else ""
    )
    items = [f"<li><b>base</b>: {_e(base_name)}{base_detail}</li>"]
    for name in data.scenarios:
        run = data.alternatives.get(name)
        detail = f": {_e(run.name)}" if run is not None else ""
        source = run.meta.get("scenario_file") if run is not None else None
        if source:
            detail += f' <span class="muted">({_e(Path(str(source)).name)})</span>'
        if run is not None and run.meta.get("overrides"):
            detail += f' <span class="muted">({_e(", ".join(run.meta["overrides"]))})</span>'
        items.append(f"<li><b>{_e(name)}</b>{detail}</li>")
    body.append("<h2>Scenarios compared</h2><ul>" + "".join(items) + "</ul>")
    body[0:0] = [_findings(comparison_findings(data, benefit_costs))]
    body += _comparison_money(data, benefit_costs)
    body.append("<h2>Headline results</h2>")
    body += _comparison_table(data, metrics)
    body += ["<h2>Figures</h2>", _figures(planned)]
    if data.base is not None:
        body += ["<h2>Base scenario</h2>", _scenario_section(data.base)]
    body.append("<h2>Run metadata</h2>")
    if data.base is not None:
        body.append(_metadata(data.base.meta, "base"))
    for name, run in data.alternatives.items():
        body.append(_metadata(run.meta, name))
    if data.base is None and not data.alternatives:
        body.append('<p class="note">No run folders next to comparison.csv.</p>')
    body += _extra_json(data.documents)
    return (
        "Comparison",
        f"{base_name}: {len(data.scenarios)} alternative"
        + ("s" if len(data.scenarios) != 1 else ""),
        "\n".join(body),
    )


# --- sweeps ---------------------------------------------------------------------------------


def _sweep_report(planned: Any) -> tuple[str, str, str]:
    from .plots import DEFAULT_SWEEP_METRIC

    options = planned.options
    return _sweep_body(
        planned, options.get("metric") or DEFAULT_SWEEP_METRIC, options.get("streams") or ["all"]
    )


def _sweep_body(planned: Any, metric: str, streams: Sequence[str]) -> tuple[str, str, str]:
    from .findings import in_sentence, sweep_findings
    from .plots.style import axis_label, parameter_label, stream_label

    data = planned.data
    meta = data.meta
    body = []
    if meta.get("scenario_file"):
        body.append(
            f"<p>Scenario: {_e(Path(str(meta['scenario_file'])).name)}"
            + (
                f" · experiment: {_e(Path(str(meta['experiment_file'])).name)}"
                if meta.get("experiment_file")
                else ""
            )
            + "</p>"
        )
    body.append("<h2>Parameters</h2>")
    linked = [c for c in data.columns if c not in data.parameters]
    rows = []
    for parameter in data.parameters:
        values, unit = data.values(parameter)
        if data.is_numeric(parameter) and len(values) > 8:
            text = (
                f"{values[0]:g} to {values[-1]:g}{' ' + unit if unit else ''} "
                f"({len(values)} values)"
            )
        else:
            text = ", ".join(dict.fromkeys(p[parameter] for p in data.points.values()))
        rows.append([_e(parameter_label(parameter)), f"<code>{_e(parameter)}</code>", _e(text)])
    body.append(_table(["parameter", "key", "values"], rows))
    design = {
        "grid": "every combination (grid)",
        "one_at_a_time": "one parameter at a time",
        "lhs": "a Latin hypercube sample",
    }.get(data.design, data.design)
    note = f"{len(data.points)} points: {design}."
    if linked:
        note += f" Set with the parameters: {', '.join(linked)}."
    body.append(f'<p class="note">{_e(note)}</p>')
    target = planned.options.get("target")

    base = data.baseline() if data.design == "one_at_a_time" else None

    def describe(point: str) -> str:
        values = data.points[point]
        shown = [p for p in data.parameters if base is None or values[p] != data.points[base][p]]
        if not shown:
            return "the scenario's values"
        return ", ".join(f"{in_sentence(parameter_label(p))} = {values[p]}" for p in shown)

    sentences: list[str] = []
    for stream in streams:
        sentences += sweep_findings(data, metric, stream, target, describe)
    body.insert(0, _findings(sentences[:4]))
    body.append("<h2>Headline results</h2>")
    for stream in streams:
        results = data.result(stream, metric)
        rows = [
            [
                _e(point),
                *[_e(data.points[point][p]) for p in data.parameters],
                _with_ci(results[point]) if point in results else "–",
                _e(results[point].replications) if point in results else "–",
            ]
            for point in data.points
        ]
        body.append(f"<h3>{_e(axis_label(metric))} of {_e(stream_label(stream))}</h3>")
        body.append(
            _table(
                [
                    "point",
                    *[parameter_label(p) for p in data.parameters],
                    "mean [95% CI]",
                    "replications",
                ],
                rows,
                {len(data.parameters) + 1, len(data.parameters) + 2},
            )
        )
    body += ["<h2>Figures</h2>", _figures(planned)]
    extra = _extra_json(data.documents)
    if extra:
        body += ["<h2>Sweep metadata</h2>", *extra]
    title = str(meta.get("description") or "") or (
        f"{Path(str(meta['experiment_file'])).stem}" if meta.get("experiment_file") else "Sweep"
    )
    subtitle = f"{len(data.parameters)} parameter" + ("s" if len(data.parameters) != 1 else "")
    return "Sweep", f"{title}: {subtitle}, {len(data.points)} points", "\n".join(body)


# --- staffing -------------------------------------------------------------------------------


def _staffing_body(planned: Any) -> tuple[str, str, str]:
    from .plots.io import number

    data = planned.data
    meta = data.meta
    labels = {
        "found": "Found by the search",
        "stationary": "Stationary, hour by hour",
        "scenario": "The scenario's own",
    }
    rows = []
    by_name = {r["schedule"]: r for r in data.summary}
    for r in data.summary:
        missed = r.get("hours_missed", "")
        rows.append(
            [
                _e(labels.get(r["schedule"], r["schedule"])),
                _num(number(r["lane_hours"]), 0),
                _num(number(r["booth_hours"]), 0),
                _num(number(r["officer_hours"]), 0),
                _e(missed if missed != "" else "–"),
                _e(r.get("missed", "")),
            ]
        )
    found = by_name.get("found", {})
    own = by_name.get("scenario", {})
    stationary = by_name.get("stationary", {})
    sentences = []
    from .plots.staffing import target_words, targets_of
    from .plots.style import group_label, stage_label

    wanted = " and ".join(
        target_words(stream, metric, value, meta.get("scenario"))
        for stream, metric, value in targets_of(data)
    )
    cycle = str(meta.get("cycle", "a day"))
    shifts = "/".join(str(h) for h in meta.get("shift_hours", []))
    if found:
        sentences.append(
            f"To keep {wanted} in every hour, the search opens "
            f"{_num(number(found['lane_hours']), 0)} lane-hours in {cycle}, covered by "
            f"{_num(number(found['officer_hours']), 0)} officer-hours in {shifts}-hour shifts."
        )
    if own:
        sentences.append(
            f"The scenario's own schedule has {_num(number(own['lane_hours']), 0)} lane-hours "
            f"and misses a target in {own.get('hours_missed') or '–'} hours."
        )
    if stationary:
        sentences.append(
            "Staffing each hour by its own load (the stationary schedule) takes "
            f"{_num(number(stationary['lane_hours']), 0)} lane-hours and misses a target in "
            f"{stationary.get('hours_missed') or '–'} hours."
        )
    if meta.get("impossible"):
        sentences.append(f"Not met even with every lane open: {meta['impossible']}.")
    shift_rows = [
        [
            _e(stage_label(r["stage"], meta.get("scenario"))),
            _e(
                "All lane groups"
                if r["lane_group"] == "all"
                else group_label(r["stage"], r["lane_group"], meta.get("scenario"))
            ),
            _e(r["start_hour"]),
            _e(r["hours"]),
            _e(r["officers"]),
        ]
        for r in data.shifts
    ]
    rule = (
        "the upper end of its 95% confidence interval" if meta.get("rule") == "ci" else "its mean"
    )
    body = [
        _findings(sentences),
        _table(
            ["Schedule", "Lane-hours", "Booth-hours", "Officer-hours", "Hours missed", "Which"],
            rows,
            numeric={1, 2, 3, 4},
        ),
        f'<p class="note">An hour of arrival meets a target when {rule} over '
        f"{_e(meta.get('replications'))} replications (common random numbers) is at or below "
        f"it. Lane-hours, booth-hours and officer-hours are for {_e(cycle)}.</p>",
        "<h2>Figures</h2>",
        _figures(planned),
        "<h2>Officer shifts (found schedule)</h2>",
        _table(
            ["Stage", "Lane group", "Start hour", "Hours", "Officers"],
            shift_rows,
            numeric={2, 3, 4},
        )
        if shift_rows
        else "<p>No officers needed.</p>",
        "<h2>Search metadata</h2>",
        _metadata(meta),
    ]
    return "Staffing", str(meta.get("scenario_name") or "Staffing"), "\n".join(body)


def _extra_json(documents: dict[str, Any]) -> list[str]:
    """Top-level values of the JSON files beside the tables (a comparison's or sweep's own
    record of what was run, by file name), shown as metadata."""
    parts = []
    for name, content in documents.items():
        if not isinstance(content, dict):
            continue
        items = [
            f"<dt>{_e(k)}</dt><dd>{_e('–' if v is None else v)}</dd>"
            for k, v in content.items()
            if isinstance(v, str | int | float | bool) or v is None
        ]
        if items:
            parts.append(f'<h3>{_e(name)}</h3><dl class="meta">{"".join(items)}</dl>')
    return parts


def _source_name(data: Data) -> str:
    """What the report was made from: the directory's name, or for a result in memory its
    scenario (or experiment) file, else its name."""
    from .plots.io import ComparisonData, RunData, StaffingData

    if data.directory is not None:
        return data.directory.name or str(data.directory)

    def of_run(run: RunData) -> str:
        source = run.meta.get("scenario_file")
        return Path(str(source)).name if source else run.name

    if isinstance(data, RunData):
        return of_run(data)
    if isinstance(data, ComparisonData):
        runs = [data.base] if data.base is not None else []
        return " vs ".join(of_run(run) for run in [*runs, *data.alternatives.values()])
    if isinstance(data, StaffingData):
        source = data.meta.get("scenario_file")
        return Path(str(source)).name if source else data.name
    source = data.meta.get("experiment_file") or data.meta.get("scenario_file")
    return Path(str(source)).name if source else "a sweep"


# --- the report -----------------------------------------------------------------------------

BODIES: dict[str, Callable[[Any], tuple[str, str, str]]] = {
    "run": _run_body,
    "comparison": _comparison_body,
    "staffing": _staffing_body,
    "sweep": _sweep_report,
}
"""Result kind (:attr:`borderflow.plots.Plan.kind`) -> the function that writes its report:
(kind shown, title, HTML body) from the planned figures and their data. A new kind of result
adds its entry here (a region's report is written by :mod:`borderflow.plots.region`)."""


def build_report(
    source: Source,
    *,
    metric: str | None = None,
    streams: list[str] | None = None,
    target: float | None = None,
    observed: Any = None,
) -> str:
    """The HTML text of the report of a run, comparison or sweep: its directory, or the result
    in memory (a :class:`~borderflow.runner.RunResult`,
    :class:`~borderflow.experiments.compare.Comparison` or
    :class:`~borderflow.experiments.sweep.SweepResult`).

    ``metric``, ``streams`` and ``target`` choose the sweep figures and table, and
    ``observed`` the observed waits a run is drawn against, as for
    :func:`borderflow.plots.plan`.

    Raises:
        borderflow.plots.PlotInputError: the directory holds nothing to report.
        TypeError: ``source`` is nothing to report on.
    """
    from . import __version__
    from .plots import plan

    planned = plan(source, metric=metric, streams=streams, target=target, observed=observed)
    if planned.kind == "region":  # a region folder: its body is built with its figures
        from .plots.region import report_body

        kind, title, body, origin = report_body(planned, _figures(planned))
    else:
        assert planned.data is not None  # plan() always returns the data it planned for
        origin = _source_name(planned.data)  # type: ignore[arg-type]
        kind, title, body = BODIES[planned.kind](planned)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} – borderflow {_e(kind.lower())} report</title>"
        f"<style>{CSS}</style></head><body><main>"
        f'<header><div class="kind">borderflow · {_e(kind)} report</div>'
        f"<h1>{_e(title)}</h1>"
        f'<div class="muted">From {_e(origin)} · made {made} with '
        f"borderflow {_e(__version__)}</div></header>\n"
        f"{body}\n</main></body></html>\n"
    )


def write_report(
    source: Source,
    output: str | Path | None = None,
    *,
    metric: str | None = None,
    streams: list[str] | None = None,
    target: float | None = None,
    observed: Any = None,
) -> Path:
    """Write the report of ``source`` (a directory or a result in memory, as for
    :func:`build_report`) to ``output``: default ``DIR/report.html`` for a directory; required
    for a result in memory, which has no directory.

    Raises:
        borderflow.plots.PlotInputError: nothing to report.
        borderflow.output.OutputError: the file cannot be written.
        TypeError: no ``output`` for a result in memory, or ``source`` is nothing to report on.
    """
    from .output import write_text
    from .plots.io import directory_of, no_directory

    directory = directory_of(source)
    if output is not None:
        path = Path(output)
    elif directory is not None:
        path = directory / REPORT_FILE
    else:
        raise no_directory("write_report", "output", source)
    text = build_report(source, metric=metric, streams=streams, target=target, observed=observed)
    return write_text(path, text)
