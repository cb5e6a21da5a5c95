"""Reading a region file: the same YAML reader and positioned errors as a scenario file, then
the port scenarios it names, each checked against the markets that feed it.

A port stream named by a market takes its arrivals from the markets: the port file's own
``arrivals`` for it are ignored (:attr:`Region.notes` says which), and every other stream keeps
its own. Each port is run with the region's horizon, warm-up, first day, replications and seed.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from ..scenario import Scenario, load_scenario
from ..scenario.errors import Problem, ScenarioError
from ..scenario.load import SCENARIO_SUFFIXES, Document, read_yaml, wrong_suffix
from ..scenario.schema import DAYS, HOURS, Arrivals
from ..scenario.size import DEFAULT_MAX_TRAVELLERS
from ..scenario.validate import file_order, pydantic_problems, unknown
from .schema import RegionSpec

NO_TRIP = "(no trip)"
"""The name of the no-trip alternative in the result tables."""


@dataclass(frozen=True)
class OptionRef:
    """One option of one market, resolved: which port and stream, and its fixed cost."""

    market: str
    name: str
    port: str
    stream: str
    fixed_min: float
    """access + constant + toll / value of time, in minutes."""


@dataclass
class Region:
    """A loaded region: its spec, its ports' scenarios (set to the region's run settings) and
    the markets' demand by absolute hour."""

    spec: RegionSpec
    ports: dict[str, Scenario]
    options: list[OptionRef]
    demand: dict[str, list[float]]
    """market -> trips wanting to arrive in each hour of the horizon."""
    source: str | None = None
    port_files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """What a check should say: port arrivals ignored because markets feed the stream."""

    @property
    def hours(self) -> int:
        """Hours of the horizon."""
        return self.spec.hours

    def market_streams(self) -> dict[str, list[str]]:
        """port -> the streams of that port fed by markets, in port-file order."""
        out: dict[str, list[str]] = {}
        for port, scenario in self.ports.items():
            fed = {o.stream for o in self.options if o.port == port}
            out[port] = [s for s in scenario.streams if s in fed]
        return out

    def day_of_week(self, day: int) -> int:
        """Day of the week (0 = Monday) of simulated day ``day``."""
        return (DAYS.index(self.spec.start_day) + day) % 7

    def with_flows(self, port: str, flows: dict[str, list[float]]) -> Scenario:
        """The scenario of ``port`` with ``flows`` (stream -> arrivals per hour of the horizon)
        as the arrivals of its market streams."""
        scenario = self.ports[port]
        streams = dict(scenario.streams)
        for stream, rates in flows.items():
            per_hour: dict[str, Any] = {"default": 0.0}
            for day in range(math.ceil(self.hours / HOURS)):
                hours = [float(r) for r in rates[day * HOURS : (day + 1) * HOURS]]
                hours += [0.0] * (HOURS - len(hours))
                per_hour[DAYS[self.day_of_week(day)]] = hours
            arrivals = Arrivals.model_validate({"per_hour": per_hour})
            streams[stream] = streams[stream].model_copy(update={"arrivals": arrivals})
        return scenario.model_copy(update={"streams": streams})


def load_region(
    source: str | FilePath, max_travellers: int | None = DEFAULT_MAX_TRAVELLERS
) -> Region:
    """Load and validate a region file and the port scenario files it names.

    Raises:
        ScenarioError: listing every problem found, each with file, line, column and key path
            (problems inside a port file are reported in that file).
    """
    path = FilePath(source)
    if wrong_suffix(path, SCENARIO_SUFFIXES):
        raise ScenarioError(
            [Problem(str(path), None, None, (), "the name of a region file must end in .yaml")]
        )
    doc = read_yaml(path)
    try:
        spec = RegionSpec.model_validate(doc.data)
    except ValidationError as exc:
        found = pydantic_problems(exc, doc, RegionSpec)
        raise ScenarioError(sorted(found, key=file_order)) from None
    problems: list[Problem] = []
    ports, files = _load_ports(spec, doc, path.parent, problems, max_travellers)
    options = _check_markets(spec, doc, ports, problems)
    if problems:
        raise ScenarioError(sorted(problems, key=file_order))
    region = Region(spec, {}, options, {}, str(path), files)
    region.demand = {
        name: _demand(region, market.arrivals, ports) for name, market in spec.markets.items()
    }
    run = {
        "horizon": spec.horizon,
        "warmup": spec.warmup,
        "start_day": spec.start_day,
        "replications": spec.replications,
        "seed": spec.seed,
    }
    region.ports = {name: scenario.model_copy(update=run) for name, scenario in ports.items()}
    for port, streams in region.market_streams().items():
        for stream in streams:
            region.notes.append(
                f"{port}: the arrivals of stream {stream!r} in {files[port]} are ignored; "
                "its trips come from the region's markets"
            )
    return region


def _load_ports(
    spec: RegionSpec,
    doc: Document,
    directory: FilePath,
    problems: list[Problem],
    max_travellers: int | None,
) -> tuple[dict[str, Scenario], dict[str, str]]:
    ports: dict[str, Scenario] = {}
    files: dict[str, str] = {}
    for name, file in spec.ports.items():
        target = FilePath(os.path.normpath(directory / file))
        if not target.exists():
            problems.append(
                doc.problem(("ports", name), f"file not found: {file!r} (looked for {target})")
            )
            continue
        try:
            # the markets replace the demand of the streams they feed: the size limit is
            # checked on the flows when the region runs
            ports[name] = load_scenario(target, max_travellers=None)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        files[name] = str(target)
    return ports, files


def _check_markets(
    spec: RegionSpec, doc: Document, ports: dict[str, Scenario], problems: list[Problem]
) -> list:
    options: list[OptionRef] = []
    known_profiles = set(spec.profiles) | {p for s in ports.values() for p in s.profiles}
    for market_name, market in spec.markets.items():
        where = ("markets", market_name)
        for profile in _profiles_of(market.arrivals):
            if profile not in known_profiles:
                problems.append(
                    doc.problem(
                        (*where, "arrivals", "profile"),
                        unknown("profile", profile, known_profiles)
                        + " (in the region's profiles or a port file's)",
                    )
                )
        seen: set[tuple[str, str]] = set()
        for option_name, option in market.options.items():
            at = (*where, "options", option_name)
            port = option.port or option_name
            if port not in spec.ports:
                key = "port" if option.port else None
                problems.append(
                    doc.problem((*at, key) if key else at, unknown("port", port, spec.ports))
                )
                continue
            if port not in ports:
                continue  # its file has problems of its own
            if option.stream not in ports[port].streams:
                problems.append(
                    doc.problem(
                        (*at, "stream"),
                        unknown(f"stream of port {port!r}", option.stream, ports[port].streams),
                    )
                )
                continue
            if (port, option.stream) in seen:
                problems.append(
                    doc.problem(at, f"two options of the market use {port}.{option.stream}")
                )
                continue
            seen.add((port, option.stream))
            if option.toll > 0 and spec.choice.value_of_time is None:
                problems.append(
                    doc.problem(
                        (*at, "toll"),
                        "a toll needs choice.value_of_time (USD per hour) to become minutes",
                    )
                )
                continue
            toll_min = (
                60.0 * option.toll / spec.choice.value_of_time if spec.choice.value_of_time else 0.0
            )
            fixed = option.access / 60 + option.constant / 60 + toll_min
            options.append(OptionRef(market_name, option_name, port, option.stream, fixed))
    if spec.warmup >= spec.horizon:
        problems.append(doc.problem(("warmup",), "the warm-up must be shorter than the horizon"))
    return options


def _profiles_of(arrivals: Arrivals) -> list[str]:
    profile = arrivals.profile
    if profile is None:
        return []
    return [profile] if isinstance(profile, str) else sorted(set(profile.values()))


def _demand(region: Region, arrivals: Arrivals, ports: dict[str, Scenario]) -> list[float]:
    """Trips wanting to arrive in each hour of the horizon. A profile is the region's, else the
    first port file's (in the region's order) that defines it."""
    profiles: dict[str, tuple[float, ...]] = {}
    for scenario in reversed(list(ports.values())):
        profiles.update(scenario.profiles)
    profiles.update(region.spec.profiles)
    out: list[float] = []
    for day in range(math.ceil(region.hours / HOURS)):
        out += list(arrivals.rates(region.day_of_week(day), profiles))
    return out[: region.hours]


__all__ = ["NO_TRIP", "OptionRef", "Region", "load_region"]


def describe(region: Region) -> str:
    """What ``borderflow region --check`` prints: the ports and the streams the markets feed
    (whose own arrivals are ignored), the markets and their options, and the demand."""
    spec = region.spec
    lines = [
        f"{spec.name}: region file is valid",
        f"horizon {spec.hours} h from {spec.start_day} 00:00, warm-up {spec.warmup_hours} h, "
        f"{spec.replications} replications per port, seed {spec.seed}",
        "",
        "ports:",
    ]
    fed = region.market_streams()
    for port, scenario in region.ports.items():
        others = [s for s in scenario.streams if s not in fed[port]]
        lines.append(
            f"  {port}: {region.port_files.get(port)} ({scenario.name}); fed by markets: "
            f"{', '.join(fed[port]) or 'none'}; own arrivals kept: {', '.join(others) or 'none'}"
        )
    lines += ["", "markets:"]
    for name in spec.markets:
        total = sum(region.demand[name])
        lines.append(f"  {name}: {total:,.0f} trips over the horizon")
        for option in (o for o in region.options if o.market == name):
            lines.append(
                f"    {option.name}: {option.port}.{option.stream}, fixed cost "
                f"{option.fixed_min:g} min"
            )
    if region.notes:
        lines += ["", "notes:"] + [f"  {note}" for note in region.notes]
    return "\n".join(lines) + "\n"
