"""Verify a signature made by a certificate's key over some bytes, whatever the algorithm.

One place for certificate-level signature checks (CRLs, OCSP responses, timestamps, documents):
RSA and ECDSA go to ``cryptography``; other algorithms (the GOST family) are registered by their own
module through ``register``. An algorithm nobody registered is *unsupported*, never valid.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from eds.pki.certificates import Certificate

# signature algorithm OID -> (kind, hash)
_BUILTIN: dict[str, tuple[str, hashes.HashAlgorithm | None]] = {
    "1.2.840.113549.1.1.5": ("rsa", hashes.SHA1()),
    "1.2.840.113549.1.1.11": ("rsa", hashes.SHA256()),
    "1.2.840.113549.1.1.12": ("rsa", hashes.SHA384()),
    "1.2.840.113549.1.1.13": ("rsa", hashes.SHA512()),
    "1.2.840.10045.4.3.2": ("ecdsa", hashes.SHA256()),
    "1.2.840.10045.4.3.3": ("ecdsa", hashes.SHA384()),
    "1.2.840.10045.4.3.4": ("ecdsa", hashes.SHA512()),
    "1.3.101.112": ("ed25519", None),
}

Verifier = Callable[[bytes, bytes, bytes], bool]  # (certificate DER, signed bytes, signature) -> valid
_registry: dict[str, Verifier] = {}


class UnsupportedSignatureAlgorithm(Exception):
    """The algorithm is recognised or unknown but cannot be verified here."""

    def __init__(self, oid: str) -> None:
        super().__init__(f"signature algorithm {oid} is not supported")
        self.oid = oid

    def __reduce__(self) -> tuple[object, ...]:  # whole across process pools, as eds.errors explains
        return type(self), (self.oid,)


def register(signature_oid: str, verifier: Verifier) -> None:
    """Teach the service a signature algorithm (used by the GOST module)."""
    _registry[signature_oid] = verifier


def registered(signature_oid: str) -> Verifier | None:
    """The verifier a module registered for ``signature_oid`` (GOST), for code that verifies by certificate DER
    (CMS SignerInfos): one registry, whoever asks."""
    return _registry.get(signature_oid)


def is_supported(signature_oid: str) -> bool:
    return signature_oid in _BUILTIN or signature_oid in _registry


def verify(signer: Certificate, data: bytes, signature: bytes, signature_oid: str) -> bool:
    """True when ``signature`` over ``data`` verifies with ``signer``'s key under ``signature_oid``.

    Raises UnsupportedSignatureAlgorithm for algorithms that cannot be checked, so that callers report
    them as INDETERMINATE rather than as failed or, worse, passed.
    """
    if signature_oid in _registry:
        return bool(_registry[signature_oid](signer.der, data, signature))
    if signature_oid not in _BUILTIN:
        raise UnsupportedSignatureAlgorithm(signature_oid)
    kind, digest = _BUILTIN[signature_oid]
    try:
        key = signer.x509.public_key()
    except (UnsupportedAlgorithm, ValueError):
        raise UnsupportedSignatureAlgorithm(signer.key_algorithm_oid) from None
    try:
        if kind == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), digest)
        elif kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(digest))
        elif kind == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            return False  # the key does not match the algorithm claimed
    except (InvalidSignature, ValueError):
        return False
    return True
