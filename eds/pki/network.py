"""Evidence over the network (OCSP, CRLs, the TSA): one time budget per request, http(s) only, bounded answers.

A hung responder used to hold a request past the worker timeout, and a CA-signed certificate could point the
service at ``file:///etc/passwd`` or at an internal host. Every fetch of revocation or time evidence goes
through :func:`fetch`, which

- spends the budget of the request it runs in (:func:`budget`: 5 s by default for all its fetches together,
  and waits for another thread's or process's fetch of the same CRL count too); a spent budget fails the
  fetch ``DEADLINE`` at once. Outside a budget (library use) each fetch has the default to itself;
- takes only http and https URLs, to public addresses or to the loopback and private origins its
  :class:`UrlPolicy` allows (those of the configured URLs, and ``EDS_NETWORK_ALLOW``); it connects to the
  address it checked, so a name cannot resolve to another one in between;
- follows at most three redirects, each to the same scheme and checked again like the first URL;
- reads at most the size limit of its kind (``crl``, ``ocsp``, ``tsa``) and refuses a larger answer.

Failures are :class:`NetworkError` with a stable code: ``DEADLINE``, ``URL_REFUSED`` (a :class:`UrlRefused`,
also a ValueError), ``RESPONSE_TOO_LARGE``, ``HTTP_ERROR`` (``status`` in details), ``UNREACHABLE``.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from eds.errors import CodedError

__all__ = ["Budget", "NetworkError", "UrlPolicy", "UrlRefused", "budget", "configure", "fetch", "remaining",
           "waiting"]

DEFAULT_BUDGET = 5.0  # seconds of network waiting one request may spend, all fetches together
MAX_BYTES: dict[str, int] = {"crl": 128 * 1024 * 1024, "ocsp": 256 * 1024, "tsa": 256 * 1024}
MAX_REDIRECTS = 3
_REDIRECTS = {301, 302, 303, 307, 308}
_KEEPS_BODY = {307, 308}  # the only redirects that may repeat a POST
_settings = {"budget": DEFAULT_BUDGET}


class NetworkError(CodedError):
    """A fetch that brought no answer; ``details`` name the ``url`` and the ``kind`` of evidence."""

    code_in_message = True

    @property
    def url(self) -> str | None:
        return self.details.get("url")


class UrlRefused(NetworkError, ValueError):
    """A URL the service will not fetch (scheme, host or redirect), named in ``details.url``."""


def configure(*, budget_seconds: float) -> None:
    """The process's default budget of a request, from the service's settings (EDS_NETWORK_BUDGET)."""
    if budget_seconds <= 0:
        raise ValueError("the network budget must be positive")
    _settings["budget"] = float(budget_seconds)


def default_budget() -> float:
    """Seconds a request's fetches may wait in all (EDS_NETWORK_BUDGET)."""
    return _settings["budget"]


# ---------------------------------------------------------------------------------------------------------
# The budget


@dataclass
class Budget:
    """Seconds of network waiting left to one request; shared by every fetch and wait it makes. A budget
    opened inside another (``parent``) may be tighter, never looser, and what it spends the parent spends."""

    seconds: float
    spent: float = 0.0
    parent: "Budget | None" = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def remaining(self) -> float:
        with self._lock:
            left = max(0.0, self.seconds - self.spent)
        return min(left, self.parent.remaining()) if self.parent is not None else left

    def spend(self, seconds: float) -> None:
        with self._lock:
            self.spent += max(0.0, seconds)
        if self.parent is not None:
            self.parent.spend(seconds)


_CURRENT: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("eds_network_budget", default=None)


@contextlib.contextmanager
def budget(seconds: float | None = None) -> Iterator[Budget]:
    """Run one request's fetches under one budget. Inside another budget, without ``seconds`` the outer one
    goes on being spent (a check inside a request); with ``seconds``, at most that much of it (a probe)."""
    outer = _CURRENT.get()
    if outer is not None and seconds is None:
        yield outer
        return
    active = Budget(default_budget() if seconds is None else seconds, parent=outer)
    token = _CURRENT.set(active)
    try:
        yield active
    finally:
        _CURRENT.reset(token)


def remaining() -> float:
    """Seconds the running request may still wait on the network (the default outside a request)."""
    active = _CURRENT.get()
    return active.remaining() if active is not None else default_budget()


def deadline_error(url: str | None, kind: str, message: str | None = None) -> NetworkError:
    return NetworkError("DEADLINE", message or f"the request's network budget is spent before {kind} {url}",
                        {"url": url, "kind": kind})


@contextlib.contextmanager
def waiting(url: str | None, kind: str, cap: float | None = None) -> Iterator[float]:
    """Wait on evidence (a fetch, another fetch of the same CRL): yields the seconds this wait may take, at most
    ``cap``, and charges the time it took to the request's budget. Raises DEADLINE when nothing is left."""
    allowed = remaining()
    if cap is not None:
        allowed = min(allowed, cap)
    if allowed <= 0:
        raise deadline_error(url, kind)
    started = time.monotonic()
    try:
        yield allowed
    finally:
        active = _CURRENT.get()
        if active is not None:
            active.spend(time.monotonic() - started)


# ---------------------------------------------------------------------------------------------------------
# Which URLs


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        found = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _split_entry(entry: str) -> tuple[str, str]:
    """(host, port or "") of an allowed entry: ``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare v6."""
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else ""
    if entry.count(":") == 1:
        name, _, port = entry.partition(":")
        return name, port
    return entry, ""


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast


def _origin(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    host = parts.hostname.lower()
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class UrlPolicy:
    """Which hosts outside the public internet may be fetched: loopback, private, link-local and reserved
    addresses are refused unless an entry of ``allowed`` names them: ``host:port``, a host or address (any
    port), or a network (``10.0.0.0/8``). Public addresses are always allowed; every URL must be http(s)."""

    allowed: tuple[str, ...] = ()

    @classmethod
    def trusting(cls, urls: Iterable[str | None], extra: Iterable[str] = ()) -> "UrlPolicy":
        """The origins of the configured ``urls`` (a profile's, the environment's) and the ``extra`` entries."""
        origins = [o for o in (_origin(u) for u in urls if u) if o]
        return cls(tuple(dict.fromkeys([*origins, *(e.strip().lower() for e in extra if e.strip())])))

    def _allows_local(self, host: str, port: int,
                      address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        for entry in self.allowed:
            if "/" in entry:
                with contextlib.suppress(ValueError):
                    if address in ipaddress.ip_network(entry, strict=False):
                        return True
                continue
            name, entry_port = _split_entry(entry)
            if entry_port and entry_port != str(port):
                continue
            named = _address(name)
            if named == address if named is not None else name == host:
                return True
        return False

    def check(self, url: str, kind: str) -> tuple[str, str, int]:
        """(scheme, host, port) of a URL that may be fetched; refuses any other with UrlRefused."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise UrlRefused("URL_REFUSED", f"only http and https URLs are fetched, not {url!r}",
                             {"url": url, "kind": kind})
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = 0
        if not parts.hostname or not port:
            raise UrlRefused("URL_REFUSED", f"{url!r} names no host and port", {"url": url, "kind": kind})
        return parts.scheme, parts.hostname.lower(), port

    def vet(self, url: str, kind: str, host: str, port: int,
            addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> None:
        """Refuse a URL whose host resolves to an address outside the public internet that is not allowed."""
        for address in addresses:
            if not _public(address) and not self._allows_local(host, port, address):
                raise UrlRefused("URL_REFUSED", f"{url!r} leads to {address}, which is not a public address and "
                                 "not among the allowed hosts (EDS_NETWORK_ALLOW)", {"url": url, "kind": kind})


def _resolve(host: str, port: int, seconds: float, url: str, kind: str) -> list:
    """The addresses of ``host``, within ``seconds`` (a resolver that hangs is a deadline like any other)."""
    literal = _address(host)
    if literal is not None:
        return [literal]
    found: list = []
    failure: list[BaseException] = []

    def lookup() -> None:
        try:
            found.extend(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            failure.append(exc)

    worker = threading.Thread(target=lookup, name="eds-resolve", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise deadline_error(url, kind, f"the name {host} did not resolve within {seconds:.1f} s")
    if failure or not found:
        raise NetworkError("UNREACHABLE", f"{kind} {url}: the name {host} does not resolve",
                           {"url": url, "kind": kind})
    return list(dict.fromkeys(a for a in (_address(f) for f in found) if a is not None))


# ---------------------------------------------------------------------------------------------------------
# Fetching


_TLS: list = []  # one verifying context for the process (ssl.SSLContext): loading the CA store costs milliseconds


def _tls_context():
    if not _TLS:
        import ssl

        _TLS.append(ssl.create_default_context())
    return _TLS[0]


@lru_cache(maxsize=1)
def _http() -> tuple[type, type, tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(HTTP connection class, HTTPS connection class, the errors of a failed exchange, those of a server that
    answered badly). http.client and ssl are imported by the first fetch: a check that has its evidence
    (``--offline --crl FILE``) never loads them."""
    import http.client
    import ssl

    class _Connection(http.client.HTTPConnection):
        """HTTP to the address that was checked, under the host name of the URL."""

        def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
            super().__init__(host, port, timeout=timeout)
            self.address = address
            self.raw: socket.socket | None = None

        def connect(self) -> None:
            self.sock = self.raw = socket.create_connection((self.address, self.port), self.timeout)

    class _TlsConnection(http.client.HTTPSConnection):
        """HTTPS to the address that was checked; the certificate is verified for the URL's host name."""

        def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
            super().__init__(host, port, timeout=timeout, context=_tls_context())
            self.address = address
            self.raw: socket.socket | None = None

        def connect(self) -> None:
            self.raw = socket.create_connection((self.address, self.port), self.timeout)
            self.sock = self._context.wrap_socket(self.raw, server_hostname=self.host)

    return (_Connection, _TlsConnection, (OSError, http.client.HTTPException, ValueError),
            (http.client.HTTPException, ssl.SSLError))


def _abort(connection) -> None:
    """At the deadline: whatever the connection waits on ends now (a server trickling bytes included)."""
    raw = connection.raw
    if raw is not None:
        with contextlib.suppress(OSError):
            raw.shutdown(socket.SHUT_RDWR)


def fetch(url: str, *, kind: str, policy: UrlPolicy, body: bytes | None = None,
          headers: dict[str, str] | None = None, timeout: float | None = None,
          max_bytes: int | None = None) -> bytes:
    """The body of the 200 answer to a GET (or a POST of ``body``) of ``url``, within the request's budget and
    at most ``timeout`` seconds; at most ``max_bytes`` (default: the limit of ``kind``). Raises NetworkError."""
    limit = max_bytes or MAX_BYTES[kind]
    policy.check(url, kind)
    with waiting(url, kind, timeout) as allowed:
        deadline = time.monotonic() + allowed
        scheme = urllib.parse.urlsplit(url).scheme
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            status, location, payload = _one(current, kind, policy, body, headers or {}, deadline, limit, allowed)
            if location is None:
                return payload
            target = urllib.parse.urljoin(current, location)
            if urllib.parse.urlsplit(target).scheme != scheme:
                raise UrlRefused("URL_REFUSED", f"{kind} {url} redirects to {target!r}, another scheme",
                                 {"url": target, "kind": kind, "from": url})
            policy.check(target, kind)
            current = target
        raise NetworkError("UNREACHABLE", f"{kind} {url} redirects more than {MAX_REDIRECTS} times",
                           {"url": url, "kind": kind})


def _one(url: str, kind: str, policy: UrlPolicy, body: bytes | None, headers: dict[str, str], deadline: float,
         limit: int, allowed: float) -> tuple[int, str | None, bytes]:
    """One request: (status, redirect location or None, body)."""
    scheme, host, port = policy.check(url, kind)
    left = deadline - time.monotonic()
    if left <= 0:
        raise deadline_error(url, kind, f"{kind} {url} did not answer within {allowed:.1f} s")
    addresses = _resolve(host, port, left, url, kind)
    policy.vet(url, kind, host, port, addresses)
    parts = urllib.parse.urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    plain, tls, failures, bad_answers = _http()
    connection_class = tls if scheme == "https" else plain
    last: Exception | None = None
    for address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        connection = connection_class(host, port, str(address), left)
        watchdog = threading.Timer(left, _abort, (connection,))
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.request("POST" if body is not None else "GET", target, body=body,
                               headers={"User-Agent": "eds", "Connection": "close", **headers})
            response = connection.getresponse()
            if response.status in _REDIRECTS and (body is None or response.status in _KEEPS_BODY):
                location = response.getheader("Location")
                if location:
                    return response.status, location, b""
            if response.status != 200:
                raise NetworkError("HTTP_ERROR", f"{kind} {url} answered HTTP {response.status}",
                                   {"url": url, "kind": kind, "status": response.status})
            declared = response.getheader("Content-Length")
            if declared and declared.strip().isdigit() and int(declared) > limit:
                raise _too_large(url, kind, limit)
            chunks: list[bytes] = []
            total = 0
            while True:
                if connection.sock is not None:
                    connection.sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = response.read(min(1 << 20, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > limit:
                    raise _too_large(url, kind, limit)
            if time.monotonic() >= deadline:
                raise deadline_error(url, kind, f"{kind} {url} did not answer within {allowed:.1f} s")
            if declared and declared.strip().isdigit() and total != int(declared):
                raise NetworkError("UNREACHABLE", f"{kind} {url} ended after {total} of the {declared} bytes it "
                                   "announced", {"url": url, "kind": kind})
            return 200, None, b"".join(chunks)
        except NetworkError:
            raise
        except (TimeoutError, socket.timeout):
            raise deadline_error(url, kind, f"{kind} {url} did not answer within {allowed:.1f} s") from None
        except failures as exc:
            if time.monotonic() >= deadline:
                raise deadline_error(url, kind, f"{kind} {url} did not answer within {allowed:.1f} s") from None
            last = exc
            if isinstance(exc, bad_answers):
                break  # the server answered, badly: another address of it will not do better
        finally:
            watchdog.cancel()
            connection.close()
    if last is None:
        raise deadline_error(url, kind, f"{kind} {url} did not answer within {allowed:.1f} s")
    raise NetworkError("UNREACHABLE", f"{kind} {url} did not answer: {type(last).__name__}: {last}".rstrip(": "),
                       {"url": url, "kind": kind})


def _too_large(url: str, kind: str, limit: int) -> NetworkError:
    return NetworkError("RESPONSE_TOO_LARGE", f"the {kind} answer of {url} exceeds {limit} bytes",
                        {"url": url, "kind": kind, "max": limit})
