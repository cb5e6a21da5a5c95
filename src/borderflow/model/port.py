"""The port: travellers arrive, choose a lane, queue, are inspected, maybe referred, and leave.

A traveller's path, function by function:

1. **arrive** (:meth:`Port.arrive`): the stream's next arrival is scheduled, the traveller is
   made with its needs drawn (:class:`Traveller`: inspection times, the stages it visits);
2. **choose a lane** at its stage and **queue** (the leg's ``join``:
   :meth:`LaneGroup.join_shortest` for per-lane queues, :meth:`LaneGroup.join_line` for a
   shared line, :meth:`StageLanes.join` when several lane groups serve the stream);
3. **inspection** at a booth (:meth:`Lane.inspect`: the wait ends; :meth:`Lane._inspected`
   when it is over, which lets the next in line in);
4. **on to the next stage** (secondary, if referred) or **out** when it drives out of the
   booth (the leg's ``after``: :meth:`Port.next_stage` or :meth:`Port.leave`).

This runs millions of times, so there is no process per traveller: an arrival and the end of
an inspection are plain timed callbacks on SimPy's calendar (see
:mod:`borderflow.model.clock`, the one module that knows SimPy's internals), and a few steps
are inlined where they are called (each says so).

One replication is the pure function :func:`simulate`: a validated scenario, a seed and a
replication number in; a small table-like :class:`ReplicationResult` out. Nothing in the result
refers to SimPy, so replications can run anywhere (a loop, processes, a cluster) and give the
same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field

import numpy as np
import simpy

from .. import economics
from ..scenario.schema import Scenario
from ..scenario.units import DAY, HOUR
from .arrivals import arrival_times
from .clock import Clock
from .collect import StreamStats, histogram_percentile
from .lanes import LaneGroup, StageLanes
from .rng import BLOCK, Draws, draws, generator
from .sampling import Transform, quantile_function
from .storage import BatchLot, StageStorage

Join = Callable[["Traveller", tuple[LaneGroup, ...]], None]
"""How a traveller joins a line at a stage, among the lane groups that serve its stream."""
After = Callable[["Traveller"], None]
"""Where a traveller goes when it drives out of a stage's booth: the next stage, or out."""
Leg = tuple[Join, tuple[LaneGroup, ...], int, After, int, StageStorage | None]
"""A stage a traveller visits: how it joins a line there, the lane groups that serve its
stream, which of the traveller's ``times`` is its inspection there, where the traveller goes
after it, which is its travel time to it from the stage before (-1: none), and the storage of
the next stage it visits, whose room it needs to drive out of the booth (None: unlimited)."""
Block = Callable[[int], np.ndarray]
"""``block(n)``: the next ``n`` values of a random stream."""
Referral = tuple[float, Block, tuple[int, float] | None, tuple[float, ...] | None]
"""Who visits a stage not every traveller visits: the share, the uniforms that decide, (the
route index of an earlier stage, the share among those who visited it) when it depends on an
earlier referral, and the share by hour of the week when it varies."""
RouteStage = tuple[
    Join,
    tuple[LaneGroup, ...],
    Block,
    Transform,
    Referral | None,
    tuple[Block, Transform] | None,
]
"""A stage of a stream's route: how to join a line there, the lane groups that serve the
stream, the uniforms and the inverse CDF of its inspection times, who visits it when not every
traveller does (:data:`Referral`), and (uniforms, inverse CDF) of the time to travel to it when
it takes time to reach."""
WEEK_HOURS = 168
Plan = tuple[tuple[Leg, ...], int]
"""The stages a traveller visits, and the index among them of the one whose inspection start
ends its published wait (-1: none, the wait is 0)."""

DRAIN_LIMIT = 7 * DAY
"""After the horizon no one new arrives and the port runs until it is empty, at most this long."""


class Traveller:
    """A vehicle or pedestrian: its stream, arrival, and needs drawn the moment it arrives."""

    __slots__ = (
        "stream",
        "arrival",
        "bucket",
        "counted",
        "legs",
        "times",
        "wait_leg",
        "step",
        "stage_arrival",
        "start",
        "trace",
    )

    def __init__(self, stream: StreamRuntime, arrival: float):
        """A traveller of ``stream`` arriving at ``arrival`` (s), with every random need drawn
        now: the next of its stream's needs (common random numbers: the i-th traveller of a
        stream has the same needs in every what-if)."""
        self.stream = stream
        self.arrival = arrival
        self.stage_arrival = arrival
        """When the traveller reached its current stage."""
        self.start = arrival
        """When its current inspection started."""
        bucket = stream.bucket
        if arrival >= bucket.end:
            bucket = stream.bucket = stream.stats.bucket(int(arrival // HOUR))
        self.bucket = bucket
        """The hour of arrival this traveller's wait is reported under."""
        i = stream.drawn
        if i == len(stream.needs):
            stream.draw_needs()
            i = 0
        stream.drawn = i + 1
        if stream.by_hour:  # who visits what depends on the hour of arrival
            self.legs, wait_leg = stream.plan_at(i, arrival)
        else:
            self.legs, wait_leg = stream.next_plans[i]
        """The stages this traveller visits, in order (referrals already decided): for each,
        how it joins a line there, the lane groups that serve its stream, where its times
        there are and where the traveller goes after it (a :data:`Leg`, shared by the
        travellers of the stream who visit the same stages)."""
        self.wait_leg = wait_leg
        """Index (in ``legs``) of the stage whose inspection start ends the published wait, or
        -1 when the traveller visits no stage at or after its stream's wait stage (wait 0)."""
        self.times = stream.needs[i]
        """Its inspection time (s) at each stage of its stream's route (``legs[i][2]`` says
        which is that of ``legs[i]``), drawn whether it visits the stage or not, then its
        travel time to each stage that takes time to reach (``legs[i][4]``)."""
        counted = self.counted = arrival >= stream.warmup
        """False for travellers who arrive during the warm-up."""
        if counted:
            bucket.arrivals += 1
        if wait_leg < 0:
            if counted:
                bucket.waits.append(0.0)
        else:
            bucket.pending += 1
        self.step = 0
        """Index (in ``legs``) of the stage the traveller is at."""
        self.trace: list | None = None


class StreamRuntime:
    """A stream's fixed facts for this run, and its random draws."""

    def __init__(self, port: Port, name: str, scenario: Scenario, seed: int, replication: int):
        spec = scenario.streams[name]
        self.name = name
        self.port = port
        self.rates = scenario.run_rates(name)
        self.wait_index = spec.route.index(spec.wait_until or spec.route[0])
        """Position in the route of the stage whose inspection ends the published wait."""
        self.route: list[RouteStage] = []
        for stage_name in spec.route:
            stage = scenario.stages[stage_name]
            share = stage.visit_share(name)
            week = scenario.week_visits(stage_name, name)
            share_after = stage.share_after(name)
            after = None
            if share_after is not None and stage.visit_after is not None:
                after = (spec.route.index(stage.visit_after.stage), share_after)
            transform = quantile_function(stage.service_for(name))
            rng_service = generator(seed, replication, f"service/{name}/{stage_name}")
            rng_visit = generator(seed, replication, f"visit/{name}/{stage_name}")
            groups = tuple(
                port.stages[stage_name].groups[g] for g in scenario.groups_serving(stage_name, name)
            )
            # with one lane group, nothing to choose between groups: straight to its lanes
            storage = port.stages[stage_name].storage
            join: Join
            if storage is not None:  # room to wait is limited: the storage lets it in
                join = storage.enter
            elif len(groups) == 1:
                join = groups[0].join_shortest if groups[0].per_lane else groups[0].join_line
            else:
                join = port.stages[stage_name].join
            travel = stage.travel_for(name)
            if travel is not None:
                rng_travel = generator(seed, replication, f"travel/{name}/{stage_name}")
            self.route.append(
                (
                    join,
                    groups,
                    rng_service.random,
                    transform,
                    None
                    if share >= 1 and week is None and after is None
                    else (share, rng_visit.random, after, week),
                    None if travel is None else (rng_travel.random, quantile_function(travel)),
                )
            )
        self.by_hour = any(stage[4] is not None and stage[4][3] is not None for stage in self.route)
        """Whether a visit share varies by hour: visits are then decided as each traveller
        arrives (:meth:`plan_at`), not a block at a time."""
        self.visit_draws: list[list[float]] = [[] for _ in self.route]
        """With ``by_hour``: the uniforms that decide the next travellers' visits, by stage."""
        self.always = sum(1 << i for i, stage in enumerate(self.route) if stage[4] is None)
        """Bits of the stages every traveller visits."""
        self.storages = [port.stages[stage].storage for stage in spec.route]
        self.lots = [port.stages[stage].lot for stage in spec.route]
        """The batch lot of each stage of the route (None: vehicles go on one by one)."""
        """The storage of each stage of the route (None: unlimited room)."""
        travelled = [i for i, stage in enumerate(self.route) if stage[5] is not None]
        self.travel_index = [-1] * len(self.route)
        """For each stage of the route, which of a traveller's ``times`` is its travel time to
        that stage (after the inspection times of every stage; -1: it takes no time)."""
        for k, i in enumerate(travelled):
            self.travel_index[i] = len(self.route) + k
        self.plans: dict[int, Plan] = {}
        """The plan of a traveller by the stages of the route it visits (bit ``i`` for stage
        ``i``), made when first needed."""
        self.needs: list[tuple[float, ...]] = []
        """The next travellers' inspection times at each stage of the route (see
        :meth:`draw_needs`)..."""
        self.next_plans: list[Plan] = []
        """... and their plans (by the stages they visit)."""
        self.drawn = 0
        """How many of ``needs`` and ``visits`` have been handed out."""
        gaps = generator(seed, replication, f"arrivals/{name}")
        self.arrival_times = arrival_times(self.rates, scenario.horizon, gaps.standard_exponential)
        """Arrival times (s) of this stream's travellers, in order."""
        self.stats = StreamStats(name, len(scenario.stages), port.keep_waits)
        self.warmup = scenario.warmup
        self.bucket = self.stats.bucket(0)

    def draw_needs(self) -> None:
        """Draw the needs of the next ``BLOCK`` travellers: at each stage of the route, an
        inspection time, if not everyone visits it, whether they do, and if it takes time to
        reach, the time to travel to it.

        The i-th traveller of the stream takes the i-th value of each of the stream's random
        streams (one per stage for inspection times, one per stage with referrals for visits,
        one per stage with a travel time),
        so drawing them a block at a time, all stages together, gives every traveller the same
        needs as drawing them one traveller at a time.
        """
        times = []
        visits = np.zeros(BLOCK, dtype=np.int64)
        for i, (_, _, service, transform, referral, _) in enumerate(self.route):
            u = service(BLOCK)
            if referral is None:
                times.append(transform(u).tolist())
                visits |= 1 << i
            elif self.by_hour:  # decided at arrival (:meth:`plan_at`): a time for everyone
                self.visit_draws[i] = referral[1](BLOCK).tolist()
                times.append(transform(u).tolist())
            else:
                share, uniforms, after, _ = referral
                if after is None:
                    visiting = uniforms(BLOCK) < share
                else:  # the share among those who visited the earlier stage, and the others'
                    earlier, share_after = after
                    visited = (visits >> earlier & 1).astype(bool)
                    visiting = uniforms(BLOCK) < np.where(visited, share_after, share)
                visits |= visiting.astype(np.int64) << i
                # an inspection time only for those who visit (its uniform is drawn for all):
                # an inverse CDF is elementwise, so the same numbers, without computing the
                # others (the gamma's is slow, and few are referred to secondary)
                needed = np.full(BLOCK, math.nan)
                needed[visiting] = transform(u[visiting])
                times.append(needed.tolist())
        for *_, travel in self.route:  # after every inspection time (see travel_index)
            if travel is not None:
                uniforms, transform = travel
                times.append(transform(uniforms(BLOCK)).tolist())
        self.needs = list(zip(*times, strict=True))
        self.drawn = 0
        if self.by_hour:
            return
        stages = visits.tolist()
        plans = self.plans
        for key in set(stages).difference(plans):
            self._plan(key)
        self.next_plans = list(map(plans.__getitem__, stages))

    def plan_at(self, i: int, arrival: float) -> Plan:
        """The plan of the ``i``-th traveller of the current block, arriving at ``arrival`` (s):
        each referral decided with the share of its hour of arrival (and of the earlier
        referral it depends on), by the traveller's own uniform."""
        hour = int(arrival // HOUR) % WEEK_HOURS
        visits = self.always
        for k, (*_, referral, _) in enumerate(self.route):
            if referral is None:
                continue
            share, _, after, week = referral
            if week is not None:
                share = week[hour]
            if after is not None and visits >> after[0] & 1:
                share = after[1]
            if self.visit_draws[k][i] < share:
                visits |= 1 << k
        plan = self.plans.get(visits)
        return plan if plan is not None else self._plan(visits)

    def _plan(self, visits: int) -> Plan:
        """The plan of the travellers who visit the stages of the route in bits ``visits``.

        The published wait ends at the wait stage, or, for a traveller who skips it, at the
        first stage it visits after it; with none, the wait is 0.
        """
        on_route = [i for i in range(len(self.route)) if visits >> i & 1]
        last = len(on_route) - 1
        legs = tuple(
            (
                self.route[i][0],
                self.route[i][1],
                i,
                self._after(i, n == last),
                self.travel_index[i] if n else -1,  # the first stage is reached at arrival
                None if n == last or self.lots[i] else self.storages[on_route[n + 1]],
            )
            for n, i in enumerate(on_route)
        )
        after = [n for n, i in enumerate(on_route) if i >= self.wait_index]
        plan = self.plans[visits] = (legs, after[0] if after else -1)
        return plan

    def _after(self, i: int, last: bool) -> After:
        """Where a traveller goes when it drives out of the booth of route stage ``i``."""
        lot = self.lots[i]
        if lot is not None:
            return lot.hold
        return self.port.leave if last else self.port.next_stage


class Port:
    """A port of entry running one replication of a scenario."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        replication: int,
        trace: bool = False,
        waits: bool = False,
    ):
        self.scenario = scenario
        self.keep_waits = waits
        self.clock = Clock()
        self.env = self.clock.env
        self.horizon = scenario.horizon
        self.warmup = scenario.warmup
        self.tracing = trace
        self.trace_rows: list[tuple] = []
        self.gated = bool(scenario.storages())
        """Whether any stage limits its room to wait (then a vehicle done at a stage may find
        no room at its next one)."""

        def tie_break(where: str) -> Draws:
            # one stream per stage and lane group, so that a what-if in one lane group does not
            # reshuffle the tie-breaks of the others (common random numbers)
            return draws(generator(seed, replication, f"lane-choice/{where}").random)

        self.stages = {
            name: StageLanes(self, name, i, spec, tie_break)
            for i, (name, spec) in enumerate(scenario.stages.items())
        }
        self.lots: list[BatchLot] = []
        """The lots of the stages that release vehicles in batches."""
        for name, stage in self.stages.items():
            batch = scenario.stages[name].batch
            if batch is not None:
                stage.lot = BatchLot(self, batch.size, batch.max_wait)
                self.lots.append(stage.lot)
        self.storages: list[StageStorage] = []
        """The storage of each stage whose room to wait is limited."""
        for name in scenario.storages():
            stage = self.stages[name]
            stage.storage = StageStorage(stage, scenario)
            self.storages.append(stage.storage)
        self.streams = {
            name: StreamRuntime(self, name, scenario, seed, replication)
            for name in scenario.streams
        }
        self.arrived = 0
        self.exited = 0
        self.inside = 0
        self.inside_at_horizon = 0
        self.emptied: simpy.Event | None = None
        self.hour = 0
        """The hour the clock is in."""
        self.lanes_closed = 0.0
        """Until when (s) the lane statistics have been closed."""
        self.progress: Callable[[float, float], None] | None = None
        """Called as ``progress(now, horizon)`` (s) at each simulated midnight."""
        self.arriving = self.arrive
        """What the clock calls when a traveller arrives (the bound method, made once)."""
        self.reached = self.reach_stage
        """What the clock calls when a traveller reaches a stage it travelled to."""
        self.travelling: set[Traveller] = set()
        """Travellers on their way from one stage to the next."""

    # --- the traveller's journey -------------------------------------------------------------

    def arrive(self, stream: StreamRuntime) -> None:
        """A traveller of ``stream`` reaches the port and heads for its first stage."""
        clock = self.clock
        now = clock.now
        # the next traveller of the stream is on its way (as in :meth:`expect`)
        time = next(stream.arrival_times, None)
        if time is not None:  # at now + (time - now), as SimPy computes it from the delay
            clock.at_time(now + (time - now), self.arriving, stream)
        t = Traveller(stream, now)
        self.arrived += 1
        self.inside += 1
        if self.tracing:
            t.trace = []
        if not t.legs:  # referred nowhere, not even to primary: through at once (wait 0)
            self.leave(t)
            return
        # choose a lane at the first stage and join its line
        enter, groups, _, _, _, _ = t.legs[0]
        enter(t, groups)

    def next_stage(self, t: Traveller) -> None:
        """``t`` drives out of a booth, on to its next stage: it chooses a lane there and joins
        its line, or first travels there if the stage takes time to reach."""
        now = self.clock.now
        step = t.step = t.step + 1
        enter, groups, _, _, travel, _ = t.legs[step]
        if travel >= 0:
            self.travelling.add(t)
            self.clock.at(t.times[travel], self.reached, t)
            return
        t.stage_arrival = now
        enter(t, groups)

    def reach_stage(self, t: Traveller) -> None:
        """``t`` reaches its next stage after travelling there: it chooses a lane and joins its
        line."""
        self.travelling.discard(t)
        t.stage_arrival = self.clock.now
        enter, groups, _, _, _, _ = t.legs[t.step]
        enter(t, groups)

    def leave(self, t: Traveller) -> None:
        """``t`` leaves the port: out of the booth of its last stage, or at once if it visits
        none."""
        now = self.clock.now
        self.exited += 1
        self.inside -= 1
        stats = t.stream.stats
        if t.counted:
            stats.time_in_port_sum += now - t.arrival
            stats.exits += 1
        if self.warmup <= now < self.horizon:
            stats.exits_counted += 1
        if t.trace is not None:
            self.trace_rows.append((t.stream.name, t.arrival, tuple(t.trace), now))
        if self.inside == 0 and self.emptied is not None and not self.emptied.triggered:
            self.emptied.succeed()

    # --- processes ---------------------------------------------------------------------------

    def expect(self, stream: StreamRuntime) -> None:
        """Schedule the next arrival of ``stream`` (non-homogeneous Poisson, exact).

        Each arrival is one timed event whose callback is :meth:`arrive`; no process per
        traveller is needed, which is most of what makes the model fast.
        """
        time = next(stream.arrival_times, None)
        if time is not None:
            self.clock.at(time - self.clock.now, self.arriving, stream)

    def hours(self) -> Generator[simpy.Event, None, None]:
        """At each hour: close the hour's statistics, then open or close lanes by schedule."""
        env = self.env
        while True:
            hour = self.hour
            self.close_hour()
            for stage in self.stages.values():
                for group in stage.groups.values():
                    group.set_open(group.schedule[hour % len(group.schedule)])
                stage.release_held()
            for storage in self.storages:  # lanes that opened may have made room
                storage.release()
            if self.progress is not None and hour and hour % 24 == 0:
                self.progress(env.now, self.horizon)
            yield env.timeout((hour + 1) * HOUR - env.now)
            self.hour = hour + 1

    def close_hour(self) -> None:
        """Close the statistics of the hour before ``self.hour`` (at its end)."""
        hour = self.hour
        if hour > 0:
            self.close_lane_hours(hour - 1, hour * HOUR)
        for stream in self.streams.values():
            stream.stats.finish_hours(before=hour)

    def close_lane_hours(self, hour: int, end: float) -> None:
        """Close the lane statistics of ``hour`` from where they were last closed to ``end``.

        That is the whole hour, or, in an hour that the warm-up or the horizon cuts, the part
        before or after the cut: a part is reported when it lies in the counted period
        [warmup, horizon), and then averaged over its own length.
        """
        counted = self.lanes_closed < self.horizon and end > self.warmup
        for stage in self.stages.values():
            full = stage.storage.close_hour(end) if stage.storage is not None else {}
            for group in stage.groups.values():
                group.close_hour(hour, end, counted, full.get(group, 0.0))
        self.lanes_closed = end

    def run(self, progress: Callable[[float, float], None] | None = None) -> None:
        """Run arrivals until the horizon, then let the port empty (at most ``DRAIN_LIMIT``).

        ``progress``, if given, is called as ``progress(now, horizon)`` (seconds) at each
        simulated midnight, the drain after the horizon included.
        """
        self.progress = progress
        env, clock = self.env, self.clock
        env.process(self.hours())
        for stream in self.streams.values():
            self.expect(stream)
        # a warm-up or horizon inside an hour cuts that hour's lane statistics in two
        if self.warmup % HOUR:
            clock.run(self.warmup)
            self.close_lane_hours(int(self.warmup // HOUR), self.warmup)
        clock.run(self.horizon)
        if self.horizon % HOUR:
            self.close_lane_hours(int(self.horizon // HOUR), self.horizon)
        self.inside_at_horizon = self.inside
        if self.inside:
            self.emptied = env.event()
            clock.run(env.any_of([self.emptied, env.timeout(DRAIN_LIMIT)]))
        # close the hours the clock has not reached: nothing changes after the last event
        last = math.ceil(max(env.now, self.horizon) / HOUR)
        while self.hour < last:
            self.hour += 1
            self.close_hour()
        for stream in self.streams.values():
            stream.stats.finish_hours()

    def left_inside(self) -> dict[str, tuple[int, int, float]]:
        """Per stream, now (when the run stopped): the travellers still inside, counted or not;
        the counted ones among them whose published wait has not ended (not served, in no
        wait statistic); and the sum (s) of those waits so far, from arrival to now.

        Walks every traveller still inside once; call it at the end of the run only.
        """
        now = self.env.now
        inside = dict.fromkeys(self.streams, 0)
        not_served = dict.fromkeys(self.streams, 0)
        waited = dict.fromkeys(self.streams, 0.0)

        def count(travellers: Iterable[Traveller], in_booth: bool) -> None:
            for t in travellers:
                name = t.stream.name
                inside[name] += 1
                # in a line, the wait is not over at the wait stage; in a booth, it is
                if t.counted and (t.step < t.wait_leg or (t.step == t.wait_leg and not in_booth)):
                    not_served[name] += 1
                    waited[name] += now - t.arrival

        count(self.travelling, False)  # on their way: not in a booth
        for storage in self.storages:  # beyond the port, or in an approach
            count(storage.outside(), False)
        for lot in self.lots:  # waiting for their batch to go
            count(lot.lot, False)
        for stage in self.stages.values():
            count((t for t, _ in stage.held), False)
            for group in stage.groups.values():
                count(group.line, False)
                for lane in group.lanes:
                    count(lane.line, False)
                    count((t for t in lane.slots if t is not None), True)
        return {name: (inside[name], not_served[name], waited[name]) for name in self.streams}


@dataclass
class ReplicationResult:
    """One replication as tables: plain numbers, no simulation objects (picklable, small)."""

    replication: int
    metrics: dict[str, dict[str, float]]
    """stream (and 'all') -> metric name -> value."""
    hourly: list[tuple]
    """(day, hour, stream, arrivals, wait_mean_min, wait_p95_min, not_served) for each hour
    with counted arrivals: ``arrivals`` all of them, the waits over those whose wait ended
    (NaN if none did), ``not_served`` the others."""
    lanes_hourly: list[tuple]
    """(day, hour, stage, lane_group, lanes_open, utilization, queue_mean, queue_max,
    queue_max_m, blocked_booth_hours, storage_full_min)."""
    checks: dict[str, int]
    """Conservation counts: arrived, exited, inside_at_horizon, left_inside."""
    trace: list[tuple] | None = field(default=None)
    """With tracing: (stream, arrival_s, ((stage, group, lane, queued_s, start_s, end_s), ...),
    exit_s) per traveller."""
    unfinished: dict[str, dict[str, int]] = field(default_factory=dict)
    """stream -> ``arrivals`` (counted), ``inside`` (travellers of the stream still inside
    when the run stopped, at the drain limit, counted or not) and ``not_served`` (counted
    arrivals whose published wait had not ended then: in no wait statistic; the metric
    ``not_served``)."""
    waits: dict[str, dict[int, np.ndarray]] | None = field(default=None)
    """With ``simulate(waits=True)``: stream -> absolute hour of arrival -> the waits (s) of that
    hour's counted travellers whose wait ended (those not served are the hour's
    ``not_served`` in ``hourly``)."""
    daily: list[tuple] = field(default_factory=list)
    """(day, stream, wait_p95_min) for each day with a wait that ended: the exact 95th
    percentile of the day's waits (the day's counts and mean follow from ``hourly``)."""

    @property
    def not_served(self) -> int:
        """Counted travellers of all streams whose wait had not ended when the run stopped."""
        return sum(u.get("not_served", 0) for u in self.unfinished.values())


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    replication: int = 0,
    trace: bool = False,
    progress: Callable[[float, float], None] | None = None,
    waits: bool = False,
) -> ReplicationResult:
    """Run one replication of ``scenario`` and return its tables.

    A pure function: the same scenario, seed and replication always give the same result.
    ``progress``, if given, is called as ``progress(now, horizon)`` (simulated seconds) at each
    simulated midnight, including those of the drain after the horizon. ``waits`` keeps every
    counted traveller's wait by stream and hour of arrival (``ReplicationResult.waits``), for
    measures the hourly table does not hold; it costs 8 bytes a traveller.
    """
    seed = scenario.seed if seed is None else seed
    port = Port(scenario, seed, replication, trace, waits)
    port.run(progress)
    return _result(port, replication)


def _result(port: Port, replication: int) -> ReplicationResult:
    scenario = port.scenario
    counted_hours = (scenario.horizon - scenario.warmup) / HOUR
    stage_names = list(scenario.stages)
    left = port.left_inside()
    metrics: dict[str, dict[str, float]] = {}
    all_hist = None
    totals = {
        "count": 0,
        "arrivals": 0,
        "waited": 0.0,
        "wait_sum": 0.0,
        "wait_max": 0.0,
        "tip": 0.0,
        "exits": 0,
        "exits_counted": 0,
    }
    stage_sum = dict.fromkeys(stage_names, 0.0)
    stage_n = dict.fromkeys(stage_names, 0)
    delay_totals = dict.fromkeys(economics.METRICS, 0.0)
    for name, stream in port.streams.items():
        s = stream.stats
        _, not_served, waited = left[name]
        # the hours' count of travellers whose wait did not end is that of those still inside
        assert s.arrivals - s.count == not_served, (name, s.arrivals, s.count, not_served)
        m = _stream_metrics(
            s.count,
            s.arrivals,
            waited,
            s.wait_sum,
            s.wait_max,
            s.histogram,
            s.time_in_port_sum,
            s.exits,
            s.exits_counted,
            counted_hours,
        )
        for stage in scenario.streams[name].route:
            index = port.stages[stage].index
            visits = s.stage_visits[index]
            wait = s.stage_wait_sum[index]
            m[f"{stage}.visits"] = float(visits)
            m[f"{stage}.wait_mean_min"] = wait / visits / 60 if visits else math.nan
            stage_sum[stage] += wait
            stage_n[stage] += visits
        spec = scenario.streams[name]
        rate = economics.rates(spec.mode, scenario.economics, scenario.emissions)
        delay = sum(s.stage_wait_sum)  # queueing at every stage, counted travellers only
        assert spec.occupants is not None  # the schema sets it from the mode
        m.update(economics.delay_metrics(delay, spec.occupants, rate))
        for key in economics.METRICS:
            delay_totals[key] += m[key]
        metrics[name] = m
        totals["count"] += s.count
        totals["arrivals"] += s.arrivals
        totals["waited"] += waited
        totals["wait_sum"] += s.wait_sum
        totals["wait_max"] = max(totals["wait_max"], s.wait_max)
        totals["tip"] += s.time_in_port_sum
        totals["exits"] += s.exits
        totals["exits_counted"] += s.exits_counted
        all_hist = _add(all_hist, s.histogram)
    assert all_hist is not None  # a scenario has at least one stream
    everyone = _stream_metrics(
        totals["count"],
        totals["arrivals"],
        totals["waited"],
        totals["wait_sum"],
        totals["wait_max"],
        all_hist,
        totals["tip"],
        totals["exits"],
        totals["exits_counted"],
        counted_hours,
    )
    for stage_name, lanes in port.stages.items():
        visits = stage_n[stage_name]
        everyone[f"{stage_name}.visits"] = float(visits)
        everyone[f"{stage_name}.wait_mean_min"] = (
            stage_sum[stage_name] / visits / 60 if visits else math.nan
        )
        busy = sum(g.stats.total_busy for g in lanes.groups.values())
        staffed = sum(g.stats.total_staffed for g in lanes.groups.values())
        everyone[f"{stage_name}.utilization"] = busy / staffed if staffed else math.nan
        if port.storages:  # booths held by vehicles with no room ahead, over the counted period
            blocked = sum(g.stats.total_blocked for g in lanes.groups.values())
            everyone[f"{stage_name}.blocked_booth_hours"] = blocked / HOUR
    everyone.update(delay_totals)
    metrics["all"] = everyone
    days_per_year = scenario.economics.annualize_days
    if days_per_year:
        counted_days = (scenario.horizon - scenario.warmup) / DAY
        for m in metrics.values():
            economics.annualize(m, counted_days, days_per_year)

    hourly = []
    for name, stream in port.streams.items():
        for hour, (n, mean, p95, not_served) in sorted(stream.stats.hourly.items()):
            hourly.append((hour // 24, hour % 24, name, n, mean / 60, p95 / 60, not_served))
    hourly.sort(key=lambda row: (row[0], row[1]))
    lanes_hourly = []
    for stage_name, lanes in port.stages.items():
        for group_name, group in lanes.groups.items():
            for hour, *row in group.stats.rows:
                lanes_hourly.append((hour // 24, hour % 24, stage_name, group_name, *row))
    lanes_hourly.sort(key=lambda row: (row[0], row[1]))
    checks = {
        "arrived": port.arrived,
        "exited": port.exited,
        "inside_at_horizon": port.inside_at_horizon,
        "left_inside": port.inside,
    }
    return ReplicationResult(
        replication,
        metrics,
        hourly,
        lanes_hourly,
        checks,
        port.trace_rows if port.tracing else None,
        unfinished={
            name: {
                "arrivals": stream.stats.arrivals,
                "inside": left[name][0],
                "not_served": left[name][1],
            }
            for name, stream in port.streams.items()
        },
        waits={name: stream.stats.kept or {} for name, stream in port.streams.items()}
        if port.keep_waits
        else None,
        daily=[
            (day, name, p95 / 60)
            for name, stream in port.streams.items()
            for day, p95 in sorted(stream.stats.daily_p95.items())
        ],
    )


def _add(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    if a is None:
        return b.copy()
    if len(b) > len(a):
        a, b = b.copy(), a
    a[: len(b)] += b
    return a


def _stream_metrics(
    count: float,
    arrivals: float,
    waited: float,
    wait_sum: float,
    wait_max: float,
    histogram: np.ndarray,
    tip: float,
    exits: float,
    exits_counted: float,
    counted_hours: float,
) -> dict[str, float]:
    """A stream's (or all streams') metrics: ``count`` counted travellers whose wait ended,
    with ``wait_sum`` and ``wait_max`` their waits and ``histogram`` their distribution, out
    of ``arrivals`` counted arrivals; the others (not served) had waited ``waited`` seconds in
    all when the run stopped."""
    nan = math.nan
    not_served = arrivals - count
    return {
        "entities": float(count),
        "not_served": float(not_served),
        "not_served_share": not_served / arrivals if arrivals else nan,
        "throughput_per_hour": exits_counted / counted_hours,
        "wait_mean_min": wait_sum / count / 60 if count else nan,
        # every arrival's wait, those not served counted until the run stopped: a lower bound
        "wait_mean_min_lower_bound": (wait_sum + waited) / arrivals / 60 if arrivals else nan,
        "wait_p50_min": histogram_percentile(histogram, 50) / 60,
        "wait_p90_min": histogram_percentile(histogram, 90) / 60,
        "wait_p95_min": histogram_percentile(histogram, 95) / 60,
        "wait_max_min": wait_max / 60 if count else nan,
        "time_in_port_mean_min": tip / exits / 60 if exits else nan,
    }


__all__ = ["Port", "ReplicationResult", "Traveller", "simulate"]
