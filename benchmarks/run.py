"""borderflow's speed, measured side by side with a plain SimPy model in the same run.

    python benchmarks/run.py            # full benchmark (about a minute)
    python benchmarks/run.py --quick    # smaller, for a smoke test

Prints customers per second of borderflow and of a plain SimPy model (a process per customer and
a ``simpy.Resource``) on the same M/M/10 queue (arrivals 9/min, exponential service with mean
1 min, shared queue), their ratio, and the time of one replication of the San Ysidro weekday.
Runs are interleaved and the best of ``--repeat`` is kept, so that other load on a shared machine
disturbs the ratio as little as possible.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from plain_simpy import plain_mmc  # noqa: E402

from borderflow import load_scenario, simulate  # noqa: E402


def mm10_scenario(customers: int):
    """The benchmark queue as a borderflow scenario: arrivals stop after ~``customers``."""
    hours = customers / 540
    return load_scenario(
        {
            "name": "M/M/10 benchmark",
            "horizon": f"{hours} h",
            "seed": 1,
            "streams": {"customer": {"arrivals": {"per_hour": 540}, "route": ["booths"]}},
            "stages": {
                "booths": {
                    "lanes": {"booths": {"lanes": 10, "queue": "shared"}},
                    "service": {"default": {"dist": "exponential", "mean": "1 min"}},
                }
            },
        }
    )


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="40,000 customers, one repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.repeat = 40_000, 1

    scenario = mm10_scenario(args.customers)
    ours, plain = [], []
    served = 0
    for _ in range(args.repeat):
        seconds, result = timed(lambda: simulate(scenario))
        served = result.checks["arrived"]
        ours.append(served / seconds)
        seconds, waits = timed(lambda: plain_mmc(args.customers, 9.0, 1.0, 10))
        plain.append(len(waits) / seconds)
    best_ours, best_plain = max(ours), max(plain)
    print(f"M/M/10, rho 0.9, {served:,} customers (best of {args.repeat}, interleaved)")
    print(f"  borderflow        {best_ours:>10,.0f} customers/s")
    print(f"  plain SimPy       {best_plain:>10,.0f} customers/s")
    print(f"  ratio             {best_ours / best_plain:>10.2f} x")

    path = HERE.parent / "scenarios" / "san_ysidro_weekday.yaml"
    if path.exists():
        day = load_scenario(path)
        times = []
        for replication in range(args.repeat):
            seconds, result = timed(lambda r=replication: simulate(day, replication=r))
            times.append(seconds)
        tracemalloc.start()
        simulate(day, replication=0)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        travellers = result.checks["arrived"]
        print(
            f"San Ysidro weekday, one replication: {min(times):.2f} s "
            f"({travellers:,} travellers, {travellers / min(times):,.0f}/s), "
            f"peak Python memory {peak / 2**20:.1f} MiB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
