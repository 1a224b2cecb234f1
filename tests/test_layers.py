"""The house's rules, read from the source: wings import only downward, and nothing imports in a circle.

``eds`` has four wings, lowest first: ``pki`` < ``signatures`` < ``validation`` < ``issuing``. A module may import
the base modules (``eds.errors``, ``eds.event_loop``, ``eds.limits``, ``eds.messages``), its own wing and the wings below it; the
top (``eds.service``, ``eds.cli``, ``eds.optional``) may import anything in ``eds``; nothing in ``eds`` imports
the top, ``api`` (but the CLI, which serves it), Flask or the test PKI. Imports inside functions count as much as those at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WINGS = ("pki", "signatures", "validation", "issuing")
BASE = {"eds", "eds.errors", "eds.event_loop", "eds.limits", "eds.messages"}
TOP = {"eds.service", "eds.cli", "eds.optional"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: str) -> dict[str, Path]:
    return {_module_name(path): path for path in sorted((ROOT / package).rglob("*.py"))}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of ``modules`` that ``path`` imports, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def _external(path: Path) -> set[str]:
    tops: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            tops.add(node.module.split(".")[0])
    return tops


def _wing(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in WINGS else None


def _allowed(importer: str, imported: str) -> bool:
    if imported in BASE or importer == imported:
        return True
    if importer in TOP:
        return True
    if imported in TOP:
        return False
    mine, theirs = _wing(importer), _wing(imported)
    if mine is None:  # a base module imports only base modules
        return theirs is None and imported in BASE
    return theirs is not None and WINGS.index(theirs) <= WINGS.index(mine)


def test_every_module_belongs_to_a_wing_the_base_or_the_top():
    modules = _modules("eds")
    loose = [m for m in modules if _wing(m) is None and m not in BASE | TOP]
    assert not loose, f"modules outside the wings: {loose}"


def test_wings_import_only_downward():
    modules = _modules("eds")
    upward = sorted(f"{importer} -> {imported}" for importer, path in modules.items()
                    for imported in _imports(path, modules) if not _allowed(importer, imported))
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_the_library_imports_no_web_layer_and_no_test_pki():
    for name, path in _modules("eds").items():
        forbidden = {"flask", "werkzeug", "gunicorn", "test_pki"} | ({"api"} if name != "eds.cli" else set())
        assert not _external(path) & forbidden, name  # the CLI starts the API (eds serve, eds run), nothing else


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for child in sorted(graph.get(node, ())):
            if state.get(child) == 1:
                return stack[stack.index(child):] + [child]
            if child not in state and (found := visit(child)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_imports_in_a_circle():
    for package in ("eds", "api", "test_pki"):
        modules = _modules(package)
        # A package's __init__ re-exporting its modules is not a cycle with them; a module importing its own
        # package's __init__ for those names is the same edge seen from below, so both are left out.
        graph = {m: {i for i in _imports(p, modules) if i != m and not m.startswith(i + ".")
                     and not i.startswith(m + ".")}
                 for m, p in modules.items()}
        assert _cycle(graph) is None, f"import cycle in {package}: {' -> '.join(_cycle(graph) or [])}"


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
