"""Signed checkpoints of the audit journal (issue 15 item 11): each attack the hash chain alone cannot see -- a cut
tail, a rolled-back head, a full rewrite with recomputed hashes, number series that disagree with the documents
-- is shown to pass ``verify_journal`` and then to be found from the checkpoints; a checkpoint whose signature,
signer or timestamp is broken is refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from eds.issuing import checkpoints
from eds.issuing.registry import Draft, Registry, SignedFiles
from eds.issuing.registry.journal import canonical_json, entry_hash, sha256_hex
from eds.pki.keys import SigningKey
from eds.signatures import cms, tsp
from eds.validation.signer_check import SignerChecker
from test_pki.model import PASSWORD

UTC = dt.UTC
CERT = b"0\x82 the provider head's certificate"
CERT_SHA = hashlib.sha256(CERT).hexdigest()


def _render(draft: Draft) -> SignedFiles:
    return SignedFiles(CERT_SHA, dt.datetime.now(UTC), pdf=b"%PDF-1.7 " + draft.number.encode(),
                       xml=f"<doc number='{draft.number}'/>".encode())


def _key(pki_dir: Path, manifest: dict, name: str) -> SigningKey:
    return SigningKey.from_pkcs12((pki_dir / manifest["identities"][name]["pkcs12"]).read_bytes(), PASSWORD,
                                  key_id=name)


@pytest.fixture(scope="module")
def journal_key(pki_dir, manifest) -> SigningKey:
    return _key(pki_dir, manifest, "service_journal")


@pytest.fixture(scope="module")
def stamp(profile, pki_server):
    return tsp.signature_timestamper(profile.tsa_url)


@pytest.fixture(scope="module")
def tsa_check(profile, pki_server):
    return checkpoints.trusted_tsa(SignerChecker(profile))


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "registry.sqlite"


def _open(url: str) -> Registry:
    registry = Registry.open(url)
    registry.add_provider("ZHM", name_kk="Жамбыл облысы әкімдігі", name_ru="Акимат Жамбылской области",
                          bin="000740001307", actor="admin",
                          **_taken(registry.add_provider, place_kk="Тараз қ.", place_ru="г. Тараз",
                                   doc_types=["scrap_metal_licence"]))
    now = dt.datetime.now(UTC)
    registry.add_signer("ZHM", cert_der=CERT, iin="800101300123", name="Асанов Асан",
                        doc_types=["scrap_metal_licence"], valid_from=now - dt.timedelta(days=1),
                        valid_to=now + dt.timedelta(days=365), actor="admin",
                        **_taken(registry.add_signer, position="аким", position_kk="әкім", position_ru="аким"))
    return registry


def _taken(method, **arguments) -> dict:
    """The registration details the registry takes: the provider's place and services and the signer's
    positions in both languages are being added to it (issue 15 items 1-6); the journal does not care which."""
    import inspect

    accepted = inspect.signature(method).parameters
    return {name: value for name, value in arguments.items() if name in accepted}


@pytest.fixture
def registry(db_path):
    opened = _open(f"sqlite:///{db_path}")
    yield opened
    opened.close()


def _issue(registry: Registry) -> str:
    return registry.issue(doc_type="scrap_metal_licence", provider_id="ZHM", holder_name="ТОО «Металл»",
                          holder_id="123456789012", data={"address": "Тараз"}, actor="portal",
                          render_and_sign=_render).number


def _sql(db_path: Path, statement: str, *args) -> list[tuple]:
    """Raw SQL beside the registry, as someone with write access to the database file would run it."""
    connection = sqlite3.connect(db_path)
    try:
        rows = connection.execute(statement, args).fetchall()
        connection.commit()
        return rows
    finally:
        connection.close()


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path / "checkpoints"


@pytest.fixture
def checkpointer(registry, journal_key, folder, stamp):
    return checkpoints.Checkpointer(registry, journal_key, folder, timestamp=stamp)


def _verify(registry, folder, journal_key, tsa_check) -> checkpoints.CheckpointReport:
    return checkpoints.verify(registry, folder, signers=frozenset({journal_key.certificate.sha256}),
                              tsa_check=tsa_check)


def test_a_checkpoint_signs_the_head_and_the_series(registry, checkpointer, journal_key, tsa_check):
    numbers = [_issue(registry) for _ in range(3)]
    registry.suspend(numbers[0], actor="inspector", reason="проверка")
    path = checkpointer.write_verified()
    seq, head_hash = registry.journal_head()
    assert path.name == f"journal-{seq:012d}.cms"
    checkpoint = checkpoints.read(path, signers=frozenset({journal_key.certificate.sha256}), tsa_check=tsa_check)
    assert isinstance(checkpoint, checkpoints.Checkpoint), checkpoint
    assert (checkpoint.seq, checkpoint.hash, checkpoint.series) == (seq, head_hash, {numbers[0].rsplit("-", 1)[0]: 3})
    assert abs(checkpoint.gen_time - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)
    # the signed content is the canonical JSON, readable by anyone with openssl
    signed = cms.verify_cms(path.read_bytes()).content
    assert json.loads(signed)["format"] == checkpoints.FORMAT and canonical_json(json.loads(signed)).encode() == signed
    opened = subprocess.run(["openssl", "cms", "-verify", "-noverify", "-inform", "DER", "-in", str(path)],
                            capture_output=True, check=False, timeout=30)
    assert opened.returncode == 0 and opened.stdout == signed, opened.stderr
    assert checkpointer.write() == path  # the first checkpoint of an entry stands


def test_an_intact_journal_verifies_against_its_checkpoints(registry, checkpointer, folder, journal_key, tsa_check):
    _issue(registry)
    checkpointer.write()
    _issue(registry)
    checkpointer.write()
    _issue(registry)
    report = _verify(registry, folder, journal_key, tsa_check)
    assert report.ok, report
    assert (report.checkpoints_checked, report.entries_checked) == (2, registry.journal_head()[0])
    assert report.latest.seq == registry.journal_head()[0] - 1


def _cut_last_issue(db_path: Path) -> None:
    """Delete the last issued document and every trace of it, set the head and the series back: the chain
    that is left is consistent."""
    seq, number = _sql(db_path, "SELECT seq, document_number FROM journal ORDER BY seq DESC LIMIT 1")[0]
    document_id = _sql(db_path, "SELECT id FROM documents WHERE number = ?", number)[0][0]
    for (table,) in _sql(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = {row[1] for row in _sql(db_path, f"PRAGMA table_info({table})")}
        if "document_id" in columns:  # files, events
            _sql(db_path, f"DELETE FROM {table} WHERE document_id = ?", document_id)
        elif "number" in columns and table not in ("documents", "pending_documents"):  # the access token
            _sql(db_path, f"DELETE FROM {table} WHERE number = ?", number)
    _sql(db_path, "DELETE FROM documents WHERE id = ?", document_id)
    _sql(db_path, "DELETE FROM journal WHERE seq = ?", seq)
    previous = _sql(db_path, "SELECT hash FROM journal WHERE seq = ?", seq - 1)[0][0]
    _sql(db_path, "UPDATE journal_head SET seq = ?, hash = ?", seq - 1, previous)
    _sql(db_path, "UPDATE number_series SET last_value = last_value - 1 WHERE prefix = ?", number.rsplit("-", 1)[0])


def test_a_cut_tail_is_found(registry, checkpointer, folder, db_path, journal_key, tsa_check):
    _issue(registry)
    _issue(registry)
    checkpointer.write()
    _cut_last_issue(db_path)
    assert registry.verify_journal().ok  # the chain alone cannot tell
    report = _verify(registry, folder, journal_key, tsa_check)
    assert (report.ok, report.reason) == (False, "tail_missing"), report
    head = registry.journal_head()[0]
    assert report.first_broken_seq == head + 1 and f"ends at entry {head}" in report.detail


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database in WAL mode, as a backup would take it."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_a_rolled_back_head_is_found_and_so_is_writing_on_after_it(db_path, tmp_path, folder, journal_key, stamp,
                                                                     tsa_check):
    registry = _open(f"sqlite:///{db_path}")
    number = _issue(registry)
    backup = tmp_path / "backup.sqlite"
    _copy(db_path, backup)
    registry.suspend(number, actor="inspector", reason="проверка")
    registry.terminate(number, actor="inspector", reason="нарушение")
    checkpoints.Checkpointer(registry, journal_key, folder, timestamp=stamp).write()
    registry.close()
    _copy(backup, db_path)  # the database set back to before the licence was terminated

    registry = Registry.open(f"sqlite:///{db_path}")
    try:
        assert registry.verify_journal().ok and str(registry.document(number).status) == "valid"
        report = _verify(registry, folder, journal_key, tsa_check)
        assert (report.ok, report.reason) == (False, "tail_missing"), report
        for _ in range(3):  # and written on, past the certified entry
            _issue(registry)
        assert registry.verify_journal().ok
        report = _verify(registry, folder, journal_key, tsa_check)
        assert (report.ok, report.reason) == (False, "rewritten"), report
        assert report.first_broken_seq == 1 and "rewritten at or before it" in report.detail
    finally:
        registry.close()


def _rewrite(db_path: Path, seq: int, change) -> None:
    """Change entry ``seq``'s payload with ``change`` and recompute every digest and hash from there on, and
    the head: a full rewrite that the chain itself cannot see."""
    rows = _sql(db_path, "SELECT seq, at, actor, action, document_number, payload FROM journal ORDER BY seq")
    previous = _sql(db_path, "SELECT hash FROM journal WHERE seq = ?", seq - 1)[0][0] if seq > 1 else "0" * 64
    for row_seq, at, actor, action, number, payload in rows:
        if row_seq < seq:
            continue
        if row_seq == seq:
            payload = canonical_json(change(json.loads(payload)))
        digest = sha256_hex(payload)
        new = entry_hash(seq=row_seq, at=at, actor=actor, action=action, document_number=number,
                         payload_digest=digest, prev_hash=previous)
        _sql(db_path, "UPDATE journal SET payload = ?, payload_digest = ?, prev_hash = ?, hash = ? WHERE seq = ?",
             payload, digest, previous, new, row_seq)
        previous = new
    _sql(db_path, "UPDATE journal_head SET hash = ?", previous)


def test_a_full_rewrite_with_recomputed_hashes_is_found(registry, checkpointer, folder, db_path, journal_key,
                                                          tsa_check):
    number = _issue(registry)
    checkpointer.write()
    _issue(registry)
    checkpointer.write()
    seq = _sql(db_path, "SELECT seq FROM journal WHERE document_number = ? AND action = 'issued'", number)[0][0]

    def renamed(payload: dict) -> dict:
        payload["document"]["holder_name"] = "ТОО «Подмена»"
        return payload

    _rewrite(db_path, seq, renamed)
    _sql(db_path, "UPDATE documents SET holder_name = 'ТОО «Подмена»' WHERE number = ?", number)
    assert registry.verify_journal().ok  # every hash recomputed: consistent again
    report = _verify(registry, folder, journal_key, tsa_check)
    assert (report.ok, report.reason) == (False, "rewritten"), report
    assert report.first_broken_seq == 1  # the first checkpoint already disagrees


def test_series_that_disagree_with_the_documents_are_found(registry, checkpointer, folder, db_path, journal_key,
                                                             tsa_check):
    number = _issue(registry)
    _issue(registry)
    prefix = number.rsplit("-", 1)[0]
    folder.mkdir()
    assert _verify(registry, folder, journal_key, tsa_check).ok  # no checkpoint yet: the series are still checked
    _sql(db_path, "UPDATE number_series SET last_value = 5 WHERE prefix = ?", prefix)
    assert registry.verify_journal().ok
    report = _verify(registry, folder, journal_key, tsa_check)
    assert (report.ok, report.reason) == (False, "series_mismatch") and "no journal entry gave number 3" in report.detail
    _sql(db_path, "UPDATE number_series SET last_value = 1 WHERE prefix = ?", prefix)
    report = _verify(registry, folder, journal_key, tsa_check)
    assert (report.ok, report.reason) == (False, "series_mismatch") and "gave number 2" in report.detail
    _sql(db_path, "UPDATE number_series SET last_value = 2 WHERE prefix = ?", prefix)
    checkpointer.write()
    _sql(db_path, "UPDATE number_series SET last_value = 1 WHERE prefix = ?", prefix)
    report = _verify(registry, folder, journal_key, tsa_check)
    assert (report.ok, report.reason) == (False, "series_rolled_back") and "below 2" in report.detail


def _refused(folder: Path, journal_key, tsa_check, data: bytes, name: str = "journal-000000000002.cms"):
    path = folder / name
    folder.mkdir(exist_ok=True)
    path.write_bytes(data)
    return checkpoints.read(path, signers=frozenset({journal_key.certificate.sha256}), tsa_check=tsa_check)


def _content(registry: Registry) -> bytes:
    return checkpoints.content(registry.journal_position(), dt.datetime.now(UTC))


def test_a_checkpoint_with_a_broken_signature_is_refused(registry, checkpointer, folder, journal_key, tsa_check):
    good = checkpointer.write().read_bytes()
    at = good.index(b'"hash":"') + 8
    forged = good[:at] + (b"0" if good[at:at + 1] != b"0" else b"1") + good[at + 1:]
    refused = _refused(folder, journal_key, tsa_check, forged, checkpoints.file_name(registry.journal_head()[0]))
    assert isinstance(refused, checkpoints.Refused) and refused.code == "DIGEST_MISMATCH"


def test_a_checkpoint_by_another_key_is_refused(registry, folder, journal_key, tsa_check, stamp, pki_dir, manifest):
    other = _key(pki_dir, manifest, "official_region")
    forged = cms.sign_cms(_content(registry), other.private_key, other.certificate.der, timestamp=stamp)
    refused = _refused(folder, journal_key, tsa_check, forged)
    assert refused.code == "SIGNER_NOT_TRUSTED"


def test_a_checkpoint_whose_timestamp_is_broken_or_missing_is_refused(registry, folder, journal_key, tsa_check,
                                                                        profile, pki_server, checkpointer):
    def stamps_something_else(signature: bytes) -> bytes:
        return tsp.request_timestamp(profile.tsa_url, hashlib.sha256(b"another signature").digest())

    forged = cms.sign_cms(_content(registry), journal_key.private_key, journal_key.certificate.der,
                          timestamp=stamps_something_else)
    assert _refused(folder, journal_key, tsa_check, forged).code == "TIMESTAMP_INVALID"
    unstamped = cms.sign_cms(_content(registry), journal_key.private_key, journal_key.certificate.der)
    assert _refused(folder, journal_key, tsa_check, unstamped).code == "TIMESTAMP_MISSING"
    _issue(registry)
    good = checkpointer.write()
    refused = checkpoints.read(good, signers=frozenset({journal_key.certificate.sha256}),
                               tsa_check=lambda info: "not a TSA of this profile")
    assert (refused.code, refused.message) == ("TSA_NOT_TRUSTED", "not a TSA of this profile")


def test_a_refused_checkpoint_fails_the_verification(registry, folder, journal_key, tsa_check, stamp, pki_dir,
                                                       manifest):
    other = _key(pki_dir, manifest, "official_region")
    position = registry.journal_position()
    (folder / checkpoints.file_name(position.seq)).parent.mkdir(exist_ok=True)
    (folder / checkpoints.file_name(position.seq)).write_bytes(
        cms.sign_cms(_content(registry), other.private_key, other.certificate.der, timestamp=stamp))
    report = _verify(registry, folder, journal_key, tsa_check)
    assert (report.ok, report.reason) == (False, "checkpoint_invalid") and "SIGNER_NOT_TRUSTED" in report.detail
    assert [r.code for r in report.refused] == ["SIGNER_NOT_TRUSTED"]


def test_checkpoints_are_written_every_n_entries(registry, journal_key, folder, stamp, tsa_check):
    checkpoints.Checkpointer(registry, journal_key, folder, timestamp=stamp, every=3).watch()
    start = registry.journal_head()[0]  # 2: the provider and its signer, before the watch
    for _ in range(5):
        _issue(registry)
    written = sorted(int(p.name[8:20]) for p in folder.glob("journal-*.cms"))
    assert written == [seq for seq in range(start + 1, start + 6) if seq % 3 == 0]
    assert _verify(registry, folder, journal_key, tsa_check).ok


def test_no_checkpoint_of_a_broken_journal(registry, checkpointer, db_path, folder):
    _issue(registry)
    _sql(db_path, "UPDATE journal SET actor = 'someone else' WHERE seq = 3")
    with pytest.raises(checkpoints.CheckpointError) as caught:
        checkpointer.write_verified()
    assert caught.value.code == "CHECKPOINT_JOURNAL_BROKEN" and not folder.exists()


def test_a_failing_tsa_never_fails_the_write(registry, journal_key, folder):
    def down(signature: bytes) -> bytes:
        raise tsp.TimestampError("TSA_UNAVAILABLE", "no token")

    checkpoints.Checkpointer(registry, journal_key, folder, timestamp=down, every=1).watch()
    assert _issue(registry) and not folder.exists()


def test_every_from_the_environment():
    assert checkpoints.every_from(None) == checkpoints.DEFAULT_EVERY and checkpoints.every_from("0") == 0
    with pytest.raises(checkpoints.CheckpointError) as caught:
        checkpoints.every_from("ten")
    assert caught.value.code == "CHECKPOINT_SETTING_INVALID"


# The same attacks on PostgreSQL (a throwaway cluster from scripts/postgres, as tests/test_registry_postgres.py).

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres"


@pytest.fixture(scope="module")
def postgres_url():
    import uuid

    directory = f"/tmp/eds-pg-checkpoints-{uuid.uuid4().hex[:8]}"
    started = subprocess.run([str(SCRIPT), "start", "--dir", directory], capture_output=True, text=True,
                             timeout=900, check=False)
    if started.returncode != 0:
        pytest.fail(f"scripts/postgres start failed:\n{started.stderr}", pytrace=False)
    yield started.stdout.strip()
    subprocess.run([str(SCRIPT), "destroy", "--dir", directory], capture_output=True, timeout=120, check=False)


def _postgres(url: str):
    """A raw connection beside the registry, as someone with the database's password would open one."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
                           dbname=parsed.database, autocommit=True)


@pytest.fixture
def postgres_registry(postgres_url):
    import uuid

    from sqlalchemy.engine import make_url

    name = f"c_{uuid.uuid4().hex[:12]}"
    with _postgres(postgres_url) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    registry = _open(url)
    yield registry, url
    registry.close()


def test_on_postgres_a_cut_tail_and_a_full_rewrite_are_found(postgres_registry, folder, journal_key, stamp,
                                                              tsa_check):
    registry, url = postgres_registry
    checkpointer = checkpoints.Checkpointer(registry, journal_key, folder, timestamp=stamp)
    number = _issue(registry)
    checkpointer.write()
    registry.add_provider("EXTRA", name_kk="Қосымша", name_ru="Дополнительный", bin="000740001307", actor="admin",
                          **_taken(registry.add_provider, place_kk="Тараз қ.", place_ru="г. Тараз",
                                   doc_types=["scrap_metal_licence"]))
    checkpointer.write()
    assert _verify(registry, folder, journal_key, tsa_check).ok

    with _postgres(url) as connection:  # the tail cut: the provider and its entry gone, the head set back
        seq = connection.execute("SELECT max(seq) FROM journal").fetchone()[0]
        connection.execute("DELETE FROM providers WHERE id = 'EXTRA'")
        connection.execute("DELETE FROM journal WHERE seq = %s", (seq,))
        connection.execute("UPDATE journal_head SET seq = %s, hash = (SELECT hash FROM journal WHERE seq = %s)",
                           (seq - 1, seq - 1))
    assert registry.verify_journal().ok
    report = _verify(registry, folder, journal_key, tsa_check)
    assert (report.ok, report.reason, report.first_broken_seq) == (False, "tail_missing", seq)

    with _postgres(url) as connection:  # and the holder renamed, every hash after it recomputed
        rows = connection.execute("SELECT seq, at, actor, action, document_number, payload FROM journal "
                                  "ORDER BY seq").fetchall()
        previous = "0" * 64
        for row_seq, at, actor, action, document_number, payload in rows:
            if document_number == number and action == "issued":
                changed = json.loads(payload)
                changed["document"]["holder_name"] = "ТОО «Подмена»"
                payload = canonical_json(changed)
            digest = sha256_hex(payload)
            previous_hash, previous = previous, entry_hash(seq=row_seq, at=at, actor=actor, action=action,
                                                           document_number=document_number, payload_digest=digest,
                                                           prev_hash=previous)
            connection.execute("UPDATE journal SET payload = %s, payload_digest = %s, prev_hash = %s, hash = %s "
                               "WHERE seq = %s", (payload, digest, previous_hash, previous, row_seq))
        connection.execute("UPDATE journal_head SET hash = %s", (previous,))
        connection.execute("UPDATE documents SET holder_name = 'ТОО «Подмена»' WHERE number = %s", (number,))
    assert registry.verify_journal().ok
    report = _verify(registry, folder, journal_key, tsa_check)
    assert (report.ok, report.reason, report.first_broken_seq) == (False, "rewritten", 1)


# The command line: eds audit checkpoint and eds audit verify --checkpoints, with the service's configuration.


@pytest.fixture
def service_home(tmp_path, monkeypatch, pki_dir, manifest, pki_server):
    """EDS_HOME with keys.json naming the operator's key as ``journal`` (the default EDS_CHECKPOINT_KEY) and a
    registry in its default place."""
    home = tmp_path / "home"
    home.mkdir()
    keys = home / "keys.json"
    keys.write_text(json.dumps({checkpoints.DEFAULT_KEY: {
        "pkcs12": str(pki_dir / manifest["identities"]["service_journal"]["pkcs12"]),
        "password_env": "EDS_TEST_JOURNAL_PASSWORD"}}), encoding="utf-8")
    keys.chmod(0o600)
    for name, value in {"EDS_HOME": str(home), "EDS_TRUST": str(pki_dir), "EDS_TEST_JOURNAL_PASSWORD": PASSWORD,
                        "EDS_CHECKPOINT_EVERY": "0"}.items():
        monkeypatch.setenv(name, value)
    for name in ("EDS_KEYS", "EDS_DATABASE_URL", "EDS_CHECKPOINT_DIR", "EDS_CHECKPOINT_KEY", "EDS_TSA_URL"):
        monkeypatch.delenv(name, raising=False)
    registry = _open(f"sqlite:///{home / 'registry.db'}")
    _issue(registry)
    _issue(registry)
    registry.close()
    return home


def test_the_commands_find_a_cut_tail(service_home, capsys):
    from eds import cli

    assert cli.main(["audit", "checkpoint"]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written.parent == service_home / "checkpoints" and written.name == "journal-000000000004.cms"
    assert cli.main(["audit", "verify", "--checkpoints", str(written.parent)]) == 0
    out = capsys.readouterr().out
    assert "journal intact: 4 entries checked against 1 checkpoints" in out and "0 entries since" in out

    _cut_last_issue(service_home / "registry.db")
    assert cli.main(["audit", "verify"]) == 0  # the chain alone cannot tell
    capsys.readouterr()
    assert cli.main(["audit", "verify", "--checkpoints", str(written.parent)]) == 1
    assert capsys.readouterr().out.startswith("journal BROKEN at entry 4: tail_missing (the journal ends at entry 3")


def test_the_commands_refuse_in_one_line(service_home, capsys, monkeypatch, tmp_path):
    from eds import cli

    assert cli.main(["audit", "verify", "--checkpoints", str(tmp_path / "nowhere")]) == 2
    assert "CHECKPOINT_DIR_UNREADABLE" in capsys.readouterr().err
    monkeypatch.setenv("EDS_CHECKPOINT_KEY", "nobody")
    assert cli.main(["audit", "checkpoint"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("eds: error: CHECKPOINT_KEY_MISSING") and err.count("\n") == 1
    monkeypatch.setenv("EDS_CHECKPOINT_EVERY", "often")
    assert cli.main(["audit", "checkpoint"]) == 2
    assert "CHECKPOINT_SETTING_INVALID" in capsys.readouterr().err


def test_the_service_writes_a_checkpoint_every_n_entries(service_home, monkeypatch):
    from eds.service import Settings

    monkeypatch.setenv("EDS_CHECKPOINT_EVERY", "5")
    registry = Settings.from_env({}).services().registry  # entries 1-4 are there; the 5th is the first watched
    _issue(registry)
    registry.close()
    assert [p.name for p in (service_home / "checkpoints").iterdir()] == ["journal-000000000005.cms"]


def test_without_the_key_the_service_warns_and_issues(service_home, monkeypatch, caplog):
    import logging

    from eds.service import Settings

    monkeypatch.setenv("EDS_CHECKPOINT_EVERY", "5")
    monkeypatch.setenv("EDS_CHECKPOINT_KEY", "nobody")
    registry = Settings.from_env({}).services().registry
    with caplog.at_level(logging.WARNING, logger="eds.issuing.checkpoints"):
        assert _issue(registry)
    registry.close()
    assert "journal checkpoint after entry 5 not written" in caplog.text and "nobody" in caplog.text
    assert not (service_home / "checkpoints").exists()
