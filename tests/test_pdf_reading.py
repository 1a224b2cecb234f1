"""eds.signatures.pdf_reading reads hex and literal strings exactly as pyHanko's own readers do.

The same bytes must give the same object (type and bytes), leave the stream at the same place, and fail with
the same error; here on random input made of the characters that matter (digits, escapes, parentheses,
whitespace, comments, the end of the data) and on the cases named one by one, and on whole PDFs.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from eds.signatures import pades, pdf_changes, pdf_reading

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _outcome(reader, data: bytes):
    stream = io.BytesIO(data)
    try:
        value = reader(stream)
    except Exception as exc:  # the error is part of what must be the same
        return "error", type(exc).__name__, str(exc)
    shown = bytes(value.original_bytes) if hasattr(value, "original_bytes") else value
    return "value", type(value).__name__, shown, stream.tell()


def _same(ours, pyhankos, data: bytes) -> None:
    assert _outcome(ours, data) == _outcome(pyhankos, data), data[:120]


HEX_CASES = [b"<>", b"<0>", b"<41>", b"<414>", b"<4 1\n4\r2\t\x00\x0c>", b"<41", b"<", b"<4g>", b"<41%comment>\n42>",
             b"<41>>", b"<FEFF0041>", b"<feff0041>", b"< >", b"<" + b"0" * 50_000 + b">", b"<" + b"a1" * 30_000,
             b"<30821D15 06092A86\n4886F70D>rest 1 0 R"]

LITERAL_CASES = [b"()", b"(a)", b"(a(b)c)", b"(a(b)", b"(\\))", b"(\\()", b"(\\\\)", b"(\\n\\r\\t\\b\\f)", b"(\\0)",
                 b"(\\07)", b"(\\377)", b"(\\400)", b"(\\777)", b"(\\8)", b"(\\18)", b"(\\128)", b"(\\1234)",
                 b"(\\x41)", b"(\\a)", b"(\\\n)", b"(\\\r\n)", b"(\\\n\r)", b"(\\\n\nx)", b"(\\\rx)", b"(\\", b"(",
                 b"(abc", b"(abc\\)", b"(\\/\\%\\<\\>\\[\\]\\#\\_\\&\\$\\ )", b"(\\376\\377\\004\\232\\0040)",
                 b"(D\\07220261207061446Z)", b"(" + b"\\376\\377" * 5_000 + b")", b"(" + b"x" * 70_000 + b") tail",
                 b"(" + b"(" * 300 + b")" * 300 + b")", b"(a\\\\\\)b)", b"(\\12)3)", b"(\\1\\2\\3)"]


NAME_CASES = [b"/", b"/Type", b"/Type/Catalog", b"/Type ", b"/Type\x00", b"/AAAAAA+DejaVuSans-Bold", b"/A#20B", b"/A#2",
              b"/A#zz", b"/\x80", b"/\x01x", b"/a\xc3\xa9", b"/" + b"n" * 5_000 + b" ", b"Type", b"", b"/F1+0>>",
              b"/x(", b"/x%c", b"/x[", b"/x{", b"/~!"]


@pytest.mark.parametrize("data", NAME_CASES)
def test_name_cases(data):
    _same(pdf_reading.read_name, pdf_reading.pyhanko_read_name, data)


ARRAY_CASES = [b"[]", b"[ ]", b"[0 0 595.2756 841.8898]", b"[1 2 3]rest", b"[ -1 +2 .5 -.5 +.5 1. 007 ]", b"[1.2.3]",
               b"[1,5]", b"[+-5]", b"[1 0 R]", b"[1 0 R 2 0 R]", b"[/Name 1]", b"[1 (x)]", b"[1 [2 3]]", b"[1 %c\n 2]",
               b"[1\x002\x0c3\t4\r\n5]", b"[1\x0b2]", b"[1 2", b"[", b"(1 2)", b"[" + b" 600" * 2_000 + b"]",
               b"[ 1 0 ] R", b"[1-2]", b"[--1]", b"[.]", b"[-]", b"[1e5]"]


def _array_outcome(reader, data: bytes):
    container = object()
    stream = io.BytesIO(data)
    try:
        value = reader(stream, container)
    except Exception as exc:
        return "error", type(exc).__name__, str(exc)
    return "value", type(value).__name__, [(type(v).__name__, repr(v), v.container_ref is container) for v in value], \
        stream.tell()


@pytest.mark.parametrize("data", ARRAY_CASES)
def test_array_cases(data):
    assert _array_outcome(pdf_reading.read_array, data) == _array_outcome(pdf_reading.pyhanko_read_array, data)


def test_array_random():
    rnd = random.Random(18)
    for _ in range(4_000):
        alphabet = rnd.choice([b"0123456789 .-+", b"0123456789 \n.", b"012 .-+,eR/]\x00\x0b"])
        data = b"[" + _random(rnd, alphabet, b"]")
        assert _array_outcome(pdf_reading.read_array, data) == _array_outcome(pdf_reading.pyhanko_read_array, data)


@pytest.mark.parametrize("data", HEX_CASES)
def test_hex_cases(data):
    _same(pdf_reading.read_hex_string_from_stream, pdf_reading.pyhanko_read_hex_string, data)


@pytest.mark.parametrize("data", LITERAL_CASES)
def test_literal_cases(data):
    _same(pdf_reading.read_string_literal_bytes, pdf_reading.pyhanko_read_string_literal, data)


def _random(rnd: random.Random, alphabet: bytes, close: bytes) -> bytes:
    body = bytes(rnd.choice(alphabet) for _ in range(rnd.choice([0, 1, 2, 3, 5, 20, 130, 600, 3000])))
    end = rnd.choice([close, close, close, b""])
    return body + end + bytes(rnd.choice(alphabet) for _ in range(rnd.choice([0, 3, 300])))


def test_hex_random():
    rnd = random.Random(18)
    for _ in range(6_000):
        alphabet = rnd.choice([b"0123456789abcdefABCDEF \n\r\t\f\x00", b"0123456789abcdef%>gZ \n"])
        data = b"<" + _random(rnd, alphabet, b">")
        _same(pdf_reading.read_hex_string_from_stream, pdf_reading.pyhanko_read_hex_string, data)


def test_literal_random():
    rnd = random.Random(18)
    for _ in range(10_000):
        alphabet = rnd.choice([b"()\\\\\\nrtbf0123456789 \n\r/%<>#x", b"\\\\\\\\01234567", b"abc()\\\\ \n8"])
        data = b"(" + _random(rnd, alphabet, b")")
        _same(pdf_reading.read_string_literal_bytes, pdf_reading.pyhanko_read_string_literal, data)


def test_name_random():
    rnd = random.Random(18)
    for _ in range(6_000):
        alphabet = rnd.choice([b"abcXYZ019+-_.", b"ab#0f9 /()<>[]{}%\x00\n", b"ab\x80\xff\x01~!#"])
        data = b"/" + _random(rnd, alphabet, b" ")
        _same(pdf_reading.read_name, pdf_reading.pyhanko_read_name, data)


def test_installed_in_pyhanko():
    assert pades.pdf_reading is pdf_changes.pdf_reading is pdf_reading  # the PDF modules install them
    assert generic.read_hex_string_from_stream is pdf_reading.read_hex_string_from_stream
    assert generic._read_string_literal_bytes is pdf_reading.read_string_literal_bytes
    assert generic.NameObject.read_from_stream is pdf_reading.read_name
    assert generic.ArrayObject.read_from_stream is pdf_reading.read_array


@pytest.mark.parametrize("path", sorted((SAMPLES / "documents").glob("*.pdf")), ids=lambda p: p.name)
def test_whole_pdfs_read_the_same(path):
    """Every object of every revision of the issued sample documents (signature /Contents, the UTF-16
    document information) is the same read either way."""
    def objects(data: bytes) -> list:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        found = []
        for revision in range(reader.xrefs.total_revisions):
            for ref in sorted(reader.xrefs.explicit_refs_in_revision(revision), key=lambda r: r.idnum):
                found.append(repr(reader.get_object(ref, revision=revision)))
        return found

    data = path.read_bytes()
    ours = objects(data)
    try:
        generic.read_hex_string_from_stream = pdf_reading.pyhanko_read_hex_string
        generic._read_string_literal_bytes = pdf_reading.pyhanko_read_string_literal
        generic.NameObject.read_from_stream = staticmethod(pdf_reading.pyhanko_read_name)
        generic.ArrayObject.read_from_stream = staticmethod(pdf_reading.pyhanko_read_array)
        theirs = objects(data)
    finally:
        pdf_reading.install()
    assert ours == theirs


@pytest.fixture(scope="module")
def hostile_base(pki_dir, manifest, profile, pki_server):
    from eds.issuing.documents import render_pdf, validate
    from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS
    from eds.pki.keys import SigningKey
    from hostile.pdf.corpus import Base

    def key(name: str) -> SigningKey:
        info = manifest["identities"][name]
        return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=name)

    document = validate("scrap_metal_licence", EXAMPLE_DOCUMENTS["scrap_metal_licence"])
    unsigned = render_pdf(document, number="LIC-ZHM-2026-000042", issued_at=dt.date.today(),
                          verify_url="https://eds.example.kz/verify/LIC-ZHM-2026-000042")
    signer = key("official_region")
    return Base(unsigned, pades.sign_pdf(unsigned, signer, timestamp_url=profile.tsa_url), signer,
                key("company_head"), profile.tsa_url)


def _verdict(profile, data: bytes) -> list:
    """What the verifier says of ``data``: its indication, reasons and every check's status and code."""
    from eds.pki.revocation import OcspClient
    from eds.validation.signer_check import SignerChecker
    from eds.validation.verify import DocumentVerifier

    verifier = DocumentVerifier(SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0)))
    report = verifier.verify(data)
    return [report.indication, [r.code for r in report.reasons], [(c.name, c.status, c.code) for c in report.checks],
            [[(c.name, c.status, c.code) for c in s.checks] for s in report.signatures]]


def test_hostile_pdfs_get_the_same_verdicts_read_either_way(hostile_base, profile):
    """Every PDF of the hostile corpus (and the untouched licence and its truncations) gets the same verdict
    with these readers as with pyHanko's own: the shortcut changes the time, never the answer."""
    from hostile.pdf.corpus import CASES, truncations

    files = [hostile_base.signed, *(CASES[name](hostile_base).data for name in sorted(CASES)),
             *(hostile_base.signed[:cut] for cut in truncations(len(hostile_base.signed))[::5])]
    ours = [_verdict(profile, data) for data in files]
    try:
        generic.read_hex_string_from_stream = pdf_reading.pyhanko_read_hex_string
        generic._read_string_literal_bytes = pdf_reading.pyhanko_read_string_literal
        generic.NameObject.read_from_stream = staticmethod(pdf_reading.pyhanko_read_name)
        generic.ArrayObject.read_from_stream = staticmethod(pdf_reading.pyhanko_read_array)
        theirs = [_verdict(profile, data) for data in files]
    finally:
        pdf_reading.install()
    assert ours[0][0].name == "TOTAL_PASSED"
    assert len({code for verdict in ours for code in verdict[1]}) >= 5  # the corpus is refused for many reasons
    assert ours == theirs
