"""Key performance indicators of one replication, from its flat record.

Everything here is computed after the run, over the collection period
``[warmup, horizon)``: the warm-up is cut, and patients already in beds at
its end are counted from then on. Occupancy statistics use the exact
piecewise-constant occupancy path (time-weighted), not samples. KPI names are
those of ``shared/scenario-format.md``; costs are in :mod:`simulator.measures.costs`.

Definitions that the format leaves open (see ``docs/model.md``):

* a *diversion* is counted at a patient's first candidate facility when it
  was full and the patient was placed elsewhere (another candidate, a
  ``divert_to`` step, or out of the model);
* waits are per request for a bed (zero when a bed was free), counted for
  patients who *started* waiting in the period, also when they were admitted
  after it: the run follows those still queued at the horizon until they are
  admitted (:mod:`simulator.model.engine`), so the wait statistics are not
  biased low when queues grow; a patient still waiting when the follow-up
  ends counts the wait so far (``waits_unresolved`` says how many);
* the *corridor share* is the share of the period's admissions admitted
  above capacity (``when_full: overflow``): corridor patients, counted at
  admission;
* a facility is *open* while at least one bed is open (capacity > 0): the
  share of time full (every open bed occupied) and the occupancy's 95th
  percentile are over its open time only, nan for a window it was closed
  throughout, so a unit closed by a schedule is not "full" while it does not
  exist; ``occupancy_mean`` and ``bed_days`` stay over the whole window (they
  add up across facilities and years), and ``utilisation`` is occupied
  bed-days per open bed-day (nan without an open bed);
* a day is above 85 % (100 %) when its time-weighted mean occupancy is above
  85 % (100 %) of its time-weighted mean open beds;
* the offered load is the patients who wanted a bed at the facility per day
  (admissions + diversions) times the mean length of stay drawn for its
  admissions in the period: whole stays, so stays that end after the period
  count in full (a nursing home's 700-day stays are not cut to the few that
  ended); time blocked in the bed waiting for another facility is not part of it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from simulator.measures.capacity import capacity_kpis, region_paths
from simulator.measures.costs import cost_kpis
from simulator.measures.outcomes import outcome_kpis
from simulator.measures.paths import (
    FacilityPath,
    clipped_durations,
    facility_path,
    weighted_quantile,
)
from simulator.measures.windows import Window
from simulator.model.calendar import wait_extension
from simulator.model.records import (
    Diversion,
    Episode,
    Outcome,
    ReplicationRecord,
    Stay,
    Waiting,
)
from simulator.scenario.schema import Scenario

__all__ = [
    "WAIT_QUANTILES",
    "FacilityPath",
    "Window",
    "clipped_durations",
    "compute_kpis",
    "facility_path",
    "period_waits",
    "unresolved_wait_warnings",
    "wait_quantiles",
]

FloatArray = NDArray[np.float64]
NAN = math.nan


def _wait_stats(waits: FloatArray) -> tuple[float, float]:
    if len(waits) == 0:
        return NAN, NAN
    return float(waits.mean()), float(np.quantile(waits, 0.9))


WAIT_QUANTILES = np.linspace(0.0, 1.0, 101)
"""Probabilities at which each group's wait distribution is kept (0, 0.01, ..., 1)."""


def period_waits(
    record: ReplicationRecord, start: float | None = None, end: float | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Facility, group and wait (days) of every request for a bed made in the period.

    Admissions whose wait started in the collection period, then the patients
    queued at the horizon who had started waiting in it, with the wait the
    run followed past the horizon (up to ``waits_until`` for those never
    admitted: a lower bound). ``start`` and ``end`` narrow the period to a
    part of it (a calendar year); the waits are still followed to their end.
    """
    stays, waiting = record.stays, record.waiting
    start = record.warmup if start is None else start
    end = record.horizon if end is None else end
    requested = stays[:, Stay.REQUESTED]
    asked_in = (requested >= start) & (requested < end)
    late_requested = waiting[:, Waiting.REQUESTED]
    late = waiting[(late_requested >= start) & (late_requested < end)]
    until = record.horizon if math.isnan(record.waits_until) else record.waits_until
    late_admitted = np.where(np.isnan(late[:, Waiting.ADMITTED]), until, late[:, Waiting.ADMITTED])
    facility = np.concatenate([stays[asked_in, Stay.FACILITY], late[:, Waiting.FACILITY]])
    group = np.concatenate([stays[asked_in, Stay.GROUP], late[:, Waiting.GROUP]])
    waits = np.concatenate(
        [
            stays[asked_in, Stay.ADMITTED] - requested[asked_in],
            late_admitted - late[:, Waiting.REQUESTED],
        ]
    )
    return facility, group, waits


def wait_quantiles(record: ReplicationRecord) -> FloatArray:
    """Per group, the waits (days) at :data:`WAIT_QUANTILES` of requests made in the period."""
    _, group, waits = period_waits(record)
    table = np.full((len(record.groups), len(WAIT_QUANTILES)), NAN)
    for code in range(len(record.groups)):
        mine = waits[group == code]
        if len(mine):
            table[code] = np.quantile(mine, WAIT_QUANTILES)
    return table


def _count(codes: FloatArray, mask: NDArray[np.bool_], n: int) -> NDArray[np.int64]:
    """How many rows of each code (0..n-1) where ``mask`` holds."""
    return np.bincount(codes[mask].astype(np.int64), minlength=n)


def _total(codes: FloatArray, mask: NDArray[np.bool_], weights: FloatArray, n: int) -> FloatArray:
    """Sum of ``weights`` by code where ``mask`` holds."""
    summed: FloatArray = np.bincount(
        codes[mask].astype(np.int64), weights=weights[mask], minlength=n
    ).astype(float)
    return summed


def _wait_stats_by(codes: FloatArray, waits: FloatArray, n: int) -> list[tuple[float, float]]:
    """Mean and 90th percentile of ``waits`` for each code, sorting once."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n + 1))
    sorted_waits = waits[order]
    return [_wait_stats(sorted_waits[bounds[c] : bounds[c + 1]]) for c in range(n)]


def compute_kpis(
    record: ReplicationRecord,
    scenario: Scenario,
    *,
    window: Window | None = None,
    shares: FloatArray | None = None,
) -> tuple[dict[str, float], list[FacilityPath]]:
    """Every KPI of one replication, and each facility's occupancy path.

    Rows are grouped by facility, group and municipality with one pass each
    (``bincount``), so the cost grows with the rows, not rows x facilities.

    ``window``: a part of the collection period (a calendar year,
    :mod:`simulator.measures.windows`) to measure instead of the whole period;
    ``shares``: the municipalities' shares of each facility's fixed cost
    (:func:`simulator.measures.costs.fixed_cost_shares`), by default those of
    the window's bed-days.
    """
    start = record.warmup if window is None else window.start
    end = record.horizon if window is None else window.end
    stays, episodes, diversions = record.stays, record.episodes, record.diversions
    n_f, n_g, n_m = len(record.facilities), len(record.groups), len(record.municipalities)
    facility, group = stays[:, Stay.FACILITY], stays[:, Stay.GROUP]
    municipality = stays[:, Stay.MUNICIPALITY]
    admitted, left = stays[:, Stay.ADMITTED], stays[:, Stay.LEFT]
    admitted_in = (admitted >= start) & (admitted < end)
    wait_facility, wait_group, waits = period_waits(record, start, end)
    stay_days = clipped_durations(admitted, left, start, end)
    arrival, ended = episodes[:, Episode.ARRIVAL], episodes[:, Episode.END]
    episodes_in = (arrival >= start) & (arrival < end)
    ended_in = (ended >= start) & (ended < end)
    diverted_at = diversions[:, Diversion.TIME]
    diverted_in = (diverted_at >= start) & (diverted_at < end)
    kpis: dict[str, float] = {}
    paths = [facility_path(log, start, end) for log in record.occupancy]

    admissions = _count(facility, admitted_in, n_f)
    diverted = _count(diversions[:, Diversion.FACILITY], diverted_in, n_f)
    facility_waits = _wait_stats_by(wait_facility, waits, n_f)
    waiting = record.waiting
    late_requested = waiting[:, Waiting.REQUESTED]
    # Queued at ``end``: in the waiting table (queued at the horizon) or admitted after ``end``.
    still_waiting = _count(waiting[:, Waiting.FACILITY], late_requested < end, n_f) + _count(
        facility, (stays[:, Stay.REQUESTED] < end) & (admitted >= end), n_f
    )
    unresolved = _count(
        waiting[:, Waiting.FACILITY],
        (late_requested >= start) & (late_requested < end) & np.isnan(waiting[:, Waiting.ADMITTED]),
        n_f,
    )
    # Offered load: whole stays as drawn, so stays that end after the period count in full.
    stay_count = _count(facility, admitted_in, n_f)
    stay_length = _total(facility, admitted_in, stays[:, Stay.LOS], n_f)
    corridor = _total(facility, admitted_in, stays[:, Stay.OVERFLOW], n_f)
    tolerance = 1e-9
    for code, fid in enumerate(record.facilities):
        path = paths[code]
        mean_beds = path.capacity_days / path.length
        occupancy_mean = path.bed_days / path.length
        wanted = int(admissions[code] + diverted[code])
        prefix = f"facility.{fid}"
        kpis[f"{prefix}.admissions"] = int(admissions[code])
        kpis[f"{prefix}.diversions"] = int(diverted[code])
        kpis[f"{prefix}.diversion_share"] = diverted[code] / wanted if wanted else NAN
        kpis[f"{prefix}.occupancy_mean"] = occupancy_mean
        # Percentile and time full over the open time (capacity > 0); nan if never open.
        kpis[f"{prefix}.occupancy_p95"] = weighted_quantile(path.open_level_time, 0.95)
        kpis[f"{prefix}.utilisation"] = occupancy_mean / mean_beds if mean_beds > 0 else NAN
        kpis[f"{prefix}.beds_mean"] = mean_beds
        kpis[f"{prefix}.share_time_full"] = (
            path.full_time / path.open_time if path.open_time > 0 else NAN
        )
        kpis[f"{prefix}.corridor_share"] = (
            float(corridor[code] / admissions[code]) if admissions[code] else NAN
        )
        kpis[f"{prefix}.offered_load"] = (
            wanted / path.length * float(stay_length[code] / stay_count[code])
            if stay_count[code]
            else NAN
        )
        kpis[f"{prefix}.days_above_85pct"] = int(
            np.sum(path.daily_occupied > 0.85 * path.daily_capacity + tolerance)
        )
        kpis[f"{prefix}.days_above_100pct"] = int(
            np.sum(path.daily_occupied > path.daily_capacity + tolerance)
        )
        kpis[f"{prefix}.overflow_days"] = path.overflow_days
        kpis[f"{prefix}.blocked_days"] = path.blocked_days
        kpis[f"{prefix}.bed_days"] = path.bed_days
        kpis[f"{prefix}.wait_mean"], kpis[f"{prefix}.wait_p90"] = facility_waits[code]
        kpis[f"{prefix}.still_waiting_at_end"] = int(still_waiting[code])
        kpis[f"{prefix}.waits_unresolved"] = int(unresolved[code])

    municipal = np.array([f.level == "municipal" for f in scenario.facilities.values()])
    stay_municipal = municipal[facility.astype(np.int64)] if len(stays) else np.zeros(0, bool)
    everything = np.ones(len(stays), dtype=bool)
    group_days = _total(group, everything, stay_days, n_g)
    group_municipal_days = _total(group, stay_municipal, stay_days, n_g)
    group_waits = _wait_stats_by(wait_group, waits, n_g)
    episode_group = episodes[:, Episode.GROUP]
    group_episodes = _count(episode_group, episodes_in, n_g)
    died = ended_in & (episodes[:, Episode.OUTCOME] == Outcome.DEATH)
    group_deaths = _count(episode_group, died, n_g)
    for code, gid in enumerate(record.groups):
        prefix = f"group.{gid}"
        kpis[f"{prefix}.episodes"] = int(group_episodes[code])
        kpis[f"{prefix}.wait_mean"], kpis[f"{prefix}.wait_p90"] = group_waits[code]
        kpis[f"{prefix}.municipal_share"] = (
            float(group_municipal_days[code] / group_days[code]) if group_days[code] > 0 else NAN
        )
        kpis[f"{prefix}.deaths"] = int(group_deaths[code])

    municipality_episodes = _count(episodes[:, Episode.MUNICIPALITY], episodes_in, n_m)
    trips = _count(municipality, admitted_in, n_m)
    travel = _total(municipality, admitted_in, stays[:, Stay.TRAVEL_MINUTES], n_m)
    for code, mid in enumerate(record.municipalities):
        prefix = f"municipality.{mid}"
        kpis[f"{prefix}.episodes"] = int(municipality_episodes[code])
        kpis[f"{prefix}.travel_minutes_mean"] = (
            float(travel[code] / trips[code]) if trips[code] else NAN
        )

    # Shared facilities and limits (measures/capacity): all patients and the region's.
    kpis.update(capacity_kpis(record, scenario, paths, kpis, start, end))
    billed = region_paths(record, paths, start, end)
    kpis.update(
        cost_kpis(record, scenario, billed, stay_days, admitted_in, window=window, shares=shares)
    )
    episodes_total = int(episodes_in.sum())
    kpis["cost.per_episode"] = kpis["cost.total"] / episodes_total if episodes_total else NAN
    outcome_kpis(record, scenario, kpis, start, end)  # outcomes, bands, step costs
    return kpis, paths


def unresolved_wait_warnings(replications: pd.DataFrame, days: float) -> list[str]:
    """Warnings for facilities where patients who started waiting in the period were
    still waiting when the follow-up ended (``waits_unresolved``): their waits are
    counted up to then, so that facility's wait statistics are lower bounds.

    ``replications``: one row per replication, KPI columns; ``days``: ``run.days``.
    """
    follow_up = wait_extension(days)
    found = []
    for column in replications.columns:
        if not (column.startswith("facility.") and column.endswith(".waits_unresolved")):
            continue
        counts = replications[column].fillna(0).to_numpy(dtype=float)
        if counts.sum() > 0:
            fid = column.removeprefix("facility.").removesuffix(".waits_unresolved")
            found.append(
                f"facility {fid}: {int(counts.sum())} patient(s) in "
                f"{int((counts > 0).sum())} of {len(counts)} replication(s) started waiting "
                f"for a bed in the collection period and were still waiting {follow_up:g} days "
                "after it ended; their waits count up to then, so its wait_mean and wait_p90 "
                "are lower bounds (the queue does not clear: too few beds for the demand)"
            )
    return found
