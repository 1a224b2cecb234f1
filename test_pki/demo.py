"""Set up the embedded default on the test PKI: signing keys, providers and their authorised officials.

``eds run`` calls this once, so that the service can issue documents out of the box: the ministry
committee (provider MCI) signs TV/radio licences and the regional department (provider ZHM) signs the
scrap-metal licences, certificates, consents, references and refusals.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from eds.issuing.checkpoints import DEFAULT_KEY as CHECKPOINT_KEY
from eds.issuing.registry import Registry, RegistryError
from eds.pki.certificates import Certificate
from test_pki.model import PASSWORD_FILE, write_private

PROVIDERS = {
    "MCI": ("official_ministry", "Мәдениет және ақпарат министрлігінің Ақпарат комитеті",
            "Комитет информации Министерства культуры и информации", "Төраға / Председатель",
            ["tv_radio_licence", "refusal"]),
    "ZHM": ("official_region", "Жамбыл облысы әкімдігінің кәсіпкерлік басқармасы",
            "Управление предпринимательства акимата Жамбылской области", "Басшының орынбасары / Заместитель руководителя",
            ["scrap_metal_licence", "cultural_export_certificate", "restoration_consent", "periodicals_registration",
             "refusal"]),
}


def bootstrap(home: Path, pki_dir: Path, registry: Registry) -> dict[str, str]:
    """Write ``home/keys.json`` and register the providers and officials; returns provider -> key id."""
    manifest = json.loads((pki_dir / "manifest.json").read_text(encoding="utf-8"))
    keys: dict[str, str] = {}
    now = _dt.datetime.now(_dt.timezone.utc)
    for provider_id, (identity, name_kk, name_ru, position, doc_types) in PROVIDERS.items():
        info = manifest["identities"][identity]
        cert = Certificate.load((pki_dir / info["certificate"]).read_bytes())
        keys[identity] = str(pki_dir / info["pkcs12"])
        try:
            registry.add_provider(provider_id, name_kk=name_kk, name_ru=name_ru, bin=info["bin"], actor="bootstrap")
            registry.add_signer(provider_id, cert_der=cert.der, iin=info["iin"], name=cert.common_name,
                                position=position, doc_types=doc_types, valid_from=now - _dt.timedelta(days=1),
                                valid_to=cert.not_after, actor="bootstrap")
        except RegistryError as exc:
            if exc.code != "CONFLICT":
                raise
    # The operator's key, under the id EDS_CHECKPOINT_KEY names by default: it signs the journal's checkpoints.
    keys[CHECKPOINT_KEY] = str(pki_dir / manifest["identities"]["service_journal"]["pkcs12"])
    write_keys(home, pki_dir, keys)
    return {provider_id: spec[0] for provider_id, spec in PROVIDERS.items()}


def write_keys(home: Path, pki_dir: Path, keys: dict[str, str]) -> Path:
    """``home/keys.json`` (0600) for key id -> PKCS#12 file of the test PKI: each entry names the PKI's 0600
    password file (``password_file``), so keys.json holds no password."""
    entries = {key_id: {"pkcs12": str(pkcs12), "password_file": str(Path(pki_dir) / PASSWORD_FILE)}
               for key_id, pkcs12 in keys.items()}
    path = Path(home) / "keys.json"
    write_private(path, (json.dumps(entries, indent=2, ensure_ascii=False) + "\n").encode())
    return path
