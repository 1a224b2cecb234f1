"""Private keys and passwords stay secret: not in logs, answers, error messages, temporary or stored files, reprs.

One signing key is re-wrapped into a PKCS#12 file with a password made for this test (read from an environment
variable, as keys.json allows), so any trace of it anywhere can only be a leak. The service then issues, signs,
fails on a wrong password and on a dead TSA, with every logger at DEBUG and the temporary folder redirected;
afterwards the logs, every answer, every exception and every file written are searched for the key in each
form it could take (PKCS#8 and PKCS#1 DER, PEM lines, its private numbers in hex and decimal) and the password
(UTF-8 and the UTF-16 PKCS#12 uses). Then: keys at rest are shrouded PKCS#12, API keys are stored as hashes,
and editing what the registry holds is caught by the audit journal.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import secrets
import sqlite3
import stat
import tempfile

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from api import create_app
from api.logs import JsonFormatter
from eds.issuing.access import AccessError, ApiKeys
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.keystore import KeyStore
from eds.issuing.registry import Registry
from eds.pki.keys import KeyStoreError, SigningKey
from eds.signatures import pades as pdf
from test_pki import demo
from test_pki.model import write_private

PASSWORD_ENV = "EDS_TEST_KEY_SAFETY_PASSWORD"


def secret_markers(key: SigningKey, password: str) -> dict[str, bytes]:
    """Every spelling of the private key and the password that a leak could take."""
    private = key.private_key
    pkcs8 = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    traditional = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                                        serialization.NoEncryption())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    numbers = private.private_numbers()
    # PEM lines that lie wholly after the modulus and exponent: the first lines encode the public key, which the
    # certificate in every signed document carries too.
    private_from = pkcs8.index(numbers.d.to_bytes((numbers.d.bit_length() + 7) // 8, "big"))
    lines = pem.splitlines()[1:-1]
    private_lines = [line for number, line in enumerate(lines) if number * 48 >= private_from and len(line) == 64]
    markers = {"password": password.encode(), "password-utf16": password.encode("utf-16-be"),
               "pkcs8-der": pkcs8[-64:], "pkcs1-der": traditional[-64:]}
    markers.update({f"pem-line-{n}": line for n, line in enumerate(private_lines)})
    for name, value in (("d", numbers.d), ("p", numbers.p), ("q", numbers.q)):
        markers[f"{name}-hex"] = format(value, "x").encode()[:48]
        markers[f"{name}-HEX"] = format(value, "X").encode()[:48]
        markers[f"{name}-decimal"] = str(value).encode()[:48]
        markers[f"{name}-bytes"] = value.to_bytes((value.bit_length() + 7) // 8, "big")[:32]
    return markers


def leaks(blob: bytes, markers: dict[str, bytes]) -> list[str]:
    return [name for name, marker in markers.items() if marker in blob]


@pytest.fixture(scope="module")
def original(pki_dir, manifest) -> SigningKey:
    info = manifest["identities"]["official_region"]
    return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"],
                                  key_id="official_region")


@pytest.fixture
def home(tmp_path, pki_dir, original, monkeypatch):
    """A service home whose only signing key is the official's, behind a fresh password in the environment."""
    registry = Registry.open(f"sqlite:///{tmp_path / 'registry.db'}")
    demo.bootstrap(tmp_path, pki_dir, registry)
    registry.close()
    password = "Kilt-" + secrets.token_urlsafe(18)
    encryption = serialization.BestAvailableEncryption(password.encode())
    write_private(tmp_path / "official.p12", pkcs12.serialize_key_and_certificates(
        b"official", original.private_key, original.certificate.x509, [c.x509 for c in original.chain], encryption))
    write_private(tmp_path / "keys.json", json.dumps({
        "official_region": {"pkcs12": "official.p12", "password_env": PASSWORD_ENV},
        "mistyped": {"pkcs12": "official.p12", "password_env": PASSWORD_ENV + "_WRONG"}}).encode())
    monkeypatch.setenv(PASSWORD_ENV, password)
    monkeypatch.setenv(PASSWORD_ENV + "_WRONG", password[::-1])
    return tmp_path, password


def licence() -> dict:
    data = dict(EXAMPLES["scrap_metal_licence"])
    return {"type": "scrap_metal_licence", "providerId": "ZHM", "keyId": "official_region", "data": data}


def test_no_secret_in_logs_answers_errors_or_files(home, original, pki_dir, pki_server, faults, monkeypatch,
                                                   tmp_path_factory):
    directory, password = home
    markers = secret_markers(original, password)
    scratch = tmp_path_factory.mktemp("tmpdir")
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    records: list[logging.LogRecord] = []
    collector = logging.Handler(logging.DEBUG)
    collector.emit = records.append
    root.addHandler(collector)
    try:
        app = create_app({"EDS_HOME": str(directory), "EDS_TRUST": str(pki_dir)})
        token = ApiKeys(directory / "api-keys.json").create("portal", ["issue", "verify", "sign"],
                                                           signing_keys=["*"], providers=["*"], rate_per_minute=10 ** 6)
        headers = {"X-API-Key": token}
        client = app.test_client()
        answers = []
        issued = client.post("/api/v1/documents", json=licence(), headers=headers)
        assert issued.status_code == 201, issued.get_json()
        number = issued.get_json()["number"]
        answers += [issued, client.get(f"/api/v1/documents/{number}/pdf", headers=headers),
                    client.post(f"/api/v1/documents/{number}/events", headers=headers,
                                json={"event": "duplicate", "reason": "lost", "keyId": "official_region"}),
                    client.post("/api/v1/signatures/xml", headers=headers,
                                json={"keyId": "official_region", "document": base64.b64encode(b"<a/>").decode()}),
                    client.post("/api/v1/signatures/cms", headers=headers,
                                json={"keyId": "official_region", "content": "ZGF0YQ==", "timestamp": True})]
        wrong = client.post("/api/v1/signatures/xml", headers=headers,
                            json={"keyId": "mistyped", "document": base64.b64encode(b"<a/>").decode()})
        assert wrong.status_code == 503 and wrong.get_json()["details"]["cause"] == "KEY_BAD_PASSWORD"
        faults(tsa="down")
        dead_tsa = client.post("/api/v1/documents", json=licence(), headers=headers)
        assert dead_tsa.status_code == 503
        answers += [wrong, dead_tsa]
    finally:
        root.removeHandler(handler)
        root.removeHandler(collector)
        root.setLevel(previous)
    assert [a.status_code for a in answers[:5]] == [201, 200, 201, 200, 200]
    for answer in answers:
        assert not leaks(answer.get_data(), markers), answer.request.path
    assert records and any(r.name == "eds.issuing.access" for r in records), "the logs were not captured"
    log_text = stream.getvalue() + "".join(repr(vars(r)) for r in records)
    assert not leaks(log_text.encode(), markers)
    assert token.split("_", 2)[2] not in log_text
    written = [p for p in (*scratch.rglob("*"), *directory.rglob("*")) if p.is_file()]
    assert any(p.name == "registry.db" for p in written)
    for path in written:
        assert not leaks(path.read_bytes(), markers), path


def test_the_search_finds_a_key_that_is_there(original):
    """The control for the searches above: a key written out in any of its forms is found."""
    markers = secret_markers(original, "Kilt-control")
    private = original.private_key
    for encoding, form in ((serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8),
                           (serialization.Encoding.DER, serialization.PrivateFormat.PKCS8),
                           (serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL)):
        assert leaks(b"..." + private.private_bytes(encoding, form, serialization.NoEncryption()) + b"...", markers)
    assert leaks(json.dumps({"d": private.private_numbers().d}).encode(), markers) == ["d-decimal"]
    assert leaks("Kilt-control".encode("utf-16-be"), markers) == ["password-utf16"]


def test_errors_about_keys_never_carry_the_password(home, original):
    directory, password = home
    data = (directory / "official.p12").read_bytes()
    markers = secret_markers(original, password)
    for attempt in (password[:-1], password.upper(), "", password + " "):
        with pytest.raises(KeyStoreError) as caught:
            SigningKey.from_pkcs12(data, attempt)
        message = (str(caught.value) + repr(caught.value)).encode()
        assert caught.value.code == "KEY_BAD_PASSWORD" and not leaks(message, markers)
        assert not attempt or attempt.encode() not in message
    store = KeyStore()
    store.add_file("k", directory / "missing.p12", password)
    with pytest.raises(KeyStoreError) as caught:
        store.get("k")
    assert caught.value.code == "KEY_UNREADABLE" and password not in str(caught.value)


def test_reprs_hide_the_key(home, original, pki_dir, manifest):
    directory, password = home
    store = KeyStore()
    store.add_file("official_region", directory / "official.p12", password)
    key = store.get("official_region")
    markers = secret_markers(original, password)
    shown = " ".join(repr(o) + str(o) for o in (key, store, pdf.HeldKeySigner(key), key.private_key))
    assert "official_region" in repr(key) and not leaks(shown.encode(), markers)
    info = manifest["identities"]["gost_individual_sign"]
    gost = SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"])
    secret = gost.private_key.d
    shown = repr(gost) + repr(gost.private_key) + str(gost.private_key)
    assert format(secret, "x")[:24] not in shown.lower() and str(secret)[:24] not in shown


def _bags(p12: bytes) -> list[str]:
    """The bag types of a PKCS#12 file whose key bags are readable without the password."""
    pfx = asn1_pkcs12.Pfx.load(p12)
    names = []
    for content_info in pfx.authenticated_safe:
        if content_info["content_type"].native == "data":
            names += [bag["bag_id"].native for bag in asn1_pkcs12.SafeContents.load(content_info["content"].native)]
        else:
            assert isinstance(content_info["content"], asn1_cms.EncryptedData)
            names.append("encrypted_data")
    return names


def test_keys_at_rest_are_encrypted_pkcs12(pki_dir, manifest, home, original):
    directory, password = home
    files = [*pki_dir.glob("users/*.p12"), *pki_dir.glob("ca/*.p12"), directory / "official.p12"]
    assert len(files) >= 20
    for path in files:
        data = path.read_bytes()
        bags = _bags(data)
        assert "key_bag" not in bags and ("pkcs8_shrouded_key_bag" in bags or "encrypted_data" in bags), path
        assert asn1_pkcs12.Pfx.load(data)["mac_data"].native is not None, path
        with pytest.raises(KeyStoreError):
            SigningKey.from_pkcs12(data, "not the password")
    assert not leaks((directory / "official.p12").read_bytes(), secret_markers(original, password))


def test_api_keys_are_stored_as_hashes_only(tmp_path):
    store = ApiKeys(tmp_path / "api-keys.json")
    tokens = [store.create(f"client{n}", ["verify"]) for n in range(3)]
    stored = (tmp_path / "api-keys.json").read_text()
    assert stat.S_IMODE((tmp_path / "api-keys.json").stat().st_mode) == 0o600
    for token in tokens:
        key_id, secret = token.split("_", 2)[1:]
        digest = hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in stored and digest in stored
        assert store.authenticate(token).key_id == key_id
        with pytest.raises(AccessError) as caught:
            store.authenticate(f"eds_{key_id}_{digest}")  # the stored value is no credential
        assert caught.value.code == "API_KEY_INVALID"


def test_audit_journal_catches_edits_to_issued_documents(home, pki_dir, pki_server):
    directory, _ = home
    app = create_app({"EDS_HOME": str(directory), "EDS_TRUST": str(pki_dir)})
    token = ApiKeys(directory / "api-keys.json").create("portal", ["issue", "verify"], signing_keys=["*"],
                                                                     providers=["*"])
    client = app.test_client()
    numbers = [client.post("/api/v1/documents", json=licence(), headers={"X-API-Key": token}).get_json()["number"]
               for _ in range(2)]
    url = f"sqlite:///{directory / 'registry.db'}"
    registry = Registry.open(url)
    assert registry.verify_journal().ok
    database = sqlite3.connect(directory / "registry.db")
    forged = database.execute("SELECT content FROM document_files f JOIN documents d ON d.id = f.document_id "
                              "WHERE d.number = ? AND f.kind = 'pdf'", (numbers[1],)).fetchone()[0]
    with database:
        database.execute("UPDATE document_files SET content = ? WHERE kind = 'pdf' AND document_id = "
                         "(SELECT id FROM documents WHERE number = ?)", (forged, numbers[0]))
    report = registry.verify_journal()
    assert (report.ok, report.reason) == (False, "record_edited") and "pdf" in report.detail
    with database:
        database.execute("DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal)")
    assert registry.verify_journal().reason == "deleted"
    database.close()
    registry.close()
