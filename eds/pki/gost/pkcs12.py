"""Legacy PKCS#12 as NCA key files are made: read them where ``cryptography`` cannot, and write test ones.

NCA files protect the key bag with pbeWithSHAAnd3-KeyTripleDES-CBC, the certificates with
pbeWithSHAAnd40BitRC2-CBC, and the whole with an HMAC-SHA-1 MAC, 1024 iterations (RFC 7292). ``cryptography``
opens such a file only when it can also load the key inside, so for a GOST key it reports a wrong password.
This reader checks the MAC first (a wrong password is told apart from anything else), decrypts the bags
with the PKCS#12 key derivation of RFC 7292 appendix B, and hands back the PrivateKeyInfo and certificates
as DER, leaving the key's algorithm to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import algos, core
from asn1crypto import cms as acms
from asn1crypto import keys as akeys
from asn1crypto import pkcs12 as apkcs12
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from eds.errors import CodedError
from eds.pki.gost import rc2

PBE_SHA1_3DES = "1.2.840.113549.1.12.1.3"
PBE_SHA1_RC2_128 = "1.2.840.113549.1.12.1.5"
PBE_SHA1_RC2_40 = "1.2.840.113549.1.12.1.6"
_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
_SAFE_CONTENTS_BAG = "1.2.840.113549.1.12.10.1.6"
_X509_CERTIFICATE = "1.2.840.113549.1.9.22.1"

# MAC digest OID -> (hashlib name, u = output bytes, v = block bytes) for the key derivation.
_MAC_HASHES: dict[str, tuple[str, int, int]] = {
    "1.3.14.3.2.26": ("sha1", 20, 64),
    "2.16.840.1.101.3.4.2.1": ("sha256", 32, 64),
}
# PBE OID -> (cipher, key bytes) of RFC 7292 appendix C that NCA files use; all derive with SHA-1.
_CIPHERS: dict[str, tuple[str, int]] = {
    PBE_SHA1_3DES: ("3des", 24),
    PBE_SHA1_RC2_128: ("rc2", 16),
    PBE_SHA1_RC2_40: ("rc2", 5),
}
_KDF_KEY, _KDF_IV, _KDF_MAC = 1, 2, 3


class Pkcs12Error(CodedError, ValueError):
    """A PKCS#12 file that cannot be read; ``code``: PKCS12_BAD_PASSWORD, PKCS12_MALFORMED, PKCS12_UNSUPPORTED."""


@dataclass(frozen=True)
class Pkcs12Contents:
    """What a PKCS#12 file holds, as DER: PrivateKeyInfos and certificates (a caller pairs them by public key)."""

    private_keys: tuple[bytes, ...]
    certificates: tuple[bytes, ...]

    def __repr__(self) -> str:  # never show the keys
        return f"Pkcs12Contents({len(self.private_keys)} key(s), {len(self.certificates)} certificate(s))"


class _SafeBag(core.Sequence):
    """A SafeBag whose value stays opaque: asn1crypto's own one parses the key, and knows no GOST key."""

    _fields = [
        ("bag_id", core.ObjectIdentifier),
        ("bag_value", core.Any, {"explicit": 0}),
        ("bag_attributes", apkcs12.Attributes, {"optional": True}),
    ]


class _SafeContents(core.SequenceOf):
    _child_spec = _SafeBag


class _CertBag(core.Sequence):
    _fields = [("cert_id", core.ObjectIdentifier), ("cert_value", core.OctetString, {"explicit": 0})]


def _password_bytes(password: str | bytes | None) -> bytes:
    """The KDF's password: a BMPString with its two-byte terminator; nothing at all for no password."""
    if password is None:
        return b""
    text = password.decode("utf-8") if isinstance(password, bytes) else password
    return text.encode("utf-16-be") + b"\x00\x00"


def _fill(data: bytes, v: int) -> bytes:
    """``data`` repeated to the next multiple of ``v`` bytes (empty stays empty)."""
    if not data:
        return b""
    length = v * -(-len(data) // v)
    return (data * (length // len(data) + 1))[:length]


def derive(password: bytes, salt: bytes, iterations: int, purpose: int, length: int,
           hash_name: str = "sha1", u: int = 20, v: int = 64) -> bytes:
    """The PKCS#12 key derivation (RFC 7292 appendix B.2) for ``purpose`` 1 (key), 2 (IV) or 3 (MAC key)."""
    diversifier = bytes([purpose]) * v
    block = bytearray(_fill(salt, v) + _fill(password, v))
    out = b""
    while len(out) < length:
        a = hashlib.new(hash_name, diversifier + block).digest()
        for _ in range(iterations - 1):
            a = hashlib.new(hash_name, a).digest()
        out += a
        b = int.from_bytes(_fill(a, v), "big") + 1
        for offset in range(0, len(block), v):
            chunk = (int.from_bytes(block[offset:offset + v], "big") + b) % (1 << (8 * v))
            block[offset:offset + v] = chunk.to_bytes(v, "big")
    return out[:length]


class _DecryptionFailed(Exception):
    """Bad padding after decryption: a wrong password when no MAC said so first."""


def _crypt(algorithm: algos.EncryptionAlgorithm, password: bytes, data: bytes, encrypt: bool) -> bytes:
    oid = algorithm["algorithm"].dotted
    if oid not in _CIPHERS:
        raise Pkcs12Error("PKCS12_UNSUPPORTED", f"encryption {algorithm['algorithm'].native} is not a legacy "
                                                "PKCS#12 cipher this reader knows (3DES, RC2-40, RC2-128)")
    cipher, key_length = _CIPHERS[oid]
    params = algorithm["parameters"]
    salt, iterations = params["salt"].native, params["iterations"].native
    key = derive(password, salt, iterations, _KDF_KEY, key_length)
    iv = derive(password, salt, iterations, _KDF_IV, 8)
    if cipher == "rc2":
        if encrypt:
            return rc2.encrypt_cbc(key, iv, data, 8 * key_length)
        try:
            return rc2.decrypt_cbc(key, iv, data, 8 * key_length)
        except ValueError as exc:
            raise _DecryptionFailed(str(exc)) from None
    context = Cipher(TripleDES(key), modes.CBC(iv))
    if encrypt:
        padder = padding.PKCS7(64).padder()
        encryptor = context.encryptor()
        return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()
    if not data or len(data) % 8:
        raise _DecryptionFailed("3DES-CBC ciphertext is not a whole number of blocks")
    decryptor = context.decryptor()
    unpadder = padding.PKCS7(64).unpadder()
    try:
        return unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
    except ValueError as exc:
        raise _DecryptionFailed(str(exc)) from None


def _check_mac(pfx: apkcs12.Pfx, content: bytes, password: bytes) -> None:
    mac_data = pfx["mac_data"]
    digest_oid = mac_data["mac"]["digest_algorithm"]["algorithm"].dotted
    if digest_oid not in _MAC_HASHES:
        raise Pkcs12Error("PKCS12_UNSUPPORTED", f"MAC digest {digest_oid} is not supported")
    hash_name, u, v = _MAC_HASHES[digest_oid]
    key = derive(password, mac_data["mac_salt"].native, mac_data["iterations"].native, _KDF_MAC, u, hash_name, u, v)
    if not hmac.compare_digest(hmac.new(key, content, hash_name).digest(), mac_data["mac"]["digest"].native):
        raise Pkcs12Error("PKCS12_BAD_PASSWORD", "the password is wrong (the PKCS#12 MAC does not verify)")


def _walk(contents: _SafeContents, password: bytes, keys: list[bytes], certificates: list[bytes]) -> None:
    for bag in contents:
        bag_id = bag["bag_id"].dotted
        value = bag["bag_value"]
        if bag_id == _SHROUDED_KEY_BAG:
            encrypted = value.parse(akeys.EncryptedPrivateKeyInfo)
            keys.append(_crypt(encrypted["encryption_algorithm"], password, encrypted["encrypted_data"].native, False))
        elif bag_id == _KEY_BAG:
            keys.append(value.parse(core.Any).dump())
        elif bag_id == _CERT_BAG:
            cert_bag = value.parse(_CertBag)
            if cert_bag["cert_id"].dotted == _X509_CERTIFICATE:
                certificates.append(cert_bag["cert_value"].native)
        elif bag_id == _SAFE_CONTENTS_BAG:
            _walk(value.parse(_SafeContents), password, keys, certificates)


def read_pkcs12(data: bytes, password: str | bytes | None) -> Pkcs12Contents:
    """The keys and certificates of a password-protected PKCS#12 file; raises :class:`Pkcs12Error`."""
    secret = _password_bytes(password)
    has_mac = False
    try:
        pfx = apkcs12.Pfx.load(data, strict=True)
        auth_safe = pfx["auth_safe"]
        if auth_safe["content_type"].native != "data":
            raise Pkcs12Error("PKCS12_UNSUPPORTED", "only password-integrity PKCS#12 files are supported")
        content = auth_safe["content"].native
        has_mac = not isinstance(pfx["mac_data"], core.Void)
        if has_mac:
            _check_mac(pfx, content, secret)
        keys: list[bytes] = []
        certificates: list[bytes] = []
        for info in apkcs12.AuthenticatedSafe.load(content):
            kind = info["content_type"].native
            if kind == "data":
                safe = info["content"].native
            elif kind == "encrypted_data":
                encrypted = info["content"]["encrypted_content_info"]
                safe = _crypt(encrypted["content_encryption_algorithm"], secret,
                              encrypted["encrypted_content"].native, False)
            else:
                raise Pkcs12Error("PKCS12_UNSUPPORTED", f"{kind} content (public-key privacy) is not supported")
            _walk(_SafeContents.load(safe), secret, keys, certificates)
    except Pkcs12Error:
        raise
    except _DecryptionFailed as exc:
        if has_mac:
            raise Pkcs12Error("PKCS12_MALFORMED", f"a bag does not decrypt although the MAC verifies: {exc}") from None
        raise Pkcs12Error("PKCS12_BAD_PASSWORD", "the password is wrong (the content does not decrypt)") from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise Pkcs12Error("PKCS12_MALFORMED", f"not a readable PKCS#12 file: {exc}") from None
    return Pkcs12Contents(tuple(keys), tuple(certificates))


def _attributes(alias: str, local_key_id: bytes) -> apkcs12.Attributes:
    return apkcs12.Attributes([{"type": "friendly_name", "values": [alias]},
                               {"type": "local_key_id", "values": [local_key_id]}])


def _pbe(oid: str, iterations: int) -> algos.EncryptionAlgorithm:
    return algos.EncryptionAlgorithm({"algorithm": oid,
                                      "parameters": {"salt": os.urandom(8), "iterations": iterations}})


def write_pkcs12(private_key_info: bytes, certificate: bytes, chain: Sequence[bytes], password: str, *,
                 alias: str, iterations: int = 1024) -> bytes:
    """A PKCS#12 file in the NCA legacy layout: RC2-40 certificate bags, a 3DES key bag, an HMAC-SHA-1 MAC."""
    secret = _password_bytes(password)
    local_key_id = hashlib.sha1(certificate).digest()
    cert_bags = [
        apkcs12.SafeBag({
            "bag_id": "cert_bag",
            "bag_value": apkcs12.CertBag({"cert_id": "x509", "cert_value": core.ParsableOctetString(der)}),
            **({"bag_attributes": _attributes(alias, local_key_id)} if der == certificate else {}),
        })
        for der in (certificate, *chain)
    ]
    cert_algorithm = _pbe(PBE_SHA1_RC2_40, iterations)
    encrypted_certs = _crypt(cert_algorithm, secret, apkcs12.SafeContents(cert_bags).dump(), True)
    key_algorithm = _pbe(PBE_SHA1_3DES, iterations)
    shrouded = akeys.EncryptedPrivateKeyInfo({
        "encryption_algorithm": key_algorithm,
        "encrypted_data": _crypt(key_algorithm, secret, private_key_info, True),
    })
    key_bag = apkcs12.SafeBag({"bag_id": "pkcs8_shrouded_key_bag", "bag_value": shrouded,
                               "bag_attributes": _attributes(alias, local_key_id)})
    authenticated_safe = apkcs12.AuthenticatedSafe([
        acms.ContentInfo({"content_type": "encrypted_data", "content": acms.EncryptedData({
            "version": "v0",
            "encrypted_content_info": {"content_type": "data", "content_encryption_algorithm": cert_algorithm,
                                       "encrypted_content": encrypted_certs},
        })}),
        acms.ContentInfo({"content_type": "data", "content": apkcs12.SafeContents([key_bag]).dump()}),
    ]).dump()
    mac_salt = os.urandom(8)
    mac_key = derive(secret, mac_salt, iterations, _KDF_MAC, 20)
    return apkcs12.Pfx({
        "version": "v3",
        "auth_safe": {"content_type": "data", "content": authenticated_safe},
        "mac_data": {
            "mac": {"digest_algorithm": {"algorithm": "sha1"},
                    "digest": hmac.new(mac_key, authenticated_safe, "sha1").digest()},
            "mac_salt": mac_salt,
            "iterations": iterations,
        },
    }).dump()
