"""Verify many documents at once, in parallel over processes, for auditors' folders.

Each worker process builds its own verifier once (trust profile, CRLs parsed and their signatures checked,
caches) and sends back a small summary per file, so thousands of PDFs cost one start-up per core, not one per
file; with one job the verifier is built once in the process itself. A file's full report is built only when
it is kept (``keep_reports``).
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

DOCUMENT_SUFFIXES = (".pdf", ".xml", ".p7s", ".p7m", ".p7b", ".cms", ".sig")


@dataclass(frozen=True)
class FileResult:
    path: str
    indication: str
    sub_indication: str | None
    reasons: tuple[str, ...]
    signers: tuple[str, ...]
    signatures: int
    report: dict | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BatchOptions:
    """What each worker needs to build its verifier: plain values, so they cross process boundaries."""

    trust: str
    offline: bool = False
    policy: str = "require"
    crls: tuple[str, ...] = ()
    ocsp_responses: tuple[str, ...] = ()
    at: _dt.datetime | None = None
    keep_reports: bool = False


def collect(paths: list[str]) -> list[str]:
    """Files named directly, plus every document file under named folders, in the order of their paths' parts,
    without duplicates. Paths as text, spelled as ``Path`` spells them (``./a/`` is ``a``): a ``Path`` made
    for each of thousands of files cost more than collecting them."""
    found: dict[str, None] = {}
    for name in paths:
        path = str(Path(name))
        if os.path.isdir(path):
            found.update(dict.fromkeys(_documents_under(path)))
        else:
            found[path] = None
    return list(found)


def _documents_under(folder: str) -> Iterator[str]:
    """The document files anywhere under ``folder`` (links to folders not followed) in the order of their paths'
    parts: each folder's entries by name, a folder's files where its name falls among them; one ``scandir`` per
    folder and no further ``stat`` of each file. A stack of open folders, not recursion: any depth is walked."""
    pending = [_entries(folder)]
    while pending:
        current, entries = pending[-1]
        entry = next(entries, None)
        if entry is None:
            pending.pop()
            continue
        path = entry.name if current == "." else os.path.join(current, entry.name)  # as Path(current) / name
        try:
            if entry.is_dir(follow_symlinks=False):
                pending.append(_entries(path))
            elif entry.is_file() and _suffix(entry.name) in DOCUMENT_SUFFIXES:
                yield path
        except OSError:
            continue


def _entries(folder: str) -> tuple[str, Iterator[os.DirEntry]]:
    """A folder and its entries by name (none when it cannot be read)."""
    try:
        return folder, iter(sorted(os.scandir(folder), key=lambda entry: entry.name))
    except OSError:
        return folder, iter(())


def _suffix(name: str) -> str:
    """``Path(name).suffix.lower()``, without making a Path."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


_verifier = None
_options: BatchOptions | None = None


def _init(options: BatchOptions) -> None:
    global _verifier, _options
    from eds.pki.revocation import Policy
    from eds.validation.signer_check import SignerChecker
    from eds.pki.trust import load_profile
    from eds.validation.verify import DocumentVerifier

    policy = Policy.OFFLINE if options.offline else Policy(options.policy)
    checker = SignerChecker(load_profile(options.trust), policy=policy,
                            crls=[Path(p).read_bytes() for p in options.crls],
                            ocsp_responses=[Path(p).read_bytes() for p in options.ocsp_responses])
    _verifier, _options = DocumentVerifier(checker), options
    # What is here now (modules, the profile, the CRLs and their indexes) lives as long as the process: the
    # collector need not walk it again and again while thousands of files make and drop their reports.
    gc.freeze()
    # A file's check makes some thousands of objects that reference counting frees on its own (a report holds
    # no cycle): with the default threshold of 700 the youngest generation was collected several times per file,
    # about 12 us of a 150 us check. Cyclic garbage, if any, now waits for 50,000 new objects.
    gc.set_threshold(50_000, *gc.get_threshold()[1:])


def _read(path: str | Path) -> bytes:
    """The file's bytes in as few system calls as a file allows (open, fstat, one read, close): per file of a
    batch each call costs the verification after it too (the caches it leaves cold)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) != size:  # not a regular file, one that changed meanwhile, or past one read's maximum
            chunks = [data]
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data = b"".join(chunks)
        return data
    finally:
        os.close(fd)


def _verify_one(path: str | Path) -> FileResult:
    try:
        data = _read(path)
    except OSError as exc:
        return FileResult(str(path), "TOTAL_FAILED", "FORMAT_FAILURE", ("FILE_UNREADABLE",), (), 0,
                          {"error": exc.strerror})
    report = _verifier.verify(data, at=_options.at)
    signers = tuple((s.signer.subject.common_name if s.signer else None) or "?" for s in report.signatures)
    return FileResult(str(path), report.indication.value, report.sub_indication,
                      tuple(r.code for r in report.reasons), signers, len(report.signatures),
                      report.to_dict() if _options.keep_reports else None)  # the summary needs no more


def verify_files(files: list[str] | list[Path], options: BatchOptions, *, jobs: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Iterator[FileResult]:
    """Yield one result per file (in completion order) from ``jobs`` worker processes (default: all cores)."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(files) < 4:
        _init(options)
        for done, path in enumerate(files, 1):
            yield _verify_one(path)
            if progress:
                progress(done, len(files))
        return
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only for more than one job

    with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(options,)) as pool:
        chunk = max(1, min(64, len(files) // (jobs * 8) or 1))
        for done, result in enumerate(pool.map(_verify_one, files, chunksize=chunk), 1):
            yield result
            if progress:
                progress(done, len(files))


@dataclass
class Summary:
    results: list[FileResult] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(r.indication for r in self.results)

    @property
    def all_passed(self) -> bool:
        return bool(self.results) and all(r.indication == "TOTAL_PASSED" for r in self.results)

    def failures(self) -> list[FileResult]:
        return [r for r in self.results if r.indication != "TOTAL_PASSED"]

    def to_csv(self) -> str:
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["path", "indication", "sub_indication", "reasons", "signers", "signatures"])
        for r in sorted(self.results, key=lambda r: r.path):
            writer.writerow([r.path, r.indication, r.sub_indication or "", " ".join(r.reasons), "; ".join(r.signers),
                             r.signatures])
        return out.getvalue()

    def to_json(self) -> str:
        return json.dumps({
            "counts": dict(self.counts),
            "allPassed": self.all_passed,
            "files": [{k: v for k, v in asdict(r).items() if v is not None}
                      for r in sorted(self.results, key=lambda r: r.path)],
        }, ensure_ascii=False, indent=2)
