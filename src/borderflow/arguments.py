"""The command line's arguments: every command, option and its help, and nothing else.

Defaults come from :mod:`borderflow.defaults`, which the Python API uses too, so a command and
the function it calls behave the same. This module imports only the standard library, so that
``borderflow --help`` is quick.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import defaults


def positive(text: str) -> int:
    """A whole number of at least 1 (replications, jobs, iterations)."""
    return _whole(text, 1, "a positive whole number")


def non_negative(text: str) -> int:
    """A whole number of at least 0 (seeds)."""
    return _whole(text, 0, "a non-negative whole number")


def _whole(text: str, minimum: int, kind: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {kind}, found {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {kind}, found {value}")
    return value


def fraction(text: str) -> float:
    """A number strictly between 0 and 1 (a relative precision)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a fraction between 0 and 1 (0.05 = 5%), found {text!r}"
        )
    return value


def finite(text: str) -> float:
    """A finite number (minutes, days, target values)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a number, found {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """The ``borderflow`` command and its sub-commands."""
    from . import __version__

    top = argparse.ArgumentParser(
        prog="borderflow",
        description="Simulate land ports of entry: wait times by stream and hour.",
    )
    top.add_argument("--version", action="version", version=f"borderflow {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _run(commands)
    _check(commands)
    _compare(commands)
    _sweep(commands)
    _region(commands)
    _calibrate(commands)
    _staff(commands)
    _verify(commands)
    _plot(commands)
    _report(commands)
    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files (for editor autocompletion).",
    )
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE")
    return top


Commands = Any
"""argparse's sub-parsers action (its class is private)."""


def _run(commands: Commands) -> None:
    run = commands.add_parser(
        "run",
        help="run a scenario's replications and report waits",
        description="Run a scenario file and report wait times.",
    )
    run.add_argument("file", help="scenario file (YAML)")
    _replications_and_seed(run, "the scenario's")
    run.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="write summary.csv, replications.csv, hourly.csv, lanes_hourly.csv and run.json here",
    )
    _set(run)
    run.add_argument(
        "--annualize",
        type=finite,
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
    _strict(run)
    _execution(run)
    _precision(run)
    _max_travellers(run)
    _plot_flag(run)


def _check(commands: Commands) -> None:
    check = commands.add_parser(
        "check",
        help="validate a scenario; show demand and load against open lanes by hour",
        description="Validate a scenario file and show its expected travellers and its hourly "
        "load against capacity, without simulating.",
    )
    check.add_argument("file", help="scenario file (YAML)")
    _set(check)
    _max_travellers(check)


def _compare(commands: Commands) -> None:
    compare = commands.add_parser(
        "compare",
        help="compare scenarios with common random numbers (paired differences)",
        description="Run a base scenario and alternatives with the same seeds, so that "
        "replication r of each sees the same travellers, and compare them replication by "
        "replication.",
    )
    compare.add_argument("base", help="the base scenario file (YAML)")
    compare.add_argument("alternatives", nargs="+", metavar="alt", help="alternative scenarios")
    _replications_and_seed(compare, "the base's", per="per scenario; ")
    compare.add_argument(
        "-o", "--output", metavar="DIR", help="write comparison.csv and comparison.json here"
    )
    _execution(compare)
    _precision(compare)
    _max_travellers(compare)
    compare.add_argument("-q", "--quiet", action="store_true", help="no progress and no table")
    _strict(compare)
    _plot_flag(compare)


def _sweep(commands: Commands) -> None:
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
    _execution(sweep)
    _max_travellers(sweep)
    sweep.add_argument(
        "--stream", default=defaults.STREAM, metavar="NAME", help="stream in the printed table"
    )
    sweep.add_argument("--metric", metavar="NAME", help="metric in the printed table")
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress and no table")
    _plot_flag(sweep)


def _region(commands: Commands) -> None:
    region = commands.add_parser(
        "region",
        help="solve a region's equilibrium: travellers choose ports, lanes and hours by waits",
        description="Solve a region file: its markets' trips choose among ports, lane types, "
        "crossing hours (and not crossing) by access time plus expected wait, and the ports are "
        "simulated with the flows they choose, until the flows are their own response "
        "(method of successive averages, common random numbers).",
    )
    region.add_argument("file", help="region file (YAML)")
    _replications_and_seed(region, "the region file's", per="per port and iteration; ")
    region.add_argument(
        "--iterations",
        type=positive,
        metavar="N",
        help="most equilibrium iterations (default: the file's equilibrium.iterations)",
    )
    region.add_argument(
        "--tolerance",
        type=fraction,
        metavar="G",
        help="stop when the relative gap is below G (default: the file's equilibrium.tolerance)",
    )
    region.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="write choices.csv, convergence.csv, waits.csv, markets.csv, region.json and each "
        "port's run at equilibrium (DIR/<port>/) here",
    )
    region.add_argument(
        "--check",
        action="store_true",
        help="validate the region and its port files, say which port arrivals the markets "
        "replace, and exit without simulating",
    )
    _execution(region)
    region.add_argument(
        "--max-travellers",
        type=positive,
        default=defaults.MAX_TRAVELLERS,
        metavar="N",
        help="refuse flows that expect more than N travellers in one replication of a port "
        f"(default {defaults.MAX_TRAVELLERS:,})",
    )
    region.add_argument("-q", "--quiet", action="store_true", help="no progress and no table")


def _calibrate(commands: Commands) -> None:
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
        type=finite,
        default=0.0,
        metavar="MIN",
        help="minutes of each observed wait that are not queueing (subtracted first; default 0)",
    )
    calibrate.add_argument(
        "--iterations",
        type=positive,
        default=defaults.CALIBRATE_ITERATIONS,
        metavar="N",
        help=f"simulation steps of the fit (default {defaults.CALIBRATE_ITERATIONS})",
    )
    calibrate.add_argument(
        "-r",
        "--replications",
        type=positive,
        default=defaults.CALIBRATE_REPLICATIONS,
        metavar="N",
        help="replications per step, common random numbers "
        f"(default {defaults.CALIBRATE_REPLICATIONS})",
    )
    calibrate.add_argument(
        "-o",
        "--output",
        metavar="OUT.yaml",
        help="write the calibrated scenario here, with OUT_fit.csv and OUT_fit.png",
    )
    calibrate.add_argument("-j", "--jobs", type=positive, metavar="N", help=_JOBS_HELP)
    _set(calibrate)


def _staff(commands: Commands) -> None:
    staff = commands.add_parser(
        "staff",
        help="find the fewest lane-hours (and officer shifts) that meet hourly wait targets",
        description="Find the lanes to open each hour, in the lane groups serving the targeted "
        "streams, so that every target holds in every counted hour of arrival with the fewest "
        "lane-hours (simulation-based iterative staffing, common random numbers); then the "
        "officer shifts that cover them (integer programme). Compared with the period-by-period "
        "(stationary) schedule and the scenario's own. See docs/staffing.md.",
    )
    staff.add_argument("file", help="scenario file (YAML)")
    staff.add_argument(
        "--target",
        dest="targets",
        action="append",
        required=True,
        metavar="STREAM:METRIC<=VALUE",
        help="e.g. car_general:wait_p95_min<=30; METRIC is wait_mean_min, wait_pNN_min or "
        "share_wait_over_X_min (a share, 0.05 = 5%%); repeatable",
    )
    staff.add_argument(
        "--groups",
        nargs="+",
        metavar="STAGE.GROUP",
        help="decide only these lane groups (default: every group serving a targeted stream "
        "where its wait ends); the others keep their schedule",
    )
    staff.add_argument(
        "--shift-hours",
        nargs="+",
        type=positive,
        default=[8],
        metavar="H",
        help="shift lengths officers may work, in hours (default 8; e.g. --shift-hours 8 10)",
    )
    staff.add_argument(
        "--breaks",
        action="store_true",
        help="give every shift longer than 6 hours a one-hour break, off duty",
    )
    staff.add_argument(
        "--pool-shifts",
        action="store_true",
        help="plan each stage's shifts for all its decided lane groups together (officers move "
        "between them; lane_group 'all' in shifts.csv)",
    )
    staff.add_argument(
        "--rule",
        choices=("ci", "mean"),
        default="ci",
        help="an hour is met when the upper end of its 95%% CI over replications (ci, the "
        "default) or its mean (mean) is at or below the target",
    )
    staff.add_argument(
        "--iterations",
        type=positive,
        default=30,
        metavar="N",
        help="simulation runs allowed to each phase of the search (default 30)",
    )
    _replications_and_seed(staff, "the scenario's", "each schedule tried; ")
    staff.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="write staffing.csv, targets.csv, shifts.csv, staffed.yaml and more here",
    )
    _set(staff)
    staff.add_argument("-q", "--quiet", action="store_true", help="no progress and no table")
    _execution(staff)
    _max_travellers(staff)
    _plot_flag(staff)


def _verify(commands: Commands) -> None:
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
        type=positive,
        metavar="N",
        help=f"worker processes (default: every core, {defaults.default_jobs()} here; "
        "1 runs in this process)",
    )
    verify.add_argument("-q", "--quiet", action="store_true", help="no progress and no table")


def _plot(commands: Commands) -> None:
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
    _figure_options(plot)


def _report(commands: Commands) -> None:
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
    _figure_options(report)


# --- options shared by several commands -------------------------------------------------------

_JOBS_HELP = (
    f"worker processes (default: every core, {defaults.default_jobs()} here, unless the run "
    "is small; 1 runs in this process)"
)


def _replications_and_seed(parser: argparse.ArgumentParser, whose: str, per: str = "") -> None:
    parser.add_argument(
        "-r",
        "--replications",
        type=positive,
        metavar="N",
        help=f"number of replications ({per}default: {whose})",
    )
    parser.add_argument(
        "--seed", type=non_negative, metavar="S", help=f"root seed (default: {whose})"
    )


def _execution(parser: argparse.ArgumentParser) -> None:
    """``--jobs`` and ``--dask``."""
    parser.add_argument("-j", "--jobs", type=positive, metavar="N", help=_JOBS_HELP)
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on Dask: 'local' starts a local cluster, tcp://host:8786 connects to a "
        "running scheduler (needs pip install 'borderflow[dask]')",
    )


def _precision(parser: argparse.ArgumentParser) -> None:
    """``--precision``, ``--stream``, ``--metric``, ``--max-replications``."""
    parser.add_argument(
        "--precision",
        type=fraction,
        metavar="G",
        help="add replications until the 95%% CI half-width is within G of the mean "
        "(0.05 = 5%%), starting from -r (Law & Kelton's sequential procedure)",
    )
    parser.add_argument(
        "--stream",
        default=defaults.STREAM,
        metavar="NAME",
        help=f"stream for --precision and the printed table (default: {defaults.STREAM})",
    )
    parser.add_argument(
        "--metric",
        metavar="NAME",
        help=f"metric for --precision (default: {defaults.METRIC}) and the printed table",
    )
    parser.add_argument(
        "--max-replications",
        type=positive,
        default=defaults.MAX_REPLICATIONS,
        metavar="N",
        help=f"the cap for --precision (default: {defaults.MAX_REPLICATIONS})",
    )


def _max_travellers(parser: argparse.ArgumentParser) -> None:
    """``--max-travellers`` and ``--max-memory``: the limits checked before a run starts."""
    parser.add_argument(
        "--max-memory",
        type=finite,
        default=defaults.MAX_MEMORY_MB,
        metavar="MB",
        help="refuse a scenario whose replication is estimated to need more than MB of memory "
        f"(an overloaded port keeps its travellers; default {defaults.MAX_MEMORY_MB:,.0f})",
    )
    parser.add_argument(
        "--max-travellers",
        type=positive,
        default=defaults.MAX_TRAVELLERS,
        metavar="N",
        help="refuse a scenario that expects more than N travellers in one replication "
        f"(default {defaults.MAX_TRAVELLERS:,}; `check` shows the estimate)",
    )


def _set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="change one value, e.g. --set stages.primary.lanes.general.lanes=26 (repeatable)",
    )


def _strict(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with code 4 (after writing the results) when any traveller was not served: "
        "still waiting when the run stopped, the port overloaded",
    )


def _plot_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plot", action="store_true", help="also draw the figures into DIR/plots/ (needs -o)"
    )


def _figure_options(parser: argparse.ArgumentParser) -> None:
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
        type=finite,
        metavar="VALUE",
        help="sweeps: draw the heatmap's contour at this value of the metric "
        "(default 30 for waits in minutes)",
    )
