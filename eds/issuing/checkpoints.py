"""Signed checkpoints of the audit journal, kept outside the database, so that it cannot be rolled back quietly.

The hash chain finds an edited, deleted or reordered entry, but someone who can write the database can also cut
its tail and set the head back, restore an old copy, or rewrite every entry with recomputed hashes: the chain
is then consistent again. A checkpoint is what the database cannot change afterwards: the head (seq, hash, the
last entry's time) and the last value of every number series, as canonical JSON inside a CMS SignedData
(:func:`eds.signatures.cms.sign_cms`) signed by a key of the service's keystore and time-stamped by the TSA
(RFC 3161, :func:`eds.signatures.tsp.signature_timestamper`), one file per checkpoint. ``openssl cms -verify``
reads it too.

:func:`verify` compares the journal with every checkpoint: an entry a checkpoint certified that is missing
(a cut tail, a head set back, an old copy restored), an entry with another hash than certified (a rewrite,
or a rollback that was then written on), a series below a certified value, and series that disagree with the
numbers the journal gave (a number taken with no entry, an entry past its series).
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eds.errors import CodedError
from eds.issuing.registry import Registry
from eds.issuing.registry.journal import JournalPosition, JournalSnapshot, canonical_json, sha256_hex, time_text
from eds.pki.keys import SigningKey
from eds.signatures import cms, tsp
from eds.validation.report import TimeSource
from eds.validation.signer_check import SignerChecker

FORMAT = "eds-journal-checkpoint/1"
DEFAULT_KEY = "journal"  # the key id EDS_CHECKPOINT_KEY names unless set (the demo's operator key)
DEFAULT_EVERY = 100  # EDS_CHECKPOINT_EVERY: a checkpoint after every 100th journal entry; 0: on demand only
SUFFIX = ".cms"
_FILE = re.compile(r"journal-(\d{12})\.cms")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# A number the registry's series gave: {TYPE}-{PROVIDER}-{YEAR}-{NNNNNN}; duplicates (-D1) and numbers
# assigned elsewhere are not of a series.
_SERIES_NUMBER = re.compile(r"([A-Z][A-Z0-9]*-[A-Z][A-Z0-9]{1,7}-\d{4})-(\d{6,})")
_log = logging.getLogger(__name__)

TsaCheck = Callable[[tsp.TimestampInfo], str | None]
"""Whether a checkpoint's TSA is trusted at the token's time: None, or why not."""


class CheckpointError(CodedError):
    """A checkpoint that cannot be made (CHECKPOINT_KEY_MISSING, CHECKPOINT_JOURNAL_BROKEN, CHECKPOINT_UNWRITABLE)
    or a checkpoint folder that cannot be read (CHECKPOINT_DIR_UNREADABLE)."""

    code_in_message = True


@dataclass(frozen=True)
class Checkpoint:
    """What one checkpoint file certifies; ``gen_time`` is the TSA's time, the proof of when it existed."""

    path: Path
    seq: int
    hash: str
    at: str | None
    series: dict[str, int]
    made_at: str
    gen_time: _dt.datetime
    signer_sha256: str


@dataclass(frozen=True)
class Refused:
    """A checkpoint file that proves nothing: why (a stable code) and in what words."""

    path: Path
    code: str
    message: str


@dataclass(frozen=True)
class CheckpointReport:
    """The outcome of :func:`verify`.

    ``reason``: a ``JournalReport`` reason when the journal itself is broken; ``checkpoint_invalid`` (a file
    whose signature, timestamp, signer or content is not right: see ``refused``), ``tail_missing`` (the journal
    ends before an entry a checkpoint certified: its tail was cut, its head set back, or an old copy restored),
    ``rewritten`` (an entry a checkpoint certified now has another hash), ``series_rolled_back`` (a number
    series is below a certified value), ``series_mismatch`` (a series disagrees with the numbers its journal
    entries gave, now or at a checkpoint).
    """

    ok: bool
    entries_checked: int
    checkpoints_checked: int
    latest: Checkpoint | None = None
    reason: str | None = None
    detail: str | None = None
    first_broken_seq: int | None = None
    refused: tuple[Refused, ...] = field(default=())


def every_from(text: str | None) -> int:
    """EDS_CHECKPOINT_EVERY as a count (0: only on demand), or CHECKPOINT_SETTING_INVALID."""
    if text is None or text == "":
        return DEFAULT_EVERY
    if not (text.isascii() and text.isdigit()):
        raise CheckpointError("CHECKPOINT_SETTING_INVALID",
                              f"EDS_CHECKPOINT_EVERY must be a whole number of entries (0: on demand only), not {text!r}")
    return int(text)


def trusted_tsa(checker: SignerChecker) -> TsaCheck:
    """A TSA check by the signer check: the TSA's certificate chains to the profile and was neither expired nor
    revoked at the token's time."""

    def check(info: tsp.TimestampInfo) -> str | None:
        report = checker.check(info.tsa_certificate_der or b"", at=info.gen_time, time_source=TimeSource.TIMESTAMP,
                               purpose=None, extra_certs=info.certificates)
        return None if report.passed else "the TSA certificate: " + ", ".join(r.code for r in report.reasons)

    return check


def content(position: JournalPosition, made_at: _dt.datetime) -> bytes:
    """The canonical JSON a checkpoint signs."""
    return canonical_json({"format": FORMAT, "seq": position.seq, "hash": position.hash, "at": position.at,
                           "series": dict(sorted(position.series.items())), "made_at": time_text(made_at)}
                          ).encode("utf-8")


def file_name(seq: int) -> str:
    return f"journal-{seq:012d}{SUFFIX}"


class Checkpointer:
    """Makes checkpoints of one registry's journal with one key into one folder: on demand (:meth:`write`) and,
    once :meth:`watch` is called, after every ``every``-th journal entry.

    ``key`` is the signing key or what loads it when the first checkpoint is made; ``timestamp`` maps a
    signature value to a checked TimeStampToken (``tsp.signature_timestamper``).
    """

    def __init__(self, registry: Registry, key: SigningKey | Callable[[], SigningKey], directory: str | Path, *,
                 timestamp: cms.Timestamping, every: int | None = None,
                 clock: Callable[[], _dt.datetime] = lambda: _dt.datetime.now(_dt.UTC)) -> None:
        if every is not None and every < 1:
            raise ValueError("every must be at least 1")
        self.registry = registry
        self._key = key
        self.directory = Path(directory)
        self.every = every
        self._timestamp = timestamp
        self._clock = clock
        self._lock = threading.Lock()

    def write(self, position: JournalPosition | None = None) -> Path:
        """Sign and time-stamp the journal's position (read now unless given) into its file; return the path.

        A file that already exists for that seq is kept as it is: the first checkpoint of an entry stands.
        """
        position = position or self.registry.journal_position()
        path = self.directory / file_name(position.seq)
        if path.exists():
            return path
        key = self.key
        signed = cms.sign_cms(content(position, self._clock()), key.private_key, key.certificate.der,
                              extra_certs=[c.der for c in key.chain], timestamp=self._timestamp)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            temporary.write_bytes(signed)
            os.replace(temporary, path)
        except OSError as error:
            raise CheckpointError("CHECKPOINT_UNWRITABLE",
                                  f"cannot write {path.name} in {self.directory}: {error.strerror}") from None
        return path

    @property
    def key(self) -> SigningKey:
        """The checkpoint key, loaded on first use."""
        if not isinstance(self._key, SigningKey):
            self._key = self._key()
        return self._key

    def write_verified(self) -> Path:
        """A checkpoint on demand: only of a journal that verifies, so that a checkpoint never blesses tampering."""
        snapshot = self.registry.journal_snapshot()
        if not snapshot.report.ok:
            raise CheckpointError("CHECKPOINT_JOURNAL_BROKEN",
                                  f"the journal is broken at entry {snapshot.report.first_broken_seq} "
                                  f"({snapshot.report.reason}); no checkpoint is made")
        return self.write(snapshot.position)

    def watch(self) -> None:
        """Write a checkpoint after each write whose journal entry's seq is a multiple of ``every``."""
        if self.every is None:
            raise ValueError("a Checkpointer without every has nothing to watch")
        self.registry.on_journal_append(self._appended)

    def _appended(self, seq: int) -> None:
        """Runs after the commit, outside every lock of the registry; a failure is logged, never raised into the
        write that has already succeeded (verify reports the entries no checkpoint covers)."""
        if seq % (self.every or 1):
            return
        try:
            with self._lock:  # one at a time per process; a thread that waits then certifies a later head
                self.write()
        except Exception as error:  # the TSA down, a full disk, no key: the write stands, the checkpoint is late
            _log.warning("journal checkpoint after entry %d not written: %s", seq, error)


def read(path: Path, *, signers: frozenset[str], tsa_check: TsaCheck | None) -> Checkpoint | Refused:
    """One checkpoint file, or why it proves nothing.

    It must be a CMS with one intact SignerInfo (signature, signed attributes, signing certificate) by a
    certificate in ``signers`` (SHA-256 of the DER), carrying an intact signature timestamp from a TSA that
    ``tsa_check`` accepts, over the canonical JSON of a checkpoint.
    """
    def refused(code: str, message: str) -> Refused:
        return Refused(path, code, message)

    try:
        data = path.read_bytes()
    except OSError as error:
        return refused("CHECKPOINT_UNREADABLE", f"cannot read it: {error.strerror}")
    result = tsp.verify_cades(data)
    if result.failure is not None:
        return refused(result.failure, result.message)
    if len(result.signers) != 1:
        return refused("CHECKPOINT_MALFORMED", f"{len(result.signers)} signatures; a checkpoint has one")
    (signer,) = result.signers
    if not signer.intact:
        return refused(signer.failure or "SIGNATURE_INVALID", signer.message)
    if signer.timestamp is None:
        return refused("TIMESTAMP_MISSING", "the signature carries no timestamp: nothing proves when it was made")
    signer_sha256 = sha256_hex(signer.certificate_der or b"")
    if signer_sha256 not in signers:
        return refused("SIGNER_NOT_TRUSTED", f"signed by a certificate (SHA-256 {signer_sha256[:16]}...) that is "
                                             "not a checkpoint key of this service")
    if tsa_check is not None:
        why = tsa_check(signer.timestamp)
        if why is not None:
            return refused("TSA_NOT_TRUSTED", why)
    try:
        body = json.loads(result.content or b"")
    except (ValueError, UnicodeDecodeError):
        return refused("CHECKPOINT_MALFORMED", "the signed content is not JSON")
    problem = _malformed(body)
    if problem is not None:
        return refused("CHECKPOINT_MALFORMED", problem)
    if canonical_json(body).encode("utf-8") != result.content:
        return refused("CHECKPOINT_MALFORMED", "the signed content is not in canonical form")
    match = _FILE.fullmatch(path.name)
    if match is None or int(match.group(1)) != body["seq"]:
        return refused("CHECKPOINT_MALFORMED", f"the file name does not say entry {body['seq']}")
    return Checkpoint(path, body["seq"], body["hash"], body["at"], body["series"], body["made_at"],
                      signer.timestamp.gen_time, signer_sha256)


def _malformed(body: Any) -> str | None:
    """What is wrong with a checkpoint's JSON, or None."""
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return f"not a {FORMAT} document"
    if set(body) != {"format", "seq", "hash", "at", "series", "made_at"}:
        return "unexpected or missing fields"
    if not isinstance(body["seq"], int) or isinstance(body["seq"], bool) or body["seq"] < 0:
        return "seq is not a count of entries"
    if not isinstance(body["hash"], str) or not _SHA256_HEX.fullmatch(body["hash"]):
        return "hash is not a SHA-256"
    if not (body["at"] is None or isinstance(body["at"], str)) or not isinstance(body["made_at"], str):
        return "at and made_at are not times"
    series = body["series"]
    if not isinstance(series, dict) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                               for v in series.values()):
        return "series is not a table of last values"
    return None


def load(directory: str | Path, *, signers: frozenset[str],
         tsa_check: TsaCheck | None) -> tuple[list[Checkpoint], list[Refused]]:
    """Every checkpoint file of ``directory`` (``journal-*.cms``), read and checked, lowest seq first."""
    folder = Path(directory)
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix == SUFFIX and not p.name.startswith("."))
    except OSError as error:
        raise CheckpointError("CHECKPOINT_DIR_UNREADABLE", f"cannot read {folder}: {error.strerror}") from None
    good: list[Checkpoint] = []
    bad: list[Refused] = []
    for path in paths:
        outcome = read(path, signers=signers, tsa_check=tsa_check)
        (good if isinstance(outcome, Checkpoint) else bad).append(outcome)
    good.sort(key=lambda c: c.seq)
    return good, bad


def series_taken(entries: Sequence[tuple[str, str | None]], upto: int | None = None) -> dict[str, set[int]]:
    """The numbers each series gave, as the journal's entries 1..``upto`` (all) name them."""
    taken: dict[str, set[int]] = defaultdict(set)
    for _, number in entries[:upto]:
        match = _SERIES_NUMBER.fullmatch(number or "")
        if match:
            taken[match.group(1)].add(int(match.group(2)))
    return taken


def _series_problem(series: dict[str, int], taken: dict[str, set[int]]) -> str | None:
    """Where a table of series last values disagrees with the numbers the journal gave, or None."""
    for prefix in sorted(set(series) | set(taken)):
        last, numbers = series.get(prefix, 0), taken.get(prefix, set())
        beyond = sorted(n for n in numbers if n > last)
        if beyond:
            return f"series {prefix} stands at {last} but the journal gave number {beyond[0]}"
        missing = sorted(set(range(1, last + 1)) - numbers)
        if missing:
            return (f"series {prefix} stands at {last} but no journal entry gave number {missing[0]}"
                    + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    return None


def compare(snapshot: JournalSnapshot, checkpoints: Sequence[Checkpoint],
            refused: Iterable[Refused] = ()) -> CheckpointReport:
    """The journal as it is (``snapshot``) against the checkpoints, lowest seq first; the first problem wins."""
    refused = tuple(refused)
    count, latest = len(snapshot.entries), (checkpoints[-1] if checkpoints else None)

    def broken(reason: str, detail: str, seq: int | None) -> CheckpointReport:
        return CheckpointReport(False, count, len(checkpoints), latest, reason, detail, seq, refused)

    report = snapshot.report
    if not report.ok:
        return broken(report.reason or "edited", report.detail or "", report.first_broken_seq)
    if refused:
        first = refused[0]
        return broken("checkpoint_invalid", f"{first.path.name}: {first.code}: {first.message}", None)
    head = snapshot.position
    matched = 0
    for checkpoint in checkpoints:
        if checkpoint.seq > head.seq:
            return broken("tail_missing", f"the journal ends at entry {head.seq}, but {checkpoint.path.name} "
                                          f"certified entry {checkpoint.seq} ({checkpoint.gen_time.isoformat()}): "
                                          "its tail was cut or the database rolled back", head.seq + 1)
        actual = snapshot.entries[checkpoint.seq - 1][0] if checkpoint.seq else None
        if checkpoint.seq and actual != checkpoint.hash:
            kept = f"; entries up to {matched} are as certified" if matched else ""
            return broken("rewritten", f"entry {checkpoint.seq} is not the one {checkpoint.path.name} certified: "
                                       f"the journal was rewritten at or before it{kept}", matched + 1)
        matched = checkpoint.seq
        for prefix, value in sorted(checkpoint.series.items()):
            if head.series.get(prefix, 0) < value:
                return broken("series_rolled_back", f"series {prefix} stands at {head.series.get(prefix, 0)}, "
                                                    f"below {value} that {checkpoint.path.name} certified", None)
        problem = _series_problem(checkpoint.series, series_taken(snapshot.entries, checkpoint.seq))
        if problem is not None:
            return broken("series_mismatch", f"{checkpoint.path.name}: {problem}", checkpoint.seq)
    problem = _series_problem(head.series, series_taken(snapshot.entries))
    if problem is not None:
        return broken("series_mismatch", problem, None)
    return CheckpointReport(True, count, len(checkpoints), latest, refused=refused)


def verify(registry: Registry, directory: str | Path, *, signers: frozenset[str],
           tsa_check: TsaCheck | None) -> CheckpointReport:
    """The journal checked on its own, then against every checkpoint in ``directory``."""
    checkpoints, refused = load(directory, signers=signers, tsa_check=tsa_check)
    return compare(registry.journal_snapshot(), checkpoints, refused)
