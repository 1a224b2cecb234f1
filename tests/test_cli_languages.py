"""The command line speaks the language asked (issue 17 item 5): its refusals, its lines and its prompts come from
the catalogue in kk, ru or en, and every refusal keeps its code, so that a script matches it in any language."""

from __future__ import annotations

import ast
import base64
import re
import string
from pathlib import Path

import pytest

from eds import cli, messages
from eds.cli import EXIT_USAGE, main
from eds.issuing.documents.schema import DocumentDataError, Issue
from eds.issuing.registry.errors import ErrorCode

ROOT = Path(__file__).resolve().parent.parent
CLI = ast.parse((ROOT / "eds/cli.py").read_text(encoding="utf-8"))


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("EDS_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


# argv (formatted with the test PKI's paths) -> the code, and the text each language gives.
REFUSALS = [
    (["cert", "/nonexistent.pem"], "FILE_UNREADABLE", {
        "en": "cannot read certificate /nonexistent.pem: No such file or directory",
        "ru": "не удаётся прочитать сертификат /nonexistent.pem: нет такого файла или каталога",
        "kk": "сертификат оқылмайды: /nonexistent.pem: мұндай файл немесе қалта жоқ"}),
    (["cert", "{cert}", "--trust", "{pki}", "--at", "yesterday"], "TIME_INVALID", {
        "en": "--at 'yesterday' is not an ISO 8601 time (e.g. 2026-05-01T12:00:00+05:00)",
        "ru": "--at 'yesterday' не является временем в формате ISO 8601 (например, 2026-05-01T12:00:00+05:00)",
        "kk": "--at 'yesterday' ISO 8601 уақыты емес (мысалы, 2026-05-01T12:00:00+05:00)"}),
    (["verify", "{cert}", "{other}", "--html", "{tmp}/r.html"], "HTML_ONE_DOCUMENT", {
        "en": "--html writes the report of one document; for 2 documents use --report FILE.json or FILE.csv",
        "ru": "--html записывает отчёт одного документа; для нескольких документов (2) используйте --report "
              "FILE.json или FILE.csv",
        "kk": "--html бір құжаттың есебін жазады; 2 құжат үшін --report FILE.json немесе FILE.csv пайдаланыңыз"}),
    (["sign", "hash", "not base64!", "--key", "{p12}"], "BAD_BASE64", {
        "en": "'not base64!' is not Base64 (give the digest that prepare answered)",
        "ru": "'not base64!' не является Base64 (передайте digest из ответа prepare)",
        "kk": "'not base64!' Base64 емес (prepare жауабындағы digest мәнін беріңіз)"}),
    (["registry", "maintain", "--before", "-1"], "BEFORE_INVALID", {
        "en": "--before takes a number of days, 0 or more",
        "ru": "--before принимает число дней: 0 или больше",
        "kk": "--before күндер санын алады: 0 немесе одан көп"}),
    (["registry", "show", "KZ-1"], "NO_REGISTRY", {
        "en": "no registry at {home}/registry.db (set EDS_HOME or EDS_DATABASE_URL)",
        "ru": "реестра по пути {home}/registry.db нет (задайте EDS_HOME или EDS_DATABASE_URL)",
        "kk": "{home}/registry.db жолында тізілім жоқ (EDS_HOME немесе EDS_DATABASE_URL орнатыңыз)"}),
    # A library's refusal: what its code means, its own text (which names the profile) after it.
    (["cert", "{cert}", "--trust", "nope"], "TRUST_PROFILE_NOT_FOUND", {
        "en": "no trust profile named 'nope' (looked in {home}/trust/nope)",
        "ru": "Такого профиля доверия нет (no trust profile named 'nope' (looked in {home}/trust/nope))",
        "kk": "Мұндай сенім профилі жоқ (no trust profile named 'nope' (looked in {home}/trust/nope))"}),
    (["sign", "hash", base64.b64encode(b"short").decode(), "--key", "{p12}"], "DIGEST_LENGTH", {
        "en": "cannot sign: a sha256 digest is 32 bytes",
        "ru": "подписать не удалось: Длина хеша не соответствует его алгоритму (a sha256 digest is 32 bytes",
        "kk": "қол қою мүмкін болмады: Хэш-мәннің ұзындығы оның алгоритміне сәйкес емес (a sha256 digest is 32 bytes"}),
]


@pytest.mark.parametrize("argv, code, said", REFUSALS, ids=[code for _, code, _ in REFUSALS])
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_refusal_is_one_line_with_its_code_in_the_language_asked(pki_dir, manifest, home, tmp_path, monkeypatch,
                                                                    capsys, argv, code, said, lang):
    monkeypatch.setenv("EDS_KEY_PASSWORD", manifest["password"])
    paths = {"cert": pki_dir / "users/individual_sign.pem", "other": pki_dir / "users/revoked.pem", "pki": pki_dir,
             "p12": pki_dir / "users/individual_sign.p12", "tmp": tmp_path, "home": home}
    argv = [part.format(**paths) for part in argv]
    for placed in ([*argv, "--lang", lang], ["--lang", lang, *argv]):  # after the command or before it
        assert main(placed) == EXIT_USAGE
        err = capsys.readouterr().err
        assert err.startswith(f"eds: error: {code}: ") and err.count("\n") == 1, err
        assert said[lang].format(**paths) in err, err
        if lang != "en":  # the English text appears only inside the brackets of a library's own text
            outside = re.sub(r"\(.*\)", "", err.removeprefix(f"eds: error: {code}: "))
            english = said["en"].format(**paths).split(":")[0]
            assert english not in outside, err


def test_without_lang_the_command_line_speaks_english(home, capsys):
    assert main(["cert", "/nonexistent.pem"]) == EXIT_USAGE
    assert capsys.readouterr().err == ("eds: error: FILE_UNREADABLE: cannot read certificate /nonexistent.pem: "
                                       "No such file or directory\n")


def _calls(name: str) -> list[ast.Call]:
    return [node for node in ast.walk(CLI) if isinstance(node, ast.Call) and name in (
        getattr(node.func, "id", None), getattr(node.func, "attr", None))]


def _literals(node: ast.AST) -> list[str]:
    """The literal strings an argument can be: a constant, or each branch of ``a if c else b``."""
    if isinstance(node, ast.IfExp):
        return [*_literals(node.body), *_literals(node.orelse)]
    assert isinstance(node, ast.Constant) and isinstance(node.value, str), ast.unparse(node)
    return [node.value]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_refusal_and_line_of_the_command_line_is_a_catalogue_key_with_its_fields():
    """UsageError(code, key, **fields) and _say(key, lang, **fields): a literal code and key, the key in the catalogue
    and each language's text filled by exactly the fields given."""
    refusals = _calls("UsageError")
    lines = [call for call in _calls("_say") if ast.unparse(call.args[0]) != "self.key"]  # UsageError.text's own
    assert len(refusals) >= 25 and len(lines) >= 30
    for call, position in [*((c, 1) for c in refusals), *((c, 0) for c in lines)]:
        given = {k.arg for k in call.keywords if k.arg}
        for spread in (k.value for k in call.keywords if k.arg is None):  # **{k: ... for k in ("a", "b")}
            given |= set(ast.literal_eval(spread.generators[0].iter))
        for key in _literals(call.args[position]):
            assert key in messages.CATALOGUE, ast.unparse(call)
            for lang in messages.LANGUAGES:
                assert _fields(messages.CATALOGUE[key][lang]) == given, (key, lang, ast.unparse(call))
    for call in refusals:
        code = call.args[0]
        assert (isinstance(code, ast.Constant) and re.fullmatch(r"[A-Z][A-Z0-9_]+", code.value)) or \
            ast.unparse(code).startswith(("exc.code", "getattr(exc, 'code'")), ast.unparse(call)


def test_the_words_a_line_is_filled_with_are_in_the_catalogue():
    """_Word("...") and _read(path, what), whose what is a cli.what.* key."""
    keys = {key for call in _calls("_Word") if not isinstance(call.args[0], ast.JoinedStr)
            for key in _literals(call.args[0])}
    keys |= {f"cli.what.{call.args[1].value}" for call in _calls("_read") if isinstance(call.args[1], ast.Constant)}
    assert {"cli.what.certificate", "cli.what.crl", "cli.oserror.ENOENT", "cli.info.installed"} <= keys
    assert keys <= set(messages.CATALOGUE), keys - set(messages.CATALOGUE)


def _library_codes() -> set[str]:
    """Every code a refusal of the library is made with (its CodedError classes, however deep), the registry's
    codes, the codes of problems in a document's data and of maintenance outcomes (code=...)."""
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "eds").rglob("*.py"))]
    classes, grown = {"CodedError"}, True
    while grown:
        found = {node.name for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                 and any(getattr(base, "id", getattr(base, "attr", None)) in classes for base in node.bases)}
        grown, classes = bool(found - classes), classes | found
    codes = {member.value for member in ErrorCode}
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = {"Issue": 1, "add": 1}.get(name, 0) if name in classes | {"Issue", "add"} else None
            if position is not None and len(node.args) > position and isinstance(node.args[position], ast.Constant):
                codes.add(node.args[position].value)
            codes |= {k.value.value for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)}
    return {code for code in codes if isinstance(code, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", code)}


def test_every_code_a_refusal_of_the_library_carries_has_a_meaning_in_three_languages():
    codes = _library_codes()
    assert {"TRUST_PROFILE_NOT_FOUND", "KEY_NOT_FOUND", "NOT_FOUND", "DATABASE_BUSY", "REQUIRED", "DIGEST_LENGTH",
            "ARCHIVE_TSA_TOO_SHORT", "TEST_PKI_NOT_INSTALLED"} <= codes
    missing = {code for code in codes if messages.meaning(code) is None}
    assert not missing, sorted(missing)
    for code in codes:
        assert messages.meaning(code, "kk") != messages.meaning(code, "en"), code
        assert messages.meaning(code, "ru") != messages.meaning(code, "en"), code


def test_the_problems_of_a_document_s_data_read_in_the_language_asked():
    def refuse():
        raise DocumentDataError([Issue("holder.iin", "REQUIRED", "this field is required"),
                                 Issue("extra", "UNKNOWN_FIELD", "this field is not part of the document")])

    said = {}
    for lang in messages.LANGUAGES:
        with pytest.raises(cli.UsageError) as refused:
            cli._registry_call(refuse, lang)
        assert refused.value.code == "DOCUMENT_DATA_INVALID"
        said[lang] = refused.value.text(lang)
    assert said["en"] == ("the document data is not valid:\n  holder.iin: REQUIRED: this field is required\n"
                          "  extra: UNKNOWN_FIELD: this field is not part of the document")
    assert said["ru"] == ("данные документа неверны:\n  holder.iin: REQUIRED: значение обязательно (this field is "
                          "required)\n  extra: UNKNOWN_FIELD: такого поля в документе нет (this field is not part of "
                          "the document)")
    assert said["kk"].startswith("құжат деректері жарамсыз:\n  holder.iin: REQUIRED: мән міндетті (")


def test_eds_info_and_trust_import_print_their_lines_in_the_language_asked(home, pki_dir, capsys):
    assert main(["info", "--lang", "ru"]) == 0
    out = capsys.readouterr().out
    assert "  реестр: sqlite:///" in out and "  профиль доверия: " in out and "registry:" not in out
    assert main(["--lang", "kk", "info"]) == 0
    out = capsys.readouterr().out
    assert "  тізілім: sqlite:///" in out and "  сенім профилі: " in out and "(орнатылған)" in out

    root = str(pki_dir / "ca/root_rsa.pem")
    assert main(["trust", "import", "nca", root, "--yes", "--lang", "ru"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("субъект: ") and "  срок действия: " in out
    assert out.endswith("закреплено доверенных корней в профиле 'nca': 1\n")
    assert main(["trust", "show", "nca", "--lang", "kk"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nca профилі (") and "  сенімді түбірлік сертификат " in out and "anchor" not in out
    assert main(["trust", "show", "nca"]) == 0
    assert "  anchor " in capsys.readouterr().out


def test_trust_import_asks_in_the_language_asked_and_takes_its_yes(home, pki_dir, monkeypatch, capsys):
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "да")
    assert main(["trust", "import", "nca", str(pki_dir / "ca/root_rsa.pem"), "--lang", "ru"]) == 0
    assert asked == ["  закрепить этот сертификат как доверенный корень? [y/N] "]
    assert "в профиле 'nca': 1" in capsys.readouterr().out
