"""Streaming statistics of one replication: memory does not grow with the number of travellers.

Waits are kept per (stream, hour of arrival) only until every traveller of that hour has reached
the end of its wait (primary inspection, as a rule); then the hour's mean and 95th percentile are
computed exactly, and its waits are folded into a per-stream histogram of 1-second bins, from
which the day's percentiles are read (resolution 1 s). Means, counts and maxima are exact.
"""

from __future__ import annotations

import math

import numpy as np

from ..scenario.units import HOUR

BIN = 1.0
"""Width (s) of the wait histogram bins used for whole-run percentiles."""


class HourBucket:
    """The travellers of one stream who arrived in one hour, until all their waits have ended."""

    __slots__ = ("hour", "end", "waits", "pending")

    def __init__(self, hour: int):
        self.hour = hour
        self.end = (hour + 1) * HOUR
        """End (s) of the hour."""
        self.waits: list[float] = []
        """Waits (s) of the counted travellers of this hour whose wait has ended."""
        self.pending = 0
        """Travellers of this hour whose wait has not ended yet."""


class StreamStats:
    """What is measured for one stream in one replication."""

    __slots__ = (
        "name",
        "open_buckets",
        "hourly",
        "histogram",
        "count",
        "wait_sum",
        "wait_max",
        "time_in_port_sum",
        "exits",
        "exits_counted",
        "stage_wait_sum",
        "stage_visits",
    )

    def __init__(self, name: str, n_stages: int):
        self.name = name
        self.open_buckets: dict[int, HourBucket] = {}
        self.hourly: dict[int, tuple[int, float, float]] = {}
        """Finished hours: (arrivals, mean wait s, p95 wait s)."""
        self.histogram = np.zeros(0, dtype=np.int64)
        self.count = 0
        self.wait_sum = 0.0
        self.wait_max = 0.0
        self.time_in_port_sum = 0.0
        self.exits = 0
        self.exits_counted = 0
        self.stage_wait_sum = [0.0] * n_stages
        """Total wait (s) of counted visitors at each stage of the scenario (by stage index)."""
        self.stage_visits = [0] * n_stages

    def bucket(self, hour: int) -> HourBucket:
        """The bucket of travellers arriving in absolute ``hour``."""
        bucket = self.open_buckets.get(hour)
        if bucket is None:
            bucket = self.open_buckets[hour] = HourBucket(hour)
        return bucket

    def finish_hours(self, before: int | None = None) -> None:
        """Close every hour before ``before`` whose travellers' waits have all ended (every
        hour, when ``before`` is None: the end of the run)."""
        for hour in sorted(self.open_buckets):
            bucket = self.open_buckets[hour]
            if before is not None and (hour >= before or bucket.pending):
                continue
            del self.open_buckets[hour]
            self._close(hour, bucket.waits)

    def _close(self, hour: int, waits: list[float]) -> None:
        if not waits:
            return
        values = np.asarray(waits)
        self.hourly[hour] = (len(waits), float(values.mean()), float(np.percentile(values, 95)))
        self.count += len(waits)
        self.wait_sum += float(values.sum())
        self.wait_max = max(self.wait_max, float(values.max()))
        bins = np.bincount((values // BIN).astype(np.int64))
        if len(bins) > len(self.histogram):
            bins[: len(self.histogram)] += self.histogram
            self.histogram = bins
        else:
            self.histogram[: len(bins)] += bins


def histogram_percentile(histogram: np.ndarray, q: float) -> float:
    """The ``q``-th percentile (0–100) of values binned in ``BIN``-wide bins, interpolated."""
    total = int(histogram.sum())
    if total == 0:
        return math.nan
    target = q / 100 * total
    cumulative = np.cumsum(histogram)
    index = int(np.searchsorted(cumulative, target, side="left"))
    index = min(index, len(histogram) - 1)
    before = cumulative[index - 1] if index > 0 else 0
    inside = histogram[index]
    fraction = (target - before) / inside if inside else 0.0
    return float((index + fraction) * BIN)


class GroupStats:
    """Time-weighted state of one lane group, accumulated hour by hour.

    Waiting and inspection are recorded when they end, as the part of their interval that falls
    in the current hour (:meth:`waited`, :meth:`occupied`); at each hour boundary the group adds
    the part of the intervals still running (see ``LaneGroup.close_hour``). This keeps the
    bookkeeping off the per-traveller path. Staffed booths change only with the schedule, so they
    are integrated as a step function. A warm-up or horizon inside an hour is one more such
    boundary: the part of the hour outside the counted period is closed, and dropped, apart.
    """

    __slots__ = (
        "waiting",
        "busy",
        "staffed",
        "hour_start",
        "staffed_since",
        "area_waiting",
        "area_busy",
        "area_staffed",
        "max_waiting",
        "rows",
        "total_busy",
        "total_staffed",
    )

    def __init__(self) -> None:
        self.waiting = 0
        """Travellers in the group's lines now (not in a booth)."""
        self.busy = 0
        """Booths occupied now (inspecting, or holding a blocked vehicle)."""
        self.staffed = 0
        """Booths staffed now."""
        self.hour_start = 0.0
        self.staffed_since = 0.0
        self.area_waiting = 0.0
        self.area_busy = 0.0
        self.area_staffed = 0.0
        self.max_waiting = 0
        self.rows: list[tuple[int, int, float, float, int]] = []
        self.total_busy = 0.0
        self.total_staffed = 0.0

    def restaff(self, now: float, booths: int) -> None:
        """``booths`` more (or fewer, if negative) booths are staffed from ``now``."""
        self.area_staffed += self.staffed * (now - self.staffed_since)
        self.staffed_since = now
        self.staffed += booths

    def close_hour(self, hour: int, end: float, lanes_open: int, counted: bool) -> None:
        """Turn the areas since ``hour_start`` (already completed by the group) into the row of
        ``hour``: the whole hour, or the part of it in the counted period, averaged over its
        own length."""
        self.restaff(end, 0)
        if counted:
            staffed = self.area_staffed
            utilization = self.area_busy / staffed if staffed > 0 else math.nan
            queue_mean = self.area_waiting / (end - self.hour_start)
            self.rows.append((hour, lanes_open, utilization, queue_mean, self.max_waiting))
            self.total_busy += self.area_busy
            self.total_staffed += staffed
        self.area_waiting = self.area_busy = self.area_staffed = 0.0
        self.max_waiting = self.waiting
        self.hour_start = end
