"""Two-step issuing: the official signs with their own key on their own device; the key never reaches the service.

Step 1, ``prepare``: the official's certificate is checked as the one-step issuer checks a held key (an
authorised signer of the provider for this type now, and the signer check with the provider's BIN and the
right to sign); the registry reserves the number; the PDF is rendered with it and prepared for an external
PAdES signature (a signature field whose /Contents is reserved, pyHanko's interrupted signing), and its XML
twin is rendered. The registry keeps all of it as a pending record (the prepared PDF, the XML, the /ByteRange
digest, the certificate's SHA-256, who prepared it, until when it may be completed), so a restart between the
two steps loses nothing.

The device signs:

- the digest, with NCALayer's ``createCAdESFromBase64Hash``: a detached CMS whose messageDigest is that digest
  (SHA-256 for an RSA or EC key, Streebog or GOST 34.311 for an NCA GOST key: the hash its algorithm goes with);
- the XML twin, with NCALayer's ``signXml``: an enveloped XMLDSig. That is the profile the service signs and
  verifies everywhere else, so the XML twin stays one self-contained file that verifies like every other XML
  the service issues (a detached CMS over the XML would be a second file to keep next to it).

Step 2, ``complete``: the CMS must verify over the prepared /ByteRange (so its messageDigest is the prepared
digest) and be the prepared certificate's; the signer is checked again now; the signed XML must be intact,
by that certificate, over exactly the prepared XML. The CMS is then embedded (with a signature timestamp,
B-T, when the device gave none and a TSA is configured) with the chain and revocation answers (B-LT), and the
registry records the document and drops the pending record in one transaction. A refusal registers nothing
and keeps the pending record, so the official can sign again until it expires.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

from asn1crypto import cms as asn1_cms
from asn1crypto import core
from lxml import etree

from eds.issuing import documents
from eds.issuing.issuer import (
    Authority,
    IssuingError,
    IssuingOptions,
    check_issue_dates,
    check_signing_authority,
    external_number,
    local_date,
    long_term_data,
    verification_link,
    with_proven_blocks,
)
from eds.issuing.registry import ErrorCode, Registry, RegistryError
from eds.issuing.registry.records import Document, Draft, Pending, PreparedFiles, SignedFiles
from eds.pki import gost
from eds.pki.certificates import Certificate, CertificateError
from eds.signatures import cms, pades as pdf, tsp, xmldsig
from eds.validation.signer_check import SignerChecker

DEFAULT_TTL = _dt.timedelta(minutes=30)
CMS_ROOM = 32 * 1024  # DER bytes reserved in /Contents: the CMS with its certificates and a timestamp token
# The hash of the /ByteRange that the official's device signs, by the key algorithm of their certificate: its
# name (kept in the registry, answered as digestAlgorithm) and its OID in the CMS. NCALayer's
# createCAdESFromBase64Hash signs the hash it is given, so it must be the one the key's algorithm goes with.
PDF_DIGESTS: dict[str, tuple[str, str]] = {
    "1.2.840.113549.1.1.1": ("sha256", cms.SHA256),  # RSA
    "1.2.840.10045.2.1": ("sha256", cms.SHA256),  # EC
    gost.OID_KZ_GOST2015_512_KEY: ("streebog512", gost.OID_KZ_STREEBOG512_HASH),
    gost.OID_KZ_GOST2015_256_KEY: ("streebog256", gost.OID_KZ_STREEBOG256_HASH),
    gost.OID_KZ_GOST2004_KEY: ("gost34311", gost.OID_KZ_GOST34311_HASH),
}
_DIGEST_OIDS = dict(PDF_DIGESTS.values())
_DEFAULT_OPTIONS = IssuingOptions()


class TwoStepError(IssuingError):
    """Two-step issuing refused: nothing was registered, and a pending record stays as it was."""


@dataclass(frozen=True)
class Prepared:
    """What the official's device needs to sign the pending document."""

    pending_id: str
    number: str
    digest: str  # Base64: the argument of NCALayer's createCAdESFromBase64Hash
    digest_algorithm: str
    xml: bytes = field(repr=False)  # the XML twin, for NCALayer's signXml
    expires_at: _dt.datetime


class TwoStepIssuer:
    """Issues documents of one registry that officials sign on their own devices."""

    def __init__(self, registry: Registry, signers: SignerChecker, options: IssuingOptions = _DEFAULT_OPTIONS, *,
                 ttl: _dt.timedelta = DEFAULT_TTL, cms_room: int = CMS_ROOM) -> None:
        self.registry = registry
        self.signer_checker = signers
        self.options = options
        self.ttl = ttl
        self.cms_room = cms_room

    def authorise(self, provider_id: str, doc_type: str, data: object, certificate: Certificate,
                  extra_certs: Iterable[bytes] = ()) -> Authority:
        """Refuse (TwoStepError) unless ``certificate`` may sign this document for the provider right now: the
        same checks as ``Issuer.authorise``."""
        return check_signing_authority(self.registry, self.signer_checker, provider_id, doc_type, data, certificate,
                                       extra_certs, refusal=TwoStepError)

    def prepare(self, doc_type: str, data: dict, *, provider_id: str, signer_certificate_der: bytes, actor: str,
                idempotency_key: str | None = None, number: str | None = None) -> Prepared:
        """Step 1: check the official's certificate, reserve the number, and say what their device must sign.

        As in one-step issuing, the provider block comes from the registry and the signer block from this
        certificate and the signer's registry record; data that says otherwise is refused; ``number`` is an
        e-licensing number, as ``Issuer.issue`` takes it. A repeated
        ``idempotency_key`` gives the same pending document again (same number and digest). Refusals:
        DocumentDataError (the data, dates that cannot be true), IssuingError (PROVIDER_MISMATCH,
        SIGNER_NOT_FROM_DATA, PROVIDER_INCOMPLETE), TwoStepError (CERTIFICATE_MALFORMED, ALGORITHM_UNSUPPORTED,
        SERVICE_NOT_PROVIDED, SIGNER_NOT_AUTHORISED, SIGNER_NOT_HEAD, SIGNER_CHECK_FAILED), RegistryError (an
        unknown provider, an idempotency CONFLICT).
        """
        documents.get_type(doc_type)
        given_number = external_number(doc_type, number)
        certificate = _certificate(signer_certificate_der)
        authority = self.authorise(provider_id, doc_type, data, certificate)
        validated = documents.validate(doc_type, with_proven_blocks(authority, certificate, doc_type, data,
                                                                    from_request=True))
        check_issue_dates(validated, _now())
        name, identity = validated.holder
        pending = self.registry.reserve(
            doc_type=doc_type, provider_id=provider_id, holder_name=name, holder_id=str(identity),
            data=validated.as_json(), signer_cert_sha256=certificate.sha256, actor=actor, valid_for=self.ttl,
            idempotency_key=idempotency_key, number=given_number,
            prepare=lambda draft: self._prepare_files(draft, validated, certificate))
        return Prepared(pending.id, pending.number, base64.b64encode(pending.digest).decode("ascii"),
                        pending.digest_algorithm, self.registry.pending_file(pending.id, "xml"), pending.expires_at)

    def complete(self, pending_id: str, *, cms_signature: bytes, signed_xml: bytes, actor: str) -> Document:
        """Step 2: check what the device signed, embed the CMS into the prepared PDF and register the document.

        ``cms_signature`` is DER or Base64 (as NCALayer returns it). Every document has both twins, so the signed
        XML is required. Refusals (TwoStepError): PENDING_NOT_FOUND, PENDING_EXPIRED, SIGNATURE_INVALID,
        SIGNATURE_MISMATCH, SIGNATURE_TOO_LARGE, XML_SIGNATURE_INVALID, SIGNER_NOT_AUTHORISED,
        SIGNER_CHECK_FAILED, TIMESTAMP_UNAVAILABLE, PENDING_CORRUPT.
        """
        pending = self._pending(pending_id)
        prepared_pdf = self.registry.pending_file(pending_id, "pdf")
        try:
            start, end = pdf.reserved_region(prepared_pdf)
        except pdf.PdfSigningError:  # the stored file is what is wrong
            raise TwoStepError("PENDING_CORRUPT", "the prepared PDF has no usable signature field; prepare it "
                                                  "again") from None
        signed_content = prepared_pdf[:start] + prepared_pdf[end:]
        if not hmac.compare_digest(_digest(pending.digest_algorithm, signed_content), pending.digest):
            raise TwoStepError("PENDING_CORRUPT", "the prepared PDF no longer matches its digest; prepare it again")
        signature = _der(cms_signature)
        signer = _check_cms(signature, signed_content, pending)
        _check_xml(signed_xml, self.registry.pending_file(pending_id, "xml"), pending)
        certificate = Certificate.load(signer.certificate_der)
        self.authorise(pending.provider_id, pending.doc_type, pending.data, certificate, signer.other_certificates)
        if signer.timestamp is None and self.options.timestamp_url:
            signature = _with_timestamp(signature, self.options.timestamp_url)
        try:
            signed_pdf = pdf.embed_signature(prepared_pdf, start, end, signature)
        except pdf.PdfSigningError as exc:
            raise TwoStepError(exc.code, exc.message, exc.details) from None
        if self.options.long_term:
            # The evidence needs only the certificate and the chain the device sent; the key stays on the device.
            signed_pdf = pdf.add_validation_data(signed_pdf, long_term_data(
                signed_pdf, self.signer_checker, certificate, _readable(signer.other_certificates)))
            if self.options.archive_timestamp_url:  # B-LTA: a document timestamp after the B-LT data
                from eds.issuing import archive

                try:
                    signed_pdf = archive.add_archive_timestamp(signed_pdf, self.signer_checker,
                                                               self.options.archive_timestamp_url)
                except archive.ArchiveError as exc:
                    raise TwoStepError("TIMESTAMP_UNAVAILABLE", f"the document timestamp could not be added: "
                                                                f"{exc.message}") from None
        signed = SignedFiles(signer_cert_sha256=certificate.sha256, signed_at=_now(), pdf=signed_pdf, xml=signed_xml)
        try:
            return self.registry.complete(pending_id, signed=signed, actor=actor)
        except RegistryError as exc:
            raise _pending_refusal(exc) from None

    def completed(self, pending_id: str, *, cms_signature: bytes, signed_xml: bytes) -> Document:
        """The document an earlier ``complete`` registered, asked again with the same signatures.

        A client whose ``complete`` timed out cannot tell whether the document was registered; calling
        ``complete`` again finds no pending record (PENDING_NOT_FOUND) and then this answers: the same
        document when the CMS (its signer, signed attributes and signature value, whatever timestamp was added
        since) and the signed XML are the ones it was completed with; TwoStepError ALREADY_COMPLETED naming
        the document when they are others; PENDING_NOT_FOUND when no document came of ``pending_id``.
        """
        document = self.registry.completed_from(pending_id)
        if document is None:
            raise TwoStepError("PENDING_NOT_FOUND", f"no pending document {pending_id!r}")
        stored = pdf.signature_contents(self.registry.file(document.number, "pdf"))
        if signed_xml != self.registry.file(document.number, "xml") or not _same_signer_info(cms_signature, stored):
            raise TwoStepError("ALREADY_COMPLETED", f"pending document {pending_id} was completed as "
                                                    f"{document.number} with other signatures",
                               {"number": document.number})
        return document

    # step 1
    def _prepare_files(self, draft: Draft, validated: documents.ValidatedDocument,
                       certificate: Certificate) -> PreparedFiles:
        verify_url, token = verification_link(self.options.public_url, draft.number)
        issued_on = local_date(draft.issued_at)
        # The PDF is fixed before the device signs it: its CreationDate and ModDate are when it was prepared.
        unsigned = documents.render_pdf(validated, number=draft.printed_number, issued_at=issued_on,
                                        verify_url=verify_url, event="issue", moment=draft.issued_at)
        prepared = pdf.prepare_signature(unsigned, certificate, room=self.cms_room,
                                         reason=f"{draft.doc_type} {draft.printed_number}",
                                         stamp=(40, 40, 240, 90) if self.options.visible_stamp else None)
        xml = documents.render_xml(validated, number=draft.printed_number, issued_at=issued_on,
                                   verify_url=verify_url, event="issue")
        algorithm = PDF_DIGESTS[certificate.key_algorithm_oid][0]
        digest = prepared.sha256 if algorithm == "sha256" else _digest(algorithm, prepared.signed_bytes)
        return PreparedFiles(pdf=prepared.pdf, xml=xml, digest=digest, digest_algorithm=algorithm, access_token=token)

    # step 2
    def _pending(self, pending_id: str) -> Pending:
        try:
            return self.registry.pending(pending_id)
        except RegistryError as exc:
            raise _pending_refusal(exc) from None


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _pending_refusal(exc: RegistryError) -> Exception:
    """The registry's answer about a pending id in this module's codes; anything else unchanged."""
    if exc.code is ErrorCode.NOT_FOUND:
        return TwoStepError("PENDING_NOT_FOUND", exc.message)
    if exc.code is ErrorCode.EXPIRED:
        return TwoStepError("PENDING_EXPIRED", exc.message)
    return exc


def _certificate(der: bytes) -> Certificate:
    """The official's certificate, if it is one whose key can make the PAdES signature prepared here."""
    try:
        certificate = Certificate.load(der)
    except CertificateError as exc:
        raise TwoStepError("CERTIFICATE_MALFORMED", str(exc), {"cause": exc.code}) from None
    if certificate.key_algorithm_oid not in PDF_DIGESTS:
        raise TwoStepError("ALGORITHM_UNSUPPORTED", f"{certificate.key_algorithm} keys cannot sign PDFs here (RSA, "
                                                    "EC and the NCA GOST keys can)",
                           {"algorithm": certificate.key_algorithm})
    return certificate


def _readable(certificates: Iterable[bytes]) -> tuple[Certificate, ...]:
    """The CMS's other certificates that load: an unreadable one only means a path cannot use it."""
    found = []
    for der in certificates:
        try:
            found.append(Certificate.load(der))
        except CertificateError:
            continue
    return tuple(found)


def _der(signature: bytes) -> bytes:
    """The CMS as DER: as given, or decoded from the Base64 NCALayer returns."""
    if signature[:1] == b"\x30":
        return signature
    try:
        return base64.b64decode(b"".join(signature.split()), validate=True)
    except (binascii.Error, ValueError):
        raise TwoStepError("SIGNATURE_INVALID", "the signature is neither DER nor Base64 CMS",
                           {"cause": "CMS_MALFORMED"}) from None


def _same_signer_info(cms_signature: bytes, stored: bytes) -> bool:
    """Whether the device's CMS is the one embedded: the same signer, signed attributes and signature value."""
    try:
        given = asn1_cms.ContentInfo.load(_der(cms_signature))["content"]["signer_infos"]
        embedded = asn1_cms.ContentInfo.load(stored, strict=False)["content"]["signer_infos"]
        parts = ("sid", "signed_attrs", "signature")
        return len(given) == len(embedded) == 1 and all(given[0][p].dump() == embedded[0][p].dump() for p in parts)
    except (TwoStepError, ValueError, TypeError, KeyError, IndexError):
        return False


def _digest(algorithm: str, data: bytes) -> bytes:
    """``data`` hashed with a digest of PDF_DIGESTS named as the registry keeps it."""
    function = cms.digest_function(_DIGEST_OIDS.get(algorithm, ""))
    if function is None:
        raise TwoStepError("PENDING_CORRUPT", f"the pending document names an unknown digest {algorithm!r}")
    return function(data)


def _check_cms(signature: bytes, signed_content: bytes, pending: Pending) -> cms.CmsSignerResult:
    """The one SignerInfo, intact over the prepared /ByteRange and made with the prepared certificate."""
    verification = tsp.verify_cades(signature, detached_content=signed_content)
    if verification.failure is not None:
        raise TwoStepError("SIGNATURE_INVALID", verification.message, {"cause": verification.failure})
    if not verification.detached or verification.content_type != cms.ID_DATA:
        raise TwoStepError("SIGNATURE_INVALID", "the CMS must be detached over id-data, as "
                                                "createCAdESFromBase64Hash makes it", {"cause": "NOT_DETACHED_DATA"})
    if len(verification.signers) != 1:
        raise TwoStepError("SIGNATURE_INVALID", "the CMS must carry exactly one signature, the official's",
                           {"cause": "SIGNER_COUNT", "signers": len(verification.signers)})
    signer = verification.signers[0]
    if signer.failure == "DIGEST_MISMATCH":
        raise TwoStepError("SIGNATURE_MISMATCH", "the CMS signs another digest than the one prepared",
                           {"cause": "DIGEST_MISMATCH"})
    if not signer.intact:
        raise TwoStepError("SIGNATURE_INVALID", signer.message, {"cause": signer.failure})
    if signer.digest_algorithm != _DIGEST_OIDS.get(pending.digest_algorithm):
        raise TwoStepError("SIGNATURE_MISMATCH", f"the CMS digest is not the prepared {pending.digest_algorithm}",
                           {"cause": "DIGEST_ALGORITHM_MISMATCH", "algorithm": signer.digest_algorithm})
    if hashlib.sha256(signer.certificate_der).hexdigest() != pending.signer_cert_sha256:
        raise TwoStepError("SIGNATURE_MISMATCH", "the CMS is signed with another certificate than the one prepared",
                           {"cause": "CERTIFICATE_MISMATCH"})
    return signer


def _check_xml(signed_xml: bytes, prepared_xml: bytes, pending: Pending) -> None:
    """One intact XMLDSig by the prepared certificate over exactly the prepared XML twin."""
    verification = xmldsig.verify_xml(signed_xml)
    if not verification.intact:
        failed = next((s for s in verification.signatures if not s.intact), None)
        cause = verification.failure or (failed.failure if failed else None)
        raise TwoStepError("XML_SIGNATURE_INVALID", failed.message if failed else verification.message,
                           {"cause": cause})
    if len(verification.signatures) != 1:
        raise TwoStepError("XML_SIGNATURE_INVALID", "the XML must carry exactly one signature, the official's",
                           {"cause": "SIGNER_COUNT", "signers": len(verification.signatures)})
    if hashlib.sha256(verification.signatures[0].certificate_der).hexdigest() != pending.signer_cert_sha256:
        raise TwoStepError("XML_SIGNATURE_INVALID", "the XML is signed with another certificate than the one prepared",
                           {"cause": "CERTIFICATE_MISMATCH"})
    if verification.signed_document != _canonical(prepared_xml):
        raise TwoStepError("XML_SIGNATURE_INVALID", "the signed XML is not the prepared XML twin",
                           {"cause": "CONTENT_MISMATCH"})


def _canonical(xml: bytes) -> bytes:
    """The prepared XML (the service's own rendering) as ``URI=""`` signatures cover it: C14N 1.0, no comments."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.tostring(etree.fromstring(xml, parser).getroottree(), method="c14n", with_comments=False)


def _with_timestamp(signature: bytes, url: str) -> bytes:
    """The CMS with a checked signature timestamp (CAdES-T) over the official's signature value.

    Only the unsigned attributes change; every signed byte is copied as it came from the device.
    """
    content_info = asn1_cms.ContentInfo.load(signature)
    signed_data = content_info["content"]
    signer_info = signed_data["signer_infos"][0]
    value = signer_info["signature"].native
    try:
        token = tsp.request_timestamp(url, hashlib.sha256(value).digest())
    except tsp.TimestampError as exc:
        raise TwoStepError("TIMESTAMP_UNAVAILABLE", f"the TSA did not give a timestamp: {exc}") from None
    info = tsp.verify_timestamp_token(token, data=value)
    if not info.intact:
        raise TwoStepError("TIMESTAMP_UNAVAILABLE", f"the TSA gave an unusable timestamp: {info.message}",
                           {"cause": info.failure})
    unsigned = [] if isinstance(signer_info["unsigned_attrs"], core.Void) else list(signer_info["unsigned_attrs"])
    unsigned.append(asn1_cms.CMSAttribute({"type": "signature_time_stamp_token",
                                           "values": [asn1_cms.ContentInfo.load(token)]}))
    kept = ("version", "sid", "digest_algorithm", "signed_attrs", "signature_algorithm", "signature")
    stamped = asn1_cms.SignerInfo({**{name: signer_info[name] for name in kept}, "unsigned_attrs": unsigned})
    parts = {name: signed_data[name] for name in ("version", "digest_algorithms", "encap_content_info",
                                                  "certificates", "crls")
             if not isinstance(signed_data[name], core.Void)}
    rebuilt = asn1_cms.SignedData({**parts, "signer_infos": [stamped]})
    return asn1_cms.ContentInfo({"content_type": "signed_data", "content": rebuilt}).dump()
