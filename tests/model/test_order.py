"""How a file lists its streams, stages, lane groups and profiles never changes a result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from borderflow.output import write_run
from borderflow.runner import run
from borderflow.scenario.schema import canonical_order

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TABLES = ("summary.csv", "replications.csv", "hourly.csv", "lanes_hourly.csv")


def reversed_maps(data: dict[str, Any]) -> dict[str, Any]:
    """The same scenario with every map whose order could matter listed backwards."""
    out = dict(data)
    for key in ("streams", "profiles"):
        if key in out:
            out[key] = dict(reversed(list(out[key].items())))
    stages = {}
    for name, stage in reversed(list(out["stages"].items())):
        stages[name] = {**stage, "lanes": dict(reversed(list(stage["lanes"].items())))}
    out["stages"] = stages
    return out


@pytest.mark.parametrize(
    "name", ["san_ysidro_weekday.yaml", "laredo_wtb/baseline.yaml", "otay_mesa/passenger.yaml"]
)
def test_reversed_maps_give_byte_identical_tables(tmp_path, name):
    path = SCENARIOS / name
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert "extends" not in data, "the test reverses a complete file"
    backwards = tmp_path / "backwards" / path.name
    backwards.parent.mkdir()
    YAML().dump(reversed_maps(data), backwards)
    for source, out in ((path, "forwards"), (backwards, "backwards")):
        result = run(source, replications=2, jobs=1, overrides=("horizon=30 h", "warmup=6 h"))
        write_run(result, tmp_path / out)
    for table in TABLES:
        forwards = (tmp_path / "forwards" / table).read_bytes()
        assert forwards == (tmp_path / "backwards" / table).read_bytes(), table


def test_stages_follow_the_routes_and_the_rest_their_names():
    data = {
        "streams": {"b": {"route": ["x", "primary"]}, "a": {"route": ["primary", "secondary"]}},
        "stages": {"secondary": {}, "primary": {"lanes": {"z": 1, "m": 2}}, "x": {}, "unused": {}},
        "profiles": {"peak": [], "flat": []},
    }
    ordered = canonical_order(data)
    assert list(ordered["streams"]) == ["a", "b"]
    assert list(ordered["profiles"]) == ["flat", "peak"]
    # first place on any route: primary and x at 0, secondary at 1, unused on none
    assert list(ordered["stages"]) == ["primary", "x", "secondary", "unused"]
    assert list(ordered["stages"]["primary"]["lanes"]) == ["m", "z"]
    assert canonical_order("not a map") == "not a map"
