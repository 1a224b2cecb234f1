"""Trust profiles: a named set of pinned trust anchors plus the URLs of the PKI's CRL, OCSP and TSA services.

Anchors are never downloaded: an operator pins them from files (``eds trust import``). A profile is a
folder with ``profile.json`` and an ``anchors/`` folder of PEM/DER certificates; an anchor may be an
issuing CA rather than a self-signed root. Two names are known: ``test`` (the generated test PKI) and
``nca`` (the production NCA services, anchors imported by the operator).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from eds.errors import CodedError
from eds.pki import network
from eds.pki.certificates import Certificate, CertificateError

NCA_DEFAULTS: dict = {
    "name": "nca",
    "description": "Production NCA of the Republic of Kazakhstan (anchors pinned by the operator)",
    "anchors": "anchors",
    "verify_identity_checksum": True,
    "ocsp_urls": ["http://ocsp.pki.gov.kz/"],
    "crl_urls": [
        "http://crl.pki.gov.kz/nca_rsa_2022.crl",
        "http://crl.pki.gov.kz/nca_gost_2022.crl",
        "http://crl.pki.gov.kz/nca_d_rsa_2022.crl",
        "http://crl.pki.gov.kz/nca_d_gost_2022.crl",
    ],
    "tsa_url": "http://tsp.pki.gov.kz/",
    "tsa_policy": "1.2.398.3.3.2.6.4",
}


class TrustError(CodedError, ValueError):
    """A profile that cannot be loaded; ``code`` is stable."""


def eds_home() -> Path:
    """Where the service keeps its state (test PKI, trust profiles, registry): ``$EDS_HOME``, else ./var when it
    exists (a checkout's, as ``scripts/run`` makes it), else the user's data folder (``$XDG_DATA_HOME/eds`` or
    ``~/.local/share/eds``), so that a command run from another folder still finds the same state."""
    if os.environ.get("EDS_HOME"):
        return Path(os.environ["EDS_HOME"])
    local = Path.cwd() / "var"
    if local.is_dir():
        return local
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "eds"


@dataclass(frozen=True)
class TrustProfile:
    """Pinned anchors, known intermediates, and where to ask about revocation and time."""

    name: str
    anchors: tuple[Certificate, ...]
    intermediates: tuple[Certificate, ...] = ()
    ocsp_urls: tuple[str, ...] = ()
    crl_urls: tuple[str, ...] = ()
    tsa_url: str | None = None
    tsa_policy: str | None = None
    verify_identity_checksum: bool = True
    ocsp_max_age: _dt.timedelta = _dt.timedelta(minutes=10)
    folder: Path | None = field(default=None, compare=False)
    network_allow: tuple[str, ...] = ()  # non-public hosts besides the profile's own that may be fetched

    def url_policy(self) -> network.UrlPolicy:
        """Which hosts the service may fetch evidence from: any public one, the origins of this profile's own
        service URLs (the test PKI's loopback port), and ``network_allow`` (EDS_NETWORK_ALLOW)."""
        return network.UrlPolicy.trusting((*self.ocsp_urls, *self.crl_urls, self.tsa_url), self.network_allow)

    @property
    def anchor_fingerprints(self) -> frozenset[str]:
        return frozenset(a.sha256 for a in self.anchors)


def _load_certificates(folder: Path) -> list[Certificate]:
    certs: list[Certificate] = []
    if not folder.is_dir():
        return certs
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".pem", ".crt", ".cer", ".der"):
            continue
        data = path.read_bytes()
        blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", data, re.S)
        for block in blocks or [data]:
            try:
                certs.append(Certificate.load(block))
            except CertificateError as exc:
                raise TrustError("TRUST_BAD_ANCHOR", f"{path}: {exc}") from None
    return certs


def load_profile_folder(folder: str | Path) -> TrustProfile:
    """Load a profile folder: profile.json (optional for a bare folder of anchors) and its anchors."""
    root = Path(folder)
    if not root.is_dir():
        raise TrustError("TRUST_PROFILE_NOT_FOUND", f"trust profile folder {root} does not exist")
    config_path = root / "profile.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
    anchors_dir = root / config.get("anchors", "anchors")
    anchors = _load_certificates(anchors_dir if anchors_dir.is_dir() else root)
    intermediates = _load_certificates(root / config["intermediates"]) if config.get("intermediates") else []
    for url in (*config.get("ocsp_urls", ()), *config.get("crl_urls", ()), *filter(None, [config.get("tsa_url")])):
        check_service_url(url, f"{config_path}")
    return TrustProfile(
        name=config.get("name", root.name),
        anchors=tuple(anchors),
        intermediates=tuple(c for c in intermediates if c.is_ca),
        ocsp_urls=tuple(config.get("ocsp_urls", ())),
        crl_urls=tuple(config.get("crl_urls", ())),
        tsa_url=config.get("tsa_url"),
        tsa_policy=config.get("tsa_policy"),
        verify_identity_checksum=bool(config.get("verify_identity_checksum", True)),
        ocsp_max_age=_dt.timedelta(seconds=int(config.get("ocsp_max_age_seconds", 600))),
        folder=root,
        network_allow=tuple(config.get("network_allow", ())),
    )


def check_service_url(url: object, where: str) -> str:
    """A configured OCSP, CRL or TSA URL must be http(s) with a host: anything else stops the start (TRUST_BAD_URL)."""
    if isinstance(url, str):
        try:
            network.UrlPolicy().check(url, "service")
            return url
        except network.UrlRefused:
            pass
    raise TrustError("TRUST_BAD_URL", f"{where}: {url!r} is not an http(s) URL with a host")


def profile_folder(name: str) -> Path:
    """The folder of a named profile: ``test`` is the generated test PKI, others live in trust/NAME."""
    if name == "test":
        return Path(os.environ.get("EDS_TEST_PKI") or eds_home() / "pki")
    return eds_home() / "trust" / name


def load_profile(name_or_folder: str | Path) -> TrustProfile:
    """Select a profile by name (``test``, ``nca``, an imported one) or by folder path."""
    text = str(name_or_folder)
    candidate = Path(text)
    if os.sep in text or candidate.is_dir() and text not in ("test", "nca"):
        return _require_anchors(load_profile_folder(candidate))
    folder = profile_folder(text)
    if text == "nca" and not folder.exists():
        raise TrustError("TRUST_NO_ANCHORS",
                         "the nca profile has no pinned anchors yet: run `eds trust import nca FILE...` "
                         "with the root and issuing CA certificates published by the NCA")
    if not folder.exists():
        raise TrustError("TRUST_PROFILE_NOT_FOUND", f"no trust profile named {text!r} (looked in {folder})")
    return _require_anchors(load_profile_folder(folder))


def _require_anchors(profile: TrustProfile) -> TrustProfile:
    if not profile.anchors:
        raise TrustError("TRUST_NO_ANCHORS", f"trust profile {profile.name!r} has no anchors")
    return profile


def import_anchors(name: str, files: list[Path], *, confirm=lambda cert: True) -> list[Certificate]:
    """Pin certificates into profile ``name``; ``confirm(cert)`` sees each one (subject, SHA-256) first."""
    folder = profile_folder(name)
    pinned: list[Certificate] = []
    candidates: list[Certificate] = []
    for path in files:
        data = Path(path).read_bytes()
        blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", data, re.S)
        for block in blocks or [data]:
            try:
                candidates.append(Certificate.load(block))
            except CertificateError as exc:
                raise TrustError("TRUST_BAD_ANCHOR", f"{path}: {exc}") from None
    for cert in candidates:
        if not cert.is_ca:
            raise TrustError("TRUST_BAD_ANCHOR",
                             f"{cert.subject_dn} is not a CA certificate and cannot be a trust anchor")
        if confirm(cert):
            pinned.append(cert)
    if not pinned:
        return pinned
    (folder / "anchors").mkdir(parents=True, exist_ok=True)
    config_path = folder / "profile.json"
    if not config_path.exists():
        defaults = NCA_DEFAULTS if name == "nca" else {"name": name, "anchors": "anchors"}
        config_path.write_text(json.dumps(defaults, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for cert in pinned:
        (folder / "anchors" / f"{cert.sha256[:16]}.pem").write_bytes(
            cert.x509.public_bytes(Encoding.PEM))
    return pinned
