"""The signing keys the service holds, by id: PKCS#12 files opened once and kept as loaded key objects, and keys
on PKCS#11 tokens reached through one session per token.

Loading a key is the slow part of signing (pyHanko's SimpleSigner reloads it every time), so a key is
loaded when first used and kept in a ``KeyStore``. Keys stay encrypted at rest (PKCS#12); the password
lives only in the process. A token's key never leaves the token (:mod:`eds.pki.pkcs11_keys`). Nothing here
ever prints or returns the private key, a password or a PIN.

``keys.json`` (:func:`load_keys`) names, per key id, its PKCS#12 file and where its password is read: an
environment variable (``password_env``) or a file (``password_file``, one line); never the password itself.
Or a token's key: ``{"pkcs11": {"module": LIB, "token": LABEL or "slot": ID, "label": KEY_LABEL, "pin_env": VAR
or "pin_file": FILE}}`` (and ``certificate``: a file with the key's certificate and chain, for a token that
holds only the key). keys.json, the key files and the password and PIN files must be the service user's alone
(no group or other permission bits), or the service refuses to start (SECRET_FILE_EXPOSED) unless told to allow
it for a demo.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from eds.pki import pkcs11_keys
from eds.pki.keys import KeyStoreError, SigningKey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PasswordSource:
    """Where a key's password is read, when the key is first used: an environment variable or a file."""

    env: str | None = None
    file: Path | None = None

    @property
    def origin(self) -> str:
        """Where it is read, for messages: the variable's or the file's name (never the value)."""
        return f"the environment variable {self.env}" if self.env is not None else f"the file {self.file}"

    def read(self) -> str:
        """The password; KEY_PASSWORD_MISSING (naming the variable or file, never a value) when there is none."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise KeyStoreError("KEY_PASSWORD_MISSING", f"the environment variable {self.env} is not set")
            return value
        try:
            return self.file.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise KeyStoreError("KEY_PASSWORD_MISSING", f"cannot read password file {self.file}: {reason}") from None


@dataclass(frozen=True)
class TokenKey:
    """A key on a PKCS#11 token, as keys.json's ``pkcs11`` entry names it."""

    token: pkcs11_keys.TokenSpec
    label: str
    certificate: Path | None = None


class KeyStore:
    """Named signing keys, each loaded at most once per process."""

    def __init__(self) -> None:
        self._sources: dict[str, tuple[Path, str | PasswordSource] | TokenKey] = {}
        self._loaded: dict[str, SigningKey] = {}
        self._lock = threading.Lock()

    def add_file(self, key_id: str, path: str | Path, password: str | PasswordSource) -> None:
        """A PKCS#12 file, opened on first use with ``password`` (or the one its source gives then)."""
        self._sources[key_id] = (Path(path), password)
        self._loaded.pop(key_id, None)

    def add_token_key(self, key_id: str, key: TokenKey) -> None:
        """A key on a PKCS#11 token, found (and its session opened) on first use."""
        self._sources[key_id] = key
        self._loaded.pop(key_id, None)

    def add(self, key: SigningKey) -> None:
        self._loaded[key.key_id] = key

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(set(self._sources) | set(self._loaded)))

    def get(self, key_id: str) -> SigningKey:
        key = self._loaded.get(key_id)
        if key is not None:
            return key
        with self._lock:
            key = self._loaded.get(key_id)
            if key is None:
                if key_id not in self._sources:
                    raise KeyStoreError("KEY_NOT_FOUND", f"no signing key named {key_id!r}")
                source = self._sources[key_id]
                if isinstance(source, TokenKey):
                    key = pkcs11_keys.open_key(key_id, source.token, source.label, source.certificate)
                    self._loaded[key_id] = key
                    return key
                path, password = source
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise KeyStoreError("KEY_UNREADABLE", f"cannot read key file {path.name}: {exc.strerror}") from None
                if isinstance(password, PasswordSource):
                    password = password.read()
                key = SigningKey.from_pkcs12(data, password, key_id=key_id)
                self._loaded[key_id] = key
        return key


def require_private(path: Path, *, allow_readable: bool = False) -> None:
    """Refuse (SECRET_FILE_EXPOSED) a secret file with any group or other permission; with ``allow_readable``
    (a demo) only warn. A file that does not exist is left to its first use."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        message = (f"{path} may be read by users other than the service's (mode {mode:04o}): chmod 600 it "
                   "(for a demo only: EDS_ALLOW_READABLE_KEYS=1)")
        if not allow_readable:
            raise KeyStoreError("SECRET_FILE_EXPOSED", message, {"file": str(path), "mode": f"{mode:04o}"})
        log.warning("secret file readable by others, allowed for a demo", extra={"file": str(path),
                                                                                 "mode": f"{mode:04o}"})


_PKCS11_FIELDS = frozenset({"module", "token", "slot", "label", "pin_env", "pin_file", "certificate"})


def _token_key(path: Path, key_id: str, entry: object, allow_readable: bool) -> TokenKey:
    """keys.json's ``pkcs11`` entry of ``key_id``, its shape checked (KEYS_FILE_INVALID); the token is not asked."""
    def invalid(message: str) -> KeyStoreError:
        return KeyStoreError("KEYS_FILE_INVALID", f"{path}: key {key_id!r}: {message}", {"keyId": key_id})

    if not isinstance(entry, dict):
        raise invalid("pkcs11 must be an object: module, token or slot, label, pin_env or pin_file")
    if "pin" in entry or "user_pin" in entry:
        raise invalid("the PIN is written in keys.json; name an environment variable (pin_env) or a 0600 file "
                      "(pin_file)")
    unknown = sorted(set(entry) - _PKCS11_FIELDS)
    if unknown:
        raise invalid(f"pkcs11 has unknown fields {', '.join(unknown)} (known: {', '.join(sorted(_PKCS11_FIELDS))})")
    for name in ("module", "label"):
        if not isinstance(entry.get(name), str) or not entry[name]:
            raise invalid(f"pkcs11.{name} is needed (the PKCS#11 library's path; the private key's CKA_LABEL)")
    token, slot = entry.get("token"), entry.get("slot")
    if token is None and slot is None:
        raise invalid("pkcs11 needs the token's label (token) or its slot id (slot)")
    if token is not None and not isinstance(token, str):
        raise invalid("pkcs11.token is the token's label, a string")
    if slot is not None and (isinstance(slot, bool) or not isinstance(slot, int) or slot < 0):
        raise invalid("pkcs11.slot is the slot id, a whole number")
    pins = [name for name in ("pin_env", "pin_file") if isinstance(entry.get(name), str)]
    if len(pins) != 1:
        raise invalid("pkcs11 needs one of pin_env or pin_file")
    if pins == ["pin_env"]:
        pin = PasswordSource(env=entry["pin_env"])
    else:
        pin = PasswordSource(file=path.parent / entry["pin_file"])
        require_private(pin.file, allow_readable=allow_readable)
    module = path.parent / entry["module"]
    if not module.is_file():  # told now in the log, and at every use as KEY_MODULE_UNAVAILABLE
        log.warning("PKCS#11 module not found", extra={"keyId": key_id, "pkcs11Module": str(module)})
    certificate = entry.get("certificate")
    if certificate is not None and not isinstance(certificate, str):
        raise invalid("pkcs11.certificate is a file with the key's certificate (PEM or DER)")
    spec = pkcs11_keys.TokenSpec(str(module), token, slot, pin=pin.read, pin_origin=pin.origin)
    return TokenKey(spec, entry["label"], path.parent / certificate if certificate else None)


def load_keys(path: Path, *, allow_readable: bool = False) -> KeyStore:
    """The keys ``keys.json`` at ``path`` names: ``{"id": {"pkcs12": FILE, "password_env": VAR}}`` or
    ``{"id": {"pkcs12": FILE, "password_file": FILE}}``, or a token's key ``{"id": {"pkcs11": {...}}}`` (see the
    module's text; relative paths from keys.json's folder). Refused: KEYS_FILE_INVALID (not that shape, or a
    password or PIN written in it), SECRET_FILE_EXPOSED (see :func:`require_private`). No keys.json is no keys."""
    store = KeyStore()
    if not path.exists():
        return store
    require_private(path, allow_readable=allow_readable)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise KeyStoreError("KEYS_FILE_INVALID", f"{path} is not readable JSON: {exc}") from None
    if not isinstance(entries, dict):
        raise KeyStoreError("KEYS_FILE_INVALID", f"{path} must be a JSON object of key id -> entry")
    for key_id, entry in entries.items():
        if isinstance(entry, dict) and "pkcs11" in entry:
            if set(entry) != {"pkcs11"}:
                raise KeyStoreError("KEYS_FILE_INVALID", f"{path}: key {key_id!r} names a token (pkcs11) and "
                                    f"something else ({', '.join(sorted(set(entry) - {'pkcs11'}))})", {"keyId": key_id})
            store.add_token_key(key_id, _token_key(path, key_id, entry["pkcs11"], allow_readable))
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("pkcs12"), str):
            raise KeyStoreError("KEYS_FILE_INVALID", f"{path}: key {key_id!r} needs a pkcs12 file or a pkcs11 token",
                                {"keyId": key_id})
        if "password" in entry:
            raise KeyStoreError("KEYS_FILE_INVALID", f"{path}: key {key_id!r} has its password written in keys.json; "
                                "name an environment variable (password_env) or a 0600 file (password_file)",
                                {"keyId": key_id})
        sources = [name for name in ("password_env", "password_file") if isinstance(entry.get(name), str)]
        if len(sources) != 1:
            raise KeyStoreError("KEYS_FILE_INVALID", f"{path}: key {key_id!r} needs one of password_env or "
                                "password_file", {"keyId": key_id})
        pkcs12 = path.parent / entry["pkcs12"]
        require_private(pkcs12, allow_readable=allow_readable)
        if sources == ["password_env"]:
            password = PasswordSource(env=entry["password_env"])
        else:
            password = PasswordSource(file=path.parent / entry["password_file"])
            require_private(password.file, allow_readable=allow_readable)
        store.add_file(key_id, pkcs12, password)
    return store
