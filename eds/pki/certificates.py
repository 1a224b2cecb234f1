"""Describe any X.509 certificate in NCA terms: who holds it, what it may be used for, where its status lives.

A description never rejects a certificate for being unusual (no EKU, names longer than X.520 allows,
unknown non-critical extensions, GOST keys that cannot be verified here): it says what it sees. Judging
the certificate is the job of ``paths``, ``revocation`` and ``signer_check``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import hashlib
import warnings
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from eds.errors import CodedError

# cryptography warns on names over 64 UTF-8 bytes; NCA names are Cyrillic and legitimately longer.
warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)

OID_EKU_SIGN = ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string
OID_EKU_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string

# Roles from extendedKeyUsage (NCA_PROFILE.md §2).
ROLE_OIDS: dict[str, str] = {
    "1.2.398.3.3.4.1.1": "INDIVIDUAL",
    "1.2.398.3.3.4.1.2": "LEGAL_ENTITY",
    "1.2.398.3.3.4.1.2.1": "FIRST_HEAD",
    "1.2.398.3.3.4.1.2.2": "RIGHT_TO_SIGN",
    "1.2.398.3.3.4.1.2.3": "RIGHT_TO_SIGN_FINANCIAL",
    "1.2.398.3.3.4.1.2.4": "HR",
    "1.2.398.3.3.4.1.2.5": "EMPLOYEE",
    "1.2.398.3.3.4.2": "NCA_PRIVILEGES",
    "1.2.398.3.3.4.2.1": "NCA_ADMIN",
    "1.2.398.3.3.4.2.2": "NCA_MANAGER",
    "1.2.398.3.3.4.2.3": "NCA_OPERATOR",
    "1.2.398.3.3.4.3": "IDENTIFIED",
    "1.2.398.3.3.4.3.1": "IDENTIFIED_AT_PSC",
    "1.2.398.3.3.4.3.2": "IDENTIFIED_REMOTELY",
    "1.2.398.3.3.4.3.2.1": "IDENTIFIED_DIGITAL_ID",
}
ROLE_TO_OID = {role: oid for oid, role in ROLE_OIDS.items()}

# Roles that may sign on behalf of a legal entity.
SIGNING_AUTHORITY_ROLES = frozenset({"FIRST_HEAD", "RIGHT_TO_SIGN"})

# Public-key and signature algorithms by OID, including the GOST ones that are recognised even where
# they cannot be verified (NCA_PROFILE.md §5).
KEY_ALGORITHMS: dict[str, str] = {
    "1.2.840.113549.1.1.1": "RSA",
    "1.2.840.10045.2.1": "EC",
    "1.3.101.112": "Ed25519",
    "1.2.398.3.10.1.1.1.1": "GOST 34.310-2004",
    "1.2.398.3.10.1.1.2.1": "GOST 34.10-2015 (256)",
    "1.2.398.3.10.1.1.2.2": "GOST 34.10-2015 (512)",
    "1.2.643.7.1.1.1.1": "GOST R 34.10-2012 (256)",
    "1.2.643.7.1.1.1.2": "GOST R 34.10-2012 (512)",
}
GOST_KEY_SIZES = {
    "1.2.398.3.10.1.1.1.1": 256,
    "1.2.398.3.10.1.1.2.1": 256,
    "1.2.398.3.10.1.1.2.2": 512,
    "1.2.643.7.1.1.1.1": 256,
    "1.2.643.7.1.1.1.2": 512,
}
SIGNATURE_ALGORITHMS: dict[str, str] = {
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.10": "RSASSA-PSS",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    "1.3.101.112": "Ed25519",
    "1.2.398.3.10.1.1.1.2": "GOST 34.310-2004 with GOST 34.311-95",
    "1.2.398.3.10.1.1.2.3.1": "GOST 34.10-2015 with GOST 34.11-2015 (256)",
    "1.2.398.3.10.1.1.2.3.2": "GOST 34.10-2015 with GOST 34.11-2015 (512)",
}

_DN_NAMES = {NameOID.SURNAME: "SURNAME", NameOID.SERIAL_NUMBER: "SERIALNUMBER", NameOID.GIVEN_NAME: "G",
             NameOID.EMAIL_ADDRESS: "E"}

OID_SURNAME = NameOID.SURNAME.dotted_string
OID_GIVEN_NAME = NameOID.GIVEN_NAME.dotted_string
OID_SERIAL_NUMBER = NameOID.SERIAL_NUMBER.dotted_string


class CertificateError(CodedError, ValueError):
    """Bytes that are not a certificate; ``code`` is stable and machine-readable."""


class Purpose(enum.Enum):
    SIGN = "SIGN"
    AUTH = "AUTH"
    OTHER = "OTHER"  # an EKU is present but names neither signing nor authentication (OCSP, TSA...)
    UNKNOWN = "UNKNOWN"  # no EKU and an inconclusive KeyUsage (other Kazakh CAs)


# What cryptography raises for an extension it cannot read (a bad value, a GeneralName type it does not support).
_UNREADABLE = (ValueError, x509.UnsupportedGeneralNameType)


def load_certificate(data: bytes) -> x509.Certificate:
    """Load a DER or PEM certificate, raising CertificateError(CERT_MALFORMED) on anything else."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise CertificateError("CERT_MALFORMED", "no certificate data given")
    data = bytes(data)
    try:
        # PEM, also after text (openssl pkcs12 -nokeys writes "Bag Attributes" first); the first certificate
        # block is the one read. A DER certificate starts with its SEQUENCE tag, so it is never searched.
        if not data.startswith(b"\x30") and b"-----BEGIN" in data:
            cert = x509.load_pem_x509_certificate(data)
        else:
            cert = x509.load_der_x509_certificate(data)
        cert.subject, cert.issuer  # noqa: B018  parsed lazily: a broken name must fail here, not in a later check
    except Exception as exc:  # cryptography raises ValueError or its Rust parse errors
        raise CertificateError("CERT_MALFORMED", f"not a valid X.509 certificate: {exc}", {"cause": str(exc)}) from None
    if cert.serial_number <= 0:
        raise CertificateError("CERT_MALFORMED", "the serial number is not positive (RFC 5280 4.1.2.2)")
    try:
        cert.extensions
    except x509.DuplicateExtension as exc:
        raise CertificateError("CERT_MALFORMED", f"an extension appears twice (RFC 5280 4.2): {exc}",
                               {"cause": str(exc)}) from None
    except _UNREADABLE:
        pass  # an unreadable extension is judged by the checks (unknown_critical_extensions), not here
    return cert


def _attr(name: x509.Name, oid: str) -> str | None:
    for attribute in name:
        if attribute.oid.dotted_string == oid:
            return str(attribute.value)
    return None


def _digits_after(prefix: str, values: list[str]) -> str | None:
    for value in values:
        if value.upper().startswith(prefix):
            return value[len(prefix):]
    return None


def _extension(cert: x509.Certificate, oid: x509.ObjectIdentifier):
    try:
        return cert.extensions.get_extension_for_oid(oid).value
    except (x509.ExtensionNotFound, *_UNREADABLE):
        return None


@lru_cache(maxsize=4096)
def _load_cached(data: bytes) -> "Certificate":
    cert = load_certificate(data)
    return Certificate(der=cert.public_bytes(serialization.Encoding.DER), x509=cert)


@dataclass(frozen=True)
class Certificate:
    """An X.509 certificate with its NCA reading; wraps the parsed object and its DER bytes."""

    der: bytes
    x509: x509.Certificate = field(repr=False, compare=False)

    @classmethod
    def load(cls, data: bytes) -> "Certificate":
        """Load DER or PEM; the same bytes give the same (cached, immutable) object, so its readings are reused."""
        if not isinstance(data, (bytes, bytearray)):
            raise CertificateError("CERT_MALFORMED", "no certificate data given")
        return _load_cached(bytes(data))

    @classmethod
    def from_x509(cls, cert: x509.Certificate) -> "Certificate":
        return cls(der=cert.public_bytes(serialization.Encoding.DER), x509=cert)

    # identity
    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @cached_property
    def sha1(self) -> str:
        return hashlib.sha1(self.der).hexdigest()

    @property
    def serial_hex(self) -> str:
        return format(self.x509.serial_number, "x")

    @cached_property
    def subject_dn(self) -> str:
        return self.x509.subject.rfc4514_string(_DN_NAMES)

    @cached_property
    def issuer_dn(self) -> str:
        return self.x509.issuer.rfc4514_string(_DN_NAMES)

    @cached_property
    def _subject(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for attribute in self.x509.subject:
            values.setdefault(attribute.oid.dotted_string, []).append(str(attribute.value))
        return values

    def _first(self, oid: str) -> str | None:
        found = self._subject.get(oid)
        return found[0] if found else None

    @property
    def not_before(self) -> _dt.datetime:
        return self.x509.not_valid_before_utc

    @property
    def not_after(self) -> _dt.datetime:
        return self.x509.not_valid_after_utc

    # subject in NCA terms
    @property
    def common_name(self) -> str | None:
        return self._first(NameOID.COMMON_NAME.dotted_string)

    @property
    def surname(self) -> str | None:
        return self._first(OID_SURNAME)

    @property
    def first_name(self) -> str | None:
        """The first name exists only inside CN ("SURNAME FIRSTNAME"), after the surname."""
        cn, surname = self.common_name, self.surname
        if not cn:
            return None
        if surname and cn.upper().startswith(surname.upper()):
            rest = cn[len(surname):].strip()
            return rest or None
        parts = cn.split(maxsplit=1)
        return parts[1] if len(parts) == 2 else None

    @property
    def patronymic(self) -> str | None:
        """GIVENNAME holds the patronymic in NCA certificates, not the first name."""
        return self._first(OID_GIVEN_NAME)

    @property
    def organization(self) -> str | None:
        return self._first(NameOID.ORGANIZATION_NAME.dotted_string)

    @property
    def email(self) -> str | None:
        return self._first(NameOID.EMAIL_ADDRESS.dotted_string)

    @property
    def country(self) -> str | None:
        return self._first(NameOID.COUNTRY_NAME.dotted_string)

    @property
    def locality(self) -> str | None:
        return self._first(NameOID.LOCALITY_NAME.dotted_string)

    @property
    def state(self) -> str | None:
        return self._first(NameOID.STATE_OR_PROVINCE_NAME.dotted_string)

    @property
    def iin(self) -> str | None:
        return _digits_after("IIN", self._subject.get(OID_SERIAL_NUMBER, []))

    @property
    def bin(self) -> str | None:
        """The company BIN from OU, or from SERIALNUMBER on a system certificate without a person."""
        return _digits_after("BIN", self._subject.get(NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string, [])) or (
            _digits_after("BIN", self._subject.get(OID_SERIAL_NUMBER, []))
        )

    # purpose and roles
    @cached_property
    def eku_oids(self) -> tuple[str, ...]:
        eku = _extension(self.x509, ExtensionOID.EXTENDED_KEY_USAGE)
        return tuple(oid.dotted_string for oid in eku) if eku is not None else ()

    @cached_property
    def key_usage(self) -> tuple[str, ...]:
        ku = _extension(self.x509, ExtensionOID.KEY_USAGE)
        if ku is None:
            return ()
        names = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                 "key_agreement", "key_cert_sign", "crl_sign"]
        return tuple(n for n in names if getattr(ku, n))

    @property
    def purpose(self) -> Purpose:
        """EKU decides first; KeyUsage only when EKU says nothing (GOST-2015 sets all KU bits)."""
        if OID_EKU_SIGN in self.eku_oids:
            return Purpose.SIGN
        if OID_EKU_AUTH in self.eku_oids:
            return Purpose.AUTH
        if not self.eku_oids:
            ku = set(self.key_usage)
            if "content_commitment" in ku and "key_encipherment" not in ku:
                return Purpose.SIGN
            if "key_encipherment" in ku and "content_commitment" not in ku:
                return Purpose.AUTH
            return Purpose.UNKNOWN
        return Purpose.OTHER

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(ROLE_OIDS[o] for o in self.eku_oids if o in ROLE_OIDS)

    @property
    def policies(self) -> tuple[str, ...]:
        policies = _extension(self.x509, ExtensionOID.CERTIFICATE_POLICIES)
        return tuple(p.policy_identifier.dotted_string for p in policies) if policies is not None else ()

    # CA facts
    @property
    def is_ca(self) -> bool:
        bc = _extension(self.x509, ExtensionOID.BASIC_CONSTRAINTS)
        return bool(bc is not None and bc.ca)

    @property
    def is_self_issued(self) -> bool:
        return self.x509.subject == self.x509.issuer

    @cached_property
    def subject_key_id(self) -> bytes | None:
        ski = _extension(self.x509, ExtensionOID.SUBJECT_KEY_IDENTIFIER)
        return ski.digest if ski is not None else None

    @cached_property
    def authority_key_id(self) -> bytes | None:
        aki = _extension(self.x509, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
        return aki.key_identifier if aki is not None else None

    # key and algorithms
    @property
    def key_algorithm_oid(self) -> str:
        return self.x509.public_key_algorithm_oid.dotted_string

    @property
    def key_algorithm(self) -> str:
        return KEY_ALGORITHMS.get(self.key_algorithm_oid, self.key_algorithm_oid)

    @cached_property
    def key_size(self) -> int | None:
        if self.key_algorithm_oid in GOST_KEY_SIZES:
            return GOST_KEY_SIZES[self.key_algorithm_oid]
        try:
            key = self.x509.public_key()
        except (UnsupportedAlgorithm, ValueError):
            return None
        if isinstance(key, (rsa.RSAPublicKey, dsa.DSAPublicKey, ec.EllipticCurvePublicKey)):
            return key.key_size
        if isinstance(key, ed25519.Ed25519PublicKey):
            return 256
        if isinstance(key, ed448.Ed448PublicKey):
            return 456
        return None

    @property
    def is_gost(self) -> bool:
        return self.key_algorithm.startswith("GOST")

    @property
    def signature_algorithm_oid(self) -> str:
        return self.x509.signature_algorithm_oid.dotted_string

    @property
    def signature_algorithm(self) -> str:
        return SIGNATURE_ALGORITHMS.get(self.signature_algorithm_oid, self.signature_algorithm_oid)

    # where its status lives
    @cached_property
    def crl_urls(self) -> tuple[str, ...]:
        return self._distribution_urls(ExtensionOID.CRL_DISTRIBUTION_POINTS)

    @cached_property
    def delta_crl_urls(self) -> tuple[str, ...]:
        return self._distribution_urls(ExtensionOID.FRESHEST_CRL)

    def _distribution_urls(self, oid: x509.ObjectIdentifier) -> tuple[str, ...]:
        points = _extension(self.x509, oid)
        urls: list[str] = []
        for point in points or ():
            for name in point.full_name or ():
                if isinstance(name, x509.UniformResourceIdentifier):
                    urls.append(name.value)
        return tuple(urls)

    def _aia(self, method: x509.ObjectIdentifier) -> tuple[str, ...]:
        aia = _extension(self.x509, ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
        return tuple(
            d.access_location.value
            for d in aia or ()
            if d.access_method == method and isinstance(d.access_location, x509.UniformResourceIdentifier)
        )

    @property
    def ocsp_urls(self) -> tuple[str, ...]:
        return self._aia(x509.oid.AuthorityInformationAccessOID.OCSP)

    @property
    def unknown_critical_extensions(self) -> tuple[str, ...]:
        """Critical extensions this service does not understand: such a certificate must not be used."""
        known = {
            ExtensionOID.BASIC_CONSTRAINTS, ExtensionOID.KEY_USAGE, ExtensionOID.EXTENDED_KEY_USAGE,
            ExtensionOID.CERTIFICATE_POLICIES, ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
            ExtensionOID.NAME_CONSTRAINTS, ExtensionOID.POLICY_CONSTRAINTS, ExtensionOID.INHIBIT_ANY_POLICY,
            ExtensionOID.SUBJECT_KEY_IDENTIFIER, ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
            ExtensionOID.OCSP_NO_CHECK, ExtensionOID.CRL_DISTRIBUTION_POINTS, ExtensionOID.FRESHEST_CRL,
            ExtensionOID.AUTHORITY_INFORMATION_ACCESS, ExtensionOID.POLICY_MAPPINGS,
        }
        try:
            extensions = list(self.x509.extensions)
        except _UNREADABLE:
            return ("unparseable",)
        return tuple(e.oid.dotted_string for e in extensions if e.critical and e.oid not in known)

    def describe(self) -> dict:
        """A JSON-ready description, shaped like NCANode's certificate info so integrators feel at home."""
        return self._description

    @cached_property
    def summary(self) -> CertificateSummary:
        """The certificate as a report shows it."""
        return CertificateSummary.of(self)

    @cached_property
    def _description(self) -> dict:
        return self.summary.to_dict()


@dataclass(frozen=True)
class Subject:
    """Whom a certificate names, read the NCA way (the first name inside CN, the patronymic in GIVENNAME)."""

    common_name: str | None
    surname: str | None
    first_name: str | None
    patronymic: str | None
    iin: str | None
    bin: str | None
    organization: str | None
    email: str | None
    country: str | None
    locality: str | None
    state: str | None
    dn: str

    @classmethod
    def of(cls, cert: Certificate) -> Subject:
        return cls(cert.common_name, cert.surname, cert.first_name, cert.patronymic, cert.iin, cert.bin,
                   cert.organization, cert.email, cert.country, cert.locality, cert.state, cert.subject_dn)

    def to_dict(self) -> dict:
        return {"commonName": self.common_name, "surName": self.surname, "firstName": self.first_name,
                "patronymic": self.patronymic, "iin": self.iin, "bin": self.bin, "organization": self.organization,
                "email": self.email, "country": self.country, "locality": self.locality, "state": self.state,
                "dn": self.dn}


@dataclass(frozen=True)
class IssuerName:
    common_name: str | None
    dn: str

    @classmethod
    def of(cls, cert: Certificate) -> IssuerName:
        names = cert.x509.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
        return cls(str(names[0].value) if names else None, cert.issuer_dn)

    def to_dict(self) -> dict:
        return {"commonName": self.common_name, "dn": self.dn}


@dataclass(frozen=True)
class CertificateSummary:
    """A certificate as reports and the API show it (a signer's in every report); its JSON (``to_dict``,
    ``Certificate.describe``) is shaped like NCANode's certificate info so that integrators feel at home."""

    serial_number: str
    subject: Subject
    issuer: IssuerName
    not_before: _dt.datetime
    not_after: _dt.datetime
    purpose: Purpose
    roles: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    key_usage: tuple[str, ...]
    policies: tuple[str, ...]
    key_algorithm: str
    key_size: int | None
    signature_algorithm: str
    is_ca: bool
    sha1: str
    sha256: str
    crl_urls: tuple[str, ...]
    delta_crl_urls: tuple[str, ...]
    ocsp_urls: tuple[str, ...]

    @classmethod
    def of(cls, cert: Certificate) -> CertificateSummary:
        return cls(cert.serial_hex, Subject.of(cert), IssuerName.of(cert), cert.not_before, cert.not_after,
                   cert.purpose, cert.roles, cert.eku_oids, cert.key_usage, cert.policies, cert.key_algorithm,
                   cert.key_size, cert.signature_algorithm, cert.is_ca, cert.sha1, cert.sha256, cert.crl_urls,
                   cert.delta_crl_urls, cert.ocsp_urls)

    def to_dict(self) -> dict:
        return {
            "serialNumber": self.serial_number,
            "subject": self.subject.to_dict(),
            "issuer": self.issuer.to_dict(),
            "notBefore": self.not_before.isoformat(),
            "notAfter": self.not_after.isoformat(),
            "purpose": self.purpose.value,
            "roles": list(self.roles),
            "extendedKeyUsage": list(self.extended_key_usage),
            "keyUsage": list(self.key_usage),
            "policies": list(self.policies),
            "keyAlgorithm": self.key_algorithm,
            "keySize": self.key_size,
            "signatureAlgorithm": self.signature_algorithm,
            "isCA": self.is_ca,
            "fingerprints": {"sha1": self.sha1, "sha256": self.sha256},
            "crlUrls": list(self.crl_urls),
            "deltaCrlUrls": list(self.delta_crl_urls),
            "ocspUrls": list(self.ocsp_urls),
        }
