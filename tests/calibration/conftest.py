"""A single unit with Poisson arrivals and exponential stays (M/M/c), written as files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import single_unit_dict, write_yaml

TRUE_ARRIVALS = 4.0
"""Arrivals a day of the unit whose rate the tests recover (rate_per_1000 = 4 * 365)."""
MEAN_STAY = 5.0
TRUE_OCCUPANCY = TRUE_ARRIVALS * MEAN_STAY
"""Little's law: mean occupied beds = arrivals a day x mean stay (beds never bind here)."""


def unit_scenario(arrivals: float = 0.6 * TRUE_ARRIVALS, **run: Any) -> dict[str, Any]:
    """The M/M/c unit with ample beds (60 for a mean of 20), short and cheap to run."""
    data = single_unit_dict(
        60, arrivals, {"dist": "exponential", "mean": MEAN_STAY}, "overflow", 300, 40
    )
    data["run"].update({"replications": 4, "seed": 3, **run})
    return data


def targets_dict(**changes: Any) -> dict[str, Any]:
    """Occupancy fitted, admissions per 1 000 held out, the arrival rate free."""
    data: dict[str, Any] = {
        "scenario": "unit.yaml",
        "targets": {
            "occupancy": {
                "kpi": "facility.unit.occupancy_mean",
                "observed": TRUE_OCCUPANCY,
                "tolerance": "5%",
                "source": "Little's law for 4 arrivals a day of mean stay 5",
            },
            "admissions-per-1000": {
                "kpi": "1000 * `facility.unit.admissions.per_year` / population",
                "observed": TRUE_ARRIVALS * 365,
                "tolerance": "5%",
                "source": "4 arrivals a day in a population of 1 000",
                "fit": False,
            },
        },
        "parameters": {"groups.g.rate_per_1000": {"bounds": [100, 5000]}},
    }
    data.update(changes)
    return data


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """``unit.yaml`` (arrivals 40 % too low) and ``targets.yaml`` beside it."""
    scenario = write_yaml(tmp_path / "unit.yaml", unit_scenario())
    targets = write_yaml(tmp_path / "targets.yaml", targets_dict())
    return scenario, targets
