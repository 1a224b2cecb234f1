"""Validation results as values: one report per signature and one per document, after ETSI EN 319 102-1.

A check never raises to say "no": it adds a ``Check`` with a status and a reason code, and the report
derives its indication from them: any FAILED check gives TOTAL_FAILED, otherwise any INDETERMINATE one
gives INDETERMINATE, otherwise TOTAL_PASSED. The API, the CLI and the web page render these values.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
from dataclasses import dataclass, field

from eds.validation import reasons


class Indication(str, enum.Enum):
    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class Status(str, enum.Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"
    WARNING = "WARNING"  # passed, with something the reader should know
    SKIPPED = "SKIPPED"  # not applicable or impossible because an earlier check failed


@dataclass(frozen=True)
class Check:
    """One line of the detailed report."""

    name: str
    status: Status
    message: str
    code: str | None = None
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {"name": self.name, "status": self.status.value, "message": self.message}
        if self.code:
            out["code"] = self.code
        if self.details:
            out["details"] = self.details
        return out


@dataclass(frozen=True)
class Reason:
    """A machine-readable reason with its messages in the three languages."""

    code: str
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        entry = reasons.info(self.code)
        out = {"code": self.code, "messages": {lang: entry.message(lang) for lang in reasons.LANGUAGES}}
        if self.details:
            out["details"] = self.details
        return out


def _indication(checks: tuple[Check, ...]) -> tuple[Indication, str | None, tuple[Reason, ...]]:
    failed = [c for c in checks if c.status == Status.FAILED]
    undecided = [c for c in checks if c.status == Status.INDETERMINATE]
    if failed:
        found = failed
        indication = Indication.TOTAL_FAILED
    elif undecided:
        found = undecided
        indication = Indication.INDETERMINATE
    else:
        return Indication.TOTAL_PASSED, None, ()
    codes = tuple(Reason(c.code or "GENERIC", c.details) for c in found)
    return indication, reasons.info(found[0].code or "GENERIC").sub_indication, codes


def _iso(moment: _dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class SignatureReport:
    """The verdict on one signature (or one certificate check) and everything it rests on."""

    checks: tuple[Check, ...]
    signer: dict | None = None
    chain: tuple[dict, ...] = ()
    revocation: tuple[dict, ...] = ()
    validation_time: _dt.datetime | None = None
    time_source: str | None = None  # timestamp, now, requested
    signing_time: _dt.datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def indication(self) -> Indication:
        return _indication(self.checks)[0]

    @property
    def sub_indication(self) -> str | None:
        return _indication(self.checks)[1]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return _indication(self.checks)[2]

    @property
    def passed(self) -> bool:
        return self.indication == Indication.TOTAL_PASSED

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == Status.WARNING)

    def to_dict(self) -> dict:
        indication, sub, found = _indication(self.checks)
        out = {
            "indication": indication.value,
            "subIndication": sub,
            "reasons": [r.to_dict() for r in found],
            "signer": self.signer,
            "signingTime": _iso(self.signing_time),
            "validationTime": _iso(self.validation_time),
            "timeSource": self.time_source,
            "chain": list(self.chain),
            "revocation": list(self.revocation),
            "checks": [c.to_dict() for c in self.checks],
            "warnings": [c.message for c in self.warnings],
        }
        out.update(self.extra)
        return out


_ORDER = {Indication.TOTAL_FAILED: 0, Indication.INDETERMINATE: 1, Indication.TOTAL_PASSED: 2}


@dataclass(frozen=True)
class DocumentReport:
    """The verdict on a document: its own checks (format, parsing) and one report per signature.

    The document passes only when it parses, has at least one signature, and every signature passes.
    """

    format: str
    signatures: tuple[SignatureReport, ...]
    checks: tuple[Check, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def indication(self) -> Indication:
        own = _indication(self.checks)[0]
        if own != Indication.TOTAL_PASSED:
            return own
        if not self.signatures:
            return Indication.TOTAL_FAILED
        return min((s.indication for s in self.signatures), key=_ORDER.__getitem__)

    @property
    def sub_indication(self) -> str | None:
        own = _indication(self.checks)
        if own[0] != Indication.TOTAL_PASSED:
            return own[1]
        worst = [s for s in self.signatures if s.indication == self.indication]
        if not self.signatures:
            return reasons.info("NO_SIGNATURE").sub_indication
        return worst[0].sub_indication if worst else None

    @property
    def reasons(self) -> tuple[Reason, ...]:
        own = _indication(self.checks)
        if own[0] != Indication.TOTAL_PASSED:
            return own[2]
        if not self.signatures:
            return (Reason("NO_SIGNATURE"),)
        found: list[Reason] = []
        for signature in self.signatures:
            found.extend(r for r in signature.reasons if r.code not in {f.code for f in found})
        return tuple(found)

    @property
    def passed(self) -> bool:
        return self.indication == Indication.TOTAL_PASSED

    @property
    def notice(self) -> dict:
        return reasons.NOTICE_ACCEPTED if self.passed else reasons.NOTICE_NOT_CONFIRMED

    def to_dict(self) -> dict:
        out = {
            "indication": self.indication.value,
            "subIndication": self.sub_indication,
            "accepted": self.passed,
            "reasons": [r.to_dict() for r in self.reasons],
            "notice": self.notice,
            "format": self.format,
            "checks": [c.to_dict() for c in self.checks],
            "signatures": [s.to_dict() for s in self.signatures],
        }
        out.update(self.extra)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
