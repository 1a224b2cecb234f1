"""The registry's tables (SQLAlchemy 2.x, the same schema on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from eds.issuing.registry.lifecycle import EventKind, DocumentStatus

NUMBER = String(64)
SHA256_HEX = String(64)


class UtcDateTime(TypeDecorator[_dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out: SQLite keeps no zone, PostgreSQL answers in its own."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: _dt.datetime | None, dialect: Dialect) -> _dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the registry stores aware UTC times only")
        value = value.astimezone(_dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> _dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=_dt.UTC)
        return value.astimezone(_dt.UTC)


def _one_of(column: str, values: type[DocumentStatus | EventKind]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{column}_known")


class Base(DeclarativeBase):
    pass


class ProviderRow(Base):
    """A state body that issues results: what its documents print about it, and the services it provides."""

    __tablename__ = "providers"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)  # short code, part of document numbers
    name_kk: Mapped[str] = mapped_column(Text)
    name_ru: Mapped[str] = mapped_column(Text)
    bin: Mapped[str] = mapped_column(String(12), index=True)
    # NULL only in a database from before places were recorded (eds.issuing.registry.migration): it cannot issue
    place_kk: Mapped[str | None] = mapped_column(Text, nullable=True)
    place_ru: Mapped[str | None] = mapped_column(Text, nullable=True)
    doc_types: Mapped[list[str]] = mapped_column(JSON)


class SignerRow(Base):
    """A certificate whose holder may sign some document types for a provider during a period."""

    __tablename__ = "signers"
    cert_sha256: Mapped[str] = mapped_column(SHA256_HEX, primary_key=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    iin: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(Text)
    position_kk: Mapped[str] = mapped_column(Text)
    position_ru: Mapped[str] = mapped_column(Text)
    head: Mapped[bool] = mapped_column(Boolean)
    doc_types: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[_dt.datetime] = mapped_column(UtcDateTime)
    valid_to: Mapped[_dt.datetime] = mapped_column(UtcDateTime)
    active: Mapped[bool] = mapped_column(Boolean)


class SeriesRow(Base):
    """The last number given in one series (type prefix, provider, year); updated inside the issuing transaction."""

    __tablename__ = "number_series"
    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class DocumentRow(Base):
    """An issued result. Everything but ``status`` and ``superseded_by`` is fixed when it is issued."""

    __tablename__ = "documents"
    __table_args__ = (_one_of("status", DocumentStatus),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(NUMBER, unique=True)
    doc_type: Mapped[str] = mapped_column(String(64), index=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    holder_name: Mapped[str] = mapped_column(Text)
    holder_id: Mapped[str] = mapped_column(String(12), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[_dt.datetime] = mapped_column(UtcDateTime)
    original_number: Mapped[str | None] = mapped_column(ForeignKey("documents.number"), index=True)
    supersedes: Mapped[str | None] = mapped_column(ForeignKey("documents.number"), unique=True)
    superseded_by: Mapped[str | None] = mapped_column(ForeignKey("documents.number"))
    signer_cert_sha256: Mapped[str] = mapped_column(ForeignKey("signers.cert_sha256"), index=True)
    signed_at: Mapped[_dt.datetime] = mapped_column(UtcDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_digest: Mapped[str] = mapped_column(SHA256_HEX)


class FileRow(Base):
    """A signed file of a document (the PDF, the XML), kept as a BLOB with its SHA-256."""

    __tablename__ = "document_files"
    __table_args__ = (CheckConstraint("kind IN ('pdf', 'xml')", name="ck_kind_known"),)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    sha256: Mapped[str] = mapped_column(SHA256_HEX)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class FileVersionRow(Base):
    """An earlier version of a document's file, replaced by archive maintenance with a longer one: the same file
    with more incremental revisions (validation data and a document timestamp, PAdES B-LTA). Only its digest and
    size are kept: the earlier version is the first ``size`` bytes of every later one."""

    __tablename__ = "document_file_versions"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1 is the file as issued
    sha256: Mapped[str] = mapped_column(SHA256_HEX)
    size: Mapped[int] = mapped_column(Integer)
    replaced_at: Mapped[_dt.datetime] = mapped_column(UtcDateTime)
    journal_seq: Mapped[int] = mapped_column(Integer, unique=True)  # the entry that records the replacement


class PendingRow(Base):
    """A number reserved for a document that the official signs on their own device (two-step issuing).

    Deleted when the document is completed, abandoned, or purged after ``expires_at``; its number is never
    given to another document.
    """

    __tablename__ = "pending_documents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random: it names the pending record in URLs
    number: Mapped[str] = mapped_column(NUMBER, unique=True)
    doc_type: Mapped[str] = mapped_column(String(64))
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    holder_name: Mapped[str] = mapped_column(Text)
    holder_id: Mapped[str] = mapped_column(String(12))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    signer_cert_sha256: Mapped[str] = mapped_column(ForeignKey("signers.cert_sha256"), index=True)
    digest_algorithm: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(128))  # hex
    prepared_by: Mapped[str] = mapped_column(Text)
    prepared_at: Mapped[_dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[_dt.datetime] = mapped_column(UtcDateTime, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_digest: Mapped[str] = mapped_column(SHA256_HEX)


class PendingFileRow(Base):
    """A prepared, not yet signed file of a pending document (the PDF with its reserved /Contents, the XML)."""

    __tablename__ = "pending_files"
    __table_args__ = (CheckConstraint("kind IN ('pdf', 'xml')", name="ck_pending_kind_known"),)
    pending_id: Mapped[str] = mapped_column(ForeignKey("pending_documents.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    sha256: Mapped[str] = mapped_column(SHA256_HEX)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class EventRow(Base):
    """One life event of one document, written with the journal entry that records it."""

    __tablename__ = "document_events"
    __table_args__ = (_one_of("kind", EventKind),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[_dt.datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    related_number: Mapped[str | None] = mapped_column(NUMBER)
    journal_seq: Mapped[int] = mapped_column(Integer, unique=True)


class JournalRow(Base):
    """An append-only audit entry; ``hash`` covers every other column (``payload`` through its digest)."""

    __tablename__ = "journal"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC text: exactly what was hashed
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(32))
    document_number: Mapped[str | None] = mapped_column(NUMBER, index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON of the record written
    payload_digest: Mapped[str] = mapped_column(SHA256_HEX)
    prev_hash: Mapped[str] = mapped_column(SHA256_HEX)
    hash: Mapped[str] = mapped_column(SHA256_HEX)


class JournalHeadRow(Base):
    """The single row every write locks to append: the last seq and hash, so a deleted tail shows."""

    __tablename__ = "journal_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(SHA256_HEX)


class AccessTokenRow(Base):
    """The secret of a document's verification link (the QR code's ``?t=``), written in the transaction that
    stores the document or its pending record, under the number they share. A table of its own: a database made
    before tokens gets it from ``create_all`` as it is, and its older documents simply have none (their public
    page is the masked one)."""

    __tablename__ = "access_tokens"
    number: Mapped[str] = mapped_column(NUMBER, primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
