"""The signer check ("condition 3" of the regulations) on one certificate at one moment.

Runs every check and keeps going after a failure so that the report says everything that is wrong:
the certificate can be read; it chains to a pinned anchor; it is within its validity period; neither it
nor its CAs are revoked (certificateHold counts); it is a signing key; the IIN/BIN claimed by the
request is well-formed and equals the certificate's; and, for signing on behalf of a BIN, its role
gives the right to sign.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Iterable

from eds import limits, messages
from eds.pki import algorithms, network
from eds.pki.certificates import SIGNING_AUTHORITY_ROLES, Certificate, CertificateError, Purpose
from eds.pki.identity import IdentityError, parse_bin, parse_iin
from eds.pki.paths import PathValidator
from eds.pki.revocation import CrlIndex, CrlStore, OcspClient, Policy, RevocationChecker
from eds.pki.revocation.evidence import RevocationEvidence
from eds.pki.trust import TrustProfile
from eds.validation.report import ChainEntry, Check, Indication, Phrase, SignatureReport, Status, TimeSource, changed


RECENT_SECONDS = 15.0


def install_gost() -> None:
    """GOST into the algorithm registry (:func:`eds.pki.gost.providers.install`), imported only when called."""
    from eds.pki.gost.providers import install

    install()


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def without_trust(certificate: bytes | Certificate, why: str) -> SignatureReport:
    """What a certificate says about itself, when there is no trust profile to check it against: its description
    and a chain check that is INDETERMINATE (``CHAIN_NOT_CHECKED``, with ``why`` in its English message), never
    a pass."""
    try:
        cert = certificate if isinstance(certificate, Certificate) else Certificate.load(certificate)
    except CertificateError as exc:
        return SignatureReport((unreadable(exc),))
    return SignatureReport((Check("chain", Status.INDETERMINATE, f"not checked: {why}", "CHAIN_NOT_CHECKED",
                                  phrase=Phrase("check.chain.CHAIN_NOT_CHECKED")),
                            Check.of("revocation", Status.SKIPPED, "check.revocation.untrusted")),
                           signer=cert.summary)


def unreadable(exc: CertificateError) -> Check:
    """The line of a certificate that cannot be read: our words for people, the parser's own text as
    ``details.cause`` (it stays in the English message too, as it always was)."""
    key = f"check.certificate.{exc.code}"
    return Check("certificate", Status.FAILED, str(exc), exc.code, dict(exc.details),
                 Phrase(key if key in messages.CATALOGUE else "check.certificate.CERT_MALFORMED"))


def _crl_reason(reason: str | None) -> Phrase | str:
    """A CRL or OCSP revocation reason in the catalogue's words (the reason's own name for one it lacks)."""
    key = f"crlreason.{reason}"
    return Phrase(key) if key in messages.CATALOGUE else reason or "-"


class SignerChecker:
    """Checks signers against one trust profile with one revocation policy; reuse it, it caches."""

    def __init__(self, profile: TrustProfile, *, policy: Policy = Policy.REQUIRE,
                 methods: tuple[str, ...] = ("OCSP", "CRL"), crls: Iterable[bytes] = (),
                 ocsp_responses: Iterable[bytes] = (), crl_store: CrlStore | None = None,
                 ocsp_client: OcspClient | None = None) -> None:
        for arc in algorithms.GOST_ARCS:  # NCA certificates, CRLs and answers may be GOST-signed: registered
            algorithms.on_first_use(arc, install_gost)  # the first time one is met, and only then imported
        self.profile = profile
        self.paths = PathValidator(profile)
        self._recent: dict[tuple, tuple[float, SignatureReport]] = {}
        self.revocation = RevocationChecker(profile, policy=policy, methods=methods, crls=tuple(crls),
                                            ocsp_responses=tuple(ocsp_responses), crl_store=crl_store,
                                            ocsp_client=ocsp_client)

    @property
    def policy(self) -> Policy:
        return self.revocation.policy

    def check(self, certificate: bytes | Certificate, *, at: _dt.datetime | None = None,
              time_source: TimeSource | None = None, expect_iin: str | None = None, expect_bin: str | None = None,
              purpose: Purpose | None = Purpose.SIGN, roles: frozenset[str] | None = None,
              extra_certs: Iterable[bytes | Certificate] = (), document_ocsp: tuple[bytes, ...] = (),
              document_crls: tuple[CrlIndex, ...] = ()) -> SignatureReport:
        """The signer report for ``certificate`` at ``at`` (default now).

        ``roles``: roles of which the signer must hold one; by default, when ``expect_bin`` is given,
        the right to sign for that BIN (first head or right to sign); pass an empty set to waive it.
        """
        limits.checkpoint()  # a document with many signers spends its CPU budget here
        moment = at or _now()
        source = time_source or (TimeSource.REQUESTED if at else TimeSource.NOW)
        try:
            cert = certificate if isinstance(certificate, Certificate) else Certificate.load(certificate)
        except CertificateError as exc:
            return SignatureReport((unreadable(exc),), validation_time=moment, time_source=source)
        extras = tuple(self._extras(extra_certs))
        # A check "now" without evidence of its own is reused for a few seconds: the same signer arrives
        # in bursts, and the revocation answer behind it is younger than the OCSP maximum age anyway.
        key = None
        if at is None and not document_ocsp and not document_crls:
            key = (cert.sha256, expect_iin, expect_bin, purpose, roles, tuple(e.sha256 for e in extras))
            recent = self._recent.get(key)
            if recent is not None and recent[0] > time.monotonic() and moment <= cert.not_after:
                return changed(recent[1], validation_time=moment)
        report = self._check(cert, moment, source, expect_iin, expect_bin, purpose, roles, extras,
                             document_ocsp, document_crls)
        if key is not None and report.indication != Indication.INDETERMINATE:  # an outage is not worth remembering
            if len(self._recent) > 10_000:
                self._recent.clear()
            self._recent[key] = (time.monotonic() + RECENT_SECONDS, report)
        return report

    def _check(self, cert: Certificate, moment: _dt.datetime, source: TimeSource, expect_iin: str | None,
               expect_bin: str | None, purpose: Purpose | None, roles: frozenset[str] | None,
               extras: tuple[Certificate, ...], document_ocsp: tuple[bytes, ...],
               document_crls: tuple[CrlIndex, ...]) -> SignatureReport:
        checks: list[Check] = []
        checks.extend(self._identity_checks(cert, expect_iin, expect_bin))
        checks.append(self._validity(cert, moment))
        chain_check, chain = self._chain(cert, moment, extras)
        checks.append(chain_check)
        revocation_check, evidence = self._revocation(chain, moment, document_ocsp, document_crls)
        checks.append(revocation_check)
        checks.extend(self._usage(cert, purpose))
        if expect_bin is not None:
            checks.append(self._role(cert, SIGNING_AUTHORITY_ROLES if roles is None else roles))
        elif roles:
            checks.append(self._role(cert, roles))
        return SignatureReport(
            checks=tuple(checks),
            signer=cert.summary,
            chain=tuple(ChainEntry.of(c) for c in chain),
            revocation=evidence,
            validation_time=moment,
            time_source=source,
        )

    def validation_data(self, certificate: Certificate, at: _dt.datetime | None = None, *,
                        extra_certs: Iterable[bytes | Certificate] = ()) -> tuple[tuple[bytes, ...], tuple[bytes, ...],
                                                                                 tuple[bytes, ...]]:
        """(chain DER, OCSP responses DER, CRLs DER) that prove ``certificate`` valid at ``at``: what a
        long-term signature embeds so that it verifies offline later. Empty when there is no trusted chain.
        Raises NetworkError DEADLINE when the request's network budget ends before the evidence came: what
        is being made then (a document) is given up, not made without it."""
        moment = at or _now()
        path_time = min(max(moment, certificate.not_before), certificate.not_after)
        result = self.paths.validate(certificate, path_time, extra_certs=tuple(self._extras(extra_certs)))
        if not result.ok:
            return (), (), ()
        ocsps: list[bytes] = []
        crls: list[bytes] = []
        with network.budget():
            for cert, issuer in zip(result.chain, result.chain[1:]):
                if cert.sha256 in self.profile.anchor_fingerprints:
                    break
                revocation = self.revocation.check(cert, issuer, moment, fresh=True)
                if revocation.status == "UNKNOWN" and revocation.cause == "DEADLINE":
                    raise network.deadline_error(None, "revocation", "no revocation evidence for "
                                                 f"{cert.common_name or cert.subject_dn} within the network budget")
                for kind, der in revocation.raw:
                    (ocsps if kind == "OCSP" else crls).append(der)
        return tuple(c.der for c in result.chain), tuple(dict.fromkeys(ocsps)), tuple(dict.fromkeys(crls))

    @staticmethod
    def _extras(extra_certs: Iterable[bytes | Certificate]) -> Iterable[Certificate]:
        for extra in extra_certs:
            try:
                yield extra if isinstance(extra, Certificate) else Certificate.load(extra)
            except CertificateError:
                continue  # a broken extra certificate only means a path cannot use it

    def _identity_checks(self, cert: Certificate, expect_iin: str | None, expect_bin: str | None) -> list[Check]:
        checks: list[Check] = []
        verify = self.profile.verify_identity_checksum
        for label, expected, parse, actual, mismatch in (
            ("iin", expect_iin, parse_iin, cert.iin, "IIN_MISMATCH"),
            ("bin", expect_bin, parse_bin, cert.bin, "BIN_MISMATCH"),
        ):
            if expected is None:
                continue
            try:
                value = parse(expected, verify_checksum=verify).value
            except IdentityError as exc:
                checks.append(Check(label, Status.FAILED, f"the {label.upper()} in the request: {exc}", exc.code,
                                    {"expected": expected if isinstance(expected, str) else type(expected).__name__},
                                    Phrase(f"check.identity.{exc.code}" if f"check.identity.{exc.code}" in
                                           messages.CATALOGUE else "check.identity.IDENTITY_MALFORMED",
                                           {"label": Phrase(f"idname.{label.upper()}")})))
                continue
            if actual != value:
                checks.append(Check.of(label, Status.FAILED,
                                       "check.identity.mismatch" if actual else "check.identity.absent",
                                       {"label": Phrase(f"idname.{label.upper()}"), "value": value, "actual": actual},
                                       mismatch, {"expected": value, "certificate": actual}))
            else:
                checks.append(Check.of(label, Status.PASSED, "check.identity.matches",
                                       {"label": Phrase(f"idname.{label.upper()}"), "value": value}))
        return checks

    @staticmethod
    def _validity(cert: Certificate, moment: _dt.datetime) -> Check:
        window = {"notBefore": cert.not_before.isoformat(), "notAfter": cert.not_after.isoformat()}
        if moment < cert.not_before:
            return Check.of("validity", Status.FAILED, "check.validity.not_yet", {"at": cert.not_before.isoformat()},
                            "CERT_NOT_YET_VALID", window)
        if moment > cert.not_after:
            return Check.of("validity", Status.FAILED, "check.validity.expired", {"at": cert.not_after.isoformat()},
                            "CERT_EXPIRED", window)
        return Check.of("validity", Status.PASSED, "check.validity.valid", {"at": cert.not_after.isoformat()})

    def _chain(self, cert: Certificate, moment: _dt.datetime,
               extras: tuple[Certificate, ...]) -> tuple[Check, tuple[Certificate, ...]]:
        for oid in (cert.signature_algorithm_oid,):
            if not algorithms.is_supported(oid):
                return Check.of("chain", Status.INDETERMINATE, "check.chain.ALGORITHM_UNSUPPORTED",
                                {"algorithm": cert.signature_algorithm}, "ALGORITHM_UNSUPPORTED"), ()
        if cert.unknown_critical_extensions:
            return Check.of("chain", Status.FAILED, "check.chain.CERT_UNKNOWN_CRITICAL_EXTENSION",
                            {"extensions": ", ".join(cert.unknown_critical_extensions)},
                            "CERT_UNKNOWN_CRITICAL_EXTENSION"), ()
        # The end entity's own validity is its own check; judge the chain inside that window so that
        # an expired certificate is still told apart from an untrusted one.
        path_time = min(max(moment, cert.not_before), cert.not_after)
        result = self.paths.validate(cert, path_time, extra_certs=extras)
        if not result.ok:
            # certvalidator's text is its own English: it is the cause, and the line says it in our words
            key = "check.chain.SELF_SIGNED" if result.code == "CHAIN_UNTRUSTED" and cert.is_self_issued \
                else f"check.chain.{result.code}"
            phrase = Phrase(key if key in messages.CATALOGUE else "check.chain.CHAIN_INVALID",
                            {"profile": self.profile.name})
            return Check("chain", Status.FAILED, result.message, result.code,
                         {"cause": result.cause} if result.cause else {}, phrase), ()
        anchor = result.chain[-1]
        return Check.of("chain", Status.PASSED, "check.chain.trusted",
                        {"anchor": anchor.common_name or anchor.subject_dn}, details={"length": len(result.chain)}), \
            result.chain

    def _revocation(self, chain: tuple[Certificate, ...], moment: _dt.datetime, document_ocsp: tuple[bytes, ...],
                    document_crls: tuple[CrlIndex, ...]) -> tuple[Check, tuple[RevocationEvidence, ...]]:
        """Revocation of every non-anchor certificate at ``moment`` (a proven time, a requested one, or now)."""
        if not chain:
            return Check.of("revocation", Status.SKIPPED, "check.revocation.no_chain"), ()
        anchors = self.profile.anchor_fingerprints
        evidence: list[RevocationEvidence] = []
        warnings: list[str] = []
        refused: list[str] = []  # URLs not fetched (file:, a host not allowed): the report names them
        with network.budget():  # the whole chain's fetches share one budget (the request's, inside one)
            for cert, issuer in zip(chain, chain[1:]):
                if cert.sha256 in anchors:
                    break
                result = self.revocation.check(cert, issuer, moment, document_ocsp=document_ocsp,
                                               document_crls=document_crls)
                evidence.extend(result.evidence)
                refused.extend(result.refused_urls)
                named = {"refusedUrls": list(dict.fromkeys(refused))} if refused else {}
                who = "the certificate" if cert is chain[0] else f"CA certificate {cert.common_name}"
                whose = Phrase("check.revocation.who_signer") if cert is chain[0] else \
                    Phrase("check.revocation.who_ca", {"name": cert.common_name or cert.subject_dn})
                if result.status == "REVOKED":
                    when = result.revoked_at.isoformat() if result.revoked_at else None
                    return Check("revocation", Status.FAILED, f"{who}: {result.message}", "CERT_REVOKED",
                                 {"reason": result.reason, "revokedAt": when, "certificate": cert.subject_dn, **named},
                                 Phrase("check.revocation.revoked", {
                                     "who": whose, "reason": _crl_reason(result.reason),
                                     "at": when or Phrase("check.revocation.unknown_time")})), tuple(evidence)
                if result.status == "UNKNOWN":
                    if result.soft_failed:
                        warnings.append(f"{who}: revocation not checked, services unreachable (soft-fail): "
                                        + "; ".join(result.problems))
                        continue
                    cause = {"cause": result.cause} if result.cause else {}
                    return Check("revocation", Status.INDETERMINATE, f"{who}: {result.message}",
                                 "REVOCATION_UNKNOWN", {"problems": list(result.problems), **cause, **named},
                                 Phrase("check.revocation.unknown" if result.problems else
                                        "check.revocation.no_evidence", {"who": whose})), tuple(evidence)
        named = {"refusedUrls": list(dict.fromkeys(refused))} if refused else {}
        if warnings:
            return Check("revocation", Status.WARNING, "; ".join(warnings), details=named,
                         phrase=Phrase("check.revocation.soft_failed")), tuple(evidence)
        kinds = sorted({e.type.value for e in evidence})
        return Check.of("revocation", Status.PASSED, "check.revocation.good", {"kinds": ", ".join(kinds)},
                        details=named), tuple(evidence)

    @staticmethod
    def _usage(cert: Certificate, purpose: Purpose | None) -> list[Check]:
        checks: list[Check] = []
        if cert.is_ca:
            checks.append(Check.of("purpose", Status.FAILED, "check.purpose.ca", code="CA_CERTIFICATE"))
            return checks
        if purpose is None:
            return checks
        if cert.purpose == purpose:
            checks.append(Check.of("purpose", Status.PASSED, f"check.purpose.{purpose.value}"))
        elif cert.purpose == Purpose.UNKNOWN:
            checks.append(Check.of("purpose", Status.WARNING, "check.purpose.unstated"))
        elif purpose == Purpose.SIGN:
            checks.append(Check.of("purpose", Status.FAILED, f"check.purpose.cannot_sign.{cert.purpose.value}",
                                   code="NOT_SIGNING_KEY",
                                   details={"purpose": cert.purpose.value, "eku": list(cert.eku_oids)}))
        else:
            checks.append(Check("purpose", Status.FAILED, f"a {cert.purpose.value.lower()} key was given where "
                                f"a {purpose.value.lower()} key is required", "NOT_SIGNING_KEY",
                                phrase=Phrase("check.purpose.wrong", {"given": Phrase(f"purpose.{cert.purpose.value}"),
                                                                      "required": Phrase(f"purpose.{purpose.value}")})))
        return checks

    @staticmethod
    def _role(cert: Certificate, roles: frozenset[str]) -> Check:
        if not roles:
            return Check.of("role", Status.PASSED, "check.role.none_required")
        held = set(cert.roles) & set(roles)
        if held:
            return Check.of("role", Status.PASSED, "check.role.holds", {"roles": ", ".join(sorted(held))})
        return Check.of("role", Status.FAILED, "check.role.not_allowed" if cert.roles else "check.role.no_roles",
                        {"roles": ", ".join(cert.roles), "required": ", ".join(sorted(roles))}, "ROLE_NOT_ALLOWED",
                        {"roles": list(cert.roles), "required": sorted(roles)})
