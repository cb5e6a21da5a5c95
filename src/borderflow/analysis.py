"""Across replications: means, standard deviations and 95% confidence intervals.

Each replication of a terminating simulation gives one independent observation of each metric;
the interval is Student's t over those observations (Law & Kelton, *Simulation Modeling and
Analysis*, ch. 9). Replications where a metric is undefined (no traveller of a stream reached a
stage) are left out of that metric, and the number used is reported.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A metric over replications: mean, 95% CI, sample standard deviation, and count."""

    mean: float
    ci_low: float
    ci_high: float
    std: float
    replications: int

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval."""
        return (self.ci_high - self.ci_low) / 2


def estimate(values: Iterable[float], confidence: float = CONFIDENCE) -> Estimate:
    """Mean and t confidence interval of independent observations (NaNs are left out)."""
    data = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    n = len(data)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(data.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, math.nan, 1)
    std = float(data.std(ddof=1))
    half = _t_quantile((1 + confidence) / 2, n - 1) * std / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, std, n)


@functools.lru_cache(maxsize=1024)
def _t_quantile(p: float, degrees: int) -> float:
    """Student's t quantile, cached: tables of many metrics ask for the same few."""
    from scipy import special  # here: importing it takes longer than many a run

    return float(special.stdtrit(degrees, p))


def metric_names(per_replication: Sequence[dict[str, dict[str, float]]]) -> dict[str, list[str]]:
    """For each stream, the metrics present in the replications, in first-seen order."""
    names: dict[str, list[str]] = {}
    for metrics in per_replication:
        for stream, values in metrics.items():
            known = names.setdefault(stream, [])
            for name in values:
                if name not in known:
                    known.append(name)
    return names


def summarise(
    per_replication: Sequence[dict[str, dict[str, float]]],
) -> dict[str, dict[str, Estimate]]:
    """stream -> metric -> :class:`Estimate`, from each replication's metric tables."""
    out: dict[str, dict[str, Estimate]] = {}
    for stream, names in metric_names(per_replication).items():
        out[stream] = {
            name: estimate(m.get(stream, {}).get(name, math.nan) for m in per_replication)
            for name in names
        }
    return out
