"""Delay cost, idle fuel and emissions: computed from queue time with the documented rates."""

from __future__ import annotations

import pytest
from model_helpers import one_queue

from borderflow import load_scenario, simulate
from borderflow.economics import CO2_G_PER_GAL, DEFAULT_EMISSIONS, DEFAULT_VALUE


def test_delay_metrics_are_queue_hours_times_rates():
    scenario = one_queue(
        lanes=1, per_hour=50, service={"dist": "exponential", "mean": "1 min"}, horizon="6 h"
    )
    result = simulate(scenario, replication=0, trace=True)
    queued_h = (
        sum(start - joined for _, _, legs, _ in result.trace for _, _, _, joined, start, _ in legs)
        / 3600
    )
    m = result.metrics["car"]
    rate = {**DEFAULT_VALUE["car"], **DEFAULT_EMISSIONS["car"]}
    assert m["delay_vehicle_hours"] == pytest.approx(queued_h, rel=1e-12)
    assert m["delay_person_hours"] == pytest.approx(queued_h * 1.5, rel=1e-12)
    cost = queued_h * (1.5 * rate["value_per_person_hour"] + rate["value_per_vehicle_hour"])
    assert m["delay_cost_usd"] == pytest.approx(cost, rel=1e-12)
    fuel = queued_h * rate["idle_fuel_gal_per_h"]
    assert m["idle_fuel_gal"] == pytest.approx(fuel, rel=1e-12)
    assert m["co2_kg"] == pytest.approx(fuel * CO2_G_PER_GAL["gasoline"] / 1000, rel=1e-12)
    assert result.metrics["all"]["delay_cost_usd"] == pytest.approx(m["delay_cost_usd"])


def test_scenario_rates_override_defaults_and_annualize():
    data = one_queue(lanes=1, per_hour=50, horizon="6 h").model_dump(mode="json", exclude_none=True)
    data["streams"]["car"]["mode"] = "truck"
    data["streams"]["car"]["occupants"] = 1
    data["economics"] = {
        "value_of_time": {"truck": {"value_per_person_hour": 100}},
        "annualize_days": 250,
    }
    data["emissions"] = {"truck": {"nox_g_per_h": 60}}
    m = simulate(load_scenario(data), replication=0).metrics["car"]
    hours = m["delay_vehicle_hours"]
    assert m["delay_cost_usd"] == pytest.approx(
        hours * (100 + DEFAULT_VALUE["truck"]["value_per_vehicle_hour"])
    )
    assert m["nox_kg"] == pytest.approx(hours * 60 / 1000)
    assert m["co2_kg"] == pytest.approx(m["idle_fuel_gal"] * CO2_G_PER_GAL["diesel"] / 1000)
    # 6 counted hours = 1/4 day: a year of 250 such days is 1,000 times the run
    assert m["delay_cost_usd_per_year"] == pytest.approx(m["delay_cost_usd"] * 1000)


def test_pedestrians_have_time_value_but_no_emissions():
    data = one_queue(lanes=1, per_hour=50, horizon="6 h").model_dump(mode="json", exclude_none=True)
    data["streams"]["car"]["mode"] = "pedestrian"
    m = simulate(load_scenario(data), replication=0).metrics["car"]
    assert m["delay_person_hours"] > 0 and m["delay_cost_usd"] > 0
    assert m["idle_fuel_gal"] == m["co2_kg"] == m["nox_kg"] == m["pm25_kg"] == 0
