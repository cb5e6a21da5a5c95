"""The ``borderflow`` command: parse the arguments, call one function of the API, print.

Everything a command does is a function a notebook can call too (``borderflow.run``,
``check``, ``compare``, ``sweep``, ``calibrate``, ``verify``, ``plots.write_plots``,
``report.write_report``); this module only turns arguments into that call and its result into
text and files. The arguments themselves are in :mod:`borderflow.arguments`, the exit codes in
:mod:`borderflow.errors`.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NOT_SERVED,
    EXIT_OK,
    EXIT_VERIFY_FAILED,
    InputError,
    Terminated,
    exit_code_for,
)


def command() -> int:
    """The ``borderflow`` command (and ``python -m borderflow``): :func:`main` on the
    process's arguments, in a process that ends with it.

    What the command made is freed at the exit without a last garbage collection: that one
    would walk every object of the interpreter (numpy's, pydantic's, the results), about 30 ms
    for nothing, as the process ends anyway. Handlers registered to run at the exit still
    run."""
    code = main()
    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``borderflow`` command with arguments ``argv`` (default: the process's) and
    return its exit code; the process goes on (tests and notebooks call this)."""
    from .arguments import parser

    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad option (argparse printed why)
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    try:
        with _stop_signals:
            code = COMMANDS[args.command](args)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM or SIGHUP as Terminated
        print(_stopped(), file=sys.stderr)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if _stop_signals.signum is None:  # an internal error: with what a bug report needs
            print(
                "borderflow: internal error (please report it with the lines below)",
                file=sys.stderr,
            )
            traceback.print_exc()
            return EXIT_INTERNAL
        # after SIGTERM or SIGHUP: most likely its doing (workers stopped by it too)
        print(f"{_stopped()}; then {type(exc).__name__}: {exc}", file=sys.stderr)
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        return exit_code_for(_stop_signals.signum)
    return code


class _StopSignals:
    """While a command runs, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread,
    so that they stop it the way Ctrl-C does: every command that keeps its finished work after
    Ctrl-C (``run``, ``compare``, ``sweep``) keeps it after them too, and worker processes and
    clusters are stopped on the way out. Only the first signal raises; a second one, while the
    finished work is being written, is ignored (Ctrl-C or SIGKILL still stop at once). A signal
    that is ignored when the command starts (``nohup``) stays ignored, and the previous handlers
    come back afterwards, so that :func:`main` can be called more than once in a process."""

    signum: int | None = None
    """The first stopping signal received during the command, if any."""

    def __init__(self) -> None:
        self._running = False
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signum is not None:
            return
        self.signum = signum
        if self._running:
            raise Terminated(signum)

    def __enter__(self) -> _StopSignals:
        self.signum = None
        self._previous = {}
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is None:
                continue
            previous = signal.getsignal(number)
            if previous is None or previous == signal.SIG_IGN:
                continue  # ignored on purpose (nohup), or not set from Python: left alone
            try:
                signal.signal(number, self._handle)
            except ValueError:  # not the main thread: signals cannot be handled here
                break
            self._previous[number] = previous
        self._running = True
        if self.signum is not None:  # arrived while the handlers were being set
            self.__exit__()
            raise Terminated(self.signum)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._running = False
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        self._previous = {}


_stop_signals = _StopSignals()


def _stopped() -> str:
    """How the command was stopped: ``interrupted`` (Ctrl-C), ``terminated (SIGTERM)`` or
    ``hung up (SIGHUP)``, the start of the message that says what was kept."""
    signum = _stop_signals.signum
    if signum is None:
        return "interrupted"
    name = signal.Signals(signum).name
    return f"hung up ({name})" if name == "SIGHUP" else f"terminated ({name})"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _needs_output(args: argparse.Namespace) -> bool:
    if getattr(args, "plot", False) and not args.output:
        _say("--plot: needs -o DIR (the figures go into DIR/plots/)")
        return False
    return True


def _progress(args: argparse.Namespace, label: str) -> Any:
    from .progress import ProgressBar

    return ProgressBar(label, enabled=not args.quiet and sys.stderr.isatty())


# --- commands -----------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    from .output import print_run, write_run
    from .runner import run

    if not _needs_output(args):
        return EXIT_INPUT
    overrides = tuple(args.overrides)
    if args.annualize is not None:
        overrides += (f"economics.annualize_days={args.annualize}",)
    bar = _progress(args, "replications")
    try:
        result = run(
            args.file,
            overrides=overrides,
            trace=args.trace,
            progress=bar,
            **_replication_options(args),
        )
    except Exception as exc:
        bar.close()
        partial = getattr(exc, "partial_result", None)
        if partial is not None and partial.replications and args.output:
            write_run(partial, args.output, trace=args.trace)
            _say(
                f"the {len(partial.replications)} replications finished before the error "
                f"are in {args.output}"
            )
        raise
    bar.close()
    if not result.replications:
        _say(f"{_stopped()} before the first replication finished; nothing to write")
        return EXIT_INTERRUPTED
    outcome = getattr(result, "precision", None)
    for warning in result.scenario.load_warnings:  # a what-if that changes nothing
        _say(f"warning: {warning}")
    if not args.quiet:
        print_run(result, sys.stdout)
        if outcome is not None:
            print(f"\n{outcome}")
    if outcome is not None and not outcome.reached:
        _say(f"warning: {outcome}")
    if args.output:
        _wrote(args, write_run(result, args.output, trace=args.trace), result)
    if result.interrupted:
        _say(
            f"{_stopped()} after {len(result.replications)} replications"
            + (f"; their results are in {args.output}" if args.output else "")
        )
        return EXIT_INTERRUPTED
    return _strict_code(args, [("", result)])


def _strict_code(args: argparse.Namespace, results: Sequence[tuple[str, Any]]) -> int:
    """With ``--strict``: :data:`EXIT_NOT_SERVED` if any run (labelled) left travellers not
    served, saying which streams on the error output; else :data:`EXIT_OK`."""
    if not args.strict:
        return EXIT_OK
    short = [
        f"{label}{stream} {count:,}"
        for label, result in results
        for stream, count in result.not_served.items()
        if count
    ]
    if not short:
        return EXIT_OK
    _say(f"--strict: travellers not served (overloaded): {', '.join(short)}")
    return EXIT_NOT_SERVED


def _check(args: argparse.Namespace) -> int:
    from .capacity import check
    from .region.compare import is_region_file

    if is_region_file(args.file):  # a region: what `borderflow region --check` says
        from .region.load import describe, load_region

        sys.stdout.write(describe(load_region(args.file, args.max_travellers)))
        return EXIT_OK

    report = check(args.file, args.overrides, args.max_travellers, args.max_memory)
    sys.stdout.write(report.to_text())
    for warning in report.warnings():
        _say(f"warning: {warning}")
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    from .experiments.compare import compare, print_comparison, write_comparison
    from .region.compare import is_region_file

    if is_region_file(args.base):
        return _compare_regions(args)
    if not _needs_output(args):
        return EXIT_INPUT
    bar = _progress(args, "replications")
    try:
        result = compare(
            args.base,
            *args.alternatives,
            progress=bar,
            **_replication_options(args),
        )
    finally:
        bar.close()
    if not result.base.replications:
        _say(f"{_stopped()} before the first pair of replications finished")
        return EXIT_INTERRUPTED
    for run in (result.base, *result.alternatives):
        for warning in run.scenario.load_warnings:  # a what-if that changes nothing
            _say(f"warning: {warning}")
    if not args.quiet:
        print_comparison(result, sys.stdout, _printed_metrics(args))
        if result.precision is not None:
            print(f"\n{result.precision}")
    if args.output:
        _wrote(args, write_comparison(result, args.output))
    if result.precision is not None and not result.precision.reached:
        _say(f"warning: {result.precision}")
    if result.interrupted:
        _say(f"{_stopped()} after {result.replications} replications of each scenario")
        return EXIT_INTERRUPTED
    if args.output and args.plot:
        _draw(result, Path(args.output) / "plots", quiet=args.quiet)
    runs = [result.base, *result.alternatives]
    return _strict_code(
        args, [(f"{label}: ", r) for label, r in zip(result.labels, runs, strict=True)]
    )


def _compare_regions(args: argparse.Namespace) -> int:
    """``compare`` of two region files: both equilibria, each port paired."""
    from .errors import ArgumentError
    from .region.compare import (
        compare_regions,
        is_region_file,
        print_region_comparison,
        write_region_comparison,
    )

    if len(args.alternatives) != 1 or not is_region_file(args.alternatives[0]):
        raise ArgumentError("compare: a region file is compared with exactly one other region file")
    if args.precision is not None or args.plot:
        raise ArgumentError("compare: --precision and --plot do not apply to region files")
    result = compare_regions(
        args.base,
        args.alternatives[0],
        replications=args.replications,
        seed=args.seed,
        jobs=args.jobs,
        dask=args.dask,
    )
    if not args.quiet:
        print_region_comparison(result, sys.stdout)
    if args.output:
        _wrote(args, write_region_comparison(result, args.output), also="one folder per port")
    if result.base.interrupted or result.alternative.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK


def _sweep(args: argparse.Namespace) -> int:
    from .experiments.sweep import load_experiment, print_sweep, sweep

    # every problem, oversized points included, is reported before anything runs
    experiment = load_experiment(args.file, args.max_travellers, args.max_memory)
    output = args.output or str(Path("runs") / Path(args.file).stem)
    bar = _progress(args, "replications")
    try:
        result = sweep(
            experiment,
            output=output,
            resume=args.resume,
            jobs=args.jobs,
            dask=args.dask,
            progress=bar,
        )
    finally:
        bar.close()
    if not args.quiet:
        print_sweep(result, sys.stdout, args.stream, _printed_metrics(args))
    if result.interrupted:
        _say(
            f"{_stopped()}: {len(result.records)} of {len(experiment.points)} points are stored "
            f"in {Path(output) / 'points'}; run the same command with --resume to compute "
            "only the others"
        )
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(f"\nwrote points.csv, results.csv, sweep.json to {output}")
    if args.plot:
        _draw(
            result,
            Path(output) / "plots",
            quiet=args.quiet,
            metric=args.metric,
            streams=[args.stream],
        )
    return EXIT_OK


def _staff(args: argparse.Namespace) -> int:
    from .staffing import staff
    from .staffing.files import StepLog, missed_text, to_text, write_staffing

    if not _needs_output(args):
        return EXIT_INPUT
    journal = StepLog(args.output) if args.output else None
    bar = _progress(args, "staffing")
    try:
        result = staff(
            args.file,
            args.targets,
            groups=args.groups,
            shift_hours=args.shift_hours,
            breaks=args.breaks,
            pool_shifts=args.pool_shifts,
            rule=args.rule,
            iterations=args.iterations,
            replications=args.replications,
            seed=args.seed,
            overrides=args.overrides,
            jobs=args.jobs,
            dask=args.dask,
            progress=bar,
            journal=journal,
            max_travellers=args.max_travellers,
            max_memory_mb=args.max_memory,
        )
    finally:
        bar.close()
    if not result.steps or not result.found.checks:
        _say(f"{_stopped()} before the first schedule was simulated; nothing to write")
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(to_text(result))
    if args.output:
        _wrote(args, write_staffing(result, args.output), result)
    if result.interrupted:
        _say(
            f"{_stopped()} after {len(result.steps)} simulation runs; the best schedule so far "
            + (f"is in {args.output}" if args.output else "was printed")
        )
        return EXIT_INTERRUPTED
    if result.impossible:
        _say(
            "error: some targets cannot be met even with every lane open (more lanes needed "
            f"than the port has), in these hours of arrival: {missed_text(result.impossible)}. "
            "The schedule found opens every lane there and meets the targets elsewhere."
        )
        return EXIT_INPUT
    missed = result.found.missed()
    if missed:
        _say(
            f"warning: the search stopped (--iterations {args.iterations}) before every target "
            f"was met; still missed: {missed_text(missed)}"
        )
        return EXIT_INPUT
    return EXIT_OK


def _region(args: argparse.Namespace) -> int:
    from .region import load_region, print_region, solve, write_region
    from .region.load import describe

    region = load_region(args.file, args.max_travellers)
    if args.check:
        sys.stdout.write(describe(region))
        return EXIT_OK
    for note in region.notes:
        _say(f"note: {note}")

    def progress(iteration: int, most: int, gap: float) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(
                f"\riteration {iteration}/{most}, relative gap {gap:.4f}\033[K",
                end="",
                file=sys.stderr,
                flush=True,
            )

    result = solve(
        region,
        replications=args.replications,
        seed=args.seed,
        iterations=args.iterations,
        tolerance=args.tolerance,
        jobs=args.jobs,
        dask=args.dask,
        progress=progress,
        max_travellers=args.max_travellers,
    )
    if not args.quiet and sys.stderr.isatty():
        print(file=sys.stderr)
    if not result.iterations:
        _say(f"{_stopped()} before the first iteration finished; nothing to write")
        return EXIT_INTERRUPTED
    if not args.quiet:
        print_region(result, sys.stdout)
    if args.output:
        _wrote(args, write_region(result, args.output), also="one folder per port")
    if result.interrupted:
        _say(f"{_stopped()} after {len(result.iterations)} iterations; the last is kept")
        return EXIT_INTERRUPTED
    if not result.converged:
        _say(
            f"warning: the relative gap {result.gap:.4f} is above the tolerance after "
            f"{len(result.iterations)} iterations (more iterations, or more replications to "
            "lower the noise)"
        )
    return EXIT_OK


def _calibrate(args: argparse.Namespace) -> int:
    from .calibrate import calibrate, write_calibration

    result = calibrate(
        args.file,
        args.observed,
        args.stream,
        column=args.column,
        months=args.month,
        weekdays=args.weekdays,
        fit=args.fit,
        offset_min=args.offset,
        iterations=args.iterations,
        replications=args.replications,
        overrides=args.overrides,
        jobs=args.jobs,
        progress=_say if sys.stderr.isatty() else None,
    )
    sys.stdout.write(result.to_text())
    for warning in result.warnings:
        _say(f"warning: {warning}")
    if args.output:
        paths = write_calibration(result, args.file, args.output)
        print(f"wrote {', '.join(str(p) for p in paths)}")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from .output import write_text
    from .verify import CATALOGUE, verify

    if args.list:
        for name, case in CATALOGUE.items():
            print(f"{name:<22}{case.title}")
        return EXIT_OK

    def progress(done: int, total: int, case: str) -> None:
        if not args.quiet and sys.stderr.isatty():
            end = "" if done < total else "\n"
            print(f"\r{done}/{total} batches ({case})\033[K", end=end, file=sys.stderr, flush=True)

    report = verify(quick=args.quick, cases=args.cases, progress=progress, jobs=args.jobs)
    if args.output:
        write_text(args.output, report.to_markdown())
    if args.quiet:
        print(report.summary())
    else:
        sys.stdout.write(report.to_text())
        if args.output:
            print(f"wrote {args.output}")
    return EXIT_OK if report.passed else EXIT_VERIFY_FAILED


def _schema(args: argparse.Namespace) -> int:
    import json

    from .output import write_text
    from .scenario import Scenario

    text = json.dumps(Scenario.model_json_schema(mode="validation"), indent=2) + "\n"
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _observed(args: argparse.Namespace) -> Any:
    """The ``--observed`` options as :class:`borderflow.plots.ObservedWaits` (None without)."""
    if not getattr(args, "observed", None):
        return None
    from .plots import ObservedWaits

    return ObservedWaits(
        args.observed,
        args.observed_offset,
        args.reporting_hour,
        args.observed_months,
        args.observed_weekdays,
    )


def _plot(args: argparse.Namespace) -> int:
    _draw(
        args.directory,
        None,
        args.format,
        metric=args.metric,
        streams=args.streams,
        target=args.target,
        observed=_observed(args),
    )
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from .report import write_report

    path = write_report(
        args.directory,
        args.output,
        metric=args.metric,
        streams=args.streams,
        target=args.target,
        observed=_observed(args),
    )
    print(f"wrote {path}")
    return EXIT_OK


def _animate(args: argparse.Namespace) -> int:
    from .animate import write_animation

    path = write_animation(args.directory, args.output, args.replication)
    print(f"wrote {path}")
    return EXIT_OK


def _wrote(
    args: argparse.Namespace, paths: Sequence[Path], plotted: Any = None, also: str = ""
) -> None:
    """Say which files a command wrote into ``args.output``, and with ``--plot`` draw the
    figures of ``plotted`` (the result) into its ``plots/`` folder."""
    if not args.quiet:
        names = ", ".join(p.name for p in paths) + (f" and {also}" if also else "")
        print(f"\nwrote {names} to {args.output}")
    if plotted is not None and getattr(args, "plot", False):
        _draw(plotted, Path(args.output) / "plots", quiet=args.quiet)


def _draw(
    source: Any,
    out_dir: Path | None,
    fmt: str = "png",
    *,
    quiet: bool = False,
    **options: Any,
) -> None:
    """Draw the figures of a result or a directory; print what was written."""
    from .plots import write_plots

    paths, notes = write_plots(source, out_dir, fmt, **options)
    for note in notes:
        _say(f"note: {note}")
    if not quiet and paths:
        print(f"wrote {', '.join(p.name for p in paths)} to {paths[0].parent}")


def _replication_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options ``run`` and ``compare`` share, as keyword arguments of their functions."""
    return {
        "replications": args.replications,
        "seed": args.seed,
        "jobs": args.jobs,
        "dask": args.dask,
        "precision": args.precision,
        "stream": args.stream,
        "metric": args.metric or _default_metric(),
        "max_replications": args.max_replications,
        "max_travellers": args.max_travellers,
        "max_memory_mb": args.max_memory,
    }


def _default_metric() -> str:
    from .defaults import METRIC

    return METRIC


def _printed_metrics(args: argparse.Namespace) -> tuple[str, ...]:
    from .defaults import PRINTED_METRICS

    return (args.metric,) if args.metric else PRINTED_METRICS


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _run,
    "check": _check,
    "staff": _staff,
    "compare": _compare,
    "sweep": _sweep,
    "region": _region,
    "calibrate": _calibrate,
    "verify": _verify,
    "schema": _schema,
    "plot": _plot,
    "report": _report,
    "animate": _animate,
}
"""Sub-command name -> handler."""


if __name__ == "__main__":
    raise SystemExit(main())
