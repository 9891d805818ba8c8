"""The model's clock (simulator.model.clock) runs its calls in SimPy's order, at their exact
times, and the model's record is the same to the bit as with one SimPy timeout per call.

The reference throughout is :class:`SimPyClock`: the clock's interface with a real
``env.timeout`` for every call and no feed, which is how the model scheduled stays' ends
and arrivals before the clock. A program run once with each gives the same log, the same
times and the same event count (SimPy's events + the clock's calls - its wakes).

Found by these tests and fixed in the clock (commit 5f27af9): a wake scheduled by a delay
from another time could land an ulp off its call's time; a stop (StopSimulation) or an
exception inside a call lost the calls after it; a feed attached inside a call was read out
of order.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from helpers import minimal_scenario
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulator import load_scenario, validate
from simulator.model import engine
from simulator.model.clock import Clock
from simulator.model.drive import drive
from simulator.model.engine import Model, run_replication

MIDT_TROMS = Path(__file__).resolve().parents[2] / "scenarios" / "midt-troms"


class SimPyClock(Clock):
    """Every call its own SimPy timeout and no feed: the model as it was before the clock."""

    def call_in(self, delay: float, call: Callable[[Any], None], argument: Any) -> None:
        self.env.timeout(delay).callbacks.append(lambda _event: call(argument))

    def attach(self, feed: Any) -> bool:
        return False

    def timeout(self, delay: float, value: Any = None) -> simpy.Event:
        return self.env.timeout(delay, value)


def _eids(env: simpy.Environment) -> int:
    """Events SimPy has scheduled so far (its event id counter)."""
    return int(next(env._eid))  # type: ignore[attr-defined]


# --- random programs: SimPy events and clock calls, each run with both clocks ----------------

SIDE = {
    "timeout": "S",  # env.timeout(d) and a callback
    "succeed": "S",  # env.event() succeeded now, from the parent's callback
    "process_sim": "S",  # env.process: yield env.timeout(d)
    "drive_sim": "S",  # drive(generator): yield env.timeout(d)
    "call_in": "C",  # clock.call_in(d, ...)
    "clock_timeout": "C",  # clock.timeout(d) and a callback
    "process_clk": "C",  # env.process: yield clock.timeout(d)
    "drive_clk": "C",  # drive(generator): yield clock.timeout(d)
}
"""How a node is scheduled, and on which side it then runs: SimPy's (S) or the clock's (C)."""

GRID_OFFSET = {"S": 0.0, "C": 0.25, "F": 0.125, "G": 0.375}
"""Grid programs: each side's times are k/2 + offset (the feeds F and G their own), so two
sides are never due at the same time except by a delay of 0, which stays on its side."""


@dataclass
class Node:
    label: int
    how: str
    delay: float  # from the time its parent ran (a feed's item: its absolute time)
    children: list[Node] = field(default_factory=list)  # scheduled, in order, when it runs
    chain: list[Node] = field(default_factory=list)  # a generator's further waits
    parent: int = -1


@dataclass
class Program:
    roots: list[Node]
    feeds: tuple[list[Node], list[Node]]  # items of the attached feed, and of a second one
    stops: list[float]  # env.run(until=...) at each, then env.run()
    nodes: dict[int, Node]


def _allowed(how: str, parent_side: str) -> bool:
    """A new process or a succeeded event is a SimPy event at the parent's time: only
    from SimPy's side (from the clock's, it would tie with the clock's calls due then)."""
    return parent_side == "S" or how not in ("succeed", "process_sim", "process_clk")


FLOAT_DELAYS = st.one_of(
    st.just(0.0),
    st.floats(0.0, 10.0),
    st.floats(0.0, 1e-6),
    st.floats(0.0, 1e7),
    st.floats(1e14, 1e16),  # around the calendar's last slot (1e15)
    st.integers(0, 12).map(float),
)


@st.composite
def programs(draw: Any, grid: bool) -> Program:
    labels = itertools.count()
    budget = [draw(st.integers(1, 28))]
    nodes: dict[int, Node] = {}

    def delay(parent_at: float, parent_side: str, side: str) -> float:
        same = side == parent_side
        if grid:
            k = draw(st.integers(0 if same else 1, 5))
            if k == 0:
                return 0.0
            offset = GRID_OFFSET[side]
            first = math.floor((parent_at - offset) * 2) / 2 + offset
            while first <= parent_at:
                first += 0.5
            return first + 0.5 * (k - 1) - parent_at
        d = float(draw(FLOAT_DELAYS))
        return d if d > 0 or same else float(draw(st.floats(1e-3, 10.0)))

    def make(how: str, d: float, at: float, parent: int, depth: int) -> Node:
        budget[0] -= 1
        node = Node(next(labels), how, d, parent=parent)
        nodes[node.label] = node
        side = SIDE.get(how, "C")  # a feed's item runs on the clock's side
        if how.startswith(("process", "drive")):
            link_at, link_side, previous = at, side, node.label
            for _ in range(draw(st.integers(0, 2))):
                if budget[0] <= 0:
                    break
                link_how = draw(st.sampled_from(["timeout", "clock_timeout"]))
                dd = delay(link_at, link_side, SIDE[link_how])
                link = make(link_how, dd, link_at + dd, previous, depth + 1)
                node.chain.append(link)
                link_at, link_side, previous = link_at + dd, SIDE[link_how], link.label
        if depth < 4:
            for _ in range(draw(st.integers(0, 3))):
                if budget[0] <= 0:
                    break
                node.children.append(child(at, side, node.label, depth + 1))
        return node

    def child(parent_at: float, parent_side: str, parent: int, depth: int) -> Node:
        how = draw(st.sampled_from([h for h in SIDE if _allowed(h, parent_side)]))
        d = 0.0 if how == "succeed" else delay(parent_at, parent_side, SIDE[how])
        return make(how, d, parent_at + d, parent, depth)

    def feed(side: str) -> list[Node]:
        if grid:
            ks = sorted(draw(st.lists(st.integers(0, 16), max_size=6)))
            times = [k / 2 + GRID_OFFSET[side] for k in ks]
        else:
            times = sorted(draw(st.lists(st.floats(0.0, 40.0), max_size=6)))
        return [make("feed", t, t, -1, 1) for t in times]

    roots = [child(0.0, "S", -1, 0) for _ in range(draw(st.integers(1, 4)))]
    feeds = (feed("F"), feed("G"))
    while budget[0] > 0 and draw(st.booleans()):
        roots.append(child(0.0, "S", -1, 0))
    if grid:
        stops = sorted(set(draw(st.lists(st.integers(1, 120).map(lambda k: k / 8), max_size=3))))
    else:
        stops = sorted(set(draw(st.lists(st.floats(1e-3, 60.0), max_size=3))))
    return Program(roots, feeds, stops, nodes)


class ListFeed:
    """A sorted source of calls read by the clock, written as Arrivals is (a Feed).

    ``run(item, due)``: ``due`` is the time the item's call falls at, ``now + (t - now)``
    as a timeout of ``t - now`` asked for at ``now`` would (not always ``t`` to the bit).
    """

    def __init__(self, env: simpy.Environment, clock: Clock, items: list[Node], run: Any):
        self.env, self.clock, self.items, self.run = env, clock, items, run
        self.i = 0
        self.due = math.inf
        self.falls = env.now
        self.fed = clock.attach(self)
        self.next()

    def next(self, _: None = None) -> None:
        now, items = self.env._now, self.items  # type: ignore[attr-defined]
        while self.i < len(items) and items[self.i].delay <= now:
            self.i += 1
            self.run(items[self.i - 1], self.falls)
        if self.i == len(items):
            self.due = math.inf
            return
        t = items[self.i].delay
        self.falls = now + (t - now)
        if self.fed:
            self.due = now + (t - now)
            if self.clock.running:
                self.clock.calls += 1
            else:
                self.clock.feed_due(self.due)
        else:
            self.clock.call_in(t - now, self.next, None)


@dataclass
class Outcome:
    log: list[tuple[Any, ...]]
    wrong: list[tuple[Any, ...]]  # (label, env.now in its callback, its due time)
    events: int  # SimPy's events + the clock's calls - its wakes
    calls: int
    wakes: int
    fed: tuple[bool, ...]


def run_program(program: Program, clock_type: type[Clock]) -> Outcome:
    env = simpy.Environment()
    clock = clock_type(env)
    log: list[tuple[Any, ...]] = []
    wrong: list[tuple[Any, ...]] = []

    def execute(node: Node, due: float) -> None:
        log.append((env.now, node.label))
        if env.now != due:
            wrong.append((node.label, env.now, due))
        for child in node.children:
            start(child)

    def later(node: Node, due: float) -> Callable[[simpy.Event], None]:
        return lambda _event: execute(node, due)

    def waits(node: Node) -> Generator[simpy.Event, Any, None]:
        for link in (node, *node.chain):
            due = env.now + link.delay
            wait = env.timeout if SIDE[link.how] == "S" else clock.timeout
            value = yield wait(link.delay, link.label)
            if value != link.label:
                wrong.append((link.label, "value", value))
            execute(link, due)

    def start(node: Node) -> None:
        how, d = node.how, node.delay
        due = env.now + d
        if how == "timeout":
            env.timeout(d).callbacks.append(later(node, due))
        elif how == "succeed":
            event = env.event()
            event.callbacks.append(later(node, due))
            event.succeed()
        elif how == "call_in":
            clock.call_in(d, execute_at, (node, due))
        elif how == "clock_timeout":
            clock.timeout(d).callbacks.append(later(node, due))
        elif how.startswith("process"):
            env.process(waits(node))
        else:
            drive(waits(node))

    def execute_at(argument: tuple[Node, float]) -> None:
        execute(*argument)

    feeds: list[ListFeed] = []

    def source() -> Generator[simpy.Event, Any, None]:  # started at 0 like the arrivals
        for items in program.feeds:
            feeds.append(ListFeed(env, clock, items, execute))
        return
        yield

    env.process(source())
    for root in program.roots:
        start(root)
    for until in program.stops:
        if until > env.now:
            env.run(until=until)
            log.append(("stopped", env.now))
    env.run()
    log.append(("end", env.now))
    events = _eids(env) - clock.wakes + clock.calls
    return Outcome(log, wrong, events, clock.calls, clock.wakes, tuple(f.fed for f in feeds))


def _ties_across(program: Program, reference: Outcome) -> bool:
    """Whether two things on different sides (SimPy, the clock's heap, the attached feed)
    were due at exactly the same time -- the clock's documented exception -- other than a
    call with delay 0 on its parent's side (asked for after, so run after, either way)."""
    ran = {label: t for t, label in reference.log if not isinstance(t, str)}
    first, second = program.feeds
    fed = [*first, *(second if all(node.delay <= 0 for node in first) else ())]
    feed_items = {node.label for node in fed}

    def kind(label: int) -> str:
        node = program.nodes[label]
        if label in feed_items:
            return "feed"
        side = SIDE.get(node.how, "C")
        if node.parent >= 0 and ran[node.parent] == ran[label]:
            parent = program.nodes[node.parent]
            parent_side = SIDE.get(parent.how, "C")
            if parent_side == side:
                return kind(node.parent)
        return side

    at: dict[float, set[str]] = {}
    for label, t in ran.items():
        at.setdefault(t, set()).add(kind(label))
    return any(len(kinds) > 1 for kinds in at.values())


def _check_same(program: Program) -> tuple[Outcome, Outcome]:
    reference = run_program(program, SimPyClock)
    clocked = run_program(program, Clock)
    assert reference.wrong == []
    assert clocked.wrong == []  # env.now in every callback is its due time, to the bit
    assert clocked.log == reference.log
    labels = sorted(label for t, label in clocked.log if not isinstance(t, str))
    assert labels == sorted(program.nodes)  # every call ran, once
    assert clocked.events == reference.events  # SimPy's events + calls - wakes
    assert clocked.wakes <= clocked.calls
    first, _ = program.feeds
    # a second feed is attached only if the first is done (at time 0: none, or all at 0)
    assert clocked.fed == (True, all(node.delay <= 0 for node in first))
    assert reference.fed == (False, False)
    return reference, clocked


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(grid=True))
def test_order_and_times_as_one_timeout_each(program: Program) -> None:
    """Timeouts, processes, drives, succeeded events, run(until=...) and two feeds mixed
    with the clock's calls (calls that ask for calls and SimPy events, with delay 0 too):
    the same log as with a SimPy timeout for every call, each at its exact time."""
    reference = run_program(program, SimPyClock)
    assert not _ties_across(program, reference)  # the grid keeps the sides apart
    _check_same(program)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(grid=False))
def test_float_delays_land_at_their_exact_times(program: Program) -> None:
    """Any float delays (tiny, large, zero): each call runs at env.now + delay as computed
    when it was asked (as SimPy's timeout would), in the same order as the reference."""
    assume(not _ties_across(program, run_program(program, SimPyClock)))
    _check_same(program)


def test_the_clock_moves_time_itself_between_its_wakes() -> None:
    """With nothing else in SimPy's queue the clock moves time on itself (the point): a wake
    only for a call asked for before the earliest one, none for calls after it."""
    env = simpy.Environment()
    clock = Clock(env)
    times = np.random.default_rng(3).uniform(0, 100, 500).tolist()
    seen: list[tuple[float, float]] = []
    for t in times:
        clock.call_in(t, lambda due: seen.append((env.now, due)), t)
    env.run()
    # a wake each time a call is asked for before the earliest wake, none while running
    firsts = sum(t < min(times[:i], default=math.inf) for i, t in enumerate(times))
    assert clock.calls == 500 and clock.wakes == firsts == _eids(env) and firsts < 10
    assert [now for now, _ in seen] == sorted(due for _, due in seen)
    assert all(now == due for now, due in seen)


# --- ties ----------------------------------------------------------------------------------


def _tie_log(clock_type: type[Clock], program: Callable[..., None]) -> list[tuple[float, str]]:
    env = simpy.Environment()
    clock = clock_type(env)
    log: list[tuple[float, str]] = []

    def note(name: str) -> Callable[[Any], None]:
        return lambda _: log.append((env.now, name))

    program(env, clock, note)
    env.run()
    return log


def test_calls_due_at_one_time_run_in_the_order_asked() -> None:
    """Asked at different times for one time, by call_in and timeout, and with delay 0
    from a call running then: in the order asked, the delay-0 ones after."""

    def program(env: simpy.Environment, clock: Clock, note: Any) -> None:
        clock.call_in(5.0, note("a"), None)
        clock.timeout(5.0).callbacks.append(note("b"))

        def at_one(_: Any) -> None:
            clock.call_in(4.0, note("c"), None)
            clock.call_in(4.0, lambda _: (note("d")(None), clock.call_in(0.0, note("g"), 0)), 0)
            clock.timeout(4.0).callbacks.append(note("e"))

        clock.call_in(1.0, at_one, None)
        env.timeout(3.0).callbacks.append(lambda _: clock.call_in(2.0, note("f"), None))

    expected = [(5.0, name) for name in "abcdefg"]
    assert _tie_log(Clock, program) == expected
    assert _tie_log(SimPyClock, program) == expected


def test_a_tie_across_sides_keeps_simpys_order_when_a_wake_waits_there() -> None:
    """The documented tie rule: a wake already waiting at the time is ordered with SimPy's
    events there as it was scheduled, so both orders come out as with one timeout each."""

    def clock_first(env: simpy.Environment, clock: Clock, note: Any) -> None:
        clock.call_in(5.0, note("call"), None)  # the wake at 5 is scheduled now
        env.timeout(5.0).callbacks.append(note("simpy"))

    def simpy_first(env: simpy.Environment, clock: Clock, note: Any) -> None:
        env.timeout(5.0).callbacks.append(note("simpy"))
        clock.call_in(5.0, note("call"), None)

    for program, order in ((clock_first, ["call", "simpy"]), (simpy_first, ["simpy", "call"])):
        assert _tie_log(Clock, program) == [(5.0, name) for name in order]
        assert _tie_log(SimPyClock, program) == [(5.0, name) for name in order]


def test_a_tie_across_sides_without_a_wake_there_runs_simpys_event_first() -> None:
    """The documented exception: a call due at 7 asked before a SimPy timeout due at 7 but
    reached by the clock after its wake at 5 -- no wake waits at 7, so SimPy's event runs
    first (with one timeout each the call would: it was asked first)."""

    def program(env: simpy.Environment, clock: Clock, note: Any) -> None:
        clock.call_in(5.0, note("call at 5"), None)
        clock.call_in(7.0, note("call at 7"), None)
        env.timeout(1.0).callbacks.append(lambda _: env.timeout(6.0).callbacks.append(note("s")))

    assert _tie_log(Clock, program) == [(5.0, "call at 5"), (7.0, "s"), (7.0, "call at 7")]
    assert _tie_log(SimPyClock, program) == [(5.0, "call at 5"), (7.0, "call at 7"), (7.0, "s")]


def test_calls_due_at_one_time_run_together_before_simpys_event_then() -> None:
    """The docstring's 'all together, as soon as the first of them runs': a call asked for
    with delay 0 by a call at 5 runs before a SimPy event a call at 5 had succeeded before
    asking for it (with one timeout each, the event was scheduled first, so runs first)."""

    def program(env: simpy.Environment, clock: Clock, note: Any) -> None:
        def first(_: Any) -> None:
            note("first")(None)
            event = env.event()
            event.callbacks.append(note("event"))
            event.succeed()
            clock.call_in(0.0, note("delay 0"), None)

        clock.call_in(5.0, first, None)
        clock.call_in(5.0, note("second"), None)

    assert _tie_log(Clock, program) == [
        (5.0, name) for name in ("first", "second", "delay 0", "event")
    ]
    assert _tie_log(SimPyClock, program) == [
        (5.0, name) for name in ("first", "second", "event", "delay 0")
    ]


def _feed_and_heap_at_5(clock_type: type[Clock], heap_first: bool) -> list[str]:
    """A feed's call and a calendar (heap) call both due at 5, asked in either order."""
    env = simpy.Environment()
    clock = clock_type(env)
    log: list[str] = []
    if heap_first:
        clock.call_in(5.0, log.append, "heap")
    ListFeed(env, clock, [Node(0, "feed", 5.0)], lambda node, due: log.append("feed"))
    if not heap_first:
        env.timeout(1.0).callbacks.append(lambda _: clock.call_in(4.0, log.append, "heap"))
    env.run()
    assert env.now == 5.0
    return log


def test_a_tie_between_the_feed_and_the_calendar_runs_the_calendars_call_first() -> None:
    """The tie rule between the clock's two sources ('the calendar's before the feed's'),
    whichever was asked for first. With one timeout each the order asked decides: when the
    feed's call was asked first, that is the one case on the clock's own side that differs."""
    assert _feed_and_heap_at_5(Clock, heap_first=True) == ["heap", "feed"]
    assert _feed_and_heap_at_5(Clock, heap_first=False) == ["heap", "feed"]
    assert _feed_and_heap_at_5(SimPyClock, heap_first=True) == ["heap", "feed"]
    assert _feed_and_heap_at_5(SimPyClock, heap_first=False) == ["feed", "heap"]


# Two floats where a + (t - a) != t: SimPy puts a timeout of t - a asked at a one ulp
# after t (a tie in rounding, twice; a few in a hundred pairs with t 16 times a).
ASKED, DUE = 1.028170539354063, 17.28108012978422
OFF = ASKED + (DUE - ASKED)


def _wake_from_another_time(clock_type: type[Clock], at_off: bool) -> list[tuple[float, str]]:
    """A call due at DUE (asked at 0) whose wake is scheduled at ASKED, after the call due
    then, because SimPy has an event at 5 before DUE; with at_off, SimPy has one at OFF."""
    env = simpy.Environment()
    clock = clock_type(env)
    log: list[tuple[float, str]] = []
    clock.call_in(ASKED, lambda _: log.append((env.now, "asked")), None)
    clock.call_in(DUE, lambda _: log.append((env.now, "due")), None)
    env.timeout(5.0).callbacks.append(lambda _: log.append((env.now, "simpy at 5")))
    if at_off:
        env.timeout(OFF).callbacks.append(lambda _: log.append((env.now, "simpy at off")))
    env.run()
    return log


def test_a_wake_scheduled_from_another_time_runs_the_call_at_its_due_time() -> None:
    """The clock's wake for DUE is scheduled at ASKED, and SimPy would put it at OFF: the
    call still runs with env.now == DUE to the bit, as its own timeout would."""
    assert OFF != DUE
    expected = [(ASKED, "asked"), (5.0, "simpy at 5"), (DUE, "due")]
    assert _wake_from_another_time(SimPyClock, at_off=False) == expected
    assert _wake_from_another_time(Clock, at_off=False) == expected


def test_a_wake_scheduled_from_another_time_keeps_the_order_with_an_event_one_ulp_later() -> None:
    """SimPy has an event at OFF, one ulp after DUE, scheduled before the clock's wake for
    DUE: the call still runs first, at DUE (a wake at OFF ran it after, and SimPy's time
    went back from OFF to DUE)."""
    expected = [(ASKED, "asked"), (5.0, "simpy at 5"), (DUE, "due"), (OFF, "simpy at off")]
    assert _wake_from_another_time(SimPyClock, at_off=True) == expected
    assert _wake_from_another_time(Clock, at_off=True) == expected


# --- run(until=...) ------------------------------------------------------------------------


def _calls(
    clock: Clock,
    env: simpy.Environment,
    times: list[float],
    ran: list[tuple[float, float]] | None = None,
) -> list[tuple[float, float]]:
    ran = [] if ran is None else ran
    for t in times:
        clock.call_in(t, lambda due: ran.append((env.now, due)), t)
    return ran


def test_run_until_a_time_leaves_the_calls_due_then_and_later() -> None:
    env = simpy.Environment()
    clock = Clock(env)
    ran = _calls(clock, env, [1.0, 2.5, 3.0, 3.0, 4.0, 9.0])
    env.timeout(2.0)  # SimPy has something of its own too
    env.run(until=3.0)
    assert env.now == 3.0 and ran == [(1.0, 1.0), (2.5, 2.5)]
    env.run(until=4.0)
    assert env.now == 4.0 and ran[2:] == [(3.0, 3.0), (3.0, 3.0)]
    env.run(until=20.0)
    assert env.now == 20.0 and ran[4:] == [(4.0, 4.0), (9.0, 9.0)]
    assert clock.calls == 6 and len(ran) == 6  # nothing lost, nothing run twice


def test_run_until_a_time_between_calls_the_clock_moves_through_itself() -> None:
    env = simpy.Environment()
    clock = Clock(env)
    ran = _calls(clock, env, [0.5, 1.5, 2.5, 3.5])
    env.run(until=2.0)
    assert env.now == 2.0 and [due for _, due in ran] == [0.5, 1.5]
    clock.call_in(0.25, lambda _: ran.append((env.now, 2.25)), None)  # before the next wake
    env.run()
    assert [now for now, _ in ran] == [0.5, 1.5, 2.25, 2.5, 3.5] and env.now == 3.5


def test_run_until_an_event_succeeded_in_a_call_stops_then() -> None:
    """The event succeeded in a call at 3: the calls due at 3 with it still run (as their
    timeouts would, scheduled before the event), those after wait for the next run."""
    for clock_type in (Clock, SimPyClock):
        env = simpy.Environment()
        clock = clock_type(env)
        stop = env.event()
        ran = _calls(clock, env, [1.0])
        clock.call_in(3.0, lambda _, stop=stop: stop.succeed(), None)
        _calls(clock, env, [3.0, 3.5, 4.0], ran)
        env.run(until=stop)
        assert env.now == 3.0 and [due for _, due in ran] == [1.0, 3.0], clock_type
        env.run()
        assert env.now == 4.0 and [due for _, due in ran] == [1.0, 3.0, 3.5, 4.0]


def _stopped_in_a_call(clock_type: type[Clock], how: str) -> list[float]:
    env = simpy.Environment()
    clock = clock_type(env)
    ran = _calls(clock, env, [5.0])
    if how == "until":
        until = clock.timeout(5.0)
    else:

        def fail(_: Any) -> None:
            raise RuntimeError("a call failed")

        clock.call_in(5.0, fail, None)
    _calls(clock, env, [5.0, 6.0], ran)
    if how == "until":
        env.run(until=until)
    else:
        with pytest.raises(RuntimeError):
            env.run()
    env.run()
    return [due for _, due in ran]


@pytest.mark.parametrize("how", ["until", "raises"])
def test_one_timeout_each_keeps_the_calls_after_a_stop_inside_a_call(how: str) -> None:
    assert _stopped_in_a_call(SimPyClock, how) == [5.0, 5.0, 6.0]


@pytest.mark.parametrize("how", ["until", "raises"])
def test_the_clock_keeps_the_calls_after_a_stop_inside_a_call(how: str) -> None:
    """run(until=clock.timeout(...)) stops inside the clock's run of its calls, as does an
    exception from a call: the calls due with it and after it still run next time."""
    assert _stopped_in_a_call(Clock, how) == [5.0, 5.0, 6.0]


# --- feeds ---------------------------------------------------------------------------------


def test_attach_refuses_a_second_feed_while_the_first_has_calls_left() -> None:
    env = simpy.Environment()
    clock = Clock(env)
    log: list[tuple[float, str]] = []
    first = ListFeed(
        env,
        clock,
        [Node(0, "feed", 1.0), Node(1, "feed", 2.0)],
        lambda n, _: log.append((env.now, "first")),
    )
    second = ListFeed(
        env,
        clock,
        [Node(2, "feed", 1.5), Node(3, "feed", 3.0)],
        lambda n, _: log.append((env.now, "second")),
    )
    assert first.fed and not second.fed and clock.feed is first
    env.run(until=2.5)  # the first is done
    third = ListFeed(
        env, clock, [Node(4, "feed", 2.75)], lambda n, _: log.append((env.now, "third"))
    )
    assert third.fed and clock.feed is third
    env.run()
    assert log == [
        (1.0, "first"),
        (1.5, "second"),
        (2.0, "first"),
        (2.75, "third"),
        (3.0, "second"),
    ]
    assert clock.calls == 5  # the due times set: 1, 2 (first), 1.5, 3 (second), 2.75 (third)


def _feed_started_inside_a_call(clock_type: type[Clock]) -> list[tuple[float, Any]]:
    env = simpy.Environment()
    clock = clock_type(env)
    log: list[tuple[float, Any]] = []
    items = [Node(i, "feed", t) for i, t in enumerate([2.0, 2.0, 3.25, 5.0])]

    def begin(_: Any) -> None:
        ListFeed(env, clock, items, lambda n, _: log.append((env.now, n.label)))

    clock.call_in(1.0, begin, None)
    for t in (2.5, 3.0, 4.0):
        clock.call_in(t, log.append, (t, "heap"))
    env.timeout(3.5).callbacks.append(lambda _: log.append((3.5, "simpy")))
    env.run()
    return log


def test_a_feed_started_inside_a_call_is_read_in_order() -> None:
    """A feed attached while the clock runs its calls: read in order from then on (it was
    read only at the clock's next wake, and SimPy's time went back to its due)."""
    expected = [
        (2.0, 0),
        (2.0, 1),
        (2.5, "heap"),
        (3.0, "heap"),
        (3.25, 2),
        (3.5, "simpy"),
        (4.0, "heap"),
        (5.0, 3),
    ]
    assert _feed_started_inside_a_call(SimPyClock) == expected
    assert _feed_started_inside_a_call(Clock) == expected


# --- clock.timeout for generators ----------------------------------------------------------


def _walker(
    env: simpy.Environment, clock: Clock, log: list[tuple[float, Any]]
) -> Generator[simpy.Event, Any, None]:
    value = yield clock.timeout(1.5, "a")
    log.append((env.now, value))
    value = yield clock.timeout(0.0, "b")  # delay 0
    log.append((env.now, value))
    fired = clock.timeout(0.0)
    yield env.timeout(1.0)
    value = yield fired  # processed already: goes on at once
    log.append((env.now, "processed", value))
    result = yield clock.timeout(2.0, "clock") | env.timeout(3.0, "simpy")
    log.append((env.now, sorted(result.values())))
    result = yield clock.timeout(5.0, "clock") | env.timeout(0.5, "simpy")
    log.append((env.now, sorted(result.values())))
    result = yield clock.timeout(1.0, "clock") & env.timeout(0.75, "simpy")
    log.append((env.now, sorted(result.values())))


@pytest.mark.parametrize("start", ["drive", "process"])
def test_clock_timeout_drives_generators_and_conditions(start: str) -> None:
    """A generator driven by drive() and a SimPy process wait on clock timeouts (values,
    delay 0, one processed already, AnyOf and AllOf with SimPy timeouts) as on SimPy's."""
    logs = []
    for clock_type in (Clock, SimPyClock):
        env = simpy.Environment()
        clock = clock_type(env)
        log: list[tuple[float, Any]] = []
        if start == "drive":
            drive(_walker(env, clock, log))
        else:
            env.process(_walker(env, clock, log))
        env.run()
        logs.append(log)
        assert env.now == 9.5  # the second AnyOf's clock timeout (4.5 + 5.0) still fires
    assert (
        logs[0]
        == logs[1]
        == [
            (1.5, "a"),
            (1.5, "b"),
            (2.5, "processed", None),
            (4.5, ["clock"]),
            (5.0, ["simpy"]),
            (6.0, ["clock", "simpy"]),
        ]
    )


@pytest.mark.parametrize("clock_type", [Clock, SimPyClock])
def test_a_clock_timeout_is_triggered_at_once_and_processed_when_due(
    clock_type: type[Clock],
) -> None:
    """As a SimPy Timeout: triggered (ok, its value set) when made, processed when due."""
    env = simpy.Environment()
    event = clock_type(env).timeout(2.0, "v")
    assert event.triggered and event.ok and event.value == "v" and not event.processed
    env.run(until=1.0)
    assert not event.processed
    env.run()
    assert event.processed and env.now == 2.0


def _interrupted(clock_type: type[Clock]) -> tuple[list[tuple[float, str]], float]:
    env = simpy.Environment()
    clock = clock_type(env)
    log: list[tuple[float, str]] = []

    def sleeper() -> Generator[simpy.Event, Any, None]:
        try:
            yield clock.timeout(5.0)
            log.append((env.now, "woke"))
        except simpy.Interrupt:
            log.append((env.now, "interrupted"))
            yield clock.timeout(1.0)
            log.append((env.now, "after"))

    process = env.process(sleeper())
    clock.call_in(2.0, lambda _: process.interrupt(), None)
    env.run()
    return log, env.now


def test_a_process_interrupted_while_waiting_on_a_clock_timeout() -> None:
    """Interrupted, the process no longer waits on the clock's timeout, which still fires."""
    expected = ([(2.0, "interrupted"), (3.0, "after")], 5.0)
    assert _interrupted(SimPyClock) == expected
    assert _interrupted(Clock) == expected


# --- the model: the same record, to the bit, as with one timeout each -----------------------


def _same_record(a: Any, b: Any, path: str = "record") -> None:
    """Every field of two records equal: arrays byte for byte (dtype, shape, bits)."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            _same_record(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), path
        assert (a.dtype, a.shape) == (b.dtype, b.shape), path
        assert a.tobytes() == b.tobytes(), path
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_record(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), path
    else:
        assert a == b, path


def _both(scenario: Any, seed: int, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    clocked = run_replication(scenario, seed, 0)
    with monkeypatch.context() as patched:
        patched.setattr(engine, "Clock", SimPyClock)
        reference = run_replication(scenario, seed, 0)
    return clocked, reference


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("baseline.yaml", ()),
        ("dps-closure-2028.yaml", ()),
        # the closure, the new beds and the change inside the run (day 61)
        ("dps-closure-2028.yaml", ("run.start_date=2027-11-01",)),
    ],
)
def test_the_record_is_the_one_with_a_timeout_each(
    name: str, overrides: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key equivalence: every table of the record, and the event count, as with one
    SimPy timeout per stay's end, arrival and wait (the model before the clock)."""
    scenario = load_scenario(
        MIDT_TROMS / name, overrides=("run.days=120", "run.warmup_days=20", *overrides)
    )
    followed = 0
    for seed in (1, 3, 5):
        clocked, reference = _both(scenario, seed, monkeypatch)
        assert len(clocked.episodes) > 1000 and len(clocked.stays) > 1000
        _same_record(clocked, reference)
        followed += clocked.waits_until > clocked.horizon
    assert followed  # the run went on past the horizon for some seed (the extension feed)


def test_the_event_count_is_simpys_plus_calls_minus_wakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the small scenario: the record's events are SimPy's events + the clock's calls -
    its wakes at the horizon, the same number as with one timeout each, and far fewer
    SimPy events are scheduled."""
    scenario = validate(minimal_scenario(), "minimal")
    seen: list[tuple[int, int, int, int]] = []
    at_horizon = Model._at_horizon

    def counted(self: Model) -> Any:
        taken = at_horizon(self)
        simpy_events = _eids(self.env) - 1  # _at_horizon took one id to read the counter
        seen.append((taken[3], simpy_events, self.clock.calls, self.clock.wakes))
        return taken

    monkeypatch.setattr(Model, "_at_horizon", counted)
    clocked, reference = _both(scenario, 7, monkeypatch)
    _same_record(clocked, reference)
    (events, simpy_events, calls, wakes), (ref_events, ref_simpy, ref_calls, ref_wakes) = seen
    assert events == simpy_events + calls - wakes == ref_events == ref_simpy == reference.events
    assert (ref_calls, ref_wakes) == (0, 0)
    assert calls > 100 and wakes * 10 < calls and simpy_events * 10 < ref_simpy


class _Held:
    """An argument that can be watched (weakref) for whether the clock still holds it."""

    __slots__ = ("__weakref__",)


def test_a_call_run_lets_go_of_its_argument_even_while_a_far_slot_is_loaded() -> None:
    """A call at day 1 000 has its slot loaded early (once nothing nearer is due); the calls
    a process asks for meanwhile are sorted into that slot and run. Each lets go of its
    argument when it runs, and the calls run are not kept: at day 500 only the argument
    pending is alive, and the slot under way holds no more than the trimmed head. (Before,
    every argument stayed in the slot until day 1 000.)"""
    import gc
    import weakref

    env = simpy.Environment()
    clock = Clock(env)
    refs: list[weakref.ref[_Held]] = []
    clock.call_in(1000.0, lambda _: None, None)

    def asks() -> Generator[simpy.Event, Any, None]:
        while True:
            held = _Held()
            refs.append(weakref.ref(held))
            clock.call_in(0.05, lambda _: None, held)
            del held
            yield env.timeout(0.1)

    env.process(asks())
    env.run(until=500.0)
    gc.collect()
    assert len(refs) > 4000
    assert sum(ref() is not None for ref in refs) <= 1  # the one pending, if any
    assert len(clock._current) <= 1024 + 2
