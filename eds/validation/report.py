"""Validation results as values: one report per signature and one per document, after ETSI EN 319 102-1.

A check never raises to say "no": it adds a ``Check`` with a status and a reason code, and the report
derives its indication from them: any FAILED check gives TOTAL_FAILED, otherwise any INDETERMINATE one
gives INDETERMINATE, otherwise TOTAL_PASSED. The API, the CLI and the web page render these values.
What a signature report rests on (the signer, the chain, the revocation evidence as ``eds.pki.revocation``
made it) is values too; their attributes are snake_case and the JSON's camelCase lives only in each ``to_dict``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from eds import messages
from eds.pki.certificates import Certificate, CertificateSummary
from eds.pki.revocation.evidence import RevocationEvidence
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
class Phrase:
    """A catalogue text and the values it is filled with, so that one report line reads in every language.

    A value may be a Phrase itself (a word that is translated too), a tuple of Phrases (joined by "; "), or
    anything else (a name, a number, a time), which reads the same in every language.
    """

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        """The text in ``language`` (English for one the catalogue lacks)."""
        return messages.text(self.key, language).format(**{name: _filled(value, language)
                                                           for name, value in self.values.items()})


def _filled(value: object, language: str) -> object:
    if isinstance(value, Phrase):
        return value.text(language)
    if isinstance(value, tuple) and all(isinstance(v, Phrase) for v in value):
        return "; ".join(v.text(language) for v in value)
    return value


@dataclass(frozen=True)
class Check:
    """One line of the detailed report.

    ``message`` is the English line of the JSON; ``phrase`` the same line in the catalogue, which is what people
    read in any language. Where ``message`` quotes a library's exception, ``phrase`` says it in our words and
    the exception's text is ``details.cause``.
    """

    name: str
    status: Status
    message: str
    code: str | None = None
    details: dict = field(default_factory=dict)
    phrase: Phrase | None = None

    @classmethod
    def of(cls, name: str, status: Status, key: str, values: Mapping[str, object] | None = None,
           code: str | None = None, details: dict | None = None) -> Check:
        """A check whose English ``message`` is its catalogue text, so the two never differ. One without details
        whose values are plain (text, numbers) is the same value every time it is made with them
        (``check.signature.intact``, ``check.signers.unchecked`` with its count...): made once, and kept."""
        memo = None
        if not details and cls is Check and all(type(v) in _PLAIN_VALUES for v in (values or {}).values()):
            memo = (name, type(status), status, key, code,
                    tuple((k, type(v), v) for k, v in (values or {}).items()))
            found = _PLAIN_CHECKS.get(memo)
            if found is not None:
                return found
        phrase = Phrase(key, dict(values or {}))
        check = cls(name, status, phrase.text("en"), code, dict(details or {}), phrase)
        if memo is not None:
            if len(_PLAIN_CHECKS) >= 4096:  # values that differ each time (a date) only churn it
                _PLAIN_CHECKS.clear()
            _PLAIN_CHECKS[memo] = check
        return check

    def text(self, language: str = "en") -> str:
        """The line in ``language``: the catalogue's phrase; ``message`` only for a check made without one."""
        return self.phrase.text(language) if self.phrase is not None else self.message

    def label(self, language: str = "en") -> str:
        """The check's name in ``language`` (the name itself for one the catalogue lacks)."""
        key = f"checkname.{self.name}"
        return messages.text(key, language) if key in messages.CATALOGUE else self.name

    def to_dict(self) -> dict:
        out = {"name": self.name, "status": self.status.value, "message": self.message}
        if self.code:
            out["code"] = self.code
        if self.details:
            out["details"] = self.details
        return out


_PLAIN_CHECKS: dict[tuple, Check] = {}
_PLAIN_VALUES = (str, int, float, bool, type(None))


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
    failed: list[Check] = []
    undecided: list[Check] = []
    for check in checks:  # one pass, the members read once (an Enum member read costs as much as a check)
        status = check.status
        if status is _PASSED_STATUS:
            continue
        if status == _FAILED:  # by value, as before: a status given as plain text counts the same
            failed.append(check)
        elif status == _UNDECIDED:
            undecided.append(check)
    if failed:
        found = failed
        indication = Indication.TOTAL_FAILED
    elif undecided:
        found = undecided
        indication = Indication.INDETERMINATE
    else:
        return _PASSED_VERDICT
    codes = tuple(Reason(c.code or "GENERIC", c.details) for c in found)
    return indication, reasons.info(found[0].code or "GENERIC").sub_indication, codes


_PASSED_VERDICT: tuple[Indication, str | None, tuple[Reason, ...]] = (Indication.TOTAL_PASSED, None, ())
_PASSED_STATUS, _FAILED, _UNDECIDED = Status.PASSED, Status.FAILED, Status.INDETERMINATE
_TOTAL_PASSED = Indication.TOTAL_PASSED


def _verdict(report: SignatureReport | DocumentReport) -> tuple[Indication, str | None, tuple[Reason, ...]]:
    """``_indication`` of a report's own checks, worked out once: a report is a value (frozen, its checks a
    tuple of frozen checks), and the CLI, the batch summary and the JSON each ask for its indication, sub-
    indication and reasons. Kept outside the fields, so it is never compared or shown, and carried over only by
    ``changed`` to a copy with the same checks."""
    found = report.__dict__.get("_verdict")
    if found is None:
        found = _indication(report.checks)
        object.__setattr__(report, "_verdict", found)
    return found


def _document_verdict(report: DocumentReport) -> tuple[Indication, str | None, tuple[Reason, ...]]:
    """A document's indication, sub-indication and reasons: its own checks' when they do not pass, else its
    worst signature's (no signature: NO_SIGNATURE); worked out once, like ``_verdict``."""
    found = report.__dict__.get("_document_verdict")
    if found is not None:
        return found
    own = _verdict(report)
    if own[0] != Indication.TOTAL_PASSED:
        found = own
    elif not report.signatures:
        found = (Indication.TOTAL_FAILED, reasons.info("NO_SIGNATURE").sub_indication, (Reason("NO_SIGNATURE"),))
    else:
        indication = min((_verdict(s)[0] for s in report.signatures), key=_ORDER.__getitem__)
        if indication == _TOTAL_PASSED:  # every signature passed: no reason to gather
            object.__setattr__(report, "_document_verdict", own)
            return own
        worst = [s for s in report.signatures if s.indication == indication]
        listed: list[Reason] = []
        for signature in report.signatures:
            listed.extend(r for r in signature.reasons if r.code not in {f.code for f in listed})
        found = (indication, worst[0].sub_indication if worst else None, tuple(listed))
    object.__setattr__(report, "_document_verdict", found)
    return found


def changed(value, **changes):
    """``dataclasses.replace`` for the report values (frozen, without ``__post_init__`` or InitVar fields): the
    fields copied as they are rather than passed through ``__init__`` again, which every document pays several
    times over (the signer's report joined to its signature's, a signer check reused at another moment)."""
    unknown = changes.keys() - value.__dataclass_fields__.keys()
    if unknown:
        raise TypeError(f"{type(value).__name__} has no field {', '.join(sorted(unknown))}")
    new = object.__new__(type(value))
    state = new.__dict__
    state.update(value.__dict__)
    if "checks" in changes:
        state.pop("_verdict", None)  # the verdict is the checks': worked out again for the new ones
    if "checks" in changes or "signatures" in changes:
        state.pop("_document_verdict", None)
    state.update(changes)
    return new


def _iso(moment: _dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class TimeSource(str, enum.Enum):
    """What the moment a signer is judged at rests on."""

    TIMESTAMP = "timestamp"  # a trusted timestamp proves it
    REQUESTED = "requested"  # the caller named it
    NOW = "now"  # nothing proves an earlier one


@dataclass(frozen=True)
class ChainEntry:
    """One certificate of the trusted path, from the signer's to the pinned anchor."""

    subject: str  # DN
    serial_number: str
    sha256: str
    not_before: _dt.datetime
    not_after: _dt.datetime

    @classmethod
    def of(cls, cert: Certificate) -> ChainEntry:
        return cls(cert.subject_dn, cert.serial_hex, cert.sha256, cert.not_before, cert.not_after)

    def to_dict(self) -> dict:
        return {"subject": self.subject, "serialNumber": self.serial_number, "sha256": self.sha256,
                "notBefore": self.not_before.isoformat(), "notAfter": self.not_after.isoformat()}


@dataclass(frozen=True)
class SignatureReport:
    """The verdict on one signature (or one certificate check) and everything it rests on."""

    checks: tuple[Check, ...]
    signer: CertificateSummary | None = None
    chain: tuple[ChainEntry, ...] = ()
    revocation: tuple[RevocationEvidence, ...] = ()
    validation_time: _dt.datetime | None = None
    time_source: TimeSource | None = None
    signing_time: _dt.datetime | None = None
    extra: dict = field(default_factory=dict)

    def with_signer(self, signer: SignatureReport | None, *checks: Check) -> SignatureReport:
        """This report resting on ``signer``, the signer check of its certificate (None when it has none).

        The signer's checks follow this report's, then ``checks``; the signer, chain, revocation evidence and
        the moment judged at become the signer check's. Every format joins its own checks to the signer's so.
        """
        if signer is None:
            return changed(self, checks=(*self.checks, *checks))
        return changed(self, checks=(*self.checks, *signer.checks, *checks), signer=signer.signer,
                       chain=signer.chain, revocation=signer.revocation, validation_time=signer.validation_time,
                       time_source=signer.time_source)

    @property
    def indication(self) -> Indication:
        return _verdict(self)[0]

    @property
    def sub_indication(self) -> str | None:
        return _verdict(self)[1]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return _verdict(self)[2]

    @property
    def passed(self) -> bool:
        return self.indication == Indication.TOTAL_PASSED

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == Status.WARNING)

    def to_dict(self) -> dict:
        indication, sub, found = _verdict(self)
        out = {
            "indication": indication.value,
            "subIndication": sub,
            "reasons": [r.to_dict() for r in found],
            "signer": self.signer.to_dict() if self.signer else None,
            "signingTime": _iso(self.signing_time),
            "validationTime": _iso(self.validation_time),
            "timeSource": self.time_source.value if self.time_source else None,
            "chain": [c.to_dict() for c in self.chain],
            "revocation": [e.to_dict() for e in self.revocation],
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
        return _document_verdict(self)[0]

    @property
    def sub_indication(self) -> str | None:
        return _document_verdict(self)[1]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return _document_verdict(self)[2]

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
