"""The ``borderflow`` command. Thin: each command calls one function of the Python API."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence

from .experiments.execution import ExecutionError
from .experiments.precision import PrecisionError
from .output import OutputError
from .scenario import ScenarioError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .experiments import commands as experiment_commands

    parser = argparse.ArgumentParser(
        prog="borderflow",
        description="Simulate land ports of entry: wait times by stream and hour.",
    )
    parser.add_argument("--version", action="version", version=f"borderflow {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a scenario's replications and report waits",
        description="Run a scenario file and report wait times.",
    )
    run.add_argument("file", help="scenario file (YAML)")
    run.add_argument(
        "-r",
        "--replications",
        type=int,
        metavar="N",
        help="number of replications (default: the scenario's)",
    )
    run.add_argument("--seed", type=int, metavar="S", help="root seed (default: the scenario's)")
    run.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="write summary.csv, replications.csv, hourly.csv, lanes_hourly.csv and run.json here",
    )
    _add_set(run)
    run.add_argument(
        "--annualize",
        type=float,
        metavar="DAYS",
        help="also report delay cost, fuel and emissions per year, as DAYS days like the "
        "counted period (e.g. 250 weekdays); same as --set economics.annualize_days=DAYS",
    )
    run.add_argument(
        "--trace",
        action="store_true",
        help="also write trace.csv, one row per traveller (memory grows with them)",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress and no table")
    experiment_commands.add_execution_options(run)
    experiment_commands.add_precision_options(run)
    _add_plot_flag(run)

    check = commands.add_parser(
        "check",
        help="validate a scenario; show demand and load against open lanes by hour",
        description="Validate a scenario file and show its hourly load against capacity.",
    )
    check.add_argument("file", help="scenario file (YAML)")
    _add_set(check)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files.",
    )
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE")
    _add_plot_commands(commands)
    experiment_commands.add_parsers(commands)
    for name in ("compare", "sweep"):
        _add_plot_flag(commands.choices[name])
    _add_calibrate_command(commands)
    _add_verify_command(commands)
    return parser


def _add_calibrate_command(commands) -> None:
    calibrate = commands.add_parser(
        "calibrate",
        help="fit a stream's hourly demand (and inspection time) to observed waits",
        description="Fit the hourly demand profile of one stream (with --fit demand+service, "
        "also a scale on its primary inspection time) so that simulated mean waits by hour "
        "match observed ones. The daily volume is kept.",
    )
    calibrate.add_argument("file", help="scenario file (YAML)")
    calibrate.add_argument(
        "--observed",
        required=True,
        metavar="FILE",
        help="CSV of observed mean waits: month, weekday, hour, one column per lane type",
    )
    calibrate.add_argument("--stream", required=True, help="the stream to calibrate")
    calibrate.add_argument("--column", required=True, help="the column of observed waits")
    calibrate.add_argument("--month", metavar="M", help="months to use, e.g. 1 or 1-2")
    calibrate.add_argument("--weekdays", metavar="D", help="weekdays, 0 = Monday: e.g. 0-4")
    calibrate.add_argument("--fit", choices=("demand", "demand+service"), default="demand")
    calibrate.add_argument(
        "--offset",
        type=float,
        default=0.0,
        metavar="MIN",
        help="minutes of each observed wait that are not queueing (subtracted first; default 0)",
    )
    calibrate.add_argument(
        "--iterations",
        type=int,
        default=10,
        metavar="N",
        help="simulation steps of the fit (default 10)",
    )
    calibrate.add_argument(
        "-r",
        "--replications",
        type=int,
        default=6,
        metavar="N",
        help="replications per step, common random numbers (default 6)",
    )
    calibrate.add_argument(
        "-o",
        "--output",
        metavar="OUT.yaml",
        help="write the calibrated scenario here, with OUT_fit.csv and OUT_fit.png",
    )
    _add_set(calibrate)


def _add_plot_commands(commands) -> None:
    plot = commands.add_parser(
        "plot",
        help="draw the figures of a run, comparison or sweep directory into DIR/plots/",
        description="Draw the figures of what DIR holds (a run, a comparison or a sweep) "
        "into DIR/plots/.",
    )
    plot.add_argument("directory", metavar="DIR", help="a run, comparison or sweep directory")
    plot.add_argument(
        "--format", choices=("png", "svg", "pdf"), default="png", help="file format (default png)"
    )
    _add_figure_options(plot)
    report = commands.add_parser(
        "report",
        help="write one self-contained HTML report of a run, comparison or sweep",
        description="Write DIR/report.html: summary, headline table, figures and metadata, "
        "in one file that needs nothing else to open.",
    )
    report.add_argument("directory", metavar="DIR", help="a run, comparison or sweep directory")
    report.add_argument(
        "-o", "--output", metavar="FILE", help="write the report here (default DIR/report.html)"
    )
    _add_figure_options(report)


def _add_figure_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metric", metavar="M", help="sweeps: the metric plotted (default wait_p95_min)"
    )
    parser.add_argument(
        "--stream",
        dest="streams",
        action="append",
        metavar="S",
        help="sweeps: the stream plotted (default all; repeatable, one figure each)",
    )
    parser.add_argument(
        "--target",
        type=float,
        metavar="VALUE",
        help="sweeps: draw the heatmap's contour at this value of the metric "
        "(default 30 for waits in minutes)",
    )


def _add_plot_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plot", action="store_true", help="also draw the figures into DIR/plots/ (needs -o)"
    )


def _add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="change one value, e.g. --set stages.primary.lanes.general.lanes=26 (repeatable)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``borderflow`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return {
            "run": _run,
            "check": _check,
            "schema": _schema,
            "plot": _plot,
            "report": _report,
            "calibrate": _calibrate,
            "verify": _verify,
            **_experiment_handlers(),
        }[args.command](args)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OutputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    except (ExecutionError, PrecisionError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except Exception:  # an internal error: say so, with the details a bug report needs
        print("borderflow: internal error (please report it with the lines below)", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


def _experiment_handlers() -> dict:
    from .experiments.commands import HANDLERS

    return {name: _then_plot(handler) for name, handler in HANDLERS.items()}


def _then_plot(handler):
    """``handler`` of compare or sweep, followed by ``borderflow plot`` of its output with
    ``--plot``."""

    def run_then_plot(args: argparse.Namespace) -> int:
        if args.plot and args.command == "compare" and not args.output:
            print("--plot: needs -o DIR (the figures go into DIR/plots/)", file=sys.stderr)
            return EXIT_INPUT
        code = handler(args)
        if code != EXIT_OK or not args.plot:
            return code
        if args.command == "sweep":  # the sweep's own default folder
            from pathlib import Path

            directory = args.output or str(Path("runs") / Path(args.file).stem)
            return _draw_plots(
                directory, quiet=args.quiet, metric=args.metric, streams=[args.stream]
            )
        return _draw_plots(args.output, quiet=args.quiet)

    return run_then_plot


def _run(args: argparse.Namespace) -> int:
    from .experiments.commands import check_numbers, jobs_of
    from .experiments.running import run
    from .output import print_run, write_run

    if args.plot and not args.output:
        print("--plot: needs -o DIR (the figures go into DIR/plots/)", file=sys.stderr)
        return EXIT_INPUT
    if args.seed is not None and args.seed < 0:
        print(f"--seed: expected a non-negative whole number, found {args.seed}", file=sys.stderr)
        return EXIT_INPUT
    if args.replications is not None and args.replications < 1:
        print(
            f"--replications: expected a positive number, found {args.replications}",
            file=sys.stderr,
        )
        return EXIT_INPUT
    if check_numbers(args):
        print(check_numbers(args), file=sys.stderr)
        return EXIT_INPUT

    def progress(done: int, total: int) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(
                f"\rreplication {done}/{total}",
                end="" if done < total else "\n",
                file=sys.stderr,
                flush=True,
            )

    try:
        result = run(
            args.file,
            replications=args.replications,
            seed=args.seed,
            overrides=tuple(args.overrides)
            + ((f"economics.annualize_days={args.annualize}",) if args.annualize else ()),
            trace=args.trace,
            progress=progress,
            jobs=jobs_of(args),
            dask=args.dask,
            precision=args.precision,
            stream=args.stream,
            metric=args.metric or "wait_mean_min",
            max_replications=args.max_replications,
        )
    except Exception as exc:
        partial = getattr(exc, "partial_result", None)
        if partial is not None and partial.replications and args.output:
            write_run(partial, args.output, trace=args.trace)
            print(
                f"the {len(partial.replications)} replications finished before the error "
                f"are in {args.output}",
                file=sys.stderr,
            )
        raise
    if not result.replications:
        print(
            "interrupted before the first replication finished; nothing to write", file=sys.stderr
        )
        return EXIT_INTERRUPTED
    if not args.quiet:
        print_run(result, sys.stdout)
        if getattr(result, "precision", None) is not None:
            print(f"\n{result.precision}")
    outcome = getattr(result, "precision", None)
    if outcome is not None and not outcome.reached:
        print(f"warning: {outcome}", file=sys.stderr)
    if args.output:
        paths = write_run(result, args.output, trace=args.trace)
        if not args.quiet:
            print(f"\nwrote {', '.join(p.name for p in paths)} to {args.output}")
        if args.plot and _draw_plots(args.output, quiet=args.quiet) != EXIT_OK:
            return EXIT_INPUT
    if result.interrupted:
        print(
            f"interrupted after {len(result.replications)} replications"
            + (f"; their results are in {args.output}" if args.output else ""),
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from .capacity import day_types, hourly_load
    from .scenario import load_scenario
    from .scenario.schema import DAYS

    scenario = load_scenario(args.file, tuple(args.overrides))
    types = day_types(scenario)
    print(f"{scenario.name}: valid")
    print(
        f"horizon {scenario.horizon / 3600:g} h from {scenario.start_day}, warm-up "
        f"{scenario.warmup / 3600:g} h, {scenario.replications} replications, "
        f"seed {scenario.seed}\n"
    )
    names = [_day_names(days, DAYS) for days, _ in types]
    head = "".join(f"{n[:14]:>15}" for n in names) if len(types) > 1 else f"{'per day':>10}"
    print(f"{'stream':<16}{'mode':<12}{head}  route")
    for name, stream in scenario.streams.items():
        per_day = "".join(
            f"{sum(scenario.hourly_rates(name, day)):>{15 if len(types) > 1 else 10},.0f}"
            for _, day in types
        )
        print(f"{name:<16}{stream.mode:<12}{per_day}  {' -> '.join(stream.route)}")
    warnings = 0
    for (_, day), label in zip(types, names, strict=True):
        rows = hourly_load(scenario, day)
        pools = sorted(
            {(r.stage, r.groups, r.streams) for r in rows},
            key=lambda p: (list(scenario.stages).index(p[0]), p[1]),
        )
        for stage, groups, streams in pools:
            where = f" ({label})" if len(types) > 1 else ""
            print(
                f"\n{stage}{where}: lanes {', '.join(groups)} serving "
                f"{', '.join(streams) or 'no stream'}"
            )
            print(f"  {'hour':<7}{'arrivals/h':>11}{'load':>8}{'capacity':>10}{'util':>7}")
            for r in rows:
                if (r.stage, r.groups, r.streams) != (stage, groups, streams):
                    continue
                flag = ""
                if r.utilization >= 1:
                    flag = "  <- at or over capacity"
                    warnings += 1
                util = "inf" if r.utilization == float("inf") else f"{r.utilization:.2f}"
                print(
                    f"  {r.hour:02d}:00 {r.arrivals_per_hour:>11,.0f}{r.offered_load:>8.1f}"
                    f"{r.capacity:>10.1f}{util:>7}{flag}"
                )
    print()
    if warnings:
        print(
            f"warning: {warnings} pool-hours at or over capacity (utilisation >= 1): "
            "queues grow through those hours",
            file=sys.stderr,
        )
    else:
        print("every pool of lanes has spare capacity in every hour")
    return EXIT_OK


def _calibrate(args: argparse.Namespace) -> int:
    from .calibrate import calibrate, parse_days, read_observed, write_calibration
    from .scenario import load_scenario

    try:
        months = parse_days(args.month) if args.month else None
        weekdays = parse_days(args.weekdays) if args.weekdays else None
    except ValueError:
        print("--month/--weekdays: expected numbers like 1, 1-2 or 0-4", file=sys.stderr)
        return EXIT_INPUT
    if args.iterations < 1 or args.replications < 1:
        print("--iterations and --replications must be at least 1", file=sys.stderr)
        return EXIT_INPUT
    scenario = load_scenario(args.file, tuple(args.overrides))
    if args.stream not in scenario.streams:
        print(
            f"--stream: unknown stream {args.stream!r}; streams: {', '.join(scenario.streams)}",
            file=sys.stderr,
        )
        return EXIT_INPUT
    observed = read_observed(args.observed, args.column, months, weekdays)
    try:
        result = calibrate(
            scenario,
            observed,
            args.stream,
            fit=args.fit,
            offset_min=args.offset,
            iterations=args.iterations,
            replications=args.replications,
            progress=lambda line: print(line, file=sys.stderr) if sys.stderr.isatty() else None,
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    print(
        f"{args.stream}: {observed.rows} observed rows, offset {args.offset:g} min"
        + (f", inspection time x{result.service_scale:.3f}" if args.fit != "demand" else "")
    )
    print(
        f"{'hour':<6}{'target':>8}{'before':>8}{'after':>8}{'± se':>7}"
        f"{'arrivals before':>17}{'after':>8}"
    )
    for h, _obs, target, before, after, rate_before, rate_after in result.rows():
        print(
            f"{h:02d}:00 {target:>8.1f}{before:>8.1f}{after:>8.1f}"
            f"{result.standard_error[h]:>7.1f}{rate_before:>17.0f}{rate_after:>8.0f}"
        )
    hour, gap = result.largest_gap
    noise = float((result.standard_error**2).mean() ** 0.5)
    print(
        f"\nRMSE {result.rmse:.2f} min (simulation noise {noise:.2f} min, "
        f"{result.check_replications} fresh replications); largest gap {gap:+.1f} min at "
        f"{hour:02d}:00; daily volume {result.rates.sum():,.0f} (unchanged)"
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.output:
        paths = write_calibration(result, args.file, args.output)
        print(f"wrote {', '.join(str(p) for p in paths)}")
    return EXIT_OK


def _day_names(days: list[int], names: tuple[str, ...]) -> str:
    """'monday-friday', 'saturday', 'sunday', or 'every day'."""
    if len(days) == 7:
        return "every day"
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{names[days[0]]}-{names[days[-1]]}"
    return ", ".join(names[d] for d in days)


def _schema(args: argparse.Namespace) -> int:
    from .scenario import Scenario

    text = json.dumps(Scenario.model_json_schema(mode="validation"), indent=2) + "\n"
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise OutputError(f"cannot write {args.output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _draw_plots(
    directory: str,
    fmt: str = "png",
    *,
    quiet: bool = False,
    metric: str | None = None,
    streams: list[str] | None = None,
    target: float | None = None,
) -> int:
    """Draw the figures of ``directory`` into ``directory/plots``; print what was written."""
    import matplotlib

    matplotlib.use("Agg")
    from .plots import PlotInputError, write_plots

    try:
        paths, notes = write_plots(directory, fmt, metric=metric, streams=streams, target=target)
    except PlotInputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not quiet and paths:
        print(f"wrote {', '.join(p.name for p in paths)} to {paths[0].parent}")
    return EXIT_OK


def _plot(args: argparse.Namespace) -> int:
    return _draw_plots(
        args.directory, args.format, metric=args.metric, streams=args.streams, target=args.target
    )


def _report(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .plots import PlotInputError
    from .report import write_report

    try:
        path = write_report(
            args.directory,
            args.output,
            metric=args.metric,
            streams=args.streams,
            target=args.target,
        )
    except PlotInputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    print(f"wrote {path}")
    return EXIT_OK


EXIT_VERIFY_FAILED = 3
"""``borderflow verify``: a check of the model against theory failed."""


def _add_verify_command(commands) -> None:
    verify = commands.add_parser(
        "verify",
        help="check the model against queueing theory (M/M/1, M/M/c, M/G/1, stacked booths, "
        "a time-varying day)",
        description="Run the verification catalogue: small scenarios whose answer is known from "
        "queueing theory. Prints the table; exits 0 when every check passes, 3 when any fails.",
    )
    verify.add_argument(
        "--quick", action="store_true", help="the short run (under two minutes on two cores)"
    )
    verify.add_argument(
        "--case",
        dest="cases",
        action="append",
        metavar="NAME",
        help="run only this case (repeatable); names are listed by --list",
    )
    verify.add_argument("--list", action="store_true", help="list the cases and exit")
    verify.add_argument("-o", "--output", metavar="FILE.md", help="also write the Markdown page")
    verify.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: the number of cores; 1 runs in this process)",
    )
    verify.add_argument("-q", "--quiet", action="store_true", help="no progress and no table")


def _verify(args: argparse.Namespace) -> int:
    from .verify import CATALOGUE, verify

    if args.list:
        for name, case in CATALOGUE.items():
            print(f"{name:<22}{case.title}")
        return EXIT_OK
    if args.jobs is not None and args.jobs < 1:
        print(f"--jobs: expected a positive number, found {args.jobs}", file=sys.stderr)
        return EXIT_INPUT
    unknown = [name for name in args.cases or () if name not in CATALOGUE]
    if unknown:
        print(
            f"--case: unknown case {', '.join(unknown)}; cases: {', '.join(CATALOGUE)}",
            file=sys.stderr,
        )
        return EXIT_INPUT

    def progress(done: int, total: int, case: str) -> None:
        if not args.quiet and sys.stderr.isatty():
            end = "" if done < total else "\n"
            print(f"\r{done}/{total} batches ({case})\033[K", end=end, file=sys.stderr, flush=True)

    report = verify(quick=args.quick, cases=args.cases, progress=progress, jobs=args.jobs)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(report.to_markdown())
        except OSError as exc:
            raise OutputError(f"cannot write {args.output}: {exc.strerror}") from None
    if args.quiet:
        print(report.summary())
    else:
        sys.stdout.write(report.to_text())
        if args.output:
            print(f"wrote {args.output}")
    return EXIT_OK if report.passed else EXIT_VERIFY_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
