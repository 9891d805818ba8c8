"""The sweep library names its settings, never a command-line flag (decision 52)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import simulator.sweeps

FLAG = re.compile(r"(?<![\w-])--[a-z]")
SWEEPS = Path(simulator.sweeps.__file__).parent


def texts(tree: ast.Module) -> list[str]:
    """Every string written in the module's code, docstrings left out."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_string_of_the_sweep_library_names_a_flag() -> None:
    found = [
        (path.name, text)
        for path in sorted(SWEEPS.glob("*.py"))
        for text in texts(ast.parse(path.read_text(encoding="utf-8")))
        if FLAG.search(text)
    ]
    assert found == []


def test_the_check_sees_a_flag() -> None:
    tree = ast.parse('"""--doc is fine."""\ndef f():\n    raise ValueError(f"--vary {x}: bad")\n')
    assert [t for t in texts(tree) if FLAG.search(t)] == ["--vary "]
