"""Forged PDFs made from this project's own issued licences, each with the verdict the verifier must give.

The families of issue 13, as the literature describes them:

1. ``ts_*``: *a timestamp is not a signature*: an unsigned forgery (another licence, or the original with its
   signature revision cut off) that carries only PAdES document timestamps from the test TSA, with or without
   DSS; and a genuine signature whose content was replaced before a document timestamp was put on top.
2. ``bt_*`` / ``blt_*``: *changes after the last signature* of a B-T and of a B-LT licence (fields, widgets,
   annotations of every kind, page content, fonts, XObjects, resources, /Info, XMP, optional content, catalog
   entries, a new /Root, freed objects, bytes after %%EOF); ``form_*``: form filling under each DocMDP level;
   ``sneaky_*``: the sneaky signature attack (Rohlmann et al., S&P 2021).
3. ``shadow_*``: the shadow attacks (Mainka et al., NDSS 2021: hide, replace, hide-and-replace, optional
   content, dangling references); ``isa_*`` and ``swa_*``: incremental saving and signature wrapping
   (Mladenov et al., "1 Trillion Dollar Refund", CCS 2019).
4. ``limit_*``: revisions, a flate bomb, object counts (each limit at and past it).
5. ``genuine_*``: controls that must pass (B-T, B-LT, B-LTA, co-signed, certified, visible stamp).

Everything is built by script: pyHanko's ``IncrementalPdfFileWriter`` for well-formed updates, the signers and
``PdfTimeStamper`` for signatures and timestamps, and, where no writer would produce the bytes (xref tricks,
ISA, signature wrapping), small generators in the style of ``corpus.py``. Nothing is hand-edited.

``CASES`` maps a case name to a builder ``Material -> Forgery(data, indication, codes)``: ``indication`` is the
document verdict (``NOT_PASSED`` means "anything but TOTAL_PASSED") and ``codes`` the reason codes of which at
least one must be among the report's reasons (empty for a pass). ``FAMILIES`` gives each case's family.
``make_material`` builds the licences once (seconds); builders that share an intermediate cache it.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation.dss import DocumentSecurityStore

from eds.issuing.documents import render_pdf, validate
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES
from eds.issuing.issuer import long_term_data
from eds.pki.certificates import Certificate
from eds.pki.keys import SigningKey
from eds.signatures import pades as pdf
from eds.validation.signer_check import SignerChecker
from hostile.pdf.corpus import (
    Base, Edit, byte_range_of, draw_over_page, first_page, incremental, last_startxref, name, numbers,
    object_body, page_content_number, replace_page_content, root_number, size_of, with_byte_range,
)

PASSED, FAILED, INDETERMINATE = "TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"
NOT_PASSED = "NOT_PASSED"  # any verdict but TOTAL_PASSED; the codes say which refusals are right

MODIFIED = "MODIFIED_AFTER_SIGNING"
NO_SIGNATURE = "NO_SIGNATURE"
TOO_COMPLEX = "TOO_COMPLEX"
FORM_FILLED = "FORM_FILLED_AFTER_SIGNING"
BYTE_RANGE = "BYTE_RANGE_INVALID"
MALFORMED = "DOCUMENT_MALFORMED"

NUMBER = "LIC-ZHM-2026-000042"
FORGED_NUMBER = "LIC-ZHM-2026-000999"
# Where the renderer prints the licence number on page 1 (pdftotext -bbox: x 71.8-190.5, y 660-669.5).
NUMBER_RECT = (68, 656, 204, 673)


class Forgery(NamedTuple):
    data: bytes
    indication: str
    codes: frozenset[str]


@dataclass(frozen=True)
class Material:
    """The issued licences every case starts from, and the keys that may sign them."""

    base: Base                  # the existing corpus's: unsigned licence, B-T by official_region, company_head
    lt: bytes                   # the B-T licence with the B-LT validation data (as the issuer makes it)
    other_unsigned: bytes       # another licence (another number and holder), never signed
    cosigner: SigningKey        # official_ministry: a second genuine official
    impostor: SigningKey        # same names, look-alike root
    signers: SignerChecker      # to collect B-LT data for new signatures
    tsa_certificate: Certificate

    @property
    def signed(self) -> bytes:
        return self.base.signed

    @property
    def unsigned(self) -> bytes:
        return self.base.unsigned

    @property
    def key(self) -> SigningKey:
        return self.base.key

    @property
    def tsa_url(self) -> str:
        return self.base.tsa_url


def load_key(pki_dir: Path, manifest: dict, identity: str) -> SigningKey:
    info = manifest["identities"][identity]
    return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=identity)


def licence(number: str, holder: str | None = None) -> bytes:
    data = dict(EXAMPLES["scrap_metal_licence"])
    if holder is not None:
        data["licensee"] = {**data["licensee"], "name": holder}
    document = validate("scrap_metal_licence", data)
    return render_pdf(document, number=number, issued_at=dt.date.today(),
                      verify_url=f"https://eds.example.kz/verify/{number}")


def make_material(pki_dir: Path, manifest: dict, profile, signers_: SignerChecker | None = None) -> Material:
    """The licences, signed with the test PKI's official keys (needs the PKI's services running)."""
    checker = signers_ or SignerChecker(profile)
    official = load_key(pki_dir, manifest, "official_region")
    unsigned = licence(NUMBER)
    signed = pdf.sign_pdf(unsigned, official, timestamp_url=profile.tsa_url)
    lt = pdf.add_validation_data(signed, long_term_data(signed, checker, official.certificate, official.chain))
    try:
        other = licence(FORGED_NUMBER, holder="«ТЕМІР-ЖОЛ» ЖШС")
    except Exception:  # a validation rule on the holder: the number alone makes it another licence
        other = licence(FORGED_NUMBER)
    tsa = Certificate.load((pki_dir / manifest["identities"]["tsa"]["certificate"]).read_bytes())
    return Material(Base(unsigned, signed, official, load_key(pki_dir, manifest, "company_head"), profile.tsa_url),
                    lt, other, load_key(pki_dir, manifest, "official_ministry"),
                    load_key(pki_dir, manifest, "impostor"), checker, tsa)


CASES: dict[str, Callable[[Material], Forgery]] = {}
FAMILIES: dict[str, str] = {}


def case(family: str, indication: str, *codes: str) -> Callable[[Callable[[Material], bytes]], Callable]:
    """Register a builder of bytes under its function name with the verdict it must get."""
    def register(build: Callable[[Material], bytes]) -> Callable[[Material], bytes]:
        add(build.__name__, family, build, indication, *codes)
        return build
    return register


def add(case_name: str, family: str, build: Callable[[Material], bytes], indication: str, *codes: str) -> None:
    if case_name in CASES:
        raise ValueError(f"duplicate case {case_name}")
    CASES[case_name] = lambda m: Forgery(build(m), indication, frozenset(codes))
    FAMILIES[case_name] = family


# --- building blocks -------------------------------------------------------------------------------------


def reader_of(data: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(data), strict=False)


def revisions(data: bytes) -> int:
    return reader_of(data).xrefs.total_revisions


def page_ref(writer: IncrementalPdfFileWriter) -> generic.IndirectObject:
    return writer.root["/Pages"]["/Kids"].raw_get(0)


def helvetica() -> generic.DictionaryObject:
    return generic.DictionaryObject({name("/Type"): name("/Font"), name("/Subtype"): name("/Type1"),
                                     name("/BaseFont"): name("/Helvetica"),
                                     name("/Encoding"): name("/WinAnsiEncoding")})


def font_resources() -> generic.DictionaryObject:
    return generic.DictionaryObject({name("/Font"): generic.DictionaryObject({name("/Helv"): helvetica()})})


def paint_text(text: str, width: float = NUMBER_RECT[2] - NUMBER_RECT[0],
               height: float = NUMBER_RECT[3] - NUMBER_RECT[1]) -> bytes:
    """A white box with ``text`` on it, in a box of the given size (an appearance or a form XObject)."""
    return (f"q 1 1 1 rg 0 0 {width} {height} re f Q BT /Helv 9.5 Tf 0 g 3.5 4.5 Td ({text}) Tj ET").encode()


def paint_on_page(text: str, rect: tuple[float, float, float, float] = NUMBER_RECT) -> bytes:
    """The same, drawn in page coordinates (a content stream)."""
    x1, y1, x2, y2 = rect
    return (f"q 1 1 1 rg {x1} {y1} {x2 - x1} {y2 - y1} re f Q "
            f"BT /Helv 9.5 Tf 0 g {x1 + 3.5} {y1 + 4.5} Td ({text}) Tj ET").encode()


def form_xobject(writer: IncrementalPdfFileWriter, content: bytes,
                 rect: tuple[float, float, float, float] = NUMBER_RECT) -> generic.IndirectObject:
    x1, y1, x2, y2 = rect
    return writer.add_object(generic.StreamObject({
        name("/Type"): name("/XObject"), name("/Subtype"): name("/Form"), name("/BBox"): numbers(0, 0, x2 - x1, y2 - y1),
        name("/Resources"): font_resources()}, stream_data=content))


def appearance(writer: IncrementalPdfFileWriter, text: str = FORGED_NUMBER) -> generic.DictionaryObject:
    return generic.DictionaryObject({name("/N"): form_xobject(writer, paint_text(text))})


def acroform(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    """The AcroForm (made when missing), marked for the update."""
    if "/AcroForm" not in writer.root:
        writer.root["/AcroForm"] = writer.add_object(generic.DictionaryObject({name("/Fields"): generic.ArrayObject()}))
        writer.update_root()
    form = writer.root["/AcroForm"]
    writer.update_container(form)
    return form


def annotate(writer: IncrementalPdfFileWriter, entries: dict, *, field: bool = False,
             rect: tuple[float, float, float, float] = NUMBER_RECT) -> generic.IndirectObject:
    """Put an annotation (``field``: also a form field) on page 1 over the licence number."""
    page = page_ref(writer)
    annotation = generic.DictionaryObject({name("/Type"): name("/Annot"), name("/Rect"): numbers(*rect),
                                           name("/F"): generic.NumberObject(4), name("/P"): page})
    annotation.update(entries)
    ref = writer.add_object(annotation)
    writer.register_annotation(page, ref)
    if field:
        acroform(writer)["/Fields"].append(ref)
    return ref


def text(value: str) -> generic.TextStringObject:
    return generic.TextStringObject(value)


def overwrite(writer: IncrementalPdfFileWriter, number: int, obj: generic.PdfObject) -> None:
    """Write a new object under an existing (or not yet existing) object number in this update."""
    writer.objects[(0, number)] = obj
    writer._lastobj_id = max(writer._lastobj_id, number)


def content_ref(writer: IncrementalPdfFileWriter) -> generic.IndirectObject:
    contents = first_page(writer).raw_get("/Contents")
    if isinstance(contents, generic.ArrayObject):
        contents = contents.raw_get(0)
    return contents


def stream_number(writer: IncrementalPdfFileWriter) -> int:
    return content_ref(writer).idnum


def font_dict(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    return first_page(writer)["/Resources"]["/Font"]


def raw_update(data: bytes, objects: dict[int, bytes], *, free: tuple[int, ...] = (), root: int | None = None,
               prev: bool = True, xref: bool = True, trailer: bool = True, eof: bool = True) -> bytes:
    """Append objects (bodies between ``N 0 obj`` and ``endobj``) and, as asked, a classic xref section, a
    trailer and %%EOF: what no writer would leave out, or entries no writer would write (free, /Root moved)."""
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    if xref:
        out += b"xref\n"
        rows = [(n, b"%010d 00000 n \n" % o) for n, o in offsets.items()] + [(n, b"0000000000 00001 f \n") for n in free]
        for number, row in sorted(rows):
            out += b"%d 1\n" % number + row
    if trailer:
        size = max([size_of(data), *(n + 1 for n in objects), *(n + 1 for n in free)])
        entries = f"/Size {size} /Root {root if root is not None else root_number(data)} 0 R"
        info = re.findall(rb"/Info (\d+) 0 R", data)
        if info:
            entries += f" /Info {int(info[-1])} 0 R"
        if prev:
            entries += f" /Prev {last_startxref(data)}"
        out += b"trailer\n<< " + entries.encode() + b" >>\n"
    if eof:
        out += b"startxref\n%d\n%%%%EOF\n" % (xref_at if xref else last_startxref(data))
    return bytes(out)


def stream_body(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def doc_timestamp(m: Material, data: bytes, *, dss: bool = False) -> bytes:
    """A PAdES document timestamp from the test TSA (pyHanko's PdfTimeStamper: /Contents zero-padded), then,
    with ``dss``, the TSA's chain and revocation answers in the DSS (pyHanko's DSS writer)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    out = signers.PdfTimeStamper(pdf.ServiceTimeStamper(m.tsa_url)).timestamp_pdf(
        writer, "sha256", bytes_reserved=12288)
    stamped = out.getvalue()
    if not dss:
        return stamped
    return tsa_validation_data(m, stamped)


def tsa_validation_data(m: Material, data: bytes) -> bytes:
    token = reader_of(data).embedded_signatures[-1].pkcs7_content
    certs, ocsps, crls = m.signers.validation_data(m.tsa_certificate)
    from asn1crypto import crl as acrl, ocsp as aocsp, x509 as ax509
    output = io.BytesIO(data)
    DocumentSecurityStore.add_dss(output, token, certs=[ax509.Certificate.load(c) for c in certs],
                                  ocsps=[aocsp.OCSPResponse.load(o) for o in ocsps],
                                  crls=[acrl.CertificateList.load(c) for c in crls])
    return output.getvalue()


def long_term(m: Material, data: bytes, key: SigningKey) -> bytes:
    return pdf.add_validation_data(data, long_term_data(data, m.signers, key.certificate, key.chain))


def sign(m: Material, data: bytes, key: SigningKey, *, field_name: str = "Signature2", certify: bool = False,
         permissions: fields.MDPPerm = fields.MDPPerm.FILL_FORMS, spec: fields.SigFieldSpec | None = None,
         ignore_docmdp: bool = False) -> bytes:
    """A PAdES B-T signature made by pyHanko directly (for what eds.signatures.pades.sign_pdf does not offer: certification,
    field locks)."""
    metadata = signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256", certify=certify,
                                            docmdp_permissions=permissions,
                                            subfilter=fields.SigSeedSubFilter.PADES)
    signer_class = _DocMdpIgnoringSigner if ignore_docmdp else signers.PdfSigner
    pdf_signer = signer_class(metadata, signer=pdf.HeldKeySigner(key), timestamper=pdf.ServiceTimeStamper(m.tsa_url),
                              new_field_spec=spec)
    out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False), bytes_reserved=20480)
    return out.getvalue()


class _DocMdpIgnoringSigner(signers.PdfSigner):
    """An attacker's signer: pyHanko refuses to sign a document certified with P=1; this one does."""

    def _enforce_certification_constraints(self, reader) -> None:
        return None


# --- 1. a timestamp is not a signature ---------------------------------------------------------------------


def replace_pages_with(other: bytes) -> Edit:
    """The page tree swapped for one whose only page shows ``other``'s page (imported as a form XObject)."""
    def edit(writer: IncrementalPdfFileWriter) -> None:
        xobject = writer.import_page_as_xobject(reader_of(other), 0)
        content = writer.add_object(generic.StreamObject(stream_data=b"q /Fx Do Q"))
        pages = writer.add_object(generic.DictionaryObject({name("/Type"): name("/Pages"),
                                                            name("/Count"): generic.NumberObject(1),
                                                            name("/Kids"): generic.ArrayObject()}))
        page = writer.add_object(generic.DictionaryObject({
            name("/Type"): name("/Page"), name("/Parent"): pages, name("/MediaBox"): numbers(0, 0, 595.2756, 841.8898),
            name("/Resources"): generic.DictionaryObject({name("/XObject"): generic.DictionaryObject(
                {name("/Fx"): xobject})}),
            name("/Contents"): content}))
        pages.get_object()["/Kids"].append(page)
        writer.root["/Pages"] = pages
        writer.update_root()
    return edit


@case("timestamp-only", FAILED, NO_SIGNATURE)
def ts_only_other_licence(m: Material) -> bytes:
    return doc_timestamp(m, m.other_unsigned)


@case("timestamp-only", FAILED, NO_SIGNATURE)
def ts_only_other_licence_with_dss(m: Material) -> bytes:
    return doc_timestamp(m, m.other_unsigned, dss=True)


@case("timestamp-only", FAILED, NO_SIGNATURE)
def ts_only_other_licence_two_timestamps(m: Material) -> bytes:
    return doc_timestamp(m, doc_timestamp(m, m.other_unsigned))


@case("timestamp-only", FAILED, NO_SIGNATURE)
def ts_only_other_licence_two_timestamps_with_dss(m: Material) -> bytes:
    return doc_timestamp(m, doc_timestamp(m, m.other_unsigned, dss=True), dss=True)


@case("timestamp-only", FAILED, NO_SIGNATURE)
def ts_only_signature_revision_cut_off(m: Material) -> bytes:
    assert m.signed.startswith(m.unsigned)
    return doc_timestamp(m, m.signed[:len(m.unsigned)])


@case("timestamp-only", FAILED, NO_SIGNATURE)
def ts_only_signature_revision_cut_off_with_dss(m: Material) -> bytes:
    return doc_timestamp(m, m.signed[:len(m.unsigned)], dss=True)


@case("timestamp-only", FAILED, NO_SIGNATURE)
def ts_only_signature_revision_cut_off_two_timestamps(m: Material) -> bytes:
    return doc_timestamp(m, doc_timestamp(m, m.signed[:len(m.unsigned)], dss=True), dss=True)


@case("timestamp-only", FAILED, NO_SIGNATURE)
def ts_only_other_licence_field_named_like_a_signature(m: Material) -> bytes:
    """The forgery has an empty field called Signature1 (as the issuer names it), then a document timestamp."""
    named = incremental(m.other_unsigned,
                        lambda w: fields.append_signature_field(w, fields.SigFieldSpec("Signature1")))
    return doc_timestamp(m, named, dss=True)


@case("timestamp-only", FAILED, MODIFIED)
def ts_over_signed_revision_with_page_content_replaced(m: Material) -> bytes:
    return doc_timestamp(m, incremental(m.signed, replace_page_content))


@case("timestamp-only", FAILED, MODIFIED)
def ts_over_signed_revision_with_pages_replaced(m: Material) -> bytes:
    return doc_timestamp(m, incremental(m.signed, replace_pages_with(m.other_unsigned)), dss=True)


@case("timestamp-only", FAILED, MODIFIED)
def ts_over_blt_with_pages_replaced(m: Material) -> bytes:
    return doc_timestamp(m, incremental(m.lt, replace_pages_with(m.other_unsigned)), dss=True)


@case("timestamp-only", FAILED, MODIFIED)
def ts_over_signed_revision_with_overlay(m: Material) -> bytes:
    return doc_timestamp(m, doc_timestamp(m, incremental(m.lt, draw_over_page)))


def complete_xref_without_prev(data: bytes, objects: dict[int, bytes]) -> bytes:
    """Append ``objects`` and one complete xref section of every object's last definition, without /Prev: the
    history (and whatever signature it holds) is out of the cross-reference chain."""
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {int(match.group(1)): match.start(1) for match in re.finditer(rb"(?:^|\n)(\d+) 0 obj\b", data)}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    size = max(offsets) + 1
    xref_at = len(out)
    out += b"xref\n0 %d\n" % size
    for number in range(size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += (f"trailer\n<< /Size {size} /Root {root_number(data)} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n").encode()
    return bytes(out)


@case("timestamp-only", NOT_PASSED, NO_SIGNATURE, MODIFIED, MALFORMED)
def ts_over_history_hidden_by_xref_without_prev(m: Material) -> bytes:
    """A complete xref section without /Prev, whose catalog has no form (so no signature), and whose page shows
    a forged number; then a document timestamp on top."""
    catalog = root_number(m.signed)
    pages = re.search(rb"/Pages (\d+) 0 R", object_body(m.signed, catalog)).group(1).decode()
    hidden = complete_xref_without_prev(m.signed, {catalog: f"<< /Type /Catalog /Pages {pages} 0 R >>".encode(),
                                                   **forged_content_object(m.signed)})
    return doc_timestamp(m, hidden)


# --- 2. changes after the last signature -------------------------------------------------------------------

AFTER_SIGNING: dict[str, Edit] = {}


def after(function: Edit) -> Edit:
    AFTER_SIGNING[function.__name__] = function
    return function


@after
def unsigned_signature_field_paints_number(writer: IncrementalPdfFileWriter) -> None:
    annotate(writer, {name("/Subtype"): name("/Widget"), name("/FT"): name("/Sig"), name("/T"): text("Signature9"),
                      name("/AP"): appearance(writer)}, field=True)


def unsigned_field_flagged(flags: generic.PdfObject) -> Edit:
    """An unsigned signature field over the number whose /F only a lenient reader takes as hidden."""
    def edit(writer: IncrementalPdfFileWriter) -> None:
        annotate(writer, {name("/Subtype"): name("/Widget"), name("/FT"): name("/Sig"),
                          name("/T"): text("Signature9"), name("/AP"): appearance(writer), name("/F"): flags},
                 field=True)
    return edit


# found by an adversarial review: each was TOTAL_PASSED while poppler draws (or prints) the forged number
for _label, _flags in {"real_2_5": generic.FloatObject("2.5"), "flags_past_32_bits": generic.NumberObject(4294967294),
                       "flags_2_pow_32_plus_hidden": generic.NumberObject(4294967298),
                       "noview_but_printed": generic.NumberObject(36)}.items():
    AFTER_SIGNING[f"unsigned_field_{_label}_paints_number"] = unsigned_field_flagged(_flags)


def hidden_field_with(entries: Callable[[IncrementalPdfFileWriter], dict]) -> Edit:
    """An honestly hidden, unsigned signature field that carries an action."""
    def edit(writer: IncrementalPdfFileWriter) -> None:
        annotate(writer, {name("/Subtype"): name("/Widget"), name("/FT"): name("/Sig"), name("/T"): text("Signature9"),
                          name("/F"): generic.NumberObject(2), **entries(writer)}, field=True)
    return edit


def _javascript(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    return generic.DictionaryObject({name("/S"): name("/JavaScript"),
                                     name("/JS"): text(f"this.addAnnot({{type: 'FreeText', contents: '{FORGED_NUMBER}'}})")})


AFTER_SIGNING["hidden_field_runs_javascript_on_page_open"] = hidden_field_with(
    lambda w: {name("/AA"): generic.DictionaryObject({name("/PO"): _javascript(w)})})
AFTER_SIGNING["hidden_field_with_a_link"] = hidden_field_with(
    lambda w: {name("/A"): generic.DictionaryObject({name("/S"): name("/URI"),
                                                     name("/URI"): generic.TextStringObject("https://evil.example")})})


@after
def plain_widget_paints_number(writer: IncrementalPdfFileWriter) -> None:
    annotate(writer, {name("/Subtype"): name("/Widget"), name("/AP"): appearance(writer)})


@after
def text_field_widget_paints_number(writer: IncrementalPdfFileWriter) -> None:
    annotate(writer, {name("/Subtype"): name("/Widget"), name("/FT"): name("/Tx"), name("/T"): text("number"),
                      name("/V"): text(FORGED_NUMBER), name("/DA"): text("/Helv 9.5 Tf 0 g"),
                      name("/AP"): appearance(writer)}, field=True)


def annotation_edit(subtype: str, extra: Callable[[IncrementalPdfFileWriter], dict]) -> Edit:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        annotate(writer, {name("/Subtype"): name(subtype), name("/AP"): appearance(writer), **extra(writer)})
    return edit


for _subtype, _extra in {
    "FreeText": lambda w: {name("/DA"): text("/Helv 9.5 Tf 0 g"), name("/Contents"): text(FORGED_NUMBER)},
    "Stamp": lambda w: {name("/Name"): name("/Approved")},
    "Square": lambda w: {name("/IC"): numbers(1, 1, 1), name("/C"): numbers(1, 1, 1)},
    "Ink": lambda w: {name("/InkList"): generic.ArrayObject([numbers(70, 660, 200, 670, 70, 670)])},
    "Link": lambda w: {name("/Border"): numbers(0, 0, 0), name("/A"): generic.DictionaryObject({
        name("/S"): name("/URI"), name("/URI"): generic.TextStringObject("https://eds-verify.example.com/ok")})},
    "Popup": lambda w: {name("/Open"): generic.BooleanObject(True)},
    "Text": lambda w: {name("/Contents"): text("the number was corrected"), name("/Open"): generic.BooleanObject(True)},
    "Redact": lambda w: {name("/OverlayText"): text(FORGED_NUMBER)},
}.items():
    AFTER_SIGNING[f"{_subtype.lower()}_annotation"] = annotation_edit(f"/{_subtype}", _extra)


@after
def content_stream_added(writer: IncrementalPdfFileWriter) -> None:
    draw_over_page(writer)


@after
def content_stream_replaced(writer: IncrementalPdfFileWriter) -> None:
    replace_page_content(writer)


@after
def content_stream_overwritten_in_place(writer: IncrementalPdfFileWriter) -> None:
    """The page's own content stream object rewritten under its number: the same text plus a forged number."""
    number = stream_number(writer)
    original = content_ref(writer).get_object().data
    overwrite(writer, number, generic.StreamObject(stream_data=original + b"\n" + paint_on_page(FORGED_NUMBER)))
    page = first_page(writer)
    resources = page["/Resources"]
    font_dict(writer)["/Helv"] = helvetica()
    writer.update_container(font_dict(writer))
    writer.update_container(resources)


@after
def font_replaced(writer: IncrementalPdfFileWriter) -> None:
    fonts = font_dict(writer)
    for key in list(fonts):
        fonts[key] = writer.add_object(helvetica())
    writer.update_container(fonts)


@after
def font_program_overwritten(writer: IncrementalPdfFileWriter) -> None:
    """The embedded font file of one font is overwritten (same object number) with another font's program."""
    programs = []
    fonts = font_dict(writer)
    for key in sorted(fonts):
        font = fonts[key]
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        if "/FontDescriptor" not in font:
            continue
        descriptor = font["/FontDescriptor"]
        for entry in ("/FontFile2", "/FontFile", "/FontFile3"):
            if entry in descriptor:
                programs.append(descriptor.raw_get(entry))
    if len(programs) < 2:
        raise RuntimeError("the licence embeds fewer than two font programs")
    first, second = programs[0], programs[-1]
    replacement = second.get_object()
    overwrite(writer, first.idnum, generic.StreamObject(
        {k: v for k, v in replacement.items() if k not in ("/Length",)}, encoded_data=replacement.encoded_data))


@after
def font_resources_swapped(writer: IncrementalPdfFileWriter) -> None:
    fonts = font_dict(writer)
    keys = sorted(fonts)
    if len(keys) < 2:
        raise RuntimeError("the licence uses fewer than two fonts")
    first, last = fonts.raw_get(keys[0]), fonts.raw_get(keys[-1])
    fonts[keys[0]], fonts[keys[-1]] = last, first
    writer.update_container(fonts)


@after
def resources_replaced(writer: IncrementalPdfFileWriter) -> None:
    """A new /Resources dictionary on the page: same fonts, plus an XObject and a graphics state."""
    page = first_page(writer)
    resources = generic.DictionaryObject(page["/Resources"])
    resources["/XObject"] = generic.DictionaryObject({name("/Fm9"): form_xobject(writer, paint_text(FORGED_NUMBER))})
    resources["/ExtGState"] = generic.DictionaryObject({name("/GS9"): generic.DictionaryObject(
        {name("/Type"): name("/ExtGState"), name("/ca"): generic.FloatObject(0.2)})})
    page["/Resources"] = resources
    writer.update_container(page)


@after
def signature_appearance_replaced(writer: IncrementalPdfFileWriter) -> None:
    """The widget of the genuine signature gets a visible box and an appearance painting another number."""
    widget = writer.root["/AcroForm"]["/Fields"][0]
    widget["/Rect"] = numbers(*NUMBER_RECT)
    widget["/AP"] = appearance(writer)
    writer.update_container(widget)


@after
def info_changed(writer: IncrementalPdfFileWriter) -> None:
    info = writer.trailer["/Info"]
    info["/Subject"] = text(FORGED_NUMBER)
    info["/Title"] = text(f"Лицензия {FORGED_NUMBER}")
    writer.update_container(info)


@after
def info_replaced(writer: IncrementalPdfFileWriter) -> None:
    writer.set_info(writer.add_object(generic.DictionaryObject({name("/Subject"): text(FORGED_NUMBER),
                                                                name("/Producer"): text("eds")})))


XMP = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
       b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
       b'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">' + FORGED_NUMBER.encode() + b'</rdf:li></rdf:Alt></dc:title>'
       b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


@after
def xmp_metadata_changed(writer: IncrementalPdfFileWriter) -> None:
    writer.root["/Metadata"] = writer.add_object(generic.StreamObject(
        {name("/Type"): name("/Metadata"), name("/Subtype"): name("/XML")}, stream_data=XMP))
    writer.update_root()


@after
def optional_content_added(writer: IncrementalPdfFileWriter) -> None:
    ocg = writer.add_object(generic.DictionaryObject({name("/Type"): name("/OCG"), name("/Name"): text("print")}))
    writer.root["/OCProperties"] = generic.DictionaryObject({
        name("/OCGs"): generic.ArrayObject([ocg]),
        name("/D"): generic.DictionaryObject({name("/OFF"): generic.ArrayObject([ocg]),
                                              name("/Order"): generic.ArrayObject([ocg])})})
    writer.update_root()


@after
def catalog_names_javascript(writer: IncrementalPdfFileWriter) -> None:
    action = writer.add_object(generic.DictionaryObject({name("/S"): name("/JavaScript"),
                                                         name("/JS"): text("app.alert('valid')")}))
    writer.root["/Names"] = generic.DictionaryObject({name("/JavaScript"): generic.DictionaryObject(
        {name("/Names"): generic.ArrayObject([text("a"), action])})})
    writer.update_root()


@after
def catalog_open_action(writer: IncrementalPdfFileWriter) -> None:
    writer.root["/OpenAction"] = generic.DictionaryObject({name("/S"): name("/URI"),
                                                           name("/URI"): text("https://eds-verify.example.com/")})
    writer.update_root()


@after
def catalog_additional_actions(writer: IncrementalPdfFileWriter) -> None:
    writer.root["/AA"] = generic.DictionaryObject({name("/WC"): generic.DictionaryObject(
        {name("/S"): name("/JavaScript"), name("/JS"): text("this.dirty = false")})})
    writer.update_root()


@after
def page_additional_actions(writer: IncrementalPdfFileWriter) -> None:
    page = first_page(writer)
    page["/AA"] = generic.DictionaryObject({name("/O"): generic.DictionaryObject(
        {name("/S"): name("/JavaScript"), name("/JS"): text("this.getField('x')")})})
    writer.update_container(page)


@after
def catalog_language_changed(writer: IncrementalPdfFileWriter) -> None:
    writer.root["/Lang"] = text("en-GB")
    writer.update_root()


RAW_AFTER_SIGNING: dict[str, Callable[[Material, bytes], bytes]] = {}


def raw_after(function: Callable[[Material, bytes], bytes]) -> Callable[[Material, bytes], bytes]:
    RAW_AFTER_SIGNING[function.__name__] = function
    return function


@raw_after
def new_root_in_trailer(m: Material, data: bytes) -> bytes:
    """A second catalog under a new number, named by the new trailer's /Root: the old one stays untouched."""
    catalog = object_body(data, root_number(data))
    number = size_of(data)
    forged = catalog[:-2] + b" /OpenAction << /S /URI /URI (https://eds-verify.example.com/) >> >>"
    return raw_update(data, {number: forged}, root=number)


@raw_after
def new_root_in_trailer_with_other_pages(m: Material, data: bytes) -> bytes:
    """The new /Root names the page tree of a forged licence appended as a new update."""
    swapped = incremental(data, replace_pages_with(m.other_unsigned))
    catalog = object_body(swapped, root_number(swapped))
    number = size_of(swapped)
    # the update also redefined the old catalog: point the trailer at a copy under a new number instead
    return raw_update(swapped, {number: catalog}, root=number)


@raw_after
def font_object_freed(m: Material, data: bytes) -> bytes:
    number = int(re.search(rb"/Font (\d+) 0 R", data).group(1))
    return raw_update(data, {}, free=(number,))


@raw_after
def signature_value_freed(m: Material, data: bytes) -> bytes:
    number = int(re.search(rb"/V (\d+) 0 R", data).group(1))
    return raw_update(data, {}, free=(number,))


def generation_update(data: bytes, objects: dict[tuple[int, int], bytes]) -> bytes:
    """A classic incremental update whose objects carry the generations given."""
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {}
    for (number, generation), body in sorted(objects.items()):
        offsets[(number, generation)] = len(out)
        out += b"%d %d obj\n" % (number, generation) + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n" + b"".join(b"%d 1\n%010d %05d n \n" % (n, o, g) for (n, g), o in sorted(offsets.items()))
    trailer = b"/Size %d /Root %d 0 R /Prev %d" % (max([size_of(data), *(n + 1 for n, _g in objects)]),
                                                  root_number(data), last_startxref(data))
    info = re.findall(rb"/Info (\d+) 0 R", data)
    if info:
        trailer += b" /Info %d 0 R" % int(info[-1])
    out += b"trailer\n<< " + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


@raw_after
def content_redefined_under_generation_1_listed_in_the_dss(m: Material, data: bytes) -> bytes:
    """Found by an adversarial review: the page content rewritten as ``N 1 obj`` (pyHanko keeps resolving
    ``N 0 R`` to the signed object; readers that ignore generations show the forged number), the new object
    made reachable from a rewritten DSS so that it looks like validation data."""
    reader = reader_of(data)
    number = page_content_number(data)
    forged = reader.root["/Pages"]["/Kids"][0]["/Contents"].data.replace(NUMBER.encode(), FORGED_NUMBER.encode())
    objects = {(number, 1): stream_body(forged)}
    dss = reader.root.raw_get("/DSS") if "/DSS" in reader.root else None
    if isinstance(dss, generic.IndirectObject):
        body = object_body(data, dss.idnum)
        objects[(dss.idnum, 0)] = re.sub(rb"/Certs\s*\[", b"/Certs [%d 1 R " % number, body, count=1)
    return generation_update(data, objects)


RAW_AFTER_SIGNING_CODES = {"signature_value_freed": (MODIFIED, NO_SIGNATURE, MALFORMED)}

TRAILING: dict[str, Callable[[Material, bytes], bytes]] = {
    "trailing_garbage": lambda m, data: data + random.Random(5).randbytes(700),
    "trailing_second_pdf_other_licence": lambda m, data: data + m.other_unsigned,
    "trailing_html": lambda m, data: data + b"<html><body><h1>" + FORGED_NUMBER.encode() + b"</h1></body></html>\n",
    "trailing_objects_without_eof": lambda m, data: data + b"%d 0 obj\n" % page_content_number(data)
    + stream_body(paint_on_page(FORGED_NUMBER)) + b"\nendobj\n",
}

for _base_name, _base in (("bt", lambda m: m.signed), ("blt", lambda m: m.lt)):
    for _edit_name, _edit in AFTER_SIGNING.items():
        add(f"{_base_name}_{_edit_name}", "after-signing", (lambda b, e: lambda m: incremental(b(m), e))(_base, _edit),
            FAILED, MODIFIED)
    for _edit_name, _edit in RAW_AFTER_SIGNING.items():
        add(f"{_base_name}_{_edit_name}", "after-signing", (lambda b, e: lambda m: e(m, b(m)))(_base, _edit),
            FAILED, *RAW_AFTER_SIGNING_CODES.get(_edit_name, (MODIFIED,)))
    for _edit_name, _edit in TRAILING.items():
        add(f"{_base_name}_{_edit_name}", "after-signing", (lambda b, e: lambda m: e(m, b(m)))(_base, _edit),
            FAILED, MODIFIED, BYTE_RANGE, NO_SIGNATURE, MALFORMED)


# --- 2b. form filling and DocMDP ---------------------------------------------------------------------------

FIELD = "remark"
FIELD_RECT = (300, 90, 540, 110)


def add_text_field(writer: IncrementalPdfFileWriter) -> None:
    """An empty text field on page 1 (the kind of remark box a form-based licence would have)."""
    x1, y1, x2, y2 = FIELD_RECT
    empty = writer.add_object(generic.StreamObject({
        name("/Type"): name("/XObject"), name("/Subtype"): name("/Form"), name("/BBox"): numbers(0, 0, x2 - x1, y2 - y1),
        name("/Resources"): font_resources()}, stream_data=b"/Tx BMC EMC"))
    annotate(writer, {name("/Subtype"): name("/Widget"), name("/FT"): name("/Tx"), name("/T"): text(FIELD),
                      name("/DA"): text("/Helv 10 Tf 0 g"), name("/AP"): generic.DictionaryObject({name("/N"): empty})},
             field=True, rect=FIELD_RECT)
    form = acroform(writer)
    form["/DR"] = font_resources()
    form["/DA"] = text("/Helv 10 Tf 0 g")


def the_field(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == FIELD:
            return field
    raise KeyError(FIELD)


def fill(value: str = "Срок продлён до 2099 года") -> Edit:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        field = the_field(writer)
        x1, y1, x2, y2 = FIELD_RECT
        field["/V"] = text(value)
        shown = value.encode("cp1252", "replace").decode("latin-1")
        field["/AP"] = generic.DictionaryObject({name("/N"): writer.add_object(generic.StreamObject({
            name("/Type"): name("/XObject"), name("/Subtype"): name("/Form"),
            name("/BBox"): numbers(0, 0, x2 - x1, y2 - y1), name("/Resources"): font_resources()},
            stream_data=f"/Tx BMC BT /Helv 10 Tf 0 g 2 6 Td ({shown}) Tj ET EMC".encode()))})
        writer.update_container(field)
    return edit


def move_field_over_number(writer: IncrementalPdfFileWriter) -> None:
    fill(FORGED_NUMBER)(writer)
    the_field(writer)["/Rect"] = numbers(*NUMBER_RECT)


@functools.lru_cache(maxsize=None)
def form_licence(m: Material) -> bytes:
    return incremental(m.unsigned, add_text_field)


@functools.lru_cache(maxsize=None)
def form_signed(m: Material, mode: str) -> bytes:
    """The form licence signed by the official: 'approval' (no DocMDP), 'p1'/'p2'/'p3' (certified), 'lock'
    (an approval signature whose field locks the remark field)."""
    data = form_licence(m)
    if mode == "approval":
        return pdf.sign_pdf(data, m.key, timestamp_url=m.tsa_url)
    if mode == "lock":
        spec = fields.SigFieldSpec("Signature1", field_mdp_spec=fields.FieldMDPSpec(
            fields.FieldMDPAction.INCLUDE, fields=[FIELD]))
        return sign(m, data, m.key, field_name="Signature1", spec=spec)
    return sign(m, data, m.key, field_name="Signature1", certify=True, permissions=fields.MDPPerm(int(mode[1])))


for _mode in ("approval", "p2", "p3"):
    add(f"form_filled_{_mode}", "form-filling", (lambda mode: lambda m: incremental(form_signed(m, mode), fill()))(_mode),
        INDETERMINATE, FORM_FILLED)
add("form_filled_certified_p1", "form-filling", lambda m: incremental(form_signed(m, "p1"), fill()), FAILED, MODIFIED)
add("form_filled_locked_field", "form-filling", lambda m: incremental(form_signed(m, "lock"), fill()), FAILED, MODIFIED)
add("form_filled_blt", "form-filling",
    lambda m: incremental(long_term(m, form_signed(m, "approval"), m.key), fill()), INDETERMINATE, FORM_FILLED)
add("form_filled_p2_with_forged_number_field", "form-filling",
    lambda m: incremental(incremental(form_signed(m, "p2"), fill()), text_field_widget_paints_number), FAILED, MODIFIED)
add("form_filled_p3_with_annotation", "form-filling",
    lambda m: incremental(form_signed(m, "p3"), lambda w: (fill()(w), AFTER_SIGNING["freetext_annotation"](w))),
    FAILED, MODIFIED)
add("form_field_moved_over_number", "form-filling", lambda m: incremental(form_signed(m, "p2"), move_field_over_number),
    FAILED, MODIFIED)
add("form_filled_p2_value_painted_over_number", "form-filling",
    lambda m: incremental(form_signed(m, "p2"), lambda w: (fill()(w), AFTER_SIGNING["stamp_annotation"](w))),
    FAILED, MODIFIED)


# --- 2c. sneaky signatures (Rohlmann et al.) -----------------------------------------------------------------

def sneaky_field(writer: IncrementalPdfFileWriter) -> None:
    """A second signature field whose widget paints another licence number over the real one."""
    annotate(writer, {name("/Subtype"): name("/Widget"), name("/FT"): name("/Sig"), name("/T"): text("Signature2"),
                      name("/AP"): appearance(writer)}, field=True)


add("sneaky_unsigned_field_bt", "sneaky-signature", lambda m: incremental(m.signed, sneaky_field), FAILED, MODIFIED)
add("sneaky_unsigned_field_blt", "sneaky-signature", lambda m: incremental(m.lt, sneaky_field), FAILED, MODIFIED)
add("sneaky_unsigned_field_certified_p2", "sneaky-signature",
    lambda m: incremental(form_signed(m, "p2"), sneaky_field), FAILED, MODIFIED)
add("sneaky_unsigned_field_then_timestamp", "sneaky-signature",
    lambda m: doc_timestamp(m, incremental(m.lt, sneaky_field), dss=True), FAILED, MODIFIED)
add("sneaky_signed_by_impostor", "sneaky-signature",
    lambda m: pdf.sign_pdf(m.signed, m.impostor, timestamp_url=m.tsa_url, field_name="Signature2",
                           stamp=NUMBER_RECT), FAILED, "CHAIN_UNTRUSTED")
add("sneaky_cosigned_on_certified_p1", "sneaky-signature",
    lambda m: sign(m, form_signed(m, "p1"), m.cosigner, spec=fields.SigFieldSpec("Signature2", box=NUMBER_RECT),
                   ignore_docmdp=True), FAILED, MODIFIED)
# A second genuine official's signature whose visible stamp covers the number is co-signing: allowed.
add("sneaky_cosigned_visible_over_number", "sneaky-signature",
    lambda m: pdf.sign_pdf(m.signed, m.cosigner, timestamp_url=m.tsa_url, field_name="Signature2",
                           stamp=NUMBER_RECT), PASSED)
add("sneaky_field_prepared_then_cosigned", "sneaky-signature",
    lambda m: pdf.sign_pdf(incremental(m.signed, lambda w: fields.append_signature_field(
        w, fields.SigFieldSpec("Signature2", box=NUMBER_RECT, on_page=0))), m.cosigner, timestamp_url=m.tsa_url,
        field_name="Signature2"), PASSED)


# --- 3. shadow attacks (Mainka et al.) -----------------------------------------------------------------------

def with_helvetica(writer: IncrementalPdfFileWriter) -> None:
    fonts = font_dict(writer)
    fonts["/Helv"] = helvetica()
    writer.update_container(fonts)


def append_content(writer: IncrementalPdfFileWriter, *streams: bytes) -> list[generic.IndirectObject]:
    page = first_page(writer)
    contents = page.raw_get("/Contents")
    existing = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    added = [writer.add_object(generic.StreamObject(stream_data=s)) for s in streams]
    page["/Contents"] = generic.ArrayObject([*existing, *added])
    writer.update_container(page)
    return added


def set_resource(writer: IncrementalPdfFileWriter, category: str, key: str, value: generic.PdfObject) -> None:
    page = first_page(writer)
    resources = page["/Resources"]
    if category not in resources:
        resources[category] = generic.DictionaryObject()
    group = resources[category]
    group[key] = value
    writer.update_container(group)
    writer.update_container(resources)
    writer.update_container(page)


# Hide: the signed revision shows the real number drawn by an overlay over a forged one; removing the overlay
# (or making it transparent) reveals the forgery.
def hide_prepare(kind: str) -> Edit:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        with_helvetica(writer)
        forged = paint_on_page(FORGED_NUMBER)
        real = paint_on_page(NUMBER)
        if kind == "stream":
            append_content(writer, forged, real)
        elif kind == "xobject":
            set_resource(writer, "/XObject", "/Ov", form_xobject(writer, paint_text(NUMBER)))
            x1, y1 = NUMBER_RECT[:2]
            append_content(writer, forged, f"q 1 0 0 1 {x1} {y1} cm /Ov Do Q".encode())
        elif kind == "gstate":
            set_resource(writer, "/ExtGState", "/GSo", writer.add_object(generic.DictionaryObject(
                {name("/Type"): name("/ExtGState"), name("/ca"): generic.FloatObject(1), name("/CA"): generic.FloatObject(1)})))
            append_content(writer, forged, b"q /GSo gs " + real + b" Q")
        elif kind == "annotation":
            append_content(writer, forged)
            annotate(writer, {name("/Subtype"): name("/Square"), name("/IC"): numbers(1, 1, 1),
                              name("/C"): numbers(1, 1, 1), name("/AP"): appearance(writer, NUMBER)})
    return edit


@functools.lru_cache(maxsize=None)
def shadow_signed(m: Material, prepared: str) -> bytes:
    edit = SHADOW_PREPARE[prepared]
    return pdf.sign_pdf(incremental(m.unsigned, edit), m.key, timestamp_url=m.tsa_url)


def overlay_removed(writer: IncrementalPdfFileWriter) -> None:
    page = first_page(writer)
    page["/Contents"] = generic.ArrayObject(list(page.raw_get("/Contents"))[:-1])
    writer.update_container(page)


def overlay_stream_emptied(writer: IncrementalPdfFileWriter) -> None:
    last = list(first_page(writer).raw_get("/Contents"))[-1]
    overwrite(writer, last.idnum, generic.StreamObject(stream_data=b"% nothing"))


def overlay_xobject_emptied(writer: IncrementalPdfFileWriter) -> None:
    ref = first_page(writer)["/Resources"]["/XObject"].raw_get("/Ov")
    old = ref.get_object()
    overwrite(writer, ref.idnum, generic.StreamObject({k: v for k, v in old.items() if k != "/Length"},
                                                      stream_data=b"% nothing"))


def overlay_xobject_renamed(writer: IncrementalPdfFileWriter) -> None:
    set_resource(writer, "/XObject", "/Ov", form_xobject(writer, b"% nothing"))


def overlay_made_transparent(writer: IncrementalPdfFileWriter) -> None:
    ref = first_page(writer)["/Resources"]["/ExtGState"].raw_get("/GSo")
    overwrite(writer, ref.idnum, generic.DictionaryObject(
        {name("/Type"): name("/ExtGState"), name("/ca"): generic.FloatObject(0), name("/CA"): generic.FloatObject(0)}))


def overlay_annotation_removed(writer: IncrementalPdfFileWriter) -> None:
    page = first_page(writer)
    page["/Annots"] = generic.ArrayObject([a for a in page["/Annots"] if a.get_object().get("/Subtype") != "/Square"])
    writer.update_container(page)


def overlay_annotation_hidden(writer: IncrementalPdfFileWriter) -> None:
    for annotation in first_page(writer)["/Annots"]:
        annotation = annotation.get_object()
        if annotation.get("/Subtype") == "/Square":
            annotation["/F"] = generic.NumberObject(2)  # hidden
            writer.update_container(annotation)


# Replace: the signed page uses an object that the update overwrites under the same number.
def replace_prepare(kind: str) -> Edit:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        with_helvetica(writer)
        if kind == "xobject":
            set_resource(writer, "/XObject", "/Num", form_xobject(writer, paint_text(NUMBER)))
            x1, y1 = NUMBER_RECT[:2]
            append_content(writer, f"q 1 0 0 1 {x1} {y1} cm /Num Do Q".encode())
        elif kind == "font":
            fonts = font_dict(writer)
            fonts["/Helv"] = writer.add_object(helvetica())
            append_content(writer, paint_on_page(NUMBER))
        elif kind == "resources":
            page = first_page(writer)
            page["/Resources"] = writer.add_object(generic.DictionaryObject(page["/Resources"]))
            writer.update_container(page)
            append_content(writer, paint_on_page(NUMBER))
    return edit


def xobject_overwritten(writer: IncrementalPdfFileWriter) -> None:
    ref = first_page(writer)["/Resources"]["/XObject"].raw_get("/Num")
    old = ref.get_object()
    overwrite(writer, ref.idnum, generic.StreamObject({k: v for k, v in old.items() if k != "/Length"},
                                                      stream_data=paint_text(FORGED_NUMBER)))


def font_object_overwritten(writer: IncrementalPdfFileWriter) -> None:
    """/Helv now names Symbol: the same string draws other glyphs."""
    ref = font_dict(writer).raw_get("/Helv")
    overwrite(writer, ref.idnum, generic.DictionaryObject({name("/Type"): name("/Font"), name("/Subtype"): name("/Type1"),
                                                           name("/BaseFont"): name("/Symbol")}))


def resources_object_overwritten(writer: IncrementalPdfFileWriter) -> None:
    """The page's indirect /Resources overwritten: /Helv becomes Courier and an XObject joins."""
    ref = first_page(writer).raw_get("/Resources")
    old = ref.get_object()
    fonts = generic.DictionaryObject(old["/Font"])
    fonts["/Helv"] = generic.DictionaryObject({name("/Type"): name("/Font"), name("/Subtype"): name("/Type1"),
                                               name("/BaseFont"): name("/ZapfDingbats")})
    new = generic.DictionaryObject(old)
    new["/Font"] = fonts
    overwrite(writer, ref.idnum, new)


def font_resource_object_overwritten(writer: IncrementalPdfFileWriter) -> None:
    """The font resource dictionary object (shared, indirect) rewritten with the entries of two fonts swapped."""
    ref = first_page(writer)["/Resources"].raw_get("/Font")
    old = ref.get_object()
    keys = sorted(k for k in old if k != "/Helv")
    new = generic.DictionaryObject({k: old.raw_get(k) for k in old})
    new[keys[0]], new[keys[-1]] = old.raw_get(keys[-1]), old.raw_get(keys[0])
    overwrite(writer, ref.idnum, new)


# Hide-and-replace: the signed revision carries a forged content stream (or page tree) that nothing draws;
# the update only points at it.
def hidden_prepare(kind: str) -> Callable[[Material], Edit]:
    def for_material(m: Material) -> Edit:
        def edit(writer: IncrementalPdfFileWriter) -> None:
            with_helvetica(writer)
            original = content_ref(writer).get_object().data
            holder = writer.add_object(generic.DictionaryObject({name("/Type"): name("/Unused")}))
            if kind == "stream":
                hidden = writer.add_object(generic.StreamObject(
                    stream_data=original + b"\n" + paint_on_page(FORGED_NUMBER)))
                holder.get_object()["/Hidden"] = hidden
            elif kind == "xobject":
                holder.get_object()["/Hidden"] = writer.import_page_as_xobject(reader_of(m.other_unsigned), 0)
            writer.root["/PieceInfo"] = generic.DictionaryObject({name("/eds"): generic.DictionaryObject(
                {name("/Private"): holder})})
            writer.update_root()
        return edit
    return for_material


def hidden_ref(writer: IncrementalPdfFileWriter) -> generic.IndirectObject:
    return writer.root["/PieceInfo"]["/eds"]["/Private"].raw_get("/Hidden")


def point_contents_at_hidden(writer: IncrementalPdfFileWriter) -> None:
    page = first_page(writer)
    page["/Contents"] = hidden_ref(writer)
    writer.update_container(page)


def draw_hidden_xobject(writer: IncrementalPdfFileWriter) -> None:
    page = first_page(writer)
    set_resource(writer, "/XObject", "/Fx", hidden_ref(writer))
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"q /Fx Do Q"))
    writer.update_container(page)


def hidden_xobject_as_pages(writer: IncrementalPdfFileWriter) -> None:
    """A new page tree whose page draws the hidden licence; the catalog points at it."""
    content = writer.add_object(generic.StreamObject(stream_data=b"q /Fx Do Q"))
    pages = writer.add_object(generic.DictionaryObject({name("/Type"): name("/Pages"), name("/Count"): generic.NumberObject(1),
                                                        name("/Kids"): generic.ArrayObject()}))
    page = writer.add_object(generic.DictionaryObject({
        name("/Type"): name("/Page"), name("/Parent"): pages, name("/MediaBox"): numbers(0, 0, 595.2756, 841.8898),
        name("/Resources"): generic.DictionaryObject({name("/XObject"): generic.DictionaryObject(
            {name("/Fx"): hidden_ref(writer)})}), name("/Contents"): content}))
    pages.get_object()["/Kids"].append(page)
    writer.root["/Pages"] = pages
    writer.update_root()


# Optional content: the forged number is in an optional-content group that is OFF when signed.
def oc_prepare(writer: IncrementalPdfFileWriter) -> None:
    with_helvetica(writer)
    ocg = writer.add_object(generic.DictionaryObject({name("/Type"): name("/OCG"), name("/Name"): text("Layer 1")}))
    on = writer.add_object(generic.DictionaryObject({name("/Type"): name("/OCG"), name("/Name"): text("Layer 2")}))
    config = writer.add_object(generic.DictionaryObject({name("/BaseState"): name("/ON"),
                                                         name("/OFF"): generic.ArrayObject([ocg]),
                                                         name("/Order"): generic.ArrayObject([ocg, on])}))
    writer.root["/OCProperties"] = writer.add_object(generic.DictionaryObject(
        {name("/OCGs"): generic.ArrayObject([ocg, on]), name("/D"): config}))
    writer.update_root()
    set_resource(writer, "/Properties", "/oc1", ocg)
    set_resource(writer, "/Properties", "/oc2", on)
    append_content(writer, b"/OC /oc1 BDC " + paint_on_page(FORGED_NUMBER) + b" EMC")


def oc_config(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    return writer.root["/OCProperties"]["/D"]


def oc_switched_on(writer: IncrementalPdfFileWriter) -> None:
    config = oc_config(writer)
    config["/OFF"] = generic.ArrayObject()
    writer.update_container(config)


def oc_base_state_on_off_list_moved(writer: IncrementalPdfFileWriter) -> None:
    config = oc_config(writer)
    ocgs = writer.root["/OCProperties"].raw_get("/OCGs")
    config["/BaseState"] = name("/OFF")
    config["/ON"] = generic.ArrayObject(list(ocgs))
    config["/OFF"] = generic.ArrayObject()
    writer.update_container(config)


def oc_default_config_replaced(writer: IncrementalPdfFileWriter) -> None:
    properties = writer.root["/OCProperties"]
    properties["/D"] = generic.DictionaryObject({name("/BaseState"): name("/ON"),
                                                 name("/Order"): generic.ArrayObject(list(properties["/OCGs"]))})
    writer.update_container(properties)


def oc_auto_state_on_view(writer: IncrementalPdfFileWriter) -> None:
    config = oc_config(writer)
    ocgs = writer.root["/OCProperties"].raw_get("/OCGs")
    ocg = ocgs[0].get_object()
    ocg["/Usage"] = generic.DictionaryObject({name("/View"): generic.DictionaryObject(
        {name("/ViewState"): name("/ON")})})
    writer.update_container(ocg)
    config["/AS"] = generic.ArrayObject([generic.DictionaryObject({
        name("/Event"): name("/View"), name("/OCGs"): generic.ArrayObject([ocgs[0]]),
        name("/Category"): generic.ArrayObject([name("/View")])})])
    writer.update_container(config)


def oc_property_remapped(writer: IncrementalPdfFileWriter) -> None:
    """/oc1 in the page's /Properties now names the group that is ON."""
    properties = first_page(writer)["/Resources"]["/Properties"]
    set_resource(writer, "/Properties", "/oc1", properties.raw_get("/oc2"))


# Dangling references: the signed revision references objects it does not define; a later update defines them.
DANGLING_OFFSET = 400


def dangling_prepare(kind: str) -> Edit:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        with_helvetica(writer)
        missing = generic.IndirectObject(writer._lastobj_id + DANGLING_OFFSET, 0, writer)
        if kind == "content":
            page = first_page(writer)
            page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), missing])
            writer.update_container(page)
        elif kind == "xobject":
            set_resource(writer, "/XObject", "/Dx", missing)
            x1, y1 = NUMBER_RECT[:2]
            append_content(writer, f"q 1 0 0 1 {x1} {y1} cm /Dx Do Q".encode())
        elif kind == "annotation":
            page = first_page(writer)
            page["/Annots"] = generic.ArrayObject([missing])
            writer.update_container(page)
        elif kind == "font":
            set_resource(writer, "/Font", "/FD", missing)
            append_content(writer, b"BT /FD 9.5 Tf 0 g 250 663 Td (" + FORGED_NUMBER.encode() + b") Tj ET")
        elif kind == "open_action":
            writer.root["/OpenAction"] = missing
            writer.update_root()
    return edit


def dangling_number(data: bytes) -> int:
    numbers_ = [int(n) for n in re.findall(rb"(\d+) 0 R", data)]
    defined = {int(n) for n in re.findall(rb"(?:^|\n)(\d+) 0 obj", data)}
    missing = sorted(n for n in set(numbers_) - defined if n > 0)
    if not missing:
        raise RuntimeError("no dangling reference")
    return missing[-1]


DANGLING_DEFINITIONS = {
    "content": lambda: stream_body(paint_on_page(FORGED_NUMBER)),
    "xobject": lambda: stream_body(paint_text(FORGED_NUMBER), b"/Type /XObject /Subtype /Form /BBox [0 0 136 17] "
                                   b"/Resources << /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
                                   b">> >> "),
    "annotation": lambda: (b"<< /Type /Annot /Subtype /FreeText /Rect [68 656 204 673] /F 4 /DA (/Helv 9.5 Tf 0 g) "
                           b"/Contents (" + FORGED_NUMBER.encode() + b") >>"),
    "font": lambda: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    "open_action": lambda: b"<< /S /URI /URI (https://eds-verify.example.com/) >>",
}


def define_dangling(kind: str) -> Callable[[Material, bytes], bytes]:
    def build(m: Material, signed: bytes) -> bytes:
        number = dangling_number(signed)
        return raw_update(signed, {number: DANGLING_DEFINITIONS[kind]()})
    return build


SHADOW_PREPARE: dict[str, Edit] = {f"hide_{k}": hide_prepare(k) for k in ("stream", "xobject", "gstate", "annotation")}
SHADOW_PREPARE |= {f"replace_{k}": replace_prepare(k) for k in ("xobject", "font", "resources")}
SHADOW_PREPARE["optional_content"] = oc_prepare
SHADOW_PREPARE |= {f"dangling_{k}": dangling_prepare(k) for k in DANGLING_DEFINITIONS}


@functools.lru_cache(maxsize=None)
def hidden_signed(m: Material, kind: str) -> bytes:
    return pdf.sign_pdf(incremental(m.unsigned, hidden_prepare(kind)(m)), m.key, timestamp_url=m.tsa_url)


SHADOW_ATTACKS: list[tuple[str, str, Edit]] = [
    ("hide_overlay_stream_removed", "hide_stream", overlay_removed),
    ("hide_overlay_stream_emptied", "hide_stream", overlay_stream_emptied),
    ("hide_overlay_xobject_emptied", "hide_xobject", overlay_xobject_emptied),
    ("hide_overlay_xobject_renamed", "hide_xobject", overlay_xobject_renamed),
    ("hide_overlay_made_transparent", "hide_gstate", overlay_made_transparent),
    ("hide_overlay_annotation_removed", "hide_annotation", overlay_annotation_removed),
    ("hide_overlay_annotation_hidden", "hide_annotation", overlay_annotation_hidden),
    ("replace_xobject_overwritten", "replace_xobject", xobject_overwritten),
    ("replace_font_overwritten", "replace_font", font_object_overwritten),
    ("replace_font_resources_overwritten", "replace_font", font_resource_object_overwritten),
    ("replace_resources_overwritten", "replace_resources", resources_object_overwritten),
    ("optional_content_switched_on", "optional_content", oc_switched_on),
    ("optional_content_base_state_flipped", "optional_content", oc_base_state_on_off_list_moved),
    ("optional_content_default_config_replaced", "optional_content", oc_default_config_replaced),
    ("optional_content_auto_state_on_view", "optional_content", oc_auto_state_on_view),
    ("optional_content_property_remapped", "optional_content", oc_property_remapped),
]

for _name, _prepared, _attack in SHADOW_ATTACKS:
    add(f"shadow_{_name}", "shadow", (lambda p, a: lambda m: incremental(shadow_signed(m, p), a))(_prepared, _attack),
        FAILED, MODIFIED)
    if _name in ("hide_overlay_stream_removed", "replace_xobject_overwritten", "optional_content_switched_on"):
        # the same on the B-LT form, with the attack hidden under a fresh DSS update and a document timestamp
        add(f"shadow_{_name}_under_dss_and_timestamp", "shadow",
            (lambda p, a: lambda m: doc_timestamp(m, incremental(long_term(m, shadow_signed(m, p), m.key), a),
                                                  dss=True))(_prepared, _attack), FAILED, MODIFIED)

for _kind, _attack in (("stream", point_contents_at_hidden), ("xobject", draw_hidden_xobject),
                       ("xobject_pages", hidden_xobject_as_pages)):
    add(f"shadow_hide_and_replace_{_kind}", "shadow",
        (lambda k, a: lambda m: incremental(hidden_signed(m, k.split("_")[0]), a))(_kind, _attack), FAILED, MODIFIED)

for _kind in DANGLING_DEFINITIONS:
    add(f"shadow_dangling_{_kind}_defined_later", "shadow",
        (lambda k: lambda m: define_dangling(k)(m, shadow_signed(m, f"dangling_{k}")))(_kind), FAILED, MODIFIED)
add("shadow_dangling_content_defined_under_dss", "shadow",
    lambda m: long_term(m, define_dangling("content")(m, shadow_signed(m, "dangling_content")), m.key),
    FAILED, MODIFIED)


# --- 3b. incremental saving and signature wrapping (Mladenov et al.) ------------------------------------------

ISA_CODES = (MODIFIED, BYTE_RANGE, MALFORMED)


def forged_content_object(data: bytes) -> dict[int, bytes]:
    return {page_content_number(data): stream_body(b"BT /F1 24 Tf 100 600 Td (" + FORGED_NUMBER.encode() + b") Tj ET")}


@case("isa", NOT_PASSED, *ISA_CODES)
def isa_objects_without_xref_or_trailer(m: Material) -> bytes:
    return raw_update(m.signed, forged_content_object(m.signed), xref=False, trailer=False, eof=False)


@case("isa", NOT_PASSED, *ISA_CODES)
def isa_objects_and_eof_without_xref_or_trailer(m: Material) -> bytes:
    return raw_update(m.signed, forged_content_object(m.signed), xref=False, trailer=False)


@case("isa", NOT_PASSED, *ISA_CODES)
def isa_xref_without_trailer(m: Material) -> bytes:
    return raw_update(m.signed, forged_content_object(m.signed), trailer=False)


@case("isa", NOT_PASSED, *ISA_CODES)
def isa_trailer_without_xref(m: Material) -> bytes:
    return raw_update(m.signed, forged_content_object(m.signed), xref=False)


@case("isa", FAILED, MODIFIED)
def isa_full_update_redefines_content(m: Material) -> bytes:
    return raw_update(m.signed, forged_content_object(m.signed))


@case("isa", FAILED, MODIFIED)
def isa_full_update_on_blt(m: Material) -> bytes:
    return raw_update(m.lt, forged_content_object(m.lt))


@case("isa", NOT_PASSED, MODIFIED, NO_SIGNATURE, MALFORMED)
def isa_blt_without_prev(m: Material) -> bytes:
    catalog = root_number(m.lt)
    return raw_update(m.lt, {**forged_content_object(m.lt), catalog: object_body(m.lt, catalog)}, prev=False)


@case("isa", FAILED, MODIFIED)
def isa_hidden_under_a_new_dss(m: Material) -> bytes:
    return long_term(m, incremental(m.lt, replace_page_content), m.key)


@case("isa", FAILED, MODIFIED)
def isa_xref_stream_redefines_content(m: Material) -> bytes:
    data = bytearray(m.signed)
    number = page_content_number(m.signed)
    offset = len(data)
    data += b"%d 0 obj\n" % number + forged_content_object(m.signed)[number] + b"\nendobj\n"
    xref_number = size_of(m.signed)
    rows = bytes([1]) + offset.to_bytes(4, "big") + bytes([0])
    stream_at = len(data)
    data += (f"{xref_number} 0 obj\n<< /Type /XRef /Size {xref_number + 1} /W [1 4 1] /Index [{number} 1] "
             f"/Root {root_number(m.signed)} 0 R /Prev {last_startxref(m.signed)} /Length {len(rows)} >>\nstream\n"
             ).encode() + rows + b"\nendstream\nendobj\n"
    data += b"startxref\n%d\n%%%%EOF\n" % stream_at
    return bytes(data)


@case("isa", NOT_PASSED, *ISA_CODES)
def isa_signature_dictionary_copied_into_update(m: Material) -> bytes:
    """The update forges the page and gives the field a copy of the genuine signature dictionary (same /Contents,
    same /ByteRange): a verifier that checks the digest only sees a valid signature over the new file's start."""
    data = m.signed
    value = int(re.search(rb"/V (\d+) 0 R", data).group(1))
    field = int(re.findall(rb"(\d+) 0 obj\n<<[^>]*?/FT /Sig", data)[-1]) if re.search(rb"/FT /Sig", data) else None
    copy_number = size_of(data)
    objects = {**forged_content_object(data), copy_number: object_body_any(data, value)}
    if field is not None:
        objects[field] = object_body_any(data, field).replace(b"/V %d 0 R" % value, b"/V %d 0 R" % copy_number)
    return raw_update(data, objects)


def object_body_any(data: bytes, number: int) -> bytes:
    """The last definition of object ``number``, whatever its layout (nested dictionaries, hex strings)."""
    start = [m_.end() for m_ in re.finditer(rb"(?:^|\n)%d 0 obj\n" % number, data)][-1]
    return data[start:data.index(b"\nendobj", start)]


def wrap_signature(data: bytes, objects: dict[int, bytes]) -> bytes:
    """Signature wrapping: the signed second part is moved towards the end; its place (now inside the ByteRange
    gap) holds the attacker's xref section, at the offset the signed startxref names, then the attacker's
    ``objects``; the ByteRange is rewritten to [0 a b' c] where the moved part begins. The signed bytes are
    unchanged (the digest and the signature stay valid); the reader sees the attacker's objects."""
    _, a, b, c = byte_range_of(data)
    assert b + c == len(data)
    n = last_startxref(data)
    assert n > b, "the signed startxref lies in the second signed part"
    rendered = [(k, b"%d 0 obj\n" % k + body + b"\nendobj\n") for k, body in sorted(objects.items())]
    size = max(size_of(data), *(k + 1 for k in objects))

    def layout(b_new: int) -> bytes:  # numbers zero-padded to 10 digits: the length does not depend on b_new
        head = with_byte_range(data, f"[0 {a} {b_new:010d} {c}]".encode())[:n]
        trailer = (f"trailer\n<< /Size {size} /Root {root_number(data)} 0 R /Prev {b_new + (n - b):010d} >>\n"
                   f"startxref\n{n}\n%%EOF\n").encode()
        position = n + len(b"xref\n") + sum(len(b"%d 1\n" % k) + 20 for k, _ in rendered) + len(trailer)
        entries = []
        for number, text_ in rendered:
            entries.append(b"%d 1\n%010d 00000 n \n" % (number, position))
            position += len(text_)
        return head + b"xref\n" + b"".join(entries) + trailer + b"".join(t for _, t in rendered)

    b_new = len(layout(0)) + 64
    body = layout(b_new)
    return body + b" " * (b_new - len(body) - 1) + b"\n" + data[b:]


@case("swa", NOT_PASSED, BYTE_RANGE, MODIFIED, MALFORMED, "SIGNATURE_INVALID")
def swa_second_part_moved_content_redefined(m: Material) -> bytes:
    return wrap_signature(m.signed, forged_content_object(m.signed))


@case("swa", NOT_PASSED, BYTE_RANGE, MODIFIED, MALFORMED, "SIGNATURE_INVALID")
def swa_second_part_moved_catalog_redefined(m: Material) -> bytes:
    catalog = root_number(m.signed)
    body = object_body_any(m.signed, catalog)
    forged = body[:body.rindex(b">>")] + b"/OpenAction << /S /URI /URI (https://eds-verify.example.com/) >> >>"
    return wrap_signature(m.signed, {catalog: forged})


@case("swa", NOT_PASSED, BYTE_RANGE, MODIFIED, MALFORMED, "SIGNATURE_INVALID")
def swa_second_part_moved_annotation_added(m: Material) -> bytes:
    page = reader_of(m.signed).root["/Pages"]["/Kids"].raw_get(0).idnum
    body = object_body_any(m.signed, page)
    number = size_of(m.signed)
    annotation = (b"<< /Type /Annot /Subtype /FreeText /Rect [68 656 204 673] /F 4 /DA (/Helv 9.5 Tf 0 g) "
                  b"/Contents (" + FORGED_NUMBER.encode() + b") >>")
    forged = re.sub(rb"/Annots \[", b"/Annots [%d 0 R " % number, body, count=1)
    return wrap_signature(m.signed, {page: forged, number: annotation})


@case("swa", NOT_PASSED, BYTE_RANGE, MODIFIED, MALFORMED, "SIGNATURE_INVALID")
def swa_second_part_moved_then_updated(m: Material) -> bytes:
    wrapped = wrap_signature(m.signed, forged_content_object(m.signed))
    return raw_update(wrapped, {size_of(wrapped): b"<< /Producer (eds) >>"})


@case("swa", NOT_PASSED, BYTE_RANGE, MODIFIED, MALFORMED, "SIGNATURE_INVALID")
def swa_byte_range_stretched_over_appended_revision(m: Material) -> bytes:
    """An ordinary update is appended, then the signature's ByteRange is rewritten to end at the new end with the
    gap widened over the update's position: same length as the original signed bytes, other bytes."""
    changed = incremental(m.signed, replace_page_content)
    a0, a, b, c = byte_range_of(m.signed)
    extra = len(changed) - len(m.signed)
    return with_byte_range(changed, f"[0 {a} {b + extra} {c}]".encode())


# --- 4. limits ---------------------------------------------------------------------------------------------


def stamp_revisions(data: bytes, count: int) -> bytes:
    """``count`` small incremental updates (each adds one unreferenced dictionary)."""
    for index in range(count):
        data = incremental(data, lambda w, i=index: w.add_object(generic.DictionaryObject(
            {name("/Revision"): generic.NumberObject(i)})))
    return data


@functools.lru_cache(maxsize=None)
def signed_with_revisions(m: Material, total: int) -> bytes:
    """The licence with updates before signing, so that the signed file has ``total`` revisions."""
    before = total - 1 - revisions(m.unsigned)
    data = pdf.sign_pdf(stamp_revisions(m.unsigned, before), m.key, timestamp_url=m.tsa_url)
    assert revisions(data) == total, (revisions(data), total)
    return data


def dss_rewrites(data: bytes, total: int) -> bytes:
    """Raw updates after signing that rewrite the DSS dictionary unchanged (validation data updates)."""
    number = int(re.search(rb"/DSS (\d+) 0 R", data).group(1))
    body = object_body_any(data, number)
    while revisions(data) < total:
        for _ in range(total - revisions(data)):
            data = raw_update(data, {number: body})
    return data


add("limit_64_revisions_before_signing", "limits", lambda m: signed_with_revisions(m, 64), PASSED)
add("limit_65_revisions_before_signing", "limits", lambda m: signed_with_revisions(m, 65), FAILED, TOO_COMPLEX)
add("limit_64_revisions_dss_updates", "limits", lambda m: dss_rewrites(m.lt, 64), PASSED)
add("limit_65_revisions_dss_updates", "limits", lambda m: dss_rewrites(m.lt, 65), FAILED, TOO_COMPLEX)
add("limit_200_revisions_dss_updates", "limits", lambda m: dss_rewrites(m.lt, 200), FAILED, TOO_COMPLEX)

BOMB_BYTES = 600_000_000


@functools.lru_cache(maxsize=None)
def bomb(prefix: bytes = b"", filler: bytes = b"\0") -> bytes:
    """``prefix`` and then ~600 MB of ``filler``, deflated at level 9 in 1 MB steps (about 0.6 MB)."""
    compressor = zlib.compressobj(9)
    out = [compressor.compress(prefix)]
    chunk = filler * (1_000_000 // len(filler))
    for _ in range(BOMB_BYTES // len(chunk)):
        out.append(compressor.compress(chunk))
    out.append(compressor.flush())
    return b"".join(out)


def bomb_stream(extra: dict | None = None) -> generic.StreamObject:
    return generic.StreamObject({name("/Filter"): name("/FlateDecode"), **(extra or {})}, encoded_data=bomb())


@case("limits", FAILED, TOO_COMPLEX)
def limit_flate_bomb_in_dss(m: Material) -> bytes:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        dss = writer.root["/DSS"]
        certs = dss["/Certs"]
        certs.append(writer.add_object(bomb_stream()))
        writer.update_container(certs if isinstance(dss.raw_get("/Certs"), generic.IndirectObject) else dss)
    return incremental(m.lt, edit)


@case("limits", FAILED, TOO_COMPLEX)
def limit_flate_bomb_as_ocsp_in_dss(m: Material) -> bytes:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        dss = writer.root["/DSS"]
        dss["/OCSPs"] = generic.ArrayObject([*dss.get("/OCSPs", ()), writer.add_object(bomb_stream())])
        writer.update_container(dss)
    return incremental(m.lt, edit)


@case("limits", FAILED, TOO_COMPLEX)
def limit_flate_bomb_page_content_after_signing(m: Material) -> bytes:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = first_page(writer)
        page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), writer.add_object(bomb_stream())])
        writer.update_container(page)
    return incremental(m.signed, edit)


@functools.lru_cache(maxsize=None)
def bomb_signed(m: Material) -> bytes:
    def edit(writer: IncrementalPdfFileWriter) -> None:
        page = first_page(writer)
        page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), writer.add_object(bomb_stream())])
        writer.update_container(page)
    return pdf.sign_pdf(incremental(m.unsigned, edit), m.key, timestamp_url=m.tsa_url)


@case("limits", FAILED, TOO_COMPLEX)
def limit_flate_bomb_in_signed_revision(m: Material) -> bytes:
    """A genuine signature over a page whose second content stream inflates to 600 MB: a viewer decodes it."""
    return bomb_signed(m)


@case("limits", FAILED, TOO_COMPLEX)
def limit_flate_bomb_xref_stream(m: Material) -> bytes:
    """An update whose cross-reference stream inflates to 600 MB (100 million 6-byte rows)."""
    data = bytearray(m.signed)
    number = size_of(m.signed)
    compressed = bomb()
    rows = BOMB_BYTES // 6
    stream_at = len(data)
    data += (f"{number} 0 obj\n<< /Type /XRef /Size {rows} /W [1 4 1] /Index [0 {rows}] "
             f"/Root {root_number(m.signed)} 0 R /Prev {last_startxref(m.signed)} /Filter /FlateDecode "
             f"/Length {len(compressed)} >>\nstream\n").encode() + compressed + b"\nendstream\nendobj\n"
    data += b"startxref\n%d\n%%%%EOF\n" % stream_at
    return bytes(data)


@case("limits", FAILED, TOO_COMPLEX)
def limit_flate_bomb_object_stream(m: Material) -> bytes:
    """An update whose catalog lives in an object stream that inflates to 600 MB (the catalog, then spaces)."""
    catalog = root_number(m.signed)
    body = object_body_any(m.signed, catalog)
    header = b"%d 0 " % catalog
    compressed = bomb(header + body, b" ")
    data = bytearray(m.signed)
    objstm = size_of(m.signed)
    xref_number = objstm + 1
    objstm_at = len(data)
    data += (f"{objstm} 0 obj\n<< /Type /ObjStm /N 1 /First {len(header)} /Filter /FlateDecode "
             f"/Length {len(compressed)} >>\nstream\n").encode() + compressed + b"\nendstream\nendobj\n"
    rows = (bytes([2]) + objstm.to_bytes(4, "big") + bytes([0])) + (bytes([1]) + objstm_at.to_bytes(4, "big") + bytes([0]))
    stream_at = len(data)
    data += (f"{xref_number} 0 obj\n<< /Type /XRef /Size {xref_number + 1} /W [1 4 1] /Index [{catalog} 1 {objstm} 1] "
             f"/Root {catalog} 0 R /Prev {last_startxref(m.signed)} /Length {len(rows)} >>\nstream\n"
             ).encode() + rows + b"\nendstream\nendobj\n"
    data += b"startxref\n%d\n%%%%EOF\n" % stream_at
    return bytes(data)


def many_objects(data: bytes, count: int) -> bytes:
    """One classic update defining ``count`` tiny objects in a single xref subsection."""
    first = size_of(data)
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = []
    for number in range(first, first + count):
        offsets.append(len(out))
        out += b"%d 0 obj\n%d\nendobj\n" % (number, number)
    xref_at = len(out)
    out += b"xref\n%d %d\n" % (first, count)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (f"trailer\n<< /Size {first + count} /Root {root_number(data)} 0 R /Prev {last_startxref(data)} >>\n"
            f"startxref\n{xref_at}\n%%EOF\n").encode()
    return bytes(out)


@functools.lru_cache(maxsize=None)
def signed_with_objects(m: Material, count: int) -> bytes:
    return pdf.sign_pdf(many_objects(m.unsigned, count), m.key, timestamp_url=m.tsa_url)


add("limit_100k_objects_before_signing", "limits", lambda m: signed_with_objects(m, 100_000), PASSED)
add("limit_250k_objects_before_signing", "limits", lambda m: signed_with_objects(m, 250_000), FAILED, TOO_COMPLEX)
add("limit_250k_objects_after_signing", "limits", lambda m: many_objects(m.lt, 250_000), FAILED, TOO_COMPLEX)


@case("limits", FAILED, TOO_COMPLEX)
def limit_xref_stream_declares_half_a_million_objects(m: Material) -> bytes:
    """An xref stream update with half a million (free) entries: 1 MB of rows, far under the stream limit."""
    count = 500_000
    compressor = zlib.compressobj(9)
    compressed = compressor.compress(bytes(2 * count)) + compressor.flush()
    data = bytearray(m.signed)
    number = count
    stream_at = len(data)
    data += (f"{number} 0 obj\n<< /Type /XRef /Size {count + 1} /W [1 1 0] /Index [0 {count}] "
             f"/Root {root_number(m.signed)} 0 R /Prev {last_startxref(m.signed)} /Filter /FlateDecode "
             f"/Length {len(compressed)} >>\nstream\n").encode() + compressed + b"\nendstream\nendobj\n"
    data += b"startxref\n%d\n%%%%EOF\n" % stream_at
    return bytes(data)


# --- 5. controls -----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def b_lta(m: Material) -> bytes:
    return doc_timestamp(m, m.lt, dss=True)


@functools.lru_cache(maxsize=None)
def cosigned(m: Material) -> bytes:
    return pdf.sign_pdf(m.signed, m.cosigner, timestamp_url=m.tsa_url, field_name="Signature2")


add("genuine_b_t", "controls", lambda m: m.signed, PASSED)
add("genuine_b_lt", "controls", lambda m: m.lt, PASSED)
add("genuine_b_lta", "controls", b_lta, PASSED)
add("genuine_b_lta_without_dss", "controls", lambda m: doc_timestamp(m, m.lt), PASSED)
add("genuine_b_lta_two_timestamps", "controls", lambda m: doc_timestamp(m, b_lta(m), dss=True), PASSED)
add("genuine_cosigned", "controls", cosigned, PASSED)
add("genuine_cosigned_b_lt", "controls",
    lambda m: long_term(m, pdf.sign_pdf(m.lt, m.cosigner, timestamp_url=m.tsa_url, field_name="Signature2"),
                        m.cosigner), PASSED)
add("genuine_visible_stamp", "controls",
    lambda m: pdf.sign_pdf(m.unsigned, m.key, timestamp_url=m.tsa_url, stamp=(40, 40, 240, 90)), PASSED)
add("genuine_form_licence_unfilled", "controls", lambda m: form_signed(m, "approval"), PASSED)
add("genuine_certified_p2_unfilled", "controls", lambda m: form_signed(m, "p2"), PASSED)
add("genuine_certified_p1_b_lt", "controls", lambda m: long_term(m, form_signed(m, "p1"), m.key), PASSED)
