"""The one shape of a refusal: a stable ``code`` callers branch on, a ``message`` people read, ``details``.

Every module's error (``CertificateError``, ``RegistryError``, ``IssuingError``...) is this class under its own
name, so that ``except`` clauses stay specific. It survives pickling, so a refusal raised in a worker process
(``eds verify --jobs``, a process pool) reaches the parent as itself; an exception whose ``__init__`` takes more
than ``args`` holds cannot be unpickled, and a ``multiprocessing.Pool`` then waits forever for its result.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CodedError"]


class CodedError(Exception):
    """A refusal with a stable code; subclasses pick their base (ValueError for bad input) by mixing it in."""

    code_in_message = False  # str() reads "CODE: message" when set

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}" if self.code_in_message else message)
        self.code = code
        self.message = message
        self.details = dict(details or {})

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.code, self.message, self.details)
