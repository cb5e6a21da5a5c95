"""What the equilibrium loop costs beyond simulating the ports, measured side by side.

    python benchmarks/region_overhead.py            # 10 iterations, 8 replications per port
    python benchmarks/region_overhead.py --quick    # 3 iterations, 2 replications

A region of two M/M/2 ports fed by one market is solved for a fixed number of iterations in this
process; the same ports, with the equilibrium's final flows, are then run as plain scenarios the
same number of times. The ratio of the two times is the overhead of the loop (the logit, the
expected waits, building each iteration's scenarios): 1.0 means none. Runs are interleaved and
the best of ``--repeat`` is kept.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from borderflow.region import load_region, solve
from borderflow.runner import run

PORT = """\
name: benchmark port
streams:
  car: {arrivals: {per_hour: 60}, route: [primary]}
stages:
  primary:
    lanes: {general: {lanes: 2, queue: shared}}
    service: {default: {dist: exponential, mean: 1 min}}
"""

REGION = """\
name: two ports
horizon: 48 h
warmup: 24 h
replications: {reps}
ports: {{a: port.yaml, b: port.yaml}}
markets:
  town:
    arrivals: {{per_hour: 180}}
    options:
      a: {{stream: car, access: 10 min}}
      b: {{stream: car, access: 15 min}}
choice:
  scale: 0.2
  shift: {{max: 2 h}}
equilibrium: {{iterations: {iterations}, tolerance: 0.000001}}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.iterations, args.replications, args.repeat = 3, 2, 1
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        (directory / "port.yaml").write_text(PORT, encoding="utf-8")
        path = directory / "region.yaml"
        path.write_text(
            REGION.format(reps=args.replications, iterations=args.iterations), encoding="utf-8"
        )
        region = load_region(path)
        loop = plain = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = solve(region, jobs=1)
            loop = min(loop, time.perf_counter() - start)
            scenarios = [r.scenario for r in result.runs.values()]
            start = time.perf_counter()
            for _ in range(len(result.iterations)):
                for scenario in scenarios:
                    run(scenario, jobs=1)
            plain = min(plain, time.perf_counter() - start)
    print(
        f"{len(result.iterations)} iterations x 2 ports x {args.replications} replications: "
        f"equilibrium {loop:.2f} s, the same simulations alone {plain:.2f} s, "
        f"ratio {loop / plain:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
