"""The one kind of SimPy event the port schedules: a moment in time with its callback.

SimPy's ``Timeout`` checks its delay and starts with an empty list of callbacks that the caller
then appends to. The port schedules two of these per traveller (its arrival, and the end of each
inspection) with delays that are never negative, so this event is created with its callback in
place: the same event to SimPy, a little less work on the per-traveller path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simpy.core import Environment
from simpy.events import NORMAL, Event


class At(Event):
    """An event that fires ``delay`` seconds from now and calls ``callback(event)``; the
    event's ``value`` carries what the callback needs."""

    def __init__(
        self, env: Environment, delay: float, value: Any, callback: Callable[[At], None]
    ) -> None:
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._ok = True
        env.schedule(self, NORMAL, delay)
