"""What the journal records about each row, and the check that the tables still say what the journal says.

Every write puts a snapshot of the rows it wrote into its journal entry's payload. Replaying the payloads
gives the providers, signers, documents (with their file digests), events, current statuses and pending
documents that must be in the tables; any row that differs, is missing or has no entry is reported, so editing
or deleting a row in any table shows even when the journal itself is untouched.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eds.issuing.registry.journal import JournalReport, sha256_hex, time_text
from eds.issuing.registry.lifecycle import EventKind, DocumentStatus, next_status
from eds.issuing.registry.models import (
    DocumentRow,
    EventRow,
    FileRow,
    FileVersionRow,
    JournalRow,
    PendingFileRow,
    PendingRow,
    ProviderRow,
    SignerRow,
)
from eds.issuing.registry.records import FileInfo


def provider_snapshot(row: ProviderRow) -> dict[str, Any]:
    return {"id": row.id, "name_kk": row.name_kk, "name_ru": row.name_ru, "bin": row.bin,
            "place_kk": row.place_kk, "place_ru": row.place_ru, "doc_types": sorted(row.doc_types)}


def signer_snapshot(row: SignerRow) -> dict[str, Any]:
    return {
        "cert_sha256": row.cert_sha256, "cert_der_sha256": sha256_hex(row.cert_der), "provider_id": row.provider_id,
        "iin": row.iin, "name": row.name, "position_kk": row.position_kk, "position_ru": row.position_ru,
        "head": row.head, "doc_types": sorted(row.doc_types),
        "valid_from": time_text(row.valid_from), "valid_to": time_text(row.valid_to), "active": row.active,
    }


def document_snapshot(row: DocumentRow, files: Iterable[FileRow | FileInfo]) -> dict[str, Any]:
    """The fields fixed at issue (status and superseded_by change, and are checked by replaying events)."""
    return {
        "number": row.number, "doc_type": row.doc_type, "provider_id": row.provider_id,
        "holder_name": row.holder_name, "holder_id": row.holder_id, "data": row.data,
        "issued_at": time_text(row.issued_at), "original_number": row.original_number,
        "supersedes": row.supersedes, "signer_cert_sha256": row.signer_cert_sha256,
        "signed_at": time_text(row.signed_at), "idempotency_key": row.idempotency_key,
        "request_digest": row.request_digest,
        "files": {f.kind: {"sha256": f.sha256, "size": f.size} for f in files},
    }


def pending_snapshot(row: PendingRow, files: Iterable[PendingFileRow | FileInfo]) -> dict[str, Any]:
    """Everything a pending document holds; it never changes until the record is dropped."""
    return {
        "id": row.id, "number": row.number, "doc_type": row.doc_type, "provider_id": row.provider_id,
        "holder_name": row.holder_name, "holder_id": row.holder_id, "data": row.data,
        "signer_cert_sha256": row.signer_cert_sha256, "digest_algorithm": row.digest_algorithm,
        "digest": row.digest, "prepared_by": row.prepared_by, "prepared_at": time_text(row.prepared_at),
        "expires_at": time_text(row.expires_at), "idempotency_key": row.idempotency_key,
        "request_digest": row.request_digest,
        "files": {f.kind: {"sha256": f.sha256, "size": f.size} for f in files},
    }


def event_snapshot(row: EventRow, number: str) -> dict[str, Any]:
    return {"kind": row.kind, "document_number": number, "actor": row.actor, "at": time_text(row.at),
            "reason": row.reason, "related_number": row.related_number}


class _Expected:
    """The state of every table as the journal tells it, replayed in seq order."""

    def __init__(self) -> None:
        self.providers: dict[str, tuple[int, dict[str, Any]]] = {}
        self.signers: dict[str, tuple[int, dict[str, Any]]] = {}
        self.documents: dict[str, tuple[int, dict[str, Any]]] = {}
        self.events: dict[int, dict[str, Any]] = {}
        self.status: dict[str, DocumentStatus] = {}
        self.superseded_by: dict[str, str] = {}
        self.duplicates: dict[str, list[str]] = defaultdict(list)
        self.pending: dict[str, tuple[int, dict[str, Any]]] = {}
        self.versions: dict[tuple[str, str, int], tuple[int, dict[str, Any]]] = {}  # earlier versions of files
        self.problem: tuple[int, str, str] | None = None

    def replay(self, row: JournalRow) -> None:
        payload = json.loads(row.payload)
        if "provider" in payload:
            self.providers[payload["provider"]["id"]] = (row.seq, payload["provider"])
        elif "signer" in payload:
            self.signers[payload["signer"]["cert_sha256"]] = (row.seq, payload["signer"])
        elif "pending" in payload:
            self.pending[payload["pending"]["id"]] = (row.seq, payload["pending"])
        elif "pending_dropped" in payload:
            dropped = payload["pending_dropped"]
            self._close_pending(row.seq, dropped["id"], dropped["number"])
        elif "file_renewed" in payload:
            self._renew(row.seq, payload["file_renewed"])
        else:
            self._replay_event(row.seq, payload)
            if "completes_pending" in payload:
                self._close_pending(row.seq, payload["completes_pending"], payload["event"]["document_number"])

    def _renew(self, seq: int, renewed: dict[str, Any]) -> None:
        """A file replaced by a longer version (archive maintenance): it must be the one the journal last gave."""
        number, kind = renewed["number"], renewed["kind"]
        issued = self.documents.get(number)
        files = issued[1]["files"] if issued else {}
        if files.get(kind) != renewed["previous"]:
            self.problem = self.problem or (seq, "invalid_history",
                                            f"entry {seq}: the {kind} file it renews is not {number}'s")
            return
        self.documents[number] = (issued[0], {**issued[1], "files": {**files, kind: renewed["file"]}})
        self.versions[(number, kind, renewed["version"])] = (seq, {**renewed["previous"], "journal_seq": seq})

    def _close_pending(self, seq: int, pending_id: str, number: str) -> None:
        """A pending document completed or dropped: it must have been reserved, under that number."""
        reserved = self.pending.pop(pending_id, None)
        if reserved is None or reserved[1]["number"] != number:
            self.problem = self.problem or (seq, "invalid_history",
                                            f"entry {seq}: {number} was never reserved as pending {pending_id}")

    def _replay_event(self, seq: int, payload: dict[str, Any]) -> None:
        event = payload["event"]
        self.events[seq] = event
        number, kind = event["document_number"], EventKind(event["kind"])
        if kind is not EventKind.ISSUED and number not in self.status:
            self.problem = self.problem or (seq, "invalid_history", f"entry {seq}: {number} was never issued")
            return
        if kind is EventKind.ISSUED:
            document = payload["document"]
            self.documents[number] = (seq, document)
            original = document["original_number"]
            if original and original not in self.status:
                self.problem = self.problem or (seq, "invalid_history", f"entry {seq}: {original} was never issued")
                return
            self.status[number] = self.status[original] if original else DocumentStatus.VALID
            if original:
                self.duplicates[original].append(number)
            return
        after = next_status(kind, self.status[number])
        if after is None:
            self.problem = self.problem or (seq, "invalid_history", f"entry {seq}: {number} cannot be {kind}")
            return
        for affected in (number, *self.duplicates[number]):
            self.status[affected] = after
        if kind is EventKind.REISSUED:
            self.superseded_by[number] = event["related_number"]


def _compare(problems: list[tuple[int, str, str]], what: str, expected: dict[Any, tuple[int, dict[str, Any]]],
             actual: dict[Any, dict[str, Any]]) -> None:
    for key, snapshot in actual.items():
        if key not in expected:
            problems.append((0, "record_unjournaled", f"{what} {key} has no journal entry"))
        elif expected[key][1] != snapshot:
            problems.append((expected[key][0], "record_edited", f"{what} {key} differs from its journal entry"))
    for key, (seq, _) in expected.items():
        if key not in actual:
            problems.append((seq, "record_deleted", f"{what} {key} is missing"))


def _compare_versions(session: Session, problems: list[tuple[int, str, str]], expected: _Expected,
                      numbers: dict[int, str]) -> None:
    """The earlier versions of renewed files as the journal recorded them, each still the first bytes of the
    file that replaced it (a renewal only appends revisions)."""
    actual = {}
    for version in session.scalars(select(FileVersionRow)):
        number = numbers.get(version.document_id, f"#{version.document_id}")
        actual[(number, version.kind, version.version)] = {"sha256": version.sha256, "size": version.size,
                                                           "journal_seq": version.journal_seq}
        head = session.scalar(select(func.substr(FileRow.content, 1, version.size))
                              .where(FileRow.document_id == version.document_id, FileRow.kind == version.kind))
        if head is None or sha256_hex(bytes(head)) != version.sha256:
            problems.append((version.journal_seq, "record_edited", f"the {version.kind} file of document {number} "
                             f"no longer begins with its version {version.version}"))
    _compare(problems, "file version", expected.versions, actual)


def verify_records(session: Session, rows: Sequence[JournalRow]) -> JournalReport | None:
    """The first row that disagrees with an intact journal (lowest seq first), or None when all agree."""
    expected = _Expected()
    for row in rows:
        expected.replay(row)
    problems: list[tuple[int, str, str]] = [expected.problem] if expected.problem else []

    providers = {r.id: provider_snapshot(r) for r in session.scalars(select(ProviderRow))}
    _compare(problems, "provider", expected.providers, providers)
    signers = {r.cert_sha256: signer_snapshot(r) for r in session.scalars(select(SignerRow))}
    _compare(problems, "signer", expected.signers, signers)

    files: dict[int, list[FileInfo]] = defaultdict(list)
    changed_files: list[tuple[int, str]] = []
    columns = select(FileRow.document_id, FileRow.kind, FileRow.sha256, FileRow.size, FileRow.content)
    for document_id, kind, sha256, size, content in session.execute(columns.execution_options(yield_per=50)):
        files[document_id].append(FileInfo(kind, sha256, size))
        if sha256_hex(content) != sha256 or len(content) != size:
            changed_files.append((document_id, kind))
    documents = list(session.scalars(select(DocumentRow)))
    numbers = {d.id: d.number for d in documents}
    for document_id, kind in changed_files:
        number = numbers.get(document_id, f"#{document_id}")
        problems.append((expected.documents.get(number, (0,))[0], "record_edited",
                         f"the {kind} file of document {number} was changed"))
    _compare(problems, "document", expected.documents,
             {d.number: document_snapshot(d, files.pop(d.id, [])) for d in documents})
    _compare_versions(session, problems, expected, numbers)
    problems.extend((0, "record_unjournaled", f"files of a missing document #{i}") for i in files)
    for document in documents:
        seq = expected.documents.get(document.number, (0, None))[0]
        if document.number in expected.status and (
                document.status != expected.status[document.number]
                or document.superseded_by != expected.superseded_by.get(document.number)):
            problems.append((seq, "record_edited", f"document {document.number}: status differs from its events"))

    pending_files: dict[str, list[FileInfo]] = defaultdict(list)
    columns = select(PendingFileRow.pending_id, PendingFileRow.kind, PendingFileRow.sha256, PendingFileRow.size,
                     PendingFileRow.content)
    for pending_id, kind, sha256, size, content in session.execute(columns.execution_options(yield_per=50)):
        pending_files[pending_id].append(FileInfo(kind, sha256, size))
        if sha256_hex(content) != sha256 or len(content) != size:
            problems.append((expected.pending.get(pending_id, (0,))[0], "record_edited",
                             f"the {kind} file of pending document {pending_id} was changed"))
    pending = list(session.scalars(select(PendingRow)))
    _compare(problems, "pending document", expected.pending,
             {p.id: pending_snapshot(p, pending_files.pop(p.id, [])) for p in pending})
    problems.extend((0, "record_unjournaled", f"files of a missing pending document {i}") for i in pending_files)

    _compare(problems, "the event of journal entry", {seq: (seq, e) for seq, e in expected.events.items()},
             {e.journal_seq: event_snapshot(e, numbers.get(e.document_id, "?"))
              for e in session.scalars(select(EventRow))})

    if not problems:
        return None
    seq, reason, detail = min(problems, key=lambda p: (p[0] == 0, p[0]))
    return JournalReport(False, len(rows), seq or None, reason, detail)
