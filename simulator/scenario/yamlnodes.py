"""Checks on a composed YAML node graph, before any value is built.

Aliases make the graph a DAG (or, with an alias inside its own anchor, a
cycle): its expanded size is counted with one visit per node, so an alias
bomb is refused before anything expands it. The same walk refuses tags and
integers with a leading zero, and spots decimal commas that YAML split into
two values (``{mean: 3,58}``, refused, saying it became ``mean: 3`` and a key
``58``; ``[2,5, 3,1]``, a warning), naming the key path and the line.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from simulator.errors import Problem
from simulator.scenario.hints import WHOLE_NUMBER_KEYS, number_hint

__all__ = ["ALLOWED_TAGS", "LEADING_ZERO", "MAX_NODES", "TAG", "Refused", "inspect"]

MAX_NODES = 1_000_000
"""Most values (map entries, list items) after aliases are expanded."""

TAG = "tag:yaml.org,2002:"
LEADING_ZERO = "tag:samsim,2026:leading-zero"
"""The tag the resolver gives ``010`` or ``0301``, which :func:`inspect` refuses."""
ALLOWED_TAGS = {
    TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge")
} | {LEADING_ZERO}


class Refused(yaml.YAMLError):
    """Well-formed YAML that a scenario must not hold: says where and what to write."""

    def __init__(
        self, message: str, mark: yaml.Mark | None, hint: str | None = None, path: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint
        self.path = path


def inspect(root: Node, source: str, aliases: int, implicit: Callable[[str], str]) -> list[Problem]:
    """Refuse what the graph must not hold; return warnings about doubtful values.

    Raises :class:`Refused`. ``aliases``: how many the composer met, to tell
    an alias bomb from a file that is merely huge; ``implicit``: the tag the
    resolver gives a plain scalar, to tell a tag written in the file.
    """
    _bound_expansion(root, aliases)
    warnings: list[Problem] = []
    seen: set[int] = set()
    todo: list[tuple[Node, str]] = [(root, "")]
    while todo:
        node, path = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        _check_tag(node, path, implicit)
        if isinstance(node, ScalarNode):
            if node.tag == LEADING_ZERO:
                raise _leading_zero(node, path)
        elif isinstance(node, SequenceNode):
            warnings.extend(_split_decimals(node, path, source))
            todo.extend((item, f"{path}[{i}]") for i, item in reversed(list(enumerate(node.value))))
        elif isinstance(node, MappingNode):
            _decimal_comma_in_map(node, path)
            for key, value in reversed(node.value):
                if isinstance(key, ScalarNode):
                    if key.tag == LEADING_ZERO:
                        raise _leading_zero(key, _join(path, str(key.value)), as_key=True)
                    _check_tag(key, path, implicit)
                    inner = path if key.tag == TAG + "merge" else _join(path, key.value)
                else:
                    inner = path
                    todo.append((key, path))
                todo.append((value, inner))
    return warnings


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _bound_expansion(root: Node, aliases: int) -> None:
    """Refuse a graph whose values, with every alias expanded, exceed :data:`MAX_NODES`."""
    size: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            active.discard(key)
            total = 1 + sum(size[id(child)] for child in children)
            if total > MAX_NODES and aliases:
                raise Refused(
                    f"its {aliases} aliases (*name) expand this to more than {MAX_NODES:,} values",
                    node.start_mark,
                    "write the values out, or use fewer aliases",
                )
            if total > MAX_NODES:
                raise Refused(
                    f"holds more than {MAX_NODES:,} values, more than a scenario needs",
                    node.start_mark,
                    "check it is the right file",
                )
            size[key] = total
            continue
        if key in size:
            continue
        if key in active:
            raise Refused(
                "an alias (*name) refers to the map or list that holds it",
                node.start_mark,
                "an alias may only repeat something written before it",
            )
        active.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in size)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_tag(node: Node, path: str, implicit: Callable[[str], str]) -> None:
    """Refuse a tag written in the file, except ``!!str`` (a way to quote)."""
    if isinstance(node, SequenceNode | MappingNode):
        if node.tag == TAG + ("seq" if isinstance(node, SequenceNode) else "map"):
            return
    elif isinstance(node, ScalarNode) and node.tag in ALLOWED_TAGS:
        plain = not node.style  # None from PyYAML's parser, "" from libyaml's
        if node.tag == TAG + "str" or node.tag == (implicit(node.value) if plain else TAG + "str"):
            return
    tag = node.tag.replace(TAG, "!!")
    raise Refused(
        f"the tag {tag} is not allowed in a scenario",
        node.start_mark,
        "remove the tag and write plain text, numbers, maps and lists",
        path,
    )


def _leading_zero(node: ScalarNode, path: str, as_key: bool = False) -> Refused:
    text = str(node.value)
    digits = text.lstrip("+-").replace("_", "")
    plain = text[: len(text) - len(text.lstrip("+-"))] + (digits.lstrip("0") or "0")
    what = "key" if as_key else "number"
    return Refused(
        f"the {what} {text} starts with 0, which YAML 1.1 reads as an octal "
        f"number and YAML 1.2 as {plain}",
        node.start_mark,
        f"write {plain} for a number, or quote an id such as a kommunenummer: '{text}'",
        path,
    )


def _tight(before: Node, after: Node) -> bool:
    """Whether ``after`` follows ``before`` after a comma with no space: ``2,5``."""
    return (
        before.end_mark.line == after.start_mark.line
        and after.start_mark.column == before.end_mark.column + 1
    )


def _is_int(node: Node) -> bool:
    """An integer, also one with a leading zero (``3,05`` gives ``05``)."""
    return isinstance(node, ScalarNode) and node.tag in (TAG + "int", LEADING_ZERO)


def _decimal_comma(path: str, whole: Node, fraction: Node) -> Refused:
    written = f"{whole.value},{fraction.value}"
    return Refused(
        f"{written} is read as two values: YAML needs a decimal point, not a comma",
        whole.start_mark,
        f"write {whole.value}.{fraction.value}",
        path,
    )


def _is_number(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag in (TAG + "int", TAG + "float")


def _decimal_comma_in_map(node: MappingNode, path: str) -> None:
    """``{mean: 3,58}`` reads as ``mean: 3`` and a key ``58`` without a value: refuse it."""
    if not node.flow_style:
        return
    for (key, value), (next_key, next_value) in zip(node.value, node.value[1:], strict=False):
        if (
            _is_number(value)
            and _is_int(next_key)
            and isinstance(next_value, ScalarNode)
            and next_value.tag == TAG + "null"
            and next_value.value == ""
            and _tight(value, next_key)
        ):
            raise _split_entry(_join(path, str(key.value)), key, value, next_key)


def _split_entry(path: str, key: Node, whole: Node, fraction: Node) -> Refused:
    """What ``{beds: 6,5}`` became, and what to write: the key's kind decides the hint.

    In a flow map a comma ends an entry, so YAML reads ``beds: 6`` and then a
    key ``5`` of its own (with no value). A key that takes a whole number is
    never told to write 6.5, which it would refuse in turn.
    """
    name = str(key.value)
    written = f"{whole.value},{fraction.value}"
    hint = number_hint(written, whole=name in WHOLE_NUMBER_KEYS) or (
        "write one number, with a decimal point and no comma"
    )
    return Refused(
        f"in a flow map {{...}} a comma separates entries, so {name}: {written} became "
        f"{name}: {whole.value} and a key {fraction.value} of its own, with no value",
        whole.start_mark,
        hint,
        path,
    )


def _split_decimals(node: SequenceNode, path: str, source: str) -> list[Problem]:
    """Warn about ``[2,5, 3,1]``: valid YAML for [2, 5, 3, 1], probably meant 2.5 and 3.1."""
    if not node.flow_style:
        return []
    items = node.value
    for a, b in zip(items, items[1:], strict=False):
        if _is_number(a) and b.tag == LEADING_ZERO and _tight(a, b):
            raise _decimal_comma(path, a, b)  # [3,05]: no list of numbers is meant
    pairs = [
        (a, b)
        for a, b in zip(items, items[1:], strict=False)
        if _is_number(a) and _is_int(b) and _tight(a, b)
    ]
    spaced = any(not _tight(a, b) for a, b in zip(items, items[1:], strict=False) if _is_number(a))
    # [1,2,3] written without spaces is a plain list; a comma without a space
    # next to commas with one is how "2,5, 3,1" looks.
    if not pairs or not spaced:
        return []
    written = ", ".join(f"{a.value},{b.value}" for a, b in pairs[:3])
    meant = ", ".join(f"{a.value}.{b.value}" for a, b in pairs[:3])
    return [
        Problem(
            source,
            path,
            f"line {node.start_mark.line + 1}: {written} are read as separate numbers, "
            "which looks like decimal commas",
            hint=f"if decimals were meant, write {meant} (YAML needs a decimal point)",
        )
    ]
