"""CMS SignedData as NCALayer's ``createCAdESFromBase64`` makes it: verify and sign.

This module answers only cryptographic questions: is each SignerInfo intact, what content was signed, which
certificate signed it, and what times are claimed (signingTime) or attested (an RFC 3161 timestamp, CAdES-T).
Judging the certificates (chain, revocation, IIN) is left to the caller, who gets the DER of every certificate.

Digests and signature algorithms come from the one registry, :mod:`eds.pki.algorithms`; until GOST is installed
there a GOST SignerInfo is reported as ``UNSUPPORTED_ALGORITHM``, never as intact. SHA-1 is refused here (it
only identifies a certificate in ESS signingCertificate v1). Signing goes through a held key
(:mod:`eds.pki.keys`). Signature timestamps (CAdES-T) are judged by :mod:`eds.signatures.tsp`, which imports
this module; this module only hands over their tokens.
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

from asn1crypto import tsp as atsp  # also registers the ESS signing-certificate attributes with asn1crypto.cms
from asn1crypto import algos, core
from asn1crypto import cms as acms
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from eds import limits
from eds.errors import CodedError
from eds.pki import algorithms
from eds.pki.keys import belongs_to, held_key
from eds.signatures.formats import is_whole_pem

DigestFunction = Callable[[bytes], bytes]
"""Hashes the whole message: ``data -> digest``."""

Timestamping = Callable[[bytes], bytes]
"""``signature value -> TimeStampToken`` (DER) covering it, already checked: how a SignerInfo gets CAdES-T."""

ID_DATA = "1.2.840.113549.1.7.1"
ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
ID_CT_TST_INFO = "1.2.840.113549.1.9.16.1.4"
ID_SIGNATURE_TIMESTAMP_TOKEN = "1.2.840.113549.1.9.16.2.14"
SHA256 = algorithms.SHA256
SHA384 = algorithms.SHA384
SHA512 = algorithms.SHA512
_SHA1 = algorithms.SHA1
_MGF1 = "1.2.840.113549.1.1.8"

DEFAULT_MAX_BYTES = 64 * 1024 * 1024

# Parsing hostile ASN.1 with asn1crypto surfaces as any of these; all of them mean "malformed".
ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError)

def digest_function(oid: str) -> DigestFunction | None:
    """The digest CMS accepts for ``oid`` (any registered one but SHA-1), or None: the one lookup that
    signatures, timestamps and ESS hashes share."""
    if oid == _SHA1:
        return None
    digest = algorithms.digest(oid)
    return digest.hash if digest is not None else None


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
    signature_value: bytes = field(default=b"", repr=False)
    timestamp_tokens: tuple[bytes, ...] = field(default=(), repr=False)
    """The signatureTimeStampToken values (DER), unchecked: :func:`eds.signatures.tsp.judge_timestamps` checks them."""
    timestamp_error: str | None = None
    """Why the timestamp attribute could not even be read; judging the timestamps then fails the signer."""
    timestamp: object | None = None
    """The :class:`eds.signatures.tsp.TimestampInfo` that tsp set after judging the tokens (None before)."""


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


class CmsError(CodedError, ValueError):
    """A CMS that cannot be signed or co-signed; ``str()`` reads "CODE: message" (DIGEST_MISMATCH, ...)."""

    code_in_message = True


class TimeStampResp(core.Sequence):
    """RFC 3161 TimeStampResp. asn1crypto's makes the token mandatory, but a rejection carries none."""

    _fields = [
        ("status", atsp.PKIStatusInfo),
        ("time_stamp_token", acms.ContentInfo, {"optional": True}),
    ]


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
        response = TimeStampResp.load(der, strict=True)  # its token is optional: a rejection has none
        int(response["status"]["status"])
        response["time_stamp_token"].native  # noqa: B018  forces parsing
        return True
    except ASN1_ERRORS:
        return False


def _signed_content(signed_data: acms.SignedData, detached_content: bytes | None) -> tuple[bytes, bytes | None]:
    """The content the signers signed, and the attached content (None when detached): given once, never two."""
    attached = _econtent(signed_data)
    if attached is not None and detached_content is not None and attached != detached_content:
        raise _Fail("CONTENT_CONFLICT", "the CMS carries content that differs from the detached content given")
    content = attached if attached is not None else detached_content
    if content is None:
        raise _Fail("DETACHED_CONTENT_MISSING", "the CMS is detached and no content was given")
    return content, attached


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
        parsed = _PARSED.get(der, _NOT_YET)
        if parsed is _NOT_YET:
            try:
                _hashable(cert.issuer)  # forces parsing of what sid matching reads
                int(cert.serial_number)
                cert.key_identifier  # noqa: B018
                parsed = _Cert(der, cert)
            except ASN1_ERRORS:
                parsed = None
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[der] = parsed
        if parsed is not None:
            found.append(parsed)
    return found


# Certificates parsed that far, by their exact DER: the signer's, the CA's and the TSA's come again in every
# document they sign or stamp, and normalising their names for sid matching (LDAP string preparation) was a
# tenth of a PDF's verification. None for DER that does not parse that far. Only what the DER alone decides is
# kept; a certificate that differs in one byte is another key.
_PARSED: dict[bytes, _Cert | None] = {}
_PARSED_MAX = 4096
_NOT_YET = object()


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
        content, attached = _signed_content(signed_data, detached_content)
        if len(signed_data["signer_infos"]) == 0:
            raise _Fail("NO_SIGNERS", "the SignedData has no SignerInfo")
        certs = _bounded(signed_data)
        signers = _verify_signers(signed_data, content, certs, require_signing_certificate=False)
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
    require_signing_certificate: bool = False,
) -> tuple[CmsSignerResult, ...]:
    """Check each SignerInfo of an already parsed SignedData over ``content``: the timestamp-token check reuses it.

    Raises ``limits.TooComplex`` past ``cms_signer_infos`` or ``cms_certificates``, before any signature is checked.
    """
    return _verify_signers(signed_data, content, _bounded(signed_data), require_signing_certificate)


def _verify_signers(
    signed_data: acms.SignedData,
    content: bytes,
    certs: Sequence[_Cert],
    require_signing_certificate: bool,
) -> tuple[CmsSignerResult, ...]:
    content_type = signed_data["encap_content_info"]["content_type"].dotted
    index = _CertIndex(certs)
    results = []
    for position, signer_info in enumerate(signed_data["signer_infos"]):
        limits.checkpoint()
        results.append(_verify_signer(position, signer_info, content, content_type, certs, index,
                                      require_signing_certificate))
    return tuple(results)


def _verify_signer(
    index: int,
    signer_info: acms.SignerInfo,
    content: bytes,
    content_type: str,
    certs: Sequence[_Cert],
    cert_index: "_CertIndex",
    require_signing_certificate: bool,
) -> CmsSignerResult:
    found: dict[str, object] = {
        "certificate_der": None,
        "digest_algorithm": None,
        "signature_algorithm": None,
        "claimed_signing_time": None,
        "signature_value": b"",
        "timestamp_tokens": (),
        "timestamp_error": None,
    }
    try:
        _check_signer(signer_info, content, content_type, cert_index, found, require_signing_certificate)
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
    algorithm = _signature_algorithm(signature_algorithm, digest_oid)

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
    found["signature_value"] = signer_info["signature"].native
    try:
        valid = algorithm.verify(cert.der, signed_bytes, found["signature_value"])
    except (ValueError, UnsupportedAlgorithm):
        valid = False
    if not valid:
        raise _Fail("SIGNATURE_INVALID", "the signature over the signed attributes does not verify")

    _check_signing_certificate(attrs, cert, require_signing_certificate)
    _timestamp_tokens(signer_info, found)


def _unsupported(kind: str, oid: str) -> _Fail:
    return _Fail("UNSUPPORTED_ALGORITHM", algorithms.unsupported_text(kind, oid))


def _signature_algorithm(algorithm: algos.SignedDigestAlgorithm, digest_oid: str) -> algorithms.SignatureAlgorithm:
    """Resolve the algorithm: some OIDs name the hash, others (a key OID) take it from digestAlgorithm, PSS
    from its parameters. A named hash must be the digestAlgorithm; GOST algorithms hash inside, and NCA tools
    write the Kazakh or the Russian Streebog OID there, so for them the digest is only looked up."""
    oid = algorithm["algorithm"].dotted
    if oid == algorithms.RSA_PSS:
        return _pss_from_parameters(algorithm["parameters"], digest_oid)
    oid = algorithms.for_key(oid, digest_oid) or oid
    try:
        chosen = algorithms.signature(oid)
    except algorithms.UnsupportedSignatureAlgorithm:
        raise _unsupported("signature", oid) from None
    if chosen.digest_oid is None or digest_function(chosen.digest_oid) is None:  # Ed25519; SHA-1 is refused
        raise _unsupported("signature", oid)
    if chosen.key_type != "gost" and chosen.digest_oid != digest_oid:
        raise _Fail("ALGORITHM_MISMATCH", f"signature algorithm {oid} does not use digest {digest_oid}")
    return chosen


def _pss_from_parameters(params: algos.RSASSAPSSParams, digest_oid: str) -> algorithms.SignatureAlgorithm:
    hash_oid = params["hash_algorithm"]["algorithm"].dotted
    mgf = params["mask_gen_algorithm"]
    mgf_hash_oid = mgf["parameters"]["algorithm"].dotted if mgf["algorithm"].dotted == _MGF1 else None
    if digest_function(hash_oid) is None or digest_function(mgf_hash_oid or "") is None \
            or int(params["trailer_field"]) != 1:
        raise _Fail("UNSUPPORTED_ALGORITHM", f"RSASSA-PSS with hash {hash_oid}, MGF1 {mgf_hash_oid} is not supported")
    if hash_oid != digest_oid:
        raise _Fail("ALGORITHM_MISMATCH", f"RSASSA-PSS hash {hash_oid} differs from digest {digest_oid}")
    try:
        return algorithms.rsa_pss(hash_oid, mgf_hash_oid or "", int(params["salt_length"]))
    except algorithms.UnsupportedSignatureAlgorithm as exc:
        raise _Fail("UNSUPPORTED_ALGORITHM", exc.message) from None


class _CertIndex:
    """The embedded certificates by issuer and serial and by key identifier: one dict lookup per SignerInfo."""

    def __init__(self, certs: Sequence[_Cert]) -> None:
        self._by_issuer_serial: dict[tuple[str, int], list[_Cert]] = {}
        self._by_key_id: dict[bytes, list[_Cert]] = {}
        for cert in certs:
            key = (_hashable(cert.parsed.issuer), int(cert.parsed.serial_number))
            self._by_issuer_serial.setdefault(key, []).append(cert)
            if cert.parsed.key_identifier is not None:
                self._by_key_id.setdefault(cert.parsed.key_identifier, []).append(cert)

    def signer(self, sid: acms.SignerIdentifier) -> _Cert | None:
        """The one certificate the sid names; two different ones with the same identity are refused outright."""
        if sid.name == "issuer_and_serial_number":
            key = (_hashable(sid.chosen["issuer"]), int(sid.chosen["serial_number"]))
            matches = self._by_issuer_serial.get(key, [])
        else:
            matches = self._by_key_id.get(sid.chosen.native, [])
        if len(matches) > 1:
            raise _Fail("SIGNER_CERTIFICATE_AMBIGUOUS", "several different certificates match the signer identifier")
        return matches[0] if matches else None


def _hashable(name: ax509.Name) -> str:
    """``name.hashable`` (the normalised form sid matching compares), kept by the name's exact DER: a signer's
    and a CA's names come again in every document; one that fails to normalise raises as before, every time."""
    der = name.dump()
    found = _HASHABLE.get(der)
    if found is None:
        found = name.hashable
        if len(_HASHABLE) >= _PARSED_MAX:
            _HASHABLE.clear()
        _HASHABLE[der] = found
    return found


_HASHABLE: dict[bytes, str] = {}


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
        if int(issuer_serial["serial_number"]) != int(cert.parsed.serial_number) or not _among(cert.parsed.issuer,
                                                                                             names):
            raise _Fail("SIGNING_CERTIFICATE_MISMATCH", "the signing certificate attribute names another issuer/serial")


def _among(name: ax509.Name, names: Iterable[ax509.Name]) -> bool:
    """``name in names``, in the same order and with the same errors, where one with the same DER is equal at
    once (equal bytes parse to the equal name) instead of after normalising both."""
    der = name.dump()
    return any(other.dump() == der or name == other for other in names)


def _timestamp_tokens(signer_info: acms.SignerInfo, found: dict[str, object]) -> None:
    """Hand over every signatureTimeStampToken (CAdES-T) as DER; tsp judges them against the signature value.

    An attribute that does not parse is handed over as ``timestamp_error``: it fails the signer when tsp judges
    its timestamps (CAdES-T), and is nothing to a TSA's own token, whose unsigned attributes prove nothing.
    """
    unsigned = signer_info["unsigned_attrs"]
    if isinstance(unsigned, core.Void):
        return
    tokens: list[bytes] = []
    for attribute in unsigned:
        if attribute["type"].dotted != ID_SIGNATURE_TIMESTAMP_TOKEN:
            continue
        try:
            tokens.extend(value.dump() for value in attribute["values"])
        except ASN1_ERRORS as error:
            found["timestamp_error"] = f"timestamp attribute does not parse: {error}"
            return
    found["timestamp_tokens"] = tuple(tokens)


def _load_certificate(certificate_der: bytes) -> tuple[ax509.Certificate, x509.Certificate]:
    return ax509.Certificate.load(certificate_der, strict=True), x509.load_der_x509_certificate(certificate_der)


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
    private_key: object,
    certificate_der: bytes,
    signing_time: datetime | None,
    timestamp: Timestamping | None,
    pades: bool = False,
    *,
    message_digest: bytes | None = None,
    digest_oid: str | None = None,
) -> acms.SignerInfo:
    """A version-1 SignerInfo with the CAdES-BES signed attributes, and CAdES-T if ``timestamp`` is given.

    ``pades`` leaves out signing-time, which PAdES forbids (the claimed time is the signature dictionary's /M).
    ``message_digest`` is the content's hash already made (``content`` is then unused), with ``digest_oid``
    naming it when it is not the hash of the key's own algorithm.
    """
    key = held_key(private_key)
    try:
        asn1_cert, _ = _load_certificate(certificate_der)
    except ValueError as exc:
        raise CmsError("BAD_CERTIFICATE", f"the signer's certificate is not DER X.509: {exc}") from None
    if not belongs_to(key, certificate_der):
        raise CmsError("CERTIFICATE_KEY_MISMATCH", "the private key does not belong to the certificate")
    algorithm = algorithms.signature(key.signature_algorithm)
    if digest_oid is not None and digest_oid != algorithm.digest_oid:
        chosen = algorithms.for_key_type(key.key_type, digest_oid)
        if chosen is None:
            raise CmsError("UNSUPPORTED_ALGORITHM", f"a {key.key_type} key cannot sign over the digest {digest_oid}")
        algorithm = algorithms.signature(chosen)
    digest_oid = algorithm.digest_oid or SHA256
    digest = digest_function(digest_oid)
    if digest is None:
        raise CmsError("UNSUPPORTED_ALGORITHM", f"the key's digest {digest_oid} is not usable in CMS")
    if message_digest is not None and len(message_digest) != len(digest(b"")):
        raise CmsError("DIGEST_LENGTH", f"a {algorithms.digest(digest_oid).name} digest is {len(digest(b''))} "
                                        f"bytes, not {len(message_digest)}")
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
            _attribute("message_digest", digest(content) if message_digest is None else message_digest),
            _attribute("signing_certificate_v2", ess),
        ]
    )
    try:
        signature = key.sign(signed_attrs.dump(), algorithm.oid)
    except algorithms.KeyMismatch as exc:  # a digest asked for that goes with another key of the same kind
        raise CmsError("UNSUPPORTED_ALGORITHM", f"the key cannot sign over the digest {digest_oid}: {exc}") from None
    fields: dict[str, object] = {
        "version": "v1",
        "sid": {
            "issuer_and_serial_number": {"issuer": asn1_cert.issuer, "serial_number": asn1_cert.serial_number}
        },
        "digest_algorithm": {"algorithm": digest_oid},
        "signed_attrs": signed_attrs,
        "signature_algorithm": {"algorithm": algorithm.oid},
        "signature": signature,
    }
    if timestamp is not None:
        token = timestamp(signature)
        fields["unsigned_attrs"] = [_attribute("signature_time_stamp_token", acms.ContentInfo.load(token))]
    return acms.SignerInfo(fields)


def sign_cms(
    content: bytes,
    private_key: object,
    certificate_der: bytes,
    *,
    detached: bool = False,
    extra_certs: Iterable[bytes] = (),
    timestamp: Timestamping | None = None,
    content_type: str = ID_DATA,
    signing_time: datetime | None = None,
    pades: bool = False,
) -> bytes:
    """Make a CAdES-BES (or, with a TSA, CAdES-T) SignedData in DER, as NCALayer's createCAdESFromBase64 does.

    ``private_key`` is any key :func:`eds.pki.keys.held_key` takes. ``timestamp`` maps the signature value to a
    checked TimeStampToken (DER): :func:`eds.signatures.tsp.signature_timestamper` makes one from a TSA URL.
    ``content_type`` and ``signing_time`` let a TSA sign TSTInfo with this.
    ``pades`` makes the SignerInfo of a PAdES signature (no signing-time attribute).
    """
    signer_info = _signer_info(
        content, content_type, private_key, certificate_der, signing_time, timestamp, pades
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


def sign_digest(
    message_digest: bytes,
    private_key: object,
    certificate_der: bytes,
    *,
    digest_oid: str | None = None,
    extra_certs: Iterable[bytes] = (),
    signing_time: datetime | None = None,
) -> bytes:
    """A detached CAdES-BES over a hash already made, as NCALayer's ``createCAdESFromBase64Hash`` does.

    The official's device in two-step signing gets only the hash of what it signs (a PDF's /ByteRange), so
    its messageDigest is ``message_digest`` as given. ``digest_oid`` names that hash (default: the one the
    key's algorithm goes with, SHA-256 for RSA and EC, Streebog for GOST-2015); CmsError DIGEST_LENGTH when
    the hash is not that long, UNSUPPORTED_ALGORITHM when the key cannot sign over it.
    """
    signer_info = _signer_info(b"", ID_DATA, private_key, certificate_der, signing_time, None,
                               message_digest=message_digest, digest_oid=digest_oid)
    certificates = [certificate_der] + [c for c in extra_certs if c != certificate_der]
    signed_data = acms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [signer_info["digest_algorithm"]],
            "encap_content_info": {"content_type": ID_DATA},
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
    private_key: object,
    certificate_der: bytes,
    *,
    detached_content: bytes | None = None,
    extra_certs: Iterable[bytes] = (),
    timestamp: Timestamping | None = None,
) -> bytes:
    """Co-sign an existing SignedData (NCANode's /cms/sign/add): one more SignerInfo over the same content.

    Existing SignerInfos, certificates and the encapsulated content are copied byte for byte and keep their
    order; the new signer comes last. Raises CmsError (a ValueError) for a malformed CMS or one whose existing signers did
    not sign this content.
    """
    try:
        signed_data = _load_signed_data(_decode_input(cms_der, DEFAULT_MAX_BYTES))
        content, _ = _signed_content(signed_data, detached_content)
    except _Fail as failure:
        raise CmsError(failure.code, failure.message) from None
    content_type = signed_data["encap_content_info"]["content_type"].dotted
    # Taken before verifying: asn1crypto re-encodes a SignerInfo once its fields were read (slow, not byte-exact).
    existing_signers = [s.dump() for s in signed_data["signer_infos"]]
    existing = verify_signed_data(signed_data, content)
    if any(s.failure == "DIGEST_MISMATCH" for s in existing):
        raise CmsError("DIGEST_MISMATCH", "the existing signers signed other content")

    new_signer = _signer_info(content, content_type, private_key, certificate_der, None, timestamp)
    certificates = signed_data["certificates"]
    old_certs = [] if isinstance(certificates, core.Void) else [c.dump() for c in certificates]
    new_certs = [c for c in dict.fromkeys([certificate_der, *extra_certs]) if c not in old_certs]
    for cert in new_certs:
        try:
            ax509.Certificate.load(cert, strict=True)
        except ValueError as exc:
            raise CmsError("BAD_CERTIFICATE", f"a certificate to add is not DER X.509: {exc}") from None
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

