"""Prices over time: the price index by year, prices that change on a date, cost-sharing
keys and payments between payers per episode.

:mod:`simulator.measures.costs` prices what happened with one
:class:`Prices`. For a scenario without any of these (no index, no
blocked-day rate by year, no changes, every facility shared by use, no
payments) :attr:`Prices.plain` is true and the costs are computed exactly as
before, so their results do not change by a bit.

Otherwise the collection period is cut into *segments*: runs of whole days
in one calendar year and one dated state (:mod:`simulator.scenario.changes`;
dates start at midnight, so segments are whole days). In a segment every
price is the state's price times the year's index:

* index of year ``y``: ``(1 + index_per_year) ** (y - price_year)``, or the
  ``price_index`` table (years before its first take the first value, a year
  missing later takes the year before it);
* fixed cost: ``per_bed_year x index`` for each open bed-day, a day being 1/365
  (1/366 in a leap year) of a bed-year;
* bed-days, admissions and trips at the price in force (times the index) on
  the day they happen (an admission, a trip) or day by day (bed-days);
* the blocked-day rate of year ``y``: ``blocked_day_rate_by_year[y]`` where
  given (as paid that year, not indexed), else ``blocked_day_rate x index``.

Cost-sharing keys (``facilities.<id>.costs.sharing``) split a facility's cost
between municipalities in ``municipality.<m>.cost``: ``use`` as before
(variable costs to the patients' municipalities, the fixed cost by bed-days),
``population`` all of it by the population of its catchment (day by day,
the inhabitants and the catchment in force that day: growth, projection and
``changes`` count from their date), or fixed shares. Payments per episode
(``costs.payments``) go from one payer to the other; like blocked-day payments
they show for both payers and never in ``cost.total`` (decision 15).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.measures.paths import FacilityPath, clipped_durations
from simulator.measures.population import catchment_days
from simulator.measures.windows import Window
from simulator.model.calendar import Calendar, year_lengths
from simulator.model.records import Block, ReplicationRecord, Stay
from simulator.scenario.changes import dated_states
from simulator.scenario.schema import Costs, Scenario

__all__ = ["Prices", "index_of_year", "is_plain"]

FloatArray = NDArray[np.float64]


def index_of_year(costs: Costs, year: int, price_year: int) -> float:
    """The price index of a calendar year (1 in ``price_year`` without a table)."""
    if costs.price_index:
        listed = sorted(costs.price_index)
        before = [y for y in listed if y <= year]
        return float(costs.price_index[before[-1] if before else listed[0]])
    return float((1.0 + costs.index_per_year) ** (year - price_year))


def _changes_costs(scenario: Scenario) -> bool:
    """Whether a change on a date gives any price another value."""
    if not scenario.changes:
        return False
    states = dated_states(scenario)
    base = states[0].scenario
    return any(
        state.scenario.costs != base.costs
        or any(
            f.costs != base.facilities[fid].costs for fid, f in state.scenario.facilities.items()
        )
        for state in states[1:]
    )


def is_plain(scenario: Scenario) -> bool:
    """True when prices are constant: costs are then computed as they always were."""
    c = scenario.costs
    return (
        c.index_per_year == 0
        and not c.price_index
        and not c.blocked_day_rate_by_year
        and not c.payments
        and not _changes_costs(scenario)
        and all(f.costs.sharing == "use" for f in scenario.facilities.values())
    )


class Prices:
    """The prices of one window ``[start, end)`` of a replication (whole days from ``first``)."""

    def __init__(
        self,
        record: ReplicationRecord,
        scenario: Scenario,
        start: float,
        end: float,
        first: dt.date,
    ) -> None:
        self.scenario = scenario
        self.plain = is_plain(scenario)
        if self.plain:
            return
        self.record = record
        self.start, self.end, self.first = start, end, first
        calendar = Calendar.of(scenario)
        states = dated_states(scenario)
        self.states = [s.scenario for s in states]
        times = [-np.inf if s.date is None else calendar.time_of(s.date) for s in states]
        price_year = scenario.costs.price_year or scenario.run.start_date.year
        n_days = max(1, int(np.ceil(end - start - 1e-9)))
        dates = np.datetime64(first, "D") + np.arange(n_days)
        years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        self.day_year = years
        self.year_length = year_lengths(first, n_days).astype(float)
        day_times = start + np.arange(n_days, dtype=float)
        self.day_state = np.searchsorted(np.array(times), day_times, side="right") - 1
        self.day_index = np.array(
            [index_of_year(scenario.costs, int(y), price_year) for y in years], dtype=float
        )
        # Segments: runs of days with one (year, state).
        key = years * 100_000 + self.day_state
        cuts = np.flatnonzero(np.diff(key)) + 1
        bounds = [0, *cuts.tolist(), n_days]
        self.segments = [
            (
                start + a,
                min(start + b, end),
                int(years[a]),
                int(self.day_state[a]),
                float(self.day_index[a]),
            )
            for a, b in zip(bounds, bounds[1:], strict=False)
        ]
        self.fids = list(scenario.facilities)

    # --- helpers -------------------------------------------------------------------

    def _segment_of(self, t: FloatArray) -> NDArray[np.int64]:
        firsts = np.array([s[0] for s in self.segments])
        found: NDArray[np.int64] = np.clip(
            np.searchsorted(firsts, t, side="right") - 1, 0, len(self.segments) - 1
        )
        return found

    def _price(self, state: int, code: int, name: str) -> float:
        costs = self.states[state].facilities[self.fids[code]].costs
        return float(getattr(costs, name))

    # --- facility costs --------------------------------------------------------------

    def _daily_fixed(self, code: int, path: FacilityPath) -> FloatArray:
        per = np.array([self._price(int(k), code, "per_bed_year") for k in self.day_state])
        days = path.daily_capacity_days[: len(per)]
        daily: FloatArray = (per * self.day_index * days / self.year_length)[: len(days)]
        return daily

    def _daily_bed_days(self, code: int, path: FacilityPath) -> FloatArray:
        n = len(path.daily_occupied)
        length = np.minimum(1.0, self.end - self.start - np.arange(n, dtype=float))
        occupied = np.nan_to_num(path.daily_occupied) * np.maximum(length, 0.0)
        per = np.array([self._price(int(k), code, "per_bed_day") for k in self.day_state[:n]])
        daily: FloatArray = per * self.day_index[:n] * occupied
        return daily

    def fixed(self, code: int, path: FacilityPath) -> float:
        """``per_bed_year`` x index over the open bed-days, each 1/365 or 1/366 of a bed-year."""
        return float(self._daily_fixed(code, path).sum())

    def bed_days(self, code: int, path: FacilityPath) -> float:
        """``per_bed_day`` x index over the occupied bed-days, day by day."""
        return float(self._daily_bed_days(code, path).sum())

    def _daily_cost(self, code: int, path: FacilityPath) -> FloatArray:
        """A facility's cost on each day of the window: fixed, bed-days and admissions."""
        n = len(self.day_state)
        daily = np.zeros(n)
        fixed, bed_days = self._daily_fixed(code, path), self._daily_bed_days(code, path)
        daily[: len(fixed)] += fixed
        daily[: len(bed_days)] += bed_days
        stays = self.record.stays
        admitted = stays[:, Stay.ADMITTED]
        mine = (stays[:, Stay.FACILITY] == code) & (admitted >= self.start) & (admitted < self.end)
        day = np.minimum((admitted[mine] - self.start).astype(np.int64), n - 1)
        per = np.array([self._price(int(k), code, "per_admission") for k in self.day_state])
        daily += np.bincount(day, minlength=n)[:n] * per * self.day_index
        return daily

    def stay_prices(self, stay_days: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Per stay row: ``per_bed_day`` x index x its days (weighted as ``stay_days``), and
        ``per_admission`` x index at its admission."""
        stays = self.record.stays
        codes = stays[:, Stay.FACILITY].astype(np.int64)
        priced = np.zeros(len(stays))
        inside = np.zeros(len(stays))
        for a, b, _, state, index in self.segments:
            days = clipped_durations(stays[:, Stay.ADMITTED], stays[:, Stay.LEFT], a, b)
            per = np.array([self._price(state, c, "per_bed_day") for c in range(len(self.fids))])
            priced += days * per[codes] * index
            inside += days
        ratio = np.divide(priced, inside, out=np.zeros_like(priced), where=inside > 0)
        segment = self._segment_of(stays[:, Stay.ADMITTED])
        admission = np.zeros(len(stays))
        for s, (_, _, _, state, index) in enumerate(self.segments):
            here = segment == s
            per = np.array([self._price(state, c, "per_admission") for c in range(len(self.fids))])
            admission[here] = per[codes[here]] * index
        return stay_days * ratio, admission

    def trips(self) -> FloatArray:
        """Per stay row: the trip's cost at the prices and index of its admission."""
        stays = self.record.stays
        segment = self._segment_of(stays[:, Stay.ADMITTED])
        cost = np.zeros(len(stays))
        for s, (_, _, _, state, index) in enumerate(self.segments):
            here = segment == s
            transport = self.states[state].costs.transport
            minutes = stays[here, Stay.TRAVEL_MINUTES]
            cost[here] = (transport.per_trip + transport.per_minute * minutes) * index
        return cost

    def blocked(self, counted: NDArray[np.bool_]) -> FloatArray:
        """Per block row: the blocked-day payments (rows not ``counted`` pay nothing)."""
        blocks = self.record.blocks
        paid = np.zeros(len(blocks))
        for a, b, year, state, index in self.segments:
            costs = self.states[state].costs
            rate = costs.blocked_day_rate_by_year.get(year)
            if rate is None:
                rate = costs.blocked_day_rate * index
            days = clipped_durations(blocks[:, Block.START], blocks[:, Block.END], a, b)
            paid += rate * days * counted
        return paid

    # --- sharing and payments -----------------------------------------------------------

    def share(self, code: int, caused: FloatArray, total: float, path: FacilityPath) -> FloatArray:
        """A facility's cost by municipality under its cost-sharing key.

        ``population``: each day's cost by the inhabitants in force that day of
        the catchment in force that day (:func:`~simulator.measures.population.catchment_days`),
        so a population that grows or changes on a date carries more from then on,
        and the years of a period add up to it.
        """
        facility = self.scenario.facilities[self.fids[code]]
        key = facility.costs.sharing
        mids = self.record.municipalities
        if key == "use":
            return caused
        if key == "population":
            weights = self._population_weights(code, path)
        else:
            weights = np.array([float(key.get(m, 0.0)) for m in mids])
        if weights.sum() <= 0:
            return caused
        shares = weights / weights.sum()
        return np.asarray(total * shares, dtype=float)

    def _population_weights(self, code: int, path: FacilityPath) -> FloatArray:
        """Each municipality's part of the facility's cost: its day-by-day population share
        of the catchment weighted by the facility's cost that day (by population-days over
        the window when the facility cost nothing)."""
        window = Window(self.start, self.end, self.first, None, 0.0)
        table = catchment_days(self.scenario, window, self.fids[code])
        columns = [list(self.scenario.municipalities).index(m) for m in self.record.municipalities]
        table = table[:, columns]
        daily = self._daily_cost(code, path)[: len(table)]
        people = table.sum(axis=1)
        counted = (people > 0) & (daily != 0)
        if not counted.any():
            weights: FloatArray = table.mean(axis=0)
            return weights
        weights = (table[counted] / people[counted, None] * daily[counted, None]).sum(axis=0)
        return weights

    def payments(self) -> tuple[FloatArray, FloatArray]:
        """Payments per episode, by municipality: (paid by the health trust, paid by the
        municipalities), each >= 0."""
        mids = self.record.municipalities
        by_trust, by_municipality = np.zeros(len(mids)), np.zeros(len(mids))
        if not self.scenario.costs.payments:
            return by_trust, by_municipality
        stays = self.record.stays
        gids = self.record.groups
        levels = np.array([f.level for f in self.scenario.facilities.values()])
        for g, gid in enumerate(gids):
            rule = self.scenario.costs.payments.get(gid)
            if rule is None:
                continue
            rows = stays[
                (stays[:, Stay.GROUP] == g)
                & (levels[stays[:, Stay.FACILITY].astype(np.int64)] == rule.level)
            ]
            if not len(rows):
                continue
            # The first admission at the level of each episode (rows are in admission order).
            _, first = np.unique(rows[:, Stay.EPISODE], return_index=True)
            rows = rows[first]
            admitted = rows[:, Stay.ADMITTED]
            rows = rows[(admitted >= self.start) & (admitted < self.end)]
            segment = self._segment_of(rows[:, Stay.ADMITTED])
            amount = np.zeros(len(rows))
            for s, (_, _, _, state, index) in enumerate(self.segments):
                here_rule = self.states[state].costs.payments.get(gid)
                per = here_rule.per_episode if here_rule is not None else 0.0
                amount[segment == s] = per * index
            by_m = np.bincount(
                rows[:, Stay.MUNICIPALITY].astype(np.int64), weights=amount, minlength=len(mids)
            )
            if rule.paid_by == "health_trust":
                by_trust += by_m
            else:
                by_municipality += by_m
        return by_trust, by_municipality


def add_payments(kpis: dict[str, float], prices: Prices, mids: Sequence[str]) -> None:
    """Add the payments per episode to ``kpis``: once for each payer, never in cost.total."""
    by_trust, by_municipality = prices.payments()
    net = by_trust - by_municipality  # received by each municipality
    total = float(by_trust.sum() + by_municipality.sum())
    kpis["cost.episode_payments"] = total
    kpis["cost.payer.municipality"] -= float(net.sum())
    kpis["cost.payer.health_trust"] += float(net.sum())
    for code, mid in enumerate(mids):
        kpis[f"municipality.{mid}.episode_payments"] = float(net[code])
        paid = f"cost.municipality.{mid}.paid"
        if paid in kpis:
            kpis[paid] -= float(net[code])
