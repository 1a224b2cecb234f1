"""NCANode-compatible endpoints: NCANode v3's requests and answers, this service's checks behind them.

A system written for NCANode changes its base URL to ``/ncanode`` (or the root with ``EDS_NCANODE_ROOT=1``)
and sends its requests unchanged; the shapes are those of NCANode's published specification
(``../shared/reference/ncanode/openapi.yml``). What is judged is ours: the full chain to a pinned anchor,
checked OCSP answers and CRLs (``revocationCheck`` picks which, per request), key purpose, roles, IIN/BIN when
asked (``expectIin``/``expectBin``), and ``valid`` is true only for TOTAL_PASSED.

Signing uses keys the service holds, named by ``keyAlias`` (the key id). A request carrying a PKCS#12 and its
password, as NCANode's do, is refused (KEYS_NOT_ACCEPTED) unless the operator sets
``EDS_NCANODE_ACCEPT_KEYS=1``; such a key is opened in memory for that request only, never logged or stored.
The API key goes in ``X-API-Key`` or as the password of HTTP Basic authentication, so that a base URL with
credentials (``https://eds:KEY@host/ncanode``) is the only change a caller makes. Refusals keep NCANode's
``{"status", "message"}`` and add this API's ``code`` and ``details``.
"""

from __future__ import annotations

import base64
import binascii
import io
import uuid
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID
from flask import Blueprint, Response, current_app, g, jsonify, request

from api import errors
from api.errors import ApiError, error_body, refuse_too_complex
from api.metrics import count_verdict
from api.request import Body, authorise as authorise_key, services
from eds import limits
from eds.issuing.access import Client
from eds.pki import algorithms
from eds.pki.certificates import Certificate, CertificateError, Purpose
from eds.pki.identity import IdentityError, parse_iin
from eds.pki.keys import KeyStoreError, SigningKey
from eds.signatures import cms, pades, tsp, wsse, xml_prepare, xmldsig
from eds.signatures.formats import detect_format
from eds.validation.report import Check, DocumentReport, SignatureReport, Status
from eds.validation.request_check import Claims, signature_check
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier

METHODS = ("OCSP", "CRL")
MAX_ITEMS = 32  # certificates, signers or keys in one request

# NCANode's keyUser names for the NCA roles of eds.pki.certificates.
KEY_USERS = {
    "INDIVIDUAL": "INDIVIDUAL", "LEGAL_ENTITY": "ORGANIZATION", "FIRST_HEAD": "CEO", "RIGHT_TO_SIGN": "CAN_SIGN",
    "RIGHT_TO_SIGN_FINANCIAL": "CAN_SIGN_FINANCIAL", "HR": "HR", "EMPLOYEE": "EMPLOYEE",
    "NCA_PRIVILEGES": "NCA_PRIVILEGES", "NCA_ADMIN": "NCA_ADMIN", "NCA_MANAGER": "NCA_MANAGER",
    "NCA_OPERATOR": "NCA_OPERATOR", "IDENTIFIED": "IDENTIFICATION", "IDENTIFIED_AT_PSC": "IDENTIFICATION_CON",
    "IDENTIFIED_REMOTELY": "IDENTIFICATION_REMOTE", "IDENTIFIED_DIGITAL_ID": "IDENTIFICATION_REMOTE_DIGITAL_ID",
}
# Signature algorithms as Java (hence NCANode's signAlg) names them.
JAVA_ALGORITHMS = {
    "1.2.840.113549.1.1.5": "SHA1withRSA", "1.2.840.113549.1.1.11": "SHA256withRSA",
    "1.2.840.113549.1.1.12": "SHA384withRSA", "1.2.840.113549.1.1.13": "SHA512withRSA",
    "1.2.840.113549.1.1.10": "RSASSA-PSS", "1.2.840.10045.4.3.2": "SHA256withECDSA",
    "1.2.840.10045.4.3.3": "SHA384withECDSA", "1.2.840.10045.4.3.4": "SHA512withECDSA", "1.3.101.112": "Ed25519",
    "1.2.398.3.10.1.1.1.2": "ECGOST34310", "1.2.398.3.10.1.1.2.3.1": "ECGOST3410-2015-256",
    "1.2.398.3.10.1.1.2.3.2": "ECGOST3410-2015-512",
}

ncanode = Blueprint("ncanode", __name__)


# ---------------------------------------------------------------------------------------------------------
# Access, fields and the checkers a request asks for


def authorise(scope: str) -> Client:
    """The caller by ``X-API-Key``, a Bearer token or the password of HTTP Basic, holding ``scope``."""
    token = request.headers.get("X-API-Key")
    credentials = request.authorization
    if not token and credentials is not None:
        token = credentials.password if credentials.type == "basic" else credentials.token
    return authorise_key(scope, token)  # failed keys limited per source address, as in the rest of the API


def _field(body: Body, name: str, kind: type, *, required: bool = False) -> Any:
    value = body.fields.get(name)
    if value is None:
        if required:
            raise ApiError("FIELD_MISSING", f"{name} is required", details={"field": name})
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ApiError("FIELD_INVALID", f"{name} must be a {kind.__name__}", details={"field": name})
    return value


def _items(body: Body, name: str, kind: type, *, required: bool = True) -> list:
    """A list field of 1..MAX_ITEMS entries of ``kind``."""
    value = _field(body, name, list, required=required)
    if value is None:
        return []
    if not 1 <= len(value) <= MAX_ITEMS or not all(isinstance(v, kind) for v in value):
        raise ApiError("FIELD_INVALID", f"{name} must hold 1 to {MAX_ITEMS} entries of type {kind.__name__}",
                       details={"field": name})
    return value


def decode(value: str, name: str) -> bytes:
    """Base64 (whitespace ignored, as NCANode strips it) or a PEM block, as bytes."""
    if value.lstrip().startswith("-----BEGIN"):
        return value.encode()
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError("BAD_BASE64", f"{name} is not valid Base64", details={"field": name}) from None


def _binary(body: Body, name: str, *, required: bool = True) -> bytes | None:
    value = _field(body, name, str, required=required)
    return None if value is None else decode(value, name)


def _xml(body: Body) -> bytes:
    """``xml``: the document itself (NCANode sends XML as text, not Base64)."""
    text = _field(body, "xml", str, required=True)
    data = text.encode("utf-8")
    if detect_format(data) != "xml":
        raise ApiError("FIELD_INVALID", "xml is not an XML document", details={"field": "xml"})
    return data


def _methods(body: Body) -> tuple[str, ...]:
    """``revocationCheck``: OCSP and/or CRL; absent or empty means both (a certificate is never left unchecked)."""
    value = _field(body, "revocationCheck", list)
    if not value:
        return METHODS
    if not all(isinstance(v, str) and v in METHODS for v in value) or len(set(value)) != len(value):
        raise ApiError("FIELD_INVALID", "revocationCheck must list OCSP and/or CRL, each once",
                       details={"field": "revocationCheck"})
    return tuple(m for m in METHODS if m in value)


def _claims(body: Body) -> Claims:
    """This service's own, optional fields: the IIN and BIN the (first) signer must carry."""
    return Claims(iin=body.text("expectIin", max_length=12), bin=body.text("expectBin", max_length=12))


def checker(methods: tuple[str, ...]) -> SignerChecker:
    """The service's signer checker, or one asking only ``methods`` (same trust, policy, CRL store, OCSP client)."""
    svc = services()
    if methods == METHODS:
        return svc.signer_checker
    cache = current_app.extensions.setdefault("ncanode", {})
    found = cache.get(methods)
    if found is None:
        base = svc.signer_checker
        found = cache[methods] = SignerChecker(svc.profile, policy=base.policy, methods=methods,
                                               crl_store=base.revocation.store, ocsp_client=base.revocation.ocsp)
    return found


def verifier(methods: tuple[str, ...]) -> DocumentVerifier:
    svc = services()
    if methods == METHODS:
        return svc.document_verifier
    cache = current_app.extensions.setdefault("ncanode", {})
    key = ("verifier", methods)
    if key not in cache:
        cache[key] = DocumentVerifier(checker(methods))
    return cache[key]


# ---------------------------------------------------------------------------------------------------------
# Answers in NCANode's shapes


def ok(valid: bool | None = None, report: DocumentReport | SignatureReport | None = None, **fields: Any) -> Response:
    """NCANode's answer: ``status`` 200 and ``message`` "OK", or the verdict and its reason codes when not valid."""
    message = "OK"
    if report is not None and not report.passed:
        message = f"{report.indication.value}: " + ", ".join(r.code for r in report.reasons)
    body: dict[str, Any] = {"status": 200, "message": message}
    if valid is not None:
        body["valid"] = valid
    body.update(fields)
    return jsonify(body)


def _name(name: x509.Name, dn: str) -> dict:
    """An NCANode CertificateSubject: NCA names read as NCANode reads them (GIVENNAME is lastName, the patronymic)."""
    out: dict[str, str] = {}
    keys = {NameOID.COMMON_NAME: "commonName", NameOID.SURNAME: "surName", NameOID.GIVEN_NAME: "lastName",
            NameOID.EMAIL_ADDRESS: "email", NameOID.ORGANIZATION_NAME: "organization", NameOID.COUNTRY_NAME: "country",
            NameOID.LOCALITY_NAME: "locality", NameOID.STATE_OR_PROVINCE_NAME: "state"}
    for attribute in name:
        value = str(attribute.value)
        if attribute.oid == NameOID.SERIAL_NUMBER:
            upper = value.upper()
            if upper.startswith("BIN"):
                out.setdefault("bin", value[3:])
            elif upper.startswith("IIN"):
                out.setdefault("iin", value[3:])
        elif attribute.oid == NameOID.ORGANIZATIONAL_UNIT_NAME and value.upper().startswith("BIN"):
            out.setdefault("bin", value[3:])
        elif attribute.oid in keys:
            out.setdefault(keys[attribute.oid], value)
    gender = "NONE"
    if "iin" in out:
        try:
            sex = parse_iin(out["iin"], verify_checksum=False).sex
        except IdentityError:
            sex = None
        gender = sex.name if sex is not None else "NONE"
    out["gender"] = gender
    out["dn"] = dn
    return out


def _revocations(cert: Certificate, report: SignatureReport) -> list[dict]:
    """NCANode's revocations: one entry per OCSP answer or CRL that decided this certificate's status."""
    revoked = next((c for c in report.checks if c.code == "CERT_REVOKED"
                    and c.details.get("certificate") == cert.subject_dn), None)
    entries = []
    for evidence in report.revocation:
        if evidence.certificate != cert.subject_dn:
            continue
        entry: dict[str, Any] = {"revoked": revoked is not None, "by": evidence.type.value}
        if revoked is not None:
            if revoked.details.get("revokedAt"):
                entry["revocationTime"] = revoked.details["revokedAt"]
            if revoked.details.get("reason"):
                entry["reason"] = str(revoked.details["reason"])
        entries.append(entry)
    return entries


def certificate_info(cert: Certificate, report: SignatureReport) -> dict:
    """NCANode's CertificateInfo for ``cert``, ``valid`` only when its report is TOTAL_PASSED."""
    purpose = cert.purpose
    public_key = asn1_x509.Certificate.load(cert.der).public_key.dump()  # GOST keys too, which cryptography cannot load
    return {
        "valid": report.passed,
        "revocations": _revocations(cert, report),
        "notBefore": cert.not_before.isoformat(),
        "notAfter": cert.not_after.isoformat(),
        "keyUsage": purpose.value if purpose in (Purpose.SIGN, Purpose.AUTH) else "UNKNOWN",
        "serialNumber": cert.serial_hex,
        "signAlg": JAVA_ALGORITHMS.get(cert.signature_algorithm_oid, cert.signature_algorithm),
        "keyUser": sorted({KEY_USERS[r] for r in cert.roles if r in KEY_USERS}),
        "publicKey": base64.b64encode(public_key).decode(),
        "signature": base64.b64encode(cert.x509.signature).decode(),
        "subject": _name(cert.x509.subject, cert.subject_dn),
        "issuer": _name(cert.x509.issuer, cert.issuer_dn),
    }


def _load(der: bytes, name: str) -> Certificate:
    try:
        return Certificate.load(der)
    except CertificateError as exc:
        raise ApiError("FIELD_INVALID", f"{name}: {exc}", details={"field": name, "cause": exc.code}) from None


# ---------------------------------------------------------------------------------------------------------
# Errors: NCANode's {"status", "message"} with this API's code and details


def _refusal(code: str, message: str | None = None, details: dict | None = None,
             status: int | None = None) -> tuple[Response, int]:
    body, status = error_body(code, message, details, status)
    return jsonify({"status": status, **body}), status


errors.install(ncanode, respond=_refusal)


# ---------------------------------------------------------------------------------------------------------
# X509


@ncanode.post("/x509/info")
def x509_info():
    """Each certificate judged as a certificate (any purpose: login certificates are asked about too)."""
    authorise("verify")
    body = Body()
    certs = [_load(decode(value, f"certs[{i}]"), f"certs[{i}]")
             for i, value in enumerate(_items(body, "certs", str))]
    claims = _claims(body)
    checks = checker(_methods(body))
    reports = [checks.check(cert, purpose=None, expect_iin=claims.iin if i == 0 else None,
                            expect_bin=claims.bin if i == 0 else None) for i, cert in enumerate(certs)]
    for report in reports:
        count_verdict("certificate", report)
    worst = next((r for r in reports if not r.passed), reports[0])
    return ok(all(r.passed for r in reports), worst,
              signers=[certificate_info(c, r) for c, r in zip(certs, reports)])


def _raw_signature_check(cert: Certificate, data: bytes, signature: bytes) -> Check:
    """A raw signature over ``data`` (eGov Mobile's SIGN_BYTES_ARRAY) with the algorithm of the signer's key."""
    oid = algorithms.for_key(cert.key_algorithm_oid, algorithms.SHA256)
    if oid is None or not algorithms.is_supported(oid):
        return Check("signature", Status.INDETERMINATE, f"a {cert.key_algorithm} signature cannot be checked here",
                     "ALGORITHM_UNSUPPORTED")
    try:
        intact = algorithms.verify(cert, data, signature, oid)
    except algorithms.UnsupportedSignatureAlgorithm as exc:
        return Check("signature", Status.INDETERMINATE, exc.message, "ALGORITHM_UNSUPPORTED")
    if not intact:
        return Check("signature", Status.FAILED, "the signature does not verify over data with the certificate's key",
                     "SIGNATURE_INVALID", {"cause": "SIGNATURE_INVALID"})
    return Check("signature", Status.PASSED, f"signature intact ({JAVA_ALGORITHMS.get(oid, oid)})")


@ncanode.post("/x509/verify")
def x509_verify():
    """A raw signature over ``data`` (its UTF-8 bytes, as NCANode reads it) by a signing certificate."""
    authorise("verify")
    body = Body()
    cert = _load(_binary(body, "certificate"), "certificate")
    data = _field(body, "data", str)
    signature = _binary(body, "signature", required=False)
    if (data is None) != (signature is None):
        missing, given = ("signature", "data") if signature is None else ("data", "signature")
        raise ApiError("FIELD_MISSING", f"{missing} is required with {given}", details={"field": missing})
    claims = _claims(body)
    signer = checker(_methods(body)).check(cert, expect_iin=claims.iin, expect_bin=claims.bin)
    report = signer
    if signature is not None:
        report = SignatureReport((_raw_signature_check(cert, data.encode("utf-8"), signature),)).with_signer(signer)
    count_verdict("certificate", report)
    return ok(report.passed, report, signers=[certificate_info(cert, report)])


# ---------------------------------------------------------------------------------------------------------
# XML, CMS, PDF verification


def _document_answer(report: DocumentReport, signers: list[dict], kind: str) -> Response:
    refuse_too_complex(report)
    count_verdict(kind, report)
    return ok(report.passed, report, signers=signers)


@ncanode.post("/xml/verify")
def xml_verify():
    """Every NCALayer-profile signature of the XML (co-signatures last to first), each signer judged."""
    authorise("verify")
    body = Body()
    data = _xml(body)
    report = verifier(_methods(body)).verify(data, claims=_claims(body))
    signers = []
    if report.signatures:
        found = xmldsig.verify_xml(data)
        for signature, result in zip(report.signatures, found.signatures):
            if result.certificate_der is not None:
                signers.append(certificate_info(Certificate.load(result.certificate_der), signature))
    return _document_answer(report, signers, "document")


def _tsp_info(info: tsp.TimestampInfo, signature_value: bytes) -> dict:
    """NCANode's TspInfo of a checked signature timestamp: its imprint (``hash``, hex) is the digest of the
    signature value, which the check proved the token covers."""
    out: dict[str, Any] = {}
    if info.serial is not None:
        out["serialNumber"] = info.serial.to_bytes(info.serial.bit_length() // 8 + 1, "big").hex()  # as Java prints it
    if info.gen_time is not None:
        out["genTime"] = info.gen_time.isoformat()
    if info.policy:
        out["policy"] = info.policy
    if info.tsa_certificate_der:
        out["tsa"] = Certificate.load(info.tsa_certificate_der).subject_dn
    if info.hash_algorithm:
        digest = algorithms.digest(info.hash_algorithm)
        out["tspHashAlgorithm"] = digest.name.upper() if digest else info.hash_algorithm
        if digest is not None:
            out["hash"] = digest.hash(signature_value).hex()
    return out


@ncanode.post("/cms/verify")
def cms_verify():
    """Every SignerInfo of the CMS (attached, or detached over ``data``), its timestamp judged as CAdES-T."""
    authorise("verify")
    body = Body()
    data = _binary(body, "cms")
    detached = _binary(body, "data", required=False)
    if detect_format(data) != "cms":
        raise ApiError("FIELD_INVALID", "cms is not a CMS SignedData", details={"field": "cms"})
    report = verifier(_methods(body)).verify(data, detached_content=detached, claims=_claims(body))
    signers = []
    if report.signatures:
        found = tsp.verify_cades(data, detached_content=detached)
        for signature, result in zip(report.signatures, found.signers):
            if result.certificate_der is None:
                continue
            entry: dict[str, Any] = {"certificates": [certificate_info(Certificate.load(result.certificate_der),
                                                                       signature)]}
            if result.timestamp is not None and result.timestamp.intact:
                entry["tsp"] = _tsp_info(result.timestamp, result.signature_value)
            signers.append(entry)
    return _document_answer(report, signers, "document")


@ncanode.post("/cms/extract")
def cms_extract():
    """The content the CMS's signers signed, only when every SignerInfo is intact (nothing unsigned is returned)."""
    authorise("verify")
    body = Body()
    data = _binary(body, "cms")
    result = cms.verify_cms(data, detached_content=_binary(body, "data", required=False))
    if result.failure is not None or not result.intact or result.content is None:
        cause = result.failure or next((s.failure for s in result.signers if not s.intact), "NO_SIGNATURE")
        raise ApiError("UNPROCESSABLE", f"the CMS content is not returned: {result.message}",
                       details={"cause": cause})
    return ok(data=base64.b64encode(result.content).decode())


def _pdf_signatures(data: bytes) -> list:
    """The PDF's embedded signatures as pyHanko reads them, for what NCANode shows of each (reason, location...)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return list(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    except Exception:  # the verifier has judged the file already; without the details the signers are unnamed
        return []


def _pdf_signer(embedded, report: SignatureReport) -> dict:
    entry: dict[str, Any] = {"valid": report.passed}
    for key, name in (("reason", "/Reason"), ("location", "/Location"), ("contactInfo", "/ContactInfo")):
        value = embedded.sig_object.get(name)
        if value is not None:
            entry[key] = str(value)
    moment = report.signing_time or getattr(embedded, "self_reported_timestamp", None)
    if moment is not None:
        entry["signDate"] = moment.isoformat()
    try:
        entry["certificate"] = certificate_info(Certificate.load(embedded.signer_cert.dump()), report)
        algorithm = embedded.signer_info["signature_algorithm"]["algorithm"].dotted
        entry["signatureAlgorithm"] = JAVA_ALGORITHMS.get(algorithm, algorithm)
        entry["digestAlgorithm"] = str(embedded.md_algorithm).upper()
    except Exception:  # a signature too broken to name its signer: the verdict above says so
        pass
    return entry


@ncanode.post("/pdf/verify")
def pdf_verify():
    """Every signature of the PDF (coverage, changes after signing, timestamps, signer); document timestamps are
    judged too but, naming no signer, are not listed."""
    authorise("verify")
    body = Body()
    data = _binary(body, "pdf")
    if detect_format(data) != "pdf":
        raise ApiError("FIELD_INVALID", "pdf is not a PDF", details={"field": "pdf"})
    report = verifier(_methods(body)).verify(data, claims=_claims(body))
    signers = []
    if report.signatures:
        for embedded, signature in zip(_pdf_signatures(data), report.signatures):
            if signature.extra.get("kind") == "signature":
                signers.append(_pdf_signer(embedded, signature))
    return _document_answer(report, signers, "document")


# ---------------------------------------------------------------------------------------------------------
# Signing: keys the service holds (keyAlias), or the caller's PKCS#12 when the operator allows it


def alias_of(key: SigningKey) -> str:
    """A PKCS#12 key's alias as NCA files name it: the hex subject key identifier of its certificate."""
    ski = key.certificate.subject_key_id
    return ski.hex() if ski else key.certificate.sha1


def signing_key(entry: Any, name: str) -> SigningKey:
    """The key a SignerRequest names: ``keyAlias`` alone is a key the service holds (granted to the caller);
    ``key`` + ``password`` is the caller's PKCS#12, refused unless EDS_NCANODE_ACCEPT_KEYS=1."""
    if not isinstance(entry, dict):
        raise ApiError("FIELD_INVALID", f"{name} must be an object with keyAlias (or key and password)",
                       details={"field": name})
    alias = entry.get("keyAlias")
    if alias is not None and (not isinstance(alias, str) or not 0 < len(alias) <= 200):
        raise ApiError("FIELD_INVALID", f"{name}.keyAlias must be a string", details={"field": f"{name}.keyAlias"})
    if entry.get("referenceUri"):
        raise ApiError("FIELD_INVALID", f"{name}.referenceUri is not supported: the NCALayer profile signs the whole "
                       "document (URI=\"\")", details={"field": f"{name}.referenceUri"})
    if entry.get("key") is None:
        if alias is None:
            raise ApiError("FIELD_MISSING", f"{name}.keyAlias is required (the id of a key this service holds)",
                           details={"field": f"{name}.keyAlias"})
        g.client.require_signing_key(alias)
        try:
            return services().keys.get(alias)
        except KeyStoreError as exc:
            if exc.code != "KEY_NOT_FOUND":
                raise
            raise ApiError("NOT_FOUND", str(exc), details={"field": f"{name}.keyAlias"}) from None
    if not services().settings.ncanode_accept_keys:
        raise ApiError("KEYS_NOT_ACCEPTED", "this service signs with the keys it holds: name one by keyAlias "
                       "(a private key in the request is refused unless the operator sets EDS_NCANODE_ACCEPT_KEYS=1)",
                       details={"field": f"{name}.key"})
    key, password = entry.get("key"), entry.get("password")
    if not isinstance(key, str) or not isinstance(password, str):
        raise ApiError("FIELD_INVALID", f"{name}.key (Base64 PKCS#12) and {name}.password must be strings",
                       details={"field": f"{name}.key"})
    try:
        opened = SigningKey.from_pkcs12(decode(key, f"{name}.key"), password, key_id="request")
    except KeyStoreError as exc:
        raise ApiError("FIELD_INVALID", f"{name}.key: {exc}", details={"field": f"{name}.key", "cause": exc.code}) \
            from None
    if alias is not None and alias.lower() != alias_of(opened):
        # NCANode silently used another key than the one asked for; the alias must name the file's key
        raise ApiError("FIELD_INVALID", f"{name}.keyAlias names no key of this PKCS#12 file",
                       details={"field": f"{name}.keyAlias"})
    return opened


def _signers(body: Body, name: str = "signers") -> list[SigningKey]:
    return [signing_key(entry, f"{name}[{i}]") for i, entry in enumerate(_items(body, name, dict))]


def _timestamp(body: Body) -> tuple[str | None, cms.Timestamping | None]:
    """``withTsp``: the profile's TSA (``tsaPolicy`` is not sent: the TSA's own policy applies)."""
    if not body.flag("withTsp"):
        return None, None
    policy = _field(body, "tsaPolicy", str)
    if policy is not None and policy not in ("TSA_GOST2015_POLICY", "TSA_GOST_POLICY", "TSA_GOSTGT_POLICY"):
        raise ApiError("FIELD_INVALID", "tsaPolicy must be TSA_GOST2015_POLICY, TSA_GOST_POLICY or TSA_GOSTGT_POLICY",
                       details={"field": "tsaPolicy"})
    url = services().profile.tsa_url
    if not url:
        raise ApiError("DEPENDENCY_UNAVAILABLE", "no TSA is configured (EDS_TSA_URL)")
    return url, tsp.signature_timestamper(url)


def _signed(what: str, keys: list[SigningKey]) -> None:
    current_app.logger.info(f"ncanode signed {what}", extra={"client": g.client.key_id,
                                                             "keys": [k.key_id for k in keys]})


@ncanode.post("/xml/sign")
def xml_sign():
    """The XML signed by each signer in turn (NCALayer profile; a later signature covers the earlier ones)."""
    authorise("sign")
    body = Body()
    data = _xml(body)
    keys = _signers(body)
    data = xml_prepare.prepare(data, clear_signatures=body.flag("clearSignatures"), trim=body.flag("trimXml"))
    for key in keys:
        data = xmldsig.sign_xml(data, key.private_key, key.certificate.der)
    _signed("xml", keys)
    return ok(xml=data.decode("utf-8"))


def _cms_signed(content: bytes, existing: bytes | None, keys: list[SigningKey], *, detached: bool,
                stamp) -> bytes:
    signed = existing
    for key in keys:
        extra = [c.der for c in key.chain]
        if signed is None:
            signed = cms.sign_cms(content, key.private_key, key.certificate.der, detached=detached,
                                  extra_certs=extra, timestamp=stamp)
        else:
            signed = cms.add_signer(signed, key.private_key, key.certificate.der,
                                    detached_content=content if detached else None, extra_certs=extra,
                                    timestamp=stamp)
    return signed


@ncanode.post("/cms/sign")
def cms_sign():
    """A CMS over ``data`` (Base64), attached or ``detached``, with one SignerInfo per signer (CAdES-T with
    ``withTsp``)."""
    authorise("sign")
    body = Body()
    content = _binary(body, "data")
    keys = _signers(body)
    _, stamp = _timestamp(body)
    signed = _cms_signed(content, None, keys, detached=body.flag("detached"), stamp=stamp)
    _signed("cms", keys)
    return ok(cms=base64.b64encode(signed).decode())


@ncanode.post("/cms/sign/add")
def cms_sign_add():
    """More signers on an existing CMS; the existing SignerInfos are kept byte for byte. A detached CMS needs
    its ``data``."""
    authorise("sign")
    body = Body()
    existing = _binary(body, "cms")
    content = _binary(body, "data", required=False)
    keys = _signers(body)
    _, stamp = _timestamp(body)
    signed = _cms_signed(content, existing, keys, detached=content is not None, stamp=stamp)
    _signed("cms (added)", keys)
    return ok(cms=base64.b64encode(signed).decode())


@ncanode.post("/pdf/sign")
def pdf_sign():
    """PAdES signatures, one incremental update per signer (B-T with ``withTsp``)."""
    authorise("sign")
    body = Body()
    pdf = _binary(body, "pdf")
    if detect_format(pdf) != "pdf":
        raise ApiError("FIELD_INVALID", "pdf is not a PDF", details={"field": "pdf"})
    entries = _items(body, "signers", dict)
    url, _ = _timestamp(body)
    keys = []
    for i, entry in enumerate(entries):
        key = signing_key(entry.get("signer"), f"signers[{i}].signer")
        texts = {}
        for field, argument in (("reason", "reason"), ("location", "location"), ("contactInfo", "contact_info")):
            value = entry.get(field)
            if value is not None and (not isinstance(value, str) or len(value) > 500):
                raise ApiError("FIELD_INVALID", f"signers[{i}].{field} must be a string of at most 500 characters",
                               details={"field": f"signers[{i}].{field}"})
            texts[argument] = value
        pdf = pades.sign_pdf(pdf, key, timestamp_url=url, field_name=f"Signature-{uuid.uuid4().hex[:12]}", **texts)
        keys.append(key)
    _signed("pdf", keys)
    return ok(pdf=base64.b64encode(pdf).decode())


# ---------------------------------------------------------------------------------------------------------
# WSSE (SmartBridge) and PKCS#12


@ncanode.post("/wsse/sign")
def wsse_sign():
    """The SOAP envelope's Body signed as SmartBridge expects (wsu:Id, exclusive C14N, KeyIdentifier)."""
    authorise("sign")
    body = Body()
    data = _xml(body)
    key = signing_key({k: body.fields.get(k) for k in ("key", "password", "keyAlias")}, "request")
    data = xml_prepare.prepare(data, trim=body.flag("trimXml"))
    signed = wsse.sign_envelope(data, key.private_key, key.certificate.der)
    _signed("wsse", [key])
    return ok(xml=signed.decode("utf-8"))


@ncanode.post("/wsse/verify")
def wsse_verify():
    """The envelope's WS-Security signature (it must cover the Body) and its signer, judged in full."""
    authorise("verify")
    body = Body()
    data = _xml(body)
    with limits.budget():
        result = wsse.verify_envelope(data)
    if result.failure == "TOO_COMPLEX":
        raise ApiError("TOO_COMPLEX", f"the envelope exceeds a verification limit: {result.message}")
    claims = _claims(body)
    if result.failure == "NO_SIGNATURE":
        check = Check("signature", Status.FAILED, result.message, "NO_SIGNATURE")
    else:
        check = signature_check(result.failure, result.message)
    signer = None
    if result.certificate_der is not None:
        signer = checker(_methods(body)).check(result.certificate_der, expect_iin=claims.iin, expect_bin=claims.bin,
                                               extra_certs=result.other_certificates)
    report = SignatureReport((check,)).with_signer(signer)
    count_verdict("request", report)
    signers = [certificate_info(Certificate.load(result.certificate_der), report)] if signer is not None else []
    return ok(report.passed, report, signers=signers)


def _keys(body: Body) -> list[SigningKey]:
    return [signing_key(entry, f"keys[{i}]") for i, entry in enumerate(_items(body, "keys", dict))]


@ncanode.post("/pkcs12/info")
def pkcs12_info():
    """The certificate of each key, judged as a certificate (any purpose)."""
    authorise("sign")
    body = Body()
    keys = _keys(body)
    checks = checker(_methods(body))
    reports = [checks.check(key.certificate, purpose=None, extra_certs=[c.der for c in key.chain]) for key in keys]
    worst = next((r for r in reports if not r.passed), reports[0])
    return ok(all(r.passed for r in reports), worst,
              signers=[certificate_info(k.certificate, r) for k, r in zip(keys, reports)])


@ncanode.post("/pkcs12/aliases")
def pkcs12_aliases():
    """Each key's aliases: a held key's id, or the hex subject key identifier of a PKCS#12 file's key."""
    authorise("sign")
    body = Body()
    return ok(aliases=[[key.key_id if key.key_id != "request" else alias_of(key)] for key in _keys(body)])


# ---------------------------------------------------------------------------------------------------------
# Actuator


@ncanode.get("/actuator/health")
def actuator_health():
    """Spring Boot's health answer: UP when the trust anchors load, DOWN (503) otherwise. No API key."""
    try:
        up = bool(services().profile.anchors)
    except Exception:  # any reason the profile cannot load means the service cannot check anything
        up = False
    return jsonify(status="UP" if up else "DOWN"), 200 if up else 503


def served_spec(published: dict, served: list[str]) -> dict:
    """NCANode's published specification as this layer serves it: only the paths it has (no JWT, no actuator
    but its health), under /ncanode; what ``/ncanode/openapi.json`` gives (``scripts/ncanode-openapi``)."""
    spec = {**published, "servers": [{"url": "/ncanode", "description": "eds's NCANode-compatible layer"}]}
    spec["info"] = {**published["info"], "title": "NCANode v3 API, as eds serves it",
                    "description": "NCANode's published specification (github.com/malikzh/NCANode, MIT licence) "
                                   "with the paths eds serves; where eds answers differently, its README says so."}
    spec["paths"] = {path: operations for path, operations in published["paths"].items() if path in served}
    return spec


def register(app, *, root: bool) -> None:
    """Mount the endpoints under /ncanode, and at the root too when ``root``."""
    app.register_blueprint(ncanode, url_prefix="/ncanode")
    if root:
        app.register_blueprint(ncanode, url_prefix="", name="ncanode_root")
