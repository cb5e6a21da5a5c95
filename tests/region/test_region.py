"""Regions solved to equilibrium: conservation, the logit's limits, the analytic fixed point of
two M/M/2 ports, convergence, and the same results serially and with processes."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit

from borderflow import theory
from borderflow.cli import main
from borderflow.region import NO_TRIP, load_region, solve
from borderflow.region.choice import alternatives, costs
from borderflow.scenario import ScenarioError

PORT = """\
name: small port
streams:
  car:
    arrivals: {per_hour: 60}
    route: [primary]
  bus:
    mode: bus
    arrivals: {per_hour: 2}
    route: [primary]
stages:
  primary:
    lanes:
      general: {lanes: 2, queue: shared}
    service:
      default: {dist: exponential, mean: 1 min}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def region_file(directory: Path, body: str, port: str = PORT) -> Path:
    write(directory, "port.yaml", port)
    return write(directory, "region.yaml", body)


TWO_PORTS = """\
name: two identical ports
horizon: 24 h
warmup: 4 h
replications: {reps}
seed: 1
ports:
  a: port.yaml
  b: port.yaml
markets:
  town:
    arrivals: {{per_hour: 180}}
    options:
      a: {{stream: car, access: 10 min}}
      b: {{stream: car, access: 15 min}}
choice:
  scale: {scale}
equilibrium:
  iterations: {iterations}
  tolerance: 0.000001
"""


def two_ports(tmp_path: Path, reps: int = 3, scale: float = 0.2, iterations: int = 3) -> Path:
    body = TWO_PORTS.format(reps=reps, scale=scale, iterations=iterations)
    return region_file(tmp_path, body)


ELASTIC = """\
name: shift and no trip
horizon: 24 h
warmup: 2 h
replications: 2
seed: 3
profiles:
  peaked: [1, 1, 1, 1, 1, 1, 4, 8, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
ports:
  a: port.yaml
  b: port.yaml
markets:
  town:
    arrivals: {per_day: 3000, profile: peaked}
    options:
      a: {stream: car, access: 5 min}
      b: {stream: car, access: 20 min, toll: 2.5}
  village:
    arrivals: {per_hour: 20}
    options:
      a: {stream: car, access: 30 min}
choice:
  scale: 0.1
  value_of_time: 15
  shift: {max: 2 h, early: 0.5, late: 1.0}
  no_trip: {cost: 90 min}
equilibrium:
  iterations: 4
"""


def test_trips_are_conserved_exactly(tmp_path: Path) -> None:
    region = load_region(region_file(tmp_path, ELASTIC))
    result = solve(region, jobs=1)
    for market, demand in region.demand.items():
        trips = result.assignment[market]
        assert trips.sum(axis=1) == pytest.approx(np.asarray(demand), rel=1e-12, abs=1e-9)
    rows = result.choices_rows()
    total = sum(r[5] for r in rows)
    assert total == pytest.approx(sum(sum(d) for d in region.demand.values()), rel=1e-12)
    # each kind of response is present, so the sum above covers ports, hours and no trip
    assert any(r[1] == NO_TRIP for r in rows)
    assert any(r[6] not in ("", 0) for r in rows)
    summary = result.summary()["town"]
    assert summary["trips"] == pytest.approx(summary["crossing"] + summary["not_made"])
    assert summary["shifted"] > 0 and summary["not_made"] > 0


def test_a_toll_costs_its_minutes_and_shifts_leave_no_trip_outside_the_horizon(
    tmp_path: Path,
) -> None:
    region = load_region(region_file(tmp_path, ELASTIC))
    cost = costs(region, "town", {})
    alts = alternatives(region, "town")
    b_now = alts.index(next(a for a in alts if a.option == 1 and a.shift == 0))
    assert cost[10, b_now] == pytest.approx(20 + 60 * 2.5 / 15)  # access + toll / value of time
    two_early = alts.index(next(a for a in alts if a.option == 0 and a.shift == -2))
    assert math.isinf(cost[1, two_early]) and cost[2, two_early] == pytest.approx(5 + 120 * 0.5)


def test_scale_zero_gives_equal_shares(tmp_path: Path) -> None:
    result = solve(two_ports(tmp_path, scale=0.0, iterations=2), jobs=1)
    trips = result.assignment["town"]
    assert np.array_equal(trips[:, 0], trips[:, 1])
    assert trips[:, 0] == pytest.approx(np.full(24, 90.0))


def test_a_large_scale_sends_everyone_to_the_cheapest_option(tmp_path: Path) -> None:
    body = TWO_PORTS.format(reps=2, scale=50, iterations=3).replace("per_hour: 180", "per_hour: 60")
    result = solve(region_file(tmp_path, body), jobs=1)
    trips = result.assignment["town"]
    # 60 an hour at port a waits a few seconds; port b costs 5 minutes more
    assert trips[:, 1].sum() < 1e-6 * trips.sum()
    assert result.converged


@pytest.fixture(scope="module")
def analytic(tmp_path_factory: pytest.TempPathFactory):
    """Two identical M/M/2 ports, 180 trips an hour, access 10 and 15 min, scale 0.2."""
    path = two_ports(tmp_path_factory.mktemp("analytic"), reps=8, iterations=20)
    return solve(path, jobs=1)


def logit_fixed_point(scale: float, per_min: float, access: tuple[float, float]) -> float:
    """The share of port a at the logit equilibrium with M/M/2 waits (service 1 min)."""

    def wait(rate: float) -> float:
        return theory.mmc(rate, 1.0, 2).wait_mean

    def excess(p: float) -> float:
        cost_a = access[0] + wait(per_min * p)
        cost_b = access[1] + wait(per_min * (1 - p))
        return p - expit(scale * (cost_b - cost_a))

    # both ports stable: each gets under 2 a minute
    return brentq(excess, 1 - 2 / per_min + 1e-9, 2 / per_min - 1e-9)


def test_two_identical_ports_match_the_analytic_logit_fixed_point(analytic) -> None:
    expected = logit_fixed_point(0.2, 3.0, (10.0, 15.0))
    rows = {r[1]: r for r in analytic.market_rows()}
    # Tolerance 0.03 on the share: the simulated waits are means over 8 replications of 20
    # counted hours (their share noise is under 0.01 here), and the queues start empty after a
    # 4 h warm-up rather than in steady state; 0.03 is still well below the 0.22 gap between
    # the fixed point (0.59) and the free-flow share (0.73) a broken loop would give.
    assert rows["a"][4] == pytest.approx(expected, abs=0.03)
    assert abs(expit(0.2 * 5) - expected) > 0.1


def test_convergence_is_monotone_on_average(analytic) -> None:
    gaps = [it.gap for it in analytic.iterations]
    assert len(gaps) == 20
    half = len(gaps) // 2
    assert np.mean(gaps[half:]) < 0.2 * np.mean(gaps[:half])
    # a moving average of 4 iterations never rises by more than the noise
    smooth = np.convolve(gaps, np.ones(4) / 4, mode="valid")
    assert all(later <= earlier * 1.1 for earlier, later in zip(smooth, smooth[1:], strict=False))


def test_the_same_serially_and_with_processes(tmp_path: Path) -> None:
    region = load_region(region_file(tmp_path, ELASTIC))
    serial = solve(region, jobs=1, iterations=2)
    pooled = solve(region, jobs=2, iterations=2)
    assert serial.choices_rows() == pooled.choices_rows()
    assert serial.wait_rows() == pooled.wait_rows()
    assert serial.convergence_rows() == pooled.convergence_rows()


def test_market_streams_take_their_arrivals_from_the_markets_by_day(tmp_path: Path) -> None:
    body = ELASTIC.replace("horizon: 24 h", "horizon: 48 h\nstart_day: saturday")
    region = load_region(region_file(tmp_path, body))
    rates = list(range(48))
    scenario = region.with_flows("a", {"car": rates})
    assert scenario.hourly_rates("car", 5) == tuple(float(r) for r in range(24))  # Saturday
    assert scenario.hourly_rates("car", 6) == tuple(float(r) for r in range(24, 48))  # Sunday
    assert scenario.hourly_rates("car", 0) == (0.0,) * 24  # not simulated
    assert scenario.hourly_rates("bus", 0) == (2.0,) * 24  # not fed by a market: its own
    assert scenario.horizon == 48 * 3600 and scenario.start_day == "saturday"
    assert any("'car'" in note and "ignored" in note for note in region.notes)


def test_errors_are_positioned(tmp_path: Path) -> None:
    body = ELASTIC.replace("{stream: car, access: 20 min, toll: 2.5}", "{stream: cars}")
    body = body.replace("value_of_time: 15", "value_of_tme: 15")
    with pytest.raises(ScenarioError) as info:
        load_region(region_file(tmp_path, body))
    text = str(info.value)
    assert "region.yaml:" in text and "choice.value_of_tme: unknown key" in text
    assert "did you mean 'value_of_time'" in text
    body = ELASTIC.replace("{stream: car, access: 20 min, toll: 2.5}", "{stream: cars}")
    with pytest.raises(ScenarioError) as info:
        load_region(region_file(tmp_path, body))
    problem = info.value.problems[0]
    assert problem.path == ("markets", "town", "options", "b", "stream")
    assert problem.line == 16 and "unknown stream of port 'b' 'cars'" in problem.message
    body = ELASTIC.replace("value_of_time: 15", "")
    with pytest.raises(ScenarioError, match="a toll needs choice.value_of_time"):
        load_region(region_file(tmp_path, body))


def test_the_region_command_checks_and_writes(tmp_path: Path, capsys) -> None:
    path = region_file(tmp_path, ELASTIC)
    assert main(["region", str(path), "--check"]) == 0
    out = capsys.readouterr().out
    assert "fed by markets: car; own arrivals kept: bus" in out and "are ignored" in out
    assert main(["check", str(path)]) == 0  # `check` knows a region file too
    assert capsys.readouterr().out == out
    assert main(["region", str(path), "--iterations", "2", "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "town" in out and "not made" in out
    for name in ("choices.csv", "convergence.csv", "waits.csv", "markets.csv", "region.json"):
        assert (tmp_path / "out" / name).is_file()
    assert (tmp_path / "out" / "a" / "hourly.csv").is_file()
    header = (tmp_path / "out" / "choices.csv").read_text().splitlines()[0]
    assert header.startswith("market,port,stream,day,hour,trips")
    assert main(["plot", str(tmp_path / "out")]) == 0
    for name in ("region_shares_by_hour", "region_waits_by_port", "region_convergence"):
        assert (tmp_path / "out" / "plots" / f"{name}.png").stat().st_size > 1000
    assert main(["report", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Trips at equilibrium" in html and html.count("data:image/png;base64") == 3
    assert main(["region", str(tmp_path / "missing.yaml")]) == 2


def test_self_regulated_averaging_reaches_the_same_fixed_point(tmp_path: Path) -> None:
    body = TWO_PORTS.format(reps=6, scale=0.2, iterations=15) + "  method: sra\n"
    result = solve(region_file(tmp_path, body), jobs=1)
    share = {r[1]: r[4] for r in result.market_rows()}["a"]
    assert share == pytest.approx(logit_fixed_point(0.2, 3.0, (10.0, 15.0)), abs=0.03)
    assert result.iterations[-1].gap < 0.1 * result.iterations[0].gap


def test_compare_two_region_files(tmp_path: Path, capsys) -> None:
    base = region_file(tmp_path, ELASTIC)
    write(tmp_path, "port3.yaml", PORT.replace("lanes: 2,", "lanes: 3,"))
    alt = write(tmp_path, "more.yaml", ELASTIC.replace("  b: port.yaml", "  b: port3.yaml"))
    out = tmp_path / "cmp"
    assert main(["compare", str(base), str(alt), "-r", "2", "-j", "1", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "== a (at each region's equilibrium) ==" in text and "== b" in text
    assert (out / "markets.csv").is_file() and (out / "b" / "comparison.csv").is_file()
    assert (out / "base" / "choices.csv").is_file()
    assert (out / "alternative" / "b" / "hourly.csv").is_file()
    rows = (out / "markets.csv").read_text().splitlines()
    assert rows[0] == "market,port,stream,base_trips,alt_trips,change"
    # a third lane at b draws trips to it
    change = {tuple(r.split(",")[:2]): float(r.split(",")[5]) for r in rows[1:]}
    assert change[("town", "b")] > 0


def test_lane_type_choice_within_a_port(tmp_path: Path) -> None:
    body = ELASTIC.replace(
        "      a: {stream: car, access: 30 min}",
        "      a_car: {port: a, stream: car, access: 30 min}\n"
        "      a_bus_lane: {port: a, stream: bus, access: 30 min, constant: 5 min}",
    )
    region = load_region(region_file(tmp_path, body))
    result = solve(region, jobs=1, iterations=2)
    rows = {(r[0], r[1], r[2]): r[3] for r in result.market_rows()}
    assert rows[("village", "a", "car")] > rows[("village", "a", "bus")] > 0
    assert result.assignment["village"].sum(axis=1) == pytest.approx(region.demand["village"])


def test_an_interrupt_keeps_the_finished_iterations(tmp_path: Path) -> None:
    def stop(iteration: int, most: int, gap: float) -> None:
        if iteration == 2:
            raise KeyboardInterrupt

    result = solve(region_file(tmp_path, ELASTIC), jobs=1, progress=stop)
    assert result.interrupted and len(result.iterations) == 2
    assert set(result.runs) == {"a", "b"} and result.runs["a"].replications
