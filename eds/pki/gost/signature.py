"""GOST R 34.10-2001/2012 signatures (KZ GOST 34.310-2004 / 34.10-2015) over a digest, and their byte layouts.

The digest is read as a little-endian integer, as GOST implementations and the NCA do. Points and signature
values travel as NCA writes them: x ‖ y and r ‖ s, each half little-endian and ``curve.size`` bytes long.
"""

from __future__ import annotations

import secrets

from eds.pki.gost.curves import Curve, Point


def _digest_to_e(digest: bytes, q: int) -> int:
    """e = digest (little-endian) mod q, with 0 replaced by 1 as the standard prescribes."""
    return int.from_bytes(digest, "little") % q or 1


def generate_private_key(curve: Curve) -> int:
    """A random private key d in [1, q-1] from the ``secrets`` generator."""
    return secrets.randbelow(curve.q - 1) + 1


def public_key(private_d: int, curve: Curve) -> Point:
    """Q = d*G."""
    if not 0 < private_d < curve.q:
        raise ValueError("private key out of range")
    point = curve.multiply_generator(private_d)
    assert point is not None  # d*G is finite for 0 < d < q
    return point


def sign(private_d: int, digest: bytes, curve: Curve, k: int | None = None) -> tuple[int, int]:
    """Sign a digest, returning (r, s). ``k`` fixes the nonce (known-answer tests only); by default it is random."""
    q = curve.q
    if not 0 < private_d < q:
        raise ValueError("private key out of range")
    e = _digest_to_e(digest, q)
    while True:
        nonce = secrets.randbelow(q - 1) + 1 if k is None else k
        if not 0 < nonce < q:
            raise ValueError("nonce out of range")
        point = curve.multiply_generator(nonce)
        assert point is not None
        r = point[0] % q
        s = (r * private_d + nonce * e) % q
        if r and s:
            return r, s
        if k is not None:
            raise ValueError("this nonce gives r = 0 or s = 0")


def verify(public_point: Point, digest: bytes, r: int, s: int, curve: Curve) -> bool:
    """Check (r, s) on a digest; False for any out-of-range value or a public point that is not a valid key."""
    q = curve.q
    if not (0 < r < q and 0 < s < q) or not curve.is_public_key(public_point):
        return False
    v = pow(_digest_to_e(digest, q), -1, q)
    c = curve.multiply_combination(s * v % q, (q - r) * v % q, public_point)
    return c is not None and c[0] % q == r


def point_to_bytes(point: Point, curve: Curve) -> bytes:
    """x ‖ y, each little-endian: the content of the public key OCTET STRING."""
    return point[0].to_bytes(curve.size, "little") + point[1].to_bytes(curve.size, "little")


def point_from_bytes(data: bytes, curve: Curve) -> Point:
    """Inverse of :func:`point_to_bytes`; ValueError unless it is a valid public key of the curve."""
    if len(data) != 2 * curve.size:
        raise ValueError(f"a public key on {curve.name} is {2 * curve.size} bytes, got {len(data)}")
    point = (int.from_bytes(data[:curve.size], "little"), int.from_bytes(data[curve.size:], "little"))
    if not curve.is_public_key(point):
        raise ValueError(f"the public key is not a valid point of {curve.name}")
    return point


def signature_to_bytes(r: int, s: int, curve: Curve) -> bytes:
    """r ‖ s, each little-endian (the NCA layout, not RFC 4491's s ‖ r big-endian)."""
    return r.to_bytes(curve.size, "little") + s.to_bytes(curve.size, "little")


def signature_from_bytes(data: bytes, curve: Curve) -> tuple[int, int]:
    """Inverse of :func:`signature_to_bytes`; ValueError on a wrong length (ranges are left to :func:`verify`)."""
    if len(data) != 2 * curve.size:
        raise ValueError(f"a signature on {curve.name} is {2 * curve.size} bytes, got {len(data)}")
    return int.from_bytes(data[:curve.size], "little"), int.from_bytes(data[curve.size:], "little")
