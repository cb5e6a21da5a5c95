"""The figures of a run, checked against the CSV files they are drawn from."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import borderflow
from borderflow.capacity import hourly_load
from borderflow.plots import PlotInputError, plan, run
from borderflow.plots.style import STREAM_PALETTE, stream_colors

STREAMS = ["car_general", "car_sentri"]


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def value(text: str) -> float:
    return math.nan if text == "" else float(text)


def hourly_means(path: Path, key: str | tuple[str, ...], column: str) -> dict:
    """key value -> {absolute hour: mean over replications of column} (NaNs left out)."""
    keys = (key,) if isinstance(key, str) else key
    values: dict = defaultdict(lambda: defaultdict(list))
    for row in rows(path):
        name = tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]
        v = value(row[column])
        values[name][int(row["day"]) * 24 + int(row["hour"])] += [] if math.isnan(v) else [v]
    return {
        name: {h: float(np.mean(v)) if v else math.nan for h, v in by_hour.items()}
        for name, by_hour in values.items()
    }


def lines(ax, prefix: str) -> dict[str, object]:
    return {
        line.get_gid().split(":", 1)[1]: line
        for line in ax.get_lines()
        if (line.get_gid() or "").startswith(prefix + ":")
    }


def test_hourly_wait_draws_the_hourly_csv_means_and_p95(run_dir: Path) -> None:
    figure = run.hourly_wait(run_dir)
    (ax,) = figure.axes
    assert ax.get_xlabel() == "Hour of arrival at the port"
    assert "(min)" in ax.get_ylabel()
    assert figure.get_suptitle() == "Wait by hour of arrival"
    means, p95s = lines(ax, "mean"), lines(ax, "p95")
    assert sorted(means) == sorted(p95s) == STREAMS
    bands = [c for c in ax.collections if (c.get_gid() or "").startswith("ci:")]
    assert len(bands) == len(STREAMS)
    expected_mean = hourly_means(run_dir / "hourly.csv", "stream", "wait_mean_min")
    expected_p95 = hourly_means(run_dir / "hourly.csv", "stream", "wait_p95_min")
    for stream in STREAMS:
        hours = sorted(expected_mean[stream])
        assert hours == list(range(12))  # the example's 12-hour horizon, empty hours included
        np.testing.assert_allclose(means[stream].get_xdata(), np.array(hours) + 0.5)
        np.testing.assert_allclose(
            means[stream].get_ydata(), [expected_mean[stream][h] for h in hours], equal_nan=True
        )
        np.testing.assert_allclose(
            p95s[stream].get_ydata(), [expected_p95[stream][h] for h in hours], equal_nan=True
        )
        assert means[stream].get_color() == p95s[stream].get_color()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == STREAMS and "95th percentile" in legend


def test_wait_distribution_from_trace_is_the_ecdf_of_every_counted_traveller(
    traced_run_dir: Path,
) -> None:
    figure = run.wait_distribution(traced_run_dir)
    (ax,) = figure.axes
    assert "(min)" in ax.get_xlabel()
    assert "Share of travellers" in ax.get_ylabel()
    curves = lines(ax, "ecdf")
    assert sorted(curves) == STREAMS
    per_replication = defaultdict(dict)
    for row in rows(traced_run_dir / "replications.csv"):
        per_replication[(row["stream"], row["metric"])][row["replication"]] = float(row["value"])
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    for stream in STREAMS:
        x, y = curves[stream].get_xdata(), curves[stream].get_ydata()
        assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) >= 0)
        assert y[0] == 0 and y[-1] == pytest.approx(1.0)
        # the longest wait in the trace is the largest of the replications' wait_max_min
        longest = max(per_replication[(stream, "wait_max_min")].values())
        assert x[-1] == pytest.approx(longest, rel=1e-9)
        # and the travellers counted are the replications' entities
        entities = sum(per_replication[(stream, "entities")].values())
        assert f"{stream} (n={entities:,.0f})" in labels


def test_wait_distribution_without_trace_shows_the_summary_percentiles(run_dir: Path) -> None:
    figure = run.wait_distribution(run_dir)
    (ax,) = figure.axes
    assert "--trace" in ax.get_title(loc="left")
    curves = lines(ax, "percentiles")
    assert sorted(curves) == STREAMS
    summary = {(r["stream"], r["metric"]): r for r in rows(run_dir / "summary.csv")}
    for stream in STREAMS:
        metrics = ["wait_p50_min", "wait_p90_min", "wait_p95_min", "wait_max_min"]
        np.testing.assert_allclose(
            curves[stream].get_xdata(), [float(summary[(stream, m)]["mean"]) for m in metrics]
        )
        np.testing.assert_allclose(curves[stream].get_ydata(), [0.5, 0.9, 0.95, 1.0])


def test_queue_by_hour_has_one_panel_per_stage_and_one_line_per_lane_group(run_dir: Path) -> None:
    figure = run.queue_by_hour(run_dir)
    assert [ax.get_title(loc="left") for ax in figure.axes] == ["primary", "secondary"]
    expected = hourly_means(run_dir / "lanes_hourly.csv", ("stage", "lane_group"), "queue_mean")
    peaks = hourly_means(run_dir / "lanes_hourly.csv", ("stage", "lane_group"), "queue_max")
    drawn = {}
    for ax in figure.axes:
        assert ax.get_ylabel() == "Travellers in line"
        drawn.update({k: (ax, line) for k, line in lines(ax, "queue_mean").items()})
        assert len(lines(ax, "queue_max")) == len(lines(ax, "queue_mean"))
    assert sorted(drawn) == ["primary/general", "primary/sentri", "secondary/bays"]
    for key, (ax, line) in drawn.items():
        stage, group = key.split("/")
        hours = sorted(expected[(stage, group)])
        np.testing.assert_allclose(line.get_ydata(), [expected[(stage, group)][h] for h in hours])
        peak = lines(ax, "queue_max")[key]
        np.testing.assert_allclose(peak.get_ydata(), [peaks[(stage, group)][h] for h in hours])
    assert figure.axes[-1].get_xlabel() == "Hour of the day"
    # a lane group serving one stream is drawn in that stream's colour
    colors = stream_colors(STREAMS)
    assert drawn["primary/general"][1].get_color() == colors["car_general"]
    assert drawn["primary/sentri"][1].get_color() == colors["car_sentri"]


def test_utilization_heatmap_cells_are_the_csv_means_with_lanes_open(run_dir: Path) -> None:
    figure = run.utilization_heatmap(run_dir)
    ax = figure.axes[0]
    groups = ["primary: general", "primary: sentri", "secondary: bays"]
    assert [t.get_text() for t in ax.get_yticklabels()] == groups
    assert "Utilisation" in figure.axes[1].get_ylabel()  # the colour bar
    assert ax.get_xlabel() == "Hour of the day"
    grid = ax.images[0].get_array()
    assert grid.shape == (3, 12)
    expected = hourly_means(run_dir / "lanes_hourly.csv", ("stage", "lane_group"), "utilization")
    for i, key in enumerate([("primary", "general"), ("primary", "sentri"), ("secondary", "bays")]):
        want = np.array([expected[key][h] for h in range(12)])
        got = np.ma.filled(grid[i].astype(float), np.nan)
        np.testing.assert_allclose(got, want, equal_nan=True)
    # the lanes open of the scenario's schedule are written in the cells
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 3 * 12
    assert texts[:12] == ["1", "1", "1", "1", "2", "3", "4", "4", "4", "3", "2", "2"]


def test_demand_capacity_draws_the_hourly_load_of_each_pool(run_dir: Path) -> None:
    figure = run.demand_capacity(run_dir)
    meta = json.loads((run_dir / "run.json").read_text())
    load = hourly_load(borderflow.load_scenario(meta["scenario"]))
    pools = list(dict.fromkeys((r.stage, r.groups) for r in load))
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert len(panels) == len(pools) == 3
    for ax, (stage, groups) in zip(panels, pools, strict=True):
        key = f"{stage}/{'+'.join(groups)}"
        drawn = {line.get_gid(): line for line in ax.get_lines()}
        assert set(drawn) == {f"demand:{key}", f"capacity:{key}"}
        hours = sorted(
            (r for r in load if (r.stage, r.groups) == (stage, groups)), key=lambda r: r.hour
        )
        np.testing.assert_allclose(
            drawn[f"demand:{key}"].get_ydata()[:24], [r.offered_load for r in hours]
        )
        np.testing.assert_allclose(
            drawn[f"capacity:{key}"].get_ydata()[:24], [r.capacity for r in hours]
        )
        assert ax.get_ylabel() == "Booths"
        assert ax.get_xlim() == (0, 24)
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert any("booth-hours per hour" in t for t in legend)
    assert any("short of lanes" in t for t in legend)


def test_stream_colours_are_fixed_distinct_and_colour_blind_safe() -> None:
    colors = stream_colors(["ped_ready", "car_general", "car_ready", "car_sentri", "ped_general"])
    again = stream_colors(["car_general", "car_ready", "car_sentri", "ped_general", "ped_ready"])
    assert colors == again  # file order does not matter
    streams = [c for s, c in colors.items() if s != "all"]
    assert len(set(streams)) == len(streams)
    assert set(streams) <= set(STREAM_PALETTE)


def test_a_stream_has_the_same_colour_in_every_figure(traced_run_dir: Path) -> None:
    hourly = lines(run.hourly_wait(traced_run_dir).axes[0], "mean")
    ecdf = lines(run.wait_distribution(traced_run_dir).axes[0], "ecdf")
    for stream in STREAMS:
        assert hourly[stream].get_color() == ecdf[stream].get_color()


def test_plan_lists_the_five_run_figures(run_dir: Path) -> None:
    planned = plan(run_dir)
    assert planned.kind == "run"
    assert [f.name for f in planned.figures] == [
        "wait_by_hour",
        "wait_distribution",
        "queue_by_hour",
        "utilization",
        "demand_capacity",
    ]


def test_a_directory_without_a_run_is_refused_with_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "summary.csv").write_text("stream,metric,mean\n")
    with pytest.raises(
        PlotInputError, match="holds no borderflow run, comparison, sweep or staffing"
    ):
        plan(tmp_path)
    with pytest.raises(PlotInputError, match="run.json, hourly.csv, lanes_hourly.csv missing"):
        run.hourly_wait(tmp_path)


def test_drawing_needs_neither_pyplot_nor_a_display(run_dir: Path) -> None:
    code = (
        "import sys, borderflow.cli, borderflow.runner, borderflow.output, borderflow.report\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported by the core'\n"
        "from borderflow.plots import plan\n"
        f"figures = [f.draw() for f in plan({str(run_dir)!r}).figures]\n"
        "assert len(figures) == 5\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    # the child imports the borderflow under test, wherever it is imported from here
    source = str(Path(borderflow.__file__).resolve().parents[1])
    env = {"MPLBACKEND": "", "PATH": "", "DISPLAY": "", "PYTHONPATH": source}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
