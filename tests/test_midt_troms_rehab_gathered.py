"""The rehab-gathered overlay of Midt-Troms: nothing changes before its date, and from it
DMS Senja's rehabilitation unit takes nobody and its patients go to UNN Harstad.

Two replications of 2025-2026 with the same seed: every KPI of 2025 is the same
number in both runs (the closure is a dated state, so nothing before it moves).
"""

from __future__ import annotations

import math
from pathlib import Path

from simulator import load_scenario, simulate

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "scenarios" / "midt-troms"
SHORT = ("run.days=730", "run.replications=2")


def test_rehab_gathered_changes_nothing_before_its_date_and_closes_dms_senja() -> None:
    base = simulate(load_scenario(FOLDER / "baseline.yaml", overrides=SHORT), jobs=1)
    alt = simulate(load_scenario(FOLDER / "rehab-gathered.yaml", overrides=SHORT), jobs=1)
    before = [c for c in base.replications.columns if c.startswith("year.2025.")]
    assert len(before) > 1000
    for column in before:
        for b, a in zip(base.replications[column], alt.replications[column], strict=True):
            assert (math.isnan(b) and math.isnan(a)) or b == a, column
    rehab = "year.2026.facility.dms-senja-rehab"
    harstad = "year.2026.facility.unn-harstad-rehab"
    assert (base.replications[f"{rehab}.admissions"] > 5).all()
    assert (alt.replications[f"{rehab}.admissions"] == 0).all()
    assert (alt.replications[f"{rehab}.still_waiting_at_end"] == 0).all()
    assert (alt.replications[f"{harstad}.beds_mean"] == 4).all()
    # DMS Senja's patients go to Harstad: its admissions rise by about DMS Senja's.
    moved = alt.replications[f"{harstad}.admissions"] - base.replications[f"{harstad}.admissions"]
    assert (moved >= 0.7 * base.replications[f"{rehab}.admissions"]).all()
