"""The port's clock drives SimPy's environment directly: these tests fail if SimPy changes the
internals it relies on, or if its run differs from SimPy's own."""

from __future__ import annotations

import itertools

import pytest
import simpy
from simpy.events import NORMAL, URGENT, Event

from borderflow.model.clock import Clock


def test_the_simpy_internals_the_clock_uses_are_there() -> None:
    env = simpy.Environment(initial_time=5)
    assert env._now == 5 and env.now == 5
    assert isinstance(env._queue, list) and env._queue == []
    assert isinstance(env._eid, itertools.count)
    assert (URGENT, NORMAL) == (0, 1)
    timeout = env.timeout(2, value="v")
    # a scheduled event is the heap entry (time, priority, order, event), numbered by _eid
    ((time, priority, order, event),) = env._queue
    assert (time, priority, event) == (7, NORMAL, timeout)
    assert next(env._eid) == order + 1
    assert timeout.callbacks == [] and timeout._ok is True and timeout._value == "v"
    env.run()
    assert timeout.callbacks is None  # processed
    failed = env.event()
    failed.fail(ValueError("x"))
    assert failed._ok is False and isinstance(failed._value, ValueError)
    failed.defused = True
    assert hasattr(failed, "_defused")


def schedule_mixed(env: simpy.Environment, at, log: list) -> None:
    """Timed callbacks with ties, a process with timeouts, and events succeeded at once."""

    def tick(name: str) -> None:
        log.append((env.now, name))
        if name == "a1":  # scheduled from a callback, tying with others at the same time
            at(0.0, tick, "a1-now")
            at(1.0, tick, "a1-later")
            done = env.event()
            done.callbacks.append(lambda _: log.append((env.now, "succeeded")))
            done.succeed()

    def process():
        log.append((env.now, "process starts"))
        yield env.timeout(1.0)
        log.append((env.now, "process 1"))
        yield env.timeout(1.0)
        log.append((env.now, "process 2"))

    env.process(process())
    for delay, name in [(1.0, "a1"), (1.0, "a2"), (0.5, "b"), (2.0, "c"), (2.0, "d"), (3, "e")]:
        at(delay, tick, name)


def test_the_clock_runs_events_in_simpys_order() -> None:
    reference = simpy.Environment()
    expected: list = []

    def at_simpy(delay: float, callback, value) -> None:
        reference.timeout(delay).callbacks.append(lambda _: callback(value))

    schedule_mixed(reference, at_simpy, expected)
    reference.run(until=2.0)
    expected.append("stop")
    reference.run(until=10)

    clock = Clock()
    log: list = []
    schedule_mixed(clock.env, clock.at, log)
    clock.run(2.0)
    assert clock.now == clock.env.now == 2.0
    log.append("stop")
    clock.run(10)
    assert log == expected
    assert [entry for entry in log if entry != "stop" and entry[0] == 2.0] == [
        (2.0, "c"),
        (2.0, "d"),
        (2.0, "a1-later"),
        (2.0, "process 2"),
    ]  # ties at 2.0, after the stop at 2.0, in the order they were scheduled
    assert clock.now == 10


def test_the_clock_stops_at_an_event_and_reports_failures() -> None:
    clock = Clock()
    env = clock.env
    seen: list[float] = []
    for delay in (1.0, 2.0, 3.0):
        clock.at(delay, seen.append, delay)
    until = env.timeout(2.5)
    clock.run(until)
    assert seen == [1.0, 2.0] and clock.now == 2.5
    clock.run(until)  # already processed: nothing happens
    assert seen == [1.0, 2.0]

    def broken():
        yield env.timeout(1)
        raise ValueError("inside a process")

    env.process(broken())
    with pytest.raises(ValueError, match="inside a process"):
        clock.run(100)
    with pytest.raises(ValueError, match="greater than the current"):
        clock.run(clock.now)
    empty = Clock()
    with pytest.raises(RuntimeError, match="no events left"):
        empty.run(Event(empty.env))
