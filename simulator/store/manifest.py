"""The manifest: what produced a results folder, in one shape for every kind of folder.

A run, a comparison, a sizing and a sweep each record the same facts first
(``kind``, versions, the scenario and its hash, seed, replications, the
``--set`` overrides, times, Python and platform) and then their own details.
Readers (:mod:`simulator.store.readers`, the report, ``samsim report``) can
rely on the common keys whatever the folder's kind.

The manifest is ``manifest.json`` in run, comparison and sizing folders and
``sweep.json`` in a sweep folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import platform
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from simulator.scenario.schema import Scenario
from simulator.version import package_versions, samsim_version

__all__ = [
    "COMMON_KEYS",
    "KINDS",
    "Kind",
    "build_manifest",
    "failure_rows",
    "manifest_text",
    "scenario_hash",
    "write_manifest",
]

Kind = Literal["run", "comparison", "sweep", "sizing", "calibration"]
KINDS: tuple[Kind, ...] = ("run", "comparison", "sweep", "sizing", "calibration")
"""What a results folder holds."""

COMMON_KEYS = (
    "kind",
    "samsim_version",
    "scenario",
    "title",
    "scenario_hash",
    "seed",
    "replications",
    "overrides",
    "started",
    "finished",
    "python",
    "platform",
    "packages",
)
"""The keys every manifest has, first and in this order; a kind's own keys follow."""


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _time(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def build_manifest(
    *,
    kind: Kind,
    seed: int,
    replications: int,
    started: dt.datetime | None,
    finished: dt.datetime | None = None,
    scenario: Scenario | None = None,
    name: str | None = None,
    title: str | None = None,
    digest: str | None = None,
    overrides: Sequence[str] = (),
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of a results folder: the common keys, then ``details``.

    Parameters
    ----------
    kind
        ``run``, ``comparison``, ``sweep`` or ``sizing``.
    seed, replications
        The root seed and the replications per scenario (or per point).
    started, finished
        When the experiment started and finished (UTC); None if not known.
    scenario
        The validated scenario that produced the folder (a comparison's base);
        its name, title and hash are recorded.
    name, title, digest
        For a folder with no single validated scenario (a sweep's base):
        used in place of the scenario's name, title and hash.
    overrides
        The ``path=value`` changes applied on top of the scenario files.
    details
        The kind's own keys (e.g. ``timing``, ``failures``, ``target``), after
        the common ones; they cannot replace a common key.

    Raises
    ------
    ValueError
        For an unknown ``kind``, or ``details`` that repeat a common key.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if scenario is not None:
        name = scenario.name if name is None else name
        title = scenario.title if title is None else title
        digest = scenario_hash(scenario) if digest is None else digest
    manifest: dict[str, Any] = {
        "kind": kind,
        "samsim_version": samsim_version(),
        "scenario": name,
        "title": title,
        "scenario_hash": digest,
        "seed": int(seed),
        "replications": int(replications),
        "overrides": [str(o) for o in overrides],
        "started": _time(started),
        "finished": _time(finished),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
    }
    repeated = sorted(set(details or {}) & set(COMMON_KEYS))
    if repeated:
        raise ValueError(f"details repeat common manifest keys: {', '.join(repeated)}")
    manifest.update(details or {})
    return manifest


def failure_rows(failures: Sequence[Any], *, traceback: bool = True) -> list[dict[str, Any]]:
    """Failed replications as manifest rows: ``replication``, ``seed``, ``error`` (, ``traceback``).

    ``failures`` are records with those attributes
    (:class:`simulator.experiment.executors.Failure`).
    """
    rows = []
    for f in failures:
        row = {"replication": f.replication, "seed": f.seed, "error": f.error}
        if traceback:
            row["traceback"] = f.traceback
        rows.append(row)
    return rows


def _finite(value: Any) -> Any:
    """``value`` with every nan or infinity replaced by None (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def manifest_text(manifest: Mapping[str, Any]) -> str:
    """The manifest as indented JSON; a nan or infinity becomes null."""
    return json.dumps(_finite(manifest), indent=2, allow_nan=False, default=str) + "\n"


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``folder/manifest.json`` (see :func:`manifest_text`)."""
    (folder / "manifest.json").write_text(manifest_text(manifest), encoding="utf-8")
