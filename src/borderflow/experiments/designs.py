"""Experimental designs: which combinations of parameter values to run.

* ``grid``: every combination of every parameter's values (the last parameter varies fastest).
* ``one_at_a_time``: the scenario as it is (point 0), then each parameter through its values
  with the others at the scenario's own values.
* ``lhs``: a Latin hypercube sample of ``n`` points (``scipy.stats.qmc.LatinHypercube``): each
  parameter's range is cut into ``n`` equal strata and every stratum is sampled exactly once, so
  ``n`` points cover each parameter's range evenly, whatever the number of parameters.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

from ..scenario.errors import Path, format_path
from ..scenario.units import UNITS

DESIGNS = ("grid", "lhs", "one_at_a_time")

_DURATION = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]+)\s*$")


def split_duration(value: Any) -> tuple[float, str] | None:
    """``"75 s"`` -> ``(75.0, "s")``; None if ``value`` is not a duration with a known unit."""
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value)
    if not match or match.group(2) not in UNITS:
        return None
    return float(match.group(1)), match.group(2)


def is_number(value: Any) -> bool:
    """An int or float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Range:
    """A continuous range of a number or a duration: ``{from, to}`` (with ``steps`` for grids).

    Whole-number bounds give whole numbers; durations keep the unit of the bounds.
    """

    low: float
    high: float
    integer: bool
    unit: str | None = None
    steps: int | None = None

    def value(self, x: float) -> Any:
        """The value at ``x``: a number, or a duration text such as ``"67.5 s"``."""
        if self.integer and self.unit is None:
            return int(round(x))
        if self.unit is not None:
            return f"{x:.6g} {self.unit}"
        return x

    def grid(self) -> list[Any]:
        """``steps`` evenly spaced values from ``low`` to ``high``, both included."""
        assert self.steps is not None
        n = self.steps - 1
        values = [self.low + (self.high - self.low) * i / n for i in range(self.steps)]
        if self.integer and self.unit is None and all(float(v).is_integer() for v in values):
            return [int(v) for v in values]
        if self.unit is None:
            return [float(v) for v in values]
        return [self.value(v) for v in values]

    def sample(self, u: float) -> Any:
        """The value at ``u`` in [0, 1): uniform over the range (whole numbers: each of
        ``low..high`` equally likely)."""
        if self.integer and self.unit is None:
            span = int(self.high) - int(self.low) + 1
            return int(self.low) + min(int(u * span), span - 1)
        return self.value(self.low + u * (self.high - self.low))


@dataclass(frozen=True)
class Parameter:
    """One entry of ``vary``: the keys it sets and the values it takes.

    A parameter sets one key (``paths`` has one path) or, when linked, several keys together:
    level i sets each key to its i-th value and is shown as ``labels[i]``.
    """

    name: str
    paths: tuple[Path, ...]
    levels: tuple[tuple[Any, ...], ...] | None = None
    """Discrete values: per level, one value per path."""
    range: Range | None = None
    """A continuous range (single key), sampled by ``lhs`` or stepped by the others."""
    labels: tuple[Any, ...] | None = None
    """Linked parameters: the value shown for each level."""
    baseline: tuple[Any, ...] | None = None
    """The scenario's own values of the keys (used by ``one_at_a_time``)."""

    @property
    def linked(self) -> bool:
        return self.labels is not None

    def discrete(self) -> list[tuple[Any, ...]]:
        """The levels for ``grid`` and ``one_at_a_time``."""
        if self.levels is not None:
            return list(self.levels)
        assert self.range is not None
        return [(v,) for v in self.range.grid()]

    def sample(self, u: float) -> tuple[Any, ...]:
        """The level at ``u`` in [0, 1) for ``lhs``: a point of the range, or one of the listed
        levels, each with equal probability."""
        if self.range is not None:
            return (self.range.sample(u),)
        assert self.levels is not None
        return self.levels[min(int(u * len(self.levels)), len(self.levels) - 1)]

    def columns(self) -> list[str]:
        """Its columns in ``points.csv``: the name, and for linked keys each key path."""
        if self.linked:
            return [self.name, *(format_path(p) for p in self.paths)]
        return [self.name]

    def cells(self, values: tuple[Any, ...]) -> list[Any]:
        """The ``points.csv`` cells of one level."""
        if not self.linked:
            return [values[0]]
        assert self.levels is not None and self.labels is not None
        label = next(
            (lab for lab, lev in zip(self.labels, self.levels, strict=True) if lev == values), ""
        )
        return [label, *values]


Point = tuple[tuple[Any, ...], ...]
"""One design point: for each parameter, the values of its keys."""


def grid(parameters: list[Parameter]) -> list[Point]:
    """Every combination, in file order; the last parameter varies fastest."""
    return [tuple(p) for p in itertools.product(*(q.discrete() for q in parameters))]


def one_at_a_time(parameters: list[Parameter]) -> list[Point]:
    """The baseline, then each parameter through its values (skipping the baseline value)."""
    base = tuple(p.baseline for p in parameters)
    assert all(b is not None for b in base)
    points: list[Point] = [base]  # type: ignore[list-item]
    for i, parameter in enumerate(parameters):
        for level in parameter.discrete():
            if level != parameter.baseline:
                points.append((*base[:i], level, *base[i + 1 :]))  # type: ignore[arg-type]
    return points


def latin_hypercube(parameters: list[Parameter], n: int, seed: int) -> list[Point]:
    """``n`` points of a Latin hypercube sample (scrambled, so each value is random within its
    stratum), reproducible from ``seed``."""
    import numpy as np
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    try:
        sampler = qmc.LatinHypercube(d=len(parameters), rng=rng)
    except TypeError:  # scipy < 1.15 calls it seed
        sampler = qmc.LatinHypercube(d=len(parameters), seed=rng)
    sample = sampler.random(n)
    return [
        tuple(p.sample(float(u)) for p, u in zip(parameters, row, strict=True)) for row in sample
    ]


def design_points(
    design: str, parameters: list[Parameter], n: int | None = None, seed: int = 0
) -> list[Point]:
    """The design points of ``design`` (``grid``, ``lhs`` or ``one_at_a_time``)."""
    if design == "grid":
        return grid(parameters)
    if design == "one_at_a_time":
        return one_at_a_time(parameters)
    if design == "lhs":
        assert n is not None
        return latin_hypercube(parameters, n, seed)
    raise ValueError(f"unknown design {design!r}; designs: {', '.join(DESIGNS)}")


def format_value(value: Any) -> Any:
    """A value as a ``points.csv`` cell: numbers and text as they are, true/false, null, and
    lists and maps in YAML flow style (as they would be written after ``--set``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(format_value(v)) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and math.isnan(value):
        return ".nan"
    return value
