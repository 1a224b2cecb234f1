"""The registry on a real PostgreSQL server that scripts/postgres installs (when missing) and starts.

These tests never skip: without PostgreSQL the script installs it from Debian's packages, and a failed
install fails the session with the script's own message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.issuer import Issuer, IssuingOptions
from eds.issuing.keystore import load_keys
from eds.issuing.registry import Draft, ErrorCode, Registry, RegistryError, SignedFiles, DocumentStatus
from eds.pki.trust import load_profile
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from test_pki import demo

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres"
UTC = dt.UTC
CERT = b"0\x82 the provider head's certificate"
CERT_SHA = hashlib.sha256(CERT).hexdigest()


def _script(command: str, directory: str) -> str:
    result = subprocess.run([str(SCRIPT), command, "--dir", directory], capture_output=True, text=True,
                            timeout=900, check=False)
    if result.returncode != 0:
        pytest.fail(f"scripts/postgres {command} failed (exit {result.returncode}):\n{result.stderr}", pytrace=False)
    return result.stdout.strip()


@pytest.fixture(scope="session")
def cluster():
    """A throwaway cluster under /tmp (the postgres user must reach it), removed after the session."""
    directory = f"/tmp/eds-pg-test-{uuid.uuid4().hex[:8]}"
    url = _script("start", directory)
    yield directory, url
    subprocess.run([str(SCRIPT), "destroy", "--dir", directory], capture_output=True, timeout=120, check=False)


def _conninfo(url: str) -> str:
    parsed = make_url(url)
    return f"host={parsed.host} port={parsed.port} user={parsed.username} password={parsed.password} " \
           f"dbname={parsed.database}"


@pytest.fixture
def url(cluster) -> str:
    """A fresh database per test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_conninfo(cluster[1]), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return make_url(cluster[1]).set(database=name).render_as_string(hide_password=False)


def _render(draft: Draft) -> SignedFiles:
    return SignedFiles(CERT_SHA, dt.datetime.now(UTC), pdf=b"%PDF-1.7 " + draft.number.encode(),
                       xml=f"<doc number='{draft.number}'/>".encode())


def _setup(url: str) -> Registry:
    registry = Registry.open(url)
    registry.add_provider("ZHM", name_kk="Жамбыл облысы әкімдігі", name_ru="Акимат Жамбылской области",
                          bin="000740001307", place_kk="Тараз қ.", place_ru="г. Тараз",
                          doc_types=["scrap_metal_licence"], actor="admin")
    now = dt.datetime.now(UTC)
    registry.add_signer("ZHM", cert_der=CERT, iin="800101300123", name="Асанов Асан", position_kk="әкім",
                        position_ru="аким",
                        doc_types=["scrap_metal_licence"], valid_from=now - dt.timedelta(days=1),
                        valid_to=now + dt.timedelta(days=365), actor="admin")
    return registry


def _issue(registry: Registry, render=_render) -> str:
    return registry.issue(doc_type="scrap_metal_licence", provider_id="ZHM", holder_name="ТОО «Металл»",
                          holder_id="123456789012", data={"address": "Тараз", "amount": 1.5, "big": 10 ** 20},
                          actor="portal", render_and_sign=render).number


def _count(url: str, table: str) -> int:
    with psycopg.connect(_conninfo(url)) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_life_and_journal_on_postgres(url):
    registry = _setup(url)
    number = _issue(registry)
    registry.issue_duplicate(number, actor="clerk", reason="утеря", render_and_sign=_render)
    registry.suspend(number, actor="inspector", reason="проверка")
    registry.resume(number, actor="inspector", reason="устранено")
    new = registry.reissue(number, actor="clerk", reason="новый адрес", render_and_sign=_render)
    assert registry.document(number).status is DocumentStatus.SUPERSEDED and new.supersedes == number
    assert registry.file(new.number, "pdf").endswith(new.number.encode())
    assert registry.verify_journal().ok
    with psycopg.connect(_conninfo(url)) as connection:
        connection.execute("UPDATE documents SET data = '{\"address\": \"Шу\"}' WHERE number = %s", (number,))
    report = registry.verify_journal()
    assert (report.ok, report.reason) == (False, "record_edited")
    registry.close()


def _issue_licences_in_threads(url: str, pki_dir: Path, home: Path, threads: int, each: int) -> list[str]:
    """One process: ``threads`` threads each issuing ``each`` full licences (validate, render, PAdES, XMLDSig,
    register) through the same Issuer, as a gunicorn worker with threads does."""
    registry = Registry.open(url)
    keys = load_keys(home / "keys.json")
    # PAdES B-B: the numbering and the journal are under test here, not the TSA or the B-LT data.
    issuer = Issuer(registry, SignerChecker(load_profile(pki_dir)), keys, IssuingOptions(long_term=False))
    data = {key: value for key, value in EXAMPLES["scrap_metal_licence"].items() if key != "provider"}
    numbers: list[str] = []
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(each):
                numbers.append(issuer.issue("scrap_metal_licence", data, provider_id="ZHM",
                                            key_id="official_region", actor="portal").number)
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    [w.start() for w in workers]
    [w.join() for w in workers]
    registry.close()
    if errors:
        raise errors[0]
    return numbers


def test_two_processes_eight_threads_thousand_licences(url, pki_dir, pki_server, tmp_path):
    registry = Registry.open(url)
    demo.bootstrap(tmp_path, pki_dir, registry)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        # 2 processes x 8 threads: 1,000 licences (8 threads of 62 and 8 of 63).
        # a bound instead of waiting forever should a worker process die
        results = pool.starmap_async(_issue_licences_in_threads,
                                     [(url, pki_dir, tmp_path, 8, 62), (url, pki_dir, tmp_path, 8, 63)]).get(600)
    numbers = [n for result in results for n in result]
    assert len(numbers) == 1000 and len(set(numbers)) == 1000
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 1001))
    assert _count(url, "documents") == 1000 and _count(url, "document_files") == 2000
    report = registry.verify_journal()
    # the journal holds the bootstrap (one entry per provider and per signer) and one entry per licence
    bootstrap = len(demo.PROVIDERS) + sum(len(spec["signers"]) for spec in demo.PROVIDERS.values())
    assert report.ok and report.entries_checked == 1000 + bootstrap, report
    # every licence carries its own number, signed: a few of them verified in full
    verifier = DocumentVerifier(SignerChecker(load_profile(pki_dir)))
    for number in (numbers[0], numbers[499], numbers[-1]):
        document = registry.file(number, "pdf")
        assert number.encode() in registry.file(number, "xml")
        assert verifier.verify(document).passed, number
    registry.close()


def _die_while_rendering(url: str) -> None:
    Registry.open(url).issue(doc_type="scrap_metal_licence", provider_id="ZHM", holder_name="x",
                             holder_id="123456789012", data={}, actor="a", render_and_sign=lambda draft: os._exit(7))


def test_killed_process_leaves_no_half_issued_document(url):
    registry = _setup(url)
    first = _issue(registry)
    child = multiprocessing.get_context("spawn").Process(target=_die_while_rendering, args=(url,))
    child.start()
    child.join(60)
    assert child.exitcode == 7
    assert [_count(url, t) for t in ("documents", "document_files", "document_events")] == [1, 2, 1]
    assert _issue(registry) == first[:-1] + "2"  # the dead issue's number was never taken; its locks are gone
    assert registry.verify_journal().ok
    registry.close()


def test_stopped_database_is_unavailable_then_recovers(cluster, url):
    directory = cluster[0]
    registry = _setup(url)
    number = _issue(registry)
    _script("stop", directory)
    try:
        for call in (lambda: _issue(registry), lambda: registry.document(number)):
            with pytest.raises(RegistryError) as caught:
                call()
            assert caught.value.code is ErrorCode.DATABASE_UNAVAILABLE
            assert "SELECT" not in str(caught.value) and "INSERT" not in str(caught.value)
    finally:
        _script("start", directory)
    assert registry.document(number).status is DocumentStatus.VALID
    assert _issue(registry) == number[:-1] + "2"
    assert registry.verify_journal().ok
    registry.close()


def test_a_file_renewal_and_its_history_on_postgres(url):
    """Archive maintenance's registry write (issue 19): the longer file, the earlier version in the history, the
    journal entry that replays them, and the check that each earlier version is still the file's beginning."""
    registry = _setup(url)
    number = _issue(registry)
    pdf = registry.file(number, "pdf")
    renewal = registry.renew_file(number, "pdf", replaces=hashlib.sha256(pdf).hexdigest(), content=pdf + b"\n% DSS",
                                  actor="maintain", reason="archive timestamp")
    assert registry.file(number, "pdf") == pdf + b"\n% DSS" and renewal.version == 1
    assert registry.document(number).earlier_files[0].sha256 == hashlib.sha256(pdf).hexdigest()
    assert registry.file_renewals(number) == [renewal] and registry.verify_journal().ok
    with pytest.raises(RegistryError) as stale:
        registry.renew_file(number, "pdf", replaces=hashlib.sha256(pdf).hexdigest(), content=pdf + b"\n% again",
                            actor="maintain", reason="archive timestamp")
    assert stale.value.code is ErrorCode.CONFLICT
    other = b"%PDF-1.7 X" + pdf[10:] + b"\n% DSS"
    with psycopg.connect(_conninfo(url)) as connection:
        connection.execute("UPDATE document_files SET content = %s, sha256 = %s WHERE kind = 'pdf'",
                           (other, hashlib.sha256(other).hexdigest()))
    assert not registry.verify_journal().ok
    registry.close()


def test_an_external_number_issued_and_reserved_at_once_is_given_once_on_postgres(url):
    """An issue and a two-step reservation of one external number at the same moment: one gets it, the other is
    NUMBER_TAKEN (found by an adversarial review: each transaction found the number free in both tables and both
    committed). The issue holds its transaction open while it renders, so the reservation checks meanwhile."""
    from eds.issuing.registry.records import PreparedFiles

    registry = _setup(url)
    number, start, outcome = "KZ34VEG00054321", threading.Barrier(2), {}

    def slow_render(draft: Draft) -> SignedFiles:
        time.sleep(0.5)
        return _render(draft)

    def issue() -> None:
        start.wait()
        try:
            outcome["issue"] = registry.issue(
                doc_type="scrap_metal_licence", provider_id="ZHM", holder_name="А", holder_id="123456789012",
                data={}, actor="portal", number=number, render_and_sign=slow_render).number
        except RegistryError as error:
            outcome["issue"] = error.code

    def reserve() -> None:
        start.wait()
        time.sleep(0.1)  # the issue has checked the number and is rendering
        try:
            outcome["reserve"] = registry.reserve(
                doc_type="scrap_metal_licence", provider_id="ZHM", holder_name="А", holder_id="123456789012",
                data={}, signer_cert_sha256=CERT_SHA, actor="official", valid_for=dt.timedelta(hours=1),
                number=number, prepare=lambda draft: PreparedFiles(pdf=b"%PDF", xml=b"<x/>", digest=b"d" * 32,
                                                                   digest_algorithm="sha256")).number
        except RegistryError as error:
            outcome["reserve"] = error.code

    threads = [threading.Thread(target=issue), threading.Thread(target=reserve)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcome == {"issue": number, "reserve": ErrorCode.NUMBER_TAKEN}
    assert registry.verify_journal().ok
