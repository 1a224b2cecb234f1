"""Set up the embedded default on the test PKI: signing keys, providers and their authorised officials.

``eds run`` calls this once, so that the service can issue documents out of the box: the ministry
committee (provider MCI) signs TV/radio licences and the regional department (provider ZHM) signs the
scrap-metal licences, certificates, consents, references and refusals.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from eds.issuing.registry import Registry, RegistryError
from eds.pki.certificates import Certificate

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
    keys: dict[str, dict] = {}
    now = _dt.datetime.now(_dt.timezone.utc)
    for provider_id, (identity, name_kk, name_ru, position, doc_types) in PROVIDERS.items():
        info = manifest["identities"][identity]
        cert = Certificate.load((pki_dir / info["certificate"]).read_bytes())
        keys[identity] = {"pkcs12": str(pki_dir / info["pkcs12"]), "password": manifest["password"]}
        try:
            registry.add_provider(provider_id, name_kk=name_kk, name_ru=name_ru, bin=info["bin"], actor="bootstrap")
            registry.add_signer(provider_id, cert_der=cert.der, iin=info["iin"], name=cert.common_name,
                                position=position, doc_types=doc_types, valid_from=now - _dt.timedelta(days=1),
                                valid_to=cert.not_after, actor="bootstrap")
        except RegistryError as exc:
            if exc.code != "CONFLICT":
                raise
    path = home / "keys.json"
    path.write_text(json.dumps(keys, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return {provider_id: spec[0] for provider_id, spec in PROVIDERS.items()}
