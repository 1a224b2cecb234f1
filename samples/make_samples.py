"""Make every sample from a fresh test PKI in samples/pki/: signed requests and issued documents.

Run: .venv/bin/python samples/make_samples.py   (regenerates samples/pki, samples/requests, samples/documents)

Each sample is listed in samples/requests/index.json with the outcome a correct checker gives when it
verifies the sample offline, with the CRLs in samples/pki/crl, at the moment recorded as ``at``:

    eds verify samples/requests/FILE --trust samples/pki --offline --crl samples/pki/crl/nca_rsa_test.crl \\
        --crl samples/pki/crl/nca_d_rsa_test.crl --crl samples/pki/crl/root_rsa_test.crl --at AT --iin-path applicant/iin
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.issuer import Issuer, IssuingOptions
from eds.issuing.keystore import load_keys
from eds.issuing.registry import Registry
from eds.pki.certificates import Certificate
from eds.pki.keys import SigningKey
from eds.pki.trust import load_profile
from eds.signatures import cms, xmldsig
from eds.validation.signer_check import SignerChecker
from test_pki import archive as pki_archive, demo, generator, services
from test_pki.authority import TestPki
from test_pki.model import read_password

HERE = Path(__file__).resolve().parent
ARCHIVE_TSA = "tsa_archive"
SERVICES = {
    "tv_radio_licence": "Телерадиоарналарды тарату лицензиясы / Лицензия на распространение теле-, радиоканалов",
    "scrap_metal_licence": "Түсті және қара металдар сынықтарын жинау лицензиясы / Лицензия на сбор лома металлов",
    "cultural_export_certificate": "Мәдени құндылықтарды уақытша әкету куәлігі / Свидетельство на временный вывоз культурных ценностей",
    "restoration_consent": "Ескерткіштерді ғылыми-реставрациялау келісімі / Согласие на научно-реставрационные работы",
    "periodicals_registration": "Шетелдік мерзімді баспасөзді есепке қою / Постановка на учёт иностранных периодических изданий",
}


def request(service: str, iin: str | None, bin_: str | None, name: str) -> bytes:
    applicant = "".join(f"<{tag}>{value}</{tag}>" for tag, value in (("iin", iin), ("bin", bin_)) if value)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<request service="{service}">'
            f"<title>{SERVICES[service]}</title><applicant>{applicant}<name>{name}</name></applicant>"
            f"<submitted>{dt.date.today().isoformat()}</submitted></request>").encode()


def main() -> None:
    pki, out = HERE / "pki", HERE / "requests"
    for folder in (pki, out, HERE / "documents"):
        if folder.exists():
            shutil.rmtree(folder)
    manifest = generator.generate(pki)
    # the archive TSA of the issued documents' document timestamps (B-LTA): EC, under the EC CA, nine years
    pki_archive.add_tsa(pki, ARCHIVE_TSA, days=9 * 365, issuer="ca_ec", key="ec")
    make_requests(pki, out, manifest)
    make_documents(pki, HERE / "documents", manifest)


def make_requests(pki: Path, out: Path, manifest: dict) -> None:
    out.mkdir()
    keys = {name: SigningKey.from_pkcs12((pki / info["pkcs12"]).read_bytes(), read_password(pki), key_id=name)
            for name, info in manifest["identities"].items() if info["purpose"] in ("SIGN", "AUTH")}
    at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    index: list[dict] = []

    def add(file: str, data: bytes, expected: str, note: str, **extra) -> None:
        (out / file).write_bytes(data)
        index.append({"file": file, "expected": expected, "note": note, "at": at.isoformat(), **extra})

    def xml(name: str, service: str, **claims) -> bytes:
        key = keys[name]
        cert = key.certificate
        document = request(service, claims.get("iin", cert.iin), claims.get("bin", cert.bin),
                           cert.organization or cert.common_name)
        return xmldsig.sign_xml(document, key.private_key, key.certificate.der)

    add("tv_radio_licence.xml", xml("official_ministry", "tv_radio_licence"), "accepted",
        "legal entity (first head) applies for a TV/radio distribution licence", bin_path="applicant/bin")
    add("scrap_metal_licence.xml", xml("company_head", "scrap_metal_licence"), "accepted",
        "legal entity applies for a scrap-metal licence", bin_path="applicant/bin")
    add("cultural_export_certificate.xml", xml("individual_sign", "cultural_export_certificate"), "accepted",
        "individual applies for a certificate to export cultural values")
    add("restoration_consent.xml", xml("company_signer", "restoration_consent"), "accepted",
        "employee with the right to sign applies for restoration consent", bin_path="applicant/bin")
    add("periodicals_registration.xml", xml("ec_company_head", "periodicals_registration"), "accepted",
        "ECDSA key; registration of foreign periodicals", bin_path="applicant/bin")
    head, signer = keys["company_head"], keys["company_signer"]
    content = request("scrap_metal_licence", head.certificate.iin, head.certificate.bin, "ТОО \"ТЕСТ МЕТАЛЛ\"")
    co_signed = cms.add_signer(cms.sign_cms(content, head.private_key, head.certificate.der),
                               signer.private_key, signer.certificate.der)
    add("scrap_metal_licence.cms", co_signed, "accepted", "CMS with two signers (head, then right to sign)")
    add("scrap_metal_licence.p7s", cms.sign_cms(content, head.private_key, head.certificate.der, detached=True),
        "accepted", "detached CMS; content in scrap_metal_licence.p7s.xml", detached="scrap_metal_licence.p7s.xml")
    (out / "scrap_metal_licence.p7s.xml").write_bytes(content)

    add("refused_revoked.xml", xml("revoked", "tv_radio_licence"), "CERT_REVOKED", "key compromise")
    add("refused_on_hold.xml", xml("on_hold", "tv_radio_licence"), "CERT_REVOKED", "certificateHold (delta CRL)")
    add("refused_expired.xml", xml("expired", "tv_radio_licence"), "CERT_EXPIRED", "certificate expired")
    add("refused_not_yet_valid.xml", xml("not_yet_valid", "tv_radio_licence"), "CERT_NOT_YET_VALID",
        "certificate not yet valid")
    add("refused_auth_key.xml", xml("individual_auth", "tv_radio_licence"), "NOT_SIGNING_KEY",
        "signed with the authentication key")
    add("refused_impostor.xml", xml("impostor", "tv_radio_licence"), "CHAIN_UNTRUSTED",
        "look-alike certificate from an untrusted root")
    add("refused_iin_mismatch.xml", xml("individual_sign", "tv_radio_licence",
                                        iin=keys["company_head"].certificate.iin),
        "IIN_MISMATCH", "the request names another person's IIN")
    add("refused_iin_malformed.xml", xml("individual_sign", "tv_radio_licence", iin="85041230017"),
        "IDENTITY_MALFORMED", "the IIN in the request has 11 digits")
    add("refused_no_right_to_sign.xml", xml("company_employee", "scrap_metal_licence"), "ROLE_NOT_ALLOWED",
        "employee without the right to sign for the BIN", bin_path="applicant/bin")
    tampered = xml("individual_sign", "cultural_export_certificate").replace(b"cultural_export_certificate",
                                                                            b"tv_radio_licence")
    add("refused_tampered.xml", tampered, "SIGNATURE_INVALID", "the request was changed after signing")
    # CRLs issued just after the signatures: offline proof of every signer's status at signing time.
    TestPki.load(pki).write_crls(at + dt.timedelta(minutes=1))
    (out / "index.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(index)} signed requests in {out}")


def make_documents(pki: Path, out: Path, manifest: dict) -> None:
    """One issued PDF and XML twin per document type and life event, PAdES B-LTA (the signature's timestamp by
    the PKI's TSA, B-LT data, then a document timestamp by the archive TSA), with a registry index."""
    port = int(manifest["base_url"].rsplit(":", 1)[1])
    server = services.start(pki, port=port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            registry = Registry.open(f"sqlite:///{home / 'registry.db'}")
            demo.bootstrap(home, pki, registry)
            keys = load_keys(home / "keys.json")
            profile = load_profile(pki)
            issuer = Issuer(registry, SignerChecker(profile), keys,
                            IssuingOptions(public_url="https://eds.example.kz", timestamp_url=profile.tsa_url,
                                           archive_timestamp_url=f"{manifest['base_url']}/tsp/{ARCHIVE_TSA}/"))
            out.mkdir()
            index: list[dict] = []

            def keep(document, event: str) -> None:
                for kind in ("pdf", "xml"):
                    (out / f"{document.number}.{kind}").write_bytes(registry.file(document.number, kind))
                index.append({"number": document.number, "type": document.doc_type, "event": event,
                              "provider": document.provider_id,
                              "files": [f"{document.number}.pdf", f"{document.number}.xml"]})

            # Each service under its own provider (demo.PROVIDERS), signed by its official; the applicant's data
            # only: the provider and signer blocks come from the registry and the certificate.
            for doc_type in sorted(EXAMPLES):
                provider, key = demo.issuer_of(doc_type, EXAMPLES[doc_type])
                keep(issuer.issue(doc_type, EXAMPLES[doc_type], provider_id=provider, key_id=key, actor="samples"),
                     "issue")
            # The same licence signed by an official whose key is GOST 34.10-2015 (512), as many NCA keys are.
            gost = manifest["identities"]["gost_company_head"]
            gost_certificate = Certificate.load((pki / gost["certificate"]).read_bytes())
            registry.add_provider("GST", name_kk="ГОСТ кілтімен қол қоятын сынақ ұйымы",
                                  name_ru="Тестовая организация с ключом ГОСТ", bin=gost["bin"], place_kk="Тараз қ.",
                                  place_ru="г. Тараз", doc_types=["scrap_metal_licence"], actor="samples")
            registry.add_signer("GST", cert_der=gost_certificate.der, iin=gost["iin"],
                                name=gost_certificate.common_name, position_kk="Басшы", position_ru="Руководитель",
                                head=True, doc_types=["scrap_metal_licence"],
                                valid_from=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1),
                                valid_to=gost_certificate.not_after, actor="samples")
            keys.add_file("gost_company_head", pki / gost["pkcs12"], read_password(pki))
            keep(issuer.issue("scrap_metal_licence", EXAMPLES["scrap_metal_licence"], provider_id="GST",
                              key_id="gost_company_head", actor="samples"), "issue")
            index[-1]["key"] = "GOST"
            licence = next(e["number"] for e in index if e["type"] == "scrap_metal_licence")
            keep(issuer.duplicate(licence, key_id="official_region", actor="samples", reason="the original was lost"),
                 "duplicate")
            keep(issuer.reissue(licence, key_id="official_region", actor="samples", reason="address_change"), "reissue")
            tv = next(e["number"] for e in index if e["type"] == "tv_radio_licence")
            issuer.suspend(tv, actor="samples", reason="inspection")
            issuer.resume(tv, actor="samples", reason="inspection passed")
            consent = next(e["number"] for e in index if e["type"] == "restoration_consent")
            issuer.terminate(consent, actor="samples", reason="the applicant withdrew the request")
            for entry in index:
                document = registry.document(entry["number"])
                entry["status"] = str(document.status)
                entry["events"] = [str(e.kind) for e in registry.events(entry["number"])]
            assert registry.verify_journal().ok
        (out / "index.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{len(index)} issued documents in {out}")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
