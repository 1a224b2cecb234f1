"""How long a timestamp stays proof of existence: its TSA chain's validity and its algorithms' strength.

A timestamp (a signature timestamp, or a PAdES document timestamp) proves that what it covers existed at its
``genTime``, but only while the proof itself can still be trusted: until the TSA certificate, or a certificate of
its chain, expires, and until its key or its imprint hash is no longer strong enough (an *algorithm sunset*).
Past that moment a verifier no longer believes it, unless a later timestamp, trusted at its own moment, covers
it (PAdES B-LTA). The verifier (:mod:`eds.validation.archive`) and archive maintenance
(:mod:`eds.issuing.archive`) ask here, so that both agree on when a proof runs out.

The sunsets follow NIST SP 800-131A (112-bit security through 2030): RSA keys under 2048 bits and SHA-1 or MD5
imprints are no proof at all (2014 / 2011); RSA 2048 (and 2048-3071) and P-224 keys are proof through
2030-12-31; RSA from 3072 bits, curves from P-256, Ed25519 and the hashes of the SHA-2 and Streebog families have
no announced end. GOST 34.310-2004 keys and the GOST 34.311-95 hash (the NCA's older generation) have none known
either: the NCA announces their end, and it is then added here.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass

from eds.pki.certificates import Certificate

_UTC = _dt.timezone.utc
NO_END = _dt.datetime.max.replace(tzinfo=_UTC)

# Imprint hashes with an end (OID -> the moment they stop being proof); any other hash has none known.
DIGEST_SUNSETS: dict[str, _dt.datetime] = {
    "1.2.840.113549.2.5": _dt.datetime(2011, 1, 1, tzinfo=_UTC),  # MD5
    "1.3.14.3.2.26": _dt.datetime(2014, 1, 1, tzinfo=_UTC),  # SHA-1
    "2.16.840.1.101.3.4.2.4": _dt.datetime(2031, 1, 1, tzinfo=_UTC),  # SHA-224
}
RSA_SHORT_END = _dt.datetime(2014, 1, 1, tzinfo=_UTC)  # RSA keys under 2048 bits
RSA_2048_END = _dt.datetime(2031, 1, 1, tzinfo=_UTC)  # RSA 2048-3071 bits: 112-bit security through 2030
EC_224_END = _dt.datetime(2031, 1, 1, tzinfo=_UTC)


def key_sunset(certificate: Certificate) -> _dt.datetime:
    """When a signature by ``certificate``'s key stops being strong enough to prove a moment (NO_END: none known)."""
    size = certificate.key_size
    algorithm = certificate.key_algorithm_oid
    if algorithm in ("1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10") and size is not None:  # RSA, RSA-PSS
        return RSA_SHORT_END if size < 2048 else RSA_2048_END if size < 3072 else NO_END
    if algorithm == "1.2.840.10045.2.1" and size is not None and size < 256:  # EC below P-256
        return EC_224_END if size >= 224 else RSA_SHORT_END
    return NO_END


def digest_sunset(digest_oid: str | None) -> _dt.datetime:
    return DIGEST_SUNSETS.get(digest_oid or "", NO_END)


@dataclass(frozen=True)
class ProofLife:
    """Until when a timestamp is proof, and what ends it first (``certificate``: a certificate of the TSA's chain
    expires; ``algorithm``: its key or its imprint hash is no longer strong enough)."""

    until: _dt.datetime
    cause: str  # "certificate" or "algorithm"
    subject: str | None = None  # the certificate that expires, or whose key ages

    def to_dict(self) -> dict:
        return {"until": self.until.isoformat(), "cause": self.cause, "subject": self.subject}


def proof_life(tsa: Certificate, chain: Iterable[Certificate | object] = (), *,
               digest_oid: str | None = None) -> ProofLife:
    """How long a token of ``tsa`` over a ``digest_oid`` imprint proves its moment: the earliest of the validity
    ends of ``tsa`` and its ``chain`` (Certificates, or report ChainEntries with ``not_after``), the TSA key's
    sunset and the imprint hash's."""
    candidates: list[ProofLife] = [ProofLife(tsa.not_after, "certificate", tsa.subject_dn)]
    for entry in chain:
        candidates.append(ProofLife(entry.not_after, "certificate",
                                    getattr(entry, "subject_dn", None) or getattr(entry, "subject", None)))
    candidates.append(ProofLife(key_sunset(tsa), "algorithm", tsa.subject_dn))
    candidates.append(ProofLife(digest_sunset(digest_oid), "algorithm", None))
    return min(candidates, key=lambda life: life.until)
