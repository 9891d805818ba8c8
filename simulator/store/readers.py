"""Reading a saved results folder back: a run folder or a comparison folder.

:func:`read_run` and :func:`read_comparison` turn the files that
:mod:`simulator.store.results` and :mod:`simulator.experiment.compare` wrote into plain data (the
resolved scenario as a dict, the manifest, the tables as DataFrames), so that
plots and the report never see the model. A missing table reads as an empty
DataFrame, a missing JSON file as an empty dict: a folder written by an older
version still gives what it has.

:func:`check_folder` is stricter: before a report replaces the one in a
folder, it refuses a staging folder, a manifest that does not parse, and a
table that is missing, cut short or (where the manifest holds checksums)
changed since it was written.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.store.folders import STAGING_PREFIX, ResultsFolderError, sha256_of
from simulator.text.labels import Names, display_names, label
from simulator.text.numbers import format_number

__all__ = [
    "RUN_TABLES",
    "ComparisonFolder",
    "RunFolder",
    "check_folder",
    "is_comparison",
    "kpi_interval",
    "period_bounds",
    "period_text",
    "read_comparison",
    "read_run",
    "title_with_period",
]

RUN_TABLES = (
    "summary.csv",
    "replications.csv",
    "daily_occupancy.csv",
    "occupancy_distribution.csv",
    "wait_distribution.csv",
    "warmup.csv",
    "advice.csv",
)
"""The tables of a run folder, each written by :func:`simulator.store.results.write_run_files`."""


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
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)  # older folders: none

    @property
    def names(self) -> Names:
        """Display names by section and id."""
        return display_names(self.scenario)

    @property
    def title(self) -> str:
        """The scenario's title, else the manifest's, else the folder's name; with its period.

        See :func:`title_with_period`.
        """
        title = str(self.scenario.get("title") or self.manifest.get("title") or self.path.name)
        return title_with_period(title, self.scenario)

    @property
    def overrides(self) -> list[str]:
        """The ``path=value`` changes made on top of the scenario files (manifest ``overrides``)."""
        return [str(x) for x in self.manifest.get("overrides") or []]

    @property
    def replications(self) -> int:
        """Replications the summary rests on."""
        value = self.manifest.get("replications")
        if isinstance(value, int):
            return value
        return int(self.summary["n"].max()) if "n" in self.summary and len(self.summary) else 0

    def interval(self, kpi: str) -> tuple[float, float, float]:
        """Mean and 95 % interval of a KPI; nan where it is not in the summary."""
        return self._intervals.get(kpi, (math.nan, math.nan, math.nan))

    @cached_property
    def _intervals(self) -> dict[str, tuple[float, float, float]]:
        """Every KPI's mean and interval by name, read once (summaries hold thousands)."""
        if self.summary.empty or "kpi" not in self.summary:
            return {}
        columns = [self.summary[c].astype(float) for c in ("mean", "ci_low", "ci_high")]
        values = zip(*(c.tolist() for c in columns), strict=True)
        found: dict[str, tuple[float, float, float]] = {}
        for kpi, value in zip(self.summary["kpi"].astype(str), values, strict=True):
            found.setdefault(kpi, value)  # the first row, as kpi_interval reads it
        return found


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
        flows=_csv(folder / "flows.csv"),
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


def title_with_period(title: str, scenario: Mapping[str, Any]) -> str:
    """``title`` followed by the years of the collection period, unless it already names them.

    A title written for one period (``... i 2035–2037``) goes stale when a run
    moves the period; the resolved period's years keep the title true:
    ``Befolkningsutvikling i 2035–2037 · 2040–2042``.
    """
    bounds = period_bounds(scenario)
    if bounds is None:
        return title
    first, last = bounds[0].year, bounds[1].year
    years = str(first) if first == last else f"{first}–{last}"
    plain = title.replace("-", "–").replace("—", "–")
    if re.search(rf"(?<!\d){years}(?!\d)", plain):
        return title
    return f"{title} · {years}"


def _damaged(folder: Path, what: str) -> ResultsFolderError:
    return ResultsFolderError(
        f"{folder}: {what}; the folder is not whole, so no report is written from it "
        "(run the scenario again to get a whole folder)"
    )


def _checked_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not path.is_file():
        raise ResultsFolderError(
            f"{folder}: not a samsim results folder (no manifest.json); name a folder that "
            "a run or comparison printed"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _damaged(folder, f"manifest.json does not parse ({exc})") from None
    if not isinstance(data, dict):
        raise _damaged(folder, "manifest.json is not a JSON object")
    for key in ("seed", "replications"):
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _damaged(folder, f"manifest.json: {key} is missing or not a whole number")
    checksums = data.get("checksums")
    if checksums is not None and not (
        isinstance(checksums, dict) and all(isinstance(v, str) for v in checksums.values())
    ):
        raise _damaged(folder, "manifest.json: checksums is not a map of file names to SHA-256")
    return data


def _check_csv(folder: Path, name: str) -> None:
    """A CSV table without a checksum: present, ending in a newline, every row as wide as its
    header."""
    path = folder / name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _damaged(folder, f"{name} cannot be read ({exc})") from None
    if not text.endswith("\n"):
        raise _damaged(folder, f"{name} is cut short (its last line is incomplete)")
    rows = csv.reader(text.splitlines())
    header = next(rows, [])
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise _damaged(
                folder, f"{name}: line {number} has {len(row)} fields, the header {len(header)}"
            )


def _check_files(folder: Path, names: Sequence[str], checksums: Mapping[str, str]) -> None:
    for name in names:
        if not (folder / name).is_file():
            raise _damaged(folder, f"{name} is missing")
        if name in checksums:
            if sha256_of(folder / name) != checksums[name]:
                raise _damaged(
                    folder, f"{name} differs from the checksum in manifest.json (cut or changed)"
                )
        elif name.endswith(".csv"):
            _check_csv(folder, name)
    for name in checksums:
        if name not in names and not (folder / name).is_file():
            raise _damaged(folder, f"{name} is missing")


def _check_run(folder: Path) -> None:
    manifest = _checked_manifest(folder)
    _check_files(folder, [*RUN_TABLES, "scenario.yaml"], manifest.get("checksums") or {})
    try:
        scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _damaged(folder, f"scenario.yaml does not parse ({exc})") from None
    if not isinstance(scenario, dict):
        raise _damaged(folder, "scenario.yaml holds no scenario")


def check_folder(folder: Path) -> None:
    """Refuse a results folder that is not whole: raise :class:`ResultsFolderError` saying why.

    A run folder needs a well-formed ``manifest.json``, ``scenario.yaml`` and
    every table of :data:`RUN_TABLES`; a comparison folder needs its manifest,
    ``comparison.csv`` and a whole run folder per scenario it names. Files
    the manifest holds a SHA-256 for must match it; tables of older folders
    without checksums must at least end where a row ends.
    """
    folder = Path(folder)
    if folder.name.startswith(STAGING_PREFIX):
        raise ResultsFolderError(
            f"{folder}: a staging folder, left by a write that was interrupted or is still "
            "running; it is not a results folder (name the folder the run printed)"
        )
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder}: no such folder")
    manifest = _checked_manifest(folder)
    if manifest.get("kind") != "comparison" and not is_comparison(folder):
        _check_run(folder)
        return
    _check_files(folder, ["comparison.csv"], manifest.get("checksums") or {})
    base, alternatives = manifest.get("base"), manifest.get("alternatives")
    if not isinstance(base, str) or not isinstance(alternatives, list) or not alternatives:
        raise _damaged(folder, "manifest.json: base or alternatives is missing")
    for name in [base, *alternatives]:
        if not (folder / str(name)).is_dir():
            raise _damaged(folder, f"the folder of scenario {name} is missing")
        _check_run(folder / str(name))
