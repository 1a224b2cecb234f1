"""The fixed Kazakh and Russian texts printed on every document, kept in one place so both renderers and
reviewers read the same wording."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eds.issuing.documents.schema import Bilingual


def _kazakhstan() -> dt.tzinfo:
    """Asia/Almaty; a fixed UTC+5 of that name where the system's zone data is missing or predates Kazakhstan's
    single zone (UTC+5 since 1 March 2024; older data says UTC+6)."""
    fixed = dt.timezone(dt.timedelta(hours=5), "Asia/Almaty")
    try:
        zone = ZoneInfo("Asia/Almaty")
    except ZoneInfoNotFoundError:
        return fixed
    return zone if dt.datetime(2025, 1, 1, tzinfo=zone).utcoffset() == dt.timedelta(hours=5) else fixed


KAZAKHSTAN = _kazakhstan()  # every date and time a document prints, and the year of a number, is Kazakhstan's

# Law of the Republic of Kazakhstan of 7 January 2003 No. 370-II, Article 7, paragraph 1.
LEGAL_EQUIVALENCE = Bilingual(
    "Осы құжат «Электрондық құжат және электрондық цифрлық қолтаңба туралы» Қазақстан Республикасының "
    "2003 жылғы 7 қаңтардағы № 370-II Заңының 7-бабының 1-тармағына сәйкес қағаз тасығыштағы құжатпен маңызы "
    "бірдей.",
    "Данный документ согласно пункту 1 статьи 7 ЗРК от 7 января 2003 года № 370-II «Об электронном документе и "
    "электронной цифровой подписи» равнозначен документу на бумажном носителе.",
)
DUPLICATE_MARK = "ТЕЛНҰСҚА / ДУБЛИКАТ"
SIGNED_WITH_EDS = Bilingual(
    "Электрондық цифрлық қолтаңбамен (ЭЦҚ) қол қойылған",
    "Подписано электронной цифровой подписью (ЭЦП)",
)
VERIFY_HINT = Bilingual(
    "Құжаттың түпнұсқалылығын тексеру үшін QR-кодты сканерлеңіз немесе сілтемені ашыңыз:",
    "Для проверки подлинности документа отсканируйте QR-код или откройте ссылку:",
)
NUMBER = Bilingual("Нөмірі", "Номер")
ISSUED_AT = Bilingual("Берілген күні", "Дата выдачи")
PLACE = Bilingual("Берілген жері", "Место выдачи")
PROVIDER_BIN = Bilingual("БСН", "БИН")
UNLIMITED = Bilingual("мерзімсіз", "бессрочно")
REISSUE_GROUND = Bilingual("Қайта рәсімдеу негізі", "Основание переоформления")


def kazakhstan_time(moment: dt.datetime) -> dt.datetime:
    """An aware moment in Asia/Almaty, as documents print it."""
    return moment.astimezone(KAZAKHSTAN)


def page_of(page: int, total: int) -> str:
    """The page line of the footer: «Бет 1 / 2 · Стр. 1 из 2»."""
    return f"Бет {page} / {total} · Стр. {page} из {total}"


def day(value: dt.date) -> str:
    """Dates as printed on Kazakh state documents: 07.03.2025."""
    return value.strftime("%d.%m.%Y")


def reissue_note(old_number: str, old_date: dt.date | None) -> Bilingual:
    """The line that says which document a re-issued one replaces."""
    if old_date is None:
        return Bilingual(
            f"Осы құжат № {old_number} құжаттың орнына қайта рәсімделіп берілді.",
            f"Настоящий документ выдан взамен документа № {old_number} (переоформление).",
        )
    return Bilingual(
        f"Осы құжат {day(old_date)} ж. берілген № {old_number} құжаттың орнына қайта рәсімделіп берілді.",
        f"Настоящий документ выдан взамен документа № {old_number} от {day(old_date)} (переоформление).",
    )


def duplicate_note(number: str, original_date: dt.date) -> Bilingual:
    """The line that ties a duplicate to its original."""
    return Bilingual(
        f"{day(original_date)} ж. берілген № {number} құжаттың телнұсқасы.",
        f"Дубликат документа № {number}, выданного {day(original_date)}.",
    )
