"""Failing dependencies: OCSP, CRLs, the TSA and the registry database go down, slow, stale or mad.

The live test PKI services take faults through POST /admin/faults (the ``faults`` fixture switches them back
off). What must hold: under ``require`` missing evidence is INDETERMINATE and never passed; a bad answer is
never excused, not even under ``soft-fail``; a B-LT document needs no service at all; issuing that cannot get a
timestamp or reach its database answers 503 DEPENDENCY_UNAVAILABLE and registers nothing, the journal stays
intact, and everything works again once the dependency is back; a process killed while issuing leaves no
half-issued document behind. A hung server, a locked database, a file: URL, a redirect off the allowed hosts and
an answer without end are each answered within their budget (the network's, the registry's lock wait).
"""

from __future__ import annotations

import base64
import concurrent.futures
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from api import create_app
from eds.issuing.access import ApiKeys
from eds.issuing.documents import render_pdf, validate
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS, EXAMPLES
from eds.issuing.issuer import long_term_data
from eds.issuing.registry import Registry
from eds.pki import network
from eds.pki.certificates import Certificate
from eds.pki.keys import SigningKey
from eds.pki.revocation import CrlStore, OcspClient, Policy
from eds.pki.trust import load_profile
from eds.signatures import pades as pdf
from eds.validation.report import Indication, Status
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from test_pki import demo

POSTGRES = Path(__file__).resolve().parent.parent / "scripts" / "postgres"
REQUIRE, SOFT_FAIL = Policy.REQUIRE, Policy.SOFT_FAIL
BOTH, OCSP, CRL = ("OCSP", "CRL"), ("OCSP",), ("CRL",)


def checker(profile, *, policy: Policy = REQUIRE, methods: tuple[str, ...] = BOTH) -> SignerChecker:
    """A checker with no caches from earlier tests and short network timeouts (the slow faults sleep 3 s)."""
    return SignerChecker(profile, policy=policy, methods=methods, crl_store=CrlStore(timeout=1),
                         ocsp_client=OcspClient(timeout=1, retries=0))


def codes(report) -> list[str]:
    return [reason.code for reason in report.reasons]


# ---------------------------------------------------------------------------------------------------------
# Revocation services


REVOCATION = [
    # faults, methods, policy, passes, evidence that decided (when it passes)
    ({"ocsp": "down"}, BOTH, REQUIRE, True, "CRL"),
    ({"ocsp": "slow"}, BOTH, REQUIRE, True, "CRL"),
    ({"ocsp": "garbage"}, BOTH, REQUIRE, True, "CRL"),
    ({"ocsp": "stale"}, BOTH, REQUIRE, True, "CRL"),
    ({"ocsp": "truncated"}, BOTH, REQUIRE, True, "CRL"),
    ({"ocsp": "not_http"}, BOTH, REQUIRE, True, "CRL"),
    ({"crl": "down"}, BOTH, REQUIRE, True, "OCSP"),
    ({"ocsp": "down"}, OCSP, REQUIRE, False, None),
    ({"ocsp": "slow"}, OCSP, REQUIRE, False, None),
    ({"ocsp": "garbage"}, OCSP, REQUIRE, False, None),
    ({"ocsp": "stale"}, OCSP, REQUIRE, False, None),
    ({"ocsp": "try_later"}, OCSP, REQUIRE, False, None),
    ({"ocsp": "wrong_nonce"}, OCSP, REQUIRE, False, None),
    ({"ocsp": "bad_signature"}, OCSP, REQUIRE, False, None),
    ({"crl": "down"}, CRL, REQUIRE, False, None),
    ({"crl": "expired"}, CRL, REQUIRE, False, None),
    ({"crl": "bad_signature"}, CRL, REQUIRE, False, None),
    ({"crl": "garbage"}, CRL, REQUIRE, False, None),
    ({"crl": "truncated"}, CRL, REQUIRE, False, None),
    ({"ocsp": "truncated"}, OCSP, REQUIRE, False, None),
    ({"crl": "not_http"}, CRL, REQUIRE, False, None),
    ({"ocsp": "not_http"}, OCSP, REQUIRE, False, None),
    ({"ocsp": "down", "crl": "down"}, BOTH, REQUIRE, False, None),
    # soft-fail forgives silence, never a bad answer
    ({"ocsp": "down", "crl": "down"}, BOTH, SOFT_FAIL, True, None),
    ({"ocsp": "garbage"}, OCSP, SOFT_FAIL, False, None),
    ({"ocsp": "stale"}, OCSP, SOFT_FAIL, False, None),
    ({"ocsp": "bad_signature"}, OCSP, SOFT_FAIL, False, None),
    ({"crl": "bad_signature"}, CRL, SOFT_FAIL, False, None),
    ({"crl": "expired"}, CRL, SOFT_FAIL, False, None),
]


@pytest.mark.parametrize("wanted, methods, policy, passes, decided_by", REVOCATION,
                         ids=[f"{'+'.join(f'{k}-{v}' for k, v in w.items())}-{'+'.join(m)}-{p.value}"
                              for w, m, p, _, _ in REVOCATION])
def test_revocation_faults(faults, profile, cert_of, wanted, methods, policy, passes, decided_by):
    faults(**wanted)
    started = time.monotonic()
    report = checker(profile, policy=policy, methods=methods).check(cert_of("individual_sign"))
    assert time.monotonic() - started < 20, "a dead or slow service must not hang the check"
    revocation = next(c for c in report.checks if c.name == "revocation")
    if passes:
        assert report.passed, report.to_dict()["checks"]
        if decided_by:
            assert {e.type for e in report.revocation} == {decided_by}
        else:
            assert revocation.status == Status.WARNING and "soft-fail" in revocation.message
    else:
        assert report.indication == Indication.INDETERMINATE and codes(report) == ["REVOCATION_UNKNOWN"], \
            report.to_dict()["checks"]
    faults(ocsp=None, crl=None)
    assert checker(profile, policy=policy, methods=methods).check(cert_of("individual_sign")).passed


def test_concurrent_first_checks_wait_for_one_crl_fetch(faults, profile, cert_of, pki_server):
    """Eight threads meet a slow CRL server at once. Each distribution point is fetched once, and no check is
    told the CRL is missing while another thread's fetch of it is still on the way."""
    certificate = cert_of("individual_sign")
    before = pki_server.hits["crl"]
    assert SignerChecker(profile, methods=CRL, crl_store=CrlStore()).check(certificate).passed
    one_check = pki_server.hits["crl"] - before  # the issuing CA's CRL, the user CRL and its delta
    faults(crl="slow")  # every CRL answer takes 3 s
    shared = SignerChecker(profile, methods=CRL, crl_store=CrlStore(timeout=10))
    before = pki_server.hits["crl"]

    def check(_):
        with network.budget(15):  # three CRLs one after the other take 9 s, past the default 5 s budget
            return shared.check(certificate)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        reports = list(pool.map(check, range(8)))
    assert [codes(r) for r in reports if not r.passed] == []
    assert pki_server.hits["crl"] - before == one_check == 3


def test_revoked_certificate_is_never_passed_when_services_fail(faults, profile, cert_of):
    """A revoked certificate with the services down is INDETERMINATE, never passed, and REVOKED once they return."""
    faults(ocsp="down", crl="down")
    assert checker(profile).check(cert_of("revoked")).indication == Indication.INDETERMINATE
    faults(ocsp="garbage", crl="expired")
    assert checker(profile, policy=SOFT_FAIL).check(cert_of("revoked")).indication == Indication.INDETERMINATE
    faults(ocsp=None, crl=None)
    assert codes(checker(profile).check(cert_of("revoked"))) == ["CERT_REVOKED"]


# ---------------------------------------------------------------------------------------------------------
# Documents


@pytest.fixture(scope="module")
def official(pki_dir, manifest) -> SigningKey:
    info = manifest["identities"]["official_region"]
    return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id="official")


@pytest.fixture(scope="module")
def licences(official, profile, pki_server) -> tuple[bytes, bytes]:
    """(B-T, B-LT) of one licence, made while every service is up."""
    document = validate("scrap_metal_licence", EXAMPLE_DOCUMENTS["scrap_metal_licence"])
    unsigned = render_pdf(document, number="LIC-ZHM-2026-000500", issued_at=dt.date.today(),
                          verify_url="https://eds.example.kz/verify/LIC-ZHM-2026-000500")
    stamped = pdf.sign_pdf(unsigned, official, timestamp_url=profile.tsa_url)
    evidence = long_term_data(stamped, SignerChecker(profile), official.certificate, official.chain)
    return stamped, pdf.add_validation_data(stamped, evidence)


def test_document_without_embedded_evidence_is_indeterminate_when_services_are_down(faults, profile, licences):
    faults(ocsp="down", crl="down")
    report = DocumentVerifier(checker(profile)).verify(licences[0])
    assert report.indication == Indication.INDETERMINATE and "REVOCATION_UNKNOWN" in codes(report)


def test_long_term_document_needs_no_service(faults, profile, licences):
    faults(ocsp="down", crl="down", tsa="down")
    report = DocumentVerifier(checker(profile)).verify(licences[1])
    assert report.passed, codes(report)
    assert {e.source for s in report.signatures for e in s.revocation} == {"document"}


# ---------------------------------------------------------------------------------------------------------
# Issuing through the API: TSA, revocation and database faults


def licence(key_id: str = "official_region") -> dict:
    data = dict(EXAMPLES["scrap_metal_licence"])
    return {"type": "scrap_metal_licence", "providerId": "ZHM", "keyId": key_id, "data": data}


def service(home: Path, pki_dir: Path, database_url: str | None = None):
    """An app over ``home`` whose registry knows the demo providers; returns (client, headers, registry URL)."""
    url = database_url or f"sqlite:///{home / 'registry.db'}"
    registry = Registry.open(url)
    demo.bootstrap(home, pki_dir, registry)
    registry.close()
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir), "EDS_DATABASE_URL": url})
    token = ApiKeys(home / "api-keys.json").create("portal", ["issue", "verify", "sign"],
                                                  signing_keys=["official_region"], providers=["ZHM"],
                                                  rate_per_minute=10 ** 6)
    return app, {"X-API-Key": token}, url


def journal(url: str) -> tuple[int, bool]:
    """(entries, intact) of the registry's journal."""
    registry = Registry.open(url)
    try:
        return registry.journal_head()[0], registry.verify_journal().ok
    finally:
        registry.close()


def assert_unavailable(response) -> None:
    body = response.get_json()
    assert response.status_code == 503 and body["code"] == "DEPENDENCY_UNAVAILABLE", body
    assert set(body) >= {"code", "message", "details"} and "Traceback" not in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def issuing(tmp_path_factory, pki_dir, pki_server):
    app, headers, url = service(tmp_path_factory.mktemp("faults-issue"), pki_dir)
    return app.test_client(), headers, url


@pytest.mark.parametrize("fault", ["down", "garbage", "truncated", "not_http"])
def test_tsa_fault_fails_issuing_cleanly(faults, issuing, fault):
    client, headers, url = issuing
    before = journal(url)
    faults(tsa=fault)
    response = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert_unavailable(response)
    assert response.get_json()["details"]["cause"] == "TIMESTAMP_UNAVAILABLE"
    assert "TSA" in response.get_json()["message"]
    assert journal(url) == before  # nothing registered, the journal intact
    signed = client.post("/api/v1/signatures/cms", headers=headers,
                         json={"keyId": "official_region", "content": "ZGF0YQ==", "timestamp": True})
    assert_unavailable(signed)
    faults(tsa=None)
    issued = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert issued.status_code == 201, issued.get_json()
    assert journal(url) == (before[0] + 1, True)


def test_revocation_down_refuses_issuing_as_a_dependency_failure(faults, tmp_path, pki_dir, pki_server):
    """A service that has never checked the official cannot vouch for them with OCSP and CRLs down: 503, not 422.
    (One that has keeps its recent answers for their maximum age, so a short outage does not stop issuing.)"""
    app, headers, url = service(tmp_path, pki_dir)
    client = app.test_client()
    faults(ocsp="down", crl="down")
    response = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert_unavailable(response)
    assert response.get_json()["details"]["reasons"] == ["REVOCATION_UNKNOWN"]
    officials = sum(len(spec["signers"]) for spec in demo.PROVIDERS.values())
    assert journal(url) == (len(demo.PROVIDERS) + officials, True)  # the providers and officials only
    faults(ocsp=None, crl=None)
    assert client.post("/api/v1/documents", json=licence(), headers=headers).status_code == 201


def test_api_reports_indeterminate_not_an_error_when_revocation_is_down(faults, issuing, cert_of):
    client, headers, _ = issuing
    faults(ocsp="down", crl="down")
    response = client.post("/api/v1/certificates/check", headers=headers,
                           json={"certificate": base64.b64encode(cert_of("individual_auth").der).decode()})
    assert response.status_code == 200
    assert response.get_json()["indication"] == "TOTAL_FAILED"  # NOT_SIGNING_KEY needs no network
    response = client.post("/api/v1/certificates/check", headers=headers,
                           json={"certificate": base64.b64encode(cert_of("company_head").der).decode()})
    assert response.get_json()["indication"] == "INDETERMINATE"
    assert [r["code"] for r in response.get_json()["reasons"]] == ["REVOCATION_UNKNOWN"]


def test_unreadable_sqlite_registry_is_503_then_recovers(tmp_path, pki_dir, pki_server):
    """The database file is garbage when the service first needs it; once the real file is back, it works."""
    app, headers, url = service(tmp_path, pki_dir)
    database = tmp_path / "registry.db"
    database.rename(tmp_path / "registry.good")
    database.write_bytes(b"this is not an SQLite database" * 100)
    client = app.test_client()
    assert_unavailable(client.post("/api/v1/documents", json=licence(), headers=headers))
    assert_unavailable(client.get("/api/v1/documents/LIC-ZHM-2026-000001", headers=headers))
    assert client.get("/readyz").status_code == 503
    (tmp_path / "registry.good").replace(database)
    issued = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert issued.status_code == 201, issued.get_json()
    assert client.get("/readyz").status_code == 200
    assert journal(url)[1]


# ---------------------------------------------------------------------------------------------------------
# PostgreSQL going away, before and during an issue


def _postgres(command: str, directory: str) -> str:
    result = subprocess.run([str(POSTGRES), command, "--dir", directory], capture_output=True, text=True,
                            timeout=900, check=False)
    assert result.returncode == 0, f"scripts/postgres {command}: {result.stderr}"
    return result.stdout.strip()


@pytest.fixture(scope="module")
def postgres():
    directory = f"/tmp/eds-pg-faults-{uuid.uuid4().hex[:8]}"
    url = _postgres("start", directory)
    yield directory, url
    subprocess.run([str(POSTGRES), "destroy", "--dir", directory], capture_output=True, timeout=120, check=False)


def test_postgres_down_before_and_during_issuing(tmp_path, pki_dir, pki_server, postgres):
    directory, url = postgres
    app, headers, url = service(tmp_path, pki_dir, url)
    client = app.test_client()
    first = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert first.status_code == 201, first.get_json()
    number = first.get_json()["number"]
    entries = journal(url)[0]

    _postgres("stop", directory)
    try:
        assert_unavailable(client.post("/api/v1/documents", json=licence(), headers=headers))
        assert_unavailable(client.get(f"/api/v1/documents/{number}", headers=headers))
        assert client.get("/readyz").status_code == 503
    finally:
        _postgres("start", directory)
    assert client.get(f"/api/v1/documents/{number}", headers=headers).status_code == 200

    issuer = app.extensions["eds"].issuer
    render_and_sign = issuer._render_and_sign

    def stop_after_signing(*args):
        files = render_and_sign(*args)
        _postgres("stop", directory)  # the signed files exist; the transaction that stores them dies
        return files

    issuer._render_and_sign = stop_after_signing
    try:
        assert_unavailable(client.post("/api/v1/documents", json=licence(), headers=headers))
    finally:
        issuer._render_and_sign = render_and_sign
        _postgres("start", directory)
    assert journal(url) == (entries, True)
    again = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["number"] == number[:-1] + "2"  # the failed issue took no number
    assert journal(url) == (entries + 1, True)


# ---------------------------------------------------------------------------------------------------------
# A process killed while issuing


def _issue_and_hang(home: str, pki_dir: str, url: str, signed_marker: str) -> None:
    """Child process: issue through the real Issuer, and stop dead after the files are signed, before commit."""
    app = create_app({"EDS_HOME": home, "EDS_TRUST": pki_dir, "EDS_DATABASE_URL": url})
    issuer = app.extensions["eds"].issuer
    render_and_sign = issuer._render_and_sign

    def hang(*args):
        files = render_and_sign(*args)
        Path(signed_marker).write_text(files.signer_cert_sha256)
        time.sleep(300)
        return files

    issuer._render_and_sign = hang
    body = licence()
    issuer.issue(body["type"], body["data"], provider_id="ZHM", key_id="official_region", actor="child")


def test_killed_while_issuing_leaves_nothing_half_issued(tmp_path, pki_dir, pki_server):
    app, headers, url = service(tmp_path, pki_dir)
    client = app.test_client()
    first = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert first.status_code == 201
    entries = journal(url)[0]
    marker = tmp_path / "signed"
    child = multiprocessing.get_context("spawn").Process(
        target=_issue_and_hang, args=(str(tmp_path), str(pki_dir), url, str(marker)))
    child.start()
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and child.is_alive():
            time.sleep(0.05)
        assert marker.exists(), "the child never got to signing"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.join(30)
    assert child.exitcode == -signal.SIGKILL
    assert journal(url) == (entries, True)
    again = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["number"] == first.get_json()["number"][:-1] + "2"
    record = client.get(f"/api/v1/documents/{again.get_json()['number']}", headers=headers).get_json()
    assert [e["kind"] for e in record["events"]] == ["issued"]


# ---------------------------------------------------------------------------------------------------------
# Deadlines, URLs and sizes (issue 16): a hung server, a locked database, a file: URL in a CA-signed certificate,
# a redirect to file:, an oversized answer. Each is answered within its budget, with its code, nothing half written.

BUDGET = 2.0  # EDS_NETWORK_BUDGET of the apps below (the default is 5 s; bench/reliability.py measures that)
MARGIN = 3.0  # what a loaded machine adds to a budget before the answer is out (the goal is under 1 s)
_OPENED: list[str] = []
_WATCHED: set[str] = set()


def _audit(event: str, args: tuple) -> None:
    if event == "open" and args and str(args[0]) in _WATCHED:
        _OPENED.append(str(args[0]))


@pytest.fixture
def watched_files():
    """Files the service must never open, whatever URL names them; returns the list of those it opened."""
    if not _WATCHED:
        sys.addaudithook(_audit)  # hooks stay for the process: it records only the watched paths
    _WATCHED.add("/etc/passwd")
    _OPENED.clear()
    yield _WATCHED
    _OPENED.clear()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def revocation_check(report):
    return next(c for c in report.checks if c.name == "revocation")


def budget_app(home: Path, pki_dir: Path, **settings):
    """``service`` with a short network budget (and any other settings)."""
    url = f"sqlite:///{home / 'registry.db'}"
    registry = Registry.open(url)
    demo.bootstrap(home, pki_dir, registry)
    registry.close()
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir), "EDS_DATABASE_URL": url,
                      "EDS_NETWORK_BUDGET": str(BUDGET), **settings})
    token = ApiKeys(home / "api-keys.json").create("portal", ["issue", "verify", "sign"],
                                                  signing_keys=["official_region"], providers=["ZHM"],
                                                  rate_per_minute=10 ** 6)
    return app.test_client(), {"X-API-Key": token}, url


def test_hung_evidence_servers_end_at_the_budget(faults, profile, cert_of):
    """OCSP and CRL servers that accept and never answer: the check is INDETERMINATE with cause DEADLINE once the
    budget (default 5 s, all fetches together) is spent, not when the servers give up."""
    faults(ocsp="hang", crl="hang")
    report, seconds = timed(lambda: SignerChecker(profile, crl_store=CrlStore()).check(cert_of("individual_sign")))
    check = revocation_check(report)
    assert report.indication == Indication.INDETERMINATE and check.code == "REVOCATION_UNKNOWN"
    assert check.details["cause"] == "DEADLINE"
    assert network.DEFAULT_BUDGET <= seconds < network.DEFAULT_BUDGET + MARGIN
    with network.budget(1.0):  # a caller's tighter budget is the one spent
        report, seconds = timed(lambda: SignerChecker(profile, crl_store=CrlStore()).check(cert_of("company_head")))
    assert revocation_check(report).details["cause"] == "DEADLINE" and seconds < 1.0 + MARGIN


def test_hung_evidence_servers_over_the_api(faults, tmp_path, pki_dir, pki_server, cert_of):
    """The API's answer: 200 INDETERMINATE for a check, 503 for issuing with nothing written, both within the
    budget; the TSA hung makes issuing 503 too."""
    client, headers, url = budget_app(tmp_path, pki_dir)
    before = journal(url)
    faults(ocsp="hang", crl="hang")
    body = {"certificate": base64.b64encode(cert_of("company_head").der).decode()}
    response, seconds = timed(lambda: client.post("/api/v1/certificates/check", headers=headers, json=body))
    assert response.status_code == 200 and seconds < BUDGET + MARGIN
    reason = response.get_json()["reasons"][0]
    assert reason["code"] == "REVOCATION_UNKNOWN" and response.get_json()["indication"] == "INDETERMINATE"
    revocation = next(c for c in response.get_json()["checks"] if c["name"] == "revocation")
    assert revocation["details"]["cause"] == "DEADLINE"
    response, seconds = timed(lambda: client.post("/api/v1/documents", json=licence(), headers=headers))
    assert_unavailable(response)
    assert seconds < BUDGET + MARGIN and journal(url) == before
    faults(ocsp=None, crl=None, tsa="hang")
    response, seconds = timed(lambda: client.post("/api/v1/documents", json=licence(), headers=headers))
    assert_unavailable(response)
    assert seconds < BUDGET + MARGIN and journal(url) == before
    faults(tsa=None)
    assert client.post("/api/v1/documents", json=licence(), headers=headers).status_code == 201
    assert journal(url) == (before[0] + 1, True)


def test_health_probe_is_answered_beside_a_hung_check(faults, tmp_path, pki_dir, pki_server, cert_of):
    """Under gunicorn (one worker, as `eds serve` configures it) /healthz answers while a check waits on hung
    servers, and the check answers at its budget, long before the worker timeout."""
    token = ApiKeys(tmp_path / "api-keys.json").create("probe", ["verify"], rate_per_minute=10 ** 6)
    port = _free_port()
    env = {**os.environ, "EDS_HOME": str(tmp_path), "EDS_TRUST": str(pki_dir), "EDS_NETWORK_BUDGET": str(BUDGET)}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "eds.cli", "serve", "--port", str(port), "--workers", "1"],
                                  env=env, cwd=Path(__file__).resolve().parent.parent, stdout=out,
                                  stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.1)
        faults(ocsp="hang", crl="hang")
        body = json.dumps({"certificate": base64.b64encode(cert_of("company_head").der).decode()}).encode()
        request = urllib.request.Request(f"{base}/api/v1/certificates/check", data=body, method="POST",
                                         headers={"X-API-Key": token, "Content-Type": "application/json"})
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            check = pool.submit(lambda: timed(lambda: json.loads(urllib.request.urlopen(request, timeout=60).read())))
            time.sleep(0.5)  # the check is waiting on the hung servers now
            _, probe = timed(lambda: urllib.request.urlopen(f"{base}/healthz", timeout=10).read())
            assert not check.done(), "the check should still be waiting on the hung servers"
            answer, seconds = check.result()
        assert probe < 1.5, f"/healthz took {probe:.2f} s behind a hung check"
        assert answer["indication"] == "INDETERMINATE" and seconds < BUDGET + MARGIN
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _refresh_in_process(cache: str, url: str, go, results) -> None:
    """Child process: one worker of the machine asking for the same CRL as the others, at the same moment."""
    from eds.pki import network as child_network
    from eds.pki.revocation import CrlStore as ChildStore

    store = ChildStore(cache_dir=Path(cache))
    go.wait(60)
    started = time.monotonic()
    failures = store.refresh([url], dt.datetime.now(dt.timezone.utc), policy=child_network.UrlPolicy.trusting([url]))
    results.put((store.held(url) is not None, [f.code for f in failures], time.monotonic() - started))


def test_workers_of_one_machine_fetch_a_slow_crl_once(faults, tmp_path, profile, pki_server):
    """Four processes sharing the CRL cache folder meet a slow CRL (3 s) at once: the server is asked once, the
    others wait for that fetch (within their budget) and read the cached CRL."""
    context = multiprocessing.get_context("spawn")
    go, results = context.Event(), context.Queue()
    url = profile.crl_urls[0]
    children = [context.Process(target=_refresh_in_process, args=(str(tmp_path), url, go, results))
                for _ in range(4)]
    for child in children:
        child.start()
    time.sleep(3)  # the children import eds before the start signal
    faults(crl="slow")
    before = pki_server.hits["crl"]
    go.set()
    outcomes = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(30)
    assert pki_server.hits["crl"] - before == 1
    assert all(held and not failures for held, failures, _ in outcomes), outcomes
    assert max(seconds for _, _, seconds in outcomes) < network.DEFAULT_BUDGET + MARGIN


def test_locked_database_is_503_registry_busy_before_the_worker_timeout(tmp_path, pki_dir, pki_server, monkeypatch):
    """Another process holds the SQLite write lock: issuing waits the lock wait in all (every retry included),
    answers 503 REGISTRY_BUSY, writes nothing, and goes through once the lock is let go."""
    from eds.issuing.registry import database

    assert database.LOCK_WAIT + network.DEFAULT_BUDGET + 2 < 30  # lock wait + network + CPU budgets < worker timeout
    client, headers, url = budget_app(tmp_path, pki_dir)
    first = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert first.status_code == 201
    before = journal(url)
    monkeypatch.setattr(database, "LOCK_WAIT", 2)
    monkeypatch.setattr(database, "LOCK_TIMEOUT", 1)
    holder = sqlite3.connect(tmp_path / "registry.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response, seconds = timed(lambda: client.post("/api/v1/documents", json=licence(), headers=headers))
    finally:
        holder.rollback()
        holder.close()
    body = response.get_json()
    assert response.status_code == 503 and body["code"] == "REGISTRY_BUSY", body
    assert body["details"]["cause"] == "DATABASE_BUSY" and "Traceback" not in response.get_data(as_text=True)
    assert 2 <= seconds < 2 + MARGIN
    assert journal(url) == before
    again = client.post("/api/v1/documents", json=licence(), headers=headers)
    assert again.status_code == 201 and again.get_json()["number"] == first.get_json()["number"][:-1] + "2"


def _certificate_with_cdp(pki_dir: Path, manifest: dict, template: Certificate, cdp: str) -> Certificate:
    """A certificate the test PKI's issuing CA really signed, like ``template``, whose only CRL distribution point
    is ``cdp`` and which names no OCSP responder."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtensionOID

    ca = SigningKey.from_pkcs12((pki_dir / manifest["authorities"]["ca_rsa"]["pkcs12"]).read_bytes(),
                                manifest["password"], key_id="ca")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(template.x509.subject).issuer_name(ca.certificate.x509.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30)))
    dropped = {ExtensionOID.CRL_DISTRIBUTION_POINTS, ExtensionOID.FRESHEST_CRL,
               ExtensionOID.AUTHORITY_INFORMATION_ACCESS, ExtensionOID.SUBJECT_KEY_IDENTIFIER,
               ExtensionOID.AUTHORITY_KEY_IDENTIFIER}
    for extension in template.x509.extensions:
        if extension.oid not in dropped:
            builder = builder.add_extension(extension.value, extension.critical)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.x509.public_key()), False)
    builder = builder.add_extension(x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(cdp)], None, None, None)]), False)
    return Certificate.from_x509(builder.sign(ca.private_key, hashes.SHA256()))


def test_file_url_in_a_ca_signed_certificate_is_never_opened(tmp_path, pki_dir, manifest, profile, cert_of,
                                                            pki_server, watched_files):
    """The issuing CA signed a certificate whose CRL distribution point is a file: URL. The file is never
    opened; the report names the URL; with no other source the check is INDETERMINATE (URL_REFUSED), with the
    profile's CRLs it passes and still names the refused URL."""
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the service")
    watched_files.add(str(secret))
    certificate = _certificate_with_cdp(pki_dir, manifest, cert_of("individual_sign"), f"file://{secret}")
    bare = dataclasses.replace(profile, ocsp_urls=(), crl_urls=())
    report, seconds = timed(lambda: SignerChecker(bare, crl_store=CrlStore()).check(certificate))
    check = revocation_check(report)
    assert report.indication == Indication.INDETERMINATE and check.code == "REVOCATION_UNKNOWN"
    assert check.details["cause"] == "URL_REFUSED" and check.details["refusedUrls"] == [f"file://{secret}"]
    assert seconds < MARGIN
    report = SignerChecker(profile, methods=CRL, crl_store=CrlStore()).check(certificate)
    assert report.passed, codes(report)
    assert revocation_check(report).details["refusedUrls"] == [f"file://{secret}"]
    assert _OPENED == []


@pytest.mark.parametrize("fault, refused", [("redirect_file", "file:///etc/passwd"),
                                            ("redirect_private", "http://10.255.255.1/crl/internal.crl")])
def test_redirect_off_the_allowed_hosts_is_refused(faults, profile, cert_of, watched_files, fault, refused):
    """The CRL server redirects to file:///etc/passwd or to an internal host: not followed, named in the report."""
    faults(crl=fault)
    report, seconds = timed(lambda: SignerChecker(profile, methods=CRL, crl_store=CrlStore())
                            .check(cert_of("individual_sign")))
    check = revocation_check(report)
    assert report.indication == Indication.INDETERMINATE and check.details["cause"] == "URL_REFUSED"
    assert check.details["refusedUrls"] == [refused] and seconds < MARGIN
    assert _OPENED == []


def test_oversized_answers_are_refused(faults, tmp_path, pki_dir, pki_server, profile, cert_of):
    """A CRL or OCSP server that answers without end is cut at its kind's limit (RESPONSE_TOO_LARGE), within the
    budget; a TSA that does makes issuing 503 with nothing written."""
    faults(crl="oversized", ocsp="oversized")
    for methods, store in ((CRL, CrlStore(max_bytes=4 * 1024 * 1024)), (OCSP, CrlStore())):
        report, seconds = timed(lambda: SignerChecker(profile, methods=methods, crl_store=store)
                                .check(cert_of("individual_sign")))
        check = revocation_check(report)
        assert report.indication == Indication.INDETERMINATE and check.details["cause"] == "RESPONSE_TOO_LARGE"
        assert seconds < network.DEFAULT_BUDGET + MARGIN
    faults(crl=None, ocsp=None, tsa="oversized")
    client, headers, url = budget_app(tmp_path, pki_dir)
    before = journal(url)
    response, seconds = timed(lambda: client.post("/api/v1/documents", json=licence(), headers=headers))
    assert_unavailable(response)
    assert seconds < BUDGET + MARGIN and journal(url) == before


def test_readiness_names_what_is_missing(faults, tmp_path, pki_dir, pki_server):
    """Not ready while no CRL and no OCSP answer (the default EDS_READY_REQUIRES=registry,revocation); ready on
    OCSP alone; the parts asked for by name are each required; a hung server keeps the probe short."""
    def ready(name: str, **settings):
        client, _, _ = budget_app(tmp_path / name, pki_dir, **settings)
        response, seconds = timed(lambda: client.get("/readyz"))
        return response.status_code, response.get_json(), seconds

    status, body, _ = ready("up")
    assert status == 200 and body["missing"] == [] and body["checks"]["revocation"]["by"] == ["crl", "ocsp"]
    faults(crl="down", ocsp="down")
    status, body, _ = ready("down")
    assert status == 503 and body["missing"] == ["revocation"]
    assert {m["url"] for m in body["checks"]["crl"]["missing"]} == set(load_profile(pki_dir).crl_urls)
    faults(crl="down", ocsp=None)
    status, body, _ = ready("ocsp-only")
    assert status == 200 and body["checks"]["revocation"]["by"] == ["ocsp"]
    status, body, _ = ready("crl-required", EDS_READY_REQUIRES="crl,ocsp,tsa,registry")
    assert status == 503 and body["missing"] == ["crl"]
    faults(crl=None, tsa="down")
    status, body, _ = ready("tsa-required", EDS_READY_REQUIRES="tsa")
    assert status == 503 and body["missing"] == ["tsa"] and "TSA" in body["checks"]["tsa"]["error"]
    faults(tsa=None, ocsp="hang", crl="hang")
    status, body, seconds = ready("hung")
    assert status == 503 and body["missing"] == ["revocation"] and seconds < 2 * 1.5 + MARGIN


def test_service_urls_must_be_http(tmp_path, pki_dir):
    """An OCSP, CRL or TSA URL from the environment or a profile that is not http(s) stops the service from
    using the profile (TRUST_BAD_URL, 503 on the API), never reaches a fetch."""
    from eds.pki.trust import TrustError
    from eds.service import Settings

    with pytest.raises(TrustError) as caught:
        Settings.from_env({"EDS_HOME": str(tmp_path), "EDS_TRUST": str(pki_dir),
                           "EDS_CRL_URLS": "http://127.0.0.1/a.crl,file:///etc/passwd"}).services().profile
    assert caught.value.code == "TRUST_BAD_URL" and "EDS_CRL_URLS" in caught.value.message
    folder = tmp_path / "profile"
    shutil.copytree(pki_dir / "anchors", folder / "anchors")
    (folder / "profile.json").write_text(json.dumps({"ocsp_urls": ["gopher://127.0.0.1/"]}), encoding="utf-8")
    with pytest.raises(TrustError) as caught:
        load_profile(folder)
    assert caught.value.code == "TRUST_BAD_URL"
