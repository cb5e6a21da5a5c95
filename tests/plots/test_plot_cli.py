"""``borderflow plot``, ``borderflow report`` and ``run --plot`` from the command line."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from plot_helpers import EXAMPLE

from borderflow.cli import main

RUN_FIGURES = [
    "demand_capacity",
    "queue_by_hour",
    "utilization",
    "wait_by_hour",
    "wait_distribution",
]
SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF"}


def cli(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def copy(directory: Path, tmp_path: Path) -> Path:
    target = tmp_path / directory.name
    shutil.copytree(directory, target)
    return target


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_plot_a_run_writes_the_five_figures(run_dir: Path, tmp_path: Path, fmt: str) -> None:
    directory = copy(run_dir, tmp_path)
    code, out, err = cli("plot", directory, "--format", fmt)
    assert code == 0, err
    files = sorted((directory / "plots").iterdir())
    assert [f.stem for f in files] == RUN_FIGURES
    for f in files:
        assert f.suffix == f".{fmt}"
        assert f.read_bytes().startswith(SIGNATURES[fmt])
    assert f"to {directory / 'plots'}" in out


def test_plot_a_comparison_and_a_sweep(
    comparison_dir: Path, sweep_dir: Path, tmp_path: Path
) -> None:
    directory = copy(comparison_dir, tmp_path)
    assert cli("plot", directory)[0] == 0
    assert sorted(f.name for f in (directory / "plots").iterdir()) == [
        "comparison_changes.png",
        "comparison_wait_by_hour.png",
    ]
    directory = copy(sweep_dir, tmp_path)
    code, _, err = cli(
        "plot",
        directory,
        "--metric",
        "wait_mean_min",
        "--stream",
        "all",
        "--stream",
        "car_general",
        "--target",
        "2",
    )
    assert code == 0, err
    assert sorted(f.name for f in (directory / "plots").iterdir()) == [
        "sweep_map_wait_mean_min_all.png",
        "sweep_map_wait_mean_min_car_general.png",
        "sweep_wait_mean_min_all.png",
        "sweep_wait_mean_min_car_general.png",
    ]


def test_plot_refuses_a_directory_without_results(tmp_path: Path) -> None:
    code, out, err = cli("plot", tmp_path)
    assert code == 2 and out == ""
    assert "holds no borderflow run, comparison, sweep or staffing" in err
    code, _, err = cli("plot", tmp_path / "missing")
    assert code == 2 and "no such directory" in err
    code, _, err = cli("report", tmp_path)
    assert code == 2 and "holds no borderflow run" in err
    assert not (tmp_path / "report.html").exists()


def test_plot_an_unknown_stream_of_a_sweep(sweep_dir: Path) -> None:
    code, _, err = cli("plot", sweep_dir, "--stream", "bus")
    assert code == 2
    assert "no stream 'bus' in results.csv (streams: car_general, car_sentri, all)" in err


def test_report_command(run_dir: Path, tmp_path: Path) -> None:
    directory = copy(run_dir, tmp_path)
    code, out, _ = cli("report", directory)
    assert code == 0
    assert out.strip() == f"wrote {directory / 'report.html'}"
    assert "<img" in (directory / "report.html").read_text(encoding="utf-8")


def test_run_with_plot(tmp_path: Path) -> None:
    code, out, err = cli("run", EXAMPLE, "-r", "1", "-j", "1", "-o", tmp_path / "out", "--plot")
    assert code == 0, err
    assert sorted(f.stem for f in (tmp_path / "out" / "plots").iterdir()) == RUN_FIGURES
    assert "wait_by_hour.png" in out
    code, _, err = cli("run", EXAMPLE, "-r", "1", "-j", "1", "--plot")
    assert code == 2 and "--plot: needs -o DIR" in err


def test_compare_and_sweep_with_plot(tmp_path: Path) -> None:
    alternative = tmp_path / "faster.yaml"
    alternative.write_text(
        f"extends: {EXAMPLE}\nname: faster\n"
        "stages: {primary: {service: {car_general: {mean: 45 s}}}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "compare"
    code, _, err = cli(
        "compare", EXAMPLE, alternative, "-r", "1", "-j", "1", "-q", "-o", out, "--plot"
    )
    assert code == 0, err
    assert sorted(f.name for f in (out / "plots").iterdir()) == [
        "comparison_changes.png",
        "comparison_wait_by_hour.png",
    ]
    code, _, err = cli("compare", EXAMPLE, alternative, "-r", "1", "-j", "1", "--plot")
    assert code == 2 and "--plot: needs -o DIR" in err

    experiment = tmp_path / "sweep.yaml"
    experiment.write_text(
        f"scenario: {EXAMPLE}\nreplications: 1\n"
        "vary:\n  streams.car_general.arrivals.per_day: [1200, 1500]\n",
        encoding="utf-8",
    )
    out = tmp_path / "sweep"
    code, _, err = cli(
        "sweep",
        experiment,
        "-j",
        "1",
        "-q",
        "-o",
        out,
        "--plot",
        "--stream",
        "car_general",
        "--metric",
        "wait_mean_min",
    )
    assert code == 0, err
    assert [f.name for f in (out / "plots").iterdir()] == ["sweep_wait_mean_min_car_general.png"]
