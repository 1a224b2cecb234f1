"""The HTTP API through the real Flask app: access, errors, and each endpoint."""

from __future__ import annotations

import base64
import io

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from api import create_app
from eds.issuing.access import ApiKeys
from eds.pki.keys import SigningKey
from eds.signatures import cms, tsp, xmldsig
from test_pki import demo


@pytest.fixture(scope="module")
def home(tmp_path_factory, pki_dir, manifest):
    home = tmp_path_factory.mktemp("home")
    demo.write_keys(home, pki_dir, {"ministry": pki_dir / "users/official_ministry.p12",
                                    "region": pki_dir / "users/official_region.p12"})
    return home


@pytest.fixture(scope="module")
def app(home, pki_dir, pki_server):
    return create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})


@pytest.fixture(scope="module")
def tokens(home):
    store = ApiKeys(home / "api-keys.json")
    return {
        "verify": store.create("portal", ["verify"]),
        "sign": store.create("provider", ["sign"], signing_keys=["ministry"]),
        "slow": store.create("tiny", ["verify"], rate_per_minute=2),
    }


@pytest.fixture
def client(app):
    return app.test_client()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_api_key_required_and_hashed_at_rest(client, tokens, home):
    response = client.post("/api/v1/certificates/check", json={"certificate": "AA=="})
    assert response.status_code == 401 and response.get_json()["code"] == "API_KEY_MISSING"
    response = client.post("/api/v1/certificates/check", json={}, headers={"X-API-Key": "eds_nope_nope"})
    assert response.status_code == 401 and response.get_json()["code"] == "API_KEY_INVALID"
    stored = (home / "api-keys.json").read_text()
    assert all(token.split("_", 2)[2] not in stored for token in tokens.values())


def test_scopes_and_granted_keys(client, tokens):
    response = client.post("/api/v1/signatures/xml", json={"keyId": "ministry", "document": b64(b"<a/>")},
                           headers={"X-API-Key": tokens["verify"]})
    assert response.status_code == 403 and response.get_json()["code"] == "SCOPE_DENIED"
    response = client.post("/api/v1/signatures/xml", json={"keyId": "region", "document": b64(b"<a/>")},
                           headers={"X-API-Key": tokens["sign"]})
    assert response.status_code == 403 and response.get_json()["code"] == "KEY_NOT_GRANTED"


def test_rate_limit(client, tokens, cert_of):
    body = {"certificate": b64(cert_of("individual_sign").der)}
    statuses = [client.post("/api/v1/certificates/check", json=body, headers={"X-API-Key": tokens["slow"]}).status_code
                for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429


def test_certificate_check(client, tokens, cert_of, manifest):
    headers = {"X-API-Key": tokens["verify"]}
    info = manifest["identities"]["company_employee"]
    response = client.post("/api/v1/certificates/check", headers=headers,
                           json={"certificate": b64(cert_of("company_employee").der), "expectBin": info["bin"]})
    report = response.get_json()
    assert response.status_code == 200
    assert report["indication"] == "TOTAL_FAILED" and report["reasons"][0]["code"] == "ROLE_NOT_ALLOWED"
    pem = cert_of("individual_sign").x509.public_bytes(Encoding.PEM)
    response = client.post("/api/v1/certificates/check", headers=headers, json={"certificate": pem.decode()})
    assert response.get_json()["indication"] == "TOTAL_PASSED"


def test_request_verify_json_and_multipart(client, tokens, pki_dir, manifest):
    key = SigningKey.from_pkcs12((pki_dir / "users/individual_sign.p12").read_bytes(), manifest["password"])
    signed = xmldsig.sign_xml(f"<r><iin>{key.certificate.iin}</iin></r>".encode(), key.private_key, key.certificate.der)
    headers = {"X-API-Key": tokens["verify"]}
    response = client.post("/api/v1/requests/verify", headers=headers, json={"document": b64(signed), "iinPath": "iin"})
    assert response.get_json()["accepted"] is True
    response = client.post("/api/v1/requests/verify", headers={**headers, "Accept-Language": "kk"},
                           data={"document": (io.BytesIO(signed), "r.xml"),
                                 "expectIin": "000000000000"}, content_type="multipart/form-data")
    report = response.get_json()
    assert report["accepted"] is False and report["reasons"][0]["code"] == "IIN_MISMATCH"
    detached = cms.sign_cms(b"content", key.private_key, key.certificate.der, detached=True)
    response = client.post("/api/v1/requests/verify", headers=headers,
                           json={"document": b64(detached), "detachedContent": b64(b"content")})
    assert response.get_json()["accepted"] is True


def test_sign_xml_and_cms(client, tokens, profile):
    headers = {"X-API-Key": tokens["sign"]}
    response = client.post("/api/v1/signatures/xml", headers=headers,
                           json={"keyId": "ministry", "document": b64("<р>қазақша</р>".encode())})
    assert response.status_code == 200, response.get_json()
    signed = base64.b64decode(response.get_json()["document"])
    assert xmldsig.verify_xml(signed).intact
    response = client.post("/api/v1/signatures/cms", headers=headers,
                           json={"keyId": "ministry", "content": b64(b"data"), "detached": True, "timestamp": True})
    assert response.status_code == 200, response.get_json()
    result = tsp.verify_cades(base64.b64decode(response.get_json()["cms"]), detached_content=b"data")
    assert result.intact and result.signers[0].timestamp is not None
    assert "private" not in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("kwargs, status, code", [
    ({"data": "not json", "content_type": "application/json"}, 400, "BAD_JSON"),
    ({"json": [1, 2]}, 400, "BAD_JSON"),
    ({"data": "x", "content_type": "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
    ({"json": {}}, 400, "FIELD_MISSING"),
    ({"json": {"certificate": 5}}, 400, "FIELD_INVALID"),
    ({"json": {"certificate": "%%%"}}, 400, "BAD_BASE64"),
    ({"json": {"certificate": "AAAA", "at": "tomorrow"}}, 400, "FIELD_INVALID"),
    ({"json": {"certificate": "AAAA", "roles": ["KING"]}}, 400, "FIELD_INVALID"),
])
def test_bad_input_gets_the_error_shape(client, tokens, kwargs, status, code):
    response = client.post("/api/v1/certificates/check", headers={"X-API-Key": tokens["verify"]}, **kwargs)
    body = response.get_json()
    assert response.status_code == status and body["code"] == code
    assert set(body) >= {"code", "message", "details"}


def test_error_language_and_garbage_certificate(client, tokens):
    response = client.post("/api/v1/certificates/check", headers={"X-API-Key": tokens["verify"], "Accept-Language": "ru"},
                           json={})
    assert response.get_json()["message"] == "Отсутствует обязательное поле"
    response = client.post("/api/v1/certificates/check", headers={"X-API-Key": tokens["verify"]},
                           json={"certificate": b64(b"garbage")})
    assert response.status_code == 200 and response.get_json()["reasons"][0]["code"] == "CERT_MALFORMED"


def test_oversize_body(home, pki_dir, tokens):
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir), "EDS_MAX_BODY": "1000"})
    response = app.test_client().post("/api/v1/requests/verify", headers={"X-API-Key": tokens["verify"]},
                                      json={"document": "A" * 5000})
    assert response.status_code == 413 and response.get_json()["code"] == "PAYLOAD_TOO_LARGE"


def test_missing_trust_profile_is_503(tmp_path, tokens, home, cert_of):
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(tmp_path / "none") + "/"})
    response = app.test_client().post("/api/v1/certificates/check", headers={"X-API-Key": tokens["verify"]},
                                      json={"certificate": b64(cert_of("individual_sign").der)})
    assert response.status_code == 503 and response.get_json()["code"] == "DEPENDENCY_UNAVAILABLE"


def test_metrics(client, home):
    assert client.get("/metrics").get_json()["code"] == "API_KEY_MISSING"  # not public: an admin key reads them
    admin = ApiKeys(home / "api-keys.json").create("scraper", ["admin"])
    text = client.get("/metrics", headers={"X-API-Key": admin}).get_data(as_text=True)
    assert "eds_http_requests_total" in text and "eds_verdicts_total" in text
