"""The results folder: every result beside the scenario that produced it.

``write_results`` writes ``OUT/<scenario name>/<run id>/`` and never touches
an existing folder: the files are written into a hidden temporary folder
first and renamed into place at the end, so an interrupted write leaves no
half-filled results folder under a real run id.

The store knows files, not experiments: it is handed the scenario, plain
tables (file name -> DataFrame) and the manifest
(:func:`simulator.store.manifest.build_manifest`), the way xarray's core hands
a Dataset's arrays to its backends.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.scenario.loading import scenario_yaml
from simulator.scenario.schema import Scenario
from simulator.store.folders import STAGING_PREFIX, ResultsFolderError, file_checksums
from simulator.store.manifest import scenario_hash, write_manifest

__all__ = [
    "collection_period",
    "copy_inputs",
    "run_id",
    "scenario_hash",
    "staged_folder",
    "write_results",
    "write_run_files",
]


def _new_folder(parent: Path, run_id: str) -> Path:
    for attempt in range(1, 1000):
        candidate = parent / (run_id if attempt == 1 else f"{run_id}-{attempt}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"no free run folder under {parent}")


def copy_inputs(files: Sequence[Path], folder: Path) -> list[str]:
    """Copy the scenario files as written (comments and sources kept) into ``folder/inputs``.

    Returns their paths relative to ``folder``, base first; numbered so that
    two files of the same name from different folders do not collide.
    """
    if not files:
        return []
    (folder / "inputs").mkdir(exist_ok=True)
    copied = []
    for i, source in enumerate(files, start=1):
        name = f"inputs/{i}-{Path(source).name}"
        shutil.copyfile(source, folder / name)
        copied.append(name)
    return copied


def write_run_files(
    folder: Path,
    *,
    scenario: Scenario,
    tables: Mapping[str, pd.DataFrame],
    manifest: Mapping[str, Any],
    inputs: Sequence[Path] = (),
) -> None:
    """Write one experiment's files into ``folder`` (which must exist).

    Parameters
    ----------
    scenario
        Written as ``scenario.yaml``.
    tables
        File name (``summary.csv``, ...) -> table, each written as CSV.
    manifest
        What produced the tables (:func:`simulator.store.manifest.build_manifest`);
        written last as ``manifest.json``, with ``scenario_files`` and the
        SHA-256 of every table (``checksums``), so that a reader can tell a
        whole folder from one cut short.
    inputs
        The scenario files the run was read from (base first); copied beside
        the results and listed in the manifest as ``scenario_files``.
    """
    (folder / "scenario.yaml").write_text(scenario_yaml(scenario), encoding="utf-8")
    for name, table in tables.items():
        table.to_csv(folder / name, index=False)
    info = dict(manifest)
    info["scenario_files"] = copy_inputs(inputs, folder)
    info["checksums"] = file_checksums(folder, [*tables, "scenario.yaml"])
    write_manifest(folder, info)


def staged_folder(parent: Path, run_id: str, fill: Callable[[Path], None]) -> Path:
    """Fill a hidden staging folder, then rename it to a new folder under ``parent``.

    An existing results folder is never replaced (a suffix ``-2``, ``-3``, ...
    is added). When filling or renaming fails, or is interrupted (Ctrl-C), the
    staging folder is removed again, so nothing half-written is left behind.

    Raises
    ------
    ResultsFolderError
        When the folder cannot be written (full disk, read-only or vanished
        folder, a name too long): nothing is kept, and the message says so.
    """
    staging = parent / f"{STAGING_PREFIX}{run_id}-{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
        fill(staging)
        while True:
            target = _new_folder(parent, run_id)
            try:
                staging.rename(target)  # fails rather than replace a non-empty folder
                return target
            except OSError:
                if not target.exists():
                    raise
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            where = f" ({exc.filename})" if exc.filename else ""
            raise ResultsFolderError(
                f"{parent}: could not write the results: {exc.strerror or exc}{where}; "
                "nothing was kept. Free some space or choose a folder you can write to, "
                "and run again: the same seed gives the same results"
            ) from exc
        raise


def run_id(started: dt.datetime, seed: int, period: tuple[dt.date, dt.date] | None = None) -> str:
    """A folder name that sorts by time and shows the seed (and the collection period's years).

    ``20250301T101500Z-seed1``, or with ``period`` ``20250301T101500Z-seed1-2025-2027``:
    the years come from the resolved scenario, so they stay true when a run
    moves the period away from what the scenario's name says.
    """
    text = started.strftime("%Y%m%dT%H%M%SZ") + f"-seed{seed}"
    if period is not None:
        first, last = period[0].year, period[1].year
        text += f"-{first}" if first == last else f"-{first}-{last}"
    return text


def collection_period(scenario: Scenario) -> tuple[dt.date, dt.date]:
    """First and last day of a scenario's collection period."""
    first = scenario.run.start_date
    return first, first + dt.timedelta(days=max(math.ceil(scenario.run.days) - 1, 0))


def write_results(
    out: str | os.PathLike[str],
    *,
    scenario: Scenario,
    tables: Mapping[str, pd.DataFrame],
    manifest: Mapping[str, Any],
    started: dt.datetime,
    seed: int,
    inputs: Sequence[Path] = (),
) -> Path:
    """Write a run's files (:func:`write_run_files`) into ``out/<scenario name>/<run id>/``.

    Returns that folder; ``started`` and ``seed`` name it (:func:`run_id`).

    Raises
    ------
    ResultsFolderError
        When it cannot be written; nothing is left behind then.
    """
    return staged_folder(
        Path(out) / scenario.name,
        run_id(started, seed, collection_period(scenario)),
        lambda folder: write_run_files(
            folder, scenario=scenario, tables=tables, manifest=manifest, inputs=inputs
        ),
    )
