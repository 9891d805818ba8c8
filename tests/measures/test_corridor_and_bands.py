"""The corridor share of a ward and hospital admissions and bed-days by age band, against
exact results.

* ``facility.<id>.corridor_share``: of the admissions in the period, the share admitted
  above capacity. On a ward that overflows, with Poisson arrivals and exponential stays,
  the patients in the ward are M/M/infinity (a corridor patient still stays), so by
  PASTA an admission finds every bed taken with probability P(N >= c), N ~ Poisson(a):
  the share of time the ward is full. Checked against that with 4 SE, and exactly
  against the stays table (region and background patients).
* ``group.<g>.band.<b>.hospital_admissions`` / ``.hospital_bed_days`` and
  ``band.<b>.*``: the bands add up exactly to the hospital ward's admissions and
  bed-days, the groups add up to the band's, the years to the period's, and
  ``.per_1000`` is per 1 000 inhabitants of the band (``band.<b>.population``).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simulator import validate
from simulator.measures.kpis import compute_kpis
from simulator.measures.windows import period_window
from simulator.measures.years import replication_kpis
from simulator.model.capacity import Outside, OutsideKind
from simulator.model.engine import run_replication
from simulator.model.records import Stay

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario, single_unit_dict  # noqa: E402

Z = 4.0
EXPONENTIAL = {"dist": "exponential", "mean": 1.0}


def test_corridor_share_is_the_share_of_time_full_on_an_overflowing_ward() -> None:
    beds, load = 3, 2.5  # P(N >= 3) = 0.456 for N ~ Poisson(2.5)
    scenario = validate(single_unit_dict(beds, load, EXPONENTIAL, "overflow", 2000, 30))
    shares, full = [], []
    for r in range(8):
        record = run_replication(scenario, 61, r)
        kpis, _ = compute_kpis(record, scenario)
        stays = record.stays
        inside = (stays[:, Stay.ADMITTED] >= record.warmup) & (
            stays[:, Stay.ADMITTED] < record.horizon
        )
        # Exactly: the share of the period's admissions flagged as above capacity.
        assert kpis["facility.unit.corridor_share"] == pytest.approx(
            float(stays[inside, Stay.OVERFLOW].mean()), rel=1e-12
        )
        shares.append(kpis["facility.unit.corridor_share"])
        full.append(kpis["facility.unit.share_time_full"])
    theory = float(stats.poisson.sf(beds - 1, load))
    x = np.asarray(shares)
    mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))
    assert se < 0.02 * theory
    assert abs(mean - theory) < Z * se, f"corridor share {mean:.4f} ± {se:.4f} vs {theory:.4f}"
    # PASTA: the same as the share of time full, replication by replication up to noise.
    assert abs(mean - float(np.mean(full))) < Z * se


def test_corridor_share_of_a_ward_that_never_overflows_is_zero() -> None:
    scenario = validate(single_unit_dict(2, 1.5, EXPONENTIAL, "queue", 300, 10))
    kpis, _ = compute_kpis(run_replication(scenario, 3, 0), scenario)
    assert kpis["facility.unit.admissions"] > 100
    assert kpis["facility.unit.corridor_share"] == 0.0


def test_corridor_share_of_a_shared_ward_counts_everyone_and_the_region_apart() -> None:
    data = single_unit_dict(4, 1.5, EXPONENTIAL, "overflow", 600, 20)
    data["facilities"]["unit"]["background"] = {
        "admissions_per_year": 2.0 * 365,
        "los": EXPONENTIAL,
    }
    scenario = validate(data)
    record = run_replication(scenario, 5, 0)
    kpis, _ = compute_kpis(record, scenario)
    start, end = record.warmup, record.horizon
    stays, outside = record.stays, record.capacity.outside
    mine = stays[(stays[:, Stay.ADMITTED] >= start) & (stays[:, Stay.ADMITTED] < end)]
    theirs = outside[
        (outside[:, Outside.KIND] == OutsideKind.BACKGROUND)
        & (outside[:, Outside.ADMITTED] >= start)
        & (outside[:, Outside.ADMITTED] < end)
    ]
    region = float(mine[:, Stay.OVERFLOW].mean())
    everyone = float(
        (mine[:, Stay.OVERFLOW].sum() + theirs[:, Outside.OVERFLOW].sum())
        / (len(mine) + len(theirs))
    )
    assert 0.05 < region < 0.95 and 0.05 < everyone < 0.95  # both kinds of admission occur
    assert kpis["facility.unit.region.corridor_share"] == pytest.approx(region, rel=1e-12)
    assert kpis["facility.unit.corridor_share"] == pytest.approx(everyone, rel=1e-12)


BANDS = ("0-66", "67-79", "80+")


def banded() -> dict[str, Any]:
    """The minimal scenario with populations by band, two banded groups, a second hospital
    and a KØHD stay that moves patients on to hospital (so hospital stays start mid-episode)."""
    data = minimal_scenario()
    data["run"].update({"start_date": "2027-07-01", "days": 600, "warmup_days": 20})
    data["municipalities"]["north"]["population"] = {"0-66": 7000, "67-79": 2000, "80+": 1000}
    data["municipalities"]["south"]["population"] = {"0-66": 3000, "67-79": 700, "80+": 300}
    kols = data["groups"]["kols"]
    kols["rate_per_1000"] = {"0-66": 2.0, "67-79": 20.0, "80+": 40.0}
    kols["bands"] = {}
    other = {
        "rate_per_1000": {"0-66": 5.0, "67-79": 30.0, "80+": 60.0},
        "entry": {"ward": 1.0},
        "bands": {},
        "steps": {
            "ward": {
                "service": "hospital",
                "los": {"dist": "gamma", "mean": 4.0, "cv": 0.8},
                "next": {"home": 1.0},
            }
        },
    }
    data["groups"]["other"] = other
    return data


def test_hospital_admissions_and_bed_days_by_band_add_up_exactly() -> None:
    scenario = validate(banded())
    record = run_replication(scenario, 17, 0)
    kpis, _ = replication_kpis(record, scenario)
    for measure, facility_kpi in (
        ("hospital_admissions", "facility.hospital.admissions"),
        ("hospital_bed_days", "facility.hospital.bed_days"),
    ):
        by_band = {b: kpis[f"band.{b}.{measure}"] for b in BANDS}
        # every group's bands add up to the band's total ...
        for b in BANDS:
            groups = sum(kpis[f"group.{g}.band.{b}.{measure}"] for g in ("kols", "other"))
            assert by_band[b] == pytest.approx(groups, rel=1e-12)
        # ... and the bands to the hospital ward's (the only ward of service hospital; no
        # background, nobody in a bed at the start).
        assert sum(by_band.values()) == pytest.approx(kpis[facility_kpi], rel=1e-9)
        assert by_band["80+"] > 0 and by_band["0-66"] > 0
        # The years add up to the period.
        for b in BANDS:
            years = sum(kpis[f"year.{y}.band.{b}.{measure}"] for y in (2027, 2028, 2029))
            assert years == pytest.approx(by_band[b], rel=1e-9)
    # The KØHD's stays are not hospital admissions.
    assert sum(kpis[f"band.{b}.hospital_admissions"] for b in BANDS) < (
        kpis["facility.hospital.admissions"] + kpis["facility.kohd-north.admissions"]
    )


def test_hospital_admissions_per_1000_use_the_band_population() -> None:
    scenario = validate(banded())
    record = run_replication(scenario, 19, 0)
    kpis, _ = replication_kpis(record, scenario)
    years = period_window(scenario).years
    # South grows 1 % a year from 2027-01-01: the band's mean over the period is
    # above its count, and the population KPI follows it.
    assert 1000 + 300 < kpis["band.80+.population"] < (1000 + 300 * 1.01**3)
    for b, count in (("0-66", 10000), ("67-79", 2700), ("80+", 1300)):
        population = kpis[f"band.{b}.population"]
        assert count <= population < count * 1.01
        per_year = kpis[f"band.{b}.hospital_admissions"] / years
        assert kpis[f"band.{b}.hospital_admissions.per_year"] == pytest.approx(per_year)
        assert kpis[f"band.{b}.hospital_admissions.per_1000"] == pytest.approx(
            per_year / population * 1000
        )
        assert kpis[f"group.other.band.{b}.hospital_bed_days.per_1000"] == pytest.approx(
            kpis[f"group.other.band.{b}.hospital_bed_days"] / years / population * 1000
        )


def test_no_band_kpis_without_bands() -> None:
    scenario = validate(minimal_scenario())
    kpis, _ = replication_kpis(run_replication(scenario, 3, 0), scenario, by_year=False)
    assert not [k for k in kpis if k.startswith("band.") or ".hospital_" in k]
