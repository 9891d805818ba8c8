"""The results folder: every result beside the scenario that produced it.

``write_results`` writes ``OUT/<scenario name>/<run id>/`` and never touches
an existing folder: the files are written into a hidden temporary folder
first and renamed into place at the end, so an interrupted write leaves no
half-filled results folder under a real run id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.scenario.loading import scenario_yaml
from simulator.scenario.schema import Scenario
from simulator.store.folders import STAGING_PREFIX, ResultsFolderError, file_checksums
from simulator.version import package_versions, samsim_version

if TYPE_CHECKING:
    from simulator.experiment.simulate import Results

__all__ = [
    "collection_period",
    "manifest",
    "run_id",
    "scenario_hash",
    "staged_folder",
    "write_results",
    "write_run_files",
]


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest(results: Results) -> dict[str, Any]:
    """What produced these results: versions, seed, scenario hash, timing."""
    return {
        "samsim_version": samsim_version(),
        "scenario": results.scenario.name,
        "title": results.scenario.title,
        "scenario_hash": scenario_hash(results.scenario),
        "seed": results.seed,
        "replications": int(len(results.replications)),
        "started": results.started.isoformat(timespec="seconds"),
        "finished": results.finished.isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "timing": results.timing,
        "precision": results.precision,
        "warnings": results.warnings,
        "failures": [
            {
                "replication": f.replication,
                "seed": f.seed,
                "error": f.error,
                "traceback": f.traceback,
            }
            for f in results.failures
        ],
    }


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
    results: Results, folder: Path, inputs: Sequence[Path] = (), overrides: Sequence[str] = ()
) -> None:
    """Write one experiment's files into ``folder`` (which must exist).

    ``inputs`` are the scenario files the run was read from (base first); they
    are copied beside the results and listed in the manifest. ``overrides``
    are the ``path=value`` changes applied on top of them, listed in the
    manifest as ``overrides``. The manifest is written last, with the SHA-256
    of every table (``checksums``), so that a reader can tell a whole folder
    from one cut short.
    """
    (folder / "scenario.yaml").write_text(scenario_yaml(results.scenario), encoding="utf-8")
    tables = {
        "summary.csv": results.summary,
        "replications.csv": results.replications,
        "daily_occupancy.csv": results.daily_occupancy,
        "occupancy_distribution.csv": results.occupancy_distribution,
        "wait_distribution.csv": results.wait_distribution,
        "warmup.csv": results.warmup,
        "advice.csv": results.advice,
    }
    for name, table in tables.items():
        table.to_csv(folder / name, index=False)
    info = manifest(results)
    info["scenario_files"] = copy_inputs(inputs, folder)
    info["overrides"] = list(overrides)
    info["checksums"] = file_checksums(folder, [*tables, "scenario.yaml"])
    (folder / "manifest.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


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
    results: Results,
    out: str | os.PathLike[str],
    inputs: Sequence[Path] = (),
    overrides: Sequence[str] = (),
) -> Path:
    """Write every results file into ``out/<scenario name>/<run id>/``; return that folder.

    Raises
    ------
    ResultsFolderError
        When it cannot be written; nothing is left behind then.
    """
    return staged_folder(
        Path(out) / results.scenario.name,
        run_id(results.started, results.seed, collection_period(results.scenario)),
        lambda folder: write_run_files(results, folder, inputs, overrides),
    )
