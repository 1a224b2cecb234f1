"""What the hierarchies of the test PKI share: its constants, the CA and identity records, names, URLs, serials.

The RSA/EC hierarchy (:mod:`test_pki.generator`) and the GOST one (:mod:`test_pki.gost`) both build on these,
and the live authority (:mod:`test_pki.authority`) answers with them; keeping them here, apart from either
hierarchy, is what lets the generator import the GOST branch and the authority without an import cycle.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from eds.pki.identity import complete

PASSWORD = "Qwerty12"  # the password NCA's public test keys use; test material only
PASSWORD_FILE = "pkcs12.password"  # where a generated PKI keeps it (0600); manifest.json holds no password
DEFAULT_BASE_URL = "http://127.0.0.1:8780"
POLICY_TEST = "1.2.398.3.3.2.1"
TSA_POLICY = "1.2.398.3.3.2.6.4"
OID_NCA_KEY_STORAGE = x509.ObjectIdentifier("1.2.398.3.3.5")

def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner may read (0600 from the start, not chmod-ed afterwards): keys, the password."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.chmod(path, 0o600)  # a file that existed keeps its mode through os.open


def read_password(pki_dir: Path) -> str:
    """The PKCS#12 password of the generated PKI in ``pki_dir``, from its 0600 password file."""
    return (Path(pki_dir) / PASSWORD_FILE).read_text(encoding="utf-8").rstrip("\r\n")


# Organisations (BINs are made checksum-valid by ``complete``).
COMPANY = ("ТОО \"ТЕСТ МЕТАЛЛ\"", complete("15034000111"))
MINISTRY = ("Қазақстан Республикасы Мәдениет және ақпарат министрлігінің Ақпарат комитеті", complete("12034000222"))
REGION = ("Жамбыл облысы әкімдігінің кәсіпкерлік басқармасы", complete("13054000333"))
# The providers of regulations 003 and 004, with the BINs the example documents print.
CULTURE = ("Жамбыл облысы әкімдігінің мәдениет, архивтер және құжаттама басқармасы", "080340005174")
EAST_KAZAKHSTAN = ("Шығыс Қазақстан облысының ішкі саясат басқармасы", "001140003129")


@dataclass(frozen=True)
class Authority:
    """A CA of the test PKI and the files and URLs that belong to it."""

    name: str
    cn: str
    algorithm: str  # "rsa", "ec" or "gost" (test_pki.gost)
    parent: str | None  # None for a self-signed root
    crl_file: str
    delta_crl_file: str | None
    trusted: bool = True
    path_len: int | None = None


@dataclass(frozen=True)
class Identity:
    """An end-entity certificate of the test PKI and what a correct checker must say about it."""

    name: str
    issuer: str
    cn: str
    surname: str | None
    patronymic: str | None
    iin: str | None
    purpose: str  # SIGN, AUTH, OCSP, TSA
    roles: tuple[str, ...] = ()
    organization: tuple[str, str] | None = None  # (name, BIN)
    expected: str = "VALID"  # VALID, REVOKED, HOLD, EXPIRED, NOT_YET_VALID, UNTRUSTED
    revocation: tuple[str, int, str] | None = None  # (reason, days before now, "full" or "delta")
    validity_days: tuple[int, int] = (-30, 335)  # notBefore, notAfter relative to now
    wrong_cdp: bool = False
    email: str | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)


def make_iin(birth: str, century_sex: str, serial: str) -> str:
    """An IIN from its parts (YYMMDD, the century-and-sex digit, four serial digits) with its check digit."""
    return complete(birth + century_sex + serial)


def serial_for(name: str) -> int:
    """A positive 159-bit serial derived from the name, so that the manifest is reproducible."""
    return int.from_bytes(hashlib.sha256(b"eds-test-pki:" + name.encode()).digest()[:20], "big") >> 1


def identity_entry(identity: Identity, folder: str) -> dict:
    """An identity's manifest entry: its files, numbers, roles and what a checker must say about it."""
    return {
        "description": identity.description,
        "issuer": identity.issuer,
        "certificate": f"{folder}/{identity.name}.pem",
        "pkcs12": f"{folder}/{identity.name}.p12",
        "serial": format(serial_for(identity.name), "x"),
        "iin": identity.iin,
        "bin": identity.organization[1] if identity.organization and identity.organization[1] else None,
        "organization": identity.organization[0] if identity.organization else None,
        "purpose": identity.purpose,
        "roles": list(identity.roles),
        "expected": identity.expected,
        "revocation": (
            {"reason": identity.revocation[0], "days_ago": identity.revocation[1],
             "list": identity.revocation[2]} if identity.revocation else None
        ),
    }


def ca_urls(base_url: str, authority: Authority) -> dict[str, str]:
    """Where ``eds pki serve`` publishes a CA's CRLs, OCSP answers and certificate, as its children name them."""
    return {
        "crl": f"{base_url}/crl/{authority.crl_file}",
        "delta_crl": f"{base_url}/crl/{authority.delta_crl_file}" if authority.delta_crl_file else "",
        "ocsp": f"{base_url}/ocsp/",
        "ca_issuers": f"{base_url}/ca/{authority.name}.cer",
    }


def name_attribute(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute:
    """cryptography caps CN at 64 UTF-8 bytes; NCA names exceed X.520 bounds (Cyrillic is 2 bytes/letter)."""
    return x509.NameAttribute(oid, value, _validate=False)


def subject_name(identity: Identity) -> x509.Name:
    """An end entity's subject in the NCA layout: CN, SURNAME, SERIALNUMBER=IIN..., C, O, OU=BIN..., GIVENNAME."""
    attrs = [name_attribute(NameOID.COMMON_NAME, identity.cn)]
    if identity.surname:
        attrs.append(name_attribute(NameOID.SURNAME, identity.surname))
    if identity.iin:
        attrs.append(name_attribute(NameOID.SERIAL_NUMBER, f"IIN{identity.iin}"))
    attrs.append(name_attribute(NameOID.COUNTRY_NAME, "KZ"))
    if identity.organization:
        org, bin_ = identity.organization
        attrs.append(name_attribute(NameOID.ORGANIZATION_NAME, org))
        if bin_:
            attrs.append(name_attribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{bin_}"))
    if identity.patronymic:
        attrs.append(name_attribute(NameOID.GIVEN_NAME, identity.patronymic))
    if identity.email:
        attrs.append(name_attribute(NameOID.EMAIL_ADDRESS, identity.email))
    return x509.Name(attrs)


def status_extensions(builder: x509.CertificateBuilder, urls: dict[str, str]) -> x509.CertificateBuilder:
    """CRL distribution point, freshest (delta) CRL and AIA (OCSP, CA issuers) pointing at ``urls``; the GOST
    branch passes its own builder of the same ``add_extension`` shape."""
    builder = builder.add_extension(
        x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(urls["crl"])], None, None, None)]), critical=False)
    if urls.get("delta_crl"):
        builder = builder.add_extension(
            x509.FreshestCRL([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(urls["delta_crl"])], None, None, None)]), critical=False)
    return builder.add_extension(
        x509.AuthorityInformationAccess([
            x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                                   x509.UniformResourceIdentifier(urls["ocsp"])),
            x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                                   x509.UniformResourceIdentifier(urls["ca_issuers"])),
        ]), critical=False)
