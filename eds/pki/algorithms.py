"""The one registry of digests and signature algorithms, keyed by OID, that every signature check goes through.

Certificates, CRLs, OCSP answers, CMS SignerInfos, timestamps, XMLDSig (through its URI → OID table) and PAdES
all ask here. RSA (PKCS#1 v1.5 and PSS), ECDSA and Ed25519 are built in over ``cryptography``; the GOST family
is added by :func:`eds.pki.gost.providers.install`: the service calls it when it builds its objects, and a
``SignerChecker`` names it with :func:`on_first_use`, so that it runs the first time an OID of the NCA's arc is
looked up (a check that meets no GOST certificate, signature or CRL never imports GOST). An algorithm nobody
registered, now or on first use, is *unsupported* (``UNSUPPORTED_ALGORITHM``), never valid.

Signature values are in the encoding of X.509 and CMS (DER for ECDSA); a format with another encoding (XMLDSig's
raw r‖s) converts at its edge.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from asn1crypto import x509 as asn1_x509

from eds.errors import CodedError

SHA1 = "1.3.14.3.2.26"
SHA256 = "2.16.840.1.101.3.4.2.1"
SHA384 = "2.16.840.1.101.3.4.2.2"
SHA512 = "2.16.840.1.101.3.4.2.3"
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
RSA_PSS = "1.2.840.113549.1.1.10"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
GOST_ARC = "1.2.398.3.10."
"""The NCA's OID arc: its algorithms are known by name even before GOST is installed."""
GOST_ARCS = (GOST_ARC, "1.2.643.")
"""The arcs of the OIDs :mod:`eds.pki.gost` registers: the NCA's, and the Russian Streebog hashes it also reads."""

Verifier = Callable[[bytes, bytes, bytes], bool]
"""``(certificate DER, signed bytes, signature) -> valid``; raises :class:`KeyMismatch` for a key that cannot
be used with the algorithm."""


class UnsupportedSignatureAlgorithm(CodedError, ValueError):
    """An algorithm, recognised or not, that cannot be checked here: INDETERMINATE, never passed or failed."""

    def __init__(self, code: str, message: str = "", details: dict | None = None) -> None:
        # Constructed with the OID alone by callers; rebuilt with all three fields when unpickled.
        if not message:
            code, message, details = "UNSUPPORTED_ALGORITHM", unsupported_text("signature", code), {"oid": code}
        super().__init__(code, message, details)

    @property
    def oid(self) -> str:
        return str(self.details.get("oid", ""))


class KeyMismatch(ValueError):
    """The certificate's (or private) key is not of the kind the algorithm needs."""


@dataclass(frozen=True)
class Digest:
    """A hash function by OID; ``name`` is the one pyHanko and ``hashlib`` use for the built-in ones."""

    oid: str
    name: str
    hash: Callable[[bytes], bytes] = field(repr=False, compare=False)


@dataclass(frozen=True)
class SignatureAlgorithm:
    """A signature algorithm: the key type it needs, the digest it signs with, and how it is verified."""

    oid: str
    name: str
    key_type: str
    """``rsa``, ``rsa-pss``, ``ec``, ``ed25519`` or ``gost``: which held keys may sign with it."""
    digest_oid: str | None
    verify: Verifier = field(repr=False, compare=False)


def unsupported_text(kind: str, oid: str) -> str:
    """The one wording of 'cannot be checked here', naming a GOST algorithm as such."""
    hint = " (a GOST algorithm: GOST is not installed)" if oid.startswith(GOST_ARC) else ""
    return f"{kind} algorithm {oid} is not supported{hint}"


def _hashlib(name: str) -> Callable[[bytes], bytes]:
    return lambda data: hashlib.new(name, data).digest()


_DIGESTS: dict[str, Digest] = {
    oid: Digest(oid, name, _hashlib(name))
    for oid, name in ((SHA1, "sha1"), (SHA256, "sha256"), (SHA384, "sha384"), (SHA512, "sha512"))
}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    SHA1: hashes.SHA1, SHA256: hashes.SHA256, SHA384: hashes.SHA384, SHA512: hashes.SHA512,
}


@lru_cache(maxsize=1024)
def public_key(certificate_der: bytes) -> object:
    """A certificate's public key as ``cryptography`` loads it, once per certificate (CAs sign many objects)."""
    spki = asn1_x509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"]
    try:
        return serialization.load_der_public_key(spki.dump())
    except (UnsupportedAlgorithm, ValueError):
        raise UnsupportedSignatureAlgorithm(spki["algorithm"]["algorithm"].dotted) from None


def _cryptography_verifier(key_class: type, check: Callable[[object, bytes, bytes], None]) -> Verifier:
    def verify(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
        key = public_key(certificate_der)
        if not isinstance(key, key_class):
            raise KeyMismatch(f"the algorithm needs a {key_class.__name__}, the certificate has another key")
        try:
            check(key, signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    return verify


def _rsa(digest_oid: str) -> Verifier:
    return _cryptography_verifier(rsa.RSAPublicKey, lambda key, sig, data: key.verify(
        sig, data, padding.PKCS1v15(), _HASHES[digest_oid]()))


def _ecdsa(digest_oid: str) -> Verifier:
    return _cryptography_verifier(ec.EllipticCurvePublicKey, lambda key, sig, data: key.verify(
        sig, data, ec.ECDSA(_HASHES[digest_oid]())))


_SIGNATURES: dict[str, SignatureAlgorithm] = {
    algorithm.oid: algorithm for algorithm in (
        SignatureAlgorithm("1.2.840.113549.1.1.5", "sha1WithRSAEncryption", "rsa", SHA1, _rsa(SHA1)),
        SignatureAlgorithm(SHA256_WITH_RSA, "sha256WithRSAEncryption", "rsa", SHA256, _rsa(SHA256)),
        SignatureAlgorithm("1.2.840.113549.1.1.12", "sha384WithRSAEncryption", "rsa", SHA384, _rsa(SHA384)),
        SignatureAlgorithm("1.2.840.113549.1.1.13", "sha512WithRSAEncryption", "rsa", SHA512, _rsa(SHA512)),
        SignatureAlgorithm(ECDSA_WITH_SHA256, "ecdsa-with-SHA256", "ec", SHA256, _ecdsa(SHA256)),
        SignatureAlgorithm("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", "ec", SHA384, _ecdsa(SHA384)),
        SignatureAlgorithm("1.2.840.10045.4.3.4", "ecdsa-with-SHA512", "ec", SHA512, _ecdsa(SHA512)),
        SignatureAlgorithm("1.3.101.112", "Ed25519", "ed25519", None, _cryptography_verifier(
            ed25519.Ed25519PublicKey, lambda key, sig, data: key.verify(sig, data))),
    )
}
_BUILTIN = frozenset(_SIGNATURES) | frozenset(_DIGESTS)
# A key OID that names its signature algorithm together with the SignerInfo's digest (rsaEncryption, and the
# GOST key OIDs NCA tools write): (key OID, digest OID) -> signature OID; None stands for any digest.
_BY_KEY: dict[tuple[str, str | None], str] = {
    (RSA_ENCRYPTION, digest): oid for oid, digest in
    (("1.2.840.113549.1.1.5", SHA1), (SHA256_WITH_RSA, SHA256), ("1.2.840.113549.1.1.12", SHA384),
     ("1.2.840.113549.1.1.13", SHA512))
} | {
    (EC_PUBLIC_KEY, digest): oid for oid, digest in
    ((ECDSA_WITH_SHA256, SHA256), ("1.2.840.10045.4.3.3", SHA384), ("1.2.840.10045.4.3.4", SHA512))
}
# The algorithm each key type signs with when nobody asks for another.
_DEFAULT_FOR_KEY = {"rsa": SHA256_WITH_RSA, "ec": ECDSA_WITH_SHA256}


# OID arcs whose algorithms are registered on first use: arc -> the function that registers them.
_ON_FIRST_USE: dict[str, Callable[[], None]] = {}
_first_use_lock = threading.RLock()


def on_first_use(arc: str, install: Callable[[], None]) -> None:
    """Have ``install`` register the algorithms of the OID ``arc`` when one of its OIDs is first looked up.

    Nothing is registered or imported now; a caller that may meet such an OID (``SignerChecker``: NCA
    certificates, CRLs and answers may be GOST-signed) says so once, and a check that never meets one pays
    nothing. Saying it again, or after the arc was installed, changes nothing."""
    with _first_use_lock:
        _ON_FIRST_USE.setdefault(arc, install)


def _first_use(oid: str | None) -> None:
    """Run the installer of ``oid``'s arc, if one waits (once; lookups racing it wait for it to finish)."""
    if not _ON_FIRST_USE or not oid:
        return
    with _first_use_lock:
        for arc in [a for a in _ON_FIRST_USE if oid.startswith(a)]:
            _run_installer(arc)


def _install_all_waiting() -> None:
    """Run every waiting installer: a look-up by something other than an OID (a name, a key type) may need any."""
    if _ON_FIRST_USE:
        with _first_use_lock:
            for arc in list(_ON_FIRST_USE):
                _run_installer(arc)


def _run_installer(arc: str) -> None:
    install = _ON_FIRST_USE.pop(arc)
    try:
        install()
    except BaseException:
        _ON_FIRST_USE.setdefault(arc, install)  # not installed: the next look-up tries again
        raise


def register(algorithm: SignatureAlgorithm, *, key_oids: tuple[str, ...] = ()) -> None:
    """Teach the registry a signature algorithm (GOST); ``key_oids`` are key OIDs that may stand for it."""
    if algorithm.oid in _BUILTIN:
        raise ValueError(f"{algorithm.oid} is built in and cannot be replaced")
    _SIGNATURES[algorithm.oid] = algorithm
    for key_oid in key_oids:
        _BY_KEY[(key_oid, None)] = algorithm.oid


def register_digest(digest: Digest) -> None:
    """Teach the registry a digest (Streebog, GOST 34.311-95)."""
    if digest.oid in _BUILTIN:
        raise ValueError(f"{digest.oid} is built in and cannot be replaced")
    _DIGESTS[digest.oid] = digest


def signature(oid: str) -> SignatureAlgorithm:
    """The algorithm registered for ``oid``; UnsupportedSignatureAlgorithm when there is none."""
    algorithm = _SIGNATURES.get(oid)
    if algorithm is None and _ON_FIRST_USE:
        _first_use(oid)
        algorithm = _SIGNATURES.get(oid)
    if algorithm is None:
        raise UnsupportedSignatureAlgorithm(oid)
    return algorithm


def digest(oid: str) -> Digest | None:
    """The digest registered for ``oid``, or None."""
    found = _DIGESTS.get(oid)
    if found is None and _ON_FIRST_USE:
        _first_use(oid)
        found = _DIGESTS.get(oid)
    return found


def digest_named(name: str) -> Digest | None:
    """A digest by its ``hashlib`` name (how pyHanko names them)."""
    found = next((d for d in _DIGESTS.values() if d.name == name), None)
    if found is None and _ON_FIRST_USE:
        _install_all_waiting()
        found = next((d for d in _DIGESTS.values() if d.name == name), None)
    return found


def is_supported(oid: str) -> bool:
    if oid not in _SIGNATURES and _ON_FIRST_USE:
        _first_use(oid)
    return oid in _SIGNATURES


def for_key(key_oid: str, digest_oid: str) -> str | None:
    """The signature algorithm a key OID stands for with ``digest_oid`` (CMS allows naming the key instead)."""
    found = _BY_KEY.get((key_oid, digest_oid)) or _BY_KEY.get((key_oid, None))
    if found is None and _ON_FIRST_USE:
        _first_use(key_oid)
        _first_use(digest_oid)
        found = _BY_KEY.get((key_oid, digest_oid)) or _BY_KEY.get((key_oid, None))
    return found


def default_for(key_type: str) -> str | None:
    """The signature algorithm a key of ``key_type`` signs with by default."""
    return _DEFAULT_FOR_KEY.get(key_type)


def for_key_type(key_type: str, digest_oid: str) -> str | None:
    """The algorithm a key of ``key_type`` signs with over ``digest_oid`` (pyHanko picks the digest)."""
    found = next((a.oid for a in _SIGNATURES.values() if a.key_type == key_type and a.digest_oid == digest_oid),
                 None)
    if found is None and _ON_FIRST_USE:
        _install_all_waiting()
        found = next((a.oid for a in _SIGNATURES.values() if a.key_type == key_type and a.digest_oid == digest_oid),
                     None)
    return found


def rsa_pss(hash_oid: str, mgf_hash_oid: str, salt_length: int) -> SignatureAlgorithm:
    """RSASSA-PSS with the parameters a signature carries; UnsupportedSignatureAlgorithm for unknown hashes."""
    if hash_oid not in _HASHES or mgf_hash_oid not in _HASHES:
        raise UnsupportedSignatureAlgorithm("UNSUPPORTED_ALGORITHM", f"RSASSA-PSS with hash {hash_oid}, MGF1 "
                                            f"{mgf_hash_oid} is not supported", {"oid": RSA_PSS})
    def check(key: rsa.RSAPublicKey, signature_value: bytes, data: bytes) -> None:
        # Built per check: parameters cryptography refuses (a negative salt) make the signature invalid.
        pss = padding.PSS(mgf=padding.MGF1(_HASHES[mgf_hash_oid]()), salt_length=salt_length)
        key.verify(signature_value, data, pss, _HASHES[hash_oid]())

    return SignatureAlgorithm(RSA_PSS, "RSASSA-PSS", "rsa-pss", hash_oid,
                              _cryptography_verifier(rsa.RSAPublicKey, check))


def verify(signer: object, data: bytes, signature_value: bytes, signature_oid: str) -> bool:
    """True when ``signature_value`` over ``data`` verifies with ``signer``'s key under ``signature_oid``.

    ``signer`` is an :class:`eds.pki.certificates.Certificate` or certificate DER. A key of the wrong kind is a
    failed check (False); an algorithm that cannot be checked raises UnsupportedSignatureAlgorithm, so that
    callers report it as INDETERMINATE rather than as failed or, worse, passed.
    """
    algorithm = signature(signature_oid)
    der = signer if isinstance(signer, bytes) else signer.der  # type: ignore[attr-defined]
    try:
        return bool(algorithm.verify(der, data, signature_value))
    except KeyMismatch:
        return False


def hash_algorithm(digest_oid: str) -> hashes.HashAlgorithm:
    """The ``cryptography`` hash object for a built-in digest (what RSA and EC keys sign with)."""
    if digest_oid not in _HASHES:
        raise UnsupportedSignatureAlgorithm("UNSUPPORTED_ALGORITHM", unsupported_text("digest", digest_oid),
                                            {"oid": digest_oid})
    return _HASHES[digest_oid]()
