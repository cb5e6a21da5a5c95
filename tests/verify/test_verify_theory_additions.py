"""``theory.stacked_utilization``: booth occupancy of a saturated stacked lane."""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.theory import service_distribution, stacked_utilization


def test_stacked_utilization_closed_forms():
    exp = service_distribution("exponential", 1.0)
    # E[max of j exponentials] = H_j: (1 + 3/2) / (2 * 3/2) and (1 + 3/2 + 11/6) / (3 * 11/6)
    assert stacked_utilization(exp, 2) == pytest.approx(5 / 6, rel=1e-9)
    assert stacked_utilization(exp, 3) == pytest.approx((1 + 1.5 + 11 / 6) / (3 * 11 / 6), rel=1e-9)
    assert stacked_utilization(exp, 1) == pytest.approx(1.0)
    assert stacked_utilization(service_distribution("deterministic", 2.0), 2) == 1.0


def test_stacked_utilization_matches_monte_carlo():
    # front booth held for S1, rear for max(S1, S2), cycle max(S1, S2); 10^6 cycles (fixed seed)
    dist = service_distribution("lognormal", 60.0, 0.6)
    rng = np.random.default_rng(2024)
    s = dist.ppf(rng.random((1_000_000, 2)))
    cycle = s.max(axis=1)
    simulated = (s[:, 0].mean() + cycle.mean()) / (2 * cycle.mean())
    assert stacked_utilization(dist, 2) == pytest.approx(simulated, abs=1e-3)
