"""The one exception the registry raises, with stable codes that the API maps to HTTP answers."""

from __future__ import annotations

import enum

from eds.errors import CodedError


class ErrorCode(enum.StrEnum):
    """Stable, machine-readable reasons; messages may change, codes do not."""

    NOT_FOUND = "NOT_FOUND"  # no such document, provider or signer
    CONFLICT = "CONFLICT"  # already exists, or an idempotency key reused for a different request
    INVALID_INPUT = "INVALID_INPUT"  # malformed argument (unknown type, bad IIN/BIN, non-JSON data, ...)
    INVALID_TRANSITION = "INVALID_TRANSITION"  # the life event is not allowed in the document's status
    EXPIRED = "EXPIRED"  # a pending document was not signed in time: it can no longer be completed
    SIGNER_NOT_AUTHORISED = "SIGNER_NOT_AUTHORISED"  # the signing certificate may not sign this for this provider
    SERVICE_NOT_PROVIDED = "SERVICE_NOT_PROVIDED"  # the provider does not provide the service of this document type
    NUMBER_TAKEN = "NUMBER_TAKEN"  # an external number that a document or pending document already has
    DATABASE_BUSY = "DATABASE_BUSY"  # lock or serialization conflicts persisted through every retry
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"  # the database cannot be reached or failed


class RegistryError(CodedError):
    """A refusal or failure of the registry (``code`` an ErrorCode); ``message`` is for people and never
    contains SQL."""

    code_in_message = True
