"""The port's clock: SimPy's environment, with a faster way in for the per-traveller events.

SimPy is the scheduler: its :class:`simpy.Environment` holds the time and the calendar of
events (a heap ordered by time, priority and order of scheduling), and the port's hourly clock
and its drain after the horizon are ordinary SimPy processes and events. The two events each
traveller needs (an arrival, the end of an inspection) are the one thing that runs millions of
times, so they skip the ``Event`` object: :attr:`Clock.at` puts a plain entry
``(time, NORMAL, order, callback, value)`` on SimPy's heap. The clock schedules SimPy's own
events the same way (``env.schedule`` puts ``(time, priority, order, process, event)``, where
``process`` does what :meth:`simpy.Environment.step` does with an event), so
:meth:`Clock.run` is a loop of pop, set the time, call. Entries are numbered by SimPy's own
counter, so the order of events, ties included, is the one SimPy would give, and the results
are those of ``env.run``, bit for bit.

This is the only module that touches SimPy's internals (``env._now``, ``env._queue``,
``env._eid``, ``env.schedule``, ``event._ok``, ``event.callbacks``);
``tests/model/test_clock.py`` fails if a SimPy release changes them.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.events import NORMAL, URGENT, Event


class _Stop(Exception):
    """Raised inside :meth:`Clock.run` when its end is reached."""


def _stop(event: Event | None) -> None:
    if event is not None and not event._ok:
        raise event._value
    raise _Stop


class Clock:
    """SimPy's environment, with the per-traveller events scheduled on it without an ``Event``.

    Run the environment with :meth:`run` only: every entry on its heap is a plain
    ``(time, priority, order, callback, value)``, which SimPy's own ``env.run`` does not know.
    """

    __slots__ = ("env", "now", "at", "at_time", "_queue", "_order")

    def __init__(self) -> None:
        env = self.env = simpy.Environment()
        self.now: float = env.now
        """The simulated time (s): ``env.now``, as a plain attribute (read millions of times)."""
        queue: list[tuple] = env._queue
        order = env._eid
        self._queue = queue
        self._order = order

        def at(delay: float, callback: Callable[[Any], None], value: Any) -> None:
            heappush(queue, (self.now + delay, NORMAL, next(order), callback, value))

        def at_time(time: float, callback: Callable[[Any], None], value: Any) -> None:
            heappush(queue, (time, NORMAL, next(order), callback, value))

        self.at = at
        """``at(delay, callback, value)`` calls ``callback(value)`` ``delay`` (s, not negative)
        from now: what ``env.timeout(delay).callbacks.append(...)`` does, without the event."""
        self.at_time = at_time
        """``at_time(time, callback, value)``: the same at ``time`` (s, not before now), for a
        caller that has ``now + delay`` at hand (the same number ``at`` would compute)."""

        def schedule(event: Event, priority: int = NORMAL, delay: float = 0) -> None:
            # SimPy's Environment.schedule (every SimPy event is scheduled through it), as an
            # entry that processes the event
            heappush(queue, (env._now + delay, priority, next(order), _process, event))

        env.schedule = schedule  # type: ignore[method-assign]

    def run(self, until: float | Event) -> None:
        """Process events until the time ``until`` (events at that very time with normal
        priority wait for the next run) or until the event ``until`` has been processed: what
        ``env.run(until)`` does."""
        env = self.env
        if isinstance(until, Event):
            if until.callbacks is None:
                return
            until.callbacks.append(_stop)
        else:
            at = until if isinstance(until, int) else float(until)
            if at <= env._now:
                raise ValueError(f"until ({at}) must be greater than the current simulation time")
            # what env.run does: a stop before the regular events at that time
            stop = (env._now + (at - env._now), URGENT, next(self._order), _stop, None)
            heappush(self._queue, stop)
        queue = self._queue
        pop = heappop
        try:
            while True:
                try:
                    now, _, _, callback, value = pop(queue)
                except IndexError:
                    raise RuntimeError(
                        "no events left, but the end of the run was not reached"
                    ) from None
                self.now = env._now = now
                callback(value)
        except _Stop:
            return


def _process(event: Event) -> None:
    """Process one SimPy event, as :meth:`simpy.Environment.step` does."""
    callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
    for callback in callbacks:
        callback(event)
    if not event._ok and not hasattr(event, "_defused"):
        exc = type(event._value)(*event._value.args)
        exc.__cause__ = event._value
        raise exc
