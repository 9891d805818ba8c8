"""The scenario format described for people and for editors, from the schema itself.

:func:`render` writes ``docs/scenario-reference.md``: every key path of a
scenario (``facilities.<id>.beds``), its type and bounds, its meaning (the
field descriptions of :mod:`simulator.scenario.schema`), its default and whether it is
required, with hand-written sections on distributions, overlays and editor
support around it (:mod:`simulator.scenario.reference_prose`).
:func:`editor_schema` is the JSON Schema that ``samsim schema`` prints for
editors such as VS Code.

Both are derived from the pydantic models, so the documentation cannot drift
from the code: a test compares the stored Markdown file with :func:`render`.
Regenerate it with::

    .venv/bin/python -m simulator.scenario.reference > docs/scenario-reference.md
"""

from __future__ import annotations

import datetime as dt
import sys
import types
import typing
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from simulator.scenario.reference_prose import (
    DISTRIBUTION_NOTES,
    DISTRIBUTIONS,
    EDITOR,
    INTRO,
    OVERLAYS,
    PATHWAYS,
    REGENERATE,
    SECTION_INTRO,
    WHEN_FULL,
)
from simulator.scenario.schema import Distribution, Scenario

__all__ = ["DERIVED_DEFAULTS", "REGENERATE", "editor_schema", "main", "render"]

DERIVED_DEFAULTS: dict[tuple[str, str], str] = {
    ("Scenario", "title"): "= `name`",
    ("Municipality", "name"): "= the id",
    ("Facility", "name"): "= the id",
    ("Facility", "costs"): "all 0",
    ("FacilityCosts", "payer"): "from `level`: municipal → `municipality`, "
    "specialist → `health_trust`",
    ("Group", "name"): "= the id",
}
"""Keys pydantic sees as required but the schema fills in before validation.

They are optional for the planner: a ``mode="before"`` validator in
:mod:`simulator.scenario.schema` derives them from another key. Keyed by (model class
name, field name); the value is the default as the reference shows it.
"""

PLACEHOLDERS = {
    "municipalities": "<id>",
    "facilities": "<id>",
    "groups": "<id>",
    "steps": "<step>",
    "entry": "<step>",
    "next": "<step>",
    "travel_minutes": "<facility>",
    "projection": "<year>",
    "population": "<band>",
    "rate_per_1000": "<band>",
    "projection[]": "<band>",
    "bands": "<band>",
}
"""How a map's keys are written in a key path, by the name of the map."""

# --- reading the models ------------------------------------------------------


def _strip(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without ``Annotated``, and the constraints it carried."""
    constraints: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        for extra in args[1:]:
            if isinstance(extra, FieldInfo):
                constraints.extend(extra.metadata)
            else:
                constraints.append(extra)
        annotation = args[0]
    return annotation, constraints


def _members(annotation: Any) -> list[Any]:
    """The members of a union (``None`` left out), or the annotation itself."""
    bare, _ = _strip(annotation)
    if typing.get_origin(bare) in (typing.Union, types.UnionType):
        found: list[Any] = []
        for arg in typing.get_args(bare):
            if arg is not type(None):
                found.extend(_members(arg))
        return found
    return [annotation]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_distribution(annotation: Any) -> bool:
    members = [_strip(m)[0] for m in _members(annotation)]
    return len(members) > 1 and all(_is_model(m) and "dist" in m.model_fields for m in members)


def _bounds(constraints: list[Any]) -> str:
    low = high = ""
    for c in constraints:
        if isinstance(c, annotated_types.Ge):
            low = f"≥ {c.ge}"
        elif isinstance(c, annotated_types.Gt):
            low = f"> {c.gt}"
        elif isinstance(c, annotated_types.Le):
            high = f"≤ {c.le}"
        elif isinstance(c, annotated_types.Lt):
            high = f"< {c.lt}"
    if low and high:
        return f"{low} and {high}"
    return low or high


def _lengths(constraints: list[Any]) -> str:
    low = next((c.min_length for c in constraints if isinstance(c, annotated_types.MinLen)), None)
    high = next((c.max_length for c in constraints if isinstance(c, annotated_types.MaxLen)), None)
    if low is not None and low == high:
        return f"{low} items"
    if low:
        return f"at least {low} item" + ("s" if low > 1 else "")
    return ""


def _is_id(constraints: list[Any]) -> bool:
    return any(getattr(c, "pattern", None) for c in constraints)


def type_text(annotation: Any, key: str = "", extra: list[Any] | None = None) -> str:
    """A planner's name for the type of a key, with its bounds (``number ≥ 0``)."""
    if _is_distribution(annotation):
        return "distribution"
    members = _members(annotation)
    if len(members) > 1:
        return ", or ".join(type_text(m, key) for m in members)
    bare, constraints = _strip(members[0])
    constraints = [*constraints, *(extra or [])]
    origin = typing.get_origin(bare)
    if origin is typing.Literal:
        return " | ".join(f"`{v}`" for v in typing.get_args(bare))
    if origin is dict:
        key_type, value_type = typing.get_args(bare)
        placeholder = PLACEHOLDERS.get(key, "<key>")
        value_bare = _strip(value_type)[0]
        value = "map" if _is_model(value_bare) else type_text(value_type, f"{key}[]")
        text = f"map of `{placeholder}` → {value}"
        return f"{text}, {_lengths(constraints)}" if _lengths(constraints) else text
    if origin is list:
        (item,) = typing.get_args(bare)
        item_text = "map" if _is_model(_strip(item)[0]) else type_text(item)
        text = f"list of {item_text}"
        return f"{text}, {_lengths(constraints)}" if _lengths(constraints) else text
    if _is_model(bare):
        return "map"
    names = {int: "integer", float: "number", str: "text", dt.date: "date", bool: "true/false"}
    name = names.get(bare, getattr(bare, "__name__", str(bare)))
    if bare is str and _is_id(constraints):
        name = "id"
    bounds = _bounds(constraints)
    return f"{name} {bounds}" if bounds else name


def _default_text(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    derived = DERIVED_DEFAULTS.get((model.__name__, name))
    if derived is not None:
        return derived
    if field.default_factory is not None:
        factory: Any = field.default_factory
        if factory is dict:
            return "`{}` (none)"
        if factory is list:
            return "`[]` (none)"
        if _is_model(factory):
            return "all defaults"
        return "computed"
    if field.default is PydanticUndefined:
        return "—"
    if field.default is None:
        return "none"
    if field.default == "":
        return '`""`'
    return f"`{field.default}`"


def _required(model: type[BaseModel], name: str, field: FieldInfo) -> bool:
    return field.is_required() and (model.__name__, name) not in DERIVED_DEFAULTS


def _description(annotation: Any, field: FieldInfo) -> str:
    if field.description:
        return field.description
    bare = _strip(_members(annotation)[0])[0]
    if typing.get_origin(bare) is dict:
        bare = _strip(typing.get_args(bare)[1])[0]
    doc = (bare.__doc__ or "").strip().splitlines() if _is_model(bare) else []
    return doc[0] if doc else ""


Row = tuple[str, str, str, str, str]
"""Key path, type, meaning, default, required."""


def _rows(model: type[BaseModel], prefix: str) -> list[Row]:
    rows: list[Row] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        annotation = field.annotation
        rows.append(
            (
                path,
                type_text(annotation, name, list(field.metadata)),
                _description(annotation, field),
                _default_text(model, name, field),
                "yes" if _required(model, name, field) else "no",
            )
        )
        if _is_distribution(annotation):
            continue
        for member in _members(annotation):
            bare = _strip(member)[0]
            origin = typing.get_origin(bare)
            if _is_model(bare):
                rows.extend(_rows(bare, path))
            elif origin is dict and _is_model(_strip(typing.get_args(bare)[1])[0]):
                child = _strip(typing.get_args(bare)[1])[0]
                rows.extend(_rows(child, f"{path}.{PLACEHOLDERS.get(name, '<key>')}"))
            elif origin is list and _is_model(_strip(typing.get_args(bare)[0])[0]):
                rows.extend(_rows(_strip(typing.get_args(bare)[0])[0], f"{path}[]"))
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: list[Row]) -> list[str]:
    lines = ["| key | type | meaning | default | required |", "| --- | --- | --- | --- | --- |"]
    for path, kind, meaning, default, required in rows:
        lines.append(
            f"| `{path}` | {_cell(kind)} | {_cell(meaning)} | {_cell(default)} | {required} |"
        )
    return lines


def _distribution_table() -> list[str]:
    members = [_strip(m)[0] for m in _members(Distribution)]
    lines = ["| `dist` | keys | meaning |", "| --- | --- | --- |"]
    for model in members:
        keys = []
        for name, field in model.model_fields.items():
            if name == "dist":
                continue
            keys.append(f"`{name}` ({type_text(field.annotation, name, list(field.metadata))})")
        dist = typing.get_args(model.model_fields["dist"].annotation)[0]
        doc = (model.__doc__ or "").strip().splitlines()[0]
        lines.append(f"| `{dist}` | {', '.join(keys)} | {doc} |")
    return lines


def render() -> str:
    """The Markdown scenario reference (``docs/scenario-reference.md``)."""
    rows = _rows(Scenario, "")
    top = [r for r in rows if "." not in r[0]]
    out = [INTRO, "## Keys", ""]
    out.append("### Top level")
    out.append("")
    out.extend(_table(top))
    out.append(
        "| `extends` | text | Path of the scenario file this one is an overlay of, "
        "relative to this file (see Overlays). | none | no |"
    )
    out.append("")
    for section in dict.fromkeys(r[0].split(".")[0] for r in rows if "." in r[0]):
        out.append(f"### `{section}`")
        out.append("")
        if section in SECTION_INTRO:
            out.append(SECTION_INTRO[section])
            out.append("")
        out.extend(_table([r for r in rows if r[0].startswith(section + ".")]))
        out.append("")
    out.append(DISTRIBUTIONS)
    out.extend(_distribution_table())
    out.append("")
    out.append(DISTRIBUTION_NOTES)
    out.append(WHEN_FULL)
    out.append(PATHWAYS)
    out.append(OVERLAYS)
    out.append(EDITOR.rstrip("\n"))
    return "\n".join(out) + "\n"


def editor_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, for editors.

    Pydantic's schema of :class:`~simulator.scenario.schema.Scenario`, with two
    changes that describe the *file* rather than the validated value: keys
    whose default is derived from another key (:data:`DERIVED_DEFAULTS`) are
    not required, and ``extends`` is allowed at the top level.
    """
    schema = Scenario.model_json_schema()
    definitions: dict[str, Any] = schema.get("$defs", {})
    for (model, key), default in DERIVED_DEFAULTS.items():
        target = schema if model == "Scenario" else definitions[model]
        required = [k for k in target.get("required", []) if k != key]
        if required:
            target["required"] = required
        else:
            target.pop("required", None)
        prop = target["properties"][key]
        prop["description"] = f"{prop.get('description', '')} Default: {default}.".strip()
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "Path of the scenario file this one is an overlay of, relative "
            "to this file. Maps merge, lists and scalars replace, null removes a key.",
        },
        **schema["properties"],
    }
    schema["title"] = "samsim scenario"
    return schema


def main() -> None:
    """Write the reference to standard output (``python -m simulator.scenario.reference``)."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
