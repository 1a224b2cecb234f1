"""The registry of issued documents (SQLite by default, PostgreSQL supported): see ``registry.Registry``."""

from eds.registry.errors import ErrorCode, RegistryError
from eds.registry.journal import JournalReport
from eds.registry.lifecycle import DOCUMENT_TYPES, EventKind, Status
from eds.registry.numbering import next_number
from eds.registry.records import (
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
from eds.registry.registry import Registry, default_url

__all__ = ["DOCUMENT_TYPES", "Document", "Draft", "ErrorCode", "Event", "EventKind", "FileInfo", "JournalReport",
           "Pending", "Prepare", "PreparedFiles", "Provider", "Registry", "RegistryError", "RenderAndSign",
           "SignedFiles", "Signer", "Status", "default_url", "next_number"]
