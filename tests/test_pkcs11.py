"""Signing keys on a PKCS#11 token (issue 19 item 1), against a real SoftHSM2 token.

The token is initialised for this module (``test_pki.softhsm``: ``softhsm2-util --init-token`` with its own
SOFTHSM2_CONF and token folder) with official_region's RSA key imported from the test PKI's PKCS#12, as a
sensitive, non-extractable key. keys.json names it as ``{"pkcs11": {...}}``; the service then issues a licence
with it (PAdES B-LT PDF and XMLDSig XML), verifies it, and co-signs a CMS and an XML document with it. The token
is pulled out (its folder moved away) and put back, and the library finalised behind the service's back: while
it is away a signature is 503 (cause KEY_UNAVAILABLE) and nothing reaches the registry; once it is back the next
signature reconnects. SoftHSM2 is installed by ``scripts/setup --test``; without it these tests fail, saying so.
"""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import sqlite3

import pytest

from api import create_app
from eds.issuing.access import ApiKeys
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.keystore import load_keys
from eds.issuing.registry import Registry
from eds.pki import pkcs11_keys
from eds.pki.keys import KeyStoreError, SigningKey
from eds.signatures import cms, xmldsig
from test_pki import demo, softhsm
from test_pki.model import write_private

PIN_ENV = "EDS_TEST_TOKEN_PIN"


@pytest.fixture(scope="module")
def token(tmp_path_factory, pki_dir):
    """A SoftHSM2 token with official_region's key (and its chain), SOFTHSM2_CONF pointing at it meanwhile."""
    try:
        made = softhsm.make_token(tmp_path_factory.mktemp("softhsm"), pki_dir, ("official_region",))
    except softhsm.SoftHsmMissing as exc:
        pytest.fail(f"{exc}. The PKCS#11 tests run against a real SoftHSM2 token and are not skipped.")
    before = os.environ.get("SOFTHSM2_CONF")
    pkcs11_keys.reset()
    os.environ["SOFTHSM2_CONF"] = str(made.conf)
    yield made
    pkcs11_keys.reset()
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


@pytest.fixture(scope="module")
def service(tmp_path_factory, pki_dir, pki_server, token):
    """The API with the demo registry, whose key official_region is the token's (the others stay PKCS#12)."""
    home = tmp_path_factory.mktemp("token-home")
    registry = Registry.open(f"sqlite:///{home / 'registry.db'}")
    demo.bootstrap(home, pki_dir, registry)
    registry.close()
    entries = json.loads((home / "keys.json").read_text(encoding="utf-8"))
    entries["official_region"] = token.keys_entry("official_region")
    write_private(home / "keys.json", json.dumps(entries).encode())
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})
    keys = ApiKeys(home / "api-keys.json")
    return {"app": app, "home": home, "client": app.test_client(),
            "portal": {"X-API-Key": keys.create("portal", ["issue", "verify", "sign"], providers=["ZHM"],
                                                signing_keys=["official_region", "official_ministry"],
                                                rate_per_minute=10 ** 6)},
            "other": {"X-API-Key": keys.create("other", ["issue", "sign"], providers=["ZHM"],
                                               signing_keys=["official_ministry"])}}


def licence(**overrides) -> dict:
    return {"type": "scrap_metal_licence", "providerId": "ZHM", "keyId": "official_region",
            "data": dict(EXAMPLES["scrap_metal_licence"]), **overrides}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def registry_rows(home) -> dict[str, int]:
    """How many rows each table of the registry holds: what "nothing written" is checked against."""
    with sqlite3.connect(home / "registry.db") as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def token_state(token) -> dict:
    return next(s for s in pkcs11_keys.sessions() if s["token"] == token.label)


def test_the_key_on_the_token_signs_and_never_leaves_it(service, token, cert_of):
    key = service["app"].extensions["eds"].keys.get("official_region")
    assert isinstance(key, SigningKey) and isinstance(key.private_key, pkcs11_keys.Pkcs11Key)
    assert key.certificate.sha256 == cert_of("official_region").sha256 and key.chain  # the CAs, from the token
    assert "official_region" in repr(key.private_key) and token.pin not in repr(key) + repr(key.private_key)
    # the token holds the key as sensitive and non-extractable, and refuses to give its private values out
    import pkcs11
    from pkcs11 import Attribute

    private = key.private_key.token.private_key("official_region")
    assert private[Attribute.SENSITIVE] and not private[Attribute.EXTRACTABLE]
    for secret in (Attribute.PRIVATE_EXPONENT, Attribute.PRIME_1, Attribute.VALUE):
        with pytest.raises(pkcs11.exceptions.PKCS11Error):
            private[secret]


def test_issue_verify_and_co_sign_with_the_token(service, token, pki_dir, manifest):
    client, headers = service["client"], service["portal"]
    issued = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert issued.status_code == 201, issued.get_json()
    number = issued.get_json()["number"]
    pdf = client.get(f"/api/v1/documents/{number}/pdf", headers=headers).data
    xml = client.get(f"/api/v1/documents/{number}/xml", headers=headers).data
    for document in (pdf, xml):
        report = client.post("/api/v1/verify", headers=headers, json={"document": b64(document)}).get_json()
        assert report["indication"] == "TOTAL_PASSED", report
        assert report["registry"]["found"] and report["registry"]["registeredFile"]
        assert "IIN820611400613" in json.dumps(report, ensure_ascii=False)  # official_region's
    # co-signing: a CMS and an XML document a file key signed first, then the token's key adds its signature
    ministry = service["app"].extensions["eds"].keys.get("official_ministry")
    first = cms.sign_cms(b"protocol of the commission", ministry.private_key, ministry.certificate.der)
    added = client.post("/api/v1/signatures/cms", headers=headers,
                        json={"keyId": "official_region", "content": b64(b"protocol of the commission"),
                              "addTo": b64(first)})
    assert added.status_code == 200, added.get_json()
    signed_xml = xmldsig.sign_xml(b"<act><item>1</item></act>", ministry.private_key, ministry.certificate.der)
    co_signed = client.post("/api/v1/signatures/xml", headers=headers,
                            json={"keyId": "official_region", "document": b64(signed_xml)})
    assert co_signed.status_code == 200, co_signed.get_json()
    for document in (base64.b64decode(added.get_json()["cms"]), base64.b64decode(co_signed.get_json()["document"])):
        report = client.post("/api/v1/verify", headers=headers, json={"document": b64(document)}).get_json()
        assert report["indication"] == "TOTAL_PASSED", report
        assert len(report["signatures"]) == 2 and all(s["indication"] == "TOTAL_PASSED" for s in report["signatures"])
    assert token_state(token)["sessionsOpened"] >= 1


def test_token_keys_are_authorised_as_file_keys_are(service):
    client = service["client"]
    refused = client.post("/api/v1/documents", json=licence(), headers=service["other"])
    assert refused.status_code == 403 and refused.get_json()["code"] == "KEY_NOT_GRANTED"
    refused = client.post("/api/v1/signatures/xml", headers=service["other"],
                          json={"keyId": "official_region", "document": b64(b"<a/>")})
    assert refused.status_code == 403 and refused.get_json()["code"] == "KEY_NOT_GRANTED"
    # the registry lists official_region for ZHM's scrap-metal licences only: MCI's TV licence is refused
    tv = {"type": "tv_radio_licence", "providerId": "ZHM", "keyId": "official_region",
          "data": dict(EXAMPLES["tv_radio_licence"])}
    refused = client.post("/api/v1/documents", json=tv, headers=service["portal"])
    assert refused.status_code == 422 and refused.get_json()["details"]["cause"] in (
        "SERVICE_NOT_PROVIDED", "SIGNER_NOT_AUTHORISED"), refused.get_json()


def test_a_pulled_token_is_503_until_it_is_back(service, token, caplog):
    client, headers, home = service["client"], service["portal"], service["home"]
    assert client.post("/api/v1/documents", json=licence(), headers=headers).status_code == 201
    opened = token_state(token)["sessionsOpened"]
    rows = registry_rows(home)
    token.pull()
    try:
        for _ in range(2):  # and it stays so while the token is away
            answer = client.post("/api/v1/documents", json=licence(), headers=headers)
            assert answer.status_code == 503, answer.get_json()
            body = answer.get_json()
            assert body["code"] == "DEPENDENCY_UNAVAILABLE" and body["details"]["cause"] == "KEY_UNAVAILABLE"
            assert "Traceback" not in answer.get_data(as_text=True) and token.pin not in answer.get_data(as_text=True)
        signed = client.post("/api/v1/signatures/cms?lang=kk", headers=headers,
                             json={"keyId": "official_region", "content": b64(b"x")})
        assert signed.status_code == 503 and signed.get_json()["details"]["cause"] == "KEY_UNAVAILABLE"
        assert signed.get_json()["details"]["causeText"].startswith("қол қою кілті бар токен")
        assert registry_rows(home) == rows  # nothing was numbered, journaled or stored
        assert token_state(token)["lost"]
    finally:
        token.put_back()
    with caplog.at_level("WARNING", logger="eds.pki.pkcs11_keys"):
        again = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert again.status_code == 201, again.get_json()
    assert token_state(token)["sessionsOpened"] == opened + 1 and not token_state(token)["lost"]
    assert any("reconnected" in r.getMessage() for r in caplog.records)
    assert token.pin not in caplog.text


def test_a_finalised_library_reconnects_within_the_same_signature(service, token):
    key = service["app"].extensions["eds"].keys.get("official_region")
    opened = token_state(token)["sessionsOpened"]
    key.private_key.token.library.get().finalize()  # every session of the library is gone (as after a reset)
    signed = cms.sign_cms(b"after a reset", key.private_key, key.certificate.der)
    report = service["client"].post("/api/v1/verify", headers=service["portal"],
                                    json={"document": b64(signed)}).get_json()
    assert report["indication"] == "TOTAL_PASSED", report
    assert token_state(token)["sessionsOpened"] == opened + 1


def _sign_in_child(queue, home) -> None:
    try:
        store = load_keys(home / "keys.json")
        key = store.get("official_region")
        queue.put(len(key.sign(b"from a worker")))
    except Exception as exc:  # reported to the parent, which fails the test
        queue.put(repr(exc))


def test_a_forked_worker_opens_its_own_session(service, token):
    service["app"].extensions["eds"].keys.get("official_region").sign(b"the parent first")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_sign_in_child, args=(queue, service["home"]))
    child.start()
    child.join(60)
    assert queue.get(timeout=5) == 256
    assert service["app"].extensions["eds"].keys.get("official_region").sign(b"the parent after")


def _keys_file(tmp_path, entry: dict, mode: int = 0o600):
    path = tmp_path / "keys.json"
    write_private(path, json.dumps({"token_key": entry}).encode())
    path.chmod(mode)
    return path


def test_wrong_pin_missing_module_and_label_are_coded(tmp_path, token, monkeypatch, pki_dir):
    pkcs11_keys.reset()  # a fresh process, as far as the token knows: nobody logged in
    try:
        monkeypatch.setenv(PIN_ENV, "not-the-pin-" + token.pin[-3:])
        store = load_keys(_keys_file(tmp_path, token.keys_entry("official_region", pin_env=PIN_ENV)))
        for _ in range(2):  # the refused PIN is not offered to the token again
            with pytest.raises(KeyStoreError) as caught:
                store.get("token_key")
            assert caught.value.code == "KEY_BAD_PIN" and PIN_ENV in caught.value.message
            assert "not-the-pin" not in str(caught.value) + repr(caught.value.details)
        monkeypatch.delenv(PIN_ENV)
        with pytest.raises(KeyStoreError) as caught:
            store.get("token_key")
        assert caught.value.code == "KEY_PASSWORD_MISSING" and PIN_ENV in caught.value.message

        pkcs11_keys.reset()
        entry = token.keys_entry("official_region")
        entry["pkcs11"]["label"] = "nobody"
        with pytest.raises(KeyStoreError) as caught:
            load_keys(_keys_file(tmp_path, entry)).get("token_key")
        assert caught.value.code == "KEY_LABEL_NOT_FOUND" and "'nobody'" in caught.value.message

        entry = token.keys_entry("official_region")
        entry["pkcs11"]["module"] = str(tmp_path / "no-such-pkcs11.so")
        with pytest.raises(KeyStoreError) as caught:
            load_keys(_keys_file(tmp_path, entry)).get("token_key")
        assert caught.value.code == "KEY_MODULE_UNAVAILABLE" and "no-such-pkcs11.so" in caught.value.message
        (tmp_path / "not-pkcs11.so").write_bytes(b"\x7fELF garbage")  # a file, but no PKCS#11 library
        entry["pkcs11"]["module"] = str(tmp_path / "not-pkcs11.so")
        with pytest.raises(KeyStoreError) as caught:
            load_keys(_keys_file(tmp_path, entry)).get("token_key")
        assert caught.value.code == "KEY_MODULE_UNAVAILABLE" and "cannot be loaded" in caught.value.message

        entry = token.keys_entry("official_region")
        entry["pkcs11"]["token"] = "no-such-token"
        with pytest.raises(KeyStoreError) as caught:
            load_keys(_keys_file(tmp_path, entry)).get("token_key")
        assert caught.value.code == "KEY_UNAVAILABLE" and "no-such-token" in caught.value.message
    finally:
        pkcs11_keys.reset()


def test_the_slot_may_name_the_token(tmp_path, token):
    lib = pkcs11_keys._library(token.module).get()  # a second pkcs11.lib would finalise the library when collected
    slot = next(s.slot_id for s in lib.get_slots(token_present=True) if s.get_token().label == token.label)
    entry = token.keys_entry("official_region")
    del entry["pkcs11"]["token"]
    entry["pkcs11"]["slot"] = slot
    key = load_keys(_keys_file(tmp_path, entry)).get("token_key")
    assert key.certificate.iin == "820611400613"
    entry["pkcs11"]["token"] = "another-label"
    with pytest.raises(KeyStoreError) as caught:
        load_keys(_keys_file(tmp_path, entry)).get("token_key")
    assert caught.value.code == "KEY_UNAVAILABLE" and "another-label" in caught.value.message


@pytest.mark.parametrize("change, code, words", [
    ({"pin": "1234"}, "KEYS_FILE_INVALID", "PIN is written in keys.json"),
    ({"token": None}, "KEYS_FILE_INVALID", "token's label (token) or its slot id"),
    ({"pin_file": None}, "KEYS_FILE_INVALID", "one of pin_env or pin_file"),
    ({"pin_env": "X"}, "KEYS_FILE_INVALID", "one of pin_env or pin_file"),
    ({"label": None}, "KEYS_FILE_INVALID", "pkcs11.label is needed"),
    ({"slot": "first"}, "KEYS_FILE_INVALID", "slot id, a whole number"),
    ({"serial": "x"}, "KEYS_FILE_INVALID", "unknown fields serial"),
])
def test_keys_json_shapes_are_refused_clearly(tmp_path, token, change, code, words):
    entry = token.keys_entry("official_region")
    for name, value in change.items():
        if value is None:
            entry["pkcs11"].pop(name, None)
        else:
            entry["pkcs11"][name] = value
    with pytest.raises(KeyStoreError) as caught:
        load_keys(_keys_file(tmp_path, entry))
    assert caught.value.code == code and words in caught.value.message
    assert token.pin not in caught.value.message


def test_a_readable_pin_file_is_refused(tmp_path, token):
    pin_file = tmp_path / "token.pin"
    pin_file.write_text(token.pin + "\n", encoding="utf-8")
    pin_file.chmod(0o644)
    entry = token.keys_entry("official_region")
    entry["pkcs11"]["pin_file"] = "token.pin"  # relative to keys.json's folder
    with pytest.raises(KeyStoreError) as caught:
        load_keys(_keys_file(tmp_path, entry))
    assert caught.value.code == "SECRET_FILE_EXPOSED" and "token.pin" in caught.value.message
    pin_file.chmod(0o600)
    assert load_keys(_keys_file(tmp_path, entry)).get("token_key").certificate.iin == "820611400613"


def test_the_api_and_the_command_line_tell_a_bad_token_entry_in_one_line(tmp_path, token, pki_dir, pki_server,
                                                                        monkeypatch, capsys):
    from eds import cli

    registry = Registry.open(f"sqlite:///{tmp_path / 'registry.db'}")
    demo.bootstrap(tmp_path, pki_dir, registry)
    registry.close()
    entries = json.loads((tmp_path / "keys.json").read_text(encoding="utf-8"))
    entries["official_region"] = token.keys_entry("official_region")
    entries["official_region"]["pkcs11"]["module"] = "/nonexistent/libpkcs11.so"
    write_private(tmp_path / "keys.json", json.dumps(entries).encode())
    app = create_app({"TESTING": True, "EDS_HOME": str(tmp_path), "EDS_TRUST": str(pki_dir)})
    headers = {"X-API-Key": ApiKeys(tmp_path / "api-keys.json").create("p", ["issue"], providers=["*"],
                                                                        signing_keys=["*"])}
    answer = app.test_client().post("/api/v1/documents", json=licence(), headers=headers)
    assert answer.status_code == 503 and answer.get_json()["details"]["cause"] == "KEY_MODULE_UNAVAILABLE"
    assert "/nonexistent/libpkcs11.so" in answer.get_json()["message"]
    data = tmp_path / "data.json"
    data.write_text(json.dumps(EXAMPLES["scrap_metal_licence"], ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("EDS_HOME", str(tmp_path))
    monkeypatch.setenv("EDS_TRUST", str(pki_dir))
    status = cli.main(["issue", "scrap_metal_licence", "--data", str(data), "--provider", "ZHM",
                       "--key", "official_region", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "KEY_MODULE_UNAVAILABLE" in err and "Traceback" not in err
