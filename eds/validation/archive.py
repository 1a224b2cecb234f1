"""PAdES B-LTA: which timestamps of a PDF are still proof of time, at which moment each must be judged.

A timestamp proves its moment only while its TSA chain is valid and its algorithms are strong
(:func:`eds.pki.lifetimes.proof_life`). The newest document timestamp must be proof at the validation time (the
requested moment, or now); an older timestamp, a signature timestamp or a document timestamp, must be proof only
at the earliest ``genTime`` of a later document timestamp that covers it and is itself proof: that one shows
the older token, and the validation data beside it, existed then. A document timestamp counts only when every
check of its own passed: its token covers its revision, nothing but validation data and timestamps followed it,
and its TSA chains to the profile with revocation evidence at its ``genTime``; one that fails any of these
protects nothing (an untrusted TSA is no time evidence, whatever it covers).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass

from eds.validation.report import Check, SignatureReport, Status


@dataclass(frozen=True)
class _Stamp:
    """A judged document timestamp: the revision it covers, its moment and how long it is proof."""

    index: int
    revision: int
    gen_time: _dt.datetime | None
    trusted: bool
    until: _dt.datetime | None


def _until(report: SignatureReport) -> _dt.datetime | None:
    proof = report.extra.get("proof")
    return _dt.datetime.fromisoformat(proof["until"]) if proof else None


class Proofs:
    """The document timestamps of one PDF judged against each other at the validation time ``moment``."""

    def __init__(self, stamps: dict[int, tuple[int, SignatureReport]], moment: _dt.datetime) -> None:
        """``stamps``: signature index -> (its signed revision, its report as judged alone)."""
        self.moment = moment
        self._stamps = [_Stamp(index, revision, report.signing_time, report.passed, _until(report))
                        for index, (revision, report) in stamps.items()]
        self.references: dict[int, _dt.datetime] = {}
        self._proven: list[_Stamp] = []  # the timestamps that are proof at their reference, newest first
        for stamp in sorted(self._stamps, key=lambda s: s.revision, reverse=True):
            reference = self.covering(stamp.revision)
            self.references[stamp.index] = reference
            if stamp.trusted and stamp.gen_time is not None and stamp.until is not None and reference <= stamp.until:
                self._proven.append(stamp)

    def covering(self, revision: int) -> _dt.datetime:
        """The moment a timestamp made in ``revision`` must still be proof at: the earliest genTime of a proven
        document timestamp of a later revision, else the validation time."""
        later = [s.gen_time for s in self._proven if s.revision > revision]
        return min([*later, self.moment])

    def protected(self, revision: int) -> bool:
        return any(s.revision > revision for s in self._proven)

    def protection(self, revision: int) -> _dt.datetime | None:
        """The moment a proven later document timestamp shows ``revision`` existed, or None when none covers it."""
        return self.covering(revision) if self.protected(revision) else None

    def judged(self, index: int, report: SignatureReport) -> SignatureReport:
        """A document timestamp's report with its verdict as proof: expired at its reference time (nothing later
        covers it) leaves it INDETERMINATE (TIMESTAMP_EXPIRED); covered, it names what protects it."""
        stamp = next(s for s in self._stamps if s.index == index)
        reference = self.references[index]
        if not stamp.trusted or stamp.until is None:
            return report
        if reference > stamp.until:
            return dataclasses.replace(report, checks=(*report.checks, expired(stamp.until, reference,
                                                                               report.extra.get("proof", {}))))
        if self.protected(stamp.revision):
            return dataclasses.replace(report, extra={**report.extra, "protectedAt": reference.isoformat()})
        return report


def expired(until: _dt.datetime, reference: _dt.datetime, proof: dict) -> Check:
    """The line of a timestamp that is no longer proof at ``reference``: its chain or algorithm ended ``until``."""
    cause = proof.get("cause") or "certificate"
    return Check.of("timestamp", Status.INDETERMINATE, f"check.timestamp.expired_{cause}",
                    {"until": until.isoformat(), "at": reference.isoformat()}, "TIMESTAMP_EXPIRED",
                    {"proofUntil": until.isoformat(), "judgedAt": reference.isoformat(), "cause": cause,
                     "certificate": proof.get("subject")})
