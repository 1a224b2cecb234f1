"""The result documents of the state services in the regulations (../shared/domain/SERVICE.md), declared.

Each type is one :class:`~eds.issuing.documents.schema.DocumentType`; the renderers and the validation read nothing
else.  Every type starts with the common fields (place of issue, provider, signer); the number and the date
of issue are given when rendering, because numbering belongs to the registry.  Those fields and a licence's
licensor row are never the applicant's to say: the issuer fills them from the registry (``FROM_REGISTRY``) and
from the signing certificate and the signer's registry record (``FROM_PROOF``).
"""

from __future__ import annotations

import re
from typing import Any

from eds.issuing.documents.schema import (
    Bilingual,
    Choice,
    DocumentDataError,
    DocumentType,
    Field,
    Issue,
    Kind,
    SignerRole,
    ValidatedDocument,
    validate_fields,
)

__all__ = ["COMMON_FIELDS", "DOCUMENT_TYPES", "FROM_PROOF", "FROM_REGISTRY", "get_type", "service_type_id",
           "validate"]

FROM_REGISTRY = ("place", "provider", "licensor")  # the provider's record: one value for header, licensor, BIN
FROM_PROOF = ("signer",)  # the certificate's name, the registry's position for it


def _party(name: str, kk: str, ru: str, identity: Kind, *, address: bool = True) -> Field:
    """The person or entity a document is about: name, IIN/BIN, address."""
    id_field = {
        Kind.BIN: Field("bin", "БСН", "БИН", Kind.BIN),
        Kind.IIN_OR_BIN: Field("iin_bin", "ЖСН/БСН", "ИИН/БИН", Kind.IIN_OR_BIN),
    }[identity]
    parts = (Field("name", "Атауы (Т.А.Ә.)", "Наименование (Ф.И.О.)", Kind.TEXT, max_length=300), id_field)
    if address:
        parts += (Field("address", "Мекенжайы", "Адрес", Kind.TEXT, max_length=500),)
    return Field(name, kk, ru, Kind.GROUP, fields=parts)


def _bilingual_list(name: str, kk: str, ru: str, *, required: bool = True, max_items: int = 20,
                    max_length: int = 500, section: bool = False) -> Field:
    item = Field("item", kk, ru, Kind.BILINGUAL, max_length=max_length)
    return Field(name, kk, ru, Kind.LIST, required=required, max_items=max_items, item=item, section=section)


COMMON_FIELDS = (
    Field("place", "Берілген жері", "Место выдачи", Kind.BILINGUAL, max_length=100),
    Field("provider", "Қызмет көрсетуші", "Услугодатель", Kind.GROUP, fields=(
        Field("name", "Атауы", "Наименование", Kind.BILINGUAL, max_length=300),
        Field("bin", "БСН", "БИН", Kind.BIN),
    )),
    Field("signer", "Қол қоюшы", "Подписант", Kind.GROUP, fields=(
        Field("name", "Тегі, аты, әкесінің аты", "Фамилия, имя, отчество", Kind.TEXT, max_length=150),
        Field("position", "Лауазымы", "Должность", Kind.BILINGUAL, max_length=200),
    )),
)

_LICENSOR = Field("licensor", "Лицензиар", "Лицензиар", Kind.BILINGUAL, max_length=300)
_ACTIVITY = Field("activity", "Қызмет түрі", "Вид деятельности", Kind.BILINGUAL, max_length=500)
_SUB_ACTIVITIES = _bilingual_list("sub_activities", "Қызметтің кіші түрлері", "Подвиды деятельности",
                                  required=False, max_length=300)
_VALIDITY = Field("valid_until", "Лицензияның қолданылу мерзімі", "Срок действия лицензии", Kind.VALIDITY)
_SPECIAL_CONDITIONS = _bilingual_list(
    "special_conditions", "Лицензияның қолданылуының ерекше шарттары", "Особые условия действия лицензии",
    required=False, max_length=1000, section=True,
)
_TERRITORY = Field("territory", "Тарату аумағы", "Территория распространения", Kind.BILINGUAL, max_length=300)
# The grounds of a re-issue. The regulations here name re-issue (қайта рәсімдеу / переоформление) but not its
# grounds; these are the usual ones of the licensing law, and "other: text" covers the rest.
_REISSUE_GROUNDS = (
    Choice("reorganisation", "Лицензиат – заңды тұлғаның қайта ұйымдастырылуы",
           "Реорганизация юридического лица – лицензиата"),
    Choice("name_change", "Лицензиат – заңды тұлғаның атауының өзгеруі",
           "Изменение наименования юридического лица – лицензиата"),
    Choice("address_change", "Лицензиат – заңды тұлғаның орналасқан жерінің өзгеруі",
           "Изменение места нахождения юридического лица – лицензиата"),
    Choice("person_name_change", "Лицензиат – жеке тұлғаның тегінің, атының, әкесінің атының өзгеруі",
           "Изменение фамилии, имени, отчества физического лица – лицензиата"),
)
# A licence number the state e-licensing system assigns (two letters, two digits, three letters, eight digits,
# as its numbers read, e.g. KZ34VEG00012345); the registry checks only that nobody has it yet.
_E_LICENSING_NUMBER = re.compile(r"[A-Z]{2}\d{2}[A-Z]{3}\d{8}")

TV_RADIO_LICENCE = DocumentType(
    type_id="tv_radio_licence",
    title_kk="Теле-, радиоарналарды тарату жөніндегі қызметпен айналысуға лицензия",
    title_ru="Лицензия на занятие деятельностью по распространению теле-, радиоканалов",
    service_kk="Теле-, радиоарналарды тарату жөніндегі қызметпен айналысу үшін лицензия беру, "
               "лицензияны қайта рәсімдеу",
    service_ru="Выдача лицензии на занятие деятельностью по распространению теле-, радиоканалов, "
               "переоформление лицензии",
    regulation="001",
    signer=SignerRole.AUTHORISED_PERSON,
    holder_field="licensee",
    events=("issue", "reissue"),
    after_issue=("valid_until",),
    reissue_grounds=_REISSUE_GROUNDS,
    external_number=_E_LICENSING_NUMBER,
    fields=COMMON_FIELDS + (
        _party("licensee", "Лицензиат", "Лицензиат", Kind.IIN_OR_BIN),
        _LICENSOR,
        _ACTIVITY,
        _SUB_ACTIVITIES,
        Field("networks", "Тарату желісінің түрі", "Вид сети распространения", Kind.LIST, max_items=3,
              item=Field("item", "Тарату желісінің түрі", "Вид сети распространения", Kind.ENUM, choices=(
                  Choice("cable", "кабельдік", "кабельная"),
                  Choice("satellite", "спутниктік", "спутниковая"),
                  Choice("terrestrial", "эфирлік", "эфирная"),
              ))),
        _TERRITORY,
        _VALIDITY,
        _SPECIAL_CONDITIONS,
    ),
)

SCRAP_METAL_LICENCE = DocumentType(
    type_id="scrap_metal_licence",
    title_kk="Түсті және қара металдардың сынықтары мен қалдықтарын жинау (дайындау), сақтау, қайта өңдеу "
             "және өткізу жөніндегі қызметке лицензия",
    title_ru="Лицензия на осуществление деятельности по сбору (заготовке), хранению, переработке и "
             "реализации лома и отходов цветных и черных металлов",
    service_kk="Заңды тұлғалардың түсті және қара металл сынықтары мен қалдықтарын жинауы (дайындауы), "
               "сақтауы, қайта өңдеуі және өткізуі жөніндегі қызмет түрін жүзеге асыруға лицензия беру, "
               "қайта рәсімдеу, лицензияның телнұсқаларын беру",
    service_ru="Выдача лицензии, переоформление, выдача дубликатов лицензии на осуществление вида "
               "деятельности по сбору (заготовке), хранению, переработке и реализации юридическими лицами "
               "лома и отходов цветных и черных металлов",
    regulation="002",
    signer=SignerRole.AUTHORISED_PERSON,
    holder_field="licensee",
    events=("issue", "reissue", "duplicate"),
    after_issue=("valid_until",),
    reissue_grounds=_REISSUE_GROUNDS,
    external_number=_E_LICENSING_NUMBER,
    fields=COMMON_FIELDS + (
        _party("licensee", "Лицензиат", "Лицензиат", Kind.BIN),
        _LICENSOR,
        _ACTIVITY,
        _SUB_ACTIVITIES,
        Field("sites", "Қызмет жүзеге асырылатын объектілердің мекенжайлары",
              "Адреса объектов осуществления деятельности", Kind.LIST,
              item=Field("item", "Мекенжай", "Адрес", Kind.TEXT, max_length=500)),
        _VALIDITY,
        _SPECIAL_CONDITIONS,
    ),
)

CULTURAL_EXPORT_CERTIFICATE = DocumentType(
    type_id="cultural_export_certificate",
    title_kk="Мәдени құндылықтарды уақытша әкету құқығына куәлік",
    title_ru="Свидетельство на право временного вывоза культурных ценностей",
    service_kk="Мәдени құндылықтарды уақытша әкету құқығына куәлік беру",
    service_ru="Выдача свидетельства на право временного вывоза культурных ценностей",
    regulation="003",
    signer=SignerRole.HEAD,
    holder_field="exporter",
    after_issue=("return_by",),
    fields=COMMON_FIELDS + (
        _party("exporter", "Әкетуші", "Лицо, осуществляющее вывоз", Kind.IIN_OR_BIN),
        Field("purpose", "Әкету мақсаты", "Цель вывоза", Kind.ENUM, choices=(
            Choice("exhibition", "көрмеге қою", "экспонирование на выставке"),
            Choice("restoration", "реставрациялау", "реставрация"),
            Choice("research", "ғылыми зерттеу", "научное исследование"),
            Choice("touring", "гастрольдік іс-шара", "гастрольное мероприятие"),
        )),
        Field("destination", "Баратын елі", "Страна назначения", Kind.BILINGUAL, max_length=200),
        Field("return_by", "Кері әкелу мерзімі", "Срок обратного ввоза", Kind.DATE),
        _bilingual_list("items", "Мәдени құндылықтар", "Культурные ценности", max_items=50),
        Field("expert_opinion", "Мәдени құндылықтарды сараптау қорытындысы",
              "Заключение экспертизы культурных ценностей", Kind.TEXT, required=False, max_length=200),
    ),
)

RESTORATION_CONSENT = DocumentType(
    type_id="restoration_consent",
    title_kk="Жергілікті маңызы бар тарих және мәдениет ескерткішіне ғылыми-реставрациялау жұмыстарын "
             "жүргізуге келісім хаты",
    title_ru="Письмо-согласование проведения научно-реставрационных работ на памятнике истории и "
             "культуры местного значения",
    service_kk="Жергілікті маңызы бар тарих және мәдениет ескерткіштеріне ғылыми-реставрациялау жұмыстарын "
               "жүргізуге келісім беру",
    service_ru="Согласование проведения научно-реставрационных работ на памятниках истории и культуры "
               "местного значения",
    regulation="003",
    signer=SignerRole.HEAD,
    holder_field="applicant",
    date_order=(("works_start", "works_end"),),
    from_issue=("works_start",),
    after_issue=("works_end",),
    fields=COMMON_FIELDS + (
        _party("applicant", "Өтініш беруші", "Заявитель", Kind.IIN_OR_BIN),
        Field("monument", "Ескерткіштің атауы", "Наименование памятника", Kind.BILINGUAL, max_length=300),
        Field("monument_address", "Ескерткіштің орналасқан жері", "Местонахождение памятника", Kind.TEXT,
              max_length=500),
        _bilingual_list("works", "Жұмыстардың түрлері мен көлемі", "Виды и объем работ"),
        Field("contractor", "Жұмыстарды орындаушы", "Исполнитель работ", Kind.TEXT, required=False,
              max_length=300),
        Field("works_start", "Жұмыстардың басталу мерзімі", "Срок начала работ", Kind.DATE, required=False),
        Field("works_end", "Жұмыстардың аяқталу мерзімі", "Срок окончания работ", Kind.DATE, required=False),
        _bilingual_list("conditions", "Жұмыстарды жүргізу шарттары", "Условия проведения работ",
                        required=False, max_length=1000, section=True),
    ),
)

PERIODICALS_REGISTRATION = DocumentType(
    type_id="periodicals_registration",
    title_kk="Облыс аумағында таралатын шетелдік мерзімді баспасөз басылымдарын есепке алу туралы анықтама",
    title_ru="Справка об учете иностранных периодических печатных изданий, распространяемых на "
             "территории области",
    service_kk="Облыс аумағында таралатын шетелдік мерзімді баспасөз басылымдарын есепке алу",
    service_ru="Учет иностранных периодических печатных изданий, распространяемых на территории области",
    regulation="004",
    signer=SignerRole.AUTHORISED_PERSON,
    holder_field="applicant",
    fields=COMMON_FIELDS + (
        _party("applicant", "Өтініш беруші (таратушы)", "Заявитель (распространитель)", Kind.IIN_OR_BIN),
        _TERRITORY,
        Field("publications", "Шетелдік мерзімді баспасөз басылымдары",
              "Иностранные периодические печатные издания", Kind.LIST, max_items=50,
              item=Field("item", "Басылым", "Издание", Kind.GROUP, fields=(
                  Field("title", "Атауы", "Название", Kind.TEXT, max_length=300),
                  Field("country", "Шығарылған елі", "Страна выпуска", Kind.BILINGUAL, max_length=100),
                  Field("language", "Тілі", "Язык", Kind.BILINGUAL, max_length=100),
                  Field("frequency", "Шығу мерзімділігі", "Периодичность", Kind.BILINGUAL, required=False,
                        max_length=100),
              ))),
    ),
)

_SERVICES = (
    TV_RADIO_LICENCE,
    SCRAP_METAL_LICENCE,
    CULTURAL_EXPORT_CERTIFICATE,
    RESTORATION_CONSENT,
    PERIODICALS_REGISTRATION,
)

REFUSAL = DocumentType(
    type_id="refusal",
    title_kk="Мемлекеттік қызмет көрсетуден дәлелді бас тарту",
    title_ru="Мотивированный отказ в оказании государственной услуги",
    service_kk="Мемлекеттік қызмет көрсетуден дәлелді бас тарту",
    service_ru="Мотивированный отказ в оказании государственной услуги",
    regulation=None,
    signer=None,
    holder_field="applicant",
    service_field="service",
    until_issue=("request.date",),
    closing=Bilingual(
        "Бұл шешімге Қазақстан Республикасының заңнамасында белгіленген тәртіппен шағым жасалуы мүмкін.",
        "Настоящее решение может быть обжаловано в порядке, установленном законодательством "
        "Республики Казахстан.",
    ),
    fields=COMMON_FIELDS + (
        _party("applicant", "Өтініш беруші", "Заявитель", Kind.IIN_OR_BIN, address=False),
        Field("service", "Мемлекеттік қызмет", "Государственная услуга", Kind.ENUM,
              choices=tuple(Choice(t.type_id, t.service_kk, t.service_ru) for t in _SERVICES)),
        Field("request", "Өтініш", "Заявление", Kind.GROUP, fields=(
            Field("number", "Нөмірі", "Номер", Kind.TEXT, max_length=50),
            Field("date", "Берілген күні", "Дата подачи", Kind.DATE),
        )),
        _bilingual_list("reasons", "Бас тарту негіздері", "Основания отказа", max_length=1000, section=True),
        Field("legal_basis", "Құқықтық негіз", "Правовое основание", Kind.BILINGUAL, required=False),
    ),
)

DOCUMENT_TYPES: dict[str, DocumentType] = {t.type_id: t for t in (*_SERVICES, REFUSAL)}


def get_type(type_id: str) -> DocumentType:
    """The declaration of a type, or DocumentDataError (UNKNOWN_TYPE) listing the known ones."""
    doc_type = DOCUMENT_TYPES.get(type_id) if isinstance(type_id, str) else None
    if doc_type is None:
        known = tuple(DOCUMENT_TYPES)
        raise DocumentDataError([Issue("type", "UNKNOWN_TYPE",
                                       f"unknown document type {str(type_id)[:40]!r}; known: {', '.join(known)}",
                                       known)])
    return doc_type


def service_type_id(type_id: str, data: Any) -> str:
    """The type whose service this document is: the type itself, or for a refusal the service it names
    (DocumentDataError when that is not one of the services)."""
    doc_type = get_type(type_id)
    if doc_type.service_field is None:
        return type_id
    spec = next(f for f in doc_type.fields if f.name == doc_type.service_field)
    value = data.get(spec.name) if isinstance(data, dict) else None
    allowed = tuple(c.value for c in spec.choices)
    if value not in allowed:
        raise DocumentDataError([Issue(spec.name, "INVALID_CHOICE" if value is not None else "REQUIRED",
                                       f"the service refused, one of {', '.join(allowed)}", allowed)])
    return value


def validate(type_id: str, data: Any) -> ValidatedDocument:
    """Check ``data`` (parsed JSON) for a type; DocumentDataError lists every problem with path and code."""
    doc_type = get_type(type_id)
    values = validate_fields(doc_type, data)
    service_type = DOCUMENT_TYPES[values[doc_type.service_field]] if doc_type.service_field else doc_type
    return ValidatedDocument(doc_type, values, service_type)
