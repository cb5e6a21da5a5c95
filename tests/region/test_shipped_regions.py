"""Every shipped region loads with its port files, and one runs an iteration from a fresh
checkout (the runs of docs/demand-response.md take minutes: they are not repeated here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderflow.region import load_region, solve

REGIONS = sorted((Path(__file__).resolve().parents[2] / "regions").glob("*.yaml"))


def test_there_are_shipped_regions() -> None:
    names = {p.name for p in REGIONS}
    assert {"san_diego.yaml", "el_paso_bota.yaml"} <= names


@pytest.mark.parametrize("path", REGIONS, ids=lambda p: p.name)
def test_shipped_region_loads(path: Path) -> None:
    region = load_region(path)
    assert region.notes, "a shipped region feeds at least one port stream from its markets"
    for market, demand in region.demand.items():
        assert sum(demand) > 0, market


def test_the_el_paso_region_runs_an_iteration() -> None:
    path = next(p for p in REGIONS if p.name == "el_paso_bota.yaml")
    result = solve(path, replications=1, iterations=1, jobs=1)
    summary = result.summary()["juarez_pov"]
    assert summary["crossing"] > 0.8 * summary["trips"]
    assert summary["trips"] == pytest.approx(summary["crossing"] + summary["not_made"])
