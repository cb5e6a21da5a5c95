"""Paired change in the mean wait of one stream at one port between two region runs (or run
folders), for a window of hours and the rest of the counted day: the numbers of the El Paso
what-if in docs/validation-real.md.

    python scripts/region_window_waits.py runs/bota_region runs/bota_region_all_lanes \
        --port bota --stream car --hours 6-10

Each replication's wait in a window is the arrival-weighted mean of its hourly means (the mean
wait of a traveller arriving then); the change is alternative minus base, replication by
replication (both runs use the same seeds), with a 95% t interval.
"""

from __future__ import annotations

import argparse
import csv
import math
from collections import defaultdict
from pathlib import Path

from borderflow.analysis import estimate


def window_waits(folder: Path, stream: str, hours: range) -> dict[str, dict[int, float]]:
    """{'window': {replication: wait}, 'rest': {...}} from a run folder's hourly.csv."""
    sums: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    with open(folder / "hourly.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["stream"] != stream or not row["wait_mean_min"]:
                continue
            served = int(row["arrivals"]) - int(row["not_served"])
            part = "window" if int(row["hour"]) in hours else "rest"
            cell = sums[(part, int(row["replication"]))]
            cell[0] += float(row["wait_mean_min"]) * served
            cell[1] += served
    out: dict[str, dict[int, float]] = {"window": {}, "rest": {}}
    for (part, rep), (weighted, served) in sums.items():
        out[part][rep] = weighted / served if served else math.nan
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("alternative")
    parser.add_argument("--port", help="port folder inside a region folder")
    parser.add_argument("--stream", required=True)
    parser.add_argument("--hours", default="6-10", help="window, as FIRST-END (end excluded)")
    args = parser.parse_args()
    first, end = (int(x) for x in args.hours.split("-"))
    folders = [Path(f) / args.port if args.port else Path(f) for f in (args.base, args.alternative)]
    base, alt = (window_waits(f, args.stream, range(first, end)) for f in folders)
    for part in ("window", "rest"):
        reps = sorted(base[part].keys() & alt[part].keys())
        b = estimate(base[part][r] for r in reps)
        a = estimate(alt[part][r] for r in reps)
        pct = estimate(100 * (alt[part][r] - base[part][r]) / base[part][r] for r in reps)
        name = f"{first:02d}-{end:02d}" if part == "window" else "rest of day"
        print(
            f"{name:<12} base {b.mean:6.1f} ± {b.half_width:.1f} min   alternative "
            f"{a.mean:6.1f} ± {a.half_width:.1f} min   change {pct.mean:+.1f}% ± "
            f"{pct.half_width:.1f} ({len(reps)} paired replications)"
        )


if __name__ == "__main__":
    main()
