"""Every KPI of a replication for the whole period and for each calendar year, with
totals per service and level and the per-year and per-1 000-inhabitant rates.

:func:`replication_kpis` is what a replication reports. It measures the
KPIs of :func:`simulator.measures.kpis.compute_kpis` over the collection
period and again over each calendar year in it
(:func:`simulator.measures.windows.year_windows`), and adds to each:

* ``service.<s>.*`` and ``level.<municipal|specialist>.*``: the facilities
  of a service (all KØHD beds, all hospital wards) or level added up
  (:data:`TOTALS`), with ``utilisation`` of the sums and
  ``level.<l>.bed_day_share``, the level's share of all bed-days;
* for every count and cost ``X`` (:func:`is_count`): ``X.per_year``, ``X``
  divided by the window's length in years (each day 1/365, or 1/366 in a
  leap year: a first or last year the period covers in part is annualised
  by its own days, never divided by a whole year), and ``X.per_1000``,
  ``X.per_year`` per 1 000 inhabitants (the mean population over the
  window's days, each day that of the dated state in force (``changes``),
  catchments too: of the municipality for ``municipality.<m>.*`` and
  ``cost.municipality.<m>.*``, of the catchment for ``facility.<f>.*`` and
  ``cost.facility.<f>``, of the age band in every municipality for
  ``group.<g>.band.<b>.*``, of all municipalities otherwise) -- the unit of a
  group's ``rate_per_1000`` (not for the day counts ``days_above_*``); of the
  age band for ``band.<b>.*``, whose ``band.<b>.population`` (the band's mean
  inhabitants over the window, where the KPIs by band are given) lets a
  target add bands up (per 1 000 aged 75+).

A year's KPIs are named ``year.<yyyy>.<kpi>``. Counts and costs of the years
add up to the period's: every stay, day, admission and payment falls in one
year, a bed-year's fixed cost is counted day by day, and a shared facility's
fixed cost is split between municipalities by their bed-days over the whole
period in every year (:func:`simulator.measures.costs.fixed_cost_shares`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.measures.costs import fixed_cost_shares
from simulator.measures.kpis import compute_kpis
from simulator.measures.paths import FacilityPath, clipped_durations
from simulator.measures.population import population_means
from simulator.measures.windows import Window, period_window, year_windows
from simulator.model.records import ReplicationRecord, Stay
from simulator.scenario.schema import Scenario

__all__ = [
    "COUNT_SUFFIXES",
    "PER_DAY_COUNTS",
    "RATE_SUFFIXES",
    "TOTALS",
    "is_count",
    "population_means",
    "rates",
    "replication_kpis",
    "totals",
    "year_columns",
]

FloatArray = NDArray[np.float64]

COUNT_SUFFIXES = frozenset(
    {
        "admissions",
        "diversions",
        "days_above_85pct",
        "days_above_100pct",
        "overflow_days",
        "blocked_days",
        "bed_days",
        "episodes",
        "deaths",
        "cost",
        "blocked_payments",
        "episode_payments",
        "paid",
        "caused",
        "hospital_admissions",
        "hospital_bed_days",
    }
)
"""Last parts of the KPI names that are counts or sums over the window (they add up)."""

PER_DAY_COUNTS = frozenset({"days_above_85pct", "days_above_100pct"})
"""Counts of calendar days: per year, but not per inhabitant."""

RATE_SUFFIXES = ("per_year", "per_1000")
"""The rates added to every count and cost: ``<kpi>.per_year``, ``<kpi>.per_1000``."""

TOTALS = (
    "beds_mean",
    "occupancy_mean",
    "bed_days",
    "admissions",
    "diversions",
    "blocked_days",
    "overflow_days",
)
"""Facility KPIs added up per service (``service.<s>.*``) and level (``level.<l>.*``)."""

LEVELS = ("municipal", "specialist")


def is_count(kpi: str) -> bool:
    """Whether a KPI (without ``year.<yyyy>.``) is a count or a cost that adds up over years.

    Its rates (``.per_year``, ``.per_1000``) are not.
    """
    if kpi.endswith(tuple(f".{r}" for r in RATE_SUFFIXES)):
        return False
    if kpi.startswith("cost."):
        return kpi != "cost.per_episode"
    return kpi.rsplit(".", 1)[-1] in COUNT_SUFFIXES


def totals(kpis: Mapping[str, float], scenario: Scenario) -> dict[str, float]:
    """``service.<s>.*`` and ``level.<l>.*``: facility KPIs of one window added up."""
    fids = list(scenario.facilities)
    groups: dict[str, list[str]] = {}
    for fid, facility in scenario.facilities.items():
        groups.setdefault(f"service.{facility.service}", []).append(fid)
    for level in LEVELS:
        groups[f"level.{level}"] = [
            fid for fid, f in scenario.facilities.items() if f.level == level
        ]
    values = {
        suffix: dict(
            zip(fids, (float(kpis[f"facility.{fid}.{suffix}"]) for fid in fids), strict=True)
        )
        for suffix in TOTALS
    }
    all_bed_days = sum(values["bed_days"].values())
    out: dict[str, float] = {}
    for prefix, members in groups.items():
        summed = {suffix: float(sum(values[suffix][f] for f in members)) for suffix in TOTALS}
        for suffix in TOTALS:
            out[f"{prefix}.{suffix}"] = summed[suffix]
        beds = summed["beds_mean"]
        out[f"{prefix}.utilisation"] = summed["occupancy_mean"] / beds if beds > 0 else np.nan
        out[f"{prefix}.cost"] = float(sum(kpis[f"cost.facility.{f}"] for f in members))
        if prefix.startswith("level."):
            out[f"{prefix}.bed_day_share"] = (
                summed["bed_days"] / all_bed_days if all_bed_days > 0 else np.nan
            )
    return out


def _area_population(
    kpi: str, scenario: Scenario, population: Mapping[str, float], everyone: float
) -> float:
    parts = kpi.split(".")
    if parts[0] == "group" and len(parts) >= 5 and parts[2] == "band":
        return population.get(f"band:{parts[3]}", math.nan)
    if parts[0] == "band" and len(parts) >= 3:
        return population.get(f"band:{parts[1]}", math.nan)
    if parts[0] == "municipality" or (parts[0] == "cost" and parts[1] == "municipality"):
        return population[parts[1] if parts[0] == "municipality" else parts[2]]
    if parts[0] == "facility" or (parts[0] == "cost" and parts[1] == "facility"):
        fid = parts[1] if parts[0] == "facility" else parts[2]
        return population.get(f"serves:{fid}", everyone)
    return everyone


def rates(kpis: Mapping[str, float], scenario: Scenario, window: Window) -> dict[str, float]:
    """``<kpi>.per_year`` and ``<kpi>.per_1000`` of every count and cost of one window, and
    ``band.<b>.population`` where KPIs by band are given."""
    population = population_means(scenario, window)
    everyone = float(sum(population[mid] for mid in scenario.municipalities))
    out: dict[str, float] = {}
    for key, inhabitants in population.items():
        band = key.removeprefix("band:")
        if key.startswith("band:") and f"band.{band}.hospital_admissions" in kpis:
            out[f"band.{band}.population"] = inhabitants  # for per-1 000 forms of several bands
    for kpi, value in kpis.items():
        if not is_count(kpi):
            continue
        per_year = value / window.years
        inhabitants = _area_population(kpi, scenario, population, everyone)
        out[f"{kpi}.per_year"] = per_year
        if kpi.rsplit(".", 1)[-1] in PER_DAY_COUNTS:
            continue
        out[f"{kpi}.per_1000"] = per_year / inhabitants * 1000.0 if inhabitants > 0 else math.nan
    return out


def _window_kpis(
    record: ReplicationRecord,
    scenario: Scenario,
    window: Window | None,
    shares: FloatArray,
) -> tuple[dict[str, float], list[FacilityPath]]:
    measured, paths = compute_kpis(record, scenario, window=window, shares=shares)
    measured.update(totals(measured, scenario))
    measured.update(rates(measured, scenario, window or period_window(scenario)))
    return measured, paths


def replication_kpis(
    record: ReplicationRecord, scenario: Scenario, *, by_year: bool = True
) -> tuple[dict[str, float], list[FacilityPath]]:
    """Every KPI of one replication over the period, then over each calendar year.

    Returns the KPIs and each facility's occupancy path over the period. The
    period's KPIs come first, in the order of
    :func:`~simulator.measures.kpis.compute_kpis`, then the totals and rates,
    then ``year.<yyyy>.*`` year by year; ``by_year=False`` leaves the years out.
    """
    stays = record.stays
    stay_days = clipped_durations(
        stays[:, Stay.ADMITTED], stays[:, Stay.LEFT], record.warmup, record.horizon
    )
    shares = fixed_cost_shares(record, scenario, stay_days)
    kpis, paths = _window_kpis(record, scenario, None, shares)
    if by_year:
        for window in year_windows(scenario):
            year, _ = _window_kpis(record, scenario, window, shares)
            kpis.update({f"year.{window.year}.{k}": v for k, v in year.items()})
    return kpis, paths


def year_columns(columns: Sequence[str]) -> dict[int, list[str]]:
    """The ``year.<yyyy>.*`` columns of a table by year, in order."""
    found: dict[int, list[str]] = {}
    for column in columns:
        if column.startswith("year."):
            found.setdefault(int(column.split(".", 2)[1]), []).append(column)
    return found
