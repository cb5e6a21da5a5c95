"""The equilibrium of a region: travellers choose by expected waits, and the waits come from
simulating the ports with the flows they choose.

Iteration k (from 1): simulate every port with the current flows x_k (the same seeds every
iteration: common random numbers), measure the expected wait by port, stream and hour of
arrival, load the markets' trips onto their alternatives by the logit (y_k), and move the flows
by the method of successive averages, x_{k+1} = x_k + (y_k - x_k) / (k + 1). The relative gap
|y_k - x_k| / |x_k| (sums over every market, alternative and hour) measures how far x_k is from
being its own response; the loop stops when it is below the tolerance, and the result is x_k
with the simulation of x_k. The first flows are the response to no waits at all (free flow).

Noise: the expected waits are estimates (means over replications), so the response y_k is noisy
and the gap cannot fall below a floor set by that noise. Common random numbers keep the noise of
successive iterations alike (a small change of flows gives a small change of waits), and the
step 1/(k+1) averages the noisy responses over iterations, as in stochastic approximation. More
replications lower the floor; a tolerance under it is not reached, and the result says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import Estimate, estimate
from ..errors import whole
from ..execution import executor_for, map_replications
from ..model import ReplicationResult
from ..runner import RunResult, expected_travellers
from ..scenario import Scenario
from ..scenario.errors import Problem, ScenarioError
from ..scenario.schema import HOURS
from ..scenario.size import DEFAULT_MAX_TRAVELLERS, check_size
from .choice import Assignment, Waits, alternatives, assign, flows, options_of
from .load import NO_TRIP, Region, load_region

CHOICES_COLUMNS = ("market", "port", "stream", "day", "hour", "trips", "shift_h", "counted")
CONVERGENCE_COLUMNS = (
    "iteration",
    "gap",
    "step",
    "trips",
    "trips_not_made",
    "trips_shifted",
    "mean_wait_min",
)
WAITS_COLUMNS = (
    "port",
    "stream",
    "day",
    "hour",
    "trips",
    "wait_mean_min",
    "ci_low",
    "ci_high",
    "counted",
)
MARKETS_COLUMNS = (
    "market",
    "port",
    "stream",
    "trips",
    "share",
    "wait_mean_min",
    "ci_low",
    "ci_high",
    "free_flow_trips",
    "shifted",
)


SRA_UP, SRA_DOWN = 2.0, 0.5
"""Self-regulated averaging (Liu, He & He 2009): the step is 1/w, and w grows by SRA_UP when the
gap rose since the last iteration (damp a response that overshot, or noise) and by SRA_DOWN
when it fell (keep larger steps while the flows are still moving toward equilibrium)."""


@dataclass(frozen=True)
class Iteration:
    """One iteration of the equilibrium: the gap between the flows simulated and the response
    to their waits, and a few totals of the flows simulated."""

    iteration: int
    gap: float
    step: float
    trips: float
    not_made: float
    shifted: float
    mean_wait_min: float

    def row(self) -> tuple:
        """A row of ``convergence.csv``."""
        return (
            self.iteration,
            self.gap,
            self.step,
            self.trips,
            self.not_made,
            self.shifted,
            self.mean_wait_min,
        )


@dataclass
class RegionResult:
    """A region at equilibrium (or where the iterations stopped), as tables.

    Attributes:
        region: the loaded region.
        assignment: market -> trips by desired hour (rows) and alternative (columns) at the
            flows last simulated.
        free_flow: the same with no waits (the first flows), to count diverted trips.
        waits: (port, stream) -> expected wait (min) by hour of arrival at those flows.
        runs: port -> its replications at those flows (the usual run tables).
        iterations: one record per iteration.
        converged: the gap fell below the tolerance.
        interrupted: stopped by Ctrl-C; the last finished iteration is kept.
    """

    region: Region
    assignment: Assignment
    free_flow: Assignment
    waits: Waits
    runs: dict[str, RunResult]
    iterations: list[Iteration] = field(default_factory=list)
    converged: bool = False
    interrupted: bool = False
    wall_time_s: float = 0.0

    @property
    def gap(self) -> float:
        """The gap of the flows kept (NaN before any iteration)."""
        return self.iterations[-1].gap if self.iterations else math.nan

    # --- tables ------------------------------------------------------------------------------

    def choices_rows(self) -> list[tuple]:
        """Rows of ``choices.csv``: trips by market, port, stream and hour of arrival (and
        shift); not-made trips under port ``(no trip)`` at their desired hour."""
        region = self.region
        first = region.spec.warmup_hours
        rows: list[tuple] = []
        for market, trips in self.assignment.items():
            options = options_of(region, market)
            for j, alt in enumerate(alternatives(region, market)):
                for t in range(region.hours):
                    value = float(trips[t, j])
                    if value == 0.0:
                        continue
                    if alt.option is None:
                        day, hour = divmod(t, HOURS)
                        rows.append((market, NO_TRIP, "", day, hour, value, "", t >= first))
                        continue
                    arrive = t + alt.shift
                    day, hour = divmod(arrive, HOURS)
                    option = options[alt.option]
                    rows.append(
                        (
                            market,
                            option.port,
                            option.stream,
                            day,
                            hour,
                            value,
                            alt.shift,
                            arrive >= first,
                        )
                    )
        rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[4], r[6] if r[6] != "" else 0))
        return rows

    def convergence_rows(self) -> list[tuple]:
        """Rows of ``convergence.csv``."""
        return [it.row() for it in self.iterations]

    def wait_rows(self) -> list[tuple]:
        """Rows of ``waits.csv``: expected wait by port, stream and hour of arrival, with the
        trips of the markets that arrive then (counted hours: measured; warm-up hours: the
        waits the choice used, from the first counted day)."""
        region = self.region
        first = region.spec.warmup_hours
        load = flows(region, self.assignment)
        rows = []
        for (port, stream), wait in self.waits.items():
            per_rep = _hour_means(self.runs[port].replications, stream, region.hours)
            for t in range(region.hours):
                day, hour = divmod(t, HOURS)
                e = estimate(per_rep[:, t]) if t >= first else None
                rows.append(
                    (
                        port,
                        stream,
                        day,
                        hour,
                        float(load[port][stream][t]),
                        float(wait[t]),
                        e.ci_low if e else math.nan,
                        e.ci_high if e else math.nan,
                        t >= first,
                    )
                )
        return rows

    def market_rows(self) -> list[tuple]:
        """Rows of ``markets.csv`` (and the printed table): for each market and option, the
        counted trips, their share, the trip-weighted expected wait with the 95% CI of the
        stream's mean wait at that port, the trips at free flow and the trips shifted."""
        region = self.region
        rows: list[tuple] = []
        for market, trips in self.assignment.items():
            counted = _counted_by_alternative(region, market, trips)
            free = _counted_by_alternative(region, market, self.free_flow[market])
            total = sum(counted.values())
            alts = alternatives(region, market)
            options = options_of(region, market)
            for i, option in enumerate(options):
                n = sum(v for a, v in counted.items() if alts[a].option == i)
                shifted = sum(
                    v for a, v in counted.items() if alts[a].option == i and alts[a].shift
                )
                wait = self._trip_weighted_wait(market, i)
                ci = self._wait_ci(option.port, option.stream)
                rows.append(
                    (
                        market,
                        option.port,
                        option.stream,
                        n,
                        n / total if total else math.nan,
                        wait,
                        ci.ci_low,
                        ci.ci_high,
                        sum(v for a, v in free.items() if alts[a].option == i),
                        shifted,
                    )
                )
            if region.spec.choice.no_trip is not None:
                n = sum(v for a, v in counted.items() if alts[a].option is None)
                f = sum(v for a, v in free.items() if alts[a].option is None)
                rows.append(
                    (market, NO_TRIP, "", n, n / total if total else math.nan, *[math.nan] * 3)
                    + (f, 0.0)
                )
        return rows

    def _trip_weighted_wait(self, market: str, option: int) -> float:
        """Mean expected wait of the market's counted trips that take ``option``."""
        region = self.region
        first = region.spec.warmup_hours
        ref = options_of(region, market)[option]
        wait = self.waits[(ref.port, ref.stream)]
        trips = self.assignment[market]
        total = weighted = 0.0
        for j, alt in enumerate(alternatives(region, market)):
            if alt.option != option:
                continue
            for t in range(region.hours):
                arrive = t + alt.shift
                if arrive >= first and 0 <= arrive < region.hours:
                    total += trips[t, j]
                    weighted += trips[t, j] * wait[arrive]
        return weighted / total if total else math.nan

    def _wait_ci(self, port: str, stream: str) -> Estimate:
        return self.runs[port].estimate(stream, "wait_mean_min")

    def summary(self) -> dict[str, dict[str, float]]:
        """market -> counted trips, trips not made, shifted and diverted (against free flow)."""
        out = {}
        every = self.market_rows()
        for market in self.assignment:
            rows = [r for r in every if r[0] == market]
            ports = [r for r in rows if r[1] != NO_TRIP]
            out[market] = {
                "trips": sum(r[3] for r in rows),
                "crossing": sum(r[3] for r in ports),
                "not_made": sum(r[3] for r in rows if r[1] == NO_TRIP),
                "shifted": sum(r[9] for r in ports),
                "diverted": sum(max(0.0, r[3] - r[8]) for r in ports),
            }
        return out

    def table(self, name: str) -> tuple[tuple[str, ...], list[tuple]]:
        """(columns, rows) of ``choices``, ``convergence``, ``waits`` or ``markets``."""
        tables = {
            "choices": (CHOICES_COLUMNS, self.choices_rows),
            "convergence": (CONVERGENCE_COLUMNS, self.convergence_rows),
            "waits": (WAITS_COLUMNS, self.wait_rows),
            "markets": (MARKETS_COLUMNS, self.market_rows),
        }
        if name not in tables:
            raise ValueError(f"unknown table {name!r}; tables: {', '.join(tables)}")
        columns, rows = tables[name]
        return columns, rows()

    def to_frame(self, table: str = "choices"):
        """A table as a pandas DataFrame (pandas must be installed)."""
        import pandas as pd

        columns, rows = self.table(table)
        return pd.DataFrame(rows, columns=list(columns))

    def metadata(self) -> dict[str, Any]:
        """What ``region.json`` records."""
        from .. import __version__

        spec = self.region.spec
        return {
            "borderflow_version": __version__,
            "kind": "region",
            "region_name": spec.name,
            "region_file": self.region.source,
            "ports": {
                name: {"file": self.region.port_files.get(name), "folder": name}
                for name in self.region.ports
            },
            "seed": spec.seed,
            "replications": spec.replications,
            "iterations": len(self.iterations),
            "converged": self.converged,
            "gap": self.gap,
            "tolerance": spec.equilibrium.tolerance,
            "interrupted": self.interrupted,
            "notes": list(self.region.notes),
            "wall_time_s": round(self.wall_time_s, 3),
            "region": spec.model_dump(mode="json", exclude_none=True),
        }


def _counted_by_alternative(region: Region, market: str, trips: np.ndarray) -> dict[int, float]:
    """alternative index -> trips that arrive (or, not crossing, wished to) in counted hours."""
    first = region.spec.warmup_hours
    out: dict[int, float] = {}
    for j, alt in enumerate(alternatives(region, market)):
        start = max(first - alt.shift, 0) if alt.option is not None else first
        out[j] = float(trips[start:, j].sum())
    return out


def _hour_means(reps: list[ReplicationResult], stream: str, hours: int) -> np.ndarray:
    """replication x absolute hour: the hour's mean wait (min) of ``stream`` (NaN if none)."""
    out = np.full((len(reps), hours), np.nan)
    for i, r in enumerate(reps):
        for day, hour, name, _arrivals, mean, *_ in r.hourly:
            t = day * HOURS + hour
            if name == stream and t < hours:
                out[i, t] = mean
    return out


def expected_waits(region: Region, runs: dict[str, list[ReplicationResult]]) -> Waits:
    """(port, stream) -> the expected wait (min) by hour of arrival, for every market stream.

    A counted hour's wait is the mean over replications of the hour's waits, weighted by the
    travellers served in it in each replication (the mean wait of a traveller of that hour);
    an hour in which nobody of the stream was served has no wait. A warm-up hour takes the wait
    of the same hour of the first counted day (the warm-up days stand for the counted ones), or
    of the first counted hour when no counted day has that hour.
    """
    hours, first = region.hours, region.spec.warmup_hours
    out: Waits = {}
    for port, streams in region.market_streams().items():
        # one pass over the port's hourly rows for all its market streams
        total = {stream: np.zeros(hours) for stream in streams}
        served = {stream: np.zeros(hours) for stream in streams}
        for r in runs[port]:
            for day, hour, name, arrivals, mean, _p95, not_served in r.hourly:
                t = day * HOURS + hour
                n = arrivals - not_served
                if name in total and t < hours and n > 0 and not math.isnan(mean):
                    total[name][t] += mean * n
                    served[name][t] += n
        for stream in streams:
            wait = np.divide(
                total[stream], served[stream], out=np.zeros(hours), where=served[stream] > 0
            )
            for t in range(min(first, hours)):
                later = [u for u in range(t, hours, HOURS) if u >= first]
                wait[t] = wait[later[0]] if later else wait[first]
            out[(port, stream)] = wait
    return out


def _gap(response: Assignment, current: Assignment) -> float:
    moved = sum(float(np.abs(response[m] - current[m]).sum()) for m in current)
    total = sum(float(current[m].sum()) for m in current)
    return moved / total if total > 0 else 0.0


def _totals(region: Region, assignment: Assignment, waits: Waits) -> tuple[float, ...]:
    trips = not_made = shifted = weighted = crossing = 0.0
    for market, a in assignment.items():
        trips += float(a.sum())
        options = options_of(region, market)
        for j, alt in enumerate(alternatives(region, market)):
            column = a[:, j]
            if alt.option is None:
                not_made += float(column.sum())
                continue
            if alt.shift:
                shifted += float(column.sum())
            option = options[alt.option]
            wait = waits.get((option.port, option.stream))
            for t in np.nonzero(column)[0]:
                arrive = t + alt.shift
                if wait is not None and 0 <= arrive < region.hours:
                    weighted += column[t] * wait[arrive]
                    crossing += column[t]
    return trips, not_made, shifted, float(weighted / crossing) if crossing else math.nan


def solve(
    region: Region | str | Path,
    *,
    replications: int | None = None,
    seed: int | None = None,
    iterations: int | None = None,
    tolerance: float | None = None,
    jobs: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    max_travellers: int | None = DEFAULT_MAX_TRAVELLERS,
) -> RegionResult:
    """Solve a region's equilibrium (``borderflow region``).

    Args:
        region: a loaded :class:`Region` or a region file.
        replications, seed: per port, instead of the region file's.
        iterations, tolerance: instead of the file's ``equilibrium`` settings.
        jobs, dask, executor: where the replications run (one executor for the whole solve).
        progress: ``progress(iteration, most, gap)`` after each iteration.
        max_travellers: refuse flows that expect more travellers than this in one replication
            of a port (None: no limit).

    Results are the same, bit for bit, however the replications are spread.

    Raises:
        ScenarioError: the region, a port file or the flows are invalid.
    """
    if not isinstance(region, Region):
        region = load_region(region)
    spec = region.spec
    run_settings: dict[str, Any] = {}
    if replications is not None:
        run_settings["replications"] = whole(replications, "replications", maximum=1000)
    if seed is not None:
        run_settings["seed"] = whole(seed, "seed", minimum=0)
    if run_settings:
        spec = spec.model_copy(update=run_settings)
        ports = {p: s.model_copy(update=run_settings) for p, s in region.ports.items()}
        region = Region(
            spec,
            ports,
            region.options,
            region.demand,
            region.source,
            region.port_files,
            region.notes,
        )
    most = spec.equilibrium.iterations if iterations is None else whole(iterations, "iterations")
    tol = spec.equilibrium.tolerance if tolerance is None else float(tolerance)
    free = assign(region, {})
    current = {m: a.copy() for m, a in free.items()}
    n = spec.replications
    method = spec.equilibrium.method
    weight = 1.0  # the 1/step of the self-regulated average
    started = time.perf_counter()
    result = RegionResult(region, current, free, {}, {})
    simulated: Simulated = {}
    travellers = sum(expected_travellers(region.with_flows(p, {})) for p in region.ports) + sum(
        sum(d) for d in region.demand.values()
    )
    try:
        with executor_for(
            jobs, dask, executor, work=(n * len(region.ports), travellers * n)
        ) as pool:
            if spec.equilibrium.start == "port_files":
                own = {p: map_replications(s, range(n), pool) for p, s in region.ports.items()}
                current = assign(region, expected_waits(region, own))
            for k in range(1, most + 1):
                simulated = _simulate(region, current, pool, simulated, max_travellers)
                waits = expected_waits(region, {p: reps for p, (_, reps) in simulated.items()})
                response = assign(region, waits)
                gap = _gap(response, current)
                if method == "msa":
                    step = 1.0 / (k + 1)
                else:
                    rose = bool(result.iterations) and gap >= result.iterations[-1].gap
                    weight += SRA_UP if rose else SRA_DOWN
                    step = 1.0 / weight
                trips, not_made, shifted, mean_wait = _totals(region, current, waits)
                result.assignment = current
                result.waits = waits
                result.runs = {
                    p: RunResult(scenario, spec.seed, reps, region.port_files.get(p))
                    for p, (scenario, reps) in simulated.items()
                }
                result.iterations.append(
                    Iteration(k, gap, step, trips, not_made, shifted, mean_wait)
                )
                if progress:
                    progress(k, most, gap)
                if gap < tol:
                    result.converged = True
                    break
                current = {m: current[m] + step * (response[m] - current[m]) for m in current}
    except KeyboardInterrupt:
        result.interrupted = True
    result.wall_time_s = time.perf_counter() - started
    for run in result.runs.values():
        run.wall_time_s = result.wall_time_s
        run.interrupted = result.interrupted
    return result


Simulated = dict[str, tuple[Scenario, list[ReplicationResult]]]
"""port -> the scenario run (with the flows) and its replications."""


def _simulate(
    region: Region,
    assignment: Assignment,
    pool: Executor,
    previous: Simulated,
    max_travellers: int | None,
) -> Simulated:
    """Every port's replications with the flows of ``assignment``. A port whose flows are those
    of the last iteration (a port no market feeds) is not run again: its results would be the
    same."""
    out: Simulated = {}
    load = flows(region, assignment)  # every port's flows at once
    for port in region.ports:
        port_flows = {s: list(map(float, f)) for s, f in load[port].items()}
        scenario = region.with_flows(port, port_flows)
        if port in previous and previous[port][0] == scenario:
            out[port] = previous[port]
            continue
        if max_travellers is not None:
            try:
                check_size(scenario, max_travellers)
            except ScenarioError as exc:
                where = region.source or "<region>"
                raise ScenarioError(
                    [Problem(where, None, None, ("ports", port), p.message) for p in exc.problems]
                ) from None
        out[port] = (scenario, map_replications(scenario, range(scenario.replications), pool))
    return out
