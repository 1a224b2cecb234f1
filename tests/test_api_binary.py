"""One rule for binary fields, endpoint by endpoint: Base64 in JSON; the raw text too where the field's format is
XML or PEM (and only there); a multipart file under the same name. And a retried two-step complete."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json

import pytest
from asn1crypto import pem

from api import create_app
from eds.issuing.access import ApiKeys
from eds.issuing.documents.examples import EXAMPLES
from eds.pki.keys import SigningKey
from eds.signatures import cms, xmldsig
from ncalayer import device_cms
from test_pki import demo


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _pem(kind: str, der: bytes) -> str:
    return pem.armor(kind, der).decode()


@pytest.fixture(scope="module")
def env(tmp_path_factory, pki_dir, pki_server, manifest):
    home = tmp_path_factory.mktemp("api-binary")
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})
    demo.bootstrap(home, pki_dir, app.extensions["eds"].registry)
    token = ApiKeys(home / "api-keys.json").create("binary", ["verify", "issue", "sign"], signing_keys=["*"],
                                                   providers=["*"], rate_per_minute=1_000_000)
    key = SigningKey.from_pkcs12((pki_dir / "users/individual_sign.p12").read_bytes(), manifest["password"])
    official = SigningKey.from_pkcs12((pki_dir / "users/official_region.p12").read_bytes(), manifest["password"])
    signed = xmldsig.sign_xml(f"<r><iin>{key.certificate.iin}</iin></r>".encode(), key.private_key,
                              key.certificate.der)
    return {"client": app.test_client(), "headers": {"X-API-Key": token}, "key": key, "official": official,
            "signed_xml": signed}


def _post(env, path: str, *, json: dict | None = None, form: dict | None = None):
    """A JSON body, or a multipart form whose bytes values are files."""
    if form is not None:
        data = {name: (io.BytesIO(value), name) if isinstance(value, bytes) else value for name, value in form.items()}
        return env["client"].post(path, data=data, content_type="multipart/form-data", headers=env["headers"])
    return env["client"].post(path, json=json, headers=env["headers"])


def _same_answers(env, path: str, bodies: list[dict], *, status: int = 200) -> list[dict]:
    answers = []
    for body in bodies:
        response = _post(env, path, **body)
        assert response.status_code == status, (body.keys(), response.get_json())
        answers.append(response.get_json())
    return answers


def _refused(env, path: str, json: dict, field: str, code: str = "BAD_BASE64") -> dict:
    response = _post(env, path, json=json)
    answer = response.get_json()
    assert response.status_code == 400 and answer["code"] == code and answer["details"]["field"] == field, answer
    return answer


def test_certificate_takes_base64_der_raw_pem_or_a_file(env):
    der = env["key"].certificate.der
    answers = _same_answers(env, "/api/v1/certificates/check", [
        {"json": {"certificate": _b64(der)}}, {"json": {"certificate": _pem("CERTIFICATE", der)}},
        {"json": {"certificate": _b64(_pem("CERTIFICATE", der).encode())}}, {"form": {"certificate": der}}])
    assert {a["indication"] for a in answers} == {"TOTAL_PASSED"}
    assert "raw PEM" in _refused(env, "/api/v1/certificates/check", {"certificate": "<x/>"},
                                 "certificate")["message"]


def test_request_document_takes_base64_raw_xml_or_a_file(env):
    signed = env["signed_xml"]
    answers = _same_answers(env, "/api/v1/requests/verify", [
        {"json": {"document": _b64(signed), "iinPath": "iin"}}, {"json": {"document": signed.decode(), "iinPath": "iin"}},
        {"form": {"document": signed, "iinPath": "iin"}}])
    assert [a["accepted"] for a in answers] == [True, True, True]
    # a CMS as PEM
    detached = cms.sign_cms(b"content", env["key"].private_key, env["key"].certificate.der, detached=True)
    answers = _same_answers(env, "/api/v1/requests/verify", [
        {"json": {"document": _pem("CMS", detached), "detachedContent": _b64(b"content")}},
        {"form": {"document": detached, "detachedContent": b"content"}}])
    assert {a["indication"] for a in answers} == {"TOTAL_PASSED"}
    # detached content is any bytes: Base64 only, never read as text
    _refused(env, "/api/v1/requests/verify", {"document": _b64(detached), "detachedContent": "<content/>"},
             "detachedContent")


def test_sign_xml_document_takes_base64_raw_xml_or_a_file(env):
    answers = _same_answers(env, "/api/v1/signatures/xml", [
        {"json": {"keyId": "official_region", "document": _b64(b"<a>1</a>")}},
        {"json": {"keyId": "official_region", "document": "<a>1</a>"}},
        {"form": {"keyId": "official_region", "document": b"<a>1</a>"}}])
    signed = [base64.b64decode(a["document"]) for a in answers]
    assert all(xmldsig.verify_xml(s).intact and xmldsig.verify_xml(s).signed_document == b"<a>1</a>" for s in signed)
    _refused(env, "/api/v1/signatures/xml", {"keyId": "official_region", "document": "-----BEGIN X-----"}, "document")


def test_sign_cms_content_is_base64_and_add_to_takes_pem(env):
    first = _post(env, "/api/v1/signatures/cms", json={"keyId": "official_region", "content": _b64(b"<a/>")})
    assert first.status_code == 200
    existing = base64.b64decode(first.get_json()["cms"])
    answers = _same_answers(env, "/api/v1/signatures/cms", [
        {"json": {"keyId": "official_ministry", "content": _b64(b"<a/>"), "addTo": _b64(existing)}},
        {"json": {"keyId": "official_ministry", "content": _b64(b"<a/>"), "addTo": _pem("CMS", existing)}},
        {"form": {"keyId": "official_ministry", "content": b"<a/>", "addTo": existing}}])
    assert all(len(cms.verify_cms(base64.b64decode(a["cms"])).signers) == 2 for a in answers)
    # content to sign is any bytes: raw XML is not taken for it
    _refused(env, "/api/v1/signatures/cms", {"keyId": "official_region", "content": "<a/>"}, "content")


def test_verify_document_takes_base64_raw_xml_or_a_file(env):
    signed = env["signed_xml"]
    answers = _same_answers(env, "/api/v1/verify", [
        {"json": {"document": _b64(signed)}}, {"json": {"document": signed.decode()}}, {"form": {"document": signed}}])
    assert {a["indication"] for a in answers} == {"TOTAL_PASSED"} and {a["format"] for a in answers} == {"xml"}
    assert "raw XML" in _refused(env, "/api/v1/verify", {"document": "not base64!"}, "document")["message"]
    _refused(env, "/api/v1/verify", {"document": 12}, "document", code="FIELD_INVALID")


def _licence_request(env) -> dict:
    data = {name: value for name, value in EXAMPLES["scrap_metal_licence"].items() if name != "provider"}
    return {"type": "scrap_metal_licence", "providerId": "ZHM", "data": data}


def _prepare(env, **how) -> dict:
    response = _post(env, "/api/v1/documents/prepare", **how)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_two_step_fields_follow_the_rule_and_a_retry_of_complete(env):
    official = env["official"]
    request = _licence_request(env)
    der = official.certificate.der
    # prepare: the certificate as PEM in JSON; as a file in a form, the data as JSON text
    step = _prepare(env, json={**request, "signerCertificate": _pem("CERTIFICATE", der)})
    in_form = _prepare(env, form={"type": request["type"], "providerId": "ZHM", "data": json.dumps(request["data"]),
                                  "signerCertificate": der})
    assert in_form["digestAlgorithm"] == "sha256" and in_form["number"] != step["number"]
    bad_data = _post(env, "/api/v1/documents/prepare", form={"type": request["type"], "providerId": "ZHM",
                                                             "data": "{not json", "signerCertificate": der})
    assert bad_data.status_code == 400 and bad_data.get_json()["details"]["field"] == "data"

    complete = f"/api/v1/documents/prepared/{step['pendingId']}/complete"
    device = device_cms(step["digest"], official)
    signed_xml = xmldsig.sign_xml(step["xml"].encode(), official.private_key, der)
    _refused(env, complete, {"cms": _b64(device), "signedXml": "not base64!"}, "signedXml")
    # signedXml raw (as NCALayer's signXml returns it); the retries Base64, and as files: the same document, 200
    first = _post(env, complete, json={"cms": _b64(device), "signedXml": signed_xml.decode()})
    assert first.status_code == 201, first.get_json()
    for how in ({"json": {"cms": _b64(device), "signedXml": _b64(signed_xml)}},
                {"form": {"cms": device, "signedXml": signed_xml}}):
        again = _post(env, complete, **how)
        assert again.status_code == 200 and again.get_json() == first.get_json()
    # signed once more (another signing time): not what was registered
    resigned = cms.sign_digest(base64.b64decode(step["digest"]), official.private_key, der,
                               signing_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    conflict = _post(env, complete, json={"cms": _b64(resigned), "signedXml": signed_xml.decode()})
    assert conflict.status_code == 409 and conflict.get_json()["code"] == "CONFLICT"
    assert conflict.get_json()["details"] == {"cause": "ALREADY_COMPLETED", "number": step["number"]}
    # the other prepared document, completed from a form with both files
    other = f"/api/v1/documents/prepared/{in_form['pendingId']}/complete"
    done = _post(env, other, form={"cms": device_cms(in_form["digest"], official),
                                   "signedXml": xmldsig.sign_xml(in_form["xml"].encode(), official.private_key, der)})
    assert done.status_code == 201 and done.get_json()["number"] == in_form["number"]
    # an id that was never prepared stays 404
    never = _post(env, "/api/v1/documents/prepared/" + "0" * 32 + "/complete",
                  json={"cms": _b64(device), "signedXml": signed_xml.decode()})
    assert never.status_code == 404 and never.get_json()["details"]["cause"] == "PENDING_NOT_FOUND"
