"""CRLs kept in memory and on disk, found by issuer (name and key), refreshed at nextUpdate.

A certificate's distribution point may name another CA's CRL (NCA_PROFILE.md §4), so CRLs are filed by
the issuer they declare and proved by their signature, never trusted because of the URL they came from.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import http.client
import threading
import urllib.error
import urllib.request
from pathlib import Path

from eds.pki.certificates import Certificate
from eds.pki.revocation.crl import CrlError, CrlIndex

MAX_CRL_BYTES = 600_000_000


class CrlStore:
    """Indexed CRLs by issuer; fetches from URLs with a timeout, caching the bytes under ``cache_dir``."""

    def __init__(self, *, cache_dir: Path | None = None, timeout: float = 10.0,
                 min_refresh: _dt.timedelta = _dt.timedelta(seconds=30)) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.min_refresh = min_refresh
        self._by_url: dict[str, CrlIndex] = {}
        self._attempted: dict[str, _dt.datetime] = {}
        self._in_flight: dict[str, threading.Event] = {}  # URL -> set when its fetch has ended
        self._given: list[CrlIndex] = []
        self._errors: dict[str, str] = {}
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

    def last_error(self, url: str) -> str | None:
        return self._errors.get(url)

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".crl")

    def refresh(self, urls: list[str] | tuple[str, ...], now: _dt.datetime, *, force: bool = False) -> None:
        """Make sure each URL's CRL is loaded and current, fetching what is missing or past nextUpdate.

        A URL another thread is fetching already is waited for, not fetched again, and not reported missing
        while its CRL is on the way. ``force`` fetches even a current CRL (a delta names a newer complete CRL
        than the one held), at most once a second per URL.
        """
        fetches: list[str] = []
        waits: list[threading.Event] = []
        for url in urls:
            with self._lock:
                current = self._by_url.get(url)
                in_flight = self._in_flight.get(url)
            if not force and current is not None and current.next_update is not None and now <= current.next_update:
                continue
            if in_flight is not None:
                waits.append(in_flight)
                continue
            if not force and current is None and self._load_cached(url, now):
                continue
            with self._lock:
                attempted = self._attempted.get(url)
                pause = _dt.timedelta(seconds=1) if force else self.min_refresh
                if attempted is not None and now - attempted < pause:
                    continue
                if url in self._in_flight:
                    waits.append(self._in_flight[url])
                    continue
                self._attempted[url] = now
                self._in_flight[url] = threading.Event()
            fetches.append(url)
        for url in fetches:  # in the order given: a complete CRL before its delta, so the delta is the newer
            self._fetch_in_flight(url)
        for event in waits:
            event.wait(self.timeout + 5)  # the fetching thread gives up after its own timeout

    def _fetch_in_flight(self, url: str) -> None:
        try:
            self._fetch(url)
        finally:
            with self._lock:
                event = self._in_flight.pop(url)
            event.set()

    def _load_cached(self, url: str, now: _dt.datetime) -> bool:
        path = self._cache_path(url)
        if path is None or not path.exists():
            return False
        try:
            index = CrlIndex(path.read_bytes(), source="cache")
        except CrlError:
            path.unlink(missing_ok=True)
            return False
        with self._lock:
            self._by_url[url] = index
        return index.next_update is not None and now <= index.next_update

    def _fetch(self, url: str) -> None:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as reply:
                der = reply.read(MAX_CRL_BYTES + 1)
            if len(der) > MAX_CRL_BYTES:
                raise CrlError("CRL_TOO_LARGE", f"CRL at {url} is larger than {MAX_CRL_BYTES} bytes")
            index = CrlIndex(der, source="network")
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
            self._errors[url] = f"CRL {url} could not be fetched or read: {exc}"
            return
        with self._lock:
            self._by_url[url] = index
            self._errors.pop(url, None)
        path = self._cache_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(der)
            tmp.replace(path)
