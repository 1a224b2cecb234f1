"""Hostile CRLs for one genuine certificate: what the CRL index must still find revoked, or refuse.

Each CRL is DER written byte by byte (so that encodings no builder writes can be made: serials with leading
zero bytes, negative serials, duplicate entries, entries of an indirect CRL) and signed with the CA's own key
(or another one). ``CASES`` maps a name to ``World -> Crl(ders, at, expect)``: the CRLs given, the moment to
judge at (None: now), and ``expect``: ``"REVOKED"`` (the certificate must be found revoked) or ``"NOT_GOOD"``
(anything but a GOOD answer: the CRL refused or of no use). Controls expect ``"GOOD"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtensionOID

SHA256_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")
SHA256_ECDSA = bytes.fromhex("300a06082a8648ce3d040302")
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class World:
    """The CA that issued ``certificate``, with its key, and another key with the CA's name."""

    certificate: x509.Certificate
    ca: x509.Certificate
    ca_key: object
    other_key: object
    other_ca: x509.Certificate  # another CA of the PKI (for certificateIssuer)


class Crl(NamedTuple):
    ders: tuple[bytes, ...]
    at: dt.datetime | None
    expect: str


def tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        length = bytes((size,))
    else:
        raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes((0x80 | len(raw),)) + raw
    return bytes((tag,)) + length + content


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def integer(value: int) -> bytes:
    """Minimal two's complement DER INTEGER."""
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return tlv(0x02, value.to_bytes(size, "big", signed=True))


def utc(moment: dt.datetime) -> bytes:
    return tlv(0x17, moment.astimezone(dt.timezone.utc).strftime("%y%m%d%H%M%SZ").encode())


def oid(dotted: str) -> bytes:
    first, second, *rest = (int(p) for p in dotted.split("."))
    body = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def extension(dotted: str, value: bytes, critical: bool = False) -> bytes:
    return seq(oid(dotted), *([tlv(0x01, b"\xff")] if critical else []), tlv(0x04, value))


REASON = "2.5.29.21"
CERTIFICATE_ISSUER = "2.5.29.29"
CRL_NUMBER = "2.5.29.20"
DELTA_INDICATOR = "2.5.29.27"
AKI = "2.5.29.35"
IDP = "2.5.29.28"
REASONS = {"unspecified": 0, "key_compromise": 1, "ca_compromise": 2, "superseded": 4, "certificate_hold": 6,
           "remove_from_crl": 8}


def entry(serial: bytes | int, *, when: dt.datetime | None = None, reason: str | None = None,
          issuer: x509.Name | None = None, extra: tuple[bytes, ...] = ()) -> bytes:
    """A revokedCertificates entry; ``serial`` an int or the raw content bytes of its INTEGER."""
    serial_der = integer(serial) if isinstance(serial, int) else tlv(0x02, serial)
    extensions = list(extra)
    if reason is not None:
        extensions.append(extension(REASON, tlv(0x0A, bytes((REASONS[reason],)))))
    if issuer is not None:
        extensions.append(extension(CERTIFICATE_ISSUER, seq(tlv(0xA4, issuer.public_bytes())), critical=True))
    return seq(serial_der, utc(when or NOW - dt.timedelta(days=1)), *([seq(*extensions)] if extensions else []))


def make_crl(w: World, entries: tuple[bytes, ...] = (), *, key=None, number: int | None = None,
             delta_of: int | None = None, this_update: dt.datetime | None = None,
             next_update: dt.datetime | None = None, extensions: tuple[bytes, ...] = (),
             issuer: x509.Name | None = None) -> bytes:
    key = key or w.ca_key
    algorithm = SHA256_RSA if isinstance(key, rsa.RSAPrivateKey) else SHA256_ECDSA
    number = number if number is not None else int(NOW.timestamp()) * 8
    ski = w.ca.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest
    exts = [extension(CRL_NUMBER, integer(number)), extension(AKI, seq(tlv(0x80, ski))), *extensions]
    if delta_of is not None:
        exts.append(extension(DELTA_INDICATOR, integer(delta_of), critical=True))
    tbs = seq(integer(1), algorithm, (issuer or w.ca.subject).public_bytes(),
              utc(this_update or NOW - dt.timedelta(hours=1)),
              utc(next_update or NOW + dt.timedelta(days=7)),
              *([seq(*entries)] if entries else []), tlv(0xA0, seq(*exts)))
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    else:
        signature = key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return seq(tbs, algorithm, tlv(0x03, b"\x00" + signature))


def serial_bytes(value: int) -> bytes:
    return integer(value)[2:] if value.bit_length() < 1000 else b""


CASES: dict[str, Callable[[World], Crl]] = {}


def case(function: Callable[[World], Crl]) -> Callable[[World], Crl]:
    CASES[function.__name__] = function
    return function


def _serial(w: World) -> int:
    return w.certificate.serial_number


@case
def control_not_listed(w: World) -> Crl:
    return Crl((make_crl(w, (entry(_serial(w) + 1), entry(-5))),), None, "GOOD")


@case
def control_empty(w: World) -> Crl:
    return Crl((make_crl(w),), None, "GOOD")


@case
def listed(w: World) -> Crl:
    return Crl((make_crl(w, (entry(_serial(w), reason="key_compromise"),)),), None, "REVOKED")


@case
def listed_among_many(w: World) -> Crl:
    others = tuple(entry(_serial(w) ^ (i << 3)) for i in range(1, 3000))
    return Crl((make_crl(w, (*others[:1500], entry(_serial(w)), *others[1500:])),), None, "REVOKED")


@case
def listed_with_a_leading_zero_byte(w: World) -> Crl:
    """A non-minimal INTEGER (00 before a byte below 80): DER forbids it; a reader may refuse the CRL, never
    read it as another serial."""
    return Crl((make_crl(w, (entry(b"\x00" + serial_bytes(_serial(w)).lstrip(b"\x00")),)),), None, "NOT_GOOD")


@case
def listed_with_two_leading_zero_bytes(w: World) -> Crl:
    return Crl((make_crl(w, (entry(b"\x00\x00" + serial_bytes(_serial(w)).lstrip(b"\x00")),)),), None, "NOT_GOOD")


@case
def listed_after_negative_serials(w: World) -> Crl:
    negatives = tuple(entry(-v) for v in (1, 2, 255, 256, 1 << 63, (1 << 64) - 1, (1 << 159)))
    return Crl((make_crl(w, (*negatives, entry(_serial(w)))),), None, "REVOKED")


@case
def listed_after_serials_with_the_same_low_64_bits(w: World) -> Crl:
    """Entries that differ from the serial only above bit 64 (what a 64-bit index keeps), before it."""
    same_low = tuple(entry(_serial(w) + (k << 64)) for k in (1, 2, 3, -1))
    return Crl((make_crl(w, (*same_low, entry(_serial(w)))),), None, "REVOKED")


@case
def only_serials_with_the_same_low_64_bits(w: World) -> Crl:
    same_low = tuple(entry(_serial(w) + (k << 64)) for k in (1, 2, -1))
    return Crl((make_crl(w, same_low),), None, "GOOD")


@case
def only_the_negative_of_the_serial(w: World) -> Crl:
    return Crl((make_crl(w, (entry(-_serial(w)), entry(_serial(w) - (1 << 160)))),), None, "GOOD")


@case
def listed_twice(w: World) -> Crl:
    return Crl((make_crl(w, (entry(_serial(w)), entry(_serial(w), reason="key_compromise"))),), None, "REVOKED")


@case
def listed_on_hold_then_key_compromise(w: World) -> Crl:
    return Crl((make_crl(w, (entry(_serial(w), reason="certificate_hold"),
                             entry(_serial(w), reason="key_compromise"))),), None, "REVOKED")


@case
def listed_with_a_certificate_issuer_naming_its_own_ca(w: World) -> Crl:
    return Crl((make_crl(w, (entry(_serial(w), issuer=w.ca.subject),)),), None, "NOT_GOOD")


@case
def listed_after_an_entry_of_another_issuer(w: World) -> Crl:
    """An indirect CRL: entries after a certificateIssuer belong to that issuer (RFC 5280 5.3.3); reading them as
    the CA's own may call the certificate revoked, never good."""
    return Crl((make_crl(w, (entry(7, issuer=w.other_ca.subject), entry(_serial(w)))),), None, "NOT_GOOD")


@case
def listed_with_an_unknown_critical_entry_extension(w: World) -> Crl:
    return Crl((make_crl(w, (entry(_serial(w), extra=(extension("1.2.3.4.5", b"\x05\x00", critical=True),)),)),),
               None, "NOT_GOOD")


@case
def listed_with_a_reason_out_of_range(w: World) -> Crl:
    """CRLReason 7 is unassigned: the entry lists the certificate but cannot be read; never GOOD, never a crash."""
    return Crl((make_crl(w, (entry(_serial(w), extra=(extension(REASON, tlv(0x0A, b"\x07")),)),)),), None, "NOT_GOOD")


@case
def listed_with_a_reason_of_the_wrong_type(w: World) -> Crl:
    """The reason as an INTEGER instead of an ENUMERATED."""
    return Crl((make_crl(w, (entry(_serial(w), extra=(extension(REASON, tlv(0x02, b"\x01")),)),)),), None, "NOT_GOOD")


@case
def listed_in_a_delta_only(w: World) -> Crl:
    base = make_crl(w, (entry(_serial(w) + 1),), number=100)
    delta = make_crl(w, (entry(_serial(w), reason="key_compromise"),), number=101, delta_of=100)
    return Crl((base, delta), None, "REVOKED")


@case
def listed_in_a_delta_of_a_newer_base(w: World) -> Crl:
    base = make_crl(w, (), number=100)
    delta = make_crl(w, (entry(_serial(w)),), number=205, delta_of=200)
    return Crl((base, delta), None, "REVOKED")


@case
def delta_alone(w: World) -> Crl:
    """A delta CRL is no complete list: without its base nothing says the certificate is good."""
    return Crl((make_crl(w, (entry(_serial(w) + 1),), number=101, delta_of=100),), None, "NOT_GOOD")


@case
def listed_in_a_crl_signed_by_another_key(w: World) -> Crl:
    """The CA's name, another key: refused; with nothing else the status is unknown."""
    return Crl((make_crl(w, (entry(_serial(w) + 1),), key=w.other_key),), None, "NOT_GOOD")


@case
def forged_empty_crl_newer_than_the_genuine_one(w: World) -> Crl:
    genuine = make_crl(w, (entry(_serial(w)),), number=100)
    forged = make_crl(w, (), number=10_000, key=w.other_key)
    return Crl((genuine, forged), None, "REVOKED")


@case
def genuine_crl_with_its_signature_broken(w: World) -> Crl:
    der = bytearray(make_crl(w, (entry(_serial(w) + 1),)))
    der[-5] ^= 0x01
    return Crl((bytes(der),), None, "NOT_GOOD")


@case
def entry_serial_changed_after_signing(w: World) -> Crl:
    """The certificate's serial spliced over another one's after the CA signed: the signature no longer holds."""
    decoy = _serial(w) ^ 0xFF
    der = make_crl(w, (entry(decoy),))
    forged = der.replace(serial_bytes(decoy), serial_bytes(_serial(w)), 1)
    assert forged != der
    return Crl((forged,), None, "NOT_GOOD")


@case
def stale(w: World) -> Crl:
    return Crl((make_crl(w, this_update=NOW - dt.timedelta(days=30), next_update=NOW - dt.timedelta(days=1)),),
               None, "NOT_GOOD")


@case
def stale_listing_it(w: World) -> Crl:
    """Past its nextUpdate the list is not used at all (UNKNOWN), though its entry is signed: never good."""
    return Crl((make_crl(w, (entry(_serial(w)),), this_update=NOW - dt.timedelta(days=30),
                         next_update=NOW - dt.timedelta(days=1)),), None, "NOT_GOOD")


@case
def issued_in_the_future(w: World) -> Crl:
    return Crl((make_crl(w, this_update=NOW + dt.timedelta(days=2), next_update=NOW + dt.timedelta(days=9)),),
               None, "NOT_GOOD")


@case
def another_issuer_name(w: World) -> Crl:
    return Crl((make_crl(w, issuer=w.other_ca.subject),), None, "NOT_GOOD")


@case
def only_ca_certificates(w: World) -> Crl:
    """A partitioned CRL (issuingDistributionPoint onlyContainsCACerts): it says nothing of an end entity."""
    idp = seq(tlv(0x82, b"\xff"))
    return Crl((make_crl(w, extensions=(extension(IDP, idp, critical=True),)),), None, "NOT_GOOD")


@case
def only_some_reasons(w: World) -> Crl:
    """A partitioned CRL (onlySomeReasons: cACompromise): a key compromise of the certificate is not in it."""
    idp = seq(tlv(0x83, b"\x02\x20"))
    return Crl((make_crl(w, extensions=(extension(IDP, idp, critical=True),)),), None, "NOT_GOOD")


@case
def only_user_certificates(w: World) -> Crl:
    """onlyContainsUserCerts: a complete list for an end entity (a control)."""
    idp = seq(tlv(0x81, b"\xff"))
    return Crl((make_crl(w, extensions=(extension(IDP, idp, critical=True),)),), None, "GOOD")


@case
def only_user_certificates_listing_it(w: World) -> Crl:
    idp = seq(tlv(0x81, b"\xff"))
    return Crl((make_crl(w, (entry(_serial(w)),), extensions=(extension(IDP, idp, critical=True),)),), None,
               "REVOKED")


@case
def partitioned_base_and_a_complete_one(w: World) -> Crl:
    """A newer CA-only list beside the complete one that lists the certificate: the complete one decides."""
    idp = seq(tlv(0x82, b"\xff"))
    complete = make_crl(w, (entry(_serial(w)),), number=100)
    partition = make_crl(w, number=500, extensions=(extension(IDP, idp, critical=True),))
    return Crl((complete, partition), None, "REVOKED")


@case
def indirect_crl(w: World) -> Crl:
    idp = seq(tlv(0x84, b"\xff"))
    return Crl((make_crl(w, extensions=(extension(IDP, idp, critical=True),)),), None, "NOT_GOOD")


@case
def unknown_critical_crl_extension(w: World) -> Crl:
    return Crl((make_crl(w, extensions=(extension("1.2.3.4.6", b"\x05\x00", critical=True),)),), None, "NOT_GOOD")


@case
def truncated_entry_list(w: World) -> Crl:
    der = make_crl(w, (entry(_serial(w) + 1), entry(_serial(w) + 2)))
    return Crl((der[:len(der) // 2],), None, "NOT_GOOD")
