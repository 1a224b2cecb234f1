"""A GOST private key as the registries' signer hooks take it, and its PKCS#8 form.

``cryptography`` has no GOST key type, so XMLDSig, CMS and the PKCS#12 reader need a key object of their own.
It is immutable, knows its curve and the NCA signature algorithm it signs with, and never shows ``d``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from asn1crypto import core

from eds.pki.algorithms import KeyMismatch
from eds.pki.gost import (
    CURVES,
    OID_KZ_GOST2004_KEY,
    OID_KZ_GOST2004_SIGNATURE,
    OID_KZ_GOST2015_256_KEY,
    OID_KZ_GOST2015_256_SIGNATURE,
    OID_KZ_GOST2015_512_KEY,
    OID_KZ_GOST2015_512_SIGNATURE,
    PUBLIC_KEY_ALGORITHMS,
    SIGNATURE_ALGORITHMS,
    Curve,
    Point,
    encode_gost_spki,
    generate_private_key,
    parse_gost_spki,
    public_key,
    sign_nca,
)

# NCA key algorithm OID -> the signature algorithm such a key signs with.
SIGNATURE_FOR_KEY: dict[str, str] = {
    OID_KZ_GOST2004_KEY: OID_KZ_GOST2004_SIGNATURE,
    OID_KZ_GOST2015_256_KEY: OID_KZ_GOST2015_256_SIGNATURE,
    OID_KZ_GOST2015_512_KEY: OID_KZ_GOST2015_512_SIGNATURE,
}


class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _PrivateKeyInfo(core.Sequence):
    """PKCS#8 PrivateKeyInfo with the key left opaque (asn1crypto's own one only knows RSA, DSA and EC)."""

    _fields = [
        ("version", core.Integer),
        ("private_key_algorithm", _AlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", core.Any, {"implicit": 0, "optional": True}),
    ]


class _ObjectIdentifiers(core.SequenceOf):
    _child_spec = core.ObjectIdentifier


class _Spki(core.Sequence):
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.OctetBitString)]


@dataclass(frozen=True, eq=False)
class GostPrivateKey:
    """A GOST 34.310-2004 / 34.10-2015 private key: the curve, the secret ``d`` and the signature algorithm OID."""

    curve: Curve
    d: int = field(repr=False)
    algorithm_oid: str

    def __post_init__(self) -> None:
        algorithm = SIGNATURE_ALGORITHMS.get(self.algorithm_oid)
        if algorithm is None:
            raise ValueError(f"not an NCA GOST signature algorithm: {self.algorithm_oid}")
        if algorithm.key_size != self.curve.size:
            raise ValueError(f"{algorithm.name} does not fit a key on {self.curve.name}")
        if not 0 < self.d < self.curve.q:
            raise ValueError("private key out of range")

    def __repr__(self) -> str:
        return f"GostPrivateKey({self.curve.name}, {SIGNATURE_ALGORITHMS[self.algorithm_oid].name})"

    @classmethod
    def generate(cls, curve: Curve, algorithm_oid: str) -> GostPrivateKey:
        """A fresh random key (test PKI, tests)."""
        return cls(curve, generate_private_key(curve), algorithm_oid)

    @cached_property
    def public_point(self) -> Point:
        return public_key(self.d, self.curve)

    @cached_property
    def spki(self) -> bytes:
        """The SubjectPublicKeyInfo (DER, NCA OIDs) that a certificate for this key carries."""
        return encode_gost_spki(self.public_point, self.curve)

    def matches(self, spki_der: bytes) -> bool:
        """Whether ``spki_der`` is this key's public key: refuse to sign for a certificate that is not ours."""
        try:
            curve, point = parse_gost_spki(spki_der)
        except ValueError:
            return False
        return curve is self.curve and point == self.public_point

    key_type = "gost"

    @property
    def signature_algorithm(self) -> str:
        return self.algorithm_oid

    @property
    def public_key_info(self) -> bytes:
        return self.spki

    def sign(self, data: bytes, algorithm: str | None = None) -> bytes:
        """The NCA signature value (r ‖ s little-endian) over ``data``, hashed as the algorithm says."""
        if algorithm is not None and algorithm != self.algorithm_oid:
            raise KeyMismatch(f"this key signs {SIGNATURE_ALGORITHMS[self.algorithm_oid].name}, not {algorithm}")
        return sign_nca(self.d, self.curve, data, self.algorithm_oid)

    def to_pkcs8(self) -> bytes:
        """PKCS#8 PrivateKeyInfo: the SPKI's algorithm and parameters, ``d`` as an OCTET STRING little-endian.

        RFC 9215's layout (``GostR3410-2012-PrivateKey ::= OCTET STRING``); that NCA files use the same one is
        not confirmed on a sample, which is why :meth:`from_pkcs8` also reads an INTEGER.
        """
        spki = _Spki.load(self.spki)
        return _PrivateKeyInfo({
            "version": 0,
            "private_key_algorithm": spki["algorithm"].copy(),
            "private_key": core.OctetString(self.d.to_bytes(self.curve.size, "little")).dump(),
        }).dump()

    @classmethod
    def from_pkcs8(cls, der: bytes) -> GostPrivateKey:
        """Read a GOST PrivateKeyInfo; ValueError when it is not one (e.g. an RSA key)."""
        info = _PrivateKeyInfo.load(der, strict=True)
        key_oid = info["private_key_algorithm"]["algorithm"].dotted
        if key_oid not in SIGNATURE_FOR_KEY:
            raise ValueError(f"not an NCA GOST private key algorithm: {key_oid}")
        parameters = info["private_key_algorithm"]["parameters"]
        oids = _ObjectIdentifiers.load(parameters.dump(), strict=True) if parameters.contents else ()
        curve = CURVES.get(oids[0].dotted) if len(oids) else None
        if curve is None or curve.size != PUBLIC_KEY_ALGORITHMS[key_oid]:
            raise ValueError("the GOST private key names no curve that fits its algorithm")
        return cls(curve, _secret(info["private_key"].native, curve), SIGNATURE_FOR_KEY[key_oid])



def _secret(value: bytes, curve: Curve) -> int:
    """``d`` from the privateKey OCTET STRING's content: raw bytes or an OCTET STRING (little-endian), or an INTEGER."""
    if len(value) == curve.size:
        return int.from_bytes(value, "little")
    if value[:1] == b"\x04":
        raw = core.OctetString.load(value, strict=True).native
        if len(raw) == curve.size:
            return int.from_bytes(raw, "little")
    elif value[:1] == b"\x02":
        return core.Integer.load(value, strict=True).native
    raise ValueError("the GOST private key value has an unknown layout")
