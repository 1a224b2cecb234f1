"""/api/v1: JSON in and out, binary documents as Base64 fields or multipart uploads. A thin layer over eds."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from api.errors import ApiError
from api.metrics import count_verdict
from eds.signatures import cms, xmldsig
from eds.issuing.access import AccessError
from eds.pki.certificates import ROLE_TO_OID
from eds.issuing.keys import KeyStoreError
from eds.validation.request_check import Claims, ExpectedSigner
from eds.pki.trust import TrustError
from eds.signatures.tsp import TimestampError

v1 = Blueprint("v1", __name__, url_prefix="/api/v1")


def services():
    return current_app.extensions["eds"]


def authorise(scope: str):
    try:
        client = services().api_keys.authenticate(request.headers.get("X-API-Key"))
        client.require(scope)
    except AccessError as exc:
        raise ApiError(exc.code, str(exc)) from None
    g.client = client
    return client


class Body:
    """The request's fields, from JSON or from a multipart form; typed getters that name the bad field."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        if request.mimetype == "application/json":
            try:
                data = request.get_json(silent=True)
            except RecursionError:  # nested deeper than the JSON parser's recursion limit
                data = None
            if not isinstance(data, dict):
                raise ApiError("BAD_JSON", "the body must be a JSON object")
            self.fields: dict[str, Any] = data
        elif request.mimetype == "multipart/form-data":
            self.fields = request.form.to_dict()
            self.files = {name: storage.read() for name, storage in request.files.items()}
        else:
            raise ApiError("UNSUPPORTED_MEDIA_TYPE", "send application/json or multipart/form-data")

    def binary(self, name: str, *, required: bool = True) -> bytes | None:
        if name in self.files:
            return self.files[name]
        value = self.fields.get(name)
        if value is None:
            if required:
                raise ApiError("FIELD_MISSING", f"{name} is required (Base64 in JSON, or a multipart file)",
                               details={"field": name})
            return None
        if not isinstance(value, str):
            raise ApiError("FIELD_INVALID", f"{name} must be a Base64 string", details={"field": name})
        if value.lstrip().startswith("-----BEGIN"):
            return value.encode()
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("BAD_BASE64", f"{name} is not valid Base64", details={"field": name}) from None

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = self.fields.get(name)
        if value is None:
            if required:
                raise ApiError("FIELD_MISSING", f"{name} is required", details={"field": name})
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise ApiError("FIELD_INVALID", f"{name} must be a string of at most {max_length} characters",
                           details={"field": name})
        return value

    def flag(self, name: str) -> bool:
        value = self.fields.get(name, False)
        if isinstance(value, str) and request.mimetype == "multipart/form-data":
            return value.lower() in ("1", "true", "yes")
        if not isinstance(value, bool):
            raise ApiError("FIELD_INVALID", f"{name} must be true or false", details={"field": name})
        return value

    def moment(self, name: str = "at") -> _dt.datetime | None:
        text = self.text(name, max_length=40)
        if text is None:
            return None
        try:
            moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError("FIELD_INVALID", f"{name} must be an ISO 8601 time", details={"field": name}) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)

    def expected_signers(self) -> tuple[ExpectedSigner, ...] | None:
        """``expectedSigners``: [{"iin": .., "bin": ..}, ...] in signing order, or None when not given."""
        value = self.fields.get("expectedSigners")
        if value is None:
            return None
        if isinstance(value, str):  # a multipart form carries it as JSON text
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        problem = "expectedSigners must be a list of up to 32 objects with iin and/or bin (12 digits each)"
        if not isinstance(value, list) or len(value) > 32:
            raise ApiError("FIELD_INVALID", problem, details={"field": "expectedSigners"})
        signers = []
        for entry in value:
            if not isinstance(entry, dict) or not entry or set(entry) - {"iin", "bin"} or not all(
                    isinstance(v, str) and len(v) == 12 and v.isdigit() for v in entry.values()):
                raise ApiError("FIELD_INVALID", problem, details={"field": "expectedSigners"})
            signers.append(ExpectedSigner(iin=entry.get("iin"), bin=entry.get("bin")))
        return tuple(signers)

    def roles(self) -> frozenset[str] | None:
        value = self.fields.get("roles")
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(r, str) and r in ROLE_TO_OID for r in value):
            raise ApiError("FIELD_INVALID", f"roles must be a list among {', '.join(sorted(ROLE_TO_OID))}",
                           details={"field": "roles"})
        return frozenset(value)


def _dependency(call):
    """Run a library call whose configuration may be missing (no trust profile) as a 503, not a 500."""
    try:
        return call()
    except TrustError as exc:
        raise ApiError("DEPENDENCY_UNAVAILABLE", str(exc), details={"cause": exc.code}) from None


@v1.post("/certificates/check")
def check_certificate():
    authorise("verify")
    body = Body()
    certificate = body.binary("certificate")
    report = _dependency(lambda: services().signer_checker.check(
        certificate, at=body.moment(), expect_iin=body.text("expectIin"), expect_bin=body.text("expectBin"),
        roles=body.roles()))
    count_verdict("certificate", report)
    return jsonify(report.to_dict())


@v1.post("/requests/verify")
def verify_request():
    authorise("verify")
    body = Body()
    document = body.binary("document")
    detached = body.binary("detachedContent", required=False)
    claims = Claims(iin=body.text("expectIin"), bin=body.text("expectBin"), iin_path=body.text("iinPath"),
                    bin_path=body.text("binPath"), signers=body.expected_signers())
    report = _dependency(lambda: services().request_checker.check(document, claims=claims, detached_content=detached,
                                                           at=body.moment()))
    refuse_too_complex(report)
    count_verdict("request", report)
    return jsonify(report.to_dict())


def refuse_too_complex(report) -> None:
    """A document past a verification limit is refused (422 TOO_COMPLEX naming the limit), not reported on."""
    for reason in report.reasons:
        if reason.code == "TOO_COMPLEX":
            raise ApiError("TOO_COMPLEX", f"the document exceeds the limit {reason.details.get('limit')}",
                           details=reason.details)


def _key(body: Body):
    key_id = body.text("keyId", required=True)
    try:
        g.client.require_signing_key(key_id)
    except AccessError as exc:
        raise ApiError(exc.code, str(exc)) from None
    try:
        return services().keys.get(key_id)
    except KeyStoreError as exc:
        if exc.code == "KEY_NOT_FOUND":
            raise ApiError("NOT_FOUND", str(exc), details={"field": "keyId"}) from None
        raise ApiError("DEPENDENCY_UNAVAILABLE", str(exc), details={"cause": exc.code}) from None


@v1.post("/signatures/xml")
def sign_xml():
    client = authorise("sign")
    body = Body()
    document = body.binary("document")
    key = _key(body)
    try:
        signed = xmldsig.sign_xml(document, key.private_key, key.certificate.der)
    except xmldsig.XmlDsigError as exc:
        raise ApiError("UNPROCESSABLE", str(exc), details={"cause": exc.code}) from None
    current_app.logger.info("signed xml", extra={"client": client.key_id, "key": key.key_id})
    return jsonify(document=base64.b64encode(signed).decode(), signer=key.certificate.describe()["subject"])


@v1.post("/signatures/cms")
def sign_cms():
    client = authorise("sign")
    body = Body()
    content = body.binary("content")
    existing = body.binary("addTo", required=False)
    key = _key(body)
    tsa_url = services().profile.tsa_url if body.flag("timestamp") else None
    extra = [c.der for c in key.chain]
    try:
        if existing is not None:
            signed = cms.add_signer(existing, key.private_key, key.certificate.der, detached_content=content,
                                    extra_certs=extra, timestamp_url=tsa_url)
        else:
            signed = cms.sign_cms(content, key.private_key, key.certificate.der, detached=body.flag("detached"),
                                  extra_certs=extra, timestamp_url=tsa_url)
    except TimestampError as exc:
        raise ApiError("DEPENDENCY_UNAVAILABLE", f"the TSA did not give a timestamp: {exc}") from None
    except ValueError as exc:
        raise ApiError("UNPROCESSABLE", str(exc)) from None
    current_app.logger.info("signed cms", extra={"client": client.key_id, "key": key.key_id})
    return jsonify(cms=base64.b64encode(signed).decode(), signer=key.certificate.describe()["subject"])
