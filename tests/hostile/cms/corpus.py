"""Generators of hostile CMS inputs, each paired with the failure code verify_cms must give.

Every generator starts from a CMS that verifies and breaks one thing, re-signing where needed so that only the
intended check can fail. ``CASES`` maps a case name to its generator; ``truncations`` gives cut points.
``WITHIN_LIMITS`` holds the genuine documents that sit exactly at a limit of ``eds.limits`` and must verify.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from asn1crypto import algos, core
from asn1crypto import cms as acms
from asn1crypto import tsp as atsp
from asn1crypto import x509 as ax509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eds.signatures import cms, tsp
from test_pki.tsa import make_timestamp_response
from hostile.cms.pki import NOW, TSA_POLICY, Party, cms_pki, filler_certificates, timestamp_token

CONTENT = "Өтініш: лицензия беру туралы / Заявление о выдаче лицензии".encode()


@dataclass(frozen=True)
class Case:
    """An input and the failure it must produce: of the document when ``signer`` is None, else of that signer."""

    data: bytes | str
    expected: str
    signer: int | None = 0
    detached_content: bytes | None = None
    max_bytes: int = cms.DEFAULT_MAX_BYTES
    timestamp_failure: str | None = None
    limit: str | None = None  # for TOO_COMPLEX: the limit of eds.limits that the details must name
    found: int | None = None  # and the count they must report


CASES: dict[str, Callable[[], Case]] = {}


def case(function: Callable[[], Case]) -> Callable[[], Case]:
    CASES[function.__name__] = function
    return function


# --- building blocks -------------------------------------------------------------------------------------


@functools.cache
def attached_rsa() -> bytes:
    pki = cms_pki()
    return cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der, extra_certs=[pki.ca.cert_der])


@functools.cache
def attached_ec() -> bytes:
    pki = cms_pki()
    return cms.sign_cms(CONTENT, pki.ec_signer.key, pki.ec_signer.cert_der, extra_certs=[pki.ca.cert_der])


@functools.cache
def detached_rsa() -> bytes:
    pki = cms_pki()
    return cms.sign_cms(CONTENT, pki.rsa_signer.key, pki.rsa_signer.cert_der, detached=True)


def tlv(tag: int, content: bytes) -> bytes:
    """DER tag-length-value, so tests can write structures asn1crypto would refuse to build."""
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def unpack(der: bytes) -> acms.SignedData:
    return acms.ContentInfo.load(der)["content"]


def pack(signed_data: acms.SignedData) -> bytes:
    return acms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def sign_bytes(key: object, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def attributes(signer_info: acms.SignerInfo) -> list[acms.CMSAttribute]:
    return list(signer_info["signed_attrs"])


def resign(signer_info: acms.SignerInfo, attrs: list[acms.CMSAttribute], key: object) -> None:
    """Replace the signed attributes and sign them again, so the signature itself stays valid."""
    signed = acms.CMSAttributes(attrs)
    signer_info["signed_attrs"] = signed
    signer_info["signature"] = sign_bytes(key, signed.dump())


def mutate_signer(der: bytes, change: Callable[[acms.SignedData, acms.SignerInfo], None]) -> bytes:
    """Apply ``change`` to the first SignerInfo (and its SignedData) and re-encode."""
    signed_data = unpack(der)
    change(signed_data, signed_data["signer_infos"][0])
    return pack(signed_data)


def resigned(der: bytes, edit: Callable[[list[acms.CMSAttribute]], list[acms.CMSAttribute]], key: object) -> bytes:
    return mutate_signer(der, lambda _, si: resign(si, edit(attributes(si)), key))


def without(name: str) -> Callable[[list[acms.CMSAttribute]], list[acms.CMSAttribute]]:
    return lambda attrs: [a for a in attrs if a["type"].native != name]


def replaced(name: str, attribute: acms.CMSAttribute) -> Callable[[list[acms.CMSAttribute]], list[acms.CMSAttribute]]:
    return lambda attrs: [attribute if a["type"].native == name else a for a in attrs]


def raw_attribute(oid: str, raw_values: bytes) -> acms.CMSAttribute:
    """An attribute whose value bytes are whatever the attacker wants."""
    body = core.ObjectIdentifier(oid).dump() + bytes([0x31, len(raw_values)]) + raw_values
    return acms.CMSAttribute.load(bytes([0x30, len(body)]) + body)


def with_timestamp_token(der: bytes, token: bytes) -> bytes:
    """Attach ``token`` as the signatureTimeStampToken without any of sign_cms's checks."""

    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        body = core.ObjectIdentifier(tsp.ID_SIGNATURE_TIMESTAMP_TOKEN).dump() + tlv(0x31, token)
        signer_info["unsigned_attrs"] = acms.CMSAttributes([acms.CMSAttribute.load(tlv(0x30, body))])

    return mutate_signer(der, change)


def signature_of(der: bytes) -> bytes:
    return unpack(der)["signer_infos"][0]["signature"].native


def stamped(tsa: Party, *, over: bytes | None = None, include_certificates: bool = True) -> bytes:
    """attached_rsa with a token from ``tsa`` over ``over`` (by default, over its own signature value)."""
    der = attached_rsa()
    imprint = hashlib.sha256(signature_of(der) if over is None else over).digest()
    token = timestamp_token(imprint, tsa, cms_pki(), include_certificates=include_certificates)
    return with_timestamp_token(der, token)


def truncations() -> list[int]:
    """Cut points across the whole of attached_rsa's length, including the first and the last byte."""
    length = len(attached_rsa())
    return sorted({0, 1, 2, 3, 4, 10, 20, 40, 64, 100, 200, 500, 1000, length // 2, length - 2, length - 1} | {
        length * k // 13 for k in range(1, 13)
    })


# --- not a CMS at all ------------------------------------------------------------------------------------


@case
def empty() -> Case:
    return Case(b"", "CMS_MALFORMED", signer=None)


@case
def whitespace_only() -> Case:
    return Case(b" \r\n\t ", "CMS_MALFORMED", signer=None)


def _random_bytes(seed: int) -> Case:
    return Case(random.Random(seed).randbytes(50 + 300 * seed), "CMS_MALFORMED", signer=None)


def _random_after_sequence_tag(seed: int) -> Case:
    return Case(b"\x30" + random.Random(seed).randbytes(200), "CMS_MALFORMED", signer=None)


for _seed in range(4):
    CASES[f"random_bytes_{_seed}"] = functools.partial(_random_bytes, _seed)
    CASES[f"random_after_sequence_tag_{_seed}"] = functools.partial(_random_after_sequence_tag, _seed)


@case
def base64_garbage() -> Case:
    return Case(b"@@@ this is not base64 ###", "CMS_MALFORMED", signer=None)


@case
def base64_of_text() -> Case:
    return Case(base64.b64encode(b"not a CMS at all"), "CMS_MALFORMED", signer=None)


@case
def base64_of_truncated_cms() -> Case:
    der = attached_rsa()
    return Case(base64.b64encode(der[: len(der) // 2]), "CMS_MALFORMED", signer=None)


@case
def base64_missing_padding() -> Case:
    return Case(base64.b64encode(attached_rsa()).rstrip(b"=")[:-1], "CMS_MALFORMED", signer=None)


@case
def pem_with_garbage_body() -> Case:
    return Case(b"-----BEGIN CMS-----\n!!!!\n-----END CMS-----\n", "CMS_MALFORMED", signer=None)


@case
def pem_of_a_certificate() -> Case:
    return Case(cms_pki().rsa_signer.cert_pem, "CMS_MALFORMED", signer=None)


@case
def non_ascii_text() -> Case:
    return Case("ЭЦП қол қойылған құжат", "CMS_MALFORMED", signer=None)


@case
def trailing_garbage() -> Case:
    return Case(attached_rsa() + b"\x00\x01garbage", "CMS_MALFORMED", signer=None)


@case
def certificate_instead_of_cms() -> Case:
    return Case(cms_pki().rsa_signer.cert_der, "CMS_MALFORMED", signer=None)


@case
def content_info_of_data() -> Case:
    data = acms.ContentInfo({"content_type": "data", "content": CONTENT}).dump()
    return Case(data, "NOT_SIGNED_DATA", signer=None)


@case
def enveloped_data_type() -> Case:
    body = core.ObjectIdentifier("1.2.840.113549.1.7.3").dump() + tlv(0xA0, b"\x30\x00")
    return Case(tlv(0x30, body), "NOT_SIGNED_DATA", signer=None)


@case
def signed_data_content_is_octet_string() -> Case:
    body = core.ObjectIdentifier(cms.ID_SIGNED_DATA).dump() + tlv(0xA0, b"\x04\x03abc")
    return Case(tlv(0x30, body), "CMS_MALFORMED", signer=None)


@case
def huge_outer_length() -> Case:
    der = attached_rsa()
    return Case(b"\x30\x84\xff\xff\xff\xf0" + der[4:], "CMS_MALFORMED", signer=None)


@case
def huge_inner_length() -> Case:
    inner = b"\x30\x84\x7f\xff\xff\xff\x02\x01\x01"
    body = core.ObjectIdentifier(cms.ID_SIGNED_DATA).dump() + tlv(0xA0, inner)
    return Case(tlv(0x30, body), "CMS_MALFORMED", signer=None)


@case
def nine_byte_length() -> Case:
    return Case(b"\x30\x89" + b"\x01" * 9 + b"\x00" * 16, "CMS_MALFORMED", signer=None)


@case
def indefinite_length_primitive() -> Case:
    return Case(b"\x30\x80\x06\x80\x2a\x86\x00\x00\x00\x00", "CMS_MALFORMED", signer=None)


@case
def deep_indefinite_nesting() -> Case:
    return Case(b"\x30\x80" * 50_000 + b"\x00\x00" * 50_000, "CMS_MALFORMED", signer=None)


@case
def too_large() -> Case:
    der = attached_rsa()
    return Case(der, "TOO_LARGE", signer=None, max_bytes=len(der) - 1)


@case
def too_large_base64() -> Case:
    return Case(b"A" * 4096, "TOO_LARGE", signer=None, max_bytes=1000)


# --- SignedData-level damage ------------------------------------------------------------------------------


@case
def zero_signers() -> Case:
    signed_data = unpack(attached_rsa())
    signed_data["signer_infos"] = []
    return Case(pack(signed_data), "NO_SIGNERS", signer=None)


@case
def signed_data_version_99() -> Case:
    signed_data = unpack(detached_rsa())
    signed_data["version"] = 99
    return Case(pack(signed_data), "UNSUPPORTED_VERSION", signer=None, detached_content=CONTENT)


@case
def signed_data_version_2() -> Case:
    signed_data = unpack(detached_rsa())
    signed_data["version"] = 2
    return Case(pack(signed_data), "UNSUPPORTED_VERSION", signer=None, detached_content=CONTENT)


@case
def detached_without_content() -> Case:
    return Case(detached_rsa(), "DETACHED_CONTENT_MISSING", signer=None)


@case
def attached_with_conflicting_detached_content() -> Case:
    return Case(attached_rsa(), "CONTENT_CONFLICT", signer=None, detached_content=b"another document")


# --- a SignerInfo that does not hold ----------------------------------------------------------------------


@case
def digest_mismatch_attached() -> Case:
    signed_data = unpack(attached_rsa())
    signed_data["encap_content_info"] = {"content_type": "data", "content": CONTENT + b" (amended)"}
    return Case(pack(signed_data), "DIGEST_MISMATCH")


@case
def digest_mismatch_detached() -> Case:
    return Case(detached_rsa(), "DIGEST_MISMATCH", detached_content=CONTENT[:-1])


@case
def missing_signed_attributes() -> Case:
    """A signature straight over the content: legal CMS, but not CAdES, and nothing binds the certificate."""
    key = cms_pki().rsa_signer.key

    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["signed_attrs"] = None
        signer_info["signature"] = sign_bytes(key, CONTENT)

    return Case(mutate_signer(attached_rsa(), change), "MISSING_SIGNED_ATTRIBUTES")


@case
def missing_message_digest() -> Case:
    key = cms_pki().rsa_signer.key
    return Case(resigned(attached_rsa(), without("message_digest"), key), "MISSING_SIGNED_ATTRIBUTES")


@case
def missing_content_type() -> Case:
    key = cms_pki().rsa_signer.key
    return Case(resigned(attached_rsa(), without("content_type"), key), "MISSING_SIGNED_ATTRIBUTES")


@case
def wrong_content_type_attribute() -> Case:
    key = cms_pki().rsa_signer.key
    attribute = acms.CMSAttribute({"type": "content_type", "values": ["signed_data"]})
    return Case(resigned(attached_rsa(), replaced("content_type", attribute), key), "CONTENT_TYPE_MISMATCH")


@case
def duplicate_message_digest() -> Case:
    key = cms_pki().rsa_signer.key
    extra = acms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(b"other").digest()]})
    return Case(resigned(attached_rsa(), lambda attrs: [*attrs, extra], key), "MALFORMED_SIGNED_ATTRIBUTES")


@case
def message_digest_with_two_values() -> Case:
    key = cms_pki().rsa_signer.key
    digest = hashlib.sha256(CONTENT).digest()
    attribute = acms.CMSAttribute({"type": "message_digest", "values": [digest, hashlib.sha256(b"x").digest()]})
    return Case(resigned(attached_rsa(), replaced("message_digest", attribute), key), "MALFORMED_SIGNED_ATTRIBUTES")


@case
def message_digest_is_an_integer() -> Case:
    key = cms_pki().rsa_signer.key
    attribute = raw_attribute("1.2.840.113549.1.9.4", b"\x02\x01\x05")
    return Case(resigned(attached_rsa(), replaced("message_digest", attribute), key), "SIGNER_INFO_MALFORMED")


@case
def tampered_signing_time() -> Case:
    """A signed attribute changed after signing: the digest still matches, the signature does not."""
    earlier = acms.Time({"utc_time": NOW - timedelta(days=400)})
    attribute = acms.CMSAttribute({"type": "signing_time", "values": [earlier]})

    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["signed_attrs"] = acms.CMSAttributes(replaced("signing_time", attribute)(attributes(signer_info)))

    return Case(mutate_signer(attached_rsa(), change), "SIGNATURE_INVALID")


def _signature(value: Callable[[bytes], bytes], der: bytes) -> bytes:
    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["signature"] = value(signer_info["signature"].native)

    return mutate_signer(der, change)


@case
def flipped_signature_bit() -> Case:
    return Case(_signature(lambda s: s[:-1] + bytes([s[-1] ^ 1]), attached_rsa()), "SIGNATURE_INVALID")


@case
def empty_signature() -> Case:
    return Case(_signature(lambda s: b"", attached_rsa()), "SIGNATURE_INVALID")


@case
def ecdsa_signature_not_der() -> Case:
    return Case(_signature(lambda s: bytes(64), attached_ec()), "SIGNATURE_INVALID")


@case
def rsa_label_on_ecdsa_signature() -> Case:
    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["signature_algorithm"] = {"algorithm": "sha256_rsa"}

    return Case(mutate_signer(attached_ec(), change), "SIGNATURE_INVALID")


@case
def certificate_swapped() -> Case:
    signed_data = unpack(attached_rsa())
    signed_data["certificates"] = [acms.CertificateChoices.load(cms_pki().other_signer.cert_der)]
    return Case(pack(signed_data), "SIGNER_CERTIFICATE_NOT_FOUND")


@case
def certificates_removed() -> Case:
    signed_data = unpack(attached_rsa())
    signed_data["certificates"] = None
    return Case(pack(signed_data), "SIGNER_CERTIFICATE_NOT_FOUND")


def _sid(der: bytes, sid: dict) -> bytes:
    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["sid"] = sid

    return mutate_signer(der, change)


@case
def sid_serial_changed() -> Case:
    cert = cms_pki().rsa_signer.cert
    sid = {"issuer_and_serial_number": {"issuer": unpack(attached_rsa())["signer_infos"][0]["sid"].chosen["issuer"],
                                        "serial_number": cert.serial_number + 1}}
    return Case(_sid(attached_rsa(), sid), "SIGNER_CERTIFICATE_NOT_FOUND")


@case
def sid_issuer_changed() -> Case:
    pki = cms_pki()
    other_issuer = ax509.Certificate.load(pki.other_signer.cert_der).subject
    sid = {"issuer_and_serial_number": {"issuer": other_issuer, "serial_number": pki.rsa_signer.cert.serial_number}}
    return Case(_sid(attached_rsa(), sid), "SIGNER_CERTIFICATE_NOT_FOUND")


@case
def sid_unknown_subject_key_identifier() -> Case:
    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["version"] = "v3"
        signer_info["sid"] = {"subject_key_identifier": bytes(20)}

    return Case(mutate_signer(attached_rsa(), change), "SIGNER_CERTIFICATE_NOT_FOUND")


@case
def forged_certificate_same_identity() -> Case:
    """A self-made certificate with the real issuer and serial, the attributes re-signed with its key."""
    pki = cms_pki()

    def change(signed_data: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signed_data["certificates"] = [acms.CertificateChoices.load(pki.forged_rsa_signer.cert_der)]
        resign(signer_info, attributes(signer_info), pki.forged_rsa_signer.key)

    return Case(mutate_signer(attached_rsa(), change), "SIGNING_CERTIFICATE_MISMATCH")


@case
def forged_certificate_alongside_real() -> Case:
    pki = cms_pki()
    signed_data = unpack(attached_rsa())
    signed_data["certificates"] = [
        acms.CertificateChoices.load(pki.rsa_signer.cert_der),
        acms.CertificateChoices.load(pki.forged_rsa_signer.cert_der),
    ]
    return Case(pack(signed_data), "SIGNER_CERTIFICATE_AMBIGUOUS")


def _ess_v2(cert_hash: bytes, serial_delta: int = 0) -> acms.CMSAttribute:
    cert = acms.ContentInfo.load(attached_rsa())["content"]["certificates"]
    signer = next(c.chosen for c in cert if c.chosen.serial_number == cms_pki().rsa_signer.cert.serial_number)
    ess = {
        "certs": [
            {
                "cert_hash": cert_hash,
                "issuer_serial": {
                    "issuer": [ax509.GeneralName({"directory_name": signer.issuer})],
                    "serial_number": signer.serial_number + serial_delta,
                },
            }
        ]
    }
    return acms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]})


@case
def signing_certificate_v2_wrong_hash() -> Case:
    key = cms_pki().rsa_signer.key
    attribute = _ess_v2(hashlib.sha256(cms_pki().other_signer.cert_der).digest())
    data = resigned(attached_rsa(), replaced("signing_certificate_v2", attribute), key)
    return Case(data, "SIGNING_CERTIFICATE_MISMATCH")


@case
def signing_certificate_v2_wrong_serial() -> Case:
    key = cms_pki().rsa_signer.key
    attribute = _ess_v2(hashlib.sha256(cms_pki().rsa_signer.cert_der).digest(), serial_delta=1)
    data = resigned(attached_rsa(), replaced("signing_certificate_v2", attribute), key)
    return Case(data, "SIGNING_CERTIFICATE_MISMATCH")


@case
def signing_certificate_v1_wrong_hash() -> Case:
    key = cms_pki().rsa_signer.key
    attribute = acms.CMSAttribute({"type": "signing_certificate", "values": [{"certs": [{"cert_hash": bytes(20)}]}]})
    return Case(resigned(attached_rsa(), lambda attrs: [*attrs, attribute], key), "SIGNING_CERTIFICATE_MISMATCH")


@case
def signing_certificate_v2_twice() -> Case:
    key = cms_pki().rsa_signer.key
    attribute = _ess_v2(hashlib.sha256(cms_pki().rsa_signer.cert_der).digest())
    return Case(resigned(attached_rsa(), lambda attrs: [*attrs, attribute], key), "MALFORMED_SIGNED_ATTRIBUTES")


def _algorithms(digest_oid: str | None, signature_oid: str | None, der: bytes | None = None) -> bytes:
    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        if digest_oid:
            signer_info["digest_algorithm"] = algos.DigestAlgorithm({"algorithm": digest_oid})
        if signature_oid:
            signer_info["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": signature_oid})

    return mutate_signer(der or attached_rsa(), change)


@case
def unknown_digest_algorithm() -> Case:
    return Case(_algorithms("1.2.3.4.5", None), "UNSUPPORTED_ALGORITHM")


@case
def unknown_signature_algorithm() -> Case:
    return Case(_algorithms(None, "1.2.3.4.6"), "UNSUPPORTED_ALGORITHM")


@case
def gost_2015_512_relabelled_rsa() -> Case:
    return Case(_algorithms("1.2.398.3.10.1.3.3", "1.2.398.3.10.1.1.2.3.2"), "DIGEST_MISMATCH")


@case
def gost_2015_256_relabelled_rsa() -> Case:
    return Case(_algorithms("1.2.398.3.10.1.3.2", "1.2.398.3.10.1.1.2.3.1"), "DIGEST_MISMATCH")


@case
def gost_2004_relabelled_rsa() -> Case:
    return Case(_algorithms("1.2.398.3.10.1.3.1", "1.2.398.3.10.1.1.1.2"), "DIGEST_MISMATCH")


@case
def gost_signature_with_sha256_digest() -> Case:
    return Case(_algorithms(None, "1.2.398.3.10.1.1.2.3.2"), "SIGNATURE_INVALID")


@case
def sha1_digest() -> Case:
    return Case(_algorithms("sha1", "sha1_rsa"), "UNSUPPORTED_ALGORITHM")


@case
def md5_digest() -> Case:
    return Case(_algorithms("md5", "rsassa_pkcs1v15"), "UNSUPPORTED_ALGORITHM")


@case
def digest_and_signature_hash_disagree() -> Case:
    return Case(_algorithms("sha512", None), "ALGORITHM_MISMATCH")


@case
def pss_with_sha1() -> Case:
    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        parameters = {"hash_algorithm": {"algorithm": "sha1"}, "salt_length": 32}
        signer_info["signature_algorithm"] = {"algorithm": "rsassa_pss", "parameters": parameters}

    return Case(mutate_signer(attached_rsa(), change), "UNSUPPORTED_ALGORITHM")


def _sha1_signature_over(digest: str) -> bytes:
    """sha1WithRSA named beside a SHA-2 digestAlgorithm, with a genuine SHA-1 PKCS#1 value over the attributes."""
    pki = cms_pki()

    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["digest_algorithm"] = algos.DigestAlgorithm({"algorithm": digest})
        signer_info["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": "sha1_rsa"})
        signed = b"\x31" + signer_info["signed_attrs"].dump()[1:]
        signer_info["signature"] = pki.rsa_signer.key.sign(signed, padding.PKCS1v15(), hashes.SHA1())

    der = sign_cms_with_digest(digest)
    return mutate_signer(der, change)


def sign_cms_with_digest(digest: str) -> bytes:
    """attached_rsa, but its messageDigest made with ``digest`` (sha256, sha384 or sha512)."""
    pki = cms_pki()
    hashers = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}

    def change(signed_data: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        content = signed_data["encap_content_info"]["content"].native
        value = acms.CMSAttribute({"type": "message_digest", "values": [hashers[digest](content).digest()]})
        resign(signer_info, replaced("message_digest", value)(attributes(signer_info)), pki.rsa_signer.key)

    return mutate_signer(attached_rsa(), change)


@case
def sha1_signature_named_with_sha256_digest() -> Case:
    """SHA-1 signatures are not accepted in CMS, whatever digestAlgorithm beside them says."""
    return Case(_sha1_signature_over("sha256"), "UNSUPPORTED_ALGORITHM")


@case
def sha1_signature_named_with_sha384_digest() -> Case:
    return Case(_sha1_signature_over("sha384"), "UNSUPPORTED_ALGORITHM")


@case
def sha1_signature_named_with_sha512_digest() -> Case:
    return Case(_sha1_signature_over("sha512"), "UNSUPPORTED_ALGORITHM")


def pss_salt(salt_length: int) -> bytes:
    """attached_rsa signed with RSASSA-PSS (salt 32) but naming ``salt_length`` in its parameters."""
    pki = cms_pki()

    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        parameters = {"hash_algorithm": {"algorithm": "sha256"}, "salt_length": salt_length,
                      "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}}}
        signer_info["signature_algorithm"] = {"algorithm": "rsassa_pss", "parameters": parameters}
        signed = b"\x31" + signer_info["signed_attrs"].dump()[1:]
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        signer_info["signature"] = pki.rsa_signer.key.sign(signed, pss, hashes.SHA256())

    return mutate_signer(attached_rsa(), change)


@case
def pss_with_a_negative_salt_length() -> Case:
    """Parameters cryptography cannot use make the signature invalid, not the SignerInfo unreadable."""
    return Case(pss_salt(-1), "SIGNATURE_INVALID")


@case
def pss_with_another_salt_length() -> Case:
    return Case(pss_salt(20), "SIGNATURE_INVALID")


@case
def signer_info_version_7() -> Case:
    def change(_: acms.SignedData, signer_info: acms.SignerInfo) -> None:
        signer_info["version"] = 7

    return Case(mutate_signer(attached_rsa(), change), "UNSUPPORTED_VERSION")


@case
def second_signer_broken() -> Case:
    pki = cms_pki()
    both = cms.add_signer(attached_rsa(), pki.ec_signer.key, pki.ec_signer.cert_der)
    signature = unpack(both)["signer_infos"][1]["signature"].native
    # Edit the bytes in place: re-encoding would sort the SET OF SignerInfos and move the broken one.
    return Case(both.replace(signature, bytes(len(signature))), "SIGNATURE_INVALID", signer=1)


# --- signature timestamps that do not hold ----------------------------------------------------------------


@case
def timestamp_over_other_value() -> Case:
    data = stamped(cms_pki().tsa, over=b"some other signature value")
    return Case(data, "TIMESTAMP_INVALID", timestamp_failure="IMPRINT_MISMATCH")


@case
def timestamp_token_garbage() -> Case:
    data = with_timestamp_token(attached_rsa(), b"\x30\x03\x02\x01\x01")
    return Case(data, "TIMESTAMP_INVALID", timestamp_failure="TOKEN_MALFORMED")


@case
def timestamp_token_not_asn1() -> Case:
    data = with_timestamp_token(attached_rsa(), b"\x04\x05hello")
    return Case(data, "TIMESTAMP_INVALID", timestamp_failure="TOKEN_MALFORMED")


@case
def timestamp_tsa_without_eku() -> Case:
    return Case(stamped(cms_pki().tsa_without_eku), "TIMESTAMP_INVALID", timestamp_failure="TSA_NOT_TIMESTAMPING")


@case
def timestamp_tsa_noncritical_eku() -> Case:
    data = stamped(cms_pki().tsa_noncritical_eku)
    return Case(data, "TIMESTAMP_INVALID", timestamp_failure="TSA_NOT_TIMESTAMPING")


@case
def timestamp_signed_by_document_signer() -> Case:
    return Case(stamped(cms_pki().ec_signer), "TIMESTAMP_INVALID", timestamp_failure="TSA_NOT_TIMESTAMPING")


@case
def timestamp_without_certificates() -> Case:
    data = stamped(cms_pki().tsa, include_certificates=False)
    return Case(data, "TIMESTAMP_INVALID", timestamp_failure="SIGNER_CERTIFICATE_NOT_FOUND")


@case
def timestamp_not_tst_info() -> Case:
    pki = cms_pki()
    token = cms.sign_cms(b"not a TSTInfo", pki.tsa.key, pki.tsa.cert_der)
    data = with_timestamp_token(attached_rsa(), token)
    return Case(data, "TIMESTAMP_INVALID", timestamp_failure="NOT_TST_INFO")


@case
def timestamp_gen_time_moved() -> Case:
    """TSTInfo edited after the TSA signed it: the token's own message digest no longer matches."""
    pki = cms_pki()
    der = attached_rsa()
    token = timestamp_token(hashlib.sha256(signature_of(der)).digest(), pki.tsa, pki)
    token_data = unpack(token)
    tst = atsp.TSTInfo.load(bytes(token_data["encap_content_info"]["content"]))
    tst["gen_time"] = NOW - timedelta(days=3650)
    token_data["encap_content_info"] = {"content_type": "tst_info", "content": acms.ParsableOctetString(tst.dump())}
    data = with_timestamp_token(der, pack(token_data))
    return Case(data, "TIMESTAMP_INVALID", timestamp_failure="DIGEST_MISMATCH")


@case
def timestamp_signature_flipped() -> Case:
    pki = cms_pki()
    der = attached_rsa()
    token = timestamp_token(hashlib.sha256(signature_of(der)).digest(), pki.tsa, pki)
    broken = _signature(lambda s: bytes(64), token)
    data = with_timestamp_token(der, broken)
    return Case(data, "TIMESTAMP_INVALID", timestamp_failure="SIGNATURE_INVALID")


# --- bounded work: certificates and SignerInfos per SignedData (eds.limits) ------------------------------

WITHIN_LIMITS: dict[str, Callable[[], bytes]] = {}


def within_limits(function: Callable[[], bytes]) -> Callable[[], bytes]:
    WITHIN_LIMITS[function.__name__] = function
    return function


def with_certificates(der: bytes, certificates: list[bytes]) -> bytes:
    """``der`` carrying exactly ``certificates`` (duplicates kept); the SignerInfos stay byte-identical."""
    signed_data = unpack(der)
    signed_data["certificates"] = [ax509.Certificate.load(c) for c in certificates]
    return pack(signed_data)


def chain_of(distinct: int, copies: int = 1) -> list[bytes]:
    """The signer's certificate, the CA and fillers: ``distinct`` different certificates, each ``copies`` times."""
    pki = cms_pki()
    certificates = [pki.rsa_signer.cert_der, pki.ca.cert_der, *filler_certificates(distinct - 2)]
    return certificates * copies


@functools.cache
def cosigned(count: int) -> bytes:
    """attached_rsa co-signed until it has ``count`` genuine SignerInfos (ECDSA signatures differ each time)."""
    if count == 1:
        return attached_rsa()
    pki = cms_pki()
    return cms.add_signer(cosigned(count - 1), pki.ec_signer.key, pki.ec_signer.cert_der)


def signer_info_copies(count: int) -> bytes:
    """attached_rsa's one SignerInfo repeated ``count`` times in the SET."""
    signed_data = unpack(attached_rsa())
    raw = signed_data["signer_infos"][0].dump()
    signed_data["signer_infos"] = acms.SignerInfos([acms.SignerInfo.load(raw) for _ in range(count)])
    return pack(signed_data)


@within_limits
def certificates_64_distinct() -> bytes:
    return with_certificates(attached_rsa(), chain_of(64))


@within_limits
def certificates_64_distinct_each_three_times() -> bytes:
    return with_certificates(attached_rsa(), chain_of(64, copies=3))


@within_limits
def signer_certificate_1000_times() -> bytes:
    """Duplicates cost nothing once dropped by their DER: 1,001 entries, 2 distinct certificates."""
    pki = cms_pki()
    return with_certificates(attached_rsa(), [pki.rsa_signer.cert_der] * 1000 + [pki.ca.cert_der])


@within_limits
def signer_infos_32() -> bytes:
    return cosigned(32)


def _too_complex(data: bytes, limit: str, found: int) -> Case:
    return Case(data, "TOO_COMPLEX", signer=None, limit=limit, found=found)


@case
def certificates_65_distinct() -> Case:
    return _too_complex(with_certificates(attached_rsa(), chain_of(65)), "cms_certificates", 65)


@case
def certificates_65_distinct_each_twice() -> Case:
    return _too_complex(with_certificates(attached_rsa(), chain_of(65, copies=2)), "cms_certificates", 65)


@case
def certificates_300_distinct() -> Case:
    return _too_complex(with_certificates(attached_rsa(), chain_of(300)), "cms_certificates", 300)


@case
def certificates_65_distinct_detached() -> Case:
    data = with_certificates(detached_rsa(), chain_of(65))
    return Case(data, "TOO_COMPLEX", signer=None, detached_content=CONTENT, limit="cms_certificates", found=65)


@case
def signer_infos_33() -> Case:
    return _too_complex(cosigned(33), "cms_signer_infos", 33)


@case
def signer_info_33_copies() -> Case:
    return _too_complex(signer_info_copies(33), "cms_signer_infos", 33)


@case
def signer_info_1000_copies() -> Case:
    return _too_complex(signer_info_copies(1000), "cms_signer_infos", 1000)


# --- a timestamp is evidence of time, never a signature --------------------------------------------------


def bare_token() -> bytes:
    """What the TSA returns over the content's SHA-256: a SignedData of a TSTInfo, signed by the TSA."""
    pki = cms_pki()
    return timestamp_token(hashlib.sha256(CONTENT).digest(), pki.tsa, pki)


def timestamp_response(request: bytes) -> bytes:
    pki = cms_pki()
    return make_timestamp_response(request, pki.tsa.key, pki.tsa.cert_der, TSA_POLICY,
                                   extra_certs=[pki.ca.cert_der])


def pem(der: bytes, label: str = "CMS") -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"\r\n")
    return b"-----BEGIN " + label.encode() + b"-----\r\n" + body + b"-----END " + label.encode() + b"-----\r\n"


@case
def bare_timestamp_token() -> Case:
    return Case(bare_token(), "NO_SIGNERS", signer=None)


@case
def bare_timestamp_token_base64() -> Case:
    return Case(base64.b64encode(bare_token()), "NO_SIGNERS", signer=None)


@case
def bare_timestamp_token_pem() -> Case:
    return Case(pem(bare_token()), "NO_SIGNERS", signer=None)


@case
def bare_timestamp_token_with_detached_content() -> Case:
    token = bare_token()
    tst_info = bytes(unpack(token)["encap_content_info"]["content"])
    return Case(token, "NO_SIGNERS", signer=None, detached_content=tst_info)


@case
def tst_info_signed_by_a_person() -> Case:
    """A TSTInfo signed with a citizen's key is still a timestamp token in form, and no signed request."""
    pki = cms_pki()
    tst_info = bytes(unpack(bare_token())["encap_content_info"]["content"])
    data = cms.sign_cms(tst_info, pki.rsa_signer.key, pki.rsa_signer.cert_der, content_type=tsp.ID_CT_TST_INFO)
    return Case(data, "NO_SIGNERS", signer=None)


@case
def timestamp_response_granted() -> Case:
    request, _ = tsp.build_request(hashlib.sha256(CONTENT).digest())
    return Case(timestamp_response(request), "NO_SIGNERS", signer=None)


@case
def timestamp_response_base64() -> Case:
    request, _ = tsp.build_request(hashlib.sha256(CONTENT).digest())
    return Case(base64.b64encode(timestamp_response(request)), "NO_SIGNERS", signer=None)


@case
def timestamp_response_rejection() -> Case:
    return Case(timestamp_response(b"not a TimeStampReq"), "NO_SIGNERS", signer=None)
