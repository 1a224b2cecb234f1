"""The OpenAPI description against the real app: schemathesis's engine (examples, coverage, fuzzing and stateful
phases, valid and invalid requests) calls every operation of /openapi.json, and every answer must be a documented
status with a documented content type and body, never a server error.

Random values rarely get past validation, so two cases in three are given real ones where a field names something
that must exist (a signing key, a provider, a certificate, a signed document, an issued number). The successful
answers of every operation are also checked against the description with requests that must succeed.

schemathesis runs through its engine rather than ``schemathesis.pytest.from_fixture``, which fails on pytest 9.2.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import schemathesis
from flask import Flask
from schemathesis.core import NOT_SET
from schemathesis.engine import Status, events, from_schema

from api import create_app
from eds.issuing.access import ApiKeys
from eds.issuing.documents.examples import EXAMPLES
from eds.pki.keys import SigningKey
from eds.signatures import xmldsig
from ncalayer import device_cms
from test_pki import demo

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")
ENDPOINTS = ("/api/v1/certificates/check", "/api/v1/requests/verify", "/api/v1/signatures/xml",
             "/api/v1/signatures/cms", "/api/v1/documents", "/api/v1/documents/{number}",
             "/api/v1/documents/{number}/pdf", "/api/v1/documents/{number}/xml", "/api/v1/documents/{number}/events",
             "/api/v1/verify", "/api/v1/documents/prepare", "/api/v1/documents/prepared/{pending_id}/pdf",
             "/api/v1/documents/prepared/{pending_id}/complete", "/api/v1/documents/prepared/{pending_id}")


@dataclass(frozen=True)
class Env:
    app: Flask
    headers: dict[str, str]
    number: str
    pdf: bytes
    signed_xml: bytes
    certificate: bytes
    official: SigningKey
    pending_id: str


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _licence() -> dict:
    data = dict(EXAMPLES["scrap_metal_licence"])
    return {"type": "scrap_metal_licence", "providerId": "ZHM", "keyId": "official_region", "data": data}


@pytest.fixture(scope="module")
def env(tmp_path_factory, pki_dir, pki_server, manifest) -> Env:
    """The app on its own home, an API key with every scope, one issued document and a signed request."""
    home = tmp_path_factory.mktemp("api-schema")
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})
    demo.bootstrap(home, pki_dir, app.extensions["eds"].registry)
    token = ApiKeys(home / "api-keys.json").create("schemathesis", ["verify", "issue", "sign", "admin"],
                                                   signing_keys=["*"], rate_per_minute=1_000_000)
    headers = {"X-API-Key": token}
    client = app.test_client()
    number = client.post("/api/v1/documents", json=_licence(), headers=headers).get_json()["number"]
    pdf = client.get(f"/api/v1/documents/{number}/pdf", headers=headers).data
    key = SigningKey.from_pkcs12((pki_dir / "users/individual_sign.p12").read_bytes(), manifest["password"])
    signed = xmldsig.sign_xml(f"<r><iin>{key.certificate.iin}</iin></r>".encode(), key.private_key, key.certificate.der)
    official = SigningKey.from_pkcs12((pki_dir / "users/official_region.p12").read_bytes(), manifest["password"])
    pending = client.post("/api/v1/documents/prepare", json=_prepare(official), headers=headers).get_json()
    return Env(app, headers, number, pdf, signed, key.certificate.der, official, pending["pendingId"])


def _prepare(official: SigningKey) -> dict:
    body = _licence()
    body.pop("keyId")
    return {**body, "signerCertificate": _b64(official.certificate.der)}


@pytest.fixture(scope="module")
def api_schema(env: Env) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict({
        "seed": 20260101, "continue-on-failure": True,
        "headers": env.headers,
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "generation": {"max-examples": 30, "mode": "all", "database": "none"},
    })
    return schemathesis.openapi.from_wsgi("/openapi.json", env.app, config=config)


def _with_real_values(env: Env) -> Callable[[object, schemathesis.Case], schemathesis.Case]:
    """A ``map_case`` hook: in two cases of three, fields that name existing things get real values."""
    real = {"keyId": "official_region", "providerId": "ZHM", "type": "scrap_metal_licence",
            "certificate": _b64(env.certificate), "signerCertificate": _b64(env.official.certificate.der)}

    def map_case(context: object, case: schemathesis.Case) -> schemathesis.Case:
        choice = int(hashlib.sha256(repr((case.path_parameters, case.body)).encode()).hexdigest(), 16)
        if choice % 3 == 0:
            return case
        if case.path_parameters and "number" in case.path_parameters:
            case.path_parameters["number"] = env.number
        if case.path_parameters and "pending_id" in case.path_parameters:
            case.path_parameters["pending_id"] = env.pending_id
        if isinstance(case.body, dict):
            for name in case.body.keys() & {*real, "document"}:
                if name == "document":
                    case.body[name] = _b64(env.pdf if case.path == "/api/v1/verify" and choice % 2 else env.signed_xml)
                else:
                    case.body[name] = real[name]
        return case

    return map_case


def test_every_operation_conforms(api_schema, env: Env) -> None:
    """Every phase, valid and invalid requests: each answer documented, none a server error."""
    # Only where it matters: any map_case hook slows schemathesis's generation for bare path-parameter operations.
    api_schema.hook("map_case").apply_to(path=list(ENDPOINTS))(_with_real_values(env))
    failures, errors, calls = [], [], 0
    for event in from_schema(api_schema).execute():
        if isinstance(event, events.ScenarioFinished):
            calls += len(event.recorder.interactions)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status != Status.SUCCESS:
                        case = event.recorder.cases[case_id].value
                        response = event.recorder.interactions[case_id].response
                        body = "" if case.body is NOT_SET else str(case.body)[:300]
                        failures.append(f"{check.name}: {case.method} {case.formatted_path} {case.media_type} {body} "
                                        f"-> {response.status_code if response else None} "
                                        f"{response.content[:300] if response else b''!r}")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            errors.append(str(getattr(event, "info", None) or getattr(event, "exception", event)))
    assert not errors, errors
    assert not failures, "\n".join(failures[:20])
    assert calls > 500, "schemathesis made too few calls to mean anything"


def test_every_endpoint_is_described(api_schema) -> None:
    operations = {result.ok().path for result in api_schema.get_all_operations()}
    assert set(ENDPOINTS) <= operations


def test_successful_answers_conform(env: Env, api_schema) -> None:
    client = env.app.test_client()

    def call(method: str, path: str, template: str | None = None, status: int = 200, **kwargs):
        response = client.open(path, method=method, headers=env.headers, **kwargs)
        assert response.status_code == status, response.get_json()
        api_schema[template or path][method].validate_response(response)
        return response

    number = call("POST", "/api/v1/documents", status=201, json=_licence()).get_json()["number"]
    for suffix in ("", "/pdf", "/xml"):
        call("GET", f"/api/v1/documents/{number}{suffix}", f"/api/v1/documents/{{number}}{suffix}")
    events_path = "/api/v1/documents/{number}/events"
    for event, status in (("suspend", 200), ("resume", 200), ("duplicate", 201), ("reissue", 201)):
        call("POST", events_path.format(number=number), events_path, status,
             json={"event": event, "reason": "address_change" if event == "reissue" else "schema",
                   "keyId": "official_region"})
    call("GET", f"/api/v1/documents/{number}", "/api/v1/documents/{number}")
    call("POST", "/api/v1/verify", json={"document": _b64(env.pdf)})
    call("POST", "/api/v1/certificates/check", json={"certificate": _b64(env.certificate)})
    call("POST", "/api/v1/requests/verify", json={"document": _b64(env.signed_xml), "iinPath": "iin"})
    call("POST", "/api/v1/signatures/xml", json={"keyId": "official_ministry", "document": _b64(b"<a/>")})
    call("POST", "/api/v1/signatures/cms", json={"keyId": "official_ministry", "content": _b64(b"x"), "detached": True})
    for path in ("/healthz", "/readyz", "/metrics"):
        call("GET", path)
    # two-step: prepare, the PDF, complete, the same complete again (200), and abandoning another
    step = call("POST", "/api/v1/documents/prepare", status=201, json=_prepare(env.official)).get_json()
    prepared = "/api/v1/documents/prepared/{pending_id}"
    call("GET", f"/api/v1/documents/prepared/{step['pendingId']}/pdf", prepared + "/pdf")
    signed = {"cms": _b64(device_cms(step["digest"], env.official)),
              "signedXml": xmldsig.sign_xml(step["xml"].encode(), env.official.private_key,
                                            env.official.certificate.der).decode()}
    complete = f"/api/v1/documents/prepared/{step['pendingId']}/complete"
    first = call("POST", complete, prepared + "/complete", status=201, json=signed)
    assert call("POST", complete, prepared + "/complete", json=signed).get_json() == first.get_json()
    other = call("POST", "/api/v1/documents/prepare", status=201, json=_prepare(env.official)).get_json()
    call("DELETE", f"/api/v1/documents/prepared/{other['pendingId']}", prepared)
