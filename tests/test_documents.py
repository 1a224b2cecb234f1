"""Document types, validation and the unsigned PDF / XML renderings.

The PDF checks use poppler-utils (pdftotext, pdffonts, pdfinfo, pdftoppm) and zbar-tools (zbarimg), as a
reader of the printout would; they fail, never skip, when a tool is missing.
"""

from __future__ import annotations

import concurrent.futures
import copy
import datetime as dt
import io
import json
import random
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from lxml import etree

from eds.issuing.documents import (
    DOCUMENT_TYPES,
    DocumentDataError,
    DocumentType,
    Field,
    Kind,
    SignerRole,
    render_pdf,
    render_xml,
    validate,
    wording,
)
from eds.issuing.documents import pdf as pdf_module
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES  # whole documents, as issued
from eds.issuing.documents.schema import MAX_ISSUES, ValidatedDocument, validate_fields
from eds.issuing.documents.types import COMMON_FIELDS
from eds.issuing.documents.wording import KAZAKHSTAN
from eds.pki.identity import complete

KAZAKH_LETTERS = "әғқңөұүһі"
ISSUED = dt.datetime.now(KAZAKHSTAN).date()  # the examples' dates are counted from today
NUMBER = "KZ12LAA00001234"
URL = "https://eds.example.kz/verify/KZ12LAA00001234"
ARGS = {"number": NUMBER, "issued_at": ISSUED, "verify_url": URL}
TOOLS = {
    "pdftotext": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "zbarimg": "zbar-tools",
}


def _run(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install the Debian package {TOOLS[tool]} (scripts/setup --test does)")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def _write(tmp_path: Path, content: bytes, name: str = "doc.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _text(path: Path) -> str:
    """The PDF's text with whitespace collapsed, so wrapped lines compare as sentences."""
    return " ".join(_run("pdftotext", str(path), "-").split())


def _pages(path: Path) -> int:
    info = _run("pdfinfo", str(path))
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _qr_codes(path: Path, tmp_path: Path, first_page: int = 1) -> list[str]:
    """Every QR code on the pages from first_page on, rasterised at 150 dpi as a scanner would see them."""
    _run("pdftoppm", "-r", "150", "-png", "-f", str(first_page), str(path), str(tmp_path / "page"))
    pages = sorted(str(p) for p in tmp_path.glob("page*.png"))
    assert pages
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: install the Debian package zbar-tools (scripts/setup --test does)")
    # zbarimg exits 4 when it finds no code: the empty list then fails the caller's comparison.
    result = subprocess.run(["zbarimg", "--raw", "-q", *pages], check=False, capture_output=True, text=True)
    return result.stdout.splitlines()


def _issues(type_id: str, data: object) -> list[dict]:
    with pytest.raises(DocumentDataError) as exc:
        validate(type_id, data)
    return exc.value.as_list()


def _codes(type_id: str, data: object) -> set[tuple[str, str]]:
    return {(i["field"], i["code"]) for i in _issues(type_id, data)}


def _example(type_id: str) -> dict:
    return copy.deepcopy(EXAMPLES[type_id])


# --- declarations ---------------------------------------------------------------------------------------


def test_every_service_has_a_type_and_every_type_an_example():
    assert set(DOCUMENT_TYPES) == {
        "tv_radio_licence", "scrap_metal_licence", "cultural_export_certificate", "restoration_consent",
        "periodicals_registration", "refusal",
    }
    assert set(EXAMPLES) == set(DOCUMENT_TYPES)


def test_declarations_follow_the_regulations():
    types = DOCUMENT_TYPES
    assert [types[t].regulation for t in ("tv_radio_licence", "scrap_metal_licence", "cultural_export_certificate",
                                          "restoration_consent", "periodicals_registration")] == [
        "001", "002", "003", "003", "004"]
    assert types["cultural_export_certificate"].signer is SignerRole.HEAD
    assert types["restoration_consent"].signer is SignerRole.HEAD
    assert types["periodicals_registration"].signer is SignerRole.AUTHORISED_PERSON
    assert types["scrap_metal_licence"].events == ("issue", "reissue", "duplicate")
    assert types["tv_radio_licence"].events == ("issue", "reissue")
    for doc_type in types.values():
        assert doc_type.fields[:len(COMMON_FIELDS)] == COMMON_FIELDS
        assert doc_type.title_kk and doc_type.title_ru


@pytest.mark.parametrize("service", ["tv_radio_licence", "restoration_consent", "periodicals_registration"])
def test_refusal_takes_signer_and_regulation_from_the_refused_service(service):
    data = _example("refusal")
    data["service"] = service
    doc = validate("refusal", data)
    assert doc.signer_role is DOCUMENT_TYPES[service].signer
    assert doc.regulation == DOCUMENT_TYPES[service].regulation


# --- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_id", sorted(EXAMPLES))
def test_examples_are_valid_and_round_trip_as_json(type_id):
    doc = validate(type_id, EXAMPLES[type_id])
    assert doc.type_id == type_id
    assert validate(type_id, doc.as_json()).values == doc.values
    name, number = doc.holder
    assert name and len(number.value) == 12


def test_missing_field():
    data = _example("tv_radio_licence")
    del data["licensee"]["name"]
    del data["activity"]
    assert _codes("tv_radio_licence", data) == {("licensee.name", "REQUIRED"), ("activity", "REQUIRED")}


def test_blank_and_null_count_as_missing():
    data = _example("tv_radio_licence")
    data["licensee"]["address"] = "   "
    data["territory"] = None
    assert _codes("tv_radio_licence", data) == {("licensee.address", "REQUIRED"), ("territory", "REQUIRED")}


def test_wrong_types():
    data = _example("tv_radio_licence")
    data["valid_until"] = 2030
    data["sub_activities"] = "кабельдік"
    data["licensee"]["name"] = ["ЖШС"]
    data["activity"] = "only one language"
    data["licensee"]["iin_bin"] = 110440019324
    assert _codes("tv_radio_licence", data) == {
        ("valid_until", "WRONG_TYPE"), ("sub_activities", "WRONG_TYPE"), ("licensee.name", "WRONG_TYPE"),
        ("activity", "WRONG_TYPE"), ("licensee.iin_bin", "WRONG_TYPE"),
    }


def test_bad_identity_numbers():
    data = _example("tv_radio_licence")
    good = data["licensee"]["iin_bin"]
    data["licensee"]["iin_bin"] = good[:11] + str((int(good[11]) + 1) % 10)
    data["provider"]["bin"] = "12345"
    issues = _issues("tv_radio_licence", data)
    assert {(i["field"], i["code"]) for i in issues} == {
        ("licensee.iin_bin", "IDENTITY_CHECKSUM"), ("provider.bin", "IDENTITY_MALFORMED")}
    assert all(i["message"] for i in issues)


def test_bin_field_refuses_an_iin():
    data = _example("scrap_metal_licence")
    data["licensee"]["bin"] = EXAMPLES["refusal"]["applicant"]["iin_bin"]
    assert _codes("scrap_metal_licence", data) == {("licensee.bin", "IDENTITY_KIND")}


def test_unknown_fields_at_any_depth():
    data = _example("periodicals_registration")
    data["colour"] = "red"
    data["applicant"]["phone"] = "+7 701 000 00 00"
    data["publications"][1]["price"] = 100
    data["territory"]["en"] = "East Kazakhstan"
    assert _codes("periodicals_registration", data) == {
        ("colour", "UNKNOWN_FIELD"), ("applicant.phone", "UNKNOWN_FIELD"),
        ("publications[1].price", "UNKNOWN_FIELD"), ("territory.en", "UNKNOWN_FIELD"),
    }


def test_too_long_and_too_many():
    data = _example("cultural_export_certificate")
    data["exporter"]["name"] = "Ә" * 301
    data["items"] = [{"kk": "заты", "ru": "предмет"}] * 51
    data["destination"]["ru"] = "Т" * 201
    assert _codes("cultural_export_certificate", data) == {
        ("exporter.name", "TOO_LONG"), ("items", "TOO_MANY_ITEMS"), ("destination.ru", "TOO_LONG")}


def test_dates_must_be_iso_and_real():
    data = _example("cultural_export_certificate")
    data["return_by"] = "20.12.2025"
    assert _codes("cultural_export_certificate", data) == {("return_by", "INVALID_DATE")}
    for bad in ("2025-02-30", "20251220", "2025-12-20T00:00:00", "unlimited"):
        data["return_by"] = bad
        assert _codes("cultural_export_certificate", data) == {("return_by", "INVALID_DATE")}


def test_date_order():
    data = _example("restoration_consent")
    data["works_end"] = "2025-08-01"
    assert _codes("restoration_consent", data) == {("works_end", "DATE_ORDER")}


def test_enum_lists_allowed_values():
    data = _example("cultural_export_certificate")
    data["purpose"] = "sale"
    data_tv = _example("tv_radio_licence")
    data_tv["networks"] = ["cable", "pigeon"]
    (issue,) = _issues("cultural_export_certificate", data)
    assert issue["code"] == "INVALID_CHOICE"
    assert issue["allowed"] == ["exhibition", "restoration", "research", "touring"]
    assert _codes("tv_radio_licence", data_tv) == {("networks[1]", "INVALID_CHOICE")}


def test_list_item_paths():
    data = _example("tv_radio_licence")
    data["special_conditions"] = [{"kk": "бір"}, None, {"kk": "үш", "ru": "три\x00"}]
    assert _codes("tv_radio_licence", data) == {
        ("special_conditions[0].ru", "REQUIRED"), ("special_conditions[1]", "REQUIRED"),
        ("special_conditions[2].ru", "INVALID_CHARACTERS"),
    }


def test_text_the_fonts_cannot_print_is_refused_naming_the_characters():
    data = _example("tv_radio_licence")
    data["licensee"]["name"] = "Ромашка 🌼 有限公司"
    (issue,) = _issues("tv_radio_licence", data)
    assert (issue["field"], issue["code"]) == ("licensee.name", "UNPRINTABLE_CHARACTERS")
    assert "U+1F33C" in issue["message"] and "U+6709" in issue["message"]


def test_every_letter_of_the_repertoire_is_accepted_and_printed(tmp_path):
    data = _example("tv_radio_licence")
    # Kazakh Cyrillic, Kazakh Latin (2021), a decomposed й, Greek, German, Vietnamese, the tenge and the dashes.
    name = "ӘҒҚҢӨҰҮҺІ әғқңөұүһі Äğıñöūüş Каи\u0306рат Ωμέγα Straße Nguyễn ₸ «—»"
    data["licensee"]["name"] = name
    doc = validate("tv_radio_licence", data)
    assert doc.values["licensee"]["name"] == name.replace("и\u0306", "й")
    printed = _text(_write(tmp_path, render_pdf(doc, **ARGS)))
    assert "ӘҒҚҢӨҰҮҺІ әғқңөұүһі Äğıñöūüş Кайрат Ωμέγα Straße Nguyễn ₸ «—»" in printed


def test_the_fonts_have_a_glyph_for_every_character_of_the_repertoire():
    from reportlab.pdfbase.ttfonts import TTFontFile

    from eds.issuing.documents.repertoire import RANGES, printable

    assigned = [p for low, high in RANGES for p in range(max(low, 0x20), high + 1)
                if unicodedata.category(chr(p)) != "Cn"]
    fonts = Path(pdf_module.__file__).with_name("fonts")
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        covered = TTFontFile(str(fonts / name)).charToGlyph
        assert [hex(p) for p in assigned if p not in covered] == [], name
    assert printable("ә") and not printable("\u0526") and not printable("😀")
    # Code points of the ranges that Unicode leaves unassigned are no characters: refused, not printed as nothing.
    unassigned = [chr(p) for low, high in RANGES for p in range(low, high + 1) if unicodedata.category(chr(p)) == "Cn"]
    assert len(unassigned) == 9 and not any(map(printable, unassigned))
    (issue,) = _issues("tv_radio_licence", {**_example("tv_radio_licence"),
                                            "licensee": {**_example("tv_radio_licence")["licensee"], "name": "Ω\u038bΩ"}})
    assert issue["code"] == "UNPRINTABLE_CHARACTERS" and "U+038B" in issue["message"]


def test_encoding_text_in_one_pass_gives_reportlab_s_codes_and_subsets():
    """eds's TrueType font encodes a string whose characters all sit in the document's first subset in one
    pass, and leaves every other string to reportlab: fed the same strings from the same starting state (the
    fixed first subset), reportlab's own loop must give the same codes at every step and end with the same
    subsets, through new characters, nbsp, characters the font lacks, tabs, combining accents and more
    characters than one subset holds."""
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = Path(pdf_module.__file__).with_name("fonts")
    pool = ([chr(p) for p in range(0x20, 0x7F)] + [chr(p) for p in range(0x400, 0x460)] + list("ӘҒҚҢӨҰҮҺІәғқңөұүһі")
            + [chr(p) for p in range(0x391, 0x3CA)] + [chr(p) for p in range(0x100, 0x17F)]
            + ["\u00a0", "\t", "\n", "\u0301", "\u6709", "\U0001f33c", "₸", "№", "«", "»", "—"])
    rng = random.Random(18)
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        ours, theirs = pdf_module._TTFont("ours", str(fonts / name)), TTFont("theirs", str(fonts / name))
        for document in range(3):
            doc_ours, doc_theirs = type("Doc", (), {})(), type("Doc", (), {})()
            theirs.state[doc_theirs] = ours._new_state()
            chosen = pool[:95] + list(pdf_module._ALPHABET) if document == 0 else pool
            strings = ["", "Лицензия", "Лицензия №"] + ["".join(rng.choices(chosen, k=rng.randint(0, 40)))
                                                        for _ in range(400)]
            for text in strings:
                assert ours.splitString(text, doc_ours) == theirs.splitString(text, doc_theirs), text
            state_ours, state_theirs = ours.state[doc_ours], theirs.state[doc_theirs]
            assert state_ours.assignments == state_theirs.assignments
            assert state_ours.subsets == state_theirs.subsets
            assert (len(state_ours.subsets) > 1) == (document > 0)  # characters outside open the second subset
            assert state_ours.subsets[0] == ours._first.subsets[0]  # the first subset stays as it was made


def test_each_font_s_first_subset_is_the_same_in_every_document(rendered, tmp_path):
    """ASCII and the Russian and Kazakh alphabets have fixed codes in each font's first subset: its embedded font
    file is the same bytes in documents of different text, its widths (written once) are the font's, and a
    character outside it (Greek here) goes to a second subset and still prints."""
    import re

    from reportlab.pdfbase import pdfmetrics

    def font_files(pdf: bytes) -> list[bytes]:
        return [pdf[match.end():match.end() + int(match.group(1))]
                for match in re.finditer(rb"/Length (\d+) /Length1 \d+\s*>>\s*stream\r?\n", pdf)]

    first = font_files(rendered["tv_radio_licence"].read_bytes())
    assert len(first) == 2
    widths = [[float(w) for w in match.group(1).split()]
              for match in re.finditer(rb"/Widths \[([^\]]*)\]", rendered["refusal"].read_bytes())]
    fonts = [pdfmetrics.getFont(name) for name in (pdf_module._REGULAR, pdf_module._BOLD)]
    expected = [[font.face.getCharWidth(code) for code in font._first.subsets[0]] for font in fonts]
    assert [len(w) for w in widths] == [len(w) for w in expected]
    assert [w == pytest.approx(e, abs=1e-3) for w, e in zip(widths, expected)] == [True, True]
    assert font_files(rendered["refusal"].read_bytes()) == first
    data = _example("tv_radio_licence")
    data["licensee"]["name"] = "Ωμέγα Қазақстан"
    pdf = render_pdf(validate("tv_radio_licence", data), **ARGS)
    files = font_files(pdf)
    assert len(files) == 3 and files[0] == first[0]  # the regular font's second subset holds the Greek
    assert "Ωμέγα Қазақстан" in _text(_write(tmp_path, pdf))


def test_streams_are_flate_that_any_zlib_reads(rendered):
    """Every compressed stream of a document is written by zlib-ng (re-compressing its content gives its bytes)
    and is ordinary Flate that zlib decodes."""
    import re
    import zlib

    from zlib_ng import zlib_ng

    pdf = rendered["tv_radio_licence"].read_bytes()
    streams = [pdf[match.end():match.end() + int(match.group(1))]
               for match in re.finditer(rb"/Filter \[ /FlateDecode \] /Length (\d+)[^>]*>>\s*stream\r?\n", pdf)]
    assert len(streams) >= 5  # two fonts, their ToUnicode maps, the page
    for stream in streams:
        assert zlib_ng.compress(zlib.decompress(stream)) == stream


def test_unknown_type_lists_known_types():
    (issue,) = _issues("passport", {})
    assert issue["field"] == "type" and issue["code"] == "UNKNOWN_TYPE"
    assert issue["allowed"] == list(DOCUMENT_TYPES)
    for type_id in DOCUMENT_TYPES:
        assert type_id in issue["message"]
    assert _codes(None, {}) == {("type", "UNKNOWN_TYPE")}  # type: ignore[arg-type]


def test_every_problem_is_reported_at_once():
    issues = _issues("refusal", {"place": 1, "provider": {"bin": "x"}, "junk": True})
    fields = {i["field"] for i in issues}
    assert {"place", "provider.name", "provider.bin", "junk", "signer", "applicant", "service", "request",
            "reasons"} <= fields


def test_issue_count_is_bounded():
    issues = _issues("refusal", {f"f{i}": i for i in range(5000)})
    assert len(issues) == MAX_ISSUES + 1
    assert issues[-1]["code"] == "TOO_MANY_ISSUES"


JUNK = [None, 0, -1, 1.5, float("nan"), True, "", "x", "2025-01-01", [], [None], [[[]]], {}, {"kk": 1},
        {"a": {"b": [1, {"c": None}]}}, "\ud800", "Ә" * 5000, ["x"] * 1000]


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    paths = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += _paths(item, prefix + (index,))
    return paths


def _replaced(data: object, path: tuple, junk: object) -> object:
    if not path:
        return junk
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    target[path[-1]] = junk  # type: ignore[index]
    return data


@pytest.mark.parametrize("type_id", sorted(EXAMPLES))
def test_arbitrary_json_never_crashes(type_id):
    """Every value in the example replaced by every kind of junk: a DocumentDataError or a document."""
    example = EXAMPLES[type_id]
    for path in _paths(example):
        for junk in JUNK:
            try:
                validate(type_id, _replaced(example, path, junk))
            except DocumentDataError as exc:
                assert exc.issues and all(i.code and isinstance(i.field, str) for i in exc.issues)


def test_random_mutations_never_crash():
    generator = random.Random(20250905)
    for _ in range(2000):
        type_id = generator.choice(sorted(EXAMPLES))
        data: object = EXAMPLES[type_id]
        for _ in range(generator.randint(1, 4)):
            paths = _paths(data)
            data = _replaced(data, generator.choice(paths), generator.choice(JUNK))
        try:
            validate(type_id, data)
        except DocumentDataError:
            pass


def test_deep_nesting_is_not_walked():
    deep: list = []
    for _ in range(10000):
        deep = [deep]
    data = _example("refusal")
    data["extra"] = deep
    data["reasons"] = deep
    assert _codes("refusal", data) == {("extra", "UNKNOWN_FIELD"), ("reasons[0]", "WRONG_TYPE")}


def test_text_is_trimmed_and_composed():
    data = _example("refusal")
    data["applicant"]["name"] = "  Каи\u0306рат Оспанов \n"  # й as и + combining breve, padded
    assert validate("refusal", data).values["applicant"]["name"] == "Ка\u0439рат Оспанов"


# --- issuance arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize("render", [render_pdf, render_xml])
def test_bad_issuance_arguments_are_refused(render):
    doc = validate("tv_radio_licence", EXAMPLES["tv_radio_licence"])
    with pytest.raises(DocumentDataError) as exc:
        render(doc, number="", issued_at="2025-09-05", verify_url="javascript:alert(1)")
    assert {(i.field, i.code) for i in exc.value.issues} == {
        ("number", "INVALID_NUMBER"), ("issued_at", "WRONG_TYPE"), ("verify_url", "INVALID_URL")}
    with pytest.raises(DocumentDataError) as exc:
        render(doc, **ARGS, event="duplicate", original={"issued_at": "2024-01-01"})
    assert exc.value.issues[0].code == "EVENT_NOT_ALLOWED"
    with pytest.raises(DocumentDataError) as exc:
        render(doc, **ARGS, original={"number": "1"})
    assert [(i.field, i.code) for i in exc.value.issues] == [("original", "UNEXPECTED")]
    with pytest.raises(DocumentDataError) as exc:
        render(doc, **ARGS, event="reissue", original={"number": NUMBER})
    assert [(i.field, i.code) for i in exc.value.issues] == [("original.number", "NUMBER_NOT_CHANGED")]
    with pytest.raises(DocumentDataError) as exc:
        render(doc, **ARGS, event="reissue", original={"issued_at": "2030-01-01", "colour": 1})
    assert {(i.field, i.code) for i in exc.value.issues} == {("original.colour", "UNKNOWN_FIELD")}


def test_duplicate_needs_the_original_date_and_keeps_the_number():
    doc = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
    with pytest.raises(DocumentDataError) as exc:
        render_pdf(doc, **ARGS, event="duplicate", original={"number": "OTHER-1"})
    assert {(i.field, i.code) for i in exc.value.issues} == {
        ("original.issued_at", "REQUIRED"), ("original.number", "NUMBER_MISMATCH")}
    with pytest.raises(DocumentDataError) as exc:
        render_pdf(doc, **ARGS, event="duplicate", original={"issued_at": (ISSUED + dt.timedelta(days=30)).isoformat()})
    assert [(i.field, i.code) for i in exc.value.issues] == [("original.issued_at", "DATE_ORDER")]


# --- PDF ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("documents")
    return {type_id: _write(folder, render_pdf(validate(type_id, data), **ARGS), f"{type_id}.pdf")
            for type_id, data in EXAMPLES.items()}


@pytest.mark.parametrize("type_id", sorted(EXAMPLES))
def test_pdf_text_is_bilingual_with_footer_and_number(rendered, type_id):
    text = _text(rendered[type_id])
    doc_type = DOCUMENT_TYPES[type_id]
    data = json.dumps(EXAMPLES[type_id], ensure_ascii=False).lower()
    for letter in KAZAKH_LETTERS:
        if letter in data:
            assert letter in text.lower(), f"Kazakh letter {letter} missing from the {type_id} PDF"
    assert wording.LEGAL_EQUIVALENCE.ru in text
    assert wording.LEGAL_EQUIVALENCE.kk in text
    assert "Данный документ согласно пункту 1 статьи 7 ЗРК от 7 января 2003 года" in text
    assert f"№ {NUMBER}" in text
    assert ISSUED.strftime("%d.%m.%Y") in text
    assert " ".join(doc_type.title_kk.split()) in text
    assert " ".join(doc_type.title_ru.split()) in text
    assert EXAMPLES[type_id]["signer"]["name"] in text
    assert wording.SIGNED_WITH_EDS.ru in text
    assert URL in text
    assert wording.DUPLICATE_MARK not in text


@pytest.mark.parametrize("type_id", sorted(EXAMPLES))
def test_qr_code_decodes_to_the_verify_url(rendered, type_id, tmp_path):
    assert _qr_codes(rendered[type_id], tmp_path) == [URL]


def test_qr_code_carries_any_url_exactly(tmp_path):
    url = "https://eds.example.kz/verify?number=KZ12LAA00001234&type=refusal&lang=kk#top"
    doc = validate("refusal", EXAMPLES["refusal"])
    path = _write(tmp_path, render_pdf(doc, number="ОТК-2025/117", issued_at=ISSUED, verify_url=url))
    assert _qr_codes(path, tmp_path) == [url]
    assert url in _text(path).replace(" ", "")  # printed too, wrapped when longer than the line


def test_fonts_are_embedded(rendered):
    for path in rendered.values():
        rows = _run("pdffonts", str(path)).splitlines()[2:]
        assert rows, "no fonts listed"
        assert {row.split()[0].split("+")[-1] for row in rows} == {"DejaVuSans", "DejaVuSans-Bold"}
        for row in rows:
            columns = row.split()
            assert columns[-5] == "yes", f"font not embedded: {row}"


def test_metadata(rendered):
    info = _run("pdfinfo", str(rendered["cultural_export_certificate"]))
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Subject"].strip() == NUMBER
    assert DOCUMENT_TYPES["cultural_export_certificate"].title_ru in fields["Title"]
    assert fields["Page size"].strip().startswith("595.276 x 841.89")


def test_duplicate_is_marked_and_refers_to_the_original(tmp_path):
    doc = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
    path = _write(tmp_path, render_pdf(doc, **ARGS, event="duplicate", original={"issued_at": "2023-04-11"}))
    text = _text(path)
    assert "ТЕЛНҰСҚА / ДУБЛИКАТ" in text
    assert f"Дубликат документа № {NUMBER}, выданного 11.04.2023." in text
    assert f"11.04.2023 ж. берілген № {NUMBER} құжаттың телнұсқасы." in text
    assert "ТЕЛНҰСҚА / ДУБЛИКАТ" in _run("pdfinfo", str(path))
    for page in range(1, _pages(path) + 1):  # every page of a printout says it is a duplicate
        assert "ТЕЛНҰСҚА / ДУБЛИКАТ" in _run("pdftotext", "-f", str(page), "-l", str(page), str(path), "-")
    assert _qr_codes(path, tmp_path) == [URL]


def test_reissue_names_the_superseded_document(tmp_path):
    doc = validate("tv_radio_licence", EXAMPLES["tv_radio_licence"])
    path = _write(tmp_path, render_pdf(doc, **ARGS, event="reissue",
                                       original={"number": "KZ77LAA00000999", "issued_at": "2021-03-02"}))
    text = _text(path)
    assert "Настоящий документ выдан взамен документа № KZ77LAA00000999 от 02.03.2021 (переоформление)." in text
    assert "02.03.2021 ж. берілген № KZ77LAA00000999 құжаттың орнына қайта рәсімделіп берілді." in text
    assert "ТЕЛНҰСҚА" not in text


def test_rendering_is_deterministic():
    doc = validate("tv_radio_licence", EXAMPLES["tv_radio_licence"])
    first = render_pdf(doc, **ARGS)
    assert render_pdf(doc, **ARGS) == first
    assert render_pdf(doc, **{**ARGS, "number": "KZ12LAA00001235"}) != first
    assert render_xml(doc, **ARGS) == render_xml(doc, **ARGS)


def test_rendering_in_threads_gives_the_bytes_of_a_single_thread():
    """Documents of every type rendered at once in several threads must come out exactly as when rendered one
    by one: the reused wording is per thread, and the font subsetting that reportlab does on save (seeking in
    one shared font file) takes turns. The interpreter switches threads very often here, so that a race
    shows (before the fix, as broken fonts or an IndexError)."""
    jobs = []
    for type_id in sorted(EXAMPLES):
        doc = validate(type_id, EXAMPLES[type_id])
        for number in ("KZ12LAA00001234", "KZ12LAA00001235"):
            jobs.append((doc, {**ARGS, "number": number}))
    expected = [render_pdf(doc, **args) for doc, args in jobs]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for _ in range(4):
                assert list(pool.map(lambda job: render_pdf(job[0], **job[1]), reversed(jobs))) == expected[::-1]
    finally:
        sys.setswitchinterval(interval)


def test_reused_wording_carries_nothing_from_one_document_to_the_next():
    """Refusals of growing length move the closing wording and the signature across page ends. Rendered one
    after another in this thread (the wording laid out before, and moved to a new page before) each must come
    out exactly as in a fresh thread, where nothing was laid out yet."""

    def in_fresh_thread(doc) -> bytes:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(render_pdf, doc, **ARGS).result()

    for count in (1, 4, 7, 10, 13, 16, 20):
        for length in (20, 200):
            data = _example("refusal")
            data["reasons"] = [{"kk": ("Өңірлік ғылыми-зерттеу " * 40)[:length],
                                "ru": ("Научно-исследовательский " * 40)[:length]}] * count
            doc = validate("refusal", data)
            assert render_pdf(doc, **ARGS) == in_fresh_thread(doc), (count, length)


def test_kept_paragraphs_hold_records_and_wording_never_the_applicant_s_data():
    """Paragraphs of the registry's records and of declared wording are kept per thread for the next documents;
    the applicant's values never are. Every document rendered with them comes out as in a fresh thread."""

    def in_fresh_thread(doc, args) -> bytes:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(render_pdf, doc, **args).result()

    for type_id in sorted(EXAMPLES):
        doc = validate(type_id, EXAMPLES[type_id])
        for number in ("KZ12LAA00001234", "KZ12LAA00001235"):
            args = {**ARGS, "number": number}
            assert render_pdf(doc, **args) == in_fresh_thread(doc, args), (type_id, number)
    kept = "\n".join(markup for markup, _style in pdf_module._per_thread.paragraphs)
    licence = EXAMPLES["tv_radio_licence"]
    assert licence["provider"]["name"]["kk"] in kept and licence["signer"]["position"]["ru"] in kept
    for applicant_s in (licence["licensee"]["name"], licence["licensee"]["iin_bin"], licence["licensee"]["address"],
                        f"{licence['activity']['kk']}<br/>{licence['activity']['ru']}", "KZ12LAA00001234", URL):
        assert applicant_s not in kept


def test_kept_drawings_give_the_bytes_of_a_fresh_drawing_in_any_order_of_documents():
    """Kept paragraphs write the operators they drew for an earlier document when the conditions are the same.
    Documents of every type, some with characters outside the fonts' first subsets in the applicant's data or
    in the provider's record (so that those paragraphs are drawn again, and a second subset exists before
    kept paragraphs are drawn), some running over several pages, rendered one after another in this thread,
    must each come out exactly as in a fresh thread where nothing was kept."""

    def in_fresh_thread(doc, args) -> bytes:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(render_pdf, doc, **args).result()

    rng = random.Random(7)
    outside = ["Ωμέγα", "Äpfel", "Ørsted", "Ğ", "ſ"]
    for index in range(36):
        type_id = rng.choice(sorted(EXAMPLES))
        data = _example(type_id)
        if rng.random() < 0.3:
            data["provider"]["name"]["kk"] += " " + rng.choice(outside)
        if rng.random() < 0.3 and type_id == "refusal":
            data["reasons"] = data["reasons"] * rng.randint(5, 14)
        holder = next((value for value in data.values() if isinstance(value, dict) and isinstance(value.get("name"), str)),
                      None)
        if holder is not None and rng.random() < 0.4:
            holder["name"] = rng.choice(outside) + " " + holder["name"]
        doc = validate(type_id, data)
        args = {**ARGS, "number": f"KZ12LAA{index:08d}"}
        assert render_pdf(doc, **args) == in_fresh_thread(doc, args), (index, type_id)


def test_a_kept_drawing_names_only_the_first_subsets_and_its_own_width():
    """A paragraph whose characters a second subset holds is never kept as drawn (that subset differs from
    document to document), and a kept drawing serves only the width it was drawn at."""

    def in_fresh_thread(doc, args) -> bytes:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(render_pdf, doc, **args).result()

    for first, second in (("Ω", "Ä"), ("Ä", "Ω")):  # the provider's name fills the bold second subset first
        data = _example("tv_radio_licence")
        data["provider"]["name"]["kk"] += f" {first}"
        data["signer"]["position"]["kk"] += " Ω"
        doc = validate("tv_radio_licence", data)
        assert render_pdf(doc, **ARGS) == in_fresh_thread(doc, ARGS), first

    pdf_module._fonts()
    text = "Лицензия на занятие деятельностью по распространению теле-, радиоканалов " * 3

    def drawn(paragraph, width: float) -> list[str]:
        canvas = pdf_module._Canvas(io.BytesIO(), moment=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc),
                                    page_label=lambda *_: None, initialFontName=pdf_module._REGULAR)
        paragraph.wrap(width, 1000)
        start = len(canvas._code)
        paragraph.drawOn(canvas, 0, 0)
        return canvas._code[start:]

    kept = pdf_module._fixed(text, pdf_module._VALUE)
    for width in (300, 150, 300, 150):
        assert drawn(kept, width) == drawn(pdf_module._KeptParagraph(text, pdf_module._VALUE), width), width
    assert kept._drawing is not None  # the last drawing was kept
    linked = pdf_module._fixed("<a href='https://eds.example.kz'>eds.example.kz</a>", pdf_module._NOTE)
    for _ in range(2):  # a link is an annotation of the page besides the operators: never kept
        canvas = pdf_module._Canvas(io.BytesIO(), moment=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc),
                                    page_label=lambda *_: None, initialFontName=pdf_module._REGULAR)
        linked.wrap(300, 1000)
        linked.drawOn(canvas, 0, 0)
        assert len(canvas._annotationrefs) == 1


def test_threads_starting_at_once_register_the_fonts_once():
    """Threads that render their first documents at the same moment register the fonts once: a second
    registration remaps the family's bold to the regular font for a moment, and bold wording parsed then was
    kept in the regular font for the thread's life (found by an adversarial review). A fresh process, with
    registration slowed down so that the threads meet inside it."""
    script = """
import concurrent.futures, threading, time
from reportlab.pdfbase import pdfmetrics
from eds.issuing.documents import pdf
calls, real = [], pdfmetrics.registerFont
def slow(font):
    calls.append(font.fontName)
    time.sleep(0.05)
    real(font)
pdfmetrics.registerFont = slow
start = threading.Barrier(4)
def first_use():
    start.wait()
    return pdf._fonts()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    fonts = list(pool.map(lambda _: first_use(), range(4)))
print(len(calls), len({tuple(map(id, f)) for f in fonts}), pdfmetrics.getFont(pdfmetrics.getFont(pdf._REGULAR).fontName).fontName)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["2", "1", "DejaVuSans"]


def test_markup_in_values_is_printed_literally(tmp_path):
    data = _example("refusal")
    data["applicant"]["name"] = "<b>Оспанов</b> & Co <br/> «ТОО»"
    doc = validate("refusal", data)
    text = _text(_write(tmp_path, render_pdf(doc, **ARGS)))
    assert "<b>Оспанов</b> & Co <br/> «ТОО»" in text
    root = etree.fromstring(render_xml(doc, **ARGS))
    assert root.findtext("applicant/name") == "<b>Оспанов</b> & Co <br/> «ТОО»"


def test_a_text_that_says_unlimited_prints_as_it_is(tmp_path):
    """Only a validity of "unlimited" prints as the wording «мерзімсіз / бессрочно»; a text field holding the
    word prints the word (found by an adversarial review: a contractor named "unlimited" printed as бессрочно)."""
    data = _example("restoration_consent")
    data["contractor"] = "unlimited"
    data["applicant"]["address"] = "unlimited"
    text = " ".join(_text(_write(tmp_path, render_pdf(validate("restoration_consent", data), **ARGS))).split())
    assert text.count("unlimited") == 2 and "бессрочно" not in text
    licence = _example("tv_radio_licence")
    assert licence["valid_until"] == "unlimited"
    assert "мерзімсіз" in _text(_write(tmp_path, render_pdf(validate("tv_radio_licence", licence), **ARGS)))


def _maximal(fields: tuple[Field, ...], identity: dict[Kind, str]) -> dict:
    """Data with every field filled to its limits: the longest text, the most items."""
    def value(spec: Field) -> object:
        if spec.kind is Kind.TEXT:
            return ("Қазақстан Республикасы Ұлттық " * 40)[: spec.max_length - 1] + "ә"
        if spec.kind is Kind.BILINGUAL:
            return {"kk": ("Өңірлік ғылыми-зерттеу " * 60)[: spec.max_length],
                    "ru": ("Научно-исследовательский " * 60)[: spec.max_length]}
        if spec.kind in identity:
            return identity[spec.kind]
        if spec.kind in (Kind.DATE, Kind.VALIDITY):
            return "2030-12-31"
        if spec.kind is Kind.ENUM:
            return spec.choices[-1].value
        if spec.kind is Kind.LIST:
            assert spec.item is not None
            return [value(spec.item) for _ in range(spec.max_items)]
        return _maximal(spec.fields, identity)
    return {spec.name: value(spec) for spec in fields}


@pytest.mark.parametrize("type_id", sorted(EXAMPLES))
def test_largest_documents_render_over_several_pages(type_id, tmp_path):
    identity = {Kind.BIN: complete("05084000571"), Kind.IIN: complete("78041530112"),
                Kind.IIN_OR_BIN: complete("78041530112")}
    data = _maximal(DOCUMENT_TYPES[type_id].fields, identity)
    if type_id == "refusal":
        data["service"] = "restoration_consent"
        data["request"]["date"] = ISSUED.isoformat()  # a request is made before it is refused
    doc = validate(type_id, data)
    path = _write(tmp_path, render_pdf(doc, **ARGS))
    pages = _pages(path)
    assert pages > 1
    assert wording.LEGAL_EQUIVALENCE.ru in _text(path)
    assert _qr_codes(path, tmp_path, first_page=pages) == [URL]
    etree.fromstring(render_xml(doc, **ARGS))


def test_unbreakable_long_words_do_not_break_the_layout(tmp_path):
    data = _example("refusal")
    data["reasons"] = [{"kk": "Ә" * 1000, "ru": "Ж" * 1000}]
    data["applicant"]["name"] = "Щ" * 300
    path = _write(tmp_path, render_pdf(validate("refusal", data), **ARGS))
    assert "Ә" * 20 in _text(path)


# --- XML ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_id", sorted(EXAMPLES))
def test_xml_twin_carries_the_same_data(type_id):
    doc = validate(type_id, EXAMPLES[type_id])
    content = render_xml(doc, **ARGS)
    assert content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(content)
    assert root.tag == "document"
    assert root.get("type") == type_id and root.get("number") == NUMBER
    assert root.get("issued_at") == ISSUED.isoformat() and root.get("event") == "issue"
    assert root.get("regulation") == doc.regulation
    assert root.findtext("verify_url") == URL
    assert root.findtext("title/kk") == DOCUMENT_TYPES[type_id].title_kk
    assert root.findtext("provider/bin") == EXAMPLES[type_id]["provider"]["bin"]
    assert root.find("signer").get("role") == doc.signer_role.code
    holder = root.find(DOCUMENT_TYPES[type_id].holder_field)
    name, number = doc.holder
    assert holder.findtext("name") == name
    assert holder.findtext("bin" if number.value[4] in "456" else "iin") == number.value
    assert holder.find("iin_bin") is None
    assert root.find("original") is None
    assert not root.xpath("//*[local-name()='Signature']")


def test_xml_lists_and_identity_elements():
    doc = validate("refusal", EXAMPLES["refusal"])
    root = etree.fromstring(render_xml(doc, **ARGS))
    assert root.findtext("applicant/iin") == EXAMPLES["refusal"]["applicant"]["iin_bin"]
    assert [item.findtext("ru") for item in root.findall("reasons/item")] == [
        r["ru"] for r in EXAMPLES["refusal"]["reasons"]]
    assert root.findtext("request/date") == EXAMPLES["refusal"]["request"]["date"]
    assert root.findtext("service") == "tv_radio_licence"
    periodicals = etree.fromstring(render_xml(validate("periodicals_registration",
                                                       EXAMPLES["periodicals_registration"]), **ARGS))
    assert periodicals.findtext("publications/item/country/kk") == "Ресей Федерациясы"


def test_xml_of_a_duplicate_refers_to_the_original():
    doc = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
    root = etree.fromstring(render_xml(doc, **ARGS, event="duplicate", original={"issued_at": "2023-04-11"}))
    assert root.get("event") == "duplicate"
    assert root.find("original").attrib == {"number": NUMBER, "issued_at": "2023-04-11"}


# --- adding a type --------------------------------------------------------------------------------------


def test_a_new_type_is_one_declaration(tmp_path):
    archive_reference = DocumentType(
        type_id="archive_reference",
        title_kk="Мұрағаттық анықтама",
        title_ru="Архивная справка",
        service_kk="Мұрағаттық анықтама беру",
        service_ru="Выдача архивной справки",
        regulation="005",
        signer=SignerRole.AUTHORISED_PERSON,
        holder_field="citizen",
        fields=COMMON_FIELDS + (
            Field("citizen", "Азамат", "Гражданин", Kind.GROUP, fields=(
                Field("name", "Т.А.Ә.", "Ф.И.О.", Kind.TEXT, max_length=150),
                Field("iin", "ЖСН", "ИИН", Kind.IIN),
            )),
            Field("period", "Кезең", "Период", Kind.BILINGUAL),
        ),
    )
    data = {
        **{k: EXAMPLES["refusal"][k] for k in ("place", "provider", "signer")},
        "citizen": {"name": "Оспанов Дәурен Ғалымжанұлы", "iin": "780415301124"},
        "period": {"kk": "1998–2003 жылдар", "ru": "1998–2003 годы"},
    }
    doc = ValidatedDocument(archive_reference, validate_fields(archive_reference, data), archive_reference)
    text = _text(_write(tmp_path, render_pdf(doc, **ARGS)))
    assert "Мұрағаттық анықтама" in text and "1998–2003 годы" in text
    assert etree.fromstring(render_xml(doc, **ARGS)).findtext("citizen/iin") == "780415301124"
    data["citizen"]["iin"] = EXAMPLES["scrap_metal_licence"]["licensee"]["bin"]
    with pytest.raises(DocumentDataError) as exc:
        validate_fields(archive_reference, data)
    assert [(i.field, i.code) for i in exc.value.issues] == [("citizen.iin", "IDENTITY_KIND")]


def test_fonts_are_shipped_with_their_licence():
    fonts = Path(pdf_module.__file__).with_name("fonts")
    assert (fonts / "DejaVuSans.ttf").is_file() and (fonts / "DejaVuSans-Bold.ttf").is_file()
    assert "Bitstream Vera" in (fonts / "LICENSE").read_text(encoding="utf-8")
