"""Revocation evidence as values: the CRL or OCSP answer that decided one certificate's status.

The revocation layer makes them where it knows the answer, and the validation report carries them unchanged;
their attributes are snake_case and the report JSON's camelCase lives only in each ``to_dict``.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass
from typing import ClassVar


class EvidenceType(str, enum.Enum):
    OCSP = "OCSP"
    CRL = "CRL"


class EvidenceSource(str, enum.Enum):
    """Where a revocation answer came from: a verdict offline or on a document's own evidence says so."""

    NETWORK = "network"  # fetched for this check
    CACHE = "cache"  # a CRL fetched earlier and kept on disk
    FILE = "file"  # given to the checker (offline CRL and OCSP files)
    DOCUMENT = "document"  # embedded in the signed document (PAdES DSS, CMS revocation values)


class OcspStatus(str, enum.Enum):
    """The statuses an OCSP answer has when it is evidence; an UNKNOWN answer decides nothing and is not kept."""

    GOOD = "GOOD"
    REVOKED = "REVOKED"


def _iso(moment: _dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True, kw_only=True)
class CrlEvidence:
    """A CRL (complete or delta) that decided a certificate's status."""

    type: ClassVar[EvidenceType] = EvidenceType.CRL
    certificate: str  # DN of the certificate it decided
    source: EvidenceSource
    delta: bool
    number: int | None
    this_update: _dt.datetime
    next_update: _dt.datetime | None
    entries: int
    sha256: str

    @property
    def as_of(self) -> _dt.datetime:
        """The moment the list speaks for."""
        return self.this_update

    def to_dict(self) -> dict:
        return {"type": self.type.value, "delta": self.delta, "number": self.number,
                "thisUpdate": self.this_update.isoformat(), "nextUpdate": _iso(self.next_update),
                "entries": self.entries, "source": self.source.value, "sha256": self.sha256,
                "certificate": self.certificate}


@dataclass(frozen=True, kw_only=True)
class OcspEvidence:
    """An OCSP answer that decided a certificate's status."""

    type: ClassVar[EvidenceType] = EvidenceType.OCSP
    certificate: str  # DN of the certificate it decided
    source: EvidenceSource
    status: OcspStatus
    produced_at: _dt.datetime | None
    this_update: _dt.datetime | None
    responder: str | None  # DN
    url: str | None  # None when the answer was not fetched

    @property
    def as_of(self) -> _dt.datetime | None:
        """The moment the answer speaks for: when the status was last known right, else when it was signed."""
        return self.this_update or self.produced_at

    def to_dict(self) -> dict:
        return {"type": self.type.value, "status": self.status.value, "producedAt": _iso(self.produced_at),
                "thisUpdate": _iso(self.this_update), "responder": self.responder, "source": self.source.value,
                "url": self.url, "certificate": self.certificate}


RevocationEvidence = CrlEvidence | OcspEvidence
