"""Random number streams: one seed tree per run, one named stream per source of randomness.

Root seed -> replication -> named stream (``arrivals/car_general``, ``service/car_general/primary``
...), each an explicit PCG64 generator. Because streams are found by name, not by the order in
which they are created, two scenarios run with the same seed see the same travellers with the same
needs (common random numbers), and adding a stream to a scenario does not change the others.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

BLOCK = 1024
"""Random draws are made this many at a time; the per-traveller path only reads a list."""


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` in ``replication`` of a run with root ``seed``."""
    key = zlib.crc32(name.encode("utf-8"))
    sequence = np.random.SeedSequence(seed, spawn_key=(replication, key))
    return np.random.Generator(np.random.PCG64(sequence))


class Draws:
    """An endless supply of values, drawn ``BLOCK`` at a time from ``draw(n)``.

    ``draw`` takes the block size and returns a numpy array; values are handed out one by one
    as Python floats, which keeps numpy out of the per-traveller path.
    """

    __slots__ = ("_draw", "_values", "_next")

    def __init__(self, draw: Callable[[int], np.ndarray]) -> None:
        self._draw = draw
        self._values: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        if self._next == len(self._values):
            self._values = self._draw(BLOCK).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value
