"""The strict PDF policy (eds.signatures.pdf_changes through eds.validation.verify): what may follow a signature, what fails and with
which kind, document timestamps as time evidence only, and each PDF limit at and past its value.

The documents are this project's licences signed with the test PKI (PAdES B-T, and B-LT as the issuer makes
them); every change is written by pyHanko as an incremental update, as a forger would.
"""

from __future__ import annotations

import datetime as dt
import io
import zlib

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers

from eds.issuing.documents import render_pdf, validate
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES
from eds.issuing.issuer import long_term_data
from eds.limits import Limits
from eds.pki.keys import SigningKey
from eds.pki.revocation import OcspClient
from eds.signatures import pades as pdf, pdf_changes, tsp
from eds.validation.report import Indication
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from hostile.pdf.corpus import first_page, incremental

name = generic.NameObject


def numbers(*values: float) -> generic.ArrayObject:
    return generic.ArrayObject(generic.FloatObject(v) for v in values)


def codes(report) -> list[str]:
    return [r.code for r in report.reasons]


def change_check(report, index: int = 0):
    return next(c for c in report.signatures[index].checks if c.name == "changes")


@pytest.fixture(scope="module")
def keys(pki_dir, manifest):
    def load(identity: str) -> SigningKey:
        info = manifest["identities"][identity]
        return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=identity)
    return load


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    document = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
    return render_pdf(document, number="LIC-ZHM-2026-000913", issued_at=dt.date.today(),
                      verify_url="https://eds.example.kz/verify/LIC-ZHM-2026-000913")


@pytest.fixture(scope="module")
def signed(unsigned, keys, profile, pki_server) -> bytes:
    return pdf.sign_pdf(unsigned, keys("official_region"), timestamp_url=profile.tsa_url)


@pytest.fixture(scope="module")
def long_term(signed, keys, profile, pki_server) -> bytes:
    key = keys("official_region")
    return pdf.add_validation_data(signed, long_term_data(signed, SignerChecker(profile), key.certificate, key.chain))


@pytest.fixture(scope="module")
def timestamp(profile, pki_server):
    def stamp(data: bytes) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        return signers.PdfTimeStamper(pdf.ServiceTimeStamper(profile.tsa_url)).timestamp_pdf(
            writer, "sha256", bytes_reserved=12288).getvalue()
    return stamp


@pytest.fixture(scope="module")
def verifier(profile, pki_server) -> DocumentVerifier:
    return DocumentVerifier(SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0)))


def limited(profile, **values) -> DocumentVerifier:
    return DocumentVerifier(SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0)),
                            limits=Limits().replace(**values))


# --- pure functions ------------------------------------------------------------------------------------------


def test_zero_padding_after_a_der_element_is_dropped_and_other_bytes_refused():
    element = bytes([0x30, 0x82, 0x00, 0x03, 1, 2, 3])
    assert tsp.without_zero_padding(element + bytes(500)) == element
    assert tsp.without_zero_padding(element) == element
    assert tsp.without_zero_padding(element + bytes(10) + b"x") is None
    assert tsp.without_zero_padding(bytes([0x30, 0x02, 5, 6]) + b"\0\0") == bytes([0x30, 0x02, 5, 6])
    garbage = bytes([0x30, 0x85, 1])
    assert tsp.without_zero_padding(garbage) == garbage  # left for the parser to refuse


def test_trailing_bytes_counts_only_what_is_not_whitespace_or_nul():
    assert pdf_changes.trailing_bytes(b"%PDF-1.7\n...%%EOF\r\n\0\0 ") == 0
    assert pdf_changes.trailing_bytes(b"%PDF-1.7\n...%%EOF\n% more") == 6
    assert pdf_changes.trailing_bytes(b"no marker") == 9


def test_same_compares_references_as_references_and_streams_by_bytes():
    ref = generic.IndirectObject(5, 0, None)
    assert pdf_changes.same(generic.DictionaryObject({name("/A"): ref}), generic.DictionaryObject({name("/A"): ref}))
    assert not pdf_changes.same(ref, generic.IndirectObject(6, 0, None))
    assert not pdf_changes.same(generic.StreamObject(stream_data=b"a"), generic.StreamObject(stream_data=b"b"))
    assert not pdf_changes.same(generic.NumberObject(1), generic.TextStringObject("1"))


# --- controls --------------------------------------------------------------------------------------------------


def test_b_t_and_b_lt_licences_pass(verifier, signed, long_term):
    for data in (signed, long_term):
        report = verifier.verify(data)
        assert report.passed, codes(report)


def test_b_lta_with_a_zero_padded_document_timestamp_passes(verifier, long_term, timestamp):
    stamped = timestamp(long_term)
    token = PdfFileReader(io.BytesIO(stamped)).embedded_signatures[-1].pkcs7_content
    assert token.endswith(b"\0" * 16)  # the padding that used to be refused as malformed
    report = verifier.verify(stamped)
    assert report.passed, [[c.to_dict() for c in s.checks] for s in report.signatures]
    assert [s.extra["kind"] for s in report.signatures] == ["signature", "document-timestamp"]


def test_a_co_signature_passes(verifier, signed, keys, profile):
    both = pdf.sign_pdf(signed, keys("company_head"), timestamp_url=profile.tsa_url, field_name="Signature2",
                        stamp=(300, 60, 500, 120))
    report = verifier.verify(both)
    assert report.passed and len(report.signatures) == 2, codes(report)


# --- a timestamp is never a signature ---------------------------------------------------------------------------


def test_a_pdf_with_only_document_timestamps_has_no_signer(verifier, unsigned, timestamp):
    report = verifier.verify(timestamp(timestamp(unsigned)))
    assert report.indication == Indication.TOTAL_FAILED and codes(report) == ["NO_SIGNATURE"]
    assert report.checks[0].code == "NO_SIGNATURE"
    assert len(report.signatures) == 2 and all(s.passed for s in report.signatures)  # still judged as time


def test_garbage_after_a_timestamp_token_is_malformed(verifier, unsigned, timestamp, signed):
    stamped = timestamp(signed)
    reader = PdfFileReader(io.BytesIO(stamped))
    start, length, *_ = (int(v) for v in reader.embedded_signatures[-1].byte_range)
    hex_digits = stamped[start + length + 1:stamped.index(b">", start + length)]
    forged = hex_digits[:-4] + b"ABCD"
    report = verifier.verify(stamped.replace(hex_digits, forged))
    timestamp_checks = [c for c in report.signatures[-1].checks if c.name == "timestamp"]
    assert timestamp_checks[0].code == "TIMESTAMP_INVALID"
    assert timestamp_checks[0].details["cause"] == "TOKEN_MALFORMED"


# --- what may not follow a signature ----------------------------------------------------------------------------


def unsigned_visible_field(writer: IncrementalPdfFileWriter) -> None:
    fields.append_signature_field(writer, fields.SigFieldSpec("Forged", box=(40, 700, 300, 760), on_page=0))


def replace_resources(writer: IncrementalPdfFileWriter) -> None:
    page = first_page(writer)
    page["/Resources"] = writer.add_object(generic.DictionaryObject({name("/Font"): generic.DictionaryObject()}))
    writer.update_container(page)


def optional_content_off(writer: IncrementalPdfFileWriter) -> None:
    group = writer.add_object(generic.DictionaryObject({name("/Type"): name("/OCG"),
                                                        name("/Name"): generic.TextStringObject("body")}))
    writer.root["/OCProperties"] = generic.DictionaryObject({
        name("/OCGs"): generic.ArrayObject([group]),
        name("/D"): generic.DictionaryObject({name("/OFF"): generic.ArrayObject([group])})})
    writer.update_root()


def info_title(writer: IncrementalPdfFileWriter) -> None:
    info = writer.trailer["/Info"]
    info["/Title"] = generic.TextStringObject("Licence LIC-ZHM-2026-999999")
    writer.update_container(info)


@pytest.mark.parametrize("edit, kind", [
    (unsigned_visible_field, "signature-field"),
    (replace_resources, "resources"),
    (optional_content_off, "optional-content"),
    (info_title, "metadata"),
])
def test_a_change_after_signing_fails_with_its_kind(verifier, long_term, edit, kind):
    report = verifier.verify(incremental(long_term, edit))
    assert report.indication == Indication.TOTAL_FAILED and "MODIFIED_AFTER_SIGNING" in codes(report)
    details = change_check(report).details
    assert kind in details["kinds"], details
    assert details["objects"], details


def test_trailing_bytes_fail_as_a_change(verifier, long_term):
    report = verifier.verify(long_term + b"\n% appended\n")
    assert "trailing-bytes" in change_check(report).details["kinds"]


def test_a_dangling_reference_filled_later_fails(verifier, unsigned, keys, profile):
    """The shadow attack: the signed revision names an object it does not hold; a later update supplies it."""
    reader = PdfFileReader(io.BytesIO(unsigned))
    missing = int(reader.trailer["/Size"]) + 50

    def point_to_nothing(writer: IncrementalPdfFileWriter) -> None:
        page = first_page(writer)
        page["/Annots"] = generic.ArrayObject([generic.IndirectObject(missing, 0, writer)])
        writer.update_container(page)

    prepared = incremental(unsigned, point_to_nothing)
    signed = pdf.sign_pdf(prepared, keys("official_region"), timestamp_url=profile.tsa_url)
    end = len(signed)
    body = (b"<< /Type /Annot /Subtype /FreeText /Rect [40 700 400 760] /Contents (LIC-999) "
            b"/DA (/Helv 18 Tf 0 g) >>")
    startxref = int(signed[signed.rindex(b"startxref") + 9:].split()[0])
    root = int(signed[signed.rindex(b"/Root") + 5:].split()[0])
    size = int(PdfFileReader(io.BytesIO(signed)).trailer["/Size"])
    update = b"\n%d 0 obj\n" % missing + body + b"\nendobj\n"
    xref = end + len(update)
    update += (b"xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
               % (missing, end + 1, max(size, missing + 1), root, startxref, xref))
    report = verifier.verify(signed + update)
    assert "MODIFIED_AFTER_SIGNING" in codes(report)
    details = change_check(report).details
    assert details["kind"] == "dangling-reference" and missing in details["objects"], details


def test_a_second_signature_over_a_change_leaves_the_first_failed(verifier, signed, keys, profile):
    changed = incremental(signed, replace_resources)
    both = pdf.sign_pdf(changed, keys("company_head"), timestamp_url=profile.tsa_url, field_name="Signature2")
    report = verifier.verify(both)
    first, second = report.signatures
    assert "MODIFIED_AFTER_SIGNING" in [r.code for r in first.reasons]
    assert second.passed, [c.to_dict() for c in second.checks]  # judged on its own revision


# --- form filling and DocMDP ------------------------------------------------------------------------------------


def with_text_field(writer: IncrementalPdfFileWriter) -> None:
    page_ref = writer.root["/Pages"]["/Kids"][0]
    widget = writer.add_object(generic.DictionaryObject({
        name("/Type"): name("/Annot"), name("/Subtype"): name("/Widget"), name("/FT"): name("/Tx"),
        name("/T"): generic.TextStringObject("remark"), name("/Rect"): numbers(300, 90, 540, 110),
        name("/P"): page_ref, name("/DA"): generic.TextStringObject("/Helv 10 Tf 0 g")}))
    page = page_ref.get_object()
    page["/Annots"] = generic.ArrayObject([*(page.get("/Annots") or ()), widget])
    writer.update_container(page)
    writer.root["/AcroForm"] = generic.DictionaryObject({name("/Fields"): generic.ArrayObject([widget])})
    writer.update_root()


def filled(writer: IncrementalPdfFileWriter) -> None:
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == "remark":
            field["/V"] = generic.TextStringObject("extended to 2099")
            field["/AP"] = generic.DictionaryObject({name("/N"): writer.add_object(generic.StreamObject({
                name("/Type"): name("/XObject"), name("/Subtype"): name("/Form"), name("/BBox"): numbers(0, 0, 240, 20)},
                stream_data=b"/Tx BMC BT /Helv 10 Tf 2 6 Td (extended to 2099) Tj ET EMC"))})
            writer.update_container(field)


def signed_form(unsigned: bytes, key: SigningKey, tsa_url: str, permissions: fields.MDPPerm | None) -> bytes:
    form = incremental(unsigned, with_text_field)
    metadata = signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256",
                                            certify=permissions is not None,
                                            docmdp_permissions=permissions or fields.MDPPerm.FILL_FORMS,
                                            subfilter=fields.SigSeedSubFilter.PADES)
    signer = signers.PdfSigner(metadata, signer=pdf.HeldKeySigner(key), timestamper=pdf.ServiceTimeStamper(tsa_url))
    return signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(form), strict=False)).getvalue()


@pytest.mark.parametrize("permissions", [None, fields.MDPPerm.FILL_FORMS])
def test_filling_an_existing_field_where_docmdp_allows_is_indeterminate(verifier, unsigned, keys, profile,
                                                                        permissions):
    data = incremental(signed_form(unsigned, keys("official_region"), profile.tsa_url, permissions), filled)
    report = verifier.verify(data)
    assert report.indication == Indication.INDETERMINATE and codes(report) == ["FORM_FILLED_AFTER_SIGNING"]
    assert change_check(report).details == {"fields": ["remark"]}


def test_filling_under_a_certification_that_allows_no_change_fails(verifier, unsigned, keys, profile):
    data = incremental(signed_form(unsigned, keys("official_region"), profile.tsa_url, fields.MDPPerm.NO_CHANGES),
                       filled)
    report = verifier.verify(data)
    assert report.indication == Indication.TOTAL_FAILED and "MODIFIED_AFTER_SIGNING" in codes(report)


# --- limits ------------------------------------------------------------------------------------------------------


def too_complex(report, limit: str) -> dict:
    assert report.indication == Indication.TOTAL_FAILED and codes(report) == ["TOO_COMPLEX"], codes(report)
    details = report.checks[0].details
    assert details["limit"] == limit and details["found"] > details["max"], details
    return details


def test_revisions_at_and_past_the_limit(profile, long_term):
    revisions = PdfFileReader(io.BytesIO(long_term)).xrefs.total_revisions
    assert limited(profile, pdf_revisions=revisions).verify(long_term).passed
    details = too_complex(limited(profile, pdf_revisions=revisions - 1).verify(long_term), "pdf_revisions")
    assert details["found"] == revisions


def test_objects_at_and_past_the_limit(profile, long_term):
    reader = PdfFileReader(io.BytesIO(long_term))
    objects = sum(len(reader.xrefs.get_xref_data(r).standard_xrefs) for r in range(reader.xrefs.total_revisions))
    assert limited(profile, pdf_objects=objects).verify(long_term).passed
    too_complex(limited(profile, pdf_objects=objects - 1).verify(long_term), "pdf_objects")


def test_dss_bytes_at_and_past_the_limit(profile, long_term):
    reader = PdfFileReader(io.BytesIO(long_term))
    dss = reader.root["/DSS"]
    total = sum(len(ref.get_object().data) for key in ("/Certs", "/OCSPs", "/CRLs") for ref in dss.get(key, ()))
    assert limited(profile, pdf_dss_bytes=total).verify(long_term).passed
    too_complex(limited(profile, pdf_dss_bytes=total - 1).verify(long_term), "pdf_dss_bytes")


def bomb_update(data: bytes, inflated: int) -> bytes:
    """An update whose one new stream inflates to ``inflated`` bytes (made in chunks: never held inflated)."""
    deflater = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    parts = [deflater.compress(chunk) for _ in range(inflated // len(chunk))]
    parts.append(deflater.compress(bytes(inflated % len(chunk))))
    parts.append(deflater.flush())
    compressed = b"".join(parts)

    def edit(writer: IncrementalPdfFileWriter) -> None:
        stream = generic.StreamObject({name("/Filter"): name("/FlateDecode")}, encoded_data=compressed)
        page = first_page(writer)
        page["/Contents"] = writer.add_object(stream)
        writer.update_container(page)
    return incremental(data, edit)


def test_a_flate_bomb_is_refused_before_it_is_inflated(verifier, signed):
    bomb = bomb_update(signed, 600 * 1024 * 1024)
    assert len(bomb) < len(signed) + 1024 * 1024
    details = too_complex(verifier.verify(bomb), "pdf_stream_bytes")
    assert details["found"] == details["max"] + 1  # inflated one byte past the limit, no further


def test_stream_bytes_at_and_past_the_limit(profile, signed):
    data = bomb_update(signed, 300_000)
    at_limit = limited(profile, pdf_stream_bytes=300_000).verify(data)
    assert codes(at_limit) == ["MODIFIED_AFTER_SIGNING"]  # judged normally: new page content
    too_complex(limited(profile, pdf_stream_bytes=299_999).verify(data), "pdf_stream_bytes")


def test_xmp_values_swapped_between_entries_are_a_change():
    """Titles and authors show in viewers' title bars: moving a value from one entry to another changes them."""
    def xmp(first: str, second: str) -> generic.StreamObject:
        return generic.StreamObject(stream_data=(
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description rdf:about="">'
            f'<dc:title><rdf:Alt><rdf:li>{first}</rdf:li></rdf:Alt></dc:title>'
            f'<dc:creator><rdf:Seq><rdf:li>{second}</rdf:li></rdf:Seq></dc:creator>'
            '</rdf:Description></rdf:RDF></x:xmpmeta>').encode())

    genuine = pdf_changes._xmp_properties(xmp("LIC-ZHM-2026-000042", "Ministry"))
    assert genuine == pdf_changes._xmp_properties(xmp("LIC-ZHM-2026-000042", "Ministry"))
    assert genuine != pdf_changes._xmp_properties(xmp("Ministry", "LIC-ZHM-2026-000042"))
