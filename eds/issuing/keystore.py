"""The signing keys the service holds, by id: PKCS#12 files opened once and kept as loaded key objects.

Loading a key is the slow part of signing (pyHanko's SimpleSigner reloads it every time), so a key is
loaded when first used and kept in a ``KeyStore``. Keys stay encrypted at rest (PKCS#12); the password
lives only in the process. Nothing here ever prints or returns the private key.
"""

from __future__ import annotations

import threading
from pathlib import Path

from eds.pki.keys import KeyStoreError, SigningKey


class KeyStore:
    """Named signing keys, each loaded at most once per process."""

    def __init__(self) -> None:
        self._sources: dict[str, tuple[Path, str]] = {}
        self._loaded: dict[str, SigningKey] = {}
        self._lock = threading.Lock()

    def add_file(self, key_id: str, path: str | Path, password: str) -> None:
        self._sources[key_id] = (Path(path), password)
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
                path, password = self._sources[key_id]
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise KeyStoreError("KEY_UNREADABLE", f"cannot read key file {path.name}: {exc.strerror}") from None
                key = SigningKey.from_pkcs12(data, password, key_id=key_id)
                self._loaded[key_id] = key
        return key
