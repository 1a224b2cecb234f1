"""Hostile HTTP requests for the API and the documented answer each must get (status and error ``code``).

Made from a table of every endpoint's fields: each field gets every wrong JSON type, Base64 that is not, values
over their length limit, and its absence when required, while the other fields stay valid, so the error must
name that field. Then every endpoint meets bad JSON, wrong content types, wrong methods and bad API keys; and
the app meets unknown routes and bodies over its size limit (``small`` app).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from eds.issuing.access import ApiKeys

VALID_B64 = "PGEvPg=="  # "<a/>"
NUMBER = "LIC-ZHM-2026-999999"  # a number this registry never issued
PENDING = "0123456789abcdef0123456789abcdef"  # a pending two-step document that does not exist


@dataclass(frozen=True)
class Request:
    """One request. ``token``: the name of an API key the test made (all, verify, sign, issue, limited, wrong_secret),
    else the literal X-API-Key value, or None for no header. ``kwargs`` go to the test client (``send``)."""

    name: str
    method: str
    path: str
    status: int
    code: str
    token: str | None = "all"
    kwargs: dict[str, Any] = field(default_factory=dict)
    field: str | None = None  # the field the error must name (details.field)
    app: str = "main"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # binary, text, flag, moment, roles, object
    required: bool = False
    max_length: int = 200


@dataclass(frozen=True)
class Endpoint:
    path: str
    base: dict[str, Any]  # a body whose fields are all valid
    fields: tuple[Field, ...]
    scope: str


ENDPOINTS: dict[str, Endpoint] = {
    "certificate_check": Endpoint("/api/v1/certificates/check", {"certificate": VALID_B64}, (
        Field("certificate", "binary", True), Field("at", "moment"), Field("expectIin", "text"),
        Field("expectBin", "text"), Field("roles", "roles")), "verify"),
    "request_verify": Endpoint("/api/v1/requests/verify", {"document": VALID_B64}, (
        Field("document", "binary", True), Field("detachedContent", "binary"), Field("expectIin", "text"),
        Field("expectBin", "text"), Field("iinPath", "text"), Field("binPath", "text"), Field("at", "moment")),
        "verify"),
    "sign_xml": Endpoint("/api/v1/signatures/xml", {"document": VALID_B64, "keyId": "ministry"}, (
        Field("document", "binary", True), Field("keyId", "text", True)), "sign"),
    "sign_cms": Endpoint("/api/v1/signatures/cms", {"content": VALID_B64, "keyId": "ministry"}, (
        Field("content", "binary", True), Field("addTo", "binary"), Field("keyId", "text", True),
        Field("timestamp", "flag"), Field("detached", "flag")), "sign"),
    "issue": Endpoint("/api/v1/documents", {"type": "scrap_metal_licence", "providerId": "ZHM",
                                            "keyId": "ministry", "data": {}}, (
        Field("type", "text", True, 64), Field("providerId", "text", True, 16), Field("keyId", "text", True),
        Field("data", "object", True)), "issue"),
    "event": Endpoint(f"/api/v1/documents/{NUMBER}/events", {"event": "suspend", "reason": "inspection"}, (
        Field("event", "text", True, 16), Field("reason", "text", True, 1000)), "issue"),
    "reissue": Endpoint(f"/api/v1/documents/{NUMBER}/events", {"event": "reissue", "reason": "address_change",
                                                                "keyId": "ministry"}, (
        Field("keyId", "text", True), Field("data", "object")), "issue"),
    "verify": Endpoint("/api/v1/verify", {"document": VALID_B64}, (
        Field("document", "binary", True), Field("detachedContent", "binary"), Field("at", "moment")), "verify"),
    "prepare": Endpoint("/api/v1/documents/prepare", {"type": "scrap_metal_licence", "providerId": "ZHM",
                                                      "signerCertificate": VALID_B64, "data": {}}, (
        Field("type", "text", True, 64), Field("providerId", "text", True, 16),
        Field("signerCertificate", "binary", True), Field("data", "object", True)), "issue"),
    "complete": Endpoint(f"/api/v1/documents/prepared/{PENDING}/complete", {"cms": VALID_B64, "signedXml": "<a/>"}, (
        Field("cms", "binary", True), Field("signedXml", "binary", True)), "issue"),
}
# path, the scope that may read it, the methods it answers
GET_ENDPOINTS = ((f"/api/v1/documents/{NUMBER}", "verify", {"GET"}), (f"/api/v1/documents/{NUMBER}/pdf", "verify", {"GET"}),
                 (f"/api/v1/documents/{NUMBER}/xml", "verify", {"GET"}),
                 (f"/api/v1/documents/prepared/{PENDING}/pdf", "issue", {"GET"}),
                 (f"/api/v1/documents/prepared/{PENDING}", "issue", {"DELETE"}))

WRONG_TYPES: dict[str, list[tuple[str, Any]]] = {
    "binary": [("number", 5), ("float", 1.5), ("true", True), ("list", [VALID_B64]), ("object", {"b64": VALID_B64}),
               ("huge_number", 10 ** 300), ("infinity_like", 1e308)],
    "text": [("number", 5), ("float", 2.5), ("true", False), ("list", ["a"]), ("object", {"a": 1})],
    "flag": [("string", "yes"), ("number", 1), ("list", [True]), ("object", {}), ("null", None)],
    "moment": [("number", 20260101), ("list", ["2026-01-01"]), ("object", {}), ("true", True)],
    "roles": [("string", "FIRST_HEAD"), ("number", 1), ("unknown_role", ["KING"]), ("list_of_numbers", [1, 2]),
              ("object", {"FIRST_HEAD": True}), ("nested", [["FIRST_HEAD"]])],
    "object": [("list", [1]), ("string", "{}"), ("number", 5), ("true", True)],
}
BAD_BASE64 = [("percent", "%%%"), ("short_padding", "AAA"), ("padding_in_middle", "AA==AA=="),
              ("cyrillic", "ФЫВА"), ("urlsafe", "-_-_"), ("nul", "AA\x00A"), ("only_padding", "====")]
BAD_MOMENTS = [("word", "tomorrow"), ("month_13", "2026-13-01"), ("hour_25", "2026-01-01T25:00:00"),
               ("too_long", "2026-01-01T00:00:00.000000+00:00" + " " * 20), ("empty", "")]


def _field_cases(key: str, endpoint: Endpoint) -> list[Request]:
    out: list[Request] = []
    for spec in endpoint.fields:
        def request(label: str, value: Any, code: str, *, present: bool = True, status: int = 400) -> Request:
            body = dict(endpoint.base)
            if present:
                body[spec.name] = value
            else:
                body.pop(spec.name, None)
            return Request(f"{key}.{spec.name}.{label}", "POST", endpoint.path, status, code, endpoint.scope,
                           {"json": body}, spec.name)
        for label, value in WRONG_TYPES[spec.kind]:
            out.append(request(label, value, "FIELD_INVALID"))
        if spec.kind == "binary":
            out += [request(label, value, "BAD_BASE64") for label, value in BAD_BASE64]
        if spec.kind in ("text", "moment"):
            limit = 40 if spec.kind == "moment" else spec.max_length
            out.append(request("too_long", "1" * (limit + 1), "FIELD_INVALID"))
        if spec.kind == "moment":
            out += [request(label, value, "FIELD_INVALID") for label, value in BAD_MOMENTS]
        if spec.required:
            out.append(request("missing", None, "FIELD_MISSING", present=False))
            if spec.kind != "object":
                out.append(request("null", None, "FIELD_MISSING"))
    return out


BAD_JSON = [("not_json", b"not json"), ("unterminated", b'{"certificate": "AAAA"'), ("trailing_garbage", b'{} x'),
            ("array", b"[1, 2]"), ("string", b'"text"'), ("number", b"5"), ("null", b"null"),
            ("invalid_utf8", b'{"a": "\xff\xfe"}'), ("single_quotes", b"{'a': 1}"), ("empty", b""),
            ("deeply_nested_arrays", b"[" * 100_000 + b"]" * 100_000),
            ("deeply_nested_objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
            ("nested_in_field", b'{"certificate": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"),
            ("integer_of_5000_digits", b'{"certificate": 1' + b"0" * 5000 + b"}")]
CONTENT_TYPES = ["text/plain", "application/xml", "application/x-www-form-urlencoded", "application/octet-stream",
                 "application/jsonp", "image/png"]
NOT_ALLOWED = {"POST": ("GET", "PUT", "DELETE", "PATCH"), "GET": ("POST", "PUT", "DELETE", "PATCH")}
UNKNOWN = ["/api/v2/verify", "/api/v1/", "/api/v1/certificates", "/api/v1/documents/X/pdf/extra",
           "/api/v1/documents/X/json", "/api/v1/signatures/pdf", "/admin", "/api/v1/../../etc/passwd",
           "/api/v1/verify/" + "A" * 3000, "/%00", "/api/v1/%ff%fe", "/.env"]
BAD_KEYS = [("missing", None, 401, "API_KEY_MISSING"), ("empty", "", 401, "API_KEY_MISSING"),
            ("unknown", "eds_000000000000_secret", 401, "API_KEY_INVALID"),
            ("two_parts", "eds_only", 401, "API_KEY_INVALID"), ("no_prefix", "token", 401, "API_KEY_INVALID"),
            ("wrong_secret", "wrong_secret", 401, "API_KEY_INVALID"),
            ("long", "eds_" + "a" * 8000, 401, "API_KEY_INVALID"),
            ("latin1", "eds_\xe9\xe9_\xe9", 401, "API_KEY_INVALID")]


# GET /api/v1/documents/prepare is the document numbered "prepare": a 404 from GET /documents/<number>, not a 405.
SHADOWED = {("prepare", "GET")}


def _endpoint_cases(key: str, endpoint: Endpoint) -> list[Request]:
    out = [Request(f"{key}.json.{label}", "POST", endpoint.path, 400, "BAD_JSON", endpoint.scope,
                   {"data": raw, "content_type": "application/json"}) for label, raw in BAD_JSON]
    out += [Request(f"{key}.content_type.{kind}", "POST", endpoint.path, 415, "UNSUPPORTED_MEDIA_TYPE", endpoint.scope,
                    {"data": b"{}", "content_type": kind}) for kind in CONTENT_TYPES]
    out.append(Request(f"{key}.content_type.none", "POST", endpoint.path, 415, "UNSUPPORTED_MEDIA_TYPE",
                       endpoint.scope, {"data": b"{}"}))
    out += [Request(f"{key}.method.{method}", method, endpoint.path, 405, "METHOD_NOT_ALLOWED", endpoint.scope)
            for method in NOT_ALLOWED["POST"] if (key, method) not in SHADOWED]
    out += [Request(f"{key}.key.{label}", "POST", endpoint.path, status, code, value, {"json": endpoint.base})
            for label, value, status, code in BAD_KEYS]
    denied = "sign" if endpoint.scope != "sign" else "verify"
    out.append(Request(f"{key}.key.scope_denied", "POST", endpoint.path, 403, "SCOPE_DENIED", denied,
                       {"json": endpoint.base}))
    out.append(Request(f"{key}.too_large.json", "POST", endpoint.path, 413, "PAYLOAD_TOO_LARGE", endpoint.scope,
                       {"json": {**endpoint.base, "padding": "A" * 5000}}, app="small"))
    out.append(Request(f"{key}.too_large.multipart", "POST", endpoint.path, 413, "PAYLOAD_TOO_LARGE", endpoint.scope,
                       {"data": {"file": (b"A" * 5000, "big.bin")}, "content_type": "multipart/form-data"},
                       app="small"))
    return out


def _other_cases() -> list[Request]:
    out: list[Request] = []
    for path, scope, allowed in GET_ENDPOINTS:
        method = next(iter(allowed))
        out += [Request(f"{method.lower()}{path}.method.{other}", other, path, 405, "METHOD_NOT_ALLOWED", scope)
                for other in ("GET", "POST", "PUT", "DELETE", "PATCH") if other not in allowed]
        out += [Request(f"{method.lower()}{path}.key.{label}", method, path, status, code, value)
                for label, value, status, code in BAD_KEYS]
        out.append(Request(f"{method.lower()}{path}.unknown", method, path, 404, "NOT_FOUND", scope))
        out.append(Request(f"{method.lower()}{path}.key.scope_denied", method, path, 403, "SCOPE_DENIED", "sign"))
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        out += [Request(f"{path}.method.{method}", method, path, 405, "METHOD_NOT_ALLOWED", None)
                for method in ("POST", "PUT", "DELETE")]
    out += [Request(f"unknown{path[:40]}", "GET", path, 404, "NOT_FOUND", "verify") for path in UNKNOWN]
    out += [Request(f"unknown_post{path[:40]}", "POST", path, 404, "NOT_FOUND", "verify", {"json": {}})
            for path in UNKNOWN[:6]]
    base = ENDPOINTS["certificate_check"]
    out += [
        Request("multipart.certificate_missing", "POST", base.path, 400, "FIELD_MISSING", "verify",
                {"data": {"other": (b"x", "x.der")}, "content_type": "multipart/form-data"}, "certificate"),
        Request("multipart.certificate_bad_base64", "POST", base.path, 400, "BAD_BASE64", "verify",
                {"data": {"certificate": "%%%"}, "content_type": "multipart/form-data"}, "certificate"),
        Request("multipart.roles_as_text", "POST", base.path, 400, "FIELD_INVALID", "verify",
                {"data": {"certificate": (b"x", "c.der"), "roles": "FIRST_HEAD"}, "content_type": "multipart/form-data"},
                "roles"),
        Request("multipart.at_garbage", "POST", base.path, 400, "FIELD_INVALID", "verify",
                {"data": {"certificate": (b"x", "c.der"), "at": "yesterday"}, "content_type": "multipart/form-data"},
                "at"),
        Request("multipart.no_boundary", "POST", base.path, 400, "FIELD_MISSING", "verify",
                {"data": b"--x\r\n", "content_type": "multipart/form-data"}, "certificate"),
        Request("sign.key_not_granted", "POST", "/api/v1/signatures/xml", 403, "KEY_NOT_GRANTED", "sign",
                {"json": {"document": VALID_B64, "keyId": "region"}}),
        Request("sign.key_unknown", "POST", "/api/v1/signatures/xml", 404, "NOT_FOUND", "all",
                {"json": {"document": VALID_B64, "keyId": "nobody"}}, "keyId"),
        Request("issue.idempotency_key_too_long", "POST", "/api/v1/documents", 400, "FIELD_INVALID", "issue",
                {"json": ENDPOINTS["issue"].base, "headers": {"Idempotency-Key": "k" * 201}}, "Idempotency-Key"),
        Request("issue.unknown_provider", "POST", "/api/v1/documents", 404, "NOT_FOUND", "issue",
                {"json": {**ENDPOINTS["issue"].base, "providerId": "NOPE"}}),
        Request("event.unknown_kind", "POST", f"/api/v1/documents/{NUMBER}/events", 400, "FIELD_INVALID", "issue",
                {"json": {"event": "explode", "reason": "x"}}, "event"),
        Request("event.unknown_document", "POST", f"/api/v1/documents/{NUMBER}/events", 404, "NOT_FOUND", "issue",
                {"json": {"event": "suspend", "reason": "x"}}),
        Request("rate_limited", "POST", base.path, 429, "RATE_LIMITED", "limited", {"json": {"certificate": 5}}),
        Request("get.document_named_prepare", "GET", "/api/v1/documents/prepare", 404, "NOT_FOUND", "verify"),
    ]
    return out


SHARED_PATH = {"reissue"}  # same URL as "event": its JSON, method and key cases would repeat those
REQUESTS: list[Request] = [request for key, endpoint in ENDPOINTS.items()
                           for request in (*_field_cases(key, endpoint),
                                           *(() if key in SHARED_PATH else _endpoint_cases(key, endpoint)))
                           ] + _other_cases()


def make_tokens(home: Path) -> dict[str, str]:
    """The API keys the requests name, created in ``home``'s key store (no rate limit but for ``limited``)."""
    store = ApiKeys(home / "api-keys.json")
    unlimited = 10 ** 9
    tokens = {"all": store.create("all", ["verify", "issue", "sign"], signing_keys=["*"], providers=["*"],
                                rate_per_minute=unlimited),
              "verify": store.create("verify", ["verify"], rate_per_minute=unlimited),
              "sign": store.create("sign", ["sign"], signing_keys=["ministry"], rate_per_minute=unlimited),
              "issue": store.create("issue", ["issue", "verify"], signing_keys=["ministry"], providers=["*"],
                                  rate_per_minute=unlimited),
              "limited": store.create("limited", ["verify"], rate_per_minute=0)}
    tokens["wrong_secret"] = tokens["verify"].rsplit("_", 1)[0] + "_" + "x" * 43
    return tokens


def send(apps: dict[str, Flask], tokens: dict[str, str], request: Request) -> TestResponse:
    """Send ``request`` to its app with its API key, fresh file objects for multipart parts given as (bytes, name)."""
    kwargs = dict(request.kwargs)
    headers = dict(kwargs.pop("headers", {}))
    if request.token is not None:
        headers["X-API-Key"] = tokens.get(request.token, request.token)
    if isinstance(kwargs.get("data"), dict):
        kwargs["data"] = {key: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
                          for key, value in kwargs["data"].items()}
    return apps[request.app].test_client().open(request.path, method=request.method, headers=headers, **kwargs)
