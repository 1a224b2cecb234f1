"""The request check: a signed request (XMLDSig or CMS) and the IIN/BIN it claims -> accepted or refused.

Each signature is checked cryptographically (``xmldsig`` / ``cms``: "what exactly was signed"), then its
signer goes through ``signer_check`` at the trusted signing time (an RFC 3161 timestamp when the CMS
carries a valid one, otherwise now). The claimed IIN/BIN is the applicant's: it is checked against the
first signature's certificate (the applicant signs first; later signatures are co-signatures, which get
every certificate check but no identity claim).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from eds import cms, xmldsig
from eds.report import Check, DocumentReport, SignatureReport, Status
from eds.signer_check import SignerChecker

# Failure codes of the crypto layers that mean "the document was changed / the signature is wrong".
_BROKEN = {"DIGEST_MISMATCH", "SIGNATURE_INVALID", "CERTIFICATE_KEY_MISMATCH", "SIGNING_CERTIFICATE_MISMATCH",
           "CONTENT_TYPE_MISMATCH"}
_UNSUPPORTED = {"UNSUPPORTED_ALGORITHM"}


@dataclass(frozen=True)
class Claims:
    """What the request says about its applicant; read from arguments or from the document itself."""

    iin: str | None = None
    bin: str | None = None
    iin_path: str | None = None
    bin_path: str | None = None


def detect_format(data: bytes) -> str:
    """'xml' or 'cms' from the first meaningful bytes (CMS may come as DER, PEM or Base64)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:64]
    if head.startswith(b"<") or head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        return "xml"
    return "cms"


def signature_check(failure: str | None, message: str) -> Check:
    """The report line for a crypto-layer result: changed document, unsupported algorithm, or malformed."""
    if failure is None:
        return Check("signature", Status.PASSED, "the signature is intact: the signed data is unchanged")
    if failure in _UNSUPPORTED:
        return Check("signature", Status.INDETERMINATE, message, "ALGORITHM_UNSUPPORTED", {"cause": failure})
    if failure in _BROKEN:
        return Check("signature", Status.FAILED, message, "SIGNATURE_INVALID", {"cause": failure})
    return Check("signature", Status.FAILED, message, "DOCUMENT_MALFORMED", {"cause": failure})


def _with_signature(check: Check, signer: SignatureReport | None, **extra) -> SignatureReport:
    if signer is None:
        return SignatureReport((check,), **extra)
    return SignatureReport((check, *signer.checks), signer=signer.signer, chain=signer.chain,
                           revocation=signer.revocation, validation_time=signer.validation_time,
                           time_source=signer.time_source, **extra)


class RequestChecker:
    """Checks signed requests against one signer checker (trust profile + revocation policy)."""

    def __init__(self, signers: SignerChecker, *, trust_claimed_time: bool = False) -> None:
        self.signers = signers
        self.trust_claimed_time = trust_claimed_time

    def check(self, data: bytes, *, claims: Claims = Claims(), detached_content: bytes | None = None,
              at: _dt.datetime | None = None) -> DocumentReport:
        """Verify every signature of ``data`` and judge each signer; one report for the whole request."""
        if not isinstance(data, (bytes, bytearray)) or not data:
            return DocumentReport("unknown", (), (Check("document", Status.FAILED, "no document given",
                                                        "DOCUMENT_MALFORMED"),))
        fmt = detect_format(bytes(data))
        if fmt == "xml":
            return self._xml(bytes(data), claims, at)
        return self._cms(bytes(data), claims, detached_content, at)

    def _claims_from(self, document: bytes | None, claims: Claims) -> tuple[dict, list[Check]]:
        """The IIN/BIN to expect: given values win; otherwise read from the signed document by path."""
        found = {"expect_iin": claims.iin, "expect_bin": claims.bin}
        problems: list[Check] = []
        for key, path in (("expect_iin", claims.iin_path), ("expect_bin", claims.bin_path)):
            if found[key] is not None or not path or document is None:
                continue  # with no intact document there is nothing trustworthy to read: the signature fails
            label = key[-3:].upper()
            try:
                value = xmldsig.find_text(document, path)
            except ValueError as exc:
                problems.append(Check("claims", Status.FAILED, f"{label} path {path!r}: {exc}", "DOCUMENT_MALFORMED"))
                continue
            if value is None:
                problems.append(Check("claims", Status.FAILED, f"the signed document has no {label} at {path!r}",
                                      "DOCUMENT_MALFORMED", {"path": path}))
            else:
                found[key] = value.strip()
        return found, problems

    def _xml(self, data: bytes, claims: Claims, at: _dt.datetime | None) -> DocumentReport:
        result = xmldsig.verify_xml(data)
        if result.failure is not None:
            code = "NO_SIGNATURE" if result.failure == "NO_SIGNATURE" else "DOCUMENT_MALFORMED"
            return DocumentReport("xml", (), (Check("document", Status.FAILED, result.message, code,
                                                    {"cause": result.failure}),))
        expected, problems = self._claims_from(result.signed_document, claims)
        reports = []
        for position, signature in enumerate(result.signatures):
            check = signature_check(signature.failure, signature.message)
            identity = expected if position == 0 else {}
            signer = None
            if signature.certificate_der is not None:
                signer = self.signers.check(signature.certificate_der, at=at, extra_certs=signature.other_certificates,
                                            **identity)
            reports.append(_with_signature(check, signer, extra={"algorithm": signature.signature_algorithm}))
        return DocumentReport("xml", tuple(reports), tuple(problems),
                              extra={"signedContentAvailable": result.signed_document is not None})

    def _cms(self, data: bytes, claims: Claims, detached: bytes | None, at: _dt.datetime | None) -> DocumentReport:
        result = cms.verify_cms(data, detached_content=detached)
        if result.failure is not None:
            return DocumentReport("cms", (), (Check("document", Status.FAILED, result.message,
                                                    "NO_SIGNATURE" if result.failure == "NO_SIGNERS"
                                                    else "DOCUMENT_MALFORMED", {"cause": result.failure}),))
        content = result.content
        expected, problems = self._claims_from(content if content and detect_format(content) == "xml" else None,
                                               claims)
        reports = []
        for position, signer_info in enumerate(result.signers):
            check = signature_check(signer_info.failure, signer_info.message)
            moment, source, time_checks = self.signing_time(signer_info, at)
            identity = expected if position == 0 else {}
            signer = None
            if signer_info.certificate_der is not None:
                signer = self.signers.check(signer_info.certificate_der, at=moment, time_source=source,
                                            extra_certs=signer_info.other_certificates, **identity)
            report = _with_signature(check, signer, signing_time=moment if source == "timestamp" else
                                     signer_info.claimed_signing_time,
                                     extra={"algorithm": signer_info.signature_algorithm})
            if time_checks:
                report = SignatureReport((*report.checks, *time_checks), report.signer, report.chain,
                                         report.revocation, report.validation_time, report.time_source,
                                         report.signing_time, report.extra)
            reports.append(report)
        return DocumentReport("cms", tuple(reports), tuple(problems), extra={"detached": result.detached})

    def signing_time(self, signer_info: cms.CmsSignerResult, at: _dt.datetime | None,
                     extra_certs: tuple[bytes, ...] = (), document_ocsp: tuple[bytes, ...] = (),
                     document_crls: tuple = (), claimed: _dt.datetime | None = None,
                     ) -> tuple[_dt.datetime | None, str | None, list[Check]]:
        """The moment to judge the signer at, its source, and the checks that decided it.

        A valid timestamp from a TSA that chains to the profile fixes the moment. Without one: ``at`` if
        given; else, for documents (``trust_claimed_time``), the claimed signingTime with a warning; else now.
        """
        checks: list[Check] = []
        timestamp = signer_info.timestamp
        if timestamp is not None and not timestamp.intact:
            checks.append(Check("timestamp", Status.FAILED, timestamp.message, "TIMESTAMP_INVALID",
                                {"cause": timestamp.failure}))
        elif timestamp is not None:
            tsa = self.signers.check(timestamp.tsa_certificate_der, at=timestamp.gen_time, time_source="timestamp",
                                     purpose=None, extra_certs=(*timestamp.certificates, *extra_certs),
                                     document_ocsp=document_ocsp, document_crls=document_crls)
            if tsa.passed:
                checks.append(Check("timestamp", Status.PASSED,
                                    f"trusted timestamp {timestamp.gen_time.isoformat()} (policy {timestamp.policy})",
                                    details={"genTime": timestamp.gen_time.isoformat(), "policy": timestamp.policy,
                                             "tsa": tsa.signer["subject"]["dn"] if tsa.signer else None}))
                return timestamp.gen_time, "timestamp", checks
            code = tsa.reasons[0].code if tsa.reasons else "TIMESTAMP_INVALID"
            status = Status.INDETERMINATE if tsa.indication.value == "INDETERMINATE" else Status.FAILED
            checks.append(Check("timestamp", status, f"the timestamp's TSA certificate is not trusted ({code})",
                                "TIMESTAMP_INVALID", {"tsaReasons": [r.code for r in tsa.reasons]}))
        if at is not None:
            return at, "requested", checks
        claimed = signer_info.claimed_signing_time or claimed
        if self.trust_claimed_time and claimed is not None:
            checks.append(Check("signing-time", Status.WARNING,
                                f"judged at the claimed signing time {claimed.isoformat()}, which no timestamp proves"))
            return claimed, "claimed", checks
        return None, None, checks
