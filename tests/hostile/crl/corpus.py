"""Hostile and unusual CRLs, generated: several variants per family, each with what loading and verifying it give.

Run ``python tests/hostile/crl/corpus.py PKI_DIR`` to list the cases with their sizes and expected outcomes.

The CRLs are built as DER here (no builder makes a negative serial, a duplicate entry, a critical unknown
extension or a broken length), issued under the test PKI's RSA issuing CA's name and signed with its key, so
that everything but the property under test is genuine. Families:

- ``ordinary``: well-formed CRLs of every shape the index must read (v1 and v2, no list, an empty list, random,
  ascending and descending order, GeneralizedTime, an EC-signed one, entries with reason and invalidity date);
- ``serials``: leading zero bytes, negative serials (short and long), 1-, 8-, 9-, 20- and 21-byte serials,
  serials longer than 127 bytes (a long-form length), serials equal in their low 64 bits, serials whose index
  keys collide;
- ``layout``: entries longer than 127 and 255 bytes (long-form lengths), extension values holding bytes that
  look like entries (false starts for a scan), one huge entry;
- ``duplicates``: one serial listed twice or many times with different reasons and dates (the first counts);
- ``critical``: unknown CRL and entry extensions, critical and not;
- ``delta``: delta CRLs (DeltaCRLIndicator), with removeFromCRL entries, without a CRL number;
- ``indirect``: an IssuingDistributionPoint saying indirectCRL and entries with a certificateIssuer;
- ``bad_extensions``: duplicate or malformed CRLNumber, AKI or DeltaCRLIndicator, a malformed CRLReason;
- ``malformed``: truncations, trailing bytes, broken lengths, a bad time, a non-minimal or empty serial, the
  wrong tag for the list, bit flips, not a CRL at all;
- ``signature``: signed by the look-alike CA (same name, its own key), a flipped signature bit, the list
  changed after signing, an unsupported signature algorithm.

``Case.load`` is the CrlError code building the index raises (None: it loads), ``Case.signature`` the one
``verify_signature`` with the issuing CA's certificate raises (None: it verifies). These are what eds did
before the index was vectorised (``CrlIndex`` walking the DER in Python), recorded case by case; families like
``critical`` and ``indirect`` load and verify: the index reads them as they are (see the README).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import core
from asn1crypto import x509 as ax509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

SHA256_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")
ECDSA_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")
UNKNOWN_ALGORITHM = bytes.fromhex("300706032a0304") + b"\x05\x00"  # 1.2.3.4, NULL
EITHER = "CRL_MALFORMED or loads"  # Case.load of a bit flip: refused as malformed, or loads (and must not verify)
REASONS = {"unspecified": 0, "key_compromise": 1, "ca_compromise": 2, "affiliation_changed": 3, "superseded": 4,
           "cessation_of_operation": 5, "certificate_hold": 6, "remove_from_crl": 8, "privilege_withdrawn": 9,
           "aa_compromise": 10}


@dataclass(frozen=True)
class Party:
    key: object
    der: bytes  # the certificate

    @property
    def name(self) -> bytes:
        return ax509.Certificate.load(self.der).subject.dump()

    @property
    def key_id(self) -> bytes:
        return ax509.Certificate.load(self.der).key_identifier


@dataclass(frozen=True)
class Material:
    ca: Party  # ca_rsa: the issuer every case claims
    lookalike: Party  # fake_ca_rsa: the same name, its own key
    ec: Party  # ca_ec
    now: dt.datetime

    @classmethod
    def load(cls, pki_dir: Path) -> Material:
        from eds.pki.keys import SigningKey
        from test_pki.model import read_password

        manifest = json.loads((pki_dir / "manifest.json").read_text(encoding="utf-8"))

        def party(name: str) -> Party:
            key = SigningKey.from_pkcs12((pki_dir / manifest["authorities"][name]["pkcs12"]).read_bytes(),
                                         read_password(pki_dir))
            return Party(key.private_key, key.certificate.x509.public_bytes(serialization.Encoding.DER))

        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        return cls(party("ca_rsa"), party("fake_ca_rsa"), party("ca_ec"), now)


@dataclass(frozen=True)
class Case:
    der: bytes
    load: str | None = None  # the CrlError code of CrlIndex(der), None when it loads
    signature: str | None = None  # the CrlError code of verify_signature(the CA), None when it verifies
    probes: tuple[int, ...] = ()  # serials to look up besides the listed ones and their neighbours
    issuer: str = "ca"  # the Material party whose certificate verify_signature is given


# --- DER ---------------------------------------------------------------------------------------------------

def tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def integer_content(value: int) -> bytes:
    """The minimal two's complement content of an INTEGER."""
    size = (value.bit_length() if value >= 0 else (~value).bit_length()) // 8 + 1
    return value.to_bytes(size, "big", signed=True)


def integer(value: int) -> bytes:
    return tlv(0x02, integer_content(value))


def oid(dotted: str) -> bytes:
    return core.ObjectIdentifier(dotted).dump()


def utc(moment: dt.datetime) -> bytes:
    return tlv(0x17, moment.strftime("%y%m%d%H%M%SZ").encode())


def generalized(moment: dt.datetime) -> bytes:
    return tlv(0x18, moment.strftime("%Y%m%d%H%M%SZ").encode())


def extension(dotted: str, value: bytes, critical: bool = False) -> bytes:
    return tlv(0x30, oid(dotted) + (b"\x01\x01\xff" if critical else b"") + tlv(0x04, value))


def reason(name: str, critical: bool = False) -> bytes:
    return extension("2.5.29.21", tlv(0x0A, bytes([REASONS[name]])), critical)


def invalidity(moment: dt.datetime) -> bytes:
    return extension("2.5.29.24", generalized(moment))


def certificate_issuer(name: bytes, critical: bool = True) -> bytes:
    return extension("2.5.29.29", tlv(0x30, tlv(0xA4, name)), critical)


def crl_number(number: int) -> bytes:
    return extension("2.5.29.20", integer(number))


def authority_key_id(key_id: bytes) -> bytes:
    return extension("2.5.29.35", tlv(0x30, tlv(0x80, key_id)))


def delta_indicator(base: int, critical: bool = True) -> bytes:
    return extension("2.5.29.27", integer(base), critical)


def entry(serial: int | bytes, when: bytes, *extensions: bytes) -> bytes:
    """A revokedCertificates entry; ``serial`` as an int, or as the INTEGER's raw TLV."""
    return tlv(0x30, (serial if isinstance(serial, bytes) else integer(serial)) + when
               + (tlv(0x30, b"".join(extensions)) if extensions else b""))


def tbs(material: Material, entries: list[bytes] | None, *, issuer: Party | None = None, version: bool = True,
        next_update: bool = True, extensions: list[bytes] | None = None, algorithm: bytes = SHA256_RSA,
        this_time: bytes | None = None, revoked_raw: bytes | None = None) -> bytes:
    """tbsCertList under the CA's name (or ``issuer``'s), thisUpdate an hour ago, nextUpdate in a day; the CRL
    number and the AKI as the CA's own CRLs carry them unless ``extensions`` says otherwise ([] for none)."""
    issuer = issuer or material.ca
    if extensions is None:
        extensions = [crl_number(int(material.now.timestamp())), authority_key_id(issuer.key_id)]
    body = integer(1) if version else b""
    body += algorithm + issuer.name + (this_time or utc(material.now - dt.timedelta(hours=1)))
    if next_update:
        body += utc(material.now + dt.timedelta(days=1))
    if revoked_raw is not None:
        body += revoked_raw
    elif entries is not None:
        body += tlv(0x30, b"".join(entries))
    if extensions:
        body += tlv(0xA0, tlv(0x30, b"".join(extensions)))
    return tlv(0x30, body)


def sign(tbs_der: bytes, signer: Party, algorithm: bytes | None = None) -> bytes:
    if isinstance(signer.key, rsa.RSAPrivateKey):
        signature = signer.key.sign(tbs_der, padding.PKCS1v15(), hashes.SHA256())
        algorithm = algorithm or SHA256_RSA
    else:
        signature = signer.key.sign(tbs_der, ec.ECDSA(hashes.SHA256()))
        algorithm = algorithm or ECDSA_SHA256
    return tlv(0x30, tbs_der + algorithm + tlv(0x03, b"\x00" + signature))


def crl(material: Material, entries: list[bytes] | None, *, signer: Party | None = None, **options) -> bytes:
    """A CRL signed by the CA (or ``signer``, whose name it then carries unless ``issuer`` is given)."""
    signer = signer or material.ca
    options.setdefault("issuer", signer)
    if signer is material.ec:
        options.setdefault("algorithm", ECDSA_SHA256)
    return sign(tbs(material, entries, **options), signer)


# --- generators --------------------------------------------------------------------------------------------

def _when(material: Material, rng: random.Random) -> bytes:
    return utc(material.now - dt.timedelta(seconds=rng.randrange(3 * 365 * 86400)))


def random_serial(rng: random.Random) -> int:
    """A serial of a shape seen in the field or in hostile input: 20 random bytes most often, else short, 64-bit,
    leading-zero (high bit set), negative, or long."""
    shape = rng.random()
    if shape < 0.5:
        return rng.getrandbits(159) | 1 << 150  # NCA-like: 20 content bytes
    if shape < 0.6:
        return rng.getrandbits(160) | 1 << 159  # 21 content bytes, the first a leading zero
    if shape < 0.7:
        return rng.randrange(1, 256)
    if shape < 0.8:
        return rng.getrandbits(64)
    if shape < 0.9:
        return -rng.getrandbits(rng.choice((7, 8, 63, 64, 65, 159)))  # negative, short and long
    return rng.getrandbits(rng.choice((200, 1100)))  # over 20 bytes: one long-form length at 1100 bits


def random_entries(material: Material, rng: random.Random, count: int, serials=None) -> list[bytes]:
    serials = serials if serials is not None else [random_serial(rng) for _ in range(count)]
    names = sorted(REASONS)
    out = []
    for serial in serials:
        extras = []
        if rng.random() < 0.4:
            extras.append(reason(rng.choice(names)))
        if rng.random() < 0.1:
            extras.append(invalidity(material.now - dt.timedelta(days=rng.randrange(1, 900))))
        out.append(entry(serial, _when(material, rng), *extras))
    return out


def colliding_keys(count: int, rng: random.Random) -> list[tuple[int, int]]:
    """Pairs of distinct 64-bit serials whose index keys (eds.pki.revocation.crl.serial_key) are equal."""
    from eds.pki.revocation.crl import serial_key

    seen: dict[int, int] = {}
    pairs: list[tuple[int, int]] = []
    while len(pairs) < count:
        serial = rng.getrandbits(64) | 1 << 62
        other = seen.setdefault(serial_key(serial), serial)
        if other != serial:
            pairs.append((other, serial))
    return pairs


FAMILIES: dict[str, Callable[[Material], dict[str, Case]]] = {}


def family(function: Callable[[Material], dict[str, Case]]) -> Callable[[Material], dict[str, Case]]:
    FAMILIES[function.__name__] = function
    return function


@family
def ordinary(m: Material) -> dict[str, Case]:
    rng = random.Random(1)
    many = random_entries(m, rng, 300)
    by_serial = sorted(many, key=_serial_of)
    return {
        "random_order": Case(crl(m, many)),
        "ascending": Case(crl(m, by_serial)),
        "descending": Case(crl(m, by_serial[::-1])),
        "no_list": Case(crl(m, None)),
        "empty_list": Case(crl(m, [])),
        "one_entry": Case(crl(m, many[:1])),
        "v1_no_extensions_no_next_update": Case(crl(m, many[:50], version=False, next_update=False, extensions=[])),
        "generalized_times": Case(crl(m, [entry(rng.getrandbits(159), generalized(m.now + dt.timedelta(days=
                                                 40 * 365 + i)), reason("superseded")) for i in range(40)],
                                      this_time=generalized(m.now - dt.timedelta(hours=1)))),
        "ec_signed": Case(crl(m, random_entries(m, rng, 100), signer=m.ec), issuer="ec"),
        "every_reason": Case(crl(m, [entry(1000 + i, _when(m, rng), reason(name))
                                     for i, name in enumerate(sorted(REASONS))])),
    }


def _serial_of(entry_der: bytes) -> int:
    from asn1crypto import crl as asn1_crl

    return asn1_crl.RevokedCertificate.load(entry_der)["user_certificate"].native


@family
def serials(m: Material) -> dict[str, Case]:
    rng = random.Random(2)
    when = _when(m, rng)
    pairs = colliding_keys(6, rng)
    return {
        "leading_zero_bytes": Case(crl(m, [entry(s, when) for s in (0x80, 0xFF, 0x8000, 1 << 63, (1 << 159) | 5,
                                                                    (1 << 167) | 77)]),
                                   probes=(0x80, 0x0080, 1 << 63, (1 << 63) - 1, -(1 << 63))),
        "negative_short": Case(crl(m, [entry(s, when, reason("key_compromise")) for s in (-1, -2, -128, -129, -255,
                                                                                          -256, -(1 << 55))]),
                               probes=(1, 255, 256, 127, 128, (1 << 64) - 1, (1 << 64) - 128, -(1 << 64) - 1)),
        "negative_long": Case(crl(m, [entry(-rng.getrandbits(159) - 1, when) for _ in range(30)]
                                  + [entry(-(1 << 64), when), entry(-(1 << 64) - 1, when), entry(-(1 << 63), when)]),
                              probes=(1 << 64, (1 << 64) - 1, 1 << 63, 0)),
        "widths_1_to_21_bytes": Case(crl(m, [entry(rng.getrandbits(8 * w - 1) | 1 << (8 * w - 2), when)
                                             for w in range(1, 22) for _ in range(3)] + [entry(0, when)])),
        "twenty_bytes": Case(crl(m, [entry(rng.getrandbits(160) | 1 << 159 if i % 2 else rng.getrandbits(159),
                                           _when(m, rng)) for i in range(400)])),
        "long_form_serial_lengths": Case(crl(m, [entry(rng.getrandbits(8 * n - 1) | 1 << (8 * n - 2), when)
                                                 for n in (127, 128, 129, 200, 300)] + [entry(7, when)])),
        "same_low_64_bits": Case(crl(m, [entry(low + (high << 64), when) for low in (5, (1 << 64) - 1, 1 << 63)
                                         for high in (0, 1, 2, 1 << 90, -1, -7)]),
                                 probes=tuple((1 << 64) * k + 5 for k in range(-3, 6))),
        "colliding_index_keys": Case(crl(m, [entry(a, when, reason("ca_compromise")) for a, _ in pairs]),
                                     probes=tuple(b for _, b in pairs)),
        "colliding_index_keys_both_listed": Case(crl(m, [entry(s, _when(m, rng)) for pair in pairs for s in pair])),
    }


@family
def layout(m: Material) -> dict[str, Case]:
    rng = random.Random(3)
    when = utc(m.now - dt.timedelta(days=3))
    # An unknown non-critical entry extension whose value looks like entries: 30 LL 02 01 xx 17 0D ...
    fake = b"".join(entry(rng.randrange(1, 100), when) for _ in range(3))
    padding_ext = lambda size: extension("1.3.6.1.4.1.99999.1", bytes(rng.getrandbits(8) for _ in range(size)))  # noqa: E731
    return {
        "entries_over_127_bytes": Case(crl(m, [entry(rng.getrandbits(159), when, padding_ext(120))
                                               for _ in range(40)])),
        "entries_over_255_bytes": Case(crl(m, [entry(rng.getrandbits(159), when, padding_ext(300 + i))
                                               for i in range(40)])),
        "one_huge_entry": Case(crl(m, [entry(11, when)] + [entry(12, when, padding_ext(70000))] + [entry(13, when)])),
        "mixed_short_and_long": Case(crl(m, [entry(rng.getrandbits(159), when, *(
            [padding_ext(rng.choice((0, 90, 130, 400)))] if i % 3 else [])) for i in range(200)])),
        "false_starts_in_extensions": Case(crl(m, [entry(1000 + i, when, extension("1.3.6.1.4.1.99999.2", fake))
                                                   for i in range(60)]), probes=tuple(range(1, 100))),
        "false_starts_everywhere": Case(crl(m, [entry(rng.getrandbits(64), when, extension(
            "1.3.6.1.4.1.99999.3", b"".join(entry(rng.getrandbits(64), when) for _ in range(8)))) for _ in range(150)])),
    }


@family
def duplicates(m: Material) -> dict[str, Case]:
    rng = random.Random(4)
    early, late = utc(m.now - dt.timedelta(days=30)), utc(m.now - dt.timedelta(days=2))
    base = random_entries(m, rng, 50)
    return {
        "twice_different_reasons": Case(crl(m, base[:20] + [entry(777, early, reason("certificate_hold"))]
                                            + base[20:] + [entry(777, late, reason("key_compromise"))])),
        "remove_then_revoke": Case(crl(m, [entry(778, early, reason("remove_from_crl")),
                                           entry(778, late, reason("key_compromise"))] + base)),
        "three_times_negative": Case(crl(m, [entry(-5, early), entry(-5, late, reason("superseded")), entry(-5, late)]
                                         + base)),
        "same_serial_500_times": Case(crl(m, [entry(999, utc(m.now - dt.timedelta(minutes=i)), reason(
            sorted(REASONS)[i % len(REASONS)])) for i in range(500)] + base)),
        "every_entry_twice": Case(crl(m, base + base[::-1])),
    }


@family
def critical(m: Material) -> dict[str, Case]:
    rng = random.Random(5)
    base = random_entries(m, rng, 30)
    when = _when(m, rng)
    own = [crl_number(int(m.now.timestamp())), authority_key_id(m.ca.key_id)]
    unknown = extension("1.3.6.1.4.1.99999.10", b"\x05\x00", critical=True)
    return {
        "crl_extension_critical_unknown": Case(crl(m, base, extensions=own + [unknown])),
        "crl_extension_unknown_not_critical": Case(crl(m, base, extensions=own + [
            extension("1.3.6.1.4.1.99999.11", b"\x05\x00")])),
        "entry_extension_critical_unknown": Case(crl(m, base + [entry(4242, when, reason("key_compromise"), unknown)])),
        "entry_extension_unknown_not_critical": Case(crl(m, base + [entry(4243, when, extension(
            "1.3.6.1.4.1.99999.12", b"\x05\x00"))])),
        "reason_marked_critical": Case(crl(m, base + [entry(4244, when, reason("ca_compromise", critical=True))])),
        "freshest_crl_critical": Case(crl(m, base, extensions=own + [extension("2.5.29.46", tlv(0x30, tlv(0x30, tlv(
            0xA0, tlv(0xA0, tlv(0x86, b"http://127.0.0.1/d.crl"))))), critical=True)])),
    }


@family
def delta(m: Material) -> dict[str, Case]:
    rng = random.Random(6)
    number = int(m.now.timestamp())
    aki = authority_key_id(m.ca.key_id)
    base = random_entries(m, rng, 40)
    removals = [entry(rng.getrandbits(159), _when(m, rng), reason("remove_from_crl")) for _ in range(10)]
    return {
        "delta": Case(crl(m, base, extensions=[crl_number(number + 1), aki, delta_indicator(number)])),
        "delta_with_removals": Case(crl(m, base[:10] + removals, extensions=[crl_number(number + 1), aki,
                                                                            delta_indicator(number)])),
        "delta_without_crl_number": Case(crl(m, base, extensions=[aki, delta_indicator(number)])),
        "delta_indicator_not_critical": Case(crl(m, base, extensions=[crl_number(number + 1), aki,
                                                                      delta_indicator(number, critical=False)])),
        "delta_on_a_newer_base": Case(crl(m, removals, extensions=[crl_number(number + 3), aki,
                                                                   delta_indicator(number + 2)])),
        "delta_empty": Case(crl(m, None, extensions=[crl_number(number + 1), aki, delta_indicator(number)])),
    }


@family
def indirect(m: Material) -> dict[str, Case]:
    rng = random.Random(7)
    own = [crl_number(int(m.now.timestamp())), authority_key_id(m.ca.key_id)]
    idp = extension("2.5.29.28", tlv(0x30, tlv(0x84, b"\xff")), critical=True)  # indirectCRL TRUE
    other = m.ec.name  # another CA's name
    when = _when(m, rng)
    base = random_entries(m, rng, 20)
    return {
        "indirect_with_certificate_issuer": Case(crl(m, base[:10] + [entry(5151, when, certificate_issuer(other))]
                                                     + base[10:] + [entry(5152, when)], extensions=own + [idp])),
        "certificate_issuer_without_idp": Case(crl(m, base + [entry(5153, when, certificate_issuer(other))])),
        "certificate_issuer_not_critical": Case(crl(m, base + [entry(5154, when, certificate_issuer(other, False))])),
        "certificate_issuer_back_to_the_ca": Case(crl(m, [entry(5155, when, certificate_issuer(other)),
                                                          entry(5156, when, certificate_issuer(m.ca.name)),
                                                          entry(5157, when)] + base, extensions=own + [idp])),
        "idp_only_some_reasons": Case(crl(m, base, extensions=own + [extension("2.5.29.28", tlv(0x30, tlv(
            0x83, b"\x06\x40")), critical=True)])),  # keyCompromise only
    }


@family
def bad_extensions(m: Material) -> dict[str, Case]:
    rng = random.Random(8)
    aki = authority_key_id(m.ca.key_id)
    base = random_entries(m, rng, 20)
    when = _when(m, rng)
    return {
        "duplicate_crl_number": Case(crl(m, base, extensions=[crl_number(1), crl_number(2), aki]), load="CRL_MALFORMED"),
        "crl_number_not_an_integer": Case(crl(m, base, extensions=[extension("2.5.29.20", tlv(0x04, b"x")), aki]),
                                          load="CRL_MALFORMED"),
        "aki_malformed": Case(crl(m, base, extensions=[crl_number(3), extension("2.5.29.35", b"\x30\x05\x80")]),
                              load="CRL_MALFORMED"),
        "delta_indicator_malformed": Case(crl(m, base, extensions=[crl_number(3), aki, extension(
            "2.5.29.27", b"\x02\x00", critical=True)]), load="CRL_MALFORMED"),
        "reason_out_of_range": Case(crl(m, base + [entry(6161, when, extension("2.5.29.21", tlv(0x0A, b"\x07")))])),
        "reason_wrong_type": Case(crl(m, base + [entry(6162, when, extension("2.5.29.21", tlv(0x02, b"\x01")))])),
        "duplicate_entry_extension": Case(crl(m, base + [entry(6163, when, reason("superseded"),
                                                               reason("key_compromise"))])),
    }


@family
def malformed(m: Material) -> dict[str, Case]:
    rng = random.Random(9)
    when = _when(m, rng)
    base = random_entries(m, rng, 30)
    genuine = crl(m, base)
    cases = {f"truncated_at_{cut}": Case(genuine[:cut], load="CRL_MALFORMED")
             for cut in sorted({0, 1, 2, 5, 40, 200, len(genuine) // 2, len(genuine) - 260, len(genuine) - 1})}
    listed = b"".join(base)
    at = genuine.index(listed)
    broken = bytearray(genuine)
    broken[at + 1] += 1  # the first entry's length one longer
    shorter = bytearray(genuine)
    shorter[at + 1] -= 1
    cases |= {
        "trailing_bytes": Case(genuine + b"\x00\x00", load="CRL_MALFORMED"),
        "entry_length_plus_one": Case(bytes(broken), load="CRL_MALFORMED"),
        "entry_length_minus_one": Case(bytes(shorter), load="CRL_MALFORMED"),
        "bad_revocation_time": Case(crl(m, base + [entry(1, tlv(0x17, b"991332250000Z"))]), load="CRL_MALFORMED"),
        "non_minimal_serial": Case(crl(m, base + [entry(tlv(0x02, b"\x00\x05"), when)]), load="CRL_MALFORMED"),
        "empty_serial": Case(crl(m, base + [entry(tlv(0x02, b""), when)]), load="CRL_MALFORMED"),
        "serial_as_octet_string": Case(crl(m, base + [entry(tlv(0x04, b"\x05"), when)]), load="CRL_MALFORMED"),
        "entry_without_time": Case(crl(m, base + [tlv(0x30, integer(5))]), load="CRL_MALFORMED"),
        "entry_with_extra_field": Case(crl(m, base + [tlv(0x30, integer(5) + when + tlv(0x30, b"") + b"\x05\x00")]),
                                       load="CRL_MALFORMED"),
        "list_as_set": Case(crl(m, None, revoked_raw=tlv(0x31, listed)), load="CRL_MALFORMED"),
        "indefinite_list_length": Case(crl(m, None, revoked_raw=b"\x30\x80" + listed + b"\x00\x00"),
                                       load="CRL_MALFORMED"),
        "non_minimal_list_length": Case(crl(m, None, revoked_raw=b"\x30\x84" + len(listed).to_bytes(4, "big") + listed),
                                        load="CRL_MALFORMED"),
        "not_der_at_all": Case(b"this is not a CRL", load="CRL_MALFORMED"),
        "a_certificate": Case(m.ca.der, load="CRL_MALFORMED"),
        "empty": Case(b"", load="CRL_MALFORMED"),
    }
    for number in range(12):  # one flipped bit somewhere in the list: malformed, or a broken signature
        flipped = bytearray(genuine)
        position = at + rng.randrange(len(listed))
        flipped[position] ^= 1 << rng.randrange(8)
        cases[f"bit_flip_{number}"] = Case(bytes(flipped), load=EITHER, signature="CRL_SIGNATURE_INVALID")
    return cases


@family
def signature(m: Material) -> dict[str, Case]:
    rng = random.Random(10)
    base = random_entries(m, rng, 40)
    genuine = crl(m, base)
    flipped = bytearray(genuine)
    flipped[-1] ^= 0x01
    listed = b"".join(base)
    dropped = genuine.replace(listed, b"".join(base[1:]), 1)  # the enclosing lengths are now wrong: malformed
    tbs_der = tbs(m, base)
    changed_tbs = tbs(m, base[1:])
    resigned_other = tlv(0x30, changed_tbs + SHA256_RSA + tlv(0x03, b"\x00" + m.ca.key.sign(
        tbs_der, padding.PKCS1v15(), hashes.SHA256())))  # the signature of another list
    return {
        "signed_by_the_lookalike": Case(crl(m, base, signer=m.lookalike, issuer=m.ca),
                                        signature="CRL_SIGNATURE_INVALID"),
        "signature_bit_flipped": Case(bytes(flipped), signature="CRL_SIGNATURE_INVALID"),
        "entry_dropped_lengths_kept": Case(dropped, load="CRL_MALFORMED"),
        "signature_of_another_list": Case(resigned_other, signature="CRL_SIGNATURE_INVALID"),
        "unsupported_algorithm": Case(sign(tbs(m, base, algorithm=UNKNOWN_ALGORITHM), m.ca, UNKNOWN_ALGORITHM),
                                      signature="CRL_ALGORITHM_UNSUPPORTED"),
        "ec_signature_under_rsa_name": Case(crl(m, base, signer=m.ec, issuer=m.ca),
                                            signature="CRL_SIGNATURE_INVALID"),
        "genuine_control": Case(genuine),
    }


def cases(material: Material) -> dict[str, Case]:
    """Every case, named ``family/variant``."""
    return {f"{name}/{variant}": case for name, make in FAMILIES.items() for variant, case in make(material).items()}


if __name__ == "__main__":
    built = cases(Material.load(Path(sys.argv[1])))
    for name, case in built.items():
        print(f"{name:60} {len(case.der):8} bytes  load={case.load} signature={case.signature}")
