"""The package's shape: no import cycle between modules, and layers that only point down.

import-linter's layers contract (in ``pyproject.toml``, run by ``make test``) refuses an
import up the data flow between subpackages; this test adds what a layers contract cannot
see: a cycle between two modules of the same subpackage. Imports inside functions count.
"""

from __future__ import annotations

import grimp
import pytest

GRAPH = grimp.build_graph("simulator")


def _cycles(graph: grimp.ImportGraph, skip: str = "") -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for child in sorted(graph.find_modules_directly_imported_by(node) - {skip}):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules - {skip}):
        if module not in index:
            visit(module)
    return groups


def test_no_import_cycles() -> None:
    # ``simulator`` itself only re-exports the public API from below: leave it out.
    assert _cycles(GRAPH, skip="simulator") == []


def test_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycles(graph) == [["a.x", "a.y", "a.z"]]


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("simulator.scenario", "simulator.model"),
        ("simulator.model", "simulator.measures"),
        ("simulator.model", "simulator.store"),
        ("simulator.model", "simulator.plots"),
        ("simulator.analysis", "simulator.experiment"),
        ("simulator.store", "simulator.experiment"),
        ("simulator.experiment", "simulator.plots"),
        ("simulator.plots", "simulator.report"),
        ("simulator.report", "simulator.cli"),
    ],
)
def test_lower_stage_never_imports_a_higher_one(low: str, high: str) -> None:
    chain = GRAPH.find_shortest_chain(importer=low, imported=high, as_packages=True)
    assert chain is None, f"{low} reaches up to {high}: {' -> '.join(chain or ())}"
