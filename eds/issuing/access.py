"""API keys: who may call the service, with which scopes, signing keys and providers, at what rate.

A key acts only for the providers it names (``*``: all; the ``admin`` scope acts for all): issuing, life events,
lookups of records and files, and two-step documents of any other provider are refused (PROVIDER_NOT_GRANTED),
so one provider's portal cannot suspend or read another provider's licences. A key stored before providers
were named has none.

A key is shown once when created (``eds_<id>_<secret>``); only the SHA-256 of its 256-bit secret is kept,
which is safe for random secrets (no password stretching needed) and fast to check on every request.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from eds.errors import CodedError

SCOPES = ("verify", "issue", "sign", "admin")


class AccessError(CodedError, ValueError):
    """``code``: API_KEY_MISSING, API_KEY_INVALID, SCOPE_DENIED, KEY_NOT_GRANTED, PROVIDER_NOT_GRANTED,
    RATE_LIMITED, BAD_SCOPE."""


@dataclass(frozen=True)
class Client:
    key_id: str
    name: str
    scopes: frozenset[str]
    signing_keys: frozenset[str]
    rate_per_minute: int
    providers: frozenset[str] = frozenset()

    def may_act_for(self, provider_id: str) -> bool:
        """Whether this key may act for ``provider_id`` (named, ``*``, or the admin scope)."""
        return provider_id in self.providers or "*" in self.providers or "admin" in self.scopes

    def require(self, scope: str) -> None:
        if scope not in self.scopes and "admin" not in self.scopes:
            raise AccessError("SCOPE_DENIED", f"this API key lacks the {scope!r} scope")

    def require_signing_key(self, key_id: str) -> None:
        if key_id not in self.signing_keys and "*" not in self.signing_keys:
            raise AccessError("KEY_NOT_GRANTED", f"this API key may not use signing key {key_id!r}")

    def require_provider(self, provider_id: str) -> None:
        """Refuse (PROVIDER_NOT_GRANTED) unless this key acts for ``provider_id``."""
        if not self.may_act_for(provider_id):
            raise AccessError("PROVIDER_NOT_GRANTED", f"this API key may not act for provider {provider_id!r}",
                              {"providerId": provider_id})


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeys:
    """API keys kept in a JSON file (hashes only), with an in-process rate limiter per key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self._cache: tuple[float, dict] | None = None

    def _load(self) -> dict:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        if self._cache is None or self._cache[0] != mtime:
            self._cache = (mtime, json.loads(self.path.read_text(encoding="utf-8")))
        return self._cache[1]

    def create(self, name: str, scopes: list[str], *, signing_keys: list[str] = (), providers: list[str] = (),
               rate_per_minute: int = 600) -> str:
        """Create a key and return the token, which is never stored and cannot be shown again; ``providers``
        are the provider ids it acts for (``*``: all)."""
        unknown = set(scopes) - set(SCOPES)
        if unknown or not scopes:
            raise AccessError("BAD_SCOPE", f"scopes must be among {', '.join(SCOPES)}")
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self._lock:
            data = dict(self._load())
            data[key_id] = {"name": name, "sha256": _digest(secret), "scopes": sorted(set(scopes)),
                            "signing_keys": sorted(set(signing_keys)), "providers": sorted(set(providers)),
                            "rate_per_minute": rate_per_minute,
                            "created": _dt.datetime.now(_dt.timezone.utc).isoformat()}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            tmp.chmod(0o600)
            tmp.replace(self.path)
        return f"eds_{key_id}_{secret}"

    def authenticate(self, token: str | None) -> Client:
        if not token:
            raise AccessError("API_KEY_MISSING", "send the API key in the X-API-Key header")
        parts = token.split("_", 2)
        record = self._load().get(parts[1]) if len(parts) == 3 and parts[0] == "eds" else None
        if record is None or not hmac.compare_digest(record["sha256"], _digest(parts[2])):
            raise AccessError("API_KEY_INVALID", "the API key is not valid")
        client = Client(parts[1], record["name"], frozenset(record["scopes"]), frozenset(record["signing_keys"]),
                        int(record["rate_per_minute"]), frozenset(record.get("providers", ())))
        self._take(client)
        return client

    def _take(self, client: Client) -> None:
        """Token bucket: ``rate_per_minute`` requests, refilled continuously, per process."""
        now = time.monotonic()
        rate = client.rate_per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(client.key_id, (float(client.rate_per_minute), now))
            tokens = min(float(client.rate_per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[client.key_id] = (tokens, now)
                raise AccessError("RATE_LIMITED", f"more than {client.rate_per_minute} requests per minute")
            self._buckets[client.key_id] = (tokens - 1.0, now)
