"""The figures of a comparison, checked against comparison.csv and the runs' hourly.csv."""

from __future__ import annotations

import csv
import math
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from borderflow.plots import PlotInputError, compare, plan
from borderflow.plots.style import NEUTRAL, stream_colors

STREAMS = ["car_general", "car_sentri"]
ALTERNATIVES = ["faster_primary", "more_demand"]


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def hourly_mean(path: Path, stream: str) -> list[float]:
    values = defaultdict(list)
    for row in rows(path):
        if row["stream"] == stream and row["wait_mean_min"]:
            values[int(row["day"]) * 24 + int(row["hour"])].append(float(row["wait_mean_min"]))
    return [float(np.mean(values[h])) if values[h] else math.nan for h in range(12)]


FOLDERS = {
    "comparison_dir": {"base": "base", **{a: f"alternatives/{a}" for a in ALTERNATIVES}},
    "contract_comparison_dir": {"base": "base", **{a: a for a in ALTERNATIVES}},
}


@pytest.mark.parametrize("layout", sorted(FOLDERS))
def test_hourly_profiles_overlay_base_and_each_alternative(layout: str, request) -> None:
    comparison_dir = request.getfixturevalue(layout)
    figure = compare.hourly_wait_comparison(comparison_dir, streams=STREAMS)
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == ["General cars", "SENTRI cars"]
    colors = stream_colors(STREAMS)
    hidden_by: dict[str, list[str]] = {}
    for ax, stream in zip(panels, STREAMS, strict=True):
        assert ax.get_ylabel() == "Mean wait (min)"
        assert ax.get_xlabel() == "Hour of arrival"
        drawn = {line.get_gid(): line for line in ax.get_lines()}
        base = hourly_mean(comparison_dir / FOLDERS[layout]["base"] / "hourly.csv", stream)
        hidden = []
        for scenario in ["base", *ALTERNATIVES]:
            want = hourly_mean(comparison_dir / FOLDERS[layout][scenario] / "hourly.csv", stream)
            if scenario != "base" and np.array_equal(want, base, equal_nan=True):
                # identical to the base (the change does not reach the stream): it would hide
                # under the base's line, so it is named, not drawn
                assert f"{scenario}:{stream}" not in drawn
                hidden.append(scenario)
                continue
            np.testing.assert_allclose(
                drawn[f"{scenario}:{stream}"].get_ydata(), want, equal_nan=True
            )
        assert drawn[f"base:{stream}"].get_color() == NEUTRAL
        assert len(drawn) == 1 + len(ALTERNATIVES) - len(hidden)
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["base", *[a for a in ALTERNATIVES if a not in hidden]]
        if "faster_primary" not in hidden:
            assert drawn[f"faster_primary:{stream}"].get_color() == colors[stream]
        notes = ax.get_legend().get_title().get_text().replace("\n", " ")
        assert all(a in notes for a in hidden)
        hidden_by[stream] = hidden
    general = {line.get_gid() for line in panels[0].get_lines()}
    assert "faster_primary:car_general" in general  # the change reaches general cars
    # by default, a stream that every alternative leaves identical has no panel: it is named
    unchanged = [s for s in STREAMS if len(hidden_by[s]) == len(ALTERNATIVES)]
    default = compare.hourly_wait_comparison(comparison_dir)
    titles = [ax.get_title(loc="left") for ax in default.axes if ax.get_visible()]
    names = {"car_general": "General cars", "car_sentri": "SENTRI cars"}
    assert titles == [names[s] for s in STREAMS if s not in unchanged]
    for s in unchanged:
        assert names[s] in default.get_suptitle()


@pytest.mark.parametrize("layout", sorted(FOLDERS))
def test_metric_changes_show_each_difference_with_its_interval(layout: str, request) -> None:
    comparison_dir = request.getfixturevalue(layout)
    figure = compare.metric_changes(comparison_dir)
    metrics = ["wait_mean_min", "wait_p95_min", "time_in_port_mean_min"]
    assert [ax.get_title(loc="left") for ax in figure.axes] == [
        "Mean wait",
        "95th percentile wait",
        "Mean time in port",
    ]
    table = {
        (r["scenario"], r["stream"], r["metric"]): r
        for r in rows(comparison_dir / "comparison.csv")
    }
    streams = ["car_general", "car_sentri", "all"]
    for ax, metric in zip(figure.axes, metrics, strict=True):
        assert ax.get_xlabel().startswith("Change in ") and ax.get_xlabel().endswith("(min)")
        assert len(ax.containers) == len(streams) * len(ALTERNATIVES)
        for container in ax.containers:
            scenario, stream, drawn_metric = container.lines[0].get_gid().split(":")
            assert drawn_metric == metric
            row = table[(scenario, stream, metric)]
            assert container.lines[0].get_xdata()[0] == pytest.approx(float(row["diff_mean"]))
            (segment,) = container.lines[2][0].get_segments()
            assert segment[:, 0] == pytest.approx(
                [float(row["diff_ci_low"]), float(row["diff_ci_high"])]
            )
            filled = container.lines[0].get_markerfacecolor() != "white"
            assert filled == (row["significant"] == "True")
    labels = {"car_general": "General cars", "car_sentri": "SENTRI cars", "all": "All travellers"}
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == [labels[s] for s in streams]


def test_a_comparison_without_run_folders_still_plots_the_changes(
    comparison_dir: Path, tmp_path: Path
) -> None:
    shutil.copy(comparison_dir / "comparison.csv", tmp_path / "comparison.csv")
    planned = plan(tmp_path)
    assert planned.kind == "comparison"
    assert [f.name for f in planned.figures] == ["comparison_changes"]
    assert "hourly profiles left out" in planned.notes[0]
    with pytest.raises(PlotInputError, match="run folders"):
        compare.hourly_wait_comparison(tmp_path)


def test_a_comparison_file_without_the_contract_columns_is_refused(tmp_path: Path) -> None:
    (tmp_path / "comparison.csv").write_text("stream,metric,scenario\na,b,c\n")
    with pytest.raises(PlotInputError, match="missing column"):
        plan(tmp_path)
