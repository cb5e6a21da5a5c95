"""What an outer loop (a staffing search, a regional equilibrium) pays per iteration to run its
replications on worker processes, side by side with running them in this process.

    python benchmarks/outer_loop.py            # 20 iterations, best of 3 (about a minute)
    python benchmarks/outer_loop.py --quick    # 20 iterations, one repeat

Each iteration makes a new scenario (one more or one fewer lane of general cars open in the
busiest hours, the values set into the parsed document and validated, as a search does), then
runs its replications through ``execution.map_replications(..., reduce=..., waits=True)`` and
keeps one number per replication. Three ways, interleaved, best of ``--repeat``:

* **serial**: one ``SerialExecutor`` for the whole loop (everything in this process);
* **warm workers**: one process pool of ``--jobs`` workers opened once, before the loop, with
  ``execution.executor_for(jobs=...)``, and used for every iteration;
* **fresh pool per iteration**: ``executor_for(jobs=...)`` inside the loop, so every iteration
  starts its workers again.

Two workloads: *tiny* (the example port for 1 hour, a few milliseconds of simulation per
iteration, so that the time per iteration is almost all overhead) and *small* (the example port
for a day, 4 replications). The overhead per iteration of a pool is its time per iteration less
the simulation time per iteration in this process divided by the workers (the best two workers
can do), and is printed with the machine's core count and load.
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from collections.abc import Callable
from pathlib import Path

from borderflow.execution import executor_for, map_replications
from borderflow.model import ReplicationResult
from borderflow.scenario import Scenario, load_document, validate_document

HERE = Path(__file__).resolve().parent
WORKLOADS = (("tiny", "1 h", 2), ("small", "24 h", 4))
"""(name, horizon, replications per iteration) of the example port."""
EXAMPLE = HERE.parent / "scenarios" / "example.yaml"


def mean_wait(stream: str, scenario: Scenario, result: ReplicationResult) -> float:
    """What the search keeps of a replication: the stream's mean wait (min), from the waits
    kept per hour (``waits=True``), as a measure the hourly table does not hold would be."""
    assert result.waits is not None
    values = [w for hour in result.waits[stream].values() for w in hour.tolist()]
    return sum(values) / len(values) / 60 if values else 0.0


def scenarios(iterations: int, horizon: str) -> Callable[[int], Scenario]:
    """The scenario of iteration ``i``: the example parsed once, then per iteration the number
    of general lanes open from 06:00 to 09:00 set to 3 or 4 (as a staffing search would)."""
    document = load_document(EXAMPLE, [f"horizon={horizon}", "warmup=0 h"])

    def scenario(i: int) -> Scenario:
        lanes = 3 + i % 2
        schedule = [1, 1, 1, 1, 2, 3, lanes, lanes, lanes, 3, 2, 2] + [1] * 12
        doc = load_document(document.data, [f"stages.primary.lanes.general.open={schedule}"])
        return validate_document(doc)

    return scenario


def loop(
    make: Callable[[int], Scenario], iterations: int, replications: int, how: str, jobs: int
) -> tuple[float, list[list[float]]]:
    """Run the outer loop one way; return its wall time and what it kept."""
    reduce = functools.partial(mean_wait, "car_general")
    kept = []
    start = time.perf_counter()
    if how == "fresh":
        for i in range(iterations):
            with executor_for(jobs=jobs) as executor:
                kept.append(
                    map_replications(
                        make(i), range(replications), executor, reduce=reduce, waits=True
                    )
                )
    else:
        with executor_for(jobs=1 if how == "serial" else jobs) as executor:
            for i in range(iterations):
                kept.append(
                    map_replications(
                        make(i), range(replications), executor, reduce=reduce, waits=True
                    )
                )
    return time.perf_counter() - start, kept


def measure(
    iterations: int = 20,
    repeat: int = 3,
    jobs: int = 2,
    workloads: tuple[tuple[str, str, int], ...] = WORKLOADS,
) -> list[dict]:
    """Per workload: seconds per iteration of each way (best of ``repeat``), and the overhead
    per iteration of the pools."""
    rows = []
    start = time.perf_counter()
    with executor_for(jobs=jobs) as executor:  # the first pool of a process starts the fork
        list(executor.map(abs, range(jobs)))  # server, which imports the model, once
    first_pool = time.perf_counter() - start
    for name, horizon, replications in workloads:
        make = scenarios(iterations, horizon)
        best: dict[str, float] = {}
        results = {}
        for _ in range(repeat):
            for how in ("serial", "warm", "fresh"):
                seconds, kept = loop(make, iterations, replications, how, jobs)
                best[how] = min(best.get(how, float("inf")), seconds)
                results[how] = kept
        assert results["serial"] == results["warm"] == results["fresh"], "same numbers"
        per = {how: seconds / iterations for how, seconds in best.items()}
        rows.append(
            {
                "workload": name,
                "horizon": horizon,
                "replications": replications,
                **per,
                "warm_overhead": per["warm"] - per["serial"] / jobs,
                "fresh_overhead": per["fresh"] - per["serial"] / jobs,
                "first_pool": first_pool,
            }
        )
    return rows


def report(rows: list[dict], iterations: int, jobs: int) -> None:
    print(
        f"Outer loop: {iterations} iterations, {jobs} workers, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {'workload':<34} {'serial':>9} {'warm':>9} {'fresh':>9}   per iteration")
    print(
        f"  first pool of the process (fork server start, model imported once): "
        f"{rows[0]['first_pool']:.2f} s, not counted below"
    )
    for r in rows:
        what = f"{r['workload']} ({r['horizon']}, {r['replications']} replications)"
        print(
            f"  {what:<34} {r['serial'] * 1e3:>7.1f}ms {r['warm'] * 1e3:>7.1f}ms "
            f"{r['fresh'] * 1e3:>7.1f}ms"
        )
        print(
            f"  {'':<34} overhead per iteration beyond serial/{jobs}: warm "
            f"{r['warm_overhead'] * 1e3:.1f} ms, fresh pool {r['fresh_overhead'] * 1e3:.0f} ms"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="one repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
    report(measure(args.iterations, args.repeat, args.jobs), args.iterations, args.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
