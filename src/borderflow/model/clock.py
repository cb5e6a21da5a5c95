"""The port's clock: SimPy's environment, with a faster way in for the per-traveller events.

SimPy is the scheduler: its :class:`simpy.Environment` holds the time and the calendar of
events (a heap ordered by time, priority and order of scheduling), and the port's hourly clock
and its drain after the horizon are ordinary SimPy processes and events. The two events each
traveller needs (an arrival, the end of an inspection) are the one thing that runs millions of
times, so they skip the ``Event`` object: :meth:`Clock.at` puts a plain entry
``(time, NORMAL, order, callback, value)`` on SimPy's heap, and :meth:`Clock.run` processes the
heap itself, calling ``callback(value)`` for those and doing exactly what
:meth:`simpy.Environment.step` does for every other event. Entries are numbered by SimPy's own
counter, so the order of events, ties included, is the one SimPy would give, and the results are
those of ``env.run``, bit for bit.

This is the only module that touches SimPy's internals (``env._now``, ``env._queue``,
``env._eid``, ``event._ok``, ``event.callbacks``); ``tests/model/test_clock.py`` fails if a
SimPy release changes them.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.events import NORMAL, URGENT, Event


class _Stop(Exception):
    """Raised inside :meth:`Clock.run` when its end is reached."""


def _stop(event: Any) -> None:
    if isinstance(event, Event) and not event._ok:
        raise event._value
    raise _Stop


class Clock:
    """SimPy's environment, and the per-traveller events scheduled on it without an ``Event``.

    After :meth:`at` has been used, run the environment with :meth:`run` only (SimPy's own
    ``env.run`` does not know the plain entries).
    """

    __slots__ = ("env", "now", "_queue", "_order")

    def __init__(self) -> None:
        self.env = simpy.Environment()
        self.now: float = self.env.now
        """The simulated time (s): ``env.now``, as a plain attribute (read millions of times)."""
        self._queue: list[tuple] = self.env._queue
        self._order = self.env._eid

    def at(self, delay: float, callback: Callable[[Any], None], value: Any) -> None:
        """Call ``callback(value)`` ``delay`` (s, not negative) from now: what
        ``env.timeout(delay).callbacks.append(...)`` does, without the event."""
        heappush(self._queue, (self.now + delay, NORMAL, next(self._order), callback, value))

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
            heappush(
                self._queue, (env._now + (at - env._now), URGENT, next(self._order), _stop, None)
            )
        queue = self._queue
        pop = heappop
        try:
            while True:
                try:
                    entry = pop(queue)
                except IndexError:
                    raise RuntimeError(
                        "no events left, but the end of the run was not reached"
                    ) from None
                self.now = env._now = entry[0]
                if len(entry) == 5:  # scheduled by ``at`` (or the stop above)
                    entry[3](entry[4])
                else:
                    _process(entry[3])
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
