"""SIGTERM and SIGHUP stop a command the way Ctrl-C does: what finished is kept, run.json says
"interrupted", the exit code is 128 + the signal's number, and no process is left behind, nor
a leaked semaphore, whether the signal goes to the command alone or to its whole process
group (as a batch scheduler or a closed terminal sends it)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from borderflow import cli
from borderflow.errors import (
    EXIT_HANGUP,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Terminated,
    exit_code_for,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scenarios" / "example.yaml"
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}
TABLES = ("summary.csv", "replications.csv", "hourly.csv", "lanes_hourly.csv")
SWEEP_FILES = ("points.csv", "results.csv", "sweep.json")
CLOCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="watches the processes through /proc"
)


def cli_main(*args: str | Path | int) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return code, err.getvalue()


# --- in this process -----------------------------------------------------------------------


def test_exit_codes_follow_the_shell():
    assert exit_code_for(signal.SIGTERM) == EXIT_TERMINATED == 143
    assert exit_code_for(signal.SIGHUP) == EXIT_HANGUP == 129
    assert exit_code_for(None) == EXIT_INTERRUPTED == 130
    assert issubclass(Terminated, KeyboardInterrupt)
    assert Terminated(signal.SIGTERM).signum == signal.SIGTERM


@pytest.fixture
def command(monkeypatch):
    """Replace ``borderflow check`` by ``body``; ``cli_main("check", EXAMPLE)`` runs it."""

    def replace(body):
        monkeypatch.setitem(cli.COMMANDS, "check", lambda args: body())

    return replace


def wait_for_the_signal() -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.01)
    raise AssertionError("the signal did not stop the command")


@pytest.mark.parametrize(
    ("signum", "message", "code"),
    [(signal.SIGTERM, "terminated (SIGTERM)", 143), (signal.SIGHUP, "hung up (SIGHUP)", 129)],
)
def test_a_signal_stops_a_command_like_ctrl_c(command, signum, message, code):
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    seen = []

    def body():
        try:
            os.kill(os.getpid(), signum)
            wait_for_the_signal()
        except KeyboardInterrupt as exc:  # what run, compare and sweep catch
            seen.append(exc)
            raise

    command(body)
    assert cli_main("check", EXAMPLE) == (code, f"{message}\n")
    assert isinstance(seen[0], Terminated) and seen[0].signum == signum
    # the handlers are put back: main() can be called again in the same process
    assert {s: signal.getsignal(s) for s in before} == before


def test_only_the_first_signal_interrupts(command):
    def body():
        with contextlib.suppress(Terminated):
            os.kill(os.getpid(), signal.SIGTERM)
            wait_for_the_signal()
        os.kill(os.getpid(), signal.SIGHUP)  # while writing what finished: ignored
        time.sleep(0.05)
        return EXIT_INTERRUPTED

    command(body)
    assert cli_main("check", EXAMPLE) == (143, "")


def test_an_error_after_the_signal_is_reported_as_the_signal(command):
    # e.g. the workers of a pool that cannot tell who sent a signal died of it too
    def body():
        with contextlib.suppress(Terminated):
            os.kill(os.getpid(), signal.SIGTERM)
            wait_for_the_signal()
        raise RuntimeError("a worker died")

    command(body)
    assert cli_main("check", EXAMPLE) == (
        143,
        "terminated (SIGTERM); then RuntimeError: a worker died\n",
    )


def test_an_ignored_signal_stays_ignored(command):
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup leaves it
    try:
        command(lambda: signal.getsignal(signal.SIGHUP) is signal.SIG_IGN and 7)
        assert cli_main("check", EXAMPLE) == (7, "")
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


# --- a command in its own process group ----------------------------------------------------


def group_processes(pgid: int) -> dict[int, tuple[str, float]]:
    """pid -> (state, CPU seconds) of the processes of group ``pgid``."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid:
            found[int(stat.parent.name)] = (fields[0], (int(fields[11]) + int(fields[12])) / CLOCK)
    return found


def living(pgid: int) -> list[int]:
    return [pid for pid, (state, _) in group_processes(pgid).items() if state not in "ZX"]


def start(*args: str | Path | int) -> subprocess.Popen:
    """``python -m borderflow ARGS`` as the leader of a new process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "borderflow", *map(str, args)],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_work(process: subprocess.Popen, cpu_seconds: float, helpers: int = 0) -> None:
    """Until the group has worked ``cpu_seconds`` (time enough for some replications, however
    loaded the machine) with at least ``helpers`` processes besides the command itself."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the command ended before it was signalled"
        group = group_processes(process.pid)
        if sum(cpu for _, cpu in group.values()) >= cpu_seconds and len(group) > helpers:
            return
        time.sleep(0.05)
    raise AssertionError("the command did not get going")


def stop(process: subprocess.Popen, signum: int, group: bool) -> str:
    """Send ``signum`` to the command (or its whole group); its stderr, once every process of
    the group has ended."""
    if group:
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)
    _, err = process.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while living(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert living(process.pid) == [], "processes left behind"
    assert "Traceback" not in err
    assert "leaked" not in err
    assert "resource_tracker" not in err
    return err


def replications_of(directory: Path) -> set[int]:
    with open(directory / "replications.csv", newline="", encoding="utf-8") as handle:
        return {int(row["replication"]) for row in csv.DictReader(handle)}


def check_kept(directory: Path, err: str, message: str) -> int:
    """The finished replications are written and said to be; their number."""
    meta = json.loads((directory / "run.json").read_text())
    finished = meta["replications_finished"]
    assert meta["interrupted"] is True
    assert 1 <= finished < meta["replications_requested"]
    assert len(replications_of(directory)) == finished
    assert err.strip().splitlines()[-1] == (
        f"{message} after {finished} replications; their results are in {directory}"
    )
    return finished


@needs_proc
def test_sigterm_keeps_the_finished_replications(tmp_path):
    out = tmp_path / "stopped"
    process = start("run", EXAMPLE, "-r", "2000", "-j", "1", "-q", "-o", out)
    wait_for_work(process, 1.2)
    err = stop(process, signal.SIGTERM, group=False)
    assert process.returncode == 143
    check_kept(out, err, "terminated (SIGTERM)")
    # they are the replications of an uninterrupted run, bit for bit
    kept = replications_of(out)
    assert kept == set(range(len(kept)))  # one at a time, in order
    code, _ = cli_main("run", EXAMPLE, "-r", len(kept), "-j", "1", "-q", "-o", tmp_path / "whole")
    assert code == 0
    for name in TABLES:
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


@needs_proc
@pytest.mark.parametrize(
    ("signum", "group", "message"),
    [
        (signal.SIGTERM, False, "terminated (SIGTERM)"),
        (signal.SIGTERM, True, "terminated (SIGTERM)"),
        (signal.SIGHUP, True, "hung up (SIGHUP)"),
    ],
    ids=["sigterm-to-the-command", "sigterm-to-the-group", "sighup-to-the-group"],
)
def test_a_signal_stops_worker_processes_cleanly(tmp_path, signum, group, message):
    process = start("run", EXAMPLE, "-r", "2000", "-j", "2", "-q", "-o", tmp_path)
    # the resource tracker, the fork server and two workers
    wait_for_work(process, 2.0, helpers=4)
    err = stop(process, signum, group)
    assert process.returncode == 128 + signum
    check_kept(tmp_path, err, message)


@needs_proc
@pytest.mark.parametrize("group", [False, True], ids=["to-the-command", "to-the-group"])
def test_a_signal_while_the_workers_start_leaves_no_traceback(tmp_path, group):
    """The first tasks start the workers: a signal then must not catch one half-started."""
    process = start("run", EXAMPLE, "-r", "2000", "-j", "2", "-q", "-o", tmp_path)
    # the command and its resource tracker are up: the pool is being made
    wait_for_work(process, 0.3, helpers=1)
    err = stop(process, signal.SIGTERM, group)  # no Traceback, nothing left behind
    assert process.returncode == 143
    assert err.strip().splitlines()[-1].startswith("terminated (SIGTERM)")


SWEEP = """\
scenario: {example}
replications: 6
vary:
  streams.car_general.arrivals.per_day: {from: 1000, to: 1575, steps: 24}
"""


@needs_proc
@pytest.mark.slow
def test_a_terminated_sweep_keeps_its_points_and_resumes_to_the_same_files(tmp_path):
    path = tmp_path / "experiment.yaml"
    path.write_text(textwrap.dedent(SWEEP).replace("{example}", str(EXAMPLE)), encoding="utf-8")
    assert cli_main("sweep", path, "-q", "-j", "1", "-o", tmp_path / "whole")[0] == 0
    out = tmp_path / "stopped"
    process = start("sweep", path, "-q", "-j", "2", "-o", out)
    store = out / "points"
    deadline = time.monotonic() + 60
    while len(list(store.glob("point-*.json"))) < 3 and time.monotonic() < deadline:
        assert process.poll() is None
        time.sleep(0.01)
    err = stop(process, signal.SIGTERM, group=True)
    assert process.returncode == 143
    stored = len(list(store.glob("point-*.json")))
    assert 3 <= stored < 24, "the sweep should be stopped half-way"
    assert not (out / "results.csv").exists()
    assert f"terminated (SIGTERM): {stored} of 24 points are stored in {store}" in err
    code, err = cli_main("sweep", path, "-q", "-j", "1", "-o", out, "--resume")
    assert (code, err) == (0, "")
    for name in SWEEP_FILES:
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


@needs_proc
@pytest.mark.slow
def test_sigterm_closes_a_local_dask_cluster(tmp_path):
    pytest.importorskip("distributed")
    process = start("run", EXAMPLE, "-r", 2000, "--dask", "local", "-j", 2, "-q", "-o", tmp_path)
    # the resource tracker and two worker processes
    wait_for_work(process, 4.0, helpers=3)
    err = stop(process, signal.SIGTERM, group=False)
    assert process.returncode == 143
    check_kept(tmp_path, err, "terminated (SIGTERM)")
