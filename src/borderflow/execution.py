"""Where replications run: in this process, in local processes, or on a Dask cluster.

This module is the one dispatcher of replications: ``run``, ``compare``, ``sweep``, ``verify``
and ``calibrate`` all send their work through :func:`run_chunks` (or its wrappers
:func:`iter_replications` and :func:`map_replications`).

Every executor here has the standard :mod:`concurrent.futures` interface (``submit``,
``shutdown``), so nothing else in borderflow cares where a replication runs. Replications are
sent in chunks ("replications 0-4 of this scenario"), not one task each: a task costs a round
trip (pickling the scenario and the results), which for a small scenario is more than the
simulation itself. Each replication is the pure function
:func:`borderflow.model.simulate`, so results are the same, bit for bit, wherever they ran. A
chunk may carry a ``reduce`` function, applied to each replication in the worker, so that only
what the caller needs travels back (verification keeps a few numbers per replication).

Outer loops (a staffing search, an equilibrium between ports, anything that runs replications
many times over) open one executor before the loop and pass it to every call, so that no
iteration pays for starting workers::

    with executor_for(jobs=4) as executor:          # workers start here, once
        for plan in candidates:
            scenario = scenario_for(plan)              # validated in this process
            kept = map_replications(scenario, range(30), executor, reduce=measure, waits=True)

The workers stay up between calls with the model (and scipy's special functions) imported
once, in the fork server; each task carries its validated scenario (a few kilobytes, pickled in
a fraction of a millisecond, never parsed again) and brings back only what ``reduce`` keeps.
``benchmarks/outer_loop.py`` measures what an iteration costs this way, with a fresh pool per
iteration, and serially (``docs/performance.md``).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures import wait as wait_for
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .defaults import default_jobs
from .errors import InputError
from .model import ReplicationResult, simulate
from .scenario import Scenario

CHUNKS_PER_WORKER = 4
"""Replications are split into about this many chunks per worker: few enough that each task's
round trip is small against its work, enough that no worker sits idle at the end."""
MAX_CHUNK = 10
"""At most this many replications per task, so that progress is reported, and an interrupt
loses, no more than a few replications' work per worker."""


PRELOAD = [__name__, "scipy.special"]
"""Modules the fork server imports once, so that every worker it forks starts with them: the
model, and scipy's special functions, which lognormal and gamma inspections need and which take
longer to import (about 0.3 s) than many a task takes."""

SMALL_RUN = 300_000
"""Travellers, over all replications, below which a run with no ``jobs`` given stays in this
process: starting worker processes takes about a second, more than such a run needs."""


class ExecutionError(InputError):
    """An executor that cannot be set up (a bad ``--jobs``, Dask missing or unreachable)."""


def auto_jobs(replications: int, travellers: float) -> int:
    """The workers a run uses when none are asked for: every core, unless the run is small
    (``travellers`` expected over all ``replications``) or has one replication. The results are
    the same either way; only the time differs."""
    if replications < 2 or travellers < SMALL_RUN:
        return 1
    return min(default_jobs(), replications)


def default_start_method() -> str:
    """``forkserver`` where the platform has it (Linux, macOS), else ``spawn``.

    Never ``fork``: forking a process that runs threads (Dask's, a progress bar's) can deadlock,
    and Python 3.14 no longer uses it by default.
    """
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class SerialExecutor(Executor):
    """Runs each task in this process when it is submitted: the reference, and the fastest for
    small runs (no process start-up, nothing pickled)."""

    workers = 1
    in_flight = 1

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller through the future, as a pool does
            future.set_exception(exc)
        return future


STOP_SIGNALS = frozenset(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals besides Ctrl-C that stop a run (``kill``, ``timeout``, a batch scheduler, a
closed terminal): the parent turns them into an interrupt; its helper processes leave them to
it."""


def _worker_start(lifeline: Any, parent: int) -> None:
    """Set up a worker process: leave Ctrl-C, SIGTERM and SIGHUP to the parent, and exit when
    the parent is gone.

    Ctrl-C goes to the whole process group, and so may SIGTERM and SIGHUP (a batch scheduler
    or a closed terminal signals every process of the job); only the parent handles them (it
    keeps what has finished, cancels the work and stops the workers), so such a signal never
    breaks the pool half-way. A worker still stops on SIGTERM from the parent itself, which is
    how the pool stops its workers. A parent killed outright (``kill -9``) cannot stop its
    workers, so each holds the reading end of a pipe whose only writer is the parent: when the
    parent dies, the pipe reports end-of-file and the worker exits, instead of waiting forever
    for work.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "sigwaitinfo"):
        # blocked before any thread starts, so that every thread inherits the block and the
        # signals wait for the watcher below (a worker of the fork server is born with them
        # blocked, see _start_fork_server)
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)

        def watch_signals() -> None:
            while True:
                info = signal.sigwaitinfo(STOP_SIGNALS)
                if info.si_pid == parent:
                    os._exit(128 + info.si_signo)

        threading.Thread(target=watch_signals, name="borderflow-signals", daemon=True).start()
    else:  # no way to tell who sent a signal (macOS): the default, the parent copes
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv()  # nothing is ever sent: this returns only at end-of-file
        os._exit(1)

    threading.Thread(target=watch, name="borderflow-lifeline", daemon=True).start()


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with SIGHUP blocked, so that it inherits the
    block: it ignores Ctrl-C and SIGTERM itself, and so survives a signal to the whole process
    group to clean up after this process (a tracker killed first warns of leaked resources and
    prints tracebacks). It exits when this process does."""
    from multiprocessing import resource_tracker

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _start_fork_server() -> None:
    """Start the fork server with Ctrl-C, SIGTERM and SIGHUP blocked, so that it inherits the
    block and a signal to the whole process group stops only this process, which then stops
    the workers: an interrupt while the fork server is still importing the model does not kill
    it with a traceback, and the workers it forks are born with the block (see
    :func:`_worker_start`). It exits when this process does."""
    from multiprocessing import forkserver

    _start_resource_tracker()  # first: starting it unblocks Ctrl-C and SIGTERM again
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *STOP_SIGNALS})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


class ProcessExecutor(ProcessPoolExecutor):
    """A process pool with an explicit start method, whose workers leave Ctrl-C, SIGTERM and
    SIGHUP to the parent."""

    def __init__(self, jobs: int, start_method: str | None = None):
        method = start_method or default_start_method()
        try:
            context = multiprocessing.get_context(method)
        except ValueError:
            raise ExecutionError(
                f"start method {method!r} is not available here; "
                f"available: {', '.join(multiprocessing.get_all_start_methods())}"
            ) from None
        # Held while the pool is made: a signal that raised between the creation of one of its
        # queues' semaphores and the set-up of its clean-up would leave the semaphore behind.
        with signals_held():
            if method == "forkserver":
                # import the model once in the fork server; each worker then starts in
                # milliseconds with what it needs already imported
                context.set_forkserver_preload(PRELOAD)
                _start_fork_server()
            reader, self._lifeline = context.Pipe(duplex=False)
            super().__init__(
                max_workers=jobs,
                mp_context=context,
                initializer=_worker_start,
                initargs=(reader, os.getpid()),
            )
        self.workers = jobs
        self.in_flight = 2 * jobs
        self.start_method = method

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:
            self._lifeline.close()

    def terminate(self) -> None:
        """Stop at once: cancel what is queued and kill the workers (after Ctrl-C, SIGTERM or
        SIGHUP)."""
        processes = getattr(self, "_processes", None) or {}  # the pool's own map of workers
        # A worker still starting reads the pool's queues (their semaphores) when it can: keep
        # them until every worker has ended, or it finds them removed and prints a traceback.
        queues = (getattr(self, "_call_queue", None), getattr(self, "_result_queue", None))
        manager = getattr(self, "_executor_manager_thread", None)  # forgotten by shutdown
        self.shutdown(wait=False, cancel_futures=True)
        self._await_cancellation(manager)
        for process in list(processes.values()):
            if process.is_alive():
                process.terminate()
        for process in list(processes.values()):
            process.join(timeout=5)
        if not any(process.is_alive() for process in processes.values()):
            # A worker stopped while it sent a result leaves part of a message in the result
            # pipe, and the pool's manager thread waits for the rest, for ever: the exit of
            # the command then hangs on that thread. With every worker gone, this process holds
            # the pipe's only writing end: closing it ends the pipe, and the thread stops.
            # The thread then marks the tasks on its list as failed: drop those cancelled
            # (see _await_cancellation), in case it was waiting so and could not drop them.
            pending = getattr(manager, "pending_work_items", None) or {}
            for work_id in [key for key, item in pending.items() if item.future.cancelled()]:
                pending.pop(work_id, None)
            writer = getattr(queues[1], "_writer", None)
            if writer is not None:
                with contextlib.suppress(OSError):
                    writer.close()
        del queues
        self._lifeline.close()

    def _await_cancellation(self, manager: threading.Thread | None, timeout: float = 1) -> None:
        """Until the pool's ``manager`` thread has dropped the cancelled tasks from its list.

        A worker that ends makes that thread mark every task on its list as failed; one that
        this process cancelled meanwhile cannot be, and the thread dies with a traceback
        (``InvalidStateError``, up to Python 3.11). Once the thread has acted on the shutdown,
        its list holds only running tasks, which no one can cancel: the workers may then be
        stopped."""
        deadline = time.monotonic() + timeout
        while (
            manager is not None
            and manager.is_alive()
            and getattr(self, "_cancel_pending_futures", False)
            and time.monotonic() < deadline
        ):
            time.sleep(0.005)


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster, each behind a :mod:`concurrent.futures` future.

    Owns its client (and its ``LocalCluster``, if it started one) and closes them on shutdown.
    A future cancelled (after an interrupt) while its task finishes stays cancelled; Dask's own
    ``get_executor`` then tries to set the cancelled future's result, and logs the failure with
    a traceback.
    """

    def __init__(self, client: Any, cluster: Any = None):
        self.client = client
        self.cluster = cluster
        self._futures: weakref.WeakSet[Future] = weakref.WeakSet()

    @property
    def workers(self) -> int:
        """Threads over all workers of the cluster (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    @property
    def in_flight(self) -> int:
        return 2 * self.workers

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        # pure=False: never merge two tasks because their arguments hash alike
        task = self.client.submit(fn, *args, pure=False, **kwargs)
        future: Future = Future()
        self._futures.add(future)

        def settle(task: Any) -> None:  # in a thread of Dask's, when the task is over
            if not future.set_running_or_notify_cancel():
                return  # cancelled meanwhile: nothing to hand over
            if task.status == "finished":
                future.set_result(task.result())
            elif task.status == "cancelled":
                future.set_exception(CancelledError())
            else:
                future.set_exception(task.exception())

        def cancel(done: Future) -> None:
            if done.cancelled():
                with contextlib.suppress(Exception):  # the client may be closing already
                    task.cancel()

        future.add_done_callback(cancel)
        task.add_done_callback(settle)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if wait and not cancel_futures:
            wait_for(list(self._futures))  # ``wait``, the argument, hides the function
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def terminate(self) -> None:
        """Cancel what is running and close the client (and the local cluster)."""
        self.shutdown(wait=False, cancel_futures=True)


def make_executor(
    jobs: int | None = None, dask: str | None = None, start_method: str | None = None
) -> Executor:
    """An executor for ``jobs`` workers: serial for 1, local processes for more, or Dask.

    Args:
        jobs: worker processes (default: the number of cores). 1 runs in this process. With
            ``dask="local"``, the number of workers of the ``LocalCluster``.
        dask: ``"local"`` to start a ``LocalCluster`` on this machine, or the address of a
            running scheduler (``tcp://host:8786``). Needs ``pip install borderflow[dask]``.
        start_method: ``forkserver`` (default where available) or ``spawn``.

    Raises:
        ExecutionError: for a bad ``jobs``, or when Dask is missing or cannot be reached.
    """
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ExecutionError(f"jobs must be a positive whole number, not {jobs!r}")
    if dask is not None:
        return _dask_executor(dask, jobs)
    jobs = default_jobs() if jobs is None else jobs
    if jobs == 1:
        return SerialExecutor()
    return ProcessExecutor(jobs, start_method)


def _dask_executor(address: str, jobs: int | None) -> DaskExecutor:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutionError(
            "running on Dask needs the dask extra: pip install 'borderflow[dask]'"
        ) from None
    import logging

    if address == "local":
        _start_resource_tracker()  # before the cluster's processes, which use it too
        cluster = LocalCluster(
            n_workers=jobs or default_jobs(),
            threads_per_worker=1,  # the model is pure Python: one thread per process
            processes=True,
            dashboard_address=":0",
            # Only critical logs: what fails in a task reaches the caller as its exception,
            # and a worker that dies as an error of the run; the errors logged besides are
            # those of its own shutdown (a worker's heartbeat to a scheduler already closed,
            # after Ctrl-C or SIGTERM), printed with a traceback.
            silence_logs=logging.CRITICAL,
        )
        return DaskExecutor(Client(cluster), cluster)
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExecutionError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    return DaskExecutor(client)


def workers_of(executor: Executor) -> int:
    """How many tasks ``executor`` runs at once (used to size chunks)."""
    workers = getattr(executor, "workers", None) or getattr(executor, "_max_workers", None)
    return int(workers) if workers else default_jobs()


@contextmanager
def executor_for(
    jobs: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    *,
    work: tuple[int, float] | None = None,
) -> Iterator[Executor]:
    """Use ``executor`` if given; otherwise make one and shut it down afterwards (at once,
    killing its workers, after Ctrl-C). An outer loop opens it once, around the loop, and
    passes the executor to every iteration (see the module's documentation).

    With neither ``jobs`` nor ``dask``, ``work`` = (replications, expected travellers over all of
    them) chooses with :func:`auto_jobs`; without ``work`` either, the run stays in this
    process.
    """
    if executor is not None:
        yield executor
        return
    if dask is None and jobs is None:
        jobs = auto_jobs(*work) if work is not None else 1
    own = make_executor(jobs, dask)
    try:
        yield own
    except BaseException:
        _stop(own)
        raise
    own.shutdown()


def _stop(executor: Executor) -> None:
    terminate = getattr(executor, "terminate", None)
    if terminate is not None:
        terminate()
    else:
        executor.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class Chunk:
    """Some replications of one scenario: one task."""

    key: Any
    """What the replications belong to (a scenario of a comparison, a design point)."""
    scenario: Scenario
    seed: int
    numbers: tuple[int, ...]
    trace: bool = False
    reduce: Reduce | None = None
    """Applied to each replication in the worker; must be picklable (a module-level function
    or a :func:`functools.partial` of one)."""
    waits: bool = False
    """Keep every counted wait by stream and hour (``ReplicationResult.waits``), for a
    ``reduce`` that measures an hour in a way the hourly table does not."""


Reduce = Callable[[Scenario, ReplicationResult], Any]
"""``reduce(scenario, result)``: what a caller keeps of one replication."""
Within = Callable[[float, float], None]
"""``within(now, horizon)``: progress inside a replication, at each simulated midnight."""


def simulate_chunk(
    scenario: Scenario,
    seed: int,
    numbers: Sequence[int],
    trace: bool = False,
    reduce: Reduce | None = None,
    within: Within | None = None,
    waits: bool = False,
) -> list[Any]:
    """Run replications ``numbers`` of ``scenario`` one after the other (one task's work);
    ``within(now, horizon)`` is told of each simulated midnight (in this process only)."""
    results = [simulate(scenario, seed, number, trace, within, waits) for number in numbers]
    if reduce is None:
        return results
    return [reduce(scenario, result) for result in results]


def chunk_size(replications: int, workers: int) -> int:
    """Replications per task, for ``replications`` in all over ``workers``."""
    return max(1, min(MAX_CHUNK, math.ceil(replications / (CHUNKS_PER_WORKER * max(1, workers)))))


def split(numbers: Sequence[int], size: int) -> list[tuple[int, ...]]:
    """``numbers`` in consecutive pieces of ``size``."""
    numbers = tuple(numbers)
    return [numbers[i : i + size] for i in range(0, len(numbers), size)]


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP while a task is handed to a pool, which may start a
    worker then: a signal that comes meanwhile is acted on right after, so that no worker is
    left half-started (one still reading its set-up when the pool is torn down prints a
    traceback). Python runs signal handlers in the main thread whichever thread the signal
    reached, so the handlers are swapped for a recorder rather than the signals masked."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    kinds = [k for k in (signal.SIGINT, *sorted(STOP_SIGNALS)) if signal.getsignal(k) is not None]
    before = {kind: signal.signal(kind, lambda signum, _: caught.append(signum)) for kind in kinds}
    try:
        yield
    finally:
        for kind, handler in before.items():
            signal.signal(kind, handler)
        for signum in caught[:1]:
            signal.raise_signal(signum)


def run_chunks(
    chunks: Iterable[Chunk], executor: Executor, within: Within | None = None
) -> Iterator[tuple[Any, list[Any]]]:
    """Submit ``chunks`` and yield ``(key, results)`` as each finishes (not in order).

    At most a few tasks per worker are queued at a time, so that results come back roughly in
    the order given (a sweep stores its first points first) and Ctrl-C has little to cancel.
    If the caller stops early, or an error or interrupt occurs, tasks not yet started are
    cancelled.
    """
    pending_chunks = iter(chunks)
    limit = max(1, int(getattr(executor, "in_flight", 2 * workers_of(executor))))
    running: dict[Future, Any] = {}

    def fill() -> None:
        while len(running) < limit:
            chunk = next(pending_chunks, None)
            if chunk is None:
                return
            with signals_held():
                future = executor.submit(
                    simulate_chunk,
                    chunk.scenario,
                    chunk.seed,
                    chunk.numbers,
                    chunk.trace,
                    chunk.reduce,
                    # progress inside a replication reaches only a caller in the same process
                    within if isinstance(executor, SerialExecutor) else None,
                    chunk.waits,
                )
                running[future] = chunk.key

    try:
        fill()
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                key = running.pop(future)
                yield key, future.result()
            fill()
    finally:
        for future in running:
            future.cancel()


def iter_replications(
    scenario: Scenario,
    numbers: Iterable[int],
    executor: Executor,
    *,
    seed: int | None = None,
    trace: bool = False,
    size: int | None = None,
    reduce: Reduce | None = None,
    within: Within | None = None,
    waits: bool = False,
) -> Iterator[Any]:
    """Replications ``numbers`` of ``scenario`` on ``executor``, yielded as chunks finish (each
    a :class:`ReplicationResult`, or what ``reduce`` makes of it). ``within`` follows each
    replication day by day when they run in this process."""
    for _, results in run_chunks(
        _chunks_of(scenario, numbers, executor, seed, trace, size, reduce, waits), executor, within
    ):
        yield from results


def map_replications(
    scenario: Scenario,
    numbers: Iterable[int],
    executor: Executor,
    chunk_size: int | None = None,
    *,
    seed: int | None = None,
    trace: bool = False,
    reduce: Reduce | None = None,
    waits: bool = False,
) -> list[Any]:
    """Replications ``numbers`` of ``scenario`` run on ``executor`` in chunks of
    ``chunk_size``; returned in the order of ``numbers`` (each a :class:`ReplicationResult`, or
    what ``reduce`` makes of it). ``waits`` keeps each hour's waits for ``reduce`` (see
    :class:`Chunk`)."""
    chunks = _chunks_of(scenario, numbers, executor, seed, trace, chunk_size, reduce, waits)
    parts = dict(run_chunks(chunks, executor))
    return [value for chunk in chunks for value in parts[chunk.key]]


def _chunks_of(
    scenario: Scenario,
    numbers: Iterable[int],
    executor: Executor,
    seed: int | None,
    trace: bool,
    size: int | None,
    reduce: Reduce | None,
    waits: bool = False,
) -> list[Chunk]:
    numbers = list(numbers)
    seed = scenario.seed if seed is None else seed
    size = size or chunk_size(len(numbers), workers_of(executor))
    return [
        Chunk(i, scenario, seed, piece, trace, reduce, waits)
        for i, piece in enumerate(split(numbers, size))
    ]
