"""Bounded work before trust: the limits every parser and check enforces, and a CPU budget per verification.

A hostile document must be refused cheaply, before the expensive step (canonicalisation, decompression,
difference analysis, path building). Each limit is checked where its input is counted; past it the check
raises ``TooComplex`` naming the limit, which the verifier turns into a ``TOO_COMPLEX`` report (422 on the
API). The CPU budget is cooperative: long loops call ``checkpoint()``, which measures the thread's CPU time
against the budget of the verification that runs in this context.
"""

from __future__ import annotations

import contextvars
import dataclasses
import time
from dataclasses import dataclass

from eds.errors import CodedError

__all__ = ["Limits", "DEFAULT", "PUBLIC", "TooComplex", "budget", "checkpoint", "current", "require"]


@dataclass(frozen=True)
class Limits:
    """How much work one verification may cost; ``PUBLIC`` is tighter for the anonymous upload page."""

    xml_elements: int = 500_000                # elements: what parsing and C14N cost, in one step each
    xml_namespace_declarations: int = 256      # xmlns attributes in the whole document
    xml_namespace_work: int = 200_000          # elements x namespaces in scope beyond the first 8 (C14N)
    cms_certificates: int = 64                 # certificates in one SignedData
    cms_signer_infos: int = 32                 # SignerInfos in one SignedData
    pdf_revisions: int = 64                    # incremental updates
    pdf_objects: int = 200_000                 # objects in all cross-reference sections together
    pdf_stream_bytes: int = 32 * 1024 * 1024   # decompressed bytes of any one stream
    pdf_dss_bytes: int = 64 * 1024 * 1024      # decompressed bytes of all DSS streams together
    cpu_seconds: float = 2.0                   # CPU time of one verification, all steps

    def replace(self, **changes: object) -> "Limits":
        return dataclasses.replace(self, **changes)


DEFAULT = Limits()
PUBLIC = Limits(pdf_revisions=32, pdf_objects=50_000, pdf_stream_bytes=16 * 1024 * 1024,
                pdf_dss_bytes=32 * 1024 * 1024, cpu_seconds=1.5)


class TooComplex(CodedError, ValueError):
    """A document past one of the limits: ``details`` name the limit, the allowed maximum and what was found."""

    def __init__(self, code: str = "TOO_COMPLEX", message: str = "", details: dict | None = None) -> None:
        super().__init__(code, message, details)


def refuse(limit: str, maximum: float, found: float | None = None) -> TooComplex:
    """The refusal for ``limit`` (a field name of ``Limits``)."""
    details = {"limit": limit, "max": maximum}
    if found is not None:
        details["found"] = found
    text = f"{limit} is limited to {maximum}" + (f"; this document needs {found}" if found is not None else "")
    return TooComplex("TOO_COMPLEX", text, details)


@dataclass
class _Budget:
    limits: Limits
    deadline: float  # thread CPU time


_CURRENT: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("eds_limits_budget", default=None)


def current() -> Limits:
    """The limits of the verification running in this context (the defaults outside one)."""
    active = _CURRENT.get()
    return active.limits if active is not None else DEFAULT


def require(limit: str, found: float) -> None:
    """Raise ``TooComplex`` when ``found`` exceeds the current value of ``limit``."""
    maximum = getattr(current(), limit)
    if found > maximum:
        raise refuse(limit, maximum, found)


def checkpoint() -> None:
    """Raise ``TooComplex`` when the running verification has used up its CPU budget."""
    active = _CURRENT.get()
    if active is not None and time.thread_time() > active.deadline:
        raise refuse("cpu_seconds", active.limits.cpu_seconds)


class _Scope:
    """The context of :func:`budget`: a class rather than a generator, as every document enters one or two."""

    __slots__ = ("_limits", "_token")

    def __init__(self, limits: Limits | None) -> None:
        self._limits = limits

    def __enter__(self) -> Limits:
        chosen = self._limits or current()
        outer = _CURRENT.get()
        if outer is not None and chosen.cpu_seconds >= outer.limits.cpu_seconds:
            deadline = outer.deadline  # started later with no less time: the outer deadline comes first
        else:
            deadline = time.thread_time() + chosen.cpu_seconds
            if outer is not None:
                deadline = min(deadline, outer.deadline)
        self._token = _CURRENT.set(_Budget(chosen, deadline))
        return chosen

    def __exit__(self, *_: object) -> None:
        _CURRENT.reset(self._token)


def budget(limits: Limits | None = None) -> _Scope:
    """Run one verification under ``limits`` (``with budget(...)``); nested budgets keep the outer (earlier)
    deadline."""
    return _Scope(limits)
