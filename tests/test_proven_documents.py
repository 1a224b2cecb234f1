"""Issued documents state only what is proven (issue 15, items 1-6), through the library and the API.

The signer block comes from the signing certificate and the signer's registry record, the provider block from
the registry; each service is issued by its own provider, a head's service only by its head; external licence
numbers are used once; dates must be possible on the day of issue; a re-issue prints its ground; the PDF's
dates are the signing time, in Kazakhstan's time, and its pages say "page n of m".
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import subprocess

import pytest
from lxml import etree
from pyhanko.pdf_utils.reader import PdfFileReader

from eds.issuing.documents import DocumentDataError
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.documents.wording import KAZAKHSTAN
from eds.issuing.issuer import Issuer, IssuingError, IssuingOptions
from eds.issuing.keystore import load_keys
from eds.issuing.registry import Registry, RegistryError
from eds.issuing.two_step import TwoStepError, TwoStepIssuer
from eds.validation.signer_check import SignerChecker
from test_pki import demo

TODAY = dt.datetime.now(KAZAKHSTAN).date()


@pytest.fixture(scope="module")
def issuer(tmp_path_factory, pki_dir, profile, pki_server) -> Issuer:
    home = tmp_path_factory.mktemp("proven")
    registry = Registry.open(f"sqlite:///{home / 'registry.db'}")
    demo.bootstrap(home, pki_dir, registry)
    return Issuer(registry, SignerChecker(profile), load_keys(home / "keys.json"),
                  IssuingOptions(public_url="https://eds.example.kz", timestamp_url=profile.tsa_url))


def example(doc_type: str, **changes) -> dict:
    return {**copy.deepcopy(EXAMPLES[doc_type]), **changes}


def issue(issuer: Issuer, doc_type: str, data: dict | None = None, **kwargs):
    data = example(doc_type) if data is None else data
    provider, key = demo.issuer_of(doc_type, data)
    return issuer.issue(doc_type, data, provider_id=provider, key_id=kwargs.pop("key_id", key), actor="test",
                        **kwargs)


def text_of(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(out.decode("utf-8").split())


def refused(call, *args, **kwargs) -> IssuingError:
    with pytest.raises(IssuingError) as caught:
        call(*args, **kwargs)
    return caught.value


# 1. The signer block comes from proof

def test_the_printed_signer_is_the_certificate_holder_with_the_registry_position(issuer, cert_of):
    document = issue(issuer, "tv_radio_licence")
    text = text_of(issuer.registry.file(document.number, "pdf"))
    certificate = cert_of("official_ministry")
    name = f"{certificate.common_name} {certificate.patronymic}"
    assert name == "ЖҰМАБЕКОВ ЕРЛАН ҚУАНЫШҰЛЫ" and name in text
    assert "Комитет төрағасы" in text and "Председатель комитета" in text
    assert "Әлиева" not in text  # the old example data's made-up signer
    xml = etree.fromstring(issuer.registry.file(document.number, "xml"))
    assert xml.findtext("signer/name") == name and xml.findtext("signer/position/ru") == "Председатель комитета"
    assert document.signer_cert_sha256 == certificate.sha256


def test_a_signer_in_the_data_must_be_exactly_the_proven_one(issuer):
    other = {"name": "Әлиева Гүлнұр Шаһмарқызы",
             "position": {"kk": "Комитет төрағасының орынбасары", "ru": "Заместитель председателя комитета"}}
    error = refused(issue, issuer, "tv_radio_licence", example("tv_radio_licence", signer=other))
    assert error.code == "SIGNER_NOT_FROM_DATA" and error.details["field"] == "signer"
    assert error.details["expected"]["name"] == "ЖҰМАБЕКОВ ЕРЛАН ҚУАНЫШҰЛЫ"
    assert refused(issue, issuer, "tv_radio_licence", example("tv_radio_licence", signer={
        **error.details["expected"], "name": "ЖҰМАБЕКОВ ЕРЛАН"})).code == "SIGNER_NOT_FROM_DATA"
    # the same block, exactly as proven, is accepted
    assert issue(issuer, "tv_radio_licence", example("tv_radio_licence", signer=error.details["expected"]))


def test_a_two_step_document_prints_the_officials_certificate(issuer, cert_of):
    two_step = TwoStepIssuer(issuer.registry, issuer.signer_checker, issuer.options)
    prepared = two_step.prepare("periodicals_registration", example("periodicals_registration"), provider_id="SHQ",
                                signer_certificate_der=cert_of("official_east").der, actor="test")
    xml = etree.fromstring(prepared.xml)
    assert xml.findtext("signer/name") == "ЖАҚСЫЛЫҚОВ БАУЫРЖАН МӘШҺҮРҰЛЫ"
    assert xml.findtext("signer/position/kk") == "Басқарма басшысының орынбасары"
    pdf = issuer.registry.pending_file(prepared.pending_id, "pdf")
    assert "ЖАҚСЫЛЫҚОВ БАУЫРЖАН МӘШҺҮРҰЛЫ" in text_of(pdf)
    with pytest.raises(IssuingError) as caught:
        two_step.prepare("periodicals_registration", example("periodicals_registration", signer={
            "name": "Жақсылықов Бауыржан Мәшһүрұлы", "position": {"kk": "x", "ru": "x"}}), provider_id="SHQ",
            signer_certificate_der=cert_of("official_east").der, actor="test")
    assert caught.value.code == "SIGNER_NOT_FROM_DATA"


# 2. The provider block comes from the registry

def test_header_licensor_bin_and_place_are_the_registry_record(issuer):
    document = issue(issuer, "tv_radio_licence")
    provider = issuer.registry.provider("MCI")
    text = text_of(issuer.registry.file(document.number, "pdf"))
    assert text.count(provider.name_kk) == 2  # the header and the licensor row: one value
    assert f"БСН / БИН: {provider.bin}" in text and "Астана қ. / г. Астана" in text
    assert "Ақпарат комитеті" not in text.replace("Ақпарат және мұрағат комитеті", "")
    for field, value in (("provider", {"name": {"kk": "Ақпарат комитеті", "ru": "Комитет информации"},
                                       "bin": provider.bin}),
                         ("licensor", {"kk": "Ақпарат комитеті", "ru": "Комитет информации"}),
                         ("place", {"kk": "Алматы қ.", "ru": "г. Алматы"})):
        error = refused(issue, issuer, "tv_radio_licence", example("tv_radio_licence", **{field: value}))
        assert (error.code, error.details["field"]) == ("PROVIDER_MISMATCH", field)


# 3. Signer rules per document type; 4. a provider issues only its own services

def test_regulation_003_is_signed_only_by_the_head(issuer, cert_of):
    assert issue(issuer, "restoration_consent").number.startswith("CNS-ZHC-")
    # the deputy is an authorised signer of the culture department, with the right to sign, but not its head
    error = refused(issue, issuer, "restoration_consent", key_id="official_culture_deputy")
    assert (error.code, error.details["cause"]) == ("SIGNER_NOT_HEAD", "REGISTRY_NOT_HEAD")
    # marked head in the registry, the deputy's certificate still lacks the first head's role
    deputy = cert_of("official_culture_deputy").sha256
    issuer.registry.update_signer(deputy, head=True, actor="test")
    try:
        error = refused(issue, issuer, "cultural_export_certificate", key_id="official_culture_deputy")
        assert (error.code, error.details["cause"]) == ("SIGNER_NOT_HEAD", "ROLE_NOT_ALLOWED")
    finally:
        issuer.registry.update_signer(deputy, head=False, actor="test")
    # a refusal of a 003 service follows the same rule
    refusal = example("refusal", service="restoration_consent")
    assert refused(issue, issuer, "refusal", refusal, key_id="official_culture_deputy").code == "SIGNER_NOT_HEAD"
    assert issue(issuer, "refusal", refusal).number.startswith("REF-ZHC-")
    # the other services are signed by an authorised person: the region's deputy head signs a scrap licence
    assert issue(issuer, "scrap_metal_licence").number.startswith("LIC-ZHM-")


def test_a_provider_issues_and_refuses_only_its_own_services(issuer):
    for doc_type, provider, key in (("restoration_consent", "ZHM", "official_region"),
                                    ("periodicals_registration", "ZHC", "official_culture_head"),
                                    ("tv_radio_licence", "SHQ", "official_east")):
        error = refused(issuer.issue, doc_type, example(doc_type), provider_id=provider, key_id=key, actor="t")
        assert (error.code, error.details["service"]) == ("SERVICE_NOT_PROVIDED", doc_type)
    error = refused(issuer.issue, "refusal", example("refusal", service="periodicals_registration"),
                    provider_id="MCI", key_id="official_ministry", actor="t")
    assert (error.code, error.details["service"]) == ("SERVICE_NOT_PROVIDED", "periodicals_registration")
    with pytest.raises(DocumentDataError) as caught:  # a refusal must name the service it refuses
        issuer.issue("refusal", {k: v for k, v in example("refusal").items() if k != "service"}, provider_id="MCI",
                     key_id="official_ministry", actor="t")
    assert caught.value.as_list()[0]["field"] == "service"


# 5. External numbers

def test_an_external_licence_number_is_checked_and_used_once(issuer):
    document = issue(issuer, "scrap_metal_licence", number="KZ71VEG00004711")
    assert document.number == "KZ71VEG00004711"
    assert "№ KZ71VEG00004711" in text_of(issuer.registry.file(document.number, "pdf"))
    with pytest.raises(RegistryError) as caught:
        issue(issuer, "scrap_metal_licence", number="KZ71VEG00004711")
    assert caught.value.code == "NUMBER_TAKEN"
    assert refused(issue, issuer, "scrap_metal_licence", number="LIC-1").code == "EXTERNAL_NUMBER_INVALID"
    assert refused(issue, issuer, "restoration_consent", number="KZ71VEG00004712").code == \
        "EXTERNAL_NUMBER_NOT_ALLOWED"
    assert issue(issuer, "scrap_metal_licence").number.startswith("LIC-ZHM-")  # otherwise the registry numbers


# 6. Dates that can be true, the re-issue ground, the PDF's dates and pages

@pytest.mark.parametrize(("doc_type", "field", "value"), [
    ("cultural_export_certificate", "return_by", TODAY.isoformat()),  # returned the day it leaves: not after issue
    ("restoration_consent", "works_start", (TODAY - dt.timedelta(days=1)).isoformat()),
    ("scrap_metal_licence", "valid_until", (TODAY - dt.timedelta(days=30)).isoformat()),
])
def test_dates_before_the_issue_are_refused(issuer, doc_type, field, value):
    data = example(doc_type, **{field: value})
    if doc_type == "restoration_consent":
        data["works_end"] = (TODAY + dt.timedelta(days=10)).isoformat()
    with pytest.raises(DocumentDataError) as caught:
        issue(issuer, doc_type, data)
    assert [(i["field"], i["code"]) for i in caught.value.as_list()] == [(field, "DATE_NOT_TRUE")]


def test_a_consent_whose_works_ended_and_a_refusal_of_a_future_request_are_refused(issuer):
    ended = example("restoration_consent", works_end=(TODAY - dt.timedelta(days=3)).isoformat())
    ended.pop("works_start")
    with pytest.raises(DocumentDataError) as caught:
        issue(issuer, "restoration_consent", ended)
    assert caught.value.as_list()[0]["field"] == "works_end"
    future = example("refusal", request={"number": "KZ1", "date": (TODAY + dt.timedelta(days=1)).isoformat()})
    with pytest.raises(DocumentDataError) as caught:
        issue(issuer, "refusal", future)
    assert caught.value.as_list()[0] == {"field": "request.date", "code": "DATE_NOT_TRUE",
                                         "message": caught.value.as_list()[0]["message"]}


def test_a_reissue_prints_its_ground(issuer):
    licence = issue(issuer, "tv_radio_licence")
    with pytest.raises(DocumentDataError) as caught:
        issuer.reissue(licence.number, key_id="official_ministry", actor="test", reason="because")
    assert caught.value.as_list()[0]["code"] == "INVALID_GROUND"
    renewed = issuer.reissue(licence.number, key_id="official_ministry", actor="test", reason="name_change")
    text = text_of(issuer.registry.file(renewed.number, "pdf"))
    assert "Қайта рәсімдеу негізі / Основание переоформления" in text
    assert "Лицензиат – заңды тұлғаның атауының өзгеруі" in text
    assert "Изменение наименования юридического лица – лицензиата" in text
    xml = etree.fromstring(issuer.registry.file(renewed.number, "xml"))
    assert xml.findtext("original/ground/ru") == "Изменение наименования юридического лица – лицензиата"
    again = issuer.reissue(renewed.number, key_id="official_ministry", actor="test",
                           reason="other: решение суда № 2-117/2026")
    assert "Иное основание: решение суда № 2-117/2026" in text_of(issuer.registry.file(again.number, "pdf"))
    assert issuer.registry.events(renewed.number)[-1].reason == "other: решение суда № 2-117/2026"


def _pdf_date(value: str) -> dt.datetime:
    found = re.fullmatch(r"D:(\d{14})(?:Z|([+-])(\d\d)'(\d\d)'?)", value)
    assert found, value
    offset = dt.timedelta(0) if found[2] is None else (
        dt.timedelta(hours=int(found[3]), minutes=int(found[4])) * (1 if found[2] == "+" else -1))
    return dt.datetime.strptime(found[1], "%Y%m%d%H%M%S").replace(tzinfo=dt.timezone(offset))


def test_the_pdf_dates_are_the_signing_time_in_kazakhstan_and_pages_are_counted(issuer):
    document = issue(issuer, "scrap_metal_licence")
    pdf = issuer.registry.file(document.number, "pdf")
    info = PdfFileReader(io.BytesIO(pdf)).trailer["/Info"]
    created = str(info["/CreationDate"])
    assert created.endswith("+05'00'")  # Asia/Almaty
    assert abs(_pdf_date(created) - document.signed_at) < dt.timedelta(seconds=2)
    # pyHanko writes ModDate (in UTC) at each save: signing, then the B-LT data seconds later
    assert abs(_pdf_date(str(info["/ModDate"])) - document.signed_at) < dt.timedelta(seconds=30)
    text = text_of(pdf)
    pages = len(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"])
    for page in range(1, pages + 1):
        assert f"Бет {page} / {pages} · Стр. {page} из {pages}" in text
    assert TODAY.strftime("%d.%m.%Y") in text


# The same rules through the API

@pytest.fixture(scope="module")
def api(tmp_path_factory, pki_dir, pki_server) -> dict:
    from api import create_app
    from eds.issuing.access import ApiKeys

    home = tmp_path_factory.mktemp("proven-api")
    registry = Registry.open(f"sqlite:///{home / 'registry.db'}")  # the app's registry, set up before it starts
    demo.bootstrap(home, pki_dir, registry)
    registry.close()
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})
    token = ApiKeys(home / "api-keys.json").create("portal", ["issue", "verify"], signing_keys=["*"],
                                                   providers=["*"])
    return {"client": app.test_client(), "headers": {"X-API-Key": token}}


def _post(api: dict, doc_type: str, data: dict, key: str | None = None, **extra):
    provider, first = demo.issuer_of(doc_type, data)
    body = {"type": doc_type, "providerId": provider, "keyId": key or first, "data": data, **extra}
    return api["client"].post("/api/v1/documents", json=body, headers=api["headers"])


def test_the_api_refuses_what_is_not_proven(api):
    response = _post(api, "tv_radio_licence", example("tv_radio_licence", signer={
        "name": "Әлиева Гүлнұр Шаһмарқызы", "position": {"kk": "x", "ru": "x"}}))
    assert response.status_code == 422
    assert response.get_json()["details"]["cause"] == "SIGNER_NOT_FROM_DATA"
    response = _post(api, "restoration_consent", example("restoration_consent"), key="official_culture_deputy")
    assert (response.status_code, response.get_json()["details"]["cause"]) == (422, "SIGNER_NOT_HEAD")
    response = api["client"].post("/api/v1/documents", headers=api["headers"], json={
        "type": "periodicals_registration", "providerId": "ZHM", "keyId": "official_region",
        "data": example("periodicals_registration")})
    assert (response.status_code, response.get_json()["details"]["cause"]) == (422, "SERVICE_NOT_PROVIDED")
    response = _post(api, "cultural_export_certificate",
                     example("cultural_export_certificate", return_by=TODAY.isoformat()))
    assert response.status_code == 422
    assert response.get_json()["details"]["issues"][0]["code"] == "DATE_NOT_TRUE"


def test_the_api_issues_with_the_proven_blocks_and_an_external_number(api):
    response = _post(api, "scrap_metal_licence", example("scrap_metal_licence"), number="KZ05VEG00000777")
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert record["number"] == "KZ05VEG00000777"
    assert record["data"]["signer"]["name"] == "ТӨЛЕГЕНОВА ӘЙГЕРІМ СӘКЕНҚЫЗЫ"
    assert record["data"]["licensor"] == record["data"]["provider"]["name"]
    for moment in (record["issuedAt"], record["signedAt"]):
        assert dt.datetime.fromisoformat(moment).utcoffset() is not None  # ISO times with their offset
    again = _post(api, "scrap_metal_licence", example("scrap_metal_licence"), number="KZ05VEG00000777")
    assert (again.status_code, again.get_json()["code"], again.get_json()["details"]["cause"]) == (
        409, "CONFLICT", "NUMBER_TAKEN")
    pdf = api["client"].get(f"/api/v1/documents/{record['number']}/pdf", headers=api["headers"]).data
    assert "ТӨЛЕГЕНОВА ӘЙГЕРІМ СӘКЕНҚЫЗЫ" in text_of(pdf)
    event = api["client"].post(f"/api/v1/documents/{record['number']}/events", headers=api["headers"], json={
        "event": "reissue", "reason": "new address", "keyId": "official_region"})
    assert (event.status_code, event.get_json()["details"]["issues"][0]["code"]) == (422, "INVALID_GROUND")
    event = api["client"].post(f"/api/v1/documents/{record['number']}/events", headers=api["headers"], json={
        "event": "reissue", "reason": "address_change", "keyId": "official_region"})
    assert event.status_code == 201, event.get_json()


def test_two_step_refusals_are_two_step_errors(issuer, cert_of):
    two_step = TwoStepIssuer(issuer.registry, issuer.signer_checker, issuer.options)
    with pytest.raises(TwoStepError) as caught:
        two_step.prepare("cultural_export_certificate", example("cultural_export_certificate"), provider_id="ZHC",
                         signer_certificate_der=cert_of("official_culture_deputy").der, actor="test")
    assert caught.value.code == "SIGNER_NOT_HEAD"


def test_a_two_step_licence_may_take_an_external_number(issuer, cert_of):
    two_step = TwoStepIssuer(issuer.registry, issuer.signer_checker, issuer.options)
    prepared = two_step.prepare("tv_radio_licence", example("tv_radio_licence"), provider_id="MCI",
                                signer_certificate_der=cert_of("official_ministry").der, actor="test",
                                number="KZ88VEG00000088")
    assert prepared.number == "KZ88VEG00000088"
    assert etree.fromstring(prepared.xml).get("number") == "KZ88VEG00000088"
    with pytest.raises(RegistryError) as caught:  # reserved: taken, though not yet issued
        issue(issuer, "tv_radio_licence", number="KZ88VEG00000088")
    assert caught.value.code == "NUMBER_TAKEN"
