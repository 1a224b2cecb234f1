"""GOST R 34.11-94 hash with the "test" S-box set (id-GostR3411-94-TestParamSet).

Kazakhstan's GOST 34.311-95 (used by NCA's GOST 34.310-2004 signatures) is this hash with the test S-boxes,
not with the CryptoPro ones. Digests are returned in the usual byte order (the 256-bit value little-endian).
"""

from __future__ import annotations

from functools import reduce
from operator import mul, xor
from struct import Struct

# Test parameter set S-boxes K1..K8; K1 substitutes the least significant nibble.
_SBOX = (
    (4, 10, 9, 2, 13, 8, 0, 14, 6, 11, 1, 12, 7, 15, 5, 3),
    (14, 11, 4, 12, 6, 13, 15, 10, 2, 3, 8, 1, 0, 7, 5, 9),
    (5, 8, 1, 13, 10, 3, 4, 2, 14, 15, 12, 7, 6, 0, 9, 11),
    (7, 13, 10, 1, 0, 8, 9, 15, 14, 4, 6, 12, 11, 2, 5, 3),
    (6, 12, 7, 1, 5, 15, 13, 8, 4, 10, 9, 14, 0, 3, 11, 2),
    (4, 11, 10, 0, 7, 2, 1, 13, 3, 6, 8, 5, 9, 12, 15, 14),
    (13, 11, 4, 1, 3, 15, 5, 9, 0, 10, 14, 7, 6, 8, 2, 12),
    (1, 15, 13, 0, 5, 7, 10, 4, 9, 2, 3, 14, 6, 11, 8, 12),
)

_M32 = 0xFFFFFFFF
_M256 = (1 << 256) - 1


def _round_tables() -> tuple[list[int], ...]:
    """Per-byte tables folding the S-box substitution and the 11-bit rotation of the GOST 28147-89 round."""
    tables = []
    for j in range(4):
        lo, hi = _SBOX[2 * j], _SBOX[2 * j + 1]
        row = []
        for b in range(256):
            v = (lo[b & 15] | hi[b >> 4] << 4) << (8 * j)
            row.append(((v << 11) | (v >> 21)) & _M32)
        tables.append(row)
    return tuple(tables)


_F0, _F1, _F2, _F3 = _round_tables()


def _psi_masks(power: int) -> list[int]:
    """Masks that spread each input 16-bit word into the output words of psi^power it is XORed into.

    psi is linear over whole 16-bit words, so psi^n(Y) word i is the XOR of a fixed subset of Y's words;
    ``word * mask`` places a copy of the word in every output slot of its subset.
    """
    rows = [1 << i for i in range(16)]  # rows[i]: bitmask of input words XORed into word i
    for _ in range(power):
        rows = rows[1:] + [rows[0] ^ rows[1] ^ rows[2] ^ rows[3] ^ rows[12] ^ rows[15]]
    return [sum(1 << (16 * i) for i in range(16) if rows[i] >> j & 1) for j in range(16)]


# The step's output psi^61(H ^ psi(M ^ psi^12(S))) = psi^61(H) ^ psi^62(M) ^ psi^74(S).
_MIX_MASKS = _psi_masks(61) + _psi_masks(62) + _psi_masks(74)

# The key schedule's constant C3, as 64-bit words, least significant first (C2 = C4 = 0).
_C3 = (0xFF00FF00FF00FF00, 0x00FF00FF00FF00FF, 0xFF0000FF00FFFF00, 0xFF00FFFF000000FF)

_WORDS4 = Struct("<4Q")
_WORDS8 = Struct("<8I")
_MIX_WORDS = Struct("<48H")  # H, M and S as 16-bit words, the inputs of the final mixing


def _key(u: tuple[int, int, int, int], v: tuple[int, int, int, int]) -> tuple[int, ...]:
    """K = P(U xor V): the byte transposition P applied to the 32 bytes, read as eight 32-bit cipher key words."""
    w = _WORDS4.pack(u[0] ^ v[0], u[1] ^ v[1], u[2] ^ v[2], u[3] ^ v[3])
    return _WORDS8.unpack(w[0::8] + w[1::8] + w[2::8] + w[3::8] + w[4::8] + w[5::8] + w[6::8] + w[7::8])


def _encrypt(key: tuple[int, ...], n1: int, n2: int) -> tuple[int, int]:
    """GOST 28147-89 ECB encryption of one block (n1 low half, n2 high half); returns (low, high)."""
    f0, f1, f2, f3 = _F0, _F1, _F2, _F3
    k0, k1, k2, k3, k4, k5, k6, k7 = key
    for k in (k0, k1, k2, k3, k4, k5, k6, k7, k0, k1, k2, k3, k4, k5, k6, k7,
              k0, k1, k2, k3, k4, k5, k6, k7, k7, k6, k5, k4, k3, k2, k1, k0):
        x = (n1 + k) & 0xFFFFFFFF
        n1, n2 = n2 ^ f0[x & 255] ^ f1[x >> 8 & 255] ^ f2[x >> 16 & 255] ^ f3[x >> 24], n1
    return n2, n1


def _step(h: bytes, m: bytes) -> bytes:
    """The GOST R 34.11-94 step function f(H, M) on 32-byte little-endian blocks."""
    u = _WORDS4.unpack(h)
    v = _WORDS4.unpack(m)
    keys = [_key(u, v)]
    # U = A(U) ^ C, V = A(A(V)) on 64-bit words, least significant first; A(y4|y3|y2|y1) = (y1^y2)|y4|y3|y2.
    for c in ((0, 0, 0, 0), _C3, (0, 0, 0, 0)):
        u = (u[1] ^ c[0], u[2] ^ c[1], u[3] ^ c[2], u[0] ^ u[1] ^ c[3])
        v = (v[2], v[3], v[0] ^ v[1], v[1] ^ v[2])
        keys.append(_key(u, v))
    halves = _WORDS8.unpack(h)
    s = []
    for i, key in enumerate(keys):
        s.extend(_encrypt(key, halves[2 * i], halves[2 * i + 1]))
    words = _MIX_WORDS.unpack(h + m + _WORDS8.pack(*s))
    return reduce(xor, map(mul, words, _MIX_MASKS)).to_bytes(32, "little")


class GOST94:
    """A hashlib-style GOST R 34.11-94 object with the test S-boxes; build it with :func:`gost94_test`."""

    digest_size = 32
    block_size = 32
    name = "gost94_test"

    def __init__(self, data: bytes = b"") -> None:
        self._h = bytes(32)
        self._length = 0  # bytes hashed in full blocks
        self._sigma = 0  # sum of the blocks (reduced mod 2^256 at the end)
        self._buffer = b""
        if data:
            self.update(data)

    def update(self, data: bytes) -> None:
        """Feed more message bytes (any bytes-like object)."""
        data = self._buffer + data
        full = len(data) - len(data) % 32
        h, sigma = self._h, self._sigma
        for offset in range(0, full, 32):
            block = data[offset:offset + 32]
            h = _step(h, block)
            sigma += int.from_bytes(block, "little")
        self._h, self._sigma, self._length = h, sigma, self._length + full
        self._buffer = data[full:]

    def copy(self) -> GOST94:
        """An independent copy of the current state."""
        clone = GOST94.__new__(GOST94)
        clone.__dict__.update(self.__dict__)
        return clone

    def digest(self) -> bytes:
        """The digest of everything fed so far; the object stays usable."""
        h, sigma, tail = self._h, self._sigma, self._buffer
        if tail:  # a partial last block is zero-padded; an empty one is not hashed at all
            block = tail + bytes(32 - len(tail))
            h = _step(h, block)
            sigma += int.from_bytes(block, "little")
        h = _step(h, (8 * (self._length + len(tail)) & _M256).to_bytes(32, "little"))
        return _step(h, (sigma & _M256).to_bytes(32, "little"))

    def hexdigest(self) -> str:
        """The digest as lowercase hex."""
        return self.digest().hex()


def gost94_test(data: bytes = b"") -> GOST94:
    """GOST R 34.11-94 with id-GostR3411-94-TestParamSet, i.e. Kazakhstan's GOST 34.311-95."""
    return GOST94(data)
