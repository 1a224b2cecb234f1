"""How the parts depend on each other: the test PKI is built on eds, never the other way round, and has no cycle."""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imported(tree: ast.AST) -> Iterator[tuple[ast.stmt, str]]:
    """Every module an import statement anywhere in ``tree`` may load: ``from p import m`` names p and p.m."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node, node.module
            for alias in node.names:
                yield node, f"{node.module}.{alias.name}"


def test_test_pki_imports_itself_without_a_cycle_and_at_module_level() -> None:
    modules = {path.stem: ast.parse(path.read_text(encoding="utf-8")) for path in (ROOT / "test_pki").glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, tree in modules.items():
        graph[name] = set()
        for statement, target in _imported(tree):
            package, _, module = target.partition(".")
            if package == "test_pki" and module in modules:
                assert statement in tree.body, f"test_pki/{name}.py imports test_pki.{module} inside a function"
                graph[name].add(module)
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the circle
