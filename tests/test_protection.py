"""What protects people and providers: API keys scoped to providers, the public page's token, uploads matched to
the registered file, identity claims on issued PDFs (issue 15, items 7-10); through the library and the API."""

from __future__ import annotations

import base64
import json

import pytest

from eds.issuing.access import AccessError, ApiKeys, Client
from eds.issuing.documents.examples import EXAMPLES


def _licence(provider: str = "ZHM", key: str = "official_region") -> dict:
    doc_type = "scrap_metal_licence" if provider == "ZHM" else "tv_radio_licence"
    data = dict(EXAMPLES[doc_type])
    data.pop("provider", None)
    return {"type": doc_type, "providerId": provider, "keyId": key, "data": data}


@pytest.fixture(scope="module")
def env(tmp_path_factory, pki_dir, pki_server):
    """The API with both demo providers, a portal key for each, one issued licence of each."""
    from api import create_app
    from test_pki import demo

    home = tmp_path_factory.mktemp("protection")
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})
    demo.bootstrap(home, pki_dir, app.extensions["eds"].registry)
    keys = ApiKeys(home / "api-keys.json")
    headers = {
        "zhm": {"X-API-Key": keys.create("zhm portal", ["issue", "verify"], signing_keys=["official_region"],
                                         providers=["ZHM"])},
        "mci": {"X-API-Key": keys.create("mci portal", ["issue", "verify"], signing_keys=["official_ministry"],
                                         providers=["MCI"])},
        "none": {"X-API-Key": keys.create("old key", ["issue", "verify"], signing_keys=["*"])},
        "admin": {"X-API-Key": keys.create("operator", ["admin"])},
    }
    client = app.test_client()
    numbers = {}
    for name, provider, key in (("zhm", "ZHM", "official_region"), ("mci", "MCI", "official_ministry")):
        answer = client.post("/api/v1/documents", json=_licence(provider, key), headers=headers[name])
        assert answer.status_code == 201, answer.get_json()
        numbers[name] = answer.get_json()["number"]
    return {"app": app, "client": client, "headers": headers, "numbers": numbers,
            "services": app.extensions["eds"]}


def _refused(answer) -> None:
    assert answer.status_code == 403, answer.get_json()
    assert answer.get_json()["code"] == "PROVIDER_NOT_GRANTED"


# 10. Keys scoped to providers

def test_a_client_acts_only_for_the_providers_it_names():
    client = Client("k", "portal", frozenset({"issue"}), frozenset(), 60, frozenset({"ZHM"}))
    client.require_provider("ZHM")
    with pytest.raises(AccessError) as refused:
        client.require_provider("MCI")
    assert refused.value.code == "PROVIDER_NOT_GRANTED" and refused.value.details == {"providerId": "MCI"}
    assert Client("k", "all", frozenset({"issue"}), frozenset(), 60, frozenset({"*"})).may_act_for("MCI")
    assert Client("k", "operator", frozenset({"admin"}), frozenset(), 60).may_act_for("MCI")
    assert not Client("k", "old", frozenset({"issue"}), frozenset(), 60).may_act_for("ZHM")


def test_keys_store_their_providers(tmp_path):
    keys = ApiKeys(tmp_path / "api-keys.json")
    token = keys.create("portal", ["issue"], providers=["ZHM", "ZHM", "MCI"])
    assert keys.authenticate(token).providers == frozenset({"ZHM", "MCI"})


@pytest.mark.parametrize("event", [
    {"event": "suspend", "reason": "x"}, {"event": "terminate", "reason": "x"}, {"event": "resume", "reason": "x"},
    {"event": "duplicate", "reason": "x", "keyId": "official_ministry"},
    {"event": "reissue", "reason": "x", "keyId": "official_ministry"},
])
def test_a_cross_provider_life_event_is_403(env, event):
    number = env["numbers"]["zhm"]
    _refused(env["client"].post(f"/api/v1/documents/{number}/events", json=event, headers=env["headers"]["mci"]))
    assert env["services"].registry.document(number).status.value == "valid"  # nothing happened to it


def test_lookups_of_another_providers_document_are_403(env):
    client, number = env["client"], env["numbers"]["zhm"]
    for path in (f"/api/v1/documents/{number}", f"/api/v1/documents/{number}/pdf", f"/api/v1/documents/{number}/xml"):
        _refused(client.get(path, headers=env["headers"]["mci"]))
        _refused(client.get(path, headers=env["headers"]["none"]))  # a key that names no provider
        assert client.get(path, headers=env["headers"]["zhm"]).status_code == 200
        assert client.get(path, headers=env["headers"]["admin"]).status_code == 200
    _refused(client.post("/api/v1/documents", json=_licence("ZHM"), headers=env["headers"]["mci"]))
    assert client.get("/api/v1/documents/NOPE-1", headers=env["headers"]["mci"]).status_code == 404


def test_two_step_of_another_provider_is_403(env, pki_dir, manifest, cert_of):
    from ncalayer import device_cms

    from eds.pki.keys import SigningKey
    from eds.signatures import xmldsig

    client, zhm, mci = env["client"], env["headers"]["zhm"], env["headers"]["mci"]
    body = _licence()
    body.pop("keyId")
    body["signerCertificate"] = base64.b64encode(cert_of("official_region").der).decode()
    _refused(client.post("/api/v1/documents/prepare", json=body, headers=mci))
    step = client.post("/api/v1/documents/prepare", json=body, headers=zhm).get_json()
    key = SigningKey.from_pkcs12((pki_dir / "users/official_region.p12").read_bytes(), manifest["password"])
    signed = {"cms": base64.b64encode(device_cms(step["digest"], key)).decode(),
              "signedXml": xmldsig.sign_xml(step["xml"].encode(), key.private_key, key.certificate.der).decode()}
    pending = f"/api/v1/documents/prepared/{step['pendingId']}"
    _refused(client.get(f"{pending}/pdf", headers=mci))
    _refused(client.post(f"{pending}/complete", json=signed, headers=mci))
    _refused(client.delete(pending, headers=mci))
    done = client.post(f"{pending}/complete", json=signed, headers=zhm)
    assert done.status_code == 201 and done.get_json()["providerId"] == "ZHM"


def test_abandoning_with_a_blank_reason_journals_the_default(env, cert_of):
    """``?reason=`` (empty or spaces) is no reason: the record is abandoned with the default one, never a 422."""
    client, zhm = env["client"], env["headers"]["zhm"]
    body = _licence()
    body.pop("keyId")
    body["signerCertificate"] = base64.b64encode(cert_of("official_region").der).decode()
    for blank in ("", "   "):
        step = client.post("/api/v1/documents/prepare", json=body, headers=zhm).get_json()
        answer = client.delete(f"/api/v1/documents/prepared/{step['pendingId']}", query_string={"reason": blank},
                               headers=zhm)
        assert answer.status_code == 200 and answer.get_json()["status"] == "abandoned", answer.get_json()
        again = client.delete(f"/api/v1/documents/prepared/{step['pendingId']}", headers=zhm)
        assert again.status_code != 200


def test_the_refusal_speaks_three_languages(env):
    number = env["numbers"]["zhm"]
    for lang, word in (("kk", "қызметті берушінің"), ("ru", "услугодателя"), ("en", "provider")):
        answer = env["client"].get(f"/api/v1/documents/{number}", headers={**env["headers"]["mci"],
                                                                           "Accept-Language": lang})
        assert word in answer.get_json()["message"]


# 7. The QR code and the public page protect people

def test_names_are_shortened_and_identities_masked():
    from eds.issuing.disclosure import masked_identity, shortened_name, token_opens

    assert shortened_name("ТӨЛЕГЕНОВА Айгүл Серікқызы") == "Т. А. С."
    assert shortened_name("«Тараз Металл Өңдеу» ЖШС") == "«Т. М. Ө.» Ж."
    assert shortened_name("Jean-Luc O'Neil") == "J. O.'N."
    assert masked_identity("910202300853") == "********0853"
    assert token_opens("abc", "abc") and not token_opens("abd", "abc")
    assert not token_opens(None, "abc") and not token_opens("", "abc") and not token_opens("abc", None)


def test_each_record_has_its_own_token_and_the_api_links_with_it(env):
    services, client = env["services"], env["client"]
    tokens = {name: services.registry.access_token(number) for name, number in env["numbers"].items()}
    assert all(len(t) >= 22 for t in tokens.values()) and len(set(tokens.values())) == 2
    number = env["numbers"]["zhm"]
    xml = services.registry.file(number, "xml").decode()
    assert f"/verify/{number}?t={tokens['zhm']}</verify_url>" in xml  # what the QR code and the twin print
    record = client.get(f"/api/v1/documents/{number}", headers=env["headers"]["zhm"]).get_json()
    assert record["links"]["verify"] == f"/verify/{number}?t={tokens['zhm']}"


def test_public_record_without_the_token_discloses_only_the_masked_view(env):
    services = env["services"]
    number = env["numbers"]["zhm"]
    full = services.public_record(number, services.registry.access_token(number))
    assert full["full"] and full["holder_id"] == "130640007817" and full["signer_name"]
    masked = services.public_record(number, "x" * 22)
    assert masked == {"full": False, "token": None, "number": number, "status": "valid",
                      "type": "scrap_metal_licence", "title": full["title"], "provider_name": full["provider_name"],
                      "issued_at": full["issued_at"], "holder_name": "«Т. М. Ө.» ж. ш. с.",
                      "holder_id": "********7817"}
    assert services.public_record("NOPE-1", None) is None


def test_a_database_from_before_tokens_gets_the_table_and_its_documents_stay_masked(tmp_path):
    from sqlalchemy import text

    from eds.issuing.registry import Registry

    url = f"sqlite:///{tmp_path / 'old.db'}"
    registry = Registry.open(url)
    with registry._db.engine.begin() as connection:  # the database as an earlier version left it
        connection.execute(text("DROP TABLE access_tokens"))
    registry.close()
    reopened = Registry.open(url)  # create_all adds the missing table; nothing else to do
    with reopened._db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM access_tokens")).scalar() == 0
    assert reopened.access_token("LIC-ZHM-2020-000001") is None  # an old document: masked view for everyone
    reopened.close()


def test_qr_links_follow_the_address_the_service_listens_on(monkeypatch):
    from eds import cli

    monkeypatch.delenv("EDS_PUBLIC_URL", raising=False)
    cli._public_url("127.0.0.1", 8100)
    import os

    assert os.environ["EDS_PUBLIC_URL"] == "http://127.0.0.1:8100"
    monkeypatch.setenv("EDS_PUBLIC_URL", "https://eds.gov.kz")
    cli._public_url("127.0.0.1", 8100)
    assert os.environ["EDS_PUBLIC_URL"] == "https://eds.gov.kz"  # an operator's setting wins
    monkeypatch.delenv("EDS_PUBLIC_URL")
    cli._public_url("::1", 8200)
    assert os.environ["EDS_PUBLIC_URL"] == "http://[::1]:8200"


# 8. An upload is matched, not assumed

def test_only_the_registered_file_gets_the_registry_status(env):
    client, services, number = env["client"], env["services"], env["numbers"]["zhm"]
    pdf, xml = services.registry.file(number, "pdf"), services.registry.file(number, "xml")

    def registry_of(data: bytes) -> dict:
        answer = client.post("/api/v1/verify", headers=env["headers"]["zhm"],
                             json={"document": base64.b64encode(data).decode()})
        assert answer.status_code == 200
        return answer.get_json()

    for genuine in (pdf, xml):
        report = registry_of(genuine)
        assert report["indication"] == "TOTAL_PASSED"
        assert report["registry"] == {"found": True, "number": number, "registeredFile": True, "status": "valid",
                                      "supersededBy": None}
    for changed in (pdf.replace(b"/Producer", b"/Qroducer", 1), pdf + b"\n% a later line\n",
                    xml.replace(b"</document>", b"<!-- -->\n</document>")):
        report = registry_of(changed)
        assert report["registry"]["found"] is True and report["registry"]["registeredFile"] is False
        assert "status" not in report["registry"] and "supersededBy" not in report["registry"]
    library = services.registry_cross_check(pdf[:-1])
    assert library["registeredFile"] is False and "status" not in library


def test_a_duplicate_is_matched_to_its_own_record(env):
    client, services, number = env["client"], env["services"], env["numbers"]["zhm"]
    duplicate = client.post(f"/api/v1/documents/{number}/events", headers=env["headers"]["zhm"],
                            json={"event": "duplicate", "reason": "lost", "keyId": "official_region"}).get_json()
    found = services.registry_cross_check(services.registry.file(duplicate["number"], "pdf"))
    assert found == {"found": True, "number": duplicate["number"], "registeredFile": True, "status": "valid",
                     "supersededBy": None}


# 9. Identity claims on issued PDFs are the holder's

def _verify(env, data: bytes, **claims) -> dict:
    answer = env["client"].post("/api/v1/verify", headers=env["headers"]["zhm"],
                                json={"document": base64.b64encode(data).decode(), **claims})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _holder_check(report: dict) -> dict:
    return next(c for c in report["checks"] if c["name"] == "holder")


def test_a_claimed_bin_is_checked_against_the_holder_of_the_registered_pdf(env):
    services, number = env["services"], env["numbers"]["zhm"]
    pdf = services.registry.file(number, "pdf")
    right = _verify(env, pdf, expectBin="130640007817")  # the licensee's BIN
    assert right["indication"] == "TOTAL_PASSED" and _holder_check(right)["status"] == "PASSED"
    for claim in ({"expectBin": "130540003335"},  # the provider's BIN: who signed, not who holds the licence
                  {"expectIin": "820611400613"},  # the official's own IIN
                  {"expectBin": "130640007817", "expectIin": "820611400613"}):
        report = _verify(env, pdf, **claim)
        assert report["indication"] == "TOTAL_FAILED", claim
        assert [r["code"] for r in report["reasons"]] == ["HOLDER_MISMATCH"]
    from eds.validation.request_check import Claims

    report, _ = services.verify_document(pdf, claims=Claims(bin="130640007817"))  # the library, as the API
    assert report.passed and report.checks[-1].name == "holder"


def test_a_changed_pdf_cannot_confirm_its_holder_and_the_xml_twin_can(env):
    services, number = env["services"], env["numbers"]["zhm"]
    pdf, xml = services.registry.file(number, "pdf"), services.registry.file(number, "xml")
    changed = _verify(env, pdf + b"\n% a later line\n", expectBin="130640007817")
    assert _holder_check(changed)["code"] == "HOLDER_UNCONFIRMED" and changed["indication"] == "TOTAL_FAILED"
    twin = xml + b"\n"  # not the registered file, but its signature is intact
    assert _verify(env, twin, expectBin="130640007817")["indication"] == "TOTAL_PASSED"  # its signed holder
    assert _verify(env, twin, expectBin="130540003335")["reasons"][0]["code"] == "HOLDER_MISMATCH"


def test_a_document_this_registry_never_numbered_keeps_the_claim_on_its_signer(env, pki_dir, manifest):
    from eds.pki.keys import SigningKey
    from eds.signatures import xmldsig

    key = SigningKey.from_pkcs12((pki_dir / "users/individual_sign.p12").read_bytes(), manifest["password"])
    iin = manifest["identities"]["individual_sign"]["iin"]
    request = xmldsig.sign_xml(b"<request><applicant>x</applicant></request>", key.private_key, key.certificate.der)
    assert _verify(env, request, expectIin=iin)["indication"] == "TOTAL_PASSED"
    other = _verify(env, request, expectIin="820611400613")
    assert "IIN_MISMATCH" in [r["code"] for r in other["reasons"]]


def test_the_command_line_checks_the_claim_on_pdfs_against_the_holder(env, pki_dir, tmp_path, monkeypatch, capsys):
    from eds import cli

    services, number = env["services"], env["numbers"]["zhm"]
    pdf = tmp_path / "licence.pdf"
    pdf.write_bytes(services.registry.file(number, "pdf"))
    xml = tmp_path / "licence.xml"
    xml.write_bytes(services.registry.file(number, "xml"))

    def verify(path, *claim) -> dict:
        cli.main(["verify", str(path), "--trust", str(pki_dir), "--json", *claim])
        return json.loads(capsys.readouterr().out)

    monkeypatch.setenv("EDS_HOME", str(services.settings.home))  # the service's registry is here
    assert verify(pdf, "--expect-bin", "130640007817")["indication"] == "TOTAL_PASSED"
    assert verify(pdf, "--expect-bin", "130540003335")["reasons"][0]["code"] == "HOLDER_MISMATCH"  # the provider
    monkeypatch.setenv("EDS_HOME", str(tmp_path / "elsewhere"))  # no registry here: the PDF alone proves no holder
    assert verify(pdf, "--expect-bin", "130640007817")["reasons"][0]["code"] == "HOLDER_UNCONFIRMED"
    assert not (tmp_path / "elsewhere").exists()  # and no registry was created to ask
    assert verify(xml, "--expect-bin", "130640007817")["indication"] == "TOTAL_PASSED"  # the signed twin's holder
    assert verify(xml, "--expect-iin", "820611400613")["reasons"][0]["code"] == "HOLDER_MISMATCH"  # the official
