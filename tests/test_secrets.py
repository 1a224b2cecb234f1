"""Secrets at rest: no password in keys.json or the test PKI's manifest, keys and the registry 0600 in 0700 folders,
and a service that refuses to start when keys.json, a key or a password file is open to other users."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from eds.issuing.keystore import load_keys
from eds.issuing.registry import Registry
from eds.pki.keys import KeyStoreError
from eds.service import Settings
from test_pki import demo
from test_pki.model import PASSWORD_FILE, read_password, write_private

ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The test PKI


def test_the_manifest_holds_no_password_and_keys_are_private(pki_dir):
    password = read_password(pki_dir)
    manifest = (pki_dir / "manifest.json").read_text(encoding="utf-8")
    assert password not in manifest and "password" not in json.loads(manifest)
    assert json.loads(manifest)["password_file"] == PASSWORD_FILE and mode(pki_dir / PASSWORD_FILE) == 0o600
    keys = sorted(pki_dir.rglob("*.p12"))
    assert len(keys) > 20 and all(mode(key) == 0o600 for key in keys), [k for k in keys if mode(k) != 0o600]
    folders = [pki_dir, *{key.parent for key in keys}]
    assert all(mode(folder) == 0o700 for folder in folders), [(f, oct(mode(f))) for f in folders]
    holding = [p for p in pki_dir.rglob("*") if p.is_file() and password.encode() in p.read_bytes()]
    assert holding == [pki_dir / PASSWORD_FILE]


def test_bootstrap_writes_keys_json_without_a_password(pki_dir, tmp_path):
    registry = Registry.open(f"sqlite:///{tmp_path / 'registry.db'}")
    demo.bootstrap(tmp_path, pki_dir, registry)
    registry.close()
    keys_json = tmp_path / "keys.json"
    assert mode(keys_json) == 0o600 and read_password(pki_dir) not in keys_json.read_text()
    entries = json.loads(keys_json.read_text())
    assert {"official_ministry", "official_region"} <= set(entries)
    assert all(set(entry) == {"pkcs12", "password_file"} for entry in entries.values())
    store = load_keys(keys_json)
    assert store.get("official_region").certificate.iin  # opens with the password read from the file


# keys.json and the files it names


@pytest.fixture
def home(pki_dir, tmp_path) -> Path:
    """keys.json naming one key of the test PKI, copied 0600 with its password file."""
    write_private(tmp_path / "official.p12", (pki_dir / "users/official_region.p12").read_bytes())
    write_private(tmp_path / "official.password", (pki_dir / PASSWORD_FILE).read_bytes())
    write_private(tmp_path / "keys.json", json.dumps(
        {"official": {"pkcs12": "official.p12", "password_file": "official.password"}}).encode())
    return tmp_path


@pytest.mark.parametrize("exposed", ["keys.json", "official.p12", "official.password"])
@pytest.mark.parametrize("bits", [0o644, 0o640, 0o604, 0o660])
def test_a_secret_file_others_may_read_is_refused(home, exposed, bits):
    (home / exposed).chmod(bits)
    with pytest.raises(KeyStoreError) as caught:
        load_keys(home / "keys.json")
    assert caught.value.code == "SECRET_FILE_EXPOSED"
    assert caught.value.details == {"file": str(home / exposed), "mode": f"{bits:04o}"}
    assert "chmod 600" in caught.value.message and "EDS_ALLOW_READABLE_KEYS" in caught.value.message


def test_a_demo_may_allow_readable_files_and_is_warned(home, caplog):
    (home / "official.p12").chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="eds.issuing.keystore"):
        store = load_keys(home / "keys.json", allow_readable=True)
    assert store.get("official").certificate.iin
    assert [r.file for r in caplog.records] == [str(home / "official.p12")]
    settings = Settings.from_env({"EDS_HOME": str(home), "EDS_ALLOW_READABLE_KEYS": "1"})
    assert settings.allow_readable_keys and settings.services().keys.get("official")
    with pytest.raises(KeyStoreError):
        Settings.from_env({"EDS_HOME": str(home)}).services().keys


def test_a_password_written_in_keys_json_is_refused_without_showing_it(home, pki_dir):
    password = read_password(pki_dir)
    write_private(home / "keys.json", json.dumps({"official": {"pkcs12": "official.p12", "password": password}}).encode())
    with pytest.raises(KeyStoreError) as caught:
        load_keys(home / "keys.json")
    assert caught.value.code == "KEYS_FILE_INVALID" and caught.value.details == {"keyId": "official"}
    assert "password_env" in caught.value.message and password not in str(caught.value)


@pytest.mark.parametrize("content", [b"not json", b"[]", b'{"k": "x.p12"}', b'{"k": {"password_env": "V"}}',
                                     b'{"k": {"pkcs12": "x.p12"}}',
                                     b'{"k": {"pkcs12": "x.p12", "password_env": "V", "password_file": "f"}}'])
def test_a_malformed_keys_json_is_one_coded_refusal(home, content):
    write_private(home / "keys.json", content)
    with pytest.raises(KeyStoreError) as caught:
        load_keys(home / "keys.json")
    assert caught.value.code == "KEYS_FILE_INVALID"


def test_the_password_from_the_environment(home, pki_dir, monkeypatch):
    write_private(home / "keys.json", json.dumps(
        {"official": {"pkcs12": "official.p12", "password_env": "EDS_TEST_OFFICIAL_PASSWORD"}}).encode())
    monkeypatch.delenv("EDS_TEST_OFFICIAL_PASSWORD", raising=False)
    store = load_keys(home / "keys.json")  # the variable is read when the key is first used
    with pytest.raises(KeyStoreError) as caught:
        store.get("official")
    assert caught.value.code == "KEY_PASSWORD_MISSING" and "EDS_TEST_OFFICIAL_PASSWORD" in caught.value.message
    monkeypatch.setenv("EDS_TEST_OFFICIAL_PASSWORD", read_password(pki_dir))
    assert load_keys(home / "keys.json").get("official").certificate.iin


def test_a_missing_password_file_names_the_file(home):
    (home / "official.password").unlink()
    with pytest.raises(KeyStoreError) as caught:
        load_keys(home / "keys.json").get("official")
    assert caught.value.code == "KEY_PASSWORD_MISSING" and "official.password" in caught.value.message


def test_a_new_sqlite_registry_is_private(tmp_path):
    services = Settings.from_env({"EDS_HOME": str(tmp_path / "new" / "home")}).services()
    registry = services.registry
    registry.journal_head()
    database = tmp_path / "new" / "home" / "registry.db"
    writer = sqlite3.connect(database)  # a write while the registry is open: SQLite makes its -wal and -shm
    assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    writer.execute("CREATE TABLE probe (x)")
    writer.commit()
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    assert all(mode(f) == 0o600 for f in files), [(f.name, oct(mode(f))) for f in files]
    assert mode(database.parent) == 0o700
    writer.close()
    registry.close()


# Starting


def test_serve_refuses_to_start_with_an_exposed_key(home):
    (home / "official.p12").chmod(0o644)
    env = {**os.environ, "EDS_HOME": str(home)}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "eds.cli", "serve", "--port", str(_free_port())], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and time.monotonic() - started < 30
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("eds: error: SECRET_FILE_EXPOSED: ") and "official.p12" in lines[0]
    assert "Traceback" not in result.stderr


def _get(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def test_eds_run_writes_no_password_and_still_issues(tmp_path):
    """The embedded default from scratch: PKI, keys.json, registry and API keys private, the password only in the
    PKI's password file, the demo API key printed, and a licence issued with it (keys open from password_file)."""
    home = tmp_path / "var"
    api_port, pki_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDS_")}
    env["EDS_HOME"] = str(home)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "eds.cli", "run", "--port", str(api_port),
                                    "--pki-port", str(pki_port)], env=env, cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while _get(f"http://127.0.0.1:{api_port}/healthz")[0] != 200:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        token = re.search(r"demo API key \(shown once, stored hashed\): (\S+)", log.read_text()).group(1)
        from eds.issuing.documents.examples import EXAMPLES

        data = {k: v for k, v in EXAMPLES["scrap_metal_licence"].items() if k != "provider"}
        body = json.dumps({"type": "scrap_metal_licence", "providerId": "ZHM", "keyId": "official_region",
                           "data": data}).encode()
        status, answer = _get(f"http://127.0.0.1:{api_port}/api/v1/documents", data=body,
                              headers={"X-API-Key": token, "Content-Type": "application/json"})
        assert status == 201, answer[:500]
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    password = read_password(home / "pki")
    holding = [p.relative_to(home) for p in home.rglob("*") if p.is_file() and password.encode() in p.read_bytes()]
    assert holding == [Path("pki") / PASSWORD_FILE], holding
    private = [home / "keys.json", home / "api-keys.json", home / "registry.db", *home.rglob("*.p12"),
               home / "pki" / PASSWORD_FILE, *home.glob("registry.db-*")]
    assert all(mode(f) == 0o600 for f in private), [(str(f), oct(mode(f))) for f in private if mode(f) != 0o600]
    folders = [home, *(p for p in home.rglob("*") if p.is_dir())]
    assert all(mode(f) == 0o700 for f in folders), [(str(f), oct(mode(f))) for f in folders if mode(f) != 0o700]


def test_eds_run_on_a_var_made_before_says_what_to_do(tmp_path):
    """A var/ whose test PKI still keeps the password in its manifest is not served half-working: one line."""
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "manifest.json").write_text(json.dumps({"base_url": "http://127.0.0.1:1", "password": "x"}))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("EDS_")}, "EDS_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "eds.cli", "run", "--port", str(_free_port()), "--pki-port",
                             str(_free_port())], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("eds: error: TEST_PKI_OUTDATED: ") and len(result.stderr.splitlines()) == 1
    assert f"remove {tmp_path}" in result.stderr
