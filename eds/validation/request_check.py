"""The request check: a signed request (XMLDSig or CMS) and the IIN/BIN it claims -> accepted or refused.

Each signature is checked cryptographically (``xmldsig`` / ``cms``: "what exactly was signed"), then its
signer goes through ``signer_check`` at the trusted signing time (an RFC 3161 timestamp when the CMS
carries a valid one, otherwise now). The claimed IIN/BIN is the applicant's: it is checked against the
first signature's certificate (the applicant signs first; later signatures are co-signatures, which get
every certificate check but no identity claim).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eds import limits, messages
from eds.pki import lifetimes
from eds.pki.certificates import Certificate, CertificateError
from eds.signatures import xmldsig
from eds.validation import archive
from eds.signatures.formats import detect_format
from eds.validation.report import Check, DocumentReport, Phrase, SignatureReport, Status, TimeSource
from eds.validation.signer_check import SignerChecker

if TYPE_CHECKING:  # CMS and its timestamps are imported by the first CMS: an XML check never loads them
    from eds.signatures import cms, tsp

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
    signers: tuple["ExpectedSigner", ...] | None = None  # who must have signed, in signing order


@dataclass(frozen=True)
class ExpectedSigner:
    """One signer the caller expects: by IIN and/or BIN, or by certificate (the registry's own documents)."""

    iin: str | None = None
    bin: str | None = None
    certificates: frozenset[str] | None = None  # SHA-256 of the certificates any one of which may have signed

    def matches(self, signature: SignatureReport) -> bool:
        subject = signature.signer.subject if signature.signer else None
        if self.iin is not None and (subject is None or subject.iin != self.iin):
            return False
        if self.bin is not None and (subject is None or subject.bin != self.bin):
            return False
        if self.certificates is not None:
            own = signature.chain[0].sha256 if signature.chain else None
            if (own or "").lower() not in {c.lower() for c in self.certificates}:
                return False
        return True

    def to_dict(self) -> dict:
        out: dict = {k: v for k, v in (("iin", self.iin), ("bin", self.bin)) if v is not None}
        if self.certificates is not None:
            out["certificateSha256"] = sorted(self.certificates)
        return out


CLOCK_SKEW = _dt.timedelta(minutes=5)
# Members read once: in Python 3.11 each read of an Enum member costs about as much as the check that uses it.
_PASSED, _FAILED, _SKIPPED, _TIMESTAMP = Status.PASSED, Status.FAILED, Status.SKIPPED, TimeSource.TIMESTAMP


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _refused_format(fmt: str) -> DocumentReport | None:
    if fmt == "ambiguous":
        return DocumentReport("unknown", (), (Check.of("format", Status.FAILED, "check.format.AMBIGUOUS_FORMAT",
                                                       code="AMBIGUOUS_FORMAT"),))
    return None


def _signer_entry(signature: SignatureReport) -> dict:
    subject = signature.signer.subject if signature.signer else None
    if subject is None:
        return {"commonName": None, "iin": None, "bin": None}
    return {"commonName": subject.common_name, "iin": subject.iin, "bin": subject.bin}


def settle(report: DocumentReport, claims: Claims, *, received: bool = False) -> DocumentReport:
    """The rules every signed document ends with, whatever its format.

    A claimed signing time is shown only as claimed. A signature judged without a timestamp rests on no
    proof of time: an expired certificate is then OUT_OF_BOUNDS_NO_POE and a revoked one REVOKED_NO_POE
    (INDETERMINATE), unless the signature is a request being ``received``: its receipt proves the signature
    exists at that moment, when the certificate has expired or is revoked, so it stays CERT_EXPIRED or
    CERT_REVOKED. The signers found are compared with the ones expected (count, identity, order):
    SIGNERS_MISMATCH otherwise.
    """
    signatures = tuple(_claimed_only(s) if received else _without_poe(s) for s in report.signatures)
    real = [s for s in signatures if s.extra.get("kind") != "document-timestamp"]
    found = [_signer_entry(s) for s in real]
    checks = [c for c in report.checks if c.name != "signers"]  # settling again replaces the verdict on signers
    extra = dict(report.extra, signers={"found": found, "checked": claims.signers is not None})
    if claims.signers is not None and report.signatures:
        expected = list(claims.signers)
        if len(expected) != len(real) or not all(e.matches(s) for e, s in zip(expected, real)):
            checks.append(Check.of("signers", Status.FAILED, "check.signers.mismatch",
                                   {"expected": len(expected), "found": len(real)}, "SIGNERS_MISMATCH",
                                   {"expected": [e.to_dict() for e in expected], "found": found}))
        else:
            checks.append(Check.of("signers", Status.PASSED, "check.signers.match", {"count": len(real)}))
    elif report.signatures:
        checks.append(Check.of("signers", _SKIPPED, "check.signers.unchecked", {"count": len(real)}))
    return DocumentReport(report.format, signatures, tuple(checks), extra)


def _no_proof(check: Check, code: str, key: str, what: str) -> Check:
    """``check`` (an expired or revoked signer) left undecided: no timestamp proves the signature older."""
    return Check(check.name, Status.INDETERMINATE, f"{check.message}; no timestamp proves the signature was made "
                 f"before {what}", code, dict(check.details, cause=check.code),
                 Phrase(key, {"line": check.phrase or check.message}))


_no_poe = {
    "CERT_EXPIRED": lambda c: _no_proof(c, "OUT_OF_BOUNDS_NO_POE", "check.no_poe.expired", "expiry"),
    "CERT_REVOKED": lambda c: _no_proof(c, "REVOKED_NO_POE", "check.no_poe.revoked", "revocation"),
}


def _without_poe(signature: SignatureReport) -> SignatureReport:
    if signature.time_source == _TIMESTAMP:
        return signature
    if any(c.status == _FAILED and c.code in _no_poe for c in signature.checks):
        checks = tuple(_no_poe.get(c.code, lambda c: c)(c) if c.status == Status.FAILED else c
                       for c in signature.checks)
        signature = dataclasses.replace(signature, checks=checks)
    return _claimed_only(signature)


def _claimed_only(signature: SignatureReport) -> SignatureReport:
    """The signature with a claimed (unproven) signing time moved from ``signingTime`` to ``claimedSigningTime``."""
    if signature.time_source == _TIMESTAMP or signature.signing_time is None:
        return signature
    extra = dict(signature.extra)
    extra["claimedSigningTime"] = signature.signing_time.isoformat()
    return dataclasses.replace(signature, signing_time=None, extra=extra)


def failed(name: str, status: Status, message: str, code: str, failure: str | None,
           details: dict | None = None) -> Check:
    """A line for a failure a lower layer reported as ``failure`` (its code) and ``message`` (its English, kept
    for the JSON): people read the catalogue's ``cause.<failure>``, or the line's own text naming the code."""
    key = f"cause.{failure}"
    phrase = Phrase(key) if key in messages.CATALOGUE else Phrase(f"check.{name}.failed", {"cause": failure or code})
    return Check(name, status, message, code, {"cause": failure, **(details or {})}, phrase)


def too_complex(exc: limits.TooComplex) -> Check:
    """The line of a document past a limit: which limit, its maximum, and what the document needs."""
    values = {"limit": exc.details.get("limit"), "max": exc.details.get("max"), "found": exc.details.get("found")}
    key = "check.document.too_complex_found" if values["found"] is not None else "check.document.too_complex"
    return Check("document", Status.FAILED, exc.message, exc.code, exc.details, Phrase(key, values))


def proof_life(timestamp: tsp.TimestampInfo, tsa: SignatureReport) -> lifetimes.ProofLife | None:
    """How long a token whose TSA check passed (``tsa``, with its trusted chain) proves its moment."""
    try:
        certificate = Certificate.load(timestamp.tsa_certificate_der)
    except (CertificateError, TypeError, ValueError):
        return None
    return lifetimes.proof_life(certificate, tsa.chain, digest_oid=timestamp.hash_algorithm)


def signature_check(failure: str | None, message: str) -> Check:
    """The report line for a crypto-layer result: changed document, unsupported algorithm, or malformed."""
    if failure is None:
        return Check.of("signature", _PASSED, "check.signature.intact")
    if failure in _UNSUPPORTED:
        return failed("signature", Status.INDETERMINATE, message, "ALGORITHM_UNSUPPORTED", failure)
    if failure in _BROKEN:
        return failed("signature", Status.FAILED, message, "SIGNATURE_INVALID", failure)
    return failed("signature", Status.FAILED, message, "DOCUMENT_MALFORMED", failure)


class RequestChecker:
    """Checks signed requests against one signer checker (trust profile + revocation policy)."""

    def __init__(self, signers: SignerChecker) -> None:
        self.signer_checker = signers

    def check(self, data: bytes, *, claims: Claims = Claims(), detached_content: bytes | None = None,
              at: _dt.datetime | None = None) -> DocumentReport:
        """Verify every signature of ``data`` and judge each signer; one report for the whole request."""
        return settle(self.evaluate(data, claims=claims, detached_content=detached_content, at=at), claims,
                      received=True)

    def evaluate(self, data: bytes, *, claims: Claims = Claims(), detached_content: bytes | None = None,
                 at: _dt.datetime | None = None) -> DocumentReport:
        """The report before ``settle``: every signature verified and each signer judged."""
        if not isinstance(data, (bytes, bytearray)) or not data:
            return DocumentReport("unknown", (), (Check.of("document", Status.FAILED, "check.document.empty",
                                                           code="DOCUMENT_MALFORMED"),))
        data = bytes(data)
        with limits.budget():
            return self.evaluate_format(data, detect_format(data), claims=claims,
                                        detached_content=detached_content, at=at)

    def evaluate_format(self, data: bytes, fmt: str, *, claims: Claims = Claims(),
                        detached_content: bytes | None = None, at: _dt.datetime | None = None) -> DocumentReport:
        """``evaluate`` of non-empty bytes whose format (``detect_format``) the caller has found, under the
        caller's ``limits.budget``: the document verifier has both already."""
        refused = _refused_format(fmt)
        if refused is not None:
            return refused
        if fmt == "pdf":
            return DocumentReport("pdf", (), (Check.of("format", Status.FAILED, "check.format.pdf_request",
                                                       code="DOCUMENT_MALFORMED"),))
        try:
            if fmt == "xml":
                return self._xml(data, claims, at)
            return self._cms(data, claims, detached_content, at)
        except limits.TooComplex as exc:
            return DocumentReport(fmt, (), (too_complex(exc),))

    def _claims_from(self, document: bytes | None, claims: Claims) -> tuple[dict, list[Check]]:
        """The IIN/BIN to expect: given values win; otherwise read from the signed document by path."""
        found = {"expect_iin": claims.iin, "expect_bin": claims.bin}
        problems: list[Check] = []
        for key, path in (("expect_iin", claims.iin_path), ("expect_bin", claims.bin_path)):
            if found[key] is not None or not path or document is None:
                continue  # with no intact document there is nothing trustworthy to read: the signature fails
            label = key[-3:].upper()
            where = {"label": Phrase(f"idname.{label}"), "path": repr(path)}
            if detect_format(document) != "xml":
                problems.append(Check.of("claims", Status.FAILED, "check.claims.not_xml", where, "DOCUMENT_MALFORMED",
                                         {"path": path}))
                continue
            try:
                value = xmldsig.find_text(document, path)
            except ValueError as exc:
                problems.append(Check("claims", Status.FAILED, f"{label} path {path!r}: {exc}", "DOCUMENT_MALFORMED",
                                      phrase=Phrase("check.claims.bad_path", where)))
                continue
            if value is None:
                problems.append(Check.of("claims", Status.FAILED, "check.claims.missing", where, "DOCUMENT_MALFORMED",
                                         {"path": path}))
            else:
                found[key] = value.strip()
        return found, problems

    def _xml(self, data: bytes, claims: Claims, at: _dt.datetime | None) -> DocumentReport:
        result = xmldsig.verify_xml(data)
        if result.failure is not None:
            code = {"NO_SIGNATURE": "NO_SIGNATURE", "TOO_COMPLEX": "TOO_COMPLEX"}.get(result.failure,
                                                                                    "DOCUMENT_MALFORMED")
            return DocumentReport("xml", (), (failed("document", Status.FAILED, result.message, code, result.failure,
                                                     result.details),))
        expected, problems = self._claims_from(result.signed_document, claims)
        reports = []
        for position, signature in enumerate(result.signatures):
            check = signature_check(signature.failure, signature.message)
            identity = expected if position == 0 else {}
            signer = None
            if signature.certificate_der is not None:
                signer = self.signer_checker.check(signature.certificate_der, at=at, extra_certs=signature.other_certificates,
                                            **identity)
            report = SignatureReport((check,), extra={"algorithm": signature.signature_algorithm})
            reports.append(report.with_signer(signer))
        return DocumentReport("xml", tuple(reports), tuple(problems),
                              extra={"signedContentAvailable": result.signed_document is not None})

    def _cms(self, data: bytes, claims: Claims, detached: bytes | None, at: _dt.datetime | None) -> DocumentReport:
        from eds.signatures import tsp

        result = tsp.verify_cades(data, detached_content=detached)
        if result.failure is not None:
            code = {"NO_SIGNERS": "NO_SIGNATURE", "TOO_COMPLEX": "TOO_COMPLEX"}.get(result.failure,
                                                                                  "DOCUMENT_MALFORMED")
            return DocumentReport("cms", (), (failed("document", Status.FAILED, result.message, code, result.failure,
                                                     result.details),))
        content = result.content
        expected, problems = self._claims_from(content, claims)
        reports = []
        for position, signer_info in enumerate(result.signers):
            check = signature_check(signer_info.failure, signer_info.message)
            moment, source, time_checks = self.signing_time(signer_info, at)
            identity = expected if position == 0 else {}
            signer = None
            if signer_info.certificate_der is not None:
                signer = self.signer_checker.check(signer_info.certificate_der, at=moment, time_source=source,
                                            extra_certs=signer_info.other_certificates, **identity)
            extra = {"algorithm": signer_info.signature_algorithm}
            if signer_info.claimed_signing_time is not None:
                extra["claimedSigningTime"] = signer_info.claimed_signing_time.isoformat()
            signing_time = moment if source == TimeSource.TIMESTAMP else signer_info.claimed_signing_time
            reports.append(SignatureReport((check,), signing_time=signing_time, extra=extra)
                           .with_signer(signer, *time_checks))
        return DocumentReport("cms", tuple(reports), tuple(problems), extra={"detached": result.detached})

    def signing_time(self, signer_info: cms.CmsSignerResult, at: _dt.datetime | None,
                     extra_certs: tuple[bytes, ...] = (), document_ocsp: tuple[bytes, ...] = (),
                     document_crls: tuple = (), claimed: _dt.datetime | None = None,
                     proof_at: _dt.datetime | None = None,
                     ) -> tuple[_dt.datetime | None, TimeSource | None, list[Check]]:
        """The moment to judge the signer at, its source, and the checks that decided it.

        Only a valid timestamp from a TSA that chains to the profile proves a moment, and only while it is still
        proof at ``proof_at`` (a later document timestamp's moment, PAdES B-LTA) or else at ``at`` or now: once
        its TSA chain has expired or its algorithms have aged (:mod:`eds.pki.lifetimes`) it is TIMESTAMP_EXPIRED
        (INDETERMINATE) and proves nothing. Without a proven moment the
        signer is judged at ``at`` when given, else now: a claimed signingTime or /M proves nothing and never
        moves the moment; one in the future (beyond the clock skew) is reported and leaves the signature
        INDETERMINATE, with a valid timestamp too (the claim then contradicts the proof).
        """
        checks: list[Check] = []
        claimed = signer_info.claimed_signing_time or claimed
        reference = at or _now()
        if claimed is not None and claimed > reference + CLOCK_SKEW:
            checks.append(Check.of("signing-time", Status.INDETERMINATE, "check.signing_time.future",
                                   {"claimed": claimed.isoformat(), "reference": reference.isoformat()},
                                   "SIGNING_TIME_IN_FUTURE",
                                   {"claimed": claimed.isoformat(), "reference": reference.isoformat()}))
        timestamp = signer_info.timestamp
        if timestamp is not None and not timestamp.intact:
            checks.append(failed("timestamp", Status.FAILED, timestamp.message, "TIMESTAMP_INVALID", timestamp.failure))
        elif timestamp is not None:
            tsa = self.signer_checker.check(timestamp.tsa_certificate_der, at=timestamp.gen_time,
                                            time_source=TimeSource.TIMESTAMP, purpose=None,
                                            extra_certs=(*timestamp.certificates, *extra_certs),
                                            document_ocsp=document_ocsp, document_crls=document_crls)
            life = proof_life(timestamp, tsa) if tsa.passed else None
            reference = proof_at or reference
            if life is not None and reference > life.until:
                checks.append(archive.expired(life.until, reference, life.to_dict()))
            elif tsa.passed:
                details = {"genTime": timestamp.gen_time.isoformat(), "policy": timestamp.policy,
                           "tsa": tsa.signer.subject.dn if tsa.signer else None}
                if proof_at is not None:
                    details["protectedAt"] = proof_at.isoformat()  # a document timestamp shows it existed then
                checks.append(Check.of("timestamp", Status.PASSED, "check.timestamp.trusted",
                                       {"at": timestamp.gen_time.isoformat(), "policy": timestamp.policy},
                                       details=details))
                return timestamp.gen_time, TimeSource.TIMESTAMP, checks
            else:
                code = tsa.reasons[0].code if tsa.reasons else "TIMESTAMP_INVALID"
                status = Status.INDETERMINATE if tsa.indication.value == "INDETERMINATE" else Status.FAILED
                checks.append(Check.of("timestamp", status, "check.timestamp.tsa_untrusted", {"code": code},
                                       "TIMESTAMP_INVALID", {"tsaReasons": [r.code for r in tsa.reasons]}))
        if at is not None:
            return at, TimeSource.REQUESTED, checks
        return None, None, checks
