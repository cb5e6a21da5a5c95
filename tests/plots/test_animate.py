"""The animated plaza: one self-contained page from a traced run, and, where Chromium is
installed, what a browser draws at two moments of the day."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from browser import CHROMIUM
from browser import FLAGS as BROWSER_FLAGS
from PIL import Image

from borderflow.animate import animation_data, build_animation, write_animation
from borderflow.plots import PlotInputError

FLAGS = [*BROWSER_FLAGS, "--virtual-time-budget=5000"]


def present(trace: Path, replication: int, minute: float) -> tuple[int, int]:
    """(in line at a first stage, on the plaza at any stage) at ``minute``, from trace.csv,
    with times to the second as the page has them."""
    t = minute * 60
    line = total = 0
    with open(trace, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if int(row["replication"]) != replication:
                continue
            for stage, first in (("primary", True), ("secondary", False)):
                if not row.get(f"{stage}.lane_group"):
                    continue
                joined = round(float(row[f"{stage}.joined_min"]) * 60)
                start = round(float(row[f"{stage}.start_min"]) * 60)
                end = round(float(row[f"{stage}.end_min"]) * 60)
                if joined <= t < end:
                    total += 1
                if first and joined <= t < start:
                    line += 1
    return line, total


class Tags(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_page_holds_everything_it_needs(traced_run_dir: Path, tmp_path: Path) -> None:
    text = build_animation(traced_run_dir)
    assert "http://" not in text and "https://" not in text
    tags = Tags(text).tags
    assert [t for t, _ in tags].count("script") == 1
    for _, attrs in tags:
        assert not any(attrs.get(k) for k in ("src", "href")), attrs  # no file, no network
    data = animation_data(traced_run_dir)
    assert data["replication"] == 0
    meta = json.loads((traced_run_dir / "run.json").read_text())
    assert [g["name"] for g in data["stages"][0]["groups"]] == list(
        meta["scenario"]["stages"]["primary"]["lanes"]
    )
    # every visit of replication 0 is in the page's tracks: none sampled away
    visits = sum(len(t["j"]) for k, t in data["tracks"].items() if k.startswith("q:"))
    with open(traced_run_dir / "trace.csv", newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["replication"] == "0"]
    assert visits == len(rows)
    path = write_animation(traced_run_dir, tmp_path / "p.html", replication=1)
    assert animation_data(traced_run_dir, 1)["replication"] == 1
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_run_without_trace_is_refused(run_dir: Path) -> None:
    with pytest.raises(PlotInputError, match="--trace"):
        build_animation(run_dir)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_the_plaza_plays_in_a_real_browser(traced_run_dir: Path, tmp_path: Path) -> None:
    page = write_animation(traced_run_dir, tmp_path / "plaza.html")
    shots, counts = [], []
    for minute in (330, 450):  # 05:30 and 07:30, the build-up and the peak of the example
        url = f"{page.resolve().as_uri()}#t={minute}&paused"
        shot = tmp_path / f"shot{minute}.png"
        common = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
        done = subprocess.run(
            [*common, f"--screenshot={shot}", "--window-size=1280,900", url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert shot.is_file(), done.stderr[-2000:]
        shots.append(np.asarray(Image.open(shot).convert("RGB")).astype(int))
        dom = subprocess.run(
            [*common, "--dump-dom", url], capture_output=True, text=True, timeout=120
        ).stdout
        found = re.search(r'id="counts"[^>]*', dom)
        assert found, dom[-2000:]
        attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', found.group(0)))
        assert float(attrs["t"]) == minute * 60
        line, total = present(traced_run_dir / "trace.csv", 0, minute)
        assert total > 0
        assert int(attrs["line"]) == line
        assert int(attrs["drawn"]) == total
        counts.append(total)
    changed = np.abs(shots[0] - shots[1]).sum(axis=2) > 30
    assert changed.mean() > 0.002  # vehicles, booths and the clock moved
    # the page is drawn: the stream colours are on it
    for hex_colour in ("#E69F00", "#009E73"):
        rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(shots[1] - rgb).sum(axis=2) < 12).sum() > 50, hex_colour
