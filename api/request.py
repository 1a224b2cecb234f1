"""What every blueprint reads from a request: who calls (the API key and its scopes) and the body's fields.

A bad field is refused here, as an :class:`~api.errors.ApiError` naming the field, before the library is called.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import json
import math
import threading
import time
from typing import Any

from flask import current_app, g, request

from api.errors import ApiError
from eds.issuing.access import AccessError, Client
from eds.pki.certificates import ROLE_TO_OID
from eds.service import Services
from eds.validation.request_check import ExpectedSigner


def services() -> Services:
    """The library objects of this app (configured once, from the environment)."""
    return current_app.extensions["eds"]


class FailedAttempts:
    """Failed API-key attempts per source address, in this process: a token bucket of ``per_minute`` failures.

    While an address has none left, every attempt from it is refused (429 RATE_LIMITED) before its key is looked
    at, so that guessing keys costs a minute per ``per_minute`` guesses and a refusal tells nothing about a key.
    """

    MAX_ADDRESSES = 10_000  # bounded memory under a spray of addresses; the fullest buckets go first

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when)
        self._lock = threading.Lock()

    def _tokens(self, address: str, now: float) -> float:
        tokens, when = self._buckets.get(address, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + (now - when) * self.per_minute / 60.0)

    def check(self, address: str) -> None:
        """Refuse (RATE_LIMITED, ``details.retryAfter`` in seconds) while ``address`` has no attempt left."""
        now = time.monotonic()
        with self._lock:
            tokens = self._tokens(address, now)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) * 60.0 / self.per_minute)
            raise ApiError("RATE_LIMITED", f"too many failed API-key attempts from this address; retry in {wait} s",
                           details={"retryAfter": wait})

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._buckets[address] = (self._tokens(address, now) - 1.0, now)
            if len(self._buckets) > self.MAX_ADDRESSES:
                fullest = sorted(self._buckets, key=lambda a: -self._tokens(a, now))
                for gone in fullest[:len(self._buckets) - self.MAX_ADDRESSES // 2]:
                    del self._buckets[gone]


def authorise(scope: str, token: str | None = None) -> Client:
    """The calling client, which must hold ``scope``; an AccessError (401, 403, 429) otherwise. ``token`` is the
    key when the caller sends it other than in X-API-Key (NCANode's Basic or Bearer). A wrong key counts against
    the source address (:class:`FailedAttempts`), a missing one does not (it guesses nothing)."""
    attempts: FailedAttempts = current_app.extensions["eds.failed_attempts"]
    address = request.remote_addr or "unknown"
    attempts.check(address)
    try:
        client = services().api_keys.authenticate(request.headers.get("X-API-Key") if token is None else token)
    except AccessError as exc:
        if exc.code == "API_KEY_INVALID":
            attempts.failed(address)
        raise
    client.require(scope)
    g.client = client
    return client


def idempotency_key(client: Client) -> str | None:
    """The ``Idempotency-Key`` header scoped to the API key that sent it: stored as ``<key id>:<SHA-256 of the
    value>``, so a client that happens to use another client's value gets its own result, never that client's
    document or a 409 CONFLICT. A value is 1-200 characters."""
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    if not 1 <= len(value) <= 200:
        raise ApiError("FIELD_INVALID", "Idempotency-Key must be 1-200 characters", details={"field": "Idempotency-Key"})
    return f"{client.key_id}:{hashlib.sha256(value.encode()).hexdigest()}"


def acting_for(provider_id: str) -> str:
    """``provider_id``, when the calling client may act for that provider (PROVIDER_NOT_GRANTED otherwise)."""
    g.client.require_provider(provider_id)
    return provider_id


def granted_key_id(body: Body) -> str:
    """``keyId``: a signing key the calling client was granted (KEY_NOT_GRANTED otherwise)."""
    key_id = body.text("keyId", required=True)
    g.client.require_signing_key(key_id)
    return key_id


# How a binary field's text format starts when it is sent as it is rather than in Base64 (Body.binary's raw).
RAW_TEXT = {"XML": "<", "PEM": "-----BEGIN"}


class Body:
    """The request's fields, from JSON or from a multipart form; typed getters that name the bad field."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        if request.mimetype == "application/json":
            try:
                data = request.get_json(silent=True)
            except RecursionError:  # nested deeper than the JSON parser's recursion limit
                data = None
            if not isinstance(data, dict):
                raise ApiError("BAD_JSON", "the body must be a JSON object")
            self.fields: dict[str, Any] = data
        elif request.mimetype == "multipart/form-data":
            self.fields = request.form.to_dict()
            self.files = {name: storage.read() for name, storage in request.files.items()}
        else:
            raise ApiError("UNSUPPORTED_MEDIA_TYPE", "send application/json or multipart/form-data")

    def binary(self, name: str, *, required: bool = True, raw: tuple[str, ...] = ()) -> bytes | None:
        """A binary field: a file of a multipart form, or a string (JSON, or a form's text field) in Base64.

        Where the field's format is text, ``raw`` names it ("XML", "PEM") and that text is taken as it is too
        (UTF-8). Base64 never starts with "<" or "-", so a value reads one way only; the spec says which fields
        take what.
        """
        if name in self.files:
            return self.files[name]
        value = self.fields.get(name)
        accepted = " or ".join(["Base64", *(f"raw {kind}" for kind in raw)])
        if value is None:
            if required:
                raise ApiError("FIELD_MISSING", f"{name} is required ({accepted} in JSON, or a multipart file)",
                               details={"field": name})
            return None
        if not isinstance(value, str):
            raise ApiError("FIELD_INVALID", f"{name} must be a string: {accepted}", details={"field": name})
        start = value.lstrip("\ufeff \t\r\n")
        if any(start.startswith(RAW_TEXT[kind]) for kind in raw):
            return value.encode("utf-8")
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("BAD_BASE64", f"{name} is not valid {accepted}", details={"field": name}) from None

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = self.fields.get(name)
        if value is None:
            if required:
                raise ApiError("FIELD_MISSING", f"{name} is required", details={"field": name})
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise ApiError("FIELD_INVALID", f"{name} must be a string of at most {max_length} characters",
                           details={"field": name})
        return value

    def flag(self, name: str) -> bool:
        value = self.fields.get(name, False)
        if isinstance(value, str) and request.mimetype == "multipart/form-data":
            return value.lower() in ("1", "true", "yes")
        if not isinstance(value, bool):
            raise ApiError("FIELD_INVALID", f"{name} must be true or false", details={"field": name})
        return value

    def object(self, name: str, *, required: bool = True) -> dict | None:
        """A JSON object field (a document's ``data``); a multipart form carries it as JSON text."""
        value = self.fields.get(name)
        if isinstance(value, str) and request.mimetype == "multipart/form-data":
            try:
                value = json.loads(value)
            except ValueError:
                raise ApiError("FIELD_INVALID", f"{name} must be a JSON object", details={"field": name}) from None
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            raise ApiError("FIELD_MISSING" if value is None else "FIELD_INVALID", f"{name} must be a JSON object",
                           details={"field": name})
        return value

    def moment(self, name: str = "at") -> _dt.datetime | None:
        text = self.text(name, max_length=40)
        if text is None:
            return None
        try:
            moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError("FIELD_INVALID", f"{name} must be an ISO 8601 time", details={"field": name}) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)

    def expected_signers(self) -> tuple[ExpectedSigner, ...] | None:
        """``expectedSigners``: [{"iin": .., "bin": ..}, ...] in signing order, or None when not given."""
        value = self.fields.get("expectedSigners")
        if value is None:
            return None
        if isinstance(value, str):  # a multipart form carries it as JSON text
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        problem = "expectedSigners must be a list of up to 32 objects with iin and/or bin (12 digits each)"
        if not isinstance(value, list) or len(value) > 32:
            raise ApiError("FIELD_INVALID", problem, details={"field": "expectedSigners"})
        signers = []
        for entry in value:
            if not isinstance(entry, dict) or not entry or set(entry) - {"iin", "bin"} or not all(
                    isinstance(v, str) and len(v) == 12 and v.isdigit() for v in entry.values()):
                raise ApiError("FIELD_INVALID", problem, details={"field": "expectedSigners"})
            signers.append(ExpectedSigner(iin=entry.get("iin"), bin=entry.get("bin")))
        return tuple(signers)

    def roles(self) -> frozenset[str] | None:
        value = self.fields.get("roles")
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(r, str) and r in ROLE_TO_OID for r in value):
            raise ApiError("FIELD_INVALID", f"roles must be a list among {', '.join(sorted(ROLE_TO_OID))}",
                           details={"field": "roles"})
        return frozenset(value)
