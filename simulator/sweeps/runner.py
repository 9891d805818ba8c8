"""Sweeps: one scenario run at many points of a design, resumable after any interruption.

A sweep varies scenario paths over a grid or a Latin hypercube
(:mod:`simulator.sweeps.design`); every point is the base scenario with the point's
values set and validated again (:mod:`simulator.sweeps.points`). All
points share the seed, so replication ``r`` of every point sees the same
arrivals (common random numbers) and differences between points are due to
the factors, not to noise.

Running writes ``OUT/sweep-<name>/<run id>/`` (:mod:`simulator.sweeps.store`):
``sweep.json`` first, then one checksummed point file the moment each point
ends, then the final tables from the point files. :func:`resume_sweep` runs
only what is missing in such a folder — points never run, damaged point
files, and replications added with a larger ``replications`` (replication
``r`` always uses the streams of ``(seed, r)``, so the stored ones stay valid)
— and writes the same final files, byte for byte, as a sweep that ran
straight through.

Library code never prints: what happens is reported through a ``progress``
callback of :class:`SweepEvent`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from simulator.errors import show_value
from simulator.experiment.executors import Failure, Task, iter_tasks
from simulator.experiment.simulate import ReplicationOutcome
from simulator.store.results import run_id
from simulator.sweeps.definition import is_sweep_file, load_sweep, sweep_from_vary
from simulator.sweeps.design import Value
from simulator.sweeps.errors import SweepError, SweepMismatch
from simulator.sweeps.points import NoValidPoint, Point, check_kpis, prepare_points, sweep_info
from simulator.sweeps.store import (
    PointRecord,
    clean_temporary,
    not_a_sweep_folder,
    read_point,
    read_sweep_json,
    replications_table,
    sweep_table,
    write_point,
    write_sweep_json,
    write_tables,
)
from simulator.sweeps.sweep import Sweep, differences, sweep_from_info

__all__ = [
    "Point",
    "Sweep",
    "SweepEvent",
    "check_kpis",
    "is_sweep_file",
    "load_sweep",
    "prepare_points",
    "resume_sweep",
    "run_sweep",
    "start_sweep",
    "stored_sweep",
    "sweep_from_vary",
]


@dataclass(frozen=True)
class SweepEvent:
    """Something that happened in a sweep, for a progress callback.

    ``kind`` is one of ``start`` (``total`` replications to run in
    ``done`` points), ``invalid`` (the point's scenario did not validate;
    ``message`` has its problems), ``damaged`` (its point file was unusable;
    ``message`` says why; it runs again), ``stored`` (complete on disk),
    ``partial`` (some replications on disk; the rest run), ``replication``
    (one replication ended: ``done`` of ``total``), ``failure`` (a replication
    raised: ``message`` has the traceback), ``point`` (the point's file was
    written) and ``tables`` (the final files were written).
    """

    kind: str
    point: int | None = None
    values: Mapping[str, Value] = field(default_factory=dict)
    replication: int | None = None
    done: int = 0
    total: int = 0
    message: str = ""


SweepProgress = Callable[[SweepEvent], None]


def _new_folder(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        candidate = parent / (name if attempt == 1 else f"{name}-{attempt}")
        try:
            candidate.mkdir()  # atomic: fails if another sweep took the name
            return candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free sweep folder under {parent}")


def start_sweep(sweep: Sweep, out: str | os.PathLike[str] = "results") -> Path:
    """Validate every point, create ``OUT/sweep-<name>/<run id>/`` and write ``sweep.json``.

    Raises
    ------
    SamsimError
        When no point at all is a valid scenario (a wrong path or value for
        every point): nothing would run.
    """
    points = prepare_points(sweep)
    valid = [p for p in points if p.scenario is not None]
    if not valid:
        first = points[0]
        raise NoValidPoint(
            f"no point of the sweep is a valid scenario; point 0 ({_show(first.values)}):\n"
            + "\n".join(first.problems),
            first.limits,
        )
    check_kpis(sweep, valid[0])
    started = dt.datetime.now(dt.UTC)
    folder = _new_folder(Path(out) / f"sweep-{sweep.name}", run_id(started, sweep.seed))
    write_sweep_json(folder, sweep_info(sweep, points, started.isoformat(timespec="seconds")))
    return folder


def _show(values: Mapping[str, Value]) -> str:
    return ", ".join(f"{k}={show_value(v) if isinstance(v, str) else v}" for k, v in values.items())


def resume_sweep(
    folder: str | os.PathLike[str],
    *,
    replications: int | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: SweepProgress | None = None,
    expected: Sweep | None = None,
    kpis: Sequence[str] = (),
) -> Path:
    """Run what a sweep folder is missing, then (re)write its final tables.

    Parameters
    ----------
    folder
        A folder made by :func:`start_sweep` (``OUT/sweep-<name>/<run id>``).
    replications
        Replications per point; more than the folder has adds only the new
        ones. Defaults to the folder's.
    jobs, scheduler
        Worker processes, or a Dask scheduler address (:mod:`simulator.experiment.executors`).
    expected
        The sweep the caller means to continue; any difference from the
        stored one (base, factors, design, samples, seed) is a user error.
    kpis
        More KPIs to report and plot (added to the folder's).

    Raises
    ------
    SweepError
        Of ``folder``, for a folder that is not a sweep folder; of
        ``replications``, for fewer than the folder holds.
    SweepMismatch
        For a folder that holds another sweep than ``expected``.
    """
    folder = Path(folder)
    info = _read_stored(folder)
    stored = sweep_from_info(info)
    if expected is not None:
        found = differences(stored, expected)
        if found:
            raise SweepMismatch(str(folder), found)
    target = replications if replications is not None else stored.replications
    if target < stored.replications:
        raise SweepError(
            "replications",
            str(target),
            f"the sweep in {folder} has {stored.replications} replications per point; "
            "replications can be added, not removed",
        )
    extra = tuple(dict.fromkeys((*stored.kpis, *kpis)))
    sweep = replace(stored, replications=target, kpis=extra)
    points = prepare_points(sweep, [p["values"] for p in info["points"]])
    if extra != stored.kpis:
        check_kpis(sweep, next(p for p in points if p.scenario is not None))
    fresh = sweep_info(sweep, points, str(info.get("created", "")))
    if fresh != {**info, "samsim_version": fresh["samsim_version"]}:
        write_sweep_json(folder, fresh)  # more replications, or another samsim version
    clean_temporary(folder)
    _run_missing(folder, sweep, points, jobs, scheduler, progress or (lambda event: None))
    _write_final(folder, sweep, points)
    if progress is not None:
        progress(SweepEvent("tables"))
    return folder


def stored_sweep(folder: str | os.PathLike[str]) -> Sweep:
    """The sweep defined in a sweep folder's ``sweep.json``.

    Raises
    ------
    SweepError
        Of ``folder``, for a folder that is not a sweep folder.
    """
    return sweep_from_info(_read_stored(Path(folder)))


def _read_stored(folder: Path) -> dict[str, Any]:
    """``sweep.json`` of the folder to resume; a folder that is none names the setting."""
    why = not_a_sweep_folder(folder)
    if why is not None:
        raise SweepError("folder", str(folder), why)
    return read_sweep_json(folder)


def run_sweep(
    sweep: Sweep,
    out: str | os.PathLike[str] = "results",
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: SweepProgress | None = None,
) -> Path:
    """Run a sweep from the start into a new folder under ``out``; return the folder.

    The same as :func:`start_sweep` followed by :func:`resume_sweep`.
    """
    folder = start_sweep(sweep, out)
    return resume_sweep(folder, jobs=jobs, scheduler=scheduler, progress=progress)


def _run_missing(
    folder: Path,
    sweep: Sweep,
    points: Sequence[Point],
    jobs: int,
    scheduler: str | None,
    progress: SweepProgress,
) -> None:
    records: dict[int, PointRecord] = {}
    missing: dict[int, list[int]] = {}
    by_index = {p.point: p for p in points}
    for p in points:
        if p.scenario is None or p.scenario_hash is None:
            progress(SweepEvent("invalid", p.point, p.values, message="\n".join(p.problems)))
            continue
        record, damage = read_point(folder, p.point, p.values, p.scenario_hash, sweep.seed)
        if damage is not None:
            progress(SweepEvent("damaged", p.point, p.values, message=damage))
        if record is None:
            record = PointRecord(p.point, p.values, p.scenario_hash, sweep.seed)
        todo = [r for r in range(sweep.replications) if r not in record.finished]
        if not todo:
            progress(SweepEvent("stored", p.point, p.values))
            continue
        if record.finished:
            have = len(record.finished & set(range(sweep.replications)))
            progress(SweepEvent("partial", p.point, p.values, done=have, total=sweep.replications))
        records[p.point] = record
        missing[p.point] = todo
    tasks: list[Task] = []
    owner: list[int] = []
    for i in sorted(missing):
        scenario = by_index[i].scenario
        assert scenario is not None  # only valid points have missing replications
        tasks += [(scenario, sweep.seed, r) for r in missing[i]]
        owner += [i] * len(missing[i])
    progress(SweepEvent("start", done=len(missing), total=len(tasks)))
    outcomes: dict[int, list[object]] = {i: [] for i in missing}
    for done, (index, outcome) in enumerate(iter_tasks(tasks, jobs, scheduler), start=1):
        point = owner[index]
        p = by_index[point]
        outcomes[point].append(outcome)
        replication = int(getattr(outcome, "replication", -1))
        if isinstance(outcome, Failure):
            progress(
                SweepEvent(
                    "failure",
                    point,
                    p.values,
                    replication,
                    message=f"{outcome}\n{outcome.traceback}",
                )
            )
        progress(SweepEvent("replication", point, p.values, replication, done, len(tasks)))
        if len(outcomes[point]) == len(missing[point]):
            write_point(folder, _merge(records[point], outcomes.pop(point)))
            progress(SweepEvent("point", point, p.values))


def _merge(record: PointRecord, outcomes: Sequence[object]) -> PointRecord:
    """The stored record with new outcomes added."""
    found = [o for o in outcomes if isinstance(o, ReplicationOutcome)]
    names = record.kpi_names or (tuple(found[0].kpis) if found else ())
    rows = dict(record.rows)
    seconds = dict(record.seconds)
    failures = dict(record.failures)
    for outcome in outcomes:
        if isinstance(outcome, ReplicationOutcome):
            rows[outcome.replication] = tuple(float(outcome.kpis.get(n, math.nan)) for n in names)
            seconds[outcome.replication] = round(outcome.seconds, 4)
        elif isinstance(outcome, Failure):
            failures[outcome.replication] = outcome.error
    return replace(record, kpi_names=names, rows=rows, seconds=seconds, failures=failures)


def _write_final(folder: Path, sweep: Sweep, points: Sequence[Point]) -> None:
    """``sweep.csv``, ``replications.csv`` and ``.parquet`` from the point files alone."""
    records: dict[int, PointRecord] = {}
    for p in points:
        if p.scenario_hash is None:
            continue
        record, damage = read_point(folder, p.point, p.values, p.scenario_hash, sweep.seed)
        if record is None:  # written moments ago: the disk or another process broke it
            raise RuntimeError(f"point {p.point}: its file cannot be read back ({damage})")
        records[p.point] = record
    listed = [{"point": p.point, "values": p.values, "problems": list(p.problems)} for p in points]
    factors = [f.name for f in sweep.factors]
    per_replication = replications_table(
        listed, records, factors, sweep.replications, sweep.key_kpis()
    )
    failures = {
        i: {r: e for r, e in record.failures.items() if r < sweep.replications}
        for i, record in records.items()
    }
    per_point = sweep_table(listed, per_replication, factors, failures)
    write_tables(folder, per_point, per_replication)
