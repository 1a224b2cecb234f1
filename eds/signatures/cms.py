"""CMS SignedData as NCALayer's ``createCAdESFromBase64`` makes it: verify and sign.

This module answers only cryptographic questions: is each SignerInfo intact, what content was signed, which
certificate signed it, and what times are claimed (signingTime) or attested (an RFC 3161 timestamp, CAdES-T).
Judging the certificates (chain, revocation, IIN) is left to the caller, who gets the DER of every certificate.

Digests are looked up in a registry keyed by OID and signature algorithms in ``eds.pki.algorithms``' one, so the GOST
module plugs its algorithms in with :func:`register_digest` and ``algorithms.register``; until it does, a GOST
SignerInfo is reported as ``UNSUPPORTED_ALGORITHM``, never as intact.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import asn1crypto.tsp  # noqa: F401  registers the ESS signing-certificate attributes with asn1crypto.cms
from asn1crypto import algos, core
from asn1crypto import cms as acms
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eds.pki import algorithms

from eds import limits

from eds.signatures import tsp
from eds.signatures.formats import is_whole_pem

DigestFunction = Callable[[bytes], bytes]
"""Hashes the whole message: ``data -> digest``."""

SignatureVerifier = Callable[[bytes, bytes, bytes], bool]
"""``(certificate_der, signed_bytes, signature) -> bool``: hashes ``signed_bytes`` itself."""

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class KeySigning:
    """How a registered key type signs a SignerInfo: its digest and signature algorithms and the signing call."""

    digest_oid: str
    signature_oid: str
    sign: Callable[[bytes], bytes] = field(repr=False)
    """DER of the signed attributes -> signature value, hashing them as ``signature_oid`` says."""


KeySigner = Callable[[object, bytes], KeySigning]
"""``(private_key, certificate_der) -> KeySigning``; raises ValueError when the key is not the certificate's."""

ID_DATA = "1.2.840.113549.1.7.1"
ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
ID_CT_TST_INFO = "1.2.840.113549.1.9.16.1.4"
SHA256 = "2.16.840.1.101.3.4.2.1"
SHA384 = "2.16.840.1.101.3.4.2.2"
SHA512 = "2.16.840.1.101.3.4.2.3"
_SHA1 = "1.3.14.3.2.26"
_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
_RSA_PSS = "1.2.840.113549.1.1.10"
_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_MGF1 = "1.2.840.113549.1.1.8"
_SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
_GOST_ARC = "1.2.398.3.10."

DEFAULT_MAX_BYTES = 64 * 1024 * 1024

# Parsing hostile ASN.1 with asn1crypto surfaces as any of these; all of them mean "malformed".
ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError)

_HASH_CLASSES: dict[str, type[hashes.HashAlgorithm]] = {
    SHA256: hashes.SHA256,
    SHA384: hashes.SHA384,
    SHA512: hashes.SHA512,
}

_DIGESTS: dict[str, DigestFunction] = {
    SHA256: lambda data: hashlib.sha256(data).digest(),
    SHA384: lambda data: hashlib.sha384(data).digest(),
    SHA512: lambda data: hashlib.sha512(data).digest(),
}

# Signature OIDs that name their hash; the SignerInfo's digestAlgorithm must agree with it.
_SIGNATURE_HASH: dict[str, str] = {
    "1.2.840.113549.1.1.11": SHA256,
    "1.2.840.113549.1.1.12": SHA384,
    "1.2.840.113549.1.1.13": SHA512,
    "1.2.840.10045.4.3.2": SHA256,
    "1.2.840.10045.4.3.3": SHA384,
    "1.2.840.10045.4.3.4": SHA512,
}


def _public_key(certificate_der: bytes) -> object:
    spki = ax509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"]
    return serialization.load_der_public_key(spki.dump())


def _pkcs1v15_verifier(hash_oid: str) -> SignatureVerifier:
    def verify(certificate_der: bytes, signed_bytes: bytes, signature: bytes) -> bool:
        key = _public_key(certificate_der)
        if not isinstance(key, rsa.RSAPublicKey):
            return False
        try:
            key.verify(signature, signed_bytes, padding.PKCS1v15(), _HASH_CLASSES[hash_oid]())
        except InvalidSignature:
            return False
        return True

    return verify


def _pss_verifier(hash_oid: str, mgf_hash_oid: str, salt_length: int) -> SignatureVerifier:
    def verify(certificate_der: bytes, signed_bytes: bytes, signature: bytes) -> bool:
        key = _public_key(certificate_der)
        if not isinstance(key, rsa.RSAPublicKey):
            return False
        pss = padding.PSS(mgf=padding.MGF1(_HASH_CLASSES[mgf_hash_oid]()), salt_length=salt_length)
        try:
            key.verify(signature, signed_bytes, pss, _HASH_CLASSES[hash_oid]())
        except InvalidSignature:
            return False
        return True

    return verify


def _ecdsa_verifier(hash_oid: str) -> SignatureVerifier:
    def verify(certificate_der: bytes, signed_bytes: bytes, signature: bytes) -> bool:
        key = _public_key(certificate_der)
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return False
        try:
            key.verify(signature, signed_bytes, ec.ECDSA(_HASH_CLASSES[hash_oid]()))
        except InvalidSignature:
            return False
        return True

    return verify


_SIGNATURES: dict[str, SignatureVerifier] = {
    oid: (_pkcs1v15_verifier(h) if oid.startswith("1.2.840.113549") else _ecdsa_verifier(h))
    for oid, h in _SIGNATURE_HASH.items()
}


_KEY_AS_SIGNATURE: dict[str, str] = {}
_KEY_SIGNERS: dict[type, KeySigner] = {}


def register_digest(oid: str, function: DigestFunction) -> None:
    """Let CMS verification use a digest algorithm it does not know (GOST 34.311-95, Streebog)."""
    _DIGESTS[oid] = function


def register_key_algorithm(key_oid: str, signature_oid: str) -> None:
    """A SignerInfo may name the key algorithm instead of the signature one (as rsaEncryption does, and NCA GOST
    tools do): verify it as ``signature_oid`` (a GOST key OID as its GOST 34.10 signature)."""
    _KEY_AS_SIGNATURE[key_oid] = signature_oid


def register_signer(key_type: type, signer: KeySigner) -> None:
    """Let :func:`sign_cms` and :func:`add_signer` sign with a key type ``cryptography`` lacks (a GOST key)."""
    _KEY_SIGNERS[key_type] = signer


def key_signing(private_key: object, certificate_der: bytes) -> KeySigning | None:
    """How a registered key type (GOST) signs a SignerInfo, or None for the keys ``cryptography`` signs with."""
    signer = _KEY_SIGNERS.get(type(private_key))
    return signer(private_key, certificate_der) if signer is not None else None


def digest_function(oid: str) -> DigestFunction | None:
    """The registered digest for ``oid``, or None: the one lookup that timestamps and ESS hashes share."""
    return _DIGESTS.get(oid)


@dataclass(frozen=True)
class CmsSignerResult:
    """What one SignerInfo proves. ``intact`` says only that the cryptography holds, not that the signer is trusted."""

    index: int
    intact: bool
    failure: str | None
    message: str
    certificate_der: bytes | None = field(repr=False)
    other_certificates: tuple[bytes, ...] = field(repr=False)
    digest_algorithm: str | None
    signature_algorithm: str | None
    claimed_signing_time: datetime | None
    timestamp: tsp.TimestampInfo | None


@dataclass(frozen=True)
class CmsVerification:
    """The verdict on a whole CMS. ``content`` is given only when every SignerInfo is intact."""

    failure: str | None
    message: str
    signers: tuple[CmsSignerResult, ...] = ()
    content: bytes | None = field(default=None, repr=False)
    content_type: str | None = None
    detached: bool = False
    certificates: tuple[bytes, ...] = field(default=(), repr=False)
    details: dict[str, object] | None = None
    """For ``TOO_COMPLEX``: the limit, its maximum and what the CMS holds (``eds.limits``)."""

    @property
    def intact(self) -> bool:
        """True when the document parsed and every one of its (at least one) SignerInfos is intact."""
        return self.failure is None and bool(self.signers) and all(s.intact for s in self.signers)


class _Fail(Exception):
    def __init__(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class _Cert:
    der: bytes
    parsed: ax509.Certificate


_WHITESPACE = re.compile(rb"\s+")


def _decode_input(data: bytes | str, max_bytes: int) -> bytes:
    """DER as is; PEM or Base64 (as NCALayer hands it over) decoded. Raises _Fail."""
    if isinstance(data, str):
        try:
            data = data.encode("ascii")
        except UnicodeEncodeError:
            raise _Fail("CMS_MALFORMED", "text input is not ASCII Base64 or PEM") from None
    if len(data) > 2 * max_bytes:
        raise _Fail("TOO_LARGE", f"input of {len(data)} bytes exceeds the limit")
    if data[:1] != b"\x30":
        pem = is_whole_pem(data)  # a PEM block counts only as the whole input (eds.signatures.formats)
        body = pem if pem is not None else data
        try:
            data = base64.b64decode(_WHITESPACE.sub(b"", body), validate=True)
        except (binascii.Error, ValueError):
            raise _Fail("CMS_MALFORMED", "input is neither DER nor valid Base64/PEM") from None
    if not data:
        raise _Fail("CMS_MALFORMED", "input is empty")
    if len(data) > max_bytes:
        raise _Fail("TOO_LARGE", f"CMS of {len(data)} bytes exceeds the limit of {max_bytes}")
    if data[:1] != b"\x30":
        raise _Fail("CMS_MALFORMED", "input does not start with an ASN.1 SEQUENCE")
    return data


def _load_signed_data(der: bytes) -> acms.SignedData:
    """Parse a ContentInfo down to its SignedData skeleton, so later lazy parsing meets only SignerInfos."""
    try:
        info = acms.ContentInfo.load(der, strict=True)
        if info["content_type"].dotted != ID_SIGNED_DATA:
            raise _Fail("NOT_SIGNED_DATA", f"content type is {info['content_type'].dotted}, not signedData")
        signed_data = info["content"]
        if not isinstance(signed_data, acms.SignedData):
            raise _Fail("CMS_MALFORMED", "signedData content is missing")
        int(signed_data["version"])
        signed_data["encap_content_info"]["content_type"].dotted  # noqa: B018  forces parsing
        _econtent(signed_data)
        list(signed_data["digest_algorithms"])
        list(signed_data["signer_infos"])
        return signed_data
    except ASN1_ERRORS as error:
        if _is_timestamp_response(der):
            raise _Fail("NO_SIGNERS", "this is a TSA's TimeStampResp: evidence of time, not a signature",
                        {"kind": "TimeStampResp"}) from None
        raise _Fail("CMS_MALFORMED", f"not a well-formed CMS structure: {error}") from None


def _is_timestamp_response(der: bytes) -> bool:
    """An RFC 3161 TimeStampResp (status + token), which a confused or hostile client may send as a signature."""
    try:
        response = tsp.TimeStampResp.load(der, strict=True)  # its token is optional: a rejection has none
        int(response["status"]["status"])
        response["time_stamp_token"].native  # noqa: B018  forces parsing
        return True
    except ASN1_ERRORS:
        return False


def _econtent(signed_data: acms.SignedData) -> bytes | None:
    content = signed_data["encap_content_info"]["content"]
    if isinstance(content, core.Void):
        return None
    if not isinstance(content, (core.OctetString, core.ParsableOctetString)):
        raise ValueError("eContent is not an OCTET STRING")
    return bytes(content)


def _certificates(signed_data: acms.SignedData) -> list[_Cert]:
    """Embedded X.509 certificates that parse, each once; anything else in the set cannot identify a signer.

    Duplicates are dropped by their DER in a dict (linear, whatever their number) before the distinct ones
    are counted against ``cms_certificates`` and only then parsed; past the limit ``TooComplex`` is raised.
    """
    certificates = signed_data["certificates"]
    if isinstance(certificates, core.Void):
        return []
    distinct: dict[bytes, ax509.Certificate] = {}
    try:
        for choice in certificates:  # parsed lazily: a SignedData that pyHanko read is not parsed this far yet
            if choice.name == "certificate":
                distinct.setdefault(choice.chosen.dump(), choice.chosen)
    except ASN1_ERRORS:
        return []  # an unreadable certificate set holds no certificate that could identify a signer
    limits.require("cms_certificates", len(distinct))
    found: list[_Cert] = []
    for der, cert in distinct.items():
        try:
            cert.issuer.hashable  # noqa: B018  forces parsing of what sid matching reads
            int(cert.serial_number)
            cert.key_identifier  # noqa: B018
        except ASN1_ERRORS:
            continue
        found.append(_Cert(der, cert))
    return found


def _bounded(signed_data: acms.SignedData) -> list[_Cert]:
    """The limits of one SignedData, counted before any signature is verified; its distinct certificates."""
    limits.require("cms_signer_infos", len(signed_data["signer_infos"]))
    return _certificates(signed_data)


def verify_cms(
    data: bytes | str, *, detached_content: bytes | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> CmsVerification:
    """Verify every SignerInfo of a CMS SignedData (DER, Base64 or PEM). Never raises on hostile input."""
    try:
        der = _decode_input(data, max_bytes)
        signed_data = _load_signed_data(der)
        version = int(signed_data["version"])
        if version not in (1, 3, 4, 5):
            raise _Fail("UNSUPPORTED_VERSION", f"SignedData version {version} is not 1, 3, 4 or 5")
        content_type = signed_data["encap_content_info"]["content_type"].dotted
        if content_type == ID_CT_TST_INFO:
            raise _Fail("NO_SIGNERS", "this is a bare RFC 3161 timestamp token: evidence of time, not a signature",
                        {"kind": "TimeStampToken"})
        attached = _econtent(signed_data)
        if attached is not None and detached_content is not None and attached != detached_content:
            raise _Fail("CONTENT_CONFLICT", "the CMS carries content that differs from the detached content given")
        content = attached if attached is not None else detached_content
        if content is None:
            raise _Fail("DETACHED_CONTENT_MISSING", "the CMS is detached and no content was given")
        if len(signed_data["signer_infos"]) == 0:
            raise _Fail("NO_SIGNERS", "the SignedData has no SignerInfo")
        certs = _bounded(signed_data)
        signers = _verify_signers(signed_data, content, certs, check_timestamps=True,
                                  require_signing_certificate=False)
    except _Fail as failure:
        return CmsVerification(failure=failure.code, message=failure.message, details=failure.details)
    except limits.TooComplex as exc:
        return CmsVerification(failure=exc.code, message=exc.message, details=exc.details)
    except ASN1_ERRORS as error:
        return CmsVerification(failure="CMS_MALFORMED", message=f"not a well-formed CMS structure: {error}")
    intact = all(s.intact for s in signers)
    return CmsVerification(
        failure=None,
        message="all signatures intact" if intact else "at least one signature is not intact",
        signers=signers,
        content=content if intact else None,
        content_type=content_type,
        detached=attached is None,
        certificates=tuple(c.der for c in certs),
    )


def verify_signed_data(
    signed_data: acms.SignedData,
    content: bytes,
    *,
    check_timestamps: bool = True,
    require_signing_certificate: bool = False,
) -> tuple[CmsSignerResult, ...]:
    """Check each SignerInfo of an already parsed SignedData over ``content``: the timestamp-token check reuses it.

    Raises ``limits.TooComplex`` past ``cms_signer_infos`` or ``cms_certificates``, before any signature is checked.
    """
    return _verify_signers(signed_data, content, _bounded(signed_data), check_timestamps, require_signing_certificate)


def _verify_signers(
    signed_data: acms.SignedData,
    content: bytes,
    certs: Sequence[_Cert],
    check_timestamps: bool,
    require_signing_certificate: bool,
) -> tuple[CmsSignerResult, ...]:
    content_type = signed_data["encap_content_info"]["content_type"].dotted
    index = _CertIndex(certs)
    results = []
    for position, signer_info in enumerate(signed_data["signer_infos"]):
        limits.checkpoint()
        results.append(_verify_signer(position, signer_info, content, content_type, certs, index, check_timestamps,
                                      require_signing_certificate))
    return tuple(results)


def _verify_signer(
    index: int,
    signer_info: acms.SignerInfo,
    content: bytes,
    content_type: str,
    certs: Sequence[_Cert],
    cert_index: "_CertIndex",
    check_timestamps: bool,
    require_signing_certificate: bool,
) -> CmsSignerResult:
    found: dict[str, object] = {
        "certificate_der": None,
        "digest_algorithm": None,
        "signature_algorithm": None,
        "claimed_signing_time": None,
        "timestamp": None,
    }
    try:
        _check_signer(signer_info, content, content_type, cert_index, found, check_timestamps,
                      require_signing_certificate)
        failure, message = None, "intact"
    except _Fail as fail:
        failure, message = fail.code, fail.message
    except limits.TooComplex:
        raise
    except ASN1_ERRORS as error:
        failure, message = "SIGNER_INFO_MALFORMED", f"SignerInfo does not parse: {error}"
    signer_der = found["certificate_der"]
    return CmsSignerResult(
        index=index,
        intact=failure is None,
        failure=failure,
        message=message,
        other_certificates=tuple(c.der for c in certs if c.der != signer_der),
        **found,  # type: ignore[arg-type]
    )


def _check_signer(
    signer_info: acms.SignerInfo,
    content: bytes,
    content_type: str,
    certs: "_CertIndex",
    found: dict[str, object],
    check_timestamps: bool,
    require_signing_certificate: bool,
) -> None:
    """Raise _Fail with the first failed check; fill ``found`` with what was learnt on the way."""
    version = int(signer_info["version"])
    if version not in (1, 3):
        raise _Fail("UNSUPPORTED_VERSION", f"SignerInfo version {version} is not 1 or 3")
    digest_oid = signer_info["digest_algorithm"]["algorithm"].dotted
    signature_algorithm = signer_info["signature_algorithm"]
    found["digest_algorithm"] = digest_oid
    found["signature_algorithm"] = signature_algorithm["algorithm"].dotted
    cert = certs.signer(signer_info["sid"])
    if cert is not None:
        found["certificate_der"] = cert.der

    signed_attrs = signer_info["signed_attrs"]
    if isinstance(signed_attrs, core.Void) or len(signed_attrs) == 0:
        raise _Fail("MISSING_SIGNED_ATTRIBUTES", "CAdES requires signed attributes; this SignerInfo has none")
    attrs = _signed_attributes(signed_attrs)
    if attrs.get("signing_time"):
        found["claimed_signing_time"] = _single(attrs, "signing_time").native.astimezone(timezone.utc)

    digest = digest_function(digest_oid)
    if digest is None:
        raise _unsupported("digest", digest_oid)
    verifier = _signature_verifier(signature_algorithm, digest_oid)

    if not attrs.get("content_type") or not attrs.get("message_digest"):
        raise _Fail("MISSING_SIGNED_ATTRIBUTES", "the contentType or messageDigest signed attribute is missing")
    claimed_type = _single(attrs, "content_type").dotted
    if claimed_type != content_type:
        raise _Fail("CONTENT_TYPE_MISMATCH", f"contentType attribute {claimed_type} is not eContentType {content_type}")
    if not hmac.compare_digest(_single(attrs, "message_digest").native, digest(content)):
        raise _Fail("DIGEST_MISMATCH", "the content does not match the signed message digest")

    if cert is None:
        raise _Fail("SIGNER_CERTIFICATE_NOT_FOUND", "no embedded certificate matches the signer identifier")
    signed_bytes = b"\x31" + signed_attrs.dump()[1:]  # the attributes are signed as a SET, not as [0]
    try:
        valid = verifier(cert.der, signed_bytes, signer_info["signature"].native)
    except (ValueError, UnsupportedAlgorithm):
        valid = False
    if not valid:
        raise _Fail("SIGNATURE_INVALID", "the signature over the signed attributes does not verify")

    _check_signing_certificate(attrs, cert, require_signing_certificate)
    if check_timestamps:
        _check_timestamps(signer_info, found)


def _unsupported(kind: str, oid: str) -> _Fail:
    hint = " (GOST: the GOST module has not registered it)" if oid.startswith(_GOST_ARC) else ""
    return _Fail("UNSUPPORTED_ALGORITHM", f"{kind} algorithm {oid} is not supported{hint}")


def _signature_verifier(algorithm: algos.SignedDigestAlgorithm, digest_oid: str) -> SignatureVerifier:
    """Resolve the verifier: some OIDs name the hash, others take it from digestAlgorithm or parameters."""
    oid = algorithm["algorithm"].dotted
    if oid == _RSA_ENCRYPTION and digest_oid in _HASH_CLASSES:
        return _pkcs1v15_verifier(digest_oid)
    if oid == _EC_PUBLIC_KEY and digest_oid in _HASH_CLASSES:
        return _ecdsa_verifier(digest_oid)
    if oid == _RSA_PSS:
        return _pss_from_parameters(algorithm["parameters"], digest_oid)
    oid = _KEY_AS_SIGNATURE.get(oid, oid)
    expected = _SIGNATURE_HASH.get(oid)
    if expected is not None and expected != digest_oid:
        raise _Fail("ALGORITHM_MISMATCH", f"signature algorithm {oid} does not use digest {digest_oid}")
    verifier = _SIGNATURES.get(oid) or algorithms.registered(oid)
    if verifier is None:
        raise _unsupported("signature", oid)
    return verifier


def _pss_from_parameters(params: algos.RSASSAPSSParams, digest_oid: str) -> SignatureVerifier:
    hash_oid = params["hash_algorithm"]["algorithm"].dotted
    mgf = params["mask_gen_algorithm"]
    mgf_hash_oid = mgf["parameters"]["algorithm"].dotted if mgf["algorithm"].dotted == _MGF1 else None
    if hash_oid not in _HASH_CLASSES or mgf_hash_oid not in _HASH_CLASSES or int(params["trailer_field"]) != 1:
        raise _Fail("UNSUPPORTED_ALGORITHM", f"RSASSA-PSS with hash {hash_oid}, MGF1 {mgf_hash_oid} is not supported")
    if hash_oid != digest_oid:
        raise _Fail("ALGORITHM_MISMATCH", f"RSASSA-PSS hash {hash_oid} differs from digest {digest_oid}")
    return _pss_verifier(hash_oid, mgf_hash_oid, int(params["salt_length"]))


class _CertIndex:
    """The embedded certificates by issuer and serial and by key identifier: one dict lookup per SignerInfo."""

    def __init__(self, certs: Sequence[_Cert]) -> None:
        self._by_issuer_serial: dict[tuple[str, int], list[_Cert]] = {}
        self._by_key_id: dict[bytes, list[_Cert]] = {}
        for cert in certs:
            key = (cert.parsed.issuer.hashable, int(cert.parsed.serial_number))
            self._by_issuer_serial.setdefault(key, []).append(cert)
            if cert.parsed.key_identifier is not None:
                self._by_key_id.setdefault(cert.parsed.key_identifier, []).append(cert)

    def signer(self, sid: acms.SignerIdentifier) -> _Cert | None:
        """The one certificate the sid names; two different ones with the same identity are refused outright."""
        if sid.name == "issuer_and_serial_number":
            key = (sid.chosen["issuer"].hashable, int(sid.chosen["serial_number"]))
            matches = self._by_issuer_serial.get(key, [])
        else:
            matches = self._by_key_id.get(sid.chosen.native, [])
        if len(matches) > 1:
            raise _Fail("SIGNER_CERTIFICATE_AMBIGUOUS", "several different certificates match the signer identifier")
        return matches[0] if matches else None


_UNIQUE_ATTRIBUTES = ("content_type", "message_digest", "signing_time", "signing_certificate", "signing_certificate_v2")


def _signed_attributes(signed_attrs: acms.CMSAttributes) -> dict[str, list[acms.CMSAttribute]]:
    by_type: dict[str, list[acms.CMSAttribute]] = {}
    for attribute in signed_attrs:
        by_type.setdefault(attribute["type"].native, []).append(attribute)
    for name in _UNIQUE_ATTRIBUTES:
        instances = by_type.get(name, [])
        if len(instances) > 1 or any(len(a["values"]) != 1 for a in instances):
            raise _Fail("MALFORMED_SIGNED_ATTRIBUTES", f"the {name} attribute must occur once with one value")
    return by_type


def _single(attrs: dict[str, list[acms.CMSAttribute]], name: str) -> core.Asn1Value:
    return attrs[name][0]["values"][0]


def _ess_sha1(data: bytes) -> bytes:
    """SHA-1 only identifies a certificate in ESS signingCertificate (v1); it never verifies a signature."""
    return hashlib.sha1(data).digest()


def _check_signing_certificate(
    attrs: dict[str, list[acms.CMSAttribute]], cert: _Cert, required: bool
) -> None:
    """ESS signingCertificate(V2) binds the signature to one certificate: a swapped certificate fails here."""
    cert_ids: list[tuple[str, core.Sequence]] = []
    if attrs.get("signing_certificate_v2"):
        first = _single(attrs, "signing_certificate_v2")["certs"][0]
        cert_ids.append((first["hash_algorithm"]["algorithm"].dotted, first))
    if attrs.get("signing_certificate"):
        cert_ids.append((_SHA1, _single(attrs, "signing_certificate")["certs"][0]))
    if not cert_ids:
        if required:
            raise _Fail("MISSING_SIGNING_CERTIFICATE", "the ESS signingCertificate attribute is required here")
        return
    for hash_oid, cert_id in cert_ids:
        function = _ess_sha1 if hash_oid == _SHA1 else digest_function(hash_oid)
        if function is None:
            raise _unsupported("signing-certificate hash", hash_oid)
        if not hmac.compare_digest(cert_id["cert_hash"].native, function(cert.der)):
            raise _Fail("SIGNING_CERTIFICATE_MISMATCH", "the signing certificate attribute names another certificate")
        issuer_serial = cert_id["issuer_serial"]
        if isinstance(issuer_serial, core.Void):
            continue
        names = [n.chosen for n in issuer_serial["issuer"] if n.name == "directory_name"]
        if int(issuer_serial["serial_number"]) != int(cert.parsed.serial_number) or cert.parsed.issuer not in names:
            raise _Fail("SIGNING_CERTIFICATE_MISMATCH", "the signing certificate attribute names another issuer/serial")


def _check_timestamps(signer_info: acms.SignerInfo, found: dict[str, object]) -> None:
    """CAdES-T: every signatureTimeStampToken must cover this signature value; the earliest one is reported."""
    unsigned = signer_info["unsigned_attrs"]
    if isinstance(unsigned, core.Void):
        return
    signature = signer_info["signature"].native
    infos: list[tsp.TimestampInfo] = []
    for attribute in unsigned:
        if attribute["type"].dotted != tsp.ID_SIGNATURE_TIMESTAMP_TOKEN:
            continue
        try:
            tokens = [value.dump() for value in attribute["values"]]
        except ASN1_ERRORS as error:
            found["timestamp"] = tsp.malformed_token(f"timestamp attribute does not parse: {error}")
            raise _Fail("TIMESTAMP_INVALID", "the signature timestamp attribute is malformed") from None
        for token in tokens:
            limits.checkpoint()
            infos.append(tsp.verify_timestamp_token(token, data=signature))
    if not infos:
        return
    broken = [info for info in infos if not info.intact]
    if broken:
        found["timestamp"] = broken[0]
        raise _Fail("TIMESTAMP_INVALID", f"signature timestamp: {broken[0].failure}: {broken[0].message}")
    found["timestamp"] = min(infos, key=lambda info: info.gen_time)


def _load_certificate(certificate_der: bytes) -> tuple[ax509.Certificate, x509.Certificate]:
    return ax509.Certificate.load(certificate_der, strict=True), x509.load_der_x509_certificate(certificate_der)


def _check_key_pair(private_key: PrivateKey, certificate: x509.Certificate) -> None:
    """Refuse to sign with a key that is not the certificate's: the signature would never verify."""
    if not isinstance(private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise TypeError("signing needs an RSA or EC private key from cryptography")
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    mine = private_key.public_key().public_bytes(serialization.Encoding.DER, spki)
    if mine != certificate.public_key().public_bytes(serialization.Encoding.DER, spki):
        raise ValueError("the private key does not belong to the certificate")


def _cms_time(moment: datetime) -> acms.Time:
    moment = moment.astimezone(timezone.utc).replace(microsecond=0)
    if 1950 <= moment.year < 2050:
        return acms.Time({"utc_time": core.UTCTime(moment)})
    return acms.Time({"generalized_time": core.GeneralizedTime(moment)})


def _attribute(name: str, value: object) -> acms.CMSAttribute:
    return acms.CMSAttribute({"type": name, "values": [value]})


def _signer_info(
    content: bytes,
    content_type: str,
    private_key: PrivateKey,
    certificate_der: bytes,
    signing_time: datetime | None,
    timestamp_url: str | None,
    timestamper: Callable[[bytes], bytes] | None,
    pades: bool = False,
) -> acms.SignerInfo:
    """A version-1 SignerInfo with the CAdES-BES signed attributes, and CAdES-T if a TSA is named.

    ``pades`` leaves out signing-time, which PAdES forbids (the claimed time is the signature dictionary's /M).
    """
    if timestamp_url is not None and timestamper is not None:
        raise ValueError("give timestamp_url or timestamper, not both")
    asn1_cert, certificate = _load_certificate(certificate_der)
    signing = key_signing(private_key, certificate_der)
    if signing is None:
        _check_key_pair(private_key, certificate)
    digest_oid = signing.digest_oid if signing is not None else SHA256
    ess = {
        "certs": [
            {
                "cert_hash": hashlib.sha256(certificate_der).digest(),
                "issuer_serial": {
                    "issuer": [ax509.GeneralName({"directory_name": asn1_cert.issuer})],
                    "serial_number": asn1_cert.serial_number,
                },
            }
        ]
    }
    signed_attrs = acms.CMSAttributes(
        [
            _attribute("content_type", content_type),
            *([] if pades else [_attribute("signing_time", _cms_time(signing_time or datetime.now(timezone.utc)))]),
            _attribute("message_digest", _DIGESTS[digest_oid](content)),
            _attribute("signing_certificate_v2", ess),
        ]
    )
    to_sign = signed_attrs.dump()
    if signing is not None:
        signature = signing.sign(to_sign)
        signature_algorithm = signing.signature_oid
    elif isinstance(private_key, rsa.RSAPrivateKey):
        signature = private_key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        signature_algorithm = _SHA256_WITH_RSA
    else:
        signature = private_key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        signature_algorithm = _ECDSA_WITH_SHA256
    fields: dict[str, object] = {
        "version": "v1",
        "sid": {
            "issuer_and_serial_number": {"issuer": asn1_cert.issuer, "serial_number": asn1_cert.serial_number}
        },
        "digest_algorithm": {"algorithm": digest_oid},
        "signed_attrs": signed_attrs,
        "signature_algorithm": {"algorithm": signature_algorithm},
        "signature": signature,
    }
    token = _timestamp(signature, timestamp_url, timestamper)
    if token is not None:
        fields["unsigned_attrs"] = [_attribute("signature_time_stamp_token", acms.ContentInfo.load(token))]
    return acms.SignerInfo(fields)


def _timestamp(
    signature: bytes, timestamp_url: str | None, timestamper: Callable[[bytes], bytes] | None
) -> bytes | None:
    """Obtain and check a signature timestamp, so that a broken token is refused at signing, not found later."""
    if timestamp_url is None and timestamper is None:
        return None
    imprint = hashlib.sha256(signature).digest()
    token = timestamper(imprint) if timestamper is not None else tsp.request_timestamp(timestamp_url, imprint)
    info = tsp.verify_timestamp_token(token, data=signature)
    if not info.intact:
        raise tsp.TimestampError(info.failure or "TIMESTAMP_INVALID", info.message)
    return token


def sign_cms(
    content: bytes,
    private_key: PrivateKey,
    certificate_der: bytes,
    *,
    detached: bool = False,
    extra_certs: Iterable[bytes] = (),
    timestamp_url: str | None = None,
    timestamper: Callable[[bytes], bytes] | None = None,
    content_type: str = ID_DATA,
    signing_time: datetime | None = None,
    pades: bool = False,
) -> bytes:
    """Make a CAdES-BES (or, with a TSA, CAdES-T) SignedData in DER, as NCALayer's createCAdESFromBase64 does.

    ``timestamper`` maps the SHA-256 imprint of the signature value to a TimeStampToken (DER); it stands in for
    ``timestamp_url`` in tests. ``content_type`` and ``signing_time`` let the TSP module sign TSTInfo with this.
    ``pades`` makes the SignerInfo of a PAdES signature (no signing-time attribute).
    """
    signer_info = _signer_info(
        content, content_type, private_key, certificate_der, signing_time, timestamp_url, timestamper, pades
    )
    encap: dict[str, object] = {"content_type": content_type}
    if not detached:
        # asn1crypto reads a version-1 SignedData's encapContentInfo with the PKCS#7 spec: a plain OCTET STRING.
        encap["content"] = content if content_type == ID_DATA else acms.ParsableOctetString(content)
    certificates = [certificate_der] + [c for c in extra_certs if c != certificate_der]
    signed_data = acms.SignedData(
        {
            "version": "v1" if content_type == ID_DATA else "v3",
            "digest_algorithms": [signer_info["digest_algorithm"]],
            "encap_content_info": encap,
            "certificates": [ax509.Certificate.load(c) for c in dict.fromkeys(certificates)],
            "signer_infos": [signer_info],
        }
    )
    return acms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def add_signer(
    cms_der: bytes | str,
    private_key: PrivateKey,
    certificate_der: bytes,
    *,
    detached_content: bytes | None = None,
    extra_certs: Iterable[bytes] = (),
    timestamp_url: str | None = None,
    timestamper: Callable[[bytes], bytes] | None = None,
) -> bytes:
    """Co-sign an existing SignedData (NCANode's /cms/sign/add): one more SignerInfo over the same content.

    Existing SignerInfos, certificates and the encapsulated content are copied byte for byte and keep their
    order; the new signer comes last. Raises ValueError for a malformed CMS or one whose existing signers did
    not sign this content.
    """
    try:
        signed_data = _load_signed_data(_decode_input(cms_der, DEFAULT_MAX_BYTES))
    except _Fail as failure:
        raise ValueError(f"{failure.code}: {failure.message}") from None
    content_type = signed_data["encap_content_info"]["content_type"].dotted
    attached = _econtent(signed_data)
    if attached is not None and detached_content is not None and attached != detached_content:
        raise ValueError("CONTENT_CONFLICT: the CMS carries other content than the detached content given")
    content = attached if attached is not None else detached_content
    if content is None:
        raise ValueError("DETACHED_CONTENT_MISSING: a detached CMS needs its content to be co-signed")
    # Taken before verifying: asn1crypto re-encodes a SignerInfo once its fields were read (slow, not byte-exact).
    existing_signers = [s.dump() for s in signed_data["signer_infos"]]
    existing = verify_signed_data(signed_data, content, check_timestamps=False)
    if any(s.failure == "DIGEST_MISMATCH" for s in existing):
        raise ValueError("DIGEST_MISMATCH: the existing signers signed other content")

    new_signer = _signer_info(content, content_type, private_key, certificate_der, None, timestamp_url, timestamper)
    certificates = signed_data["certificates"]
    old_certs = [] if isinstance(certificates, core.Void) else [c.dump() for c in certificates]
    new_certs = [c for c in dict.fromkeys([certificate_der, *extra_certs]) if c not in old_certs]
    for cert in new_certs:
        ax509.Certificate.load(cert, strict=True)
    digest_algorithms = [a.dump() for a in signed_data["digest_algorithms"]]
    new_digest = new_signer["digest_algorithm"]["algorithm"].dotted
    if all(a["algorithm"].dotted != new_digest for a in signed_data["digest_algorithms"]):
        digest_algorithms.append(algos.DigestAlgorithm({"algorithm": new_digest}).dump())
    version = max(int(signed_data["version"]), 1)

    body = core.Integer(version).dump()
    body += _tlv(0x31, b"".join(digest_algorithms))
    body += signed_data["encap_content_info"].dump()
    body += _tlv(0xA0, b"".join(old_certs + new_certs))
    if not isinstance(signed_data["crls"], core.Void):
        body += signed_data["crls"].dump()
    body += _tlv(0x31, b"".join(existing_signers) + new_signer.dump())
    return _tlv(0x30, core.ObjectIdentifier(ID_SIGNED_DATA).dump() + _tlv(0xA0, _tlv(0x30, body)))

