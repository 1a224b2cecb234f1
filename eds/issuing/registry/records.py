"""What the registry hands out and takes in: plain frozen values, never live database rows."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eds.issuing.registry.lifecycle import EventKind, DocumentStatus


@dataclass(frozen=True)
class Provider:
    """A state body as its documents print it (header, licensor row, BIN, place) and the services it provides."""

    id: str  # 2-8 capital letters/digits, part of every number the provider issues
    name_kk: str
    name_ru: str
    bin: str
    place_kk: str | None  # None only for a provider registered before places were recorded: it cannot issue
    place_ru: str | None
    doc_types: tuple[str, ...]  # the document types of the services it provides (a refusal follows its service)


@dataclass(frozen=True)
class Signer:
    cert_sha256: str
    provider_id: str
    cert_der: bytes
    iin: str
    name: str
    position_kk: str
    position_ru: str
    head: bool  # the provider's head (a service whose result the head must sign needs it, and FIRST_HEAD)
    doc_types: tuple[str, ...]
    valid_from: _dt.datetime
    valid_to: _dt.datetime
    active: bool


@dataclass(frozen=True)
class FileInfo:
    kind: str  # "pdf" or "xml"
    sha256: str
    size: int


@dataclass(frozen=True)
class Document:
    number: str
    doc_type: str
    provider_id: str
    holder_name: str
    holder_id: str  # IIN or BIN
    data: dict[str, Any]
    status: DocumentStatus
    issued_at: _dt.datetime
    original_number: str | None  # set on a duplicate: the licence it duplicates (whose number it prints)
    supersedes: str | None  # set on a re-issued document: the one it replaced
    superseded_by: str | None
    signer_cert_sha256: str
    signed_at: _dt.datetime
    idempotency_key: str | None
    files: tuple[FileInfo, ...]
    earlier_files: tuple[FileInfo, ...] = ()  # versions that archive maintenance replaced, oldest first


@dataclass(frozen=True)
class FileRenewal:
    """One replacement of a document's file by a longer version (archive maintenance): what it was and is."""

    number: str
    kind: str
    previous: FileInfo
    current: FileInfo
    version: int  # the number of the version that was replaced (1: as issued)
    at: _dt.datetime
    journal_seq: int


@dataclass(frozen=True)
class Event:
    document_number: str
    kind: EventKind
    actor: str
    at: _dt.datetime
    reason: str | None
    related_number: str | None  # the new document of a re-issue, the duplicate, or what an issue stems from
    journal_seq: int


@dataclass(frozen=True)
class Draft:
    """Everything the renderer needs to produce the document that will be stored under ``number``."""

    number: str
    doc_type: str
    provider: Provider
    holder_name: str
    holder_id: str
    data: dict[str, Any]
    issued_at: _dt.datetime
    original_number: str | None  # a duplicate prints this licence number and «ТЕЛНҰСҚА / ДУБЛИКАТ»
    supersedes: str | None

    @property
    def printed_number(self) -> str:
        """The licence number to print: a duplicate's own ``number`` (``...-D1``) is its registry record, for
        the verification link, while the document carries the original's number."""
        return self.original_number or self.number


@dataclass(frozen=True)
class SignedFiles:
    """What the renderer returns: the signed files and who signed them when."""

    signer_cert_sha256: str
    signed_at: _dt.datetime
    pdf: bytes | None = None
    xml: bytes | None = None
    access_token: str | None = None  # the secret of the verification link the files print (?t=), kept by number


@dataclass(frozen=True)
class PreparedFiles:
    """What the preparer of a two-step document returns: the files awaiting the official's own signature."""

    pdf: bytes  # with its signature field and /Contents reserved
    xml: bytes  # the unsigned XML twin
    digest: bytes  # what the official's device signs: the digest of the PDF's /ByteRange
    digest_algorithm: str  # e.g. "sha256"
    access_token: str | None = None  # the secret of the verification link the files print (?t=), kept by number


@dataclass(frozen=True)
class Pending:
    """A reserved number whose prepared files wait for the official's device to sign them."""

    id: str
    number: str
    doc_type: str
    provider_id: str
    holder_name: str
    holder_id: str
    data: dict[str, Any]
    signer_cert_sha256: str  # the only certificate whose signature can complete it
    digest_algorithm: str
    digest: bytes
    prepared_by: str
    prepared_at: _dt.datetime  # the document's issue date, already printed in it
    expires_at: _dt.datetime
    idempotency_key: str | None
    files: tuple[FileInfo, ...]


# Called inside the issuing transaction with the reserved number; may be called again if the transaction is
# retried after a lock conflict, so it must not have effects that a second call would duplicate.
RenderAndSign = Callable[[Draft], SignedFiles]

# Called inside the reserving transaction with the reserved number; the same rule as RenderAndSign applies.
Prepare = Callable[[Draft], PreparedFiles]
