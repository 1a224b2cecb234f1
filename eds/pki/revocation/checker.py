"""The revocation policy: ask OCSP and CRLs in the configured order and say GOOD, REVOKED or UNKNOWN.

``require``: no definitive answer means UNKNOWN (the caller reports INDETERMINATE, never "not revoked").
``soft-fail``: when every source was *unreachable* the certificate passes with a warning; an answer
that fails its own checks (bad signature, replayed nonce, stale) is never excused.
``offline``: no network at all; only the CRLs and OCSP responses given (from files or from a document).

One check spends one network budget (:func:`eds.pki.network.budget`, or the request's it runs in) on all its
OCSP and CRL fetches; when it gives no answer, the result's ``cause`` says why: ``DEADLINE`` (a server that did
not answer in time, the budget spent), ``URL_REFUSED`` (a URL that is not http(s) or leads to a host not
allowed; ``refused_urls`` names each, also when another source answered) or ``RESPONSE_TOO_LARGE``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import threading
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from eds.errors import CodedError
from eds.pki import network
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
    cause: str | None = None  # why no source answered, when that was the network: DEADLINE, URL_REFUSED, ...
    refused_urls: tuple[str, ...] = ()  # URLs not fetched (scheme, host, redirect), whatever the outcome


_CAUSES = ("DEADLINE", "URL_REFUSED", "RESPONSE_TOO_LARGE")  # the first of these met is the cause reported


@dataclass
class _Attempts:
    """What the network did during one check: failure codes and the URLs refused."""

    codes: list[str]
    refused: list[str]

    def note(self, failure: CodedError | None) -> None:
        if failure is None:
            return
        self.codes.append(failure.code)
        if failure.code == "URL_REFUSED":
            self.refused.append(failure.details.get("url") or "")

    @property
    def cause(self) -> str | None:
        return next((c for c in self.codes if c in _CAUSES), None)


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
        self.urls = profile.url_policy()

    def check(self, cert: Certificate, issuer: Certificate, at: _dt.datetime, *,
              now: _dt.datetime | None = None, document_ocsp: tuple[bytes, ...] = (),
              document_crls: tuple[CrlIndex, ...] = (), fresh: bool = False) -> RevocationResult:
        """Revocation status of ``cert`` (issued by ``issuer``) at moment ``at``.

        ``fresh`` asks the responder again instead of reusing a cached answer: evidence that will be embedded
        must be produced after ``at`` to prove the status then for years (PAdES B-LT).
        """
        with network.budget():
            return self._check(cert, issuer, at, now or _dt.datetime.now(_dt.timezone.utc), document_ocsp,
                               document_crls, fresh)

    def _check(self, cert: Certificate, issuer: Certificate, at: _dt.datetime, now: _dt.datetime,
               document_ocsp: tuple[bytes, ...], document_crls: tuple[CrlIndex, ...], fresh: bool) -> RevocationResult:
        evidence: list[RevocationEvidence] = []
        problems: list[str] = []
        attempts = _Attempts([], [])
        network_only = True
        for method in self.methods:
            if method == "OCSP":
                answer = self._ocsp_status(cert, issuer, at, now, document_ocsp, fresh)
                if answer is None:
                    continue
                if answer.status in ("GOOD", "REVOKED"):
                    return self._conclude(answer.status, answer.reason, answer.revoked_at, at,
                                          [*evidence, answer.evidence(cert.subject_dn)], problems,
                                          (("OCSP", answer.der),) if answer.der else (), attempts)
                problems.append(f"{answer.code}: {answer.message}")
                network_only &= answer.network_failure
                if answer.cause:
                    attempts.codes.append(answer.cause)
                    if answer.cause == "URL_REFUSED":
                        attempts.refused.append(answer.url or "")
            else:
                result = self._crl_status(cert, issuer, at, now, document_crls, attempts)
                if isinstance(result, tuple):
                    status, entry_reason, revoked_at, used = result
                    return self._conclude(status, entry_reason, revoked_at, at,
                                          [*evidence, *(c.evidence(cert.subject_dn) for c in used)], problems,
                                          tuple(("CRL", c.der) for c in used), attempts)
                problems.append(result)
                network_only &= result.startswith("CRL_UNREACHABLE")
        soft = self.policy == Policy.SOFT_FAIL and network_only and bool(problems)
        return RevocationResult(
            "UNKNOWN", "REVOCATION_UNKNOWN",
            "the certificate's revocation status could not be established" + (
                "" if problems else " (no CRL or OCSP evidence available)"),
            evidence=tuple(evidence), problems=tuple(problems), soft_failed=soft, cause=attempts.cause,
            refused_urls=tuple(dict.fromkeys(attempts.refused)))

    @staticmethod
    def _conclude(status: str, reason: str | None, revoked_at: _dt.datetime | None, at: _dt.datetime,
                  evidence: list[RevocationEvidence], problems: list[str],
                  raw: tuple[tuple[str, bytes], ...], attempts: _Attempts) -> RevocationResult:
        refused = tuple(dict.fromkeys(attempts.refused))
        if status == "REVOKED" and _revoked_by(reason, revoked_at, at):
            when = revoked_at.isoformat() if revoked_at else "an unknown time"
            return RevocationResult("REVOKED", "CERT_REVOKED", f"the certificate was revoked ({reason}) at {when}",
                                    reason, revoked_at, tuple(evidence), tuple(problems), raw=raw,
                                    refused_urls=refused)
        message = "not revoked" if status == "GOOD" else (
            f"revoked only later ({reason}, {revoked_at.isoformat()}), after the moment checked")
        return RevocationResult("GOOD", None, message, reason if status == "REVOKED" else None,
                                revoked_at if status == "REVOKED" else None, tuple(evidence), tuple(problems), raw=raw,
                                refused_urls=refused)

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
            answer = self.ocsp.query(url, cert, issuer, at=at, policy=self.urls)
            if answer.status in ("GOOD", "REVOKED"):
                with self._lock:
                    self._ocsp_cache[key] = answer
                return answer
        return answer

    # CRL
    def _crl_status(self, cert: Certificate, issuer: Certificate, at: _dt.datetime, now: _dt.datetime,
                    document_crls: tuple[CrlIndex, ...], attempts: _Attempts):
        """(status, reason, revoked_at, CRLs used), or a problem string when CRLs give no answer."""
        failures: list[CodedError] = []
        own = list(dict.fromkeys([*cert.crl_urls, *cert.delta_crl_urls]))
        if self.policy != Policy.OFFLINE:
            base, _ = self._select(issuer, at, now, document_crls, cert)
            if not isinstance(base, CrlIndex):
                # The certificate's own distribution points first: usually the right CRL, found in one fetch.
                # The profile's CRLs only when those do not give a usable CRL of this issuer (a wrong CDP).
                failures += self.store.refresh(own, now, policy=self.urls)
                if not isinstance(self._select(issuer, at, now, document_crls, cert)[0], CrlIndex):
                    failures += self.store.refresh(list(dict.fromkeys(self.profile.crl_urls)), now, policy=self.urls)
        base, delta = self._select(issuer, at, now, document_crls, cert)
        if isinstance(base, CrlIndex) and self.policy != Policy.OFFLINE and self._newer_deltas(issuer, base, at, now):
            # a delta made on a newer complete CRL than the one held: that complete CRL exists, fetch it
            self.store.refresh(list(dict.fromkeys([*cert.crl_urls, *self.profile.crl_urls])), now, force=True,
                               policy=self.urls)
            base, delta = self._select(issuer, at, now, document_crls, cert)
        for failure in failures:
            if failure.code == "URL_REFUSED":
                attempts.note(failure)
        if isinstance(base, str):
            return base
        if base is None:
            urls = list(dict.fromkeys([*self.profile.crl_urls, *own]))
            met = {id(f) for f in failures}
            earlier = [f for f in (self.store.last_failure(u) for u in urls) if f is not None and id(f) not in met]
            for failure in (*failures, *earlier):
                if failure.code != "URL_REFUSED":
                    attempts.note(failure)
            errors = list(dict.fromkeys(str(f) for f in (*failures, *earlier)))
            if errors and self.policy != Policy.OFFLINE:
                bad_answer = {f.code for f in (*failures, *earlier)} & {"URL_REFUSED", "RESPONSE_TOO_LARGE"}
                return ("CRL_REFUSED: " if bad_answer else "CRL_UNREACHABLE: ") + "; ".join(errors)
            return "CRL_NOT_AVAILABLE: no current CRL of the issuing CA is available"
        used = [base] + ([delta] if delta is not None else [])
        try:
            return self._listed(cert, issuer, base, delta, used, at, now)
        except CrlError as exc:  # the entry of this very certificate is unreadable: the CRL answers nothing
            return f"{exc.code}: {exc}"

    def _listed(self, cert: Certificate, issuer: Certificate, base: CrlIndex, delta: CrlIndex | None,
                used: list[CrlIndex], at: _dt.datetime, now: _dt.datetime):
        """(status, reason, revoked_at, CRLs used) as the base CRL, its delta and newer deltas list ``cert``."""
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
                document_crls: tuple[CrlIndex, ...], cert: Certificate):
        """The newest usable, correctly signed full CRL of ``issuer`` that covers ``cert``, and a delta that
        applies to it."""
        pool = [c for c in (*document_crls, *self.store.candidates(issuer)) if c.issued_by(issuer)]
        problem: str | None = None
        usable: list[CrlIndex] = []
        for crl in pool:
            try:
                crl.verify_signature(issuer)
            except CrlError as exc:
                problem = f"{exc.code}: {exc}"
                continue
            if not _covers(crl, cert):
                problem = problem or ("CRL_SCOPE: the CRL of the issuer lists only some of its certificates or "
                                      "reasons (issuingDistributionPoint), or has a critical extension not known here")
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


# CRL extensions whose meaning is known here; a CRL with any other critical one must not be used (RFC 5280 5.2).
_KNOWN_CRL_EXTENSIONS = frozenset({ExtensionOID.CRL_NUMBER, ExtensionOID.DELTA_CRL_INDICATOR,
                                   ExtensionOID.AUTHORITY_KEY_IDENTIFIER, ExtensionOID.ISSUING_DISTRIBUTION_POINT,
                                   ExtensionOID.FRESHEST_CRL, ExtensionOID.ISSUER_ALTERNATIVE_NAME,
                                   ExtensionOID.AUTHORITY_INFORMATION_ACCESS})


def _covers(crl: CrlIndex, cert: Certificate) -> bool:
    """Whether ``crl`` is a complete list for ``cert``: not a partition (issuingDistributionPoint limited to CA
    or end-entity certificates other than its kind, to attribute certificates, to some reasons, or an indirect
    CRL) and no critical extension whose meaning is not known. A partitioned list that omits a certificate says
    nothing of it, so it must never make it good."""
    try:
        extensions = crl.crl.extensions
        if any(e.critical and e.oid not in _KNOWN_CRL_EXTENSIONS for e in extensions):
            return False
        found = extensions.get_extension_for_oid(ExtensionOID.ISSUING_DISTRIBUTION_POINT).value
    except x509.ExtensionNotFound:
        return True
    except Exception:  # an extension cryptography cannot read: nothing can be concluded from the list
        return False
    if found.only_some_reasons or found.indirect_crl or found.only_contains_attribute_certs:
        return False
    return not (found.only_contains_ca_certs and not cert.is_ca or found.only_contains_user_certs and cert.is_ca)
