"""Plug GOST into the one algorithm registry (:mod:`eds.pki.algorithms`) and into path validation.

:func:`install` registers the NCA GOST signature algorithms and hashes once; every place that checks or makes
a signature (certificates, CRLs, OCSP answers, CMS SignerInfos and so RFC 3161 tokens, XMLDSig through its URI
table, PAdES) then finds them there. The service calls it when it builds its objects (``eds.service``,
``SignerChecker``); nothing registers on import. :class:`GostSignatureValidator` does the same for
pyhanko-certvalidator's path validation (``eds.pki.paths``).

asn1crypto needs nothing registered: pyhanko-certvalidator, imported here, makes it read the public key of an
unknown algorithm as an opaque bit string, and that is all certificate parsing needs. Giving the GOST OIDs
names in asn1crypto's maps would be harmful: ``.native`` would then say ``"kz_streebog512"`` where callers
(pyHanko's ``external_md_algorithm`` as the verifier reads it) expect an OID they can look up.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from asn1crypto import algos
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
)

from eds.pki import algorithms
from eds.pki.gost import (
    HASH_ALGORITHMS,
    OID_KZ_GOST2004_SIGNATURE,
    OID_KZ_GOST2015_256_SIGNATURE,
    OID_KZ_GOST2015_512_SIGNATURE,
    OID_KZ_GOST34311_HASH,
    OID_KZ_STREEBOG256_HASH,
    OID_KZ_STREEBOG512_HASH,
    SIGNATURE_ALGORITHMS,
    Curve,
    Point,
    parse_gost_spki,
    verify_nca,
)
from eds.pki.gost.keys import SIGNATURE_FOR_KEY

# The digest a GOST signature algorithm goes with (a CMS SignerInfo's digestAlgorithm, an XMLDSig DigestMethod).
DIGESTS: dict[str, str] = {
    OID_KZ_GOST2015_512_SIGNATURE: OID_KZ_STREEBOG512_HASH,
    OID_KZ_GOST2015_256_SIGNATURE: OID_KZ_STREEBOG256_HASH,
    OID_KZ_GOST2004_SIGNATURE: OID_KZ_GOST34311_HASH,
}
_lock = threading.Lock()
_installed = False


@lru_cache(maxsize=1024)
def _certificate_key(certificate_der: bytes) -> tuple[Curve, Point]:
    """The GOST public key of a certificate, parsed and checked once: the same CA signs many CRLs and answers."""
    spki = asn1_x509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"]
    return parse_gost_spki(spki.dump())


def verify_with_certificate(certificate_der: bytes, data: bytes, signature: bytes, algorithm_oid: str) -> bool:
    """Verify an NCA GOST signature with a certificate's key; KeyMismatch when the key does not fit the algorithm."""
    try:
        curve, point = _certificate_key(certificate_der)
    except ValueError as exc:
        raise algorithms.KeyMismatch(f"the certificate has no GOST key: {exc}") from None
    if curve.size != SIGNATURE_ALGORITHMS[algorithm_oid].key_size:
        raise algorithms.KeyMismatch(f"a {8 * curve.size}-bit GOST key cannot check "
                                     f"{SIGNATURE_ALGORITHMS[algorithm_oid].name}")
    return verify_nca((curve, point), data, signature, algorithm_oid)


def _verifier(algorithm_oid: str) -> algorithms.Verifier:
    return lambda certificate_der, data, signature: verify_with_certificate(certificate_der, data, signature,
                                                                            algorithm_oid)


def install() -> None:
    """Register GOST in the algorithm registry; calling it again changes nothing."""
    global _installed
    with _lock:
        if _installed:
            return
        for oid, factory in HASH_ALGORITHMS.items():
            algorithms.register_digest(algorithms.Digest(oid, f"gost-{oid}", lambda data, f=factory: f(data).digest()))
        key_oids: dict[str, list[str]] = {}
        for key_oid, signature_oid in SIGNATURE_FOR_KEY.items():
            key_oids.setdefault(signature_oid, []).append(key_oid)
        for oid, algorithm in SIGNATURE_ALGORITHMS.items():
            algorithms.register(algorithms.SignatureAlgorithm(oid, algorithm.name, "gost", DIGESTS[oid], _verifier(oid)),
                                key_oids=tuple(key_oids.get(oid, ())))
        _installed = True


class GostSignatureValidator(DefaultSignatureValidator):
    """pyhanko-certvalidator's signature check with the NCA GOST algorithms added; all others go to the default."""

    def validate_signature(self, signature: bytes, signed_data: bytes, public_key_info: asn1_keys.PublicKeyInfo,
                           signature_algorithm: algos.SignedDigestAlgorithm,
                           context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT) -> None:
        oid = signature_algorithm["algorithm"].dotted
        if oid not in SIGNATURE_ALGORITHMS:
            super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
            return
        if not verify_nca(public_key_info.dump(), signed_data, signature, oid):
            raise InvalidSignature(f"the {SIGNATURE_ALGORITHMS[oid].name} signature does not verify")
