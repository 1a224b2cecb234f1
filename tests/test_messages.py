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


def _check_of_calls(tree: ast.AST) -> list[ast.Call]:
    """Every ``Check.of(name, status, key, values, code, details)`` in ``tree``."""
    return [call for call in _calls(tree, "of") if getattr(call.func.value, "id", None) == "Check"]


def test_every_reason_code_a_check_gives_is_in_the_table():
    """Check(name, status, message, code, ...) and Check.of(name, status, key, values, code, ...) with a literal
    code, anywhere in the library."""
    given = set()
    for path in sorted((ROOT / "eds").rglob("*.py")):
        tree = _tree(path)
        for call, position in [*((c, 3) for c in _calls(tree, "Check")), *((c, 4) for c in _check_of_calls(tree))]:
            code = call.args[position] if len(call.args) > position else next(
                (k.value for k in call.keywords if k.arg == "code"), None)
            if _literal(code):
                given.add(_literal(code))
    assert given and given <= set(reasons.REASONS), given - set(reasons.REASONS)


def _phrase_keys() -> tuple[set[str], set[str]]:
    """The keys report lines are read by (Phrase(key, ...) and Check.of(name, status, key, ...)) in the library:
    literal keys, and the literal beginnings of keys made with an f-string."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for path in sorted((ROOT / "eds").rglob("*.py")):
        tree = _tree(path)
        for call, position in [*((c, 0) for c in _calls(tree, "Phrase")), *((c, 2) for c in _check_of_calls(tree))]:
            if len(call.args) <= position:
                continue
            node = call.args[position]
            if _literal(node):
                keys.add(_literal(node))
            elif isinstance(node, ast.JoinedStr) and node.values and _literal(node.values[0]):
                prefixes.add(_literal(node.values[0]))
    return keys, prefixes


def test_every_key_a_report_line_is_read_by_is_in_the_catalogue():
    keys, prefixes = _phrase_keys()
    assert {"check.validity.valid", "check.signature.intact", "check.revocation.revoked"} <= keys
    assert keys <= set(messages.CATALOGUE), keys - set(messages.CATALOGUE)
    assert {"check.purpose.", "purpose.", "idname."} <= prefixes
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in messages.CATALOGUE), prefix


def test_report_lines_are_translated_not_copied():
    """A kk or ru text of a report line equal to the English one is a missing translation (names excepted)."""
    kinds = ("check.", "cause.", "change.", "checkname.", "checkstatus.", "line.", "timesource.", "evidencesource.",
             "purpose.", "crlreason.")
    untranslatable = {"change.xobject"}  # a PDF object type's own name
    for key, entry in messages.CATALOGUE.items():
        if key.startswith(kinds) and key not in untranslatable:
            for lang in ("kk", "ru"):
                assert entry[lang] != entry["en"], (key, lang)


def _api_codes() -> set[str]:
    """Every public code the API can answer with: its own refusals, the HTTP errors, the table's and access's."""
    api = [_tree(path) for path in sorted((ROOT / "api").glob("*.py"))]
    codes = {_literal(call.args[0]) for tree in api for name in ("ApiError", "error_response", "respond")
             for call in _calls(tree, name) if call.args}
    install = next(node for node in ast.walk(_tree(ROOT / "api/errors.py"))
                   if isinstance(node, ast.FunctionDef) and node.name == "install")
    codes |= set(errors.HTTP_CODES.values())
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
