"""The ``compare`` and ``sweep`` commands, and the options that choose where runs happen.

Thin, like the rest of the command line: each command calls one function of the Python API
(:func:`borderflow.compare`, :func:`borderflow.sweep`) and prints or writes what it returns.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .execution import default_jobs
from .precision import DEFAULT_MAX_REPLICATIONS
from .progress import ProgressBar

EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED = 0, 2, 130
PRINTED_METRICS = ("wait_mean_min", "wait_p95_min")


def add_execution_options(parser: argparse.ArgumentParser) -> None:
    """``--jobs`` and ``--dask``."""
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help=f"worker processes (default: the number of cores, {default_jobs()} here; "
        "1 runs in this process)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on Dask: 'local' starts a local cluster, tcp://host:8786 connects to a "
        "running scheduler (needs pip install 'borderflow[dask]')",
    )


def add_precision_options(parser: argparse.ArgumentParser) -> None:
    """``--precision``, ``--stream``, ``--metric``, ``--max-replications``."""
    parser.add_argument(
        "--precision",
        type=float,
        metavar="G",
        help="add replications until the 95%% CI half-width is within G of the mean "
        "(0.05 = 5%%), starting from -r (Law & Kelton's sequential procedure)",
    )
    parser.add_argument(
        "--stream",
        default="all",
        metavar="NAME",
        help="stream for --precision and the printed table (default: all)",
    )
    parser.add_argument(
        "--metric",
        metavar="NAME",
        help="metric for --precision (default: wait_mean_min) and the printed table",
    )
    parser.add_argument(
        "--max-replications",
        type=int,
        default=DEFAULT_MAX_REPLICATIONS,
        metavar="N",
        help=f"the cap for --precision (default: {DEFAULT_MAX_REPLICATIONS})",
    )


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """The ``compare`` and ``sweep`` sub-commands."""
    compare = commands.add_parser(
        "compare",
        help="compare scenarios with common random numbers (paired differences)",
        description="Run a base scenario and alternatives with the same seeds, so that "
        "replication r of each sees the same travellers, and compare them replication by "
        "replication.",
    )
    compare.add_argument("base", help="the base scenario file (YAML)")
    compare.add_argument("alternatives", nargs="+", metavar="alt", help="alternative scenarios")
    compare.add_argument(
        "-r", "--replications", type=int, metavar="N", help="per scenario (default: the base's)"
    )
    compare.add_argument(
        "--seed", type=int, metavar="S", help="root seed for all (default: the base's)"
    )
    compare.add_argument(
        "-o", "--output", metavar="DIR", help="write comparison.csv and comparison.json here"
    )
    add_execution_options(compare)
    add_precision_options(compare)
    compare.add_argument("-q", "--quiet", action="store_true", help="no progress and no table")

    sweep = commands.add_parser(
        "sweep",
        help="run every design point of an experiment file",
        description="Run the design points of an experiment file (a scenario, the keys to "
        "vary and a design) and write points.csv and results.csv.",
    )
    sweep.add_argument("file", help="experiment file (YAML)")
    sweep.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="output folder (default: runs/<experiment file name>); each finished point is "
        "stored in DIR/points",
    )
    sweep.add_argument(
        "--resume",
        action="store_true",
        help="keep the points already stored in DIR and compute only the missing ones",
    )
    add_execution_options(sweep)
    sweep.add_argument(
        "--stream", default="all", metavar="NAME", help="stream in the printed table"
    )
    sweep.add_argument("--metric", metavar="NAME", help="metric in the printed table")
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress and no table")


def jobs_of(args: argparse.Namespace) -> int:
    """``--jobs``, defaulting to the number of cores."""
    return default_jobs() if args.jobs is None else args.jobs


def check_numbers(args: argparse.Namespace) -> str | None:
    """A message for a number option out of range, or None."""
    if getattr(args, "jobs", None) is not None and args.jobs < 1:
        return f"--jobs: expected a positive number, found {args.jobs}"
    if getattr(args, "seed", None) is not None and args.seed < 0:
        return f"--seed: expected a non-negative whole number, found {args.seed}"
    if getattr(args, "replications", None) is not None and args.replications < 1:
        return f"--replications: expected a positive number, found {args.replications}"
    precision = getattr(args, "precision", None)
    if precision is not None and not 0 < precision < 1:
        return f"--precision: expected a fraction between 0 and 1 (0.05 = 5%), found {precision}"
    return None


def compare_command(args: argparse.Namespace) -> int:
    """``borderflow compare``."""
    from .compare import compare, print_comparison, write_comparison

    problem = check_numbers(args)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_INPUT
    bar = ProgressBar("replications", enabled=not args.quiet and sys.stderr.isatty())
    try:
        result = compare(
            args.base,
            *args.alternatives,
            replications=args.replications,
            seed=args.seed,
            jobs=jobs_of(args),
            dask=args.dask,
            progress=bar,
            precision=args.precision,
            stream=args.stream,
            metric=args.metric or "wait_mean_min",
            max_replications=args.max_replications,
        )
    finally:
        bar.close()
    if not result.base.replications:
        print("interrupted before the first pair of replications finished", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.quiet:
        metrics = (args.metric,) if args.metric else PRINTED_METRICS
        print_comparison(result, sys.stdout, metrics)
        if result.precision is not None:
            print(f"\n{result.precision}")
    if args.output:
        paths = write_comparison(result, args.output)
        if not args.quiet:
            print(f"\nwrote {', '.join(p.name for p in paths)} to {args.output}")
    if result.precision is not None and not result.precision.reached:
        print(f"warning: {result.precision}", file=sys.stderr)
    if result.interrupted:
        print(
            f"interrupted after {result.replications} replications of each scenario",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_OK


def sweep_command(args: argparse.Namespace) -> int:
    """``borderflow sweep``."""
    from .sweep import load_experiment, print_sweep, sweep

    problem = check_numbers(args)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_INPUT
    experiment = load_experiment(args.file)  # every problem reported before anything runs
    output = args.output or str(Path("runs") / Path(args.file).stem)
    bar = ProgressBar("replications", enabled=not args.quiet and sys.stderr.isatty())
    try:
        result = sweep(
            experiment,
            output=output,
            resume=args.resume,
            jobs=jobs_of(args),
            dask=args.dask,
            progress=bar,
        )
    finally:
        bar.close()
    if not args.quiet:
        metrics = (args.metric,) if args.metric else PRINTED_METRICS
        print_sweep(result, sys.stdout, args.stream, metrics)
    if result.interrupted:
        print(
            f"interrupted: {len(result.records)} of {len(experiment.points)} points are stored "
            f"in {Path(output) / 'points'}; run the same command with --resume to compute "
            "only the others",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(f"\nwrote points.csv, results.csv, sweep.json to {output}")
    return EXIT_OK


HANDLERS = {"compare": compare_command, "sweep": sweep_command}
"""Sub-command name -> handler, for the dispatch in ``borderflow.cli.main``."""
