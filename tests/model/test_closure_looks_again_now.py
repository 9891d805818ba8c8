"""A patient queued at a facility that closes, or asking for a bed after a delay, looks among
the facilities that serve them in the state in force then, not when the step began.

DPS Silsand (midt-troms/dps-closure-2028.yaml) closes on 1 January 2028, the day UNN Åsgård
starts to serve its municipalities; before that its municipalities have only Silsand. Patients
queued there at the closure, and readmissions whose delay began in 2027, used to stay queued
at the closed unit for ever.
"""

from __future__ import annotations

from pathlib import Path

from simulator import load_scenario, simulate

CLOSURE = Path(__file__).resolve().parents[2] / "scenarios" / "midt-troms" / "dps-closure-2028.yaml"


def test_nobody_stays_queued_at_a_closed_facility() -> None:
    scenario = load_scenario(CLOSURE, overrides=("run.days=450", "run.warmup_days=60"))
    results = simulate(scenario, replications=3)
    waits = results.replications
    assert (waits["facility.dps-silsand.still_waiting_at_end"] == 0).all()
    assert (waits["facility.dps-silsand.waits_unresolved"] == 0).all()
    assert (waits["year.2028.facility.dps-silsand.admissions"] == 0).all()
    # The patients queued at the closure were admitted at Åsgård within the run.
    assert (waits["facility.unn-asgard-psykiatri.waits_unresolved"] == 0).all()
    assert results.kpi("year.2028.facility.unn-asgard-psykiatri.admissions") > 0
