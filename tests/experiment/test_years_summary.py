"""Per-year KPIs through an experiment: summary rows with intervals, written and read back."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from simulator import simulate, validate

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario  # noqa: E402


def test_year_kpis_have_intervals_and_their_means_add_up(tmp_path: Path) -> None:
    data = minimal_scenario()
    data["run"].update({"start_date": "2026-10-01", "days": 200, "warmup_days": 10})
    results = simulate(validate(data), replications=3, seed=4)
    summary = results.summary.set_index("kpi")
    for name in ("cost.total", "cost.payer.municipality", "level.specialist.bed_days"):
        years = [summary.loc[f"year.{y}.{name}"] for y in (2026, 2027)]
        assert all(
            row["n"] == 3 and row["ci_low"] <= row["mean"] <= row["ci_high"] for row in years
        )
        assert sum(row["mean"] for row in years) == pytest.approx(
            summary.loc[name, "mean"], rel=1e-9
        )
    # 2026 is 92 days of the period: its per-year rate is annualised by them.
    assert summary.loc["year.2026.cost.total.per_year", "mean"] == pytest.approx(
        summary.loc["year.2026.cost.total", "mean"] * 365 / 92, rel=1e-12
    )
    assert "year.2028.cost.total" not in summary.index
    folder = Path(results.write(tmp_path))
    written = pd.read_csv(folder / "summary.csv").set_index("kpi")
    assert written.loc["year.2027.cost.municipality.north.paid", "mean"] == pytest.approx(
        summary.loc["year.2027.cost.municipality.north.paid", "mean"], rel=1e-12
    )
