"""One valid, realistic example per document type (JSON-ready), for tests, samples and API documentation.

``EXAMPLES`` is what a portal sends to issue one: the applicant's data only. The place, the provider block, a
licence's licensor row and the signer block are not the applicant's to say; the issuer takes them from the
registry and the signing certificate. ``EXAMPLE_DOCUMENTS`` is a whole document as issued (those blocks
added as in ``EXAMPLE_PROVIDERS``), for rendering without a registry.

The organisations follow the providers named in the regulations; people, companies and numbers are made
up.  Every IIN/BIN has a valid check digit.  Dates are counted from today in Kazakhstan, so that an example
issued today has dates that can be true (a return date after the issue, a works period that has not
already begun, a request made before its refusal).
"""

from __future__ import annotations

import copy
import datetime as _dt
from typing import Any

from eds.issuing.documents.wording import KAZAKHSTAN

__all__ = ["EXAMPLES", "EXAMPLE_DOCUMENTS", "EXAMPLE_PROVIDERS"]

_TODAY = _dt.datetime.now(KAZAKHSTAN).date()


def _day(days: int) -> str:
    return (_TODAY + _dt.timedelta(days=days)).isoformat()


# The providers of the regulations (001: the ministry's committee; 002: Zhambyl's entrepreneurship
# department; 003: Zhambyl's culture department; 004: East Kazakhstan's internal policy department), with the
# place of issue and the signer each example document names.
EXAMPLE_PROVIDERS: dict[str, dict[str, Any]] = {
    "committee": {
        "name": {
            "kk": "Қазақстан Республикасы Мәдениет және ақпарат министрлігінің Ақпарат және мұрағат комитеті",
            "ru": "Комитет информации и архивов Министерства культуры и информации Республики Казахстан",
        },
        "bin": "990740002243",
        "place": {"kk": "Астана қ.", "ru": "г. Астана"},
        "signer": {"name": "ЖҰМАБЕКОВ ЕРЛАН ҚУАНЫШҰЛЫ",
                   "position": {"kk": "Комитет төрағасы", "ru": "Председатель комитета"}},
    },
    "zhambyl_industry": {
        "name": {
            "kk": "Жамбыл облысы әкімдігінің кәсіпкерлік және өнеркәсіп басқармасы",
            "ru": "Управление предпринимательства и промышленности акимата Жамбылской области",
        },
        "bin": "050840005711",
        "place": {"kk": "Тараз қ.", "ru": "г. Тараз"},
        "signer": {"name": "ТӨЛЕГЕНОВА ӘЙГЕРІМ СӘКЕНҚЫЗЫ",
                   "position": {"kk": "Басқарма басшысының орынбасары", "ru": "Заместитель руководителя управления"}},
    },
    "zhambyl_culture": {
        "name": {
            "kk": "Жамбыл облысы әкімдігінің мәдениет, архивтер және құжаттама басқармасы",
            "ru": "Управление культуры, архивов и документации акимата Жамбылской области",
        },
        "bin": "080340005174",
        "place": {"kk": "Тараз қ.", "ru": "г. Тараз"},
        "signer": {"name": "ҚҰДАЙБЕРГЕНОВА ӘСЕЛ ШАҺИЗАТҚЫЗЫ",
                   "position": {"kk": "Басқарма басшысы", "ru": "Руководитель управления"}},
    },
    "east_kazakhstan": {
        "name": {
            "kk": "Шығыс Қазақстан облысының ішкі саясат басқармасы",
            "ru": "Управление внутренней политики Восточно-Казахстанской области",
        },
        "bin": "001140003129",
        "place": {"kk": "Өскемен қ.", "ru": "г. Усть-Каменогорск"},
        "signer": {"name": "ЖАҚСЫЛЫҚОВ БАУЫРЖАН МӘШҺҮРҰЛЫ",
                   "position": {"kk": "Басқарма басшысының орынбасары", "ru": "Заместитель руководителя управления"}},
    },
}
# Whose service each type is; a refusal here refuses a TV/radio licence, the committee's service.
EXAMPLE_PROVIDER_OF = {
    "tv_radio_licence": "committee",
    "scrap_metal_licence": "zhambyl_industry",
    "cultural_export_certificate": "zhambyl_culture",
    "restoration_consent": "zhambyl_culture",
    "periodicals_registration": "east_kazakhstan",
    "refusal": "committee",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "tv_radio_licence": {
        "licensee": {
            "name": "«Өскемен Кабель ТВ» жауапкершілігі шектеулі серіктестігі",
            "iin_bin": "110440019324",
            "address": "Шығыс Қазақстан облысы, Өскемен қ., Қазақстан көшесі, 62",
        },
        "activity": {
            "kk": "Теле-, радиоарналарды тарату жөніндегі қызмет",
            "ru": "Деятельность по распространению теле-, радиоканалов",
        },
        "sub_activities": [
            {
                "kk": "Кабельдік желілер арқылы теле-, радиоарналарды тарату",
                "ru": "Распространение теле-, радиоканалов по кабельным сетям",
            },
        ],
        "networks": ["cable"],
        "territory": {
            "kk": "Шығыс Қазақстан облысы, Өскемен қаласы",
            "ru": "Восточно-Казахстанская область, город Усть-Каменогорск",
        },
        "valid_until": "unlimited",
        "special_conditions": [
            {
                "kk": "«Телерадио хабарларын тарату туралы» Қазақстан Республикасының Заңында белгіленген "
                      "міндетті теле-, радиоарналар топтамасын таратуды қамтамасыз ету.",
                "ru": "Обеспечение распространения пакета обязательных теле-, радиоканалов, установленного "
                      "Законом Республики Казахстан «О телерадиовещании».",
            },
        ],
    },
    "scrap_metal_licence": {
        "licensee": {
            "name": "«Тараз Металл Өңдеу» жауапкершілігі шектеулі серіктестігі",
            "bin": "130640007817",
            "address": "Жамбыл облысы, Тараз қ., Төле би даңғылы, 124",
        },
        "activity": {
            "kk": "Түсті және қара металдардың сынықтары мен қалдықтарын жинау (дайындау), сақтау, қайта "
                  "өңдеу және өткізу",
            "ru": "Сбор (заготовка), хранение, переработка и реализация лома и отходов цветных и черных "
                  "металлов",
        },
        "sub_activities": [
            {
                "kk": "Қара металдардың сынықтары мен қалдықтарын жинау (дайындау), сақтау, қайта өңдеу және "
                      "өткізу",
                "ru": "Сбор (заготовка), хранение, переработка и реализация лома и отходов черных металлов",
            },
            {
                "kk": "Түсті металдардың сынықтары мен қалдықтарын жинау (дайындау), сақтау, қайта өңдеу және "
                      "өткізу",
                "ru": "Сбор (заготовка), хранение, переработка и реализация лома и отходов цветных металлов",
            },
        ],
        "sites": [
            "Жамбыл облысы, Тараз қ., Өнеркәсіп аймағы, 7-учаске",
            "Жамбыл облысы, Шу ауданы, Шу қ., Темір жол көшесі, 15",
        ],
        "valid_until": "unlimited",
        "special_conditions": [
            {
                "kk": "Металл сынықтарын радиациялық бақылаудан өткізбей қабылдауға жол берілмейді.",
                "ru": "Не допускается прием металлолома без прохождения радиационного контроля.",
            },
        ],
    },
    "cultural_export_certificate": {
        "exporter": {
            "name": "«Жамбыл облыстық тарихи-өлкетану музейі» коммуналдық мемлекеттік мекемесі",
            "iin_bin": "020340009176",
            "address": "Жамбыл облысы, Тараз қ., Төле би даңғылы, 55",
        },
        "purpose": "exhibition",
        "destination": {"kk": "Түркия Республикасы", "ru": "Турецкая Республика"},
        "return_by": _day(120),
        "items": [
            {
                "kk": "Қылқобыз, XIX ғ. соңы, ағаш, түйе терісі, ұзындығы 68 см, 1 дана",
                "ru": "Кылкобыз, конец XIX в., дерево, верблюжья кожа, длина 68 см, 1 шт.",
            },
            {
                "kk": "Күміс білезік, оюланған, XIX ғ., күміс, 2 дана",
                "ru": "Браслет с орнаментом, XIX в., серебро, 2 шт.",
            },
            {
                "kk": "Тұскиіз, XX ғ. басы, жүн, кестелеу, 180×120 см, 1 дана",
                "ru": "Тускииз (настенный ковёр), начало XX в., шерсть, вышивка, 180×120 см, 1 шт.",
            },
        ],
        "expert_opinion": f"№ 14-ЭК, {_TODAY - _dt.timedelta(days=20):%d.%m.%Y}",
    },
    "restoration_consent": {
        "applicant": {
            "name": "«Ескі Тараз» қоғамдық қоры",
            "iin_bin": "170240004568",
            "address": "Жамбыл облысы, Тараз қ., Абай даңғылы, 110",
        },
        "monument": {
            "kk": "Сүлейменов көпесінің үйі (XX ғасырдың басы)",
            "ru": "Дом купца Сулейменова (начало XX века)",
        },
        "monument_address": "Жамбыл облысы, Тараз қ., Абай даңғылы, 112",
        "works": [
            {
                "kk": "Қасбеттің кірпіш қалауын консервациялау және ішінара қалпына келтіру",
                "ru": "Консервация и частичное восстановление кирпичной кладки фасада",
            },
            {
                "kk": "Шатырды тарихи пішінін сақтай отырып ауыстыру",
                "ru": "Замена кровли с сохранением исторической формы",
            },
        ],
        "contractor": "«Мұра Реставрация» жауапкершілігі шектеулі серіктестігі",
        "works_start": _day(30),
        "works_end": _day(240),
        "conditions": [
            {
                "kk": "Жұмыстар бекітілген ғылыми-жобалық құжаттамаға сәйкес жүргізіледі.",
                "ru": "Работы проводятся в соответствии с утвержденной научно-проектной документацией.",
            },
            {
                "kk": "Жұмыстар аяқталғаннан кейін 10 жұмыс күні ішінде ғылыми есеп ұсынылады.",
                "ru": "Научный отчет представляется в течение 10 рабочих дней после завершения работ.",
            },
        ],
    },
    "periodicals_registration": {
        "applicant": {
            "name": "«Алтай Баспасөз Тарату» жауапкершілігі шектеулі серіктестігі",
            "iin_bin": "190540010235",
            "address": "Шығыс Қазақстан облысы, Өскемен қ., Ұшанов көшесі, 38",
        },
        "territory": {"kk": "Шығыс Қазақстан облысы", "ru": "Восточно-Казахстанская область"},
        "publications": [
            {
                "title": "Аргументы и факты",
                "country": {"kk": "Ресей Федерациясы", "ru": "Российская Федерация"},
                "language": {"kk": "орыс тілі", "ru": "русский язык"},
                "frequency": {"kk": "аптасына 1 рет", "ru": "1 раз в неделю"},
            },
            {
                "title": "National Geographic",
                "country": {"kk": "Америка Құрама Штаттары", "ru": "Соединенные Штаты Америки"},
                "language": {"kk": "ағылшын тілі", "ru": "английский язык"},
                "frequency": {"kk": "айына 1 рет", "ru": "1 раз в месяц"},
            },
        ],
    },
    "refusal": {
        "applicant": {"name": "Жеке кәсіпкер Оспанов Дәурен Ғалымжанұлы", "iin_bin": "780415301124"},
        "service": "tv_radio_licence",
        "request": {"number": "KZ34RLA00012345", "date": _day(-12)},
        "reasons": [
            {
                "kk": "Өтініш берушінің біліктілік талаптарына сәйкестігін растайтын құжаттар ұсынылмаған.",
                "ru": "Не представлены документы, подтверждающие соответствие заявителя квалификационным "
                      "требованиям.",
            },
            {
                "kk": "Тарату желісінің техникалық құралдарына құқық белгілейтін құжаттар жоқ.",
                "ru": "Отсутствуют правоустанавливающие документы на технические средства сети "
                      "распространения.",
            },
        ],
        "legal_basis": {
            "kk": "Мемлекеттік көрсетілетін қызмет стандартының 9-тармағы",
            "ru": "Пункт 9 стандарта государственной услуги",
        },
    },
}


def _document(type_id: str) -> dict[str, Any]:
    provider = EXAMPLE_PROVIDERS[EXAMPLE_PROVIDER_OF[type_id]]
    blocks: dict[str, Any] = {"place": provider["place"], "provider": {"name": provider["name"], "bin": provider["bin"]},
                              "signer": provider["signer"]}
    if type_id.endswith("_licence"):
        blocks["licensor"] = provider["name"]
    return copy.deepcopy({**blocks, **EXAMPLES[type_id]})


EXAMPLE_DOCUMENTS: dict[str, dict[str, Any]] = {type_id: _document(type_id) for type_id in EXAMPLES}
