"""Writing a region's tables and printing them for a person to read.

``DIR/choices.csv``, ``convergence.csv``, ``waits.csv``, ``markets.csv`` and ``region.json``,
and each port's run at equilibrium in ``DIR/<port>/`` as ``borderflow run -o`` writes it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TextIO

from ..output import OutputError, print_table, write_csv, write_run
from .equilibrium import RegionResult
from .load import NO_TRIP

REGION_FILES = {
    "choices": "choices.csv",
    "convergence": "convergence.csv",
    "waits": "waits.csv",
    "markets": "markets.csv",
}
"""A region's tables and their files (``borderflow region -o``)."""
REGION_JSON = "region.json"


def write_region(result: RegionResult, directory: str | Path) -> list[Path]:
    """Write the region's tables and ``region.json`` into ``directory`` and each port's run
    into ``directory/<port>/``; return the paths of the region's own files.

    Raises:
        OutputError: when the folder or a file cannot be written.
    """
    directory = Path(directory)
    written = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for table, name in REGION_FILES.items():
            columns, rows = result.table(table)
            write_csv(directory / name, columns, rows)
            written.append(directory / name)
        meta = directory / REGION_JSON
        meta.write_text(json.dumps(result.metadata(), indent=2) + "\n", encoding="utf-8")
        written.append(meta)
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    for port, run in result.runs.items():
        write_run(run, directory / port)
    return written


def _num(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def print_region(result: RegionResult, out: TextIO) -> None:
    """The tables a planner reads after ``borderflow region``: per market and option the trips,
    shares and waits; per market the trips diverted, shifted and not made; the convergence."""
    spec = result.region.spec
    k = len(result.iterations)
    state = (
        "converged"
        if result.converged
        else ("INTERRUPTED" if result.interrupted else "NOT converged")
    )
    out.write(f"{spec.name}\n")
    out.write(
        f"{spec.replications} replications per port and iteration, seed {spec.seed}; "
        f"{k} iteration{'s' if k != 1 else ''}, relative gap {_num(result.gap, 4)} "
        f"(tolerance {spec.equilibrium.tolerance:g}): {state}; {result.wall_time_s:.1f} s\n\n"
    )
    rows: list[tuple[str, ...]] = [
        ("market", "port", "stream", "trips", "share", "wait mean [95% CI] min", "free flow")
    ]
    for market, port, stream, trips, share, wait, low, high, free, _ in result.market_rows():
        ci = f" [{_num(low)}, {_num(high)}]" if not math.isnan(low) else ""
        rows.append(
            (
                market,
                port,
                stream,
                _num(trips, 0),
                "-" if math.isnan(share) else f"{share:.1%}",
                _num(wait) + ci if port != NO_TRIP else "",
                _num(free, 0),
            )
        )
    print_table(out, rows, left=(0, 1, 2, 5))
    out.write("\n")
    rows = [("market", "trips", "crossing", "diverted", "shifted", "not made")]
    for market, s in result.summary().items():
        rows.append(
            (
                market,
                *(_num(s[key], 0) for key in ("trips", "crossing", "diverted", "shifted")),
                _num(s["not_made"], 0),
            )
        )
    print_table(out, rows)
    out.write(
        "\nTrips are those reaching the border in the counted hours (after the warm-up). The wait\n"
        "is the trip-weighted expected wait of the option's trips; the interval is that of the\n"
        "stream's mean wait at the port over replications. 'free flow': the trips the option\n"
        "would get with no waits; 'diverted': trips moved to another option than at free flow;\n"
        "'shifted': trips crossing in another hour than they wished.\n"
    )
    for port, run in result.runs.items():
        served = run.not_served
        short = [f"{s} {n:,}" for s, n in served.items() if n]
        if short:
            out.write(f"warning: {port}: travellers not served (overloaded): {', '.join(short)}\n")
