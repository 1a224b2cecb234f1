"""Hostile certificates for the signer check, each paired with the reason code it must give.

The material is the session's test PKI: its RSA root and issuing CA sign whatever a case needs, starting from
a genuine NCA-like signing certificate (``individual_sign``) whose extensions and names are copied, so only the
property under test differs. Edits that no certificate builder allows (a negative serial, a signature OID the
key cannot have) are made on the DER with asn1crypto and signed again with the CA's key.

``CASES``: hostile inputs that must be refused with ``expected``. ``CONTROLS``: unusual but valid certificates
(very long names, no EKU) that must pass; they prove the corpus refuses for the right reason.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from eds.pki.keys import SigningKey
from test_pki.model import read_password

TEMPLATE = "individual_sign"


@dataclass(frozen=True)
class Party:
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class Material:
    """The test PKI's RSA hierarchy and the genuine certificate every case starts from."""

    root: Party
    ca: Party
    template: x509.Certificate
    manifest: dict

    @classmethod
    def load(cls, pki_dir: Path) -> "Material":
        manifest = json.loads((pki_dir / "manifest.json").read_text(encoding="utf-8"))

        def party(name: str) -> Party:
            info = manifest["authorities"][name]
            key = SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), read_password(pki_dir))
            return Party(key.private_key, key.certificate.x509)

        template = x509.load_pem_x509_certificate((pki_dir / manifest["identities"][TEMPLATE]["certificate"])
                                                  .read_bytes())
        return cls(party("root_rsa"), party("ca_rsa"), template, manifest)


@dataclass(frozen=True)
class Case:
    """A certificate (or anything given in its place) and the reason code that must be among the reasons."""

    data: object
    expected: str
    extra_certs: tuple[bytes, ...] = ()
    kwargs: dict = field(default_factory=dict)


CASES: dict[str, Callable[[Material], Case]] = {}
CONTROLS: dict[str, Callable[[Material], Case]] = {}


def case(function: Callable[[Material], Case]) -> Callable[[Material], Case]:
    CASES[function.__name__] = function
    return function


def control(function: Callable[[Material], Case]) -> Callable[[Material], Case]:
    CONTROLS[function.__name__] = function
    return function


# --- building blocks -------------------------------------------------------------------------------------


_KEYS: list[rsa.RSAPrivateKey] = []


def subject_key() -> rsa.RSAPrivateKey:
    """One RSA key for every generated subject: key generation is the slow part and the key is not under test."""
    if not _KEYS:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[0]


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def issue(material: Material, *, issuer: Party | None = None, subject: x509.Name | None = None,
          skip: tuple[x509.ObjectIdentifier, ...] = (), add: tuple[tuple[x509.ExtensionType, bool], ...] = (),
          not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
          key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None,
          issuer_name: x509.Name | None = None) -> x509.Certificate:
    """A copy of the template with the given changes, signed by ``issuer`` (the issuing CA by default)."""
    issuer = issuer or material.ca
    key = key or subject_key()
    builder = (x509.CertificateBuilder()
               .subject_name(subject or material.template.subject)
               .issuer_name(issuer_name or issuer.cert.subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before or now() - dt.timedelta(days=1))
               .not_valid_after(not_after or now() + dt.timedelta(days=300)))
    replaced = {value.oid for value, _ in add}
    for extension in material.template.extensions:
        if extension.oid in skip or extension.oid in replaced or extension.oid in (
                ExtensionOID.SUBJECT_KEY_IDENTIFIER, ExtensionOID.AUTHORITY_KEY_IDENTIFIER):
            continue
        builder = builder.add_extension(extension.value, extension.critical)
    for value, critical in add:
        builder = builder.add_extension(value, critical)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False)
    return builder.sign(issuer.key, hashes.SHA256())


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def resigned(certificate: bytes, edit: Callable[[ax509.TbsCertificate], None], signer: Party,
             signature_oid: str = "sha256_rsa", outer_oid: str | None = None,
             digest: hashes.HashAlgorithm = hashes.SHA256()) -> bytes:
    """Edit the TBSCertificate with asn1crypto (which allows what builders refuse) and sign it again."""
    parsed = ax509.Certificate.load(certificate)
    tbs = parsed["tbs_certificate"].copy()
    edit(tbs)
    tbs["signature"] = {"algorithm": signature_oid}
    body = tbs.dump(force=True)
    if isinstance(signer.key, rsa.RSAPrivateKey):
        value = signer.key.sign(body, padding.PKCS1v15(), digest)
    else:
        value = signer.key.sign(body, ec.ECDSA(digest))
    return ax509.Certificate({"tbs_certificate": tbs, "signature_algorithm": {"algorithm": outer_oid or signature_oid},
                              "signature_value": value}).dump()


def name_with(material: Material, **changes: str) -> x509.Name:
    """The template's subject with some attributes replaced (by NameOID attribute name)."""
    oids = {getattr(NameOID, key): value for key, value in changes.items()}
    attributes = [x509.NameAttribute(a.oid, oids.pop(a.oid)) if a.oid in oids else a for a in material.template.subject]
    attributes += [x509.NameAttribute(oid, value) for oid, value in oids.items()]
    return x509.Name(attributes)


def with_long_names(material: Material, **values: str) -> bytes:
    """The template re-signed by the CA with subject attributes (asn1crypto names: common_name...) replaced by
    values longer than X.520 allows, which ``cryptography`` refuses to build."""
    def edit(tbs: ax509.TbsCertificate) -> None:
        rdns = []
        for rdn in tbs["subject"].chosen:
            attribute = rdn[0]
            kind = attribute["type"].native
            if kind in values:
                attribute = ax509.NameTypeAndValue({"type": kind, "value": ax509.DirectoryString(
                    name="utf8_string", value=values[kind])})
            rdns.append(ax509.RelativeDistinguishedName([attribute]))
        tbs["subject"] = ax509.Name(name="", value=ax509.RDNSequence(rdns))
    return resigned(der(material.template), edit, material.ca)


def signing_key_usage(**bits: bool) -> x509.KeyUsage:
    values = dict(digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
                  key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)
    values.update(bits)
    return x509.KeyUsage(**values)


def truncations(length: int) -> list[int]:
    """Cut points over a certificate's whole DER: its first bytes, every 1/30th, and its last bytes."""
    return sorted({1, 2, 3, 4, 5, 8, 16, length - 1, length - 2, length - 3} | {length * k // 30 for k in range(1, 30)})


# --- not a certificate --------------------------------------------------------------------------------------


GARBAGE: dict[str, object] = {
    "empty": b"",
    "none": None,
    "integer": 12345,
    "text_not_bytes": "MIIB",
    "list": [b"0\x82"],
    "dict": {"certificate": b"0"},
    "one_zero_byte": b"\x00",
    "sequence_header_only": b"\x30\x82\xff\xff",
    "huge_length": b"\x30\x84\x7f\xff\xff\xff" + bytes(64),
    "indefinite_length": b"\x30\x80" + bytes(64),
    "deep_nesting": b"\x30\x80" * 20_000,
    "random_bytes": random.Random(5).randbytes(1500),
    "pem_garbage_body": b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n",
    "pem_random_base64": b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(random.Random(6).randbytes(900))
    + b"-----END CERTIFICATE-----\n",
    "pem_no_end": b"-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n",
    "pem_header_only": b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    "pem_wrong_label_random": b"-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEA\n"
    b"-----END PRIVATE KEY-----\n",
    "base64_of_nothing_useful": base64.b64encode(b"certificate please"),
    "utf16_text": "сертификат".encode("utf-16"),
}

for _name, _value in GARBAGE.items():
    CASES[f"garbage_{_name}"] = (lambda value: lambda material: Case(value, "CERT_MALFORMED"))(_value)


@case
def pem_of_a_private_key(material: Material) -> Case:
    data = subject_key().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
    return Case(data, "CERT_MALFORMED")


@case
def pem_of_a_csr(material: Material) -> Case:
    request = x509.CertificateSigningRequestBuilder().subject_name(material.template.subject).sign(
        subject_key(), hashes.SHA256())
    return Case(request.public_bytes(serialization.Encoding.PEM), "CERT_MALFORMED")


@case
def crl_instead_of_certificate(material: Material) -> Case:
    crl = (x509.CertificateRevocationListBuilder().issuer_name(material.ca.cert.subject).last_update(now())
           .next_update(now() + dt.timedelta(days=1)).sign(material.ca.key, hashes.SHA256()))
    return Case(crl.public_bytes(serialization.Encoding.DER), "CERT_MALFORMED")


@case
def trailing_bytes(material: Material) -> Case:
    return Case(der(material.template) + b"\x00\x00", "CERT_MALFORMED")


@case
def two_certificates_concatenated(material: Material) -> Case:
    return Case(der(material.template) + der(material.ca.cert), "CERT_MALFORMED")


@case
def tbs_only(material: Material) -> Case:
    return Case(ax509.Certificate.load(der(material.template))["tbs_certificate"].dump(), "CERT_MALFORMED")


@case
def version_99(material: Material) -> Case:
    def edit(tbs: ax509.TbsCertificate) -> None:
        tbs["version"] = ax509.Version(99)
    return Case(resigned(der(material.template), edit, material.ca), "CERT_MALFORMED")


@case
def negative_serial(material: Material) -> Case:
    def edit(tbs: ax509.TbsCertificate) -> None:
        tbs["serial_number"] = -123456789
    return Case(resigned(der(material.template), edit, material.ca), "CERT_MALFORMED")


@case
def zero_length_serial(material: Material) -> Case:
    data = der(material.template)
    serial = ax509.Certificate.load(data)["tbs_certificate"]["serial_number"]
    encoded = serial.dump()
    return Case(data.replace(encoded, b"\x02\x00" + bytes(len(encoded) - 2), 1), "CERT_MALFORMED")


@case
def not_after_unparseable_time(material: Material) -> Case:
    data = der(material.template)
    moment = material.template.not_valid_after_utc.strftime("%y%m%d%H%M%SZ").encode()
    return Case(data.replace(moment, b"99AB32256161Z", 1), "CERT_MALFORMED")


@case
def duplicate_extension(material: Material) -> Case:
    def edit(tbs: ax509.TbsCertificate) -> None:
        extensions = list(tbs["extensions"])
        tbs["extensions"] = [*extensions, extensions[0]]
    return Case(resigned(der(material.template), edit, material.ca), "CERT_MALFORMED")


@case
def subject_name_not_utf8(material: Material) -> Case:
    """Found by fuzzing: cryptography reads names lazily, so this used to load and then crash the checks."""
    data = der(material.template)
    name = material.template.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value.encode()
    return Case(data.replace(name, b"\xff" + name[1:], 1), "CERT_MALFORMED")


@case
def issuer_name_not_utf8(material: Material) -> Case:
    data = der(material.template)
    name = material.ca.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value.encode()
    return Case(data.replace(name, name[:-1] + b"\xc0", 1), "CERT_MALFORMED")


@case
def alternative_name_of_unsupported_type(material: Material) -> Case:
    """A subjectAltName holding an x400Address, a GeneralName type cryptography cannot read (found by fuzzing)."""
    extension = x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, b"\x30\x04\xa3\x02\x30\x00")
    return Case(der(issue(material, add=((extension, False),))), "CERT_UNKNOWN_CRITICAL_EXTENSION")


# --- algorithms -----------------------------------------------------------------------------------------------


@case
def unknown_signature_algorithm_oid(material: Material) -> Case:
    return Case(resigned(der(issue(material)), lambda tbs: None, material.ca, "1.2.840.113549.1.1.99"),
                "ALGORITHM_UNSUPPORTED")


@case
def made_up_private_oid(material: Material) -> Case:
    return Case(resigned(der(issue(material)), lambda tbs: None, material.ca, "1.3.6.1.4.1.99999.1.2"),
                "ALGORITHM_UNSUPPORTED")


@case
def outer_and_inner_algorithm_differ(material: Material) -> Case:
    data = resigned(der(issue(material)), lambda tbs: None, material.ca, "sha256_rsa", "sha512_rsa")
    return Case(data, "CHAIN_INVALID")


@case
def relabelled_sha512(material: Material) -> Case:
    return Case(resigned(der(issue(material)), lambda tbs: None, material.ca, "sha512_rsa"), "CHAIN_INVALID")


@case
def relabelled_ecdsa(material: Material) -> Case:
    return Case(resigned(der(issue(material)), lambda tbs: None, material.ca, "sha256_ecdsa"), "CHAIN_INVALID")


@case
def relabelled_gost_2015(material: Material) -> Case:
    return Case(resigned(der(issue(material)), lambda tbs: None, material.ca, "1.2.398.3.10.1.1.2.3.2"),
                "CHAIN_INVALID")


@case
def md5_signature(material: Material) -> Case:
    return Case(resigned(der(issue(material)), lambda tbs: None, material.ca, "md5_rsa"), "ALGORITHM_UNSUPPORTED")


@case
def sha1_signature(material: Material) -> Case:
    return Case(resigned(der(issue(material)), lambda tbs: None, material.ca, "sha1_rsa", digest=hashes.SHA1()),
                "ALGORITHM_NOT_ALLOWED")


@case
def signature_value_flipped(material: Material) -> Case:
    data = bytearray(der(issue(material)))
    data[-5] ^= 0x01
    return Case(bytes(data), "CHAIN_INVALID")


@case
def tbs_edited_after_signing(material: Material) -> Case:
    data = der(issue(material))
    iin = material.manifest["identities"][TEMPLATE]["iin"].encode()
    return Case(data.replace(b"IIN" + iin, b"IIN" + iin[:-1] + (b"0" if iin[-1:] != b"0" else b"1"), 1),
                "CHAIN_INVALID")


# --- extensions and roles ---------------------------------------------------------------------------------------


@case
def critical_unknown_extension(material: Material) -> Case:
    extension = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.398.3.3.99.1"), b"\x05\x00")
    return Case(der(issue(material, add=((extension, True),))), "CERT_UNKNOWN_CRITICAL_EXTENSION")


@case
def critical_unknown_extension_private_arc(material: Material) -> Case:
    extension = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.7"), b"\x04\x02hi")
    return Case(der(issue(material, add=((extension, True),))), "CERT_UNKNOWN_CRITICAL_EXTENSION")


@case
def ca_certificate_as_end_entity(material: Material) -> Case:
    return Case(material.ca.der, "CA_CERTIFICATE")


@case
def root_certificate_as_end_entity(material: Material) -> Case:
    return Case(material.root.der, "CA_CERTIFICATE")


@case
def ca_flag_on_signing_certificate(material: Material) -> Case:
    return Case(der(issue(material, add=((x509.BasicConstraints(ca=True, path_length=None), True),))),
                "CA_CERTIFICATE")


@case
def authentication_key(material: Material) -> Case:
    eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    return Case(der(issue(material, add=((eku, False), (signing_key_usage(content_commitment=False,
                                                                          key_encipherment=True), True)))),
                "NOT_SIGNING_KEY")


@case
def ocsp_signing_key(material: Material) -> Case:
    return Case(der(issue(material, add=((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),))),
                "NOT_SIGNING_KEY")


@case
def role_without_right_to_sign(material: Material) -> Case:
    bin_ = material.manifest["identities"]["company_head"]["bin"]
    subject = name_with(material, ORGANIZATIONAL_UNIT_NAME=f"BIN{bin_}", ORGANIZATION_NAME="ТОО \"ТЕСТ МЕТАЛЛ\"")
    eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier("1.2.398.3.3.4.1.2.5")])
    return Case(der(issue(material, subject=subject, add=((eku, False),))), "ROLE_NOT_ALLOWED",
                kwargs={"expect_bin": bin_})


# --- chains -------------------------------------------------------------------------------------------------------


@case
def self_signed_with_nca_names(material: Material) -> Case:
    key = subject_key()
    builder = (x509.CertificateBuilder().subject_name(material.template.subject).issuer_name(material.template.subject)
               .public_key(key.public_key()).serial_number(material.template.serial_number)
               .not_valid_before(now() - dt.timedelta(days=1)).not_valid_after(now() + dt.timedelta(days=300)))
    for extension in material.template.extensions:
        if extension.oid != ExtensionOID.AUTHORITY_KEY_IDENTIFIER:
            builder = builder.add_extension(extension.value, extension.critical)
    return Case(der(builder.sign(key, hashes.SHA256())), "CHAIN_UNTRUSTED")


@case
def forged_with_real_ca_name_and_key_id(material: Material) -> Case:
    """The genuine certificate's names, serial and authority key id, signed by someone else's key."""
    key = subject_key()
    builder = (x509.CertificateBuilder().subject_name(material.template.subject).issuer_name(material.ca.cert.subject)
               .public_key(key.public_key()).serial_number(material.template.serial_number)
               .not_valid_before(now() - dt.timedelta(days=1)).not_valid_after(now() + dt.timedelta(days=300)))
    for extension in material.template.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    return Case(der(builder.sign(key, hashes.SHA256())), "CHAIN_INVALID")


@case
def self_signed_root_with_nca_name(material: Material) -> Case:
    key = subject_key()
    builder = (x509.CertificateBuilder().subject_name(material.root.cert.subject).issuer_name(material.root.cert.subject)
               .public_key(key.public_key()).serial_number(material.root.cert.serial_number)
               .not_valid_before(now() - dt.timedelta(days=1)).not_valid_after(now() + dt.timedelta(days=300))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), True))
    fake_root = Party(key, builder.sign(key, hashes.SHA256()))
    signed = issue(material, issuer=fake_root, issuer_name=material.root.cert.subject, key=ec.generate_private_key(
        ec.SECP256R1()))
    return Case(der(signed), "CHAIN_UNTRUSTED", extra_certs=(fake_root.der,))


def _intermediate(material: Material, *, not_before: dt.datetime, not_after: dt.datetime,
                  key_usage: x509.KeyUsage | None = None, ca: bool = True, name: str = "ОРТАЛЫҚ TEST") -> Party:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                                        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")]))
               .issuer_name(material.root.cert.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True)
               .add_extension(key_usage or signing_key_usage(digital_signature=False, content_commitment=False,
                                                             key_cert_sign=True, crl_sign=True), True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(material.root.key.public_key()),
                              False))
    return Party(key, builder.sign(material.root.key, hashes.SHA256()))


@case
def expired_ca_in_chain(material: Material) -> Case:
    ca = _intermediate(material, not_before=now() - dt.timedelta(days=400), not_after=now() - dt.timedelta(days=2))
    signed = issue(material, issuer=ca, not_before=now() - dt.timedelta(days=1), not_after=now() + dt.timedelta(days=30))
    return Case(der(signed), "CHAIN_EXPIRED", extra_certs=(ca.der,))


@case
def not_yet_valid_ca_in_chain(material: Material) -> Case:
    ca = _intermediate(material, not_before=now() + dt.timedelta(days=2), not_after=now() + dt.timedelta(days=400))
    return Case(der(issue(material, issuer=ca)), "CHAIN_NOT_YET_VALID", extra_certs=(ca.der,))


@case
def issued_by_an_end_entity(material: Material) -> Case:
    """A "CA" whose basicConstraints say it is no CA, under the real root."""
    ca = _intermediate(material, not_before=now() - dt.timedelta(days=10), not_after=now() + dt.timedelta(days=400),
                       ca=False)
    return Case(der(issue(material, issuer=ca)), "CHAIN_INVALID", extra_certs=(ca.der,))


@case
def ca_without_key_cert_sign(material: Material) -> Case:
    ca = _intermediate(material, not_before=now() - dt.timedelta(days=10), not_after=now() + dt.timedelta(days=400),
                       key_usage=signing_key_usage())
    return Case(der(issue(material, issuer=ca)), "CHAIN_INVALID", extra_certs=(ca.der,))


@case
def beyond_path_length(material: Material) -> Case:
    """The issuing CA has pathLen 0: a sub-CA under it, and a certificate under that, break the constraint."""
    key = ec.generate_private_key(ec.SECP256R1())
    sub = Party(key, issue(material, key=key, subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SUB CA")]),
                           skip=(ExtensionOID.EXTENDED_KEY_USAGE, ExtensionOID.KEY_USAGE),
                           add=((x509.BasicConstraints(ca=True, path_length=None), True),
                                (signing_key_usage(digital_signature=False, content_commitment=False,
                                                   key_cert_sign=True, crl_sign=True), True))))
    return Case(der(issue(material, issuer=sub)), "CHAIN_INVALID", extra_certs=(sub.der,))


@case
def issuer_name_of_real_ca_signed_by_stranger(material: Material) -> Case:
    stranger = Party(ec.generate_private_key(ec.SECP256R1()), material.ca.cert)
    return Case(der(issue(material, issuer=stranger)), "CHAIN_UNTRUSTED")


@case
def expired_end_entity(material: Material) -> Case:
    return Case(der(issue(material, not_before=now() - dt.timedelta(days=60), not_after=now() - dt.timedelta(days=1))),
                "CERT_EXPIRED")


@case
def not_before_after_not_after(material: Material) -> Case:
    def edit(tbs: ax509.TbsCertificate) -> None:
        tbs["validity"] = {"not_before": ax509.Time({"utc_time": now() + dt.timedelta(days=10)}),
                           "not_after": ax509.Time({"utc_time": now() - dt.timedelta(days=10)})}
    return Case(resigned(der(issue(material)), edit, material.ca), "CERT_NOT_YET_VALID")


# --- identity claims against a genuine certificate -----------------------------------------------------------------


@case
def iin_claim_of_someone_else(material: Material) -> Case:
    other = material.manifest["identities"]["company_head"]["iin"]
    return Case(der(material.template), "IIN_MISMATCH", kwargs={"expect_iin": other})


@case
def bin_claim_on_an_individual(material: Material) -> Case:
    return Case(der(material.template), "BIN_MISMATCH",
                kwargs={"expect_bin": material.manifest["identities"]["company_head"]["bin"]})


@case
def iin_in_certificate_with_letters(material: Material) -> Case:
    subject = name_with(material, SERIAL_NUMBER="IIN85041230001X")
    return Case(der(issue(material, subject=subject)), "IIN_MISMATCH",
                kwargs={"expect_iin": material.manifest["identities"][TEMPLATE]["iin"]})


# --- valid but unusual: these must pass --------------------------------------------------------------------------


@control
def long_cyrillic_names(material: Material) -> Case:
    data = with_long_names(material, common_name="ТЕСТОВ ӘБІЛҚАСЫМОВА-ТӨЛЕГЕНОВА " * 6,
                           given_name="ҚАЙРАТҚЫЗЫ" * 10, surname="ТЕСТОВ" * 20)
    return Case(data, "")


@control
def very_long_organisation(material: Material) -> Case:
    return Case(der(issue(material, subject=name_with(material, ORGANIZATION_NAME="Ұ" * 2000))), "")


@control
def long_names_as_pem(material: Material) -> Case:
    data = with_long_names(material, common_name="Т" * 3000, country_name="KZ")
    return Case(x509.load_der_x509_certificate(data).public_bytes(serialization.Encoding.PEM), "")


@control
def no_extended_key_usage(material: Material) -> Case:
    """Neither EKU nor a conclusive KeyUsage: described with purpose UNKNOWN, passed with a warning."""
    return Case(der(issue(material, skip=(ExtensionOID.EXTENDED_KEY_USAGE,),
                          add=((signing_key_usage(key_encipherment=True), True),))), "")


@control
def genuine_with_unreadable_extra_certificate(material: Material) -> Case:
    """A document may carry any bytes as a chain certificate: one whose key cannot be read is ignored (found by
    fuzzing: it used to crash path validation)."""
    extra = bytearray(der(issue(material)))
    spki = ax509.Certificate.load(bytes(extra))["tbs_certificate"]["subject_public_key_info"].dump()
    position = bytes(extra).index(spki) + spki.index(b"\x30\x82\x01\x0a")
    extra[position + 2:position + 4] = b"\xff\xff"  # the RSAPublicKey claims 64 KB inside a 270-byte BIT STRING
    return Case(der(material.template), "", extra_certs=(bytes(extra),))


@control
def critical_known_extensions(material: Material) -> Case:
    policies = x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier("1.2.398.3.3.2.1"), None)])
    return Case(der(issue(material, add=((policies, True),))), "")
