"""The service assembled from its configuration: environment variables -> library objects, built once.

Both doors use it: the HTTP app (``api``) and the command line (``eds.cli``).

| variable | default | meaning |
|---|---|---|
| EDS_HOME | ./var | state folder: test PKI, trust profiles, registry, API keys |
| EDS_TRUST | test | trust profile name or folder |
| EDS_REVOCATION_POLICY | require | require, soft-fail or offline |
| EDS_OCSP_URL, EDS_CRL_URLS, EDS_TSA_URL | from the profile | override the profile's services (CRL URLs comma-separated) |
| EDS_DATABASE_URL | sqlite:///$EDS_HOME/registry.db | the registry (postgresql+psycopg://... for PostgreSQL) |
| EDS_LONG_TERM | 1 | embed chain and revocation data in issued PDFs (PAdES B-LT); lta: then a document timestamp too (B-LTA) |
| EDS_ARCHIVE_TSA_URL | the TSA | the TSA of document timestamps (B-LTA at issuing, `eds registry maintain`) |
| EDS_NETWORK_BUDGET | 5 | seconds one request may wait for OCSP, CRLs and the TSA, all fetches together |
| EDS_NETWORK_ALLOW | (none) | non-public hosts evidence may come from besides the profile's own: host, host:port, CIDR |
| EDS_READY_REQUIRES | registry,revocation | what /readyz needs: crl, ocsp, tsa, registry, revocation (a CRL or OCSP) |
| EDS_KEYS | $EDS_HOME/keys.json | signing keys the service holds: {"id": {"pkcs12": path, "password_env": VAR}} |
| EDS_PUBLIC_URL | http://127.0.0.1:8000 | base of the public verification links (QR codes) |
| EDS_MAX_BODY | 20971520 | request size limit in bytes |
| EDS_CHECKPOINT_DIR | $EDS_HOME/checkpoints | where signed checkpoints of the audit journal are written |
| EDS_CHECKPOINT_KEY | journal | the key (of EDS_KEYS) that signs them; not in the keystore: a warning instead |
| EDS_CHECKPOINT_EVERY | 100 | a checkpoint after every N-th journal entry; 0: only `eds audit checkpoint` |
| EDS_NCANODE_ROOT | 0 | 1: the NCANode-compatible endpoints also at the root (/x509/info...), not only under /ncanode |
| EDS_NCANODE_ACCEPT_KEYS | 0 | 1: NCANode requests may carry a PKCS#12 and its password (used once, never stored) |
| EDS_METRICS_BIND | (none) | host:port of a listener that serves /metrics alone; unset: /metrics needs an admin key |
| EDS_AUTH_FAILURES_PER_MINUTE | 10 | failed API-key attempts per source address (per worker) before 429 RATE_LIMITED |
| EDS_ALLOW_READABLE_KEYS | 0 | 1: start although keys.json, a key or a password file is readable by others (demo only) |
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from eds.errors import CodedError
from eds.issuing import checkpoints
from eds.issuing.access import ApiKeys
from eds.issuing.disclosure import masked_identity, shortened_name, token_opens
from eds.issuing.documents import DOCUMENT_TYPES
from eds.issuing.issuer import Issuer, IssuingOptions, local_date
from eds.issuing.keystore import KeyStore, load_keys
from eds.issuing.registry import Registry, RegistryError
from eds.issuing.registry.records import Document
from eds.issuing.two_step import TwoStepIssuer
from eds.limits import PUBLIC as PUBLIC_LIMITS
from eds.pki import network
from eds.pki.gost.providers import install as install_gost
from eds.pki.revocation import CrlStore, Policy
from eds.pki.trust import TrustProfile, check_service_url, eds_home, load_profile
from eds.signatures import tsp
from eds.signatures.formats import cms_content, detect_format
from eds.validation.report import Check, DocumentReport, Phrase, Status
from eds.validation.request_check import Claims, ExpectedSigner, RequestChecker, settle
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier


def printed_number(data: bytes) -> str | None:
    """The number printed in an issued PDF (its /Subject) or XML twin (the root's ``number``), also when the XML
    comes wrapped in an attached CMS."""
    try:
        fmt = detect_format(data)
        if fmt == "pdf":
            from pyhanko.pdf_utils.reader import PdfFileReader

            info = PdfFileReader(io.BytesIO(data), strict=False).trailer_view.get("/Info")
            subject = info.get_object().get("/Subject") if info is not None else None
            return str(subject) if subject else None
        if fmt == "cms":  # a registry document wrapped in someone's CMS is still that document
            content = cms_content(data)  # the verifier has already judged the CMS itself
            return printed_number(content) if content and detect_format(content) == "xml" else None
        if fmt != "xml":
            return None
        from eds.signatures import xmldsig

        return xmldsig.find_text(data, "/document/@number")
    except Exception:  # an unreadable document simply has no number to look up
        return None


def _private_sqlite_file(database_url: str) -> None:
    """Create a new SQLite registry 0600 in a 0700 folder before SQLite does (it would make it 0644); its -wal and
    -shm files take the database file's mode."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return
    path = Path(url.database)
    if path.exists():
        return
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # another worker made it first, with the same mode
        pass


class SettingError(CodedError, ValueError):
    """``code`` SETTING_INVALID: an environment variable the service cannot use (``details.variable`` names it)."""


def _bind_address(value: str | None) -> str | None:
    """``host:port`` (checked here, so that a typo stops the start instead of leaving /metrics unserved)."""
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingError("SETTING_INVALID", f"EDS_METRICS_BIND must be host:port, not {value!r}",
                           {"variable": "EDS_METRICS_BIND"})
    return value


def _positive(env: dict, name: str, default: int) -> int:
    value = env.get(name) or str(default)
    if not value.isdigit() or int(value) < 1:
        raise SettingError("SETTING_INVALID", f"{name} must be a positive whole number, not {value!r}",
                           {"variable": name})
    return int(value)


# The form of the numbers registries of this service give (LIC-ZHM-2026-000123, a duplicate's -D1): a document
# printing one is an issued document even where no registry can look it up.
REGISTRY_NUMBER = re.compile(r"[A-Z]{2,8}-[A-Z][A-Z0-9]{1,7}-\d{4}-\d{6}(-D\d+)?")


def document_holder(doc_type: str, data: Mapping[str, Any]) -> tuple[str, str] | None:
    """("iin" or "bin", the number) of the holder an issued document's data names, or None."""
    declared = DOCUMENT_TYPES.get(doc_type)
    group = data.get(declared.holder_field) if declared is not None else None
    if isinstance(group, Mapping):
        for kind in ("iin", "bin"):
            if isinstance(group.get(kind), str):
                return kind, group[kind]
    return None


def signed_holder(data: bytes, report: DocumentReport) -> tuple[str, str] | None:
    """The holder an issued document's XML twin names, read from it only when every signature of the report is
    intact; None for anything else."""
    intact = report.format == "xml" and report.signatures and all(
        any(c.name == "signature" and c.status == Status.PASSED for c in s.checks) for s in report.signatures)
    if not intact:
        return None
    from eds.signatures import xmldsig

    try:
        declared = DOCUMENT_TYPES.get(xmldsig.find_text(data, "/document/@type") or "")
        if declared is None:
            return None
        for kind in ("iin", "bin"):
            value = xmldsig.find_text(data, f"/document/{declared.holder_field}/{kind}")
            if value:
                return kind, value
    except ValueError:  # two holders, or not XML after all: no holder anyone could rely on
        return None
    return None


def held_to_holder(report: DocumentReport, claims: Claims, holder: tuple[str, str] | None,
                   source: str) -> DocumentReport:
    """The report with the check that an issued document's claimed IIN/BIN is its holder's (from ``source``, the
    registry or the signed XML twin): not the official who signed it; unconfirmed when no holder is known."""
    claimed = {kind: value for kind, value in (("iin", claims.iin), ("bin", claims.bin)) if value is not None}
    if holder is None:
        check = Check.of("holder", Status.FAILED, "check.holder.unconfirmed", code="HOLDER_UNCONFIRMED",
                         details={"claimed": claimed})
    elif claimed != {holder[0]: holder[1]}:
        check = Check.of("holder", Status.FAILED, "check.holder.mismatch",
                         {"source": Phrase(f"holdersource.{source}"), "claimed": " / ".join(claimed.values())},
                         "HOLDER_MISMATCH", {"claimed": claimed, "holderKind": holder[0], "source": source})
    else:
        check = Check.of("holder", Status.PASSED, "check.holder.matches",
                         {"source": Phrase(f"holdersource.{source}"), "kind": Phrase(f"idname.{holder[0].upper()}"),
                          "value": holder[1]})
    return DocumentReport(report.format, report.signatures, report.checks + (check,), report.extra)


def held_to_claims(report: DocumentReport, data: bytes, claims: Claims, registry: dict,
                   registered_holder: tuple[str, str] | None,
                   as_request: Callable[[], DocumentReport]) -> DocumentReport:
    """An IIN/BIN claimed of an issued document is its holder's, never its official signer's: the registered
    record's holder for the registered file (``registry`` is the cross-check, ``registered_holder`` its record's),
    else the holder its signed XML twin names, else unconfirmed (a number of this registry or of its form, but
    not its registered file);
    a document no registry numbered is judged as a request (``as_request``: the claim is its first signer's)."""
    if registry.get("registeredFile"):
        return held_to_holder(report, claims, registered_holder, "registry")
    holder = signed_holder(data, report)
    if holder is not None:
        return held_to_holder(report, claims, holder, "signed XML")
    number = registry.get("number")
    if number and (registry.get("found") is not False or REGISTRY_NUMBER.fullmatch(number)):
        return held_to_holder(report, claims, None, "registry")
    return as_request()


def registered_file(data: bytes, document: Document) -> bool:
    """Whether ``data`` is a file the registry stored for ``document``, its PDF or its XML twin, byte for byte (the
    record keeps each file's SHA-256). Only then does the registry's status speak of the upload: a copy that was
    changed, re-saved, updated or wrapped in another signature is another file, whatever number it prints. A version
    that archive maintenance has since extended (B-LTA renewal) is still one the registry stored."""
    return hashlib.sha256(data).hexdigest() in {f.sha256 for f in (*document.files, *document.earlier_files)}


READY_PARTS = ("crl", "ocsp", "tsa", "registry", "revocation")


def _long_term(env: dict) -> str:
    """EDS_LONG_TERM as "0" (B-T), "1" (B-LT) or "lta" (B-LTA)."""
    value = (env.get("EDS_LONG_TERM") or "1").strip().lower()
    if value in ("0", "false", "no"):
        return "0"
    if value in ("1", "true", "yes", "lt"):
        return "1"
    if value == "lta":
        return "lta"
    raise SettingError("SETTING_INVALID", f"EDS_LONG_TERM must be 0, 1 or lta, not {value!r}",
                       {"variable": "EDS_LONG_TERM"})


def _budget(env: dict) -> float:
    value = env.get("EDS_NETWORK_BUDGET") or str(network.DEFAULT_BUDGET)
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 20:  # more would let a hung server hold a request near the worker timeout (30 s)
        raise SettingError("SETTING_INVALID", f"EDS_NETWORK_BUDGET must be seconds above 0 and at most 20, not "
                           f"{value!r}", {"variable": "EDS_NETWORK_BUDGET"})
    return seconds


def _ready_parts(value: str | None) -> tuple[str, ...]:
    parts = tuple(dict.fromkeys(p.strip() for p in (value or "registry,revocation").split(",") if p.strip()))
    unknown = [p for p in parts if p not in READY_PARTS]
    if unknown:
        raise SettingError("SETTING_INVALID", f"EDS_READY_REQUIRES names {', '.join(unknown)}; it may name "
                           f"{', '.join(READY_PARTS)}", {"variable": "EDS_READY_REQUIRES"})
    return parts


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
    long_term: bool
    checkpoint_dir: Path
    checkpoint_key: str
    checkpoint_every: int
    metrics_bind: str | None
    auth_failures_per_minute: int
    allow_readable_keys: bool
    ncanode_root: bool = False
    ncanode_accept_keys: bool = False
    network_budget: float = network.DEFAULT_BUDGET
    network_allow: tuple[str, ...] = ()
    ready_requires: tuple[str, ...] = ("registry", "revocation")
    archive_timestamps: bool = False  # EDS_LONG_TERM=lta: issued PDFs get a document timestamp after the B-LT data
    archive_tsa_url: str | None = None

    @classmethod
    def from_env(cls, overrides: dict) -> "Settings":
        env = {**os.environ, **{k: str(v) for k, v in overrides.items() if k.startswith("EDS_")}}
        home = Path(env["EDS_HOME"]) if env.get("EDS_HOME") else eds_home()
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
            long_term=_long_term(env) != "0",
            checkpoint_dir=Path(env.get("EDS_CHECKPOINT_DIR") or home / "checkpoints"),
            checkpoint_key=env.get("EDS_CHECKPOINT_KEY") or checkpoints.DEFAULT_KEY,
            checkpoint_every=checkpoints.every_from(env.get("EDS_CHECKPOINT_EVERY")),
            metrics_bind=_bind_address(env.get("EDS_METRICS_BIND") or None),
            auth_failures_per_minute=_positive(env, "EDS_AUTH_FAILURES_PER_MINUTE", 10),
            allow_readable_keys=env.get("EDS_ALLOW_READABLE_KEYS", "0") in ("1", "true", "yes"),
            ncanode_root=env.get("EDS_NCANODE_ROOT", "0") in ("1", "true", "yes"),
            ncanode_accept_keys=env.get("EDS_NCANODE_ACCEPT_KEYS", "0") in ("1", "true", "yes"),
            network_budget=_budget(env),
            network_allow=tuple(a.strip() for a in env.get("EDS_NETWORK_ALLOW", "").split(",") if a.strip()),
            ready_requires=_ready_parts(env.get("EDS_READY_REQUIRES")),
            archive_timestamps=_long_term(env) == "lta",
            archive_tsa_url=env.get("EDS_ARCHIVE_TSA_URL") or None,
        )

    @property
    def metrics_port(self) -> int | None:
        """The port of the separate /metrics listener, when there is one."""
        return int(self.metrics_bind.rsplit(":", 1)[1]) if self.metrics_bind else None

    def services(self) -> "Services":
        return Services(self)


class Services:
    """The library objects the HTTP layer calls, built on first use and kept for the process."""

    def __init__(self, settings: Settings) -> None:
        install_gost()  # GOST joins the algorithm registry when the service builds its objects
        network.configure(budget_seconds=settings.network_budget)  # library checks outside a request use it too
        self.settings = settings

    @cached_property
    def profile(self) -> TrustProfile:
        profile = load_profile(self.settings.trust)
        changes: dict = {"network_allow": (*profile.network_allow, *self.settings.network_allow)}
        for name, urls in (("EDS_OCSP_URL", [self.settings.ocsp_url]), ("EDS_CRL_URLS", self.settings.crl_urls),
                           ("EDS_TSA_URL", [self.settings.tsa_url]),
                           ("EDS_ARCHIVE_TSA_URL", [self.settings.archive_tsa_url])):
            for url in filter(None, urls):
                check_service_url(url, name)
        if self.settings.ocsp_url:
            changes["ocsp_urls"] = (self.settings.ocsp_url,)
        if self.settings.crl_urls:
            changes["crl_urls"] = self.settings.crl_urls
        if self.settings.tsa_url:
            changes["tsa_url"] = self.settings.tsa_url
        return dataclasses.replace(profile, **changes)

    @cached_property
    def signer_checker(self) -> SignerChecker:
        store = CrlStore(cache_dir=self.settings.home / "cache" / "crl")
        return SignerChecker(self.profile, policy=Policy(self.settings.policy), crl_store=store)

    @cached_property
    def request_checker(self) -> RequestChecker:
        return RequestChecker(self.signer_checker)

    @cached_property
    def keys(self) -> KeyStore:
        """The signing keys keys.json names (refused when it, a key or a password file is open to others)."""
        return load_keys(self.settings.keys_file, allow_readable=self.settings.allow_readable_keys)

    def loaded_crls(self) -> list:
        """CRLs the revocation store holds now (empty until revocation has been checked by CRL)."""
        if "signer_checker" not in self.__dict__:
            return []
        return self.signer_checker.revocation.store.loaded()

    @cached_property
    def registry(self) -> Registry:
        _private_sqlite_file(self.settings.database_url)
        registry = Registry.open(self.settings.database_url)
        if self.settings.checkpoint_every:  # a missing key shows as a warning every N entries, not at open
            self._checkpointer(registry, every=self.settings.checkpoint_every).watch()
        return registry

    def _checkpointer(self, registry: Registry, every: int | None = None) -> checkpoints.Checkpointer:
        return checkpoints.Checkpointer(registry, lambda: self.keys.get(self.settings.checkpoint_key),
                                        self.settings.checkpoint_dir, timestamp=self._checkpoint_timestamp,
                                        every=every)

    def _checkpoint_timestamp(self, signature: bytes) -> bytes:
        """A checkpoint's signature timestamp, from the profile's TSA (EDS_TSA_URL overrides it)."""
        if not self.profile.tsa_url:
            raise checkpoints.CheckpointError("CHECKPOINT_TSA_MISSING",
                                              "the trust profile names no TSA to time-stamp checkpoints (EDS_TSA_URL)")
        return tsp.signature_timestamper(self.profile.tsa_url)(signature)

    def checkpoint(self, directory: Path | None = None) -> Path:
        """A checkpoint of the journal now (``eds audit checkpoint``), of a journal that verifies only."""
        if self.settings.checkpoint_key not in self.keys.ids:
            raise checkpoints.CheckpointError(
                "CHECKPOINT_KEY_MISSING", f"the keystore holds no key {self.settings.checkpoint_key!r} to sign "
                "checkpoints with (EDS_CHECKPOINT_KEY names it, EDS_KEYS lists the keys)")
        checkpointer = self._checkpointer(self.registry)
        if directory is not None:
            checkpointer.directory = directory
        return checkpointer.write_verified()

    def verify_checkpoints(self, directory: Path | None = None,
                           signer_certificates: tuple[bytes, ...] = ()) -> checkpoints.CheckpointReport:
        """The journal against the checkpoints in ``directory`` (default EDS_CHECKPOINT_DIR): signed by the
        checkpoint key's certificate or one of ``signer_certificates`` (DER; keys used before), time-stamped by
        a TSA of the profile."""
        signers = {hashlib.sha256(der).hexdigest() for der in signer_certificates}
        if self.settings.checkpoint_key in self.keys.ids:
            signers.add(self.keys.get(self.settings.checkpoint_key).certificate.sha256)
        return checkpoints.verify(self.registry, directory or self.settings.checkpoint_dir,
                                  signers=frozenset(signers), tsa_check=checkpoints.trusted_tsa(self.signer_checker))

    def registry_status(self) -> dict:
        try:
            self.registry.journal_head()
        except RegistryError as exc:
            return {"ok": False, "error": exc.code}
        return {"ok": True}

    @cached_property
    def issuer(self) -> Issuer:
        return Issuer(self.registry, self.signer_checker, self.keys,
                      IssuingOptions(public_url=self.settings.public_url, timestamp_url=self.profile.tsa_url,
                                     long_term=self.settings.long_term,
                                     archive_timestamp_url=self.archive_tsa_url if self.settings.archive_timestamps
                                     else None))

    @property
    def archive_tsa_url(self) -> str | None:
        """The TSA of document timestamps: EDS_ARCHIVE_TSA_URL, else the profile's (or EDS_TSA_URL's) TSA."""
        return self.settings.archive_tsa_url or self.profile.tsa_url

    def maintainer(self, tsa_url: str | None = None, *, actor: str = "maintain"):
        """Archive maintenance of this registry (``eds registry maintain``) with the service's checker."""
        from eds.issuing.archive import Maintainer

        url = tsa_url or self.archive_tsa_url
        if not url:
            raise SettingError("SETTING_INVALID", "no TSA for document timestamps: set EDS_ARCHIVE_TSA_URL or "
                                                  "EDS_TSA_URL, or give --tsa", {"variable": "EDS_ARCHIVE_TSA_URL"})
        return Maintainer(self.registry, self.signer_checker, url, actor=actor)

    @cached_property
    def two_step(self) -> TwoStepIssuer:
        return TwoStepIssuer(self.registry, self.signer_checker, self.issuer.options)

    @cached_property
    def document_verifier(self) -> DocumentVerifier:
        return DocumentVerifier(self.signer_checker)

    @cached_property
    def public_document_verifier(self) -> DocumentVerifier:
        """The verifier of the anonymous upload page: the same checks under tighter limits."""
        return DocumentVerifier(self.signer_checker, limits=PUBLIC_LIMITS)

    def verify_document(self, data: bytes, *, detached_content: bytes | None = None, at=None,
                        claims: Claims = Claims(), public: bool = False) -> tuple[DocumentReport, dict]:
        """Verify ``data`` and cross-check it with the registry; a document of this registry must be signed
        by the signer the registry recorded for its number (unless the caller names the expected signers)."""
        verifier = self.public_document_verifier if public else self.document_verifier
        holder_claim = claims.iin is not None or claims.bin is not None
        as_signed = dataclasses.replace(claims, iin=None, bin=None) if holder_claim else claims
        report = verifier.verify(data, detached_content=detached_content, at=at, claims=as_signed)
        if any(r.code == "TOO_COMPLEX" for r in report.reasons):
            return report, {"found": False, "message": "not looked up: the document exceeds a verification limit"}
        registry = self.registry_cross_check(detached_content if detached_content is not None else data)
        if registry.get("found") and claims.signers is None:
            expected = dataclasses.replace(
                as_signed, signers=(ExpectedSigner(certificates=self._registered_signers(registry["number"])),))
            report = settle(report, expected)
        if holder_claim:
            report = held_to_claims(report, data, claims, registry, self.registered_holder(registry),
                                    lambda: verifier.verify(data, detached_content=detached_content, at=at,
                                                            claims=claims))
        return report, registry

    def registered_holder(self, registry: dict) -> tuple[str, str] | None:
        """The holder of the registered document a cross-check (:meth:`registry_cross_check`) matched, or None."""
        if not registry.get("registeredFile"):
            return None
        document = self.registry.document(registry["number"])
        return document_holder(document.doc_type, document.data)

    def _registered_signers(self, number: str) -> frozenset[str]:
        """The certificates that signed ``number`` or one of its duplicates (which carry the same number)."""
        found = {self.registry.document(number).signer_cert_sha256}
        for index in range(1, 100):
            try:
                found.add(self.registry.document(f"{number}-D{index}").signer_cert_sha256)
            except RegistryError:
                break
        return frozenset(found)

    def registry_cross_check(self, data: bytes) -> dict:
        """Whether this registry issued the document: its number's record, status, and whether the bytes match."""
        number = printed_number(data)
        if number is None:
            return {"found": False, "message": "the document carries no number of this registry"}
        try:
            document = self.registry.document(number)
        except RegistryError as exc:
            if exc.code == "NOT_FOUND":
                return {"found": False, "number": number, "message": "this registry never issued that number"}
            return {"found": None, "number": number, "message": f"the registry is unavailable ({exc.code})"}
        registered = next((record for record in self._records_of(document) if registered_file(data, record)), None)
        if registered is None:
            return {"found": True, "number": number, "registeredFile": False,
                    "message": f"this file is not the one registered under {number}: the registry's status does not "
                               "apply to it"}
        return {"found": True, "number": registered.number, "registeredFile": True, "status": str(registered.status),
                "supersededBy": registered.superseded_by}

    def _records_of(self, document: Document) -> list[Document]:
        """``document`` and its duplicates, which print its number but are records (and files) of their own."""
        found = [document]
        for index in range(1, 100):
            try:
                found.append(self.registry.document(f"{document.number}-D{index}"))
            except RegistryError:
                break
        return found

    def document_record(self, number: str) -> dict | None:
        """What the public page shows for a number, or None when the registry never issued it."""
        try:
            document = self.registry.document(number)
            provider = self.registry.provider(document.provider_id)
        except RegistryError:
            return None
        doc_type = DOCUMENT_TYPES.get(document.doc_type)
        # What the document printed (proven when it was issued), not today's registry record.
        printed_provider = document.data.get("provider", {}).get("name", {})
        printed_signer = document.data.get("signer", {})
        position = printed_signer.get("position", {})
        return {
            "number": document.number, "status": str(document.status), "type": document.doc_type,
            "title": {"kk": doc_type.title_kk, "ru": doc_type.title_ru} if doc_type else {},
            "holder_name": document.holder_name, "holder_id": document.holder_id,
            "provider_name": (f"{printed_provider.get('kk', provider.name_kk)} / "
                              f"{printed_provider.get('ru', provider.name_ru)}"),
            "signer_name": (f"{printed_signer['name']}, {position.get('kk', '')} / {position.get('ru', '')}"
                            if printed_signer.get("name") else document.signer_cert_sha256[:16]),
            "issued_at": local_date(document.issued_at).isoformat(),
            "superseded_by": document.superseded_by, "original_number": document.original_number,
        }

    def public_record(self, number: str, token: str | None) -> dict | None:
        """What the public page shows for a number (None: never issued): the whole record, and the files, with
        the token of its QR code; without it only type, number, provider, issue date and status, with the holder's
        name shortened and IIN/BIN masked (eds.issuing.disclosure), since anyone can walk the numbers."""
        record = self.document_record(number)
        if record is None:
            return None
        if token_opens(token, self.registry.access_token(number)):
            return {**record, "full": True, "token": token}
        shown = {key: record[key] for key in ("number", "status", "type", "title", "provider_name", "issued_at")}
        return {**shown, "full": False, "token": None, "holder_name": shortened_name(record["holder_name"]),
                "holder_id": masked_identity(record["holder_id"])}

    @cached_property
    def api_keys(self) -> ApiKeys:
        return ApiKeys(self.settings.home / "api-keys.json")
