"""Set up the embedded default on the test PKI: signing keys, providers and their authorised officials.

``eds run`` calls this once, so that the service can issue every document type out of the box, each under
the provider of its regulation: the ministry's committee (MCI) signs TV/radio licences (001), Zhambyl's
entrepreneurship department (ZHM) scrap-metal licences (002), Zhambyl's culture department (ZHC)
certificates and consents (003: only its head, whose certificate is the first head's and whom the registry
marks as head; its deputy is registered too, with the right to sign but not the head), and East Kazakhstan's
internal policy department (SHQ) periodicals references (004). Each refuses its own services.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from eds.issuing.checkpoints import DEFAULT_KEY as CHECKPOINT_KEY
from eds.issuing.registry import Registry, RegistryError
from eds.pki.certificates import Certificate
from test_pki.model import PASSWORD_FILE, write_private

# provider -> names, place, services, and its officials: (identity, position kk, position ru, head)
PROVIDERS: dict[str, dict] = {
    "MCI": {
        "name": ("Қазақстан Республикасы Мәдениет және ақпарат министрлігінің Ақпарат және мұрағат комитеті",
                 "Комитет информации и архивов Министерства культуры и информации Республики Казахстан"),
        "place": ("Астана қ.", "г. Астана"),
        "doc_types": ["tv_radio_licence"],
        "signers": [("official_ministry", "Комитет төрағасы", "Председатель комитета", True)],
    },
    "ZHM": {
        "name": ("Жамбыл облысы әкімдігінің кәсіпкерлік және өнеркәсіп басқармасы",
                 "Управление предпринимательства и промышленности акимата Жамбылской области"),
        "place": ("Тараз қ.", "г. Тараз"),
        "doc_types": ["scrap_metal_licence"],
        "signers": [("official_region", "Басқарма басшысының орынбасары", "Заместитель руководителя управления",
                     False)],
    },
    "ZHC": {
        "name": ("Жамбыл облысы әкімдігінің мәдениет, архивтер және құжаттама басқармасы",
                 "Управление культуры, архивов и документации акимата Жамбылской области"),
        "place": ("Тараз қ.", "г. Тараз"),
        "doc_types": ["cultural_export_certificate", "restoration_consent"],
        "signers": [("official_culture_head", "Басқарма басшысы", "Руководитель управления", True),
                    ("official_culture_deputy", "Басқарма басшысының орынбасары",
                     "Заместитель руководителя управления", False)],
    },
    "SHQ": {
        "name": ("Шығыс Қазақстан облысының ішкі саясат басқармасы",
                 "Управление внутренней политики Восточно-Казахстанской области"),
        "place": ("Өскемен қ.", "г. Усть-Каменогорск"),
        "doc_types": ["periodicals_registration"],
        "signers": [("official_east", "Басқарма басшысының орынбасары", "Заместитель руководителя управления",
                     False)],
    },
}


def bootstrap(home: Path, pki_dir: Path, registry: Registry) -> dict[str, str]:
    """Write ``home/keys.json`` and register the providers and officials; returns provider -> the key id of its
    first official."""
    manifest = json.loads((pki_dir / "manifest.json").read_text(encoding="utf-8"))
    keys: dict[str, str] = {}
    now = _dt.datetime.now(_dt.timezone.utc)
    for provider_id, spec in PROVIDERS.items():
        first = manifest["identities"][spec["signers"][0][0]]
        try:
            registry.add_provider(provider_id, name_kk=spec["name"][0], name_ru=spec["name"][1], bin=first["bin"],
                                  place_kk=spec["place"][0], place_ru=spec["place"][1], doc_types=spec["doc_types"],
                                  actor="bootstrap")
        except RegistryError as exc:
            if exc.code != "CONFLICT":
                raise
        for identity, position_kk, position_ru, head in spec["signers"]:
            info = manifest["identities"][identity]
            cert = Certificate.load((pki_dir / info["certificate"]).read_bytes())
            keys[identity] = str(pki_dir / info["pkcs12"])
            try:
                registry.add_signer(provider_id, cert_der=cert.der, iin=info["iin"], name=cert.common_name,
                                    position_kk=position_kk, position_ru=position_ru, head=head,
                                    doc_types=spec["doc_types"], valid_from=now - _dt.timedelta(days=1),
                                    valid_to=cert.not_after, actor="bootstrap")
            except RegistryError as exc:
                if exc.code != "CONFLICT":
                    raise
    # The operator's key, under the id EDS_CHECKPOINT_KEY names by default: it signs the journal's checkpoints.
    keys[CHECKPOINT_KEY] = str(pki_dir / manifest["identities"]["service_journal"]["pkcs12"])
    write_keys(home, pki_dir, keys)
    return {provider_id: spec["signers"][0][0] for provider_id, spec in PROVIDERS.items()}


def write_keys(home: Path, pki_dir: Path, keys: dict[str, str]) -> Path:
    """``home/keys.json`` (0600) for key id -> PKCS#12 file of the test PKI: each entry names the PKI's 0600
    password file (``password_file``), so keys.json holds no password."""
    entries = {key_id: {"pkcs12": str(pkcs12), "password_file": str(Path(pki_dir) / PASSWORD_FILE)}
               for key_id, pkcs12 in keys.items()}
    path = Path(home) / "keys.json"
    write_private(path, (json.dumps(entries, indent=2, ensure_ascii=False) + "\n").encode())
    return path


def issuer_of(doc_type: str, data: dict | None = None) -> tuple[str, str]:
    """The demo provider and the key id of its first official that issue a ``doc_type`` document (a refusal: those
    of the service ``data["service"]`` refuses)."""
    service = (data or {}).get("service", doc_type) if doc_type == "refusal" else doc_type
    provider_id = next(p for p, spec in PROVIDERS.items() if service in spec["doc_types"])
    return provider_id, PROVIDERS[provider_id]["signers"][0][0]
