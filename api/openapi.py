"""The OpenAPI 3.1 description of /api/v1 (served at /openapi.json) and a plain docs page (/docs)."""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, jsonify

docs = Blueprint("docs", __name__)

_B64 = {"type": "string", "description": "Base64 (PEM also accepted for certificates)"}
_ERROR = {"$ref": "#/components/schemas/Error"}
_REPORT = {"$ref": "#/components/schemas/Report"}


def _errors(*codes: int) -> dict:
    return {str(c): {"description": "error", "content": {"application/json": {"schema": _ERROR}}} for c in codes}


def _body(properties: dict, required: list[str]) -> dict:
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": True}
    return {"required": True, "content": {"application/json": {"schema": schema},
                                          "multipart/form-data": {"schema": schema}}}


def _ok(schema: dict, description: str = "done") -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


_IDENTITY = {"expectIin": {"type": "string", "description": "the IIN the request claims (12 digits)"},
             "expectBin": {"type": "string", "description": "the BIN the request claims (12 digits)"},
             "at": {"type": "string", "description": "ISO 8601 moment to judge at (default now)"}}

SPEC: dict = {
    "openapi": "3.1.0",
    "info": {"title": "eds API", "version": "1.0.0",
             "description": "EDS (ЭЦП) checks, signing and verification for Kazakhstan's state services. "
                            "Authenticate with the X-API-Key header. Errors: {code, message, details}; "
                            "messages follow Accept-Language (kk, ru, en)."},
    "components": {
        "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        "schemas": {
            "Error": {"type": "object", "required": ["code", "message", "details"],
                      "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                     "details": {"type": "object"}, "requestId": {"type": "string"}}},
            "Report": {"type": "object", "required": ["indication"],
                       "properties": {"indication": {"enum": ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"]},
                                      "subIndication": {"type": ["string", "null"]},
                                      "reasons": {"type": "array"}, "checks": {"type": "array"},
                                      "signatures": {"type": "array"}, "accepted": {"type": "boolean"},
                                      "notice": {"type": "object"}}},
        },
    },
    "security": [{"apiKey": []}],
    "paths": {
        "/api/v1/certificates/check": {"post": {
            "summary": "The signer check on a certificate: chain, validity, revocation, purpose, IIN/BIN, role",
            "requestBody": _body({"certificate": _B64, **_IDENTITY,
                                  "roles": {"type": "array", "items": {"type": "string"}}}, ["certificate"]),
            "responses": {**_ok(_REPORT, "the report (whatever the verdict)"), **_errors(400, 401, 403, 413, 415, 429, 503)},
        }},
        "/api/v1/requests/verify": {"post": {
            "summary": "The request check on a signed XML or CMS: accepted, or the refusal reason and notice",
            "requestBody": _body({"document": _B64, "detachedContent": _B64, **_IDENTITY,
                                  "iinPath": {"type": "string"}, "binPath": {"type": "string"}}, ["document"]),
            "responses": {**_ok(_REPORT, "the report (whatever the verdict)"), **_errors(400, 401, 403, 413, 415, 429, 503)},
        }},
        "/api/v1/signatures/xml": {"post": {
            "summary": "Sign (or co-sign) an XML document in the NCALayer profile with a key the service holds",
            "requestBody": _body({"keyId": {"type": "string"}, "document": _B64}, ["keyId", "document"]),
            "responses": {**_ok({"type": "object", "properties": {"document": _B64, "signer": {"type": "object"}}}),
                          **_errors(400, 401, 403, 404, 413, 415, 422, 429, 503)},
        }},
        "/api/v1/signatures/cms": {"post": {
            "summary": "Make a CMS signature (attached or detached, optional timestamp), or add a signer",
            "requestBody": _body({"keyId": {"type": "string"}, "content": _B64, "detached": {"type": "boolean"},
                                  "timestamp": {"type": "boolean"}, "addTo": _B64}, ["keyId", "content"]),
            "responses": {**_ok({"type": "object", "properties": {"cms": _B64, "signer": {"type": "object"}}}),
                          **_errors(400, 401, 403, 404, 413, 415, 422, 429, 503)},
        }},
        "/healthz": {"get": {"summary": "alive", "security": [], "responses": _ok({"type": "object"})}},
        "/readyz": {"get": {"summary": "ready: trust anchors loaded, registry reachable, CRLs current",
                            "security": [], "responses": {**_ok({"type": "object"}),
                                                          "503": {"description": "not ready"}}}},
    },
}


def register(path: str, operations: dict) -> None:
    """Other blueprints describe their own endpoints here."""
    SPEC["paths"][path] = operations


@docs.get("/openapi.json")
def openapi():
    return jsonify(SPEC)


@docs.get("/docs")
def page():
    rows = []
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            fields = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            names = ", ".join(f"<code>{escape(n)}</code>" for n in fields.get("properties", {}))
            rows.append(f"<tr><td><b>{method.upper()}</b></td><td><code>{escape(path)}</code></td>"
                        f"<td>{escape(operation.get('summary', ''))}</td><td>{names}</td></tr>")
    html = ("<!doctype html><html><head><meta charset='utf-8'><title>eds API</title><style>body{font-family:sans-serif;"
            "max-width:70rem;margin:2rem auto}td{border-top:1px solid #ddd;padding:.3rem}</style></head><body>"
            f"<h1>eds API</h1><p>{escape(SPEC['info']['description'])}</p><p><a href='/openapi.json'>openapi.json</a></p>"
            "<table><tr><th></th><th>path</th><th>what</th><th>fields</th></tr>" + "".join(rows) + "</table></body></html>")
    return Response(html, mimetype="text/html")
