"""borderflow's speed, measured side by side with a plain SimPy model in the same run.

    python benchmarks/run.py            # everything (about 5 minutes: a year of San Ysidro)
    python benchmarks/run.py --quick    # smaller, for a smoke test (under a minute)

Prints, with the machine's core count and load:

1. **in one process**: customers per second of borderflow and of a plain SimPy model (a process
   per customer and a ``simpy.Resource``, ``plain_simpy.py``) on the same M/M/10 queue
   (arrivals 9/min, exponential service with mean 1 min, one shared queue), and their ratio;
2. **whole process against whole process**: ``borderflow run FILE -j 1`` of that queue (one
   replication, its files written; the installed command) against ``python plain_simpy.py``
   for the same number of customers, start-up and imports included, the start-up alone (a
   run of one hour), and the same run as ``python -m borderflow``;
3. **San Ysidro weekday, one replication of a long horizon** on one core (``borderflow run
   -r 1 -j 1 --set horizon=... --set warmup=0 h``), each in a fresh process: seconds, travellers,
   and peak resident memory, at two horizons, to show that memory does not grow with it;
4. **outer loops**: the time per iteration of 20 iterations of a staffing-like search, serially,
   on one pool of workers kept for the loop, and on a fresh pool per iteration
   (``outer_loop.py``).

Runs of the two models are interleaved and the best of ``--repeat`` is kept, so that other load
on a shared machine disturbs the ratios as little as possible.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import outer_loop  # noqa: E402
from plain_simpy import plain_mmc  # noqa: E402

from borderflow import load_scenario, simulate  # noqa: E402

SAN_YSIDRO = ROOT / "scenarios" / "san_ysidro_weekday.yaml"
ARRIVALS_PER_HOUR = 540


def mm10_data(customers: int) -> dict:
    """The benchmark queue as a scenario: arrivals stop after about ``customers``."""
    return {
        "name": "M/M/10 benchmark",
        "horizon": f"{customers / ARRIVALS_PER_HOUR} h",
        "seed": 1,
        "replications": 1,
        "streams": {"customer": {"arrivals": {"per_hour": ARRIVALS_PER_HOUR}, "route": ["booths"]}},
        "stages": {
            "booths": {
                "lanes": {"booths": {"lanes": 10, "queue": "shared"}},
                "service": {"default": {"dist": "exponential", "mean": "1 min"}},
            }
        },
    }


def mm10_scenario(customers: int):
    return load_scenario(mm10_data(customers))


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


PEAK = """
import atexit, os, sys

def peak():  # this process's own peak (VmHWM): ru_maxrss would count the parent's, forked
    try:
        with open("/proc/self/status") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(os.environ["BENCHMARK_PEAK_FILE"], "w") as out:
        out.write(str(kb))

atexit.register(peak)
from borderflow.cli import main
sys.exit(main(sys.argv[1:]))
"""
"""``python -c PEAK args``: ``borderflow args``, writing its peak resident memory (kB) to the
file ``BENCHMARK_PEAK_FILE`` names."""


def child(command: list[str], work: Path | None = None) -> tuple[float, float, float]:
    """Run ``command``; return its wall seconds, CPU seconds and peak resident memory (MB),
    the latter as the command measured it itself if it did (see ``PEAK``)."""
    path = [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}  # this checkout's borderflow
    peak_file = (work or Path(tempfile.gettempdir())) / "peak.kb"
    env["BENCHMARK_PEAK_FILE"] = str(peak_file)
    peak_file.unlink(missing_ok=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 3):  # 3: some travellers not served (not here)
        raise RuntimeError(f"{' '.join(command)} failed with exit code {process.returncode}")
    kb = int(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss
    return wall, usage.ru_utime + usage.ru_stime, kb / 1024


COMMAND = Path(sys.executable).with_name("borderflow")
"""The installed ``borderflow`` command next to this Python (it runs this checkout's code, which
``child`` puts first on the path)."""


def borderflow_run(
    scenario: Path, out: Path, *changes: str, peak: bool = False, module: bool = False
) -> list[str]:
    """``borderflow run scenario -r 1 -j 1 -q --set change ... -o out`` in a fresh process: the
    ``borderflow`` command, or ``python -m borderflow`` with ``module`` or where the command is
    not installed (through ``PEAK`` with ``peak``, which adds a few lines at the exit only)."""
    if peak:
        program = [sys.executable, "-c", PEAK]
    elif module or not COMMAND.exists():
        program = [sys.executable, "-m", "borderflow"]
    else:
        program = [str(COMMAND)]
    command = [*program, "run", str(scenario), "-r", "1", "-j", "1", "-q"]
    for change in changes:
        command += ["--set", change]
    return [*command, "-o", str(out)]


def in_process(customers: int, repeat: int) -> None:
    scenario = mm10_scenario(customers)
    ours, plain = [], []
    served = 0
    for _ in range(repeat):
        seconds, result = timed(lambda: simulate(scenario))
        served = result.checks["arrived"]
        ours.append(served / seconds)
        seconds, waits = timed(lambda: plain_mmc(customers, 9.0, 1.0, 10))
        plain.append(len(waits) / seconds)
    best_ours, best_plain = max(ours), max(plain)
    print(f"1. M/M/10 in one process, rho 0.9, {served:,} customers (best of {repeat})")
    print(f"   borderflow        {best_ours:>10,.0f} customers/s")
    print(f"   plain SimPy       {best_plain:>10,.0f} customers/s")
    print(f"   ratio             {best_ours / best_plain:>10.2f} x   (target: at least 3)")


def whole_process(customers: int, repeat: int, work: Path) -> None:
    import json

    scenario = work / "mm10.yaml"
    scenario.write_text(json.dumps(mm10_data(customers)))  # JSON is YAML
    startup = work / "startup.yaml"
    startup.write_text(json.dumps(mm10_data(ARRIVALS_PER_HOUR)))  # one hour
    ours, plain, start, module = [], [], [], []
    for _ in range(repeat):
        ours.append(child(borderflow_run(scenario, work / "out"))[0])
        plain.append(child([sys.executable, str(HERE / "plain_simpy.py"), str(customers)])[0])
        start.append(child(borderflow_run(startup, work / "out-startup"))[0])
        module.append(child(borderflow_run(scenario, work / "out-m", module=True))[0])
    command = "borderflow run -j 1" if COMMAND.exists() else "python -m borderflow run -j 1"
    print(f"2. Whole process, {customers:,} customers (best of {repeat})")
    print(f"   {command:<26}{min(ours):>6.2f} s")
    print(f"   python plain_simpy.py     {min(plain):>6.2f} s")
    print(f"   ratio                     {min(plain) / min(ours):>6.2f} x   (target: at least 2.5)")
    print(
        f"   of which start-up (a run of 540 customers, files written): {min(start):.2f} s; "
        f"without it {min(plain) / max(min(ours) - min(start), 1e-9):.2f} x"
    )
    print(
        f"   the same as python -m borderflow run -j 1: {min(module):.2f} s, "
        f"{min(plain) / min(module):.2f} x"
    )


def long_replication(days: list[int], work: Path) -> None:
    print("3. San Ysidro weekday, one replication on one core, no warm-up (fresh process each)")
    day = load_scenario(SAN_YSIDRO, ["warmup=0 h", "horizon=24 h"])
    per_day = simulate(day).checks["arrived"]
    rows = []
    for n in days:
        out = work / f"sy-{n}"
        changes = (f"horizon={n} d", "warmup=0 h")
        wall, cpu, rss = child(borderflow_run(SAN_YSIDRO, out, *changes, peak=True), work)
        rows.append((n, wall, cpu, rss))
        print(
            f"   {n:>4} days  {wall:>7.1f} s wall  {cpu:>7.1f} s CPU  "
            f"(about {n * per_day / 1e6:.1f} million travellers, "
            f"{n * per_day / cpu:,.0f} per CPU second)  peak resident memory {rss:,.0f} MB"
        )
    n, _, cpu, _ = rows[-1]
    if n < 365 and len(rows) > 1:  # start-up once, then the cost of a day
        first, _, first_cpu, _ = rows[0]
        per_day = (cpu - first_cpu) / (n - first)
        print(
            f"   365 days, extrapolated from {first} and {n}: about "
            f"{first_cpu + per_day * (365 - first):.0f} s CPU ({per_day:.2f} s per day)"
        )
    print("   (target: 365 days in at most 2 minutes, memory flat in the horizon)")


def outer(quick: bool) -> None:
    iterations = 20
    workloads = outer_loop.WORKLOADS[:1] if quick else outer_loop.WORKLOADS
    rows = outer_loop.measure(iterations, 1 if quick else 3, 2, workloads)
    print("4. ", end="")
    outer_loop.report(rows, iterations, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--days", type=int, nargs="+", default=[30, 365], help="San Ysidro horizons (days)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="40,000 customers, one repeat, 3 and 10 days"
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=["1", "2", "3", "4"])
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.repeat, args.days = 40_000, 1, [3, 10]
    import simpy

    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    print(
        f"{cores} cores ({usable} usable), load average {os.getloadavg()[0]:.1f}; "
        f"Python {platform.python_version()}, SimPy {simpy.__version__}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if "1" not in args.skip:
            in_process(args.customers, args.repeat)
        if "2" not in args.skip:
            whole_process(args.customers, args.repeat, work)
        if "3" not in args.skip and SAN_YSIDRO.exists():
            long_replication(args.days, work)
        if "4" not in args.skip:
            outer(args.quick)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
