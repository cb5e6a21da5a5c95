"""Random number streams: one seed tree per run, one named stream per source of randomness.

Root seed -> replication -> named stream (``arrivals/car_general``, ``service/car_general/primary``
...), each an explicit PCG64 generator. Because streams are found by name, not by the order in
which they are created, two scenarios run with the same seed see the same travellers with the same
needs (common random numbers), and adding a stream to a scenario does not change the others.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from itertools import chain, count

import numpy as np

BLOCK = 1024
"""Random draws are made this many at a time; the per-traveller path only reads a list."""


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` in ``replication`` of a run with root ``seed``."""
    key = zlib.crc32(name.encode("utf-8"))
    sequence = np.random.SeedSequence(seed, spawn_key=(replication, key))
    return np.random.Generator(np.random.PCG64(sequence))


Draws = Callable[[], float]
"""An endless supply of random values: each call returns the next one, as a Python float."""


def draws(draw: Callable[[int], np.ndarray]) -> Draws:
    """The values of ``draw(BLOCK)``, block after block, handed out one per call.

    ``draw`` takes the block size and returns a numpy array; its values are turned into
    Python floats a block at a time, which keeps numpy out of the per-traveller path, and the
    next value is a C-level ``__next__`` away (a Python frame runs once per block only).
    """
    blocks: Iterator[list[float]] = (draw(BLOCK).tolist() for _ in count())
    return chain.from_iterable(blocks).__next__
