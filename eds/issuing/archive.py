"""Documents that stay verifiable for decades: PAdES B-LTA at issuing, and the archive maintenance of the registry.

A timestamp is proof of its moment only while its TSA chain is valid and its algorithms are strong
(:mod:`eds.pki.lifetimes`). A B-LT licence rests on its signature timestamp; once that TSA certificate expires it
proves nothing more, and the licence becomes INDETERMINATE. A *document timestamp* from a TSA that is still valid,
made before that, shows that the signature, its timestamp and the validation data for both existed while they
were all still good (:mod:`eds.validation.archive`); renewed before each expiry, the chain of document
timestamps carries the proof on.

``add_archive_timestamp`` puts a document timestamp on a PDF and then the validation data for the TSA that made it
(its chain, and OCSP answers and CRLs made after the token: evidence of its status at its genTime that stays
evidence for years). ``Maintainer`` does it to the registry's documents whose protecting timestamp runs out within
a given time: first the validation data still missing for that timestamp, then a fresh document timestamp, each
document in its own registry transaction (``Registry.renew_file``). A document is renewed from the registered
bytes and stored only whole: stopping at any point leaves each document either as it was or renewed, and the
next run goes on with those whose proof still runs out.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from eds.errors import CodedError
from eds.pki import lifetimes
from eds.pki.certificates import Certificate, CertificateError
from eds.pki.revocation import Policy
from eds.signatures import pades, tsp
from eds.validation.signer_check import SignerChecker

ACTOR = "maintain"


class ArchiveError(CodedError):
    """A document that cannot be given (or kept) its proof of time; ``code`` is stable."""


@dataclass(frozen=True)
class ProtectingTimestamp:
    """The timestamp a PDF's proof of time rests on now, and until when it is proof."""

    kind: str  # "document-timestamp" or "signature-timestamp"
    field: str
    gen_time: _dt.datetime
    tsa: Certificate
    certificates: tuple[bytes, ...] = field(repr=False)
    life: lifetimes.ProofLife | None  # None when its TSA does not chain to the profile (nothing to renew from)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "field": self.field, "genTime": self.gen_time.isoformat(),
                "tsa": self.tsa.subject_dn, "proof": self.life.to_dict() if self.life else None}


def _reader(pdf: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return PdfFileReader(io.BytesIO(pdf), strict=False)
    except Exception as exc:
        raise ArchiveError("PDF_MALFORMED", f"the PDF cannot be read: {exc}") from None


def _covered(pdf: bytes, signature) -> bytes:
    start1, length1, start2, length2 = (int(v) for v in signature.byte_range)
    return pdf[start1:start1 + length1] + pdf[start2:start2 + length2]


def _tokens(pdf: bytes) -> list[tuple[str, str, int, tsp.TimestampInfo]]:
    """(kind, field, revision, checked token) of every document timestamp and signature timestamp of ``pdf``."""
    found = []
    for signature in _reader(pdf).embedded_signatures:
        if signature.sig_object_type == "/DocTimeStamp":
            info = tsp.verify_timestamp_token(signature.pkcs7_content, data=_covered(pdf, signature))
            found.append(("document-timestamp", signature.field_name, signature.signed_revision, info))
            continue
        signer_info = signature.signer_info
        for attribute in signer_info["unsigned_attrs"] or ():
            if attribute["type"].dotted == tsp.ID_SIGNATURE_TIMESTAMP_TOKEN:
                for token in attribute["values"]:
                    info = tsp.verify_timestamp_token(token.dump(), data=signer_info["signature"].native)
                    found.append(("signature-timestamp", signature.field_name, signature.signed_revision, info))
    return found


def _protecting(kind: str, name: str, info: tsp.TimestampInfo, signers: SignerChecker) -> ProtectingTimestamp:
    tsa = Certificate.load(info.tsa_certificate_der)
    path_time = min(max(info.gen_time, tsa.not_before), tsa.not_after)
    extras = []
    for der in info.certificates:
        try:
            extras.append(Certificate.load(der))
        except CertificateError:
            continue
    path = signers.paths.validate(tsa, path_time, extra_certs=tuple(extras))
    life = lifetimes.proof_life(tsa, path.chain[1:], digest_oid=info.hash_algorithm) if path.ok else None
    return ProtectingTimestamp(kind, name, info.gen_time, tsa, tuple(info.certificates), life)


def protecting_timestamp(pdf: bytes, signers: SignerChecker) -> ProtectingTimestamp | None:
    """What the proof of time of ``pdf`` rests on: its newest document timestamp, or without one the signature
    timestamp whose proof runs out first. None when it has no intact timestamp (a B-B document: nothing proves
    its moment, and a document timestamp made now would not prove an earlier one). ArchiveError PDF_MALFORMED
    for a file that cannot be read."""
    tokens = [t for t in _tokens(pdf) if t[3].intact]
    documents = [t for t in tokens if t[0] == "document-timestamp"]
    if documents:
        kind, name, _revision, info = max(documents, key=lambda t: (t[2], t[3].gen_time))
        return _protecting(kind, name, info, signers)
    judged = [_protecting(kind, name, info, signers) for kind, name, _revision, info in tokens]
    if not judged:
        return None
    return min(judged, key=lambda p: p.life.until if p.life else lifetimes.NO_END)


def _evidence_in(pdf: bytes):
    from eds.validation.verify import read_dss

    return read_dss(_reader(pdf))


def missing_validation_data(pdf: bytes, stamp: ProtectingTimestamp, signers: SignerChecker,
                            offline: SignerChecker) -> pades.ValidationData | None:
    """The chain and revocation evidence of ``stamp``'s TSA at its genTime that ``pdf``'s DSS lacks (a fresh
    fetch), or None when what the DSS holds already proves it offline."""
    embedded = _evidence_in(pdf)
    report = offline.check(stamp.tsa, at=stamp.gen_time, purpose=None,
                           extra_certs=(*stamp.certificates, *embedded.certificates),
                           document_ocsp=embedded.ocsp_responses, document_crls=embedded.crls)
    if report.passed:
        return None
    certs, ocsps, crls = signers.validation_data(stamp.tsa, stamp.gen_time,
                                                 extra_certs=(*stamp.certificates, *embedded.certificates))
    if not certs:
        raise ArchiveError("TSA_UNTRUSTED", f"the TSA {stamp.tsa.subject_dn} does not chain to the trust profile")
    return pades.ValidationData(certs, ocsps, crls)


def add_archive_timestamp(pdf: bytes, signers: SignerChecker, tsa_url: str) -> bytes:
    """``pdf`` with a document timestamp from the TSA at ``tsa_url`` and then, in the DSS, that TSA's chain and
    revocation evidence made after the token (two incremental revisions). ArchiveError TSA_UNTRUSTED when the
    TSA does not chain to the profile (its token would prove nothing), or TIMESTAMP_UNAVAILABLE."""
    try:
        stamped = pades.add_document_timestamp(pdf, tsa_url)
    except pades.PdfSigningError as exc:
        raise ArchiveError(exc.code, exc.message) from None
    kind, name, _revision, info = _tokens(stamped)[-1]
    if kind != "document-timestamp" or not info.intact:
        raise ArchiveError("TIMESTAMP_UNAVAILABLE", "the document timestamp was not written")
    tsa = Certificate.load(info.tsa_certificate_der)
    certs, ocsps, crls = signers.validation_data(tsa, info.gen_time, extra_certs=info.certificates)
    if not certs:
        raise ArchiveError("TSA_UNTRUSTED", f"the TSA {tsa.subject_dn} does not chain to the trust profile")
    return pades.add_validation_data(stamped, pades.ValidationData(certs, ocsps, crls))


def renew(pdf: bytes, signers: SignerChecker, tsa_url: str, *, offline: SignerChecker | None = None
          ) -> tuple[bytes, dict]:
    """``pdf`` renewed: the validation data its protecting timestamp still lacks, then a fresh archive timestamp.
    Returns the new bytes (which begin with every byte of ``pdf``) and what was done. ArchiveError
    NO_TIMESTAMP for a document whose moment nothing proves."""
    offline = offline or SignerChecker(signers.profile, policy=Policy.OFFLINE)
    stamp = protecting_timestamp(pdf, signers)
    if stamp is None:
        raise ArchiveError("NO_TIMESTAMP", "the document has no timestamp: a document timestamp made now would not "
                                           "prove when it was signed")
    missing = missing_validation_data(pdf, stamp, signers, offline)
    data = pdf if missing is None else pades.add_validation_data(pdf, missing)
    renewed = add_archive_timestamp(data, signers, tsa_url)
    newest = protecting_timestamp(renewed, signers)
    done = {"renewed": stamp.to_dict(), "addedValidationData": missing is not None,
            "timestamp": newest.to_dict() if newest else None}
    return renewed, done


@dataclass(frozen=True)
class Outcome:
    """What maintenance did with one document."""

    number: str
    action: str  # renewed, not_due, skipped (nothing to renew, or renewed meanwhile), failed
    proof_until: _dt.datetime | None = None  # before: until when its protecting timestamp was proof
    renewed_until: _dt.datetime | None = None  # after
    size_before: int | None = None
    size_after: int | None = None
    seconds: float = 0.0
    code: str | None = None
    message: str = ""

    def to_dict(self) -> dict:
        out = {"number": self.number, "action": self.action, "seconds": round(self.seconds, 3)}
        for key, value in (("proofUntil", self.proof_until), ("renewedUntil", self.renewed_until)):
            if value is not None:
                out[key] = value.isoformat()
        for key, value in (("sizeBefore", self.size_before), ("sizeAfter", self.size_after), ("code", self.code)):
            if value is not None:
                out[key] = value
        if self.message:
            out["message"] = self.message
        return out


class Maintainer:
    """Renews the registry's documents whose proof of time runs out within ``before`` of now."""

    def __init__(self, registry, signers: SignerChecker, tsa_url: str, *, actor: str = ACTOR,
                 clock: Callable[[], _dt.datetime] = lambda: _dt.datetime.now(_dt.timezone.utc)) -> None:
        self.registry = registry
        self.signers = signers
        self.offline = SignerChecker(signers.profile, policy=Policy.OFFLINE)
        self.tsa_url = tsa_url
        self.actor = actor
        self.clock = clock

    def due(self, pdf: bytes, before: _dt.timedelta) -> tuple[bool, ProtectingTimestamp | None]:
        stamp = protecting_timestamp(pdf, self.signers)
        if stamp is None or stamp.life is None:
            return False, stamp
        return stamp.life.until <= self.clock() + before, stamp

    def run(self, before: _dt.timedelta, *, numbers: Iterable[str] | None = None,
            on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """Look at every registered PDF (or ``numbers``) and renew those due; one outcome per document, in order.
        A failure is that document's outcome (TSA down, a TSA the profile does not trust...): the run goes on."""
        outcomes = []
        for number in (list(numbers) if numbers is not None else self.registry.numbers_with_file("pdf")):
            outcome = self.one(number, before)
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        return outcomes

    def one(self, number: str, before: _dt.timedelta) -> Outcome:
        started = time.perf_counter()
        try:
            pdf = self.registry.file(number, "pdf")
            due, stamp = self.due(pdf, before)
            until = stamp.life.until if stamp and stamp.life else None
            if stamp is None:
                return Outcome(number, "skipped", code="NO_TIMESTAMP", message="no timestamp proves its moment")
            if stamp.life is None:
                return Outcome(number, "skipped", code="TSA_UNTRUSTED",
                               message=f"its timestamp's TSA {stamp.tsa.subject_dn} does not chain to the profile")
            if not due:
                return Outcome(number, "not_due", until, size_before=len(pdf),
                               seconds=time.perf_counter() - started)
            renewed, done = renew(pdf, self.signers, self.tsa_url, offline=self.offline)
            after = (done.get("timestamp") or {}).get("proof") or {}
            if not after.get("until") or _dt.datetime.fromisoformat(after["until"]) <= self.clock() + before:
                # a renewal that would be due again at once (a TSA that expires, or ages, within the time asked)
                return Outcome(number, "failed", until, size_before=len(pdf), seconds=time.perf_counter() - started,
                               code="ARCHIVE_TSA_TOO_SHORT", message=f"the TSA at {self.tsa_url} gives proof only "
                               f"until {after.get('until')}, within the {before.days} days asked: nothing stored")
            self.registry.renew_file(number, "pdf", replaces=hashlib.sha256(pdf).hexdigest(), content=renewed,
                                     actor=self.actor, reason="archive timestamp (PAdES B-LTA)", details=done)
            return Outcome(number, "renewed", until,
                           _dt.datetime.fromisoformat(after["until"]) if after.get("until") else None,
                           len(pdf), len(renewed), time.perf_counter() - started)
        except CodedError as exc:
            # CONFLICT: the registered file changed since it was read (another run renewed it): nothing to do here
            action = "skipped" if exc.code == "CONFLICT" else "failed"
            return Outcome(number, action, code=exc.code, message=exc.message, seconds=time.perf_counter() - started)
