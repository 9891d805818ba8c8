"""Reading one YAML file safely: regular files only, bounded size, depth and expansion.

A scenario file is written by hand, often in Excel or Notepad, and ``extends``
may name any path. This module reads it so that no file can hang the program
(a device, a named pipe), eat the memory (``/dev/zero``, an alias bomb), crash
it (deep nesting) or be echoed back (``/etc/shadow``), and so that every
mistake of form gets a line saying what to write instead.

Numbers follow YAML 1.2 (docs/decisions.md, decision 19): only ``true`` and
``false`` are yes/no values (``no`` and ``on`` are text), ``1:30`` is text,
``1e3`` is a number, and an integer with a leading zero (``010``, ``0301``) is
refused, because YAML 1.1 reads it as an octal number and 1.2 as a decimal one.
The C parser of libyaml is used where it is installed; the checks run in the
composer above it, so they hold for both parsers.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from simulator.errors import Problem, ScenarioError


class _PythonParser(Reader, Scanner, Parser):
    """The pure-Python parser, for PyYAML built without libyaml."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


try:  # libyaml: the same events, many times faster
    from yaml.cyaml import CParser as _FastParser  # type: ignore[attr-defined]

    _Parser: type = _FastParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = _PythonParser


__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Document",
    "load_text",
    "read_document",
    "read_text",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest scenario file read; a national scenario is well under 1 MB."""
MAX_DEPTH = 64
"""Deepest nesting of maps and lists; a scenario needs about 8."""
MAX_NODES = 1_000_000
"""Most values (map entries, list items) after aliases are expanded."""
MAX_PATH_CHARS = 1024
"""Longest path accepted, in characters (file systems stop at 4096 bytes or less)."""

_DEEP = "a scenario needs about 8 levels: check the indentation and brackets"
_TAG = "tag:yaml.org,2002:"
_LEADING_ZERO = "tag:samsim,2026:leading-zero"
_ALLOWED_TAGS = {
    _TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge")
} | {_LEADING_ZERO}


class _Resolver(BaseResolver):
    """YAML 1.2 core-schema scalars, plus dates and merge keys (``<<``)."""


def _implicit(tag: str, pattern: str, first: str) -> None:
    _Resolver.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_implicit(_TAG + "bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_implicit(_LEADING_ZERO, r"^[-+]?0[0-9_]+$", "-+0")
_implicit(_TAG + "int", r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_implicit(
    _TAG + "float",
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    "-+0123456789.",
)
_Resolver.add_implicit_resolver(_TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), [*"~nN", ""])
_implicit(_TAG + "merge", r"^<<$", "<")
_implicit(
    _TAG + "timestamp",
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    (?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?)$""",
    "0123456789",
)


class _Refused(yaml.YAMLError):
    """Well-formed YAML that a scenario must not hold: says where and what to write."""

    def __init__(
        self, message: str, mark: yaml.Mark | None, hint: str | None = None, path: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint
        self.path = path


class _Constructor(SafeConstructor):
    """Safe construction; a key given twice is refused, a ``<<`` merge may be overridden."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        own: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _TAG + "merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise _Refused(
                    "a key must be a plain value", key_node.start_mark, "write key: value"
                )
            if key in own:
                raise _Refused(
                    f"the key {_short(key)} is given twice",
                    key_node.start_mark,
                    "remove one of them (YAML would silently keep the last)",
                )
            own.add(key)
        self.flatten_mapping(node)  # merged keys first, so the map's own keys win
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _date(constructor: SafeConstructor, node: ScalarNode) -> Any:
    try:
        return constructor.construct_yaml_timestamp(node)
    except ValueError as exc:  # 2025-02-30: looks like a date, is none
        raise _Refused(
            f"not a valid date: {node.value} ({exc})", node.start_mark, "write dates as YYYY-MM-DD"
        ) from None


def _int(constructor: SafeConstructor, node: ScalarNode) -> int:
    text = str(node.value).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith("0o"):
        return sign * int(text[2:], 8)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    return sign * int(text)


_Constructor.add_constructor(_TAG + "timestamp", _date)  # type: ignore[type-var]
_Constructor.add_constructor(_TAG + "int", _int)  # type: ignore[type-var]


class _Loader(_Parser, Composer, _Constructor, _Resolver):  # type: ignore[misc]
    """The parser (C where available) under a composer that bounds depth."""

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)  # type: ignore[misc]
        Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()
                raise _Refused(
                    f"maps and lists are nested more than {MAX_DEPTH} deep",
                    event.start_mark,
                    _DEEP,
                )
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
            node = Composer.compose_node(self, parent, index)
            assert node is not None  # an event was there: check_event above
            return node
        finally:
            self.depth -= 1


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- reading bytes ---------------------------------------------------------------------


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The text of a regular file of at most ``limit`` bytes, as UTF-8.

    Raises :class:`ScenarioError` naming the file and what to do, without ever
    showing what the file holds.
    """
    source = str(path)

    def refuse(message: str, hint: str | None = None) -> ScenarioError:
        return ScenarioError([Problem(source, "", message, hint=hint)])

    if not source:
        raise refuse("no file named (the path is empty)", "name a .yaml file")
    if len(source) > MAX_PATH_CHARS:
        raise ScenarioError(
            [
                Problem(
                    source[:60] + "...",
                    "",
                    f"the path is {len(source)} characters long; at most {MAX_PATH_CHARS} "
                    "are accepted",
                    hint="use a shorter path or move the file",
                )
            ]
        )
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a folder, not a scenario file", "name a .yaml file")
        if not stat.S_ISREG(info.st_mode):
            raise refuse(
                "is not a regular file (a device, a pipe or a socket); only files are read",
                "name a .yaml file saved on disk",
            )
        if info.st_size > limit:
            raise refuse(_too_big(info.st_size, limit), "split it, or check it is the right file")
        # O_NONBLOCK: should the path be swapped for a pipe after the check, open does not hang.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise refuse("is not a regular file; only files are read", "name a .yaml file")
            data = file.read(limit + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise refuse("file not found", "check the path and the file name") from None
    except PermissionError:
        raise refuse("cannot be read: permission denied", "check the file's permissions") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise refuse(
                "the path or one of its folder names is too long for the file system",
                "use a shorter path",
            ) from None
        raise refuse(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise refuse(_too_big(len(data), limit), "split it, or check it is the right file")
    return decode(data, source)


def _too_big(size: int, limit: int) -> str:
    shown = f"more than {limit / 2**20:g} MB" if size > limit else f"{size} bytes"
    return f"is {shown}; a scenario file may be at most {limit / 2**20:g} MB"


_SAVE_AS = (
    "save it as UTF-8 (Notepad: Save as, Encoding: UTF-8; from Excel, copy the text "
    "into a text editor and save as UTF-8)"
)


def decode(data: bytes, source: str) -> str:
    """Bytes of a scenario file as text, or a problem saying which encoding to save in."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        kind = "UTF-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(data) >= 4 and (data[1::2][:8].count(0) >= 2 or data[0::2][:8].count(0) >= 2)
    ):
        kind = "UTF-16"
    else:
        kind = ""
    if kind:
        raise ScenarioError(
            [Problem(source, "", f"is saved as {kind} (Unicode text), not UTF-8", hint=_SAVE_AS)]
        )
    if b"\x00" in data:
        raise ScenarioError(
            [
                Problem(
                    source, "", "is not a text file (it holds NUL bytes)", hint="name a .yaml file"
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        try:
            guess = f" ('{bytes([byte]).decode('cp1252')}' in Windows-1252/Latin-1)"
        except UnicodeDecodeError:
            guess = ""
        raise ScenarioError(
            [
                Problem(
                    source,
                    "",
                    f"is not UTF-8: line {line} holds the byte 0x{byte:02X}{guess}; "
                    "the file was probably saved as Latin-1 or Windows-1252",
                    hint=_SAVE_AS,
                )
            ]
        ) from None


# --- parsing ---------------------------------------------------------------------------


@dataclass
class Document:
    """What one YAML text holds, with the lines of doubtful values as warnings."""

    data: Any
    warnings: list[Problem] = field(default_factory=list)


def load_text(text: str, source: str) -> Document:
    """Parse one YAML document with every bound applied.

    Raises :class:`ScenarioError` with the line and column of the problem.
    """
    loader = _Loader(text)
    try:
        try:
            node = Composer.get_single_node(loader)  # the Python composer, with its bounds
            if node is None:
                return Document(None)
            warnings = _inspect(node, source, loader.aliases)
            return Document(loader.construct_document(node), warnings)
        finally:
            loader.dispose()
    except _Refused as exc:
        raise ScenarioError(
            [Problem(source, exc.path, _at(exc.mark) + exc.message, hint=exc.hint)]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in what:  # libyaml stops at 1000 levels, before the composer
            raise ScenarioError(
                [Problem(source, "", f"{_at(mark)}maps and lists are nested too deep", hint=_DEEP)]
            ) from None
        if isinstance(exc, ConstructorError):  # a tag or key the checks above let through
            raise ScenarioError([Problem(source, "", _at(mark) + what)]) from None
        raise ScenarioError(
            [
                Problem(
                    source,
                    "",
                    f"YAML syntax error at {_at(mark)[:-2] or 'an unknown place'}: {what}",
                    hint="check indentation, colons and quotes on that line and the one before",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:  # the reader: a character YAML does not allow
        raise ScenarioError(
            [Problem(source, "", f"not valid YAML: {str(exc).splitlines()[0]}")]
        ) from None
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # e.g. !!int abc: an explicit tag on a value it cannot convert
        raise ScenarioError([Problem(source, "", f"a value cannot be read ({exc})")]) from None


def read_document(path: Path, limit: int = MAX_FILE_BYTES) -> Document:
    """Read and parse one file (:func:`read_text`, :func:`load_text`)."""
    return load_text(read_text(path, limit), str(path))


def _at(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


# --- checks on the node graph ----------------------------------------------------------


def _inspect(root: Node, source: str, aliases: int) -> list[Problem]:
    """Refuse what the text must not hold; return warnings about doubtful values.

    Aliases make the graph a DAG (or a cycle): its expanded size is counted
    with one visit per node, so an alias bomb is refused before anything
    expands it.
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
        _check_tag(node, path)
        if isinstance(node, ScalarNode):
            if node.tag == _LEADING_ZERO:
                raise _leading_zero(node, path)
        elif isinstance(node, SequenceNode):
            warnings.extend(_split_decimals(node, path, source))
            todo.extend((item, f"{path}[{i}]") for i, item in reversed(list(enumerate(node.value))))
        elif isinstance(node, MappingNode):
            _decimal_comma_in_map(node, path)
            for key, value in reversed(node.value):
                if isinstance(key, ScalarNode):
                    if key.tag == _LEADING_ZERO:
                        raise _leading_zero(key, _join(path, str(key.value)), as_key=True)
                    _check_tag(key, path)
                    inner = path if key.tag == _TAG + "merge" else _join(path, key.value)
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
                raise _Refused(
                    f"its {aliases} aliases (*name) expand this to more than {MAX_NODES:,} values",
                    node.start_mark,
                    "write the values out, or use fewer aliases",
                )
            if total > MAX_NODES:
                raise _Refused(
                    f"holds more than {MAX_NODES:,} values, more than a scenario needs",
                    node.start_mark,
                    "check it is the right file",
                )
            size[key] = total
            continue
        if key in size:
            continue
        if key in active:
            raise _Refused(
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


def _check_tag(node: Node, path: str) -> None:
    if node.tag in _ALLOWED_TAGS:
        return
    tag = node.tag.replace(_TAG, "!!")
    raise _Refused(
        f"the tag {tag} is not allowed in a scenario",
        node.start_mark,
        "remove the tag and write plain text, numbers, maps and lists",
        path,
    )


def _leading_zero(node: ScalarNode, path: str, as_key: bool = False) -> _Refused:
    text = str(node.value)
    digits = text.lstrip("+-").replace("_", "")
    plain = text[: len(text) - len(text.lstrip("+-"))] + (digits.lstrip("0") or "0")
    what = "key" if as_key else "number"
    return _Refused(
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
    return isinstance(node, ScalarNode) and node.tag in (_TAG + "int", _LEADING_ZERO)


def _decimal_comma(path: str, whole: Node, fraction: Node) -> _Refused:
    written = f"{whole.value},{fraction.value}"
    return _Refused(
        f"{written} is read as two values: YAML needs a decimal point, not a comma",
        whole.start_mark,
        f"write {whole.value}.{fraction.value}",
        path,
    )


def _is_number(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag in (_TAG + "int", _TAG + "float")


def _decimal_comma_in_map(node: MappingNode, path: str) -> None:
    """``{mean: 3,58}`` reads as ``mean: 3`` and a key ``58`` without a value: refuse it."""
    if not node.flow_style:
        return
    for (key, value), (next_key, next_value) in zip(node.value, node.value[1:], strict=False):
        if (
            _is_number(value)
            and _is_int(next_key)
            and isinstance(next_value, ScalarNode)
            and next_value.tag == _TAG + "null"
            and next_value.value == ""
            and _tight(value, next_key)
        ):
            raise _decimal_comma(_join(path, str(key.value)), value, next_key)


def _split_decimals(node: SequenceNode, path: str, source: str) -> list[Problem]:
    """Warn about ``[2,5, 3,1]``: valid YAML for [2, 5, 3, 1], probably meant 2.5 and 3.1."""
    if not node.flow_style:
        return []
    items = node.value
    for a, b in zip(items, items[1:], strict=False):
        if _is_number(a) and b.tag == _LEADING_ZERO and _tight(a, b):
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
