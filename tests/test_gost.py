"""Known-answer and behaviour tests of the pure-Python GOST code in eds.pki.gost."""

from __future__ import annotations

import os
import random

import pytest
from asn1crypto import core

from eds.pki.gost import (
    CURVES,
    OID_KZ_GOST2004_SIGNATURE,
    OID_KZ_GOST2015_256_SIGNATURE,
    OID_KZ_GOST2015_512_SIGNATURE,
    SIGNATURE_ALGORITHMS,
    encode_gost_spki,
    generate_private_key,
    gost94_test,
    parse_gost_spki,
    point_to_bytes,
    public_key,
    sign,
    sign_nca,
    signature_from_bytes,
    signature_to_bytes,
    streebog256,
    streebog512,
    verify,
    verify_nca,
)
from eds.pki.gost.curves import (
    CRYPTOPRO_A,
    CRYPTOPRO_B,
    CRYPTOPRO_C,
    TC26_256_A,
    TC26_512_A,
    TC26_512_B,
    TC26_512_C,
    TEST_256,
    TEST_512,
    Curve,
)

ALL_CURVES = [CRYPTOPRO_A, CRYPTOPRO_B, CRYPTOPRO_C, TC26_256_A, TC26_512_A, TC26_512_B, TC26_512_C, TEST_256,
              TEST_512]
NCA_CASES = [
    (CRYPTOPRO_A, OID_KZ_GOST2004_SIGNATURE),
    (TC26_256_A, OID_KZ_GOST2015_256_SIGNATURE),
    (TC26_512_A, OID_KZ_GOST2015_512_SIGNATURE),
]
NCA_IDS = ["GOST-2004", "GOST-2015-256", "GOST-2015-512"]
RNG = random.Random(20240611)


def rfc_hex(text: str) -> bytes:
    """RFC 6986 prints messages and digests as numbers, most significant byte first: reverse into byte order."""
    return bytes.fromhex("".join(text.split()))[::-1]


# --- Streebog (GOST R 34.11-2012) --------------------------------------------------------------------------

RFC6986_M1 = rfc_hex(
    "323130393837363534333231303938373635343332313039383736353433323130393837363534333231303938373635343332"
    "313039383736353433323130"
)
RFC6986_M2 = rfc_hex(
    "fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220"
    "e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1"
)


def test_rfc6986_messages_in_byte_order() -> None:
    assert RFC6986_M1 == b"012345678901234567890123456789012345678901234567890123456789012"
    assert RFC6986_M2.decode("cp1251") == "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы"


@pytest.mark.parametrize(("message", "size", "rfc_digest"), [
    (RFC6986_M1, 64, "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00"
                     "fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b"),
    (RFC6986_M1, 32, "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"),
    (RFC6986_M2, 64, "28fbc9bada033b1460642bdcddb90c3fb3e56c497ccd0f62b8a2ad4935e85f03"
                     "7613966de4ee00531ae60f3b5a47f8dae06915d5f2f194996fcabf2622e6881e"),
    (RFC6986_M2, 32, "508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d"),
])
def test_streebog_rfc6986(message: bytes, size: int, rfc_digest: str) -> None:
    h = streebog512(message) if size == 64 else streebog256(message)
    assert h.digest() == rfc_hex(rfc_digest)


@pytest.mark.parametrize(("message", "hex256", "hex512"), [
    (b"",
     "3f539a213e97c802cc229d474c6aa32a825a360b2a933a949fd925208d9ce1bb",
     "8e945da209aa869f0455928529bcae4679e9873ab707b55315f56ceb98bef0a7"
     "362f715528356ee83cda5f2aac4c6ad2ba3a715c1bcd81cb8e9f90bf4c1c1a8a"),
    (b"The quick brown fox jumps over the lazy dog",
     "3e7dea7f2384b6c5a3d0e24aaa29c05e89ddd762145030ec22c71a6db8b2c1f4",
     "d2b793a0bb6cb5904828b5b6dcfb443bb8f33efc06ad09368878ae4cdc8245b9"
     "7e60802469bed1e7c21a64ff0b179a6a1e0bb74d92965450a0adab69162c00fe"),
    (b"The quick brown fox jumps over the lazy dog.",
     "36816a824dcbe7d6171aa58500741f2ea2757ae2e1784ab72c5c3c6c198d71da",
     "fe0c42f267d921f940faa72bd9fcf84f9f1bd7e9d055e9816e4c2ace1ec83be8"
     "2d2957cd59b86e123d8f5adee80b3ca08a017599a9fc1a14d940cf87c77df070"),
])
def test_streebog_common_vectors(message: bytes, hex256: str, hex512: str) -> None:
    assert streebog256(message).hexdigest() == hex256
    assert streebog512(message).hexdigest() == hex512


# --- GOST R 34.11-94, test parameter set ----------------------------------------------------------------

@pytest.mark.parametrize(("message", "expected"), [
    (b"", "ce85b99cc46752fffee35cab9a7b0278abb4c2d2055cff685af4912c49490f8d"),
    (b"a", "d42c539e367c66e9c88a801f6649349c21871b4344c6a573f849fdce62f314dd"),
    (b"abc", "f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d"),
    (b"message digest", "ad4434ecb18f2c99b60cbe59ec3d2469582b65273f48de72db2fde16a4889a4d"),
    (b"U" * 128, "53a3a3ed25180cef0c1d85a074273e551c25660a87062a52d926a9e8fe5733a4"),
    (b"The quick brown fox jumps over the lazy dog",
     "77b7fa410c9ac58a25f49bca7d0468c9296529315eaca76bd1a10f376d1f4294"),
    (b"The quick brown fox jumps over the lazy cog",
     "a3ebc4daaab78b0be131dab5737a7f67e602670d543521319150d2e14eeec445"),
    # RFC 5831 examples (exactly one block, then a block and a half).
    (b"This is message, length=32 bytes", "b1c466d37519b82e8319819ff32595e047a28cb6f83eff1c6916a815a637fffa"),
    (b"Suppose the original message has length = 50 bytes",
     "471aba57a60a770d3a76130635c1fbea4ef14de51f78b4ae57dd893b62f55208"),
    (b"a" * 1_000_000, "5c00ccc2734cdd3332d3d4749576e3c1a7dbaf0e7ea74e9fa602413c90a129fa"),
])
def test_gost94_test_paramset(message: bytes, expected: str) -> None:
    assert gost94_test(message).hexdigest() == expected


# --- hashlib-style behaviour ------------------------------------------------------------------------------

@pytest.mark.parametrize(("factory", "name", "digest_size", "block_size"), [
    (streebog256, "streebog256", 32, 64),
    (streebog512, "streebog512", 64, 64),
    (gost94_test, "gost94_test", 32, 32),
])
def test_hash_object_api(factory, name: str, digest_size: int, block_size: int) -> None:
    data = os.urandom(300)
    h = factory()
    assert (h.name, h.digest_size, h.block_size) == (name, digest_size, block_size)
    for start in range(0, len(data), 37):
        h.update(data[start:start + 37])
    assert h.digest() == factory(data).digest()
    assert h.digest() == h.digest()  # digest() does not finalise the object
    assert len(h.digest()) == digest_size and h.hexdigest() == h.digest().hex()
    clone = h.copy()
    clone.update(b"more")
    assert h.digest() == factory(data).digest()
    assert clone.digest() == factory(data + b"more").digest()
    h.update(bytearray(b"x") + memoryview(b"y"))
    assert h.digest() == factory(data + b"xy").digest()


# --- curves ---------------------------------------------------------------------------------------------

def naive_multiply(curve: Curve, k: int, point: tuple[int, int]) -> tuple[int, int] | None:
    """Affine double-and-add, slow but obviously right: the reference for the fast multiplications."""
    p = curve.p

    def add(a, b):
        if a is None:
            return b
        if b is None:
            return a
        if a[0] == b[0]:
            if (a[1] + b[1]) % p == 0:
                return None
            slope = (3 * a[0] * a[0] + curve.a) * pow(2 * a[1], -1, p) % p
        else:
            slope = (b[1] - a[1]) * pow(b[0] - a[0], -1, p) % p
        x = (slope * slope - a[0] - b[0]) % p
        return x, (slope * (a[0] - x) - a[1]) % p

    result = None
    for bit in bin(k)[2:]:
        result = add(result, result)
        if bit == "1":
            result = add(result, point)
    return result


@pytest.mark.parametrize("curve", ALL_CURVES, ids=lambda c: c.name)
def test_curve_parameters(curve: Curve) -> None:
    assert curve.contains(curve.generator)
    assert curve.multiply(curve.q, curve.generator) is None  # the generator has order q
    assert curve.multiply(curve.q - 1, curve.generator) == (curve.generator[0], curve.p - curve.generator[1])
    assert curve.size == (32 if curve.p.bit_length() <= 256 else 64)


@pytest.mark.parametrize("curve", ALL_CURVES, ids=lambda c: c.name)
def test_fast_multiplication_matches_reference(curve: Curve) -> None:
    g = curve.generator
    scalars = [1, 2, 3, 63, 64, 65, 127, 128, 129, 2 ** 100, curve.q - 1, curve.q - 2]
    scalars += [RNG.randrange(1, curve.q) for _ in range(3)]
    for k in scalars:
        expected = naive_multiply(curve, k, g)
        assert curve.multiply_generator(k) == expected
        assert curve.multiply(k, g) == expected
    secret = RNG.randrange(1, curve.q)
    q_point = curve.multiply_generator(secret)
    u1, u2 = RNG.randrange(curve.q), RNG.randrange(curve.q)
    assert curve.multiply_combination(u1, u2, q_point) == naive_multiply(curve, (u1 + u2 * secret) % curve.q, g)


def test_multiply_combination_edge_cases() -> None:
    curve = TC26_512_A
    g = curve.generator
    q_point = curve.multiply_generator(5)
    assert curve.multiply_combination(0, 1, q_point) == q_point
    assert curve.multiply_combination(5, 0, g) == q_point
    assert curve.multiply_combination(curve.q - 5, 1, q_point) is None  # -5G + 5G
    assert curve.multiply_combination(3, 1, q_point) == curve.multiply_generator(8)


def test_curve_oid_map() -> None:
    assert CURVES["1.2.398.3.10.1.1.1.1.1"] is CRYPTOPRO_A
    assert CURVES["1.2.398.3.10.1.1.2.1.1"] is TC26_256_A
    assert CURVES["1.2.398.3.10.1.1.2.2.1"] is TC26_512_A
    assert CURVES["1.2.643.7.1.2.1.1.2"] is CURVES["1.2.643.2.2.35.1"] is CRYPTOPRO_A
    assert CURVES["1.2.643.7.1.2.1.2.1"] is TC26_512_A
    assert TEST_256 not in CURVES.values() and TEST_512 not in CURVES.values()


# --- GOST R 34.10-2012 appendix A / RFC 7091 section 7 examples ------------------------------------------

EXAMPLES = [
    pytest.param(
        TEST_256,
        0x7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28,
        (0x7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B,
         0x26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA),
        0x2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5,
        0x77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3,
        0x41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493,
        0x01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40,
        id="256-bit (A.1)",
    ),
    pytest.param(
        TEST_512,
        int("0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B1020"
            "72E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4", 16),
        (int("115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD"
             "5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1", 16),
         int("37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61"
             "EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC", 16)),
        int("3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C591"
            "7184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C", 16),
        int("0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F3658"
            "86748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1", 16),
        int("2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD3"
            "5492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36", 16),
        int("1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5"
            "823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A", 16),
        id="512-bit (A.2)",
    ),
]


@pytest.mark.parametrize(("curve", "d", "q_point", "e", "k", "r", "s"), EXAMPLES)
def test_gost3410_2012_examples(curve: Curve, d: int, q_point: tuple[int, int], e: int, k: int, r: int,
                                s: int) -> None:
    digest = e.to_bytes(curve.size, "little")  # the digest is read as a little-endian integer
    assert public_key(d, curve) == q_point
    assert sign(d, digest, curve, k=k) == (r, s)
    assert verify(q_point, digest, r, s, curve)
    assert not verify(q_point, digest, r, (s + 1) % curve.q, curve)
    assert not verify(q_point, (e + 1).to_bytes(curve.size, "little"), r, s, curve)


# --- NCA layout and round trips ---------------------------------------------------------------------------

@pytest.mark.parametrize(("curve", "algorithm_oid"), NCA_CASES, ids=NCA_IDS)
def test_nca_round_trip(curve: Curve, algorithm_oid: str) -> None:
    d = generate_private_key(curve)
    point = public_key(d, curve)
    spki = encode_gost_spki(point, curve)
    message = os.urandom(RNG.randrange(0, 200))
    signature = sign_nca(d, curve, message, algorithm_oid)
    assert len(signature) == 2 * curve.size
    assert parse_gost_spki(spki) == (curve, point)
    assert verify_nca(spki, message, signature, algorithm_oid)
    assert verify_nca((curve, point), message, signature, algorithm_oid)
    assert verify_nca(point_to_bytes(point, curve), message, signature, algorithm_oid, curve=curve)

    assert not verify_nca(spki, message + b"!", signature, algorithm_oid)
    for position in (0, curve.size - 1, curve.size, len(signature) - 1):
        tampered = bytearray(signature)
        tampered[position] ^= 0x01
        assert not verify_nca(spki, message, bytes(tampered), algorithm_oid)
    other_key = encode_gost_spki(public_key(generate_private_key(curve), curve), curve)
    assert not verify_nca(other_key, message, signature, algorithm_oid)


@pytest.mark.parametrize(("curve", "algorithm_oid"), NCA_CASES, ids=NCA_IDS)
def test_nca_byte_layout(curve: Curve, algorithm_oid: str) -> None:
    """Digest little-endian, signature r ‖ s little-endian, key an OCTET STRING of x ‖ y little-endian."""
    algorithm = SIGNATURE_ALGORITHMS[algorithm_oid]
    d = generate_private_key(curve)
    point = public_key(d, curve)
    message = b"layout check"
    digest = algorithm.hash(message).digest()
    k = RNG.randrange(1, curve.q)
    r, s = sign(d, digest, curve, k=k)
    e = int.from_bytes(digest, "little") % curve.q
    assert s == (r * d + k * e) % curve.q
    signature = r.to_bytes(curve.size, "little") + s.to_bytes(curve.size, "little")
    assert signature_to_bytes(r, s, curve) == signature and signature_from_bytes(signature, curve) == (r, s)
    assert verify_nca((curve, point), message, signature, algorithm_oid)
    # RFC 4491's layout (s ‖ r, big-endian) is the whole value reversed: NCA verification must refuse it.
    assert not verify_nca((curve, point), message, signature[::-1], algorithm_oid)

    spki = core.Sequence.load(encode_gost_spki(point, curve))
    bit_string = spki[1]
    assert bit_string.contents[0] == 0  # no unused bits
    octets = core.OctetString.load(bit_string.contents[1:]).native
    assert octets == point[0].to_bytes(curve.size, "little") + point[1].to_bytes(curve.size, "little")


class _ObjectIdentifiers(core.SequenceOf):
    _child_spec = core.ObjectIdentifier


@pytest.mark.parametrize(("curve", "key_oid", "parameter_oids"), [
    (CRYPTOPRO_A, "1.2.398.3.10.1.1.1.1", ["1.2.398.3.10.1.1.1.1.1", "1.2.398.3.10.1.3.1.1.0"]),
    (TC26_256_A, "1.2.398.3.10.1.1.2.1", ["1.2.398.3.10.1.1.2.1.1"]),
    (TC26_512_A, "1.2.398.3.10.1.1.2.2", ["1.2.398.3.10.1.1.2.2.1"]),
], ids=lambda v: getattr(v, "name", None))
def test_nca_spki_oids(curve: Curve, key_oid: str, parameter_oids: list[str]) -> None:
    algorithm = core.Sequence.load(encode_gost_spki(public_key(7, curve), curve))[0]
    assert core.ObjectIdentifier.load(algorithm[0].dump()).dotted == key_oid
    assert [oid.dotted for oid in _ObjectIdentifiers.load(algorithm[1].dump())] == parameter_oids


@pytest.mark.parametrize(("key_oid", "parameter_oids", "curve"), [
    ("1.2.643.2.2.19", ("1.2.643.2.2.35.1", "1.2.643.2.2.30.1"), CRYPTOPRO_A),
    ("1.2.643.2.2.19", ("1.2.643.2.2.36.1",), CRYPTOPRO_C),
    ("1.2.643.7.1.1.1.1", ("1.2.643.7.1.2.1.1.1",), TC26_256_A),
    ("1.2.643.7.1.1.1.2", ("1.2.643.7.1.2.1.2.1", "1.2.643.7.1.1.2.3"), TC26_512_A),
    ("1.2.643.7.1.1.1.2", ("1.2.643.7.1.2.1.2.3",), TC26_512_C),
])
def test_standard_spki_oids(key_oid: str, parameter_oids: tuple[str, ...], curve: Curve) -> None:
    point = public_key(generate_private_key(curve), curve)
    assert parse_gost_spki(encode_gost_spki(point, curve, key_oid, parameter_oids)) == (curve, point)


def test_parse_gost_spki_rejects() -> None:
    point = public_key(11, TC26_512_A)
    good = encode_gost_spki(point, TC26_512_A)
    with pytest.raises(ValueError):
        parse_gost_spki(good + b"\x00")
    with pytest.raises(ValueError):  # a 256-bit key algorithm with a 512-bit curve
        parse_gost_spki(encode_gost_spki(point, TC26_512_A, "1.2.398.3.10.1.1.2.1", ("1.2.398.3.10.1.1.2.2.1",)))
    with pytest.raises(ValueError):  # unknown curve
        parse_gost_spki(encode_gost_spki(point, TC26_512_A, "1.2.398.3.10.1.1.2.2", ("1.2.3.4",)))
    with pytest.raises(ValueError):  # RSA
        parse_gost_spki(encode_gost_spki(point, TC26_512_A, "1.2.840.113549.1.1.1", ("1.2.398.3.10.1.1.2.2.1",)))
    off_curve = bytearray(good)
    off_curve[-1] ^= 1
    with pytest.raises(ValueError):
        parse_gost_spki(bytes(off_curve))


# --- malformed input never raises from verification ------------------------------------------------------

def test_verify_malformed_values() -> None:
    curve = CRYPTOPRO_A
    d = generate_private_key(curve)
    point = public_key(d, curve)
    digest = gost94_test(b"m").digest()
    r, s = sign(d, digest, curve)
    assert verify(point, digest, r, s, curve)
    q = curve.q
    for bad_r, bad_s in ((0, s), (r, 0), (q, s), (r, q), (r + q, s), (r, s + q), (-r, s)):
        assert not verify(point, digest, bad_r, bad_s, curve)
    assert not verify((point[0], point[1] ^ 1), digest, r, s, curve)  # not on the curve
    assert not verify((point[0], point[1] + curve.p), digest, r, s, curve)  # coordinate out of range
    assert not verify(None, digest, r, s, curve)  # type: ignore[arg-type]
    assert not verify((1, 2, 3), digest, r, s, curve)  # type: ignore[arg-type]


@pytest.mark.parametrize(("curve", "t"), [
    (TC26_256_A, 0x100FE73F595FF158E974B44D478D9588744FE5C192AC47EA63075DCE7A14AAA),
    (TC26_512_C, int("9A628F975594ECEFD89BA28A2539FFB79C8AB238AEED0851FA5C1ABB02B80B44"
                     "C6734501B83A011DD625CD0B5145091A6D9ACD4B1F5C5B1E21B2B249DDFD1271", 16)),
])
def test_small_order_public_key_rejected(curve: Curve, t: int) -> None:
    """(t, 0) is the point of order 2 of the cofactor-4 curves (the image of the Edwards point (0, -1))."""
    assert curve.contains((t, 0)) and not curve.is_public_key((t, 0))
    assert not verify((t, 0), b"\x01" * curve.size, 1, 1, curve)
    assert not verify_nca(point_to_bytes((t, 0), curve), b"m", b"\x01" * 2 * curve.size,
                          OID_KZ_GOST2015_256_SIGNATURE if curve.size == 32 else OID_KZ_GOST2015_512_SIGNATURE,
                          curve=curve)


def test_verify_nca_malformed_inputs() -> None:
    curve, oid = TC26_512_A, OID_KZ_GOST2015_512_SIGNATURE
    d = generate_private_key(curve)
    point = public_key(d, curve)
    spki = encode_gost_spki(point, curve)
    message = b"document"
    signature = sign_nca(d, curve, message, oid)
    assert verify_nca(spki, message, signature, oid)

    q = curve.q
    size = curve.size
    bad_signatures = [
        b"", signature[:-1], signature + b"\x00", signature[:size],
        bytes(2 * size),  # r = s = 0
        bytes(size) + signature[size:],  # r = 0
        signature[:size] + bytes(size),  # s = 0
        q.to_bytes(size, "little") + signature[size:],  # r = q
        signature[:size] + q.to_bytes(size, "little"),  # s = q
        b"\xff" * 2 * size,  # both above q
    ]
    for bad in bad_signatures:
        assert not verify_nca(spki, message, bad, oid)
    assert not verify_nca(spki, message, signature, "1.2.840.113549.1.1.11")  # not a GOST algorithm
    assert not verify_nca(spki, message, signature, OID_KZ_GOST2015_256_SIGNATURE)  # wrong key size
    assert not verify_nca(b"", message, signature, oid)
    assert not verify_nca(b"\x30\x03\x02\x01\x00", message, signature, oid)
    assert not verify_nca(spki[:-1], message, signature, oid)
    assert not verify_nca(point_to_bytes(point, curve)[:-1], message, signature, oid, curve=curve)
    off_curve = point_to_bytes((point[0], point[1] ^ 1), curve)
    assert not verify_nca(off_curve, message, signature, oid, curve=curve)
    assert not verify_nca((curve, (point[0], point[1] ^ 1)), message, signature, oid)
    assert not verify_nca(spki, "document", signature, oid)  # type: ignore[arg-type]


def test_sign_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        sign(0, b"\x01", CRYPTOPRO_A)
    with pytest.raises(ValueError):
        sign(CRYPTOPRO_A.q, b"\x01", CRYPTOPRO_A)
    with pytest.raises(ValueError):
        sign(5, b"\x01", CRYPTOPRO_A, k=CRYPTOPRO_A.q)
    with pytest.raises(ValueError):
        sign_nca(5, CRYPTOPRO_A, b"m", OID_KZ_GOST2015_512_SIGNATURE)  # 256-bit curve, 512-bit algorithm
    with pytest.raises(ValueError):
        sign_nca(5, CRYPTOPRO_A, b"m", "1.2.3")


def test_zero_digest_uses_e_equal_one() -> None:
    curve = CRYPTOPRO_A
    d, k = 12345, 67890
    assert sign(d, bytes(32), curve, k=k) == sign(d, (1).to_bytes(32, "little"), curve, k=k)
    assert sign(d, curve.q.to_bytes(32, "little"), curve, k=k) == sign(d, bytes(32), curve, k=k)


# --- cross-check against gostcrypto (an independent implementation; a pinned test dependency) --------------------

def test_streebog_against_gostcrypto() -> None:
    from gostcrypto import gosthash

    for length in (0, 1, 63, 64, 65, 127, 128, 129, 1000, 4099):
        data = os.urandom(length)
        assert streebog256(data).digest() == bytes(gosthash.new("streebog256", data=data).digest())
        assert streebog512(data).digest() == bytes(gosthash.new("streebog512", data=data).digest())


@pytest.mark.parametrize(("curve", "name"), [
    (CRYPTOPRO_A, "id-tc26-gost-3410-2012-256-paramSetB"),
    (TC26_256_A, "id-tc26-gost-3410-2012-256-paramSetA"),
    (TC26_512_A, "id-tc26-gost-3410-12-512-paramSetA"),
    (TC26_512_C, "id-tc26-gost-3410-2012-512-paramSetC"),
], ids=["CryptoPro-A", "tc26-256-A", "tc26-512-A", "tc26-512-C"])
def test_signatures_against_gostcrypto(curve: Curve, name: str) -> None:
    from gostcrypto import gostsignature

    size = curve.size
    mode = gostsignature.MODE_256 if size == 32 else gostsignature.MODE_512
    other = gostsignature.new(mode, gostsignature.CURVES_R_1323565_1_024_2019[name])
    for _ in range(2):
        d = generate_private_key(curve)
        k = RNG.randrange(1, curve.q)
        digest = os.urandom(size)
        point = public_key(d, curve)
        # gostcrypto speaks big-endian: keys, the digest integer and r ‖ s.
        their_key = bytes(other.public_key_generate(bytearray(d.to_bytes(size, "big"))))
        assert their_key == point[0].to_bytes(size, "big") + point[1].to_bytes(size, "big")
        their_signature = bytes(other.sign(bytearray(d.to_bytes(size, "big")), bytearray(digest[::-1]),
                                           bytearray(k.to_bytes(size, "big"))))
        r, s = sign(d, digest, curve, k=k)
        assert their_signature == r.to_bytes(size, "big") + s.to_bytes(size, "big")
        their_r, their_s = int.from_bytes(their_signature[:size], "big"), int.from_bytes(their_signature[size:], "big")
        assert verify(point, digest, their_r, their_s, curve)
        assert other.verify(bytearray(their_key), bytearray(digest[::-1]), bytearray(their_signature))
