"""One verifier for any signed document: PDF (PAdES), XMLDSig or CMS -> a DocumentReport.

For PDFs pyHanko reads the file and judges its structure (ByteRange coverage, and difference analysis of
what was appended after each signature); this project checks each CMS, timestamp and signer. The signer
is judged at the trusted time of a valid signature timestamp when there is one, otherwise at the requested
moment or now: a claimed signing time (signingTime, /M) proves nothing and is reported only as claimed.
Validation data embedded in the document (the DSS of a B-LT PDF) is used first, so a document verifies
offline. A file is judged as what a viewer opens (``eds.formats``), under the limits of ``eds.limits``.
"""

from __future__ import annotations

import datetime as _dt
import io
from dataclasses import dataclass

from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY

from eds import cms, limits, tsp
from eds.formats import detect_format
from eds.limits import DEFAULT as DEFAULT_LIMITS, Limits
from eds.report import Check, DocumentReport, SignatureReport, Status
from eds.request_check import Claims, RequestChecker, settle, signature_check
from eds.revocation import CrlError, CrlIndex
from eds.signer_check import SignerChecker


@dataclass(frozen=True)
class _Embedded:
    """Validation data carried by a PDF's DSS."""

    certificates: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()
    crls: tuple[CrlIndex, ...] = ()


class DocumentVerifier:
    """Verifies documents against one signer checker (trust profile + revocation policy) under limits."""

    def __init__(self, signers: SignerChecker, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.signers = signers
        self.limits = limits
        self.requests = RequestChecker(signers)

    def verify(self, data: bytes, *, at: _dt.datetime | None = None, detached_content: bytes | None = None,
               claims: Claims = Claims()) -> DocumentReport:
        """The report on ``data`` (PDF, XML or CMS, judged as a viewer opens it); never raises on bad input."""
        if not isinstance(data, (bytes, bytearray)) or not data:
            return DocumentReport("unknown", (), (Check("document", Status.FAILED, "no document given",
                                                        "DOCUMENT_MALFORMED"),))
        data = bytes(data)
        with limits.budget(self.limits):
            if detect_format(data) == "pdf":
                try:
                    report = self._pdf(data, at)
                except limits.TooComplex as exc:
                    return DocumentReport("pdf", (), (Check("document", Status.FAILED, exc.message, exc.code,
                                                            exc.details),))
                return settle(report, claims)
            report = self.requests.evaluate(data, claims=claims, detached_content=detached_content, at=at)
        return settle(report, claims)

    # PDF
    def _pdf(self, data: bytes, at: _dt.datetime | None) -> DocumentReport:
        from pyhanko.pdf_utils.reader import PdfFileReader

        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            signatures = list(reader.embedded_signatures)
        except Exception as exc:  # pyHanko raises many kinds on hostile PDFs
            return DocumentReport("pdf", (), (Check("document", Status.FAILED, f"the PDF cannot be read: {exc}",
                                                    "DOCUMENT_MALFORMED"),))
        if not signatures:
            end = data.rfind(b"%%EOF")
            if end >= 0 and data[end + 5:].strip(b" \t\r\n\0"):
                # a complete earlier revision followed by a cut-off update: the signature may be what was cut
                return DocumentReport("pdf", (), (Check(
                    "document", Status.FAILED, "the file goes on after its last end-of-file marker: an update "
                    "was cut off or the file is damaged", "DOCUMENT_MALFORMED"),))
            return DocumentReport("pdf", (), (Check("document", Status.FAILED, "the PDF carries no signature",
                                                    "NO_SIGNATURE"),))
        embedded = _read_dss(reader)
        reports = tuple(self._pdf_signature(data, signature, position == len(signatures) - 1, embedded, at)
                        for position, signature in enumerate(signatures))
        return DocumentReport("pdf", reports, extra={"revisions": reader.xrefs.total_revisions})

    def _pdf_signature(self, data: bytes, signature, is_last: bool, embedded: _Embedded,
                       at: _dt.datetime | None) -> SignatureReport:
        kind = "document-timestamp" if signature.sig_object_type == "/DocTimeStamp" else "signature"
        extra = {"kind": kind, "field": signature.field_name}
        try:
            # pyHanko's structure checks only; the digest is ours (cms), which also knows the GOST hashes.
            signature.coverage = signature.evaluate_signature_coverage()
            signature.diff_result = signature.evaluate_modifications(DEFAULT_DIFF_POLICY)
        except Exception as exc:
            return SignatureReport((Check("integrity", Status.FAILED, f"the signature cannot be checked: {exc}",
                                          "DOCUMENT_MALFORMED"),), extra=extra)
        checks = [_coverage_check(signature, is_last)]
        content = _byte_range_content(data, signature.byte_range)
        if content is None:
            checks.append(Check("signature", Status.FAILED, "the ByteRange points outside the file",
                                "BYTE_RANGE_INVALID"))
            return SignatureReport(tuple(checks), extra=extra)
        if kind == "document-timestamp":
            return self._document_timestamp(signature, content, checks, embedded, extra)
        results = cms.verify_signed_data(signature.signed_data, content)
        result = results[0]
        checks.append(signature_check(result.failure, result.message))
        moment, source, time_checks = self.requests.signing_time(result, at, embedded.certificates,
                                                                 embedded.ocsp_responses, embedded.crls,
                                                                 claimed=_claimed_time(signature))
        checks.extend(time_checks)
        signer = None
        if result.certificate_der is not None:
            signer = self.signers.check(
                result.certificate_der, at=moment, time_source=source,
                extra_certs=(*result.other_certificates, *embedded.certificates),
                document_ocsp=embedded.ocsp_responses, document_crls=embedded.crls)
            checks.extend(signer.checks)
        claimed = result.claimed_signing_time or _claimed_time(signature)
        return SignatureReport(
            tuple(checks), signer=signer.signer if signer else None, chain=signer.chain if signer else (),
            revocation=signer.revocation if signer else (), validation_time=signer.validation_time if signer else None,
            time_source=signer.time_source if signer else None,
            signing_time=moment if source == "timestamp" else claimed, extra=extra)

    def _document_timestamp(self, signature, content: bytes, checks: list[Check], embedded: _Embedded,
                            extra: dict) -> SignatureReport:
        info = tsp.verify_timestamp_token(signature.pkcs7_content, data=content,
                                          hash_algorithm=_oid_of(signature.external_md_algorithm))
        if not info.intact:
            checks.append(Check("timestamp", Status.FAILED, info.message, "TIMESTAMP_INVALID", {"cause": info.failure}))
            return SignatureReport(tuple(checks), extra=extra)
        checks.append(Check("timestamp", Status.PASSED, f"document timestamp {info.gen_time.isoformat()}"))
        tsa = self.signers.check(info.tsa_certificate_der, at=info.gen_time, time_source="timestamp", purpose=None,
                                 extra_certs=(*info.certificates, *embedded.certificates),
                                 document_ocsp=embedded.ocsp_responses, document_crls=embedded.crls)
        checks.extend(tsa.checks)
        return SignatureReport(tuple(checks), signer=tsa.signer, chain=tsa.chain, revocation=tsa.revocation,
                               validation_time=info.gen_time, time_source="timestamp", signing_time=info.gen_time,
                               extra=extra)


_HASH_OIDS = {"sha256": cms.SHA256, "sha384": cms.SHA384, "sha512": cms.SHA512}


def _oid_of(name: str) -> str:
    return _HASH_OIDS.get(name, name)


def _claimed_time(signature) -> _dt.datetime | None:
    """The signing time the PDF claims (/M), or None when there is none or it cannot be read."""
    try:
        return signature.self_reported_timestamp
    except Exception:  # pyHanko raises PdfReadError, and others, for a malformed /M
        return None


def _byte_range_content(data: bytes, byte_range) -> bytes | None:
    try:
        start1, length1, start2, length2 = (int(v) for v in byte_range)
    except (TypeError, ValueError):
        return None
    if min(start1, length1, start2, length2) < 0 or start2 + length2 > len(data) or start1 + length1 > start2:
        return None
    return data[start1:start1 + length1] + data[start2:start2 + length2]


def _coverage_check(signature, is_last: bool) -> Check:
    """The signed ByteRange must cover the whole file but the signature, or the whole revision with only
    harmless additions after it (validation data, timestamps, later signatures)."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    coverage = signature.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Check("coverage", Status.PASSED, "the signature covers the whole file")
    if coverage == SignatureCoverageLevel.ENTIRE_REVISION and \
            signature.signed_revision == signature.reader.xrefs.total_revisions - 1:
        return Check("coverage", Status.FAILED, "bytes follow the signed revision that belong to no revision",
                     "BYTE_RANGE_INVALID", {"coverage": "TRAILING_BYTES"})
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return Check("coverage", Status.FAILED, "the signed ByteRange does not cover the whole revision",
                     "BYTE_RANGE_INVALID", {"coverage": coverage.name})
    diff = signature.diff_result
    level = getattr(diff, "modification_level", ModificationLevel.OTHER)
    if level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
        return Check("coverage", Status.PASSED, "only validation data or timestamps were added after signing")
    if level == ModificationLevel.FORM_FILLING:
        return Check("coverage", Status.WARNING, "form fields or further signatures were added after signing",
                     details={"modification": level.name})
    reason = str(diff) if diff is not None and not hasattr(diff, "modification_level") else level.name
    return Check("coverage", Status.FAILED, "the document was changed after it was signed", "MODIFIED_AFTER_SIGNING",
                 {"modification": reason})


def _read_dss(reader) -> _Embedded:
    try:
        dss = reader.root["/DSS"]
    except Exception:  # no DSS, or one that cannot be read: either way, no embedded evidence
        return _Embedded()

    def streams(name: str) -> tuple[bytes, ...]:
        try:
            return tuple(ref.get_object().data for ref in dss.get(name, ()))
        except Exception:
            return ()

    crls: list[CrlIndex] = []
    for der in streams("/CRLs"):
        try:
            crls.append(CrlIndex(der, source="document"))
        except CrlError:
            continue  # a broken embedded CRL is simply no evidence
    return _Embedded(streams("/Certs"), streams("/OCSPs"), tuple(crls))
