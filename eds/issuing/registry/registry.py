"""The registry of issued documents: providers and signers, atomic issuing, life events, the audit journal.

Every write is one transaction that ends by appending its journal entry: a document, its files, its event and
its entry are committed together or not at all. Issuing takes the number, calls the caller's renderer with
it and stores the result in that same transaction, so a renderer that raises, or a process that dies, leaves
no number, document, event or entry behind.

Two-step issuing (the official signs on their own device) splits that in two durable writes: ``reserve`` takes
the number and keeps the prepared files as a pending document; ``complete`` turns it into the document with
the files the official signed, or ``abandon`` and ``purge_expired`` drop it. A reserved number is never given
to another document: a dropped one is a gap that the journal explains.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, text
from sqlalchemy.orm import Session

from eds.issuing.registry import journal
from eds.issuing.registry.audit import (
    document_snapshot,
    event_snapshot,
    pending_snapshot,
    provider_snapshot,
    signer_snapshot,
    verify_records,
)
from eds.issuing.registry.database import Database, create, parse_url
from eds.issuing.registry.errors import ErrorCode, RegistryError
from eds.issuing.registry.journal import (
    GENESIS,
    HEAD_ID,
    JournalReport,
    canonical_json,
    sha256_hex,
    time_text,
)
from eds.issuing.registry.lifecycle import (
    DocumentStatus,
    EventKind,
    check_transition,
    life_cycle,
    service_of,
)
from eds.issuing.registry.migration import upgrade
from eds.issuing.registry.models import (
    AccessTokenRow,
    Base,
    DocumentRow,
    EventRow,
    FileRow,
    FileVersionRow,
    JournalHeadRow,
    JournalRow,
    PendingFileRow,
    PendingRow,
    ProviderRow,
    SignerRow,
)
from eds.issuing.registry.numbering import PROVIDER_CODE, duplicate_number, next_number, year_of
from eds.issuing.registry.records import (
    Document,
    Draft,
    Event,
    FileInfo,
    FileRenewal,
    Pending,
    Prepare,
    PreparedFiles,
    Provider,
    RenderAndSign,
    SignedFiles,
    Signer,
)
from eds.pki.trust import eds_home

_TWELVE_DIGITS = re.compile(r"\d{12}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_EXTERNAL_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9/-]{0,63}")
_PENDING_ID = re.compile(r"[0-9a-f]{32}")  # secrets.token_hex(16), as reserve names them
_DOCUMENT_COLUMNS = tuple(column.name for column in DocumentRow.__table__.columns if column.name != "id")
_INSERT_DOCUMENT = insert(DocumentRow.__table__).returning(DocumentRow.__table__.c.id)
_INSERT_FILE = insert(FileRow.__table__)
_INSERT_TOKEN = insert(AccessTokenRow.__table__)
_EVENT_COLUMNS = tuple(column.name for column in EventRow.__table__.columns if column.name != "id")
_INSERT_EVENT = insert(EventRow.__table__)
_PROVIDER = select(ProviderRow.__table__).where(ProviderRow.__table__.c.id == bindparam("id"))
_SIGNER = select(SignerRow.__table__).where(SignerRow.__table__.c.cert_sha256 == bindparam("sha256"))
_SCHEMA_LOCK = 0x6564_7352  # PostgreSQL advisory lock key: one process creates the tables at a time
_NUMBER_LOCKS = 0x6564_734E  # the key space of the advisory locks on numbers given from outside (two-key form)


def default_url() -> str:
    """SQLite in the service's state folder (``$EDS_HOME`` or ./var)."""
    return f"sqlite:///{eds_home() / 'registry.sqlite'}"


def _utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _invalid(message: str) -> RegistryError:
    return RegistryError(ErrorCode.INVALID_INPUT, message)


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"{name} must be non-empty text")
    return value


def _twelve_digits(name: str, value: object) -> str:
    if not isinstance(value, str) or not _TWELVE_DIGITS.fullmatch(value):
        raise _invalid(f"{name} must be 12 digits (an IIN or BIN)")
    return value


def _aware(name: str, value: object) -> _dt.datetime:
    if not isinstance(value, _dt.datetime) or value.tzinfo is None:
        raise _invalid(f"{name} must be a timezone-aware datetime")
    return value


def _json_object(data: object) -> dict[str, Any]:
    """``data`` as it will read back from the database (lists, not tuples), so its digest never changes."""
    if not isinstance(data, Mapping):
        raise _invalid("data must be a JSON object")
    return json.loads(canonical_json(data))


class _Existing(Exception):
    """Raised inside a transaction to roll it back and answer with a document issued earlier for the same key."""

    def __init__(self, document: Document) -> None:
        super().__init__(document.number)
        self.document = document


class _ExistingPending(Exception):
    """Raised inside a transaction to roll it back and answer with a pending document reserved earlier."""

    def __init__(self, pending: Pending) -> None:
        super().__init__(pending.number)
        self.pending = pending


def _provider(row: ProviderRow | Row[Any]) -> Provider:
    return Provider(row.id, row.name_kk, row.name_ru, row.bin, row.place_kk, row.place_ru, tuple(row.doc_types))


def _signer(row: SignerRow | Row[Any]) -> Signer:
    return Signer(row.cert_sha256, row.provider_id, row.cert_der, row.iin, row.name, row.position_kk,
                  row.position_ru, row.head, tuple(row.doc_types), row.valid_from, row.valid_to, row.active)


def _served_types(doc_types: object) -> list[str]:
    """The document types a provider provides the services of: known types, a refusal not among them (it
    follows the service it refuses)."""
    if isinstance(doc_types, str) or not isinstance(doc_types, Iterable):
        raise _invalid("doc_types must be a list of document types")
    types = sorted({life_cycle(t).name for t in doc_types})
    followers = [t for t in types if life_cycle(t).service_field]
    if followers:
        raise _invalid(f"{', '.join(followers)} is not a service of its own: whoever may issue a service's result "
                       "may refuse it")
    return types


def _files_of(session: Session, document_id: int) -> tuple[FileInfo, ...]:
    rows = session.execute(select(FileRow.kind, FileRow.sha256, FileRow.size)
                           .where(FileRow.document_id == document_id).order_by(FileRow.kind))
    return tuple(FileInfo(*row) for row in rows)


def _earlier_files_of(session: Session, document_id: int) -> tuple[FileInfo, ...]:
    rows = session.execute(select(FileVersionRow.kind, FileVersionRow.sha256, FileVersionRow.size)
                           .where(FileVersionRow.document_id == document_id)
                           .order_by(FileVersionRow.kind, FileVersionRow.version))
    return tuple(FileInfo(*row) for row in rows)


def _document(session: Session, row: DocumentRow, files: tuple[FileInfo, ...] | None = None) -> Document:
    """The record of ``row``; ``files`` when the caller has just written them (else they are read)."""
    return Document(row.number, row.doc_type, row.provider_id, row.holder_name, row.holder_id, row.data,
                    DocumentStatus(row.status), row.issued_at, row.original_number, row.supersedes, row.superseded_by,
                    row.signer_cert_sha256, row.signed_at, row.idempotency_key,
                    _files_of(session, row.id) if files is None else files,
                    () if files is not None else _earlier_files_of(session, row.id))


def _pending(session: Session, row: PendingRow) -> Pending:
    files = session.execute(select(PendingFileRow.kind, PendingFileRow.sha256, PendingFileRow.size)
                            .where(PendingFileRow.pending_id == row.id).order_by(PendingFileRow.kind))
    return Pending(row.id, row.number, row.doc_type, row.provider_id, row.holder_name, row.holder_id, row.data,
                   row.signer_cert_sha256, row.digest_algorithm, bytes.fromhex(row.digest), row.prepared_by,
                   row.prepared_at, row.expires_at, row.idempotency_key, tuple(FileInfo(*f) for f in files))


def _prepared(prepared: object) -> PreparedFiles:
    """The preparer's result, refused unless it is usable: a pending record that cannot be completed is a leak."""
    if not isinstance(prepared, PreparedFiles):
        raise TypeError("prepare must return PreparedFiles")
    for name in ("pdf", "xml", "digest"):
        value = getattr(prepared, name)
        if not isinstance(value, bytes) or not value:
            raise _invalid(f"prepare returned no {name}")
    if not isinstance(prepared.digest_algorithm, str) or not prepared.digest_algorithm:
        raise _invalid("prepare returned no digest algorithm")
    return prepared


class Registry:
    """One registry database; safe to share between threads, and many processes may open the same database."""

    def __init__(self, database: Database, clock: Callable[[], _dt.datetime]) -> None:
        self._db = database
        self._clock = clock

    @classmethod
    def open(cls, url: str | None = None, *, clock: Callable[[], _dt.datetime] = _utc_now) -> Registry:
        """Connect to ``url`` (default: SQLite under ``$EDS_HOME``) and create the tables that are missing.

        ``postgresql://`` URLs use psycopg 3. ``clock`` gives the issuing and event times (tests move it).
        """
        database = Database(create(parse_url(url or default_url())))

        def create_schema(session: Session) -> None:
            if database.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            Base.metadata.create_all(session.connection())
            if session.get(JournalHeadRow, HEAD_ID) is None:
                session.add(JournalHeadRow(id=HEAD_ID, seq=0, hash=GENESIS))
            upgrade(session, clock)

        database.write(create_schema)
        return cls(database, clock)

    def close(self) -> None:
        """Close the pooled connections."""
        self._db.engine.dispose()

    # Providers and their signers

    def add_provider(self, provider_id: str, *, name_kk: str, name_ru: str, bin: str, place_kk: str, place_ru: str,
                     doc_types: Iterable[str], actor: str) -> Provider:
        """Register a state body; ``provider_id`` is the short code its document numbers carry. Its names, BIN
        and place are what its documents print, and ``doc_types`` the services it provides (only those)."""
        if not isinstance(provider_id, str) or not PROVIDER_CODE.fullmatch(provider_id):
            raise _invalid("provider id must be 2-8 capital letters or digits, starting with a letter")
        row = ProviderRow(id=provider_id, name_kk=_text("name_kk", name_kk), name_ru=_text("name_ru", name_ru),
                          bin=_twelve_digits("bin", bin), place_kk=_text("place_kk", place_kk),
                          place_ru=_text("place_ru", place_ru), doc_types=_served_types(doc_types))
        _text("actor", actor)

        def work(session: Session) -> Provider:
            if session.get(ProviderRow, provider_id) is not None:
                raise RegistryError(ErrorCode.CONFLICT, f"provider {provider_id} already exists")
            session.add(row)
            journal.append(session, clock=self._clock, actor=actor, action="provider_registered",
                           document_number=None, payload={"provider": provider_snapshot(row)})
            return _provider(row)

        return self._db.write(work)

    def update_provider(self, provider_id: str, *, actor: str, name_kk: str | None = None, name_ru: str | None = None,
                        place_kk: str | None = None, place_ru: str | None = None,
                        doc_types: Iterable[str] | None = None) -> Provider:
        """Change what is given (a renamed body, its place, the services it provides); the BIN never changes.
        Documents issued before keep what they printed; the next ones print the new values."""
        _text("actor", actor)
        changes = {name: _text(name, value) for name, value in (("name_kk", name_kk), ("name_ru", name_ru),
                                                                 ("place_kk", place_kk), ("place_ru", place_ru))
                   if value is not None}
        if doc_types is not None:
            changes["doc_types"] = _served_types(doc_types)
        if not changes:
            raise _invalid("nothing to change")

        def work(session: Session) -> Provider:
            row = session.get(ProviderRow, provider_id, with_for_update={"key_share": True})
            if row is None:
                raise RegistryError(ErrorCode.NOT_FOUND, f"no provider {provider_id!r}")
            for name, value in changes.items():
                setattr(row, name, value)
            journal.append(session, clock=self._clock, actor=actor, action="provider_updated",
                           document_number=None, payload={"provider": provider_snapshot(row)})
            return _provider(row)

        return self._db.write(work)

    def provider(self, provider_id: str) -> Provider:
        """The provider, or NOT_FOUND."""
        with self._db.read() as session:
            return _provider(self._provider_row(session, provider_id))

    def add_signer(self, provider_id: str, *, cert_der: bytes, iin: str, name: str, position_kk: str,
                   position_ru: str, doc_types: Iterable[str], valid_from: _dt.datetime, valid_to: _dt.datetime,
                   actor: str, head: bool = False) -> Signer:
        """Authorise a certificate's holder to sign ``doc_types`` (services the provider provides) for the
        provider between the two moments. The positions are what documents print under the signer's name;
        ``head`` marks the provider's head, whom some services require."""
        if not isinstance(cert_der, bytes) or not cert_der:
            raise _invalid("cert_der must be the certificate's DER bytes")
        types = _served_types(doc_types)
        if _aware("valid_from", valid_from) >= _aware("valid_to", valid_to):
            raise _invalid("valid_from must be before valid_to")
        if not isinstance(head, bool):
            raise _invalid("head must be true or false")
        row = SignerRow(cert_sha256=sha256_hex(cert_der), provider_id=provider_id, cert_der=cert_der,
                        iin=_twelve_digits("iin", iin), name=_text("name", name),
                        position_kk=_text("position_kk", position_kk), position_ru=_text("position_ru", position_ru),
                        head=head, doc_types=types, valid_from=valid_from, valid_to=valid_to, active=True)
        _text("actor", actor)

        def work(session: Session) -> Signer:
            self._refuse_unserved(self._provider_row(session, provider_id), types)
            if session.get(SignerRow, row.cert_sha256) is not None:
                raise RegistryError(ErrorCode.CONFLICT, f"certificate {row.cert_sha256} is already registered")
            session.add(row)
            journal.append(session, clock=self._clock, actor=actor, action="signer_registered",
                           document_number=None, payload={"signer": signer_snapshot(row)})
            return _signer(row)

        return self._db.write(work)

    def update_signer(self, cert_sha256: str, *, actor: str, position_kk: str | None = None,
                      position_ru: str | None = None, head: bool | None = None,
                      doc_types: Iterable[str] | None = None) -> Signer:
        """Change a signer's positions, head mark or document types (a promotion, a new service)."""
        _text("actor", actor)
        changes: dict[str, Any] = {name: _text(name, value) for name, value in (("position_kk", position_kk),
                                                                                 ("position_ru", position_ru))
                                   if value is not None}
        if head is not None:
            if not isinstance(head, bool):
                raise _invalid("head must be true or false")
            changes["head"] = head
        if doc_types is not None:
            changes["doc_types"] = _served_types(doc_types)
        if not changes:
            raise _invalid("nothing to change")

        def work(session: Session) -> Signer:
            row = session.get(SignerRow, cert_sha256, with_for_update={"key_share": True})
            if row is None:
                raise RegistryError(ErrorCode.NOT_FOUND, f"no signer with certificate {cert_sha256}")
            if "doc_types" in changes:
                self._refuse_unserved(self._provider_row(session, row.provider_id), changes["doc_types"])
            for name, value in changes.items():
                setattr(row, name, value)
            journal.append(session, clock=self._clock, actor=actor, action="signer_updated", document_number=None,
                           payload={"signer": signer_snapshot(row)})
            return _signer(row)

        return self._db.write(work)

    def set_signer_active(self, cert_sha256: str, active: bool, *, actor: str, reason: str) -> Signer:
        """Withdraw (or give back) a signer's right to sign, e.g. when the official leaves the post."""
        _text("actor", actor)
        _text("reason", reason)

        def work(session: Session) -> Signer:
            row = session.get(SignerRow, cert_sha256, with_for_update={"key_share": True})
            if row is None:
                raise RegistryError(ErrorCode.NOT_FOUND, f"no signer with certificate {cert_sha256}")
            row.active = active
            journal.append(session, clock=self._clock, actor=actor,
                           action="signer_activated" if active else "signer_deactivated", document_number=None,
                           payload={"signer": signer_snapshot(row), "reason": reason})
            return _signer(row)

        return self._db.write(work)

    def signers(self, provider_id: str) -> list[Signer]:
        """Everyone ever authorised for the provider, withdrawn ones included (old documents name them)."""
        with self._db.read() as session:
            self._provider_row(session, provider_id)
            rows = session.scalars(select(SignerRow).where(SignerRow.provider_id == provider_id)
                                   .order_by(SignerRow.valid_from))
            return [_signer(r) for r in rows]

    def authorised_signer(self, provider_id: str, doc_type: str, cert_sha256: str, at: _dt.datetime) -> Signer:
        """The signer, when this certificate may sign ``doc_type`` for the provider at ``at``."""
        return self.signing_authority(provider_id, doc_type, cert_sha256, at)[1]

    def signing_authority(self, provider_id: str, doc_type: str, cert_sha256: str,
                          at: _dt.datetime) -> tuple[Provider, Signer]:
        """The provider (NOT_FOUND; SERVICE_NOT_PROVIDED unless it provides ``doc_type``) and the signer
        (SIGNER_NOT_AUTHORISED unless this certificate may sign ``doc_type`` for it at ``at``), read together:
        what is checked before anything is numbered. For a refusal, ``doc_type`` is the service refused."""
        with self._db.read() as session:
            provider = _provider(self._provider_row(session, provider_id))
            return provider, _signer(self._authorise(session, provider_id, doc_type, cert_sha256, at))

    # Issuing

    def issue(self, *, doc_type: str, provider_id: str, holder_name: str, holder_id: str, data: Mapping[str, Any],
              actor: str, render_and_sign: RenderAndSign, idempotency_key: str | None = None,
              number: str | None = None) -> Document:
        """Number, render, sign and record a new document in one transaction.

        ``number`` is one assigned elsewhere (the state e-licensing system), checked by the caller; it is
        NUMBER_TAKEN when any document or pending document already has it. Without it the registry numbers.
        With an ``idempotency_key`` already used for the same request, the document issued then is returned
        (nothing new is written); for a different request it is a CONFLICT.
        """
        life_cycle(doc_type)
        _text("holder_name", holder_name)
        _twelve_digits("holder_id", holder_id)
        _text("actor", actor)
        if number is not None and not (isinstance(number, str) and _EXTERNAL_NUMBER.fullmatch(number)):
            raise _invalid("an external number is 1-64 capital letters, digits, '-' or '/'")
        data = _json_object(data)
        digest = self._request_digest(idempotency_key, {
            "operation": "issue", "doc_type": doc_type, "provider_id": provider_id, "holder_name": holder_name,
            "holder_id": holder_id, "data": data, **({"number": number} if number is not None else {})})

        def work(session: Session) -> Document:
            provider = self._provider_row(session, provider_id)
            now = self._clock()
            if number is None:
                given = next_number(session, provider_id, doc_type, year_of(now))
                self._raise_if_issued(session, idempotency_key, digest)
            else:
                self._raise_if_issued(session, idempotency_key, digest)  # a retry gets its document back
                given = self._unused(session, number)
            draft = Draft(given, doc_type, _provider(provider), holder_name, holder_id, data, now, None, None)
            row, files = self._store(session, draft, render_and_sign, DocumentStatus.VALID, actor, idempotency_key, digest)
            return _document(session, row, files)

        return self._write_idempotent(work, idempotency_key, digest)

    @staticmethod
    def _unused(session: Session, number: str) -> str:
        """``number``, unless a document, a duplicate or a pending document already has it (NUMBER_TAKEN).

        On PostgreSQL the number is locked first, to the transaction's end: the two tables are unique each on its
        own, and an issue and a reservation of one number checking at once each found it free and both committed
        (SQLite's write lock already makes them take turns)."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:space, hashtext(:number))"),
                            {"space": _NUMBER_LOCKS, "number": number})
        taken = session.scalar(select(DocumentRow.number).where(DocumentRow.number == number)) or session.scalar(
            select(PendingRow.number).where(PendingRow.number == number))
        if taken is not None:
            raise RegistryError(ErrorCode.NUMBER_TAKEN, f"the number {number} is already in the registry")
        return number

    def reissue(self, number: str, *, actor: str, reason: str, render_and_sign: RenderAndSign,
                holder_name: str | None = None, holder_id: str | None = None,
                data: Mapping[str, Any] | None = None, idempotency_key: str | None = None) -> Document:
        """Issue a new document replacing ``number`` (with the changed holder or data) and mark the old superseded."""
        _text("actor", actor)
        _text("reason", reason)
        if holder_name is not None:
            _text("holder_name", holder_name)
        if holder_id is not None:
            _twelve_digits("holder_id", holder_id)
        new_data = None if data is None else _json_object(data)
        digest = self._request_digest(idempotency_key, {
            "operation": "reissue", "number": number, "holder_name": holder_name, "holder_id": holder_id,
            "data": new_data, "reason": reason})

        def work(session: Session) -> Document:
            old = self._lock_document(session, number)
            self._raise_if_issued(session, idempotency_key, digest)
            after = check_transition(EventKind.REISSUED, number=number, doc_type=old.doc_type,
                                     status=DocumentStatus(old.status), duplicate_of=old.original_number)
            now = self._clock()
            new_number = next_number(session, old.provider_id, old.doc_type, year_of(now))
            draft = Draft(new_number, old.doc_type, _provider(self._provider_row(session, old.provider_id)),
                          holder_name or old.holder_name, holder_id or old.holder_id,
                          old.data if new_data is None else new_data, now, None, old.number)
            new, files = self._store(session, draft, render_and_sign, DocumentStatus.VALID, actor, idempotency_key, digest)
            self._set_status(session, old, after)
            old.superseded_by = new.number
            self._record_event(session, old, EventKind.REISSUED, actor, now, reason, new.number)
            return _document(session, new, files)

        return self._write_idempotent(work, idempotency_key, digest)

    def issue_duplicate(self, number: str, *, actor: str, reason: str, render_and_sign: RenderAndSign,
                        idempotency_key: str | None = None) -> Document:
        """Record a duplicate of licence ``number``: its own date and signature, the same licence number."""
        _text("actor", actor)
        _text("reason", reason)
        digest = self._request_digest(idempotency_key, {"operation": "duplicate", "number": number,
                                                        "reason": reason})

        def work(session: Session) -> Document:
            original = self._lock_document(session, number)
            self._raise_if_issued(session, idempotency_key, digest)
            status = check_transition(EventKind.DUPLICATE_ISSUED, number=number, doc_type=original.doc_type,
                                      status=DocumentStatus(original.status), duplicate_of=original.original_number)
            count = session.scalar(select(func.count()).select_from(DocumentRow)
                                   .where(DocumentRow.original_number == number))
            now = self._clock()
            draft = Draft(duplicate_number(number, count + 1), original.doc_type,
                          _provider(self._provider_row(session, original.provider_id)), original.holder_name,
                          original.holder_id, original.data, now, number, None)
            duplicate, files = self._store(session, draft, render_and_sign, status, actor, idempotency_key, digest)
            self._record_event(session, original, EventKind.DUPLICATE_ISSUED, actor, now, reason, duplicate.number)
            return _document(session, duplicate, files)

        return self._write_idempotent(work, idempotency_key, digest)

    # Two-step issuing: the official signs on their own device

    def reserve(self, *, doc_type: str, provider_id: str, holder_name: str, holder_id: str,
                data: Mapping[str, Any], signer_cert_sha256: str, actor: str, valid_for: _dt.timedelta,
                prepare: Prepare, idempotency_key: str | None = None, number: str | None = None) -> Pending:
        """Take the next number (or ``number``, assigned elsewhere, as ``issue`` takes it) and keep the files
        ``prepare`` makes with it until the official's signature is back.

        Only a certificate that may sign ``doc_type`` for the provider now can reserve, and only it can complete.
        ``prepare`` runs inside the transaction as ``issue`` runs its renderer: if it raises, nothing is kept and
        the number is not taken. With an ``idempotency_key`` already used for the same request, the pending
        document reserved then is returned (expired or not); once it was completed, the key is a CONFLICT that
        names the document.
        """
        life_cycle(doc_type)
        _text("holder_name", holder_name)
        _twelve_digits("holder_id", holder_id)
        _text("actor", actor)
        data = _json_object(data)
        if not isinstance(signer_cert_sha256, str) or not _SHA256_HEX.fullmatch(signer_cert_sha256):
            raise _invalid("signer_cert_sha256 must be 64 lowercase hex digits")
        if not isinstance(valid_for, _dt.timedelta) or valid_for <= _dt.timedelta(0):
            raise _invalid("valid_for must be a positive timedelta")
        if number is not None and not (isinstance(number, str) and _EXTERNAL_NUMBER.fullmatch(number)):
            raise _invalid("an external number is 1-64 capital letters, digits, '-' or '/'")
        digest = self._request_digest(idempotency_key, {
            "operation": "reserve", "doc_type": doc_type, "provider_id": provider_id, "holder_name": holder_name,
            "holder_id": holder_id, "data": data, "signer_cert_sha256": signer_cert_sha256,
            **({"number": number} if number is not None else {})})

        def work(session: Session) -> Pending:
            provider = self._provider_row(session, provider_id)
            now = self._clock()
            self._authorise(session, provider_id, service_of(doc_type, data), signer_cert_sha256, now)
            if number is None:
                given = next_number(session, provider_id, doc_type, year_of(now))
                self._raise_if_reserved(session, idempotency_key, digest)
            else:
                self._raise_if_reserved(session, idempotency_key, digest)  # a retry gets its pending document back
                given = self._unused(session, number)
            prepared = _prepared(prepare(Draft(given, doc_type, _provider(provider), holder_name, holder_id, data,
                                               now, None, None)))
            row = PendingRow(id=secrets.token_hex(16), number=given, doc_type=doc_type, provider_id=provider_id,
                             holder_name=holder_name, holder_id=holder_id, data=data,
                             signer_cert_sha256=signer_cert_sha256, digest_algorithm=prepared.digest_algorithm,
                             digest=prepared.digest.hex(), prepared_by=actor, prepared_at=now,
                             expires_at=now + valid_for, idempotency_key=idempotency_key, request_digest=digest)
            session.add(row)
            session.flush()
            files = [PendingFileRow(pending_id=row.id, kind=kind, sha256=sha256_hex(content), size=len(content),
                                    content=content)
                     for kind, content in (("pdf", prepared.pdf), ("xml", prepared.xml))]
            session.add_all(files)
            self._keep_token(session, given, prepared.access_token)
            journal.append(session, clock=self._clock, actor=actor, action="pending_reserved", document_number=given,
                           payload={"pending": pending_snapshot(row, files)})
            return _pending(session, row)

        try:
            return self._db.write(work)
        except _ExistingPending as found:
            return found.pending
        except RegistryError as error:
            # Two first attempts with one key raced and the other committed first.
            if error.code is not ErrorCode.CONFLICT or idempotency_key is None:
                raise
            with self._db.read() as session:
                row = session.scalar(select(PendingRow).where(PendingRow.idempotency_key == idempotency_key))
                if row is None or row.request_digest != digest:
                    raise
                return _pending(session, row)

    def pending(self, pending_id: str, *, include_expired: bool = False) -> Pending:
        """The pending document; NOT_FOUND when unknown or already completed or dropped, EXPIRED when too late."""
        with self._db.read() as session:
            row = self._pending_row(session, pending_id)
            if not include_expired:
                self._refuse_expired(row)
            return _pending(session, row)

    def pending_file(self, pending_id: str, kind: str) -> bytes:
        """A prepared file of a pending document (the PDF awaiting its signature, the unsigned XML)."""
        with self._db.read() as session:
            self._pending_row(session, pending_id)
            content = session.scalar(select(PendingFileRow.content).where(PendingFileRow.pending_id == pending_id,
                                                                          PendingFileRow.kind == kind))
            if content is None:
                raise RegistryError(ErrorCode.NOT_FOUND, f"pending document {pending_id} has no {kind} file")
            return content

    def pending_documents(self, *, expired: bool | None = None) -> list[Pending]:
        """Pending documents by number: all, only those whose time ran out (True), or only live ones (False)."""
        query = select(PendingRow).order_by(PendingRow.number)
        if expired is not None:
            now = self._clock()
            query = query.where(PendingRow.expires_at <= now if expired else PendingRow.expires_at > now)
        with self._db.read() as session:
            return [_pending(session, row) for row in session.scalars(query)]

    def complete(self, pending_id: str, *, signed: SignedFiles, actor: str) -> Document:
        """Record the pending document as issued, with the files its official signed, and drop the pending record.

        One transaction, like ``issue``: the document (valid, under the reserved number, dated when it was
        prepared), its files, its ``issued`` event and the journal entry, which names the pending record it
        completes. The signer must be the certificate the document was prepared for, still authorised now.
        """
        _text("actor", actor)
        if not isinstance(signed, SignedFiles):
            raise TypeError("signed must be SignedFiles")

        def work(session: Session) -> Document:
            row = self._pending_row(session, pending_id, lock=True)
            self._refuse_expired(row)
            if signed.signer_cert_sha256 != row.signer_cert_sha256:
                raise _invalid(f"pending document {pending_id} was prepared for another certificate")
            draft = Draft(row.number, row.doc_type, _provider(self._provider_row(session, row.provider_id)),
                          row.holder_name, row.holder_id, row.data, row.prepared_at, None, None)
            key, digest = row.idempotency_key, row.request_digest
            self._delete_pending(session, row)
            document, files = self._store(session, draft, lambda _draft: signed, DocumentStatus.VALID, actor, key, digest,
                                          completes=pending_id)
            return _document(session, document, files)

        return self._db.write(work)

    def completed_from(self, pending_id: str) -> Document | None:
        """The document a pending record became when it was completed (its journal entry names the pending
        record), or None: a client that lost the answer of ``complete`` learns whether it was registered."""
        if not isinstance(pending_id, str) or not _PENDING_ID.fullmatch(pending_id):
            return None
        with self._db.read() as session:
            number = session.scalar(select(JournalRow.document_number).where(
                JournalRow.action == EventKind.ISSUED.value,
                JournalRow.payload.contains(f'"completes_pending":"{pending_id}"', autoescape=True)))
            return None if number is None else _document(session, self._document_row(session, number))

    def abandon(self, pending_id: str, *, actor: str, reason: str) -> Pending:
        """Drop a pending document that will not be signed (expired or not); its number stays unused for good."""
        _text("actor", actor)
        _text("reason", reason)

        def work(session: Session) -> Pending:
            row = self._pending_row(session, pending_id, lock=True)
            return self._drop_pending(session, row, actor, "pending_abandoned", reason)

        return self._db.write(work)

    def purge_expired(self, *, actor: str) -> list[Pending]:
        """Drop every pending document whose time ran out, one journal entry each, and say which they were."""
        _text("actor", actor)

        def work(session: Session) -> list[Pending]:
            rows = session.scalars(select(PendingRow).where(PendingRow.expires_at <= self._clock())
                                   .order_by(PendingRow.number).with_for_update())
            return [self._drop_pending(session, row, actor, "pending_expired", "expired") for row in list(rows)]

        return self._db.write(work)

    # Life events

    def suspend(self, number: str, *, actor: str, reason: str) -> Document:
        """Suspend a valid licence (and its duplicates with it)."""
        return self._change(number, EventKind.SUSPENDED, actor, reason)

    def resume(self, number: str, *, actor: str, reason: str) -> Document:
        """Lift a suspension; anything but a suspended document is INVALID_TRANSITION."""
        return self._change(number, EventKind.RESUMED, actor, reason)

    def terminate(self, number: str, *, actor: str, reason: str) -> Document:
        """End a valid or suspended document for good: nothing may happen to it afterwards."""
        return self._change(number, EventKind.TERMINATED, actor, reason)

    # Reading

    def document(self, number: str) -> Document:
        """The document with its current status and file digests (not the files), or NOT_FOUND."""
        with self._db.read() as session:
            return _document(session, self._document_row(session, number))

    def file(self, number: str, kind: str) -> bytes:
        """The signed PDF or XML of a document, exactly as it was stored."""
        with self._db.read() as session:
            row = self._document_row(session, number)
            content = session.scalar(select(FileRow.content).where(FileRow.document_id == row.id,
                                                                   FileRow.kind == kind))
            if content is None:
                raise RegistryError(ErrorCode.NOT_FOUND, f"{number} has no {kind} file")
            return content

    def access_token(self, number: str) -> str | None:
        """The secret of ``number``'s verification link, or None for a document issued before links had one."""
        with self._db.read() as session:
            row = session.get(AccessTokenRow, number)
            return row.token if row is not None else None

    def events(self, number: str) -> list[Event]:
        """The document's life, oldest first."""
        with self._db.read() as session:
            row = self._document_row(session, number)
            rows = session.scalars(select(EventRow).where(EventRow.document_id == row.id)
                                   .order_by(EventRow.journal_seq))
            return [Event(number, EventKind(e.kind), e.actor, e.at, e.reason, e.related_number, e.journal_seq)
                    for e in rows]

    # Archive maintenance: a file replaced by a longer version of itself

    def numbers_with_file(self, kind: str = "pdf") -> list[str]:
        """The numbers of every document that has a ``kind`` file, in issuing order."""
        with self._db.read() as session:
            return list(session.scalars(select(DocumentRow.number).join(FileRow, FileRow.document_id == DocumentRow.id)
                                        .where(FileRow.kind == kind).order_by(DocumentRow.id)))

    def renew_file(self, number: str, kind: str, *, replaces: str, content: bytes, actor: str, reason: str,
                   details: Mapping[str, Any] | None = None) -> FileRenewal:
        """Replace ``number``'s ``kind`` file, whose SHA-256 must still be ``replaces``, with ``content``: the same
        file with revisions appended (``content`` starts with every byte of it). One transaction: the new file, the
        earlier version's digest and size in the file's history, and the journal entry (action ``file_renewed``)
        that records both, or nothing. CONFLICT when the file changed meanwhile (another run renewed it) or
        ``content`` does not extend it."""
        _text("actor", actor)
        _text("reason", reason)
        if not isinstance(content, bytes) or not content:
            raise _invalid("content must be the new file's bytes")
        extra = _json_object(dict(details or {}))

        def work(session: Session) -> FileRenewal:
            row = self._lock_document(session, number)
            file_row = session.get(FileRow, (row.id, kind))
            if file_row is None:
                raise RegistryError(ErrorCode.NOT_FOUND, f"{number} has no {kind} file")
            if file_row.sha256 != replaces:
                raise RegistryError(ErrorCode.CONFLICT, f"the {kind} file of {number} is no longer {replaces[:16]}…: "
                                                        "it was renewed meanwhile")
            old = file_row.content
            if len(content) <= len(old) or content[:len(old)] != old:
                raise RegistryError(ErrorCode.CONFLICT, f"the new {kind} file of {number} does not extend the "
                                                        "registered one")
            version = 1 + (session.scalar(select(func.max(FileVersionRow.version))
                                          .where(FileVersionRow.document_id == row.id, FileVersionRow.kind == kind))
                           or 0)
            at = self._clock()
            previous = FileInfo(kind, file_row.sha256, file_row.size)
            current = FileInfo(kind, sha256_hex(content), len(content))
            file_row.sha256, file_row.size, file_row.content = current.sha256, current.size, content
            payload = {"file_renewed": {"number": number, "kind": kind, "version": version, "at": time_text(at),
                                        "previous": {"sha256": previous.sha256, "size": previous.size},
                                        "file": {"sha256": current.sha256, "size": current.size},
                                        "reason": reason, "details": extra}}
            seq = journal.append(session, clock=self._clock, actor=actor, action="file_renewed",
                                 document_number=number, payload=payload)
            session.add(FileVersionRow(document_id=row.id, kind=kind, version=version, sha256=previous.sha256,
                                       size=previous.size, replaced_at=at, journal_seq=seq))
            return FileRenewal(number, kind, previous, current, version, at, seq)

        return self._db.write(work)

    def file_renewals(self, number: str) -> list[FileRenewal]:
        """Every replacement of ``number``'s files, oldest first."""
        with self._db.read() as session:
            row = self._document_row(session, number)
            versions = list(session.scalars(select(FileVersionRow).where(FileVersionRow.document_id == row.id)
                                            .order_by(FileVersionRow.journal_seq)))
            out = []
            for version in versions:
                entry = json.loads(session.get(JournalRow, version.journal_seq).payload)["file_renewed"]
                out.append(FileRenewal(number, version.kind, FileInfo(version.kind, version.sha256, version.size),
                                       FileInfo(version.kind, entry["file"]["sha256"], entry["file"]["size"]),
                                       version.version, version.replaced_at, version.journal_seq))
            return out

    # The journal

    def journal_head(self) -> tuple[int, str]:
        """The last seq and hash: publish them elsewhere to make a rewrite of the whole journal detectable."""
        with self._db.read() as session:
            head = session.get(JournalHeadRow, HEAD_ID)
            return head.seq, head.hash

    def verify_journal(self) -> JournalReport:
        """Check the hash chain, then that every table still holds exactly what the journal recorded."""
        return self.journal_snapshot().report

    def journal_snapshot(self) -> journal.JournalSnapshot:
        """``verify_journal``'s report with the position and every entry's hash and number, read at one moment."""
        with self._db.read(snapshot=True) as session:
            rows = list(session.scalars(select(JournalRow).order_by(JournalRow.seq)))
            chain = journal.verify_chain(rows, session.get(JournalHeadRow, HEAD_ID))
            report = (verify_records(session, rows) or chain) if chain.ok else chain
            return journal.JournalSnapshot(report, journal.position(session),
                                           tuple((row.hash, row.document_number) for row in rows))

    def journal_position(self) -> journal.JournalPosition:
        """The head and the number series at one moment: what a checkpoint signs (``eds.issuing.checkpoints``)."""
        with self._db.read(snapshot=True) as session:
            return journal.position(session)

    def on_journal_append(self, listener: Callable[[int], None]) -> None:
        """Call ``listener`` with the seq of every journal entry once the write that appended it has committed."""
        self._db.on_commit.append(lambda info: listener(info["journal_seq"]) if "journal_seq" in info else None)

    # Inside transactions

    @staticmethod
    def _provider_row(session: Session, provider_id: str) -> Row[Any]:
        """The provider's record as the database holds it (the session's changes flushed first), read as a table
        row: through the ORM's identity map a read cost 0.25 ms, and no caller changes what it reads here."""
        session.flush()
        row = session.connection().execute(_PROVIDER, {"id": provider_id}).first()
        if row is None:
            raise RegistryError(ErrorCode.NOT_FOUND, f"no provider {provider_id!r}")
        return row

    @staticmethod
    def _document_row(session: Session, number: str) -> DocumentRow:
        row = session.scalar(select(DocumentRow).where(DocumentRow.number == number))
        if row is None:
            raise RegistryError(ErrorCode.NOT_FOUND, f"no document {number!r}")
        return row

    @staticmethod
    def _lock_document(session: Session, number: str) -> DocumentRow:
        # NO KEY UPDATE: rows that refer to this one (events, duplicates) may still be inserted meanwhile.
        row = session.scalar(select(DocumentRow).where(DocumentRow.number == number)
                             .with_for_update(key_share=True))
        if row is None:
            raise RegistryError(ErrorCode.NOT_FOUND, f"no document {number!r}")
        return row

    @staticmethod
    def _pending_row(session: Session, pending_id: str, *, lock: bool = False) -> PendingRow:
        query = select(PendingRow).where(PendingRow.id == pending_id)
        row = session.scalar(query.with_for_update() if lock else query)
        if row is None:
            raise RegistryError(ErrorCode.NOT_FOUND, f"no pending document {pending_id!r}")
        return row

    def _refuse_expired(self, row: PendingRow) -> None:
        if row.expires_at <= self._clock():
            raise RegistryError(ErrorCode.EXPIRED, f"pending document {row.id} ({row.number}) expired at "
                                                   f"{row.expires_at.isoformat()}; prepare it again")

    @staticmethod
    def _delete_pending(session: Session, row: PendingRow) -> None:
        session.execute(delete(PendingFileRow).where(PendingFileRow.pending_id == row.id))
        session.delete(row)
        session.flush()

    def _drop_pending(self, session: Session, row: PendingRow, actor: str, action: str, reason: str) -> Pending:
        """Drop a pending document that will not be signed, and the secret its prepared files print: an external
        number may be issued again later, and that document must not answer to the dropped record's link."""
        pending = _pending(session, row)
        self._delete_pending(session, row)
        session.execute(delete(AccessTokenRow).where(AccessTokenRow.number == row.number))
        journal.append(session, clock=self._clock, actor=actor, action=action, document_number=row.number,
                       payload={"pending_dropped": {"id": row.id, "number": row.number, "reason": reason}})
        return pending

    @staticmethod
    def _refuse_unserved(provider: ProviderRow | Row[Any], doc_types: Iterable[str]) -> None:
        """SERVICE_NOT_PROVIDED for a type among ``doc_types`` whose service the provider does not provide."""
        unserved = sorted(set(doc_types) - set(provider.doc_types))
        if unserved:
            raise RegistryError(ErrorCode.SERVICE_NOT_PROVIDED,
                                f"provider {provider.id} does not provide the service of {', '.join(unserved)} "
                                f"(it provides {', '.join(provider.doc_types) or 'none'})")

    def _authorise(self, session: Session, provider_id: str, doc_type: str, cert_sha256: str,
                   at: _dt.datetime) -> Row[Any]:
        """The signer's record, unless this certificate may not sign ``doc_type`` for the provider at ``at``; both
        records read as ``_provider_row`` reads."""
        self._refuse_unserved(self._provider_row(session, provider_id), (doc_type,))
        row = session.connection().execute(_SIGNER, {"sha256": cert_sha256}).first()
        short = f"certificate {cert_sha256[:16]}…"
        if row is None or row.provider_id != provider_id:
            raise RegistryError(ErrorCode.SIGNER_NOT_AUTHORISED, f"{short} is not a signer of {provider_id}")
        if not row.active:
            raise RegistryError(ErrorCode.SIGNER_NOT_AUTHORISED, f"{short}: the right to sign was withdrawn")
        if not row.valid_from <= at <= row.valid_to:
            raise RegistryError(ErrorCode.SIGNER_NOT_AUTHORISED,
                                f"{short} may sign only from {row.valid_from:%Y-%m-%d} to {row.valid_to:%Y-%m-%d}")
        if doc_type not in row.doc_types:
            raise RegistryError(ErrorCode.SIGNER_NOT_AUTHORISED, f"{short} may not sign {doc_type}")
        return row

    @staticmethod
    def _request_digest(idempotency_key: str | None, request: dict[str, Any]) -> str:
        if idempotency_key is not None:
            _text("idempotency_key", idempotency_key)
            if len(idempotency_key) > 200:
                raise _invalid("idempotency_key is longer than 200 characters")
        return sha256_hex(canonical_json(request))

    @staticmethod
    def _existing(session: Session, idempotency_key: str | None, digest: str) -> Document | None:
        if idempotency_key is None:
            return None
        row = session.scalar(select(DocumentRow).where(DocumentRow.idempotency_key == idempotency_key))
        if row is None:
            return None
        if row.request_digest != digest:
            raise RegistryError(ErrorCode.CONFLICT,
                                "this idempotency key was already used for a different request")
        return _document(session, row)

    def _raise_if_issued(self, session: Session, idempotency_key: str | None, digest: str) -> None:
        """Called once the series or document is locked, so a concurrent retry sees the first one's result."""
        existing = self._existing(session, idempotency_key, digest)
        if existing is not None:
            raise _Existing(existing)
        if idempotency_key is not None and session.scalar(
                select(PendingRow.id).where(PendingRow.idempotency_key == idempotency_key)) is not None:
            raise RegistryError(ErrorCode.CONFLICT, "this idempotency key is held by a pending document")

    @staticmethod
    def _raise_if_reserved(session: Session, idempotency_key: str | None, digest: str) -> None:
        """The two-step twin of ``_raise_if_issued``: the key may name a pending or a completed document."""
        if idempotency_key is None:
            return
        row = session.scalar(select(PendingRow).where(PendingRow.idempotency_key == idempotency_key))
        if row is not None:
            if row.request_digest != digest:
                raise RegistryError(ErrorCode.CONFLICT, "this idempotency key was already used for a different request")
            raise _ExistingPending(_pending(session, row))
        document = session.scalar(select(DocumentRow).where(DocumentRow.idempotency_key == idempotency_key))
        if document is not None:
            outcome = "was completed with it" if document.request_digest == digest else "is another request"
            raise RegistryError(ErrorCode.CONFLICT,
                                f"this idempotency key was already used: document {document.number} {outcome}")

    def _write_idempotent(self, work: Callable[[Session], Document], idempotency_key: str | None,
                          digest: str) -> Document:
        try:
            return self._db.write(work)
        except _Existing as found:
            return found.document
        except RegistryError as error:
            # Two first attempts with one key raced and the other committed first.
            if error.code is not ErrorCode.CONFLICT or idempotency_key is None:
                raise
            with self._db.read() as session:
                existing = self._existing(session, idempotency_key, digest)
            if existing is None:
                raise
            return existing

    def _store(self, session: Session, draft: Draft, render_and_sign: RenderAndSign, status: DocumentStatus, actor: str,
               idempotency_key: str | None, digest: str, completes: str | None = None,
               ) -> tuple[DocumentRow, tuple[FileInfo, ...]]:
        """Render and sign ``draft``, then add the document, its files, its ``issued`` event and journal entry
        (which names the pending record it ``completes``, for a two-step document)."""
        signed = render_and_sign(draft)
        if not isinstance(signed, SignedFiles):
            raise TypeError("render_and_sign must return SignedFiles")
        files = {kind: content for kind, content in (("pdf", signed.pdf), ("xml", signed.xml)) if content}
        if not files:
            raise _invalid("render_and_sign returned no file")
        if not isinstance(signed.signer_cert_sha256, str) or not _SHA256_HEX.fullmatch(signed.signer_cert_sha256):
            raise _invalid("signer_cert_sha256 must be 64 lowercase hex digits")
        signed_at = _aware("signed_at", signed.signed_at)
        self._authorise(session, draft.provider.id, service_of(draft.doc_type, draft.data), signed.signer_cert_sha256,
                        signed_at)
        token = self._checked_token(signed.access_token)
        # Written as table rows (SQLAlchemy Core), after the session's pending changes: the ORM's unit of work
        # over these rows cost more than the database did. Callers read the document from ``row``.
        session.flush()
        connection = session.connection()
        row = DocumentRow(number=draft.number, doc_type=draft.doc_type, provider_id=draft.provider.id,
                          holder_name=draft.holder_name, holder_id=draft.holder_id, data=draft.data,
                          status=status.value, issued_at=draft.issued_at, original_number=draft.original_number,
                          supersedes=draft.supersedes, superseded_by=None,
                          signer_cert_sha256=signed.signer_cert_sha256, signed_at=signed_at,
                          idempotency_key=idempotency_key, request_digest=digest)
        row.id = connection.execute(_INSERT_DOCUMENT, {column: getattr(row, column) for column in _DOCUMENT_COLUMNS}
                                    ).scalar_one()
        stored = [(FileInfo(kind, sha256_hex(content), len(content)), content) for kind, content in sorted(files.items())]
        connection.execute(_INSERT_FILE, [{"document_id": row.id, "kind": info.kind, "sha256": info.sha256,
                                           "size": info.size, "content": content} for info, content in stored])
        if token is not None:
            connection.execute(_INSERT_TOKEN, {"number": draft.number, "token": token})
        infos = tuple(info for info, _content in stored)
        self._record_event(session, row, EventKind.ISSUED, actor, draft.issued_at, None,
                           draft.original_number or draft.supersedes, document_snapshot(row, infos), completes)
        return row, infos

    def _keep_token(self, session: Session, number: str, token: object) -> None:
        """Store the verification link's secret that the files of ``number`` print (none: nothing to keep)."""
        checked = self._checked_token(token)
        if checked is not None:
            session.add(AccessTokenRow(number=number, token=checked))

    @staticmethod
    def _checked_token(token: object) -> str | None:
        """The verification link's secret that the files print, to store under their number (none: nothing)."""
        if token is not None and not (isinstance(token, str) and 16 <= len(token) <= 64):
            raise _invalid("access_token must be text of 16 to 64 characters")
        return token

    @staticmethod
    def _set_status(session: Session, row: DocumentRow, status: DocumentStatus) -> None:
        """Change a licence's status and its duplicates' with it: a duplicate is the same licence."""
        row.status = status.value
        for duplicate in session.scalars(select(DocumentRow).where(DocumentRow.original_number == row.number)):
            duplicate.status = status.value

    def _record_event(self, session: Session, row: DocumentRow, kind: EventKind, actor: str, at: _dt.datetime,
                      reason: str | None, related_number: str | None,
                      document: dict[str, Any] | None = None, completes: str | None = None) -> None:
        event = EventRow(document_id=row.id, kind=kind.value, actor=actor, at=at, reason=reason,
                         related_number=related_number)
        payload: dict[str, Any] = {"event": event_snapshot(event, row.number)}
        if document is not None:
            payload["document"] = document
        if completes is not None:
            payload["completes_pending"] = completes
        event.journal_seq = journal.append(session, clock=self._clock, actor=actor, action=kind.value,
                                           document_number=row.number, payload=payload)
        session.connection().execute(_INSERT_EVENT, {column: getattr(event, column) for column in _EVENT_COLUMNS})

    def _change(self, number: str, kind: EventKind, actor: str, reason: str) -> Document:
        _text("actor", actor)
        _text("reason", reason)

        def work(session: Session) -> Document:
            row = self._lock_document(session, number)
            after = check_transition(kind, number=number, doc_type=row.doc_type, status=DocumentStatus(row.status),
                                     duplicate_of=row.original_number)
            self._set_status(session, row, after)
            self._record_event(session, row, kind, actor, self._clock(), reason, None)
            return _document(session, row)

        return self._db.write(work)
