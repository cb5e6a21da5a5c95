"""Where replications run does not change what they give: in this process, in local processes
and on a real Dask cluster, the results are the same, bit for bit."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import subprocess
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from borderflow import compare, load_scenario, simulate, sweep
from borderflow.cli import main
from borderflow.execution import (
    ExecutionError,
    ProcessExecutor,
    SerialExecutor,
    chunk_size,
    make_executor,
    map_replications,
    split,
)
from borderflow.output import write_run
from borderflow.runner import run

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scenarios" / "example.yaml"
TABLES = ("summary.csv", "replications.csv", "hourly.csv", "lanes_hourly.csv")


@pytest.fixture(scope="module")
def cluster():
    """A real Dask cluster: two worker processes with one thread each."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as local:
        yield local


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(EXAMPLE)


def experiment() -> dict:
    return {
        "scenario": str(EXAMPLE),
        "replications": 3,
        "vary": {
            "stages.primary.service.car_general.mean": ["50 s", "70 s"],
            "streams.car_general.arrivals.per_day": {"from": 1200, "to": 1800, "steps": 2},
        },
    }


def files(directory: Path, names) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in names}


def test_chunks_cover_every_replication_once():
    assert chunk_size(60, 2) == 8
    assert chunk_size(100, 2) == 10  # at most 10 per task
    assert chunk_size(3, 8) == 1
    pieces = split(range(10), 4)
    assert pieces == [(0, 1, 2, 3), (4, 5, 6, 7), (8, 9)]


def test_serial_processes_and_dask_give_identical_replications(scenario, cluster):
    numbers = range(5)
    serial = [simulate(scenario, scenario.seed, r) for r in numbers]
    with make_executor(2) as pool:
        assert isinstance(pool, ProcessExecutor)
        processes = map_replications(scenario, numbers, pool, chunk_size=2)
    pool = make_executor(dask=cluster.scheduler_address)
    try:
        on_dask = map_replications(scenario, numbers, pool, chunk_size=1)
    finally:
        pool.shutdown()
    # repr() writes every float exactly (and NaN as nan), so equal text is equal bits
    assert repr(processes) == repr(serial)
    assert repr(on_dask) == repr(serial)
    assert [r.replication for r in on_dask] == list(numbers)


def test_run_writes_the_same_files_serially_in_processes_and_on_dask(tmp_path, cluster):
    serial = run(EXAMPLE, replications=4)
    in_processes = run(EXAMPLE, replications=4, jobs=2)
    pool = make_executor(dask=cluster.scheduler_address)
    try:
        on_dask = run(EXAMPLE, replications=4, executor=pool)
    finally:
        pool.shutdown()
    for name, result in (("serial", serial), ("processes", in_processes), ("dask", on_dask)):
        write_run(result, tmp_path / name)
    expected = files(tmp_path / "serial", TABLES)
    assert files(tmp_path / "processes", TABLES) == expected
    assert files(tmp_path / "dask", TABLES) == expected


def test_compare_and_sweep_are_identical_on_dask(tmp_path, cluster):
    alt = {
        "extends": str(EXAMPLE),
        "stages": {
            "primary": {
                "service": {"car_general": {"dist": "lognormal", "mean": "50 s", "cv": 0.6}}
            }
        },
    }
    serial = compare(EXAMPLE, alt, replications=3)
    pool = make_executor(dask=cluster.scheduler_address)
    try:
        on_dask = compare(EXAMPLE, alt, replications=3, executor=pool)
        swept_dask = sweep(experiment(), output=tmp_path / "dask", executor=pool)
    finally:
        pool.shutdown()
    assert repr(on_dask.table()) == repr(serial.table())
    swept_serial = sweep(experiment(), output=tmp_path / "serial", jobs=1)
    swept_processes = sweep(experiment(), output=tmp_path / "processes", jobs=2)
    assert swept_serial.computed == swept_dask.computed == swept_processes.computed == 4
    names = ("points.csv", "results.csv", "sweep.json")
    expected = files(tmp_path / "serial", names)
    assert files(tmp_path / "dask", names) == expected
    assert files(tmp_path / "processes", names) == expected


@pytest.mark.slow
def test_the_command_runs_on_a_local_dask_cluster(tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert (
            main(["run", str(EXAMPLE), "-r", "3", "-q", "-j", "1", "-o", str(tmp_path / "a")]) == 0
        )
        code = main(
            [
                "run",
                str(EXAMPLE),
                "-r",
                "3",
                "-q",
                "--dask",
                "local",
                "-j",
                "2",
                "-o",
                str(tmp_path / "b"),
            ]
        )
    assert code == 0
    assert files(tmp_path / "b", TABLES) == files(tmp_path / "a", TABLES)


def test_one_job_runs_in_this_process():
    assert isinstance(make_executor(1), SerialExecutor)


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True])
def test_a_bad_number_of_jobs_is_refused(jobs):
    with pytest.raises(ExecutionError, match="jobs must be a positive whole number"):
        make_executor(jobs)


def test_a_bad_number_of_jobs_on_the_command_line():
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["run", str(EXAMPLE), "-j", "0"])
    assert code == 2
    last = err.getvalue().strip().splitlines()[-1]
    assert last == (
        "borderflow run: error: argument -j/--jobs: expected a positive whole number, found 0"
    )


def test_an_error_in_a_worker_reaches_the_caller(scenario):
    # nothing checks the seed before the workers: numpy's SeedSequence refuses a negative one
    # there, and the caller gets that ValueError with its type
    with make_executor(2) as pool, pytest.raises(ValueError, match="non-negative"):
        map_replications(scenario, range(2), pool, seed=-1)


def test_an_error_on_dask_reaches_the_caller(scenario, cluster):
    pool = make_executor(dask=cluster.scheduler_address)
    try:
        with pytest.raises(ValueError, match="non-negative"):
            map_replications(scenario, range(2), pool, seed=-1)
    finally:
        pool.shutdown()


def test_futures_cancelled_on_dask_stay_cancelled(scenario, cluster):
    # after an interrupt the futures still queued are cancelled while others finish: each ends
    # either with its result or cancelled, and the executor still works
    pool = make_executor(dask=cluster.scheduler_address)
    try:
        futures = [pool.submit(simulate, scenario, scenario.seed, r) for r in range(6)]
        for future in futures[2:]:
            future.cancel()
        for future in futures:
            assert future.cancelled() or future.result().replication == futures.index(future)
        assert map_replications(scenario, range(2), pool) == map_replications(
            scenario, range(2), make_executor(1)
        )
    finally:
        pool.shutdown()


def test_workers_leave_sigterm_from_others_to_the_parent(scenario):
    # a batch scheduler signals every process of the job: the workers carry on, and the parent
    # decides (it stops them itself after keeping what finished)
    with ProcessExecutor(2) as pool:
        expected = map_replications(scenario, range(4), pool)
        for pid in list(pool._processes):
            subprocess.run(["kill", "-TERM", str(pid)], check=True)
            subprocess.run(["kill", "-HUP", str(pid)], check=True)
        assert map_replications(scenario, range(4), pool) == expected
        assert all(process.is_alive() for process in pool._processes.values())


def test_a_broken_pool_still_stops_its_workers(scenario):
    # a worker killed outright (out of memory): the pool stops the others with SIGTERM, which
    # they take from it, and the caller gets the error instead of waiting forever
    pool = ProcessExecutor(2)
    map_replications(scenario, range(4), pool)
    processes = list(pool._processes.values())
    futures = [pool.submit(time.sleep, 30) for _ in processes]  # one for each worker
    time.sleep(0.5)
    os.kill(processes[0].pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        futures[1].result(timeout=20)
    for process in processes:
        process.join(timeout=10)
    alive = [process for process in processes if process.is_alive()]
    for process in alive:
        process.kill()
    assert not alive, "the pool could not stop its workers"
    pool.shutdown()


def test_a_staffing_search_is_identical_on_dask(cluster):
    from borderflow.staffing import staff
    from borderflow.staffing.files import staffing_rows, target_rows

    targets = ["car_general:wait_p95_min<=8"]
    serial = staff(EXAMPLE, targets, replications=3, jobs=1, iterations=5)
    pool = make_executor(dask=cluster.scheduler_address)
    try:
        on_dask = staff(EXAMPLE, targets, replications=3, executor=pool, iterations=5)
    finally:
        pool.shutdown()
    assert staffing_rows(on_dask) == staffing_rows(serial)
    assert repr(target_rows(on_dask.found.checks)) == repr(target_rows(serial.found.checks))


def test_a_pool_stopped_with_half_a_result_in_its_pipe_does_not_hang(monkeypatch):
    """A worker stopped while it sends a result leaves part of a message in the result pipe;
    the pool's manager thread then waits for the rest. Stopping the pool must end that wait,
    or the command hangs at exit (it joins that thread)."""
    import struct
    import threading

    failures: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda hook: failures.append(repr(hook)))
    pool = make_executor(2)
    assert pool.submit(int, "7").result(timeout=60) == 7  # the workers and the thread are up
    thread = pool._executor_manager_thread  # type: ignore[attr-defined]
    writer = pool._result_queue._writer  # type: ignore[attr-defined]
    # the workers busy, and tasks waiting, which the caller cancels (as after an interrupt)
    futures = [pool.submit(time.sleep, 5) for _ in range(6)]
    # the length of a 1,000-byte message, and 3 bytes of it: as if its sender was killed
    os.write(writer.fileno(), struct.pack("!i", 1000) + b"abc")
    time.sleep(0.2)  # the thread is now reading the rest
    assert sum(future.cancel() for future in futures) >= 1
    pool.terminate()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert failures == []  # the cancelled tasks did not kill the thread with a traceback


def _a_large_result(number: int) -> bytes:
    time.sleep(0.002 * (number % 7))
    return bytes(20_000_000)


def test_stopping_a_pool_with_cancelled_tasks_leaves_its_thread_no_traceback(monkeypatch):
    """After an interrupt the caller cancels the tasks not yet started, then the pool stops its
    workers, one perhaps in the middle of sending a large result. The pool's manager thread
    must have dropped the cancelled tasks by then: it marks every task on its list as failed
    when a worker ends, and one already cancelled makes it die with ``InvalidStateError``
    (up to Python 3.11). Without the wait for it, this failed in 29 rounds of 30."""
    import threading

    failures: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda hook: failures.append(repr(hook)))
    for round_ in range(6):
        pool = ProcessExecutor(2)
        futures = [pool.submit(_a_large_result, number) for number in range(12)]
        futures[0].result(timeout=60)
        time.sleep(0.003 * (round_ % 3))
        thread = pool._executor_manager_thread  # type: ignore[attr-defined]
        for future in futures:
            future.cancel()
        pool.terminate()
        thread.join(timeout=20)
        assert not thread.is_alive()
    assert failures == []
