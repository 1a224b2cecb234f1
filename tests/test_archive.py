"""PAdES B-LTA and archive maintenance: the proof that an issued licence stays verifiable after its TSA expires.

A PKI of its own: the test PKI with a short-lived TSA under a short-lived CA (``tsa_short``: a year, its CA two)
and a long-lived one with an EC key (``tsa_long``: eight years under the EC CA). A licence is issued B-LT with the
short TSA; judged three years later (``eds verify --at``: no clock is moved) it is INDETERMINATE, its timestamp no
longer proof. ``eds registry maintain`` before the expiry adds a document timestamp of the long TSA; the maintained
file is TOTAL_PASSED offline three years later, pyHanko's LTA validator accepts it, and the registry keeps the
earlier version's digest in the file's history, recorded in the journal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import socket
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from eds.cli import main
from eds.issuing.documents.examples import EXAMPLES
from eds.pki import lifetimes
from eds.pki.certificates import Certificate
from eds.pki.revocation import Policy
from eds.pki.trust import load_profile
from eds.validation.report import Indication
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from test_pki import archive as pki_archive, demo, generator, services

NOW = dt.datetime.now(dt.timezone.utc)
YEARS_LATER = NOW + dt.timedelta(days=3 * 365)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The PKI with both TSAs, its services, and a service home with the demo providers and keys (B-LT issuing
    with the short TSA)."""
    root = tmp_path_factory.mktemp("archive")
    pki = root / "pki"
    base = f"http://127.0.0.1:{_free_port()}"
    generator.generate(pki, base_url=base)
    pki_archive.add_tsa(pki, "tsa_short", days=365, ca_days=730)
    pki_archive.add_tsa(pki, "tsa_long", days=8 * 365, issuer="ca_ec", key="ec")
    server = services.start(pki, port=int(base.rsplit(":", 1)[1]))
    home = root / "home"
    home.mkdir()
    env = {"EDS_HOME": str(home), "EDS_TRUST": str(pki), "EDS_TSA_URL": f"{base}/tsp/tsa_short/",
           "EDS_LONG_TERM": "1"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        from eds.service import Settings

        registry = Settings.from_env({}).services().registry
        demo.bootstrap(home, pki, registry)
        registry.close()
        yield {"pki": pki, "base": base, "home": home, "root": root, "patch": patch}
    server.shutdown()
    server.server_close()


def issue(world, capsys, doc_type: str = "scrap_metal_licence", **env) -> str:
    data = world["root"] / f"{doc_type}.json"
    data.write_text(json.dumps(EXAMPLES[doc_type], ensure_ascii=False), encoding="utf-8")
    provider, key = demo.issuer_of(doc_type)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assert main(["issue", doc_type, "--data", str(data), "--provider", provider, "--key", key]) == 0
    out = capsys.readouterr().out
    return out.split()[0]


def registered_pdf(world, capsys, number: str, name: str) -> Path:
    folder = world["root"] / name
    assert main(["registry", "show", number, "--out", str(folder)]) == 0
    capsys.readouterr()
    return next(folder.glob("*.pdf"))


def verify(world, capsys, path: Path, *extra: str) -> tuple[int, dict]:
    code = main(["verify", str(path), "--trust", str(world["pki"]), "--offline", "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def codes(report: dict) -> set[str]:
    return {r["code"] for r in report["reasons"]}


def test_a_b_lt_licence_expires_with_its_tsa_and_maintenance_keeps_it_valid(world, capsys):
    number = issue(world, capsys)
    lt = registered_pdf(world, capsys, number, "as-issued")
    later = ["--at", YEARS_LATER.isoformat()]

    # B-LT alone: valid now, INDETERMINATE once the short TSA has expired (its timestamp proves nothing more)
    assert verify(world, capsys, lt)[0] == 0
    code, report = verify(world, capsys, lt, *later)
    assert code == 3 and report["indication"] == "INDETERMINATE", report["reasons"]
    assert {"TIMESTAMP_EXPIRED", "OUT_OF_BOUNDS_NO_POE"} <= codes(report)

    # maintenance: not yet due a month ahead; due within 400 days (the short TSA lives 365)
    assert main(["registry", "maintain", "--before", "30", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(o["number"], o["action"]) for o in lines] == [(number, "not_due")]
    assert main(["registry", "maintain", "--before", "400", "--tsa", f"{world['base']}/tsp/tsa_long/", "--json"]) == 0
    (outcome,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert outcome["action"] == "renewed" and outcome["number"] == number
    assert outcome["proofUntil"][:10] == outcome["proofUntil"][:10]
    assert dt.datetime.fromisoformat(outcome["renewedUntil"]) > YEARS_LATER
    assert outcome["sizeAfter"] > outcome["sizeBefore"]

    # run again: nothing is due any more
    assert main(["registry", "maintain", "--before", "400", "--tsa", f"{world['base']}/tsp/tsa_long/", "--json"]) == 0
    assert [json.loads(line)["action"] for line in capsys.readouterr().out.splitlines()] == ["not_due"]

    lta = registered_pdf(world, capsys, number, "maintained")
    assert lta.read_bytes().startswith(lt.read_bytes())  # an incremental update: every earlier byte kept
    code, report = verify(world, capsys, lta, *later)
    assert code == 0 and report["indication"] == "TOTAL_PASSED", report["reasons"]
    kinds = [s["kind"] for s in report["signatures"]]
    assert kinds == ["signature", "document-timestamp"]
    stamp = report["signatures"][1]
    assert "TSA TSA_LONG TEST" in stamp["signer"]["subject"]["commonName"]
    signature_timestamp = next(c for c in report["signatures"][0]["checks"] if c["name"] == "timestamp")
    assert signature_timestamp["details"]["protectedAt"] == stamp["signingTime"]

    # eight years on, the long TSA has expired too, and nobody renewed it
    code, report = verify(world, capsys, lta, "--at", (NOW + dt.timedelta(days=9 * 365)).isoformat())
    assert code == 3 and "TIMESTAMP_EXPIRED" in codes(report)

    # the registry: the file's history, the journal, and the earlier version still the registered file
    assert main(["registry", "show", number]) == 0
    shown = capsys.readouterr().out
    assert "file_renewed" in shown and hashlib.sha256(lt.read_bytes()).hexdigest()[:16] in shown
    assert main(["audit", "verify"]) == 0
    capsys.readouterr()
    from eds.service import Settings, registered_file

    registry = Settings.from_env({}).services().registry
    try:
        document = registry.document(number)
        assert registered_file(lt.read_bytes(), document) and registered_file(lta.read_bytes(), document)
        (renewal,) = registry.file_renewals(number)
        assert renewal.version == 1 and renewal.previous.sha256 == hashlib.sha256(lt.read_bytes()).hexdigest()
        assert renewal.current.sha256 == hashlib.sha256(lta.read_bytes()).hexdigest()
    finally:
        registry.close()


def test_pyhanko_validates_the_maintained_licence_as_lta(world, capsys):
    """pyHanko, offline with the DSS alone and hard-fail revocation, as its LTV validation always went: the document
    timestamp trusted now, then the signature (and its own timestamp) at the document timestamp's moment."""
    from asn1crypto import x509 as ax509
    from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    number = issue(world, capsys)
    assert main(["registry", "maintain", "--number", number, "--before", "400",
                 "--tsa", f"{world['base']}/tsp/tsa_long/"]) == 0
    capsys.readouterr()
    reader = PdfFileReader(io.BytesIO(registered_pdf(world, capsys, number, f"pyhanko-{number}").read_bytes()))
    roots = [ax509.Certificate.load(Certificate.load(p.read_bytes()).der)
             for p in sorted((world["pki"] / "anchors").glob("*.pem"))]
    dss = DocumentSecurityStore.read_dss(reader)

    def context(moment):
        return dss.as_validation_context({"trust_roots": roots, "allow_fetching": False, "moment": moment,
                                          "retroactive_revinfo": True, "revocation_mode": "hard-fail"})

    signature, stamp = reader.embedded_signatures
    stamp_status = asyncio.run(async_validate_pdf_timestamp(stamp, validation_context=context(None)))
    assert stamp_status.valid and stamp_status.trusted, stamp_status.pretty_print_details()
    status = asyncio.run(async_validate_pdf_signature(signature, signer_validation_context=context(stamp_status.timestamp),
                                                      ts_validation_context=context(stamp_status.timestamp)))
    assert status.bottom_line, status.pretty_print_details()
    assert "EXTENDED_WITH_LTA_UPDATES" in status.summary() and "TIMESTAMP_TOKEN<INTACT:TRUSTED>" in status.summary()


def test_issuing_with_lta_adds_a_document_timestamp(world, capsys):
    number = issue(world, capsys, EDS_LONG_TERM="lta", EDS_ARCHIVE_TSA_URL=f"{world['base']}/tsp/tsa_long/")
    path = registered_pdf(world, capsys, number, f"lta-{number}")
    code, report = verify(world, capsys, path)
    assert code == 0, report["reasons"]
    assert [s["kind"] for s in report["signatures"]] == ["signature", "document-timestamp"]
    code, report = verify(world, capsys, path, "--at", YEARS_LATER.isoformat())
    assert code == 0, report["reasons"]  # issued B-LTA with the long TSA: no maintenance needed for years
    assert main(["registry", "maintain", "--number", number, "--before", "400", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["action"] == "not_due"


def test_a_tsa_key_that_ages_is_due_before_its_certificate_expires(world):
    """RSA 2048 is proof through 2030 (eds.pki.lifetimes): a TSA certificate valid past that is due earlier."""
    key = Certificate.load((world["pki"] / "users/tsa_short.pem").read_bytes())
    assert lifetimes.key_sunset(key) == lifetimes.RSA_2048_END
    ec_key = Certificate.load((world["pki"] / "users/tsa_long.pem").read_bytes())
    assert lifetimes.key_sunset(ec_key) == lifetimes.NO_END
    life = lifetimes.proof_life(ec_key, digest_oid="1.3.14.3.2.26")  # a SHA-1 imprint proves nothing now
    assert life.cause == "algorithm" and life.until < NOW


def test_the_verifier_judges_a_timestamp_only_while_it_is_proof(world, capsys):
    """The library view of the same: the B-LT report names the expired proof and when it ended."""
    number = issue(world, capsys)
    lt = registered_pdf(world, capsys, number, f"lib-{number}").read_bytes()
    verifier = DocumentVerifier(SignerChecker(load_profile(world["pki"]), policy=Policy.OFFLINE))
    report = verifier.verify(lt, at=YEARS_LATER)
    assert report.indication == Indication.INDETERMINATE
    line = next(c for c in report.signatures[0].checks if c.code == "TIMESTAMP_EXPIRED")
    short = Certificate.load((world["pki"] / "users/tsa_short.pem").read_bytes())
    assert line.details["proofUntil"] == short.not_after.isoformat() and line.details["cause"] == "certificate"
    assert verifier.verify(lt, at=NOW + dt.timedelta(days=300)).passed  # before the expiry it still is proof


# --- the registry's side: one transaction per document, the file's history in the journal ---------------------


@pytest.fixture
def registry(world):
    from eds.service import Settings

    services = Settings.from_env({}).services()
    yield services.registry, services
    services.registry.close()


def test_a_renewal_must_extend_the_file_it_replaces(world, capsys, registry):
    from eds.issuing.registry import RegistryError

    registry, _services = registry
    number = issue(world, capsys)
    pdf = registry.file(number, "pdf")
    digest = hashlib.sha256(pdf).hexdigest()
    for replaces, content in ((digest, pdf[:-10]), (digest, b"%PDF-1.7 another file" + pdf), ("0" * 64, pdf + b"\n"),
                              (digest, pdf)):
        with pytest.raises(RegistryError) as refused:
            registry.renew_file(number, "pdf", replaces=replaces, content=content, actor="test", reason="test")
        assert refused.value.code == "CONFLICT"
    assert registry.file(number, "pdf") == pdf and registry.file_renewals(number) == []
    assert registry.verify_journal().ok


def test_the_journal_shows_an_edited_or_deleted_file_version(world, capsys, tmp_path):
    """On a copy of the registry: the tampering stays there."""
    import sqlite3

    from sqlalchemy import delete, update

    from eds.issuing.registry import Registry
    from eds.issuing.registry.models import DocumentRow, FileRow, FileVersionRow

    number = issue(world, capsys)
    with sqlite3.connect(world["home"] / "registry.db") as source, sqlite3.connect(tmp_path / "copy.db") as copy:
        source.backup(copy)
    registry = Registry.open(f"sqlite:///{tmp_path / 'copy.db'}")
    pdf = registry.file(number, "pdf")
    renewal = registry.renew_file(number, "pdf", replaces=hashlib.sha256(pdf).hexdigest(), content=pdf + b"\n% more\n",
                                  actor="test", reason="test")
    assert registry.verify_journal().ok
    document_id = registry._db.write(lambda s: s.query(DocumentRow.id).filter_by(number=number).scalar())

    def tamper(statement):
        registry._db.write(lambda s: s.execute(statement))

    tamper(update(FileVersionRow).where(FileVersionRow.document_id == document_id).values(sha256="f" * 64))
    report = registry.verify_journal()
    assert not report.ok and report.reason == "record_edited" and report.first_broken_seq == renewal.journal_seq
    tamper(delete(FileVersionRow).where(FileVersionRow.document_id == document_id))
    report = registry.verify_journal()
    assert not report.ok and report.reason == "record_deleted"
    # a renewal whose earlier version is no longer the file's beginning: the file was swapped, digests and all
    other = b"%PDF-1.7 swapped" + pdf[16:] + b"\n% more\n"
    tamper(update(FileRow).where(FileRow.document_id == document_id, FileRow.kind == "pdf")
           .values(content=other, sha256=hashlib.sha256(other).hexdigest(), size=len(other)))
    assert not registry.verify_journal().ok
    registry.close()


def test_maintenance_stopped_halfway_leaves_each_document_whole_and_goes_on_later(world, capsys, registry,
                                                                                 monkeypatch):
    from eds.issuing import archive

    registry, services = registry
    first, second = issue(world, capsys), issue(world, capsys)
    before = {n: registry.file(n, "pdf") for n in (first, second)}
    maintainer = services.maintainer(f"{world['base']}/tsp/tsa_long/")
    real_renew, calls = archive.renew, []

    def renew_then_stop(pdf, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or the process killed, while the second is renewed
        return real_renew(pdf, *args, **kwargs)

    monkeypatch.setattr(archive, "renew", renew_then_stop)
    with pytest.raises(KeyboardInterrupt):
        maintainer.run(dt.timedelta(days=400), numbers=[first, second])
    assert registry.file(first, "pdf") != before[first] and registry.file(second, "pdf") == before[second]
    assert registry.file_renewals(second) == [] and registry.verify_journal().ok

    # the registry's transaction fails once the file is renewed: nothing of it is kept
    monkeypatch.setattr(archive, "renew", real_renew)
    from eds.issuing.registry import journal

    real_append = journal.append

    def failing_append(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(journal, "append", failing_append)
    with pytest.raises(RuntimeError):
        maintainer.one(second, dt.timedelta(days=400))
    monkeypatch.setattr(journal, "append", real_append)
    assert registry.file(second, "pdf") == before[second] and registry.file_renewals(second) == []

    outcomes = maintainer.run(dt.timedelta(days=400), numbers=[first, second])
    assert [(o.number, o.action) for o in outcomes] == [(first, "not_due"), (second, "renewed")]
    assert registry.file(second, "pdf").startswith(before[second]) and registry.verify_journal().ok


def test_a_document_renewed_meanwhile_is_skipped(world, capsys, registry):
    registry, services = registry
    number = issue(world, capsys)
    maintainer = services.maintainer(f"{world['base']}/tsp/tsa_long/")
    pdf = registry.file(number, "pdf")
    registry.renew_file(number, "pdf", replaces=hashlib.sha256(pdf).hexdigest(), content=pdf + b"\n% other run\n",
                        actor="test", reason="another run")
    original_file = registry.file
    registry.file = lambda n, kind: pdf  # this run read the file before the other run stored its renewal
    try:
        outcome = maintainer.one(number, dt.timedelta(days=400))
    finally:
        registry.file = original_file
    assert outcome.action == "skipped" and outcome.code == "CONFLICT"
    assert len(registry.file_renewals(number)) == 1


def test_settings_and_usage(world, capsys):
    from eds.service import SettingError, Settings

    assert Settings.from_env({"EDS_LONG_TERM": "lta"}).archive_timestamps
    assert not Settings.from_env({"EDS_LONG_TERM": "1"}).archive_timestamps
    assert not Settings.from_env({"EDS_LONG_TERM": "0"}).long_term
    with pytest.raises(SettingError) as refused:
        Settings.from_env({"EDS_LONG_TERM": "forever"})
    assert refused.value.details == {"variable": "EDS_LONG_TERM"}
    assert main(["registry", "maintain", "--before", "-1"]) == 2
    assert "--before" in capsys.readouterr().err


def test_a_tsa_whose_proof_would_be_due_again_at_once_is_not_used(world, capsys, registry):
    registry, _services = registry
    number = issue(world, capsys)
    pdf = registry.file(number, "pdf")
    code = main(["registry", "maintain", "--number", number, "--before", "400", "--tsa",
                 f"{world['base']}/tsp/tsa_short/", "--json"])
    outcome = json.loads(capsys.readouterr().out)
    assert code == 1 and outcome["action"] == "failed" and outcome["code"] == "ARCHIVE_TSA_TOO_SHORT"
    assert registry.file(number, "pdf") == pdf and registry.file_renewals(number) == []
