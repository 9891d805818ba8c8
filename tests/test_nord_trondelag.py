"""The Nord-Trøndelag KØHD scenarios: pooling keeps the beds and turns fewer away.

``scenarios/nord-trondelag/kohd-pooling.yaml`` moves the baseline's 29 KØHD
beds in 19 units into three regional units on 1 January 2017. These tests run
2017 only (every unit open, flat demand), paired by replication (the same
seed gives both scenarios the same patients), and check the answer of the
README against Erlang's loss formula: each unit serves only its own
catchment, so with Poisson arrivals it refuses the share B(c, a) of its
candidates, whatever the length-of-stay distribution.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario, simulate
from simulator.analysis.erlang import erlang_b
from simulator.scenario.schema import Scenario

HERE = Path(__file__).resolve().parent.parent / "scenarios" / "nord-trondelag"
BASELINE = HERE / "baseline.yaml"
POOLING = HERE / "kohd-pooling.yaml"
YEAR_2017 = ("run.start_date=2017-01-01", "run.days=365", "run.warmup_days=30")
REGIONS = {"namdal-kohd": 13, "innherred-kohd": 11, "varnes-kohd": 5}
REPLICATIONS = 5
SEED = 11


def kohd_units(scenario: Scenario) -> list[str]:
    return [fid for fid, f in scenario.facilities.items() if f.service == "kohd"]


def turn_away_share(reps: pd.DataFrame) -> pd.Series:
    admissions = reps["service.kohd.admissions"]
    diversions = reps["service.kohd.diversions"]
    return diversions / (admissions + diversions)


@pytest.fixture(scope="module")
def year_2017() -> dict[str, tuple[Scenario, pd.DataFrame]]:
    runs = {}
    for key, path in (("baseline", BASELINE), ("pooling", POOLING)):
        scenario = load_scenario(path, overrides=YEAR_2017)
        results = simulate(scenario, replications=REPLICATIONS, seed=SEED, jobs=1)
        assert not results.failures
        runs[key] = (scenario, results.replications.sort_values("replication"))
    return runs


def test_baseline_has_29_beds_in_19_units_once_all_are_open(
    year_2017: dict[str, tuple[Scenario, pd.DataFrame]],
) -> None:
    scenario, reps = year_2017["baseline"]
    units = kohd_units(scenario)
    assert len(units) == 19
    beds = {fid: reps[f"facility.{fid}.beds_mean"].iloc[0] for fid in units}
    assert sum(beds.values()) == pytest.approx(29)
    assert all(b >= 1 for b in beds.values())
    # Most units are small, as 64 % of units nationally were in 2015.
    assert sum(b <= 2 for b in beds.values()) / len(beds) > 0.64


def test_pooling_keeps_the_same_beds_region_by_region(
    year_2017: dict[str, tuple[Scenario, pd.DataFrame]],
) -> None:
    base_scenario, base = year_2017["baseline"]
    pooled_scenario, pooled = year_2017["pooling"]
    assert base["service.kohd.beds_mean"].iloc[0] == pytest.approx(29)
    assert pooled["service.kohd.beds_mean"].iloc[0] == pytest.approx(29)
    small = kohd_units(base_scenario)
    for fid in small:
        assert pooled[f"facility.{fid}.beds_mean"].iloc[0] == 0
    for region, beds in REGIONS.items():
        assert pooled[f"facility.{region}.beds_mean"].iloc[0] == pytest.approx(beds)
        # The regional unit has exactly the beds of the small units whose
        # municipalities it serves.
        served = set(pooled_scenario.facilities[region].serves or ())
        replaced = [
            fid for fid in small if set(base_scenario.facilities[fid].serves or ()) <= served
        ]
        assert sum(base[f"facility.{fid}.beds_mean"].iloc[0] for fid in replaced) == pytest.approx(
            beds
        )
    assert len(pooled_scenario.facilities) == len(base_scenario.facilities) + len(REGIONS)


def test_pooling_turns_fewer_candidates_away_paired(
    year_2017: dict[str, tuple[Scenario, pd.DataFrame]],
) -> None:
    _, base = year_2017["baseline"]
    _, pooled = year_2017["pooling"]
    # Common random numbers: the same candidates arrive in both.
    candidates_base = base["service.kohd.admissions"] + base["service.kohd.diversions"]
    candidates_pooled = pooled["service.kohd.admissions"] + pooled["service.kohd.diversions"]
    np.testing.assert_array_equal(candidates_base.to_numpy(), candidates_pooled.to_numpy())
    difference = turn_away_share(pooled).to_numpy() - turn_away_share(base).to_numpy()
    assert (difference < 0).all()
    mean, sd = difference.mean(), difference.std(ddof=1)
    assert (
        mean + 2.776 * sd / np.sqrt(REPLICATIONS) < 0
    )  # t(0.975, 4): the 95 % interval is below 0
    # Fewer turned away means fewer sent to hospital (a quarter of them).
    assert pooled["service.hospital.admissions"].mean() < base["service.hospital.admissions"].mean()


def expected_turned_away(
    scenario: Scenario, reps: pd.DataFrame, units: list[str]
) -> tuple[float, float]:
    """Σ candidates × B(c, a) over the units, a = the unit's offered load; and the count seen."""
    expected = observed = 0.0
    for fid in units:
        beds = int(round(reps[f"facility.{fid}.beds_mean"].iloc[0]))
        load = float(reps[f"facility.{fid}.offered_load"].mean())
        candidates = float(
            (reps[f"facility.{fid}.admissions"] + reps[f"facility.{fid}.diversions"]).sum()
        )
        expected += candidates * erlang_b(beds, load)
        observed += float(reps[f"facility.{fid}.diversions"].sum())
    return expected, observed


def test_turn_aways_match_erlang_b(year_2017: dict[str, tuple[Scenario, pd.DataFrame]]) -> None:
    base_scenario, base = year_2017["baseline"]
    expected, observed = expected_turned_away(base_scenario, base, kohd_units(base_scenario))
    # About 540 expected over 5 replications: within 15 % (about 3 standard deviations).
    assert observed == pytest.approx(expected, rel=0.15)
    pooled_scenario, pooled = year_2017["pooling"]
    expected, observed = expected_turned_away(pooled_scenario, pooled, list(REGIONS))
    # About 28 expected (Værnes's 5 beds most of them): Poisson, within 4 standard deviations.
    assert 10 < expected < 50
    assert abs(observed - expected) < 4 * np.sqrt(expected)
