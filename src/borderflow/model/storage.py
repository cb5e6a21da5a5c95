"""Room to wait at a stage: storage, a shared approach, and blocking after service.

A stage may limit the room for vehicles waiting before it (``storage`` on the stage: those on
their way to it, in its approach and in its lines, not those in a booth), the room in each lane
group's lines (``storage`` on a lane group), and have a shared ``approach`` with its own
storage, where travellers wait in one line, in order, before they choose a lane group. Room is
counted in vehicles, or in metres with each vehicle taking its stream's ``length_m``.

The rules, as the model applies them:

* **Getting in.** A traveller gets into a stage when the stage has room for it, and a lane
  group that serves it has room (or the approach has). A vehicle that would drive straight
  into a free booth needs no room: so ``storage: 0`` is a stage with no place to wait at all.
  A vehicle with a travel time to the stage takes its place when it sets off (the road is part
  of the storage), and, when the lane groups' storage is limited and there is no approach, it
  picks its lane group then.
* **Blocking after service.** A vehicle done at the stage before, with no room at its next
  stage, stays in its booth and holds it (the booth is *blocked*; in stacked booths, those
  behind it stay too). It drives out as soon as room frees, before any vehicle that found the
  stage full later.
* **Spill-back.** A traveller arriving at the port whose first stage is full waits beyond the
  port (off the modelled ground), in order of arrival; its published wait runs all the while.
* **The approach** is one line in order of arrival: its first traveller moves into a lane
  group as soon as that group has room, and those behind it wait, even for a lane group with
  room (one group's queue blocks another's entry). When the approach is empty, a traveller
  goes straight to a lane group with room.
* Those waiting for room (blocked in a booth or beyond the port) are let in first come, first
  served among those for whom room has freed: a vehicle for a full lane group does not hold back
  one for a lane group with room, unless they share an approach.

Room frees when a traveller starts its inspection at the stage (it leaves its line for a booth)
or leaves the approach. Everything here runs only for stages with storage; a port without any
runs exactly as before.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..scenario.schema import Scenario
    from ..scenario.schema import Storage as StorageSpec
    from .lanes import Lane, LaneGroup, StageLanes
    from .port import Port, Traveller

EPS = 1e-9
"""Rounding allowed when room is counted in metres."""


class Space:
    """Room for waiting vehicles (in vehicles or metres): how much is taken, and how long in
    the current hour it has been full (no room for the smallest vehicle that uses it)."""

    __slots__ = ("capacity", "sizes", "smallest", "used", "full_since", "area_full")

    def __init__(self, spec: StorageSpec, sizes: dict[str, float]) -> None:
        self.capacity = spec.capacity
        self.sizes = sizes
        """How much room a traveller of each stream that uses this storage takes."""
        self.smallest = min(sizes.values(), default=1.0)
        self.used = 0.0
        self.full_since: float | None = None
        """Since when (s) it has been full, in the current hour, or None."""
        self.area_full = 0.0
        """Seconds full in the current hour, of the spells already over."""

    def fits(self, size: float) -> bool:
        """Whether ``size`` more fits."""
        return self.used + size <= self.capacity + EPS

    def full(self) -> bool:
        """No room for the smallest vehicle that uses it."""
        return not self.fits(self.smallest)

    def take(self, size: float, now: float) -> None:
        self.used += size
        if self.full_since is None and self.full():
            self.full_since = now

    def free(self, size: float, now: float) -> None:
        used = self.used = self.used - size
        if used < EPS:
            self.used = 0.0
        if self.full_since is not None and not self.full():
            self.area_full += now - self.full_since
            self.full_since = None

    def close_hour(self, end: float) -> float:
        """Seconds it was full since the last close, up to ``end``; starts the next hour."""
        full = self.area_full
        if self.full_since is not None:
            full += end - self.full_since
            self.full_since = end
        self.area_full = 0.0
        return full


Holding = tuple["LaneGroup | None", float, float, float]
"""What an admitted traveller holds at a stage until its inspection there starts: the lane
group it is bound for (None: it chooses when it joins), and the room it takes in the stage's
storage, in that group's storage and in the approach (0: none)."""


class StageStorage:
    """The storage of one stage: who holds room there, and who waits for it."""

    def __init__(self, stage: StageLanes, scenario: Scenario) -> None:
        spec = scenario.stages[stage.name]
        self.stage = stage
        self.clock = stage.port.clock
        users = {
            name: stream for name, stream in scenario.streams.items() if stage.name in stream.route
        }

        def space(storage: StorageSpec | None, names: list[str]) -> Space | None:
            if storage is None:
                return None
            return Space(storage, {n: storage.size(users[n]) for n in names})

        self.space = space(spec.storage, list(users))
        """The stage's storage (None: unlimited)."""
        self.approach = space(spec.approach.storage if spec.approach else None, list(users))
        """The approach's storage (None: the stage has no approach)."""
        self.approach_line: deque[Traveller] = deque()
        """Travellers in the approach, in order (not those on their way to it)."""
        for group_name, group in stage.groups.items():
            serving = [n for n in users if group_name in scenario.groups_serving(stage.name, n)]
            group.space = space(spec.lanes[group_name].storage, serving)
            group.storage = self
        self.limited = any(group.space is not None for group in stage.groups.values())
        """Whether some lane group's storage is limited (then the group is chosen on
        admission)."""
        self.holding: dict[Traveller, Holding] = {}
        """Admitted travellers not yet in a booth here, and what they hold."""
        self.waiting: list[tuple[Traveller, Lane | None, int, bool]] = []
        """Travellers refused for want of room, in order: blocked in booth ``position`` of
        ``lane`` at the stage before (lane None: waiting beyond the port), and whether they
        reach this stage at once (no travel)."""
        self.releasing = False
        self.again = False

    # --- getting in -------------------------------------------------------------------------

    def admit(self, t: Traveller, groups: tuple[LaneGroup, ...], direct: bool) -> bool:
        """Give ``t`` room at this stage if there is some (``direct``: it gets there now, and
        may drive straight into a free booth); True if it got it."""
        name = t.stream.name
        space, approach = self.space, self.approach
        stage_size = group_size = approach_size = 0.0
        target: LaneGroup | None = None
        if space is not None:
            stage_size = space.sizes[name]
            if not space.fits(stage_size):
                target = self._straight(groups) if direct else None
                if target is None:
                    return False
                self.holding[t] = (target, 0.0, 0.0, 0.0)  # straight into a booth: no room
                return True
        if self.limited or approach is not None:
            if self.approach_line:  # behind those in the approach
                assert approach is not None
                approach_size = approach.sizes[name]
                if not approach.fits(approach_size):
                    return False
            else:
                target = self._group_for(t, groups, direct)
                if target is None:
                    if approach is None:
                        return False
                    approach_size = approach.sizes[name]
                    if not approach.fits(approach_size):
                        return False
                elif target.space is not None and not (direct and straight_in(target)):
                    group_size = target.space.sizes[name]
        now = self.clock.now
        if stage_size:
            assert space is not None
            space.take(stage_size, now)
        if group_size:
            assert target is not None and target.space is not None
            target.space.take(group_size, now)
        if approach_size:
            assert approach is not None
            approach.take(approach_size, now)
            target = None
        self.holding[t] = (target, stage_size, group_size, approach_size)
        return True

    def _group_for(
        self, t: Traveller, groups: tuple[LaneGroup, ...], direct: bool
    ) -> LaneGroup | None:
        """The lane group ``t`` is bound for: the one it would choose among those that serve
        it and have room (or a free booth it drives straight into); None if none has."""
        name = t.stream.name
        room = [
            g
            for g in groups
            if g.space is None or g.space.fits(g.space.sizes[name]) or (direct and straight_in(g))
        ]
        return self._pick(room)

    def _straight(self, groups: tuple[LaneGroup, ...]) -> LaneGroup | None:
        """A lane group among ``groups`` where a vehicle arriving now drives straight into a
        free booth, or None."""
        return self._pick([g for g in groups if straight_in(g)])

    def _pick(self, candidates: list[LaneGroup]) -> LaneGroup | None:
        """The lane group a traveller chooses among ``candidates`` (the stage's rule), or None
        if there are none."""
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        return self.stage.choose(tuple(candidates))[0] or candidates[0]

    def enter(self, t: Traveller, groups: tuple[LaneGroup, ...]) -> None:
        """``t`` reaches the stage (its ``join``): it waits beyond the port if it comes from
        outside and finds no room, goes to the approach, or joins its lane group."""
        held = self.holding.get(t)
        if held is None:  # from outside the port: this is its first stage
            if not self.admit(t, groups, True):
                self.waiting.append((t, None, 0, True))
                return
            held = self.holding[t]
        group, _, _, approach_size = held
        if approach_size:
            bound = None if self.approach_line else self._group_for(t, groups, True)
            if bound is None:  # behind those in the approach, or no group has room
                self.approach_line.append(t)
            else:
                self._leave_approach(t, bound, groups)
            return
        self._join(t, group, groups)

    def _join(self, t: Traveller, group: LaneGroup | None, groups: tuple[LaneGroup, ...]) -> None:
        if group is None:
            self.stage.join(t, groups)
        elif group.per_lane:
            group.join_shortest(t, (group,))
        else:
            group.join_line(t, (group,))

    def _leave_approach(
        self, t: Traveller, group: LaneGroup, groups: tuple[LaneGroup, ...]
    ) -> None:
        """Move ``t`` from the approach into ``group``, which has room for it."""
        now = self.clock.now
        name = t.stream.name
        _, stage_size, _, approach_size = self.holding[t]
        assert self.approach is not None
        self.approach.free(approach_size, now)
        group_size = 0.0
        if group.space is not None and not straight_in(group):
            group_size = group.space.sizes[name]
            group.space.take(group_size, now)
        self.holding[t] = (group, stage_size, group_size, 0.0)
        self._join(t, group, groups)

    def leaves(self, t: Traveller, lane: Lane, position: int, straight: bool = True) -> bool:
        """``t``, done in booth ``position`` of ``lane`` at the stage before, may drive out to
        this stage if there is room; otherwise it is blocked there until there is (False).
        ``straight``: it may count on a free booth it would drive straight into."""
        leg = t.legs[t.step + 1]
        direct = leg[4] < 0
        if self.admit(t, leg[1], direct and straight):
            return True
        self.waiting.append((t, lane, position, direct))
        return False

    def started(self, t: Traveller) -> None:
        """``t`` pulls up to a booth here: the room it held is free."""
        bound, stage_size, group_size, _ = self.holding.pop(t)
        now = self.clock.now
        if stage_size:
            assert self.space is not None
            self.space.free(stage_size, now)
        if group_size:
            assert bound is not None and bound.space is not None
            bound.space.free(group_size, now)

    # --- room frees -------------------------------------------------------------------------

    def release(self) -> None:
        """Let in whoever room has freed for: the approach in order, then those waiting (blocked
        in a booth, or beyond the port) first come, first served where there is room."""
        if self.releasing:
            self.again = True
            return
        self.releasing = True
        try:
            while True:
                self.again = False
                line = self.approach_line
                while line:  # the first in the approach, while its lane group has room
                    t = line[0]
                    groups = t.legs[t.step][1]
                    bound = self._group_for(t, groups, True)
                    if bound is None:
                        break
                    line.popleft()
                    self._leave_approach(t, bound, groups)
                waiting = self.waiting
                i = 0
                while i < len(waiting):
                    t, lane, position, direct = waiting[i]
                    groups = t.legs[t.step + (lane is not None)][1]
                    if not self.admit(t, groups, direct):
                        i += 1
                        continue
                    del waiting[i]
                    if lane is None:
                        self.enter(t, groups)
                    else:
                        lane.unblock(position)
                if not self.again:
                    return
        finally:
            self.releasing = False

    def close_hour(self, end: float) -> dict[LaneGroup, float]:
        """Seconds since the last close that the storage each lane group's travellers need was
        full: the group's own, or else the stage's, or else the approach's."""
        stage_full = self.space.close_hour(end) if self.space is not None else None
        approach_full = self.approach.close_hour(end) if self.approach is not None else None
        out = {}
        for group in self.stage.groups.values():
            if group.space is not None:
                out[group] = group.space.close_hour(end)
            elif stage_full is not None:
                out[group] = stage_full
            else:
                out[group] = approach_full or 0.0
        return out

    def outside(self) -> list[Traveller]:
        """Travellers not in a booth or a line here: beyond the port, or in the approach."""
        return [t for t, lane, _, _ in self.waiting if lane is None] + list(self.approach_line)


class BatchLot:
    """Where the vehicles done at a stage that releases them in batches (``batch``) gather:
    until ``size`` have, or the first of them has waited ``max_wait``; then all go on together,
    in the order they came. The lot takes no storage: a stage followed by one with storage
    cannot release in batches (the loader refuses it)."""

    def __init__(self, port: Port, size: int, max_wait: float) -> None:
        self.port = port
        self.clock = port.clock
        self.size = size
        self.max_wait = max_wait
        self.lot: list[Traveller] = []
        self.batch = 0
        """Number of the batch gathering: the timer of a batch already released does nothing."""
        self.timeout = self._timeout

    def hold(self, t: Traveller) -> None:
        """``t`` drives out of its booth into the lot (its leg's ``after``)."""
        lot = self.lot
        lot.append(t)
        if len(lot) == 1:
            self.clock.at(self.max_wait, self.timeout, self.batch)
        if len(lot) >= self.size:
            self.release()

    def _timeout(self, batch: int) -> None:
        if batch == self.batch and self.lot:
            self.release()

    def release(self) -> None:
        """The batch goes on: each to its next stage, or out."""
        lot, self.lot = self.lot, []
        self.batch += 1
        port = self.port
        for t in lot:
            if t.step == len(t.legs) - 1:
                port.leave(t)
            else:
                port.next_stage(t)


def straight_in(group: LaneGroup) -> bool:
    """Whether a vehicle joining ``group`` now would drive straight into a free booth (as the
    group's ``join_shortest`` or ``join_line`` would place it)."""
    if not group.open:
        return False
    if group.per_lane:
        lanes = group.open_lanes
        fewest = min(lane.count for lane in lanes)
        return all(
            not lane.line and lane.slots[-1] is None for lane in lanes if lane.count == fewest
        )
    if group.line:
        return False
    return any(lane.accepting and lane.slots[-1] is None for lane in group.vacant)
