"""Derive the San Ysidro scenario inputs from the files in data/ and check the first-draft plan.

Usage (from any directory)::

    python scripts/derive_san_ysidro_inputs.py

What it prints, as Markdown tables that docs/sources.md reproduces:

1. BTS volumes: average daily personal vehicles, vehicle passengers and pedestrians for each
   year in the file, the 2019 figures used by scenarios/san_ysidro_weekday.yaml, and data checks.
2. The daily volume of each stream (2019 volume x lane-type share).
3. The offered load of every lane group in every hour: arrivals per hour x mean service time /
   (open lanes x effective booths per lane), where a stacked lane counts as 1.55 booths.
4. A fluid (deterministic) queue estimate of the wait in each hour, starting empty at 00:00 as the
   scenario does, next to the CBP observed weekday waits (January-February) less the wait that
   the CBP measurement shows even with no queue. This is a rough check of size and shape, not a
   substitute for the simulation: near a load of 1, a few percent of capacity change the waits of
   the following hours by many minutes.

Only numpy and the csv module are used. The plan below (shares, service times, profiles, lane
counts and open-lane schedules) mirrors scenarios/san_ysidro_weekday.yaml: change both together.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BTS = ROOT / "data" / "bts_san_ysidro_monthly_crossings.csv"
CBP = ROOT / "data" / "cbp_san_ysidro_hourly_waits_jan-apr.csv"

YEAR = 2019
STACKED_EFFECT = 1.55
"""A stacked lane (two booths, one behind the other) is worth about 1.55 single booths: CBP at
San Ysidro quoted 50-60% more throughput per lane (KUSI, 2014); 1.55 is the middle of that range.
The rear vehicle cannot leave before the front one, so the second booth adds less than one."""

# ---- plan (mirrors scenarios/san_ysidro_weekday.yaml) ------------------------------------------

POV_SHARES = {"car_general": 0.40, "car_ready": 0.30, "car_sentri": 0.30}
PED_SHARES = {"ped_general": 0.70, "ped_ready": 0.30}

SERVICE_S = {  # mean primary inspection time, seconds
    "car_general": 75,
    "car_ready": 60,
    "car_sentri": 15,
    "ped_general": 45,
    "ped_ready": 22,
}

# Hourly lists keep 12 values to a line, as in the scenario file.
# fmt: off
PROFILES = {
    "weekday_pov": [2.2, 1.6, 1.4, 1.6, 3.0, 5.2, 6.6, 6.6, 6.0, 5.6, 5.0, 5.0,
                    5.2, 5.2, 5.2, 5.0, 4.8, 4.4, 4.2, 4.0, 3.6, 3.2, 2.8, 2.6],
    "weekday_ped": [1.2, 0.8, 0.7, 0.8, 2.0, 4.5, 6.5, 7.3, 7.0, 6.9, 6.9, 6.9,
                    6.8, 6.2, 5.8, 5.2, 4.8, 4.2, 3.8, 3.4, 2.8, 2.2, 1.8, 1.5],
}
STREAM_PROFILE = {
    "car_general": "weekday_pov",
    "car_ready": "weekday_pov",
    "car_sentri": "weekday_pov",
    "ped_general": "weekday_ped",
    "ped_ready": "weekday_ped",
}

# lane group: (lanes, booths per lane, streams served, open lanes by hour)
PRIMARY = {
    "general_stacked": (14, 2, ["car_general"],
                        [5, 4, 3, 3, 5, 10, 11, 12, 12, 12, 11, 10,
                         10, 10, 11, 12, 11, 10, 10, 8, 8, 8, 6, 6]),
    "general_single": (5, 1, ["car_general"],
                       [0, 0, 0, 0, 0, 1, 1, 1, 2, 1, 1, 1,
                        1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0]),
    "ready": (10, 2, ["car_ready"],
              [3, 2, 2, 3, 3, 6, 8, 8, 8, 7, 7, 6,
               7, 7, 6, 7, 8, 6, 6, 5, 5, 5, 4, 3]),
    "sentri": (4, 2, ["car_sentri"],
               [1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 2, 2,
                2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1]),
    "ped_general": (28, 1, ["ped_general"],
                    [4, 3, 2, 2, 5, 11, 16, 17, 18, 18, 18, 17,
                     17, 17, 16, 15, 14, 12, 10, 9, 8, 7, 6, 5]),
    "ped_ready": (8, 1, ["ped_ready"],
                  [1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4,
                   4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 1, 1]),
}

# secondary stages: (visit shares, mean service minutes, stations, open by hour)
SECONDARY = {
    "secondary (vehicles)": (
        {"car_general": 0.03, "car_ready": 0.03, "car_sentri": 0.02}, 25, 40,
        [16, 14, 12, 12, 20, 32, 40, 40, 40, 36, 32, 32,
         32, 32, 32, 32, 32, 30, 28, 26, 24, 22, 20, 18]),
    "secondary_ped": (
        {"ped_general": 0.02, "ped_ready": 0.01}, 15, 14,
        [4, 3, 3, 3, 4, 8, 12, 14, 14, 14, 14, 14,
         14, 13, 12, 12, 10, 9, 8, 7, 6, 5, 4, 4]),
}

# fmt: on

# CBP column checked against each primary lane group (both general groups share one queue type)
OBSERVED = {
    "general": "pov_general_min",
    "ready": "pov_ready_min",
    "sentri": "pov_sentri_min",
    "ped_general": "ped_general_min",
    "ped_ready": "ped_ready_min",
}
FLOOR_FROM = {  # column whose smallest hourly mean is taken as the no-queue wait
    "pov_general_min": "pov_sentri_min",
    "pov_ready_min": "pov_sentri_min",
    "pov_sentri_min": "pov_sentri_min",
    "ped_general_min": "ped_general_min",
    "ped_ready_min": "ped_ready_min",
}


# ---- data --------------------------------------------------------------------------------------


def read_bts(path: Path = BTS) -> dict[str, dict[str, int]]:
    """Monthly BTS counts as {"YYYY-MM": {measure: value}}."""
    months: dict[str, dict[str, int]] = defaultdict(dict)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            months[row["month"]][row["measure"]] = int(row["value"])
    return dict(months)


MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_year(year: int) -> int:
    return 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365


def yearly_daily(months: dict[str, dict[str, int]], year: int, measure: str) -> tuple[float, int]:
    """(sum over the year's months / days in the year, number of months with a value)."""
    values = [
        m[measure] for key, m in months.items() if key.startswith(f"{year}-") and measure in m
    ]
    return sum(values) / days_in_year(year), len(values)


def month_daily(months: dict[str, dict[str, int]], month: str, measure: str) -> float:
    year, mon = (int(x) for x in month.split("-"))
    length = MONTH_DAYS[mon - 1] + (1 if mon == 2 and days_in_year(year) == 366 else 0)
    return months[month][measure] / length


def repeated_values(months: dict[str, dict[str, int]], measure: str) -> list[tuple[int, list[str]]]:
    """Non-zero values that appear in more than one month (possible copy errors)."""
    seen: dict[int, list[str]] = defaultdict(list)
    for key in sorted(months):
        value = months[key].get(measure)
        if value:
            seen[value].append(key)
    return [(v, keys) for v, keys in seen.items() if len(keys) > 1]


def read_cbp(path: Path = CBP) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def observed_weekday(rows: list[dict[str, str]], column: str, months=(1, 2)) -> np.ndarray:
    """Mean observed wait (min) by hour over Monday-Friday of ``months``; zeros are treated as
    missing (they occur in runs of hours in the pedestrian Ready column: no report)."""
    out = np.zeros(24)
    for hour in range(24):
        values = [
            float(r[column])
            for r in rows
            if int(r["month"]) in months
            and int(r["weekday"]) < 5
            and int(r["hour"]) == hour
            and float(r[column]) > 0
        ]
        out[hour] = np.mean(values) if values else np.nan
    return out


# ---- plan calculations -------------------------------------------------------------------------


def stream_volumes(pov_per_day: float, ped_per_day: float) -> dict[str, float]:
    vols = {s: pov_per_day * share for s, share in POV_SHARES.items()}
    vols.update({s: ped_per_day * share for s, share in PED_SHARES.items()})
    return vols


def hourly_arrivals(per_day: float, profile: str) -> np.ndarray:
    weights = np.asarray(PROFILES[profile], dtype=float)
    return per_day * weights / weights.sum()


def effective_booths(booths_per_lane: int) -> float:
    return 1.0 if booths_per_lane == 1 else STACKED_EFFECT * booths_per_lane / 2


def primary_plan(volumes: dict[str, float]) -> dict[str, dict[str, np.ndarray]]:
    """Arrivals, effective open booths and offered load by hour, per queue type.

    The two general groups serve one stream, so they are pooled into "general"."""
    pools: dict[str, dict[str, np.ndarray]] = {}
    for name, (_lanes, booths, serves, open_by_hour) in PRIMARY.items():
        pool = "general" if name.startswith("general") else name
        (stream,) = serves
        entry = pools.setdefault(
            pool,
            {
                "arrivals": hourly_arrivals(volumes[stream], STREAM_PROFILE[stream]),
                "service_s": np.full(24, SERVICE_S[stream], dtype=float),
                "eff": np.zeros(24),
            },
        )
        entry["eff"] = entry["eff"] + np.asarray(open_by_hour, float) * effective_booths(booths)
    for entry in pools.values():
        work = entry["arrivals"] * entry["service_s"] / 3600.0  # booth-hours offered per hour
        entry["load"] = np.divide(
            work, entry["eff"], out=np.full(24, np.inf), where=entry["eff"] > 0
        )
    return pools


def fluid_wait_min(arrivals: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Mean wait (min) in each hour of a deterministic queue that starts empty at 00:00:
    queue(t+1) = max(0, queue(t) + arrivals - capacity); wait = mean queue / capacity."""
    queue = 0.0
    out = np.zeros(24)
    for hour in range(24):
        start = queue
        queue = max(0.0, queue + arrivals[hour] - capacity[hour])
        out[hour] = (start + queue) / 2 / capacity[hour] * 60 if capacity[hour] > 0 else np.inf
    return out


# ---- printing ----------------------------------------------------------------------------------


def fmt(x: float, digits: int = 2) -> str:
    return "–" if not np.isfinite(x) else f"{x:.{digits}f}"


def main() -> None:
    months = read_bts()
    print("## BTS average daily inbound counts, San Ysidro (port 2504)\n")
    print(
        "| year | months | personal vehicles/day | vehicle passengers/day "
        "| persons per vehicle | pedestrians/day |"
    )
    print("|---|---|---|---|---|---|")
    years = sorted({int(k[:4]) for k in months})
    for year in years:
        pov, n = yearly_daily(months, year, "Personal Vehicles")
        pax, _ = yearly_daily(months, year, "Personal Vehicle Passengers")
        ped, _ = yearly_daily(months, year, "Pedestrians")
        print(f"| {year} | {n} | {pov:,.0f} | {pax:,.0f} | {pax / pov:.3f} | {ped:,.0f} |")

    pov, _ = yearly_daily(months, YEAR, "Personal Vehicles")
    pax, _ = yearly_daily(months, YEAR, "Personal Vehicle Passengers")
    ped, _ = yearly_daily(months, YEAR, "Pedestrians")
    print(
        f"\nUsed ({YEAR}): {pov:,.1f} personal vehicles/day, {ped:,.1f} pedestrians/day, "
        f"{pax / pov:.4f} persons per vehicle."
    )
    print("\nFor comparison, the months of the CBP wait file if it covers 2020:")
    for month in ("2020-01", "2020-02"):
        print(
            f"- {month}: {month_daily(months, month, 'Personal Vehicles'):,.0f} vehicles/day, "
            f"{month_daily(months, month, 'Pedestrians'):,.0f} pedestrians/day"
        )

    print("\nData checks:")
    for measure in (
        "Personal Vehicles",
        "Personal Vehicle Passengers",
        "Pedestrians",
        "Buses",
        "Bus Passengers",
    ):
        for value, keys in repeated_values(months, measure):
            print(f"- {measure}: the same value {value:,} in {', '.join(keys)}")
    for key in sorted(months):
        missing = [m for m in ("Buses", "Bus Passengers") if m not in months[key]]
        if missing:
            print(f"- {key}: no rows for {', '.join(missing)}")

    volumes = stream_volumes(pov, ped)
    print("\n## Stream volumes\n")
    print("| stream | share | per day | mean primary service |")
    print("|---|---|---|---|")
    for stream, vol in volumes.items():
        share = POV_SHARES.get(stream, PED_SHARES.get(stream))
        print(f"| {stream} | {share:.0%} | {vol:,.0f} | {SERVICE_S[stream]} s |")

    pools = primary_plan(volumes)
    rows = read_cbp()
    print("\n## Offered load by hour (arrivals x mean service / effective open booths)\n")
    names = list(pools)
    print("| hour | " + " | ".join(f"{n}: arr/h, eff. booths, load" for n in names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for hour in range(24):
        cells = [
            f"{p['arrivals'][hour]:.0f}, {p['eff'][hour]:.1f}, **{fmt(p['load'][hour])}**"
            for p in (pools[n] for n in names)
        ]
        print(f"| {hour:02d} | " + " | ".join(cells) + " |")
    for name in names:
        p = pools[name]
        work = (p["arrivals"] * p["service_s"] / 3600).sum()
        peak = int(np.nanargmax(p["load"]))
        print(
            f"- {name}: peak load {p['load'][peak]:.2f} at {peak:02d}h,"
            f" daily demand / daily open capacity {work / p['eff'].sum():.2f}"
        )

    print("\n## Fluid wait estimate (min) vs CBP observed, weekdays January-February\n")
    print(
        "Observed = CBP mean wait less the no-queue wait (smallest hourly mean of the floor "
        "column).\n"
    )
    floors = {}
    for col, floor_col in FLOOR_FROM.items():
        floors[col] = float(np.nanmin(observed_weekday(rows, floor_col)))
    print("| hour | " + " | ".join(f"{n}: fluid / observed" for n in names) + " |")
    print("|---" * (len(names) + 1) + "|")
    estimates = {}
    for name in names:
        p = pools[name]
        capacity = p["eff"] * 3600 / p["service_s"]
        estimates[name] = fluid_wait_min(p["arrivals"], capacity)
    observed = {n: observed_weekday(rows, OBSERVED[n]) - floors[OBSERVED[n]] for n in names}
    for hour in range(24):
        cells = [f"{fmt(estimates[n][hour], 0)} / {fmt(observed[n][hour], 0)}" for n in names]
        print(f"| {hour:02d} | " + " | ".join(cells) + " |")
    print("\nNo-queue waits taken off: " + ", ".join(f"{c} {v:.1f} min" for c, v in floors.items()))

    print("\n## Secondary stages: offered load by hour\n")
    for stage, (visits, mean_min, stations, open_by_hour) in SECONDARY.items():
        arrivals = sum(
            share * hourly_arrivals(volumes[s], STREAM_PROFILE[s]) for s, share in visits.items()
        )
        load = arrivals * mean_min / 60 / np.asarray(open_by_hour, float)
        print(
            f"- {stage}: {arrivals.sum():,.0f} visits/day, peak {arrivals.max():.0f}/h; "
            f"{stations} stations; load by hour: "
            + " ".join(f"{h:02d}:{x:.2f}" for h, x in enumerate(load))
        )


if __name__ == "__main__":
    main()
