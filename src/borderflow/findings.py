"""The findings of a run, a comparison or a sweep in a planner's words, with their intervals.

A report opens with two to four sentences made here from the result tables ("RFID reading cuts
the mean wait of general cars by 29 minutes (95% CI 25–33), ..."), followed by the money and
the emissions. Everything is computed from the tables that the figures read
(:mod:`borderflow.plots.io`), so a directory and a result in memory give the same words.

Intervals are the 95% confidence intervals of the tables (over replications; for a comparison,
of the paired differences). A quantity that is a fixed multiple of another (a year of days, a
day of a counted period) has its interval scaled the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .analysis import Estimate
from .scenario.units import hours_of

if TYPE_CHECKING:
    from .plots.io import ComparisonData, RunData, SweepData

DAYS_PER_YEAR_ASSUMED = 365.0
"""Days a year like the counted period when the scenario does not say
(``economics.annualize_days``): an assumption, always said so in the report."""
WAIT_METRICS = ("wait_mean_min", "wait_p95_min", "time_in_port_mean_min")
"""The metrics by which a comparison tells a changed stream from an unchanged one."""


# --- words for numbers ----------------------------------------------------------------------


def minutes(value: float) -> str:
    """``29`` for 29.3 minutes, ``0.4`` under 10 minutes: the precision a planner reads."""
    if math.isnan(value):
        return "–"
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def money(value: float) -> str:
    """``$97 million``, ``$471,000``, ``$1.2 billion``, ``$850``: three significant figures."""
    if math.isnan(value):
        return "–"
    sign = "−" if value < 0 else ""
    v = abs(value)
    if v >= 1e9:
        return f"{sign}${_sig(v / 1e9)} billion"
    if v >= 1e6:
        return f"{sign}${_sig(v / 1e6)} million"
    if v >= 1e3:
        return f"{sign}${round(v, -int(math.floor(math.log10(v))) + 2):,.0f}"
    return f"{sign}${v:,.0f}"


def _sig(v: float) -> str:
    """Three significant figures, without a trailing ``.0``."""
    digits = max(0, 2 - int(math.floor(math.log10(v)))) if v > 0 else 0
    text = f"{v:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: float) -> str:
    """A count or amount to three significant figures with thousands separators."""
    if math.isnan(value):
        return "–"
    v = abs(value)
    text = f"{round(v, -int(math.floor(math.log10(v))) + 2):,.0f}" if v >= 1000 else _sig(v)
    return "−" + text if value < 0 and text.strip("0.") else text


def interval(low: float, high: float, fmt: Any = minutes) -> str:
    """``95% CI 27–32`` (empty when the interval is not defined)."""
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"95% CI {fmt(low)}–{fmt(high)}".replace("–−", " to −")


def in_sentence(label: str) -> str:
    """A display name inside a sentence: ``General cars`` -> ``general cars``; names that start
    with an acronym (``SENTRI cars``) or a proper name (``Ready Lane``) keep their capital."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        if label.split(" ")[0] in {"Ready", "All"} and not label.startswith("All "):
            return label
        return label[0].lower() + label[1:]
    return label


def scaled(e: Estimate, factor: float) -> Estimate:
    """An estimate multiplied by a constant (a mean and its interval scale alike)."""
    return Estimate(
        e.mean * factor, e.ci_low * factor, e.ci_high * factor, e.std * abs(factor), e.replications
    )


# --- runs -----------------------------------------------------------------------------------


def counted_days(scenario: dict[str, Any]) -> float:
    """Days in the counted period (horizon − warm-up) of a resolved scenario."""
    span = hours_of(scenario.get("horizon") or "24 h") - hours_of(scenario.get("warmup") or "0 h")
    return span / 24 if span > 0 else 1.0


def year_days(scenario: dict[str, Any]) -> tuple[float, bool]:
    """(days a year like the counted period, whether that is the scenario's own figure)."""
    days = (scenario.get("economics") or {}).get("annualize_days")
    if days:
        return float(days), True
    return DAYS_PER_YEAR_ASSUMED, False


@dataclass
class Money:
    """What the queueing of one result costs (or a change saves), per day and per year."""

    rows: list[tuple[str, Estimate, Estimate, str]] = field(default_factory=list)
    """(what, per day, per year, unit) for each quantity."""
    days_per_year: float = DAYS_PER_YEAR_ASSUMED
    days_given: bool = False
    currency_year: int = 2017


MONEY_METRICS = (
    ("delay_cost_usd", "Cost of travellers' time and fuel in line", "USD"),
    ("delay_person_hours", "Person-hours spent in line", "person-hours"),
    ("co2_kg", "CO2 from idling engines", "tonnes"),
    ("idle_fuel_gal", "Fuel burnt idling", "US gallons"),
)


def run_money(run: RunData) -> Money | None:
    """Delay cost, person-hours, CO2 and fuel of every traveller (``all``), a day and a year."""
    scenario = run.meta.get("scenario") or {}
    everyone = run.summary.get("all", {})
    if "delay_cost_usd" not in everyone:
        return None
    return _money(scenario, counted_days(scenario), everyone.get)


def _money(scenario: dict[str, Any], days: float, value: Callable[[str], Estimate | None]) -> Money:
    """The money rows of a run or a change: ``value(metric)`` over the counted ``days``, a
    day and a year (the metric's own ``_per_year`` when it has one, else the day times the
    days a year)."""
    per_year, given = year_days(scenario)
    out = Money(days_per_year=per_year, days_given=given)
    out.currency_year = int((scenario.get("economics") or {}).get("currency_year") or 2017)
    for metric, what, unit in MONEY_METRICS:
        e = value(metric)
        if e is None:
            continue
        factor = 1 / 1000 if unit == "tonnes" else 1.0
        day = scaled(e, factor / days)
        year = value(f"{metric}_per_year")
        year = scaled(year, factor) if year is not None else scaled(day, per_year)
        out.rows.append((what, day, year, unit))
    return out


def run_findings(run: RunData, label: Any = None) -> list[str]:
    """Two to four sentences on a run: who waits longest and when, everyone's mean wait, and
    what the waiting costs."""
    from .plots.style import stream_label

    scenario = run.meta.get("scenario") or {}

    def name(stream: str) -> str:
        return (label or stream_label)(stream, scenario)

    waits = {
        s: run.summary[s]["wait_mean_min"]
        for s in run.streams
        if "wait_mean_min" in run.summary.get(s, {})
        and not math.isnan(run.summary[s]["wait_mean_min"].mean)
    }
    sentences = []
    if waits:
        worst = max(waits, key=lambda s: waits[s].mean)
        e = waits[worst]
        p95 = run.summary[worst].get("wait_p95_min")
        text = f"{name(worst)} wait longest: {minutes(e.mean)} minutes on average" + _paren(
            interval(e.ci_low, e.ci_high)
        )
        if p95 is not None and not math.isnan(p95.mean):
            text += f", and one in twenty waits more than {minutes(p95.mean)} minutes"
        hourly = run.hourly("wait_mean_min").get(worst)
        if hourly is not None and len(hourly.hours):
            means = [float(v) for v in hourly.mean]
            i = max(range(len(means)), key=lambda k: _finite(means[k]))
            hour = int(hourly.hours[i]) % 24
            text += (
                f"; the worst hour to arrive is {hour:02d}:00–{(hour + 1) % 24:02d}:00, with "
                f"{minutes(float(hourly.mean[i]))} minutes"
            )
        sentences.append(text + ".")
    everyone = run.summary.get("all", {})
    if "wait_mean_min" in everyone:
        e = everyone["wait_mean_min"]
        count = everyone.get("entities")
        days = counted_days(scenario)
        who = (
            f"all {count.mean / days:,.0f} travellers a day"
            if count is not None and not math.isnan(count.mean)
            else "all travellers"
        )
        text = f"Over {who}, the mean wait is {minutes(e.mean)} minutes" + _paren(
            interval(e.ci_low, e.ci_high)
        )
        short = [s for s, w in waits.items() if w.mean < 2]
        if short and len(short) < len(waits):
            text += (
                f"; {_join([in_sentence(name(s)) for s in short])} hardly wait (under 2 minutes)"
            )
        sentences.append(text + ".")
    cost = run_money(run)
    if cost is not None and cost.rows:
        day, year = cost.rows[0][1], cost.rows[0][2]
        text = (
            f"Waiting costs travellers about {money(day.mean)} a day"
            + _paren(interval(day.ci_low, day.ci_high, money))
            + f", {money(year.mean)} a year"
            + (
                f" over {cost.days_per_year:g} days like this one"
                if cost.days_given
                else f" if {cost.days_per_year:g} days a year were like this one"
            )
        )
        co2 = next((r for r in cost.rows if r[0].startswith("CO2")), None)
        if co2 is not None:
            text += f"; idling in line emits {quantity(co2[1].mean)} tonnes of CO2 a day"
        sentences.append(text + ".")
    return sentences


def _finite(value: float) -> float:
    return -math.inf if math.isnan(value) else value


def _paren(text: str) -> str:
    return f" ({text})" if text else ""


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- comparisons ----------------------------------------------------------------------------


def difference(data: ComparisonData, scenario: str, stream: str, metric: str) -> Estimate | None:
    """The paired difference (alternative − base) of one row of ``comparison.csv``."""
    from .plots.io import number

    row = data.row(scenario, stream, metric)
    if row is None:
        return None
    n = row.get("replications") or ""
    return Estimate(
        number(row["diff_mean"]),
        number(row["diff_ci_low"]),
        number(row["diff_ci_high"]),
        math.nan,
        int(float(n)) if n else 0,
    )


def is_significant(data: ComparisonData, scenario: str, stream: str, metric: str) -> bool:
    row = data.row(scenario, stream, metric)
    return row is not None and str(row["significant"]).strip().lower() in {"true", "1", "yes"}


def change_class(data: ComparisonData, scenario: str, stream: str) -> str:
    """``'changed'`` (a wait metric changed significantly), ``'unchanged'`` (every wait metric
    identical in every replication: under common random numbers, the change did not reach this
    stream), or ``'not significant'``."""
    metrics = [m for m in WAIT_METRICS if data.row(scenario, stream, m) is not None]
    if any(is_significant(data, scenario, stream, m) for m in metrics):
        return "changed"
    diffs = [difference(data, scenario, stream, m) for m in metrics]
    if all(d is not None and d.mean == 0 and d.ci_low == 0 == d.ci_high for d in diffs):
        return "unchanged"
    if all(d is not None and d.mean == 0 and math.isnan(d.ci_low) for d in diffs):
        return "unchanged"
    return "not significant"


def alternative_name(data: ComparisonData, scenario: str) -> str:
    """An alternative's scenario name (its ``name:``), else its label."""
    run = data.alternatives.get(scenario)
    if run is None:
        return scenario
    name, base = run.name, data.base.name if data.base is not None else ""
    if name == base:  # the same scenario changed by --set: its label tells them apart
        return scenario
    for joint in (", ", ": ", " - ", " – ", " "):
        if base and name.startswith(base + joint) and len(name) > len(base + joint):
            rest = name[len(base + joint) :]
            return rest[0].upper() + rest[1:]
    return name


def comparison_scenario(data: ComparisonData, scenario: str | None = None) -> dict[str, Any]:
    """The resolved scenario of an alternative (or of the base), from its run (empty if none)."""
    run = data.alternatives.get(scenario) if scenario is not None else data.base
    if run is None:
        run = data.base
    return (run.meta.get("scenario") or {}) if run is not None else {}


def comparison_money(data: ComparisonData, scenario: str) -> Money | None:
    """The change in delay cost, person-hours, CO2 and fuel of every traveller (alternative −
    base), a day and a year."""
    spec = comparison_scenario(data, scenario)
    if data.row(scenario, "all", "delay_cost_usd") is None:
        return None

    def change(metric: str) -> Estimate | None:
        e = difference(data, scenario, "all", metric)
        # a yearly change is NaN when the base and the alternative count different days
        if e is None or (metric.endswith("_per_year") and math.isnan(e.mean)):
            return None
        return e

    return _money(spec, counted_days(spec) if spec else 1.0, change)


def comparison_findings(
    data: ComparisonData, benefit_costs: dict[str, Any] | None = None, label: Any = None
) -> list[str]:
    """One sentence per alternative (at most four): the largest change in a stream's mean wait
    with its interval, and what it saves in travellers' time; then the benefit–cost result when
    the alternative's costs are given."""
    from .plots.style import stream_label

    spec = comparison_scenario(data)

    def name(stream: str) -> str:
        return in_sentence((label or stream_label)(stream, spec))

    sentences = []
    scenarios = data.scenarios
    for scenario in scenarios[:4]:
        who = alternative_name(data, scenario)
        changed = [
            s
            for s in data.streams
            if s != "all" and is_significant(data, scenario, s, "wait_mean_min")
        ]
        if not changed:
            e = difference(data, scenario, "all", "wait_mean_min")
            text = f"{who} makes no difference to the waits that the replications can tell"
            if e is not None:
                text += (
                    f": the mean wait of all travellers changes by {_signed(e.mean)} minutes"
                    + _paren(interval(e.ci_low, e.ci_high, _signed))
                )
            sentences.append(text + ".")
            continue
        diffs = {s: difference(data, scenario, s, "wait_mean_min") for s in changed}
        main = max(changed, key=lambda s: abs(diffs[s].mean))  # type: ignore[union-attr]
        e = diffs[main]
        assert e is not None
        verb = "cuts" if e.mean < 0 else "adds"
        low, high = sorted((abs(e.ci_low), abs(e.ci_high)))
        text = (
            f"{who} {verb} {minutes(abs(e.mean))} minutes "
            f"{'from' if e.mean < 0 else 'to'} the mean wait of {name(main)}"
            + _paren(interval(low, high))
        )
        row = data.row(scenario, main, "wait_mean_min")
        if row is not None:
            from .plots.io import number

            before, after = number(row["base_mean"]), number(row["alt_mean"])
            text += f", from {minutes(before)} to {minutes(after)} minutes"
        cost = comparison_money(data, scenario)
        if (
            cost is not None
            and cost.rows
            and is_significant(data, scenario, "all", "delay_cost_usd")
        ):
            day, year = cost.rows[0][1], cost.rows[0][2]
            saves = day.mean < 0
            low, high = sorted((abs(year.ci_low), abs(year.ci_high)))
            text += (
                f", {'saving' if saves else 'costing'} travellers about {money(abs(year.mean))} "
                f"a year{' more' if not saves else ''}"
                + f" ({interval(low, high, money)}; {money(abs(day.mean))} a day"
                + ("" if cost.days_given else f", {cost.days_per_year:g} such days a year assumed")
                + ")"
            )
        others = [s for s in changed if s != main]
        if others:
            text += f"; it also changes the waits of {_join([name(s) for s in others])}"
        sentences.append(text + ".")
        result = (benefit_costs or {}).get(scenario)
        if result is not None and len(sentences) < 4:
            sentences.append(result.sentence(who))
    if len(scenarios) > 4:
        sentences.append(f"{len(scenarios) - 4} more alternatives are in the table below.")
    return sentences


def _signed(value: float) -> str:
    if math.isnan(value):
        return "–"
    text = minutes(abs(value))
    return ("+" if value > 0 else "−" if value < 0 and text.strip("0.") else "") + text


# --- sweeps ---------------------------------------------------------------------------------


def verdicts(
    results: dict[str, Estimate], target: float, lower_is_better: bool = True
) -> dict[str, str]:
    """point -> ``'met'`` (the whole 95% CI on the good side of ``target``), ``'not met'``
    (the whole interval on the bad side) or ``'undecided'`` (the interval holds the target, or
    is not defined)."""
    out = {}
    for point, e in results.items():
        low, high = e.ci_low, e.ci_high
        if math.isnan(low) or math.isnan(high):
            low = high = e.mean if e.replications == 1 else math.nan
        if math.isnan(low):
            out[point] = "undecided"
        elif (high < target) if lower_is_better else (low > target):
            out[point] = "met"
        elif (low > target) if lower_is_better else (high < target):
            out[point] = "not met"
        else:
            out[point] = "undecided"
    return out


def sweep_findings(
    data: SweepData, metric: str, stream: str, target: float | None, describe: Any
) -> list[str]:
    """Sentences on a sweep: the range of the metric over the points (where it is lowest and
    highest), the points that meet the target by their interval, and for a one-at-a-time sweep
    the parameter that moves the metric most. ``describe(point)`` names a point's values."""
    from .plots.style import metric_label, stream_label

    results = {p: e for p, e in data.result(stream, metric).items() if not math.isnan(e.mean)}
    if not results:
        return []
    what, unit = metric_label(metric)
    unit_word = "minutes" if unit == "min" else unit

    def value(x: float) -> str:
        return minutes(x) if unit == "min" else quantity(x)

    subject = f"The {what[0].lower()}{what[1:]} of {in_sentence(stream_label(stream))}"
    low = min(results, key=lambda p: results[p].mean)
    high = max(results, key=lambda p: results[p].mean)
    sentences = [
        f"{subject} ranges from {value(results[low].mean)} {unit_word} ({describe(low)}) to "
        f"{value(results[high].mean)} {unit_word} ({describe(high)}) over the "
        f"{len(results)} points."
    ]
    if target is not None:
        verdict = verdicts(results, target)
        met = [p for p, v in verdict.items() if v == "met"]
        missed = [p for p, v in verdict.items() if v == "not met"]
        open_ = len(verdict) - len(met) - len(missed)
        sentences.append(
            f"{len(met)} of the {len(verdict)} points meet the target of {target:g} {unit_word} "
            f"with their whole 95% confidence interval below it, {len(missed)} miss it"
            + (
                f" and {open_} {'is' if open_ == 1 else 'are'} undecided (the interval holds "
                "the target)"
                if open_
                else ""
            )
            + "."
        )
        where = _met_by_level(data, verdict)
        if where:
            sentences.append(where)
    if data.design == "one_at_a_time" and len(data.parameters) > 1:
        swings = tornado_swings(data, results)
        if swings:
            parameter, lo, hi = swings[0]
            from .plots.style import parameter_label

            sentences.append(
                "Of the parameters varied one at a time, "
                f"{in_sentence(parameter_label(parameter))} moves "
                f"it most: from {value(lo)} to {value(hi)} {unit_word} over its range."
            )
    return sentences


def _met_by_level(data: SweepData, verdict: dict[str, str]) -> str:
    """On a grid of two numeric parameters: for each value of the second, the values of the
    first that meet the target (``at +10%: from 14 up``), in one sentence; empty otherwise."""
    from .plots.style import parameter_label

    if data.design != "grid" or len(data.parameters) != 2:
        return ""
    first, second = data.parameters
    if not (data.is_numeric(first) and data.is_numeric(second)):
        return ""
    xs = data.values(first)[0]
    parts = []
    for level in data.values(second)[0]:
        met = sorted(
            data.value(p, first)
            for p, v in verdict.items()
            if v == "met" and data.value(p, second) == level
        )
        chosen = [p for p in verdict if data.value(p, second) == level]
        if len(chosen) != len(xs):
            return ""
        if not met:
            text = "none"
        elif met == xs[len(xs) - len(met) :]:
            text = f"from {met[0]:g} up" if len(met) < len(xs) else "all"
        elif met == xs[: len(met)]:
            text = f"up to {met[-1]:g}"
        else:
            text = ", ".join(f"{v:g}" for v in met)
        parts.append(f"{_level(data, second, level)}: {text}")
    return (
        f"Values of {in_sentence(parameter_label(first))} that meet it, by "
        f"{in_sentence(parameter_label(second))}: " + "; ".join(parts) + "."
    )


def _level(data: SweepData, parameter: str, value: float) -> str:
    from .plots.io import demand_level

    base = data.demand_base(parameter)
    if base:
        return demand_level(value, base)
    return f"{value:g}"


def tornado_swings(data: SweepData, results: dict[str, Estimate]) -> list[tuple[str, float, float]]:
    """For a one-at-a-time sweep: (parameter, lowest mean, highest mean) over the points that
    vary it (the baseline included), the widest swing first."""
    base = data.baseline()
    out = []
    for parameter in data.parameters:
        points = (
            [
                p
                for p, values in data.points.items()
                if p in results
                and all(
                    values[q] == data.points[base][q] for q in data.parameters if q != parameter
                )
            ]
            if base is not None
            else []
        )
        if len(points) < 2:
            continue
        means = [results[p].mean for p in points]
        out.append((parameter, min(means), max(means)))
    out.sort(key=lambda t: t[2] - t[1], reverse=True)
    return out


def staffed_booth_hours(run: RunData) -> float | None:
    """Staffed booth-hours a counted day: lanes open (mean over replications) × booths per
    lane, over every lane group and counted hour; None without the lane table."""
    scenario = run.meta.get("scenario") or {}
    lanes = run.lanes("lanes_open")
    if not lanes:
        return None
    total = 0.0
    for (stage, group), series in lanes.items():
        spec = ((scenario.get("stages") or {}).get(stage) or {}).get("lanes", {}).get(group, {})
        booths = float(spec.get("booths_per_lane", 1) or 1)
        total += float(sum(e.mean for e in series.estimates if not math.isnan(e.mean))) * booths
    return total / counted_days(scenario)


def comparison_benefit_costs(data: ComparisonData) -> dict[str, Any]:
    """alternative -> its :class:`~borderflow.economics.BenefitCost`, for the alternatives whose
    scenario gives a cost (``economics.capital_cost_usd``, ``annual_om_usd`` or
    ``officer_cost_per_hour``)."""
    from .economics import benefit_cost

    out = {}
    base_hours: float | None = None  # the base's staffed booth-hours, counted once if needed
    for scenario in data.scenarios:
        spec = comparison_scenario(data, scenario)
        money_ = comparison_money(data, scenario)
        if not spec or money_ is None or not money_.rows:
            continue
        year = money_.rows[0][2]
        saving = (-year.mean, -year.ci_high, -year.ci_low)
        hours = None
        economics = spec.get("economics") or {}
        alt = data.alternatives.get(scenario)
        # booth-hours matter only to an officer cost
        if economics.get("officer_cost_per_hour") is not None and alt is not None and data.base:
            if base_hours is None:
                base_hours = staffed_booth_hours(data.base)
            a = staffed_booth_hours(alt)
            if a is not None and base_hours is not None:
                hours = (a - base_hours) * money_.days_per_year
        result = benefit_cost(economics, saving, hours)
        if result is not None:
            if not money_.days_given:
                result.assumptions.append(
                    f"{money_.days_per_year:g} days a year like the counted one (an assumption; "
                    "set economics.annualize_days)"
                )
            out[scenario] = result
    return out
