"""The OpenAPI 3.1 description of /api/v1 (served at /openapi.json) and a plain docs page (/docs).

Every endpoint lists each status it can answer; ``tests/test_api_schema.py`` holds the app to it with schemathesis.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

docs = Blueprint("docs", __name__)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_B64 = {"type": "string", "description": "Base64 (PEM also accepted for certificates)"}
_FILE = {"type": "string", "format": "binary", "description": "the file itself, or its Base64"}
_TEXT = {"type": "string", "maxLength": 200}
_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 moment to judge at (default now)"}
_MOMENT = {"type": "string", "format": "date-time"}
_NULLABLE_TEXT = {"type": ["string", "null"]}

_STATUS_TEXT = {400: "malformed request: not JSON, a missing field, a wrong type, bad Base64",
                401: "no API key, or an unknown one", 403: "the API key lacks the scope or the signing key",
                404: "no such document, provider, signing key or path", 409: "conflicts with the document's state, "
                "or the Idempotency-Key was used with another request", 413: "the body is larger than EDS_MAX_BODY",
                415: "neither application/json nor multipart/form-data", 422: "well-formed but unacceptable",
                429: "the API key's rate limit (per process)", 503: "a dependency is down: trust profile, "
                "registry database, TSA, signing key store"}

# The statuses every authenticated call can answer, and those of every call with a body.
_AUTH = (401, 403, 429, 503)
_BODY = (400, 413, 415)


def _errors(*codes: int) -> dict:
    return {str(c): {"description": _STATUS_TEXT[c], "content": {"application/json": {"schema": _ref("Error")}}}
            for c in sorted(codes)}


def _body(properties: dict, required: list[str], binary: tuple[str, ...] = ()) -> dict:
    """A body sent as JSON (binary fields in Base64) or as a multipart form (binary fields as files, no lists)."""
    json_schema = {"type": "object", "properties": properties, "required": required}
    form = {name: (_FILE if name in binary else {"type": "string"}) for name, spec in properties.items()
            if spec.get("type") != "array"}
    form_schema = {"type": "object", "properties": form, "required": required}
    return {"required": True, "content": {"application/json": {"schema": json_schema},
                                          "multipart/form-data": {"schema": form_schema}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_IDENTITY = {"expectIin": {"type": "string", "maxLength": 200, "description": "the IIN claimed (12 digits)"},
             "expectBin": {"type": "string", "maxLength": 200, "description": "the BIN claimed (12 digits)"},
             "at": _TIME}
_SIGNERS = {"expectedSigners": {
    "type": "array", "maxItems": 32,
    "description": "who must have signed, in signing order (XML co-signatures: first signer first); a missing, "
                   "extra or reordered signer is TOTAL_FAILED with SIGNERS_MISMATCH. Without it the report lists the "
                   "signers found (signers.checked: false); a document of this registry is held to its recorded signer",
    "items": {"type": "object", "additionalProperties": False, "minProperties": 1,
              "properties": {"iin": {"type": "string", "pattern": "^[0-9]{12}$"},
                             "bin": {"type": "string", "pattern": "^[0-9]{12}$"}}},
    "example": [{"iin": "700918300532", "bin": "120340002229"}]}}
_NUMBER = {"name": "number", "in": "path", "required": True, "description": "the document's registry number",
           "schema": {"type": "string", "example": "LIC-ZHM-2026-000123"}}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "description": "a retry with the same key and request returns the same document",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}

_SCHEMAS: dict = {
    "Error": {"type": "object", "required": ["code", "message", "details"],
              "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                             "details": {"type": "object"}, "requestId": {"type": "string"}}},
    "Messages": {"type": "object", "required": ["kk", "ru", "en"],
                 "properties": {lang: {"type": "string"} for lang in ("kk", "ru", "en")}},
    "Reason": {"type": "object", "required": ["code", "messages"],
               "properties": {"code": {"type": "string"}, "messages": _ref("Messages"), "details": {"type": "object"}}},
    "Check": {"type": "object", "required": ["name", "status", "message"],
              "properties": {"name": {"type": "string"},
                             "status": {"enum": ["PASSED", "FAILED", "INDETERMINATE", "WARNING", "SKIPPED"]},
                             "message": {"type": "string"}, "code": {"type": "string"}, "details": {"type": "object"}}},
    "Indication": {"enum": ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"]},
    "SignatureReport": {
        "type": "object", "description": "the verdict on one signature or one certificate, and what it rests on",
        "required": ["indication", "subIndication", "reasons", "signer", "signingTime", "validationTime", "timeSource",
                     "chain", "revocation", "checks", "warnings"],
        "properties": {"indication": _ref("Indication"), "subIndication": _NULLABLE_TEXT,
                       "reasons": {"type": "array", "items": _ref("Reason")},
                       "signer": {"type": ["object", "null"], "description": "the certificate, described"},
                       "signingTime": _NULLABLE_TEXT, "validationTime": _NULLABLE_TEXT,
                       "timeSource": {"enum": ["timestamp", "now", "requested", None]},
                       "chain": {"type": "array", "items": {"type": "object"}},
                       "revocation": {"type": "array", "items": {"type": "object"}},
                       "checks": {"type": "array", "items": _ref("Check")},
                       "warnings": {"type": "array", "items": {"type": "string"}}}},
    "DocumentReport": {
        "type": "object", "description": "the verdict on a signed document and one report per signature",
        "required": ["indication", "subIndication", "accepted", "reasons", "notice", "format", "checks", "signatures"],
        "properties": {"indication": _ref("Indication"), "subIndication": _NULLABLE_TEXT,
                       "accepted": {"type": "boolean"}, "reasons": {"type": "array", "items": _ref("Reason")},
                       "notice": _ref("Messages"), "format": {"type": "string"},
                       "checks": {"type": "array", "items": _ref("Check")},
                       "signatures": {"type": "array", "items": _ref("SignatureReport")}}},
    "RegistryCrossCheck": {
        "type": "object", "required": ["found"],
        "description": "whether this registry issued the document (found null: the registry did not answer); "
                       "status and supersededBy only when the upload is the registered file itself (registeredFile)",
        "properties": {"found": {"type": ["boolean", "null"]}, "number": {"type": "string"},
                       "registeredFile": {"type": "boolean"}, "status": {"type": "string"},
                       "supersededBy": _NULLABLE_TEXT, "message": {"type": "string"}}},
    "VerifyReport": {"allOf": [_ref("DocumentReport"), {"type": "object", "required": ["registry"],
                                                        "properties": {"registry": _ref("RegistryCrossCheck")}}]},
    "Signer": {"type": "object", "description": "the signer certificate's subject",
               "properties": {"commonName": _NULLABLE_TEXT, "iin": _NULLABLE_TEXT, "bin": _NULLABLE_TEXT,
                              "dn": {"type": "string"}}},
    "Document": {
        "type": "object",
        "required": ["number", "type", "status", "providerId", "holder", "issuedAt", "signedAt",
                     "signerCertificateSha256", "originalNumber", "supersedes", "supersededBy", "data", "links"],
        "properties": {
            "number": {"type": "string"}, "type": {"type": "string"},
            "status": {"enum": ["valid", "superseded", "suspended", "terminated"]},
            "providerId": {"type": "string"},
            "holder": {"type": "object", "required": ["name", "id"],
                       "properties": {"name": {"type": "string"}, "id": {"type": "string"}}},
            "issuedAt": _MOMENT, "signedAt": _MOMENT,
            "signerCertificateSha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "originalNumber": _NULLABLE_TEXT, "supersedes": _NULLABLE_TEXT, "supersededBy": _NULLABLE_TEXT,
            "data": {"type": "object", "description": "the document's data, as issued"},
            "links": {"type": "object", "required": ["pdf", "xml", "verify"],
                      "properties": {"pdf": {"type": "string"}, "xml": {"type": "string"},
                                     "verify": {"type": "string"}}}}},
    "Event": {"type": "object", "required": ["kind", "actor", "at", "reason", "relatedNumber"],
              "properties": {"kind": {"enum": ["issued", "reissued", "duplicate_issued", "suspended", "resumed",
                                               "terminated"]},
                             "actor": {"type": "string"}, "at": _MOMENT, "reason": _NULLABLE_TEXT,
                             "relatedNumber": _NULLABLE_TEXT}},
    "DocumentWithEvents": {"allOf": [_ref("Document"), {
        "type": "object", "required": ["events"],
        "properties": {"events": {"type": "array", "items": _ref("Event")}}}]},
}

_SIGNED_FILE = {"/api/v1/documents/{number}/" + kind: {"get": {
    "summary": f"The signed {label} of a document, as issued",
    "parameters": [_NUMBER],
    "responses": {"200": {"description": f"the signed {label}",
                          "content": {mime: {"schema": {"type": "string", "format": "binary"}}}},
                  **_errors(404, *_AUTH)},
}} for kind, label, mime in (("pdf", "PDF", "application/pdf"), ("xml", "XML twin", "application/xml"))}

SPEC: dict = {
    "openapi": "3.1.0",
    "info": {"title": "eds API", "version": "1.0.0",
             "description": "EDS (ЭЦП) checks, signing, issuing and verification for Kazakhstan's state services. "
                            "Authenticate with the X-API-Key header. Errors: {code, message, details}; "
                            "messages follow Accept-Language (kk, ru, en)."},
    "components": {"securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
                   "schemas": _SCHEMAS},
    "security": [{"apiKey": []}],
    "paths": {
        "/api/v1/certificates/check": {"post": {
            "summary": "The signer check on a certificate: chain, validity, revocation, purpose, IIN/BIN, role",
            "description": "Scope verify.",
            "requestBody": _body({"certificate": _B64, **_IDENTITY,
                                  "roles": {"type": "array", "items": {"type": "string"}}}, ["certificate"],
                                 binary=("certificate",)),
            "responses": {"200": _json(_ref("SignatureReport"), "the report, whatever the verdict"),
                          **_errors(*_BODY, *_AUTH)},
        }},
        "/api/v1/requests/verify": {"post": {
            "summary": "The request check on a signed XML or CMS: accepted, or the refusal reason and notice",
            "description": "Scope verify.",
            "requestBody": _body({"document": _B64, "detachedContent": _B64, **_IDENTITY, "iinPath": _TEXT,
                                  "binPath": _TEXT, **_SIGNERS}, ["document"],
                                 binary=("document", "detachedContent")),
            "responses": {"200": _json(_ref("DocumentReport"), "the report, whatever the verdict"),
                          **_errors(*_BODY, *_AUTH, 422)},
        }},
        "/api/v1/signatures/xml": {"post": {
            "summary": "Sign (or co-sign) an XML document in the NCALayer profile with a key the service holds",
            "description": "Scope sign, and the signing key granted to the API key.",
            "requestBody": _body({"keyId": _TEXT, "document": _B64}, ["keyId", "document"], binary=("document",)),
            "responses": {"200": _json({"type": "object", "required": ["document", "signer"],
                                        "properties": {"document": _B64, "signer": _ref("Signer")}},
                                       "the signed XML"),
                          **_errors(*_BODY, *_AUTH, 404, 422)},
        }},
        "/api/v1/signatures/cms": {"post": {
            "summary": "Make a CMS signature (attached or detached, optional timestamp), or add a signer",
            "description": "Scope sign, and the signing key granted to the API key.",
            "requestBody": _body({"keyId": _TEXT, "content": _B64, "detached": {"type": "boolean"},
                                  "timestamp": {"type": "boolean"}, "addTo": _B64}, ["keyId", "content"],
                                 binary=("content", "addTo")),
            "responses": {"200": _json({"type": "object", "required": ["cms", "signer"],
                                        "properties": {"cms": _B64, "signer": _ref("Signer")}}, "the CMS"),
                          **_errors(*_BODY, *_AUTH, 404, 422)},
        }},
        "/api/v1/documents": {"post": {
            "summary": "Issue a document: validate, sign the PDF (PAdES) and its XML twin, record it in the registry",
            "description": "Scope issue, and the signing key granted to the API key. A retry with the same "
                           "Idempotency-Key returns the same document; the key with other data is a 409.",
            "parameters": [_IDEMPOTENCY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["type", "providerId", "keyId", "data"],
                "properties": {"type": {"type": "string", "maxLength": 64, "example": "scrap_metal_licence"},
                               "providerId": {"type": "string", "maxLength": 16, "example": "ZHM"},
                               "keyId": _TEXT, "data": {"type": "object", "description": "the type's fields"}}}}}},
            "responses": {"201": _json(_ref("Document"), "issued (or the same document, for a retry)"),
                          **_errors(*_BODY, *_AUTH, 404, 409, 422)},
        }},
        "/api/v1/documents/{number}": {"get": {
            "summary": "A document's registry record and its life events",
            "description": "Scope verify.",
            "parameters": [_NUMBER],
            "responses": {"200": _json(_ref("DocumentWithEvents"), "the record"), **_errors(404, *_AUTH)},
        }},
        **_SIGNED_FILE,
        "/api/v1/documents/{number}/events": {"post": {
            "summary": "A life event: reissue or duplicate (a new document, 201), suspend, resume or terminate (200)",
            "description": "Scope issue; reissue and duplicate sign with keyId, which must be granted.",
            "parameters": [_NUMBER, _IDEMPOTENCY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["event", "reason"],
                "properties": {"event": {"enum": ["reissue", "duplicate", "suspend", "resume", "terminate"]},
                               "reason": {"type": "string", "maxLength": 1000},
                               "keyId": {**_TEXT, "description": "reissue and duplicate only (required there)"},
                               "data": {"type": "object", "description": "reissue only: the new data"}}}}}},
            "responses": {"200": _json(_ref("Document"), "suspended, resumed or terminated: the document"),
                          "201": _json(_ref("Document"), "reissued or duplicated: the new document"),
                          **_errors(*_BODY, *_AUTH, 404, 409, 422)},
        }},
        "/api/v1/verify": {"post": {
            "summary": "Verify any signed PDF, XML or CMS, with the cross-check against this registry",
            "description": "Scope verify. The document is never stored.",
            "requestBody": _body({"document": _B64, "detachedContent": _B64, **_IDENTITY, **_SIGNERS},
                                 ["document"], binary=("document", "detachedContent")),
            "responses": {"200": _json(_ref("VerifyReport"), "the report, whatever the verdict"),
                          **_errors(*_BODY, *_AUTH, 422)},
        }},
        "/healthz": {"get": {"summary": "alive", "security": [],
                             "responses": {"200": _json({"type": "object", "required": ["status"],
                                                         "properties": {"status": {"const": "ok"}}}, "alive")}}},
        "/readyz": {"get": {
            "summary": "ready: trust anchors loaded, registry reachable, CRLs current", "security": [],
            "responses": {code: _json({"type": "object", "required": ["status", "checks"],
                                       "properties": {"status": {"enum": ["ready", "not ready"]},
                                                      "checks": {"type": "object"}}}, text)
                          for code, text in (("200", "ready"), ("503", "not ready, with the failing check"))}}},
        "/metrics": {"get": {"summary": "Prometheus metrics of this worker process", "security": [],
                             "responses": {"200": {"description": "the text exposition format",
                                                   "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    },
}


def register(path: str, operations: dict) -> None:
    """Other blueprints describe their own endpoints here."""
    SPEC["paths"][path] = operations


@docs.get("/openapi.json")
def openapi() -> Response:
    return jsonify(SPEC)


@docs.get("/docs")
def page() -> Response:
    """A plain page listing each endpoint: method, path, what it does and the fields of its JSON body."""
    operations = [(method, path, operation.get("summary", ""),
                   list(operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                        .get("schema", {}).get("properties", {})))
                  for path, methods in SPEC["paths"].items() for method, operation in methods.items()]
    html = render_template("docs.html", description=SPEC["info"]["description"], operations=operations)
    return Response(html, mimetype="text/html")
