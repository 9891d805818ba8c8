"""A calibration's results: the calibrated overlay and the results folder.

The overlay is a scenario file that ``extends`` the input and sets each
fitted value, with a comment naming the targets it was fitted to, so a
planner can read where every number came from and run the calibrated
scenario like any other. The folder (``calibrate-<scenario>/<run id>/``)
holds ``calibrated.yaml`` (the overlay), ``goodness_of_fit.csv``,
``evaluations.csv`` (every run of the search), ``scenario.yaml`` (the
calibrated scenario, resolved), ``manifest.json`` (kind ``calibration``) and
``inputs/`` (the scenario files and the targets file as written).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from simulator.calibration.fit import Fit
from simulator.scenario.loading import parse_override, scenario_yaml
from simulator.store.manifest import build_manifest, failure_rows, write_manifest
from simulator.store.results import copy_inputs, run_id, staged_folder
from simulator.version import samsim_version

__all__ = ["FOLDER_PREFIX", "OVERLAY", "manifest", "overlay_text", "write_calibration"]

FOLDER_PREFIX = "calibrate-"
"""A calibration folder is ``OUT/calibrate-<scenario>/<run id>/``."""

OVERLAY = "calibrated.yaml"
"""The calibrated overlay's file name in the results folder."""

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _key(part: str) -> str:
    return part if _PLAIN_KEY.match(part) and part not in ("true", "false", "null") else repr(part)


def _tree(values: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, value in values.items():
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def overlay_text(fit: Fit, extends: str, overrides: Sequence[str] = ()) -> str:
    """The calibrated overlay: ``extends`` the input, the overrides' values, then each fit.

    Each fitted value is written in full (``repr``), so the overlay reproduces
    the fitted run exactly, with a comment naming the targets it was fitted to
    and their observed values.
    """
    fitted_to = []
    for tid in fit.targets.fitted():
        target = fit.targets.spec.targets[tid]
        fitted_to.append(f"{tid} ({target.observed_text()}, {target.source})")
    held_out = [t for t in fit.targets.spec.targets if t not in fit.targets.fitted()]
    lines = [
        f"# Calibrated by samsim {samsim_version()} on "
        f"{fit.finished.date().isoformat()}: targets {fit.targets.path.name}, "
        f"seed {fit.seed}, {fit.replications} replications per run.",
        "# Goodness of fit: goodness_of_fit.csv beside this file"
        + (f"; held out: {', '.join(held_out)}." if held_out else "."),
        f"extends: {extends}",
    ]
    leaves: dict[str, tuple[str, str]] = {}
    for text in overrides:
        parts, value = parse_override(text)
        leaves[".".join(parts)] = (_value(value), "given as an override")
    comment = "fitted to: " + "; ".join(fitted_to)
    for path, value in fit.assignments.items():
        factor = fit.fitted[path]
        if fit.targets.spec.parameters[path].scale:
            note = f"as given x {factor:.6g} ({comment})"
            for leaf, number in _flat(path, value):
                leaves[leaf] = (repr(float(number)), note)
        else:
            leaves[path] = (repr(float(value)), comment)

    def emit(node: dict[str, Any], prefix: str, depth: int) -> None:
        for part, child in node.items():
            path = f"{prefix}.{part}" if prefix else part
            indent = "  " * depth
            if isinstance(child, dict):
                lines.append(f"{indent}{_key(part)}:")
                emit(child, path, depth + 1)
            else:
                text, note = leaves[path]
                lines.append(f"{indent}{_key(part)}: {text}  # {note}")

    emit(_tree({p: None for p in leaves}), "", 0)
    return "\n".join(lines) + "\n"


def _flat(path: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _flat(f"{path}.{k}", v)]
    return [(path, value)]


def _value(value: Any) -> str:
    import json

    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def manifest(fit: Fit, overrides: Sequence[str] = (), check_only: bool = False) -> dict[str, Any]:
    """What produced this calibration: the targets file, the fit, versions and seed."""
    details = {
        "targets_file": str(fit.targets.path),
        "check_only": check_only,
        "parameters": {
            p: {
                "bounds": list(spec.bounds),
                "scale": spec.scale,
                "start": fit.start.get(p),
                "start_method": fit.start_method.get(p),
                "fitted": fit.fitted.get(p),
            }
            for p, spec in fit.targets.spec.parameters.items()
        },
        "fitted_targets": fit.targets.fitted(),
        "held_out_targets": [t for t in fit.targets.spec.targets if t not in fit.targets.fitted()],
        "evaluations": len(fit.evaluations),
        "converged": fit.converged,
        "message": fit.message,
        "all_inside": fit.all_inside,
        "failures": failure_rows(fit.failures, traceback=False),
    }
    return build_manifest(
        kind="calibration",
        scenario=fit.calibrated,
        seed=fit.seed,
        replications=fit.replications,
        started=fit.started,
        finished=fit.finished,
        overrides=overrides,
        details=details,
    )


def write_calibration(
    fit: Fit,
    out: str | Path,
    scenario_file: str | Path,
    inputs: Sequence[Path] = (),
    overrides: Sequence[str] = (),
    draw: Callable[[Path], object] | None = None,
) -> Path:
    """Write ``out/calibrate-<scenario>/<run id>/`` (see the module); its path.

    ``scenario_file`` is the input scenario the overlay extends (by a path
    relative to the folder, or by its absolute path when given so); ``inputs``
    the scenario files to copy; ``draw`` is called on the folder before it is
    moved into place, to add plots.
    """
    parent = Path(out) / f"{FOLDER_PREFIX}{fit.scenario.name}"
    identity = run_id(fit.started, fit.seed)

    def fill(folder: Path) -> None:
        # The staging folder sits beside the final one, so the relative path holds for both.
        # A scenario named by an absolute path is extended by it; otherwise relatively.
        final = parent / identity
        given = Path(scenario_file)
        extends = (
            given
            if given.is_absolute()
            else Path(os.path.relpath(given.resolve(), final.resolve()))
        )
        (folder / OVERLAY).write_text(
            overlay_text(fit, extends.as_posix(), overrides), encoding="utf-8"
        )
        fit.table.to_csv(folder / "goodness_of_fit.csv", index=False)
        fit.evaluations.to_csv(folder / "evaluations.csv", index=False)
        (folder / "scenario.yaml").write_text(scenario_yaml(fit.calibrated), encoding="utf-8")
        info = manifest(fit, overrides)
        info["scenario_files"] = copy_inputs(inputs, folder)
        (folder / "inputs").mkdir(exist_ok=True)
        shutil.copyfile(fit.targets.path, folder / "inputs" / f"targets-{fit.targets.path.name}")
        write_manifest(folder, info)
        if draw is not None:
            draw(folder)

    return staged_folder(parent, identity, fill)
