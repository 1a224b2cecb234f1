"""Configuration from environment variables, and the library objects built from it once per process.

| variable | default | meaning |
|---|---|---|
| EDS_HOME | ./var | state folder: test PKI, trust profiles, registry, API keys |
| EDS_TRUST | test | trust profile name or folder |
| EDS_REVOCATION_POLICY | require | require, soft-fail or offline |
| EDS_OCSP_URL, EDS_CRL_URLS, EDS_TSA_URL | from the profile | override the profile's services (CRL URLs comma-separated) |
| EDS_DATABASE_URL | sqlite:///$EDS_HOME/registry.db | the registry |
| EDS_KEYS | $EDS_HOME/keys.json | signing keys the service holds: {"id": {"pkcs12": path, "password_env": VAR}} |
| EDS_PUBLIC_URL | http://127.0.0.1:8000 | base of the public verification links (QR codes) |
| EDS_MAX_BODY | 20971520 | request size limit in bytes |
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from eds.access import ApiKeys
from eds.keys import KeyStore
from eds.request_check import RequestChecker
from eds.revocation import CrlStore, Policy
from eds.signer_check import SignerChecker
from eds.trust import TrustProfile, load_profile


@dataclass(frozen=True)
class Settings:
    home: Path
    trust: str
    policy: str
    ocsp_url: str | None
    crl_urls: tuple[str, ...]
    tsa_url: str | None
    database_url: str
    keys_file: Path
    public_url: str
    max_body: int

    @classmethod
    def from_env(cls, overrides: dict) -> "Settings":
        env = {**os.environ, **{k: str(v) for k, v in overrides.items() if k.startswith("EDS_")}}
        home = Path(env.get("EDS_HOME") or Path.cwd() / "var")
        return cls(
            home=home,
            trust=env.get("EDS_TRUST", "test"),
            policy=env.get("EDS_REVOCATION_POLICY", "require"),
            ocsp_url=env.get("EDS_OCSP_URL") or None,
            crl_urls=tuple(u for u in env.get("EDS_CRL_URLS", "").split(",") if u),
            tsa_url=env.get("EDS_TSA_URL") or None,
            database_url=env.get("EDS_DATABASE_URL") or f"sqlite:///{home / 'registry.db'}",
            keys_file=Path(env.get("EDS_KEYS") or home / "keys.json"),
            public_url=env.get("EDS_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            max_body=int(env.get("EDS_MAX_BODY", str(20 * 1024 * 1024))),
        )

    def services(self) -> "Services":
        return Services(self)


class Services:
    """The library objects the HTTP layer calls, built on first use and kept for the process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def profile(self) -> TrustProfile:
        profile = load_profile(self.settings.trust)
        changes = {}
        if self.settings.ocsp_url:
            changes["ocsp_urls"] = (self.settings.ocsp_url,)
        if self.settings.crl_urls:
            changes["crl_urls"] = self.settings.crl_urls
        if self.settings.tsa_url:
            changes["tsa_url"] = self.settings.tsa_url
        return dataclasses.replace(profile, **changes) if changes else profile

    @cached_property
    def signers(self) -> SignerChecker:
        store = CrlStore(cache_dir=self.settings.home / "cache" / "crl")
        return SignerChecker(self.profile, policy=Policy(self.settings.policy), crl_store=store)

    @cached_property
    def requests(self) -> RequestChecker:
        return RequestChecker(self.signers)

    @cached_property
    def keys(self) -> KeyStore:
        store = KeyStore()
        if self.settings.keys_file.exists():
            for key_id, entry in json.loads(self.settings.keys_file.read_text(encoding="utf-8")).items():
                password = os.environ.get(entry.get("password_env", ""), entry.get("password", ""))
                store.add_file(key_id, self.settings.keys_file.parent / entry["pkcs12"], password)
        return store

    def loaded_crls(self) -> list:
        """CRLs the revocation store holds now (empty until revocation has been checked by CRL)."""
        if "signers" not in self.__dict__:
            return []
        return self.signers.revocation.store.loaded()

    def registry_status(self) -> dict:
        return {"ok": True, "note": "no registry configured"}

    @cached_property
    def api_keys(self) -> ApiKeys:
        return ApiKeys(self.settings.home / "api-keys.json")
