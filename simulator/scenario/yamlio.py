"""Reading one YAML file safely: regular files only, bounded size, depth and expansion.

A scenario file is written by hand, often in Excel or Notepad, and ``extends``
may name any path. This module reads it so that no file can hang the program
(a device, a named pipe), eat the memory (``/dev/zero``, an alias bomb), crash
it (deep nesting) or be echoed back (``/etc/shadow``), and so that every
mistake of form gets a line saying what to write instead.

Numbers follow YAML 1.2 (docs/decisions.md, decision 25): only ``true`` and
``false`` are yes/no values (``no`` and ``on`` are text), ``1:30`` is text,
``1e3`` is a number, and an integer with a leading zero (``010``, ``0301``) is
refused, because YAML 1.1 reads it as an octal number and 1.2 as a decimal one.
The C parser of libyaml is used where it is installed; the checks run in the
composer above it, so they hold for both parsers.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from simulator.errors import Problem, ScenarioError
from simulator.scenario.textfile import MAX_FILE_BYTES, read_text
from simulator.scenario.yamlnodes import LEADING_ZERO, MAX_NODES, TAG, Refused, inspect


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
    "dump",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Document",
    "load_text",
    "read_document",
    "read_text",
]

MAX_DEPTH = 64
"""Deepest nesting of maps and lists; a scenario needs about 8."""

_MAX_DIGITS = 100
_DEEP = "a scenario needs about 8 levels: check the indentation and brackets"


class _Resolver(BaseResolver):
    """YAML 1.2 core-schema scalars, plus dates and merge keys (``<<``)."""


def _implicit(tag: str, pattern: str, first: str) -> None:
    _Resolver.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_implicit(TAG + "bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_implicit(LEADING_ZERO, r"^[-+]?0[0-9_]+$", "-+0")
_implicit(TAG + "int", r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_implicit(
    TAG + "float",
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    "-+0123456789.",
)
_Resolver.add_implicit_resolver(TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), [*"~nN", ""])
_implicit(TAG + "merge", r"^<<$", "<")
_implicit(
    TAG + "timestamp",
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    (?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?)$""",
    "0123456789",
)


class _Constructor(SafeConstructor):
    """Safe construction; a key given twice is refused, a ``<<`` merge may be overridden."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        own: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == TAG + "merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise Refused(
                    "a key must be a plain value", key_node.start_mark, "write key: value"
                )
            if key in own:
                raise Refused(
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
        raise Refused(
            f"not a valid date: {node.value} ({exc})", node.start_mark, "write dates as YYYY-MM-DD"
        ) from None


def _int(constructor: SafeConstructor, node: ScalarNode) -> int:
    text = str(node.value).replace("_", "")
    if len(text) > _MAX_DIGITS:  # Python refuses to read 4 300 digits; no count needs 30
        raise Refused(
            f"a number of {len(text)} digits",
            node.start_mark,
            "check the number; no count is that large",
        )
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith("0o"):
        return sign * int(text[2:], 8)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    return sign * int(text)


_Constructor.add_constructor(TAG + "timestamp", _date)  # type: ignore[type-var]
_Constructor.add_constructor(TAG + "int", _int)  # type: ignore[type-var]


class _Checked(Composer, _Constructor, _Resolver):
    """A composer that bounds nesting and counts aliases, over whichever parser."""

    depth = 0
    aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        events: Any = self  # the parser mixed in beside (libyaml's or PyYAML's)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = events.peek_event()
                raise Refused(
                    f"maps and lists are nested more than {MAX_DEPTH} deep",
                    event.start_mark,
                    _DEEP,
                )
            if events.check_event(yaml.AliasEvent):
                self.aliases += 1
            return Composer.compose_node(self, parent, index)
        finally:
            self.depth -= 1


def _loader_class(parser: type) -> type:
    """A loader: ``parser`` (libyaml's or PyYAML's own) under the checked composer."""

    def __init__(self: _Checked, text: str) -> None:
        parser.__init__(self, text)  # type: ignore[misc]
        Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)

    return type(f"Checked{parser.__name__}", (parser, _Checked), {"__init__": __init__})


def _plain_tag(value: str) -> str:
    """The tag of a plain (unquoted, untagged) scalar."""
    return str(_RESOLVER.resolve(ScalarNode, value, (True, False)))


_RESOLVER: Any = _Resolver()
_LOADERS = {"fast": _loader_class(_Parser), "python": _loader_class(_PythonParser)}
"""The loader in use, and the pure-Python one (tests check they agree)."""


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- parsing ---------------------------------------------------------------------------


@dataclass
class Document:
    """What one YAML text holds, with the lines of doubtful values as warnings."""

    data: Any
    warnings: list[Problem] = field(default_factory=list)


def load_text(text: str, source: str, parser: str = "fast") -> Document:
    """Parse one YAML document with every bound applied.

    ``parser``: ``"fast"`` (libyaml where installed) or ``"python"``; they agree.
    Raises :class:`ScenarioError` with the line and column of the problem.
    """
    loader: Any = _LOADERS[parser](text)
    try:
        try:
            node = Composer.get_single_node(loader)  # the Python composer, with its bounds
            if node is None:
                return Document(None)
            warnings = inspect(node, source, loader.aliases, _plain_tag)
            try:
                data = loader.construct_document(node)
            except (ValueError, TypeError, AttributeError, KeyError) as exc:  # pragma: no cover
                # the checks above leave no value that cannot be built; a safety net
                raise ScenarioError(
                    [Problem(source, "", f"a value cannot be read ({exc})")]
                ) from None
            return Document(data, warnings)
        finally:
            loader.dispose()
    except Refused as exc:
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


def read_document(path: Path, limit: int = MAX_FILE_BYTES) -> Document:
    """Read and parse one file (:func:`read_text`, :func:`load_text`)."""
    return load_text(read_text(path, limit), str(path))


def _at(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


class _Dumper(yaml.SafeDumper):
    """Quotes a string that YAML 1.1 *or* 1.2 would read as something else.

    A file ``samsim`` writes is read back by this module (YAML 1.2) and by
    other tools (mostly YAML 1.1): ``1e3`` and ``0o17`` are text to one and
    numbers to the other, so they are quoted, as ``yes`` and ``010`` are.
    """

    _strict: Any = _Resolver()

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        lenient: Any = super()
        tag = str(lenient.resolve(kind, value, implicit))
        if kind is ScalarNode and implicit[0] and tag == TAG + "str":
            return str(self._strict.resolve(kind, value, implicit))
        return tag


def dump(data: Any) -> str:
    """``data`` as YAML text that YAML 1.1 and 1.2 readers both read back unchanged."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
