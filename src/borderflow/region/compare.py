"""Two regions compared at their equilibria: each port's runs paired replication by replication
(the same seeds, so common random numbers), and the markets' trips by option side by side.

``borderflow compare BASE.yaml ALT.yaml`` comes here when both files are region files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..execution import executor_for
from ..experiments.compare import Comparison, print_comparison, write_comparison
from ..output import OutputError, write_csv
from ..scenario.load import read_yaml
from .equilibrium import RegionResult, solve
from .load import load_region
from .output import write_region

MARKET_CHANGES_COLUMNS = ("market", "port", "stream", "base_trips", "alt_trips", "change")


def is_region_file(path: str | Path) -> bool:
    """Whether ``path`` reads as a region file (top-level ``ports`` and ``markets``)."""
    try:
        data = read_yaml(path).data
    except Exception:  # not readable: let the scenario loader say why
        return False
    return "markets" in data and "ports" in data


@dataclass
class RegionComparison:
    """Base and alternative regions at equilibrium, and each common port's paired comparison."""

    base: RegionResult
    alternative: RegionResult
    ports: dict[str, Comparison]
    labels: tuple[str, str]

    def market_rows(self) -> list[tuple]:
        """Counted trips of each market and option in both regions."""
        alt = {(r[0], r[1], r[2]): r[3] for r in self.alternative.market_rows()}
        rows = []
        for market, port, stream, trips, *_ in self.base.market_rows():
            other = alt.get((market, port, stream), 0.0)
            rows.append((market, port, stream, trips, other, other - trips))
        return rows


def compare_regions(
    base: str | Path,
    alternative: str | Path,
    *,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    dask: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> RegionComparison:
    """Solve both regions with the base's replications and seed (common random numbers) and
    compare every port they share, paired."""
    first = load_region(base)
    second = load_region(alternative)
    replications = first.spec.replications if replications is None else replications
    seed = first.spec.seed if seed is None else seed
    with executor_for(jobs, dask, executor, work=(2 * replications, 1e9)) as pool:
        results = [
            solve(r, replications=replications, seed=seed, executor=pool, progress=progress)
            for r in (first, second)
        ]
    labels = (Path(base).stem, Path(alternative).stem)
    ports = {}
    for port, run in results[0].runs.items():
        if port in results[1].runs:
            other = results[1].runs[port]
            ports[port] = Comparison(
                run,
                [other],
                list(labels),
                seed,
                results[0].wall_time_s + results[1].wall_time_s,
                results[0].interrupted or results[1].interrupted,
            )
    return RegionComparison(results[0], results[1], ports, labels)


def write_region_comparison(comparison: RegionComparison, directory: str | Path) -> list[Path]:
    """``markets.csv`` and ``region_comparison.json`` in ``directory``, each port's paired
    comparison in ``directory/<port>/`` and both regions in ``base/`` and ``alternative/``."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_csv(directory / "markets.csv", MARKET_CHANGES_COLUMNS, comparison.market_rows())
        meta = {
            "kind": "region_comparison",
            "labels": list(comparison.labels),
            "ports": list(comparison.ports),
            "converged": [comparison.base.converged, comparison.alternative.converged],
            "gap": [comparison.base.gap, comparison.alternative.gap],
        }
        (directory / "region_comparison.json").write_text(
            json.dumps(meta, indent=2) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        raise OutputError(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    for port, pair in comparison.ports.items():
        write_comparison(pair, directory / port)
    write_region(comparison.base, directory / "base")
    write_region(comparison.alternative, directory / "alternative")
    return [directory / "markets.csv", directory / "region_comparison.json"]


def print_region_comparison(comparison: RegionComparison, out: TextIO) -> None:
    """Trips by market and option in both regions, then each port's paired comparison."""
    b, a = comparison.labels
    out.write(f"base: {b} ({comparison.base.region.spec.name})\n")
    out.write(f"alt:  {a} ({comparison.alternative.region.spec.name})\n")
    for label, result in zip(
        comparison.labels, (comparison.base, comparison.alternative), strict=True
    ):
        state = "converged" if result.converged else "NOT converged"
        out.write(
            f"{label}: {len(result.iterations)} iterations, relative gap {result.gap:.4f} "
            f"({state})\n"
        )
    out.write(f"\n{'market':<18}{'port':<14}{'stream':<14}{'base':>10}{'alt':>10}{'change':>10}\n")
    for market, port, stream, base, alt, change in comparison.market_rows():
        out.write(
            f"{market:<18}{port:<14}{stream:<14}{base:>10,.0f}{alt:>10,.0f}{change:>+10,.0f}\n"
        )
    for port, pair in comparison.ports.items():
        out.write(f"\n== {port} (at each region's equilibrium) ==\n")
        print_comparison(pair, out)
