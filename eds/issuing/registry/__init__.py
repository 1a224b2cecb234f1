"""The registry of issued documents (SQLite by default, PostgreSQL supported): see ``registry.Registry``."""

from eds.issuing.registry.errors import ErrorCode, RegistryError
from eds.issuing.registry.journal import JournalReport
from eds.issuing.registry.lifecycle import LIFE_CYCLES, EventKind, DocumentStatus
from eds.issuing.registry.numbering import next_number
from eds.issuing.registry.records import (
           Document,
           Draft,
           Event,
           FileInfo,
           Pending,
           Prepare,
           PreparedFiles,
           Provider,
           RenderAndSign,
           SignedFiles,
           Signer,
)
from eds.issuing.registry.registry import Registry, default_url

__all__ = ["LIFE_CYCLES", "Document", "Draft", "ErrorCode", "Event", "EventKind", "FileInfo", "JournalReport",
           "Pending", "Prepare", "PreparedFiles", "Provider", "Registry", "RegistryError", "RenderAndSign",
           "SignedFiles", "Signer", "DocumentStatus", "default_url", "next_number"]
