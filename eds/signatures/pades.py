"""PAdES signatures over pyHanko, with keys the service already holds.

pyHanko does the PDF plumbing (signature field, ByteRange, CMS, incremental update, DSS); this module
adds what a signing *service* needs: a signer that uses a key loaded once (pyHanko's SimpleSigner parses
the key again for every signature), an RFC 3161 timestamper over this project's TSA client, and B-LT
validation data collected by this project's own revocation checks (so NCA OCSP answers without
nextUpdate are embedded as they are).
"""

from __future__ import annotations

import asyncio
import http.client
import io
import urllib.error
from collections.abc import Iterable
from dataclasses import dataclass, field

from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import tsp as asn1_tsp
from asn1crypto import x509 as asn1_x509
from asn1crypto.crl import CertificateList
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import attributes, fields, signers
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from eds import event_loop
from eds.errors import CodedError
from eds.pki import algorithms
from eds.pki.certificates import Certificate
from eds.pki.keys import KeyMismatch, SigningKey, belongs_to
from eds.signatures import cms, pdf_reading, tsp

pdf_reading.install()  # pyHanko reads a signed PDF's /Contents, and the document information, at once

# Key types whose signatures pyHanko makes itself (it knows their hashes); others get their CMS from eds.signatures.cms.
_PYHANKO_KEY_TYPES = frozenset({"rsa", "ec"})


class PdfSigningError(CodedError, ValueError):
    """A PDF that cannot be signed; ``code`` is stable."""


class _FrozenSigningCertificate(attributes.SigningCertificateV2Provider):
    def __init__(self, signing_cert: asn1_x509.Certificate) -> None:
        super().__init__(signing_cert)
        self._value = asn1_tsp.SigningCertificateV2.load(as_signing_certificate_v2(signing_cert).dump())

    async def build_attr_value(self, dry_run: bool = False) -> asn1_tsp.SigningCertificateV2:
        return self._value


class _PadesSignedAttributes(attributes.SignedAttributeProviderSpec):
    def __init__(self, signing_cert: asn1_x509.Certificate) -> None:
        self._signing_certificate = _FrozenSigningCertificate(signing_cert)

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str
                              ) -> Iterable[attributes.CMSAttributeProvider]:
        return (self._signing_certificate,)


class HeldKeySigner(signers.Signer):
    """A pyHanko signer over a held key that is already loaded (RSA PKCS#1 v1.5 or ECDSA)."""

    def __init__(self, key: SigningKey) -> None:
        chain = [asn1_x509.Certificate.load(c.der) for c in (key.certificate, *key.chain)]
        for certificate in chain:  # one signer serves every thread: parse through now, not lazily in two at once
            certificate.native  # noqa: B018
        super().__init__(signing_cert=chain[0], cert_registry=SimpleCertificateStore.from_certs(chain[1:]),
                         embed_roots=True)
        self._key = key.held
        self._private_key = key.private_key

        # PAdES signed attributes besides content type and digest: only signing-certificate-v2, which
        # depends on the certificate alone. Built once and kept as parsed DER: asn1crypto re-encodes a freshly
        # built nested value at every later dump (some 40 times per signature), most of the cost of signing.
        self.signed_attr_prov_spec = _PadesSignedAttributes(self.signing_cert)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        digest = algorithms.digest_named(digest_algorithm)
        algorithm = algorithms.for_key_type(self._key.key_type, digest.oid) if digest is not None else None
        if algorithm is None:
            raise PdfSigningError("KEY_ALGORITHM_UNSUPPORTED", f"a {self._key.key_type} key cannot sign with "
                                                               f"{digest_algorithm} here")
        try:
            return self._key.sign(data, algorithm)
        except KeyMismatch as exc:
            raise PdfSigningError("KEY_ALGORITHM_UNSUPPORTED", str(exc)) from None


class ServiceTimeStamper(TimeStamper):
    """pyHanko's timestamper interface over ``eds.signatures.tsp`` (bounded retries, checked answers)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        super().__init__(include_nonce=True)
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req: asn1_tsp.TimeStampReq) -> asn1_tsp.TimeStampResp:
        try:
            body = await asyncio.to_thread(tsp.post_request, self.url, req.dump(), self.timeout)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise tsp.TimestampError("TSA_UNAVAILABLE", f"the TSA did not answer: {exc}") from None
        try:
            response = asn1_tsp.TimeStampResp.load(body)
            # asn1crypto parses lazily: garbage must fail here, not inside pyHanko. Reading the status is enough;
            # a full .native would parse the whole token and make pyHanko re-encode it (ten times slower).
            response["status"]["status"].native  # noqa: B018
        except (ValueError, TypeError) as exc:
            raise tsp.TimestampError("TSA_RESPONSE_MALFORMED", f"the TSA's answer is not a TimeStampResp: {exc}") \
                from None
        return response


FIELD_NAME = "Signature1"
# Room for the CMS in /Contents. Given up front, pyHanko skips its dry-run signature that only measures it.
_RESERVED = 8192 + 4096
_signers: dict[str, HeldKeySigner] = {}


def _signer_for(key: SigningKey) -> HeldKeySigner:
    """One pyHanko signer per held key, so certificates are parsed once, not at every signature."""
    signer = _signers.get(key.certificate.sha256)
    if signer is None or signer._private_key is not key.private_key:
        signer = _signers[key.certificate.sha256] = HeldKeySigner(key)
    return signer


@dataclass(frozen=True)
class ValidationData:
    """Certificates and revocation answers to embed (B-LT), all as DER."""

    certificates: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as exc:
        raise PdfSigningError("PDF_MALFORMED", f"the PDF cannot be read: {exc}") from None


def sign_pdf(pdf: bytes, key: SigningKey, *, timestamp_url: str | None = None, field_name: str = FIELD_NAME,
             reason: str | None = None, location: str | None = None, contact_info: str | None = None,
             stamp: tuple[int, int, int, int] | None = None) -> bytes:
    """Add a PAdES signature (B-B, or B-T with ``timestamp_url``) as an incremental update.

    RSA and EC keys sign through pyHanko; GOST keys, whose hashes pyHanko does not know, get the same signature
    field from pyHanko and their CMS from ``eds.signatures.cms`` (digest, signed attributes and value in GOST).
    ``stamp`` is an optional visible box (x1, y1, x2, y2) on the first page.
    """
    room = _RESERVED + (8192 if timestamp_url else 0)
    try:
        key_type = key.key_type
    except TypeError as exc:
        raise PdfSigningError("KEY_ALGORITHM_UNSUPPORTED", f"this key cannot make PAdES signatures: {exc}") from None
    if not belongs_to(key, key.certificate.der):
        raise PdfSigningError("KEY_CERTIFICATE_MISMATCH", "the private key does not belong to the certificate")
    if key_type not in _PYHANKO_KEY_TYPES:
        return _sign_with_cms(pdf, key, timestamp_url=timestamp_url, field_name=field_name, reason=reason,
                              location=location, contact_info=contact_info, stamp=stamp, room=room)
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name, reason=reason, location=location, contact_info=contact_info,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
    )
    new_field = fields.SigFieldSpec(field_name, box=stamp, on_page=0) if stamp else None
    timestamper = ServiceTimeStamper(timestamp_url) if timestamp_url else None
    try:
        pdf_signer = signers.PdfSigner(metadata, signer=_signer_for(key), timestamper=timestamper,
                                       new_field_spec=new_field)  # no validation context: nothing to release
        output = event_loop.run(pdf_signer.async_sign_pdf(_writer(pdf), bytes_reserved=room))
    except tsp.TimestampError as exc:
        raise PdfSigningError("TIMESTAMP_UNAVAILABLE", f"the TSA did not give a timestamp: {exc}") from None
    return output.getvalue()


def _sign_with_cms(pdf: bytes, key: SigningKey, *, timestamp_url: str | None, field_name: str, reason: str | None,
                   location: str | None, contact_info: str | None, stamp: tuple[int, int, int, int] | None,
                   room: int) -> bytes:
    prepared = prepare_signature(pdf, key.certificate, field_name=field_name, reason=reason, location=location,
                                 contact_info=contact_info, stamp=stamp, room=room)
    try:
        stamp = tsp.signature_timestamper(timestamp_url) if timestamp_url else None
        signature = cms.sign_cms(prepared.signed_bytes, key.private_key, key.certificate.der, detached=True,
                                 extra_certs=[c.der for c in key.chain], timestamp=stamp, pades=True)
    except tsp.TimestampError as exc:
        raise PdfSigningError("TIMESTAMP_UNAVAILABLE", f"the TSA did not give a timestamp: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise PdfSigningError("KEY_ALGORITHM_UNSUPPORTED", f"this key cannot make PAdES signatures: {exc}") from None
    return embed_signature(prepared.pdf, prepared.start, prepared.end, signature)


@dataclass(frozen=True)
class PreparedSignature:
    """A PDF with an empty PAdES signature: ``pdf[start:end]`` is the reserved /Contents, the rest is signed."""

    pdf: bytes = field(repr=False)
    start: int
    end: int
    sha256: bytes  # of the signed bytes: what NCALayer's createCAdESFromBase64Hash takes

    @property
    def signed_bytes(self) -> bytes:
        return self.pdf[:self.start] + self.pdf[self.end:]


def prepare_signature(pdf: bytes, certificate: Certificate, *, room: int, field_name: str = FIELD_NAME,
                      reason: str | None = None, location: str | None = None, contact_info: str | None = None,
                      stamp: tuple[int, int, int, int] | None = None) -> PreparedSignature:
    """The PDF with an empty PAdES signature whose /Contents holds ``room`` DER bytes, for a CMS made elsewhere
    (on the official's device, or by ``eds.signatures.cms`` for GOST). Only the certificate is needed: it names the signer
    in a visible stamp; no signature value is made here."""
    metadata = signers.PdfSignatureMetadata(field_name=field_name, reason=reason, location=location,
                                            contact_info=contact_info,
                                            md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES)
    placeholder = signers.ExternalSigner(asn1_x509.Certificate.load(certificate.der), SimpleCertificateStore())
    new_field = fields.SigFieldSpec(field_name, box=stamp, on_page=0) if stamp else None
    pdf_signer = signers.PdfSigner(metadata, signer=placeholder, new_field_spec=new_field)
    prepared, _document, output = event_loop.run(
        pdf_signer.async_digest_doc_for_signing(_writer(pdf), bytes_reserved=2 * room))  # hex: two characters a byte
    return PreparedSignature(output.getvalue(), prepared.reserved_region_start, prepared.reserved_region_end,
                             prepared.document_digest)


def reserved_region(prepared_pdf: bytes, field_name: str = FIELD_NAME) -> tuple[int, int]:
    """Where /Contents lies in a prepared PDF: the gap of a /ByteRange that covers the rest of the file.

    PdfSigningError PREPARED_PDF_CORRUPT when there is no such signature field."""
    try:
        reader = PdfFileReader(io.BytesIO(prepared_pdf), strict=False)
        _name, value, _ref = next(iter(fields.enumerate_sig_fields(reader, with_name=field_name)))
        offsets = [int(x) for x in value.get_object()["/ByteRange"]]
    except (PdfReadError, KeyError, TypeError, ValueError, StopIteration):
        offsets = []
    if len(offsets) != 4 or offsets[0] != 0 or offsets[2] + offsets[3] != len(prepared_pdf):
        raise PdfSigningError("PREPARED_PDF_CORRUPT", "the prepared PDF has no usable signature field")
    return offsets[1], offsets[2]


def signature_contents(pdf: bytes, field_name: str = FIELD_NAME) -> bytes:
    """The CMS in a signature field's /Contents, as written there (DER with the reserved room's zero padding).

    PdfSigningError SIGNATURE_NOT_FOUND when the PDF has no signed field of that name."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        _name, value, _ref = next(iter(fields.enumerate_sig_fields(reader, with_name=field_name)))
        contents = value.get_object()["/Contents"]
    except (PdfReadError, KeyError, TypeError, ValueError, StopIteration, AttributeError):
        contents = None
    if not isinstance(contents, bytes):
        raise PdfSigningError("SIGNATURE_NOT_FOUND", f"the PDF has no signature in the field {field_name}")
    return bytes(contents)


def embed_signature(prepared_pdf: bytes, start: int, end: int, signature: bytes) -> bytes:
    """The prepared PDF with the CMS written into its reserved /Contents (pyHanko's finish of interrupted
    signing). PdfSigningError SIGNATURE_TOO_LARGE when it does not fit."""
    room = (end - start - 2) // 2
    if len(signature) > room:
        raise PdfSigningError("SIGNATURE_TOO_LARGE", f"the CMS is {len(signature)} bytes; {room} were reserved",
                              {"size": len(signature), "reserved": room})
    output = io.BytesIO(prepared_pdf)
    PdfTBSDocument.finish_signing(output, PreparedByteRangeDigest(b"", start, end), signature)
    return output.getvalue()


# Hex digits kept in /Contents for a document timestamp's token. Every renewal adds the room to the file, so it is
# kept tight: a TSA's tokens keep their size, so once one token of a TSA was seen, the room is twice its DER size
# and a margin; before that 5 KiB of DER (a TSA token with its CA's certificate: RSA ~3.5 KiB, EC ~2.2 KiB). A token
# that does not fit is asked for again with the largest room.
_DOCUMENT_TIMESTAMP_ROOMS = (10240, 32768)
_TOKEN_MARGIN = 512
_token_sizes: dict[str, int] = {}  # TSA URL -> DER size of its last token


def add_document_timestamp(pdf: bytes, timestamp_url: str) -> bytes:
    """A PAdES document timestamp over the whole PDF as it is (an incremental update): PAdES B-LTA once the
    validation data is in the DSS before it. The token is checked to cover its revision before it is kept.

    PdfSigningError TIMESTAMP_UNAVAILABLE when the TSA gives no usable token."""
    from pyhanko.sign.general import SigningError

    seen = _token_sizes.get(timestamp_url)
    rooms = (2 * seen + _TOKEN_MARGIN, _DOCUMENT_TIMESTAMP_ROOMS[-1]) if seen else _DOCUMENT_TIMESTAMP_ROOMS
    for room in rooms:
        stamper = signers.PdfTimeStamper(ServiceTimeStamper(timestamp_url))
        try:
            stamped = stamper.timestamp_pdf(_writer(pdf), "sha256", bytes_reserved=room).getvalue()
            break
        except tsp.TimestampError as exc:
            raise PdfSigningError("TIMESTAMP_UNAVAILABLE", f"the TSA did not give a timestamp: {exc}") from None
        except SigningError as exc:
            if "larger than expected" in str(exc) and room != rooms[-1]:
                continue  # a token larger than the room: again with the larger one
            raise PdfSigningError("TIMESTAMP_UNAVAILABLE", f"the TSA did not give a usable timestamp: {exc}") \
                from None
        except Exception as exc:  # pyHanko's TimestampRequestError (a refused or mismatched answer) and its kin
            raise PdfSigningError("TIMESTAMP_UNAVAILABLE", f"the TSA did not give a usable timestamp: {exc}") \
                from None
    stamp = PdfFileReader(io.BytesIO(stamped), strict=False).embedded_signatures[-1]
    start1, length1, start2, length2 = (int(v) for v in stamp.byte_range)
    covered = stamped[start1:start1 + length1] + stamped[start2:start2 + length2]
    info = tsp.verify_timestamp_token(stamp.pkcs7_content, data=covered)
    if not info.intact:
        raise PdfSigningError("TIMESTAMP_UNAVAILABLE", f"the TSA's token does not cover the document: {info.message}")
    _token_sizes[timestamp_url] = len(tsp.without_zero_padding(bytes(stamp.pkcs7_content)) or b"")
    return stamped


def add_validation_data(pdf: bytes, data: ValidationData) -> bytes:
    """Embed certificates, OCSP responses and CRLs in the DSS (an incremental update): PAdES B-LT."""
    reader = PdfFileReader(io.BytesIO(pdf))
    signature = reader.embedded_signatures[-1]
    output = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(
        output, signature.pkcs7_content,
        certs=[asn1_x509.Certificate.load(c) for c in data.certificates],
        ocsps=[asn1_ocsp.OCSPResponse.load(o) for o in data.ocsp_responses],
        crls=[CertificateList.load(c) for c in data.crls],
    )
    return output.getvalue()
