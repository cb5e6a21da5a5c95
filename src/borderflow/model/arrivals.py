"""Arrivals: a non-homogeneous Poisson process with hourly rates, sampled exactly.

The process is built by inversion: the points of a unit-rate Poisson process (cumulative sums of
unit exponential gaps) are mapped through the inverse of the cumulative arrival intensity
Λ(t) = ∫ λ(s) ds, which is piecewise linear when the rate is constant within each hour. The result
is exact (no thinning, no bias at hour boundaries), it is computed in numpy blocks, and it keeps
common random numbers smooth: with 10% more demand each traveller arrives a little earlier,
rather than a different set of travellers arriving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import chain

import numpy as np

from ..scenario.units import HOUR
from .rng import BLOCK


def arrival_times(
    rates_per_hour: Sequence[float],
    horizon: float,
    unit_gaps: Callable[[int], np.ndarray],
) -> Iterator[float]:
    """Arrival times (s) in [0, horizon) for hourly rates repeated every day (or week), in
    order (the arguments are those of :func:`arrival_blocks`).

    An iterator over the blocks' values: the next time is a C-level ``next`` away, with no
    Python frame to resume but once per block.
    """
    return chain.from_iterable(arrival_blocks(rates_per_hour, horizon, unit_gaps))


def arrival_blocks(
    rates_per_hour: Sequence[float],
    horizon: float,
    unit_gaps: Callable[[int], np.ndarray],
) -> Iterator[list[float]]:
    """Yield arrival times (s) in [0, horizon) for hourly rates repeated every day (or week),
    in order, a block (list) at a time.

    Args:
        rates_per_hour: arrival rates (per hour) for each hour of a day (24 values) or of a
            week (168 values); they repeat over longer horizons.
        horizon: end of arrivals, in seconds.
        unit_gaps: ``unit_gaps(n)`` returns ``n`` unit-rate exponential variates.
    """
    n_hours = int(np.ceil(horizon / HOUR))
    rates = np.array([rates_per_hour[h % len(rates_per_hour)] for h in range(n_hours)]) / HOUR
    lengths = np.minimum(HOUR, horizon - HOUR * np.arange(n_hours))
    knots = np.concatenate(([0.0], np.cumsum(rates * lengths)))  # Λ at each hour start
    total = knots[-1]
    if total <= 0:
        return
    last = np.nextafter(horizon, 0.0)
    level = 0.0
    while True:
        targets = level + np.cumsum(unit_gaps(BLOCK))
        level = targets[-1]
        inside = targets[targets < total]
        # the hour in which Λ reaches each target; 'right' skips hours with no arrivals
        hour = np.searchsorted(knots, inside, side="right") - 1
        times = hour * HOUR + (inside - knots[hour]) / rates[hour]
        # rounding must not put an arrival at or after the horizon, outside [0, horizon)
        yield np.minimum(times, last).tolist()
        if len(inside) < BLOCK:
            return
