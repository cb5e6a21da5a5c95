"""The HTML report: self-contained, with the figures, the headline numbers and the metadata;
and, where Chromium is installed, what a browser actually shows."""

from __future__ import annotations

import base64
import csv
import io
import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from browser import CHROMIUM, FLAGS
from PIL import Image
from plot_helpers import EXAMPLE

from borderflow.output import write_run
from borderflow.plots import plan
from borderflow.report import build_report
from borderflow.runner import run


class Page(HTMLParser):
    """Every tag with its attributes, the text, and the style sheets of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


def assert_self_contained(text: str) -> Page:
    """Nothing is loaded from outside the file: no URL anywhere, only data: URIs."""
    page = Page(text)
    assert "http://" not in text and "https://" not in text
    assert not page.all("script") and not page.all("link") and not page.all("iframe")
    for _, attrs in page.tags:
        for name in ("src", "href", "srcset", "poster", "data", "action"):
            if attrs.get(name) is not None:
                assert attrs[name].startswith("data:"), (name, attrs[name][:60])
    css = "".join(page.styles)
    assert "@import" not in css and "url(" not in css
    return page


def embedded_pngs(page: Page) -> list[Image.Image]:
    images = []
    for attrs in page.all("img"):
        prefix = "data:image/png;base64,"
        assert attrs["src"].startswith(prefix)
        image = Image.open(io.BytesIO(base64.b64decode(attrs["src"][len(prefix) :])))
        image.load()
        images.append(image)
    return images


def summary(directory: Path) -> dict[tuple[str, str], dict[str, str]]:
    with open(directory / "summary.csv", newline="", encoding="utf-8") as handle:
        return {(r["stream"], r["metric"]): r for r in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def run_report(run_dir: Path) -> str:
    return build_report(run_dir)


def test_run_report_is_self_contained_with_every_figure(run_report: str, run_dir: Path) -> None:
    page = assert_self_contained(run_report)
    images = embedded_pngs(page)
    assert len(images) == len(plan(run_dir).figures) == 6
    assert all(image.width >= 900 for image in images)
    assert len(page.all("figure")) == 6
    assert run_report.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in run_report


def test_run_report_has_the_headline_numbers_with_intervals(run_report: str, run_dir: Path) -> None:
    text = "".join(Page(run_report).text)
    table = summary(run_dir)
    for stream in ("car_general", "car_sentri", "all"):
        wait = table[(stream, "wait_mean_min")]
        mean, low, high = (float(wait[k]) for k in ("mean", "ci_low", "ci_high"))
        assert f"{mean:,.1f} [{low + 0.0:,.1f}, {high:,.1f}]" in text
        assert f"{float(table[(stream, 'entities')]['mean']):,.0f}" in text
        assert f"{float(table[(stream, 'wait_p95_min')]['mean']):,.1f}" in text


def test_run_report_has_the_scenario_and_the_run_metadata(run_report: str, run_dir: Path) -> None:
    meta = json.loads((run_dir / "run.json").read_text())
    text = " ".join(Page(run_report).text)
    assert "Example port, morning peak" in text
    for key in (
        "scenario_sha256",
        "borderflow_version",
        "numpy_version",
        "simpy_version",
        "python_version",
        "scipy_version",
    ):
        assert str(meta[key]) in text
    assert str(meta["seed"]) in text
    assert "Only 2 replications" in text  # a warning that the intervals are wide
    for stream in ("car_general", "car_sentri"):
        assert stream in text
    assert "1,500" in text and "500" in text  # arrivals per day of the two streams


def test_text_from_the_results_is_escaped(tmp_path: Path) -> None:
    name = '<script>alert("x")</script> & <b>port</b>'
    result = run(EXAMPLE, replications=1, overrides=[f"name={name}"])
    write_run(result, tmp_path)
    text = build_report(tmp_path)
    assert "<script>" not in text and "<b>port</b>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;port&lt;/b&gt;" in text
    assert name in " ".join(Page(text).text)


def test_comparison_report_has_the_changes_and_both_figures(comparison_dir: Path) -> None:
    text = build_report(comparison_dir)
    page = assert_self_contained(text)
    assert len(embedded_pngs(page)) == 2
    words = "".join(page.text)
    with open(comparison_dir / "comparison.csv", newline="", encoding="utf-8") as handle:
        table = {(r["scenario"], r["stream"], r["metric"]): r for r in csv.DictReader(handle)}
    waits = ("wait_mean_min", "wait_p95_min", "time_in_port_mean_min")
    for scenario in ("faster_primary", "more_demand"):
        for stream in ("car_general", "car_sentri", "all"):
            rows = [table[(scenario, stream, m)] for m in waits]
            label = {"car_general": "General cars", "car_sentri": "SENTRI cars"}.get(stream)
            if stream == "all" or any(r["significant"] == "True" for r in rows):
                for row in rows:  # listed with its change and percent
                    assert f"{float(row['diff_mean']):+,.1f}" in words
                    assert f"({float(row['pct_change']):+.0f}%)" in words
            elif all(float(r["diff_mean"]) == 0 == float(r["diff_ci_low"]) for r in rows):
                assert label in words.split("Unchanged")[1].split(".")[0]
            else:
                assert label in words.split("less than the replications can tell")[1]
    assert "more_demand: more_demand (more_demand.yaml)" in words
    assert "base: Example port, morning peak (example.yaml)" in words
    assert words.count("resolved scenario SHA-256") == 3  # base and two alternatives


def test_sweep_report_has_the_points_and_the_figures(sweep_dir: Path) -> None:
    text = build_report(sweep_dir, metric="wait_mean_min", streams=["car_general"])
    page = assert_self_contained(text)
    assert len(embedded_pngs(page)) == 2
    words = " ".join(page.text)
    assert "stages.primary.service.car_general.mean" in words
    assert "45 s, 60 s, 75 s" in words


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_the_report_renders_in_a_real_browser(run_report: str, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(run_report, encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            report.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.is_file(), done.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 2000)
    pixels = np.asarray(image).reshape(-1, 3)
    colours = np.unique(pixels, axis=0)
    assert len(colours) > 200  # text, tables and the first figures, not a blank page
    white = np.all(pixels > 245, axis=1).mean()
    assert 0.3 < white < 0.97
    # the first figure (the hourly waits) is drawn: the stream colours appear on the page
    for hex_colour in ("#E69F00", "#009E73"):
        rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels.astype(int) - rgb).sum(axis=1) < 12).sum() > 200, hex_colour
