"""Inspections that vary: visit shares by hour and day type, referrals that depend on an earlier
one, and inspection times scaled by the hour."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from borderflow import load_scenario, simulate
from borderflow.scenario import ScenarioError

HOUR = 3600.0


def port(secondary: dict[str, Any], per_hour: float = 60, horizon: str = "14 d") -> dict[str, Any]:
    """Cars through primary, some referred to secondary (ample booths at both, so that the
    referrals, not the queues, are what is measured)."""
    return {
        "name": "referrals",
        "horizon": horizon,
        "seed": 17,
        "start_day": "monday",
        "streams": {
            "car": {"arrivals": {"per_hour": per_hour}, "route": ["primary", "nii", "secondary"]}
        },
        "stages": {
            "primary": {
                "lanes": {"booths": {"lanes": 10}},
                "service": {"default": {"dist": "exponential", "mean": "1 min"}},
            },
            "nii": {
                "lanes": {"units": {"lanes": 10, "queue": "shared"}},
                "service": {"default": {"dist": "exponential", "mean": "1 min"}},
                "visit": {"default": 0.3},
            },
            "secondary": {
                "lanes": {"bays": {"lanes": 20, "queue": "shared"}},
                "service": {"default": {"dist": "exponential", "mean": "2 min"}},
                **secondary,
            },
        },
    }


def visited(result: Any, stage: str) -> tuple[np.ndarray, np.ndarray]:
    """Per traveller (from the trace): the absolute hour of arrival, and whether it visited
    ``stage``."""
    hours, flags = [], []
    for _, arrival, legs, _ in result.trace:
        hours.append(int(arrival // HOUR))
        flags.append(any(leg[0] == stage for leg in legs))
    return np.array(hours), np.array(flags)


def test_hourly_visit_shares_pass_a_chi_square_test_by_hour() -> None:
    """Weekdays refer 10% at night and 40% from 08:00 to 20:00; weekends 20% all day. The
    referred count in each of the 48 (day type, hour) cells against its binomial expectation:
    the chi-square statistic on 48 degrees of freedom, p >= 0.001 (fixed seed)."""
    by_hour = [0.1] * 8 + [0.4] * 12 + [0.1] * 4
    data = port({"visit": {"default": {"weekday": by_hour, "weekend": 0.2}}})
    result = simulate(load_scenario(data), trace=True)
    hours, flags = visited(result, "secondary")
    weekend = (hours // 24) % 7 >= 5
    statistic, cells = 0.0, 0
    for is_weekend in (False, True):
        for h in range(24):
            cell = (hours % 24 == h) & (weekend == is_weekend)
            n, k = int(cell.sum()), int(flags[cell].sum())
            p = 0.2 if is_weekend else by_hour[h]
            statistic += (k - n * p) ** 2 / (n * p * (1 - p))
            cells += 1
    assert stats.chi2.sf(statistic, cells) >= 0.001
    # and the shares do differ: the model is not using one share for all hours
    day = (hours % 24 >= 8) & (hours % 24 < 20) & ~weekend
    assert flags[day].mean() == pytest.approx(0.4, abs=0.02)
    assert flags[~day & ~weekend].mean() == pytest.approx(0.1, abs=0.02)


def test_a_referral_after_an_earlier_one_takes_its_conditional_share() -> None:
    """Secondary takes 50% of those scanned at NII and 5% of the others: each share within its
    99.9% binomial interval, and the two are independent of the hour."""
    data = port(
        {"visit": {"default": 0.05}, "visit_after": {"stage": "nii", "share": {"car": 0.5}}}
    )
    result = simulate(load_scenario(data), trace=True)
    _, scanned = visited(result, "nii")
    _, referred = visited(result, "secondary")
    for group, share in ((scanned, 0.5), (~scanned, 0.05)):
        n = int(group.sum())
        low, high = stats.binom.interval(0.999, n, share)
        assert low <= referred[group].sum() <= high, share
    scenario = load_scenario(data)
    assert scenario.visit_probability("secondary", "car") == pytest.approx(0.3 * 0.5 + 0.7 * 0.05)


def test_a_referral_after_an_earlier_one_with_shares_by_hour() -> None:
    """Both mechanisms together (decided traveller by traveller): at night nobody is scanned,
    so secondary takes its own night share; by day those scanned go on at 0.9."""
    data = port(
        {
            "visit": {"default": [0.05] * 12 + [0.0] * 12},
            "visit_after": {"stage": "nii", "share": {"default": 0.9}},
        }
    )
    data["stages"]["nii"]["visit"] = {"default": [0.0] * 12 + [0.5] * 12}
    result = simulate(load_scenario(data), trace=True)
    hours, scanned = visited(result, "nii")
    _, referred = visited(result, "secondary")
    night = hours % 24 < 12
    assert not scanned[night].any()
    assert referred[night].mean() == pytest.approx(0.05, abs=0.01)
    assert referred[~night & scanned].mean() == pytest.approx(0.9, abs=0.02)
    assert not referred[~night & ~scanned].any()


def test_shares_that_do_not_vary_give_the_same_run_as_one_share() -> None:
    """A share written as 24 equal values, or by day type with one value, is the same share:
    the run is identical to the one with the plain number."""
    plain = simulate(load_scenario(port({"visit": {"default": 0.2}}, horizon="2 d")), trace=True)
    for written in ([0.2] * 24, {"weekday": 0.2, "weekend": [0.2] * 24}):
        same = simulate(
            load_scenario(port({"visit": {"default": written}}, horizon="2 d")), trace=True
        )
        assert same.trace == plain.trace


def test_service_scale_stretches_inspections_by_the_hour_they_start() -> None:
    """Secondary inspections starting 00:00–11:59 take twice as long: the booth time of each
    inspection is its drawn time times the factor of its start hour, so the same travellers'
    inspections are exactly twice as long in the morning and unchanged after."""
    base = port({"visit": {"default": 1.0}}, horizon="2 d")
    plain = simulate(load_scenario(base), trace=True)
    base["stages"]["secondary"]["service_scale"] = [2.0] * 12 + [1.0] * 12
    scaled = simulate(load_scenario(base), trace=True)
    # ample bays: nobody waits at secondary in either run, so each traveller's inspection
    # there starts at the same time in both (trace rows are in order of exit: match them)
    after = {arrival: legs for _, arrival, legs, _ in scaled.trace}
    assert len(after) == len(plain.trace)
    for _, arrival, legs, _ in plain.trace:
        a, b = legs[-1], after[arrival][-1]
        assert a[4] == pytest.approx(b[4])
        factor = 2.0 if (a[4] // HOUR) % 24 < 12 else 1.0
        assert b[5] - b[4] == pytest.approx(factor * (a[5] - a[4]))


@pytest.mark.parametrize(
    ("secondary", "message"),
    [
        ({"visit": {"default": [0.1] * 23}}, "one visit share value for each of the 24 hours"),
        ({"visit": {"default": {"weekday": 0.1}}}, "gives no value for saturday, sunday"),
        ({"visit": {"default": 1.2}}, "visit.default: must be at most 1, found 1.2"),
        ({"service_scale": 0}, "a service scale is a factor above 0"),
        (
            {"visit": {"default": 0.1}, "visit_after": {"stage": "nope", "share": {"default": 1}}},
            "unknown stage 'nope'",
        ),
        (
            {"visit": {"default": 0.1}, "visit_after": {"stage": "nii", "share": {"bus": 1}}},
            "unknown stream 'bus'",
        ),
    ],
)
def test_bad_shares_are_refused_with_the_key(secondary: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(port(secondary))
    assert message in str(caught.value)
    assert "stages.secondary" in str(caught.value)


def test_a_referral_can_only_depend_on_an_earlier_stage() -> None:
    data = port({"visit": {"default": 0.1}})
    data["stages"]["nii"]["visit_after"] = {"stage": "secondary", "share": {"default": 0.5}}
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    assert "'secondary' is not before 'nii' on the route of 'car'" in str(caught.value)


def test_a_referral_on_the_wrong_side_is_one_problem_for_every_stream() -> None:
    data = port({"visit": {"default": 0.1}})
    data["streams"]["bus"] = {
        "mode": "bus",
        "arrivals": {"per_hour": 2},
        "route": data["streams"]["car"]["route"],
    }
    data["stages"]["nii"]["visit_after"] = {"stage": "secondary", "share": {"default": 0.5}}
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    assert str(caught.value).startswith("1 problem")
    assert "on the routes of 'car', 'bus' (that of 'car': primary, nii, secondary)" in str(
        caught.value
    )
