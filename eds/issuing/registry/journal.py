"""The append-only audit journal: a hash chain over every write, and the check that finds where it was broken.

Each entry's hash is SHA-256 over the canonical JSON of its seq, time, actor, action, document number,
payload digest and the previous entry's hash. A single head row holds the last seq and hash: every write locks
it to append (so appends are serialised and the chain has no forks) and it shows a deleted tail.
Rewriting the whole chain and the head consistently is not detectable from inside the database; publishing
``Registry.journal_head()`` now and then (a printed report, another system) anchors it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from eds.issuing.registry.errors import ErrorCode, RegistryError
from eds.issuing.registry.models import JournalHeadRow, JournalRow, SeriesRow

GENESIS = "0" * 64
HEAD_ID = 1


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 text, finite numbers only."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise RegistryError(ErrorCode.INVALID_INPUT, f"not JSON data: {error}") from None


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def time_text(moment: _dt.datetime) -> str:
    """A moment as the fixed-width UTC text that entries and payloads hash."""
    return moment.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class JournalReport:
    """The outcome of ``verify_journal``: where the first break is and what kind of tampering it looks like.

    ``reason`` is one of: ``edited`` (an entry's content no longer matches its hash, or the chain link to it
    was rewritten), ``deleted`` (a seq is missing, or the head is past the last entry), ``reordered`` (the
    entries are intact but their seqs were swapped), ``record_edited``, ``record_deleted``,
    ``record_unjournaled`` (a provider, signer, document, file, event or pending-document row disagrees with,
    is missing from, or is absent from the journal), ``invalid_history`` (the journal records an impossible
    transition, or completes or drops a pending document it never reserved).
    """

    ok: bool
    entries_checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    detail: str | None = None


def entry_hash(*, seq: int, at: str, actor: str, action: str, document_number: str | None,
               payload_digest: str, prev_hash: str) -> str:
    return sha256_hex(canonical_json({
        "seq": seq, "at": at, "actor": actor, "action": action, "document_number": document_number,
        "payload_digest": payload_digest, "prev_hash": prev_hash,
    }))


def _hash_of(row: JournalRow, seq: int) -> str:
    return entry_hash(seq=seq, at=row.at, actor=row.actor, action=row.action,
                      document_number=row.document_number, payload_digest=row.payload_digest,
                      prev_hash=row.prev_hash)


_HEAD = JournalHeadRow.__table__
_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID).with_for_update()
_ADVANCE_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID)
_INSERT_ENTRY = insert(JournalRow.__table__)


def append(session: Session, *, clock: Callable[[], _dt.datetime], actor: str, action: str,
           document_number: str | None, payload: dict[str, Any]) -> int:
    """Append one entry in the caller's transaction and return its seq; call it last, just before commit.

    The entry's time is read once the head is locked, so times never go backwards along the chain. The head and
    the entry are read and written as table rows (SQLAlchemy Core), after the session's pending changes: every
    write of the registry appends, and the ORM's unit of work cost a millisecond of each.
    """
    session.flush()
    connection = session.connection()
    last_seq, prev_hash = connection.execute(_LOCK_HEAD).one()
    text = canonical_json(payload)
    seq, at, digest = last_seq + 1, time_text(clock()), sha256_hex(text)
    entry_digest = entry_hash(seq=seq, at=at, actor=actor, action=action, document_number=document_number,
                              payload_digest=digest, prev_hash=prev_hash)
    connection.execute(_INSERT_ENTRY, {"seq": seq, "at": at, "actor": actor, "action": action,
                                       "document_number": document_number, "payload": text,
                                       "payload_digest": digest, "prev_hash": prev_hash, "hash": entry_digest})
    connection.execute(_ADVANCE_HEAD, {"seq": seq, "hash": entry_digest})
    session.info["journal_seq"] = seq  # for the listeners the database calls once this has committed
    return seq


@dataclass(frozen=True)
class JournalPosition:
    """The head (last seq and hash, the last entry's time) and each number series' last value, read at one
    moment: what a checkpoint certifies."""

    seq: int
    hash: str
    at: str | None  # None while the journal is empty
    series: dict[str, int]


@dataclass(frozen=True)
class JournalSnapshot:
    """The journal checked, its position, and each entry's (hash, document number) in seq order, all read at one
    moment: what checkpoints are compared with."""

    report: JournalReport
    position: JournalPosition
    entries: tuple[tuple[str, str | None], ...]


def position(session: Session) -> JournalPosition:
    """The position as the caller's (read) transaction sees it."""
    head = session.get(JournalHeadRow, HEAD_ID)
    last = session.get(JournalRow, head.seq) if head.seq else None
    series = {prefix: value for prefix, value in session.execute(select(SeriesRow.prefix, SeriesRow.last_value))}
    return JournalPosition(head.seq, head.hash, last.at if last is not None else None, series)


def _intact_but_renumbered(rows: Sequence[JournalRow]) -> bool:
    """True when following prev_hash links from the start gives every entry, each valid at its linked place."""
    by_prev = {row.prev_hash: row for row in rows}
    current, place = GENESIS, 0
    while current in by_prev:
        row = by_prev.pop(current)
        place += 1
        if _hash_of(row, place) != row.hash:
            return False
        current = row.hash
    return place == len(rows)


def verify_chain(rows: Sequence[JournalRow], head: JournalHeadRow) -> JournalReport:
    """Check ``rows`` (ordered by seq) as a chain from GENESIS ending at ``head``."""
    previous_hash = GENESIS
    for place, row in enumerate(rows, start=1):
        if row.seq != place:
            if row.seq > place and _intact_but_renumbered(rows):
                return JournalReport(False, place, place, "reordered", f"entry {place} is out of its place")
            return JournalReport(False, place, place, "deleted", f"entry {place} is missing")
        own_ok = (sha256_hex(row.payload) == row.payload_digest and _hash_of(row, place) == row.hash)
        if own_ok and row.prev_hash == previous_hash:
            previous_hash = row.hash
            continue
        if _intact_but_renumbered(rows):
            return JournalReport(False, place, place, "reordered",
                                 f"entry {place} holds an entry that was written at another place")
        if not own_ok:
            return JournalReport(False, place, place, "edited", f"entry {place} does not match its hash")
        return JournalReport(False, place, place - 1, "edited",
                             f"entry {place} does not follow entry {place - 1}: one of them was rewritten")
    last = len(rows)
    if head.seq > last:
        return JournalReport(False, last, last + 1, "deleted", f"entries {last + 1}..{head.seq} are missing")
    if head.seq != last or head.hash != previous_hash:
        return JournalReport(False, last, head.seq, "edited", "the journal head does not match the last entry")
    return JournalReport(True, last)
