"""Each hour's waits, kept on request, are exactly the waits the hourly table summarises."""

from __future__ import annotations

import math

import numpy as np

from borderflow.model import simulate
from borderflow.scenario import load_scenario


def test_kept_waits_match_hourly_table_and_do_not_change_results() -> None:
    scenario = load_scenario("scenarios/example.yaml")
    plain = simulate(scenario, 3, 0)
    kept = simulate(scenario, 3, 0, waits=True)
    assert plain.waits is None
    assert kept.waits is not None
    # keeping the waits changes nothing else
    assert kept.hourly == plain.hourly
    assert kept.metrics == plain.metrics
    for day, hour, stream, arrivals, mean, p95, not_served in kept.hourly:
        waits = kept.waits[stream].get(24 * day + hour)
        if waits is None:
            assert math.isnan(mean)
            continue
        assert len(waits) == arrivals - not_served
        assert np.mean(waits) / 60 == mean
        assert float(np.percentile(waits, 95)) / 60 == p95
