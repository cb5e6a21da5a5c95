"""A progress bar with an estimated time to finish, on the error output of a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """Call as ``bar(done, total)``; draws ``label [#####-----] 41% 412/1000  0:42 ETA 1:01``.

    The rate, and so the ETA, counts only the work done since the bar started (a resumed sweep
    starts with stored points already done). Drawn at most ten times a second; nothing is
    drawn when disabled (not a terminal, or ``--quiet``).
    """

    def __init__(
        self, label: str, stream: TextIO | None = None, enabled: bool | None = None, width: int = 24
    ):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.width = width
        self.start = time.monotonic()
        self.first: float | None = None
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: float, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.first is None:
            self.first, self.start = done, now
        if done < total and now - self.last < 0.1 and self.drawn:
            return
        self.last = now
        elapsed = now - self.start
        rate = (done - self.first) / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else None
        share = done / total if total else 1.0
        filled = int(round(share * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        text = (
            f"\r{self.label} [{bar}] {100 * share:3.0f}% {int(done)}/{total}  "
            f"{_clock(elapsed)} elapsed, ETA {_clock(0.0 if done >= total else eta)}"
        )
        self.stream.write(text + "  ")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the line, if anything was drawn."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
