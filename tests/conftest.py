"""Shared fixtures: one generated test PKI per session, with its live services on a free loopback port."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import tempfile
import urllib.request
from pathlib import Path

import pytest

from eds.pki.certificates import Certificate
from eds.pki.gost.providers import install as install_gost
from eds.pki.trust import load_profile
from test_pki import generator, services
from test_pki.model import read_password


def pytest_sessionstart(session: pytest.Session) -> None:
    """Remove the 1,100-level folder trees that test_collect_walks_a_folder_deeper_than_the_recursion_limit
    built before it lowered the recursion limit instead: pytest removes old tmp folders with shutil.rmtree,
    which recurses, and failed the run at its end on such a tree."""
    root = Path(os.environ.get("PYTEST_DEBUG_TEMPROOT") or tempfile.gettempdir()) / f"pytest-of-{getpass.getuser()}"
    for tree in list(root.glob("*/test_collect_walks_a_folder_de*/d")):  # pytest cuts names at 30 characters
        if not (tree.parent.is_symlink() or tree.parent.parent.is_symlink()):
            _remove_tree(str(tree))


def _remove_tree(top: str) -> None:
    """``shutil.rmtree`` with a stack instead of recursion."""
    pending, folders = [top], []
    while pending:
        folder = pending.pop()
        folders.append(folder)
        for entry in os.scandir(folder):
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            else:
                os.unlink(entry.path)
    for folder in reversed(folders):
        os.rmdir(folder)


@pytest.fixture(scope="session", autouse=True)
def gost_installed() -> None:
    """GOST in the algorithm registry, as the service installs it when it builds its objects; tests of the
    registry itself take it out with monkeypatch."""
    install_gost()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("pki") / "pki"
    generator.generate(directory, base_url=f"http://127.0.0.1:{_free_port()}")
    return directory


@pytest.fixture(scope="session")
def manifest(pki_dir) -> dict:
    """manifest.json, with the PKCS#12 password read from the PKI's 0600 password file (the manifest holds none)."""
    return {**json.loads((pki_dir / "manifest.json").read_text(encoding="utf-8")), "password": read_password(pki_dir)}


@pytest.fixture(scope="session")
def pki_server(pki_dir, manifest):
    port = int(manifest["base_url"].rsplit(":", 1)[1])
    server = services.start(pki_dir, port=port)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def faults(pki_server):
    """Switch faults on the live services; everything is switched back off after the test."""

    def set_faults(**wanted):
        request = urllib.request.Request(f"{pki_server.base_url}/admin/faults", data=json.dumps(wanted).encode(),
                                         method="POST")
        urllib.request.urlopen(request, timeout=5).read()

    yield set_faults
    pki_server.faults.clear()


@pytest.fixture(scope="session")
def profile(pki_dir):
    return load_profile(pki_dir)


@pytest.fixture(scope="session")
def cert_of(pki_dir, manifest):
    def load(name: str) -> Certificate:
        info = manifest["identities"].get(name) or manifest["authorities"][name]
        return Certificate.load((pki_dir / info["certificate"]).read_bytes())

    return load


@pytest.fixture(scope="session")
def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@pytest.fixture(scope="module")
def issuing_api(tmp_path_factory, pki_dir, pki_server) -> dict:
    """The API with the demo providers and officials registered: a client and headers to issue and to verify."""
    from api import create_app
    from eds.issuing.access import ApiKeys
    from test_pki import demo

    home = tmp_path_factory.mktemp("issuing-api")
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})
    demo.bootstrap(home, pki_dir, app.extensions["eds"].registry)
    keys = ApiKeys(home / "api-keys.json")
    return {"client": app.test_client(),
            "issue": {"X-API-Key": keys.create("portal", ["issue", "verify"], signing_keys=["official_region"],
                                               providers=["ZHM"])},
            "verify": {"X-API-Key": keys.create("auditor", ["verify"], providers=["ZHM"])}}
