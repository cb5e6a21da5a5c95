"""Real outputs to plot, computed once per test session from the example scenario: a run (with
and without ``trace.csv``), comparisons and sweeps as the ``compare`` and ``sweep`` commands write
them, and the same in the bare contract format (``comparison.csv``; ``points.csv`` and
``results.csv``) that other tools may write.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from plot_helpers import DEMAND, EXAMPLE, SENTRI, SERVICE, write_comparison, write_sweep

from borderflow.experiments.compare import compare
from borderflow.experiments.compare import write_comparison as write_real_comparison
from borderflow.experiments.sweep import sweep
from borderflow.output import write_run
from borderflow.runner import run


@pytest.fixture(scope="session")
def traced_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``borderflow run scenarios/example.yaml -r 2 --trace -o DIR``."""
    directory = tmp_path_factory.mktemp("traced_run")
    result = run(EXAMPLE, replications=2, trace=True)
    write_run(result, directory, trace=True)
    return directory


@pytest.fixture(scope="session")
def run_dir(traced_run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same run without ``trace.csv`` (what ``borderflow run -o`` writes by default)."""
    directory = tmp_path_factory.mktemp("run") / "example"
    shutil.copytree(traced_run_dir, directory)
    (directory / "trace.csv").unlink()
    return directory


@pytest.fixture(scope="session")
def comparison_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``borderflow compare example.yaml faster_primary.yaml more_demand.yaml -r 2 -o DIR``:
    faster primary inspection, and more demand."""
    folder = tmp_path_factory.mktemp("scenarios")
    alternatives = []
    for name, change in (
        ("faster_primary", "stages: {primary: {service: {car_general: {mean: 45 s}}}}"),
        ("more_demand", "streams: {car_general: {arrivals: {per_day: 1800}}}"),
    ):
        path = folder / f"{name}.yaml"
        path.write_text(f"extends: {EXAMPLE}\nname: {name}\n{change}\n", encoding="utf-8")
        alternatives.append(path)
    directory = tmp_path_factory.mktemp("comparison")
    write_real_comparison(compare(EXAMPLE, *alternatives, replications=2), directory)
    return directory


@pytest.fixture(scope="session")
def contract_comparison_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same comparison in the bare contract format, run folders named by alternative."""
    return write_comparison(
        tmp_path_factory.mktemp("contract_comparison"),
        EXAMPLE,
        {"faster_primary": [f"{SERVICE}=45 s"], "more_demand": [f"{DEMAND}=1800"]},
    )


def _sweep(tmp_path_factory: pytest.TempPathFactory, name: str, **experiment) -> Path:
    directory = tmp_path_factory.mktemp(name)
    sweep({"scenario": str(EXAMPLE), "replications": 2, **experiment}, output=directory)
    return directory


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``borderflow sweep``: a grid of 3 inspection times x 2 demands."""
    return _sweep(
        tmp_path_factory, "sweep", vary={SERVICE: ["45 s", "60 s", "75 s"], DEMAND: [1500, 1800]}
    )


@pytest.fixture(scope="session")
def lhs_sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``borderflow sweep``: a Latin hypercube of 10 points over the same two parameters."""
    return _sweep(
        tmp_path_factory,
        "lhs",
        design="lhs",
        n=10,
        vary={SERVICE: {"from": "40 s", "to": "80 s"}, DEMAND: {"from": 1200, "to": 2000}},
    )


@pytest.fixture(scope="session")
def oat_sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``borderflow sweep``: one parameter at a time, three parameters."""
    return _sweep(
        tmp_path_factory,
        "oat",
        design="one_at_a_time",
        vary={SERVICE: ["45 s", "60 s", "75 s"], DEMAND: [1200, 1500, 1800], SENTRI: [300, 700]},
    )


@pytest.fixture(scope="session")
def contract_sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The grid sweep in the bare contract format (no sweep.json)."""
    return write_sweep(
        tmp_path_factory.mktemp("contract_sweep"),
        EXAMPLE,
        {SERVICE: ["45 s", "60 s", "75 s"], DEMAND: ["1500", "1800"]},
    )
