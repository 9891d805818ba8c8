"""Experiments and their results folder: :func:`simulator.simulate` and ``Results.write``.

The tables follow the Results section of ``shared/scenario-format.md``; the
folder follows habit 8 of ``shared/STYLE.md``: every result beside the
scenario that produced it, in a folder nothing overwrites, with files that
are byte-identical for the same seed.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator import Results, Scenario, load_scenario, simulate, validate
from simulator.store.results import scenario_hash

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario  # noqa: E402

REPLICATIONS = 3
SEED = 7
FILES = ("scenario.yaml", "manifest.json", "summary.csv", "replications.csv", "daily_occupancy.csv")


def short_scenario() -> Scenario:
    data: dict[str, Any] = minimal_scenario()
    data["run"].update(days=60, warmup_days=10)
    return validate(data)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return short_scenario()


@pytest.fixture(scope="module")
def results(scenario: Scenario) -> Results:
    return simulate(scenario, replications=REPLICATIONS, seed=SEED)


def kpi_names(scenario: Scenario) -> list[str]:
    """Every KPI the Results section of the scenario format names."""
    names = []
    for fid in scenario.facilities:
        names += [
            f"facility.{fid}.{k}"
            for k in (
                "admissions",
                "diversions",
                "diversion_share",
                "occupancy_mean",
                "occupancy_p95",
                "utilisation",
                "days_above_85pct",
                "days_above_100pct",
                "overflow_days",
                "blocked_days",
                "bed_days",
                "wait_mean",
                "wait_p90",
            )
        ]
    for gid in scenario.groups:
        names += [
            f"group.{gid}.{k}"
            for k in ("episodes", "wait_mean", "wait_p90", "municipal_share", "deaths")
        ]
    for mid in scenario.municipalities:
        names += [f"municipality.{mid}.{k}" for k in ("episodes", "travel_minutes_mean", "cost")]
    names += ["cost.total", "cost.payer.municipality", "cost.payer.health_trust"]
    names += [f"cost.facility.{fid}" for fid in scenario.facilities]
    names += ["cost.transport"]
    return names


# --- the tables ------------------------------------------------------------------


def test_summary_columns_and_intervals(results: Results) -> None:
    summary = results.summary
    assert list(summary.columns) == ["kpi", "mean", "std", "ci_low", "ci_high", "n"]
    assert summary["kpi"].is_unique
    with_interval = summary.dropna(subset=["ci_low", "ci_high"])
    assert len(with_interval) > 0
    tolerance = 1e-9 * np.maximum(1.0, with_interval["mean"].abs())
    assert (with_interval["ci_low"] <= with_interval["mean"] + tolerance).all()
    assert (with_interval["mean"] <= with_interval["ci_high"] + tolerance).all()
    assert (with_interval["std"] >= 0).all()


def test_summary_n_counts_replications(results: Results) -> None:
    table = results.replications
    for row in results.summary.itertuples():
        finite = int(np.isfinite(table[row.kpi].to_numpy(dtype=float)).sum())
        assert row.n == finite, row.kpi
    # KPIs defined in every replication (counts, costs) rest on all of them.
    summary = results.summary.set_index("kpi")
    for name in ("cost.total", "facility.hospital.admissions", "group.kols.episodes"):
        assert summary.loc[name, "n"] == REPLICATIONS


def test_summary_mean_is_mean_of_replications(results: Results) -> None:
    table = results.replications
    for row in results.summary.itertuples():
        values = table[row.kpi].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if len(values):
            assert math.isclose(row.mean, values.mean(), rel_tol=1e-12, abs_tol=1e-12)
        else:
            assert math.isnan(row.mean)
    assert results.kpi("cost.total") == pytest.approx(table["cost.total"].mean(), rel=1e-12)
    with pytest.raises(KeyError):
        results.kpi("no.such.kpi")


def test_replications_table(results: Results, scenario: Scenario) -> None:
    table = results.replications
    assert len(table) == REPLICATIONS
    assert list(table["replication"]) == list(range(REPLICATIONS))
    assert table["replication"].is_monotonic_increasing
    assert set(results.summary["kpi"]) == set(table.columns) - {"replication"}


def test_every_kpi_of_the_format_is_present(results: Results, scenario: Scenario) -> None:
    missing = [k for k in kpi_names(scenario) if k not in set(results.summary["kpi"])]
    assert not missing, f"KPIs of scenario-format.md missing: {missing}"


def test_daily_occupancy(results: Results, scenario: Scenario) -> None:
    daily = results.daily_occupancy
    assert list(daily.columns[:5]) == ["day", "facility", "mean", "p05", "p95"]
    assert set(daily.columns) <= {"day", "facility", "mean", "p05", "p95", "beds"}
    days = int(scenario.run.days)
    assert len(daily) == days * len(scenario.facilities)
    assert set(daily["facility"]) == set(scenario.facilities)
    first = daily[daily["facility"] == "hospital"]["day"]
    assert first.iloc[0] == scenario.run.start_date.isoformat()
    assert first.is_unique and len(first) == days
    tolerance = 1e-9
    assert (daily["p05"] <= daily["mean"] + tolerance).all()
    assert (daily["mean"] <= daily["p95"] + tolerance).all()
    assert (daily["p05"] >= 0).all()
    # The daily means average to the occupancy KPI.
    for fid in scenario.facilities:
        mine = daily[daily["facility"] == fid]["mean"].mean()
        assert mine == pytest.approx(results.kpi(f"facility.{fid}.occupancy_mean"), rel=1e-9)


def test_replications_must_be_positive(scenario: Scenario) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        simulate(scenario, replications=0, seed=1)


def test_defaults_come_from_the_scenario() -> None:
    data: dict[str, Any] = minimal_scenario()
    data["run"].update(days=30, warmup_days=5, replications=2, seed=11)
    results = simulate(validate(data))
    assert results.seed == 11
    assert len(results.replications) == 2


# --- the results folder -------------------------------------------------------


def test_write_makes_the_folder(results: Results, scenario: Scenario, tmp_path: Path) -> None:
    folder = Path(results.write(str(tmp_path)))
    assert folder.is_dir()
    assert folder.parent == tmp_path / scenario.name
    for name in FILES:
        assert (folder / name).is_file(), name
    # No staging folder is left behind.
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]

    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary.columns) == ["kpi", "mean", "std", "ci_low", "ci_high", "n"]
    assert len(summary) == len(results.summary)
    replications = pd.read_csv(folder / "replications.csv")
    assert list(replications["replication"]) == list(range(REPLICATIONS))
    daily = pd.read_csv(folder / "daily_occupancy.csv")
    assert list(daily.columns[:5]) == ["day", "facility", "mean", "p05", "p95"]

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == SEED
    assert manifest["replications"] == REPLICATIONS
    for key in ("scenario_hash", "started", "finished", "python", "packages"):
        assert manifest[key], key


def test_scenario_yaml_reloads_to_an_equal_scenario(
    results: Results, scenario: Scenario, tmp_path: Path
) -> None:
    folder = Path(results.write(str(tmp_path)))
    reloaded = load_scenario(folder / "scenario.yaml")
    assert reloaded == scenario
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario_hash"] == scenario_hash(reloaded) == scenario_hash(scenario)


def test_writing_twice_never_overwrites(results: Results, tmp_path: Path) -> None:
    first = Path(results.write(str(tmp_path)))
    before = {name: (first / name).read_bytes() for name in FILES}
    stamps = {name: (first / name).stat().st_mtime_ns for name in FILES}
    second = Path(results.write(str(tmp_path)))
    third = Path(results.write(str(tmp_path)))
    assert len({first, second, third}) == 3
    assert first.parent == second.parent == third.parent
    for name in FILES:
        assert (first / name).read_bytes() == before[name]
        assert (first / name).stat().st_mtime_ns == stamps[name]
        assert (second / name).is_file() and (third / name).is_file()


def test_same_seed_writes_identical_files(scenario: Scenario, tmp_path: Path) -> None:
    a = Path(simulate(scenario, replications=2, seed=5).write(str(tmp_path / "a")))
    b = Path(simulate(scenario, replications=2, seed=5).write(str(tmp_path / "b")))
    for name in ("summary.csv", "replications.csv", "daily_occupancy.csv", "scenario.yaml"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = Path(simulate(scenario, replications=2, seed=6).write(str(tmp_path / "c")))
    assert (a / "replications.csv").read_bytes() != (c / "replications.csv").read_bytes()


def test_worker_processes_do_not_change_results(scenario: Scenario, tmp_path: Path) -> None:
    serial = Path(simulate(scenario, replications=3, seed=5, jobs=1).write(str(tmp_path / "s")))
    parallel = Path(simulate(scenario, replications=3, seed=5, jobs=2).write(str(tmp_path / "p")))
    for name in ("summary.csv", "replications.csv", "daily_occupancy.csv"):
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name


def test_replication_numbers_do_not_depend_on_how_many(scenario: Scenario) -> None:
    """Replication r's KPIs come from (seed, r) only, so the first rows of a longer run agree."""
    two = simulate(scenario, replications=2, seed=5).replications
    three = simulate(scenario, replications=3, seed=5).replications
    pd.testing.assert_frame_equal(two, three.iloc[:2])


def test_scenario_without_groups_costs_its_open_beds(tmp_path: Path) -> None:
    """No demand at all is valid: the open beds still cost per_bed_year, prorated."""
    data: dict[str, Any] = {
        "name": "empty",
        "run": {"start_date": "2025-01-01", "days": 73, "warmup_days": 5},
        "municipalities": {"a": {"population": 100}, "b": {"population": 300}},
        "facilities": {
            "unit": {
                "service": "kohd",
                "level": "municipal",
                "beds": 5,
                "costs": {"per_bed_year": 365_000, "per_bed_day": 1000},
            }
        },
    }
    results = simulate(validate(data), replications=2, seed=1)
    expected = 365_000 * 5 * 73 / 365
    assert results.kpi("cost.total") == pytest.approx(expected, rel=1e-12)
    assert results.kpi("cost.payer.municipality") == pytest.approx(expected, rel=1e-12)
    # No patients: the fixed cost is shared by population.
    assert results.kpi("municipality.a.cost") == pytest.approx(expected / 4, rel=1e-12)
    assert results.kpi("municipality.b.cost") == pytest.approx(3 * expected / 4, rel=1e-12)
    assert results.kpi("facility.unit.admissions") == 0
    assert math.isnan(results.kpi("facility.unit.wait_mean"))
    folder = Path(results.write(str(tmp_path)))
    assert (folder / "summary.csv").is_file()
