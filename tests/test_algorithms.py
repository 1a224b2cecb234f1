"""The one algorithm and key layer: keys sign themselves, one registry verifies, GOST joins it only when installed."""

from __future__ import annotations

import datetime as dt
import io
import pickle
import subprocess
import sys

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from reportlab.pdfgen import canvas

from eds.errors import CodedError
from eds.pki import algorithms
from eds.pki.certificates import Certificate
from eds.pki.gost import OID_KZ_GOST2015_256_SIGNATURE, OID_KZ_GOST2015_512_SIGNATURE
from eds.pki.gost.curves import TC26_512_A
from eds.pki.gost.keys import GostPrivateKey
from eds.pki.keys import HeldKey, SigningKey, belongs_to, held_key
from eds.signatures import cms, pades, xmldsig

DATA = b"the bytes a signature covers"


def _certificate(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, name: str) -> bytes:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER))


def _gost_certificate(key: GostPrivateKey) -> bytes:
    name = asn1_x509.Name.build({"common_name": "GOST TEST", "country_name": "KZ"})
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    algorithm = {"algorithm": key.algorithm_oid}
    tbs = asn1_x509.TbsCertificate({
        "version": "v3", "serial_number": 2015, "signature": algorithm, "issuer": name, "subject": name,
        "validity": {"not_before": asn1_x509.Time(name="utc_time", value=now - dt.timedelta(days=1)),
                     "not_after": asn1_x509.Time(name="utc_time", value=now + dt.timedelta(days=30))},
        "subject_public_key_info": asn1_x509.PublicKeyInfo.load(key.spki),
    })
    return asn1_x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": algorithm,
                                  "signature_value": key.sign(tbs.dump())}).dump()


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[object, bytes]]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    gost_key = GostPrivateKey.generate(TC26_512_A, OID_KZ_GOST2015_512_SIGNATURE)
    return {"rsa": (rsa_key, _certificate(rsa_key, "rsa")), "ec": (ec_key, _certificate(ec_key, "ec")),
            "gost": (gost_key, _gost_certificate(gost_key))}


@pytest.mark.parametrize("kind", ["rsa", "ec", "gost"])
def test_every_key_signs_itself_and_the_one_registry_verifies_it(keys, kind):
    private_key, certificate = keys[kind]
    key = held_key(private_key)
    assert isinstance(key, HeldKey) and key.key_type == kind and belongs_to(key, certificate)
    signature = key.sign(DATA)
    oid = key.signature_algorithm
    assert algorithms.signature(oid).key_type == kind
    assert algorithms.verify(Certificate.load(certificate), DATA, signature, oid)
    assert algorithms.verify(certificate, DATA, signature, oid)  # by DER too, as CMS and XMLDSig ask
    assert not algorithms.verify(certificate, DATA + b"!", signature, oid)


def test_a_key_refuses_an_algorithm_of_another_kind(keys):
    with pytest.raises(algorithms.KeyMismatch):
        held_key(keys["rsa"][0]).sign(DATA, algorithms.ECDSA_WITH_SHA256)
    with pytest.raises(algorithms.KeyMismatch):
        held_key(keys["gost"][0]).sign(DATA, OID_KZ_GOST2015_256_SIGNATURE)
    # and a certificate of the wrong kind is a failed check, not a crash
    signature = held_key(keys["rsa"][0]).sign(DATA)
    assert not algorithms.verify(keys["ec"][1], DATA, signature, algorithms.SHA256_WITH_RSA)
    assert not belongs_to(held_key(keys["rsa"][0]), keys["ec"][1])


def test_a_key_the_service_cannot_use_is_refused_by_name():
    with pytest.raises(TypeError, match="Ed25519PrivateKey"):
        held_key(ed25519.Ed25519PrivateKey.generate())


def test_an_unsupported_algorithm_is_a_coded_refusal_that_survives_pickling():
    with pytest.raises(algorithms.UnsupportedSignatureAlgorithm) as caught:
        algorithms.signature("1.2.3.4")
    error = caught.value
    assert isinstance(error, CodedError) and error.code == "UNSUPPORTED_ALGORITHM" and error.oid == "1.2.3.4"
    again = pickle.loads(pickle.dumps(error))
    assert (again.code, again.message, again.oid) == (error.code, error.message, "1.2.3.4")


class _Spy:
    """A held key that records every signature asked of it: the formats must sign through key.sign only."""

    def __init__(self, private_key: object) -> None:
        self.inner = held_key(private_key)
        self.key_type = self.inner.key_type
        self.signature_algorithm = self.inner.signature_algorithm
        self.public_key_info = self.inner.public_key_info
        self.calls: list[str | None] = []

    def matches(self, spki_der: bytes) -> bool:
        return self.inner.matches(spki_der)

    def sign(self, data: bytes, algorithm: str | None = None) -> bytes:
        self.calls.append(algorithm)
        return self.inner.sign(data, algorithm)


@pytest.mark.parametrize("kind", ["rsa", "ec", "gost"])
def test_cms_and_xmldsig_sign_through_the_held_key(keys, kind):
    private_key, certificate = keys[kind]
    spy = _Spy(private_key)
    assert cms.verify_cms(cms.sign_cms(DATA, spy, certificate)).intact
    signed = xmldsig.sign_xml(b"<request><iin>123456789012</iin></request>", spy, certificate)
    assert xmldsig.verify_xml(signed).intact
    assert spy.calls == [spy.signature_algorithm] * 2


def test_pades_signs_through_the_held_key(keys):
    private_key, certificate = keys["rsa"]
    spy = _Spy(private_key)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, "licence")
    page.save()
    signed = pades.sign_pdf(buffer.getvalue(), SigningKey("spy", spy, Certificate.load(certificate)))
    assert b"/ByteRange" in signed and spy.calls == [algorithms.SHA256_WITH_RSA]


def test_gost_joins_the_registry_only_when_installed():
    """Importing the library registers nothing; the service's objects install GOST when they are built."""
    probe = ("from eds.pki import algorithms; import eds.signatures.cms, eds.signatures.xmldsig, eds.validation.verify, "
             "eds.service; print(algorithms.is_supported('1.2.398.3.10.1.1.2.3.2'), end=' '); "
             "from eds.pki.gost.providers import install; install(); "
             "print(algorithms.is_supported('1.2.398.3.10.1.1.2.3.2'))")
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["False", "True"]


def test_pades_refuses_a_key_it_cannot_use_or_that_is_not_the_certificates(keys):
    buffer = io.BytesIO()
    canvas.Canvas(buffer).save()
    certificate = Certificate.load(keys["rsa"][1])
    for key, code in ((SigningKey("ed", ed25519.Ed25519PrivateKey.generate(), certificate), "KEY_ALGORITHM_UNSUPPORTED"),
                      (SigningKey("other", keys["ec"][0], certificate), "KEY_CERTIFICATE_MISMATCH"),
                      (SigningKey("gost", keys["gost"][0], certificate), "KEY_CERTIFICATE_MISMATCH")):
        with pytest.raises(pades.PdfSigningError) as caught:
            pades.sign_pdf(buffer.getvalue(), key)
        assert caught.value.code == code
