"""The travellers' choice: multinomial logit over options (port and stream), crossing hours and,
optionally, not crossing, on a generalized cost in minutes.

For a trip of market m that wishes to reach the border in hour t, the alternative "option o,
shifted by s hours" costs

    fixed(o) + W(o.port, o.stream, t + s) + 60 |s| (early if s < 0 else late)

where fixed(o) = access + constant + toll / value of time, and W is the expected wait of a
traveller arriving in hour t + s. Not crossing costs ``no_trip.cost``. Each alternative's share
is exp(-scale cost) over the sum for all alternatives open to that trip (shifts that would leave
the horizon are not). Everything here is a pure function of the region and the waits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .load import Region

Waits = dict[tuple[str, str], np.ndarray]
"""(port, stream) -> expected wait (min) of a traveller arriving in each hour of the horizon."""


@dataclass(frozen=True)
class Alternative:
    """One alternative of a market: an option (index into the market's options) shifted by
    ``shift`` hours, or not crossing (``option`` None)."""

    option: int | None
    shift: int = 0


def options_of(region: Region, market: str) -> list:
    """The market's options, in file order."""
    return [o for o in region.options if o.market == market]


def alternatives(region: Region, market: str) -> list[Alternative]:
    """Every alternative of ``market``: each option at each shift (0 first), then no trip."""
    shift = region.spec.choice.shift
    hours = shift.hours if shift is not None else 0
    shifts = [0] + [s for k in range(1, hours + 1) for s in (-k, k)]
    out = [Alternative(i, s) for i in range(len(options_of(region, market))) for s in shifts]
    if region.spec.choice.no_trip is not None:
        out.append(Alternative(None))
    return out


def costs(region: Region, market: str, waits: Waits) -> np.ndarray:
    """Generalized cost (min) of each alternative (columns) for each desired hour (rows);
    infinite where the alternative is not open (a shift out of the horizon)."""
    choice = region.spec.choice
    options = options_of(region, market)
    alts = alternatives(region, market)
    hours = region.hours
    out = np.full((hours, len(alts)), np.inf)
    desired = np.arange(hours)
    for j, alt in enumerate(alts):
        if alt.option is None:
            assert choice.no_trip is not None
            out[:, j] = choice.no_trip.cost / 60
            continue
        option = options[alt.option]
        arrive = desired + alt.shift
        inside = (arrive >= 0) & (arrive < hours)
        wait = waits.get((option.port, option.stream), np.zeros(hours))
        schedule = 0.0
        if alt.shift:
            assert choice.shift is not None
            per_min = choice.shift.early if alt.shift < 0 else choice.shift.late
            schedule = 60 * abs(alt.shift) * per_min
        out[inside, j] = option.fixed_min + wait[arrive[inside]] + schedule
    return out


def shares(cost: np.ndarray, scale: float) -> np.ndarray:
    """Logit shares of each row of ``cost`` (min) at ``scale`` per minute; an infinite cost
    gets no share. With scale 0 every open alternative gets the same share."""
    open_ = np.isfinite(cost)
    if scale == 0:
        weights = open_.astype(float)
    else:
        low = np.where(open_, cost, np.inf).min(axis=1, keepdims=True)
        weights = np.where(open_, np.exp(-scale * (np.where(open_, cost, 0.0) - low)), 0.0)
    return weights / weights.sum(axis=1, keepdims=True)


Assignment = dict[str, np.ndarray]
"""market -> trips (desired hour x alternative)."""


def assign(region: Region, waits: Waits) -> Assignment:
    """Every market's trips spread over its alternatives by the logit, given ``waits``."""
    scale = region.spec.choice.scale
    return {
        market: np.asarray(demand)[:, None] * shares(costs(region, market, waits), scale)
        for market, demand in region.demand.items()
    }


def flows(region: Region, assignment: Assignment) -> dict[str, dict[str, np.ndarray]]:
    """port -> stream -> trips arriving in each hour of the horizon, over all markets."""
    hours = region.hours
    out: dict[str, dict[str, np.ndarray]] = {
        port: {stream: np.zeros(hours) for stream in streams}
        for port, streams in region.market_streams().items()
    }
    for market, trips in assignment.items():
        options = options_of(region, market)
        for j, alt in enumerate(alternatives(region, market)):
            if alt.option is None:
                continue
            option = options[alt.option]
            target = out[option.port][option.stream]
            column = trips[:, j]
            if alt.shift >= 0:
                target[alt.shift :] += column[: hours - alt.shift]
            else:
                target[: hours + alt.shift] += column[-alt.shift :]
    return out
