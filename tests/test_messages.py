"""The message catalogue: every text in Kazakh, Russian and English, and an entry for every code people can meet.

The codes are read from the source (the reason codes checks give, the API's codes, the keys the templates and
pages look up), so a new code without its three texts fails here rather than reading as its bare code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from api import errors
from eds import messages
from eds.validation import reasons

ROOT = Path(__file__).resolve().parent.parent


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    """Every call of ``name`` (a function or a class, however qualified) in ``tree``."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and name in (
        getattr(node.func, "attr", None), getattr(node.func, "id", None))]


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def test_every_entry_has_kazakh_russian_and_english():
    for key, entry in messages.CATALOGUE.items():
        assert set(entry) == set(messages.LANGUAGES), key
        assert all(isinstance(entry[lang], str) and entry[lang].strip() for lang in messages.LANGUAGES), key


def test_a_language_the_catalogue_lacks_reads_english():
    assert messages.text("page.title", "de") == messages.text("page.title", "en") == "Verify an electronic document"
    assert messages.text("page.title", "kk") == "Электрондық құжатты тексеру"


def test_every_reason_code_has_an_entry_and_every_entry_a_reason():
    codes = set(reasons.REASONS)
    assert {f"reason.{code}" for code in codes} <= set(messages.CATALOGUE)
    assert {key.split(".", 1)[1] for key in messages.CATALOGUE if key.startswith("reason.")} == codes


def test_every_reason_code_a_check_gives_is_in_the_table():
    """Check(name, status, message, code, ...) with a literal code, anywhere in the library."""
    given = set()
    for call in (c for path in sorted((ROOT / "eds").rglob("*.py")) for c in _calls(_tree(path), "Check")):
        code = call.args[3] if len(call.args) > 3 else next((k.value for k in call.keywords if k.arg == "code"), None)
        if _literal(code):
            given.add(_literal(code))
    assert given and given <= set(reasons.REASONS), given - set(reasons.REASONS)


def _api_codes() -> set[str]:
    """Every public code the API can answer with: its own refusals, the HTTP errors, the table's and access's."""
    api = [_tree(path) for path in sorted((ROOT / "api").glob("*.py"))]
    codes = {_literal(call.args[0]) for tree in api for name in ("ApiError", "error_response")
             for call in _calls(tree, name)}
    install = next(node for node in ast.walk(_tree(ROOT / "api/errors.py"))
                   if isinstance(node, ast.FunctionDef) and node.name == "install")
    codes |= {_literal(value) for node in ast.walk(install) if isinstance(node, ast.Dict) for value in node.values}
    codes |= {_literal(call.args[1]) for call in _calls(install, "get") if len(call.args) > 1}
    codes |= {answer.code for table in errors.ANSWERS.values() for answer in table.values()}
    # The access refusals are public as they are; BAD_SCOPE comes from `eds api-key create` only.
    for function in ast.walk(_tree(ROOT / "eds/issuing/access.py")):
        if isinstance(function, ast.FunctionDef) and function.name != "create":
            codes |= {_literal(call.args[0]) for call in _calls(function, "AccessError")}
    codes.discard(None)
    return codes


def test_every_api_error_code_has_a_status_and_an_entry():
    codes = _api_codes()
    assert {"FIELD_MISSING", "NOT_FOUND", "METHOD_NOT_ALLOWED", "API_KEY_MISSING", "RATE_LIMITED",
            "DEPENDENCY_UNAVAILABLE", "TOO_COMPLEX", "INTERNAL_ERROR"} <= codes
    assert codes <= set(errors.STATUS), codes - set(errors.STATUS)
    assert {f"api.{code}" for code in errors.STATUS} <= set(messages.CATALOGUE)


def test_every_key_the_templates_and_pages_look_up_is_in_the_catalogue():
    templates = [*(ROOT / "api/templates").glob("*.html"), *(ROOT / "eds/validation/templates").glob("*.html")]
    keys = {key for path in templates for key in re.findall(r"""\bt\(["']([\w.]+)["']\)""", path.read_text())}
    keys |= set(re.findall(r'"(page\.\w+)"', (ROOT / "api/pages.py").read_text(encoding="utf-8")))
    assert {"page.title", "page.no_file", "report.chain"} <= keys
    assert keys <= set(messages.CATALOGUE), keys - set(messages.CATALOGUE)
