"""What delay costs: money, idle fuel and emissions, from the time travellers spend in queues.

Delay is the time a traveller waits in line at every stage of its route (not the inspection
itself). For each stream and replication:

    delay_vehicle_hours = sum of queue waits (h) of its counted travellers
    delay_person_hours  = delay_vehicle_hours x occupants
    delay_cost_usd      = person-hours x value per person-hour
                          + vehicle-hours x value per vehicle-hour (fuel and operating cost)
    idle_fuel_gal       = vehicle-hours x idle fuel use (gal/h)
    co2_kg              = idle fuel x CO2 per gallon of the fuel
    nox_kg, pm25_kg     = vehicle-hours x idle emission rate (g/h)

Pedestrians have a value of time and no fuel or emissions. Rates come from the scenario's
``economics:`` and ``emissions:`` blocks, by mode, over these sourced defaults (docs/economics.md):

* value of time: TTI for TxDOT, 2017 dollars: $27.39 of time per POV-hour at 1.5 persons
  (= $18.26 per person-hour) plus $1.30 of fuel; $31.36 of driver time plus $4.92 of fuel per
  truck-hour;
* idle fuel: DOE Vehicle Technologies Office Fact #861 (compact car 0.16 and large sedan 0.39 gal/h,
  averaged for cars; combination truck 0.49; transit bus 0.97);
* CO2: EPA, 8,887 g per gallon of gasoline and 10,180 g per gallon of diesel;
* heavy-truck and bus idle NOx and PM: McCormick et al., JAWMA 50 (2000), pre-2007 engines;
  light-duty idle NOx and PM2.5 are assumptions (no measured source found).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .scenario.units import HOUR

CO2_G_PER_GAL = {"gasoline": 8887.0, "diesel": 10180.0, "none": 0.0}
"""EPA, Greenhouse Gas Emissions from a Typical Passenger Vehicle (gasoline, diesel)."""

DEFAULT_VALUE: dict[str, dict[str, float]] = {
    "car": {"value_per_person_hour": 27.39 / 1.5, "value_per_vehicle_hour": 1.30},
    "pedestrian": {"value_per_person_hour": 27.39 / 1.5, "value_per_vehicle_hour": 0.0},
    "truck": {"value_per_person_hour": 31.36, "value_per_vehicle_hour": 4.92},
    "bus": {"value_per_person_hour": 27.39 / 1.5, "value_per_vehicle_hour": 4.92},
}
"""USD (2017) per hour of delay, by mode (TTI for TxDOT; bus fuel cost assumed as a truck's)."""

DEFAULT_EMISSIONS: dict[str, dict[str, Any]] = {
    "car": {
        "idle_fuel_gal_per_h": (0.16 + 0.39) / 2,
        "fuel": "gasoline",
        "nox_g_per_h": 0.5,
        "pm25_g_per_h": 0.03,
    },
    "pedestrian": {
        "idle_fuel_gal_per_h": 0.0,
        "fuel": "none",
        "nox_g_per_h": 0.0,
        "pm25_g_per_h": 0.0,
    },
    "truck": {
        "idle_fuel_gal_per_h": 0.49,
        "fuel": "diesel",
        "nox_g_per_h": 1.416 * 60,
        "pm25_g_per_h": 0.030 * 60,
    },
    "bus": {
        "idle_fuel_gal_per_h": 0.97,
        "fuel": "diesel",
        "nox_g_per_h": 2.015 * 60,
        "pm25_g_per_h": 0.048 * 60,
    },
}
"""Idle fuel (gal/h) and emissions (g/h) by mode; sources in the module docstring."""

METRICS = (
    "delay_vehicle_hours",
    "delay_person_hours",
    "delay_cost_usd",
    "idle_fuel_gal",
    "co2_kg",
    "nox_kg",
    "pm25_kg",
)
"""The metrics this module adds to every stream (and ``all``)."""


def rates(mode: str, economics: Any = None, emissions: Any = None) -> dict[str, Any]:
    """The rates in force for ``mode``: defaults, overridden by the scenario's blocks."""
    out: dict[str, Any] = {**DEFAULT_VALUE[mode], **DEFAULT_EMISSIONS[mode]}
    for block in (economics.value_of_time if economics else {}, emissions or {}):
        given = block.get(mode)
        if given is not None:
            out.update(given.model_dump(exclude_none=True))
    if "co2_g_per_gal" not in out:
        out["co2_g_per_gal"] = CO2_G_PER_GAL[out["fuel"]]
    return out


def delay_metrics(delay_seconds: float, occupants: float, rate: dict[str, Any]) -> dict[str, float]:
    """Money, fuel and emissions of ``delay_seconds`` of vehicle time spent queueing."""
    vehicle_hours = delay_seconds / HOUR
    person_hours = vehicle_hours * occupants
    fuel = vehicle_hours * rate["idle_fuel_gal_per_h"]
    return {
        "delay_vehicle_hours": vehicle_hours,
        "delay_person_hours": person_hours,
        "delay_cost_usd": person_hours * rate["value_per_person_hour"]
        + vehicle_hours * rate["value_per_vehicle_hour"],
        "idle_fuel_gal": fuel,
        "co2_kg": fuel * rate["co2_g_per_gal"] / 1000,
        "nox_kg": vehicle_hours * rate["nox_g_per_h"] / 1000,
        "pm25_kg": vehicle_hours * rate["pm25_g_per_h"] / 1000,
    }


def annualize(metrics: dict[str, float], counted_days: float, days_per_year: float) -> None:
    """Add ``<metric>_per_year`` for each delay metric: the counted period scaled to a year of
    ``days_per_year`` days like it (e.g. 250 weekdays, 365 days)."""
    factor = days_per_year / counted_days
    for name in METRICS:
        if name in metrics:
            metrics[f"{name}_per_year"] = metrics[name] * factor


# --- benefit-cost of a change ---------------------------------------------------------------

DEFAULT_DISCOUNT_RATE = 0.07
"""Real discount rate a year: the base case of OMB Circular A-94 (1992) for public
investments (docs/economics.md)."""
DEFAULT_HORIZON_YEARS = 20
"""Years over which a change's benefits and costs are counted: an assumption (no source)."""


def annuity_factor(rate: float, years: int) -> float:
    """Present value of 1 a year at the end of each of ``years`` years, discounted at
    ``rate``: ``(1 − (1 + rate)^−years) / rate`` (``years`` when the rate is 0)."""
    if rate == 0:
        return float(years)
    return (1 - (1 + rate) ** -years) / rate


@dataclass
class BenefitCost:
    """Net present value and benefit-cost ratio of a change against its base.

    The benefit is the yearly saving in delay cost (base − alternative, a year); the costs are
    the capital cost, paid once at the start, and each year the operation and maintenance and
    the cost of the extra staffed booth-hours. With ``A`` the annuity factor::

        NPV = A × (benefit − yearly cost) − capital
        BCR = A × benefit / (capital + A × yearly cost)

    Both grow with the benefit, so the ends of the benefit's 95% confidence interval give the
    ends of theirs. The interval covers the simulation's randomness only, not the costs'.
    """

    benefit: tuple[float, float, float]
    """Yearly saving in delay cost (USD): mean, CI low, CI high."""
    capital: float
    annual_om: float
    staff_hours: float
    """Extra staffed booth-hours a year (negative: fewer)."""
    officer_cost_per_hour: float
    rate: float
    years: int
    assumptions: list[str] = field(default_factory=list)

    @property
    def yearly_cost(self) -> float:
        return self.annual_om + self.staff_hours * self.officer_cost_per_hour

    @property
    def factor(self) -> float:
        return annuity_factor(self.rate, self.years)

    def npv(self, benefit: float) -> float:
        return self.factor * (benefit - self.yearly_cost) - self.capital

    def bcr(self, benefit: float) -> float:
        costs = self.capital + self.factor * self.yearly_cost
        return self.factor * benefit / costs if costs > 0 else math.nan

    @property
    def npv_estimate(self) -> tuple[float, float, float]:
        return (self.npv(self.benefit[0]), self.npv(self.benefit[1]), self.npv(self.benefit[2]))

    @property
    def bcr_estimate(self) -> tuple[float, float, float]:
        return (self.bcr(self.benefit[0]), self.bcr(self.benefit[1]), self.bcr(self.benefit[2]))

    def sentence(self, who: str) -> str:
        """The result in one sentence, for the findings of a report."""
        from .findings import interval, money

        npv, low, high = self.npv_estimate
        text = (
            f"Against {money(self.capital)} to build and {money(self.yearly_cost)} a year to run, "
            f"{who} is worth a net present value of {money(npv)} ({interval(low, high, money)}) "
            f"over {self.years} years at {self.rate:.0%}"
        )
        ratio, r_low, r_high = self.bcr_estimate
        if not math.isnan(ratio):
            text += (
                f", a benefit–cost ratio of {ratio:.1f} "
                f"({interval(r_low, r_high, lambda v: f'{v:.1f}')})"
            )
        return text + "."


def benefit_cost(
    economics: dict[str, Any],
    yearly_saving: tuple[float, float, float],
    extra_booth_hours_per_year: float | None,
) -> BenefitCost | None:
    """The benefit-cost of a change from its scenario's ``economics:`` block (resolved, as in
    ``run.json``) and its yearly saving in delay cost; None when the block gives no cost at all
    (nothing to weigh the saving against).

    ``extra_booth_hours_per_year`` is the change in staffed booth-hours (None if unknown: the
    officer cost is then left out, and said so)."""
    capital = economics.get("capital_cost_usd")
    om = economics.get("annual_om_usd")
    officer = economics.get("officer_cost_per_hour")
    if capital is None and om is None and officer is None:
        return None
    notes = []
    rate = economics.get("discount_rate")
    if rate is None:
        rate = DEFAULT_DISCOUNT_RATE
        notes.append(f"discount rate {rate:.0%} a year (OMB Circular A-94, the default)")
    years = economics.get("horizon_years")
    if years is None:
        years = DEFAULT_HORIZON_YEARS
        notes.append(f"{years} years (an assumption, the default)")
    hours = extra_booth_hours_per_year
    if officer is not None and hours is None:
        notes.append("officer cost left out: no run of the base and alternative to count hours")
    return BenefitCost(
        yearly_saving,
        float(capital or 0.0),
        float(om or 0.0),
        float(hours or 0.0) if officer is not None else 0.0,
        float(officer or 0.0),
        float(rate),
        int(years),
        notes,
    )
