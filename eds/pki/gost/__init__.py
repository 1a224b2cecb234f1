"""Pure-Python GOST cryptography as the Kazakh NCA uses it, with no proprietary library.

The primitives live in the submodules (:mod:`.streebog`, :mod:`.gost94`, :mod:`.curves`, :mod:`.signature`);
this module holds the OIDs, the algorithm tables other modules look up, and the NCA-level helpers that
hash a message, sign or verify it, and read or write a GOST SubjectPublicKeyInfo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import core

from eds.pki.gost.curves import (
    CRYPTOPRO_A,
    CRYPTOPRO_B,
    CRYPTOPRO_C,
    TC26_256_A,
    TC26_512_A,
    TC26_512_B,
    TC26_512_C,
    Curve,
    Point,
)
from eds.pki.gost.gost94 import GOST94, gost94_test
from eds.pki.gost.signature import (
    generate_private_key,
    point_from_bytes,
    point_to_bytes,
    public_key,
    sign,
    signature_from_bytes,
    signature_to_bytes,
    verify,
)
from eds.pki.gost.streebog import Streebog, streebog256, streebog512

__all__ = [
    "CURVES", "HASH_ALGORITHMS", "PUBLIC_KEY_ALGORITHMS", "SIGNATURE_ALGORITHMS", "SignatureAlgorithm",
    "Curve", "Point", "GOST94", "Streebog",
    "gost94_test", "streebog256", "streebog512",
    "generate_private_key", "public_key", "sign", "verify",
    "point_to_bytes", "point_from_bytes", "signature_to_bytes", "signature_from_bytes",
    "parse_gost_spki", "encode_gost_spki", "sign_nca", "verify_nca",
]

# --- Kazakhstan (NCA) OIDs, NCA_PROFILE.md section 5 -------------------------------------------------------
OID_KZ_GOST2004_KEY = "1.2.398.3.10.1.1.1.1"  # GOST 34.310-2004 public key
OID_KZ_GOST2004_PARAMSET = "1.2.398.3.10.1.1.1.1.1"  # its curve: CryptoPro-A
OID_KZ_GOST34311_PARAMSET = "1.2.398.3.10.1.3.1.1.0"  # hash parameters in the 2004 key: the test S-boxes
OID_KZ_GOST2015_256_KEY = "1.2.398.3.10.1.1.2.1"
OID_KZ_GOST2015_256_PARAMSET_A = "1.2.398.3.10.1.1.2.1.1"
OID_KZ_GOST2015_512_KEY = "1.2.398.3.10.1.1.2.2"
OID_KZ_GOST2015_512_PARAMSET_A = "1.2.398.3.10.1.1.2.2.1"
OID_KZ_GOST2004_SIGNATURE = "1.2.398.3.10.1.1.1.2"  # GOST 34.310-2004 with GOST 34.311-95
OID_KZ_GOST2015_256_SIGNATURE = "1.2.398.3.10.1.1.2.3.1"  # GOST 34.10-2015 (256) with Streebog-256
OID_KZ_GOST2015_512_SIGNATURE = "1.2.398.3.10.1.1.2.3.2"  # GOST 34.10-2015 (512) with Streebog-512
OID_KZ_GOST34311_HASH = "1.2.398.3.10.1.3.1"
OID_KZ_STREEBOG256_HASH = "1.2.398.3.10.1.3.2"
OID_KZ_STREEBOG512_HASH = "1.2.398.3.10.1.3.3"

# --- Russian standard OIDs (RFC 4357, RFC 7836, RFC 9215) ---------------------------------------------------
OID_GOSTR3410_2001_KEY = "1.2.643.2.2.19"
OID_GOSTR3410_2012_256_KEY = "1.2.643.7.1.1.1.1"
OID_GOSTR3410_2012_512_KEY = "1.2.643.7.1.1.1.2"
OID_STREEBOG256_HASH = "1.2.643.7.1.1.2.2"
OID_STREEBOG512_HASH = "1.2.643.7.1.1.2.3"

HashObject = Streebog | GOST94

HASH_ALGORITHMS: dict[str, Callable[[bytes], HashObject]] = {
    OID_KZ_GOST34311_HASH: gost94_test,
    OID_KZ_STREEBOG256_HASH: streebog256,
    OID_KZ_STREEBOG512_HASH: streebog512,
    OID_STREEBOG256_HASH: streebog256,
    OID_STREEBOG512_HASH: streebog512,
}

# Curve parameter-set OID -> curve. The curves behind the CryptoPro and TC26 names are the same objects where
# RFC 7836 says they are equal (tc26 256 paramSetB/C/D = CryptoPro-A/B/C, XchA = A, XchB = C).
CURVES: dict[str, Curve] = {
    OID_KZ_GOST2004_PARAMSET: CRYPTOPRO_A,
    # Uncertain: NCA_PROFILE.md only names this "parameter set A"; it is taken to be RFC 7836's
    # id-tc26-gost-3410-2012-256-paramSetA (the twisted Edwards curve, in Weierstrass form), by analogy with
    # the 512-bit set A, which is confirmed. No NCA GOST-2015-256 sample has been checked against it.
    OID_KZ_GOST2015_256_PARAMSET_A: TC26_256_A,
    OID_KZ_GOST2015_512_PARAMSET_A: TC26_512_A,
    "1.2.643.2.2.35.1": CRYPTOPRO_A,  # id-GostR3410-2001-CryptoPro-A-ParamSet
    "1.2.643.2.2.35.2": CRYPTOPRO_B,  # id-GostR3410-2001-CryptoPro-B-ParamSet
    "1.2.643.2.2.35.3": CRYPTOPRO_C,  # id-GostR3410-2001-CryptoPro-C-ParamSet
    "1.2.643.2.2.36.0": CRYPTOPRO_A,  # id-GostR3410-2001-CryptoPro-XchA-ParamSet
    "1.2.643.2.2.36.1": CRYPTOPRO_C,  # id-GostR3410-2001-CryptoPro-XchB-ParamSet
    "1.2.643.7.1.2.1.1.1": TC26_256_A,  # id-tc26-gost-3410-2012-256-paramSetA
    "1.2.643.7.1.2.1.1.2": CRYPTOPRO_A,  # id-tc26-gost-3410-2012-256-paramSetB
    "1.2.643.7.1.2.1.1.3": CRYPTOPRO_B,  # id-tc26-gost-3410-2012-256-paramSetC
    "1.2.643.7.1.2.1.1.4": CRYPTOPRO_C,  # id-tc26-gost-3410-2012-256-paramSetD
    "1.2.643.7.1.2.1.2.1": TC26_512_A,  # id-tc26-gost-3410-12-512-paramSetA
    "1.2.643.7.1.2.1.2.2": TC26_512_B,  # id-tc26-gost-3410-12-512-paramSetB
    "1.2.643.7.1.2.1.2.3": TC26_512_C,  # id-tc26-gost-3410-2012-512-paramSetC
}

# Public key algorithm OID -> bytes per coordinate (the curve named in the parameters must match it).
PUBLIC_KEY_ALGORITHMS: dict[str, int] = {
    OID_KZ_GOST2004_KEY: 32,
    OID_KZ_GOST2015_256_KEY: 32,
    OID_KZ_GOST2015_512_KEY: 64,
    OID_GOSTR3410_2001_KEY: 32,
    OID_GOSTR3410_2012_256_KEY: 32,
    OID_GOSTR3410_2012_512_KEY: 64,
}


@dataclass(frozen=True)
class SignatureAlgorithm:
    """A GOST signature algorithm OID: which hash it implies and which key size it goes with."""

    oid: str
    name: str
    hash_oid: str
    key_size: int  # bytes per coordinate / per half of the signature value

    def hash(self, data: bytes) -> HashObject:
        """A new hash object of this algorithm's hash, fed with ``data``."""
        return HASH_ALGORITHMS[self.hash_oid](data)


# The NCA signature algorithms; their values are laid out as r ‖ s little-endian (see verify_nca).
SIGNATURE_ALGORITHMS: dict[str, SignatureAlgorithm] = {
    a.oid: a
    for a in (
        SignatureAlgorithm(OID_KZ_GOST2004_SIGNATURE, "GOST 34.310-2004", OID_KZ_GOST34311_HASH, 32),
        SignatureAlgorithm(OID_KZ_GOST2015_256_SIGNATURE, "GOST 34.10-2015 256", OID_KZ_STREEBOG256_HASH, 32),
        SignatureAlgorithm(OID_KZ_GOST2015_512_SIGNATURE, "GOST 34.10-2015 512", OID_KZ_STREEBOG512_HASH, 64),
    )
}

# The NCA key algorithm and parameters written for a curve by encode_gost_spki.
_NCA_KEY_PARAMETERS: dict[Curve, tuple[str, tuple[str, ...]]] = {
    CRYPTOPRO_A: (OID_KZ_GOST2004_KEY, (OID_KZ_GOST2004_PARAMSET, OID_KZ_GOST34311_PARAMSET)),
    TC26_256_A: (OID_KZ_GOST2015_256_KEY, (OID_KZ_GOST2015_256_PARAMSET_A,)),
    TC26_512_A: (OID_KZ_GOST2015_512_KEY, (OID_KZ_GOST2015_512_PARAMSET_A,)),
}


class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _SubjectPublicKeyInfo(core.Sequence):
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.OctetBitString)]


class _ObjectIdentifiers(core.SequenceOf):
    _child_spec = core.ObjectIdentifier


def parse_gost_spki(spki_der: bytes) -> tuple[Curve, Point]:
    """The curve and public point of a GOST SubjectPublicKeyInfo (NCA or standard OIDs); ValueError otherwise.

    The parameters are a SEQUENCE whose first OID names the curve (the others name hash/cipher parameters).
    """
    spki = _SubjectPublicKeyInfo.load(spki_der, strict=True)
    key_oid = spki["algorithm"]["algorithm"].dotted
    if key_oid not in PUBLIC_KEY_ALGORITHMS:
        raise ValueError(f"not a GOST public key algorithm: {key_oid}")
    parameters = spki["algorithm"]["parameters"]
    if not parameters.contents:
        raise ValueError("GOST public key without curve parameters")
    oids = _ObjectIdentifiers.load(parameters.dump(), strict=True)
    if not len(oids):
        raise ValueError("GOST public key parameters name no curve")
    curve_oid = oids[0].dotted
    curve = CURVES.get(curve_oid)
    if curve is None:
        raise ValueError(f"unknown GOST curve parameter set: {curve_oid}")
    if curve.size != PUBLIC_KEY_ALGORITHMS[key_oid]:
        raise ValueError(f"curve {curve.name} does not fit key algorithm {key_oid}")
    key_bytes = core.OctetString.load(spki["public_key"].native, strict=True).native
    return curve, point_from_bytes(key_bytes, curve)


def encode_gost_spki(
    point: Point, curve: Curve, key_oid: str | None = None, parameter_oids: tuple[str, ...] = ()
) -> bytes:
    """DER SubjectPublicKeyInfo for a public point: by default with the NCA OIDs of the curve's key type.

    Pass ``key_oid`` and ``parameter_oids`` (curve first) to write other, e.g. TC26, identifiers.
    """
    if not curve.is_public_key(point):
        raise ValueError(f"not a valid public key of {curve.name}")
    if key_oid is None:
        if curve not in _NCA_KEY_PARAMETERS:
            raise ValueError(f"NCA has no key type on {curve.name}; give key_oid and parameter_oids")
        key_oid, parameter_oids = _NCA_KEY_PARAMETERS[curve]
    if not parameter_oids:
        raise ValueError("parameter_oids must name the curve")
    spki = _SubjectPublicKeyInfo({
        "algorithm": {
            "algorithm": key_oid,
            "parameters": _ObjectIdentifiers(list(parameter_oids)),
        },
        "public_key": core.OctetString(point_to_bytes(point, curve)).dump(),
    })
    return spki.dump()


def verify_nca(
    public_key: bytes | tuple[Curve, Point],
    message: bytes,
    signature: bytes,
    algorithm_oid: str,
    curve: Curve | None = None,
) -> bool:
    """Verify an NCA GOST signature (r ‖ s little-endian) on a message, hashing it as the algorithm says.

    ``public_key`` is a SubjectPublicKeyInfo DER, a ``(curve, point)`` pair as :func:`parse_gost_spki` returns,
    or raw x ‖ y little-endian bytes when ``curve`` is given. Malformed input of any kind gives False.
    """
    algorithm = SIGNATURE_ALGORITHMS.get(algorithm_oid)
    if algorithm is None:
        return False
    try:
        if isinstance(public_key, tuple):
            curve, point = public_key
        elif curve is not None:
            point = point_from_bytes(public_key, curve)
        else:
            curve, point = parse_gost_spki(public_key)
        if curve.size != algorithm.key_size:
            return False
        r, s = signature_from_bytes(signature, curve)
        return verify(point, algorithm.hash(message).digest(), r, s, curve)
    except (ValueError, TypeError):
        return False


def sign_nca(private_d: int, curve: Curve, message: bytes, algorithm_oid: str) -> bytes:
    """Sign a message the NCA way: hash it as ``algorithm_oid`` says, return r ‖ s little-endian."""
    algorithm = SIGNATURE_ALGORITHMS.get(algorithm_oid)
    if algorithm is None:
        raise ValueError(f"not an NCA GOST signature algorithm: {algorithm_oid}")
    if curve.size != algorithm.key_size:
        raise ValueError(f"{algorithm.name} needs a {8 * algorithm.key_size}-bit curve, not {curve.name}")
    r, s = sign(private_d, algorithm.hash(message).digest(), curve)
    return signature_to_bytes(r, s, curve)
