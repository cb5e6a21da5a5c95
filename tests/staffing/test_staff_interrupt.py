"""Ctrl-C (or SIGTERM) during a staffing search: the simulation runs finished so far stay in
iterations.csv, the best schedule so far is written, and the exit code says how it stopped."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scenarios" / "example.yaml"
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_search_writes_what_it_has(tmp_path: Path, signum: int, code: int) -> None:
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "borderflow",
            "staff",
            str(EXAMPLE),
            "--target",
            "car_general:wait_p95_min<=8",
            "-r",
            "60",
            "-j",
            "2",
            "-q",
            "-o",
            str(out),
        ],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    log = out / "iterations.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the search ended before it was stopped"
        if log.is_file() and len(log.read_text().splitlines()) >= 3:  # two runs finished
            break
        time.sleep(0.05)
    os.killpg(process.pid, signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert "Traceback" not in err
    assert "the best schedule so far is in" in err
    with open(log, newline="", encoding="utf-8") as handle:
        steps = list(csv.DictReader(handle))
    assert [s["phase"] for s in steps[:2]] == ["bound", "start"]
    assert (out / "staffing.csv").is_file() and (out / "staffed.yaml").is_file()
