"""The revocation policy: ask OCSP and CRLs in the configured order and say GOOD, REVOKED or UNKNOWN.

``require``: no definitive answer means UNKNOWN (the caller reports INDETERMINATE, never "not revoked").
``soft-fail``: when every source was *unreachable* the certificate passes with a warning; an answer
that fails its own checks (bad signature, replayed nonce, stale) is never excused.
``offline``: no network at all; only the CRLs and OCSP responses given (from files or from a document).
"""

from __future__ import annotations

import datetime as _dt
import enum
import threading
from dataclasses import dataclass

from eds.pki.certificates import Certificate
from eds.pki.revocation.crl import CrlError, CrlIndex
from eds.pki.revocation.evidence import RevocationEvidence
from eds.pki.revocation.ocsp import OcspAnswer, OcspClient, check_response
from eds.pki.revocation.store import CrlStore
from eds.pki.trust import TrustProfile


class Policy(enum.Enum):
    REQUIRE = "require"
    SOFT_FAIL = "soft-fail"
    OFFLINE = "offline"


@dataclass(frozen=True)
class RevocationResult:
    """What is known about one certificate's revocation at one moment, and the evidence behind it."""

    status: str  # GOOD, REVOKED, UNKNOWN
    code: str | None = None
    message: str = ""
    reason: str | None = None
    revoked_at: _dt.datetime | None = None
    evidence: tuple[RevocationEvidence, ...] = ()  # about the certificate checked
    problems: tuple[str, ...] = ()
    soft_failed: bool = False
    raw: tuple[tuple[str, bytes], ...] = ()  # ("OCSP" | "CRL", DER) of the evidence used, to embed (PAdES B-LT)


def _revoked_by(reason: str | None, revoked_at: _dt.datetime | None, at: _dt.datetime) -> bool:
    return revoked_at is None or revoked_at <= at


class RevocationChecker:
    """Checks revocation for one trust profile; keeps OCSP answers and CRLs between calls."""

    def __init__(self, profile: TrustProfile, *, policy: Policy = Policy.REQUIRE,
                 crl_store: CrlStore | None = None, ocsp_client: OcspClient | None = None,
                 methods: tuple[str, ...] = ("OCSP", "CRL"),
                 ocsp_responses: tuple[bytes, ...] = (), crls: tuple[bytes, ...] = ()) -> None:
        unknown = set(methods) - {"OCSP", "CRL"}
        if unknown or not methods:
            raise ValueError(f"revocation methods must be OCSP and/or CRL, got {sorted(methods)}")
        self.profile = profile
        self.policy = policy
        self.methods = methods
        self.store = crl_store or CrlStore()
        self.ocsp = ocsp_client or OcspClient(max_age=profile.ocsp_max_age)
        self._given_ocsp = tuple(ocsp_responses)
        for der in crls:
            self.store.add(der, source="file")
        self._ocsp_cache: dict[tuple[str, int], OcspAnswer] = {}
        self._lock = threading.Lock()

    def check(self, cert: Certificate, issuer: Certificate, at: _dt.datetime, *,
              now: _dt.datetime | None = None, document_ocsp: tuple[bytes, ...] = (),
              document_crls: tuple[CrlIndex, ...] = (), fresh: bool = False) -> RevocationResult:
        """Revocation status of ``cert`` (issued by ``issuer``) at moment ``at``.

        ``fresh`` asks the responder again instead of reusing a cached answer: evidence that will be embedded
        must be produced after ``at`` to prove the status then for years (PAdES B-LT).
        """
        now = now or _dt.datetime.now(_dt.timezone.utc)
        evidence: list[RevocationEvidence] = []
        problems: list[str] = []
        network_only = True
        for method in self.methods:
            if method == "OCSP":
                answer = self._ocsp_status(cert, issuer, at, now, document_ocsp, fresh)
                if answer is None:
                    continue
                if answer.status in ("GOOD", "REVOKED"):
                    return self._conclude(answer.status, answer.reason, answer.revoked_at, at,
                                          [*evidence, answer.evidence(cert.subject_dn)], problems,
                                          (("OCSP", answer.der),) if answer.der else ())
                problems.append(f"{answer.code}: {answer.message}")
                network_only &= answer.network_failure
            else:
                result = self._crl_status(cert, issuer, at, now, document_crls)
                if isinstance(result, tuple):
                    status, entry_reason, revoked_at, used = result
                    return self._conclude(status, entry_reason, revoked_at, at,
                                          [*evidence, *(c.evidence(cert.subject_dn) for c in used)], problems,
                                          tuple(("CRL", c.der) for c in used))
                problems.append(result)
                network_only &= result.startswith("CRL_UNREACHABLE")
        soft = self.policy == Policy.SOFT_FAIL and network_only and bool(problems)
        return RevocationResult(
            "UNKNOWN", "REVOCATION_UNKNOWN",
            "the certificate's revocation status could not be established" + (
                "" if problems else " (no CRL or OCSP evidence available)"),
            evidence=tuple(evidence), problems=tuple(problems), soft_failed=soft)

    @staticmethod
    def _conclude(status: str, reason: str | None, revoked_at: _dt.datetime | None, at: _dt.datetime,
                  evidence: list[RevocationEvidence], problems: list[str],
                  raw: tuple[tuple[str, bytes], ...]) -> RevocationResult:
        if status == "REVOKED" and _revoked_by(reason, revoked_at, at):
            when = revoked_at.isoformat() if revoked_at else "an unknown time"
            return RevocationResult("REVOKED", "CERT_REVOKED", f"the certificate was revoked ({reason}) at {when}",
                                    reason, revoked_at, tuple(evidence), tuple(problems), raw=raw)
        message = "not revoked" if status == "GOOD" else (
            f"revoked only later ({reason}, {revoked_at.isoformat()}), after the moment checked")
        return RevocationResult("GOOD", None, message, reason if status == "REVOKED" else None,
                                revoked_at if status == "REVOKED" else None, tuple(evidence), tuple(problems), raw=raw)

    # OCSP
    def _ocsp_status(self, cert: Certificate, issuer: Certificate, at: _dt.datetime, now: _dt.datetime,
                     document_ocsp: tuple[bytes, ...], fresh: bool = False) -> OcspAnswer | None:
        given = [(der, "document") for der in document_ocsp] + [(der, "file") for der in self._given_ocsp]
        last_error: OcspAnswer | None = None
        for der, source in given:
            answer = check_response(der, cert, issuer, now=now, at=at, max_age=self.profile.ocsp_max_age,
                                    source=source)
            if answer.status in ("GOOD", "REVOKED"):
                return answer
            if answer.code != "OCSP_WRONG_CERTIFICATE":
                last_error = answer
        if self.policy == Policy.OFFLINE:
            return last_error
        key = (issuer.sha256, cert.x509.serial_number)
        with self._lock:
            cached = self._ocsp_cache.get(key)
        if not fresh and cached is not None and cached.this_update and \
                now - cached.this_update <= self.profile.ocsp_max_age:
            return cached
        urls = self.profile.ocsp_urls or cert.ocsp_urls
        if not urls:
            return last_error
        answer = last_error
        for url in urls:
            answer = self.ocsp.query(url, cert, issuer, at=at)
            if answer.status in ("GOOD", "REVOKED"):
                with self._lock:
                    self._ocsp_cache[key] = answer
                return answer
        return answer

    # CRL
    def _crl_status(self, cert: Certificate, issuer: Certificate, at: _dt.datetime, now: _dt.datetime,
                    document_crls: tuple[CrlIndex, ...]):
        """(status, reason, revoked_at, CRLs used), or a problem string when CRLs give no answer."""
        if self.policy != Policy.OFFLINE:
            base, _ = self._select(issuer, at, now, document_crls)
            if not isinstance(base, CrlIndex):
                # The certificate's own distribution points first: usually the right CRL, found in one fetch.
                # The profile's CRLs only when those do not give a usable CRL of this issuer (a wrong CDP).
                self.store.refresh(list(dict.fromkeys([*cert.crl_urls, *cert.delta_crl_urls])), now)
                if not isinstance(self._select(issuer, at, now, document_crls)[0], CrlIndex):
                    self.store.refresh(list(dict.fromkeys(self.profile.crl_urls)), now)
        base, delta = self._select(issuer, at, now, document_crls)
        if isinstance(base, CrlIndex) and self.policy != Policy.OFFLINE and self._newer_deltas(issuer, base, at, now):
            # a delta made on a newer complete CRL than the one held: that complete CRL exists, fetch it
            self.store.refresh(list(dict.fromkeys([*cert.crl_urls, *self.profile.crl_urls])), now, force=True)
            base, delta = self._select(issuer, at, now, document_crls)
        if isinstance(base, str):
            return base
        if base is None:
            errors = [self.store.last_error(u) for u in (*self.profile.crl_urls, *cert.crl_urls)]
            errors = [e for e in errors if e]
            if errors and self.policy != Policy.OFFLINE:
                return "CRL_UNREACHABLE: " + "; ".join(errors)
            return "CRL_NOT_AVAILABLE: no current CRL of the issuing CA is available"
        used = [base] + ([delta] if delta is not None else [])
        if delta is not None:
            entry = delta.lookup(cert.x509.serial_number)
            if entry is not None:
                if entry.reason == "remove_from_crl":
                    return "GOOD", None, None, used
                return "REVOKED", entry.reason, entry.revoked_at, used
        entry = base.lookup(cert.x509.serial_number)
        if entry is not None and entry.reason != "remove_from_crl":
            return "REVOKED", entry.reason, entry.revoked_at, used
        for newer in self._newer_deltas(issuer, base, at, now):  # a signed entry is a revocation, applicable or not
            entry = newer.lookup(cert.x509.serial_number)
            if entry is not None and entry.reason != "remove_from_crl":
                return "REVOKED", entry.reason, entry.revoked_at, [*used, newer]
        return "GOOD", None, None, used

    def _newer_deltas(self, issuer: Certificate, base: CrlIndex, at: _dt.datetime,
                      now: _dt.datetime) -> list[CrlIndex]:
        """Correctly signed, usable deltas of ``issuer`` made on a newer complete CRL than ``base``."""
        found = []
        for crl in self.store.candidates(issuer):
            if crl.is_delta and (crl.delta_base or 0) > (base.number or 0) and crl.issued_by(issuer) \
                    and crl.usable_for(at, now):
                try:
                    crl.verify_signature(issuer)
                except CrlError:
                    continue
                found.append(crl)
        return found

    def _select(self, issuer: Certificate, at: _dt.datetime, now: _dt.datetime,
                document_crls: tuple[CrlIndex, ...]):
        """The newest usable, correctly signed full CRL of ``issuer`` and a delta that applies to it."""
        pool = [c for c in (*document_crls, *self.store.candidates(issuer)) if c.issued_by(issuer)]
        problem: str | None = None
        usable: list[CrlIndex] = []
        for crl in pool:
            try:
                crl.verify_signature(issuer)
            except CrlError as exc:
                problem = f"{exc.code}: {exc}"
                continue
            if crl.usable_for(at, now):
                usable.append(crl)
            else:
                problem = problem or (f"CRL_STALE: the newest CRL of the issuer expired at "
                                      f"{crl.next_update.isoformat() if crl.next_update else '?'}")
        bases = sorted((c for c in usable if not c.is_delta), key=lambda c: c.number or 0)
        if not bases:
            return problem, None
        base = bases[-1]
        deltas = sorted((c for c in usable if c.is_delta and (c.delta_base or 0) <= (base.number or 0)
                         and (c.number or 0) > (base.number or 0)), key=lambda c: c.number or 0)
        return base, deltas[-1] if deltas else None
