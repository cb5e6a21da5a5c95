"""One way to run: the package's API, the dispatcher every outer loop uses, shared defaults."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import borderflow
from borderflow import arguments, defaults, execution
from borderflow.calibrate import calibrate
from borderflow.errors import ArgumentError, InputError
from borderflow.execution import SMALL_RUN, auto_jobs, make_executor, map_replications
from borderflow.model import simulate
from borderflow.runner import expected_travellers

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scenarios" / "example.yaml"


def test_the_package_exports_one_run_and_the_result_types():
    from borderflow.experiments.compare import Comparison
    from borderflow.experiments.sweep import SweepResult
    from borderflow.runner import RunResult, SequentialRunResult, run

    assert borderflow.run is run
    assert borderflow.RunResult is RunResult
    assert borderflow.SequentialRunResult is SequentialRunResult
    assert borderflow.Comparison is Comparison
    assert borderflow.SweepResult is SweepResult
    assert set(borderflow.__all__) <= set(dir(borderflow))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = borderflow.nope  # type: ignore[attr-defined]


def test_every_input_error_is_one_kind():
    from borderflow.execution import ExecutionError
    from borderflow.experiments.sweep import ExperimentError
    from borderflow.output import OutputError
    from borderflow.plots.io import PlotInputError
    from borderflow.precision import PrecisionError
    from borderflow.scenario import ScenarioError

    for kind in (
        ScenarioError,
        ExperimentError,
        OutputError,
        ExecutionError,
        PrecisionError,
        PlotInputError,
        ArgumentError,
    ):
        assert issubclass(kind, InputError), kind


def test_help_imports_nothing_heavy():
    """``borderflow --help`` must not pay for numpy, scipy, pydantic, simpy or matplotlib."""
    code = (
        "import sys, contextlib, io\n"
        "from borderflow.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--help']) == 0\n"
        "    assert main(['run', '--help']) == 0\n"
        "heavy = {'numpy', 'scipy', 'pydantic', 'simpy', 'matplotlib', 'ruamel'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_run_that_needs_no_scipy_does_not_import_it(tmp_path):
    """scipy takes longer to import than a small run takes: ``borderflow run`` of one
    replication with exponential inspections, its files written, leaves it (and matplotlib)
    unloaded; lognormal or gamma inspections, and confidence intervals, import it when used."""
    scenario = tmp_path / "queue.yaml"
    scenario.write_text(
        "name: one queue\nhorizon: 2 h\nreplications: 1\n"
        "streams: {car: {arrivals: {per_hour: 100}, route: [primary]}}\n"
        "stages: {primary: {lanes: {g: {lanes: 2}},\n"
        "  service: {default: {dist: exponential, mean: 1 min}}}}\n"
    )
    code = (
        "import sys, contextlib, io\n"
        "from borderflow.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['run', {str(scenario)!r}, '-j', '1', '-q', '-o', "
        f"{str(tmp_path / 'out')!r}]) == 0\n"
        "print(sorted({'scipy', 'matplotlib'} & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
    assert (tmp_path / "out" / "summary.csv").exists()


def test_the_command_line_and_the_api_share_their_defaults():
    parser = arguments.parser()
    sub = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    run = sub["run"].parse_args([str(EXAMPLE)])
    api = inspect.signature(borderflow.run).parameters
    assert run.jobs is None and api["jobs"].default is None  # both: auto_jobs decides
    assert run.stream == api["stream"].default == defaults.STREAM
    assert run.max_replications == api["max_replications"].default == defaults.MAX_REPLICATIONS
    assert api["metric"].default == defaults.METRIC
    compare = inspect.signature(borderflow.compare).parameters
    assert compare["jobs"].default is None and compare["stream"].default == defaults.STREAM
    cal = sub["calibrate"].parse_args(
        [str(EXAMPLE), "--observed", "x.csv", "--stream", "s", "--column", "c"]
    )
    api = inspect.signature(calibrate).parameters
    assert cal.iterations == api["iterations"].default == defaults.CALIBRATE_ITERATIONS
    assert cal.replications == api["replications"].default == defaults.CALIBRATE_REPLICATIONS


def test_small_runs_stay_in_this_process_and_large_ones_use_every_core():
    assert auto_jobs(1, 1e9) == 1  # one replication: nothing to share out
    assert auto_jobs(20, SMALL_RUN - 1) == 1  # pool start-up would cost more than the run
    assert auto_jobs(20, SMALL_RUN) == min(execution.default_jobs(), 20)
    assert auto_jobs(3, 1e9) <= 3  # never more workers than replications


def test_expected_travellers_follow_the_rates_over_the_horizon():
    scenario = borderflow.load_scenario(EXAMPLE, ("horizon=7 h",))
    first_hours = sum(sum(scenario.hourly_rates(s)[:7]) for s in scenario.streams)
    assert first_hours > 0
    assert expected_travellers(scenario) == pytest.approx(first_hours)
    ten_days = borderflow.load_scenario(EXAMPLE, ("horizon=10 d",))
    per_day = sum(sum(ten_days.hourly_rates(s)) for s in ten_days.streams)
    assert expected_travellers(ten_days) == pytest.approx(10 * per_day)


def test_the_dispatcher_reduces_in_the_worker_and_keeps_the_order():
    """``reduce`` runs where the replication ran; results come back in replication order and
    equal the serial ones, whatever the executor."""
    scenario = borderflow.load_scenario(EXAMPLE, ("horizon=3 h", "warmup=0 h"))
    expected = [len(simulate(scenario, scenario.seed, r).hourly) for r in range(5)]
    for jobs in (1, 2):
        pool = make_executor(jobs)
        try:
            got = map_replications(scenario, range(5), pool, 2, reduce=_hour_rows)
        finally:
            pool.shutdown()
        assert got == expected


def _hour_rows(_scenario, result) -> int:
    return len(result.hourly)


def _waits_where(_scenario, result) -> tuple[int, float]:
    return os.getpid(), sum(
        float(w.sum()) for hours in result.waits.values() for w in hours.values()
    )


def test_an_outer_loop_keeps_one_pool_and_its_workers_for_every_iteration():
    """The documented way for a search: one executor opened before the loop, one
    ``map_replications(..., reduce=..., waits=True)`` per iteration. The workers are the same
    processes all through (nothing is started per iteration), and every iteration keeps what
    a serial loop keeps."""
    variants = [
        borderflow.load_scenario(EXAMPLE, ("horizon=3 h", "warmup=0 h", f"seed={seed}"))
        for seed in (1, 2, 3)
    ]
    with execution.executor_for(jobs=1) as serial:
        expected = [
            [w for _, w in map_replications(s, range(3), serial, reduce=_waits_where, waits=True)]
            for s in variants * 2
        ]
    workers: set[int] = set()
    got = []
    with execution.executor_for(jobs=2) as pool:
        for s in variants * 2:
            kept = map_replications(s, range(3), pool, reduce=_waits_where, waits=True)
            workers |= {pid for pid, _ in kept}
            got.append([w for _, w in kept])
    assert got == expected
    assert os.getpid() not in workers and len(workers) <= 2


def test_bad_arguments_are_input_errors_in_the_api_too():
    with pytest.raises(ArgumentError, match="replications must be a positive whole number"):
        borderflow.run(EXAMPLE, replications=0)
    with pytest.raises(ArgumentError, match="seed must be a non-negative whole number"):
        borderflow.compare(EXAMPLE, EXAMPLE, seed=-1)
    with pytest.raises(ArgumentError, match="unknown stream 'nope'"):
        calibrate(EXAMPLE, REPO / "data" / "cbp_san_ysidro_hourly_waits_jan-apr.csv", "nope")
    with pytest.raises(ArgumentError, match="unknown case"):
        from borderflow.verify import verify

        verify(cases=["nope"], jobs=1)


def test_runner_and_experiments_do_not_import_each_other_in_a_cycle():
    code = "import sys\nimport borderflow.runner\nprint('borderflow.experiments' in sys.modules)\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_every_outer_loop_sends_its_replications_through_the_one_dispatcher(monkeypatch, tmp_path):
    """run, compare, sweep, calibrate and verify all reach ``execution.simulate_chunk``."""
    from borderflow.calibrate import Observed
    from borderflow.verify import verify

    calls: list[int] = []
    real = execution.simulate_chunk

    def counted(*args, **kwargs):
        calls.append(len(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(execution, "simulate_chunk", counted)
    short = ("horizon=2 h",)
    borderflow.run(EXAMPLE, replications=2, overrides=short, jobs=1)
    assert sum(calls) == 2
    calls.clear()
    borderflow.compare(borderflow.load_scenario(EXAMPLE, short), EXAMPLE, replications=2, jobs=1)
    assert sum(calls) == 4
    calls.clear()
    experiment = {
        "scenario": str(EXAMPLE),
        "replications": 2,
        "design": "grid",
        "vary": {"horizon": ["1 h", "2 h"]},
    }
    borderflow.sweep(experiment, jobs=1)
    assert sum(calls) == 4
    calls.clear()
    day = borderflow.load_scenario(EXAMPLE, ("horizon=24 h",))
    observed = Observed(np.zeros(24), "test", "x", 24, None, None)
    calibrate(day, observed, "car_general", iterations=1, replications=2, jobs=1)
    assert sum(calls) >= 2 + 2  # before the fit, its step, then the check replications
    calls.clear()
    verify(quick=True, cases=["mm1_rho50"], jobs=1)
    assert sum(calls) == verify_replications("mm1_rho50")


def verify_replications(name: str) -> int:
    from borderflow.verify import CATALOGUE

    return CATALOGUE[name].scenario(True).replications


def test_a_long_replication_in_this_process_reports_progress_inside_it():
    calls: list[tuple[float, int]] = []
    borderflow.run(
        EXAMPLE,
        replications=2,
        jobs=1,
        overrides=("horizon=3 d",),
        progress=lambda d, t: calls.append((d, t)),
    )
    dones = [done for done, _ in calls]
    assert all(total == 2 for _, total in calls)
    assert dones == sorted(dones) and dones[-1] == 2  # never backwards, ends complete
    inside = [d for d in dones if d != int(d)]
    # midnights 1 and 2 of each replication (3 and later are at or past its horizon)
    assert inside[:2] == pytest.approx([1 / 3, 2 / 3]) and len(inside) >= 4
