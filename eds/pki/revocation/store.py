"""CRLs kept in memory and on disk, found by issuer (name and key), refreshed at nextUpdate.

A certificate's distribution point may name another CA's CRL (NCA_PROFILE.md §4), so CRLs are filed by
the issuer they declare and proved by their signature, never trusted because of the URL they came from.

A cached CRL (``<hash of its URL>.crl``) has its index table next to it (``.idx``, 0600), with the issuers whose
certificate its signature verified with: another process loading it from the cache maps the table instead of
scanning the CRL, and does not check the signature again (see :mod:`eds.pki.revocation.crl`).

Fetches go through :mod:`eds.pki.network` (the request's budget, http(s) only, the CRL size limit). One URL is
fetched once at a time on a machine: threads of a process wait for the fetch on its way, and processes sharing
the cache folder take a file lock around the fetch, so that the others wait (within their own budget) and
read what the first one wrote instead of asking a slow server again.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import hashlib
import os
import threading
import time
from pathlib import Path

from eds.errors import CodedError
from eds.pki import network
from eds.pki.certificates import Certificate
from eds.pki.revocation.crl import CrlError, CrlIndex

_LOCK_POLL = 0.025  # seconds between tries of another process's fetch lock


class CrlStore:
    """Indexed CRLs by issuer; fetched within the request's budget (each fetch at most ``timeout`` seconds and
    ``max_bytes``, the CRL limit by default), the bytes cached under ``cache_dir``."""

    def __init__(self, *, cache_dir: Path | None = None, timeout: float = 10.0,
                 min_refresh: _dt.timedelta = _dt.timedelta(seconds=30), max_bytes: int | None = None) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.min_refresh = min_refresh
        self.max_bytes = max_bytes
        self._by_url: dict[str, CrlIndex] = {}
        self._attempted: dict[str, _dt.datetime] = {}
        self._in_flight: dict[str, threading.Event] = {}  # URL -> set when its fetch has ended
        self._given: list[CrlIndex] = []
        self._errors: dict[str, CodedError] = {}
        self._lock = threading.Lock()

    def add(self, der: bytes, *, source: str = "file") -> CrlIndex:
        """Add a CRL that came with a request or a document; raises CrlError when it is not a CRL."""
        index = CrlIndex(der, source=source)
        with self._lock:
            self._given.append(index)
        return index

    def candidates(self, issuer: Certificate) -> list[CrlIndex]:
        with self._lock:
            pool = list(self._by_url.values()) + list(self._given)
        return [c for c in pool if c.issued_by(issuer)]

    def loaded(self) -> list[CrlIndex]:
        """Every CRL held now (fetched, cached or given)."""
        with self._lock:
            return list(self._by_url.values()) + list(self._given)

    def held(self, url: str) -> CrlIndex | None:
        """The CRL last fetched from (or cached for) ``url``."""
        with self._lock:
            return self._by_url.get(url)

    def last_error(self, url: str) -> str | None:
        failure = self._errors.get(url)
        return str(failure) if failure is not None else None

    def last_failure(self, url: str) -> CodedError | None:
        """Why the last fetch of ``url`` failed (a NetworkError or a CrlError), while it has not succeeded since."""
        return self._errors.get(url)

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".crl")

    @staticmethod
    def _table_path(path: Path) -> Path:
        """Where the index table of the CRL cached at ``path`` is kept, with the issuers it verified with: a
        process that loads the cached CRL neither scans it nor checks its signature again (crl.read_table)."""
        return path.with_suffix(".idx")

    def refresh(self, urls: list[str] | tuple[str, ...], now: _dt.datetime, *, force: bool = False,
                policy: network.UrlPolicy | None = None) -> list[CodedError]:
        """Make sure each URL's CRL is loaded and current, fetching what is missing or past nextUpdate; returns
        what failed in this call (NetworkError: DEADLINE, URL_REFUSED, RESPONSE_TOO_LARGE...; CrlError).

        A URL another thread is fetching already is waited for (within the request's budget), not fetched
        again, and not reported missing while its CRL is on the way. ``force`` fetches even a current CRL (a
        delta names a newer complete CRL than the one held), at most once a second per URL. ``policy`` says
        which hosts outside the public internet may be asked (none by default).
        """
        policy = policy or network.UrlPolicy()
        failures: list[CodedError] = []
        fetches: list[str] = []
        waits: list[tuple[str, threading.Event]] = []
        for url in urls:
            try:
                policy.check(url, "crl")  # a file: or gopher: URL is refused before anything else is done with it
            except network.UrlRefused as exc:
                self._errors[url] = exc
                failures.append(exc)
                continue
            with self._lock:
                current = self._by_url.get(url)
                in_flight = self._in_flight.get(url)
            if not force and current is not None and current.next_update is not None and now <= current.next_update:
                continue
            if in_flight is not None:
                waits.append((url, in_flight))
                continue
            if not force and current is None and self._load_cached(url, now):
                continue
            if network.remaining() <= 0:  # nothing left to wait with: not an attempt, so not remembered as one
                failures.append(network.deadline_error(url, "crl"))
                continue
            with self._lock:
                attempted = self._attempted.get(url)
                pause = _dt.timedelta(seconds=1) if force else self.min_refresh
                if attempted is not None and now - attempted < pause:
                    continue
                if url in self._in_flight:
                    waits.append((url, self._in_flight[url]))
                    continue
                self._attempted[url] = now
                self._in_flight[url] = threading.Event()
            fetches.append(url)
        for url in fetches:  # in the order given: a complete CRL before its delta, so the delta is the newer
            failure = self._fetch_in_flight(url, now, force, policy)
            if failure is not None:
                failures.append(failure)
        for url, event in waits:
            try:
                with network.waiting(url, "crl", self.timeout) as seconds:
                    arrived = event.wait(seconds)
            except network.NetworkError as exc:
                failures.append(exc)
                continue
            if not arrived:
                failures.append(network.deadline_error(url, "crl", f"the CRL {url} another request fetches did "
                                                                   "not arrive within this request's budget"))
        return failures

    def _fetch_in_flight(self, url: str, now: _dt.datetime, force: bool,
                         policy: network.UrlPolicy) -> CodedError | None:
        try:
            return self._fetch(url, now, force, policy)
        finally:
            with self._lock:
                event = self._in_flight.pop(url)
            event.set()

    def _load_cached(self, url: str, now: _dt.datetime, *, written_after: float | None = None) -> bool:
        """Load the cached bytes of ``url`` (only when written after ``written_after``, a time.time()); True
        when they make a current CRL."""
        path = self._cache_path(url)
        if path is None:
            return False
        try:
            if written_after is not None and path.stat().st_mtime < written_after:
                return False
            index = CrlIndex(path.read_bytes(), source="cache", table_file=self._table_path(path))
        except FileNotFoundError:
            return False
        except (CrlError, OSError):
            path.unlink(missing_ok=True)
            self._table_path(path).unlink(missing_ok=True)
            return False
        with self._lock:
            self._by_url[url] = index
        current = index.next_update is not None and now <= index.next_update
        if current:
            self._errors.pop(url, None)
        return current

    def _fetch(self, url: str, now: _dt.datetime, force: bool, policy: network.UrlPolicy) -> CodedError | None:
        """Fetch ``url``, or take what another process of this machine fetched while this one waited for it."""
        path = self._cache_path(url)
        if path is None:
            return self._download(url, policy, None)
        waited_from = time.time()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path.with_suffix(".lock"), "a+b")  # noqa: SIM115 (held across the fetch below)
        except OSError:
            return self._download(url, policy, path)  # a cache folder that cannot be written: fetch without it
        with handle:
            try:
                self._lock_file(handle, url)
            except network.NetworkError as exc:
                self._errors[url] = exc
                return exc
            try:
                # Another process may have fetched it while this one waited: a current CRL it wrote will do
                # (for ``force``, only one written since this fetch began).
                if self._load_cached(url, now, written_after=waited_from if force else None):
                    return None
                return self._download(url, policy, path)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _lock_file(handle, url: str) -> None:
        """Take the fetch lock of ``url``, waiting for another process's fetch within the request's budget."""
        with network.waiting(url, "crl") as seconds:
            deadline = time.monotonic() + seconds
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise network.deadline_error(url, "crl", f"another process's fetch of the CRL {url} did "
                                                                 "not end within this request's budget") from None
                    time.sleep(_LOCK_POLL)

    def _download(self, url: str, policy: network.UrlPolicy, path: Path | None) -> CodedError | None:
        try:
            der = network.fetch(url, kind="crl", policy=policy, timeout=self.timeout, max_bytes=self.max_bytes)
            index = CrlIndex(der, source="network", table_file=self._table_path(path) if path is not None else None)
        except (network.NetworkError, CrlError) as exc:
            self._errors[url] = exc
            return exc
        with self._lock:
            self._by_url[url] = index
            self._errors.pop(url, None)
        if path is not None:
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                tmp.write_bytes(der)
                tmp.replace(path)
            except OSError:
                tmp.unlink(missing_ok=True)  # the CRL is held in memory; the cache is only a help
        return None
