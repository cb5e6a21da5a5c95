"""Calibrate a stream's hourly demand (and optionally its inspection time) to observed waits.

The border agency publishes mean waits by hour and lane type, and monthly crossing counts, but
not how many vehicles join the queue in each hour. Given the port layout, the lanes open and the
daily volume, :func:`calibrate` finds the hourly profile of one stream whose simulated mean
waits by hour of arrival match the observed ones; with ``fit="demand+service"`` it also scales
the stream's primary inspection time.

Method (documented in docs/calibration.md):

1. **Start** from a fluid / pointwise-stationary inversion of the observed waits. In hours with a
   queue, the queue a traveller finds is about wait × service rate of the open lanes, and demand
   is the service rate plus the growth of that queue (fluid model). In hours without a queue,
   demand is what a stationary M/G/c queue (Allen–Cunneen) needs to give the observed wait.
2. **Correct by simulation** with common random numbers (the same seed and replications at every
   step, so the simulated waits move smoothly with the profile): the gap between observed and
   simulated waits in each hour is turned into a change of queue (gap × service rate), and
   differences of those changes into a change of hourly demand — the fluid model's Jacobian — then
   damped, kept non-negative and rescaled so the day's volume is unchanged. The best profile seen
   (lowest RMSE) is kept.
3. With ``demand+service``, a bounded scalar search (``scipy.optimize.minimize_scalar``) over the
   scale of the inspection time wraps step 2.

What the fit can and cannot tell apart is in docs/calibration.md: waits only reveal demand in
hours with a queue, and demand cannot be told from lanes open or inspection speed without the
daily volume, which is therefore held fixed.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize

from . import defaults
from .capacity import booth_equivalents, pools
from .errors import ArgumentError, whole
from .execution import executor_for, map_replications
from .model import ReplicationResult
from .runner import expected_travellers, resolve
from .scenario import Problem, Scenario, ScenarioError, load_scenario
from .scenario.schema import HOURS
from .scenario.units import DAY, HOUR
from .theory import allen_cunneen

MIN_STEP_WAIT = 1.0
"""Observed waits (min) below this are treated as 'no queue' by the fluid start."""


@dataclass
class Observed:
    """Observed mean waits (min) by hour of the day, and what they were taken from."""

    waits: np.ndarray
    source: str
    column: str
    rows: int
    months: tuple[int, ...] | None
    weekdays: tuple[int, ...] | None


@dataclass
class CalibrationResult:
    """A fitted profile, the waits it gives, and how close they are to the observed ones."""

    stream: str
    observed: Observed
    offset_min: float
    target: np.ndarray
    """Observed waits less the offset (what the model should reproduce), min."""
    initial_rates: np.ndarray
    initial_waits: np.ndarray
    rates: np.ndarray
    """Fitted arrivals per hour of the day (sums to the daily volume)."""
    waits: np.ndarray
    """Simulated mean wait by hour of arrival with the fitted rates, min."""
    service_scale: float
    scenario: Scenario
    """The calibrated scenario."""
    history: list[tuple[float, float]] = field(default_factory=list)
    """(service scale, RMSE) of every simulation made."""
    standard_error: np.ndarray = field(default_factory=lambda: np.zeros(HOURS))
    """Standard error (min) of ``waits`` by hour, over ``check_replications`` fresh
    replications: the noise the RMSE should be compared with."""
    check_replications: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """The hour-by-hour table and the fit's summary, as ``borderflow calibrate`` prints."""
        lines = [
            f"{self.stream}: {self.observed.rows} observed rows, offset {self.offset_min:g} min"
            + (f", inspection time x{self.service_scale:.3f}" if self.service_scale != 1 else ""),
            f"{'hour':<6}{'target':>8}{'before':>8}{'after':>8}{'± se':>7}"
            f"{'arrivals before':>17}{'after':>8}",
        ]
        for h, _obs, target, before, after, rate_before, rate_after in self.rows():
            lines.append(
                f"{h:02d}:00 {target:>8.1f}{before:>8.1f}{after:>8.1f}"
                f"{self.standard_error[h]:>7.1f}{rate_before:>17.0f}{rate_after:>8.0f}"
            )
        hour, gap = self.largest_gap
        noise = float((self.standard_error**2).mean() ** 0.5)
        lines += [
            "",
            f"RMSE {self.rmse:.2f} min (simulation noise {noise:.2f} min, "
            f"{self.check_replications} fresh replications); largest gap {gap:+.1f} min at "
            f"{hour:02d}:00; daily volume {self.rates.sum():,.0f} (unchanged)",
        ]
        return "\n".join(lines) + "\n"

    @property
    def rmse(self) -> float:
        """Root mean square gap between simulated and target waits over the 24 hours, min."""
        return float(np.sqrt(np.mean((self.waits - self.target) ** 2)))

    @property
    def largest_gap(self) -> tuple[int, float]:
        """(hour, simulated − target in min) of the largest absolute gap."""
        gaps = self.waits - self.target
        hour = int(np.argmax(np.abs(gaps)))
        return hour, float(gaps[hour])

    @property
    def profile(self) -> list[float]:
        """The fitted profile as percentages of the day's volume."""
        return [float(x) for x in np.round(100 * self.rates / self.rates.sum(), 3)]

    def rows(self) -> list[tuple]:
        """(hour, observed, target, simulated before, simulated after, rate before, rate after)."""
        return [
            (
                h,
                self.observed.waits[h],
                self.target[h],
                self.initial_waits[h],
                self.waits[h],
                self.initial_rates[h],
                self.rates[h],
            )
            for h in range(HOURS)
        ]


def read_observed(
    path: str | Path,
    column: str,
    months: Sequence[int] | None = None,
    weekdays: Sequence[int] | None = None,
) -> Observed:
    """Average observed waits by hour from a CSV with ``month, weekday, hour`` and one column
    per lane type (the layout of CBP's historical wait times; weekday 0 = Monday).

    Raises:
        ScenarioError: naming the file, and what is missing or wrong in it.
    """
    path = Path(path)

    def problem(message: str, line: int | None = None) -> ScenarioError:
        return ScenarioError([Problem(str(path), line, None, (), message)])

    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or []
            rows = list(reader)
    except FileNotFoundError:
        raise problem("file not found") from None
    except OSError as exc:
        raise problem(f"cannot read file: {exc.strerror}") from None
    for needed in ("hour", column):
        if needed not in fields:
            others = ", ".join(f for f in fields if f not in ("month", "weekday", "hour"))
            raise problem(f"no column {needed!r} (columns: {others})", 1)
    for key, wanted in (("month", months), ("weekday", weekdays)):
        if wanted is not None and key not in fields:
            raise problem(f"no column {key!r} to select rows by", 1)
    sums = np.zeros(HOURS)
    counts = np.zeros(HOURS)
    used = 0
    for line, row in enumerate(rows, start=2):
        try:
            if months is not None and int(row["month"]) not in months:
                continue
            if weekdays is not None and int(row["weekday"]) not in weekdays:
                continue
            hour = int(row["hour"])
            value = row[column].strip()
            if not value:
                continue
            wait = float(value)
        except (TypeError, ValueError):
            message = f"expected numbers in month, weekday, hour and {column!r}"
            raise problem(message, line) from None
        if not 0 <= hour < HOURS:
            raise problem(f"hour must be 0 to 23, found {hour}", line)
        sums[hour] += wait
        counts[hour] += 1
        used += 1
    if not counts.all():
        missing = ", ".join(str(h) for h in np.flatnonzero(counts == 0))
        raise problem(f"no observed wait for hour(s) {missing} in the selected rows")
    return Observed(
        sums / counts,
        str(path),
        column,
        used,
        tuple(months) if months is not None else None,
        tuple(weekdays) if weekdays is not None else None,
    )


def simulated_waits(
    scenario: Scenario,
    stream: str,
    replications: int,
    seed: int,
    executor: Executor | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean wait (min) of ``stream`` by hour of arrival over the counted days and replications,
    and its standard error over replications (common random numbers: the same seed and
    replications every call). Only the lanes that serve the stream at its first stage, and the
    streams that share them, are simulated: nothing else changes the wait."""
    reduced = _first_stage_pool(scenario, stream)
    with executor_for(executor=executor) as pool:
        per_replication = np.array(
            map_replications(
                reduced, range(replications), pool, seed=seed, reduce=partial(_hour_waits, stream)
            )
        )
    spread = per_replication.std(axis=0, ddof=1) if replications > 1 else np.zeros(HOURS)
    return per_replication.mean(axis=0), spread / math.sqrt(replications)


def _hour_waits(stream: str, _scenario: Scenario, result: ReplicationResult) -> np.ndarray:
    """Mean wait (min) of ``stream`` by hour of the day in one replication (0 where none)."""
    totals = np.zeros(HOURS)
    counts = np.zeros(HOURS)
    for _day, hour, name, arrivals, mean, _p95, not_served in result.hourly:
        served = arrivals - not_served  # the mean is over those whose wait ended
        if name == stream and served:
            totals[hour] += mean * served
            counts[hour] += served
    return np.divide(totals, counts, out=np.zeros(HOURS), where=counts > 0)


def _first_stage_pool(scenario: Scenario, stream: str) -> Scenario:
    """The part of ``scenario`` that decides the stream's wait: its first stage, the lanes there
    that serve it or share travellers with it, and the streams using those lanes."""
    stage = scenario.streams[stream].route[0]
    groups, streams = next((g, s) for g, s in pools(scenario, stage) if stream in s)
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["streams"] = {s: {**data["streams"][s], "route": [stage]} for s in streams}
    spec = data["stages"][stage]
    spec["lanes"] = {g: spec["lanes"][g] for g in groups}
    spec["service"] = {k: v for k, v in spec["service"].items() if k in streams or k == "default"}
    spec.pop("visit", None)
    data["stages"] = {stage: spec}
    return load_scenario(data)


def _with(scenario: Scenario, stream: str, rates: np.ndarray, scale: float) -> Scenario:
    """``scenario`` with the stream's arrivals given by the hourly ``rates`` as a profile over
    its unchanged daily volume, and its primary inspection time scaled by ``scale``."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    name = f"{stream}_calibrated"
    data["profiles"][name] = [float(x) for x in rates]
    arrivals = data["streams"][stream]["arrivals"]
    if "per_hour" in arrivals:  # keep the volume, let the profile shape it
        arrivals.pop("per_hour")
        arrivals["per_day"] = float(rates.sum())
    arrivals["profile"] = name
    if scale != 1.0:
        stage = scenario.streams[stream].route[0]
        spec = _scaled_service(scenario, stage, stream, scale)
        data["stages"][stage]["service"][stream] = spec
    return load_scenario(data)


def _scaled_service(scenario: Scenario, stage: str, stream: str, scale: float) -> dict[str, Any]:
    """The stream's inspection time at ``stage`` with every duration multiplied by ``scale``."""
    dist = scenario.stages[stage].service_for(stream)
    spec = dist.model_dump(mode="json", exclude_none=True)
    for key in ("mean", "median", "scale", "min", "max", "mode"):
        if getattr(dist, key) is not None:
            spec[key] = f"{getattr(dist, key) * scale!r} s"
    if dist.values is not None:
        spec["values"] = [f"{v * scale!r} s" for v in dist.values]
    return spec


def _pool_capacity(scenario: Scenario, stream: str, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Per hour of the day: vehicles per hour the stream's lanes can inspect, and their number
    of booth-equivalents (the pool of lanes at the first stage that serve it)."""
    stage = scenario.streams[stream].route[0]
    spec = scenario.stages[stage]
    groups, streams = next((g, s) for g, s in pools(scenario, stage) if stream in s)
    mean = spec.service_for(stream).moments[0] * scale / HOUR
    day = counted_day(scenario)
    booths = np.zeros(HOURS)
    for g in groups:
        worth = booth_equivalents(scenario, stage, streams, spec.lanes[g].booths_per_lane, day)
        booths += np.array([spec.lanes[g].open_at(h, day) for h in range(HOURS)]) * worth
    return booths / mean, booths


def fluid_start(
    scenario: Scenario, stream: str, target: np.ndarray, scale: float = 1.0
) -> np.ndarray:
    """Hourly demand that a fluid model (hours with a queue) and a stationary M/G/c queue
    (hours without) need to give the ``target`` waits (min); sums to the daily volume."""
    capacity, booths = _pool_capacity(scenario, stream, scale)
    stage = scenario.streams[stream].route[0]
    mean_h, cv = scenario.stages[stage].service_for(stream).moments
    mean_h = mean_h * scale / HOUR
    queue = target / 60 * capacity  # vehicles ahead of an arrival in each hour
    rates = np.zeros(HOURS)
    for h in range(HOURS):
        if target[h] >= MIN_STEP_WAIT and queue[h] >= 1:
            growth = (queue[(h + 1) % HOURS] - queue[h - 1]) / 2
            rates[h] = max(capacity[h] + growth, 0.5 * capacity[h])
        else:
            rates[h] = _stationary_rate(target[h] / 60, mean_h, max(1, round(booths[h])), cv)
    return _rescale(rates, daily_volume(scenario, stream))


def counted_day(scenario: Scenario) -> int:
    """Day of the week (0 = Monday) of the first counted day."""
    return scenario.week_days()[int(scenario.warmup // DAY) % 7]


def daily_volume(scenario: Scenario, stream: str) -> float:
    """The stream's arrivals on the first counted day."""
    return float(sum(scenario.hourly_rates(stream, counted_day(scenario))))


def _stationary_rate(wait_h: float, mean_h: float, servers: int, cv: float) -> float:
    """Arrival rate (per hour) at which an M/G/c queue's mean wait is ``wait_h`` hours."""
    top = servers / mean_h * 0.999

    def gap(rate: float) -> float:
        return allen_cunneen(rate, mean_h, servers, 1.0, cv * cv) - wait_h

    if wait_h <= 0 or gap(top * 1e-3) >= 0:
        return 0.5 * top
    if gap(top) <= 0:
        return top
    return float(optimize.brentq(gap, top * 1e-3, top, xtol=1e-6))


def _rescale(rates: np.ndarray, volume: float) -> np.ndarray:
    rates = np.clip(rates, 0, None)
    total = rates.sum()
    return rates * (volume / total) if total > 0 else np.full(HOURS, volume / HOURS)


def _fit_demand(
    scenario: Scenario,
    stream: str,
    target: np.ndarray,
    scale: float,
    start: np.ndarray,
    iterations: int,
    replications: int,
    seed: int,
    damping: float,
    history: list[tuple[float, float]],
    progress: Callable[[str], None] | None,
    pool: Executor,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Fluid-Jacobian corrections of the hourly demand by simulation; returns the best
    (rates, waits, rmse)."""
    capacity, _ = _pool_capacity(scenario, stream, scale)
    volume = start.sum()
    rates = start.copy()
    best = (rates, np.zeros(HOURS), math.inf)
    for step in range(iterations):
        waits, _ = simulated_waits(
            _with(scenario, stream, rates, scale), stream, replications, seed, pool
        )
        rmse = float(np.sqrt(np.mean((waits - target) ** 2)))
        history.append((scale, rmse))
        if progress:
            progress(f"scale {scale:.3f}, step {step + 1}/{iterations}: RMSE {rmse:.2f} min")
        if rmse < best[2]:
            best = (rates.copy(), waits, rmse)
        else:  # overshot: go back to the best profile and take smaller steps
            rates, waits = best[0].copy(), best[1]
            damping /= 2
        # queue change wanted in each hour, then the demand change that builds it
        queue_change = (target - waits) / 60 * capacity
        demand_change = queue_change - np.roll(queue_change, 1)
        rates = _rescale(rates + damping * demand_change, volume)
    return best


def calibrate(
    scenario: Scenario | str | Path,
    observed: Observed | str | Path,
    stream: str,
    *,
    column: str | None = None,
    months: str | Sequence[int] | None = None,
    weekdays: str | Sequence[int] | None = None,
    fit: str = "demand",
    offset_min: float = 0.0,
    iterations: int = defaults.CALIBRATE_ITERATIONS,
    replications: int = defaults.CALIBRATE_REPLICATIONS,
    seed: int | None = None,
    damping: float = 0.6,
    overrides: Sequence[str] = (),
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Fit the hourly profile of ``stream`` (and, with ``fit="demand+service"``, a scale on its
    primary inspection time) so that simulated mean waits by hour match ``observed``.

    Args:
        scenario: the port (file or loaded); the stream's daily volume is kept.
        observed: observed mean waits by hour (:func:`read_observed`), or the CSV file to read
            them from, with ``column``, ``months`` and ``weekdays`` (``"1-2"``, ``"0-4"`` or
            sequences of numbers) choosing what to average.
        stream: the stream whose demand is fitted; the others are kept as they are.
        fit: ``"demand"`` or ``"demand+service"``.
        offset_min: minutes of the observed waits that are not queueing (e.g. the few minutes
            CBP reports even with no queue); subtracted from the observed waits first.
        iterations: simulation steps of the demand fit (per service scale tried).
        replications: replications per simulation step (common random numbers).
        seed: root seed of those replications (default: the scenario's).
        damping: share of the fluid correction applied at each step (0–1).
        overrides: ``key.path=value`` changes to the scenario, as ``--set`` gives them.
        jobs: worker processes for the replications (default: this process, unless the
            simulated pool is large; the result is the same either way).
        progress: called with a line of text after each simulation step.

    Raises:
        ScenarioError: the scenario or the observed file is invalid. ArgumentError: an unknown
        stream, fit, or a number out of range.
    """
    if not isinstance(scenario, Scenario) or overrides:
        scenario, _ = resolve(scenario, overrides)
    if stream not in scenario.streams:
        raise ArgumentError(f"unknown stream {stream!r}; streams: {', '.join(scenario.streams)}")
    if fit not in ("demand", "demand+service"):
        raise ArgumentError(f"fit must be 'demand' or 'demand+service', not {fit!r}")
    whole(iterations, "iterations")
    whole(replications, "replications")
    if not isinstance(observed, Observed):
        if column is None:
            raise ArgumentError("reading observed waits from a file needs the column to use")
        observed = read_observed(
            observed, column, _days(months, "months"), _days(weekdays, "weekdays")
        )
    if scenario.horizon - scenario.warmup < DAY:
        raise ArgumentError("calibration needs at least one counted day (horizon - warmup >= 24 h)")
    reduced = _first_stage_pool(scenario, stream)
    work = (replications, expected_travellers(reduced) * replications)
    with executor_for(jobs, work=work) as pool:
        return _calibrate(
            scenario,
            observed,
            stream,
            fit,
            offset_min,
            iterations,
            replications,
            seed,
            damping,
            progress,
            pool,
        )


def _days(value: str | Sequence[int] | None, name: str) -> tuple[int, ...] | None:
    if value is None or not isinstance(value, str):
        return None if value is None else tuple(value)
    try:
        return parse_days(value)
    except ValueError:
        raise ArgumentError(f"{name}: expected numbers like 1, 1-2 or 0-4, not {value!r}") from None


def _calibrate(
    scenario: Scenario,
    observed: Observed,
    stream: str,
    fit: str,
    offset_min: float,
    iterations: int,
    replications: int,
    seed: int | None,
    damping: float,
    progress: Callable[[str], None] | None,
    pool: Executor,
) -> CalibrationResult:
    seed = scenario.seed if seed is None else seed
    target = np.clip(observed.waits - offset_min, 0, None)
    history: list[tuple[float, float]] = []
    initial_rates = np.array(scenario.hourly_rates(stream, counted_day(scenario)))
    initial_waits, _ = simulated_waits(scenario, stream, replications, seed, pool)

    def fit_at(scale: float) -> tuple[np.ndarray, np.ndarray, float]:
        start = fluid_start(scenario, stream, target, scale)
        return _fit_demand(
            scenario,
            stream,
            target,
            scale,
            start,
            iterations,
            replications,
            seed,
            damping,
            history,
            progress,
            pool,
        )

    if fit == "demand":
        scale = 1.0
        rates, waits, _ = fit_at(scale)
    else:
        fits: dict[float, tuple[np.ndarray, np.ndarray, float]] = {}

        def objective(log_scale: float) -> float:
            scale = float(np.exp(log_scale))
            fits[scale] = fit_at(scale)
            return fits[scale][2]

        optimize.minimize_scalar(
            objective,
            bounds=(np.log(0.5), np.log(2.0)),
            method="bounded",
            options={"xatol": 0.02, "maxiter": 8},
        )
        scale = min(fits, key=lambda s: fits[s][2])
        rates, waits, _ = fits[scale]
    calibrated = _with(scenario, stream, rates, scale)
    check = max(replications, 20)  # a fresh, larger set of replications judges the fit
    waits, error = simulated_waits(calibrated, stream, check, seed + 1, pool)
    result = CalibrationResult(
        stream,
        observed,
        offset_min,
        target,
        initial_rates,
        initial_waits,
        rates,
        waits,
        scale,
        calibrated,
        history,
    )
    result.standard_error = error
    result.check_replications = check
    result.warnings = _diagnose(result, scenario)
    return result


def _diagnose(result: CalibrationResult, scenario: Scenario) -> list[str]:
    """Say when the observed waits are out of reach, or the fit is poor."""
    out = []
    gap = result.waits - result.target
    peak = result.target >= np.percentile(result.target, 75)
    if result.target.mean() > 1 and gap[peak].mean() < -0.2 * result.target[peak].mean():
        out.append(
            "the observed peak waits cannot be reached with the given lanes and daily volume: "
            "simulated waits stay well below them. Check the lanes open and the inspection time "
            "(try --fit demand+service), or the daily volume"
        )
    if result.target.mean() > 1 and gap[peak].mean() > 0.2 * result.target[peak].mean():
        out.append(
            "even with the fitted profile the simulated peak waits are well above the observed "
            "ones: the lanes may be fewer or slower in the scenario than in reality"
        )
    noise = float(np.sqrt(np.mean(result.standard_error**2)))
    if result.rmse > max(2.0, 0.15 * result.target.mean(), 3 * noise):
        out.append(
            f"the fit is poor (RMSE {result.rmse:.1f} min against a simulation noise of "
            f"{noise:.1f} min): read the hour-by-hour table"
        )
    return out


def write_calibration(
    result: CalibrationResult, original: str | Path, out: str | Path
) -> list[Path]:
    """Write the calibrated scenario (a file that ``extends`` the original with the fitted
    values), the fit table (CSV) and a figure (PNG); return the paths."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stream = result.stream
    name = f"{stream}_calibrated"
    relative = Path(_relative(Path(original), out.parent))
    lines = [
        f"# Calibrated by borderflow calibrate: the hourly profile of {stream} fitted to observed",
        f"# waits ({result.observed.source}, column {result.observed.column}, "
        f"months {_list(result.observed.months)}, weekdays {_list(result.observed.weekdays)}, "
        f"offset {result.offset_min:g} min).",
        f"# RMSE {result.rmse:.2f} min; largest gap {result.largest_gap[1]:+.1f} min at "
        f"{result.largest_gap[0]:02d}:00. The daily volume is the original's.",
        f"extends: {relative.as_posix()}",
        f"name: {result.scenario.name} (calibrated)",
        "profiles:",
        f"  {name}: [{', '.join(f'{x:.3f}' for x in result.profile)}]",
        "streams:",
        f"  {stream}:",
        "    arrivals:",
        f"      profile: {name}",
    ]
    if result.service_scale != 1.0:
        stage = result.scenario.streams[stream].route[0]
        spec = (
            result.scenario.stages[stage].service[stream].model_dump(mode="json", exclude_none=True)
        )
        body = ", ".join(f"{k}: {v}" for k, v in spec.items())
        lines += [
            "stages:",
            f"  {stage}:",
            "    service:",
            f"      {stream}: {{{body}}}   # scaled x{result.service_scale:.3f} by the fit",
        ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = out.with_name(out.stem + "_fit.csv")
    with open(table, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "hour",
                "observed_min",
                "target_min",
                "simulated_before_min",
                "simulated_after_min",
                "arrivals_before_per_h",
                "arrivals_after_per_h",
            ]
        )
        writer.writerows([h, *(round(float(v), 4) for v in rest)] for h, *rest in result.rows())
    figure_path = out.with_name(out.stem + "_fit.png")
    from .plots.calibration import calibration_figure

    figure = calibration_figure(result)
    figure.savefig(figure_path, dpi=120)
    return [out, table, figure_path]


def _relative(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(target.resolve(), start.resolve())


def _list(values: tuple[int, ...] | None) -> str:
    return "all" if values is None else ",".join(str(v) for v in values)


def parse_days(text: str) -> tuple[int, ...]:
    """``"0-4"`` -> (0, 1, 2, 3, 4); ``"5,6"`` -> (5, 6)."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            low, high = part.split("-", 1)
            out.extend(range(int(low), int(high) + 1))
        elif part:
            out.append(int(part))
    return tuple(out)
