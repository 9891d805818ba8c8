"""What per-municipality and per-band pathways and steps without a bed leave behind.

Four flat tables, filled only for groups that use these keys (so a run that
uses none of them appends nothing and draws no more random numbers):

* :class:`Period`: one row per step without a bed (``service: none``);
* :class:`Discharge`: one row per discharge from a specialist-level bed to
  home or to a step without a bed, with the time of the episode's next
  specialist-level admission (a readmission), for groups with such a step;
* :class:`Banded`: the age band of each episode of a group with ``bands``;
* :class:`StepCost`: one row per start of a step that has ``costs``.

The age band is drawn at arrival from the municipality's population x the
group's rate by band at that time (:func:`band_rates`): the shares of the
arriving patients, not of the population.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.model.calendar import DAYS_PER_CALENDAR_YEAR
from simulator.model.demand import DemandStream
from simulator.model.distributions import BufferedSampler
from simulator.model.streams import stream
from simulator.scenario.pathways import band_ids, has_no_bed_step, pathway
from simulator.scenario.schema import Group, Scenario, StepCosts

__all__ = [
    "Banded",
    "Discharge",
    "PathwayRecord",
    "Period",
    "StepCost",
    "Variants",
    "band_rates",
    "draw_bands",
    "step_costs",
]

FloatArray = NDArray[np.float64]


class Period(IntEnum):
    """Columns of :attr:`PathwayRecord.periods`: one row per step without a bed."""

    EPISODE = 0
    GROUP = 1
    MUNICIPALITY = 2
    STEP = 3  # index of the step in the group's steps
    START = 4
    END = 5  # nan: still in the period at the horizon


class Discharge(IntEnum):
    """Columns of :attr:`PathwayRecord.discharges`."""

    EPISODE = 0
    GROUP = 1
    MUNICIPALITY = 2
    FACILITY = 3  # the specialist-level facility left
    TIME = 4
    READMITTED = 5  # the episode's next specialist-level admission; nan: none before the horizon


class Banded(IntEnum):
    """Columns of :attr:`PathwayRecord.bands`: the age band of an episode."""

    EPISODE = 0
    BAND = 1  # index into the group's bands


class StepCost(IntEnum):
    """Columns of :attr:`PathwayRecord.step_costs`: a step with costs was started."""

    KIND = 0  # 0: the row is a stay (the step had a bed), 1: a period
    ROW = 1  # the row in stays or periods
    PER_DAY = 2
    PER_START = 3
    PAYER = 4  # 0: municipality, 1: health trust
    MUNICIPALITY = 5


def _empty(columns: type[IntEnum]) -> FloatArray:
    return np.empty((0, len(columns)))


@dataclass(frozen=True)
class PathwayRecord:
    """The tables of :mod:`simulator.model.pathways` for one replication."""

    periods: FloatArray = field(default_factory=lambda: _empty(Period))
    discharges: FloatArray = field(default_factory=lambda: _empty(Discharge))
    bands: FloatArray = field(default_factory=lambda: _empty(Banded))
    step_costs: FloatArray = field(default_factory=lambda: _empty(StepCost))
    group_bands: tuple[tuple[str, ...] | None, ...] = ()


def band_rates(stream: DemandStream, t: FloatArray) -> FloatArray:
    """Expected arrivals per day of each age band at times ``t`` (season and weekday left
    out: they scale every band alike), shape (len(t), bands)."""
    t = np.asarray(t, dtype=float)
    years = stream.base_year + t / DAYS_PER_CALENDAR_YEAR
    if len(stream.pop_knots_years) == 0:
        per_band = np.broadcast_to(stream.pop_knots[0], (len(t), stream.pop_knots.shape[1]))
    else:
        per_band = np.stack(
            [
                np.interp(years, stream.pop_knots_years, stream.pop_knots[:, b])
                for b in range(stream.pop_knots.shape[1])
            ],
            axis=-1,
        )
    return np.asarray(per_band * stream.rates_per_day, dtype=float)


def draw_bands(stream: DemandStream, t: FloatArray, rng: np.random.Generator) -> FloatArray:
    """An age band index for each arrival at ``t``, in proportion to :func:`band_rates`."""
    u = rng.random(len(t))
    if len(t) == 0:
        return np.empty(0)
    weights = band_rates(stream, t)
    cumulative = np.cumsum(weights, axis=1)
    total = cumulative[:, -1:]
    total = np.where(total > 0, total, 1.0)
    chosen = (cumulative / total <= u[:, None]).sum(axis=1)
    return np.asarray(np.minimum(chosen, weights.shape[1] - 1), dtype=float)


def step_costs(costs: StepCosts | None) -> tuple[float, float, int] | None:
    """A step's own costs as (per day, per start, payer code), or None when it has none."""
    if costs is None or (costs.per_day == 0 and costs.per_start == 0):
        return None
    return costs.per_day, costs.per_start, 0 if costs.payer == "municipality" else 1


RouterFactory = Callable[[list[str], dict[str, float], np.random.Generator], Any]


class Variants:
    """Each group's compiled pathway by municipality and age band, and its entry table.

    ``paths[g][m][b]`` is a list of compiled steps: the group's own list where
    nothing is overridden, else a copy whose overridden ``los`` and ``next``
    draw from their own streams (the names of the municipality and band added
    to the step's), while everything else -- and every value not overridden --
    shares the group's generators, so the overrides do not move other numbers.
    """

    def __init__(self, model: Any, router: RouterFactory, first: Variants | None = None) -> None:
        """``first``: the variants of the first dated state, whose generators a later
        state's overridden values go on drawing from (no replayed numbers)."""
        scenario: Scenario = model.scenario
        seed, replication = model.seed, model.replication
        self.router = router
        # Overridden samplers and routers by stream names, shared by every dated state.
        self._made: dict[tuple[str, ...], Any] = {} if first is None else first._made
        self.bands = [band_ids(scenario, gid) for gid in model.gids]
        self.outcomes = [has_no_bed_step(g) for g in scenario.groups.values()]
        self.special = [
            bool(g.municipalities) or g.bands is not None for g in scenario.groups.values()
        ]
        self.specialist = [level == "specialist" for level in model.levels]
        self.paths: list[list[list[list[Any]]]] = []
        self.entries: list[list[list[tuple[FloatArray, NDArray[np.int64]]]]] = []
        for g, gid in enumerate(model.gids):
            group = scenario.groups[gid]
            base = model.steps[g]
            sids = list(group.steps)
            cache: dict[tuple[str | None, str | None], tuple[list[Any], Group]] = {
                (None, None): (base, group)
            }
            paths, entries = [], []
            for mid in model.mids:
                override = group.municipalities.get(mid)
                key_m = mid if override and (override.entry is not None or override.steps) else None
                row, entry_row = [], []
                for band in self.bands[g] or (None,):
                    given = (group.bands or {}).get(band) if band is not None else None
                    key_b = band if given and (given.entry is not None or given.steps) else None
                    key = (key_m, key_b)
                    if key not in cache:
                        merged = pathway(group, key_m, key_b)
                        names = (key_m or "", key_b or "")
                        steps = []
                        for compiled, (sid, own), (_, step) in zip(
                            base, group.steps.items(), merged.steps.items(), strict=True
                        ):
                            los, route = compiled.los, compiled.route
                            if step.los != own.los:
                                los = self._sampler(("los", gid, sid, *names), step.los, model)
                            if step.next != own.next:
                                route = self._router(
                                    ("routing", gid, sid, *names), sids, step.next, model
                                )
                            steps.append(
                                dataclasses.replace(
                                    compiled, los=los, route=route, costs=step_costs(step.costs)
                                )
                            )
                        cache[key] = (steps, merged)
                    steps, merged = cache[key]
                    row.append(steps)
                    probs = np.array(list(merged.entry.values()), dtype=float)
                    codes = np.array([sids.index(k) for k in merged.entry], dtype=np.int64)
                    entry_row.append((np.cumsum(probs / probs.sum()), codes))
                paths.append(row)
                entries.append(entry_row)
            self.paths.append(paths)
            self.entries.append(entries)
        self.age: list[np.random.Generator | None]
        self.extension_age: list[np.random.Generator | None]
        if first is not None:
            self.any_special = any(self.special)
            self.age, self.extension_age = first.age, first.extension_age
            return
        self.any_special = any(self.special)
        # Age generators only where a group carries bands (they cost a SeedSequence each).
        self.age = [
            stream(seed, replication, "age", s.municipality, s.group)
            if self.bands[model.gids.index(s.group)]
            else None
            for s in model.streams
        ]
        self.extension_age = [
            stream(seed, replication, "extension", "age", s.municipality, s.group)
            if self.bands[model.gids.index(s.group)]
            else None
            for s in model.streams
        ]

    def _sampler(self, names: tuple[str, ...], dist: Any, model: Any) -> Any:
        made = self._made.get(names)
        if made is None:
            made = BufferedSampler(stream(model.seed, model.replication, *names), dist)
            self._made[names] = made
        return made if made._dist == dist else BufferedSampler(made._rng, dist)

    def _router(
        self, names: tuple[str, ...], sids: list[str], nxt: dict[str, float], model: Any
    ) -> Any:
        made = self._made.get(names)
        rng = stream(model.seed, model.replication, *names)
        route = self.router(sids, nxt, rng)
        if made is None:
            self._made[names] = route
        else:
            route._uniform = made._uniform  # go on from the same generator and buffer
        return route

    def draw(
        self, s: DemandStream, m: int, g: int, t: FloatArray, u: FloatArray, age: Any
    ) -> tuple[NDArray[np.int64], FloatArray]:
        """Entry step codes and band indices of arrivals at ``t`` (``u``: their entry uniforms)."""
        bands = draw_bands(s, t, age) if self.bands[g] else np.zeros(len(t), dtype=float)
        codes = np.zeros(len(t), dtype=np.int64)
        for b, (cumulative, entry_codes) in enumerate(self.entries[g][m]):
            mine = bands == b
            chosen = np.minimum(
                np.searchsorted(cumulative, u[mine], side="right"), len(cumulative) - 1
            )
            codes[mine] = entry_codes[chosen]
        return codes, bands

    def record(
        self,
        periods: FloatArray,
        discharges: FloatArray,
        banded: FloatArray,
        step_costs: FloatArray,
    ) -> PathwayRecord:
        """The tables (arrays, columns as :class:`Period`, ...) in a record."""
        return PathwayRecord(
            periods=_table(periods, Period),
            discharges=_table(discharges, Discharge),
            bands=_table(banded, Banded),
            step_costs=_table(step_costs, StepCost),
            group_bands=tuple(self.bands),
        )


def _table(rows: Any, columns: type[IntEnum]) -> FloatArray:
    if len(rows) == 0:
        return _empty(columns)
    return np.asarray(rows, dtype=float).reshape(-1, len(columns))
