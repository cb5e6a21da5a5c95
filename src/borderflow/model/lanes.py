"""Lanes and booths: queues, stacked booths, and lanes opening and closing by the hour.

A *lane* has one or more booths one behind the other (two = stacked booths). Its vehicles
cannot pass one another, which gives the stacked-booth discipline:

* a vehicle entering the booth area drives as far forward as it can: to the front booth when
  the lane's booths are empty, otherwise to the booth just behind the last occupied one;
* no vehicle can enter while the rear booth is occupied;
* a vehicle whose inspection is over leaves only when no vehicle is in front of it; a vehicle
  that finishes at the rear booth before the one in front waits (blocked) in its booth.

With saturated demand a pair of vehicles thus enters together and the lane frees only when the
slower of the two is done: a stacked lane serves 2 vehicles per E[max(S1, S2)], not per E[S]/2.

A *lane group* holds lanes of one kind. With ``per_lane`` queues each lane has its own line of
vehicles; with a ``shared`` queue the group has one FIFO line feeding every open lane (a pedestrian
hall, secondary bays). The group opens and closes lanes by the staffing schedule: a lane taken
out of service stops admitting new vehicles, finishes those it holds, then closes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..scenario.units import HOUR
from .collect import GroupStats
from .rng import Draws

if TYPE_CHECKING:
    from ..scenario.schema import LaneGroup as LaneGroupSpec
    from ..scenario.schema import Stage
    from .port import Port, Traveller
    from .storage import BatchLot, Space, StageStorage


class Lane:
    """One lane: a line of vehicles (with per-lane queues) and its booths, front first."""

    __slots__ = (
        "group",
        "index",
        "booths",
        "slots",
        "done",
        "line",
        "count",
        "accepting",
        "staffed",
        "listed",
        "inspected",
    )

    def __init__(self, group: LaneGroup, index: int, booths: int):
        self.group = group
        self.index = index
        self.booths = booths
        self.slots: list[Traveller | None] = [None] * booths
        """Who is in each booth, index 0 being the front booth."""
        self.done = [False] * booths
        """Whether the vehicle in each booth has finished its inspection (and is blocked)."""
        self.line: deque[Traveller] = deque()
        """Vehicles queued in this lane (per-lane queues only)."""
        self.count = 0
        """Vehicles in this lane: queued plus in booths (what a driver compares)."""
        self.accepting = False
        """Whether the lane takes new vehicles (it is scheduled open)."""
        self.staffed = False
        """Whether officers are in its booths (open, or closing but still holding vehicles)."""
        self.listed = False
        """Whether the lane is on its group's list of vacant lanes (shared queues only)."""
        self.inspected = self._inspected
        """What the clock calls when an inspection ends (the bound method, made once)."""

    def free_booth(self) -> int | None:
        """The booth a vehicle entering now would drive to, or None if the rear one is taken
        (the front one, in a lane of one booth whose booth is free: its callers say so
        without the call)."""
        slots = self.slots
        if slots[-1] is not None:
            return None
        if self.booths == 1:
            return 0
        if self.booths == 2:  # stacked booths: behind the front one if it is taken
            return 0 if slots[0] is None else 1
        for position in range(self.booths - 2, -1, -1):
            if slots[position] is not None:
                return position + 1 if position + 1 < self.booths else None
        return 0

    def inspect(self, traveller: Traveller, position: int) -> None:
        """``traveller`` pulls up to booth ``position``: its wait at this stage is over, and its
        inspection starts.

        The port's published wait ends when the traveller reaches the booth of its stream's
        ``wait_until`` stage (primary inspection: the first stage of the route, unless the
        scenario says otherwise, e.g. US primary after Mexican export for trucks), or, if it
        does not visit that stage, of the first stage it visits after it (``wait_leg``).
        """
        group = self.group
        now = group.clock.now
        stats = group.stats
        joined = traveller.stage_arrival
        # the wait in line, as far as it falls in this hour (earlier hours took their part)
        stats.area_waiting += now - (joined if joined > stats.hour_start else stats.hour_start)
        stats.busy += 1
        self.slots[position] = traveller
        if self.booths > 1:
            self.done[position] = False
        traveller.start = now
        if group.storage is not None:  # the room it held at the stage is free
            group.storage.started(traveller)
        step = traveller.step
        counted = traveller.counted
        if step == traveller.wait_leg:  # the published wait is over
            bucket = traveller.bucket
            bucket.pending -= 1
            if not bucket.pending:  # the hour may be complete: look at it when an hour ends
                traveller.stream.stats.ready[bucket.hour] = bucket
            if counted:
                bucket.waits.append(now - traveller.arrival)
        if counted:  # the wait at this stage
            stream = traveller.stream.stats
            index = group.stage.index
            stream.stage_wait_sum[index] += now - joined
            stream.stage_visits[index] += 1
        if traveller.trace is not None:
            traveller.trace.append((group.stage.name, group.name, self.index, joined, now))
        duration = traveller.times[traveller.legs[step][2]]
        if group.scale is not None:  # inspections slower or faster in this hour
            duration *= group.scale[int(now // HOUR) % len(group.scale)]
        group.clock.at_time(now + duration, self.inspected, position)

    def _inspected(self, position: int) -> None:
        """An inspection ended: let out every vehicle with a clear way, then fill the booths."""
        group = self.group
        stats = group.stats
        now = group.clock.now
        slots = self.slots
        if self.booths == 1:  # one booth: :meth:`_stacked_inspected` for one vehicle, quicker
            traveller: Traveller = slots[0]  # type: ignore[assignment]  # the one just done
            if group.gated:
                gate = traveller.legs[traveller.step][5]
                if gate is not None and not gate.leaves(traveller, self, 0):  # no room: blocked
                    self._block(traveller, now)
                    return
            slots[0] = None
            stats.busy -= 1
            self.count -= 1
            start = traveller.start  # booth time, as far as it falls in this hour
            hour_start = stats.hour_start
            stats.area_busy += now - (start if start > hour_start else hour_start)
            if self.accepting or self.count:
                per_lane = group.per_lane
                line = self.line if per_lane else group.line
                if line and (per_lane or self.accepting):  # :meth:`fill`, for one booth
                    following = line.popleft()
                    stats.waiting -= 1  # GroupStats.left, inlined
                    if stats.waiting:
                        joined = following.stage_arrival
                        stats.waiting_from -= joined if joined > hour_start else hour_start
                    else:
                        stats.waiting_from = 0.0
                    if stats.lengths is not None:
                        stats.waiting_m -= stats.lengths[following.stream.name]
                    if not per_lane:
                        self.count += 1
                    self.inspect(following, 0)
                if not per_lane and not self.listed and self.accepting:
                    group.vacant.append(self)
                    self.listed = True
            else:
                self.staffed = False
                stats.restaff(now, -1)
            if traveller.trace is not None:  # it drives out of the booth now
                traveller.trace[-1] += (now,)
            traveller.legs[traveller.step][3](traveller)  # on to the next stage, or out
        else:
            self._stacked_inspected(position, now)
        if group.storage is not None:
            storage = group.storage
            if storage.waiting or storage.approach_line:
                storage.release()  # room may have freed here for those waiting

    def _block(self, traveller: Traveller, now: float) -> None:
        """``traveller`` is done but has no room at its next stage: it stays in its booth."""
        stats = self.group.stats
        start = traveller.start  # booth time inspecting, as far as it falls in this hour
        hour_start = stats.hour_start
        stats.area_busy += now - (start if start > hour_start else hour_start)
        self.group.blocked[traveller] = now

    def unblock(self, position: int) -> None:
        """The vehicle blocked in booth ``position`` has room at its next stage: it drives out
        (with those done behind it, in stacked booths), and the lane fills."""
        group = self.group
        stats = group.stats
        now = group.clock.now
        traveller: Traveller = self.slots[position]  # type: ignore[assignment]
        since = group.blocked.pop(traveller)
        hour_start = stats.hour_start
        stats.area_blocked += now - (since if since > hour_start else hour_start)
        self._stacked_inspected(position, now, traveller)
        storage = group.storage
        if storage is not None and (storage.waiting or storage.approach_line):
            storage.release()

    def _stacked_inspected(
        self, position: int, now: float, released: Traveller | None = None
    ) -> None:
        """An inspection ended in a lane of stacked booths (or, with ``released``, in any lane):
        let out every vehicle with a clear way, front first (a vehicle done behind one still
        inspected stays blocked, as does one with no room at its next stage and those behind
        it), then fill the booths. ``released``: a vehicle that was blocked for want of room
        and now has it."""
        group = self.group
        stats = group.stats
        slots = self.slots
        done = self.done
        done[position] = True  # (already, for a vehicle ``released``)
        gated = group.gated
        leaving: list[Traveller] = []
        for position in range(self.booths):
            traveller = slots[position]
            if traveller is None:
                continue
            if not done[position]:
                break
            if gated and traveller is not released:
                if traveller in group.blocked:
                    break  # still waiting for room
                gate = traveller.legs[traveller.step][5]
                if gate is not None and not gate.leaves(traveller, self, position, False):
                    self._block(traveller, now)
                    break
            slots[position] = None
            leaving.append(traveller)
        stats.busy -= len(leaving)
        self.count -= len(leaving)
        hour_start = stats.hour_start
        for traveller in leaving:  # booth time, as far as it falls in this hour
            if traveller is released:
                continue  # counted as blocked time
            start = traveller.start
            stats.area_busy += now - (start if start > hour_start else hour_start)
        if self.accepting or self.count:  # fill the booths, or close the lane if it is empty
            if self.line or group.line:
                self.fill()
            if not group.per_lane and not self.listed and self.accepting:
                group.vacant.append(self)
                self.listed = True
        else:
            self.staffed = False
            stats.restaff(now, -self.booths)
        for traveller in leaving:  # on to the next stage, or out
            if traveller.trace is not None:  # it drives out of the booth now
                traveller.trace[-1] += (now,)
            traveller.legs[traveller.step][3](traveller)

    def fill(self) -> None:
        """Bring queued vehicles into free booths, front first, as far as the lane allows."""
        group = self.group
        per_lane = group.per_lane
        if not per_lane and not self.accepting:
            return  # a closing lane takes no one more from the shared line
        line = self.line if per_lane else group.line
        slots = self.slots
        while line:
            if slots[-1] is not None:  # the rear booth is taken: no one can drive in
                return
            position = self.free_booth()
            if position is None:
                return
            traveller = line.popleft()
            stats = group.stats  # GroupStats.left, inlined: this runs for every wait in line
            stats.waiting -= 1
            if stats.waiting:
                joined = traveller.stage_arrival
                hour_start = stats.hour_start
                stats.waiting_from -= joined if joined > hour_start else hour_start
            else:
                stats.waiting_from = 0.0
            if stats.lengths is not None:
                stats.waiting_m -= stats.lengths[traveller.stream.name]
            if not per_lane:
                self.count += 1
            self.inspect(traveller, position)


class LaneGroup:
    """Lanes of one kind at one stage, with their queue rule and opening schedule."""

    def __init__(
        self, port: Port, stage: StageLanes, name: str, spec: LaneGroupSpec, tie_break: Draws
    ) -> None:
        self.port = port
        self.env = port.env
        self.clock = port.clock
        self.stage = stage
        self.name = name
        self.per_lane = spec.queue == "per_lane"
        self.booths_per_lane = spec.booths_per_lane
        self.lanes = [Lane(self, i, spec.booths_per_lane) for i in range(spec.lanes)]
        self.schedule = port.scenario.run_open(stage.name, name)
        """Lanes open in each hour of a week (or of a calendar run) from the start of the run."""
        self.line: deque[Traveller] = deque()
        """The group's one FIFO line (shared queues only)."""
        self.vacant: list[Lane] = []
        """Shared queues: lanes that may have a free booth (checked when taken)."""
        self.open = 0
        self.open_lanes: list[Lane] = []
        """The lanes scheduled open (taking new vehicles): the first ``open``."""
        self.stats = GroupStats(port.scenario.group_lengths(stage.name, name))
        self.tie_break = tie_break
        self.space: Space | None = None
        """Room in the group's lines, when its storage is limited (see :mod:`.storage`)."""
        self.storage: StageStorage | None = None
        """The storage of the group's stage, when the stage has any."""
        self.scale = port.scenario.week_scale(stage.name)
        """The factor on inspection times by hour of the week (None: none)."""
        self.gated = port.gated
        """Whether any stage limits its room to wait (then a vehicle done here may find no
        room at its next stage)."""
        self.blocked: dict[Traveller, float] = {}
        """Vehicles done in the group's booths with no room at their next stage, and since when
        (s)."""

    def set_open(self, count: int) -> None:
        """Open the first ``count`` lanes; lanes beyond stop admitting and close once empty."""
        stats = self.stats
        now = self.clock.now
        self.open = count
        self.open_lanes = self.lanes[:count]
        for lane in self.lanes:
            should = lane.index < count
            if should and not lane.accepting:
                lane.accepting = True
                if not lane.staffed:
                    lane.staffed = True
                    stats.restaff(now, lane.booths)
            elif not should and lane.accepting:
                lane.accepting = False
                if lane.count == 0:
                    lane.staffed = False
                    stats.restaff(now, -lane.booths)
        if not self.per_lane:
            for lane in self.lanes[:count]:
                lane.fill()
                if not lane.listed:
                    self.vacant.append(lane)
                    lane.listed = True

    def close_hour(self, hour: int, end: float, counted: bool, full: float = 0.0) -> None:
        """Add the parts of waits, inspections and blocked spells still running at ``end`` to
        the hour (or to its part since the last cut at the warm-up or horizon), then write its
        row if ``counted`` (``full``: seconds of it that the group's storage was full).

        This looks at each booth, never at a line: the waits still running are added from the
        group's running sums (see :class:`GroupStats`), so an hour costs the same however long
        the queue is.
        """
        stats = self.stats
        hour_start = stats.hour_start
        blocked = self.blocked
        for lane in self.lanes:
            for traveller in lane.slots:
                if traveller is not None:
                    if blocked and traveller in blocked:
                        stats.area_blocked += end - max(blocked[traveller], hour_start)
                    else:
                        stats.area_busy += end - max(traveller.start, hour_start)
        stats.close_hour(hour, end, self.open, counted, full)

    def shortest(self) -> Lane | None:
        """Per-lane queues: the open lane with the fewest vehicles (queued and in booths), ties
        broken at random; None if no lane is open."""
        best: Lane | None = None
        best_count = 0
        ties = 0
        for lane in self.open_lanes:
            count = lane.count
            if best is None or count < best_count:
                best, best_count, ties = lane, count, 1
            elif count == best_count:
                ties += 1
                if self.tie_break() * ties < 1.0:
                    best = lane
        return best

    def length(self) -> tuple[float, Lane | None]:
        """How long a line a newcomer would join here, and the lane it would take."""
        if self.per_lane:
            best = self.shortest()
            return (float(best.count), best) if best is not None else (float("inf"), None)
        if not self.open:
            return float("inf"), None
        stats = self.stats
        return (stats.waiting + stats.busy) / self.open, None

    def join_shortest(self, traveller: Traveller, groups: tuple[LaneGroup, ...]) -> None:
        """Per-lane queues, for a stream that only this group serves at the stage: the driver
        takes the shortest open lane (:meth:`shortest`); if no lane is open, the stage holds
        it (``groups``: those that serve it) until one opens."""
        lane = self.shortest()
        if lane is None:
            self.stage.join(traveller, groups)
        else:
            self.join_lane(traveller, lane)

    def join_lane(self, traveller: Traveller, lane: Lane) -> None:
        """``traveller`` joins ``lane`` of this group (per-lane queues): straight into a booth
        if the lane has no line and a free booth, otherwise at the back of its line."""
        lane.count += 1
        if not lane.line and lane.slots[-1] is None:  # the rear booth is free: drive in
            lane.inspect(traveller, 0 if lane.booths == 1 else lane.free_booth())  # type: ignore[arg-type]
            return
        lane.line.append(traveller)
        stats = self.stats  # GroupStats.joined, inlined: this runs for every traveller who waits
        stats.waiting += 1
        joined = traveller.stage_arrival
        hour_start = stats.hour_start
        stats.waiting_from += joined if joined > hour_start else hour_start
        if stats.waiting > stats.max_waiting:
            stats.max_waiting = stats.waiting
        if stats.lengths is not None:
            stats.joined_m(traveller)

    def join_line(self, traveller: Traveller, groups: tuple[LaneGroup, ...]) -> None:
        """``traveller`` joins this group's one shared line: straight into a booth if the line
        is empty and a lane has one free, otherwise at the back of the line.

        A stream that only this group serves at the stage joins here directly (there is
        nothing to choose); if no lane is open, the stage holds it (``groups``: those that
        serve it) until one opens.
        """
        if not self.open:
            self.stage.join(traveller, groups)
            return
        if not self.line:
            vacant = self.vacant
            while vacant:
                candidate = vacant[-1]
                if candidate.accepting and candidate.slots[-1] is None:  # the rear booth free
                    candidate.count += 1
                    booth = 0 if candidate.booths == 1 else candidate.free_booth()
                    candidate.inspect(traveller, booth)  # type: ignore[arg-type]
                    return
                vacant.pop()
                candidate.listed = False
        self.line.append(traveller)
        stats = self.stats  # GroupStats.joined, inlined: this runs for every traveller who waits
        stats.waiting += 1
        joined = traveller.stage_arrival
        hour_start = stats.hour_start
        stats.waiting_from += joined if joined > hour_start else hour_start
        if stats.waiting > stats.max_waiting:
            stats.max_waiting = stats.waiting
        if stats.lengths is not None:
            stats.joined_m(traveller)


class StageLanes:
    """The lane groups of one stage and the rule by which a traveller picks among them."""

    def __init__(
        self, port: Port, name: str, index: int, spec: Stage, tie_break: Callable[[str], Draws]
    ) -> None:
        self.port = port
        self.name = name
        self.index = index
        self.groups = {
            group_name: LaneGroup(
                port, self, group_name, group_spec, tie_break(f"{name}/{group_name}")
            )
            for group_name, group_spec in spec.lanes.items()
        }
        self.held: deque[tuple[Traveller, tuple[LaneGroup, ...]]] = deque()
        """Travellers who found none of their lanes open; they join when one opens."""
        self.tie_break = tie_break(name)
        """Random numbers for ties between lane groups of this stage."""
        self.storage: StageStorage | None = None
        """Room to wait at the stage, when it is limited (see :mod:`.storage`)."""
        self.lot: BatchLot | None = None
        """Where vehicles done here gather, when the stage releases them in batches."""

    def choose(self, groups: tuple[LaneGroup, ...]) -> tuple[LaneGroup | None, float, Lane | None]:
        """The lane group (and, with per-lane queues, the lane) with the shortest open line
        among ``groups``, ties broken at random, and its length; None if no lane is open."""
        if len(groups) == 1:
            group = groups[0]
            length, lane = group.length()
            return group, length, lane
        best, length, lane = None, float("inf"), None
        ties = 0
        tie_break = self.tie_break
        for candidate in groups:
            candidate_length, candidate_lane = candidate.length()
            if candidate_length < length:
                best, length, lane, ties = candidate, candidate_length, candidate_lane, 1
            elif candidate_length == length and candidate_length != float("inf"):
                ties += 1
                if tie_break() * ties < 1.0:
                    best, lane = candidate, candidate_lane
        return best, length, lane

    def join(self, traveller: Traveller, groups: tuple[LaneGroup, ...]) -> None:
        """Choose the shortest open eligible line among ``groups`` and join it."""
        group, length, lane = self.choose(groups)
        if group is None or length == float("inf"):
            groups[0].stats.joined(traveller)
            self.held.append((traveller, groups))
            return
        if lane is None:
            group.join_line(traveller, groups)
        else:
            group.join_lane(traveller, lane)

    def release_held(self) -> None:
        """After lanes open: travellers held for want of an open lane join a line, in order."""
        if not self.held or not any(group.open for group in self.groups.values()):
            return  # no lane open at the stage: everyone held stays held, as they were
        held, self.held = self.held, deque()
        for traveller, groups in held:
            groups[0].stats.left(traveller)
            self.join(traveller, groups)
