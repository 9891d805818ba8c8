"""KPIs of shared facilities and of limits on stays and waits, for one replication.

The facility loop of :func:`simulator.measures.kpis.compute_kpis` reads the
region's own tables (stays, diversions, waits), so its facility KPIs are the
region's. Where a facility carries a background load
(``facilities.<id>.background``), this module

* keeps those as ``facility.<id>.region.*`` (``admissions``, ``diversions``,
  ``diversion_share``, ``wait_mean``, ``wait_p90``, ``bed_days``,
  ``occupancy_mean``, ``still_waiting_at_end``, ``corridor_share``), the region's
  patients only;
* gives ``facility.<id>.*`` for all patients: admissions, diversions,
  diversion share, corridor share, waits, the offered load, the queue at the end and the
  unresolved waits count the background patients too (occupancy, beds, days
  full and bed-days come from the facility's occupancy path and always did);
* gives the region's view of the facility to the costs
  (:func:`region_paths`): the region pays ``per_bed_day`` for its own
  patients' bed-days and ``per_bed_year`` for the share of the open beds that
  its patients (and its patients in beds at the start) used, measured in
  bed-days; background patients pay nothing of the region's bill, and
  patients in beds at the start (``initial_occupancy``, no episode) count in
  the share but not per bed-day.

Groups and municipalities never see an outside patient. Limits reached give
``facility.<id>.max_stay_transfers`` (stays ended by ``max_stay`` at the
facility) and ``group.<g>.max_wait_switches`` (patients who reached a
``max_wait`` and went to the alternative), in the period, when the scenario
has the key anywhere.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.measures.paths import FacilityPath, clipped_durations
from simulator.model.capacity import Limit, LimitKind, Outside, OutsideKind
from simulator.model.records import Diversion, ReplicationRecord, Stay, Waiting
from simulator.scenario.schema import Scenario

__all__ = ["capacity_kpis", "region_paths"]

FloatArray = NDArray[np.float64]
NAN = math.nan


def _in(times: FloatArray, start: float, end: float) -> NDArray[np.bool_]:
    inside: NDArray[np.bool_] = (times >= start) & (times < end)
    return inside


def _stats(waits: FloatArray) -> tuple[float, float]:
    if len(waits) == 0:
        return NAN, NAN
    return float(waits.mean()), float(np.quantile(waits, 0.9))


def _waits(
    stays: tuple[FloatArray, FloatArray],
    waiting: FloatArray,
    until: float,
    start: float,
    end: float,
) -> FloatArray:
    """Waits of requests made in [start, end): admitted (``stays``: REQUESTED, ADMITTED
    columns given) and still queued at the horizon (``waiting``)."""
    requested, admitted = stays
    asked = _in(requested, start, end)
    late = waiting[_in(waiting[:, Waiting.REQUESTED], start, end)]
    late_admitted = np.where(np.isnan(late[:, Waiting.ADMITTED]), until, late[:, Waiting.ADMITTED])
    return np.concatenate(
        [admitted[asked] - requested[asked], late_admitted - late[:, Waiting.REQUESTED]]
    )


def _outside_days(record: ReplicationRecord, start: float, end: float) -> tuple[FloatArray, ...]:
    """Bed-days in [start, end) by facility of background patients and of the region's
    patients in beds at the start."""
    outside = record.capacity.outside
    n_f = len(record.facilities)
    days = clipped_durations(outside[:, Outside.ADMITTED], outside[:, Outside.LEFT], start, end)
    kind = outside[:, Outside.KIND]
    codes = outside[:, Outside.FACILITY].astype(np.int64)
    initial = kind == OutsideKind.INITIAL
    background = np.bincount(codes[~initial], weights=days[~initial], minlength=n_f)
    region_initial = np.bincount(codes[initial], weights=days[initial], minlength=n_f)
    return background.astype(float), region_initial.astype(float)


def region_paths(
    record: ReplicationRecord, paths: Sequence[FacilityPath], start: float, end: float
) -> list[FacilityPath]:
    """The facilities' paths as the region's costs see them (see the module).

    The same paths where no outside patient was in a facility's beds.
    """
    if len(record.capacity.outside) == 0:
        return list(paths)
    background, initial = _outside_days(record, start, end)
    adjusted = []
    for code, path in enumerate(paths):
        if background[code] == 0 and initial[code] == 0:
            adjusted.append(path)
            continue
        share = (path.bed_days - background[code]) / path.bed_days if path.bed_days > 0 else 1.0
        share = min(1.0, max(0.0, share))
        bed_days = max(0.0, path.bed_days - background[code] - initial[code])
        # Priced day by day (a price index, dated prices, payments: measures/money.py), the
        # region's occupied beds are its share of each day's: the same total as bed_days.
        own = bed_days / path.bed_days if path.bed_days > 0 else 1.0
        adjusted.append(
            dataclasses.replace(
                path,
                bed_days=bed_days,
                capacity_days=path.capacity_days * share,
                daily_capacity_days=path.daily_capacity_days * share,
                daily_occupied=path.daily_occupied * own,
            )
        )
    return adjusted


def _background_kpis(
    record: ReplicationRecord,
    scenario: Scenario,
    paths: Sequence[FacilityPath],
    kpis: dict[str, float],
    start: float,
    end: float,
) -> dict[str, float]:
    capacity = record.capacity
    outside = capacity.outside
    arrived = outside[outside[:, Outside.KIND] == OutsideKind.BACKGROUND]
    stays = record.stays
    until = record.horizon if math.isnan(record.waits_until) else record.waits_until
    background_days, _ = _outside_days(record, start, end)
    found: dict[str, float] = {}
    for code, (fid, facility) in enumerate(scenario.facilities.items()):
        if facility.background is None:
            continue
        prefix = f"facility.{fid}"
        region = f"{prefix}.region"
        for key in (
            "admissions",
            "diversions",
            "diversion_share",
            "wait_mean",
            "wait_p90",
            "still_waiting_at_end",
            "corridor_share",
        ):
            found[f"{region}.{key}"] = kpis[f"{prefix}.{key}"]
        path = paths[code]
        region_days = path.bed_days - background_days[code]
        found[f"{region}.bed_days"] = region_days
        found[f"{region}.occupancy_mean"] = region_days / path.length
        # All patients: the region's and the background's.
        mine = stays[stays[:, Stay.FACILITY] == code]
        theirs = arrived[arrived[:, Outside.FACILITY] == code]
        region_waiting = record.waiting[record.waiting[:, Waiting.FACILITY] == code]
        outside_waiting = capacity.outside_waiting
        their_waiting = outside_waiting[outside_waiting[:, Waiting.FACILITY] == code]
        waits = np.concatenate(
            [
                _waits(
                    (mine[:, Stay.REQUESTED], mine[:, Stay.ADMITTED]),
                    region_waiting,
                    until,
                    start,
                    end,
                ),
                _waits(
                    (theirs[:, Outside.REQUESTED], theirs[:, Outside.ADMITTED]),
                    their_waiting,
                    until,
                    start,
                    end,
                ),
            ]
        )
        admitted_mine = _in(mine[:, Stay.ADMITTED], start, end)
        admitted_theirs = _in(theirs[:, Outside.ADMITTED], start, end)
        admissions = int(admitted_mine.sum() + admitted_theirs.sum())
        corridor = float(
            mine[admitted_mine, Stay.OVERFLOW].sum()
            + theirs[admitted_theirs, Outside.OVERFLOW].sum()
        )
        diverted = capacity.outside_diversions
        their_diversions = int(
            (
                (diverted[:, Diversion.FACILITY] == code)
                & _in(diverted[:, Diversion.TIME], start, end)
            ).sum()
        )
        diversions = int(kpis[f"{prefix}.diversions"]) + their_diversions
        wanted = admissions + diversions
        stay_length = float(
            mine[admitted_mine, Stay.LOS].sum() + theirs[admitted_theirs, Outside.LOS].sum()
        )
        queued_at_end = int(
            (their_waiting[:, Waiting.REQUESTED] < end).sum()
            + ((theirs[:, Outside.REQUESTED] < end) & (theirs[:, Outside.ADMITTED] >= end)).sum()
        )
        unresolved = int(
            (
                _in(their_waiting[:, Waiting.REQUESTED], start, end)
                & np.isnan(their_waiting[:, Waiting.ADMITTED])
            ).sum()
        )
        found[f"{prefix}.admissions"] = admissions
        found[f"{prefix}.diversions"] = diversions
        found[f"{prefix}.diversion_share"] = diversions / wanted if wanted else NAN
        found[f"{prefix}.corridor_share"] = corridor / admissions if admissions else NAN
        found[f"{prefix}.wait_mean"], found[f"{prefix}.wait_p90"] = _stats(waits)
        found[f"{prefix}.offered_load"] = (
            wanted / path.length * stay_length / admissions if admissions else NAN
        )
        found[f"{prefix}.still_waiting_at_end"] = (
            int(kpis[f"{prefix}.still_waiting_at_end"]) + queued_at_end
        )
        found[f"{prefix}.waits_unresolved"] = int(kpis[f"{prefix}.waits_unresolved"]) + unresolved
    return found


def _limit_kpis(
    record: ReplicationRecord, scenario: Scenario, start: float, end: float
) -> dict[str, float]:
    steps = [step for group in scenario.groups.values() for step in group.steps.values()]
    limits = record.capacity.limits
    inside = _in(limits[:, Limit.TIME], start, end)
    found: dict[str, float] = {}
    if any(step.max_stay is not None for step in steps):
        mine = inside & (limits[:, Limit.KIND] == LimitKind.MAX_STAY)
        counts = np.bincount(
            limits[mine, Limit.FACILITY].astype(np.int64), minlength=len(record.facilities)
        )
        for code, fid in enumerate(record.facilities):
            found[f"facility.{fid}.max_stay_transfers"] = int(counts[code])
    if any(step.max_wait is not None for step in steps):
        mine = inside & (limits[:, Limit.KIND] == LimitKind.MAX_WAIT)
        counts = np.bincount(
            limits[mine, Limit.GROUP].astype(np.int64), minlength=len(record.groups)
        )
        for code, gid in enumerate(record.groups):
            found[f"group.{gid}.max_wait_switches"] = int(counts[code])
    return found


def capacity_kpis(
    record: ReplicationRecord,
    scenario: Scenario,
    paths: Sequence[FacilityPath],
    kpis: dict[str, float],
    start: float,
    end: float,
) -> dict[str, float]:
    """KPIs of background loads and limits in [start, end) (see the module); ``kpis``: the
    facility KPIs computed from the region's tables. Empty for a scenario using neither."""
    found = _limit_kpis(record, scenario, start, end)
    if any(f.background is not None for f in scenario.facilities.values()):
        found.update(_background_kpis(record, scenario, paths, kpis, start, end))
    return found
