"""The SimPy model of a scenario, built and run for one replication.

:class:`Model` puts together the parts of one replication, each in its own
module: the compiled pathways (:mod:`~simulator.model.build`), the arrivals
(:mod:`~simulator.model.arrivals`), finding a bed
(:mod:`~simulator.model.placement`), the episode itself -- read
:mod:`simulator.model.episode` for the clinical pathway -- and the record's
tables (:mod:`~simulator.model.tables`). Here: building the bed pools,
starting the background load, schedules and dated changes, running to the
horizon and turning the tables into a
:class:`~simulator.model.records.ReplicationRecord`.

The record is the state at the horizon. When patients who started waiting
in the collection period are still queued then, the run goes on -- with new
arrivals drawn from their own ``extension`` streams, so nothing before the
horizon changes -- only until they have all been admitted, or for
:func:`~simulator.model.calendar.wait_extension` days at most: their waits
are then known instead of dropped, which biased mean waits low under
overload. Nothing else that happens after the horizon is recorded.

The model knows nothing of files, plots or the command line: it takes a
validated :class:`~simulator.scenario.schema.Scenario` and returns a
:class:`~simulator.model.records.ReplicationRecord`.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulator.model.arrivals import Sampling
from simulator.model.background import OutsidePatients
from simulator.model.beds import BedPool
from simulator.model.build import Building
from simulator.model.calendar import Calendar
from simulator.model.capacity import CapacityRecord, Limit
from simulator.model.clock import Clock
from simulator.model.closing import Closing, uses_transfer
from simulator.model.demand import demand_streams
from simulator.model.episode import Episodes
from simulator.model.epochs import Epochs
from simulator.model.pathways import Banded, Discharge, Period, StepCost, Variants
from simulator.model.records import (
    Block,
    Diversion,
    Episode,
    Occupancy,
    Outcome,
    ReplicationRecord,
    Stay,
    Waiting,
    as_table,
)
from simulator.model.routing import router
from simulator.model.tables import Table, as_array
from simulator.scenario.schema import Scenario

__all__ = ["Model", "run_replication"]

_W_REQUESTED = int(Waiting.REQUESTED)

_TABLES = (
    "episodes",
    "stays",
    "diversions",
    "blocks",
    "periods",
    "discharges",
    "banded",
    "step_costs",
)
"""The model's :class:`~simulator.model.tables.Table` attributes."""

_CLOSED_AFTER = (
    ("episodes", int(Episode.END)),
    ("stays", int(Stay.LEFT)),
    ("blocks", int(Block.END)),
    ("periods", int(Period.END)),
    ("discharges", int(Discharge.READMITTED)),
)
"""The columns written into a row after it was appended: a time, over a nan."""


class Model(Building, Sampling, Episodes):
    """One replication of a scenario: pools, compiled pathways, and records."""

    def __init__(self, scenario: Scenario, seed: int, replication: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.clock = Clock(self.env)  # stays' ends and arrivals (simulator.model.clock)
        self.calendar = Calendar.of(scenario)
        self.fids = tuple(scenario.facilities)
        self.gids = tuple(scenario.groups)
        self.mids = tuple(scenario.municipalities)
        self.levels = [f.level for f in scenario.facilities.values()]
        self.pools = [BedPool(self.env, self._beds_at_start(fid)) for fid in self.fids]
        self._candidate_cache: dict[tuple[str | None, str], list[int]] = {}
        self._services: tuple[Scenario | None, dict[str | None, list[tuple[int, str]]]] = (None, {})
        self._serves = [
            None if f.serves is None else frozenset(f.serves) for f in scenario.facilities.values()
        ]
        self.steps = [self._compile_group(gid) for gid in self.gids]
        self.priorities = [g.priority for g in scenario.groups.values()]
        # The record's tables, row by row (simulator.model.tables), arrays at the end.
        self.episodes = Table(len(Episode))
        self.stays = Table(len(Stay))
        self.diversions = Table(len(Diversion))
        self.blocks = Table(len(Block))
        self.periods = Table(len(Period))
        self.discharges = Table(len(Discharge))
        self.banded = Table(len(Banded))
        self.step_costs = Table(len(StepCost))
        # Patients queued for a bed now, by episode: their Waiting row.
        self.queued: dict[int, list[float]] = {}
        # After the horizon: the rows of patients queued at the horizon, until admitted.
        self.followed: dict[int, list[float]] = {}
        self._pending = 0  # of them, those who started waiting in the collection period
        self._all_admitted: simpy.Event | None = None
        self.streams = demand_streams(scenario, self.calendar)
        # Background load and patients in beds at the start; limits reached.
        self.outside: list[OutsidePatients] = []
        self.limits: list[tuple[float, ...]] = []
        self._outside_waiting: list[list[float]] = []
        self._switched: int | None = None  # set by _find_bed when max_wait was reached
        # Pathways per municipality and age band (simulator.model.pathways); without
        # overrides every entry is the group's own compiled steps.
        self.variants = Variants(self, router)
        # Changes on a date: each dated state compiled once (simulator.model.epochs).
        self.epochs = Epochs(self, scenario) if scenario.changes else None
        # Beds that close with patients in them: transfer where asked (simulator.model.closing).
        self.closing = Closing(self) if uses_transfer(self) else None

    def _beds_at_start(self, fid: str) -> int:
        facility = self.scenario.facilities[fid]
        beds = facility.beds
        for entry in facility.schedule:
            if self.calendar.time_of(entry.date) <= 0:
                beds = entry.beds
        return beds

    def _outside_patients(self) -> list[OutsidePatients]:
        """Start the background load and put the patients in beds at the start in place."""
        outside = []
        epochs = getattr(self, "epochs", None)  # changes on a date (model/epochs.py)
        for code, (fid, facility) in enumerate(self.scenario.facilities.items()):
            states = None
            if epochs is not None:  # the facility in each dated state, from its start
                states = [
                    (t, state.facilities.get(fid))
                    for t, state in zip(epochs.starts, epochs.states, strict=True)
                ]
                facility = states[0][1] or facility
            given = [facility, *(f for _, f in states or [] if f is not None)]
            if all(f.background is None and f.initial_occupancy is None for f in given):
                continue
            patients = OutsidePatients(
                self.env,
                self.clock,
                self.pools[code],
                code,
                fid,
                facility,
                self.seed,
                self.replication,
                self.calendar,
                states,
            )
            patients.start()
            outside.append(patients)
        return outside

    def _capacity_record(self) -> CapacityRecord:
        """Outside patients' tables and limits reached, up to the horizon (copies)."""
        if not self.outside and not self.limits:
            return CapacityRecord()
        return CapacityRecord(
            outside=as_table([row for o in self.outside for row in o.rows], 7),
            outside_diversions=as_table(
                [row for o in self.outside for row in o.diversions], len(Diversion)
            ),
            limits=as_table(self.limits, len(Limit)),
        )

    def _deadline(self, end: float) -> Generator[simpy.Event, Any, None]:
        """Stop following waits at ``end``."""
        yield self.env.timeout(end - self.env.now)
        assert self._all_admitted is not None
        if not self._all_admitted.triggered:
            self._all_admitted.succeed()

    def schedule(self, code: int) -> Generator[simpy.Event, Any, None]:
        """Open and close beds of one facility on the scheduled dates."""
        pool = self.pools[code]
        for entry in self.scenario.facilities[self.fids[code]].schedule:
            t = self.calendar.time_of(entry.date)
            if t <= 0:
                continue
            yield self.env.timeout(t - self.env.now)
            pool.set_capacity(entry.beds)
            if self.closing is not None:
                self.closing.cut(code, entry.on_close)

    def follow_waits(self) -> tuple[list[list[float]], float]:
        """Run on past the horizon until the patients queued there who started waiting in
        the collection period are admitted (at most :attr:`Calendar.extension` days).

        Returns the Waiting rows of everyone queued at the horizon, and the time
        the run stopped.
        """
        env = self.env
        rows = [list(row) for row in self.queued.values()]
        self._outside_waiting = [row for o in self.outside for row in o.follow()]
        self.followed = {int(row[0]): row for row in rows}
        self._pending = sum(row[_W_REQUESTED] >= self.calendar.warmup_days for row in rows)
        if self._pending == 0:
            return rows, self.calendar.horizon
        end = self.calendar.horizon + self.calendar.extension
        if self.epochs is not None:
            self.epochs.enter(self, self.calendar.horizon)
        self._all_admitted = env.event()
        env.process(self.extension_source(end))
        env.process(self._deadline(end))
        env.run(until=self._all_admitted)
        return rows, float(env.now)

    def run(self) -> ReplicationRecord:
        """Run to the horizon and return what happened (waits followed past it)."""
        self.env.process(self.source())
        self.outside = self._outside_patients()
        if self.epochs is not None:  # beds by state and schedule dates
            self.epochs.start(self)
        for code in range(len(self.fids) if self.epochs is None else 0):
            if self.scenario.facilities[self.fids[code]].schedule:
                self.env.process(self.schedule(code))
        horizon = self.calendar.horizon
        # The run builds millions of small, long-lived rows and frees almost nothing;
        # the cyclic garbage collector would rescan them over and over (measured: half
        # the run time at national scale). Reference counting still frees as usual.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=horizon)
            at_horizon = self._at_horizon()
            waiting, waits_until = self.follow_waits()
        finally:
            if collecting:
                gc.enable()
        return dataclasses.replace(
            self._record(*at_horizon),
            waiting=as_table(waiting, len(Waiting)),
            waits_until=waits_until,
        )

    def _at_horizon(self) -> tuple[dict[str, int], list[int], CapacityRecord, int, Variants]:
        """What the record takes at the horizon: each table's rows (the run may go on
        appending), the outside patients' tables and limits (copies), the events."""
        rows = {name: len(getattr(self, name)) for name in _TABLES}
        logs = [len(p.log) for p in self.pools]
        clock = self.clock  # the model's events: SimPy's but the wakes, and the clock's calls
        events = _events_scheduled(self.env) - clock.wakes + clock.calls
        return rows, logs, self._capacity_record(), events, self.variants

    def _record(
        self,
        rows: dict[str, int],
        logs: list[int],
        capacity: CapacityRecord,
        events: int,
        variants: Variants,
    ) -> ReplicationRecord:
        """The record: the state at the horizon.

        The tables are viewed, not copied: rows appended after the horizon are
        left out, and the times written after it into rows that were open then
        (stays left, episodes ended, blocks and periods ended, readmissions) --
        all at or after the horizon, all over a nan -- are set back to nan (an
        episode's outcome back to open).
        """
        horizon = self.calendar.horizon
        table = {name: getattr(self, name).array(rows=rows[name]) for name in _TABLES}
        for name, column in _CLOSED_AFTER:
            view = table[name]
            after = view[:, column] >= horizon
            if after.any():
                view[after, column] = np.nan
                if name == "episodes":
                    view[after, Episode.OUTCOME] = Outcome.OPEN
        return ReplicationRecord(
            replication=self.replication,
            seed=self.seed,
            horizon=horizon,
            warmup=self.calendar.warmup_days,
            facilities=self.fids,
            groups=self.gids,
            municipalities=self.mids,
            episodes=table["episodes"],
            stays=table["stays"],
            diversions=table["diversions"],
            blocks=table["blocks"],
            occupancy=tuple(
                as_array(p.log, len(Occupancy), rows=n // len(Occupancy))
                for p, n in zip(self.pools, logs, strict=True)
            ),
            events=events,
            capacity=dataclasses.replace(
                capacity, outside_waiting=as_table(self._outside_waiting, len(Waiting))
            ),
            pathways=variants.record(
                table["periods"], table["discharges"], table["banded"], table["step_costs"]
            ),
        )


def _events_scheduled(env: simpy.Environment) -> int:
    """Events SimPy scheduled in the run (from its internal event id counter)."""
    counter = getattr(env, "_eid", None)
    return int(next(counter)) if counter is not None else 0


def run_replication(scenario: Scenario, seed: int, replication: int) -> ReplicationRecord:
    """Build the model for one replication, run it, and return its record."""
    return Model(scenario, seed, replication).run()
