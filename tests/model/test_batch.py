"""A stage that releases vehicles in batches: they gather in a lot after its booth and go on
together when the batch is full or its first vehicle has waited long enough."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from borderflow import load_scenario, simulate
from borderflow.scenario import ScenarioError


def convoy(size: int = 5, max_wait: str = "10 min", per_hour: float = 30) -> dict[str, Any]:
    """Mexican export (one booth, 30 s a truck) releasing trucks in batches, then US primary
    with booths to spare; the published wait ends at US primary."""
    return {
        "name": "convoys",
        "horizon": "48 h",
        "seed": 9,
        "streams": {
            "truck": {
                "mode": "truck",
                "arrivals": {"per_hour": per_hour},
                "route": ["export", "primary"],
                "wait_until": "primary",
            }
        },
        "stages": {
            "export": {
                "lanes": {"booth": {"lanes": 1}},
                "service": {"default": {"dist": "deterministic", "mean": "30 s"}},
                "batch": {"size": size, "max_wait": max_wait},
            },
            "primary": {
                "lanes": {"booths": {"lanes": 20}},
                "service": {"default": {"dist": "exponential", "mean": "2 min"}},
            },
        },
    }


def batches(result: Any) -> list[list[tuple[float, float]]]:
    """The trucks of each release, in order: (left the export booth, released), from the trace."""
    by_release: dict[float, list[tuple[float, float]]] = defaultdict(list)
    for _, _, legs, _ in result.trace:
        export, primary = legs
        by_release[primary[3]].append((export[5], primary[3]))
    return [sorted(by_release[t]) for t in sorted(by_release)]


@pytest.mark.parametrize("per_hour", [10, 30, 90])
def test_a_batch_goes_when_full_or_when_its_first_has_waited_max_wait(per_hour: float) -> None:
    """From the trace, exactly: every release holds at most 5 trucks; a release of 5 goes the
    moment the fifth leaves the booth; a smaller one goes 10 minutes after its first; and the
    batches follow one another in the order the trucks left the booth."""
    result = simulate(load_scenario(convoy(per_hour=per_hour)), trace=True)
    groups = batches(result)
    full = partial = 0
    last_out = -1.0
    for group in groups:
        outs = [out for out, _ in group]
        released = group[0][1]
        assert len(group) <= 5
        assert min(outs) > last_out  # no truck of a later batch left the booth earlier
        last_out = max(outs)
        if len(group) == 5:
            full += 1
            assert released == pytest.approx(max(outs))
        else:
            partial += 1
            assert released == pytest.approx(min(outs) + 600.0)
    assert result.checks["arrived"] == result.checks["exited"]
    if per_hour == 90:  # a truck every 40 s: batches fill
        assert full > 10 * partial
    if per_hour == 10:  # a truck every 6 min: most wait for the timer
        assert partial > full


def test_the_lot_is_in_the_wait_when_it_lies_before_the_wait_stage() -> None:
    """Trucks whose wait runs to US primary wait in the lot too; with batches of 1 in effect
    (size 2 and a tiny max_wait) the wait is shorter."""
    slow = simulate(load_scenario(convoy(size=10, max_wait="30 min", per_hour=10)))
    quick = simulate(load_scenario(convoy(size=2, max_wait="1 s", per_hour=10)))
    assert slow.metrics["truck"]["wait_mean_min"] > quick.metrics["truck"]["wait_mean_min"] + 5
    assert slow.metrics["truck"]["primary.wait_mean_min"] < 1  # none of it at primary itself


def test_trucks_left_in_the_lot_at_the_drain_limit_are_counted() -> None:
    """A batch that never fills with a timer longer than the drain limit: its trucks are still
    inside (not served) when the run stops."""
    data = convoy(size=50, max_wait="200 h", per_hour=1)
    data["horizon"] = "6 h"
    result = simulate(load_scenario(data))
    assert result.checks["left_inside"] > 0
    assert result.checks["arrived"] == result.checks["exited"] + result.checks["left_inside"]
    assert result.unfinished["truck"]["not_served"] > 0


def test_a_batch_cannot_feed_a_stage_with_storage() -> None:
    data = convoy()
    data["stages"]["primary"]["storage"] = 10
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    assert "stages.export.batch" in str(caught.value)
    assert "a stage after it on the route of truck has a storage (primary)" in str(caught.value)
    data = convoy()
    data["stages"]["export"]["batch"]["size"] = 1
    with pytest.raises(ScenarioError, match="stages.export.batch.size"):
        load_scenario(data)
