"""Certificate description: NCA identities, certificates of other CAs, unusual but valid certificates."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from asn1crypto import algos, core, keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from eds.pki.certificates import Certificate, CertificateError, Purpose


def test_nca_individual(cert_of, manifest):
    cert = cert_of("individual_sign")
    info = cert.describe()
    assert info["subject"]["commonName"] == "ТЕСТОВ ТЕСТ"
    assert info["subject"]["surName"] == "ТЕСТОВ"
    assert info["subject"]["firstName"] == "ТЕСТ"
    assert info["subject"]["patronymic"] == "ТЕСТОВИЧ"
    assert info["subject"]["iin"] == manifest["identities"]["individual_sign"]["iin"]
    assert info["subject"]["bin"] is None
    assert info["purpose"] == "SIGN" and info["roles"] == ["INDIVIDUAL"]
    assert info["keyAlgorithm"] == "RSA" and info["keySize"] == 2048
    assert info["policies"] == ["1.2.398.3.3.2.1"]
    assert info["crlUrls"][0].endswith("/crl/nca_rsa_test.crl")
    assert info["deltaCrlUrls"][0].endswith("/crl/nca_d_rsa_test.crl")
    assert info["ocspUrls"][0].endswith("/ocsp/")
    assert len(info["fingerprints"]["sha256"]) == 64


def test_legal_entity_and_roles(cert_of, manifest):
    head = cert_of("company_head")
    assert head.bin == manifest["identities"]["company_head"]["bin"]
    assert head.iin == manifest["identities"]["company_head"]["iin"]
    assert head.roles == ("LEGAL_ENTITY", "FIRST_HEAD")
    assert head.organization == 'ТОО "ТЕСТ МЕТАЛЛ"'
    assert cert_of("company_employee").roles == ("LEGAL_ENTITY", "EMPLOYEE")
    assert cert_of("individual_auth").purpose is Purpose.AUTH
    assert cert_of("ocsp_rsa").purpose is Purpose.OTHER
    assert cert_of("ec_individual_sign").key_algorithm == "EC"
    assert cert_of("ca_rsa").is_ca


def _self_signed(subject: x509.Name, extensions=()):
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now)
               .not_valid_after(now + dt.timedelta(days=1)))
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return Certificate.from_x509(builder.sign(key, hashes.SHA256()))


def test_no_eku_and_over_long_names_are_described():
    long_org = "Қазақстан Республикасы Мемлекеттік органдарының куәландырушы орталығы ұзын атауы"
    assert len(long_org) > 64
    cert = _self_signed(x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "ГОСОРГАН ТЕСТ", _validate=False),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, long_org, _validate=False),
    ]))
    reloaded = Certificate.load(cert.der)
    assert reloaded.organization == long_org
    assert reloaded.purpose is Purpose.UNKNOWN
    assert reloaded.roles == ()
    assert reloaded.describe()["purpose"] == "UNKNOWN"


def test_unknown_extensions():
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.398.3.3.5"), b"\x30\x0b\x06\x09*\x83\x0e\x03\x03\x05\x01\x01")
    cert = _self_signed(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "X")]), [(unknown, False)])
    assert cert.unknown_critical_extensions == ()
    critical = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\x05\x00")
    cert = _self_signed(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "X")]), [(critical, True)])
    assert cert.unknown_critical_extensions == ("1.2.3.4.5",)


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def test_gost_certificate_is_recognised(cert_of):
    """A GOST-2015-512 certificate (built with asn1crypto) is described, algorithm named by OID."""
    template = asn1_x509.Certificate.load(cert_of("individual_sign").der)
    tbs = template["tbs_certificate"].copy()
    gost_sig = {"algorithm": "1.2.398.3.10.1.1.2.3.2"}
    tbs["signature"] = algos.SignedDigestAlgorithm(gost_sig)
    algorithm = _tlv(0x30, core.ObjectIdentifier("1.2.398.3.10.1.1.2.2").dump())
    key_bits = _tlv(0x03, b"\x00" + core.OctetString(os.urandom(128)).dump())
    tbs["subject_public_key_info"] = keys.PublicKeyInfo.load(_tlv(0x30, algorithm + key_bits))
    der = asn1_x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": gost_sig,
                                 "signature_value": os.urandom(128)}).dump()
    cert = Certificate.load(der)
    assert cert.key_algorithm == "GOST 34.10-2015 (512)" and cert.is_gost and cert.key_size == 512
    assert cert.signature_algorithm == "GOST 34.10-2015 with GOST 34.11-2015 (512)"
    assert cert.describe()["subject"]["iin"] == template.subject.native["serial_number"][3:]


@pytest.mark.parametrize("data", [b"", b"garbage", b"\x30\x82\x01\x00", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])
def test_not_a_certificate(data):
    with pytest.raises(CertificateError) as exc:
        Certificate.load(data)
    assert exc.value.code == "CERT_MALFORMED"


def test_pem_and_der_load_the_same(cert_of):
    cert = cert_of("company_head")
    pem = cert.x509.public_bytes(serialization.Encoding.PEM)
    assert Certificate.load(pem).sha256 == cert.sha256
