"""Streaming statistics of one replication: memory does not grow with the number of travellers.

Waits are kept per (stream, hour of arrival) only until every traveller of that hour has reached
the end of its wait (primary inspection, as a rule); then the hour's mean and 95th percentile are
computed exactly, and its waits are folded into a per-stream histogram of 1-second bins, from
which the day's percentiles are read (resolution 1 s). Means, counts and maxima are exact. An
hour some of whose travellers never reach the end of their wait (the run stopped first) is
closed at the end of the run with the waits that ended; the others are its ``not_served``.

Nothing here is proportional to the length of a queue: a lane group integrates its queue with
a running sum (see :class:`GroupStats`), and an hour is looked at only when it may be complete
(see :meth:`StreamStats.finish_hours`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..scenario.units import HOUR

if TYPE_CHECKING:
    from .port import Traveller

BIN = 1.0
"""Width (s) of the wait histogram bins used for whole-run percentiles."""


class HourBucket:
    """The travellers of one stream who arrived in one hour, until all their waits have ended."""

    __slots__ = ("hour", "end", "waits", "pending", "arrivals")

    def __init__(self, hour: int):
        self.hour = hour
        self.end = (hour + 1) * HOUR
        """End (s) of the hour."""
        self.waits: list[float] = []
        """Waits (s) of the counted travellers of this hour whose wait has ended."""
        self.pending = 0
        """Travellers of this hour whose wait has not ended yet (counted or not)."""
        self.arrivals = 0
        """Counted travellers (arrived after the warm-up) of this hour."""


class StreamStats:
    """What is measured for one stream in one replication."""

    __slots__ = (
        "name",
        "open_buckets",
        "ready",
        "hourly",
        "histogram",
        "count",
        "arrivals",
        "wait_sum",
        "wait_max",
        "time_in_port_sum",
        "exits",
        "exits_counted",
        "stage_wait_sum",
        "stage_visits",
        "kept",
        "day_waits",
        "daily_p95",
    )

    def __init__(self, name: str, n_stages: int, keep_waits: bool = False):
        self.name = name
        self.open_buckets: dict[int, HourBucket] = {}
        """Hours not closed yet, by absolute hour."""
        self.ready: dict[int, HourBucket] = {}
        """Open hours that may be complete: new ones, and those whose ``pending`` fell to 0
        (the port adds them); only these are looked at when an hour ends."""
        self.hourly: dict[int, tuple[int, float, float, int]] = {}
        """Closed hours: (counted arrivals, mean wait s, p95 wait s, not served), the waits
        over the travellers whose wait ended (NaN if none did)."""
        self.histogram = np.zeros(0, dtype=np.int64)
        self.count = 0
        """Counted travellers whose wait ended (the ``entities``)."""
        self.arrivals = 0
        """Counted travellers of the closed hours, whether or not their wait ended."""
        self.wait_sum = 0.0
        self.wait_max = 0.0
        self.time_in_port_sum = 0.0
        self.exits = 0
        self.exits_counted = 0
        self.stage_wait_sum = [0.0] * n_stages
        """Total wait (s) of counted visitors at each stage of the scenario (by stage index)."""
        self.stage_visits = [0] * n_stages
        self.kept: dict[int, np.ndarray] | None = {} if keep_waits else None
        """With ``keep_waits``: the waits (s) of each closed hour, for measures of an hour that
        the hourly table does not hold (any percentile, the share over a threshold)."""
        self.day_waits: dict[int, list[np.ndarray]] = {}
        """Waits (s) of the closed hours of each day not finished yet (its hours still open)."""
        self.daily_p95: dict[int, float] = {}
        """Finished days: the 95th percentile (s) of the day's waits, exact."""

    def bucket(self, hour: int) -> HourBucket:
        """The bucket of travellers arriving in absolute ``hour``."""
        bucket = self.open_buckets.get(hour)
        if bucket is None:
            bucket = self.open_buckets[hour] = self.ready[hour] = HourBucket(hour)
        return bucket

    def finish_hours(self, before: int | None = None) -> None:
        """Close every hour before ``before`` whose travellers' waits have all ended, in order
        of the hour (every hour, when ``before`` is None: the end of the run).

        Only the hours in ``ready`` can be complete, so an overloaded run, whose open hours pile
        up, does not look at all of them every hour. An hour taken off ``ready`` because it
        still has travellers waiting is put back by the port when the last of them is done.
        """
        if before is None:
            for hour in sorted(self.open_buckets):
                self._close(self.open_buckets[hour])
            self.open_buckets.clear()
            self.ready.clear()
            self._finish_days(None)
            return
        ready = self.ready
        for hour in sorted(ready):
            if hour >= before:
                break
            bucket = ready.pop(hour)
            if bucket.pending:
                continue
            del self.open_buckets[hour]
            self._close(bucket)
        self._finish_days(before)

    def _finish_days(self, before: int | None) -> None:
        """Compute the 95th percentile of each day whose hours are all closed (before hour
        ``before``; all days when None), then drop its waits."""
        if not self.day_waits or (before is not None and (min(self.day_waits) + 1) * 24 > before):
            return
        still_open = {hour // 24 for hour in self.open_buckets}
        for day in sorted(self.day_waits):
            if before is not None and ((day + 1) * 24 > before or day in still_open):
                continue
            self.daily_p95[day] = float(np.percentile(np.concatenate(self.day_waits.pop(day)), 95))

    def _close(self, bucket: HourBucket) -> None:
        arrivals = bucket.arrivals
        if not arrivals:
            return
        waits = bucket.waits
        self.arrivals += arrivals
        not_served = arrivals - len(waits)
        if not waits:
            self.hourly[bucket.hour] = (arrivals, math.nan, math.nan, not_served)
            return
        values = np.asarray(waits)
        if self.kept is not None:
            self.kept[bucket.hour] = values
        self.day_waits.setdefault(bucket.hour // 24, []).append(values)
        self.hourly[bucket.hour] = (
            arrivals,
            float(values.mean()),
            float(np.percentile(values, 95)),
            not_served,
        )
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
    in the current hour (``Lane.inspect``, ``Lane._inspected``); at each hour boundary the group
    adds the part of the intervals still running. For the booths that is a look at each booth
    (``LaneGroup.close_hour``: as many as the scenario has, however long the queue). For the
    lines it is ``waiting * end - waiting_from``: ``waiting_from`` is kept, as travellers join
    and leave a line, as the sum over those in line of when their wait in the current hour
    began (the later of their arrival at the stage and ``hour_start``), so no line is walked.
    This keeps the bookkeeping off the per-traveller path and the hour's cost independent of
    the queue. Staffed booths change only with the schedule, so they are integrated as a step
    function. A warm-up or horizon inside an hour is one more such boundary: the part of the
    hour outside the counted period is closed, and dropped, apart.
    """

    __slots__ = (
        "waiting",
        "waiting_from",
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
        "lengths",
        "length",
        "waiting_m",
        "max_waiting_m",
        "area_blocked",
        "total_blocked",
    )

    def __init__(self, lengths: dict[str, float] | None = None) -> None:
        self.waiting = 0
        """Travellers in the group's lines now (not in a booth), and those held at the stage
        for want of an open lane whose first lane group this is."""
        self.waiting_from = 0.0
        """Sum, over the ``waiting`` travellers, of the later of their arrival at the stage and
        ``hour_start``: the area of the queue since ``hour_start`` is then
        ``waiting * now - waiting_from`` plus the waits that ended (see :meth:`joined`)."""
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
        self.rows: list[tuple[int, int, float, float, int, float, float, float]] = []
        self.total_busy = 0.0
        self.total_staffed = 0.0
        sizes = set((lengths or {}).values())
        self.length = next(iter(sizes)) if len(sizes) == 1 else 0.0
        """Metres of queue per vehicle, when every stream the group serves has the same (the
        queue in metres is then ``waiting`` times it)..."""
        self.lengths = lengths if len(sizes) > 1 else None
        """... otherwise metres per vehicle by stream, and the queue in metres is counted."""
        self.waiting_m = 0.0
        self.max_waiting_m = 0.0
        self.area_blocked = 0.0
        """Booth-seconds in the hour held by vehicles done with no room at their next stage."""
        self.total_blocked = 0.0

    def joined(self, traveller: Traveller) -> None:
        """``traveller`` joins a line of the group (or is held for it)."""
        self.waiting += 1
        joined = traveller.stage_arrival
        hour_start = self.hour_start
        self.waiting_from += joined if joined > hour_start else hour_start
        if self.waiting > self.max_waiting:
            self.max_waiting = self.waiting
        if self.lengths is not None:
            self.joined_m(traveller)

    def joined_m(self, traveller: Traveller) -> None:
        """The queue in metres, for a group whose vehicles differ in length."""
        assert self.lengths is not None
        metres = self.waiting_m = self.waiting_m + self.lengths[traveller.stream.name]
        if metres > self.max_waiting_m:
            self.max_waiting_m = metres

    def left(self, traveller: Traveller) -> None:
        """``traveller`` leaves a line of the group for a booth (or is released from being
        held); its time in line since ``hour_start`` is added where it reaches the booth."""
        self.waiting -= 1
        if self.waiting:
            joined = traveller.stage_arrival
            hour_start = self.hour_start
            self.waiting_from -= joined if joined > hour_start else hour_start
        else:
            self.waiting_from = 0.0  # exactly, whatever the rounding of the sums before
        if self.lengths is not None:
            self.waiting_m -= self.lengths[traveller.stream.name]

    def restaff(self, now: float, booths: int) -> None:
        """``booths`` more (or fewer, if negative) booths are staffed from ``now``."""
        self.area_staffed += self.staffed * (now - self.staffed_since)
        self.staffed_since = now
        self.staffed += booths

    def close_hour(
        self, hour: int, end: float, lanes_open: int, counted: bool, full: float = 0.0
    ) -> None:
        """Turn the areas since ``hour_start`` (already completed by the group) into the row of
        ``hour``: the whole hour, or the part of it in the counted period, averaged over its
        own length (``full``: seconds of it the group's storage was full)."""
        self.restaff(end, 0)
        # the part since hour_start of the waits still running at ``end``
        self.area_waiting += self.waiting * end - self.waiting_from
        self.waiting_from = self.waiting * end
        if counted:
            staffed = self.area_staffed
            utilization = self.area_busy / staffed if staffed > 0 else math.nan
            queue_mean = self.area_waiting / (end - self.hour_start)
            metres = self.max_waiting * self.length if self.lengths is None else self.max_waiting_m
            self.rows.append(
                (
                    hour,
                    lanes_open,
                    utilization,
                    queue_mean,
                    self.max_waiting,
                    metres,
                    self.area_blocked / HOUR,
                    full / 60,
                )
            )
            self.total_busy += self.area_busy
            self.total_staffed += staffed
            self.total_blocked += self.area_blocked
        self.area_waiting = self.area_busy = self.area_staffed = self.area_blocked = 0.0
        self.max_waiting = self.waiting
        self.max_waiting_m = self.waiting_m
        self.hour_start = end
