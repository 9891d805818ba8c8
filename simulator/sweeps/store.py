"""The sweep folder on disk: ``sweep.json``, one checksummed file per point, final tables.

Nothing in a sweep folder is ever half-written: every file goes to a
temporary file in the same folder, is flushed to disk (``fsync``) and then
renamed over its name (``os.replace``, atomic on POSIX and Windows), so a
crash or ``kill -9`` leaves the old file or the new one, never a mix.

``points/point-0007.json`` holds one point's KPIs per replication, its
values, the hash of its scenario and the seed, inside ``{"sha256": ...,
"content": ...}``: the SHA-256 of the content's canonical JSON. A point file
that does not parse, whose checksum does not match, or that belongs to other
values, another scenario or another seed is *damaged*: it is reported and
its point is run again, never used.

The final tables (``sweep.csv``, ``replications.csv``,
``replications.parquet``) are built from the point files alone, in point
and replication order, so an interrupted and resumed sweep writes the same
bytes as one that ran straight through. This module knows nothing of the
model: it reads and writes plain data.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.errors import SamsimError
from simulator.experiment.simulate import bounded_summary

__all__ = [
    "PointRecord",
    "SweepFolder",
    "atomic_write",
    "canonical_json",
    "clean_temporary",
    "point_path",
    "read_point",
    "not_a_sweep_folder",
    "read_sweep",
    "read_sweep_json",
    "replications_table",
    "sweep_table",
    "write_point",
    "write_sweep_json",
    "write_tables",
]

SWEEP_JSON = "sweep.json"
POINTS = "points"
FORMAT = 1


def canonical_json(data: Any) -> str:
    """Sorted, compact JSON: the form that checksums and hashes are taken of."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``: temporary file in the same folder, fsync, ``os.replace``."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_folder(path.parent)


def clean_temporary(folder: Path) -> None:
    """Remove temporary files a killed process left behind (never a finished file)."""
    for sub in (folder, folder / POINTS, folder / "plots"):
        if sub.is_dir():
            for leftover in sub.glob(".*.tmp-*"):
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)


def write_sweep_json(folder: Path, info: Mapping[str, Any]) -> None:
    """Write ``sweep.json`` atomically."""
    text = json.dumps(info, indent=2, ensure_ascii=False) + "\n"
    atomic_write(folder / SWEEP_JSON, text.encode("utf-8"))


def not_a_sweep_folder(folder: Path) -> str | None:
    """Why ``folder`` is not a sweep folder, or None when it has a ``sweep.json``."""
    if not Path(folder).is_dir():
        return "no such folder"
    if not (Path(folder) / SWEEP_JSON).is_file():
        return (
            f"not a sweep folder (no {SWEEP_JSON}); name the folder the sweep was "
            "written to, OUT/sweep-<name>/<run id>"
        )
    return None


def read_sweep_json(folder: Path) -> dict[str, Any]:
    """Read ``sweep.json`` of a sweep folder, or say why it is not one."""
    path = Path(folder) / SWEEP_JSON
    why = not_a_sweep_folder(folder)
    if why is not None:
        raise SamsimError(f"{folder}: {why}")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SamsimError(f"{path}: cannot be read ({exc}); the sweep cannot be resumed") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise SamsimError(f"{path}: not a sweep definition of format {FORMAT}")
    return info


def point_path(folder: Path, point: int) -> Path:
    """``points/point-0007.json``."""
    return Path(folder) / POINTS / f"point-{point:04d}.json"


@dataclass(frozen=True)
class PointRecord:
    """The replications of one point, as stored in its point file.

    ``rows`` maps a replication to its KPI values in the order of
    ``kpi_names``; ``failures`` maps a replication that raised to its error.
    """

    point: int
    values: dict[str, Any]
    scenario_hash: str
    seed: int
    kpi_names: tuple[str, ...] = ()
    rows: dict[int, tuple[float, ...]] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)
    seconds: dict[int, float] = field(default_factory=dict)

    @property
    def finished(self) -> set[int]:
        """Replications that ended, with KPIs or with a failure."""
        return set(self.rows) | set(self.failures)

    def content(self) -> dict[str, Any]:
        """The point file's content, before its checksum is added."""
        order = sorted(self.rows)
        return {
            "format": FORMAT,
            "point": self.point,
            "values": self.values,
            "scenario_hash": self.scenario_hash,
            "seed": self.seed,
            "kpi_names": list(self.kpi_names),
            "replications": order,
            "kpis": [list(self.rows[r]) for r in order],
            "seconds": [self.seconds.get(r) for r in order],
            "failures": [{"replication": r, "error": e} for r, e in sorted(self.failures.items())],
        }


def write_point(folder: Path, record: PointRecord) -> Path:
    """Write a point file atomically, with the SHA-256 of its content inside."""
    body = canonical_json(record.content())
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    path = point_path(folder, record.point)
    path.parent.mkdir(exist_ok=True)
    atomic_write(path, f'{{"sha256":"{digest}","content":{body}}}\n'.encode())
    return path


def read_point(
    folder: Path, point: int, values: Mapping[str, Any], scenario_hash: str, seed: int
) -> tuple[PointRecord | None, str | None]:
    """A point's stored record, checked against what it must be.

    Returns ``(record, None)`` for a sound file, ``(None, None)`` when there
    is none, and ``(None, reason)`` for a damaged one.
    """
    path = point_path(folder, point)
    if not path.exists():
        return None, None
    try:
        stored = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not valid JSON ({exc}): cut off or edited"
    if not isinstance(stored, dict) or not isinstance(stored.get("content"), dict):
        return None, "not a point file (no content)"
    content = stored["content"]
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    if stored.get("sha256") != digest:
        return None, "checksum mismatch: the file was changed or damaged"
    if content.get("point") != point or content.get("values") != dict(values):
        return None, f"holds point {content.get('point')} with values {content.get('values')}"
    if content.get("scenario_hash") != scenario_hash:
        return None, "made from another scenario (scenario hash differs)"
    if content.get("seed") != seed:
        return None, f"made with seed {content.get('seed')}, not {seed}"
    try:
        return _record(content), None
    except (KeyError, TypeError, ValueError) as exc:
        return None, f"malformed ({type(exc).__name__}: {exc})"


def _record(content: Mapping[str, Any]) -> PointRecord:
    names = tuple(str(n) for n in content["kpi_names"])
    order = [int(r) for r in content["replications"]]
    kpis = content["kpis"]
    if len(set(order)) != len(order) or len(kpis) != len(order) or min(order, default=0) < 0:
        raise ValueError("replications and rows do not match")
    rows = {}
    for r, row in zip(order, kpis, strict=True):
        if len(row) != len(names):
            raise ValueError(f"replication {r} has {len(row)} values for {len(names)} KPIs")
        rows[r] = tuple(math.nan if v is None else float(v) for v in row)
    seconds = {r: float(s) for r, s in zip(order, content["seconds"], strict=True) if s is not None}
    failures = {int(f["replication"]): str(f["error"]) for f in content["failures"]}
    return PointRecord(
        int(content["point"]),
        dict(content["values"]),
        str(content["scenario_hash"]),
        int(content["seed"]),
        names,
        rows,
        failures,
        seconds,
    )


# --- final tables ----------------------------------------------------------------------


def _kpi_order(records: Iterable[PointRecord], key_kpis: Sequence[str]) -> list[str]:
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record.kpi_names))
    return [k for k in key_kpis if k in names] + [k for k in names if k not in key_kpis]


def replications_table(
    points: Sequence[Mapping[str, Any]],
    records: Mapping[int, PointRecord],
    factors: Sequence[str],
    replications: int,
    key_kpis: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per (point, replication): the point, its factor values, the replication, KPIs."""
    kpis = _kpi_order(records.values(), key_kpis)
    rows = []
    for point in points:
        record = records.get(int(point["point"]))
        if record is None:
            continue
        position = {name: i for i, name in enumerate(record.kpi_names)}
        for r in sorted(x for x in record.rows if x < replications):
            row = record.rows[r]
            values = [row[position[k]] if k in position else math.nan for k in kpis]
            rows.append([record.point, *(point["values"][f] for f in factors), r, *values])
    table = pd.DataFrame(rows, columns=["point", *factors, "replication", *kpis])
    return table.astype({k: float for k in kpis})


def sweep_table(
    points: Sequence[Mapping[str, Any]],
    per_replication: pd.DataFrame,
    factors: Sequence[str],
    failures: Mapping[int, Mapping[int, str]],
) -> pd.DataFrame:
    """One row per point: its values, status, then ``<kpi>``, ``<kpi>.ci_low``, ``<kpi>.ci_high``.

    ``status`` is ``ok``, ``invalid`` (the point's scenario did not validate;
    ``problems`` says why) or ``failed`` (no replication finished).
    """
    kpis = [c for c in per_replication.columns if c not in ("point", *factors, "replication")]
    columns = [c for k in kpis for c in (k, f"{k}.ci_low", f"{k}.ci_high")]
    by_point = dict(tuple(per_replication.groupby("point", sort=True)))
    rows = []
    for point in points:
        index = int(point["point"])
        problems = list(point.get("problems") or [])
        problems += [f"replication {r} failed: {e}" for r, e in failures.get(index, {}).items()]
        own = by_point.get(index)
        cells: list[float] = [math.nan] * len(columns)
        if own is not None and len(own):
            summary = bounded_summary(own[kpis])  # one row per KPI, in the order of kpis
            cells = summary[["mean", "ci_low", "ci_high"]].to_numpy(dtype=float).ravel().tolist()
        status = "invalid" if point.get("problems") else "ok" if own is not None else "failed"
        count = 0 if own is None else len(own)
        rows.append(
            [
                index,
                *(point["values"][f] for f in factors),
                status,
                count,
                "; ".join(problems),
                *cells,
            ]
        )
    return pd.DataFrame(
        rows, columns=["point", *factors, "status", "replications", "problems", *columns]
    )


def _csv_bytes(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _parquet_bytes(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_tables(
    folder: Path, per_point: pd.DataFrame, per_replication: pd.DataFrame
) -> list[Path]:
    """Write ``sweep.csv``, ``replications.csv`` and ``replications.parquet``, each atomically."""
    files = {
        "sweep.csv": _csv_bytes(per_point),
        "replications.csv": _csv_bytes(per_replication),
        "replications.parquet": _parquet_bytes(per_replication),
    }
    for name, data in files.items():
        atomic_write(Path(folder) / name, data)
    return [Path(folder) / name for name in files]


@dataclass(frozen=True)
class SweepFolder:
    """A finished sweep folder as plain data: its definition and tables."""

    path: Path
    info: dict[str, Any]
    table: pd.DataFrame
    replications: pd.DataFrame

    @property
    def factors(self) -> list[dict[str, Any]]:
        """The factors as stored in ``sweep.json``."""
        return list(self.info.get("definition", {}).get("factors", []))

    @property
    def key_kpis(self) -> list[str]:
        """The KPIs the sweep reports first (and plots)."""
        return [k for k in self.info.get("key_kpis", []) if k in self.table.columns]

    @property
    def base(self) -> dict[str, Any]:
        """The resolved base scenario as plain data."""
        base = self.info.get("base_scenario")
        return base if isinstance(base, dict) else {}


def read_sweep(folder: Path) -> SweepFolder:
    """Read a finished sweep folder (``sweep.json``, ``sweep.csv``, the replications)."""
    folder = Path(folder)
    info = read_sweep_json(folder)
    if not (folder / "sweep.csv").is_file():
        raise SamsimError(f"{folder}: the sweep has not finished (no sweep.csv); resume it first")
    table = pd.read_csv(folder / "sweep.csv", dtype={"problems": str}).fillna({"problems": ""})
    parquet = folder / "replications.parquet"
    replications = (
        pd.read_parquet(parquet) if parquet.is_file() else pd.read_csv(folder / "replications.csv")
    )
    return SweepFolder(folder, info, table, replications)
