"""The reliability report: hostile corpora, fuzzing, injected faults and a soak, in one table.

Run: .venv/bin/python bench/reliability.py [--fuzz-seconds 8] [--soak-seconds 90]

On a fresh test PKI with its live services:

1. every hostile corpus of the repository (tests/hostile/ and the XML and CMS suites) goes through its public
   function: tried, refused with the expected code, crashed (an exception escaped, or a 500), passed (a false
   pass); the genuine controls inside the forgery corpora must pass; the worst time per family is printed;
2. every atheris harness fuzzes for ``--fuzz-seconds`` (fuzz/run.py; crashing inputs are kept in fuzz/crashes/);
3. every fault scenario of tests/test_faults.py is injected through the services' /admin/faults switchboard,
   the registry database and a killed process, and counts as survived when its checks hold;
4. a soak: mixed verify, issue and hostile traffic on the app in-process from two threads for
   ``--soak-seconds``, the resident memory sampled every few seconds; every issued number must be in the
   registry at the end (no lost document) and the journal must verify;
5. deadlines: the worst answer time under each fault of the deadline tests (hung OCSP, CRL and TSA servers, a
   locked registry, a file: URL, redirects off the allowed hosts, answers without end), at the default budgets
   (5 s of network per request, 10 s of registry lock wait), each against its budget + 1 s.
   ``--part deadlines`` runs this part alone.

Acceptance (exit status 0): no crash, no false pass, no lost document, at least 300 hostile inputs, every fault
survived, memory flat (the last samples within 10% or 40 MB of the samples after warm-up), and every fault
answered within its budget + 1 s.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import itertools
import json
import logging
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT), str(ROOT / "tests")]  # bench/api.py must not shadow the api package; corpora live in tests/

import test_cms_hostile  # noqa: E402
import test_faults  # noqa: E402
import test_xml_hostile  # noqa: E402
from api import create_app  # noqa: E402
from eds.issuing.documents import render_pdf, validate  # noqa: E402
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES  # noqa: E402
from eds.issuing.issuer import long_term_data  # noqa: E402
from eds.issuing.registry import Registry  # noqa: E402
from eds.pki.certificates import Certificate  # noqa: E402
from eds.pki.identity import IdentityError, parse_bin, parse_iin  # noqa: E402
from eds.pki.keys import SigningKey  # noqa: E402
from eds.pki.revocation import OcspClient  # noqa: E402
from eds.pki.trust import load_profile  # noqa: E402
from eds.signatures import pades as pdf, tsp, xmldsig  # noqa: E402
from eds.validation.signer_check import SignerChecker  # noqa: E402
from eds.validation.verify import DocumentVerifier  # noqa: E402
from hostile.api import corpus as api_corpus  # noqa: E402
from hostile.certificates import corpus as certificate_corpus  # noqa: E402
from hostile.cms import corpus as cms_corpus  # noqa: E402
from hostile.identity import corpus as identity_corpus  # noqa: E402
from hostile.documents import corpus as document_corpus  # noqa: E402
from hostile.pdf import corpus as pdf_corpus  # noqa: E402
from hostile.pdf import forgeries as pdf_forgeries  # noqa: E402
from test_pki import demo, services  # noqa: E402
from test_pki.model import read_password  # noqa: E402

# ---------------------------------------------------------------------------------------------------------
# Hostile corpora


@dataclass
class Tally:
    """What one corpus did: each input is refused correctly, refused with another code, passed, or crashed."""

    name: str
    tried: int = 0
    refused: int = 0
    crashes: int = 0
    false_passes: int = 0
    notes: list[str] = field(default_factory=list)
    worst: dict[str, tuple[float, str]] = field(default_factory=dict)  # family -> (seconds, case)

    def judge(self, case: str, run: Callable[[], tuple[bool, bool]], family: str | None = None) -> None:
        """``run`` returns (passed, refused with the expected code); anything it raises is a crash. Its time
        counts towards the worst case of ``family`` (the corpus's name by default)."""
        self.tried += 1
        started = time.perf_counter()
        try:
            passed, correct = run()
        except Exception as exc:  # the whole point: count what escapes instead of stopping
            self.crashes += 1
            self.notes.append(f"{case}: CRASH {type(exc).__name__}: {str(exc)[:200]}")
            return
        finally:
            elapsed = time.perf_counter() - started
            key = family or self.name
            if elapsed > self.worst.get(key, (-1.0, ""))[0]:
                self.worst[key] = (elapsed, case)
        if passed:
            self.false_passes += 1
            self.notes.append(f"{case}: FALSE PASS")
        elif correct:
            self.refused += 1
        else:
            self.notes.append(f"{case}: refused with another code")


def refused_with(report, expected: str) -> tuple[bool, bool]:
    json.dumps(report.to_dict())  # the API renders exactly this: failing to is a crash too
    return report.passed, expected in [reason.code for reason in report.reasons]


def holds(check: Callable[[], None]) -> bool:
    try:
        check()
    except AssertionError:
        return False
    return True


def xml_corpus() -> Tally:
    tally = Tally("XML (verify_xml)")
    cases = [(path.stem, path.read_bytes, path.stem.split("__")[0]) for path in sorted(test_xml_hostile.CORPUS.glob("*.xml"))]
    for name, build, code in (*cases, *test_xml_hostile.GENERATED, *test_xml_hostile.SIGNED_CASES):
        def run(build=build, code=code) -> tuple[bool, bool]:
            result = xmldsig.verify_xml(build())
            return result.intact, holds(lambda: test_xml_hostile.assert_rejected(result, code))
        tally.judge(name, run)
    return tally


def cms_corpus_tally() -> Tally:
    tally = Tally("CMS (verify_cades)")
    for name, build in sorted(cms_corpus.CASES.items()):
        def run(build=build) -> tuple[bool, bool]:
            case = build()
            # as request checking verifies a CMS: with its signature timestamps judged (tsp), as the suite does
            result = tsp.verify_cades(case.data, detached_content=case.detached_content, max_bytes=case.max_bytes)
            return result.intact, holds(lambda: test_cms_hostile._check(result, case))
        tally.judge(name, run)
    for cut in cms_corpus.truncations():
        def run(cut=cut) -> tuple[bool, bool]:
            result = tsp.verify_cades(cms_corpus.attached_rsa()[:cut])
            return result.intact, result.failure == "CMS_MALFORMED"
        tally.judge(f"truncated at {cut}", run)
    return tally


def key(pki_dir: Path, manifest: dict, name: str) -> SigningKey:
    info = manifest["identities"][name]
    return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=name)


def pdf_corpus_tally(pki_dir: Path, manifest: dict, profile, verifier: DocumentVerifier) -> Tally:
    tally = Tally("PDF (DocumentVerifier)")
    document = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
    unsigned = render_pdf(document, number="LIC-ZHM-2026-000042", issued_at=dt.date.today(),
                          verify_url="https://eds.example.kz/verify/LIC-ZHM-2026-000042")
    signer = key(pki_dir, manifest, "official_region")
    base = pdf_corpus.Base(unsigned, pdf.sign_pdf(unsigned, signer, timestamp_url=profile.tsa_url), signer,
                           key(pki_dir, manifest, "company_head"), profile.tsa_url)
    for name, build in sorted(pdf_corpus.CASES.items()):
        def run(build=build) -> tuple[bool, bool]:
            case = build(base)
            return refused_with(verifier.verify(case.data), case.expected)
        tally.judge(name, run)
    for cut in pdf_corpus.truncations(len(base.signed)):
        data = base.signed[:cut]
        tally.judge(f"truncated at {cut}", lambda data=data: refused_with(verifier.verify(data),
                                                                         pdf_corpus.truncated_code(data)))
    return tally


def verdict(report, indication: str, codes: frozenset[str] | set[str]) -> tuple[bool, bool]:
    """(a false pass, the verdict expected) for a case that names its indication: a control that must pass is
    never a false pass, and is wrong when it does not pass."""
    json.dumps(report.to_dict())
    found = {reason.code for reason in report.reasons}
    if indication == "TOTAL_PASSED":
        return False, report.passed
    matches = indication == "NOT_PASSED" or report.indication.value == indication
    return report.passed, matches and (not codes or bool(found & set(codes)))


def pdf_forgeries_tally(pki_dir: Path, manifest: dict, profile, verifier: DocumentVerifier) -> Tally:
    """tests/hostile/pdf/forgeries.py: timestamp-only, changes after signing, form filling, sneaky signatures,
    shadow attacks, incremental saving and wrapping, limits, and genuine controls (B-T, B-LT, B-LTA, co-signed)."""
    tally = Tally("PDF forgeries (DocumentVerifier)")
    material = pdf_forgeries.make_material(pki_dir, manifest, profile, verifier.signer_checker)
    for name, build in sorted(pdf_forgeries.CASES.items()):
        forgery = build(material)
        tally.judge(name, lambda f=forgery: verdict(verifier.verify(f.data), f.indication, f.codes),
                    family=f"PDF {pdf_forgeries.FAMILIES[name]}")
    return tally


def document_families_tally(pki_dir: Path, manifest: dict, profile, verifier: DocumentVerifier) -> Tally:
    """tests/hostile/documents/corpus.py: one file is one format, a claimed time proves nothing, expected signers."""
    tally = Tally("formats, times, signers")
    material = document_corpus.make_material(pki_dir, manifest, profile)
    for name, build in sorted(document_corpus.CASES.items()):
        case = build(material)
        family = document_corpus.FAMILIES[name.split("_")[0]]

        def run(case=case) -> tuple[bool, bool]:
            report = verifier.verify(case.data, claims=case.claims, at=case.at, detached_content=case.detached)
            return verdict(report, case.verify.indication, case.verify.reasons)
        tally.judge(name, run, family=family)
    return tally


def certificate_corpus_tally(pki_dir: Path, checker: SignerChecker) -> tuple[Tally, Tally]:
    tally, controls = Tally("certificates (SignerChecker)"), Tally("  valid controls (must pass)")
    material = certificate_corpus.Material.load(pki_dir)
    for name, build in sorted(certificate_corpus.CASES.items()):
        def run(build=build) -> tuple[bool, bool]:
            case = build(material)
            return refused_with(checker.check(case.data, extra_certs=case.extra_certs, **case.kwargs), case.expected)
        tally.judge(name, run)
    der = Certificate.from_x509(material.template).der
    for cut in certificate_corpus.truncations(len(der)):
        tally.judge(f"truncated at {cut}", lambda cut=cut: refused_with(checker.check(der[:cut]), "CERT_MALFORMED"))
    for name, build in sorted(certificate_corpus.CONTROLS.items()):
        controls.tried += 1
        try:
            passed = checker.check(build(material).data).passed
        except Exception as exc:  # counted, as for the hostile ones
            controls.crashes += 1
            controls.notes.append(f"{name}: CRASH {type(exc).__name__}: {exc}")
            continue
        controls.refused += passed
        if not passed:
            controls.notes.append(f"{name}: a valid certificate was refused")
    return tally, controls


def identity_corpus_tally(checker: SignerChecker, certificate: Certificate) -> Tally:
    tally = Tally("IIN/BIN (parsers, claims)")
    for value in identity_corpus.VALUES:
        for parse in (parse_iin, parse_bin):
            def run(parse=parse, value=value) -> tuple[bool, bool]:
                try:
                    parse(value.value)
                except IdentityError as exc:
                    return False, exc.code == value.expected
                return True, False
            tally.judge(f"{parse.__name__}({value.name})", run)
        if value.claim:
            for claim in ("expect_iin", "expect_bin"):
                tally.judge(f"{claim}={value.name}", lambda claim=claim, value=value: refused_with(
                    checker.check(certificate, **{claim: value.value}), value.expected))
    return tally


def api_corpus_tally(pki_dir: Path, manifest: dict, work: Path) -> Tally:
    tally = Tally("API (Flask app)")
    home = work / "api"
    home.mkdir()
    demo.write_keys(home, pki_dir, {name: pki_dir / f"users/official_{name}.p12" for name in ("ministry", "region")})
    # the corpus sends hundreds of wrong keys from one address: each must be answered, not rate limited
    settings = {"EDS_HOME": str(home), "EDS_TRUST": str(pki_dir), "EDS_AUTH_FAILURES_PER_MINUTE": 10**9}
    apps = {"main": create_app(settings), "small": create_app({**settings, "EDS_MAX_BODY": "2000"})}
    tokens = api_corpus.make_tokens(home)
    for request in api_corpus.REQUESTS:
        def run(request=request) -> tuple[bool, bool]:
            response = api_corpus.send(apps, tokens, request)
            if response.status_code >= 500:
                raise RuntimeError(f"HTTP {response.status_code}")
            body = response.get_json(silent=True)
            shaped = isinstance(body, dict) and {"code", "message", "details"} <= set(body)
            correct = shaped and response.status_code == request.status and body["code"] == request.code and (
                request.field is None or body["details"].get("field") == request.field)
            return response.status_code < 300, correct
        tally.judge(request.name, run)
    return tally


# ---------------------------------------------------------------------------------------------------------
# Fuzzing


@dataclass(frozen=True)
class FuzzResult:
    rows: tuple[tuple[str, int, int], ...]  # target, executions, crashes
    exit_code: int


def fuzzing(pki_dir: Path, seconds: int) -> FuzzResult:
    result = subprocess.run([sys.executable, str(ROOT / "fuzz" / "run.py"), "--seconds", str(seconds),
                             "--pki", str(pki_dir)], capture_output=True, text=True, timeout=seconds * 10 + 600,
                            check=False)
    rows = tuple((m[0], int(m[1]), int(m[2]))
                 for m in re.findall(r"^(\w+)\s+(\d+)\s+(\d+)\s+[\d.]+$", result.stdout, re.MULTILINE))
    return FuzzResult(rows, result.returncode)


# ---------------------------------------------------------------------------------------------------------
# Faults (the scenarios of tests/test_faults.py, given what their fixtures give)


@contextlib.contextmanager
def postgres() -> Iterator[tuple[str, str]]:
    directory = f"/tmp/eds-pg-reliability-{uuid.uuid4().hex[:8]}"
    url = test_faults._postgres("start", directory)
    try:
        yield directory, url
    finally:
        subprocess.run([str(test_faults.POSTGRES), "destroy", "--dir", directory], capture_output=True, timeout=120,
                       check=False)


def faults(pki_dir: Path, manifest: dict, server, profile, work: Path) -> tuple[int, int, list[str]]:
    """(injected, survived, notes): each scenario runs with the fault on and checks recovery after it."""

    def set_faults(**wanted: str | None) -> None:
        for service, fault in wanted.items():
            if fault is None:
                server.faults.pop(service, None)
            else:
                server.faults[service] = fault

    def cert_of(name: str) -> Certificate:
        return Certificate.load((pki_dir / manifest["identities"][name]["certificate"]).read_bytes())

    folders = (work / f"faults-{n}" for n in itertools.count())

    def fresh() -> Path:
        folder = next(folders)
        folder.mkdir()
        return folder

    official = key(pki_dir, manifest, "official_region")
    document = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
    unsigned = render_pdf(document, number="LIC-ZHM-2026-000500", issued_at=dt.date.today(),
                          verify_url="https://eds.example.kz/verify/LIC-ZHM-2026-000500")
    stamped = pdf.sign_pdf(unsigned, official, timestamp_url=profile.tsa_url)
    licences = (stamped, pdf.add_validation_data(stamped, long_term_data(stamped, SignerChecker(profile),
                                                                         official.certificate, official.chain)))
    app, headers, url = test_faults.service(fresh(), pki_dir)
    issuing = (app.test_client(), headers, url)
    f = test_faults
    scenarios: list[tuple[str, Callable[[], None]]] = [
        (f"revocation {wanted} {'+'.join(methods)} {policy.value}",
         lambda a=(wanted, methods, policy, passes, decided): f.test_revocation_faults(set_faults, profile, cert_of, *a))
        for wanted, methods, policy, passes, decided in f.REVOCATION]
    scenarios += [
        ("revoked certificate while services fail",
         lambda: f.test_revoked_certificate_is_never_passed_when_services_fail(set_faults, profile, cert_of)),
        ("B-T licence, OCSP and CRL down",
         lambda: f.test_document_without_embedded_evidence_is_indeterminate_when_services_are_down(
             set_faults, profile, licences)),
        ("B-LT licence, every service down", lambda: f.test_long_term_document_needs_no_service(
            set_faults, profile, licences)),
    ]
    scenarios += [(f"TSA {fault} while issuing",
                   lambda fault=fault: f.test_tsa_fault_fails_issuing_cleanly(set_faults, issuing, fault))
                  for fault in ("down", "garbage", "truncated", "not_http")]
    scenarios += [
        ("OCSP and CRL down while issuing", lambda: f.test_revocation_down_refuses_issuing_as_a_dependency_failure(
            set_faults, fresh(), pki_dir, server)),
        ("OCSP and CRL down, certificate check over HTTP",
         lambda: f.test_api_reports_indeterminate_not_an_error_when_revocation_is_down(set_faults, issuing, cert_of)),
        ("SQLite registry unreadable", lambda: f.test_unreadable_sqlite_registry_is_503_then_recovers(
            fresh(), pki_dir, server)),
        ("PostgreSQL down, before and during an issue", lambda: _with_postgres(
            lambda cluster: f.test_postgres_down_before_and_during_issuing(fresh(), pki_dir, server, cluster))),
        ("process killed while issuing", lambda: f.test_killed_while_issuing_leaves_nothing_half_issued(
            fresh(), pki_dir, server)),
    ]
    survived, notes = 0, []
    for name, scenario in scenarios:
        server.faults.clear()
        try:
            scenario()
            survived += 1
        except Exception as exc:  # AssertionError or worse: either way not survived
            notes.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
        finally:
            server.faults.clear()
    return len(scenarios), survived, notes


def _with_postgres(run: Callable[[tuple[str, str]], None]) -> None:
    with postgres() as cluster:
        run(cluster)


# ---------------------------------------------------------------------------------------------------------
# Deadlines (issue 16): the worst answer time under each fault, against its budget (goal: under budget + 1 s)


@dataclass
class Deadline:
    fault: str
    budget: float  # seconds: the network budget, or the registry's lock wait
    worst: float = 0.0
    outcomes: set[str] = field(default_factory=set)


def deadlines(pki_dir: Path, manifest: dict, server, profile, work: Path, rounds: int = 3) -> list[Deadline]:
    """Each fault of the deadline tests at the default budgets, ``rounds`` times, fresh caches every time."""
    import sqlite3

    from eds.issuing.registry import database
    from eds.pki import network
    from eds.pki.revocation import CrlStore

    f = test_faults
    folders = (work / f"deadline-{n}" for n in itertools.count())
    budget = network.DEFAULT_BUDGET

    def cert_of(name: str) -> Certificate:
        return Certificate.load((pki_dir / manifest["identities"][name]["certificate"]).read_bytes())

    def app():
        return f.budget_app(next(folders), pki_dir, EDS_NETWORK_BUDGET=str(budget))

    def check(methods=("OCSP", "CRL"), certificate=None, chosen=None) -> tuple[str, float]:
        checker = SignerChecker(chosen or profile, methods=methods, crl_store=CrlStore())
        report, seconds = f.timed(lambda: checker.check(certificate or cert_of("individual_sign")))
        revocation = f.revocation_check(report)
        return f"{report.indication.value} {revocation.details.get('cause') or revocation.code}", seconds

    def answer(call) -> tuple[str, float]:
        response, seconds = f.timed(call)
        body = response.get_json() or {}
        return f"{response.status_code} {body.get('code') or body.get('indication') or body.get('status')}", seconds

    def warmed(client, headers) -> None:
        """A service that has issued before (caches warm, the official's OCSP answer kept), then the fault."""
        wanted = dict(server.faults)
        server.faults.clear()
        client.post("/api/v1/documents", json=f.licence(), headers=headers)
        server.faults.update(wanted)

    def api_check() -> tuple[str, float]:
        client, headers, _ = app()
        body = {"certificate": base64.b64encode(cert_of("company_head").der).decode()}
        return answer(lambda: client.post("/api/v1/certificates/check", headers=headers, json=body))

    def issue(warm: bool = False) -> tuple[str, float]:
        client, headers, _ = app()
        if warm:
            warmed(client, headers)
        return answer(lambda: client.post("/api/v1/documents", json=f.licence(), headers=headers))

    def locked_issue() -> tuple[str, float]:
        client, headers, _ = app()
        warmed(client, headers)
        home = Path(client.application.extensions["eds"].settings.home)
        holder = sqlite3.connect(home / "registry.db", isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        try:
            return answer(lambda: client.post("/api/v1/documents", json=f.licence(), headers=headers))
        finally:
            holder.rollback()
            holder.close()

    def readyz() -> tuple[str, float]:
        client, _, _ = app()
        return answer(lambda: client.get("/readyz"))

    def healthz_beside_hung_check() -> tuple[str, float]:
        client, headers, _ = app()
        body = {"certificate": base64.b64encode(cert_of("company_head").der).decode()}
        slow = threading.Thread(target=lambda: client.post("/api/v1/certificates/check", headers=headers, json=body))
        slow.start()
        time.sleep(0.3)  # the check waits on the hung servers now
        probe = answer(lambda: client.application.test_client().get("/healthz"))
        slow.join()
        return probe

    secret = work / "secret.txt"
    secret.write_text("never opened")
    file_cdp = f._certificate_with_cdp(pki_dir, manifest, cert_of("individual_sign"), f"file://{secret}")
    bare = replace(profile, ocsp_urls=(), crl_urls=())
    scenarios = [
        ("OCSP+CRL hung: signer check", {"ocsp": "hang", "crl": "hang"}, budget, check),
        ("OCSP+CRL hung: POST certificates/check", {"ocsp": "hang", "crl": "hang"}, budget, api_check),
        ("OCSP+CRL hung: issuing (a new service)", {"ocsp": "hang", "crl": "hang"}, budget, issue),
        ("OCSP+CRL hung: /readyz", {"ocsp": "hang", "crl": "hang"}, budget, readyz),
        ("OCSP+CRL hung: /healthz beside a check", {"ocsp": "hang", "crl": "hang"}, budget,
         healthz_beside_hung_check),
        ("TSA hung: issuing (a warm service)", {"tsa": "hang"}, budget, lambda: issue(warm=True)),
        ("registry locked: issuing", {}, float(database.LOCK_WAIT), locked_issue),
        ("file: CDP, CA-signed: signer check", {}, budget, lambda: check(certificate=file_cdp, chosen=bare)),
        ("CRL redirects to file:", {"crl": "redirect_file"}, budget, lambda: check(methods=("CRL",))),
        ("CRL redirects to 10.255.255.1", {"crl": "redirect_private"}, budget, lambda: check(methods=("CRL",))),
        ("CRL answer without end (128 MiB cap)", {"crl": "oversized"}, budget, lambda: check(methods=("CRL",))),
        ("OCSP answer without end", {"ocsp": "oversized"}, budget, lambda: check(methods=("OCSP",))),
        ("TSA answer without end: issuing", {"tsa": "oversized"}, budget, lambda: issue(warm=True)),
    ]
    rows = []
    for name, wanted, limit, run in scenarios:
        row = Deadline(name, limit)
        for _ in range(rounds):
            server.faults.clear()
            server.faults.update(wanted)
            outcome, seconds = run()  # the time of the request alone, not of making its service
            row.outcomes.add(outcome)
            row.worst = max(row.worst, seconds)
        server.faults.clear()
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------------------
# Soak


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


@dataclass
class Soak:
    seconds: float
    requests: int = 0
    errors: int = 0
    issued: list[str] = field(default_factory=list)
    lost: int = 0
    journal_ok: bool = False
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, RSS MB)
    notes: list[str] = field(default_factory=list)

    def memory(self) -> tuple[float, float, bool]:
        """(RSS after warm-up, RSS at the end, flat): the mean of the first samples after a quarter of the run
        against the mean of the last three."""
        settled = [mb for at, mb in self.samples if at >= self.seconds / 4][:3] or [self.samples[-1][1]]
        start, end = sum(settled) / len(settled), sum(mb for _, mb in self.samples[-3:]) / len(self.samples[-3:])
        return start, end, end - start <= max(40.0, start * 0.10)


def soak(pki_dir: Path, manifest: dict, seconds: float, work: Path) -> Soak:
    home = work / "soak"
    home.mkdir()
    app, headers, url = test_faults.service(home, pki_dir)
    keys = json.loads((home / "keys.json").read_text())
    keys.update(ministry=keys["official_ministry"], region=keys["official_region"])  # the names the API corpus uses
    (home / "keys.json").write_text(json.dumps(keys))
    applicant = key(pki_dir, manifest, "individual_sign")
    request = xmldsig.sign_xml(f"<request><iin>{applicant.certificate.iin}</iin></request>".encode(),
                               applicant.private_key, applicant.certificate.der)
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    client = app.test_client()
    first = client.post("/api/v1/documents", json=test_faults.licence(), headers=headers)
    result = Soak(seconds, issued=[first.get_json()["number"]])
    licence_pdf = client.get(f"/api/v1/documents/{result.issued[0]}/pdf", headers=headers).data
    hostile = itertools.cycle([r for r in api_corpus.REQUESTS if r.app == "main" and r.token != "limited"])
    tokens = api_corpus.make_tokens(home)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    def step(client, number: int) -> bool:
        kind = number % 10
        if kind == 0:
            response = client.post("/api/v1/documents", json=test_faults.licence(), headers=headers)
            if response.status_code == 201:
                with lock:
                    result.issued.append(response.get_json()["number"])
            return response.status_code == 201
        if kind in (1, 2, 3):
            response = client.post("/api/v1/certificates/check", headers=headers,
                                   json={"certificate": b64(applicant.certificate.der)})
            return response.status_code == 200 and response.get_json()["indication"] == "TOTAL_PASSED"
        if kind in (4, 5):
            response = client.post("/api/v1/requests/verify", headers=headers,
                                   json={"document": b64(request), "iinPath": "iin"})
            return response.status_code == 200 and response.get_json()["accepted"] is True
        if kind in (6, 7):
            response = client.post("/api/v1/verify", headers=headers, json={"document": b64(licence_pdf)})
            return response.status_code == 200 and response.get_json()["indication"] == "TOTAL_PASSED"
        if kind == 8:
            with lock:
                number_ = result.issued[number % len(result.issued)]
            return client.get(f"/api/v1/documents/{number_}", headers=headers).status_code == 200
        with lock:
            attack = next(hostile)
        return api_corpus.send({"main": app}, tokens, attack).status_code == attack.status

    def worker(offset: int) -> None:
        client = app.test_client()
        for number in itertools.count(offset, 2):
            if time.monotonic() > deadline:
                return
            try:
                ok = step(client, number)
            except Exception as exc:  # a crash in the soak is an error to report, not a reason to stop
                ok = False
                with lock:
                    result.notes.append(f"request {number}: {type(exc).__name__}: {exc}")
            with lock:
                result.requests += 1
                result.errors += not ok

    def sampler() -> None:
        while time.monotonic() < deadline:
            result.samples.append((time.monotonic() - started, rss_mb()))
            time.sleep(5)

    threads = [threading.Thread(target=worker, args=(n,)) for n in (0, 1)] + [threading.Thread(target=sampler)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    result.samples.append((time.monotonic() - started, rss_mb()))
    registry = Registry.open(url)
    try:
        for number in result.issued:
            with contextlib.suppress(Exception):
                registry.document(number)
                continue
            result.lost += 1
        result.journal_ok = registry.verify_journal().ok
    finally:
        registry.close()
    return result


# ---------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz-seconds", type=int, default=8, help="fuzzing time per atheris target")
    parser.add_argument("--soak-seconds", type=float, default=90)
    parser.add_argument("--part", choices=("all", "deadlines"), default="all", help="run every part, or one")
    args = parser.parse_args(argv)
    logging.getLogger("eds").setLevel(logging.ERROR)  # the injected database failures are expected
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # rejected modifications are in the reports
    started = time.monotonic()
    with services.temporary() as (pki_dir, server), tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        manifest = {**json.loads((pki_dir / "manifest.json").read_text(encoding="utf-8")),
                    "password": read_password(pki_dir)}  # from the PKI's 0600 file: the manifest holds none
        profile = load_profile(pki_dir)
        print("deadlines...", file=sys.stderr)
        limits = deadlines(pki_dir, manifest, server, profile, work)
        within = all(row.worst < row.budget + 1 for row in limits)
        print(f"\n{'fault (default budgets)':<42} {'budget s':>8} {'worst s':>8}  answer")
        for row in limits:
            print(f"{row.fault:<42} {row.budget:>8.1f} {row.worst:>8.2f}  {', '.join(sorted(row.outcomes))}")
        if args.part == "deadlines":
            print(f"\n{'PASS' if within else 'FAIL'}  every fault answered within its budget + 1 s")
            return 0 if within else 1
        checker = SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0))
        print("hostile corpora...", file=sys.stderr)
        certificates, controls = certificate_corpus_tally(pki_dir, checker)
        applicant = Certificate.load((pki_dir / manifest["identities"]["individual_sign"]["certificate"]).read_bytes())
        verifier = DocumentVerifier(checker)
        tallies = [xml_corpus(), cms_corpus_tally(), pdf_corpus_tally(pki_dir, manifest, profile, verifier),
                   pdf_forgeries_tally(pki_dir, manifest, profile, verifier),
                   document_families_tally(pki_dir, manifest, profile, verifier),
                   certificates, identity_corpus_tally(checker, applicant), api_corpus_tally(pki_dir, manifest, work)]
        print("fuzzing...", file=sys.stderr)
        fuzz = fuzzing(pki_dir, args.fuzz_seconds)
        print("faults...", file=sys.stderr)
        injected, survived, fault_notes = faults(pki_dir, manifest, server, profile, work)
        print(f"soak ({args.soak_seconds:.0f} s)...", file=sys.stderr)
        load = soak(pki_dir, manifest, args.soak_seconds, work)

    total = Tally("total", *(sum(getattr(t, f) for t in tallies) for f in ("tried", "refused", "crashes", "false_passes")))
    print(f"\n{'hostile inputs':<30} {'tried':>7} {'refused correctly':>18} {'crashes':>8} {'false passes':>13}")
    for tally in (*tallies, controls, total):
        refused = f"{tally.refused} passed" if tally is controls else str(tally.refused)
        print(f"{tally.name:<30} {tally.tried:>7} {refused:>18} {tally.crashes:>8} {tally.false_passes:>13}")
    print(f"\n{'worst case per family':<44} {'ms':>8}  case")
    for family, (seconds, case) in sorted((f, w) for t in tallies for f, w in t.worst.items()):
        print(f"{family:<44} {seconds * 1000:>8.0f}  {case}")
    print(f"\n{'fuzzing (atheris)':<30} {'executions':>11} {'crashes':>8}")
    for target, executions, crashes in fuzz.rows:
        print(f"{target:<30} {executions:>11} {crashes:>8}")
    print(f"\n{'faults':<30} {'injected':>9} {'survived':>9}\n{'scenarios of test_faults':<30} {injected:>9} "
          f"{survived:>9}")
    start_mb, end_mb, flat = load.memory()
    print(f"\n{'soak':<30} {'requests':>9} {'errors':>7} {'issued':>7} {'lost':>5} {'RSS start':>10} {'RSS end':>8}")
    print(f"{f'{args.soak_seconds:.0f} s, 2 threads':<30} {load.requests:>9} {load.errors:>7} {len(load.issued):>7} "
          f"{load.lost:>5} {start_mb:>8.0f}MB {end_mb:>6.0f}MB")
    print("RSS samples (s, MB): " + ", ".join(f"{at:.0f}:{mb:.0f}" for at, mb in load.samples))
    for note in [n for t in (*tallies, controls) for n in t.notes] + fault_notes + load.notes[:20]:
        print(f"  ! {note}")
    fuzz_crashes = sum(row[2] for row in fuzz.rows)
    checks = {
        "0 crashes": total.crashes + controls.crashes + fuzz_crashes == 0 and fuzz.exit_code == 0,
        "0 false passes": total.false_passes == 0 and controls.refused == controls.tried,
        "every hostile input refused with its code": total.refused == total.tried,
        ">= 300 hostile inputs": total.tried >= 300,
        "every fault survived": survived == injected,
        "0 lost documents, journal intact": load.lost == 0 and load.journal_ok,
        "0 soak errors": load.errors == 0,
        "memory flat": flat,
        "every fault answered within its budget + 1 s": within,
    }
    print()
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    print(f"({time.monotonic() - started:.0f} s)")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
