"""Turning a merged scenario map into a validated :class:`Scenario`, or every problem.

Pydantic checks types, bounds and unknown keys; its errors are rewritten here
as :class:`~simulator.errors.Problem` lines that name the key path the
planner wrote (``facilities.dps-silsand.beds``), the value, and a hint: the
nearest known key for a typo, the allowed values for a choice. Cross-field
rules run afterwards (:mod:`simulator.scenario.checks`), so a file with several
mistakes reports them all.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from simulator.errors import Problem, ScenarioError, show_value
from simulator.scenario.changes import dated_states
from simulator.scenario.checks import check
from simulator.scenario.hints import MAX_NAME_CHARS, booleans, date_hint, id_hint, number_hint
from simulator.scenario.money_checks import money_rules
from simulator.scenario.schema import DIST_NAMES, Scenario
from simulator.text.suggest import did_you_mean, suggest

__all__ = ["Origins", "blame", "key_path", "validate"]


def key_path(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as a dotted key path, dropping union tags."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.startswith("<") or part.startswith("function-") or part == "[key]":
            continue
        else:
            text += ("." if text else "") + part
    return text


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (Annotated and unions opened)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found.extend(_unwrap(arg))
        return found
    return [annotation]


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed in the map at ``loc`` (the parent of an unknown key)."""
    candidates: list[Any] = [Scenario]
    for part in loc:
        following: list[Any] = []
        for current in candidates:
            for kind in _unwrap(current):
                origin = typing.get_origin(kind)
                if isinstance(part, str) and part.startswith("<"):
                    following.append(kind)
                elif isinstance(kind, type) and issubclass(kind, BaseModel):
                    field = kind.model_fields.get(str(part))
                    if field is not None:
                        following.append(field.annotation)
                elif origin is dict:
                    following.append(typing.get_args(kind)[1])
                elif origin is list and isinstance(part, int):
                    following.append(typing.get_args(kind)[0])
        candidates = following
    keys: list[str] = []
    for current in candidates:
        for kind in _unwrap(current):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                keys.extend(k for k in kind.model_fields if k not in keys)
    return keys


def _problem(error: ErrorDetails, source: str) -> Problem:
    found = _describe(error, source)
    if error["loc"] and error["loc"][-1] == "[key]":
        # pydantic checks a map's keys under the pseudo-location "[key]".
        value = error.get("input")
        path, hint = found.path, found.hint
        if isinstance(value, int) and not isinstance(value, bool):
            # the key is a number: the location holds it, not a list index
            path = ".".join(filter(None, (key_path(tuple(error["loc"][:-2])), str(value))))
            hint = f"quote the id: '{value}' (unquoted, YAML reads it as a number)"
        return Problem(found.source, path, "the key " + found.message, found.got, hint)
    return found


_NUMBER_ERRORS = ("float_parsing", "int_parsing", "float_type", "int_type", "number_or_bands")


def _describe(error: ErrorDetails, source: str) -> Problem:
    loc = tuple(error["loc"])
    path = key_path(loc)
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx", {}) or {}
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = suggest(str(loc[-1]), known, known="known keys")
        if str(loc[-1]) in known:  # a key of another kind, e.g. mean: left over beside empirical
            hint = f"'{loc[-1]}' does not go with the other keys of this map; remove it"
        return Problem(source, path, "unknown key", hint=hint)
    if kind == "missing":
        return Problem(source, path, "required key is missing", hint=f"add '{loc[-1]}:'")
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        options = [o.strip() for o in expected.replace(" or ", ",").split(",") if o.strip()]
        return Problem(
            source,
            path,
            f"must be one of: {', '.join(options)}",
            show_value(value),
            did_you_mean(value, options) if isinstance(value, str) else None,
        )
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        bound = next(iter(ctx.values()), "")
        bound_text = f"{bound:g}" if isinstance(bound, int | float) else str(bound)
        return Problem(source, path, f"must be {sign} {bound_text}", show_value(value))
    if kind == "distribution":
        example = "write e.g. {dist: lognormal, mean: 5, cv: 0.8}"
        if not isinstance(value, Mapping):
            return Problem(source, path, "must be a distribution map", show_value(value), example)
        if "dist" not in value:
            return Problem(source, f"{path}.dist", "required key is missing", None, example)
        return Problem(
            source,
            f"{path}.dist",
            "must be one of: " + ", ".join(DIST_NAMES),
            show_value(value["dist"]),
            did_you_mean(str(value["dist"]), DIST_NAMES) or example,
        )
    if kind == "string_pattern_mismatch":
        return Problem(
            source,
            path,
            "must be an id of letters, digits, '-' and '_'",
            show_value(value),
            id_hint(value),
        )
    if kind.startswith("date_"):
        return Problem(
            source,
            path,
            "must be a valid date, written YYYY-MM-DD",
            show_value(value),
            date_hint(value),
        )
    if kind in ("too_long", "too_short"):
        bound = ctx.get("max_length" if kind == "too_long" else "min_length")
        items = "item" if bound == 1 else "items"
        word = "at most" if kind == "too_long" else "at least"
        actual = ctx.get("actual_length")
        return Problem(
            source,
            path,
            f"must have {word} {bound} {items}, not {actual}",
            show_value(value) if not _is_map(value) else None,
        )
    if kind == "model_type" or kind == "dict_type":
        return Problem(source, path, "must be a map of keys", show_value(value))
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        return Problem(source, path, message, show_value(value) if not _is_map(value) else None)
    message = error["msg"][0].lower() + error["msg"][1:]
    if message.startswith("input should be"):
        message = "must be" + message[len("input should be") :]
    tip = number_hint(value, kind.startswith("int_")) if kind in _NUMBER_ERRORS else None
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        tip = f"put text in quotes; unquoted, YAML reads it as the number {value}"
    return Problem(source, path, message, show_value(value) if not _is_map(value) else None, tip)


def _is_map(value: object) -> bool:
    return isinstance(value, Mapping)


Origins = Mapping[tuple[str, ...], tuple[int, str]]


def _origin(path: str, origins: Origins) -> str | None:
    """The source to fix for a problem at a dotted key path.

    The source of the longest known prefix of the path (the key, or the map
    that holds it), unless something under the key was changed later: then
    that later change (an overlay or ``--set`` that broke a sum, say).
    """
    keys = tuple(part.split("[")[0] for part in path.split(".") if part)
    owner = next(
        (origins[keys[:end]] for end in range(len(keys), -1, -1) if keys[:end] in origins), None
    )
    later = [v for k, v in origins.items() if len(k) > len(keys) and k[: len(keys)] == keys]
    candidates = [c for c in (owner, *later) if c is not None]
    return max(candidates)[1] if candidates else None


def blame(problems: list[Problem], origins: Origins | None) -> list[Problem]:
    """Name, for each problem, the file (or ``--set``) whose key it is about."""
    if not origins:
        return problems
    return [dataclasses.replace(p, source=_origin(p.path, origins) or p.source) for p in problems]


def _before_schema(data: Mapping[str, Any], source: str) -> list[Problem]:
    """What the schema would let through: yes/no values, a name too long for a folder."""
    found = [
        Problem(
            source,
            path,
            "must be a number or text, not true/false (no key of a scenario takes a yes/no value)",
            str(value).lower(),
            "write a number (true is not 1 bed), or quote text: 'true'",
        )
        for path, value in booleans(data)
    ]
    name = data.get("name")
    if isinstance(name, str) and len(name) > MAX_NAME_CHARS:
        found.append(
            Problem(
                source,
                "name",
                f"is {len(name)} characters long; a name may have at most {MAX_NAME_CHARS}",
                show_value(name),
                "the name becomes a folder name: keep it short and put the long text in title",
            )
        )
    return found


def validate(
    data: Mapping[str, Any],
    source: str = "<scenario>",
    origins: Origins | None = None,
) -> Scenario:
    """Validate a merged scenario map.

    Parameters
    ----------
    data
        The scenario as plain data (after overlays and overrides).
    source
        The file name used in error messages.
    origins
        Which file gave each key path (:func:`simulator.scenario.loading.key_origins`);
        a problem then names the file to fix, also inside a base file.

    Raises
    ------
    ScenarioError
        With every problem: schema errors first; cross-field errors when the
        structure itself is sound.
    """
    if "sweep" in data:  # a sweep file (docs/sweeps.md) given where a scenario belongs
        raise ScenarioError(
            [
                Problem(
                    source,
                    "sweep",
                    "this is a sweep file, not a scenario",
                    hint=f"run it with: samsim sweep {source}",
                )
            ]
        )
    early = _before_schema(data, source)
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as exc:
        taken = {p.path for p in early}
        problems = early + [
            p for p in (_problem(e, source) for e in exc.errors()) if p.path not in taken
        ]
        unique = list(dict.fromkeys(problems))
        raise ScenarioError(blame(unique, origins)) from None
    if early:
        raise ScenarioError(blame(early, origins))
    found = check(scenario) + money_rules(scenario)
    if found:
        raise ScenarioError(blame([Problem(source, *f) for f in found], origins))
    if scenario.changes:  # every dated state is validated like a file (and kept for the model)
        dated_states(scenario, _origin("changes", origins or {}) or source, origins, validate)
    return scenario
