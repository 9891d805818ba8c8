"""Reading a saved results folder back: a run folder or a comparison folder.

:func:`read_run` and :func:`read_comparison` turn the files that
:mod:`simulator.store.results` and :mod:`simulator.experiment.compare` wrote into plain data (the
resolved scenario as a dict, the manifest, the tables as DataFrames), so that
plots and the report never see the model. A missing table reads as an empty
DataFrame, a missing JSON file as an empty dict: a folder written by an older
version still gives what it has.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulator.text.labels import Names, display_names, format_number, label

__all__ = [
    "ComparisonFolder",
    "RunFolder",
    "is_comparison",
    "kpi_interval",
    "period_bounds",
    "period_text",
    "read_comparison",
    "read_run",
    "significant",
]


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


def _json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def kpi_interval(summary: pd.DataFrame, kpi: str) -> tuple[float, float, float]:
    """Mean and 95 % interval of a KPI in a ``summary.csv`` table; nan where it is missing."""
    if summary.empty:
        return math.nan, math.nan, math.nan
    row = summary.loc[summary["kpi"] == kpi]
    if row.empty:
        return math.nan, math.nan, math.nan
    first = row.iloc[0]
    return float(first["mean"]), float(first["ci_low"]), float(first["ci_high"])


@dataclass(frozen=True)
class RunFolder:
    """The files of one run folder (a missing table is an empty DataFrame)."""

    path: Path
    scenario: dict[str, Any]
    manifest: dict[str, Any]
    summary: pd.DataFrame
    daily_occupancy: pd.DataFrame
    occupancy_distribution: pd.DataFrame
    wait_distribution: pd.DataFrame
    warmup: pd.DataFrame
    advice: pd.DataFrame

    @property
    def names(self) -> Names:
        """Display names by section and id."""
        return display_names(self.scenario)

    @property
    def title(self) -> str:
        """The scenario's title, else the manifest's, else the folder's name."""
        return str(self.scenario.get("title") or self.manifest.get("title") or self.path.name)

    @property
    def replications(self) -> int:
        """Replications the summary rests on."""
        value = self.manifest.get("replications")
        if isinstance(value, int):
            return value
        return int(self.summary["n"].max()) if "n" in self.summary and len(self.summary) else 0

    def interval(self, kpi: str) -> tuple[float, float, float]:
        """Mean and 95 % interval of a KPI; nan where it is not in the summary."""
        return kpi_interval(self.summary, kpi)


def read_run(folder: Path) -> RunFolder:
    """Read a run folder written by :func:`simulator.store.results.write_results`."""
    folder = Path(folder)
    scenario_file = folder / "scenario.yaml"
    scenario = yaml.safe_load(scenario_file.read_text(encoding="utf-8")) or {}
    return RunFolder(
        path=folder,
        scenario=scenario if isinstance(scenario, dict) else {},
        manifest=_json(folder / "manifest.json"),
        summary=_csv(folder / "summary.csv"),
        daily_occupancy=_csv(folder / "daily_occupancy.csv"),
        occupancy_distribution=_csv(folder / "occupancy_distribution.csv"),
        wait_distribution=_csv(folder / "wait_distribution.csv"),
        warmup=_csv(folder / "warmup.csv"),
        advice=_csv(folder / "advice.csv"),
    )


@dataclass(frozen=True)
class ComparisonFolder:
    """A comparison folder: paired differences and one run folder per scenario."""

    path: Path
    manifest: dict[str, Any]
    comparison: pd.DataFrame
    base: str
    runs: dict[str, RunFolder]  # by scenario name, base first

    @property
    def alternatives(self) -> list[str]:
        """The alternatives' names, in the order they were compared."""
        return [name for name in self.runs if name != self.base]


def is_comparison(folder: Path) -> bool:
    """Whether ``folder`` holds a comparison (``comparison.csv``) rather than one run."""
    return (Path(folder) / "comparison.csv").exists()


def read_comparison(folder: Path) -> ComparisonFolder:
    """Read a comparison folder: ``comparison.csv``, the manifest and each scenario's folder."""
    folder = Path(folder)
    manifest = _json(folder / "manifest.json")
    table = _csv(folder / "comparison.csv")
    alternatives = [str(a) for a in manifest.get("alternatives", [])] or list(
        dict.fromkeys(str(s) for s in table.get("scenario", []))
    )
    subfolders = sorted(p.name for p in folder.iterdir() if (p / "summary.csv").exists())
    base = str(manifest.get("base", ""))
    if not base:
        others = [name for name in subfolders if name not in alternatives]
        base = others[0] if others else ""
    order = [base, *alternatives] + [n for n in subfolders if n != base and n not in alternatives]
    runs = {name: read_run(folder / name) for name in order if (folder / name).is_dir()}
    return ComparisonFolder(folder, manifest, table, base, runs)


def significant(rows: pd.DataFrame) -> np.ndarray:
    """Which ``comparison.csv`` rows changed significantly: a boolean per row.

    A row is significant when its 95 % interval excludes 0; where the interval
    is not finite, when its p-value is below 0.05.
    """
    low = rows["ci_low"].to_numpy(dtype=float)
    high = rows["ci_high"].to_numpy(dtype=float)
    p = rows["p_value"].to_numpy(dtype=float) if "p_value" in rows else np.full(len(rows), np.nan)
    by_interval = (low > 0) | (high < 0)
    result: np.ndarray = np.where(np.isfinite(low) & np.isfinite(high), by_interval, p < 0.05)
    return result


def period_bounds(scenario: Mapping[str, Any]) -> tuple[dt.date, dt.date] | None:
    """First and last day of the collection period, from ``run.start_date`` and ``run.days``."""
    run = scenario.get("run") or {}
    start, days = run.get("start_date"), run.get("days")
    if start is None or days is None:
        return None
    first = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    return first, first + dt.timedelta(days=max(math.ceil(float(days)) - 1, 0))


def period_text(scenario: Mapping[str, Any], lang: str = "en") -> str:
    """``2025-01-01 – 2027-12-31 (1 095 days)``, or "" without run settings."""
    bounds = period_bounds(scenario)
    if bounds is None:
        return ""
    days = float((scenario.get("run") or {}).get("days", 0))
    days_text = f"{format_number(days, lang)} {label('unit.days', lang)}"
    return f"{bounds[0].isoformat()} – {bounds[1].isoformat()} ({days_text})"
