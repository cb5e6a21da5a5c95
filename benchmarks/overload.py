"""The cost of an overloaded run: San Ysidro weekday at 5x demand, one replication, by length.

    python benchmarks/overload.py                    # 3, 10 and 30 days (several minutes)
    python benchmarks/overload.py --days 3 10        # other lengths
    python benchmarks/overload.py --timeout 600      # give up on a length after 600 s

Each length runs in a fresh process (``borderflow.simulate`` of the scenario with every stream's
``per_day`` times ``--factor``, ``horizon`` the number of days, no warm-up), so that the peak
resident memory of one length is not that of another. Prints, per length: simulated days,
seconds, peak resident MB and seconds per simulated day. When the cost is linear in the length
of the run, the last column stays about the same.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "scenarios" / "san_ysidro_weekday.yaml"


def overrides(days: float, factor: float) -> list[str]:
    """``--set`` values for ``days`` days of the scenario at ``factor`` times its demand."""
    from borderflow import load_scenario

    base = load_scenario(SCENARIO)
    out = [f"horizon={days:g} d", "warmup=0 h"]
    for name, spec in base.streams.items():
        if spec.arrivals.per_day is None:
            raise SystemExit(f"{name}: no per_day to scale")
        out.append(f"streams.{name}.arrivals.per_day={spec.arrivals.per_day * factor:g}")
    return out


def one(days: float, factor: float) -> dict[str, float]:
    """Run one length in this process; the figures as a dict."""
    import resource

    from borderflow import load_scenario, simulate

    scenario = load_scenario(SCENARIO, tuple(overrides(days, factor)), None)
    start = time.perf_counter()
    result = simulate(scenario)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    left = sum(u.get("inside", 0) for u in result.unfinished.values())
    return {
        "days": days,
        "seconds": seconds,
        "peak_mb": peak_kb / 1024,
        "arrived": result.checks["arrived"],
        "left_inside": left,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, nargs="+", default=[3, 10, 30])
    parser.add_argument("--factor", type=float, default=5.0, help="demand factor (default 5)")
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds allowed per length (default none)"
    )
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(one(args.one, args.factor)))
        return 0

    print(f"San Ysidro weekday, demand x{args.factor:g}, one replication, no warm-up")
    print(f"{'days':>5}  {'seconds':>8}  {'peak MB':>8}  {'s/day':>6}  ", end="")
    print(f"{'travellers':>11}  left inside")
    env = dict(os.environ)
    for days in args.days:
        command = [sys.executable, __file__, "--one", str(days), "--factor", str(args.factor)]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, timeout=args.timeout, check=True
            )
        except subprocess.TimeoutExpired:
            print(f"{days:>5g}  {'>' + format(args.timeout, 'g'):>8}  (stopped at the timeout)")
            continue
        except subprocess.CalledProcessError as exc:
            print(f"{days:>5g}  failed:\n{exc.stderr}", file=sys.stderr)
            return 1
        r = json.loads(done.stdout.splitlines()[-1])
        print(
            f"{days:>5g}  {r['seconds']:>8.1f}  {r['peak_mb']:>8.0f}  "
            f"{r['seconds'] / days:>6.2f}  {int(r['arrived']):>11,}  {int(r['left_inside']):,}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
