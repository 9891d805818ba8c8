"""Which layer of a scenario gave each key, and problems told in terms of the layers.

A scenario is merged from layers: the base file, the overlays that extend
it, and each override (``path=value``; ``--set`` on the command line). A
problem found in the merged map is about the merge as much as about one
file, so this module rewrites three kinds of problem to name the layer to
fix:

* an id that an overlay or an override names but the scenario does not have
  (``facilities.dms-senja.beds=7``): merging would add a half-written
  facility, and validation would complain that its ``service`` is missing;
  here it is "no facility with this id", with the nearest id;
* an id that a layer removes (``facilities.x: null``) while another layer
  still names it (in ``travel_minutes``, say);
* probabilities that no longer sum to 1 because two layers each gave some
  of the keys: every key is listed with the layer that gave it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.errors import Problem, show_value
from simulator.text.suggest import suggest

__all__ = [
    "OVERRIDE",
    "Introduced",
    "Layer",
    "deep_merge",
    "explain",
    "introduced",
    "named",
    "origins_of",
]

OVERRIDE = "override"
"""The source of a key given as an override, where a file's path is the source of its keys.

The command line shows it as ``--set`` (:func:`simulator.cli.base.problem_text`).
"""

Origins = dict[tuple[str, ...], tuple[int, str]]
"""Key path -> (order applied, source): base file 0, each overlay and override after it."""

_KINDS = {"municipalities": "municipality", "facilities": "facility", "groups": "group"}
_EXAMPLES = {
    "municipalities": "{population: 1000}",
    "facilities": "{service: kohd, level: municipal, beds: 2}",
    "groups": "{rate_per_1000: 5, entry: {...}, steps: {...}}",
    "steps": "{service: hospital, los: {dist: lognormal, mean: 5, cv: 0.8}, next: {home: 1}}",
}


@dataclass(frozen=True)
class Layer:
    """One source of keys: a file (``extends`` removed) or one override.

    Attributes
    ----------
    source
        The file as the user named it, or :data:`OVERRIDE`.
    data
        What the layer writes, as a map from the top of the scenario.
    warnings
        Doubtful values found while reading it (:mod:`simulator.scenario.yamlio`).
    path
        The file, for copying beside results; None for an override.
    at
        For an override, its key path (``facilities.x.beds`` gives three keys).
    """

    source: str
    data: dict[str, Any]
    warnings: tuple[Problem, ...] = ()
    path: Path | None = None
    at: tuple[str, ...] = ()


def named(source: str) -> str:
    """A layer as a sentence names it: the file, or "an override"."""
    return "an override" if source == OVERRIDE else source


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


def origins_of(layers: Sequence[Layer]) -> Origins:
    """Which layer gave or removed each key path, with the order it was applied in."""
    origins: Origins = {}
    for order, layer in enumerate(layers):
        for prefix, value in _leaves(layer):
            _note(origins, value, prefix, (order, layer.source))
    return origins


def _leaves(layer: Layer) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Where a layer writes: an override at the end of its path, a file at the top."""
    yield layer.at, _at(layer.data, layer.at)


def _note(origins: Origins, value: Any, prefix: tuple[str, ...], source: tuple[int, str]) -> None:
    if value is None:  # removed: what was under it is gone; the removal is remembered
        for key in [k for k in origins if k[: len(prefix)] == prefix]:
            del origins[key]
    origins[prefix] = source
    if isinstance(value, Mapping):
        for key, item in value.items():
            _note(origins, item, (*prefix, str(key)), source)


# --- ids that a later layer names, adds or removes -------------------------------------


@dataclass(frozen=True)
class Introduced:
    """An id that a later layer (overlay or override) names and the layers before do not have.

    ``through`` is True for an override whose path goes through the id
    (``facilities.x.beds=7``), which changes a key of an entry and so cannot
    add one.
    """

    section: tuple[str, ...]
    id: str
    source: str
    known: tuple[str, ...]
    through: bool

    @property
    def path(self) -> str:
        return ".".join((*self.section, self.id))

    def problem(self, missing: Sequence[str] = ()) -> Problem:
        """The problem to report; ``missing``: the required keys the entry lacks."""
        kind = "step" if self.section[-1] == "steps" else _KINDS[self.section[0]]
        where = " of this group" if kind == "step" else ""
        hint = (
            suggest(self.id, self.known, known=f"known {kind} ids")
            if self.known
            else f"the scenario has no {kind} yet"
        )
        example = _EXAMPLES[self.section[-1]]
        return Problem(
            self.source,
            self.path,
            f"no {kind} with this id{where} in the scenario it changes",
            show_value(self.id),
            f"{hint}; to add a new {kind}, give the whole entry: {self.path}={example}"
            if self.source == OVERRIDE
            else f"{hint}; to add a new {kind}, give all its required keys"
            + (f" (missing: {', '.join(missing)})" if missing else ""),
        )


def _sections(data: Mapping[str, Any]) -> Iterator[tuple[str, ...]]:
    yield ("municipalities",)
    yield ("facilities",)
    yield ("groups",)
    groups = data.get("groups")
    if isinstance(groups, Mapping):
        for gid in groups:
            yield ("groups", str(gid), "steps")


def _at(data: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def introduced(layers: Sequence[Layer]) -> list[Introduced]:
    """Ids that a layer after the first names though the layers before it do not have them."""
    found: list[Introduced] = []
    merged: dict[str, Any] = dict(layers[0].data) if layers else {}
    for layer in layers[1:]:
        for section in _sections(layer.data):
            written = _at(layer.data, section)
            before = _at(merged, section)
            if not isinstance(written, Mapping) or before is None and len(section) > 1:
                continue
            known = tuple(str(k) for k in before) if isinstance(before, Mapping) else ()
            for key, value in written.items():
                if str(key) in known or not isinstance(value, Mapping):
                    continue
                through = len(layer.at) > len(section) + 1
                found.append(Introduced(section, str(key), layer.source, known, through))
        merged = deep_merge(merged, layer.data)
    return found


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def _collapse(problems: list[Problem], intros: Sequence[Introduced]) -> list[Problem]:
    """Problems inside an entry that a later layer made by mistake become one: unknown id."""
    result = list(problems)
    for intro in intros:
        inside = [p for p in result if _under(p.path, intro.path)]
        missing = [
            p.path[len(intro.path) + 1 :] for p in inside if p.message == "required key is missing"
        ]
        if intro.through or missing:
            first = result.index(inside[0]) if inside else len(result)
            result = [p for p in result if p not in inside]
            result.insert(first, intro.problem(missing))
    return result


def _removed(layers: Sequence[Layer]) -> dict[tuple[str, str], str]:
    """(section, id) -> the layer that removes the id with ``null``."""
    removed: dict[tuple[str, str], str] = {}
    for layer in layers[1:]:
        for section in ("municipalities", "facilities"):
            written = _at(layer.data, (section,))
            if isinstance(written, Mapping):
                for key, value in written.items():
                    if value is None:
                        removed[(section, str(key))] = layer.source
    return removed


def _still_named(problem: Problem, removed: Mapping[tuple[str, str], str]) -> Problem:
    for section, kind in (("facilities", "facility"), ("municipalities", "municipality")):
        if not problem.message.startswith(f"no {kind} with this id") or problem.got is None:
            continue
        name = problem.got.strip("'")
        remover = removed.get((section, name))
        if remover is None:
            continue
        listed = problem.path.endswith("]")
        holder = problem.path.rsplit("[", 1)[0]
        if remover == OVERRIDE:
            removal = f"{section}.{name}=null"
            fix = f"give {holder} without it" if listed else f"remove it with {problem.path}=null"
            fix += " in an override too"
        else:
            removal = f"{section}.{name}: null"
            fix = f"give {holder} without it" if listed else f"write {problem.path}: null"
            fix += f" in {remover} too"
        return Problem(
            remover,
            problem.path,
            f"{named(remover)} removes {kind} '{name}' ({removal}), "
            f"but {named(problem.source)} still names it here",
            problem.got,
            f"{fix}, or keep the {kind}",
        )
    return problem


def _left_over(problem: Problem, origins: Origins) -> Problem:
    """A key an earlier layer gave, unknown beside the keys a later layer gave the same map.

    ``delay: {dist: empirical, values: [...]}`` in an overlay keeps the base
    file's ``mean``: the overlay is the file to fix, with ``mean: null``.
    """
    if problem.message != "unknown key" or "[" in problem.path:
        return problem
    keys = tuple(problem.path.split("."))
    given = origins.get(keys)
    if given is None:
        return problem
    later = [
        v for k, v in origins.items() if k[: len(keys) - 1] == keys[:-1] and k != keys and v > given
    ]
    if not later:
        return problem
    changer = max(later)[1]
    earlier = "an earlier override" if given[1] == changer == OVERRIDE else named(given[1])
    return dataclasses.replace(
        problem,
        source=changer,
        message=f"unknown key, left over from {earlier} beside the keys {named(changer)} gives",
        hint=f"remove it with {problem.path}=null"
        if changer == OVERRIDE
        else f"remove it in {changer} with {problem.path}: null",
    )


# --- sums broken by merging ------------------------------------------------------------


def _owner(keys: tuple[str, ...], origins: Origins) -> str | None:
    for end in range(len(keys), 0, -1):
        if keys[:end] in origins:
            return origins[keys[:end]][1]
    return None


def _sum_from_layers(problem: Problem, data: Mapping[str, Any], origins: Origins) -> Problem:
    if not problem.message.startswith("probabilities must sum to 1"):
        return problem
    keys = tuple(problem.path.split("."))
    shares = _at(data, keys)
    if not isinstance(shares, Mapping):
        return problem
    givers = {str(k): _owner((*keys, str(k)), origins) or problem.source for k in shares}
    if len(set(givers.values())) < 2:
        return problem
    parts = "; ".join(f"{k}: {shares[k]} from {named(givers[str(k)])}" for k in shares)
    last = max(
        (origins[(*keys, k)] for k in givers if (*keys, k) in origins), default=(0, problem.source)
    )[1]
    return dataclasses.replace(
        problem,
        source=last,
        message=f"{problem.message}, after merging ({parts})",
        hint=(
            f"an override of one key keeps the others: set the whole map, e.g. "
            f"{problem.path}={{{', '.join(f'{k}: ...' for k in shares)}}}"
            if last == OVERRIDE
            else f"an overlay changes only the keys it gives: write all of {keys[-1]} "
            f"in {last} so that the shares add up to 1"
        ),
    )


def explain(
    problems: list[Problem], layers: Sequence[Layer], data: Mapping[str, Any]
) -> list[Problem]:
    """Rewrite problems of a merged scenario to name the layer to fix (see the module)."""
    if len(layers) < 2:
        return problems
    origins = origins_of(layers)
    result = _collapse(problems, introduced(layers))
    removed = _removed(layers)
    result = [
        _left_over(_sum_from_layers(_still_named(p, removed), data, origins), origins)
        for p in result
    ]
    return list(dict.fromkeys(result))
