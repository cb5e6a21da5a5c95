"""Service-time distributions, sampled by inversion of a uniform stream.

Every distribution turns the same uniform numbers into times through its inverse CDF. So when a
what-if changes a mean (RFID makes primary 15 s faster) the same traveller still draws the same
quantile: a slow inspection stays slow. That keeps common random numbers tight.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import numpy as np

from ..scenario.schema import Distribution

Transform = Callable[[np.ndarray], np.ndarray]


def quantile_function(d: Distribution) -> Transform:
    """The inverse CDF of ``d``: maps uniforms in [0, 1) to times in seconds."""
    mean, cv = d.moments
    if d.dist == "deterministic" or (cv == 0 and d.dist in ("lognormal", "uniform")):
        return lambda u: np.full(u.shape, mean)
    if d.dist == "exponential":
        return lambda u: -mean * np.log1p(-u)
    if d.dist == "lognormal":
        from scipy import special  # here: importing it takes longer than many a run

        sigma = math.sqrt(math.log1p(cv * cv))
        mu = math.log(mean) - sigma * sigma / 2
        return lambda u: np.exp(mu + sigma * special.ndtri(u))
    if d.dist == "gamma":
        from scipy import special

        shape, scale = 1 / (cv * cv), mean * cv * cv
        return lambda u: scale * special.gammaincinv(shape, u)
    if d.dist == "uniform":
        if d.min is not None:
            low, high = d.min, cast(float, d.max)
        else:
            half = math.sqrt(3) * cv * mean
            low, high = mean - half, mean + half
        return lambda u: low + (high - low) * u
    if d.dist == "triangular":
        # the schema requires all three for a triangular distribution
        a, c, b = cast(float, d.min), cast(float, d.mode), cast(float, d.max)
        split = (c - a) / (b - a)

        def triangular(u: np.ndarray) -> np.ndarray:
            left = a + np.sqrt(u * (b - a) * (c - a))
            right = b - np.sqrt((1 - u) * (b - a) * (b - c))
            return np.where(u < split, left, right)

        return triangular
    if d.dist == "empirical":
        values = np.sort(np.asarray(d.values, dtype=float))
        n = len(values)
        return lambda u: values[np.minimum((u * n).astype(np.int64), n - 1)]
    raise ValueError(f"unknown distribution {d.dist!r}")


def sample(d: Distribution, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` service times (seconds) from ``d``; the model draws the same way, in blocks."""
    return quantile_function(d)(rng.random(size))
