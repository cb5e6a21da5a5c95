"""Figures and reports of results in memory: the same as those of the directories written for them.

Each result is computed once (tiny: the example scenario cut to nine hours, two replications),
written with ``write_run`` / ``write_comparison`` / ``write_sweep``, and every figure is drawn
twice, from the result and from its directory; what was plotted (line data, bands, bar heights,
cells, texts, the number of series) must be equal.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure
from plot_helpers import DEMAND, EXAMPLE, SERVICE

from borderflow.experiments.compare import Comparison, compare, write_comparison
from borderflow.experiments.sweep import SweepResult, sweep, write_sweep
from borderflow.output import write_run
from borderflow.plots import PlotInputError, plan, run, write_plots
from borderflow.plots import compare as compare_plots
from borderflow.plots import sweep as sweeps
from borderflow.plots.io import (
    ComparisonData,
    RunData,
    SweepData,
    load,
    load_comparison,
    load_run,
    load_sweep,
)
from borderflow.report import build_report, write_report
from borderflow.runner import RunResult, SequentialRunResult
from borderflow.runner import run as run_scenario
from borderflow.runner import run as run_to_precision
from borderflow.scenario import load_scenario

SHORT = ("horizon=9 h",)
"""The example's traffic starts at 04:00: nine hours hold the whole morning peak's build-up."""


# --- what a figure plotted --------------------------------------------------------------------


def _values(array: Any) -> list[Any]:
    """An array's values, NaN as a string so that equal figures compare equal."""
    flat = np.ma.filled(np.ma.asarray(array, dtype=float), np.nan).ravel()
    return ["nan" if math.isnan(v) else float(v) for v in flat]


def plotted(figure: Figure) -> list[dict[str, Any]]:
    """What each axes of ``figure`` shows: titles and labels, ticks, the data of its lines,
    collections (bands, meshes, markers), images and patches (bars), and its texts."""
    out = []
    for ax in figure.axes:
        collections = []
        for c in ax.collections:
            paths = [_values(p.vertices) for p in c.get_paths()]
            array = c.get_array()
            offsets = c.get_offsets()
            collections.append(
                (
                    type(c).__name__,
                    c.get_gid(),
                    paths,
                    None if array is None else _values(array),
                    _values(offsets) if len(offsets) else [],
                )
            )
        legend = ax.get_legend()
        out.append(
            {
                "title": (ax.get_title("left"), ax.get_title(), ax.get_title("right")),
                "labels": (ax.get_xlabel(), ax.get_ylabel()),
                "limits": (_values(ax.get_xlim()), _values(ax.get_ylim())),
                "ticks": (
                    _values(ax.get_xticks()),
                    [t.get_text() for t in ax.get_xticklabels()],
                    _values(ax.get_yticks()),
                    [t.get_text() for t in ax.get_yticklabels()],
                ),
                "lines": [
                    (line.get_gid(), _values(line.get_xdata()), _values(line.get_ydata()))
                    for line in ax.get_lines()
                ],
                "collections": collections,
                "images": [_values(image.get_array()) for image in ax.images],
                "patches": [
                    (type(p).__name__, p.get_gid(), _values(p.get_extents().bounds))
                    for p in ax.patches
                ],
                "texts": [(t.get_text(), _values(t.get_position())) for t in ax.texts],
                "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            }
        )
    suptitle = figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""
    out.append({"suptitle": suptitle, "legends": [len(lg.get_texts()) for lg in figure.legends]})
    return out


def series(shown: list[dict[str, Any]]) -> int:
    """How many lines, collections, images and patches the axes hold together."""
    return sum(
        len(ax[kind]) for ax in shown[:-1] for kind in ("lines", "collections", "images", "patches")
    )


def assert_same_figure(draw: Callable[[Any], Figure], memory: Any, directory: Path) -> None:
    from_memory, from_directory = plotted(draw(memory)), plotted(draw(directory))
    assert series(from_memory) > 0
    assert series(from_memory) == series(from_directory)
    assert from_memory == from_directory


# --- a run ----------------------------------------------------------------------------------


def _small_run(traced: bool, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """A run in memory and the directory ``borderflow run -o`` (``--trace``) writes for it."""
    result = run_scenario(EXAMPLE, replications=2, overrides=SHORT, trace=traced)
    directory = tmp_path_factory.mktemp("traced" if traced else "run") / "example"
    write_run(result, directory, trace=traced)
    return result, directory


@pytest.fixture(scope="module", params=[False, True], ids=["untraced", "traced"])
def small_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[RunResult, Path]:
    """A run, without and with ``trace.csv`` (the wait distribution differs)."""
    return _small_run(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def traced_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """A run with ``trace.csv``, for what draws every figure (a few seconds each time)."""
    return _small_run(True, tmp_path_factory)


RUN_FIGURES = [
    run.hourly_wait,
    run.wait_distribution,
    run.queue_by_hour,
    run.utilization_heatmap,
    run.demand_capacity,
]


@pytest.mark.parametrize("draw", RUN_FIGURES, ids=lambda f: f.__name__)
def test_a_run_in_memory_draws_the_figures_of_its_directory(
    small_run: tuple[RunResult, Path], draw: Callable[[Any], Figure]
) -> None:
    result, directory = small_run
    assert_same_figure(draw, result, directory)


def test_a_run_in_memory_reads_as_its_directory(small_run: tuple[RunResult, Path]) -> None:
    result, directory = small_run
    memory, disk = load_run(result), load_run(directory)
    assert memory.directory is None and disk.directory == directory
    assert memory.meta == disk.meta
    assert memory.summary_rows == disk.summary_rows
    assert memory.hourly_rows == disk.hourly_rows
    assert memory.lane_rows == disk.lane_rows
    assert memory.streams == disk.streams and memory.lane_groups == disk.lane_groups
    assert memory.summary == disk.summary
    memory_waits, disk_waits = memory.trace_waits(), disk.trace_waits()
    if disk_waits is None:
        assert memory_waits is None
    else:
        assert memory_waits is not None and memory_waits.keys() == disk_waits.keys()
        for stream, waits in disk_waits.items():
            np.testing.assert_array_equal(memory_waits[stream], waits)


def test_a_sequential_run_in_memory_is_a_run(tmp_path: Path) -> None:
    result = run_to_precision(
        EXAMPLE, replications=2, overrides=SHORT, precision=0.5, max_replications=3
    )
    assert isinstance(result, SequentialRunResult)
    write_run(result, tmp_path)
    assert isinstance(load(result), RunData)
    assert_same_figure(run.hourly_wait, result, tmp_path)


def test_write_plots_of_a_run_in_memory_writes_the_files_of_its_directory(
    traced_run: tuple[RunResult, Path], tmp_path: Path
) -> None:
    result, directory = traced_run
    written, notes = write_plots(result, tmp_path / "memory")
    expected, expected_notes = write_plots(directory, tmp_path / "directory")
    assert [p.name for p in written] == [p.name for p in expected]
    assert all(p.parent == tmp_path / "memory" for p in written)
    assert notes == expected_notes
    for mine, theirs in zip(written, expected, strict=True):
        assert mine.read_bytes() == theirs.read_bytes(), mine.name


def test_write_plots_of_a_result_in_memory_needs_a_folder(
    traced_run: tuple[RunResult, Path],
) -> None:
    result, _ = traced_run
    with pytest.raises(TypeError, match="out_dir is required for a result in memory"):
        write_plots(result)
    with pytest.raises(TypeError, match="out_dir is required"):
        write_plots(load_run(result))


def test_write_plots_of_a_directory_still_defaults_to_its_plots_folder(
    small_comparison: tuple[Comparison, Path], tmp_path: Path
) -> None:
    directory = tmp_path / "comparison"
    shutil.copytree(small_comparison[1], directory)
    written, _ = write_plots(directory, fmt="svg")
    assert len(written) == 2 and all(p.parent == directory / "plots" for p in written)
    assert all(p.suffix == ".svg" for p in written)
    written, _ = write_plots(load(directory), fmt="svg")  # its data knows the directory
    assert len(written) == 2 and all(p.parent == directory / "plots" for p in written)
    written, _ = write_plots(directory, None, "pdf")
    assert all(p.parent == directory / "plots" and p.suffix == ".pdf" for p in written)


def test_write_plots_refuses_what_it_cannot_plot(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="expected a run, comparison, sweep or staffing directory"):
        write_plots(42, tmp_path)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not dict"):
        run.hourly_wait({"summary": []})  # type: ignore[arg-type]
    with pytest.raises(PlotInputError, match="unknown format"):
        write_plots(tmp_path, fmt="gif")


def test_the_report_of_a_run_in_memory_is_that_of_its_directory(
    traced_run: tuple[RunResult, Path], tmp_path: Path
) -> None:
    result, directory = traced_run
    path = write_report(result, tmp_path / "report.html")
    assert path == tmp_path / "report.html"
    mine = path.read_text(encoding="utf-8")
    theirs = build_report(directory)
    assert _without_header(mine) == _without_header(theirs)
    assert "From example.yaml" in mine  # no directory: named after its scenario file
    with pytest.raises(TypeError, match="output is required for a result in memory"):
        write_report(result)


def _without_header(html: str) -> str:
    """A report without the line that names its source and the time it was made."""
    start = html.index('<div class="muted">From ')
    return html[:start] + html[html.index("</div></header>", start) :]


# --- a comparison ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_comparison(tmp_path_factory: pytest.TempPathFactory) -> tuple[Comparison, Path]:
    """A comparison of faster primary inspection with the base, and the directory that
    ``borderflow compare -o`` writes for it."""
    base = load_scenario(EXAMPLE, SHORT)
    faster = load_scenario(EXAMPLE, (*SHORT, "name=Faster primary", f"{SERVICE}=45 s"))
    comparison = compare(base, faster, replications=2)
    directory = tmp_path_factory.mktemp("comparison")
    write_comparison(comparison, directory)
    return comparison, directory


@pytest.mark.parametrize(
    "draw",
    [compare_plots.hourly_wait_comparison, compare_plots.metric_changes],
    ids=lambda f: f.__name__,
)
def test_a_comparison_in_memory_draws_the_figures_of_its_directory(
    small_comparison: tuple[Comparison, Path], draw: Callable[[Any], Figure]
) -> None:
    comparison, directory = small_comparison
    assert_same_figure(draw, comparison, directory)


def test_a_comparison_in_memory_reads_as_its_directory(
    small_comparison: tuple[Comparison, Path],
) -> None:
    comparison, directory = small_comparison
    memory, disk = load_comparison(comparison), load_comparison(directory)
    assert isinstance(load(comparison), ComparisonData)
    assert memory.rows == disk.rows
    assert memory.scenarios == disk.scenarios == ["Faster primary"]
    assert memory.base is not None and disk.base is not None
    assert memory.base.hourly_rows == disk.base.hourly_rows
    assert memory.alternatives.keys() == disk.alternatives.keys()
    assert memory.documents == disk.documents
    plans = plan(comparison), plan(directory)
    assert [f.name for f in plans[0].figures] == [f.name for f in plans[1].figures]
    assert plans[0].notes == plans[1].notes


def test_an_alternative_with_the_base_scenario_name_reads_from_its_own_folder(
    tmp_path: Path,
) -> None:
    # loaded scenarios are labelled by their name: here the alternative's is the base's too
    base = load_scenario(EXAMPLE, SHORT)
    more = load_scenario(EXAMPLE, (*SHORT, f"{DEMAND}=1800"))
    comparison = compare(base, more, replications=2)
    assert comparison.labels == [base.name, base.name]
    write_comparison(comparison, tmp_path)
    memory, disk = load_comparison(comparison), load_comparison(tmp_path)
    assert disk.base is not None and memory.base is not None
    assert disk.base.directory == tmp_path / "base"
    assert disk.base.hourly_rows == memory.base.hourly_rows
    assert disk.alternatives[base.name].hourly_rows == memory.alternatives[base.name].hourly_rows
    assert_same_figure(compare_plots.hourly_wait_comparison, comparison, tmp_path)


def test_the_report_of_a_comparison_in_memory_is_that_of_its_directory(
    small_comparison: tuple[Comparison, Path], tmp_path: Path
) -> None:
    comparison, directory = small_comparison
    mine = write_report(comparison, tmp_path / "comparison.html").read_text(encoding="utf-8")
    assert _without_header(mine) == _without_header(build_report(directory))


# --- a sweep --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[SweepResult, Path]:
    """A grid of 2 inspection times x 2 demands, and the directory that ``borderflow sweep -o``
    writes for it."""
    experiment = {
        "scenario": str(EXAMPLE),
        "replications": 2,
        "set": {"horizon": "9 h"},
        "vary": {SERVICE: ["45 s", "75 s"], DEMAND: [1200, 1800]},
    }
    result = sweep(experiment)
    directory = tmp_path_factory.mktemp("sweep")
    write_sweep(result, directory)
    return result, directory


@pytest.mark.parametrize(
    "draw",
    [
        lambda s: sweeps.sweep_lines(s, "wait_mean_min", "car_general"),
        lambda s: sweeps.sweep_heatmap(s, "wait_p95_min", "all", target=5),
    ],
    ids=["sweep_lines", "sweep_heatmap"],
)
def test_a_sweep_in_memory_draws_the_figures_of_its_directory(
    small_sweep: tuple[SweepResult, Path], draw: Callable[[Any], Figure]
) -> None:
    result, directory = small_sweep
    assert_same_figure(draw, result, directory)


def test_a_sweep_in_memory_reads_as_its_directory(small_sweep: tuple[SweepResult, Path]) -> None:
    result, directory = small_sweep
    memory, disk = load_sweep(result), load_sweep(directory)
    assert isinstance(load(result), SweepData)
    assert memory.points == disk.points
    assert memory.parameters == disk.parameters == [SERVICE, DEMAND]
    assert memory.rows == disk.rows
    assert memory.meta == disk.meta and memory.design == "grid"


def test_write_plots_and_report_of_a_sweep_in_memory(
    small_sweep: tuple[SweepResult, Path], tmp_path: Path
) -> None:
    result, directory = small_sweep
    written, notes = write_plots(result, tmp_path / "plots", metric="wait_mean_min")
    expected, expected_notes = write_plots(directory, tmp_path / "dir", metric="wait_mean_min")
    assert [p.name for p in written] == [p.name for p in expected] != []
    assert notes == expected_notes
    mine = write_report(result, tmp_path / "sweep.html").read_text(encoding="utf-8")
    assert _without_header(mine) == _without_header(build_report(directory))
