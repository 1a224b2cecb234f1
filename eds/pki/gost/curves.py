"""Elliptic curves of GOST R 34.10-2001/2012 (RFC 4357, RFC 7836) and fast point multiplication on them.

Points are affine ``(x, y)`` tuples of ints, ``None`` being the point at infinity. Internally the arithmetic runs
in Jacobian coordinates (no field inversion per step). The generator gets a signed fixed-window table, built
lazily once per curve, so ``k*G`` costs only additions; an arbitrary point goes through width-5 wNAF.
"""

from __future__ import annotations

from functools import cached_property

Point = tuple[int, int]
_Jacobian = tuple[int, int, int]

# Fixed-base table for the generator: signed digits of _FIXED_WINDOW bits, one row per digit position.
_FIXED_WINDOW = 7
_FIXED_HALF = 1 << (_FIXED_WINDOW - 1)
_FIXED_MASK = (1 << _FIXED_WINDOW) - 1
# Width of the non-adjacent form used for arbitrary points: odd multiples 1P, 3P, ..., 15P.
_WNAF_WIDTH = 5


def _double(X: int, Y: int, Z: int, p: int, a: int) -> _Jacobian:
    """2P in Jacobian coordinates (any a); Z == 0 stands for infinity."""
    if not Y or not Z:
        return 1, 1, 0
    yy = Y * Y % p
    s = 4 * X * yy % p
    zz = Z * Z % p
    m = (3 * X * X + a * zz * zz) % p
    x3 = (m * m - 2 * s) % p
    return x3, (m * (s - x3) - 8 * yy * yy) % p, 2 * Y * Z % p


def _add_affine(X1: int, Y1: int, Z1: int, x2: int, y2: int, p: int, a: int) -> _Jacobian:
    """P + Q with P Jacobian and Q affine (a "mixed" addition, cheaper than the general one)."""
    if not Z1:
        return x2, y2, 1
    zz = Z1 * Z1 % p
    h = (x2 * zz - X1) % p
    r = (y2 * zz * Z1 - Y1) % p
    if not h:
        return _double(X1, Y1, Z1, p, a) if not r else (1, 1, 0)
    hh = h * h % p
    hhh = hh * h % p
    v = X1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    return x3, (r * (v - x3) - Y1 * hhh) % p, Z1 * h % p


def _to_affine_batch(points: list[_Jacobian], p: int) -> list[Point]:
    """Normalise many finite Jacobian points with a single inversion (Montgomery's trick)."""
    prefix = []
    acc = 1
    for _, _, z in points:
        prefix.append(acc)
        acc = acc * z % p
    inv = pow(acc, -1, p)
    out: list[Point] = [(0, 0)] * len(points)
    for i in range(len(points) - 1, -1, -1):
        x, y, z = points[i]
        zi = inv * prefix[i] % p
        inv = inv * z % p
        zi2 = zi * zi % p
        out[i] = (x * zi2 % p, y * zi2 * zi % p)
    return out


def _wnaf(k: int) -> list[int]:
    """Width-5 non-adjacent form of k, least significant digit first (digits odd, |d| < 16, or 0)."""
    digits = []
    full, half = 1 << _WNAF_WIDTH, 1 << (_WNAF_WIDTH - 1)
    while k:
        if k & 1:
            d = k & (full - 1)
            if d >= half:
                d -= full
            k -= d
        else:
            d = 0
        digits.append(d)
        k >>= 1
    return digits


class Curve:
    """Short Weierstrass curve y^2 = x^3 + a*x + b over GF(p) with a generator of prime order q."""

    def __init__(self, name: str, p: int, a: int, b: int, q: int, x: int, y: int, cofactor: int = 1) -> None:
        self.name = name
        self.p, self.b, self.q = p, b % p, q
        # a in (-p/2, p/2]: the common a = -3 then costs a small-int multiplication in every doubling.
        self.a = a % p if a % p <= p // 2 else a % p - p
        self.generator: Point = (x, y)
        self.cofactor = cofactor
        self.size = (p.bit_length() + 7) // 8  # bytes per coordinate, per scalar and per half of a signature

    def __repr__(self) -> str:
        return f"Curve({self.name!r})"

    def contains(self, point: Point | None) -> bool:
        """Whether ``point`` is a finite point of the curve with coordinates in [0, p)."""
        if not (isinstance(point, tuple) and len(point) == 2):
            return False
        x, y = point
        p = self.p
        return (
            isinstance(x, int) and isinstance(y, int) and 0 <= x < p and 0 <= y < p
            and (y * y - (x * x + self.a) * x - self.b) % p == 0
        )

    def is_public_key(self, point: Point | None) -> bool:
        """On the curve and not of small order (order dividing the cofactor), so usable as a public key.

        On cofactor-4 curves a point of order 2q or 4q is let through: it cannot make a signature verify under
        somebody else's key, and ruling it out would cost a full multiplication per verification.
        """
        if point is None or not self.contains(point):
            return False
        x, y = point
        p, a = self.p, self.a
        X, Y, Z = 1, 1, 0
        for bit in bin(self.cofactor)[2:]:
            X, Y, Z = _double(X, Y, Z, p, a)
            if bit == "1":
                X, Y, Z = _add_affine(X, Y, Z, x, y, p, a)
        return Z != 0

    def _affine(self, point: _Jacobian) -> Point | None:
        x, y, z = point
        if not z:
            return None
        p = self.p
        zi = pow(z, -1, p)
        zi2 = zi * zi % p
        return x * zi2 % p, y * zi2 * zi % p

    @cached_property
    def _fixed_table(self) -> list[list[Point]]:
        """Row i holds j * 2^(7i) * G for j = 1..64, affine; built on first use, then reused for every k*G."""
        p, a = self.p, self.a
        rows = []
        bx, by = self.generator
        for _ in range((self.q.bit_length() + _FIXED_WINDOW - 1) // _FIXED_WINDOW + 1):
            multiples = [(bx, by, 1)]
            for _ in range(_FIXED_HALF - 1):
                X, Y, Z = multiples[-1]
                multiples.append(_add_affine(X, Y, Z, bx, by, p, a))
            X, Y, Z = multiples[-1]
            multiples.append(_double(X, Y, Z, p, a))  # 2^7 * base: the next row's base
            row = _to_affine_batch(multiples, p)
            bx, by = row.pop()
            rows.append(row)
        return rows

    def precompute(self) -> None:
        """Build the generator table now (say, at service start) instead of on the first use (~80 ms, 512-bit)."""
        self._fixed_table  # noqa: B018

    def _add_generator_multiple(self, acc: _Jacobian, k: int) -> _Jacobian:
        """acc + k*G from the fixed-base table: one mixed addition per non-zero signed 7-bit digit of k."""
        p, a = self.p, self.a
        X, Y, Z = acc
        k %= self.q
        for row in self._fixed_table:
            if not k:
                break
            d = k & _FIXED_MASK
            k >>= _FIXED_WINDOW
            if d >= _FIXED_HALF:
                d -= 1 << _FIXED_WINDOW
                k += 1
            if d > 0:
                x, y = row[d - 1]
                X, Y, Z = _add_affine(X, Y, Z, x, y, p, a)
            elif d < 0:
                x, y = row[-d - 1]
                X, Y, Z = _add_affine(X, Y, Z, x, p - y, p, a)
        return X, Y, Z

    def _odd_multiples(self, point: Point) -> list[Point]:
        """P, 3P, ..., 15P in affine form, the lookup table of the wNAF loop (P must not be of small order)."""
        p, a = self.p, self.a
        x, y = point
        twice = self._affine(_double(x, y, 1, p, a))
        if twice is None:
            raise ValueError("point of order 2")
        tx, ty = twice
        multiples = [(x, y, 1)]
        for _ in range((1 << (_WNAF_WIDTH - 2)) - 1):
            X, Y, Z = multiples[-1]
            multiples.append(_add_affine(X, Y, Z, tx, ty, p, a))
        return _to_affine_batch(multiples, p)

    def _point_multiple(self, k: int, point: Point) -> _Jacobian:
        """k*P by the wNAF double-and-add loop, the doubling inlined because it dominates the cost."""
        p, a = self.p, self.a
        table = self._odd_multiples(point)
        X, Y, Z = 1, 1, 0
        for d in reversed(_wnaf(k)):
            if Z:
                if not Y:
                    X, Y, Z = 1, 1, 0
                else:
                    yy = Y * Y % p
                    s = 4 * X * yy % p
                    zz = Z * Z % p
                    m = (3 * X * X + a * zz * zz) % p
                    x3 = (m * m - 2 * s) % p
                    X, Y, Z = x3, (m * (s - x3) - 8 * yy * yy) % p, 2 * Y * Z % p
            if d > 0:
                x, y = table[d >> 1]
                X, Y, Z = _add_affine(X, Y, Z, x, y, p, a)
            elif d < 0:
                x, y = table[-d >> 1]
                X, Y, Z = _add_affine(X, Y, Z, x, p - y, p, a)
        return X, Y, Z

    def multiply_generator(self, k: int) -> Point | None:
        """k*G, using the cached fixed-base table."""
        return self._affine(self._add_generator_multiple((1, 1, 0), k))

    def multiply(self, k: int, point: Point) -> Point | None:
        """k*P (k >= 0) for a point P of the curve that is not of small order."""
        return self._affine(self._point_multiple(k, point))

    def multiply_combination(self, u1: int, u2: int, point: Point) -> Point | None:
        """u1*G + u2*P, the core of signature verification: wNAF for P, then G's table added on top."""
        acc = self._point_multiple(u2, point)
        return self._affine(self._add_generator_multiple(acc, u1))


# id-GostR3410-2001-CryptoPro-A-ParamSet = id-tc26-gost-3410-2012-256-paramSetB (RFC 4357, RFC 7836).
CRYPTOPRO_A = Curve(
    "id-GostR3410-2001-CryptoPro-A-ParamSet",
    p=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97,
    a=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94,
    b=0xA6,
    q=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893,
    x=0x1,
    y=0x8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14,
)

# id-GostR3410-2001-CryptoPro-B-ParamSet = id-tc26-gost-3410-2012-256-paramSetC.
CRYPTOPRO_B = Curve(
    "id-GostR3410-2001-CryptoPro-B-ParamSet",
    p=0x8000000000000000000000000000000000000000000000000000000000000C99,
    a=0x8000000000000000000000000000000000000000000000000000000000000C96,
    b=0x3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B,
    q=0x800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F,
    x=0x1,
    y=0x3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC,
)

# id-GostR3410-2001-CryptoPro-C-ParamSet = id-tc26-gost-3410-2012-256-paramSetD.
CRYPTOPRO_C = Curve(
    "id-GostR3410-2001-CryptoPro-C-ParamSet",
    p=0x9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B,
    a=0x9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598,
    b=0x805A,
    q=0x9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9,
    x=0x0,
    y=0x41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67,
)

# id-tc26-gost-3410-2012-256-paramSetA: the twisted Edwards curve of RFC 7836 in its Weierstrass form.
TC26_256_A = Curve(
    "id-tc26-gost-3410-2012-256-paramSetA",
    p=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97,
    a=0xC2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335,
    b=0x295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513,
    q=0x400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67,
    x=0x91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28,
    y=0x32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C,
    cofactor=4,
)

TC26_512_A = Curve(
    "id-tc26-gost-3410-12-512-paramSetA",
    p=int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7", 16),
    a=int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4", 16),
    b=int(
        "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265"
        "EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760", 16),
    q=int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275", 16),
    x=0x3,
    y=int(
        "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921"
        "DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4", 16),
)

TC26_512_B = Curve(
    "id-tc26-gost-3410-12-512-paramSetB",
    p=(1 << 511) + 0x6F,
    a=(1 << 511) + 0x6C,
    b=int(
        "687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F"
        "3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116", 16),
    q=int(
        "8000000000000000000000000000000000000000000000000000000000000001"
        "49A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD", 16),
    x=0x2,
    y=int(
        "1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335"
        "DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD", 16),
)

# id-tc26-gost-3410-2012-512-paramSetC: twisted Edwards curve of RFC 7836 in its Weierstrass form.
TC26_512_C = Curve(
    "id-tc26-gost-3410-2012-512-paramSetC",
    p=TC26_512_A.p,
    a=int(
        "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E1430645"
        "46E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3", 16),
    b=int(
        "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE0"
        "38CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1", 16),
    q=int(
        "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "C98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED", 16),
    x=int(
        "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043A"
        "A27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148", 16),
    y=int(
        "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9B"
        "E18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F", 16),
    cofactor=4,
)

# The curves of the worked examples in GOST R 34.10-2012 appendix A (RFC 7091 section 7); test use only.
TEST_256 = Curve(
    "id-GostR3410-2001-TestParamSet",
    p=0x8000000000000000000000000000000000000000000000000000000000000431,
    a=0x7,
    b=0x5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E,
    q=0x8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3,
    x=0x2,
    y=0x08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8,
)

TEST_512 = Curve(
    "id-tc26-gost-3410-12-512-paramSetTest",
    p=int(
        "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D"
        "F1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373", 16),
    a=0x7,
    b=int(
        "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC43"
        "61834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC", 16),
    q=int(
        "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D"
        "A82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF", 16),
    x=int(
        "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762"
        "FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A", 16),
    y=int(
        "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C"
        "83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E", 16),
)
