"""The verification catalogue: small scenarios whose right answer is known from theory.

Each case is a scenario file in the normal format (``cases/*.yaml``, shipped with the package)
and a function that computes the theoretical values *from that scenario's own parameters* with
:mod:`borderflow.theory`, and sets them against what the model produced. Editing a case file
changes the theory with it; a file that no longer fits its formula (a lognormal in an M/M/c
case, an hourly rate in a steady-state case) is rejected rather than compared.

The horizon, warm-up and replications in the files are those of the full run; ``quick``
plans shorten them so the catalogue runs in CI.

References are those of :mod:`borderflow.theory`: [GSTH] Gross, Shortle, Thompson & Harris,
*Fundamentals of Queueing Theory*, 4th ed.; [Little61] Little, "A proof for the queuing formula
L = λW", Operations Research 9 (1961) 383-387.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from scipy import stats

from .. import theory
from ..errors import ArgumentError
from ..model import ReplicationResult
from ..model.rng import generator
from ..model.sampling import sample
from ..scenario import Distribution, Scenario, load_scenario
from ..scenario.units import HOUR
from .checks import Exact, GoodnessOfFit, Interval, Measurement, Tolerance

BOUNDS: dict[str, tuple[Tolerance, Tolerance, str]] = {
    # quantity kind: (quick, full, what it applies to)
    "wait": (Tolerance(0.08), Tolerance(0.03), "mean wait"),
    "p95": (Tolerance(0.10), Tolerance(0.04), "95th percentile of the wait"),
    "queue": (Tolerance(0.08), Tolerance(0.03), "mean number waiting (Lq)"),
    "utilization": (Tolerance(0.02), Tolerance(0.01), "utilisation"),
    "little": (Tolerance(0.02), Tolerance(0.01), "Little's law ratio Lq / (λ W)"),
    "throughput": (Tolerance(0.02), Tolerance(0.01), "throughput"),
    "hourly_queue": (
        Tolerance(0.25, 0.25),
        Tolerance(0.10, 0.10),
        "mean number waiting in one hour (travellers)",
    ),
    "day_queue": (Tolerance(0.08), Tolerance(0.03), "mean number waiting over the day"),
    "share": (Tolerance(0.10), Tolerance(0.05), "referral share"),
    "dispersion": (Tolerance(0.15), Tolerance(0.07), "Poisson dispersion of hourly counts"),
    "service_mean": (Tolerance(0.01), Tolerance(0.005), "mean inspection time"),
    "service_cv": (Tolerance(0.02), Tolerance(0.01), "CV of inspection times"),
}
"""Largest accepted confidence-interval half-width, as a share of the theoretical value (or an
absolute floor, for hourly values near zero), in the quick and the full run."""


def bound(kind: str, quick: bool) -> Tolerance:
    """The half-width bound of quantity ``kind`` in the quick or the full run."""
    quick_bound, full_bound, _ = BOUNDS[kind]
    return quick_bound if quick else full_bound


class CaseError(ValueError):
    """A case file does not fit the theory it is compared with."""


@dataclass(frozen=True)
class Plan:
    """How much to simulate: ``replications`` (batches) of ``horizon`` after ``warmup``.

    ``None`` keeps the value written in the case file (the full run). ``samples`` is the number
    of draws per batch for cases that sample distributions directly.
    """

    replications: int | None = None
    horizon: str | None = None
    warmup: str | None = None
    samples: int = 0

    def overrides(self) -> tuple[str, ...]:
        """``key=value`` changes to the case file, as ``--set`` takes them."""
        out = []
        if self.horizon is not None:
            out.append(f"horizon={self.horizon}")
        if self.warmup is not None:
            out.append(f"warmup={self.warmup}")
        if self.replications is not None:
            out.append(f"replications={self.replications}")
        return tuple(out)


Summary = dict[str, Any]
Evaluate = Callable[[Scenario, list[Summary], Plan, bool], tuple[list[Measurement], list[str]]]


@dataclass(frozen=True)
class Case:
    """One entry of the catalogue."""

    name: str
    title: str
    checks: str
    """What is compared with what, in a sentence (shown in the report)."""
    file: str
    """Scenario file name in ``borderflow/verify/cases``."""
    quick: Plan
    full: Plan
    evaluate: Evaluate
    """(scenario, per-replication summaries, plan, quick) -> (measurements, notes)."""
    summarise: Callable[[Scenario, ReplicationResult], Summary] | None = None
    """Reduces one replication to the few numbers ``evaluate`` needs (runs in the worker).
    None for cases that do not simulate the port."""
    trace: bool = False
    """Whether ``summarise`` needs each traveller's trace."""

    def plan(self, quick: bool) -> Plan:
        """The plan of the quick or the full run."""
        return self.quick if quick else self.full

    def scenario(self, quick: bool) -> Scenario:
        """The case file, loaded and validated, with the quick plan's changes if ``quick``."""
        source = resources.files(__package__).joinpath("cases", self.file)
        with resources.as_file(source) as path:
            return load_scenario(str(path), self.plan(quick).overrides())


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _Queue:
    """The one queue of a single-stage case, read from its scenario."""

    stream: str
    stage: str
    rates: tuple[float, ...]
    service: Distribution
    lanes: int
    booths: int
    shared: bool
    servers: tuple[int, ...]


def _one_queue(scenario: Scenario) -> _Queue:
    if len(scenario.streams) != 1:
        raise CaseError(f"{scenario.name}: expected one stream, found {len(scenario.streams)}")
    (stream,) = scenario.streams
    route = scenario.streams[stream].route
    if len(route) != 1:
        raise CaseError(f"{scenario.name}: expected a route of one stage, found {list(route)}")
    stage = scenario.stages[route[0]]
    if len(stage.lanes) != 1:
        raise CaseError(f"{scenario.name}: expected one lane group, found {list(stage.lanes)}")
    ((name, group),) = stage.lanes.items()
    if scenario.visit_probability(route[0], stream) != 1 or scenario.week_visits(route[0], stream):
        raise CaseError(f"{scenario.name}: every traveller must visit {route[0]}")
    # the model runs on a week of hourly values; these cases need the same day every day
    rates = scenario.week_rates(stream)
    servers = scenario.week_open(route[0], name)
    if rates != rates[:24] * 7 or servers != servers[:24] * 7:
        raise CaseError(f"{scenario.name}: arrivals and open lanes must not vary by day")
    return _Queue(
        stream=stream,
        stage=route[0],
        rates=rates[:24],
        service=stage.service_for(stream),
        lanes=group.lanes,
        booths=group.booths_per_lane,
        shared=group.queue == "shared",
        servers=servers[:24],
    )


def _frozen(d: Distribution, unit: float) -> theory.FrozenDistribution:
    """``d`` as a scipy distribution in time unit ``unit`` seconds (its own parameters)."""
    mean, cv = d.moments
    if d.dist == "exponential":
        return theory.service_distribution("exponential", mean / unit)
    if d.dist == "deterministic" or cv == 0:
        return theory.service_distribution("deterministic", mean / unit)
    if d.dist in ("lognormal", "gamma", "uniform"):
        return theory.service_distribution(d.dist, mean / unit, cv)
    if d.dist == "triangular":
        if d.min is None or d.mode is None or d.max is None:  # the schema requires all three
            raise CaseError("triangular inspection times need min, mode and max")
        low, mode, high = d.min / unit, d.mode / unit, d.max / unit
        return stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)
    raise CaseError(f"no closed form for {d.dist} inspection times here")


def _counted_hours(scenario: Scenario) -> float:
    hours = (scenario.horizon - scenario.warmup) / HOUR
    if not (hours.is_integer() and (scenario.warmup / HOUR).is_integer()):
        raise CaseError(f"{scenario.name}: warm-up and horizon must be whole hours")
    return hours


def _stage_area(result: ReplicationResult, stage: str) -> float:
    """Traveller-hours spent waiting at ``stage`` in the counted hours (area under the queue)."""
    return sum(row[6] for row in result.lanes_hourly if row[2] == stage)


def _little(result: ReplicationResult, stage: str) -> float:
    """Little's law at ``stage``: time-average number waiting over the counted period divided
    by (arrival rate x mean wait), both from the same replication. The window's length
    cancels: the ratio is (area under the queue) / (sum of the waits)."""
    everyone = result.metrics["all"]
    waits_h = everyone[f"{stage}.visits"] * everyone[f"{stage}.wait_mean_min"] / 60
    return _stage_area(result, stage) / waits_h if waits_h > 0 else math.nan


def _conserved(result: ReplicationResult) -> bool:
    checks = result.checks
    return (
        checks["arrived"] == checks["exited"] + checks["left_inside"] and checks["left_inside"] == 0
    )


def _conservation(summaries: list[Summary]) -> Exact:
    lost = sum(1 for s in summaries if not s["conserved"])
    return Exact(
        "replications where arrivals ≠ departures, or anyone is left inside",
        0.0,
        float(lost),
    )


def _little_interval(summaries: list[Summary], quick: bool) -> Interval:
    return Interval(
        "Little's law: Lq / (λ · W)",
        1.0,
        [s["little"] for s in summaries],
        bound("little", quick),
    )


# --------------------------------------------------------------------------- steady state


def _steady_summary(scenario: Scenario, result: ReplicationResult) -> Summary:
    q = _one_queue(scenario)
    m = result.metrics[q.stream]
    return {
        "wait": m["wait_mean_min"],
        "p95": m["wait_p95_min"],
        "queue": _stage_area(result, q.stage) / _counted_hours(scenario),
        "utilization": result.metrics["all"][f"{q.stage}.utilization"],
        "throughput": m["throughput_per_hour"],
        "little": _little(result, q.stage),
        "conserved": _conserved(result),
    }


def _steady_state(
    scenario: Scenario, summaries: list[Summary], plan: Plan, quick: bool
) -> tuple[list[Measurement], list[str]]:
    """M/M/c (Erlang C) or M/G/1 (Pollaczek-Khinchine) against a long stationary run."""
    q = _one_queue(scenario)
    if len(set(q.rates)) != 1 or len(set(q.servers)) != 1 or q.servers[0] != q.lanes:
        raise CaseError(f"{scenario.name}: a steady-state case needs constant rates and lanes")
    if q.booths != 1 or (q.lanes > 1 and not q.shared):
        raise CaseError(f"{scenario.name}: M/M/c needs single booths and, for c > 1, one line")
    _counted_hours(scenario)
    lam = q.rates[0] / 60  # per minute
    mean_s, cv = q.service.moments
    mean = mean_s / 60  # minutes
    c = q.lanes
    p95 = None
    if q.service.dist == "exponential":
        metrics = theory.mmc(lam, 1 / mean, c)
        p95 = theory.mmc_wait_quantile(lam, 1 / mean, c, 0.95)
        formula = f"M/M/{c}: " + ("[GSTH 2.2]" if c == 1 else "Erlang C [GSTH 2.3]")
    elif c == 1 and q.service.dist == "deterministic":
        metrics = theory.md1(lam, mean)
        formula = "M/D/1: Pollaczek-Khinchine with CV 0 [GSTH 5.1.1]"
    elif c == 1:
        metrics = theory.mg1(lam, mean, cv)
        formula = f"M/G/1 ({q.service.dist}, CV {cv:g}): Pollaczek-Khinchine [GSTH 5.1.1]"
    else:
        raise CaseError(f"{scenario.name}: no exact formula for M/G/{c}")
    out: list[Measurement] = [
        Interval(
            "mean wait (min)",
            metrics.wait_mean,
            [s["wait"] for s in summaries],
            bound("wait", quick),
            "min",
        )
    ]
    if p95 is not None:
        out.append(
            Interval(
                "95th percentile wait (min)",
                p95,
                [s["p95"] for s in summaries],
                bound("p95", quick),
                "min",
                note="M/M/c wait distribution, 1 − C·exp(−(cμ − λ)t) [GSTH 2.3]",
            )
        )
    out += [
        Interval(
            "mean number waiting, Lq",
            metrics.queue_mean,
            [s["queue"] for s in summaries],
            bound("queue", quick),
            "travellers",
        ),
        Interval(
            "utilisation",
            metrics.utilization,
            [s["utilization"] for s in summaries],
            bound("utilization", quick),
        ),
        _little_interval(summaries, quick),
        _conservation(summaries),
    ]
    notes = [
        f"λ = {q.rates[0]:g} per hour, mean inspection {mean_s:g} s, {c} booth"
        f"{'s' if c > 1 else ''}, load ρ = {metrics.utilization:.3g}; {formula}.",
        f"{len(summaries)} replications of {(scenario.horizon - scenario.warmup) / HOUR:g} h "
        f"each after a {scenario.warmup / HOUR:g} h warm-up (independent batches).",
    ]
    return out, notes


# --------------------------------------------------------------------------- stacked booths


def _stacked(
    scenario: Scenario, summaries: list[Summary], plan: Plan, quick: bool
) -> tuple[list[Measurement], list[str]]:
    """Saturated stacked lane: throughput 2 / E[max(S1, S2)], booth utilisation from the same
    renewal cycle (Little's law applied to the booths)."""
    q = _one_queue(scenario)
    if q.booths < 2 or len(set(q.servers)) != 1:
        raise CaseError(f"{scenario.name}: needs stacked booths open all day")
    dist = _frozen(q.service, HOUR)  # in hours: capacity per hour
    lanes = q.servers[0]
    capacity = lanes * theory.stacked_lane_capacity(dist, q.booths)
    if not min(q.rates) > 1.1 * capacity:
        raise CaseError(f"{scenario.name}: arrivals must exceed capacity by 10% or more")
    _counted_hours(scenario)
    out: list[Measurement] = [
        Interval(
            "throughput (vehicles per hour)",
            capacity,
            [s["throughput"] for s in summaries],
            bound("throughput", quick),
            "per hour",
            note="k / E[max(S1..Sk)] per lane (renewal-reward; E[max] by quadrature)",
        ),
        Interval(
            "booth utilisation",
            theory.stacked_utilization(dist, q.booths),
            [s["utilization"] for s in summaries],
            bound("utilization", quick),
            note="Σ_j E[max(S1..Sj)] / (k E[max(S1..Sk)]): Little's law applied to the booths",
        ),
        _conservation(summaries),
    ]
    mean_s, cv = q.service.moments
    notes = [
        f"{lanes} lane{'s' if lanes > 1 else ''} of {q.booths} stacked booths, "
        f"{q.service.dist} inspection times of mean {mean_s:g} s and CV {cv:g}; "
        f"{q.rates[0]:g} arrivals per hour against a capacity of "
        f"{capacity:.4g} (one stacked lane is worth {theory.stacked_efficiency(dist, q.booths):.3f}"
        " single booths).",
        "The line grows without bound by design, so Little's law is checked at the booths (the "
        "utilisation row: busy booths = throughput × time a vehicle holds a booth), not on the "
        "line, where L and W have no limit.",
    ]
    return out, notes


# --------------------------------------------------------------------------- time-varying day


def _day_summary(scenario: Scenario, result: ReplicationResult) -> Summary:
    q = _one_queue(scenario)
    hourly = [0.0] * 24
    for day, hour, stage, _, _, _, queue_mean, *_ in result.lanes_hourly:
        if stage == q.stage and day == 0:
            hourly[hour] += queue_mean
    return {
        "hourly": hourly,
        "little": _little(result, q.stage),
        "conserved": _conserved(result),
    }


def _time_varying(
    scenario: Scenario, summaries: list[Summary], plan: Plan, quick: bool
) -> tuple[list[Measurement], list[str]]:
    """M(t)/M/c(t): hourly mean queue against the forward equations (``transient_mmc``)."""
    q = _one_queue(scenario)
    if q.service.dist != "exponential" or not q.shared or q.booths != 1:
        raise CaseError(f"{scenario.name}: needs one shared line, single booths, exponential")
    if scenario.warmup != 0 or scenario.horizon != 24 * HOUR:
        raise CaseError(f"{scenario.name}: needs one day from an empty port (warm-up 0)")
    mu = HOUR / q.service.moments[0]  # services per hour per booth
    ode = theory.transient_mmc(q.rates, q.servers, mu)
    tolerance = bound("hourly_queue", quick)
    closing = {h for h in range(1, 24) if q.servers[h] < q.servers[h - 1]}
    out: list[Measurement] = []
    for h in range(24):
        out.append(
            Interval(
                f"mean number waiting {h:02d}:00–{h + 1:02d}:00",
                float(ode.period_queue_mean[h]),
                [s["hourly"][h] for s in summaries],
                tolerance,
                "travellers",
                judged=h not in closing,
            )
        )
    out += [
        Interval(
            "mean number waiting over the day",
            float(np.mean(ode.period_queue_mean)),
            [float(np.mean(s["hourly"])) for s in summaries],
            bound("day_queue", quick),
            "travellers",
        ),
        _little_interval(summaries, quick),
        _conservation(summaries),
    ]
    drops = []
    for h in range(1, 24):
        before, after = q.servers[h - 1], q.servers[h]
        if after < before:
            p = theory.transient_mmc(q.rates[:h], q.servers[:h], mu).final_distribution
            n = np.arange(p.size)
            displaced = float(np.dot(p, np.minimum(n, before) - np.minimum(n, after)))
            drops.append(f"{h:02d}:00 ({before} → {after}: {displaced:.3f})")
    notes = [
        f"Arrivals per hour, 00:00 to 23:00: {', '.join(map(_g, q.rates))}; booths open: "
        f"{', '.join(map(str, q.servers))}; exponential inspection times of mean "
        f"{q.service.moments[0]:g} s. "
        "Theory: the Kolmogorov forward equations of the M(t)/M/c(t) queue, solved numerically "
        "(theory.transient_mmc, [GSTH] ch. 2 and 8).",
        "When booths close, the model lets each closing booth finish its traveller (as real "
        "booths do), while the equations remove the server at once and put its traveller back "
        "in line; and until they are done, the closing booths add to the capacity of the open "
        "ones. So in an hour that starts with a closing, the model's queue is shorter than the "
        "equations', and that hour is shown but not judged. Booths close only after a quiet "
        "hour and into a quiet hour, so the difference is small in travellers (see those rows) "
        "and gone by the next hour, which is judged. The expected number the equations put back "
        "in line at each closing is " + ", ".join(drops) + ".",
        "No one arrives after 23:00, so the port is empty at midnight and Little's law holds "
        "exactly in each replication, not just on average.",
    ]
    return out, notes


def _g(x: float) -> str:
    return f"{x:g}"


# --------------------------------------------------------------------------- parts of the model


def _parts_summary(scenario: Scenario, result: ReplicationResult) -> Summary:
    hours = int(scenario.horizon // HOUR)
    counts = {name: [0] * hours for name in scenario.streams}
    for day, hour, stream, arrivals, *_ in result.hourly:
        counts[stream][day * 24 + hour] += arrivals
    shares = {}
    for name, spec in scenario.streams.items():
        m = result.metrics[name]
        shares[name] = {
            stage: m[f"{stage}.visits"] / m["entities"] if m["entities"] else math.nan
            for stage in spec.route
        }
    first = {spec.route[0] for spec in scenario.streams.values()}
    return {
        "counts": counts,
        "shares": shares,
        "little": {stage: _little(result, stage) for stage in first},
        "conserved": _conserved(result),
        "entities": result.metrics["all"]["entities"],
        "arrived": result.checks["arrived"],
    }


def _parts(
    scenario: Scenario, summaries: list[Summary], plan: Plan, quick: bool
) -> tuple[list[Measurement], list[str]]:
    """Arrivals (chi-square, Poisson dispersion, empty hours), referral shares, Little's law
    and conservation, on a two-stage port over several days."""
    if scenario.warmup != 0 or not (scenario.horizon / (24 * HOUR)).is_integer():
        raise CaseError(f"{scenario.name}: needs whole days from an empty port (warm-up 0)")
    days = int(scenario.horizon // (24 * HOUR))
    runs = len(summaries)
    out: list[Measurement] = []
    for name in scenario.streams:
        week = scenario.week_rates(name)  # the rates the model runs on, a week from day 0
        rates = np.array([week[h % len(week)] for h in range(days * 24)]).reshape(days, 24)
        counts = np.array([s["counts"][name] for s in summaries], dtype=float)
        counts = counts.reshape(runs, days, 24)
        busy = rates > 0  # (day, hour) cells where arrivals are expected
        # by hour of day: sums of independent Poisson counts are Poisson
        hours = busy.any(axis=0)
        observed = counts.sum(axis=(0, 1))[hours]
        expected = runs * rates.sum(axis=0)[hours]
        chi2 = float(np.sum((observed - expected) ** 2 / expected))
        df = int(hours.sum())
        out.append(
            GoodnessOfFit(
                f"{name}: arrivals by hour of day",
                chi2,
                float(stats.chi2.sf(chi2, df)),
                f"chi-square, {df} df",
                note="counts pooled over days and replications against rate × days; the total "
                "is not fixed, so df = number of hours with a positive rate",
            )
        )
        dispersion = ((counts[:, busy] - rates[busy]) ** 2 / rates[busy]).mean(axis=1)
        out.append(
            Interval(
                f"{name}: (count − rate)² / rate, per hour",
                1.0,
                dispersion.tolist(),
                bound("dispersion", quick),
                note="1 for Poisson counts (variance = mean); about 2 for arrivals in pairs",
            )
        )
        out.append(
            Exact(
                f"{name}: arrivals in hours with rate 0",
                0.0,
                float(counts[:, ~busy].sum()),
            )
        )
    for name, spec in scenario.streams.items():
        for stage_name in spec.route:
            share = scenario.visit_probability(stage_name, name)
            if scenario.week_visits(stage_name, name) or scenario.stages[stage_name].visit_after:
                raise CaseError(f"{scenario.name}: {stage_name} needs one fixed visit share")
            if share < 1:
                out.append(
                    Interval(
                        f"{name}: share referred to {stage_name}",
                        share,
                        [s["shares"][name][stage_name] for s in summaries],
                        bound("share", quick),
                    )
                )
    for stage_name in sorted({spec.route[0] for spec in scenario.streams.values()}):
        little = _little_interval([{"little": s["little"][stage_name]} for s in summaries], quick)
        out.append(
            Interval(
                f"{stage_name}: {little.quantity}", little.theory, little.values, little.tolerance
            )
        )
    out.append(_conservation(summaries))
    out.append(
        Exact(
            "arrivals − travellers counted in the hourly table",
            0.0,
            float(sum(s["arrived"] - sum(map(sum, s["counts"].values())) for s in summaries)),
        )
    )
    notes = [
        f"{len(scenario.streams)} streams ({', '.join(scenario.streams)}) over {days} days × "
        f"{runs} replications; arrivals per day "
        + ", ".join(f"{n} {sum(scenario.week_rates(n)) / 7:g}" for n in scenario.streams)
        + ". No one arrives 23:00–24:00, so Little's law holds exactly each day.",
    ]
    return out, notes


# --------------------------------------------------------------------------- service times


def _service_times(
    scenario: Scenario, summaries: list[Summary], plan: Plan, quick: bool
) -> tuple[list[Measurement], list[str]]:
    """Each inspection-time distribution: mean and CV against its parameters (over batches) and
    its whole shape against the distribution (Kolmogorov-Smirnov, or chi-square for
    empirical times). Drawn exactly as the model draws them: same named random stream, same
    inverse-CDF transform (``model.sampling``)."""
    batches = scenario.replications
    n = plan.samples
    out: list[Measurement] = []
    for name, spec in scenario.streams.items():
        stage = spec.route[0]
        d = scenario.stages[stage].service_for(name)
        draws = [
            sample(d, generator(scenario.seed, r, f"service/{name}/{stage}"), n)
            for r in range(batches)
        ]
        mean, cv = d.moments
        label = name if name == d.dist else f"{name} ({d.dist})"
        if d.dist == "deterministic" or cv == 0:
            out.append(
                Exact(
                    f"{label}: largest |time − mean| (s)",
                    0.0,
                    float(max(np.max(np.abs(x - mean)) for x in draws)),
                    "s",
                )
            )
            continue
        out.append(
            Interval(
                f"{label}: mean (s)",
                mean,
                [float(x.mean()) for x in draws],
                bound("service_mean", quick),
                "s",
            )
        )
        out.append(
            Interval(
                f"{label}: CV",
                cv,
                [float(x.std() / x.mean()) for x in draws],
                bound("service_cv", quick),
            )
        )
        pooled = np.concatenate(draws)
        if d.dist == "empirical":
            values, weights = np.unique(np.asarray(d.values, dtype=float), return_counts=True)
            observed = np.array([np.count_nonzero(pooled == v) for v in values], dtype=float)
            expected = pooled.size * weights / weights.sum()
            chi2 = float(np.sum((observed - expected) ** 2 / expected))
            df = len(values) - 1
            out.append(
                GoodnessOfFit(
                    f"{label}: frequency of each value",
                    chi2,
                    float(stats.chi2.sf(chi2, df)) if df else 1.0,
                    f"chi-square, {df} df",
                )
            )
            continue
        result = stats.kstest(pooled, _frozen(d, 1.0).cdf)
        out.append(
            GoodnessOfFit(
                f"{label}: distribution",
                float(result.statistic),
                float(result.pvalue),
                "Kolmogorov-Smirnov",
                note=f"{pooled.size:,} draws against the scipy distribution with the same "
                "parameters",
            )
        )
    notes = [
        f"{batches} batches of {n:,} draws per distribution; batch means and CVs give the "
        "intervals, all draws together the goodness-of-fit test.",
    ]
    return out, notes


# --------------------------------------------------------------------------- travel


def _tandem_summary(scenario: Scenario, result: ReplicationResult) -> Summary:
    stream = next(iter(scenario.streams))
    everyone = result.metrics["all"]
    out: Summary = {
        "time_in_port": result.metrics[stream]["time_in_port_mean_min"],
        "conserved": _conserved(result),
    }
    for stage in scenario.streams[stream].route:
        out[f"{stage}.wait"] = everyone[f"{stage}.wait_mean_min"]
        out[f"{stage}.little"] = _little(result, stage)
    return out


def _tandem(scenario: Scenario) -> tuple[str, float, list[float]]:
    """A tandem case's stream, its arrival rate and the mean inspection time at each stage of
    its route (per minute, minutes); refused unless there is one stream at a constant rate
    and every stage is one booth with exponential inspections, visited by all, with no
    lane-group storage."""
    if len(scenario.streams) != 1:
        raise CaseError(f"{scenario.name}: a tandem case has one stream")
    stream, spec = next(iter(scenario.streams.items()))
    rates = set(scenario.run_rates(stream))
    if len(rates) != 1:
        raise CaseError(f"{scenario.name}: a tandem case needs a constant arrival rate")
    means = []
    for name in spec.route:
        stage = scenario.stages[name]
        service = stage.service_for(stream)
        groups = list(stage.lanes.values())
        if (
            stage.visit is not None
            or service.dist != "exponential"
            or len(groups) != 1
            or groups[0].lanes != 1
            or groups[0].booths_per_lane != 1
            or groups[0].storage is not None
        ):
            raise CaseError(
                f"{scenario.name}: stage {name} is not one booth, exponential, visited by all"
            )
        means.append(service.moments[0] / 60)
    return stream, rates.pop() / 60, means


def _tandem_travel(
    scenario: Scenario, summaries: list[Summary], plan: Plan, quick: bool
) -> tuple[list[Measurement], list[str]]:
    """Stages in a row, each a single booth with exponential inspections, with exponential
    travel between them: a Jackson network whose mean time in port is the sum of the
    stages' M/M/1 sojourns and the mean travel times."""
    stream, lam, means = _tandem(scenario)
    spec = scenario.streams[stream]
    out: list[Measurement] = []
    total, parts = 0.0, []
    for n, (name, mean) in enumerate(zip(spec.route, means, strict=True)):
        stage = scenario.stages[name]
        metrics = theory.mmc(lam, 1 / mean, 1)
        travel = stage.travel_for(stream) if n else None
        if travel is not None:
            if travel.dist != "exponential":
                raise CaseError(f"{scenario.name}: travel to {name} must be exponential")
            total += travel.moments[0] / 60
            parts.append(f"travel {travel.moments[0] / 60:g}")
        total += metrics.wait_mean + mean
        parts.append(f"{name} {metrics.wait_mean + mean:g}")
        out.append(
            Interval(
                f"mean wait at {name} (min)",
                metrics.wait_mean,
                [s[f"{name}.wait"] for s in summaries],
                bound("wait", quick),
                "min",
                note=f"M/M/1 at load {metrics.utilization:.3g} [GSTH 2.2]",
            )
        )
        out.append(
            Interval(
                f"Little's law at {name}: Lq / (λ · W)",
                1.0,
                [s[f"{name}.little"] for s in summaries],
                bound("little", quick),
            )
        )
    out.insert(
        0,
        Interval(
            "mean time in port (min)",
            total,
            [s["time_in_port"] for s in summaries],
            bound("wait", quick),
            "min",
            note="Jackson network: " + " + ".join(parts) + " [GSTH ch. 4]",
        ),
    )
    out.append(_conservation(summaries))
    notes = [
        f"λ = {lam * 60:g} per hour through {len(spec.route)} stages; the travel is a queue "
        "with a server for every traveller, so each stage sees Poisson arrivals.",
        f"{len(summaries)} replications of {(scenario.horizon - scenario.warmup) / HOUR:g} h "
        f"each after a {scenario.warmup / HOUR:g} h warm-up (independent batches).",
    ]
    return out, notes


# --------------------------------------------------------------------------- storage


def _blocking_summary(scenario: Scenario, result: ReplicationResult) -> Summary:
    stream = next(iter(scenario.streams))
    first, second = scenario.streams[stream].route
    counted_h = (scenario.horizon - scenario.warmup) / HOUR
    rows = result.lanes_hourly
    return {
        "time_in_port": result.metrics[stream]["time_in_port_mean_min"],
        "first_wait": result.metrics["all"][f"{first}.wait_mean_min"],
        "blocked": sum(row[9] for row in rows if row[2] == first) / counted_h,
        "full": sum(row[10] for row in rows if row[2] == second) / 60 / counted_h,
        "stored_max": max((row[7] for row in rows if row[2] == second), default=0),
        "conserved": _conserved(result),
        f"{first}.little": _little(result, first),
        f"{second}.little": _little(result, second),
    }


def _tandem_blocking(
    scenario: Scenario, summaries: list[Summary], plan: Plan, quick: bool
) -> tuple[list[Measurement], list[str]]:
    """Two single booths in a row with exponential inspections and ``storage`` places before
    the second: the exact continuous-time Markov chain of the tandem with blocking after
    service (:func:`borderflow.theory.tandem_blocking`)."""
    stream, lam, means = _tandem(scenario)
    spec = scenario.streams[stream]
    if len(spec.route) != 2 or any(scenario.stages[s].travel is not None for s in spec.route):
        raise CaseError(f"{scenario.name}: two stages, the second reached at once, are needed")
    storage = scenario.stages[spec.route[1]].storage
    if storage is None or storage.metres is not None or scenario.stages[spec.route[0]].storage:
        raise CaseError(f"{scenario.name}: the second stage needs a storage in vehicles")
    places = int(storage.capacity)
    exact = theory.tandem_blocking(lam, 1 / means[0], 1 / means[1], places)
    capacity = theory.tandem_capacity(1 / means[0], 1 / means[1], places)
    first, second = spec.route
    note = f"exact chain, storage {places}, load {lam / capacity:.3g} of capacity [Perros ch. 2]"
    out: list[Measurement] = [
        Interval(
            "mean time in port (min)",
            exact.first_wait + exact.second_wait + means[0] + means[1],
            [s["time_in_port"] for s in summaries],
            bound("wait", quick),
            "min",
            note=note,
        ),
        Interval(
            f"mean wait at {first} (min)",
            exact.first_wait,
            [s["first_wait"] for s in summaries],
            bound("wait", quick),
            "min",
            note=note,
        ),
        Interval(
            f"share of time {first} is blocked",
            exact.p_blocked,
            [s["blocked"] for s in summaries],
            bound("share", quick),
            note=note,
        ),
        Interval(
            f"share of time the storage of {second} is full",
            exact.p_storage_full,
            [s["full"] for s in summaries],
            bound("share", quick),
            note=note,
        ),
        Exact(
            f"most trucks ever waiting for {second}, over the storage",
            0.0,
            float(max(0, max(s["stored_max"] for s in summaries) - places)),
        ),
        *(
            Interval(
                f"Little's law at {name}: Lq / (λ · W)",
                1.0,
                [s[f"{name}.little"] for s in summaries],
                bound("little", quick),
            )
            for name in spec.route
        ),
        _conservation(summaries),
    ]
    notes = [
        f"λ = {lam * 60:g} per hour; the tandem serves at most {capacity * 60:.4g} per hour "
        f"with {places} place(s) between the stations.",
        f"{len(summaries)} replications of {(scenario.horizon - scenario.warmup) / HOUR:g} h "
        f"each after a {scenario.warmup / HOUR:g} h warm-up (independent batches).",
    ]
    return out, notes


# --------------------------------------------------------------------------- referrals


def _referral_summary(scenario: Scenario, result: ReplicationResult) -> Summary:
    """Per (day of week, hour of arrival): arrivals and scans; and the secondary referrals of
    the scanned and of the others."""
    days = scenario.week_days()
    cells: dict[tuple[int, int], list[int]] = {}
    after = {True: [0, 0], False: [0, 0]}
    for _, arrival, legs, _ in result.trace or ():
        hour = int(arrival // HOUR)
        stages = {leg[0] for leg in legs}
        scanned = "nii" in stages
        cell = cells.setdefault((days[(hour // 24) % 7], hour % 24), [0, 0])
        cell[0] += 1
        cell[1] += scanned
        after[scanned][0] += 1
        after[scanned][1] += "secondary" in stages
    return {
        "cells": cells,
        "after": after,
        "little": _little(result, "primary"),
        "conserved": _conserved(result),
    }


def _referrals_by_hour(
    scenario: Scenario, summaries: list[Summary], plan: Plan, quick: bool
) -> tuple[list[Measurement], list[str]]:
    """Scans by (day of week, hour) against the hour's share (chi-square with binomial
    variances); the secondary share of the scanned and of the others; Little's law;
    conservation."""
    stages = scenario.stages
    if list(stages) != ["primary", "nii", "secondary"] or len(scenario.streams) != 1:
        raise CaseError(f"{scenario.name}: one stream through primary, nii and secondary")
    stream = next(iter(scenario.streams))
    after = stages["secondary"].share_after(stream)
    if after is None or stages["secondary"].visit_after is None:
        raise CaseError(f"{scenario.name}: secondary needs a visit_after nii")
    if scenario.week_visits("secondary", stream) is not None:
        raise CaseError(f"{scenario.name}: secondary's own share must not vary by hour")
    pooled: dict[tuple[int, int], list[int]] = {}
    for s in summaries:
        for key, (n, k) in s["cells"].items():
            cell = pooled.setdefault(key, [0, 0])
            cell[0] += n
            cell[1] += k
    statistic, df = 0.0, 0
    for (day, hour), (n, k) in pooled.items():
        p = stages["nii"].visit_share(stream, hour, day)
        if n and 0 < p < 1:
            statistic += (k - n * p) ** 2 / (n * p * (1 - p))
            df += 1
    out: list[Measurement] = [
        GoodnessOfFit(
            "travellers scanned at nii, by day of week and hour of arrival",
            statistic,
            float(stats.chi2.sf(statistic, df)),
            f"chi-square, {df} df",
            note="each cell's scans against n × its share, binomial variance; cells pooled over "
            "replications",
        )
    ]
    for scanned, share, who in (
        (True, after, "scanned at nii"),
        (False, stages["secondary"].visit_share(stream), "not scanned"),
    ):
        out.append(
            Interval(
                f"share referred to secondary of those {who}",
                share,
                [s["after"][scanned][1] / s["after"][scanned][0] for s in summaries],
                bound("share", quick),
            )
        )
    out.append(_little_interval(summaries, quick))
    out.append(_conservation(summaries))
    notes = [
        f"{len(summaries)} replications of {scenario.horizon / HOUR:g} h from a "
        f"{scenario.start_day}; the share of the hour of arrival decides each scan.",
    ]
    return out, notes


# --------------------------------------------------------------------------- the catalogue

CATALOGUE: dict[str, Case] = {
    case.name: case
    for case in (
        Case(
            "mm1_rho50",
            "M/M/1 at load 0.5",
            "Mean wait, its 95th percentile, mean number waiting and utilisation against the "
            "M/M/1 formulas; Little's law.",
            "mm1_rho50.yaml",
            quick=Plan(20, "720 h", "20 h"),
            full=Plan(),
            evaluate=_steady_state,
            summarise=_steady_summary,
        ),
        Case(
            "mm1_rho90",
            "M/M/1 at load 0.9",
            "As above at a high load, where waits are long and slow to settle: the hardest "
            "steady-state case to estimate precisely.",
            "mm1_rho90.yaml",
            quick=Plan(20, "2550 h", "50 h"),
            full=Plan(),
            evaluate=_steady_state,
            summarise=_steady_summary,
        ),
        Case(
            "mmc10_rho90",
            "M/M/10 at load 0.9, one shared line",
            "Mean wait, its 95th percentile, mean number waiting and utilisation against Erlang "
            "C; Little's law.",
            "mmc10_rho90.yaml",
            quick=Plan(20, "420 h", "20 h"),
            full=Plan(),
            evaluate=_steady_state,
            summarise=_steady_summary,
        ),
        Case(
            "md1_rho80",
            "M/D/1 at load 0.8",
            "Mean wait, mean number waiting and utilisation against the Pollaczek-Khinchine "
            "formula with constant inspection times; Little's law.",
            "md1_rho80.yaml",
            quick=Plan(20, "520 h", "20 h"),
            full=Plan(),
            evaluate=_steady_state,
            summarise=_steady_summary,
        ),
        Case(
            "mg1_lognormal_rho80",
            "M/G/1, lognormal inspection times, load 0.8",
            "Mean wait, mean number waiting and utilisation against the Pollaczek-Khinchine "
            "formula with lognormal inspection times (CV 0.6, as at primary); Little's law.",
            "mg1_lognormal_rho80.yaml",
            quick=Plan(20, "620 h", "20 h"),
            full=Plan(),
            evaluate=_steady_state,
            summarise=_steady_summary,
        ),
        Case(
            "stacked_saturated",
            "Two stacked booths under saturation",
            "Throughput of a lane whose line never empties against 2 / E[max(S1, S2)], and its "
            "booth utilisation against the same renewal cycle (Little's law at the booths).",
            "stacked_saturated.yaml",
            quick=Plan(20, "52 h", "2 h"),
            full=Plan(),
            evaluate=_stacked,
            summarise=_steady_summary,
        ),
        Case(
            "time_varying_day",
            "A 24-hour M(t)/M/c(t) day with a morning peak and a staffing schedule",
            "Mean number waiting in each hour and over the day against the forward equations "
            "of the M(t)/M/c(t) queue; Little's law.",
            "time_varying_day.yaml",
            quick=Plan(800),
            full=Plan(),
            evaluate=_time_varying,
            summarise=_day_summary,
        ),
        Case(
            "port_parts",
            "Arrivals, referrals and conservation on a two-stage port",
            "Hourly arrival counts against the rates (chi-square) and Poisson dispersion, no "
            "arrivals in hours with rate 0, referral shares, Little's law, nobody lost.",
            "port_parts.yaml",
            quick=Plan(20, "7 d"),
            full=Plan(),
            evaluate=_parts,
            summarise=_parts_summary,
        ),
        Case(
            "tandem_travel",
            "Two stages in a row with travel between them",
            "Mean time in port against the Jackson network (the two M/M/1 sojourns and the "
            "mean travel), the mean wait at each stage against M/M/1, Little's law at each, "
            "nobody lost.",
            "tandem_travel.yaml",
            quick=Plan(20, "320 h", "20 h"),
            full=Plan(),
            evaluate=_tandem_travel,
            summarise=_tandem_summary,
        ),
        Case(
            "tandem_blocking",
            "Two stages in a row with finite storage between them",
            "Mean time in port, mean wait at the first stage, the share of time its booth is "
            "blocked and the share the storage is full, against the exact Markov chain of the "
            "tandem with blocking after service; storage never exceeded; nobody lost.",
            "tandem_blocking.yaml",
            quick=Plan(20, "820 h", "20 h"),
            full=Plan(),
            evaluate=_tandem_blocking,
            summarise=_blocking_summary,
        ),
        Case(
            "referrals_by_hour",
            "Referral shares by hour and day, and after an earlier referral",
            "Travellers scanned in each day-and-hour cell against its share (chi-square), "
            "the secondary share of the scanned and of the others against visit_after and "
            "visit, Little's law, nobody lost.",
            "referrals_by_hour.yaml",
            quick=Plan(10),
            full=Plan(),
            evaluate=_referrals_by_hour,
            summarise=_referral_summary,
            trace=True,
        ),
        Case(
            "service_times",
            "Inspection-time distributions",
            "Mean, CV and shape (Kolmogorov-Smirnov; chi-square for empirical times) of every "
            "inspection-time distribution, drawn as the model draws them.",
            "service_times.yaml",
            quick=Plan(20, samples=40_000),
            full=Plan(samples=100_000),
            evaluate=_service_times,
        ),
    )
}
"""Every verification case, by name, in the order they are run and reported."""


def select(names: Sequence[str] | None) -> list[Case]:
    """The cases named (all when ``names`` is None or empty), in catalogue order."""
    if not names:
        return list(CATALOGUE.values())
    unknown = [n for n in names if n not in CATALOGUE]
    if unknown:
        raise ArgumentError(f"unknown case {', '.join(unknown)}; cases: {', '.join(CATALOGUE)}")
    return [case for name, case in CATALOGUE.items() if name in names]
