"""What a verification case measures: comparisons waiting to be judged.

A case turns its replications into *measurements*; the runner judges them all at once, because
the confidence level of each interval depends on how many are judged together (Bonferroni).

* :class:`Interval`: a theoretical value against independent observations of it (one per
  replication or batch). Passes when the theory lies inside the simultaneous confidence interval
  of their mean and the interval is narrow enough to mean something (:class:`Tolerance`).
* :class:`GoodnessOfFit`: a goodness-of-fit test (chi-square, Kolmogorov-Smirnov). Passes when its
  p-value is at least the Bonferroni share of 5%.
* :class:`Exact`: an identity that must hold on every sample path (nobody lost, no arrival in
  an hour with rate 0). Passes when it holds to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    """The widest confidence interval accepted: half-width at most ``rel`` x |theory|, or
    ``abs`` (in the quantity's unit) when that is larger (for values near zero)."""

    rel: float
    abs: float = 0.0

    def allowed(self, theory: float) -> float:
        """Largest accepted half-width for a theoretical value ``theory``."""
        return max(self.rel * abs(theory), self.abs)

    def describe(self, unit: str = "") -> str:
        """``'≤ 2%'`` or ``'≤ 10% or 0.1 people'``."""
        text = f"≤ {_percent(self.rel)}"
        if self.abs:
            text += f" or {self.abs:g}" + (f" {unit}" if unit else "")
        return text


def _percent(x: float) -> str:
    value = 100 * x
    return f"{value:.1f}%" if value < 1 else f"{value:g}%"


@dataclass(frozen=True)
class Interval:
    """A theoretical value and independent observations whose mean estimates it."""

    quantity: str
    theory: float
    values: Sequence[float]
    tolerance: Tolerance
    unit: str = ""
    note: str = ""
    judged: bool = True
    """False for a value shown for information only (the note says why it is not judged)."""


@dataclass(frozen=True)
class GoodnessOfFit:
    """A goodness-of-fit test of a sample against a theoretical distribution."""

    quantity: str
    statistic: float
    p_value: float
    null: str
    """The reference distribution of the statistic, e.g. ``'chi-square, 23 df'``."""
    note: str = ""


@dataclass(frozen=True)
class Exact:
    """An identity that holds on every run: ``value`` must equal ``theory`` to rounding."""

    quantity: str
    theory: float
    value: float
    unit: str = ""
    note: str = ""

    def holds(self) -> bool:
        """Whether ``value`` equals ``theory`` up to rounding (relative 1e-9)."""
        return math.isclose(self.value, self.theory, rel_tol=1e-9, abs_tol=1e-12)


Measurement = Interval | GoodnessOfFit | Exact
