"""The region file's schema: ports, markets of travellers who choose among them, the choice
model and the equilibrium settings, as validated, immutable data.

A region names port scenario files and markets. A market is a flow of trips wanting to cross
(by desired hour, the same forms as a stream's ``arrivals``) and its options: a port and the
stream of that port its trips join, with the access time to reach it and an optional toll.
Checks that relate the region to its port files (a stream exists at the port, a profile is
defined) are in :mod:`borderflow.region.load`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..scenario.schema import (
    DAY,
    DAYS,
    Arrivals,
    Count,
    Duration,
    Number,
    Profile,
    _at_most,
    _Model,
)

MAX_REGION_HORIZON = 7 * DAY
"""Longest region horizon (s): a week. A port's arrivals may vary by day of the week only, so
each simulated day must be a different day of the week for its flows to be its own."""

MAX_SHIFT_H = 12
"""Largest crossing-time shift, in hours."""

MAX_ITERATIONS = 500
"""Most equilibrium iterations."""


class Option(_Model):
    """One way a market's trips can cross: a port, the stream they join there, and its costs."""

    port: str | None = Field(
        None,
        description="the port (a key of ports); default: this option's own key, so that "
        "`san_ysidro: {stream: car_general}` needs no port",
    )
    stream: str = Field(min_length=1)
    access: Annotated[Duration, Field(ge=0), _at_most(DAY)] = Field(
        "0 min",
        validate_default=True,
        description="time from the market's origin to the port's queue (drive, walk)",
    )
    toll: Number = Field(0.0, ge=0, description="money paid to use this option (USD a trip)")
    constant: Annotated[Duration, Field(ge=-DAY), _at_most(DAY)] = Field(
        "0 min",
        validate_default=True,
        description="any other cost of the option, in minutes (an alternative-specific "
        "constant; negative for an advantage)",
    )


class Market(_Model):
    """Trips wanting to cross, by desired hour of arrival at the border, and their options."""

    description: str = ""
    arrivals: Arrivals
    options: dict[str, Option] = Field(min_length=1)


class Shift(_Model):
    """Crossing-time shift: trips may cross up to ``max`` earlier or later than they wish, at a
    cost per minute of shift (in minutes of wait, i.e. relative to the value of wait time)."""

    max: Annotated[Duration, Field(ge=0), _at_most(MAX_SHIFT_H * 3600.0)]
    early: Number = Field(0.5, ge=0, description="cost (minutes) per minute earlier")
    late: Number = Field(1.0, ge=0, description="cost (minutes) per minute later")

    @model_validator(mode="after")
    def _whole_hours(self) -> Shift:
        if self.max % 3600:
            raise ValueError("shift.max must be a whole number of hours (trips shift by hours)")
        return self

    @property
    def hours(self) -> int:
        """The largest shift, in hours."""
        return int(self.max // 3600)


class NoTrip(_Model):
    """Elastic total demand: not crossing is one more alternative, at this generalized cost."""

    cost: Annotated[Duration, Field(ge=0), _at_most(7 * DAY)] = Field(
        description="generalized cost of not making the trip, in minutes of wait (see "
        "docs/demand-response.md for choosing it from an elasticity)"
    )


class Choice(_Model):
    """The logit choice among options, crossing hours and not crossing."""

    scale: Number = Field(
        ge=0,
        le=100,
        description="logit scale per minute of generalized cost (0: every alternative alike)",
    )
    value_of_time: Number | None = Field(
        None, gt=0, description="USD per hour of wait, to turn tolls into minutes"
    )
    shift: Shift | None = None
    no_trip: NoTrip | None = None


class Equilibrium(_Model):
    """How the equilibrium is solved."""

    iterations: Count = Field(30, ge=1, le=MAX_ITERATIONS)
    tolerance: Number = Field(0.01, gt=0, lt=1)
    method: Literal["msa", "sra"] = Field(
        "msa",
        description="msa: method of successive averages, step 1/(k+1) at iteration k; sra: "
        "self-regulated averaging, a larger step while the gap falls, a smaller one when it rises",
    )
    start: Literal["free_flow", "port_files"] = Field(
        "free_flow",
        description="first flows: the response to no waits, or to the waits of the port files "
        "run as they are (one more simulation of each port; closer when the port files' "
        "demand is near the region's)",
    )


class RegionSpec(_Model):
    """A region file: ports, markets, the choice model and the equilibrium settings."""

    name: str = Field(min_length=1)
    description: str = ""
    horizon: Annotated[Duration, Field(gt=0), _at_most(MAX_REGION_HORIZON)] = Field(
        "24 h", validate_default=True
    )
    warmup: Annotated[Duration, Field(ge=0)] = Field("0 h", validate_default=True)
    start_day: Literal[DAYS] = Field("monday")  # type: ignore[valid-type]
    replications: Count = Field(10, ge=1, le=1000)
    seed: Count = Field(0, ge=0)
    profiles: dict[str, Profile] = Field(default_factory=dict)
    ports: dict[str, str] = Field(
        min_length=1, description="port name -> scenario file, relative to the region file"
    )
    markets: dict[str, Market] = Field(min_length=1)
    choice: Choice
    equilibrium: Equilibrium = Field(default_factory=Equilibrium)

    @model_validator(mode="after")
    def _whole_hours(self) -> RegionSpec:
        for what, value in (("horizon", self.horizon), ("warmup", self.warmup)):
            if value % 3600:
                raise ValueError(f"a region's {what} must be a whole number of hours")
        return self

    @property
    def hours(self) -> int:
        """Hours of the horizon."""
        return int(self.horizon // 3600)

    @property
    def warmup_hours(self) -> int:
        """Hours of the warm-up."""
        return int(self.warmup // 3600)
