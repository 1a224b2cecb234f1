"""Certificate path validation at a given time, over pyhanko-certvalidator.

The validator builds the full chain to a pinned anchor and checks signatures, validity periods,
basicConstraints, pathLen and CA keyUsage (RFC 5280 §6). Revocation is left to ``eds.pki.revocation``,
which knows the NCA quirks (no OCSP nextUpdate, CRLs found by issuer). Validated paths are cached: the
signature and constraint checks do not depend on time, so a cached path is reused for any moment that
lies inside the validity of every certificate on it.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.authority import CertTrustAnchor
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.sig_validate import DEFAULT_VALIDATION_CONTEXT, DefaultSignatureValidator

from eds import event_loop, limits
from eds.pki import algorithms
from eds.pki.certificates import Certificate
from eds.pki.trust import TrustProfile

_NO_REVOCATION = CertRevTrustPolicy(RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.NO_CHECK,
    intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
))


class _SignatureValidator(DefaultSignatureValidator):
    """certvalidator's signature check; a certificate signed with an OID of the NCA's arc goes to
    :class:`eds.pki.gost.providers.GostSignatureValidator`, imported the first time one is met."""

    def validate_signature(self, signature: bytes, signed_data: bytes, public_key_info, signature_algorithm,
                           context=DEFAULT_VALIDATION_CONTEXT) -> None:
        if signature_algorithm["algorithm"].dotted.startswith(algorithms.GOST_ARC):
            from eds.pki.gost.providers import GostSignatureValidator

            GostSignatureValidator().validate_signature(signature, signed_data, public_key_info,
                                                        signature_algorithm, context)
            return
        super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)


_SIGNATURE_VALIDATOR = _SignatureValidator()  # certificates signed with GOST, the rest as certvalidator does
@dataclass(frozen=True)
class PathResult:
    """The outcome of path validation: the chain (end entity first, anchor last) or why there is none."""

    ok: bool
    chain: tuple[Certificate, ...] = ()
    code: str | None = None
    message: str = ""
    cause: str = ""  # certvalidator's (or asn1crypto's) own text, which ``message`` quotes

    @property
    def issuer(self) -> Certificate | None:
        return self.chain[1] if len(self.chain) > 1 else None


def _asn1(cert: Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.der)


def _shared(cert: Certificate) -> asn1_x509.Certificate:
    """A certificate every thread's validation reads (an anchor, a profile intermediate), parsed through once
    here. asn1crypto parses lazily, writing each part into the object on first access, and two threads doing
    that at once see half-parsed parts ("No field numbered 3 is present..."): read-only from now on."""
    parsed = _asn1(cert)
    parsed.native  # noqa: B018  parses every part recursively
    parsed.issuer_serial, parsed.public_key.sha1, parsed.subject.hashable, parsed.key_identifier  # noqa: B018
    parsed.issuer.hashable, parsed.self_signed, parsed.authority_key_identifier  # noqa: B018
    return parsed


def _registrable(cert: Certificate) -> asn1_x509.Certificate | None:
    """An extra certificate as certvalidator's store indexes it, or None when asn1crypto cannot read those parts:
    a document may carry any bytes as a certificate, and one that cannot be read cannot be on a path."""
    parsed = _asn1(cert)
    try:
        parsed.issuer_serial, parsed.public_key.sha1, parsed.subject.hashable, parsed.key_identifier  # noqa: B018
    except Exception:  # asn1crypto parses lazily and raises ValueError, TypeError or its own errors
        return None
    return parsed


SAME_KEY_CERTIFICATES = 3  # renewals of one CA key a document may carry; more only multiply the paths to try


def _issued(child: Certificate, issuer: Certificate) -> bool:
    """Whether ``issuer``'s key verifies ``child``'s signature (any registered algorithm, GOST included)."""
    tbs = child.x509
    try:
        return algorithms.verify(issuer, tbs.tbs_certificate_bytes, tbs.signature,
                                 tbs.signature_algorithm_oid.dotted_string)
    except Exception:  # an unsupported or unreadable key cannot be on a path certvalidator could check either
        return False


def _on_some_path(cert: Certificate, extra_certs: tuple[Certificate, ...]) -> list[Certificate]:
    """The certificates a document carries that can lie on ``cert``'s path: issuers by name whose key verifies
    the child's signature, walked upwards, at most ``SAME_KEY_CERTIFICATES`` per subject and key.

    certvalidator tries every ordering of the candidates it is given: eight look-alike CA certificates with
    one subject cost it 8! paths and seconds of CPU. Candidates that cannot have signed anything on the
    path, and copies of one CA under one key beyond a few renewals, are left out first (linear work, each
    step within the CPU budget)."""
    by_subject: dict[bytes, list[Certificate]] = {}
    per_key: dict[tuple[bytes, bytes], int] = {}
    for extra in extra_certs:
        try:
            subject = extra.x509.subject.public_bytes()
            key = (subject, extra.x509.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
        except Exception:  # a key cryptography cannot read (GOST): the certificate's own bytes tell copies apart
            subject, key = extra.x509.subject.public_bytes(), (b"", extra.der)
        if per_key.get(key, 0) >= SAME_KEY_CERTIFICATES:
            continue
        per_key[key] = per_key.get(key, 0) + 1
        by_subject.setdefault(subject, []).append(extra)
    kept: list[Certificate] = []
    seen = {cert.sha256}
    frontier = [cert]
    while frontier:
        child = frontier.pop()
        for candidate in by_subject.get(child.x509.issuer.public_bytes(), ()):
            limits.checkpoint()
            if candidate.sha256 not in seen and _issued(child, candidate):
                seen.add(candidate.sha256)
                kept.append(candidate)
                frontier.append(candidate)
    return kept


class PathValidator:
    """Validates paths against one trust profile; thread-safe; caches successful paths."""

    def __init__(self, profile: TrustProfile, *, cache_size: int = 10_000) -> None:
        self.profile = profile
        self._anchors = [CertTrustAnchor(_shared(a)) for a in profile.anchors]
        self._intermediates = [_shared(c) for c in profile.intermediates]
        self._by_der = {c.der: c for c in (*profile.anchors, *profile.intermediates)}
        self._cache: OrderedDict[str, tuple[Certificate, ...]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def validate(self, cert: Certificate, at: _dt.datetime, *,
                 extra_certs: tuple[Certificate, ...] = ()) -> PathResult:
        """Validate ``cert``'s path at ``at``; ``extra_certs`` are intermediates carried by a document."""
        with self._lock:
            cached = self._cache.get(cert.sha256)
            if cached is not None:
                self._cache.move_to_end(cert.sha256)
        if cached is not None and all(c.not_before <= at <= c.not_after for c in cached):
            return PathResult(True, cached)
        extras = [parsed for parsed in map(_registrable, _on_some_path(cert, extra_certs)) if parsed is not None]
        try:
            context = ValidationContext(
                trust_manager=None,
                trust_roots=self._anchors,
                other_certs=self._intermediates + extras,
                moment=at,
                allow_fetching=False,
                revinfo_policy=_NO_REVOCATION,
                signature_validator=_SIGNATURE_VALIDATOR,
            )
            validator = CertificateValidator(_asn1(cert), validation_context=context)
            path = event_loop.run(validator.async_validate_path())
        except cv_errors.PathBuildingError as exc:
            return PathResult(False, code="CHAIN_UNTRUSTED",
                              message=f"no chain to a pinned trust anchor of profile "
                                      f"{self.profile.name!r}: {exc}", cause=str(exc))
        except cv_errors.ExpiredError as exc:
            return PathResult(False, code="CHAIN_EXPIRED", message=str(exc), cause=str(exc))
        except cv_errors.NotYetValidError as exc:
            return PathResult(False, code="CHAIN_NOT_YET_VALID", message=str(exc), cause=str(exc))
        except cv_errors.DisallowedAlgorithmError as exc:
            return PathResult(False, code="ALGORITHM_NOT_ALLOWED", message=str(exc), cause=str(exc))
        except (cv_errors.PathValidationError, cv_errors.InvalidCertificateError) as exc:
            if cert.is_self_issued:  # its own issuer and not a pinned anchor: an impostor, not a broken chain
                return PathResult(False, code="CHAIN_UNTRUSTED", message=f"a self-signed certificate that is not "
                                                                         f"a pinned trust anchor: {exc}", cause=str(exc))
            return PathResult(False, code="CHAIN_INVALID", message=str(exc), cause=str(exc))
        except Exception as exc:  # a malformed certificate can surface as any parse error inside asn1crypto
            return PathResult(False, code="CHAIN_INVALID", message=f"path validation failed: {exc}",
                              cause=str(exc))
        chain = tuple(self._certificate(c.dump()) for c in reversed(list(path)))
        chain = (cert,) + chain[1:] if chain and chain[0].der == cert.der else chain
        with self._lock:
            self._cache[cert.sha256] = chain
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return PathResult(True, chain)

    def _certificate(self, der: bytes) -> Certificate:
        known = self._by_der.get(der)
        return known if known is not None else Certificate.load(der)
