"""Document statuses, life events, the document types of the regulations and which events each may have.

One table decides every transition, so the registry that records events and the journal check that replays
them can never disagree about what a status becomes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from eds.issuing.registry.errors import ErrorCode, RegistryError


class DocumentStatus(enum.StrEnum):
    VALID = "valid"
    SUPERSEDED = "superseded"  # re-issued: a newer document replaces it
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class EventKind(enum.StrEnum):
    ISSUED = "issued"  # first event of every document, duplicates and re-issued ones included
    REISSUED = "reissued"  # on the old document; related_number is the new one
    DUPLICATE_ISSUED = "duplicate_issued"  # on the original; related_number is the duplicate
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    TERMINATED = "terminated"


# What each event makes of the status of the document it is recorded on; a missing status is not allowed.
_TRANSITIONS: dict[EventKind, dict[DocumentStatus, DocumentStatus]] = {
    EventKind.REISSUED: {DocumentStatus.VALID: DocumentStatus.SUPERSEDED},
    EventKind.DUPLICATE_ISSUED: {DocumentStatus.VALID: DocumentStatus.VALID, DocumentStatus.SUSPENDED: DocumentStatus.SUSPENDED},
    EventKind.SUSPENDED: {DocumentStatus.VALID: DocumentStatus.SUSPENDED},
    EventKind.RESUMED: {DocumentStatus.SUSPENDED: DocumentStatus.VALID},
    EventKind.TERMINATED: {DocumentStatus.VALID: DocumentStatus.TERMINATED, DocumentStatus.SUSPENDED: DocumentStatus.TERMINATED},
}

_PHRASES = {EventKind.REISSUED: "re-issued", EventKind.DUPLICATE_ISSUED: "given a duplicate",
            EventKind.SUSPENDED: "suspended", EventKind.RESUMED: "resumed", EventKind.TERMINATED: "terminated"}


@dataclass(frozen=True)
class LifeCycle:
    """The life of a kind of result in the registry: the prefix of its numbers and the events it may have after
    being issued (its fields and rendering are eds.issuing.documents.types')."""

    name: str
    prefix: str
    events: frozenset[EventKind]
    service_field: str | None = None  # a refusal: the data field naming the service it refuses, whose rules it follows


def service_of(doc_type: str, data: object) -> str:
    """The document type whose provider and signers may issue a ``doc_type`` document with this data: the type
    itself, or for a refusal the service it refuses (INVALID_INPUT when the data names no known service)."""
    field = life_cycle(doc_type).service_field
    if field is None:
        return doc_type
    service = data.get(field) if isinstance(data, dict) else None
    if not isinstance(service, str) or service not in LIFE_CYCLES or LIFE_CYCLES[service].service_field:
        raise RegistryError(ErrorCode.INVALID_INPUT, f"a {doc_type} must name the service it refuses in {field!r}")
    return service


# The results in ../shared/domain/SERVICE.md, named as in eds.issuing.documents.types. Both licences can be
# re-issued, suspended, resumed and terminated; only the scrap-metal licence (regulation 002) has duplicates.
# A certificate, consent or registration can only be terminated (annulled); a refusal has no life at all.
_LICENCE_EVENTS = frozenset(_TRANSITIONS)
_TERMINATED_ONLY = frozenset({EventKind.TERMINATED})
LIFE_CYCLES: dict[str, LifeCycle] = {t.name: t for t in (
    LifeCycle("tv_radio_licence", "LIC", _LICENCE_EVENTS - {EventKind.DUPLICATE_ISSUED}),
    LifeCycle("scrap_metal_licence", "LIC", _LICENCE_EVENTS),
    LifeCycle("cultural_export_certificate", "CRT", _TERMINATED_ONLY),
    LifeCycle("restoration_consent", "CNS", _TERMINATED_ONLY),
    LifeCycle("periodicals_registration", "REG", _TERMINATED_ONLY),
    LifeCycle("refusal", "REF", frozenset(), service_field="service"),
)}


def life_cycle(name: str) -> LifeCycle:
    """The type called ``name``; INVALID_INPUT for a name the registry does not know."""
    found = LIFE_CYCLES.get(name)
    if found is None:
        raise RegistryError(ErrorCode.INVALID_INPUT,
                            f"unknown document type {name!r}; known: {', '.join(sorted(LIFE_CYCLES))}")
    return found


def next_status(kind: EventKind, status: DocumentStatus) -> DocumentStatus | None:
    """The status after ``kind`` happens to a document in ``status``, or None when it may not happen."""
    return _TRANSITIONS[kind].get(status)


def check_transition(kind: EventKind, *, number: str, doc_type: str, status: DocumentStatus,
                     duplicate_of: str | None) -> DocumentStatus:
    """The new status, or INVALID_TRANSITION saying why this event cannot happen to this document."""
    if duplicate_of is not None:
        raise RegistryError(ErrorCode.INVALID_TRANSITION,
                            f"{number} is a duplicate: life events are recorded on the original {duplicate_of}")
    if kind not in life_cycle(doc_type).events:
        raise RegistryError(ErrorCode.INVALID_TRANSITION, f"a {doc_type} document cannot be {_PHRASES[kind]}")
    after = next_status(kind, status)
    if after is None:
        allowed = ", ".join(sorted(_TRANSITIONS[kind]))
        raise RegistryError(ErrorCode.INVALID_TRANSITION,
                            f"{number} cannot be {_PHRASES[kind]}: it is {status} (allowed only when {allowed})")
    return after
