"""Outcomes after discharge, KPIs by age band, and the costs of steps themselves.

Computed from the tables of :mod:`simulator.model.pathways`, only for the
groups that use the keys behind them, so a scenario using none of them gets
no new KPI:

* ``group.<g>.readmission_30d`` (groups with a step without a bed): of the
  discharges from a specialist-level bed to home or to a step without a bed
  in ``[warmup, horizon - 30)``, the share followed by a specialist-level
  admission of the same episode within 30 days;
* ``group.<g>.mortality_30d`` (the same groups): of the episodes whose first
  admission is in ``[warmup, horizon - 30)``, the share that died within 30
  days of it (in a bed or in a period at home). Both windows end 30 days
  before the horizon so that every case counted is followed for 30 days;
  NaN when the period is shorter;
* ``group.<g>.band.<b>.episodes``, ``.wait_mean``, ``.wait_p90``, ``.deaths``
  (groups with ``bands``), and the two outcomes by band where they are given;
* ``group.<g>.band.<b>.hospital_admissions`` and ``.hospital_bed_days`` (groups
  with ``bands``): admissions in the period to the facilities of service
  ``hospital`` (:data:`HOSPITAL_SERVICE`) and the bed-days spent there in it,
  of the band's patients; ``band.<b>.hospital_admissions`` and
  ``.hospital_bed_days``: the same over every group with ``bands`` (the
  region's patients only, never a background's);
* step costs (``costs`` on a step): ``per_start`` for each start in the
  period and ``per_day`` for each day of the step in it, added to
  ``cost.total``, the payer's ``cost.payer.*`` and ``cost.gross.*``, and
  the patient's ``municipality.<m>.cost`` and ``cost.municipality.<m>.caused``
  (and ``.paid`` where the municipality pays); ``cost.steps`` is their sum.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from simulator.measures.paths import clipped_durations
from simulator.model.pathways import Banded, Discharge, Period, StepCost
from simulator.model.records import Episode, Outcome, ReplicationRecord, Stay, Waiting
from simulator.scenario.pathways import has_no_bed_step
from simulator.scenario.schema import Scenario

__all__ = ["FOLLOW_UP_DAYS", "HOSPITAL_SERVICE", "outcome_kpis"]

FOLLOW_UP_DAYS = 30.0
"""Days after a discharge (a first admission) in which a readmission (a death) counts."""

HOSPITAL_SERVICE = "hospital"
"""The service whose admissions and bed-days ``*.hospital_admissions`` and
``*.hospital_bed_days`` count (specialist somatic wards)."""

FloatArray = NDArray[np.float64]
NAN = math.nan


def _share(hits: NDArray[np.bool_], counted: NDArray[np.bool_]) -> float:
    n = int(counted.sum())
    return float((hits & counted).sum() / n) if n else NAN


def _first_admissions(record: ReplicationRecord) -> FloatArray:
    """Per episode row, the time of its first admission (nan: none)."""
    first = np.full(len(record.episodes), np.inf)
    stays = record.stays
    if len(stays):
        np.minimum.at(first, stays[:, Stay.EPISODE].astype(np.int64), stays[:, Stay.ADMITTED])
    return np.where(np.isinf(first), np.nan, first)


def _outcomes(
    record: ReplicationRecord,
    g: int,
    episode_rows: NDArray[np.bool_],
    first: FloatArray,
    start: float,
    end: float,
) -> tuple[float, float]:
    """(readmission_30d, mortality_30d) of group ``g`` over the episode rows selected."""
    last = min(end, record.horizon - FOLLOW_UP_DAYS)
    d = record.pathways.discharges
    mine = (d[:, Discharge.GROUP] == g) & episode_rows[d[:, Discharge.EPISODE].astype(np.int64)]
    counted = mine & (d[:, Discharge.TIME] >= start) & (d[:, Discharge.TIME] < last)
    gap = d[:, Discharge.READMITTED] - d[:, Discharge.TIME]
    readmitted = np.nan_to_num(gap, nan=np.inf) <= FOLLOW_UP_DAYS
    episodes = record.episodes
    in_group = (episodes[:, Episode.GROUP] == g) & episode_rows
    with np.errstate(invalid="ignore"):
        followed = in_group & (first >= start) & (first < last)
        died = (episodes[:, Episode.OUTCOME] == Outcome.DEATH) & (
            np.nan_to_num(episodes[:, Episode.END] - first, nan=np.inf) <= FOLLOW_UP_DAYS
        )
    return _share(readmitted, counted), _share(died, followed)


def _band_waits(
    record: ReplicationRecord, band_of: FloatArray, start: float, end: float
) -> tuple[FloatArray, FloatArray]:
    """Band of each request for a bed made in [start, end), and its wait (as in kpis)."""
    stays, waiting = record.stays, record.waiting
    requested = stays[:, Stay.REQUESTED]
    asked = (requested >= start) & (requested < end)
    late_requested = waiting[:, Waiting.REQUESTED]
    late = waiting[(late_requested >= start) & (late_requested < end)]
    until = record.horizon if math.isnan(record.waits_until) else record.waits_until
    admitted = np.where(np.isnan(late[:, Waiting.ADMITTED]), until, late[:, Waiting.ADMITTED])
    bands = np.concatenate(
        [
            band_of[stays[asked, Stay.EPISODE].astype(np.int64)],
            band_of[late[:, Waiting.EPISODE].astype(np.int64)],
        ]
    )
    waits = np.concatenate(
        [stays[asked, Stay.ADMITTED] - requested[asked], admitted - late[:, Waiting.REQUESTED]]
    )
    return bands, waits


def _wait_stats(waits: FloatArray) -> tuple[float, float]:
    if len(waits) == 0:
        return NAN, NAN
    return float(waits.mean()), float(np.quantile(waits, 0.9))


def _step_costs(
    record: ReplicationRecord, kpis: dict[str, float], start: float, end: float
) -> None:
    rows = record.pathways.step_costs
    if not len(rows):
        return
    stays, periods = record.stays, record.pathways.periods
    is_stay = rows[:, StepCost.KIND] == 0
    index = rows[:, StepCost.ROW].astype(np.int64)
    began = np.where(
        is_stay,
        stays[np.where(is_stay, index, 0), Stay.ADMITTED] if len(stays) else np.nan,
        periods[np.where(is_stay, 0, index), Period.START] if len(periods) else np.nan,
    )
    ended = np.where(
        is_stay,
        stays[np.where(is_stay, index, 0), Stay.LEFT] if len(stays) else np.nan,
        periods[np.where(is_stay, 0, index), Period.END] if len(periods) else np.nan,
    )
    days = clipped_durations(began, ended, start, end)
    started_in = (began >= start) & (began < end)
    cost = rows[:, StepCost.PER_DAY] * days + rows[:, StepCost.PER_START] * started_in
    total = float(cost.sum())
    kpis["cost.steps"] = total
    kpis["cost.total"] = kpis.get("cost.total", 0.0) + total
    for code, payer in enumerate(("municipality", "health_trust")):
        paid = float(cost[rows[:, StepCost.PAYER] == code].sum())
        for key in (f"cost.payer.{payer}", f"cost.gross.{payer}"):
            if key in kpis:
                kpis[key] += paid
    by_m = np.bincount(
        rows[:, StepCost.MUNICIPALITY].astype(np.int64),
        weights=cost,
        minlength=len(record.municipalities),
    )
    paid_by_m = np.bincount(
        rows[:, StepCost.MUNICIPALITY].astype(np.int64),
        weights=cost * (rows[:, StepCost.PAYER] == 0),
        minlength=len(record.municipalities),
    )
    for code, mid in enumerate(record.municipalities):
        for key, value in (
            (f"municipality.{mid}.cost", by_m[code]),
            (f"cost.municipality.{mid}.caused", by_m[code]),
            (f"cost.municipality.{mid}.paid", paid_by_m[code]),
        ):
            if key in kpis:
                kpis[key] += float(value)
    if "cost.per_episode" in kpis:
        episodes = record.episodes[:, Episode.ARRIVAL]
        n = int(((episodes >= start) & (episodes < end)).sum())
        kpis["cost.per_episode"] = kpis["cost.total"] / n if n else NAN


def outcome_kpis(
    record: ReplicationRecord,
    scenario: Scenario,
    kpis: dict[str, float],
    start: float | None = None,
    end: float | None = None,
) -> None:
    """Add the KPIs of this module to ``kpis`` (and step costs to the cost KPIs).

    ``start`` and ``end``: the part of the collection period measured (default
    all of it); a discharge or first admission counts when it is in it and at
    least 30 days before the horizon.
    """
    start = record.warmup if start is None else start
    end = record.horizon if end is None else end
    _step_costs(record, kpis, start, end)
    groups = list(scenario.groups.values())
    outcomes = [has_no_bed_step(group) for group in groups]
    group_bands = record.pathways.group_bands
    if not any(outcomes) and not any(b is not None for b in group_bands):
        return
    episodes = record.episodes
    every = np.ones(len(episodes), dtype=bool)
    first = _first_admissions(record)
    band_of = np.full(len(episodes), -1.0)
    banded = record.pathways.bands
    band_of[banded[:, Banded.EPISODE].astype(np.int64)] = banded[:, Banded.BAND]
    arrival = episodes[:, Episode.ARRIVAL]
    episodes_in = (arrival >= start) & (arrival < end)
    ended = episodes[:, Episode.END]
    with np.errstate(invalid="ignore"):
        died = (ended >= start) & (ended < end) & (episodes[:, Episode.OUTCOME] == Outcome.DEATH)
    request_bands, waits = _band_waits(record, band_of, start, end) if len(banded) else (None, None)
    request_groups = _request_groups(record, start, end)
    hospital_admissions, hospital_days = _hospital_use(record, scenario, band_of, start, end)
    band_totals: dict[str, list[float]] = {}
    for g, gid in enumerate(record.groups):
        prefix = f"group.{gid}"
        if outcomes[g]:
            readmission, mortality = _outcomes(record, g, every, first, start, end)
            kpis[f"{prefix}.readmission_30d"] = readmission
            kpis[f"{prefix}.mortality_30d"] = mortality
        bands = group_bands[g] if g < len(group_bands) else None
        if bands is None:
            continue
        in_group = episodes[:, Episode.GROUP] == g
        for b, band in enumerate(bands):
            here = f"{prefix}.band.{band}"
            mine = in_group & (band_of == b)
            kpis[f"{here}.episodes"] = int((mine & episodes_in).sum())
            if request_bands is not None and waits is not None:
                chosen = (request_bands == b) & (request_groups == g)
                kpis[f"{here}.wait_mean"], kpis[f"{here}.wait_p90"] = _wait_stats(waits[chosen])
            else:
                kpis[f"{here}.wait_mean"], kpis[f"{here}.wait_p90"] = NAN, NAN
            kpis[f"{here}.deaths"] = int((mine & died).sum())
            admitted, days = int(hospital_admissions[g, b]), float(hospital_days[g, b])
            kpis[f"{here}.hospital_admissions"] = admitted
            kpis[f"{here}.hospital_bed_days"] = days
            summed = band_totals.setdefault(band, [0.0, 0.0])
            summed[0] += admitted
            summed[1] += days
            if outcomes[g]:
                readmission, mortality = _outcomes(record, g, band_of == b, first, start, end)
                kpis[f"{here}.readmission_30d"] = readmission
                kpis[f"{here}.mortality_30d"] = mortality
    for band, (count, bed_days) in band_totals.items():
        kpis[f"band.{band}.hospital_admissions"] = int(count)
        kpis[f"band.{band}.hospital_bed_days"] = bed_days


def _hospital_use(
    record: ReplicationRecord, scenario: Scenario, band_of: FloatArray, start: float, end: float
) -> tuple[NDArray[np.int64], FloatArray]:
    """Hospital admissions in [start, end) and bed-days in it, by group and band index
    (shape groups x bands; episodes without a band are left out)."""
    stays = record.stays
    width = max((len(b) for b in record.pathways.group_bands if b is not None), default=0)
    shape = (len(record.groups), max(width, 1))
    hospital = np.array([f.service == HOSPITAL_SERVICE for f in scenario.facilities.values()])
    if not len(stays) or not hospital.any():
        return np.zeros(shape, dtype=np.int64), np.zeros(shape)
    band = band_of[stays[:, Stay.EPISODE].astype(np.int64)]
    chosen = hospital[stays[:, Stay.FACILITY].astype(np.int64)] & (band >= 0)
    cell = stays[:, Stay.GROUP].astype(np.int64) * shape[1] + np.maximum(band, 0).astype(np.int64)
    admitted = stays[:, Stay.ADMITTED]
    counted = chosen & (admitted >= start) & (admitted < end)
    days = clipped_durations(admitted, stays[:, Stay.LEFT], start, end)
    size = shape[0] * shape[1]
    admissions = np.bincount(cell[counted], minlength=size).reshape(shape)
    bed_days = np.bincount(cell[chosen], weights=days[chosen], minlength=size).reshape(shape)
    return admissions.astype(np.int64), bed_days.astype(float)


def _request_groups(record: ReplicationRecord, start: float, end: float) -> FloatArray:
    """Group of each request for a bed made in [start, end), in :func:`_band_waits`' order."""
    stays, waiting = record.stays, record.waiting
    requested = stays[:, Stay.REQUESTED]
    asked = (requested >= start) & (requested < end)
    late_requested = waiting[:, Waiting.REQUESTED]
    late = waiting[(late_requested >= start) & (late_requested < end)]
    return np.concatenate([stays[asked, Stay.GROUP], late[:, Waiting.GROUP]])
