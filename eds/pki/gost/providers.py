"""Plug GOST into every place where the service checks or makes a signature, through their own registries.

:func:`install` registers the NCA GOST signature algorithms once with ``eds.pki.algorithms`` (certificates, CRLs,
OCSP responses, CMS SignerInfos), and what only XML and CMS need with ``eds.signatures.xmldsig`` (URIs, signing) and
``eds.signatures.cms`` (digests, key OIDs named as signature algorithms, signing; hence RFC 3161 tokens too);
:class:`GostSignatureValidator` does the same for path validation (``eds.pki.paths``). ``eds/__init__.py`` calls
:func:`install`, so GOST is there whenever ``eds`` is imported.

asn1crypto needs nothing registered: pyhanko-certvalidator, imported here, makes it read the public key of an
unknown algorithm as an opaque bit string, and that is all certificate parsing needs. Giving the GOST OIDs
names in asn1crypto's maps would be harmful: ``.native`` would then say ``"kz_streebog512"`` where callers
(pyHanko's ``external_md_algorithm`` as ``eds.validation.verify`` reads it) expect an OID they can look up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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

from eds.signatures import cms, xmldsig
from eds.pki.gost import (
    HASH_ALGORITHMS,
    OID_KZ_GOST2004_KEY,
    OID_KZ_GOST2004_SIGNATURE,
    OID_KZ_GOST2015_256_KEY,
    OID_KZ_GOST2015_256_SIGNATURE,
    OID_KZ_GOST2015_512_KEY,
    OID_KZ_GOST2015_512_SIGNATURE,
    OID_KZ_GOST34311_HASH,
    OID_KZ_STREEBOG256_HASH,
    OID_KZ_STREEBOG512_HASH,
    SIGNATURE_ALGORITHMS,
    Curve,
    HashObject,
    Point,
    gost94_test,
    parse_gost_spki,
    streebog256,
    streebog512,
    verify_nca,
)
from eds.pki.gost.keys import SIGNATURE_FOR_KEY, GostPrivateKey

# XMLDSig SignatureMethod / DigestMethod URIs of the NCA profile (NCA_PROFILE.md §6).
XML_SIGNATURE_URIS: dict[str, str] = {
    OID_KZ_GOST2015_512_SIGNATURE: xmldsig.GOST2015_512,
    OID_KZ_GOST2015_256_SIGNATURE: xmldsig.GOST2015_256,
    OID_KZ_GOST2004_SIGNATURE: xmldsig.GOST2004,
}
_XML_DIGESTS = {
    xmldsig.GOST2015_DIGEST_512: streebog512,
    xmldsig.GOST2015_DIGEST_256: streebog256,
    xmldsig.GOST2004_DIGEST: gost94_test,
}
# The digest a GOST signature algorithm goes with in a CMS SignerInfo.
CMS_DIGESTS: dict[str, str] = {
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
    """Verify an NCA GOST signature with a certificate's key; ValueError when the key does not fit the algorithm."""
    curve, point = _certificate_key(certificate_der)
    if curve.size != SIGNATURE_ALGORITHMS[algorithm_oid].key_size:
        raise ValueError(f"a {8 * curve.size}-bit GOST key cannot check {SIGNATURE_ALGORITHMS[algorithm_oid].name}")
    return verify_nca((curve, point), data, signature, algorithm_oid)


def _certificate_verifier(algorithm_oid: str) -> algorithms.Verifier:
    """For eds.pki.algorithms: any key that does not fit (RSA, another GOST size) is a failed check, not a crash."""

    def verify(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
        try:
            return verify_with_certificate(certificate_der, data, signature, algorithm_oid)
        except ValueError:
            return False

    return verify


def _xml_verifier(algorithm_oid: str) -> xmldsig.SignatureVerifier:
    """For eds.signatures.xmldsig, which wants ValueError for a key that does not fit (CERTIFICATE_KEY_MISMATCH)."""

    def verify(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
        return verify_with_certificate(certificate_der, data, signature, algorithm_oid)

    return verify


def _xml_signer(algorithm_oid: str) -> xmldsig.SignatureSigner:
    def sign(private_key: object, data: bytes) -> bytes:
        if not isinstance(private_key, GostPrivateKey) or private_key.algorithm_oid != algorithm_oid:
            raise xmldsig.XmlDsigError("UNSUPPORTED_KEY", f"{XML_SIGNATURE_URIS[algorithm_oid]} needs a GOST key "
                                                          f"of {SIGNATURE_ALGORITHMS[algorithm_oid].name}")
        return private_key.sign(data)

    return sign


def _cms_signer(private_key: GostPrivateKey, certificate_der: bytes) -> cms.KeySigning:
    spki = asn1_x509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"].dump()
    if not private_key.matches(spki):
        raise ValueError("the private key does not belong to the certificate")
    return cms.KeySigning(CMS_DIGESTS[private_key.algorithm_oid], private_key.algorithm_oid, private_key.sign)


def _digest(factory: Callable[[bytes], HashObject]) -> cms.DigestFunction:
    return lambda data: factory(data).digest()


def install() -> None:
    """Register GOST everywhere; calling it again changes nothing."""
    global _installed
    with _lock:
        if _installed:
            return
        for oid in SIGNATURE_ALGORITHMS:
            algorithms.register(oid, _certificate_verifier(oid))  # certificates, CRLs, OCSP, CMS
            xmldsig.register_signature(XML_SIGNATURE_URIS[oid], _xml_verifier(oid), _xml_signer(oid))
        for key_oid in (OID_KZ_GOST2004_KEY, OID_KZ_GOST2015_256_KEY, OID_KZ_GOST2015_512_KEY):
            cms.register_key_algorithm(key_oid, SIGNATURE_FOR_KEY[key_oid])
        for oid, factory in HASH_ALGORITHMS.items():
            cms.register_digest(oid, _digest(factory))
        for uri, factory in _XML_DIGESTS.items():
            xmldsig.register_digest(uri, _digest(factory))
        cms.register_signer(GostPrivateKey, _cms_signer)
        xmldsig.register_key_type(GostPrivateKey, lambda key: XML_SIGNATURE_URIS[key.algorithm_oid])
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
