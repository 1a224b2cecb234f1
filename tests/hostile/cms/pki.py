"""A throw-away PKI for CMS tests: an RSA CA, NCA-like signers (RSA and ECDSA P-256) and TSAs."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eds.signatures import tsp
from test_pki.tsa import make_timestamp_token

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

TSA_POLICY = "1.2.398.3.3.2.6.4"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class Party:
    """A key with its certificate."""

    key: PrivateKey
    cert: x509.Certificate

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


@dataclass(frozen=True)
class Pki:
    ca: Party
    rsa_signer: Party
    ec_signer: Party
    other_signer: Party
    forged_rsa_signer: Party  # same issuer and serial as rsa_signer, another key, not issued by the CA
    tsa: Party  # ECDSA, sole critical EKU timeStamping
    rsa_tsa: Party  # RSA, for pyHanko's RSA-only DummyTimeStamper
    tsa_without_eku: Party
    tsa_noncritical_eku: Party


def _name(common_name: str, iin: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if iin:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"))
    attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"))
    return x509.Name(attributes)


def _issue(
    subject: x509.Name,
    key: PrivateKey,
    issuer: Party | None,
    *,
    ca: bool = False,
    eku: list[x509.ObjectIdentifier] | None = None,
    eku_critical: bool = False,
    serial: int | None = None,
    issuer_name: x509.Name | None = None,
    signing_key: PrivateKey | None = None,
) -> Party:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name or (issuer.cert.subject if issuer else subject))
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=eku_critical)
    signer_key = signing_key or (issuer.key if issuer else key)
    cert = builder.sign(signer_key, hashes.SHA256())
    return Party(key, cert)


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@functools.cache
def cms_pki() -> Pki:
    """Made once per test session: RSA-2048 key generation is the slow part."""
    ca = _issue(_name("ҰКО TEST (RSA)"), _rsa(), None, ca=True)
    signing = [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    stamping = [ExtendedKeyUsageOID.TIME_STAMPING]
    rsa_signer = _issue(_name("ТЕСТОВ ТЕСТ", "123456789011"), _rsa(), ca, eku=signing)
    forged_key = _rsa()
    forged = _issue(
        _name("ТЕСТОВ ТЕСТ", "123456789011"),
        forged_key,
        None,
        eku=signing,
        serial=rsa_signer.cert.serial_number,
        issuer_name=ca.cert.subject,
        signing_key=forged_key,
    )
    return Pki(
        ca=ca,
        rsa_signer=rsa_signer,
        ec_signer=_issue(_name("ЕКІНШІ ТЕСТ", "123456789022"), _ec(), ca, eku=signing),
        other_signer=_issue(_name("ҮШІНШІ ТЕСТ", "123456789033"), _ec(), ca, eku=signing),
        forged_rsa_signer=forged,
        tsa=_issue(_name("TSA TEST"), _ec(), ca, eku=stamping, eku_critical=True),
        rsa_tsa=_issue(_name("TSA TEST (RSA)"), _rsa(), ca, eku=stamping, eku_critical=True),
        tsa_without_eku=_issue(_name("TSA NO EKU"), _ec(), ca),
        tsa_noncritical_eku=_issue(_name("TSA SOFT EKU"), _ec(), ca, eku=stamping),
    )


@functools.cache
def filler_certificates(count: int) -> tuple[bytes, ...]:
    """``count`` distinct CA-issued certificates (one EC key, own serials): chain padding for the limit cases."""
    pki = cms_pki()
    key = _ec()
    return tuple(_issue(_name(f"FILLER {number}"), key, pki.ca).cert_der for number in range(count))


def timestamp_token(
    imprint: bytes, tsa: Party, pki: Pki, *, gen_time: datetime = NOW, include_certificates: bool = True
) -> bytes:
    """A SHA-256 TimeStampToken from ``tsa`` over ``imprint``."""
    return make_timestamp_token(
        imprint,
        tsp.SHA256,
        tsa.key,
        tsa.cert_der,
        TSA_POLICY,
        secrets.randbits(64),
        gen_time,
        secrets.randbits(63),
        [pki.ca.cert_der],
        include_certificates=include_certificates,
    )


def timestamper(tsa: Party, pki: Pki, gen_time: datetime = NOW) -> Callable[[bytes], bytes]:
    """The ``timestamper`` callable sign_cms takes, served by a local TSA."""
    return lambda imprint: timestamp_token(imprint, tsa, pki, gen_time=gen_time)
