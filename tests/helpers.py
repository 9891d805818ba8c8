"""Shared test helpers: a small valid scenario, fresh on every call.

``minimal_scenario()`` is the smallest scenario that still exercises every
kind of step: a KØHD unit that diverts to hospital when full, a hospital that
overflows, a nursing home reached with ``wait_in: previous_bed``, and a
readmission after a delay at home. Tests change a copy and validate it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

__all__ = ["minimal_scenario", "single_unit_dict", "write_yaml"]

_MINIMAL: dict[str, Any] = {
    "name": "minimal",
    "run": {"start_date": "2025-01-01", "days": 365, "warmup_days": 30, "replications": 2},
    "municipalities": {
        "north": {
            "population": 10000,
            "travel_minutes": {"kohd-north": 15, "hospital": 90},
        },
        "south": {"population": 4000, "growth_per_year": 0.01},
    },
    "facilities": {
        "kohd-north": {
            "service": "kohd",
            "level": "municipal",
            "beds": 2,
            "when_full": "divert",
        },
        "hospital": {
            "service": "hospital",
            "level": "specialist",
            "beds": 10,
            "when_full": "overflow",
            "costs": {"per_bed_day": 12000},
        },
        "nursing-home": {
            "service": "nursing_home",
            "level": "municipal",
            "beds": 5,
            "schedule": [{"date": "2025-06-01", "beds": 6}],
        },
    },
    "groups": {
        "kols": {
            "rate_per_1000": 5.0,
            "entry": {"kohd_stay": 0.4, "hospital_stay": 0.6},
            "steps": {
                "kohd_stay": {
                    "service": "kohd",
                    "los": {"dist": "lognormal", "mean": 2.4, "cv": 0.6},
                    "when_full": {"divert_to": "hospital_stay"},
                    "next": {"home": 0.9, "hospital_stay": 0.1},
                },
                "hospital_stay": {
                    "service": "hospital",
                    "los": {"dist": "lognormal", "mean": 5.5, "cv": 0.8},
                    "next": {"home": 0.6, "short_term": 0.2, "readmission": 0.15, "death": 0.05},
                },
                "short_term": {
                    "service": "nursing_home",
                    "wait_in": "previous_bed",
                    "los": {"dist": "gamma", "mean": 21, "cv": 1.0},
                    "next": {"home": 1.0},
                },
                "readmission": {
                    "delay": {"dist": "exponential", "mean": 20},
                    "service": "hospital",
                    "los": {"dist": "lognormal", "mean": 5.0, "cv": 0.8},
                    "next": {"home": 1.0},
                },
            },
        }
    },
    "costs": {"blocked_day_rate": 5900},
}


def minimal_scenario() -> dict[str, Any]:
    """A small valid scenario as plain data; a fresh deep copy on each call."""
    return copy.deepcopy(_MINIMAL)


def write_yaml(path: Path, data: Any) -> Path:
    """Write ``data`` as YAML to ``path`` (parents created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def single_unit_dict(
    beds: int,
    arrivals_per_day: float,
    los: dict[str, Any],
    when_full: str,
    days: float,
    warmup: float,
    name: str = "single-unit",
) -> dict[str, Any]:
    """One municipality of 1000, one unit, one group with one step and then home.

    A rate year is 365 days, so ``rate_per_1000 = arrivals_per_day * 365`` gives
    ``arrivals_per_day`` Poisson arrivals a day.
    """
    return {
        "name": name,
        "run": {"start_date": "2025-01-01", "days": days, "warmup_days": warmup},
        "municipalities": {"m": {"population": 1000}},
        "facilities": {"unit": {"service": "unit", "level": "municipal", "beds": beds}},
        "groups": {
            "g": {
                "rate_per_1000": arrivals_per_day * 365,
                "entry": {"stay": 1.0},
                "steps": {
                    "stay": {
                        "service": "unit",
                        "los": los,
                        "when_full": when_full,
                        "next": {"home": 1.0},
                    }
                },
            }
        },
    }


def closing_loss_unit(beds: int, load: float, *, closes: bool) -> dict[str, Any]:
    """M/M/c/c (exponential stays of one day, ``load`` Erlang) from 1 January 2025 for two
    years, 30 days' warm-up; closed (0 beds) from 1 January 2026 if ``closes``."""
    data = single_unit_dict(
        beds, load, {"dist": "exponential", "mean": 1.0}, "divert", days=730, warmup=30
    )
    if closes:
        data["facilities"]["unit"]["schedule"] = [{"date": "2026-01-01", "beds": 0}]
    return data
