"""The library names its settings, never a samsim command-line flag (decisions 52, 55).

Every string written in the code of ``simulator`` outside ``simulator/cli``
is checked, docstrings left out: a message that names ``--set`` or
``--vary`` would be wrong for a caller of the library, who gave an override
or a setting, not a flag. The command line adds the flag where one is the
fix. The few strings that may name a flag are listed in :data:`ALLOWED`,
each with its reason.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import simulator

FLAG = re.compile(r"(?<![\w-])--[a-z]")
PACKAGE = Path(simulator.__file__).parent

ALLOWED = {
    ("experiment/dask_cluster.py", "--nthreads 1`"): (
        "Dask's own command, `dask worker ADDRESS --nthreads 1`, as the way to start workers: "
        "a flag of another tool, which a library caller with a scheduler needs just the same"
    ),
    ("scenario/reference_prose.py", "## Overlays and `--set`"): (
        "the prose of docs/scenario-reference.md, the user's document of the format, which "
        "tells how the command line overrides a key: a document, not a message"
    ),
    ("scenario/schema.py", "Dotted key paths (as for --set)"): (
        "a field's description, shown in docs/scenario-reference.md and the editor schema "
        "beside the prose above: a document, not a message"
    ),
}
"""(module under simulator/, part of the string) -> why that string may name a flag."""


def texts(tree: ast.Module) -> list[str]:
    """Every string written in the module's code, docstrings left out.

    A docstring is a string that stands alone as a statement: a module's,
    a class's or a function's, or the one under a constant that documents it.
    """
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


@functools.cache
def flagged() -> list[tuple[str, str]]:
    """(module, string) for every string of the library outside the CLI that names a flag."""
    return [
        (module, text)
        for path in sorted(PACKAGE.rglob("*.py"))
        if (module := path.relative_to(PACKAGE).as_posix()).split("/")[0] != "cli"
        for text in texts(ast.parse(path.read_text(encoding="utf-8")))
        if FLAG.search(text)
    ]


def allowed(module: str, text: str) -> bool:
    return any(module == where and part in text for where, part in ALLOWED)


def test_no_string_of_the_library_names_a_flag() -> None:
    assert [(m, t) for m, t in flagged() if not allowed(m, t)] == []


def test_every_allowed_string_is_still_there() -> None:
    """An entry whose string has gone is removed, so the list stays short and true."""
    found = flagged()
    assert [key for key in ALLOWED if not any(m == key[0] and key[1] in t for m, t in found)] == []


def test_the_check_sees_a_flag() -> None:
    tree = ast.parse(
        '"""--doc is fine."""\nX = "--x"\n"""--doc of X is fine."""\n'
        'def f():\n    """--doc."""\n    raise ValueError(f"--vary {x}: bad")\n'
    )
    assert [t for t in texts(tree) if FLAG.search(t)] == ["--x", "--vary "]


def test_the_check_reads_every_stage_but_the_cli() -> None:
    modules = {p.relative_to(PACKAGE).parts[0] for p in PACKAGE.rglob("*.py")}
    assert {"scenario", "calibration", "experiment", "sweeps", "cli"} <= modules
    assert all(not m.startswith("cli/") for m, _ in flagged())
