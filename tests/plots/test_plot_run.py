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
from borderflow.output import write_run
from borderflow.plots import PlotInputError, plan, run
from borderflow.plots.style import STREAM_PALETTE, stream_colors, stream_label

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
    assert legend[:2] == ["General cars", "SENTRI cars"] and "95th percentile" in legend


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
        assert f"{stream_label(stream)} (n={entities:,.0f})" in labels


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
    titles = ["Primary inspection", "Secondary inspection"]
    assert [ax.get_title(loc="left") for ax in figure.axes] == titles
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
    groups = ["General lanes (cars)", "SENTRI lanes (cars)", "Bays (cars) · Secondary inspection"]
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
        assert ax.get_ylabel() == "Booth-hours per hour"  # work and capacity alike
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


RUN_FIGURES = [
    "wait_by_hour",
    "wait_distribution",
    "queue_by_hour",
    "utilization",
    "demand_capacity",
    "lanes_needed",
]


def test_plan_lists_the_run_figures(run_dir: Path, traced_run_dir: Path) -> None:
    planned = plan(run_dir)
    assert planned.kind == "run"
    assert [f.name for f in planned.figures] == RUN_FIGURES
    assert "need trace.csv" in planned.notes[0]
    traced = plan(traced_run_dir)
    assert [f.name for f in traced.figures] == [*RUN_FIGURES, "share_waiting_over", "input_output"]


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
        "assert len(figures) == 6\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    # the child imports the borderflow under test, wherever it is imported from here
    source = str(Path(borderflow.__file__).resolve().parents[1])
    env = {"MPLBACKEND": "", "PATH": "", "DISPLAY": "", "PYTHONPATH": source}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr


def trace_rows(directory: Path) -> list[dict[str, str]]:
    return rows(directory / "trace.csv")


def test_share_waiting_over_is_counted_from_the_trace(traced_run_dir: Path, run_dir: Path) -> None:
    figure = run.share_waiting_over(traced_run_dir, thresholds=(2.0, 5.0))
    for ax, threshold in zip(figure.axes, (2.0, 5.0), strict=True):
        drawn = lines(ax, f"over{threshold:g}")
        for stream, line in drawn.items():
            waits: dict[int, list[float]] = defaultdict(list)
            for row in trace_rows(traced_run_dir):
                if row["stream"] == stream and float(row["arrival_min"]) < 12 * 60:
                    wait = float(row["primary.start_min"]) - float(row["arrival_min"])
                    waits[int(float(row["arrival_min"]) // 60)].append(wait)
            want = [
                100 * np.mean(np.array(waits[h]) > threshold) if waits[h] else math.nan
                for h in range(12)
            ]
            np.testing.assert_allclose(line.get_ydata()[:12], want, equal_nan=True)
        assert ax.get_ylabel() == "Share of travellers (%)"
    with pytest.raises(PlotInputError, match="trace.csv"):
        run.share_waiting_over(run_dir)  # no trace.csv


def test_input_output_counts_arrivals_and_inspections_started(traced_run_dir: Path) -> None:
    figure = run.input_output(traced_run_dir)
    ax = [a for a in figure.axes if a.get_visible()][0]
    stream = lines(ax, "arrivals")
    (name,) = [s for s in stream]
    mine = [
        r for r in trace_rows(traced_run_dir) if r["replication"] == "0" and r["stream"] == name
    ]
    arrived = lines(ax, "arrivals")[name].get_ydata()
    started = lines(ax, "started")[name].get_ydata()
    assert arrived[-1] == len(mine)  # every arrival of the 12 counted hours
    assert started[-1] == sum(float(r["primary.start_min"]) < 12 * 60 for r in mine)
    assert (np.diff(arrived) >= 0).all() and (np.diff(started) >= 0).all()


def test_lanes_needed_divides_the_work_by_what_an_open_lane_inspects(run_dir: Path) -> None:
    figure = run.lanes_needed(run_dir)
    meta = json.loads((run_dir / "run.json").read_text())
    scenario = borderflow.load_scenario(meta["scenario"])
    load = [r for r in hourly_load(scenario) if r.stage == "primary" and r.groups == ("general",)]
    load.sort(key=lambda r: r.hour)
    ax = [a for a in figure.axes if a.get_visible()][0]
    drawn = {line.get_gid(): line for line in ax.get_lines()}
    opened = [scenario.stages["primary"].lanes["general"].open_at(r.hour) for r in load]
    np.testing.assert_allclose(drawn["open:primary/general"].get_ydata()[:24], opened)
    needed = drawn["needed:primary/general"].get_ydata()[:24]
    for r, n, o in zip(load, needed, opened, strict=True):
        per_lane = r.capacity / o  # one open lane: two stacked booths, as booth-equivalents
        assert n == math.ceil(r.offered_load / per_lane - 1e-9)
        assert n * per_lane >= r.offered_load  # enough lanes to keep up, and no more
        assert (n - 1) * per_lane < r.offered_load or n == 0
    planned = drawn["planned:primary/general"].get_ydata()[:24]
    assert (planned >= needed).all()
    assert ax.get_ylabel() == "Lanes"


def test_observed_waits_against_simulated_with_the_cbp_options(
    run_dir: Path, tmp_path: Path
) -> None:
    observed = tmp_path / "observed.csv"
    lines_ = ["month,weekday,hour,pov_general_min,pov_sentri_min"]
    for weekday in (0, 1, 5):
        for hour in range(24):
            general = 10 + hour if weekday < 5 else 99
            sentri = 0 if hour == 3 else 6  # a zero is an hour with no report
            lines_.append(f"1,{weekday},{hour},{general},{sentri}")
    observed.write_text("\n".join(lines_) + "\n", encoding="utf-8")
    figure = run.observed_waits(run_dir, str(observed), offset_min=5, weekdays=(0, 1))
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left").split(" · ")[0] for ax in panels] == [
        "General cars",
        "SENTRI cars",
    ]
    general = lines(panels[0], "observed")["car_general"].get_ydata()
    np.testing.assert_allclose(general, np.arange(24) + 10 - 5)  # weekend rows left out
    sentri = lines(panels[1], "observed")["car_sentri"].get_ydata()
    assert math.isnan(sentri[3]) and sentri[4] == 1.0
    simulated = lines(panels[0], "simulated")["car_general"]
    expected = hourly_means(run_dir / "hourly.csv", "stream", "wait_mean_min")["car_general"]
    np.testing.assert_allclose(
        simulated.get_ydata(), [expected[h] for h in sorted(expected)], equal_nan=True
    )
    # CBP reports at the hour the booth is reached: each hour moves right by its mean wait
    later = run.observed_waits(run_dir, str(observed), reporting="booth")
    moved = lines(later.axes[0], "simulated")["car_general"].get_xdata()
    shifted = [(h + 0.5 + np.nan_to_num(expected[h]) / 60) % 24 for h in sorted(expected)]
    assert sorted(moved) == pytest.approx(sorted(shifted))
    # the no-queue offset by column: SENTRI's readers show less than the general lanes'
    by_column = run.observed_waits(
        run_dir, str(observed), offset_min={"": 5, "pov_sentri_min": 1}, weekdays=(0, 1)
    )
    assert lines(by_column.axes[1], "observed")["car_sentri"].get_ydata()[4] == 5.0
    assert lines(by_column.axes[0], "observed")["car_general"].get_ydata()[0] == 5.0
    from borderflow.arguments import _offsets

    assert _offsets("5") == 5.0 and _offsets("5,ped_ready_min=1.3") == {"": 5, "ped_ready_min": 1.3}
    planned = plan(run_dir, observed=str(observed))
    assert planned.figures[-1].name == "observed_waits"


def test_queue_lines_of_one_panel_never_share_a_colour(tmp_path: Path) -> None:
    from plot_helpers import EXAMPLE

    from borderflow.output import write_run
    from borderflow.runner import run as simulate

    # two general groups serving the same stream at one stage: once both orange
    result = simulate(
        EXAMPLE,
        replications=1,
        overrides=["stages.primary.lanes.general_single={lanes: 1, serves: [car_general]}"],
    )
    write_run(result, tmp_path)
    figure = run.queue_by_hour(tmp_path)
    primary = figure.axes[0]
    colours = [line.get_color() for line in lines(primary, "queue_mean").values()]
    assert len(colours) == 3 and len(set(colours)) == 3


def test_storage_by_hour_draws_the_longest_lines_against_the_storage(
    tmp_path: Path, run_dir: Path
) -> None:
    """A tandem whose dock holds 3 trucks: the dock panel draws the hourly maximum of
    ``lanes_hourly.csv`` under a dashed line at 3, and the last panel the booth-hours blocked
    at the booth; the figure is only planned for a run with storage."""
    data = {
        "name": "tandem",
        "horizon": "12 h",
        "replications": 2,
        "streams": {
            "truck": {"mode": "truck", "arrivals": {"per_hour": 40}, "route": ["booth", "dock"]}
        },
        "stages": {
            "booth": {
                "lanes": {"booth": {"lanes": 1}},
                "service": {"default": {"dist": "exponential", "mean": "1.2 min"}},
            },
            "dock": {
                "storage": 3,
                "lanes": {"dock": {"lanes": 1}},
                "service": {"default": {"dist": "exponential", "mean": "1.6 min"}},
            },
        },
    }
    write_run(borderflow.run(borderflow.load_scenario(data), seed=4), tmp_path)
    figure = run.storage_by_hour(tmp_path)
    dock, blocked = figure.axes
    assert dock.get_title(loc="left") == "Dock"
    (limit,) = lines(dock, "storage").values()
    assert limit.get_ydata()[0] == 3
    peaks = hourly_means(tmp_path / "lanes_hourly.csv", ("stage", "lane_group"), "queue_max")
    line = lines(dock, "queue_peak")["dock/dock"]
    np.testing.assert_allclose(line.get_ydata(), [peaks[("dock", "dock")][h] for h in range(12)])
    assert max(line.get_ydata()) <= 3
    held = hourly_means(
        tmp_path / "lanes_hourly.csv", ("stage", "lane_group"), "blocked_booth_hours"
    )
    step = lines(blocked, "blocked")["booth"]
    np.testing.assert_allclose(step.get_ydata(), [held[("booth", "booth")][h] for h in range(12)])
    assert sum(step.get_ydata()) > 0
    names = [f.name for f in plan(tmp_path).figures]
    assert "storage_by_hour" in names
    assert "storage_by_hour" not in [f.name for f in plan(run_dir).figures]
