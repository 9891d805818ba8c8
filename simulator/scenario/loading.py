"""Reading scenario files: YAML, ``extends`` overlays and ``--set`` overrides.

The result of this module is a plain, merged ``dict``; turning it into a
validated :class:`~simulator.scenario.schema.Scenario` is :mod:`simulator.scenario.validation`'s
job. Overlay rules (``shared/scenario-format.md``): maps merge key by key,
lists and scalars replace, ``null`` removes a key.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import Problem, ScenarioError, show_value
from simulator.scenario.schema import Scenario
from simulator.scenario.validation import validate

__all__ = [
    "deep_merge",
    "key_origins",
    "load_scenario",
    "parse_override",
    "read_yaml",
    "resolve",
    "scenario_files",
    "scenario_yaml",
]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one map (YAML would keep the last)."""


class _BadValue(yaml.constructor.ConstructorError):
    """Well-formed YAML that a scenario cannot hold: a repeated key, an impossible date."""

    def __init__(self, problem: str, mark: yaml.Mark, hint: str) -> None:
        super().__init__(None, None, problem, mark)
        self.hint = hint


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise _BadValue("a key must be a plain value", key_node.start_mark, "write key: value")
        if key in mapping:
            raise _BadValue(
                f"the key {key!r} is given twice",
                key_node.start_mark,
                "remove one of them (YAML would silently keep the last)",
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_date(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as exc:  # e.g. 2025-02-30: looks like a date, is none
        raise _BadValue(
            f"not a valid date: {node.value} ({exc})", node.start_mark, "write dates as YYYY-MM-DD"
        ) from None


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML file into a map, or raise :class:`ScenarioError` saying why not."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(
            [Problem(source, "", "file not found", hint="check the path and the file name")]
        ) from None
    except IsADirectoryError:
        raise ScenarioError(
            [Problem(source, "", "is a folder, not a scenario file", hint="name a .yaml file")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(source, "", f"cannot be read: {exc}")]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        what = exc.problem or exc.context or "invalid YAML"
        if isinstance(exc, _BadValue):
            raise ScenarioError([Problem(source, "", f"{where}: {what}", hint=exc.hint)]) from None
        raise ScenarioError(
            [
                Problem(
                    source,
                    "",
                    f"YAML syntax error at {where}: {what}",
                    hint="check indentation, colons and quotes on that line and the one before",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(source, "", f"YAML error: {exc}")]) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                Problem(
                    source,
                    "",
                    "a scenario file must be a map of keys (name, run, municipalities, ...)",
                    got=show_value(data),
                )
            ]
        )
    return data


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``overlay`` into ``base``: maps key by key, lists and scalars replace, None removes."""
    merged = dict(base)
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve(path: Path, _chain: Sequence[Path] = ()) -> dict[str, Any]:
    """Read ``path`` and every file it ``extends``, merged, with ``extends`` removed."""
    path = Path(path)
    here = path.resolve()
    if here in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, here))
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "extends",
                    f"files extend each other in a cycle: {cycle}",
                    hint="one file in the cycle must not extend another",
                )
            ]
        )
    data = read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "extends",
                    "must be the path of another scenario file",
                    got=show_value(parent),
                )
            ]
        )
    # Relative to the file as the user named it, so messages show paths they know.
    base_path = path.parent / parent
    if not base_path.exists():
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "extends",
                    f"the file it extends does not exist: {base_path}",
                    got=show_value(parent),
                    hint="the path is relative to the file that says extends",
                )
            ]
        )
    return deep_merge(resolve(base_path, (*_chain, here)), data)


def scenario_files(path: Path | str) -> list[Path]:
    """The file and every file it ``extends``, base first (for copying beside results)."""
    chain: list[Path] = []
    current: Path | None = Path(path)
    while current is not None and current.resolve() not in [p.resolve() for p in chain]:
        chain.append(current)
        parent = read_yaml(current).get("extends")
        current = current.parent / parent if isinstance(parent, str) else None
    return chain[::-1]


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``dotted.path=value`` into its key path and its value parsed as YAML."""
    source = "--set"
    if "=" not in text:
        raise ScenarioError(
            [
                Problem(
                    source,
                    "",
                    "must look like dotted.path=value",
                    got=show_value(text),
                    hint="e.g. --set facilities.dms-senja-kohd.beds=6",
                )
            ]
        )
    key, _, raw = text.partition("=")
    parts = key.strip().split(".")
    if not all(parts):
        raise ScenarioError(
            [Problem(source, key, "the key path has an empty part", got=show_value(text))]
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ScenarioError(
            [
                Problem(
                    source,
                    key,
                    "the value is not valid YAML",
                    got=show_value(raw),
                    hint="quote text values, e.g. --set title='\"A B\"'",
                )
            ]
        ) from None
    return parts, value


def apply_overrides(data: Mapping[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Apply each ``path=value`` override in turn, with the overlay merge rules."""
    merged = dict(data)
    for text in overrides:
        parts, value = parse_override(text)
        patch: Any = value
        for part in reversed(parts):
            patch = {part: patch}
        merged = deep_merge(merged, patch)
    return merged


def resolve_with_overrides(path: Path | str, overrides: Iterable[str] = ()) -> dict[str, Any]:
    """The merged scenario map of ``path`` with its overlays and ``overrides`` applied."""
    return apply_overrides(resolve(Path(path)), overrides)


Origins = dict[tuple[str, ...], tuple[int, str]]
"""Key path -> (order applied, source): base file 0, each overlay and --set after it."""


def key_origins(path: Path | str, overrides: Iterable[str] = ()) -> Origins:
    """Which file (or ``--set``) gave or removed each key path, in the order applied.

    Lets a problem found in the merged scenario name the file to fix, even
    when it sits in a base file that an overlay extends
    (:func:`simulator.scenario.validation.validate`).
    """
    origins: Origins = {}
    order = 0
    for file in scenario_files(path):
        data = read_yaml(file)
        data.pop("extends", None)
        _note(origins, data, (), (order, str(file)))
        order += 1
    for text in overrides:
        parts, value = parse_override(text)
        _note(origins, value, tuple(parts), (order, "--set"))
        order += 1
    return origins


def _note(origins: Origins, value: Any, prefix: tuple[str, ...], source: tuple[int, str]) -> None:
    if value is None:  # removed: what was under it is gone; the removal is remembered
        for key in [k for k in origins if k[: len(prefix)] == prefix]:
            del origins[key]
    origins[prefix] = source
    if isinstance(value, Mapping):
        for key, item in value.items():
            _note(origins, item, (*prefix, str(key)), source)


def load_scenario(path: Path | str, overrides: Iterable[str] = ()) -> Scenario:
    """Read, merge and validate a scenario file.

    Parameters
    ----------
    path
        The scenario file (YAML); ``extends`` is followed relative to it.
    overrides
        ``dotted.path=value`` strings applied after the overlays, as ``--set``.

    Raises
    ------
    ScenarioError
        With every problem found, each naming the file and the key path.
    """
    overrides = list(overrides)
    data = resolve_with_overrides(path, overrides)
    return validate(data, source=str(path), origins=key_origins(path, overrides))


def scenario_yaml(scenario: Scenario) -> str:
    """The resolved scenario as YAML that loads back to an equal scenario."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
