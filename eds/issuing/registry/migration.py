"""Bring a registry database made by an earlier version up to the current tables, inside ``Registry.open``.

``create_all`` makes missing tables but never changes an existing one. Providers and signers gained columns
when documents began to take their provider and signer blocks from the registry (issue 15):

- providers: ``place_kk``, ``place_ru`` (left NULL: such a provider cannot issue until its place is set with
  ``eds registry provider ID --place-kk .. --place-ru ..``) and ``doc_types``, the services it provides, set to
  the types its signers were authorised for (refusals dropped: they follow the service they refuse);
- signers: ``position_kk`` and ``position_ru`` from the old single ``position`` (split at " / " when it was
  written "kk / ru", else the same text twice) and ``head`` (false: mark the head with
  ``eds registry signer PROVIDER --cert F --head``); the old ``position`` column is dropped.

Each row changed gets a journal entry with its new snapshot (action ``schema_upgraded``), so the journal
check replays to the upgraded tables. The whole upgrade is the transaction ``Registry.open`` runs in: it
happens once, completely or not at all.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from eds.issuing.registry import journal
from eds.issuing.registry.audit import provider_snapshot, signer_snapshot
from eds.issuing.registry.lifecycle import LIFE_CYCLES
from eds.issuing.registry.models import ProviderRow, SignerRow

_ACTOR = "schema-upgrade"


def _columns(session: Session, table: str) -> set[str]:
    return {column["name"] for column in inspect(session.connection()).get_columns(table)}


def upgrade(session: Session, clock: Callable[[], _dt.datetime]) -> None:
    """Add what an older database lacks, fill it from what it had, and journal every row changed."""
    connection = session.connection()
    changed_signers = _upgrade_signers(session) if "position_kk" not in _columns(session, "signers") else []
    changed_providers: list[str] = []
    if "doc_types" not in _columns(session, "providers"):
        for column, kind in (("place_kk", "TEXT"), ("place_ru", "TEXT"), ("doc_types", "JSON")):
            connection.execute(text(f"ALTER TABLE providers ADD COLUMN {column} {kind}"))
        served: dict[str, set[str]] = {}
        for provider_id, doc_types in connection.execute(text("SELECT provider_id, doc_types FROM signers")):
            types = doc_types if isinstance(doc_types, list) else _json_list(doc_types)
            served.setdefault(provider_id, set()).update(
                t for t in types if t in LIFE_CYCLES and not LIFE_CYCLES[t].service_field)
        for (provider_id,) in connection.execute(text("SELECT id FROM providers")):
            connection.execute(text(f"UPDATE providers SET doc_types = {_json_value(session)} WHERE id = :id"),
                               {"types": json.dumps(sorted(served.get(provider_id, ()))), "id": provider_id})
            changed_providers.append(provider_id)
    session.expire_all()
    for provider_id in changed_providers:
        row = session.get(ProviderRow, provider_id)
        journal.append(session, clock=clock, actor=_ACTOR, action="schema_upgraded", document_number=None,
                       payload={"provider": provider_snapshot(row)})
    for cert_sha256 in changed_signers:
        row = session.get(SignerRow, cert_sha256)
        journal.append(session, clock=clock, actor=_ACTOR, action="schema_upgraded", document_number=None,
                       payload={"signer": signer_snapshot(row)})


def _upgrade_signers(session: Session) -> list[str]:
    connection = session.connection()
    for column, kind in (("position_kk", "TEXT"), ("position_ru", "TEXT"), ("head", "BOOLEAN DEFAULT FALSE")):
        connection.execute(text(f"ALTER TABLE signers ADD COLUMN {column} {kind}"))
    changed = []
    rows = list(connection.execute(text("SELECT cert_sha256, position, doc_types FROM signers")))
    for cert_sha256, position, doc_types in rows:
        kk, _, ru = position.partition(" / ")
        types = doc_types if isinstance(doc_types, list) else _json_list(doc_types)
        kept = sorted(t for t in types if not (t in LIFE_CYCLES and LIFE_CYCLES[t].service_field))
        connection.execute(text("UPDATE signers SET position_kk = :kk, position_ru = :ru, head = FALSE, "
                                f"doc_types = {_json_value(session)} WHERE cert_sha256 = :sha"),
                           {"kk": kk.strip() or position, "ru": (ru or kk).strip() or position,
                            "types": json.dumps(kept), "sha": cert_sha256})
        changed.append(cert_sha256)
    connection.execute(text("ALTER TABLE signers DROP COLUMN position"))
    return changed


def _json_list(value: object) -> list[str]:
    """A JSON column as SQLite hands it over (text); PostgreSQL's driver gives the list itself."""
    return json.loads(value) if isinstance(value, str) else []


def _json_value(session: Session) -> str:
    """The SQL that stores a JSON text parameter: PostgreSQL casts it, SQLite keeps the text."""
    return "CAST(:types AS JSON)" if session.get_bind().dialect.name == "postgresql" else ":types"
