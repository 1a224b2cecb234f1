"""How the parts depend on each other: the test PKI is built on eds, never the other way round, and has no cycle;
without it, the commands that need it say what to install."""

from __future__ import annotations

import ast
import graphlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from eds.cli import EXIT_USAGE, main
from eds.optional import load_test_pki

ROOT = Path(__file__).resolve().parent.parent
LOADER = ROOT / "eds" / "optional.py"  # the one place product code may load the test PKI, by importlib


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


def _dynamic_imports(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in ("import_module", "__import__"):
                yield node


def test_product_code_never_imports_the_test_pki() -> None:
    """eds and api run without test_pki installed: no import of it at any depth, no importlib but the loader."""
    for path in sorted([*(ROOT / "eds").rglob("*.py"), *(ROOT / "api").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        for statement, target in _imported(tree):
            assert target.partition(".")[0] != "test_pki", f"{where}:{statement.lineno} imports {target}"
        if path != LOADER:
            lines = [call.lineno for call in _dynamic_imports(tree)]
            assert not lines, f"{where} imports dynamically (lines {lines}); only {LOADER.relative_to(ROOT)} may"


@pytest.fixture
def without_test_pki(monkeypatch: pytest.MonkeyPatch) -> None:
    """The import system answers as in an install without eds-test-pki: ``import test_pki`` fails."""
    monkeypatch.setitem(sys.modules, "test_pki", None)


@pytest.mark.parametrize("command", [["pki", "init", "{tmp}/pki"], ["pki", "serve", "{tmp}"], ["run"]])
def test_without_the_test_pki_its_commands_say_what_to_install(
    without_test_pki: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code = main([part.format(tmp=tmp_path) for part in command])
    out, err = capsys.readouterr()
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("eds: error: TEST_PKI_NOT_INSTALLED: the test PKI is not installed; install the "
                          "eds-test-pki distribution") and err.count("\n") == 1, err
    assert not (tmp_path / "pki").exists()


def test_a_module_missing_from_an_installed_test_pki_is_not_reported_as_absent() -> None:
    with pytest.raises(ModuleNotFoundError) as caught:
        load_test_pki("no_such_module")
    assert caught.value.name == "test_pki.no_such_module"
