"""What a sweep costs beyond its simulations, and what two processes give back, side by side.

    python benchmarks/sweep_overhead.py            # 100 points, best of 5 (a few minutes)
    python benchmarks/sweep_overhead.py --quick    # 25 points, one repeat
    python benchmarks/sweep_overhead.py --dask     # also on a local Dask cluster of 2 workers

The same 100 design points (a 10 x 10 grid on the example port: mean inspection time of general
cars x their daily number, 3 replications each) are run five ways, interleaved, best of
``--repeat``:

* **simulations only**: ``simulate()`` for each replication and the summary over replications,
  the scenarios loaded beforehand (not timed): the work that cannot be avoided;
* **plain loop**: for each point, ``load_scenario(file, overrides)`` and ``simulate()`` for each
  replication, then the summary: what a script without ``borderflow sweep`` would do;
* **sweep, serial**: ``borderflow.sweep(..., jobs=1)`` with an output folder: the experiment file
  checked up front (every point validated), each point stored as it finishes, ``points.csv``,
  ``results.csv`` and ``sweep.json`` written;
* **sweep, 2 processes**: the same with ``jobs=2`` (process start-up included);
* **plain loop, 2 processes**: the loop's points shared by a plain ``ProcessPoolExecutor``
  (``forkserver``, one task per point), the reference for what two processes can give.

Prints wall-clock times and, for the serial ways, CPU time of this process, which other load on
a shared machine hardly changes; what the plain loop and the sweep cost beyond the simulations
(in CPU time); and the wall-clock speed-ups of two processes. The load average before and after
is printed too: speed-ups need idle cores to mean anything.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from borderflow import load_scenario, simulate, sweep
from borderflow.analysis import summarise
from borderflow.experiments.designs import Range

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "scenarios" / "example.yaml"


def experiment(side: int, replications: int) -> dict:
    """A side x side grid on the example port."""
    return {
        "scenario": str(EXAMPLE),
        "replications": replications,
        "vary": {
            "stages.primary.service.car_general.mean": {
                "from": "50 s",
                "to": "68 s",
                "steps": side,
            },
            "streams.car_general.arrivals.per_day": {"from": 1000, "to": 1450, "steps": side},
        },
    }


def overrides(side: int) -> list[list[str]]:
    """The same points as ``--set`` overrides, in the sweep's order."""
    means = Range(50, 68, False, "s", side).grid()  # the values the sweep computes
    days = Range(1000, 1450, True, None, side).grid()
    return [
        [
            f"stages.primary.service.car_general.mean={m}",
            f"streams.car_general.arrivals.per_day={d!r}",
        ]
        for m in means
        for d in days
    ]


def one_point(changes: list[str], replications: int) -> dict:
    scenario = load_scenario(EXAMPLE, changes)
    runs = [simulate(scenario, scenario.seed, r).metrics for r in range(replications)]
    return summarise(runs)


def plain_loop(side: int, replications: int) -> list[dict]:
    return [one_point(changes, replications) for changes in overrides(side)]


def simulations_only(scenarios: list, replications: int) -> list[dict]:
    """Only the simulations and summaries, the scenarios loaded beforehand (not timed)."""
    return [
        summarise([simulate(s, s.seed, r).metrics for r in range(replications)]) for s in scenarios
    ]


def plain_processes(side: int, replications: int, jobs: int) -> list[dict]:
    context = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = [pool.submit(one_point, c, replications) for c in overrides(side)]
        return [f.result() for f in futures]


def swept(side: int, replications: int, **where) -> object:
    with tempfile.TemporaryDirectory() as folder:
        return sweep(experiment(side, replications), output=Path(folder) / "out", **where)


def timed(fn) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process) of ``fn()``."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=10, help="grid side (points = side^2)")
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="25 points (5 x 5), one repeat")
    parser.add_argument("--dask", action="store_true", help="also on a local Dask cluster")
    args = parser.parse_args(argv)
    if args.quick:
        args.side, args.repeat = 5, 1
    side, reps, jobs = args.side, args.replications, args.jobs
    points = side * side

    # the sweep and the loop compute the same numbers
    check = swept(side, reps, jobs=1)
    loop = plain_loop(side, reps)
    same = repr([check.summary(i) for i in range(points)]) == repr(loop)
    assert same, "the sweep and the loop differ"

    loaded = [load_scenario(EXAMPLE, changes) for changes in overrides(side)]
    cases = {
        "simulations only": lambda: simulations_only(loaded, reps),
        "plain loop": lambda: plain_loop(side, reps),
        "sweep, serial": lambda: swept(side, reps, jobs=1),
        f"sweep, {jobs} processes": lambda: swept(side, reps, jobs=jobs),
        f"plain loop, {jobs} processes": lambda: plain_processes(side, reps, jobs),
    }
    cluster = None
    if args.dask:
        from borderflow.execution import make_executor

        cluster = make_executor(jobs, dask="local")
        cases[f"sweep, Dask ({jobs} workers)"] = lambda: swept(side, reps, executor=cluster)
    best = dict.fromkeys(cases, float("inf"))
    best_cpu = dict.fromkeys(cases, float("inf"))
    load_before = os.getloadavg()[0]
    try:
        names = list(cases)
        for k in range(args.repeat):
            # a different order in each round, so that no way always runs first
            for name in names[k % len(names) :] + names[: k % len(names)]:
                wall, cpu = timed(cases[name])
                best[name] = min(best[name], wall)
                best_cpu[name] = min(best_cpu[name], cpu)
    finally:
        if cluster is not None:
            cluster.shutdown()
    load_after = os.getloadavg()[0]

    base = best["plain loop"]
    print(
        f"{points} design points x {reps} replications on {EXAMPLE.name}, "
        f"{os.cpu_count()} cores, best of {args.repeat}; "
        f"load average {load_before:.1f} before, {load_after:.1f} after\n"
    )
    print(f"{'how':<28}{'wall s':>8}{'per point ms':>14}{'vs plain loop':>15}{'CPU s':>8}")
    serial = ("simulations only", "plain loop", "sweep, serial")
    for name, seconds in best.items():
        cpu = f"{best_cpu[name]:>8.2f}" if name in serial else f"{'-':>8}"
        print(
            f"{name:<28}{seconds:>8.2f}{1000 * seconds / points:>14.1f}"
            f"{base / seconds:>14.2f}x{cpu}"
        )
    print("\nbeyond the simulations, in CPU time of this process (other load does not count):")
    sims = best_cpu["simulations only"]
    for name in ("plain loop", "sweep, serial"):
        extra = best_cpu[name] - sims
        print(
            f"  {name}: {extra:+.2f} s ({100 * extra / sims:+.1f}%, "
            f"{1000 * extra / points:+.1f} ms per point)"
        )
    print(
        f"wall-clock speed-up over the plain loop with {jobs} processes: sweep "
        f"{base / best[f'sweep, {jobs} processes']:.2f}x, plain process pool "
        f"{base / best[f'plain loop, {jobs} processes']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
