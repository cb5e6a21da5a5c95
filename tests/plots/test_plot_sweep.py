"""The figures of a sweep, checked against points.csv and results.csv."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from plot_helpers import DEMAND, SERVICE

from borderflow.plots import PlotInputError, plan, sweep


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def means(directory: Path, stream: str, metric: str) -> dict[tuple[str, str], float]:
    """(service, demand) as written -> mean of the metric."""
    points = {r["point"]: (r[SERVICE], r[DEMAND]) for r in rows(directory / "points.csv")}
    return {
        points[r["point"]]: float(r["mean"])
        for r in rows(directory / "results.csv")
        if r["stream"] == stream and r["metric"] == metric
    }


@pytest.mark.parametrize("layout", ["sweep_dir", "contract_sweep_dir"])
def test_sweep_lines_one_line_per_value_of_the_second_parameter(layout: str, request) -> None:
    sweep_dir = request.getfixturevalue(layout)
    figure = sweep.sweep_lines(sweep_dir, "wait_mean_min", "car_general")
    (ax,) = figure.axes
    assert ax.get_xlabel() == "Primary inspection time of general cars (s)"
    assert ax.get_ylabel() == "Mean wait (min)"
    assert ax.get_legend().get_title().get_text() == "General cars a day"
    drawn = {line.get_gid(): line for line in ax.get_lines()}
    assert set(drawn) == {"line:1500.0", "line:1800.0"}
    want = means(sweep_dir, "car_general", "wait_mean_min")
    for demand in ("1500", "1800"):
        line = drawn[f"line:{float(demand)}"]
        np.testing.assert_allclose(line.get_xdata(), [45, 60, 75])
        np.testing.assert_allclose(
            line.get_ydata(), [want[(s, demand)] for s in ("45 s", "60 s", "75 s")]
        )
    bands = [c for c in ax.collections if (c.get_gid() or "").startswith("ci:")]
    assert len(bands) == 2


def cells(ax) -> np.ndarray:
    (mesh,) = [c for c in ax.collections if c.get_gid() == "cells"]
    rows, columns = len(ax.get_yticks()), len(ax.get_xticks())
    return np.ma.filled(np.asarray(mesh.get_array(), dtype=float), np.nan).reshape(rows, columns)


@pytest.mark.parametrize("layout", ["sweep_dir", "contract_sweep_dir"])
def test_sweep_map_cells_are_the_means_without_a_target(layout: str, request) -> None:
    sweep_dir = request.getfixturevalue(layout)
    want = means(sweep_dir, "all", "wait_p95_min")
    figure = sweep.sweep_heatmap(sweep_dir, "wait_p95_min", "all", target=None)
    ax = figure.axes[0]
    assert ax.get_xlabel() == "Primary inspection time of general cars (s)"
    assert ax.get_ylabel().startswith("General cars a day")
    assert figure.axes[1].get_ylabel() == "95th percentile wait (min)"
    grid = cells(ax)
    assert grid.shape == (2, 3)  # rows: demands, columns: inspection times
    for i, demand in enumerate(("1500", "1800")):
        for j, service in enumerate(("45 s", "60 s", "75 s")):
            assert grid[i, j] == pytest.approx(want[(service, demand)])


def intervals(directory: Path, stream: str, metric: str) -> dict[tuple[str, str], tuple]:
    points = {r["point"]: (r[SERVICE], r[DEMAND]) for r in rows(directory / "points.csv")}
    return {
        points[r["point"]]: (float(r["ci_low"]), float(r["ci_high"]))
        for r in rows(directory / "results.csv")
        if r["stream"] == stream and r["metric"] == metric
    }


@pytest.mark.parametrize("layout", ["sweep_dir", "contract_sweep_dir"])
def test_sweep_map_marks_each_cell_met_not_met_or_undecided_by_its_interval(
    layout: str, request
) -> None:
    sweep_dir = request.getfixturevalue(layout)
    ci = intervals(sweep_dir, "car_general", "wait_p95_min")
    target = float(np.median([(a + b) / 2 for a, b in ci.values()]))
    figure = sweep.sweep_heatmap(sweep_dir, "wait_p95_min", "car_general", target=target)
    ax = figure.axes[0]
    assert not [c for c in ax.collections if c.get_gid() == "target"]  # no contour
    grid = cells(ax)
    codes = {"met": 0, "undecided": 1, "not met": 2}
    seen = set()
    for i, demand in enumerate(("1500", "1800")):
        for j, service in enumerate(("45 s", "60 s", "75 s")):
            low, high = ci[(service, demand)]
            verdict = "met" if high < target else "not met" if low > target else "undecided"
            assert grid[i, j] == codes[verdict], (service, demand)
            seen.add(verdict)
    assert "met" in seen and len(seen) >= 2  # the median target splits the points
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert any(t.startswith("met: whole 95% CI below") for t in legend)


def test_sweep_map_with_a_target_above_every_point_marks_all_met(sweep_dir: Path) -> None:
    figure = sweep.sweep_heatmap(sweep_dir, "wait_p95_min", "all", target=10_000)
    assert (cells(figure.axes[0]) == 0).all()
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend[0].endswith("(6)") and legend[2].endswith("(0)")


def test_tornado_bars_span_each_parameters_range(oat_sweep_dir: Path, sweep_dir: Path) -> None:
    figure = sweep.tornado(oat_sweep_dir, "wait_mean_min", "all")
    (ax,) = figure.axes
    points = {r["point"]: r for r in rows(oat_sweep_dir / "points.csv")}
    results = {
        r["point"]: float(r["mean"])
        for r in rows(oat_sweep_dir / "results.csv")
        if r["stream"] == "all" and r["metric"] == "wait_mean_min"
    }
    base = {SERVICE: "60 s", DEMAND: "1500", "streams.car_sentri.arrivals.per_day": "500"}
    bars = {p.get_gid(): p for p in ax.patches}
    widths = []
    for parameter in base:
        chosen = [
            results[k]
            for k, p in points.items()
            if all(p[q] == v for q, v in base.items() if q != parameter)
        ]
        bar = bars[f"bar:{parameter}"]
        assert bar.get_x() == pytest.approx(min(chosen))
        assert bar.get_width() == pytest.approx(max(chosen) - min(chosen))
        widths.append((bar.get_width(), bar.get_y()))
    # the widest swing is drawn on top (the y axis runs downwards)
    assert sorted(widths, reverse=True) == sorted(widths, key=lambda w: w[1])
    with pytest.raises(PlotInputError, match="one-at-a-time"):
        sweep.tornado(sweep_dir)  # a grid


def test_plan_of_a_sweep_defaults_to_p95_wait_of_the_stream_it_changes_most(
    sweep_dir: Path,
) -> None:
    planned = plan(sweep_dir)
    assert planned.kind == "sweep"
    data = planned.data
    spread = {
        s: np.ptp([e.mean for e in data.result(s, "wait_p95_min").values()])
        for s in data.streams
        if s != "all"
    }
    widest = max(spread, key=spread.get)
    assert widest == "car_general"  # the sweep varies general-lane inspection and demand
    assert spread["car_general"] > spread["car_sentri"]
    assert [f.name for f in planned.figures] == [
        f"sweep_wait_p95_min_{widest}",
        f"sweep_map_wait_p95_min_{widest}",
    ]
    assert planned.options["streams"] == [widest]
    assert [f.name for f in plan(sweep_dir, streams=["all"]).figures] == [
        "sweep_wait_p95_min_all",
        "sweep_map_wait_p95_min_all",
    ]
    with pytest.raises(PlotInputError, match="no stream 'bus'"):
        plan(sweep_dir, streams=["bus"])
    with pytest.raises(PlotInputError, match="no metric 'nope'"):
        plan(sweep_dir, metric="nope")


def write(path: Path, text: str) -> None:
    path.write_text(text.strip() + "\n", encoding="utf-8")


def test_three_parameters_one_figure_per_value_of_the_third(tmp_path: Path) -> None:
    """A small hand-written sweep: categorical values and a third parameter."""
    points = ["point,a.b,mode,c.d"]
    results = ["point,stream,metric,mean,ci_low,ci_high,replications"]
    n = 0
    for a in ("1", "2"):
        for mode in ("x", "y"):
            for c in ("10", "20"):
                points.append(f"p{n},{a},{mode},{c}")
                results.append(f"p{n},all,wait_mean_min,{n},{n - 1},{n + 1},3")
                n += 1
    write(tmp_path / "points.csv", "\n".join(points))
    write(tmp_path / "results.csv", "\n".join(results))
    planned = plan(tmp_path, metric="wait_mean_min")
    assert [f.name for f in planned.figures] == [
        "sweep_wait_mean_min_all_1",
        "sweep_map_wait_mean_min_all_1",
        "sweep_wait_mean_min_all_2",
        "sweep_map_wait_mean_min_all_2",
    ]
    figure = sweep.sweep_lines(tmp_path, "wait_mean_min")  # c.d held at its first value
    assert "c.d = 10" in figure.axes[0].get_title(loc="left")
    np.testing.assert_allclose(figure.axes[0].get_lines()[0].get_ydata(), [0, 4])
    figure = sweep.sweep_lines(tmp_path, "wait_mean_min", fixed={"c.d": "20"})
    (ax,) = figure.axes
    assert "c.d = 20" in ax.get_title(loc="left")
    drawn = {line.get_gid(): line for line in ax.get_lines()}
    assert set(drawn) == {"line:x", "line:y"}
    np.testing.assert_allclose(drawn["line:x"].get_ydata(), [1, 5])  # points p1 and p5
    figure = sweep.sweep_heatmap(tmp_path, "wait_mean_min", target=None, fixed={"c.d": "10"})
    np.testing.assert_allclose(cells(figure.axes[0]), [[0, 4], [2, 6]])
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["x", "y"]


def test_one_parameter_gives_the_line_and_no_heatmap(tmp_path: Path) -> None:
    write(tmp_path / "points.csv", "point,k\np0,1\np1,2\np2,3")
    write(
        tmp_path / "results.csv",
        "point,stream,metric,mean,ci_low,ci_high,replications\n"
        + "\n".join(f"p{i},all,wait_p95_min,{i * 10},,,1" for i in range(3)),
    )
    planned = plan(tmp_path)
    assert [f.name for f in planned.figures] == ["sweep_wait_p95_min_all"]
    assert planned.notes == ["heatmap left out: the sweep varies one parameter"]
    (ax,) = planned.figures[0].draw().axes
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0, 10, 20])
    with pytest.raises(PlotInputError, match="needs two swept parameters"):
        sweep.sweep_heatmap(tmp_path)


def test_a_latin_hypercube_is_drawn_point_by_point(lhs_sweep_dir: Path) -> None:
    want = means(lhs_sweep_dir, "all", "wait_mean_min")
    figure = sweep.sweep_lines(lhs_sweep_dir, "wait_mean_min")
    ax = figure.axes[0]
    (dots,) = [c for c in ax.collections if c.get_gid() == "points"]
    drawn = sorted(map(tuple, dots.get_offsets()))
    expected = sorted((float(s.split()[0]), m) for (s, _), m in want.items())
    np.testing.assert_allclose(drawn, expected)
    assert "each of the 10 points" in ax.get_title(loc="left")
    assert figure.axes[1].get_ylabel() == "General cars a day"  # colour bar
    values = sorted(want.values())
    target = (values[2] + values[-3]) / 2
    figure = sweep.sweep_heatmap(lhs_sweep_dir, "wait_mean_min", target=target)
    ax = figure.axes[0]
    (dots,) = [c for c in ax.collections if c.get_gid() == "points"]
    np.testing.assert_allclose(sorted(dots.get_array()), values)
    assert len([c for c in ax.collections if c.get_gid() == "target"]) == 1


def test_one_at_a_time_one_line_per_parameter_others_at_the_baseline(oat_sweep_dir: Path) -> None:
    planned = plan(oat_sweep_dir, metric="wait_mean_min", streams=["all"])
    assert [f.name for f in planned.figures][0] == "tornado_wait_mean_min_all"
    assert len(planned.figures) == 4  # the tornado, then one line figure per parameter
    assert planned.notes == [
        "heatmap left out: a one-at-a-time sweep varies one parameter at a time"
    ]
    points = rows(oat_sweep_dir / "points.csv")
    results = {
        r["point"]: float(r["mean"])
        for r in rows(oat_sweep_dir / "results.csv")
        if r["stream"] == "all" and r["metric"] == "wait_mean_min"
    }
    figure = planned.figures[2].draw()  # the demand, the others at the scenario's values
    ax = figure.axes[0]
    # demand in the units of the change: the scenario's 1,500 cars a day is +0%
    assert ax.get_xlabel() == "General cars a day (change from the scenario's 1,500)"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["1,200\n-20%", "1,500\n+0%", "1,800\n+20%"]
    (line,) = ax.get_lines()
    chosen = [
        p
        for p in points
        if p[SERVICE] == "60 s" and p["streams.car_sentri.arrivals.per_day"] == "500"
    ]
    chosen.sort(key=lambda p: float(p[DEMAND]))
    np.testing.assert_allclose(line.get_xdata(), [float(p[DEMAND]) for p in chosen])
    np.testing.assert_allclose(line.get_ydata(), [results[p["point"]] for p in chosen])
    assert "Primary inspection time of general cars = 60 s" in ax.get_title(loc="left")
    with pytest.raises(PlotInputError, match="one parameter at a time"):
        sweep.sweep_heatmap(oat_sweep_dir)
