"""Failing dependencies: OCSP, CRLs, the TSA and the registry database go down, slow, stale or mad.

The live test PKI services take faults through POST /admin/faults (the ``faults`` fixture switches them back
off). What must hold: under ``require`` missing evidence is INDETERMINATE and never passed; a bad answer is
never excused, not even under ``soft-fail``; a B-LT document needs no service at all; issuing that cannot get a
timestamp or reach its database answers 503 DEPENDENCY_UNAVAILABLE and registers nothing, the journal stays
intact, and everything works again once the dependency is back; a process killed while issuing leaves no
half-issued document behind.
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from api import create_app
from eds.issuing.access import ApiKeys
from eds.issuing.documents import render_pdf, validate
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.issuer import long_term_data
from eds.issuing.registry import Registry
from eds.pki import network
from eds.pki.keys import SigningKey
from eds.pki.revocation import CrlStore, OcspClient, Policy
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
    document = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
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
    data.pop("provider")
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
    assert journal(url) == (2 * len(demo.PROVIDERS), True)  # the providers and officials only
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
