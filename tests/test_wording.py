"""The language corrections of issue 15, checked against the regulations' own wording: each corrected text is
pinned where it lives, and the wrong forms appear nowhere in the library or the page templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from eds import messages
from eds.issuing.documents import DOCUMENT_TYPES, examples, wording

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for folder in (ROOT / "eds", ROOT / "api" / "templates") for p in folder.rglob("*")
                 if p.suffix in (".py", ".html", ".txt", ".json") and p.is_file())

# A wrong form -> why it is wrong (the form the regulations use).
WRONG = {
    "Заңы 7-бабының": "«…Заңының 7-бабының 1-тармағына»",
    '"Об электронном документе': "Russian quotes «Об электронном документе и электронной цифровой подписи»",
    "алгоритмі әзірге": "«Қолтаңба алгоритміне әзірге қолдау көрсетілмейді»",
    "сенімді ҰКО түбірлік": "«ҰКО-ның сенімді түбірлік сертификатына»",
    "кері қайтарылған": "«кері қайтарып алынған (күші жойылған)»",
    "бақылау саны": "«бақылау цифры»",
    "пайдаланушы ретінде": "«…пайдаланушы сертификаты ретінде қолданылған»",
    "түпнұсқалығ": "one spelling: the regulation's «түпнұсқалылығы»",
    "в заявлении": "«в запросе»",
    "Тускиіз": "«Тускииз (настенный ковёр)»",
    "настенный ковер": "«Тускииз (настенный ковёр)»",
    "устанавливающие право": "«правоустанавливающие документы»",
    "құқықты белгілейтін": "«құқық белгілейтін құжаттар»",
    "ресімде": "one spelling: «рәсімдеу»",
}


def test_the_sources_are_found():
    assert ROOT / "eds" / "messages.py" in SOURCES and any(p.suffix == ".html" for p in SOURCES)


@pytest.mark.parametrize("wrong", sorted(WRONG))
def test_the_wrong_form_appears_nowhere(wrong):
    found = [f"{p.relative_to(ROOT)}:{n}" for p in SOURCES
             for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if wrong.casefold() in line.casefold()]
    assert not found, f"{wrong!r} (should be {WRONG[wrong]}) in {found}"


def test_the_legal_footer_names_the_law_as_the_regulations_do():
    assert ("«Электрондық құжат және электрондық цифрлық қолтаңба туралы» Қазақстан Республикасының 2003 жылғы "
            "7 қаңтардағы № 370-II Заңының 7-бабының 1-тармағына сәйкес") in wording.LEGAL_EQUIVALENCE.kk
    assert ("согласно пункту 1 статьи 7 ЗРК от 7 января 2003 года № 370-II «Об электронном документе и "
            "электронной цифровой подписи» равнозначен") in wording.LEGAL_EQUIVALENCE.ru


@pytest.mark.parametrize("key, lang, expected", [
    ("reason.ALGORITHM_UNSUPPORTED", "kk", "Қолтаңба алгоритміне әзірге қолдау көрсетілмейді"),
    ("reason.CHAIN_UNTRUSTED", "kk", "Сертификат ҰКО-ның сенімді түбірлік сертификатына жетпейді"),
    ("reason.CERT_REVOKED", "kk", "Сертификат кері қайтарып алынған (күші жойылған)"),
    ("reason.REVOKED_NO_POE", "kk",
     "Сертификат кері қайтарып алынған (күші жойылған); қолтаңбаның одан бұрын қойылғаны дәлелденбеген"),
    ("reason.IDENTITY_CHECKSUM", "kk", "ЖСН/БСН бақылау цифры дұрыс емес"),
    ("reason.CA_CERTIFICATE", "kk", "КО сертификаты соңғы пайдаланушы сертификаты ретінде қолданылған"),
    ("reason.IIN_MISMATCH", "ru", "ИИН в запросе не совпадает с ИИН в сертификате"),
    ("reason.BIN_MISMATCH", "ru", "БИН в запросе не совпадает с БИН в сертификате"),
    ("notice.ACCEPTED", "kk", "ЭЦҚ түпнұсқалылығы расталды"),
    ("notice.NOT_CONFIRMED", "kk", "ЭЦҚ түпнұсқалылығы расталмады"),
    ("status.superseded", "kk", "Қайта рәсімделген (ауыстырылған)"),
])
def test_corrected_catalogue_entry(key, lang, expected):
    assert messages.text(key, lang) == expected


def test_revocation_unknown_says_the_same_in_kazakh_and_russian():
    entry = messages.CATALOGUE["reason.REVOCATION_UNKNOWN"]
    assert entry["kk"] == "Сертификаттың мәртебесін (кері қайтарып алынған-алынбағанын) анықтау мүмкін болмады"
    assert entry["ru"] == "Не удалось установить статус сертификата (отозван ли он)"
    assert "revocation status" in entry["en"]


def test_signature_invalid_does_not_claim_the_document_was_changed():
    """The cause may be a wrong key or certificate as well as a changed document: the message names neither alone."""
    entry = messages.CATALOGUE["reason.SIGNATURE_INVALID"]
    assert entry == {
        "kk": "Қолтаңба жарамсыз: ол құжатқа немесе сертификатқа сәйкес келмейді",
        "ru": "Подпись недействительна: она не соответствует документу или сертификату",
        "en": "The signature is invalid: it does not match the document or the certificate",
    }
    for claim in ("өзгертілген", "изменён", "изменен", "changed"):
        assert all(claim not in text for text in entry.values())


def test_document_wording():
    assert wording.VERIFY_HINT.kk.startswith("Құжаттың түпнұсқалылығын тексеру үшін")
    assert "қайта рәсімделіп берілді" in wording.reissue_note("LIC-ZHM-2026-000001", None).kk
    assert DOCUMENT_TYPES["tv_radio_licence"].service_kk.endswith("лицензияны қайта рәсімдеу")
    assert "қайта рәсімдеу, лицензияның телнұсқаларын беру" in DOCUMENT_TYPES["scrap_metal_licence"].service_kk


def test_example_wording():
    items = [item["ru"] for item in examples.EXAMPLES["cultural_export_certificate"]["items"]]
    assert any(item.startswith("Тускииз (настенный ковёр), начало XX в.") for item in items)
    reasons = examples.EXAMPLES["refusal"]["reasons"]
    assert "Тарату желісінің техникалық құралдарына құқық белгілейтін құжаттар жоқ." in [r["kk"] for r in reasons]
    assert any(r["ru"].startswith("Отсутствуют правоустанавливающие документы") for r in reasons)
