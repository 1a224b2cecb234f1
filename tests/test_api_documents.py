"""Issuing and life events through the HTTP API, idempotency, files, and /verify with the registry cross-check."""

from __future__ import annotations

import base64

import pytest

from eds.issuing.documents.examples import EXAMPLES


@pytest.fixture(scope="module")
def env(issuing_api):
    return issuing_api


def licence(**overrides) -> dict:
    data = dict(EXAMPLES["scrap_metal_licence"])
    return {"type": "scrap_metal_licence", "providerId": "ZHM", "keyId": "official_region", "data": data, **overrides}


def test_issue_fetch_and_idempotency(env):
    client = env["client"]
    headers = {**env["issue"], "Idempotency-Key": "portal-req-1"}
    first = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert first.status_code == 201, first.get_json()
    number = first.get_json()["number"]
    again = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert again.get_json()["number"] == number
    other = licence()
    other["data"] = dict(other["data"], sites=other["data"]["sites"] + other["data"]["sites"][:1])
    conflict = client.post("/api/v1/documents", json=other, headers=headers)
    assert conflict.status_code == 409 and conflict.get_json()["code"] == "CONFLICT"
    record = client.get(f"/api/v1/documents/{number}", headers=env["verify"]).get_json()
    assert record["status"] == "valid" and record["events"][0]["kind"] == "issued"
    pdf = client.get(f"/api/v1/documents/{number}/pdf", headers=env["verify"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    report = client.post("/api/v1/verify", headers=env["verify"],
                         json={"document": base64.b64encode(pdf.data).decode()}).get_json()
    assert report["indication"] == "TOTAL_PASSED"
    assert report["registry"] == {"found": True, "number": number, "registeredFile": True, "status": "valid",
                                  "supersededBy": None}
    # the same document with bytes appended after its last update: still verifies, but is not the issued file
    copy = client.post("/api/v1/verify", headers=env["verify"],
                       json={"document": base64.b64encode(pdf.data + b"\n% copied\n").decode()}).get_json()
    assert copy["registry"]["found"] is True and copy["registry"]["registeredFile"] is False
    assert "status" not in copy["registry"] and "not the one registered" in copy["registry"]["message"]


def test_life_events_over_http(env):
    client = env["client"]
    number = client.post("/api/v1/documents", json=licence(), headers=env["issue"]).get_json()["number"]
    duplicate = client.post(f"/api/v1/documents/{number}/events", headers=env["issue"],
                            json={"event": "duplicate", "reason": "lost", "keyId": "official_region"})
    assert duplicate.status_code == 201 and duplicate.get_json()["originalNumber"] == number
    suspended = client.post(f"/api/v1/documents/{number}/events", headers=env["issue"],
                            json={"event": "suspend", "reason": "inspection"})
    assert suspended.get_json()["status"] == "suspended"
    wrong = client.post(f"/api/v1/documents/{number}/events", headers=env["issue"],
                        json={"event": "suspend", "reason": "again"})
    assert wrong.status_code == 409
    renewed = client.post(f"/api/v1/documents/{number}/events", headers=env["issue"],
                          json={"event": "resume", "reason": "ok"})
    assert renewed.get_json()["status"] == "valid"
    reissued = client.post(f"/api/v1/documents/{number}/events", headers=env["issue"],
                           json={"event": "reissue", "reason": "address_change", "keyId": "official_region"})
    assert reissued.status_code == 201
    old = client.get(f"/api/v1/documents/{number}", headers=env["verify"]).get_json()
    assert old["status"] == "superseded" and old["supersededBy"] == reissued.get_json()["number"]
    bad = client.post(f"/api/v1/documents/{number}/events", headers=env["issue"], json={"event": "explode", "reason": "x"})
    assert bad.status_code == 400


@pytest.mark.parametrize("body, status, code", [
    (licence(type="no_such_type"), 422, "UNPROCESSABLE"),
    (licence(providerId="NOPE"), 403, "PROVIDER_NOT_GRANTED"),  # the portal acts for ZHM only
    (licence(keyId="official_ministry"), 403, "KEY_NOT_GRANTED"),
    (licence(data={"licensee": 5}), 422, "UNPROCESSABLE"),
    (licence(data=[1]), 400, "FIELD_INVALID"),
])
def test_issue_refusals(env, body, status, code):
    response = env["client"].post("/api/v1/documents", json=body, headers=env["issue"])
    assert response.status_code == status and response.get_json()["code"] == code, response.get_json()


def test_field_errors_name_the_field(env):
    body = licence()
    body["data"] = dict(body["data"], licensee=dict(body["data"]["licensee"], bin="12"))
    response = env["client"].post("/api/v1/documents", json=body, headers=env["issue"])
    issues = response.get_json()["details"]["issues"]
    assert response.status_code == 422 and issues[0]["field"] == "licensee.bin"


def test_a_block_taller_than_a_page_is_refused_naming_the_problem(env):
    """A re-issue ground within its length but of many short lines makes the note block that cannot be split
    taller than a page: a 422 naming the problem, nothing registered (it was reportlab's LayoutError, a 500)."""
    client = env["client"]
    number = client.post("/api/v1/documents", json=licence(), headers=env["issue"]).get_json()["number"]
    tall = client.post(f"/api/v1/documents/{number}/events", headers=env["issue"],
                       json={"event": "reissue", "reason": "other: " + "а\n" * 150, "keyId": "official_region"})
    body = tall.get_json()
    assert tall.status_code == 422 and body["code"] == "UNPROCESSABLE", body
    assert [issue["code"] for issue in body["details"]["issues"]] == ["TOO_TALL_FOR_A_PAGE"]
    assert client.get(f"/api/v1/documents/{number}", headers=env["verify"]).get_json()["status"] == "valid"


def test_unknown_document_and_scopes(env):
    client = env["client"]
    assert client.get("/api/v1/documents/NOPE-1", headers=env["verify"]).status_code == 404
    assert client.post("/api/v1/documents", json=licence(), headers=env["verify"]).status_code == 403
    assert client.get("/api/v1/documents/NOPE-1/pdf").status_code == 401


def test_verify_a_document_this_registry_never_issued(env, pki_dir):
    response = env["client"].post("/api/v1/verify", headers=env["verify"],
                                  json={"document": base64.b64encode(b"%PDF-1.7\n%%EOF").decode()})
    report = response.get_json()
    assert response.status_code == 200 and report["indication"] == "TOTAL_FAILED"
    assert report["registry"]["found"] is False


def test_two_step_over_http(env, pki_dir, manifest, cert_of):
    from eds.signatures import xmldsig
    from eds.pki.keys import SigningKey
    from ncalayer import device_cms

    client = env["client"]
    body = licence()
    body.pop("keyId")
    body["signerCertificate"] = base64.b64encode(cert_of("official_region").der).decode()
    prepared = client.post("/api/v1/documents/prepare", json=body, headers=env["issue"])
    assert prepared.status_code == 201, prepared.get_json()
    step = prepared.get_json()
    assert client.get(f"/api/v1/documents/prepared/{step['pendingId']}/pdf", headers=env["issue"]).data[:5] == b"%PDF-"
    key = SigningKey.from_pkcs12((pki_dir / "users/official_region.p12").read_bytes(), manifest["password"])
    cms = base64.b64encode(device_cms(step["digest"], key)).decode()
    signed_xml = xmldsig.sign_xml(step["xml"].encode(), key.private_key, key.certificate.der).decode()
    wrong = client.post(f"/api/v1/documents/prepared/{step['pendingId']}/complete", headers=env["issue"],
                        json={"cms": base64.b64encode(device_cms(base64.b64encode(b"x" * 32).decode(), key)).decode(),
                              "signedXml": signed_xml})
    assert wrong.status_code == 422 and wrong.get_json()["details"]["cause"] == "SIGNATURE_MISMATCH"
    assert wrong.get_json()["details"]["detail"] == "DIGEST_MISMATCH"
    done = client.post(f"/api/v1/documents/prepared/{step['pendingId']}/complete", headers=env["issue"],
                       json={"cms": cms, "signedXml": signed_xml})
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["number"] == step["number"] and done.get_json()["status"] == "valid"
    again = client.post(f"/api/v1/documents/prepared/{step['pendingId']}/complete", headers=env["issue"],
                        json={"cms": cms, "signedXml": signed_xml})
    assert again.status_code == 200 and again.get_json() == done.get_json()  # a retry: the same document
