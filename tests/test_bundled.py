"""The bundled scenarios load, validate and run; the baseline's numbers do not drift.

Two test tiers of ``shared/STYLE.md`` habit 12: every bundled scenario loads
and runs (shortened to 60 days so the file stays fast), and a fixed-seed
regression of the Midt-Troms baseline against stored output.

The regression file ``tests/data/baseline_regression.json`` holds every KPI of
one replication of ``scenarios/midt-troms/baseline.yaml`` with seed 1 and
``run.days`` 90 (the scenario's own warm-up). Any change to the model, the
random streams, the KPIs or the baseline file changes these numbers. When the
change is deliberate, regenerate the file and commit it with the change,
saying why the numbers moved::

    .venv/bin/python tests/test_bundled.py --regenerate

and look at ``git diff tests/data/baseline_regression.json`` before committing.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator import load_scenario, simulate
from simulator.cli import main

ROOT = Path(__file__).resolve().parent.parent
# Sweep files (a top-level ``sweep:`` key) and calibration targets files (``targets:``) live
# beside the scenarios; tests/sweeps/test_sweep.py and
# tests/calibration/test_midt_troms_targets.py check them.
SCENARIOS = [
    p
    for p in sorted((ROOT / "scenarios").rglob("*.yaml"))
    if not {"sweep", "targets"} & set(yaml.safe_load(p.read_text(encoding="utf-8")) or {})
]
BASELINE = ROOT / "scenarios" / "midt-troms" / "baseline.yaml"
REGRESSION = Path(__file__).resolve().parent / "data" / "baseline_regression.json"
REGRESSION_SEED = 1
REGRESSION_OVERRIDES = ("run.days=90",)
SHORT = ("run.days=60", "run.warmup_days=10")


def ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT / "scenarios")) for p in paths]


def test_there_are_bundled_scenarios() -> None:
    assert BASELINE in SCENARIOS
    assert len(SCENARIOS) >= 2


@pytest.mark.parametrize("path", SCENARIOS, ids=ids(SCENARIOS))
def test_bundled_scenario_validates(path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok")


@pytest.mark.parametrize("path", SCENARIOS, ids=ids(SCENARIOS))
def test_bundled_scenario_runs(path: Path) -> None:
    scenario = load_scenario(path, overrides=SHORT)
    assert scenario.run.days == 60 and scenario.run.warmup_days == 10
    results = simulate(scenario, replications=1)
    assert len(results.replications) == 1
    assert not results.failures
    total = results.kpi("cost.total")
    assert math.isfinite(total) and total > 0
    # Every facility and group of the scenario reports its KPIs.
    for fid in scenario.facilities:
        assert math.isfinite(results.kpi(f"facility.{fid}.bed_days"))
    assert sum(results.kpi(f"group.{gid}.episodes") for gid in scenario.groups) > 0


@pytest.mark.parametrize("path", SCENARIOS, ids=ids(SCENARIOS))
def test_resolved_bundled_scenario_loads_back_equal(path: Path, tmp_path: Path) -> None:
    """``samsim show`` output (what a results folder stores) loads to the same scenario."""
    scenario = load_scenario(path)
    result = CliRunner().invoke(main, ["show", str(path)])
    assert result.exit_code == 0, result.output
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(result.stdout, encoding="utf-8")
    assert "extends" not in yaml.safe_load(result.stdout)
    assert load_scenario(resolved) == scenario


def baseline_kpis() -> dict[str, float]:
    """Every KPI of the regression run, as the stored file holds them."""
    scenario = load_scenario(BASELINE, overrides=REGRESSION_OVERRIDES)
    results = simulate(scenario, replications=1, seed=REGRESSION_SEED)
    row = results.replications.iloc[0].drop("replication")
    return {str(k): float(v) for k, v in row.items()}


def regenerate() -> None:
    """Write the regression file from the current code (see the module docstring)."""
    values = baseline_kpis()
    stored = {
        "scenario": str(BASELINE.relative_to(ROOT)),
        "seed": REGRESSION_SEED,
        "replications": 1,
        "overrides": list(REGRESSION_OVERRIDES),
        "kpis": {k: (None if math.isnan(v) else v) for k, v in sorted(values.items())},
    }
    REGRESSION.parent.mkdir(parents=True, exist_ok=True)
    REGRESSION.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")


def test_baseline_regression() -> None:
    """The baseline with seed 1, one replication, 90 days gives the stored KPIs (rel 1e-9)."""
    stored = json.loads(REGRESSION.read_text(encoding="utf-8"))
    assert stored["seed"] == REGRESSION_SEED
    assert stored["overrides"] == list(REGRESSION_OVERRIDES)
    expected: dict[str, float | None] = stored["kpis"]
    actual = baseline_kpis()
    missing = sorted(set(expected) - set(actual))
    assert not missing, f"KPIs no longer computed: {missing}"
    changed = []
    for name, value in expected.items():
        got = actual[name]
        if value is None:
            ok = math.isnan(got)
        else:
            ok = math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12)
        if not ok:
            changed.append(f"{name}: stored {value}, now {got}")
    assert not changed, (
        f"{len(changed)} KPI(s) changed; if deliberate, regenerate with "
        "`.venv/bin/python tests/test_bundled.py --regenerate`:\n" + "\n".join(changed[:30])
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/test_bundled.py --regenerate")
    regenerate()
    sys.stderr.write(f"wrote {REGRESSION}\n")
