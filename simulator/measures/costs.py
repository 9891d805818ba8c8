"""Costs of one replication, by facility, payer and municipality.

Computed from what happened in the collection period:

* each facility: ``per_bed_year`` x open bed-years (prorated by its
  schedule, a day's open beds counting 1/365 or, in a leap year, 1/366 of a
  bed-year), ``per_bed_day`` x occupied bed-days (blocked and corridor days
  included), ``per_admission`` x admissions; paid by the facility's payer;
* transport: ``per_trip + per_minute x travel minutes`` for every admission,
  paid by the transport payer;
* the blocked-day rate (utskrivningsklar) for every day a patient waits in a
  specialist-level bed for a municipal-level one: paid by the patient's
  municipality to the health trust. It is shown for both payers (+ for the
  municipality, - for the health trust) and left out of ``cost.total``.

``cost.gross.*`` are each payer's own costs before the blocked-day payments
(always >= 0, where ``cost.payer.health_trust`` can be near zero or negative).

``cost.payer.*`` add up to ``cost.total``, and so do ``cost.gross.*``,
``cost.facility.*`` plus ``cost.transport``, and ``municipality.*.cost``: a municipality
carries the variable costs and transport of its own patients and a share of
each facility's fixed cost in proportion to its patients' bed-days there (by
its catchment's population-days over the period, the population in force each
day, when the facility had no patients).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.measures.money import Prices, add_payments
from simulator.measures.paths import FacilityPath, clipped_durations
from simulator.measures.population import catchment_means
from simulator.measures.windows import Window, period_window
from simulator.model.calendar import year_lengths
from simulator.model.records import Block, ReplicationRecord, Stay
from simulator.scenario.schema import Scenario

__all__ = ["cost_kpis", "fixed_cost_shares"]

FloatArray = NDArray[np.float64]


def _fixed_cost(per_bed_year: float, path: FacilityPath, in_leap_year: NDArray[np.bool_]) -> float:
    """``per_bed_year`` x open bed-years: a day's open beds are 1/365 of a bed-year each, or
    1/366 in a leap year, so a bed open for a whole calendar year costs ``per_bed_year``."""
    if not in_leap_year.any():
        return per_bed_year * path.capacity_days / 365.0
    leap = float(path.daily_capacity_days[in_leap_year].sum())
    common = float(path.daily_capacity_days[~in_leap_year].sum())
    return per_bed_year * (common / 365.0 + leap / 366.0)


def _days_table(record: ReplicationRecord, stay_days: FloatArray) -> FloatArray:
    """Bed-days of each (facility, municipality) pair, in one pass over the stays."""
    stays = record.stays
    n_f, n_m = len(record.facilities), len(record.municipalities)
    cell = stays[:, Stay.FACILITY].astype(np.int64) * n_m + stays[:, Stay.MUNICIPALITY].astype(
        np.int64
    )
    table = np.bincount(cell, weights=stay_days, minlength=n_f * n_m).reshape(n_f, n_m)
    return table.astype(float)


def fixed_cost_shares(
    record: ReplicationRecord, scenario: Scenario, stay_days: FloatArray
) -> FloatArray:
    """Each municipality's share of each facility's fixed cost, shape (facilities, municipalities).

    In proportion to its residents' bed-days there (``stay_days`` per stay
    row); when nobody used the facility, by its catchment's population-days over
    the collection period: each day the inhabitants, and the municipalities
    served, of the state in force that day (growth, projection, ``changes``).
    """
    mids = record.municipalities
    n_m = len(mids)
    days_table = _days_table(record, stay_days)
    shares = np.zeros_like(days_table)
    unused: dict[str, int] = {}  # facility -> its row
    for code, fid in enumerate(scenario.facilities):
        days_by_m = days_table[code]
        if days_by_m.sum() > 0:
            shares[code] = days_by_m / days_by_m.sum()
        else:
            unused[fid] = code
    # Population-days of the catchment in force each day of the period.
    people = catchment_means(scenario, period_window(scenario), list(unused))
    columns = [list(scenario.municipalities).index(m) for m in mids]
    for fid, code in unused.items():
        pop = people[fid][columns]
        shares[code] = pop / pop.sum() if pop.sum() > 0 else np.full(n_m, 1.0 / n_m)
    return shares


def cost_kpis(
    record: ReplicationRecord,
    scenario: Scenario,
    paths: Sequence[FacilityPath],
    stay_days: FloatArray,
    admitted_in: NDArray[np.bool_],
    *,
    window: Window | None = None,
    shares: FloatArray | None = None,
) -> dict[str, float]:
    """The cost KPIs; ``stay_days`` and ``admitted_in`` are per stay row.

    ``window``: the part of the collection period measured (default: all of
    it). ``shares``: each municipality's share of each facility's fixed cost
    (:func:`fixed_cost_shares`); by default from ``stay_days``. A year of the
    period is given the period's shares, so that its municipalities' costs
    add up over the years to the period's.
    """
    stays = record.stays
    start = record.warmup if window is None else window.start
    end = record.horizon if window is None else window.end
    first_date = scenario.run.start_date if window is None else window.first_date
    mids = record.municipalities
    n_m = len(mids)
    facility_code = stays[:, Stay.FACILITY].astype(np.int64)
    municipality_code = stays[:, Stay.MUNICIPALITY].astype(np.int64)
    by_municipality = np.zeros(n_m)
    # The municipalities' own bill: their shares of facilities and transport they pay for.
    paid_by_m = np.zeros(n_m)
    payer_total = {"municipality": 0.0, "health_trust": 0.0}
    kpis: dict[str, float] = {}

    n_f = len(scenario.facilities)
    # Days of the period in leap years: their open bed-days are 1/366 of a bed-year each.
    period_days = len(paths[0].daily_capacity_days) if paths else 0
    in_leap_year = year_lengths(first_date, period_days) == 366
    # (facility, municipality) tables in one pass over the stays.
    cell = facility_code * n_m + municipality_code
    days_table = _days_table(record, stay_days)
    adm_table = np.bincount(cell[admitted_in], minlength=n_f * n_m).reshape(n_f, n_m)
    if shares is None:
        shares = fixed_cost_shares(record, scenario, stay_days)
    # Prices by year and date, sharing keys, payments (simulator.measures.money).
    prices = Prices(record, scenario, start, end, first_date)
    if not prices.plain:
        priced_days, admission_price = prices.stay_prices(stay_days)
        priced_days_table = np.bincount(cell, weights=priced_days, minlength=n_f * n_m).reshape(
            n_f, n_m
        )
        adm_cost_table = np.bincount(
            cell[admitted_in], weights=admission_price[admitted_in], minlength=n_f * n_m
        ).reshape(n_f, n_m)
    for code, (fid, facility) in enumerate(scenario.facilities.items()):
        c = facility.costs
        path = paths[code]
        days_by_m = days_table[code]
        adm_by_m = adm_table[code]
        fixed = _fixed_cost(c.per_bed_year, path, in_leap_year)
        total = fixed + c.per_bed_day * path.bed_days + c.per_admission * adm_by_m.sum()
        if not prices.plain:
            fixed = prices.fixed(code, path)
            total = fixed + prices.bed_days(code, path) + float(adm_cost_table[code].sum())
        caused = fixed * shares[code] + c.per_bed_day * days_by_m + c.per_admission * adm_by_m
        if not prices.plain:
            own = fixed * shares[code] + priced_days_table[code] + adm_cost_table[code]
            caused = prices.share(code, own, total, path)
        by_municipality += caused
        if c.payer == "municipality":
            paid_by_m += caused
        payer_total[c.payer] += total
        kpis[f"cost.facility.{fid}"] = total

    transport = scenario.costs.transport
    trip_cost = transport.per_trip + transport.per_minute * stays[:, Stay.TRAVEL_MINUTES]
    if not prices.plain:
        trip_cost = prices.trips()
    transport_by_m = np.bincount(
        municipality_code[admitted_in], weights=trip_cost[admitted_in], minlength=n_m
    )
    by_municipality += transport_by_m
    if transport.payer == "municipality":
        paid_by_m += transport_by_m
    payer_total[transport.payer] += float(transport_by_m.sum())
    kpis["cost.transport"] = float(transport_by_m.sum())

    blocks = record.blocks
    levels = [f.level for f in scenario.facilities.values()]
    if len(blocks):
        held = np.array([levels[int(i)] == "specialist" for i in blocks[:, Block.FACILITY]])
        awaited = np.array([levels[int(i)] == "municipal" for i in blocks[:, Block.AWAITED]])
        waited = clipped_durations(blocks[:, Block.START], blocks[:, Block.END], start, end)
        days = waited * (held & awaited)
        payments = scenario.costs.blocked_day_rate * days
        if not prices.plain:
            payments = prices.blocked(held & awaited)
        payments_by_m = np.bincount(
            blocks[:, Block.MUNICIPALITY].astype(np.int64), weights=payments, minlength=n_m
        ).astype(float)
    else:
        payments_by_m = np.zeros(n_m, dtype=float)
    paid = float(payments_by_m.sum())

    kpis["cost.total"] = payer_total["municipality"] + payer_total["health_trust"]
    kpis["cost.payer.municipality"] = payer_total["municipality"] + paid
    kpis["cost.payer.health_trust"] = payer_total["health_trust"] - paid
    kpis["cost.gross.municipality"] = payer_total["municipality"]
    kpis["cost.gross.health_trust"] = payer_total["health_trust"]
    kpis["cost.blocked_payments"] = paid
    paid_by_m += payments_by_m
    for code, mid in enumerate(mids):
        kpis[f"municipality.{mid}.cost"] = float(by_municipality[code])
        kpis[f"municipality.{mid}.blocked_payments"] = float(payments_by_m[code])
        kpis[f"cost.municipality.{mid}.paid"] = float(paid_by_m[code])
        kpis[f"cost.municipality.{mid}.caused"] = float(by_municipality[code])
    if not prices.plain:
        add_payments(kpis, prices, mids)
    return kpis
