"""Keys that sign themselves: one interface, ``key.sign(data, algorithm)``, for every private key the service holds.

XMLDSig, CMS, timestamps and PAdES sign through :class:`HeldKey`; none of them asks what kind of key it has.
RSA and EC keys from ``cryptography`` are wrapped by :func:`held_key`; a GOST key
(:class:`eds.pki.gost.keys.GostPrivateKey`) is one already. The algorithm is an OID of :mod:`eds.pki.algorithms`;
a key asked to sign with an algorithm for another kind of key raises :class:`eds.pki.algorithms.KeyMismatch`.

:class:`SigningKey` is a held key with its certificate and chain, as a PKCS#12 file gives them. Keys stay
encrypted at rest (PKCS#12); nothing here ever prints or returns the private key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, runtime_checkable

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_der_public_key, pkcs12

from eds.errors import CodedError
from eds.pki import algorithms
from eds.pki.algorithms import KeyMismatch
from eds.pki.certificates import Certificate, CertificateError


@runtime_checkable
class HeldKey(Protocol):
    """A private key that signs: what every signature format asks of a key."""

    key_type: str
    """``rsa``, ``ec`` or ``gost``: the :attr:`eds.pki.algorithms.SignatureAlgorithm.key_type` it signs for."""

    @property
    def signature_algorithm(self) -> str:
        """The OID this key signs with unless asked otherwise."""

    @property
    def public_key_info(self) -> bytes:
        """The SubjectPublicKeyInfo (DER) of the matching public key."""

    def matches(self, spki_der: bytes) -> bool:
        """Whether ``spki_der`` (a SubjectPublicKeyInfo) is this key's public key, however it is encoded."""

    def sign(self, data: bytes, algorithm: str | None = None) -> bytes:
        """The signature value over ``data`` (hashed as ``algorithm`` says), in X.509/CMS encoding."""


def _spki(public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True, eq=False)
class _CryptographyKey:
    """An RSA or EC key of ``cryptography``, signing with PKCS#1 v1.5 or ECDSA over a built-in digest."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = field(repr=False)
    key_type: str

    def __repr__(self) -> str:  # never show the key
        return f"HeldKey({self.key_type})"

    @property
    def signature_algorithm(self) -> str:
        return algorithms.default_for(self.key_type) or ""

    @cached_property
    def public_key_info(self) -> bytes:
        return _spki(self.key.public_key())

    def matches(self, spki_der: bytes) -> bool:
        try:
            return _spki(load_der_public_key(spki_der)) == self.public_key_info  # type: ignore[arg-type]
        except (ValueError, TypeError, UnsupportedAlgorithm):
            return False

    def sign(self, data: bytes, algorithm: str | None = None) -> bytes:
        chosen = algorithms.signature(algorithm or self.signature_algorithm)
        if chosen.key_type != self.key_type or chosen.digest_oid is None:
            raise KeyMismatch(f"a {self.key_type} key cannot sign {chosen.name}")
        digest = algorithms.hash_algorithm(chosen.digest_oid)
        if self.key_type == "rsa":
            return self.key.sign(data, padding.PKCS1v15(), digest)  # type: ignore[call-arg]
        return self.key.sign(data, ec.ECDSA(digest))  # type: ignore[call-arg]


_CRYPTOGRAPHY_KEY_TYPES: tuple[tuple[type, str], ...] = ((rsa.RSAPrivateKey, "rsa"), (ec.EllipticCurvePrivateKey, "ec"))


def held_key(private_key: object) -> HeldKey:
    """The signing interface of any key the service can use; TypeError for one it cannot."""
    if isinstance(private_key, HeldKey):
        return private_key
    for key_class, key_type in _CRYPTOGRAPHY_KEY_TYPES:
        if isinstance(private_key, key_class):
            return _CryptographyKey(private_key, key_type)  # type: ignore[arg-type]
    raise TypeError(f"{type(private_key).__name__} keys cannot sign here")


def belongs_to(key: HeldKey, certificate_der: bytes) -> bool:
    """Whether ``key`` is the private half of the certificate's key: never sign for someone else's certificate."""
    spki = asn1_x509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"].dump()
    return key.matches(spki)


class KeyStoreError(CodedError, ValueError):
    """A key that cannot be used; ``code`` is stable (KEY_BAD_PASSWORD, KEY_UNREADABLE, ...)."""


@dataclass(frozen=True)
class SigningKey:
    """A private key with its certificate and the chain that came with it; it signs as :class:`HeldKey` does.

    ``private_key`` is a ``cryptography`` RSA or EC key, or an :class:`eds.pki.gost.keys.GostPrivateKey`.
    """

    key_id: str
    private_key: object = field(repr=False)
    certificate: Certificate
    chain: tuple[Certificate, ...] = ()

    def __repr__(self) -> str:  # never show the key
        return f"SigningKey({self.key_id!r}, {self.certificate.subject_dn!r})"

    @cached_property
    def held(self) -> HeldKey:
        return held_key(self.private_key)

    @property
    def key_type(self) -> str:
        return self.held.key_type

    @property
    def signature_algorithm(self) -> str:
        return self.held.signature_algorithm

    @property
    def public_key_info(self) -> bytes:
        return self.held.public_key_info

    def matches(self, spki_der: bytes) -> bool:
        return self.held.matches(spki_der)

    def sign(self, data: bytes, algorithm: str | None = None) -> bytes:
        return self.held.sign(data, algorithm)

    @classmethod
    def from_pkcs12(cls, data: bytes, password: str | bytes | None, *, key_id: str = "") -> "SigningKey":
        """Open an RSA, EC or GOST PKCS#12 (NCA files use legacy 3DES/RC2 protection, which this reads).

        RSA and EC files go through ``cryptography``. NCA GOST files (legacy PBE, a GOST key algorithm in the
        key bag) are read by :mod:`eds.pki.gost.pkcs12`, which checks the MAC first: a wrong password is
        reported as such, not as the "invalid password or unsupported key" that ``cryptography`` gives for both.
        """
        secret = password.encode() if isinstance(password, str) else password
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
        except ValueError as exc:
            if _is_pkcs12(data):
                return cls._from_legacy_pkcs12(data, secret, key_id)
            raise KeyStoreError("KEY_UNREADABLE", f"not a PKCS#12 file: {exc}") from None
        if key is None or cert is None:
            raise KeyStoreError("KEY_UNREADABLE", "the PKCS#12 file holds no private key with a certificate")
        try:
            held_key(key)
        except TypeError as exc:
            raise KeyStoreError("KEY_ALGORITHM_UNSUPPORTED", str(exc)) from None
        certificate = Certificate.from_x509(cert)
        return cls(key_id or certificate.sha256[:16], key, certificate,
                   tuple(Certificate.from_x509(c) for c in extra or ()))

    @classmethod
    def _from_legacy_pkcs12(cls, data: bytes, password: bytes | None, key_id: str) -> "SigningKey":
        """A file ``cryptography`` refused: a wrong password, a GOST key, or something this cannot use."""
        from eds.pki.gost.keys import GostPrivateKey
        from eds.pki.gost.pkcs12 import Pkcs12Error, read_pkcs12
        from eds.pki.gost.providers import install as install_gost

        try:
            contents = read_pkcs12(data, password)
        except Pkcs12Error as exc:
            code = {"PKCS12_BAD_PASSWORD": "KEY_BAD_PASSWORD", "PKCS12_UNSUPPORTED": "KEY_ALGORITHM_UNSUPPORTED"}
            raise KeyStoreError(code.get(exc.code, "KEY_UNREADABLE"),
                                f"the PKCS#12 file could not be opened: {exc}") from None
        if len(contents.private_keys) != 1:
            raise KeyStoreError("KEY_UNREADABLE", f"the PKCS#12 file holds {len(contents.private_keys)} private "
                                                  "keys; one with its certificate is needed")
        try:
            key = GostPrivateKey.from_pkcs8(contents.private_keys[0])
        except ValueError as exc:
            raise KeyStoreError("KEY_ALGORITHM_UNSUPPORTED", f"the key cannot sign here: {exc}") from None
        try:
            certificates = [Certificate.load(der) for der in contents.certificates]
        except CertificateError as exc:
            raise KeyStoreError("KEY_UNREADABLE", f"a certificate in the PKCS#12 file is unreadable: {exc}") from None
        own = [c for c in certificates if key.matches(asn1_x509.Certificate.load(c.der).public_key.dump())]
        if not own:
            raise KeyStoreError("KEY_UNREADABLE", "the PKCS#12 file holds no certificate for its private key")
        chain = tuple(c for c in certificates if c.der != own[0].der)
        install_gost()  # what signs with this key (CMS, XMLDSig) finds its digest and algorithm registered
        return cls(key_id or own[0].sha256[:16], key, own[0], chain)


def _is_pkcs12(data: bytes) -> bool:
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        asn1_pkcs12.Pfx.load(data)["auth_safe"]["content_type"].native
        return True
    except Exception:
        return False
