"""The registry of issued documents on SQLite: life events, idempotency, the journal, atomicity, concurrency."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from eds.issuing.registry import (
    LIFE_CYCLES,
    Draft,
    ErrorCode,
    EventKind,
    Registry,
    RegistryError,
    SignedFiles,
    DocumentStatus,
    default_url,
)

UTC = dt.UTC
CERT = b"0\x82 the provider head's certificate"
CERT_SHA = hashlib.sha256(CERT).hexdigest()
HOLDER = "123456789012"


def _render(draft: Draft) -> SignedFiles:
    return SignedFiles(CERT_SHA, dt.datetime.now(UTC), pdf=b"%PDF-1.7 " + draft.number.encode(),
                       xml=f"<doc number='{draft.number}'/>".encode())


SERVED = ["scrap_metal_licence", "tv_radio_licence", "cultural_export_certificate"]


def _setup(registry: Registry, provider: str = "ZHM") -> None:
    registry.add_provider(provider, name_kk="Жамбыл облысы әкімдігі", name_ru="Акимат Жамбылской области",
                          bin="000740001307", place_kk="Тараз қ.", place_ru="г. Тараз", doc_types=SERVED,
                          actor="admin")
    now = dt.datetime.now(UTC)
    registry.add_signer(provider, cert_der=CERT if provider == "ZHM" else CERT + provider.encode(),
                        iin="800101300123", name="Асанов Асан", position_kk="әкім", position_ru="аким",
                        doc_types=SERVED, valid_from=now - dt.timedelta(days=365),
                        valid_to=now + dt.timedelta(days=365), actor="admin")


def _issue(registry: Registry, render=_render, **changes) -> object:
    request = {"doc_type": "scrap_metal_licence", "provider_id": "ZHM", "holder_name": "ТОО «Металл»",
               "holder_id": HOLDER, "data": {"activity": "scrap", "address": "Тараз"}, "actor": "portal",
               "render_and_sign": render}
    return registry.issue(**{**request, **changes})


def _code(call, *args, **kwargs) -> ErrorCode:
    with pytest.raises(RegistryError) as caught:
        call(*args, **kwargs)
    return caught.value.code


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "registry.sqlite"


@pytest.fixture
def registry(db_path):
    opened = Registry.open(f"sqlite:///{db_path}")
    _setup(opened)
    yield opened
    opened.close()


def _sql(db_path: Path, statement: str, *args) -> list[tuple]:
    """Raw SQL beside the registry, as someone tampering with the database file would run it."""
    connection = sqlite3.connect(db_path)
    try:
        rows = connection.execute(statement, args).fetchall()
        connection.commit()
        return rows
    finally:
        connection.close()


# Issuing and numbering


def test_issue_stores_document_files_event_and_journal(registry):
    document = _issue(registry)
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=5))).year
    assert document.number == f"LIC-ZHM-{year}-000001"
    assert document.status is DocumentStatus.VALID and document.holder_id == HOLDER
    assert document.data == {"activity": "scrap", "address": "Тараз"}
    assert document.signer_cert_sha256 == CERT_SHA
    assert registry.file(document.number, "pdf") == b"%PDF-1.7 " + document.number.encode()
    assert {f.kind: f.sha256 for f in document.files}["xml"] == hashlib.sha256(
        registry.file(document.number, "xml")).hexdigest()
    assert [e.kind for e in registry.events(document.number)] == [EventKind.ISSUED]
    assert registry.document(document.number) == document
    assert registry.verify_journal().ok


def test_numbers_per_type_provider_and_kazakhstan_year(tmp_path):
    moment = [dt.datetime(2026, 12, 31, 18, 59, tzinfo=UTC)]  # 23:59 in Kazakhstan (UTC+5)
    registry = Registry.open(f"sqlite:///{tmp_path / 'r.sqlite'}", clock=lambda: moment[0])
    _setup(registry)
    _setup(registry, "MCI")
    numbers = [_issue(registry).number, _issue(registry).number]
    numbers.append(_issue(registry, doc_type="refusal", data={"service": "scrap_metal_licence"}).number)
    moment[0] = dt.datetime(2026, 12, 31, 19, 0, tzinfo=UTC)  # midnight in Kazakhstan: a new year's series
    numbers.append(_issue(registry).number)
    render_mci = lambda draft: SignedFiles(hashlib.sha256(CERT + b"MCI").hexdigest(), moment[0], pdf=b"%PDF")
    numbers.append(_issue(registry, provider_id="MCI", render=render_mci).number)
    assert numbers == ["LIC-ZHM-2026-000001", "LIC-ZHM-2026-000002", "REF-ZHM-2026-000001",
                       "LIC-ZHM-2027-000001", "LIC-MCI-2027-000001"]


def test_renderer_gets_the_number_and_what_to_print(registry):
    drafts = []
    document = _issue(registry, render=lambda d: drafts.append(d) or _render(d))
    assert drafts[0].number == document.number and drafts[0].provider.name_ru == "Акимат Жамбылской области"
    assert drafts[0].original_number is None and drafts[0].supersedes is None


# Life events and their rules


def test_suspend_resume_terminate(registry):
    number = _issue(registry).number
    assert registry.suspend(number, actor="inspector", reason="проверка").status is DocumentStatus.SUSPENDED
    assert registry.resume(number, actor="inspector", reason="устранено").status is DocumentStatus.VALID
    assert registry.suspend(number, actor="inspector", reason="повторно").status is DocumentStatus.SUSPENDED
    assert registry.terminate(number, actor="court", reason="решение суда").status is DocumentStatus.TERMINATED
    events = registry.events(number)
    assert [e.kind for e in events] == ["issued", "suspended", "resumed", "suspended", "terminated"]
    assert events[-1].actor == "court" and events[-1].reason == "решение суда"
    assert registry.verify_journal().ok


def test_transition_rules(registry):
    number = _issue(registry).number
    assert _code(registry.resume, number, actor="a", reason="r") is ErrorCode.INVALID_TRANSITION
    registry.suspend(number, actor="a", reason="r")
    assert _code(registry.suspend, number, actor="a", reason="r") is ErrorCode.INVALID_TRANSITION
    assert _code(registry.reissue, number, actor="a", reason="r", render_and_sign=_render) is \
        ErrorCode.INVALID_TRANSITION
    registry.terminate(number, actor="a", reason="r")
    for change in (registry.suspend, registry.resume, registry.terminate):
        assert _code(change, number, actor="a", reason="r") is ErrorCode.INVALID_TRANSITION
    assert _code(registry.reissue, number, actor="a", reason="r", render_and_sign=_render) is \
        ErrorCode.INVALID_TRANSITION
    assert _code(registry.issue_duplicate, number, actor="a", reason="r", render_and_sign=_render) is \
        ErrorCode.INVALID_TRANSITION
    with pytest.raises(RegistryError, match="cannot be resumed: it is terminated"):
        registry.resume(number, actor="a", reason="r")


def test_superseded_licence_cannot_change(registry):
    old = _issue(registry).number
    registry.reissue(old, actor="a", reason="new address", render_and_sign=_render)
    for change in (registry.suspend, registry.resume, registry.terminate):
        assert _code(change, old, actor="a", reason="r") is ErrorCode.INVALID_TRANSITION
    for create in (registry.reissue, registry.issue_duplicate):
        assert _code(create, old, actor="a", reason="r", render_and_sign=_render) is ErrorCode.INVALID_TRANSITION


def test_document_types_limit_life_events(registry):
    refusal = _issue(registry, doc_type="refusal", data={"service": "scrap_metal_licence"}).number
    for change in (registry.suspend, registry.terminate):
        assert _code(change, refusal, actor="a", reason="r") is ErrorCode.INVALID_TRANSITION
    tv_licence = _issue(registry, doc_type="tv_radio_licence").number
    assert _code(registry.issue_duplicate, tv_licence, actor="a", reason="r", render_and_sign=_render) is \
        ErrorCode.INVALID_TRANSITION
    certificate = _issue(registry, doc_type="cultural_export_certificate").number
    assert _code(registry.suspend, certificate, actor="a", reason="r") is ErrorCode.INVALID_TRANSITION
    assert registry.terminate(certificate, actor="a", reason="annulled").status is DocumentStatus.TERMINATED


def test_document_types_match_the_declared_documents():
    from eds.issuing.documents import DOCUMENT_TYPES as DECLARED
    assert set(LIFE_CYCLES) == set(DECLARED)
    for name, declared in DECLARED.items():
        events = LIFE_CYCLES[name].events
        assert (EventKind.REISSUED in events) == ("reissue" in declared.events), name
        assert (EventKind.DUPLICATE_ISSUED in events) == ("duplicate" in declared.events), name


def test_reissue_supersedes_in_one_step(registry):
    old = _issue(registry)
    new = registry.reissue(old.number, actor="clerk", reason="смена наименования", render_and_sign=_render,
                           holder_name="ТОО «Новый металл»", data={"activity": "scrap", "address": "Шу"},
                           idempotency_key="reissue-1")
    assert new.number == old.number[:-1] + "2" and new.supersedes == old.number
    assert new.holder_name == "ТОО «Новый металл»" and new.holder_id == HOLDER and new.data["address"] == "Шу"
    after = registry.document(old.number)
    assert after.status is DocumentStatus.SUPERSEDED and after.superseded_by == new.number
    assert [(e.kind, e.related_number) for e in registry.events(old.number)] == [
        ("issued", None), ("reissued", new.number)]
    assert [(e.kind, e.related_number) for e in registry.events(new.number)] == [("issued", old.number)]
    again = registry.reissue(old.number, actor="clerk", reason="смена наименования", render_and_sign=_render,
                             holder_name="ТОО «Новый металл»", data={"activity": "scrap", "address": "Шу"},
                             idempotency_key="reissue-1")
    assert again == new
    assert registry.verify_journal().ok


def test_duplicates_refer_to_and_follow_the_original(registry):
    original = _issue(registry).number
    first = registry.issue_duplicate(original, actor="clerk", reason="утеря", render_and_sign=_render)
    assert first.number == f"{original}-D1" and first.original_number == original
    assert first.status is DocumentStatus.VALID and first.holder_name == "ТОО «Металл»"
    registry.suspend(original, actor="a", reason="r")
    assert registry.document(first.number).status is DocumentStatus.SUSPENDED
    second = registry.issue_duplicate(original, actor="clerk", reason="порча", render_and_sign=_render)
    assert second.number == f"{original}-D2" and second.status is DocumentStatus.SUSPENDED
    assert _code(registry.resume, first.number, actor="a", reason="r") is ErrorCode.INVALID_TRANSITION
    assert _code(registry.issue_duplicate, first.number, actor="a", reason="r", render_and_sign=_render) is \
        ErrorCode.INVALID_TRANSITION
    registry.terminate(original, actor="a", reason="r")
    assert {registry.document(n).status for n in (first.number, second.number)} == {DocumentStatus.TERMINATED}
    assert [(e.kind, e.related_number) for e in registry.events(original)][1:3] == [
        ("duplicate_issued", first.number), ("suspended", None)]
    assert registry.verify_journal().ok


def test_duplicate_draft_prints_the_licence_number(registry):
    original = _issue(registry).number
    drafts = []
    registry.issue_duplicate(original, actor="a", reason="r", render_and_sign=lambda d: drafts.append(d) or _render(d))
    assert drafts[0].original_number == original and drafts[0].number == f"{original}-D1"
    assert drafts[0].printed_number == original


# Idempotency


def test_same_key_same_request_returns_the_first_document(registry):
    calls = []
    render = lambda draft: calls.append(draft.number) or _render(draft)
    first = _issue(registry, render=render, idempotency_key="portal-req-1")
    again = _issue(registry, render=render, idempotency_key="portal-req-1")
    assert again == first and calls == [first.number]
    assert _issue(registry).number.endswith("000002")  # the repeat took no number


def test_same_key_different_request_is_a_conflict(registry):
    _issue(registry, idempotency_key="portal-req-1")
    with pytest.raises(RegistryError) as caught:
        _issue(registry, idempotency_key="portal-req-1", holder_name="Другой")
    assert caught.value.code is ErrorCode.CONFLICT and "idempotency key" in caught.value.message


def test_concurrent_retries_with_one_key_issue_once(registry):
    results, barrier = [], threading.Barrier(6)

    def retry():
        barrier.wait()
        results.append(_issue(registry, idempotency_key="same").number)

    threads = [threading.Thread(target=retry) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(results) == 6 and len(set(results)) == 1
    assert _issue(registry).number.endswith("000002")


# Signers and input


def test_only_an_authorised_signer_can_sign(registry, db_path):
    other = lambda sha, at=None: (lambda d: SignedFiles(sha, at or dt.datetime.now(UTC), pdf=b"%PDF"))
    assert _code(_issue, registry, render=other("ab" * 32)) is ErrorCode.SIGNER_NOT_AUTHORISED
    assert _code(_issue, registry, render=other(CERT_SHA, dt.datetime(2000, 1, 1, tzinfo=UTC))) is \
        ErrorCode.SIGNER_NOT_AUTHORISED
    assert _code(_issue, registry, doc_type="restoration_consent") is ErrorCode.SERVICE_NOT_PROVIDED
    registry.update_provider("ZHM", doc_types=[*SERVED, "restoration_consent"], actor="admin")
    assert _code(_issue, registry, doc_type="restoration_consent") is ErrorCode.SIGNER_NOT_AUTHORISED
    registry.set_signer_active(CERT_SHA, False, actor="hr", reason="уволен")
    assert _code(_issue, registry) is ErrorCode.SIGNER_NOT_AUTHORISED
    assert _sql(db_path, "SELECT count(*) FROM documents") == [(0,)]
    registry.set_signer_active(CERT_SHA, True, actor="hr", reason="восстановлен")
    assert registry.authorised_signer("ZHM", "scrap_metal_licence", CERT_SHA,
                                      dt.datetime.now(UTC)).name == "Асанов Асан"
    assert _issue(registry).number.endswith("000001")
    assert registry.verify_journal().ok


def test_error_codes(registry):
    assert _code(registry.document, "LIC-ZHM-2026-999999") is ErrorCode.NOT_FOUND
    assert _code(registry.file, _issue(registry).number, "docx") is ErrorCode.NOT_FOUND
    assert _code(_issue, registry, provider_id="NOPE") is ErrorCode.NOT_FOUND
    assert _code(_issue, registry, doc_type="passport") is ErrorCode.INVALID_INPUT
    assert _code(_issue, registry, holder_id="12345") is ErrorCode.INVALID_INPUT
    assert _code(_issue, registry, data={"when": dt.date.today()}) is ErrorCode.INVALID_INPUT
    assert _code(_issue, registry, data={"x": float("nan")}) is ErrorCode.INVALID_INPUT
    assert _code(_issue, registry, render=lambda d: SignedFiles(CERT_SHA, dt.datetime.now(UTC))) is \
        ErrorCode.INVALID_INPUT
    place = {"place_kk": "x", "place_ru": "x", "doc_types": SERVED}
    assert _code(registry.add_provider, "ZHM", name_kk="x", name_ru="x", bin="000740001307", actor="a", **place) is \
        ErrorCode.CONFLICT
    assert _code(registry.add_provider, "zhm", name_kk="x", name_ru="x", bin="000740001307", actor="a", **place) is \
        ErrorCode.INVALID_INPUT
    assert _code(Registry.open, "mysql://u@h/db") is ErrorCode.INVALID_INPUT
    assert _code(registry.suspend, "LIC-ZHM-2026-999999", actor="a", reason="r") is ErrorCode.NOT_FOUND


def test_unreadable_database_is_unavailable_and_says_no_sql(tmp_path):
    (tmp_path / "file").write_text("a file where a folder should be")
    assert _code(Registry.open, f"sqlite:///{tmp_path}/file/registry.sqlite") is ErrorCode.DATABASE_UNAVAILABLE
    path = tmp_path / "r.sqlite"
    registry = Registry.open(f"sqlite:///{path}")
    registry.close()
    for name in ("r.sqlite-wal", "r.sqlite-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 500)
    with pytest.raises(RegistryError) as caught:
        registry.document("LIC-ZHM-2026-000001")
    assert caught.value.code is ErrorCode.DATABASE_UNAVAILABLE
    assert "SELECT" not in str(caught.value) and "documents" not in str(caught.value)


def test_lock_held_elsewhere_is_retried_then_busy(db_path, monkeypatch):
    monkeypatch.setattr("eds.issuing.registry.database.LOCK_TIMEOUT", 0.1)
    registry = Registry.open(f"sqlite:///{db_path}")
    _setup(registry)
    holder = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.15, holder.rollback).start()
    assert _issue(registry).number.endswith("000001")  # waited, retried, went through
    holder.execute("BEGIN IMMEDIATE")
    registry._db.attempts = 2
    try:
        assert _code(_issue, registry) is ErrorCode.DATABASE_BUSY
    finally:
        holder.rollback()
        holder.close()
    assert _issue(registry).number.endswith("000002")


def test_default_url_is_under_eds_home(tmp_path, monkeypatch):
    monkeypatch.setenv("EDS_HOME", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path}/registry.sqlite"
    Registry.open().close()
    assert (tmp_path / "registry.sqlite").exists()


def test_in_memory_database():
    registry = Registry.open("sqlite://")
    _setup(registry)
    assert _issue(registry).status is DocumentStatus.VALID and registry.verify_journal().ok


# The journal


def _history(registry: Registry) -> list[str]:
    numbers = [_issue(registry).number for _ in range(3)]
    registry.suspend(numbers[0], actor="a", reason="r")
    registry.issue_duplicate(numbers[1], actor="a", reason="r", render_and_sign=_render)
    registry.reissue(numbers[2], actor="a", reason="r", render_and_sign=_render)
    return numbers


def test_journal_of_a_history_verifies(registry):
    _history(registry)
    report = registry.verify_journal()
    assert report.ok and report.entries_checked == 2 + 3 + 1 + 2 + 2  # provider, signer, issues, events
    assert registry.journal_head()[0] == report.entries_checked


def test_edited_entry_is_detected(registry, db_path):
    _history(registry)
    _sql(db_path, "UPDATE journal SET actor = 'someone else' WHERE seq = 4")
    report = registry.verify_journal()
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 4, "edited")


def test_edited_and_rehashed_entry_is_detected(registry, db_path):
    _history(registry)
    from eds.issuing.registry.journal import entry_hash
    seq, at, action, number, digest, prev = _sql(
        db_path, "SELECT seq, at, action, document_number, payload_digest, prev_hash FROM journal WHERE seq = 5")[0]
    forged = entry_hash(seq=seq, at=at, actor="forger", action=action, document_number=number,
                        payload_digest=digest, prev_hash=prev)
    _sql(db_path, "UPDATE journal SET actor = 'forger', hash = ? WHERE seq = 5", forged)
    report = registry.verify_journal()
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 5, "edited")


def test_deleted_entry_is_detected(registry, db_path):
    _history(registry)
    _sql(db_path, "DELETE FROM journal WHERE seq = 6")
    report = registry.verify_journal()
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 6, "deleted")


def test_deleted_last_entry_is_detected(registry, db_path):
    _history(registry)
    last = registry.journal_head()[0]
    _sql(db_path, "DELETE FROM journal WHERE seq = ?", last)
    report = registry.verify_journal()
    assert (report.ok, report.first_broken_seq, report.reason) == (False, last, "deleted")


def test_reordered_entries_are_detected(registry, db_path):
    _history(registry)
    _sql(db_path, "UPDATE journal SET seq = -1 WHERE seq = 4")
    _sql(db_path, "UPDATE journal SET seq = 4 WHERE seq = 5")
    _sql(db_path, "UPDATE journal SET seq = 5 WHERE seq = -1")
    report = registry.verify_journal()
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 4, "reordered")


def test_edited_document_row_is_detected(registry, db_path):
    number = _history(registry)[1]
    _sql(db_path, "UPDATE documents SET holder_name = 'ТОО «Подмена»' WHERE number = ?", number)
    report = registry.verify_journal()
    assert (report.ok, report.reason) == (False, "record_edited") and number in report.detail


def test_edited_status_is_detected(registry, db_path):
    number = _history(registry)[0]
    _sql(db_path, "UPDATE documents SET status = 'valid' WHERE number = ?", number)
    report = registry.verify_journal()
    assert (report.ok, report.reason) == (False, "record_edited") and "status" in report.detail


def test_edited_file_is_detected(registry, db_path):
    _history(registry)
    _sql(db_path, "UPDATE document_files SET content = X'00' WHERE kind = 'pdf' AND document_id = 2")
    report = registry.verify_journal()
    assert (report.reason, report.first_broken_seq) == ("record_edited", 4) and "pdf file" in report.detail
    _sql(db_path, "UPDATE document_files SET sha256 = ? WHERE kind = 'pdf' AND document_id = 2",
         hashlib.sha256(b"\x00").hexdigest())
    assert registry.verify_journal().reason == "record_edited"


def test_deleted_event_row_is_detected(registry, db_path):
    number = _history(registry)[0]
    seq = _sql(db_path, "SELECT max(journal_seq) FROM document_events e JOIN documents d ON d.id = e.document_id "
                        "WHERE d.number = ?", number)[0][0]
    _sql(db_path, "DELETE FROM document_events WHERE journal_seq = ?", seq)
    report = registry.verify_journal()
    assert (report.ok, report.first_broken_seq, report.reason) == (False, seq, "record_deleted")


def test_row_written_around_the_registry_is_detected(registry, db_path):
    granted = _sql(db_path, "SELECT doc_types FROM signers")[0][0]
    _sql(db_path, "UPDATE signers SET doc_types = '[\"restoration_consent\"]'")
    assert registry.verify_journal().reason == "record_edited"
    _sql(db_path, "INSERT INTO providers (id, name_kk, name_ru, bin, place_kk, place_ru, doc_types) "
                  "VALUES ('FAKE', 'x', 'x', '000000000000', 'x', 'x', '[]')")
    assert registry.verify_journal().reason == "record_edited"  # the lowest seq is reported first
    _sql(db_path, "UPDATE signers SET doc_types = ?", granted)
    report = registry.verify_journal()
    assert (report.reason, report.first_broken_seq) == ("record_unjournaled", None) and "FAKE" in report.detail


# Atomicity


class RenderFailed(Exception):
    pass


def _fail(draft: Draft) -> SignedFiles:
    raise RenderFailed(draft.number)


def _counts(db_path: Path) -> tuple:
    return tuple(_sql(db_path, f"SELECT count(*) FROM {t}")[0][0]
                 for t in ("documents", "document_files", "document_events", "journal"))


def test_failed_render_commits_nothing(registry, db_path):
    first = _issue(registry).number
    before, head = _counts(db_path), registry.journal_head()
    with pytest.raises(RenderFailed):
        _issue(registry, render=_fail)
    with pytest.raises(RenderFailed):
        registry.reissue(first, actor="a", reason="r", render_and_sign=_fail)
    with pytest.raises(RenderFailed):
        registry.issue_duplicate(first, actor="a", reason="r", render_and_sign=_fail)
    assert _counts(db_path) == before and registry.journal_head() == head
    assert registry.document(first).status is DocumentStatus.VALID
    assert _issue(registry).number.endswith("000002")  # the failed issues gave their numbers back
    assert registry.verify_journal().ok


def _die_while_rendering(url: str) -> None:
    Registry.open(url).issue(doc_type="scrap_metal_licence", provider_id="ZHM", holder_name="x", holder_id=HOLDER,
                             data={}, actor="a", render_and_sign=lambda draft: os._exit(7))


def test_killed_process_leaves_nothing(registry, db_path):
    before = _counts(db_path)
    child = multiprocessing.get_context("spawn").Process(target=_die_while_rendering, args=(f"sqlite:///{db_path}",))
    child.start()
    child.join(60)
    assert child.exitcode == 7
    assert _counts(db_path) == before
    assert _issue(registry).number.endswith("000001")
    assert registry.verify_journal().ok


# Concurrency


def _issue_many(registry: Registry, threads: int, each: int) -> list[str]:
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work():
        try:
            for _ in range(each):
                number = _issue(registry).number
                with lock:
                    numbers.append(number)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    [w.start() for w in workers]
    [w.join() for w in workers]
    assert not errors, errors
    return numbers


def test_threads_get_distinct_consecutive_numbers(registry):
    numbers = _issue_many(registry, threads=8, each=25)
    assert len(set(numbers)) == 200
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 201))
    assert registry.verify_journal().ok


def _process_worker(url: str, threads: int, each: int) -> list[str]:
    registry = Registry.open(url)
    try:
        return _issue_many(registry, threads, each)
    finally:
        registry.close()


def test_processes_and_threads_get_distinct_numbers(registry, db_path):
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.starmap(_process_worker, [(f"sqlite:///{db_path}", 4, 10)] * 2)
    numbers = [n for result in results for n in result]
    assert len(set(numbers)) == 80
    assert registry.verify_journal().ok


# What providers provide, external numbers, and databases of an earlier version

def test_a_provider_provides_only_its_services_and_a_refusal_follows_its_service(registry):
    # the registry's record of the provider decides: a signer cannot be given a service the provider lacks
    assert _code(registry.add_signer, "ZHM", cert_der=b"other", iin="800101300123", name="x", position_kk="x",
                 position_ru="x", doc_types=["periodicals_registration"], valid_from=dt.datetime.now(UTC),
                 valid_to=dt.datetime.now(UTC) + dt.timedelta(days=1), actor="a") is ErrorCode.SERVICE_NOT_PROVIDED
    # a refusal is not a service of its own; it is allowed to whoever provides the service it refuses
    assert _code(registry.update_provider, "ZHM", doc_types=["refusal"], actor="a") is ErrorCode.INVALID_INPUT
    assert _issue(registry, doc_type="refusal", data={"service": "tv_radio_licence"}).number.startswith("REF-ZHM")
    assert _code(_issue, registry, doc_type="refusal", data={"service": "periodicals_registration"}) is \
        ErrorCode.SERVICE_NOT_PROVIDED
    assert _code(_issue, registry, doc_type="refusal", data={}) is ErrorCode.INVALID_INPUT
    assert registry.verify_journal().ok


def test_provider_and_signer_records_change_with_a_journal_entry(registry):
    provider = registry.update_provider("ZHM", name_kk="Жаңа атауы", place_kk="Шу қ.", place_ru="г. Шу", actor="a")
    assert (provider.name_kk, provider.name_ru, provider.place_kk, provider.bin) == (
        "Жаңа атауы", "Акимат Жамбылской области", "Шу қ.", "000740001307")
    signer = registry.update_signer(CERT_SHA, position_kk="басшы", position_ru="руководитель", head=True, actor="a")
    assert (signer.position_kk, signer.position_ru, signer.head) == ("басшы", "руководитель", True)
    assert _code(registry.update_provider, "ZHM", actor="a") is ErrorCode.INVALID_INPUT
    assert registry.verify_journal().ok


def test_an_external_number_is_used_once(registry):
    first = _issue(registry, number="KZ34VEG00012345")
    assert first.number == "KZ34VEG00012345"
    assert _code(_issue, registry, number="KZ34VEG00012345") is ErrorCode.NUMBER_TAKEN
    assert _code(_issue, registry, number="KZ34VEG00012345", doc_type="tv_radio_licence") is ErrorCode.NUMBER_TAKEN
    assert _code(_issue, registry, number="lower case") is ErrorCode.INVALID_INPUT
    # a retry with the same idempotency key gets its document back, not NUMBER_TAKEN
    keyed = _issue(registry, number="KZ34VEG00012346", idempotency_key="k-1")
    assert _issue(registry, number="KZ34VEG00012346", idempotency_key="k-1").number == keyed.number
    assert _issue(registry).number.endswith("-000001")  # the registry's own series is untouched
    assert registry.verify_journal().ok


def test_an_abandoned_reservation_s_link_does_not_open_the_document_later_issued_under_its_number(registry):
    """An external number reserved for two-step signing and abandoned may be issued later (the state system
    assigned it to the licence), but the secret the abandoned prepared files printed is dropped with them: the
    new document answers only to its own link (found by an adversarial review: it inherited the old secret, or
    was refused as CONFLICT when it brought its own)."""
    from eds.issuing.registry.records import PreparedFiles

    number = "KZ34VEG00012399"
    for own_token in (None, "the-new-document-s-own-secret"):
        pending = registry.reserve(
            doc_type="scrap_metal_licence", provider_id="ZHM", holder_name="ТОО «Металл»", holder_id=HOLDER,
            data={"activity": "scrap"}, signer_cert_sha256=CERT_SHA, actor="official",
            valid_for=dt.timedelta(hours=1), number=number if own_token is None else number[:-1] + "8",
            prepare=lambda draft: PreparedFiles(pdf=b"%PDF-1.7 prepared", xml=b"<x/>", digest=b"d" * 32,
                                                digest_algorithm="sha256", access_token="the-abandoned-record-secret"))
        assert registry.access_token(pending.number) == "the-abandoned-record-secret"
        registry.abandon(pending.id, actor="official", reason="the token was lost")
        assert registry.access_token(pending.number) is None
        render = _render if own_token is None else (
            lambda draft: SignedFiles(CERT_SHA, dt.datetime.now(UTC), pdf=b"%PDF-1.7 new", access_token=own_token))
        document = _issue(registry, number=pending.number, render=render)
        assert document.number == pending.number and registry.access_token(document.number) == own_token
    assert registry.verify_journal().ok


def test_a_database_of_the_earlier_schema_is_upgraded_on_open(tmp_path):
    """A registry made before providers had places and services and signers had kk/ru positions: opening it
    adds the columns, fills them from what it had, journals each row changed, and the journal still verifies."""
    db = tmp_path / "old.sqlite"
    registry = Registry.open(f"sqlite:///{db}")
    _setup(registry)
    number = _issue(registry).number
    registry.close()
    # turn the tables back into the earlier layout, as that version wrote them
    connection = sqlite3.connect(db)
    for statement in ("ALTER TABLE providers DROP COLUMN place_kk", "ALTER TABLE providers DROP COLUMN place_ru",
                      "ALTER TABLE providers DROP COLUMN doc_types",
                      "ALTER TABLE signers ADD COLUMN position TEXT NOT NULL DEFAULT ''",
                      "UPDATE signers SET position = 'Басшы / Руководитель', "
                      "doc_types = '[\"refusal\", \"scrap_metal_licence\"]'",
                      "ALTER TABLE signers DROP COLUMN position_kk", "ALTER TABLE signers DROP COLUMN position_ru",
                      "ALTER TABLE signers DROP COLUMN head"):
        connection.execute(statement)
    connection.commit()
    connection.close()
    upgraded = Registry.open(f"sqlite:///{db}")
    provider = upgraded.provider("ZHM")
    assert (provider.place_kk, provider.doc_types) == (None, ("scrap_metal_licence",))
    signer = upgraded.signers("ZHM")[0]
    assert (signer.position_kk, signer.position_ru, signer.head, signer.doc_types) == (
        "Басшы", "Руководитель", False, ("scrap_metal_licence",))
    assert upgraded.document(number).number == number
    report = upgraded.verify_journal()
    assert report.ok, report
    upgraded.close()
    assert Registry.open(f"sqlite:///{db}").verify_journal().entries_checked == report.entries_checked  # once
