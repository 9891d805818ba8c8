"""Reading scenario files: ``extends`` overlays and overrides, merged and validated.

A scenario is read as *layers*: the base file first, each overlay that
extends it after, then each override (``dotted.path=value``, what ``--set``
gives on the command line). Merging them gives a plain ``dict``
(overlay rules of ``shared/scenario-format.md``: maps merge key by key, lists
and scalars replace, ``null`` removes a key); :mod:`simulator.scenario.validation`
turns that into a :class:`~simulator.scenario.schema.Scenario`. The layers are
kept so that a problem names the file (or the override) to fix
(:mod:`simulator.scenario.provenance`). One file is read by
:mod:`simulator.scenario.yamlio`, which bounds what a file may hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import Problem, ScenarioError
from simulator.scenario.cautions import scenario_warnings
from simulator.scenario.provenance import (
    OVERRIDE,
    Layer,
    deep_merge,
    explain,
    introduced,
    origins_of,
)
from simulator.scenario.schema import Scenario
from simulator.scenario.textfile import MAX_PATH_CHARS
from simulator.scenario.validation import Origins, blame, validate
from simulator.scenario.yamlio import Document, dump, load_text, read_document
from simulator.text.suggest import nearest

__all__ = [
    "Loaded",
    "apply_overrides",
    "deep_merge",
    "key_origins",
    "load_scenario",
    "parse_override",
    "read_layers",
    "read_scenario",
    "read_yaml",
    "resolve",
    "resolve_with_overrides",
    "scenario_files",
    "scenario_yaml",
]

_SUFFIXES = (".yaml", ".yml")


def _kind(data: object) -> str:
    """What a parsed file holds, in words: never its content."""
    if data is None:
        return "nothing (the file is empty or all comments)"
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "a line of text"
    return f"a single value ({type(data).__name__})"


_TOP_KEYS = (*Scenario.model_fields, "extends", "sweep")


def _read(path: Path) -> Document:
    document = read_document(path)
    data = document.data
    if (
        isinstance(data, dict)
        and data
        and not any(str(key) in _TOP_KEYS or nearest(str(key), _TOP_KEYS) for key in data)
    ):
        # Say what is expected, never what the file holds: it may be any file.
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "",
                    f"is not a scenario file: none of its {len(data)} top-level keys is one "
                    "of " + ", ".join(_TOP_KEYS[:-1]),
                    hint="check it is the right file",
                )
            ]
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "",
                    "a scenario file must be a map of keys (name, run, municipalities, ...), "
                    f"but this one holds {_kind(document.data)}",
                    hint="check it is the right file; a scenario starts with lines like 'name: x'",
                )
            ]
        )
    return document


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML file into a map, or raise :class:`ScenarioError` saying why not."""
    data: dict[str, Any] = _read(Path(path)).data
    return data


def _parent_of(path: Path, parent: object) -> Path:
    """The file that ``path`` extends, checked before it is opened."""

    def refuse(message: str, hint: str | None = None, got: str | None = None) -> ScenarioError:
        return ScenarioError([Problem(str(path), "extends", message, got=got, hint=hint)])

    if not isinstance(parent, str):
        shown = _kind(parent) if isinstance(parent, list | dict) else repr(parent)
        raise refuse("must be the path of another scenario file", got=shown)
    if not parent.strip():
        raise refuse("is empty", "name the base file, e.g. extends: baseline.yaml")
    if len(parent) > MAX_PATH_CHARS:
        raise refuse(
            f"the path is {len(parent)} characters long; at most {MAX_PATH_CHARS} are accepted",
            "use a shorter path",
        )
    if Path(parent).suffix.lower() not in _SUFFIXES:
        raise refuse(
            "must name a .yaml or .yml file",
            "extends names the scenario file this one changes, e.g. extends: baseline.yaml",
            got=repr(parent) if len(parent) <= 60 else repr(parent[:57] + "..."),
        )
    # Relative to the file as the user named it, so messages show paths they know.
    base_path = path.parent / parent
    try:
        exists = base_path.exists()
    except OSError:  # a folder name too long for the file system
        exists = False
    if not exists:
        raise refuse(
            f"the file it extends does not exist: {base_path}",
            "the path is relative to the file that says extends",
            got=repr(parent),
        )
    return base_path


def _file_layers(path: Path) -> list[Layer]:
    """The file and every file it extends, base first, each read once."""
    chain: list[Layer] = []
    seen: list[Path] = []
    current = Path(path)
    while True:
        here = current.resolve()
        if here in seen:
            cycle = " -> ".join(p.name for p in (*seen, here))
            raise ScenarioError(
                [
                    Problem(
                        str(current),
                        "extends",
                        f"files extend each other in a cycle: {cycle}",
                        hint="one file in the cycle must not extend another",
                    )
                ]
            )
        seen.append(here)
        document = _read(current)
        data = dict(document.data)
        parent = data.pop("extends", None)
        chain.append(Layer(str(current), data, tuple(document.warnings), current))
        if parent is None:
            return chain[::-1]
        current = _parent_of(current, parent)


def resolve(path: Path, _chain: Sequence[Path] = ()) -> dict[str, Any]:
    """Read ``path`` and every file it ``extends``, merged, with ``extends`` removed."""
    return _merge(_file_layers(Path(path)))


def _merge(layers: Iterable[Layer]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = deep_merge(merged, layer.data)
    return merged


def scenario_files(path: Path | str) -> list[Path]:
    """The file and every file it ``extends``, base first (for copying beside results)."""
    return [layer.path for layer in _file_layers(Path(path)) if layer.path is not None]


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``dotted.path=value`` into its key path and its value parsed as YAML."""
    parts, value, _ = _parse_override(text)
    return parts, value


def _parse_override(text: str) -> tuple[list[str], Any, list[Problem]]:
    if "=" not in text:
        raise ScenarioError(
            [
                Problem(
                    OVERRIDE,
                    "",
                    "must look like dotted.path=value",
                    got=repr(text) if len(text) <= 60 else repr(text[:57] + "..."),
                    hint="e.g. facilities.dms-senja-kohd.beds=6",
                )
            ]
        )
    key, _, raw = text.partition("=")
    key = key.strip()
    parts = key.split(".")
    if not all(parts):
        raise ScenarioError(
            [Problem(OVERRIDE, key, "the key path has an empty part", got=repr(text))]
        )
    if not raw.strip():
        return parts, None, []
    try:
        document = load_text(raw, OVERRIDE)
    except ScenarioError as exc:
        raise ScenarioError([_override_problem(key, p, raw) for p in exc.problems]) from None
    return parts, document.data, [_at_key(key, p) for p in document.warnings]


def _at_key(key: str, problem: Problem) -> Problem:
    inner = problem.path
    path = key + (inner if inner.startswith("[") or not inner else "." + inner)
    message = problem.message.removeprefix("line 1, column 1: ")  # the value is one line
    return Problem(OVERRIDE, path, message, problem.got, problem.hint)


def _override_problem(key: str, problem: Problem, raw: str) -> Problem:
    if problem.message.startswith("YAML syntax error"):
        return Problem(
            OVERRIDE,
            key,
            "the value is not valid YAML",
            got=repr(raw) if len(raw) <= 60 else repr(raw[:57] + "..."),
            hint="quote text values, e.g. title='\"A B\"'",
        )
    return _at_key(key, problem)


def _override_layers(overrides: Iterable[str]) -> list[Layer]:
    layers = []
    for text in overrides:
        parts, value, warnings = _parse_override(text)
        patch: Any = value
        for part in reversed(parts):
            patch = {part: patch}
        layers.append(Layer(OVERRIDE, patch, tuple(warnings), at=tuple(parts)))
    return layers


def apply_overrides(data: Mapping[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Apply each ``path=value`` override in turn, with the overlay merge rules."""
    merged = dict(data)
    for layer in _override_layers(overrides):
        merged = deep_merge(merged, layer.data)
    return merged


def read_layers(path: Path | str, overrides: Iterable[str] = ()) -> list[Layer]:
    """The layers of a scenario: base file, overlays, then each override."""
    return [*_file_layers(Path(path)), *_override_layers(overrides)]


def resolve_with_overrides(path: Path | str, overrides: Iterable[str] = ()) -> dict[str, Any]:
    """The merged scenario map of ``path`` with its overlays and ``overrides`` applied."""
    return _merge(read_layers(path, overrides))


def key_origins(path: Path | str, overrides: Iterable[str] = ()) -> Origins:
    """Which file (or override) gave or removed each key path, in the order applied.

    Lets a problem found in the merged scenario name the file to fix, even
    when it sits in a base file that an overlay extends
    (:func:`simulator.scenario.validation.validate`).
    """
    return origins_of(read_layers(path, overrides))


@dataclass(frozen=True)
class Loaded:
    """A validated scenario and what a planner should know about it before running it."""

    scenario: Scenario
    warnings: list[Problem] = field(default_factory=list)


def read_scenario(path: Path | str, overrides: Iterable[str] = ()) -> Loaded:
    """Read, merge and validate a scenario file; keep the warnings.

    Parameters
    ----------
    path
        The scenario file (YAML); ``extends`` is followed relative to it.
    overrides
        ``dotted.path=value`` strings applied after the overlays (``--set`` on the
        command line); a problem in one names :data:`~simulator.scenario.provenance.OVERRIDE`
        as its source.

    Raises
    ------
    ScenarioError
        With every problem found, each naming the file (or override) and the key path.
    """
    layers = read_layers(path, overrides)
    data = _merge(layers)
    origins = origins_of(layers)
    try:
        scenario = validate(data, source=str(path), origins=origins)
    except ScenarioError as exc:
        problems = explain(exc.problems, layers, data)
        raise ScenarioError(problems + _related(problems, layers)) from None
    # An override through an id the scenario lacks (facilities.x.beds=7) adds a
    # half-written entry; even when that entry happens to be valid, it is a typo.
    unknown = [entry.problem() for entry in introduced(layers) if entry.through]
    if unknown:
        raise ScenarioError(unknown)
    found = [w for layer in layers for w in layer.warnings]
    found += blame(
        [Problem(str(path), *finding) for finding in scenario_warnings(scenario)], origins
    )
    return Loaded(scenario, found)


def _related(problems: list[Problem], layers: Sequence[Layer]) -> list[Problem]:
    """Warnings about the same keys as the problems: ``[1,1, 0,9]`` beside "at most 7 items"."""
    paths = [p.path for p in problems]
    return [
        warning
        for layer in layers
        for warning in layer.warnings
        if any(path == warning.path or path.startswith(warning.path + "[") for path in paths)
    ]


def load_scenario(path: Path | str, overrides: Iterable[str] = ()) -> Scenario:
    """Read, merge and validate a scenario file (:func:`read_scenario` without the warnings).

    Raises
    ------
    ScenarioError
        With every problem found, each naming the file and the key path.
    """
    return read_scenario(path, overrides).scenario


def scenario_yaml(scenario: Scenario) -> str:
    """The resolved scenario as YAML that loads back to an equal scenario."""
    return dump(scenario.model_dump(mode="python", exclude_none=True))
