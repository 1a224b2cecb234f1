"""Generators of hostile documents for three forgery families, each with the verdict it must get.

1. *One file is one format* (``f1_*``): PDFs that start with junk and carry a genuine CMS (PEM, Base64 or raw
   DER between objects, in a comment or in a stream) must be judged as the PDF they are; signed XML and
   attached CMS that also open as a PDF are ``AMBIGUOUS_FORMAT``; PEM counts only as the whole input; the
   ``%PDF-`` window of 1,024 bytes at its edges.
2. *A claimed time proves nothing* (``f2_*``): expired and revoked keys that sign today and claim an earlier
   signingTime or /M, claims in the future, and timestamped controls.
3. *Who signed must match who was expected* (``f3_*``): XML, CMS and PDF co-signatures against expected
   signers that are missing, extra, reordered or have another IIN or BIN.

Everything is built by script from the test PKI's identities and a licence rendered by ``eds.issuing.documents``:
``eds.signatures.cms``/``eds.signatures.xmldsig``/``eds.signatures.pades`` and pyHanko sign, pyHanko's generic objects are serialised by
``pdf_file`` (which computes every offset), nothing is a hand-edited byte string. ``CASES`` maps a case name
to its builder; a builder takes the ``Material`` and returns a ``Case``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from asn1crypto import cms as acms
from lxml import etree
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from eds.pki.keys import SigningKey
from eds.signatures import cms, pades as pdf, tsp, xmldsig
from eds.validation.request_check import Claims, ExpectedSigner
from test_pki.tsa import make_timestamp_token

PASSED, FAILED, INDETERMINATE = "TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"
CONTENT = "Өтініш: лицензия беру туралы / Заявление о выдаче лицензии".encode()
BOM = "\ufeff".encode()


@dataclass(frozen=True)
class Expect:
    """A verdict: the indication, and the reason codes of which at least one must be among the report's."""

    indication: str
    reasons: frozenset[str] = frozenset()
    format: str | None = None  # how the file must have been read: pdf, xml, cms, unknown


@dataclass(frozen=True)
class Case:
    """A document, what ``DocumentVerifier.verify`` must say about it, and what ``RequestChecker.check`` must
    say when that differs (a request is received now; a PDF is never a request)."""

    data: bytes
    verify: Expect
    request: Expect | None = None
    claims: Claims = Claims()
    at: dt.datetime | None = None
    detached: bytes | None = None
    claimed_time: bool = False   # every signature's time is a mere claim: only ``claimedSigningTime`` shows it
    signers_found: int | None = None  # without expectations: how many signers the report must list

    @property
    def on_request(self) -> Expect:
        return self.request or self.verify


@dataclass
class Material:
    """What every case is made from: the test PKI's keys by identity name, a rendered licence, the TSA."""

    keys: dict[str, SigningKey]
    identities: dict[str, dict]
    licence: bytes
    tsa_url: str
    now: dt.datetime
    memo: dict = field(default_factory=dict)

    def once(self, name: str, build: Callable[[], bytes]) -> bytes:
        if name not in self.memo:
            self.memo[name] = build()
        return self.memo[name]

    def expected(self, name: str, **changes: str | None) -> ExpectedSigner:
        info = self.identities[name]
        values = {"iin": info["iin"], "bin": info["bin"], **changes}
        return ExpectedSigner(iin=values["iin"], bin=values["bin"])


IDENTITIES = ("individual_sign", "company_head", "company_signer", "company_employee", "official_ministry",
              "official_region", "expired", "revoked", "ec_revoked")


def make_material(pki_dir, manifest: dict, profile) -> Material:
    """The keys of the identities the cases sign with and a rendered licence (needs the PKI's services)."""
    from eds.issuing.documents import render_pdf, validate
    from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES

    keys = {name: SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"],
                                         key_id=name)
            for name, info in manifest["identities"].items() if name in IDENTITIES}
    document = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
    licence = render_pdf(document, number="LIC-ZHM-2026-000042", issued_at=dt.date.today(),
                         verify_url="https://eds.example.kz/verify/LIC-ZHM-2026-000042")
    return Material(keys, manifest["identities"], licence, tsa_url=profile.tsa_url,
                    now=dt.datetime.now(dt.timezone.utc))


CASES: dict[str, Callable[[Material], Case]] = {}
FAMILIES = {"f1": "one file is one format", "f2": "a claimed time proves nothing",
            "f3": "who signed must match who was expected"}


def case(function: Callable[[Material], Case]) -> Callable[[Material], Case]:
    CASES[function.__name__] = function
    return function


# --- building blocks -------------------------------------------------------------------------------------

def sign_cms(m: Material, name: str, content: bytes = CONTENT, *, detached: bool = False,
             claimed: dt.datetime | None = None, timestamp: bool = False) -> bytes:
    key = m.keys[name]
    return cms.sign_cms(content, key.private_key, key.certificate.der, detached=detached,
                        extra_certs=[c.der for c in key.chain], signing_time=claimed,
                        timestamp=tsp.signature_timestamper(m.tsa_url) if timestamp else None)


def genuine_cms(m: Material) -> bytes:
    """An attached CMS by a valid individual's signing key: verifies, as a document and as a request."""
    return m.once("genuine_cms", lambda: sign_cms(m, "individual_sign"))


def pem(der: bytes, label: str = "CMS") -> bytes:
    body = base64.b64encode(der)
    lines = b"\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return b"-----BEGIN " + label.encode() + b"-----\n" + lines + b"\n-----END " + label.encode() + b"-----\n"


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def _ref(number: int) -> generic.IndirectObject:
    return generic.IndirectObject(number, 0, None)


def page_objects(text: str, extra: generic.PdfObject | None = None) -> list[generic.PdfObject]:
    """A one-page PDF's objects (catalog, pages, page, content, font[, extra]) as pyHanko generic objects."""
    content = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode()
    objects: list[generic.PdfObject] = [
        generic.DictionaryObject({_name("/Type"): _name("/Catalog"), _name("/Pages"): _ref(2)}),
        generic.DictionaryObject({_name("/Type"): _name("/Pages"), _name("/Count"): generic.NumberObject(1),
                                  _name("/Kids"): generic.ArrayObject([_ref(3)])}),
        generic.DictionaryObject({
            _name("/Type"): _name("/Page"), _name("/Parent"): _ref(2),
            _name("/MediaBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
            _name("/Contents"): _ref(4),
            _name("/Resources"): generic.DictionaryObject({_name("/Font"): generic.DictionaryObject(
                {_name("/F1"): _ref(5)})})}),
        generic.StreamObject(stream_data=content),
        generic.DictionaryObject({_name("/Type"): _name("/Font"), _name("/Subtype"): _name("/Type1"),
                                  _name("/BaseFont"): _name("/Helvetica")}),
    ]
    if extra is not None:
        objects.append(extra)
    return objects


def pdf_file(objects: list[generic.PdfObject], *, prefix: bytes = b"", between: dict[int, bytes] | None = None,
             version: str = "1.7") -> bytes:
    """Serialise ``objects`` (object n is ``objects[n-1]``) as a classic PDF with a text xref whose offsets are
    right; ``prefix`` comes before the header, ``between[n]`` just before object n (n = len+1: after the last).
    Plain ASCII when the objects are, so that it can also sit in an XML comment."""
    between = between or {}
    out = io.BytesIO()
    out.write(prefix)
    out.write(f"%PDF-{version}\n".encode())
    offsets = []
    for number, obj in enumerate(objects, 1):
        out.write(between.get(number, b""))
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(out)
        out.write(b"\nendobj\n")
    out.write(between.get(len(objects) + 1, b""))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(b"trailer\n")
    generic.DictionaryObject({_name("/Size"): generic.NumberObject(len(objects) + 1),
                              _name("/Root"): _ref(1)}).write_to_stream(out)
    out.write(f"\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def forged_licence(**kwargs) -> bytes:
    return pdf_file(page_objects("LICENCE LIC-ZHM-2026-000042 (forged: valid until 2099)"), **kwargs)


def comment_lines(data: bytes) -> bytes:
    """``data`` (text) as PDF comment lines."""
    return b"".join(b"%" + line + b"\n" for line in data.splitlines())


def xml_document(m: Material, *, inner: bytes = b"", pad: int = 0) -> bytes:
    """An application XML whose body is ``<pad>`` of ``pad`` characters and then ``inner`` (raw XML)."""
    iin = m.identities["individual_sign"]["iin"]
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<application><iin>' + iin.encode() + b"</iin><pad>"
            + b"x" * pad + b"</pad>" + inner + b"<subject>scrap metal licence</subject></application>")


def sign_xml(m: Material, document: bytes, *names: str) -> bytes:
    for name in names:
        key = m.keys[name]
        document = xmldsig.sign_xml(document, key.private_key, key.certificate.der)
    return document


def xml_with_pdf_header_at(m: Material, offset: int) -> bytes:
    """A signed XML whose comment holds a (text) PDF whose ``%PDF-`` starts exactly at byte ``offset``."""
    inner = b"<!--\n" + forged_licence() + b"-->"
    pad = 0
    for _attempt in range(3):
        signed = sign_xml(m, xml_document(m, inner=inner, pad=pad), "individual_sign")
        found = signed.index(b"%PDF-")
        if found == offset:
            return signed
        pad += offset - found
        if pad < 0:
            raise ValueError(f"%PDF- cannot start before byte {found}")
    raise AssertionError(f"%PDF- at {found}, wanted {offset}")


class _Backdated(signers.PdfSigner):
    """pyHanko's PDF signer with a chosen signing time: /M (and for adbe.pkcs7.detached the signingTime
    attribute) claim ``moment`` whatever the clock says."""

    def __init__(self, *args, moment: dt.datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._moment = moment

    def init_signing_session(self, *args, **kwargs):
        session = super().init_signing_session(*args, **kwargs)
        session.system_time = self._moment
        return session


def pdf_claiming(m: Material, name: str, moment: dt.datetime, *, field_name: str = "Signature1") -> bytes:
    """The licence signed by ``name`` now, with /M set to ``moment`` and no timestamp (pyHanko, PAdES)."""
    metadata = signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
    signer = _Backdated(metadata, signer=pdf.HeldKeySigner(m.keys[name]), moment=moment)
    out = signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(m.licence), strict=False), bytes_reserved=16384)
    return out.getvalue()


def pdf_with_cms_claim(m: Material, name: str, moment: dt.datetime) -> bytes:
    """The licence with a CMS (made by ``eds.signatures.cms``) whose signed signingTime attribute claims ``moment``."""
    key = m.keys[name]
    prepared = pdf.prepare_signature(m.licence, key.certificate, room=8192)
    signature = cms.sign_cms(prepared.signed_bytes, key.private_key, key.certificate.der, detached=True,
                             extra_certs=[c.der for c in key.chain], signing_time=moment)
    return pdf.embed_signature(prepared.pdf, prepared.start, prepared.end, signature)


def hashlib_sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def with_timestamp_token(cms_der: bytes, token: bytes) -> bytes:
    """``cms_der`` with ``token`` as the first SignerInfo's signature timestamp (unsigned: nothing to re-sign)."""
    info = acms.ContentInfo.load(cms_der)
    signer_info = info["content"]["signer_infos"][0]
    signer_info["unsigned_attrs"] = [acms.CMSAttribute({"type": "signature_time_stamp_token",
                                                        "values": [acms.ContentInfo.load(token)]})]
    return info.dump()


def timestamp_token_of(cms_der: bytes) -> bytes:
    info = acms.ContentInfo.load(cms_der)
    return info["content"]["signer_infos"][0]["unsigned_attrs"][0]["values"][0].dump()


def doc_timestamp(m: Material, data: bytes) -> bytes:
    """A PAdES document timestamp from the test TSA over ``data`` (pyHanko's PdfTimeStamper)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    return signers.PdfTimeStamper(pdf.ServiceTimeStamper(m.tsa_url)).timestamp_pdf(
        writer, "sha256", bytes_reserved=12288).getvalue()


def utf16_xml_with_pdf(m: Material) -> bytes:
    """A signed XML re-encoded as UTF-16LE whose comment, read as bytes, is a whole PDF: each pair of the
    PDF's ASCII bytes is one CJK character of the comment. The signature covers the canonical (UTF-8) form, so
    the re-encoding keeps it valid."""
    forged = forged_licence()
    if len(forged) % 2:
        forged += b"\n"
    text = forged.decode("utf-16-le")
    root = etree.fromstring(xml_document(m))
    root.insert(0, etree.Comment(text))
    signed = sign_xml(m, etree.tostring(root, xml_declaration=True, encoding="UTF-8"), "individual_sign")
    return etree.tostring(etree.fromstring(signed), xml_declaration=True, encoding="UTF-16")


def not_pdf_request() -> Expect:
    """What the request check says about any PDF: not a request (it is read as the PDF, never as a CMS)."""
    return Expect(FAILED, frozenset({"DOCUMENT_MALFORMED"}), "pdf")


# --- family 1: one file is one format --------------------------------------------------------------------

PDF_NOT_CMS = Expect(FAILED, frozenset({"NO_SIGNATURE"}), "pdf")
# pyHanko refuses to read a PDF with bytes before its header ("Illegal PDF header") where viewers open it:
# the file is still read as the PDF (format pdf, never the CMS it carries), and refused as a malformed one.
JUNK_PDF_NOT_CMS = Expect(FAILED, frozenset({"NO_SIGNATURE", "DOCUMENT_MALFORMED"}), "pdf")
AMBIGUOUS = Expect(FAILED, frozenset({"AMBIGUOUS_FORMAT"}))
MALFORMED_CMS = Expect(FAILED, frozenset({"DOCUMENT_MALFORMED"}), "cms")


@case
def f1_bom_pdf_with_pem_cms_between_objects(m: Material) -> Case:
    data = forged_licence(prefix=BOM, between={4: pem(genuine_cms(m))})
    return Case(data, JUNK_PDF_NOT_CMS, not_pdf_request())


@case
def f1_pdf_with_pem_cms_between_objects(m: Material) -> Case:
    data = forged_licence(between={4: pem(genuine_cms(m))})
    return Case(data, PDF_NOT_CMS, not_pdf_request())


@case
def f1_pdf_with_whole_pem_cms_lines_between_every_object(m: Material) -> Case:
    block = pem(genuine_cms(m))
    data = forged_licence(between={n: block for n in range(1, 7)})
    return Case(data, PDF_NOT_CMS, not_pdf_request())


@case
def f1_bom_pdf_with_pem_cms_after_the_last_object(m: Material) -> Case:
    data = forged_licence(prefix=BOM, between={6: b"\n" + pem(genuine_cms(m)) + b"\n"})
    return Case(data, JUNK_PDF_NOT_CMS, not_pdf_request())


@case
def f1_junk_1000_bytes_then_pdf_with_pem_cms(m: Material) -> Case:
    junk = (b"Content-Type: application/octet-stream\r\n" * 30)[:1000]
    data = forged_licence(prefix=junk, between={2: pem(genuine_cms(m))})
    return Case(data, JUNK_PDF_NOT_CMS, not_pdf_request())


@case
def f1_pdf_with_base64_cms_in_a_comment(m: Material) -> Case:
    lines = pem(genuine_cms(m)).splitlines()[1:-1]  # the Base64 lines only
    data = forged_licence(prefix=BOM, between={3: comment_lines(b"\n".join(lines))})
    return Case(data, JUNK_PDF_NOT_CMS, not_pdf_request())


@case
def f1_pdf_with_pem_cms_in_a_comment(m: Material) -> Case:
    data = forged_licence(between={3: comment_lines(pem(genuine_cms(m)))})
    return Case(data, PDF_NOT_CMS, not_pdf_request())


@case
def f1_pdf_with_der_cms_in_a_comment(m: Material) -> Case:
    data = forged_licence(prefix=BOM, between={5: b"%" + genuine_cms(m) + b"\n"})
    return Case(data, JUNK_PDF_NOT_CMS, not_pdf_request())


@case
def f1_pdf_with_der_cms_in_a_stream(m: Material) -> Case:
    stream = generic.StreamObject(stream_data=genuine_cms(m))
    data = pdf_file(page_objects("LICENCE LIC-ZHM-2026-000042 (forged)", extra=stream), prefix=BOM)
    return Case(data, JUNK_PDF_NOT_CMS, not_pdf_request())


@case
def f1_pdf_with_base64_cms_in_a_stream(m: Material) -> Case:
    stream = generic.StreamObject(stream_data=base64.b64encode(genuine_cms(m)))
    data = pdf_file(page_objects("LICENCE LIC-ZHM-2026-000042 (forged)", extra=stream))
    return Case(data, PDF_NOT_CMS, not_pdf_request())


@case
def f1_pdf_header_then_whole_pem_cms(m: Material) -> Case:
    """A PEM CMS behind a bare PDF header: a viewer sees a (broken) PDF, so it is no CMS here either."""
    data = b"%PDF-1.7\n" + pem(genuine_cms(m))
    return Case(data, Expect(FAILED, frozenset({"DOCUMENT_MALFORMED", "NO_SIGNATURE"}), "pdf"), not_pdf_request())


@case
def f1_signed_pdf_behind_a_bom(m: Material) -> Case:
    """A genuine signed licence with a BOM in front: still that PDF, but its ByteRange no longer covers it."""
    signed = m.once("signed_licence", lambda: pdf.sign_pdf(m.licence, m.keys["official_region"],
                                                           timestamp_url=m.tsa_url))
    return Case(BOM + signed, Expect(FAILED, frozenset({"BYTE_RANGE_INVALID", "SIGNATURE_INVALID",
                                                        "DOCUMENT_MALFORMED", "MODIFIED_AFTER_SIGNING"}), "pdf"),
                not_pdf_request())


@case
def f1_signed_xml_with_pdf_in_a_comment(m: Material) -> Case:
    inner = b"<!--\n" + forged_licence() + b"-->"
    return Case(sign_xml(m, xml_document(m, inner=inner), "individual_sign"), AMBIGUOUS)


@case
def f1_bom_signed_xml_with_pdf_in_a_comment(m: Material) -> Case:
    inner = b"<!--\n" + forged_licence() + b"-->"
    return Case(BOM + sign_xml(m, xml_document(m, inner=inner), "individual_sign"), AMBIGUOUS)


@case
def f1_signed_xml_with_pdf_in_cdata(m: Material) -> Case:
    inner = b"<attachment><![CDATA[" + forged_licence() + b"]]></attachment>"
    return Case(sign_xml(m, xml_document(m, inner=inner), "individual_sign"), AMBIGUOUS)


@case
def f1_signed_xml_with_pdf_header_in_an_attribute(m: Material) -> Case:
    inner = b'<attachment kind="%PDF-1.7"/>'
    return Case(sign_xml(m, xml_document(m, inner=inner), "individual_sign"), AMBIGUOUS)


@case
def f1_xml_pdf_header_at_1000(m: Material) -> Case:
    return Case(xml_with_pdf_header_at(m, 1000), AMBIGUOUS)


@case
def f1_xml_pdf_header_at_1019_ending_on_byte_1024(m: Material) -> Case:
    """The last place a whole ``%PDF-`` fits in the first 1,024 bytes (as pdf.js looks for it)."""
    return Case(xml_with_pdf_header_at(m, 1019), AMBIGUOUS)


@case
def f1_xml_pdf_header_at_1020_control(m: Material) -> Case:
    """One byte later the header no longer fits in the window: the file is the XML it starts as."""
    return Case(xml_with_pdf_header_at(m, 1020), Expect(PASSED, format="xml"))


@case
def f1_xml_pdf_header_at_1023_control(m: Material) -> Case:
    return Case(xml_with_pdf_header_at(m, 1023), Expect(PASSED, format="xml"))


@case
def f1_xml_pdf_header_at_1025_control(m: Material) -> Case:
    return Case(xml_with_pdf_header_at(m, 1025), Expect(PASSED, format="xml"))


@case
def f1_attached_cms_of_a_pdf(m: Material) -> Case:
    """A genuine CMS whose content is a PDF: its DER shows ``%PDF-`` early, so it opens as both."""
    return Case(sign_cms(m, "individual_sign", forged_licence()), AMBIGUOUS)


@case
def f1_attached_cms_of_a_bom_pdf(m: Material) -> Case:
    return Case(sign_cms(m, "individual_sign", BOM + forged_licence()), AMBIGUOUS)


@case
def f1_attached_cms_of_a_pdf_as_pem_control(m: Material) -> Case:
    """The same CMS as whole-input PEM: no viewer opens that as a PDF, so it is just the CMS."""
    return Case(pem(sign_cms(m, "individual_sign", forged_licence())), Expect(PASSED, format="cms"))


@case
def f1_utf16_signed_xml_whose_comment_bytes_are_a_pdf(m: Material) -> Case:
    data = utf16_xml_with_pdf(m)
    assert data.index(b"%PDF-") < 1019
    return Case(data, AMBIGUOUS)


@case
def f1_signed_xml_with_pdf_header_in_a_processing_instruction(m: Material) -> Case:
    inner = b"<?attachment %PDF-1.7 1 0 obj << >> endobj?>"
    return Case(sign_xml(m, xml_document(m, inner=inner), "individual_sign"), AMBIGUOUS)


@case
def f1_der_cms_then_a_pdf(m: Material) -> Case:
    """A genuine DER CMS with a PDF appended: the DER is no longer the whole input, so it is no CMS."""
    data = genuine_cms(m) + forged_licence()
    return Case(data, Expect(FAILED, frozenset({"DOCUMENT_MALFORMED"})))


@case
def f1_pem_with_text_before(m: Material) -> Case:
    return Case(b"Signed request follows:\n" + pem(genuine_cms(m)), MALFORMED_CMS)


@case
def f1_pem_with_text_after(m: Material) -> Case:
    return Case(pem(genuine_cms(m)) + b"-- \nsent from the portal\n", MALFORMED_CMS)


@case
def f1_pem_then_a_pdf(m: Material) -> Case:
    """A PEM CMS followed by a whole PDF (its header beyond byte 1,024): neither a whole PEM nor a PDF."""
    data = pem(genuine_cms(m)) + forged_licence()
    assert data.index(b"%PDF-") >= 1024
    return Case(data, MALFORMED_CMS)


@case
def f1_two_pem_blocks(m: Material) -> Case:
    return Case(pem(genuine_cms(m)) + pem(sign_cms(m, "company_head")), MALFORMED_CMS)


@case
def f1_pem_with_rfc1421_headers(m: Material) -> Case:
    block = pem(genuine_cms(m)).split(b"\n", 1)
    return Case(block[0] + b"\nProc-Type: 4,ENCRYPTED\n\n" + block[1], MALFORMED_CMS)


@case
def f1_whole_pem_with_whitespace_control(m: Material) -> Case:
    return Case(b"\r\n \t\n" + pem(genuine_cms(m)).replace(b"\n", b"\r\n") + b"\n\n  ", Expect(PASSED, format="cms"))


@case
def f1_whole_base64_control(m: Material) -> Case:
    return Case(base64.encodebytes(genuine_cms(m)), Expect(PASSED, format="cms"))


@case
def f1_der_control(m: Material) -> Case:
    return Case(genuine_cms(m), Expect(PASSED, format="cms"))


@case
def f1_bom_signed_xml_control(m: Material) -> Case:
    return Case(BOM + sign_xml(m, xml_document(m), "individual_sign"), Expect(PASSED, format="xml"))


# --- family 2: a claimed time proves nothing -------------------------------------------------------------

def _expired_claim(m: Material) -> dt.datetime:
    """Five days before the expired identity's notAfter (35 days ago): when it was still valid."""
    return m.keys["expired"].certificate.x509.not_valid_after_utc - dt.timedelta(days=5)


def _before_revocation(m: Material) -> dt.datetime:
    return m.now - dt.timedelta(days=20)  # the test PKI revoked these keys 10 (RSA) and 5 (EC) days ago


NO_POE_EXPIRED = Expect(INDETERMINATE, frozenset({"OUT_OF_BOUNDS_NO_POE"}))
NO_POE_REVOKED = Expect(INDETERMINATE, frozenset({"REVOKED_NO_POE"}))
RECEIVED_EXPIRED = Expect(FAILED, frozenset({"CERT_EXPIRED"}))
RECEIVED_REVOKED = Expect(FAILED, frozenset({"CERT_REVOKED"}))
IN_FUTURE = Expect(INDETERMINATE, frozenset({"SIGNING_TIME_IN_FUTURE"}))


@case
def f2_cms_expired_key_claims_a_time_before_expiry(m: Material) -> Case:
    return Case(sign_cms(m, "expired", claimed=_expired_claim(m)), NO_POE_EXPIRED, RECEIVED_EXPIRED,
                claimed_time=True)


@case
def f2_cms_expired_key_detached_backdated(m: Material) -> Case:
    return Case(sign_cms(m, "expired", detached=True, claimed=_expired_claim(m)), NO_POE_EXPIRED,
                RECEIVED_EXPIRED, detached=CONTENT, claimed_time=True)


@case
def f2_cms_expired_key_backdated_as_pem(m: Material) -> Case:
    return Case(pem(sign_cms(m, "expired", claimed=_expired_claim(m))), NO_POE_EXPIRED, RECEIVED_EXPIRED,
                claimed_time=True)


@case
def f2_cms_expired_key_backdated_verified_at_now(m: Material) -> Case:
    """An explicit ``at`` (now) is a requested moment, not a proof: the claim still does not count."""
    return Case(sign_cms(m, "expired", claimed=_expired_claim(m)), NO_POE_EXPIRED, RECEIVED_EXPIRED,
                at=m.now, claimed_time=True)


@case
def f2_cms_expired_key_with_a_timestamp_from_today(m: Material) -> Case:
    """A real timestamp proves the signature exists today, after expiry: the backdated claim is overruled."""
    return Case(sign_cms(m, "expired", claimed=_expired_claim(m), timestamp=True), RECEIVED_EXPIRED)


@case
def f2_xml_expired_key(m: Material) -> Case:
    return Case(sign_xml(m, xml_document(m), "expired"), NO_POE_EXPIRED, RECEIVED_EXPIRED)


@case
def f2_pdf_expired_key_claims_m_before_expiry(m: Material) -> Case:
    return Case(pdf_claiming(m, "expired", _expired_claim(m)), NO_POE_EXPIRED, not_pdf_request(), claimed_time=True)


@case
def f2_pdf_expired_key_cms_signing_time_before_expiry(m: Material) -> Case:
    return Case(pdf_with_cms_claim(m, "expired", _expired_claim(m)), NO_POE_EXPIRED, not_pdf_request(),
                claimed_time=True)


@case
def f2_cms_revoked_key_claims_a_time_before_revocation(m: Material) -> Case:
    return Case(sign_cms(m, "revoked", claimed=_before_revocation(m)), NO_POE_REVOKED, RECEIVED_REVOKED,
                claimed_time=True)


@case
def f2_cms_ec_revoked_key_claims_a_time_before_revocation(m: Material) -> Case:
    return Case(sign_cms(m, "ec_revoked", claimed=_before_revocation(m)), NO_POE_REVOKED, RECEIVED_REVOKED,
                claimed_time=True)


@case
def f2_cms_revoked_key_with_a_timestamp_from_today(m: Material) -> Case:
    return Case(sign_cms(m, "revoked", claimed=_before_revocation(m), timestamp=True), RECEIVED_REVOKED)


@case
def f2_pdf_revoked_key_claims_m_before_revocation(m: Material) -> Case:
    return Case(pdf_claiming(m, "revoked", _before_revocation(m)), NO_POE_REVOKED, not_pdf_request(),
                claimed_time=True)


@case
def f2_cms_expired_key_with_a_borrowed_timestamp(m: Material) -> Case:
    """A genuine TSA token of another signature, moved onto the expired key's backdated one."""
    token = timestamp_token_of(sign_cms(m, "official_region", timestamp=True))
    data = with_timestamp_token(sign_cms(m, "expired", claimed=_expired_claim(m)), token)
    return Case(data, Expect(FAILED, frozenset({"TIMESTAMP_INVALID"})))


@case
def f2_cms_expired_key_timestamps_itself_before_expiry(m: Material) -> Case:
    """The expired key signs its own TSTInfo with a genTime before expiry: a token, but not from a TSA."""
    key = m.keys["expired"]
    signed = sign_cms(m, "expired", claimed=_expired_claim(m))
    signature = acms.ContentInfo.load(signed)["content"]["signer_infos"][0]["signature"].native
    token = make_timestamp_token(hashlib_sha256(signature), cms.SHA256, key.private_key, key.certificate.der,
                                 "1.2.398.3.3.2.6.1", None, _expired_claim(m), 4242, [c.der for c in key.chain])
    return Case(with_timestamp_token(signed, token), Expect(FAILED, frozenset({"TIMESTAMP_INVALID"})))


@case
def f2_pdf_expired_key_backdated_then_a_document_timestamp(m: Material) -> Case:
    """A document timestamp of today proves only that the backdated signature exists today, after expiry."""
    data = doc_timestamp(m, pdf_claiming(m, "expired", _expired_claim(m)))
    return Case(data, Expect(INDETERMINATE, frozenset({"OUT_OF_BOUNDS_NO_POE"})), not_pdf_request())


@case
def f2_cms_claims_a_day_ahead(m: Material) -> Case:
    return Case(sign_cms(m, "individual_sign", claimed=m.now + dt.timedelta(days=1)), IN_FUTURE, claimed_time=True)


@case
def f2_cms_claims_ten_minutes_ahead(m: Material) -> Case:
    return Case(sign_cms(m, "individual_sign", claimed=m.now + dt.timedelta(minutes=10)), IN_FUTURE,
                claimed_time=True)


@case
def f2_cms_claims_a_year_ahead_with_a_timestamp(m: Material) -> Case:
    """A timestamp proves today; a claim of next year contradicts it and is still reported, never believed."""
    return Case(sign_cms(m, "individual_sign", claimed=m.now + dt.timedelta(days=365), timestamp=True), IN_FUTURE)


@case
def f2_cms_claims_two_minutes_ahead_control(m: Material) -> Case:
    """Within the five minutes of clock skew."""
    return Case(sign_cms(m, "individual_sign", claimed=m.now + dt.timedelta(minutes=2)), Expect(PASSED),
                claimed_time=True)


@case
def f2_pdf_claims_m_a_day_ahead(m: Material) -> Case:
    return Case(pdf_claiming(m, "individual_sign", m.now + dt.timedelta(days=1)), IN_FUTURE, not_pdf_request(),
                claimed_time=True)


@case
def f2_pdf_claims_m_two_minutes_ahead_control(m: Material) -> Case:
    return Case(pdf_claiming(m, "individual_sign", m.now + dt.timedelta(minutes=2)), Expect(PASSED),
                not_pdf_request(), claimed_time=True)


@case
def f2_cms_with_a_timestamp_control(m: Material) -> Case:
    return Case(sign_cms(m, "official_region", timestamp=True), Expect(PASSED))


@case
def f2_cms_backdated_claim_with_a_timestamp_control(m: Material) -> Case:
    """A valid key, a claim of three days ago and a timestamp of today: passes, and shows the timestamp's time."""
    return Case(sign_cms(m, "official_region", claimed=m.now - dt.timedelta(days=3), timestamp=True),
                Expect(PASSED))


@case
def f2_pdf_with_a_timestamp_control(m: Material) -> Case:
    signed = m.once("signed_licence", lambda: pdf.sign_pdf(m.licence, m.keys["official_region"],
                                                           timestamp_url=m.tsa_url))
    return Case(signed, Expect(PASSED, format="pdf"), not_pdf_request())


# --- family 3: who signed must match who was expected ----------------------------------------------------

MISMATCH = Expect(FAILED, frozenset({"SIGNERS_MISMATCH"}))
XML_SIGNERS = ("company_head", "company_signer", "official_region")   # in signing order
CMS_SIGNERS = ("company_head", "company_signer")
PDF_SIGNERS = ("company_head", "official_region")


def cosigned_xml(m: Material) -> bytes:
    return m.once("cosigned_xml", lambda: sign_xml(m, xml_document(m), *XML_SIGNERS))


def cosigned_cms(m: Material) -> bytes:
    def build() -> bytes:
        data = sign_cms(m, CMS_SIGNERS[0])
        for name in CMS_SIGNERS[1:]:
            key = m.keys[name]
            data = cms.add_signer(data, key.private_key, key.certificate.der, extra_certs=[c.der for c in key.chain])
        return data

    return m.once("cosigned_cms", build)


def cosigned_pdf(m: Material) -> bytes:
    def build() -> bytes:
        data = m.licence
        for number, name in enumerate(PDF_SIGNERS, 1):
            data = pdf.sign_pdf(data, m.keys[name], field_name=f"Signature{number}")
        return data

    return m.once("cosigned_pdf", build)


_DOCUMENTS = {"xml": (cosigned_xml, XML_SIGNERS), "cms": (cosigned_cms, CMS_SIGNERS), "pdf": (cosigned_pdf, PDF_SIGNERS)}
_OTHER = {"company_head": "company_employee", "company_signer": "company_employee", "official_region": "official_ministry"}


def _expectations(m: Material, names: tuple[str, ...]) -> dict[str, tuple[tuple[ExpectedSigner, ...], bool]]:
    """Expected-signer lists for a document signed by ``names``: variant -> (expected signers, must pass)."""
    exact = tuple(m.expected(n) for n in names)
    first = names[0]
    outsider = "individual_sign"
    return {
        "exact": (exact, True),
        "by_iin_only": (tuple(ExpectedSigner(iin=m.identities[n]["iin"]) for n in names), True),
        "by_bin_only": (tuple(ExpectedSigner(bin=m.identities[n]["bin"]) for n in names), True),
        "missing_the_last": (exact[:-1], False),
        "missing_the_first": (exact[1:], False),
        "one_extra": ((*exact, m.expected(outsider)), False),
        "the_first_twice": ((exact[0], *exact), False),
        "first_two_reordered": ((exact[1], exact[0], *exact[2:]), False),
        "last_two_reordered": ((*exact[:-2], exact[-1], exact[-2]), False),
        "other_iin_right_bin": ((m.expected(first, iin=m.identities[_OTHER[first]]["iin"]), *exact[1:]), False),
        "right_iin_other_bin": ((*exact[:-1], m.expected(names[-1], bin=m.identities["official_ministry"]["bin"])),
                                False),
        "second_replaced_by_an_outsider": ((exact[0], m.expected(outsider), *exact[2:]), False),
        "nobody": ((), False),
    }


def _family3(fmt: str, variant: str) -> Callable[[Material], Case]:
    def build(m: Material) -> Case:
        make, names = _DOCUMENTS[fmt]
        signers_expected, passes = _expectations(m, names)[variant]
        verdict = Expect(PASSED) if passes else MISMATCH
        return Case(make(m), verdict, not_pdf_request() if fmt == "pdf" else None,
                    claims=Claims(signers=signers_expected))

    build.__name__ = f"f3_{fmt}_{variant}"
    build.__doc__ = f"{fmt.upper()} signed by {', '.join(_DOCUMENTS[fmt][1])}; expected signers: {variant}"
    return build


def _family3_unchecked(fmt: str) -> Callable[[Material], Case]:
    def build(m: Material) -> Case:
        make, names = _DOCUMENTS[fmt]
        return Case(make(m), Expect(PASSED), not_pdf_request() if fmt == "pdf" else None, signers_found=len(names))

    build.__name__ = f"f3_{fmt}_no_expectations"
    return build


for _fmt in _DOCUMENTS:
    for _variant in ("exact", "by_iin_only", "by_bin_only", "missing_the_last", "missing_the_first", "one_extra",
                     "the_first_twice", "first_two_reordered", "last_two_reordered", "other_iin_right_bin",
                     "right_iin_other_bin", "second_replaced_by_an_outsider", "nobody"):
        case(_family3(_fmt, _variant))
    case(_family3_unchecked(_fmt))


@case
def f3_pdf_document_timestamp_is_no_signer(m: Material) -> Case:
    """The co-signed PDF with a document timestamp on top: the TSA is no signer, the two officials are."""
    data = m.once("cosigned_pdf_lta", lambda: doc_timestamp(m, cosigned_pdf(m)))
    return Case(data, Expect(PASSED), not_pdf_request(),
                claims=Claims(signers=tuple(m.expected(n) for n in PDF_SIGNERS)))


@case
def f3_pdf_document_timestamp_expected_as_a_signer(m: Material) -> Case:
    """A third signer expected: the document timestamp does not stand in for one."""
    data = m.once("cosigned_pdf_lta", lambda: doc_timestamp(m, cosigned_pdf(m)))
    return Case(data, MISMATCH, not_pdf_request(),
                claims=Claims(signers=(*(m.expected(n) for n in PDF_SIGNERS), m.expected(PDF_SIGNERS[-1]))))


@case
def f3_xml_same_signer_twice_expected_two_people(m: Material) -> Case:
    data = sign_xml(m, xml_document(m), "company_head", "company_head")
    return Case(data, MISMATCH, claims=Claims(signers=(m.expected("company_head"), m.expected("company_signer"))))


@case
def f3_cms_expected_by_certificate(m: Material) -> Case:
    expected = tuple(ExpectedSigner(certificates=frozenset({m.keys[n].certificate.sha256})) for n in CMS_SIGNERS)
    return Case(cosigned_cms(m), Expect(PASSED), claims=Claims(signers=expected))


@case
def f3_cms_expected_by_another_certificate_of_the_same_person(m: Material) -> Case:
    """The right IIN but pinned to another certificate of the same company: a mismatch."""
    expected = (ExpectedSigner(iin=m.identities["company_head"]["iin"],
                               certificates=frozenset({m.keys["company_employee"].certificate.sha256})),
                ExpectedSigner(certificates=frozenset({m.keys["company_signer"].certificate.sha256})))
    return Case(cosigned_cms(m), MISMATCH, claims=Claims(signers=expected))


@case
def f3_cms_expected_by_any_of_two_certificates(m: Material) -> Case:
    either = frozenset({m.keys["company_head"].certificate.sha256, m.keys["company_signer"].certificate.sha256})
    return Case(cosigned_cms(m), Expect(PASSED), claims=Claims(signers=(ExpectedSigner(certificates=either),) * 2))


@case
def f3_cms_single_signer_expected_two(m: Material) -> Case:
    return Case(sign_cms(m, "company_head"), MISMATCH,
                claims=Claims(signers=(m.expected("company_head"), m.expected("company_signer"))))
