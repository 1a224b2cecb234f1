"""Signing keys the service holds: PKCS#12 files opened once and kept as loaded key objects.

Loading a key is the slow part of signing (pyHanko's SimpleSigner reloads it every time), so a key is
loaded when first used and kept in a ``KeyStore``. Keys stay encrypted at rest (PKCS#12); the password
lives only in the process. Nothing here ever prints or returns the private key.

RSA and EC files go through ``cryptography``. NCA GOST files (legacy PBE, a GOST key algorithm in the key
bag) are read by :mod:`eds.pki.gost.pkcs12`, which checks the MAC first: a wrong password is reported as such,
not as the "invalid password or unsupported key" that ``cryptography`` gives for both.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from eds.pki.certificates import Certificate, CertificateError
from eds.errors import CodedError
from eds.pki.gost.keys import GostPrivateKey
from eds.pki.gost.pkcs12 import Pkcs12Error, read_pkcs12


class KeyStoreError(CodedError, ValueError):
    """A key that cannot be used; ``code`` is stable (KEY_BAD_PASSWORD, KEY_UNREADABLE, ...)."""


@dataclass(frozen=True)
class SigningKey:
    """A private key with its certificate and the chain that came with it.

    ``private_key`` is a ``cryptography`` RSA or EC key, or an :class:`eds.pki.gost.keys.GostPrivateKey`.
    """

    key_id: str
    private_key: object = field(repr=False)
    certificate: Certificate
    chain: tuple[Certificate, ...] = ()

    def __repr__(self) -> str:  # never show the key
        return f"SigningKey({self.key_id!r}, {self.certificate.subject_dn!r})"

    @classmethod
    def from_pkcs12(cls, data: bytes, password: str | bytes | None, *, key_id: str = "") -> "SigningKey":
        """Open an RSA, EC or GOST PKCS#12 (NCA files use legacy 3DES/RC2 protection, which this reads)."""
        secret = password.encode() if isinstance(password, str) else password
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
        except ValueError as exc:
            if _is_pkcs12(data):
                return cls._from_legacy_pkcs12(data, secret, key_id)
            raise KeyStoreError("KEY_UNREADABLE", f"not a PKCS#12 file: {exc}") from None
        if key is None or cert is None:
            raise KeyStoreError("KEY_UNREADABLE", "the PKCS#12 file holds no private key with a certificate")
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise KeyStoreError("KEY_ALGORITHM_UNSUPPORTED", f"{type(key).__name__} keys cannot sign here")
        certificate = Certificate.from_x509(cert)
        return cls(key_id or certificate.sha256[:16], key, certificate,
                   tuple(Certificate.from_x509(c) for c in extra or ()))

    @classmethod
    def _from_legacy_pkcs12(cls, data: bytes, password: bytes | None, key_id: str) -> "SigningKey":
        """A file ``cryptography`` refused: a wrong password, a GOST key, or something this cannot use."""
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
        return cls(key_id or own[0].sha256[:16], key, own[0], chain)


def _is_pkcs12(data: bytes) -> bool:
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        asn1_pkcs12.Pfx.load(data)["auth_safe"]["content_type"].native
        return True
    except Exception:
        return False


class KeyStore:
    """Named signing keys, each loaded at most once per process."""

    def __init__(self) -> None:
        self._sources: dict[str, tuple[Path, str]] = {}
        self._loaded: dict[str, SigningKey] = {}
        self._lock = threading.Lock()

    def add_file(self, key_id: str, path: str | Path, password: str) -> None:
        self._sources[key_id] = (Path(path), password)
        self._loaded.pop(key_id, None)

    def add(self, key: SigningKey) -> None:
        self._loaded[key.key_id] = key

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(set(self._sources) | set(self._loaded)))

    def get(self, key_id: str) -> SigningKey:
        key = self._loaded.get(key_id)
        if key is not None:
            return key
        with self._lock:
            key = self._loaded.get(key_id)
            if key is None:
                if key_id not in self._sources:
                    raise KeyStoreError("KEY_NOT_FOUND", f"no signing key named {key_id!r}")
                path, password = self._sources[key_id]
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise KeyStoreError("KEY_UNREADABLE", f"cannot read key file {path.name}: {exc.strerror}") from None
                key = SigningKey.from_pkcs12(data, password, key_id=key_id)
                self._loaded[key_id] = key
        return key
