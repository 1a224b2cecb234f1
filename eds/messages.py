"""Every text people read, in one catalogue keyed by code, with Kazakh, Russian and English side by side.

The reason codes' meanings, the report's notice and labels, the public pages and the API's error messages all
read from here, so a code reads the same in the API, the CLI, the report and the pages, and a translator finds
every text in one place. Keys are ``<kind>.<code>``: ``reason.CERT_REVOKED``, ``notice.ACCEPTED``,
``report.chain``, ``page.title``, ``status.valid`` (a registry document's), ``api.NOT_FOUND``.
``tests/test_messages.py`` holds every entry to all three languages.
"""

from __future__ import annotations

LANGUAGES = ("kk", "ru", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    # What each reason code means (eds.validation.reasons holds its indication and sub-indication).
    "reason.CERT_MALFORMED": {
        "kk": "Сертификат оқылмайды",
        "ru": "Сертификат не читается",
        "en": "The certificate cannot be read",
    },
    "reason.SIGNATURE_INVALID": {
        "kk": "Қолтаңба жарамсыз: ол құжатқа немесе сертификатқа сәйкес келмейді",
        "ru": "Подпись недействительна: она не соответствует документу или сертификату",
        "en": "The signature is invalid: it does not match the document or the certificate",
    },
    "reason.DOCUMENT_MALFORMED": {
        "kk": "Құжат пішімі дұрыс емес",
        "ru": "Неверный формат документа",
        "en": "The document is malformed",
    },
    "reason.NO_SIGNATURE": {
        "kk": "Құжатта қолтаңба жоқ",
        "ru": "В документе нет подписи",
        "en": "The document carries no signature",
    },
    "reason.CERT_NOT_YET_VALID": {
        "kk": "Сертификаттың қолданылу мерзімі әлі басталмаған",
        "ru": "Срок действия сертификата ещё не начался",
        "en": "The certificate is not yet valid",
    },
    "reason.CERT_EXPIRED": {
        "kk": "Сертификаттың қолданылу мерзімі өтті",
        "ru": "Срок действия сертификата истёк",
        "en": "The certificate has expired",
    },
    "reason.CERT_REVOKED": {
        "kk": "Сертификат кері қайтарып алынған (күші жойылған)",
        "ru": "Сертификат отозван",
        "en": "The certificate is revoked",
    },
    "reason.REVOKED_NO_POE": {
        "kk": "Сертификат кері қайтарып алынған (күші жойылған); қолтаңбаның одан бұрын қойылғаны дәлелденбеген",
        "ru": "Сертификат отозван; не доказано, что подпись создана до отзыва",
        "en": "The certificate was revoked and nothing proves the signature is older",
    },
    "reason.REVOCATION_UNKNOWN": {
        "kk": "Сертификаттың мәртебесін (кері қайтарып алынған-алынбағанын) анықтау мүмкін болмады",
        "ru": "Не удалось установить статус сертификата (отозван ли он)",
        "en": "The certificate's revocation status could not be established",
    },
    "reason.CHAIN_NOT_CHECKED": {
        "kk": "Сертификаттар тізбегі тексерілмеді: сенім профилі жоқ",
        "ru": "Цепочка сертификатов не проверялась: нет профиля доверия",
        "en": "The certificate chain was not checked: there is no trust profile",
    },
    "reason.CHAIN_UNTRUSTED": {
        "kk": "Сертификат ҰКО-ның сенімді түбірлік сертификатына жетпейді",
        "ru": "Сертификат не ведёт к доверенному корневому сертификату НУЦ",
        "en": "The certificate does not chain to a trusted NCA root",
    },
    "reason.CHAIN_INVALID": {
        "kk": "Сертификаттар тізбегі жарамсыз",
        "ru": "Цепочка сертификатов недействительна",
        "en": "The certificate chain is invalid",
    },
    "reason.CHAIN_EXPIRED": {
        "kk": "Тізбектегі сертификаттың мерзімі өтті",
        "ru": "Истёк срок сертификата в цепочке",
        "en": "A certificate in the chain has expired",
    },
    "reason.CHAIN_NOT_YET_VALID": {
        "kk": "Тізбектегі сертификаттың мерзімі әлі басталмаған",
        "ru": "Сертификат в цепочке ещё не действует",
        "en": "A certificate in the chain is not yet valid",
    },
    "reason.ALGORITHM_NOT_ALLOWED": {
        "kk": "Алгоритмге рұқсат етілмейді",
        "ru": "Алгоритм не допускается",
        "en": "The algorithm is not allowed",
    },
    "reason.ALGORITHM_UNSUPPORTED": {
        "kk": "Қолтаңба алгоритміне әзірге қолдау көрсетілмейді",
        "ru": "Алгоритм подписи пока не поддерживается",
        "en": "The signature algorithm is not supported yet",
    },
    "reason.CERT_UNKNOWN_CRITICAL_EXTENSION": {
        "kk": "Сертификатта белгісіз сыни кеңейтім бар",
        "ru": "В сертификате неизвестное критическое расширение",
        "en": "The certificate has an unknown critical extension",
    },
    "reason.NOT_SIGNING_KEY": {
        "kk": "Бұл аутентификация кілті, қол қою кілті емес",
        "ru": "Это ключ аутентификации, а не ключ подписи",
        "en": "This is an authentication key, not a signing key",
    },
    "reason.CA_CERTIFICATE": {
        "kk": "КО сертификаты соңғы пайдаланушы сертификаты ретінде қолданылған",
        "ru": "Сертификат УЦ использован как сертификат пользователя",
        "en": "A CA certificate was used as an end-entity certificate",
    },
    "reason.IIN_MISMATCH": {
        "kk": "Өтініштегі ЖСН сертификаттағы ЖСН-мен сәйкес келмейді",
        "ru": "ИИН в запросе не совпадает с ИИН в сертификате",
        "en": "The IIN in the request does not match the IIN in the certificate",
    },
    "reason.BIN_MISMATCH": {
        "kk": "Өтініштегі БСН сертификаттағы БСН-мен сәйкес келмейді",
        "ru": "БИН в запросе не совпадает с БИН в сертификате",
        "en": "The BIN in the request does not match the BIN in the certificate",
    },
    "reason.IDENTITY_MALFORMED": {
        "kk": "ЖСН/БСН пішімі дұрыс емес (12 цифр)",
        "ru": "ИИН/БИН имеет неверный формат (12 цифр)",
        "en": "The IIN/BIN is malformed (12 digits expected)",
    },
    "reason.IDENTITY_CHECKSUM": {
        "kk": "ЖСН/БСН бақылау цифры дұрыс емес",
        "ru": "Неверная контрольная цифра ИИН/БИН",
        "en": "The IIN/BIN check digit is wrong",
    },
    "reason.ROLE_NOT_ALLOWED": {
        "kk": "Қол қоюшының ұйым атынан қол қою құқығы жоқ",
        "ru": "У подписанта нет права подписи от имени организации",
        "en": "The signer has no right to sign on behalf of the organisation",
    },
    "reason.MODIFIED_AFTER_SIGNING": {
        "kk": "Құжат қол қойылғаннан кейін көрінетіндей өзгертілген",
        "ru": "Документ изменён после подписания (изменено то, что видит читатель)",
        "en": "The document was changed after it was signed (what a reader sees changed)",
    },
    "reason.FORM_FILLED_AFTER_SIGNING": {
        "kk": "Қол қойылғаннан кейін пішін өрістері толтырылған",
        "ru": "После подписания заполнены поля формы",
        "en": "Form fields were filled in after the document was signed",
    },
    "reason.AMBIGUOUS_FORMAT": {
        "kk": "Файлды бірнеше пішімде оқуға болады (PDF, XML, CMS)",
        "ru": "Файл читается сразу в нескольких форматах (PDF, XML, CMS)",
        "en": "The file reads as more than one format (PDF, XML, CMS)",
    },
    "reason.TOO_COMPLEX": {
        "kk": "Құжат тексеру шегінен асады",
        "ru": "Документ превышает пределы проверки",
        "en": "The document exceeds a verification limit",
    },
    "reason.OUT_OF_BOUNDS_NO_POE": {
        "kk": "Сертификаттың мерзімі өтті; қолтаңбаның одан бұрын қойылғаны уақыт белгісімен дәлелденбеген",
        "ru": "Срок сертификата истёк; меткой времени не доказано, что подпись создана раньше",
        "en": "The certificate has expired and no timestamp proves the signature is older",
    },
    "reason.SIGNING_TIME_IN_FUTURE": {
        "kk": "Қолтаңбада көрсетілген уақыт болашақта",
        "ru": "Заявленное время подписи в будущем",
        "en": "The signing time the signature claims lies in the future",
    },
    "reason.SIGNERS_MISMATCH": {
        "kk": "Қол қоюшылар күтілгендермен сәйкес келмейді",
        "ru": "Подписанты не совпадают с ожидаемыми",
        "en": "The signers are not the ones expected",
    },
    "reason.BYTE_RANGE_INVALID": {
        "kk": "Қолтаңба бүкіл файлды қамтымайды",
        "ru": "Подпись не охватывает весь файл",
        "en": "The signature does not cover the whole file",
    },
    "reason.TIMESTAMP_INVALID": {
        "kk": "Уақыт белгісі жарамсыз",
        "ru": "Метка времени недействительна",
        "en": "The timestamp is invalid",
    },
    # The notice of a report: the regulations prescribe the one of a refused request.
    "notice.ACCEPTED": {
        "kk": "ЭЦҚ түпнұсқалылығы расталды",
        "ru": "Подлинность ЭЦП подтверждена",
        "en": "The authenticity of the EDS is confirmed",
    },
    "notice.NOT_CONFIRMED": {
        "kk": "ЭЦҚ түпнұсқалылығы расталмады",
        "ru": "Подлинность ЭЦП не подтверждена",
        "en": "The authenticity of the applicant's EDS is not confirmed",
    },
    # The labels of the HTML report.
    "report.signature": {
        "kk": "Қолтаңба",
        "ru": "Подпись",
        "en": "Signature",
    },
    "report.signer": {
        "kk": "Қол қоюшы",
        "ru": "Подписант",
        "en": "Signer",
    },
    "report.time": {
        "kk": "Қол қойылған уақыт",
        "ru": "Время подписи",
        "en": "Signing time",
    },
    "report.checks": {
        "kk": "Тексерулер",
        "ru": "Проверки",
        "en": "Checks",
    },
    "report.chain": {
        "kk": "Сертификаттар тізбегі",
        "ru": "Цепочка сертификатов",
        "en": "Certificate chain",
    },
    "report.evidence": {
        "kk": "Кері қайтарып алу дәлелдері",
        "ru": "Данные об отзыве",
        "en": "Revocation evidence",
    },
    # The public verification pages.
    "page.title": {
        "kk": "Электрондық құжатты тексеру",
        "ru": "Проверка электронного документа",
        "en": "Verify an electronic document",
    },
    "page.upload": {
        "kk": "Қол қойылған файлды таңдаңыз (PDF, XML, CMS)",
        "ru": "Выберите подписанный файл (PDF, XML, CMS)",
        "en": "Choose a signed file (PDF, XML, CMS)",
    },
    "page.check": {
        "kk": "Тексеру",
        "ru": "Проверить",
        "en": "Verify",
    },
    "page.number": {
        "kk": "Құжат нөмірі",
        "ru": "Номер документа",
        "en": "Document number",
    },
    "page.find": {
        "kk": "Нөмір бойынша табу",
        "ru": "Найти по номеру",
        "en": "Find by number",
    },
    "page.not_stored": {
        "kk": "Жүктелген файл сақталмайды.",
        "ru": "Загруженный файл не сохраняется.",
        "en": "Uploaded files are not stored.",
    },
    "page.no_file": {
        "kk": "Файл таңдалмады.",
        "ru": "Файл не выбран.",
        "en": "No file was chosen.",
    },
    "page.unavailable": {
        "kk": "Тексеру қызметі уақытша қолжетімсіз.",
        "ru": "Сервис проверки временно недоступен.",
        "en": "The verification service is temporarily unavailable.",
    },
    "page.not_issued": {
        "kk": "Бұл құжатты осы тізілім бермеген.",
        "ru": "Этот документ не выдавался данным реестром.",
        "en": "This registry did not issue this document.",
    },
    "page.not_found": {
        "kk": "Мұндай нөмірмен құжат табылмады.",
        "ru": "Документ с таким номером не найден.",
        "en": "No document with this number was issued.",
    },
    "page.status": {
        "kk": "Мәртебесі",
        "ru": "Статус",
        "en": "Status",
    },
    "page.type": {
        "kk": "Құжат түрі",
        "ru": "Тип документа",
        "en": "Document type",
    },
    "page.holder": {
        "kk": "Иесі",
        "ru": "Владелец",
        "en": "Holder",
    },
    "page.issuer": {
        "kk": "Берген",
        "ru": "Выдал",
        "en": "Issued by",
    },
    "page.signer": {
        "kk": "Қол қойған",
        "ru": "Подписал",
        "en": "Signed by",
    },
    "page.issued": {
        "kk": "Берілген күні",
        "ru": "Дата выдачи",
        "en": "Issued",
    },
    "page.masked": {
        "kk": "Толық жазба мен қол қойылған файлдар құжаттағы QR-кодтың сілтемесі бойынша ғана көрсетіледі.",
        "ru": "Полная запись и подписанные файлы показываются только по ссылке из QR-кода документа.",
        "en": "The full record and the signed files are shown only through the link in the document's QR code.",
    },
    "page.not_registered_file": {
        "kk": "Бұл файл осы нөмірмен тіркелген файл емес: тізілімдегі мәртебе оған қатысты емес.",
        "ru": "Этот файл не тот, что зарегистрирован под этим номером: статус в реестре к нему не относится.",
        "en": "This file is not the one registered under this number: the registry's status does not apply to it.",
    },
    "page.files": {
        "kk": "Қол қойылған файлдар",
        "ru": "Подписанные файлы",
        "en": "Signed files",
    },
    # A registry document's status, as the public pages show it.
    "status.valid": {
        "kk": "Жарамды",
        "ru": "Действителен",
        "en": "Valid",
    },
    "status.superseded": {
        "kk": "Қайта рәсімделген (ауыстырылған)",
        "ru": "Переоформлен (заменён)",
        "en": "Superseded by re-issue",
    },
    "status.suspended": {
        "kk": "Тоқтатыла тұрған",
        "ru": "Приостановлен",
        "en": "Suspended",
    },
    "status.terminated": {
        "kk": "Тоқтатылған",
        "ru": "Прекращён",
        "en": "Terminated",
    },
    # The message of each API error code (TOO_COMPLEX reads as its reason, below).
    "api.BAD_JSON": {
        "kk": "Сұраныс денесі JSON емес",
        "ru": "Тело запроса не является JSON",
        "en": "The request body is not valid JSON",
    },
    "api.BAD_BASE64": {
        "kk": "Base64 деректері дұрыс емес",
        "ru": "Неверные данные Base64",
        "en": "A field is not valid Base64",
    },
    "api.FIELD_MISSING": {
        "kk": "Міндетті өріс жоқ",
        "ru": "Отсутствует обязательное поле",
        "en": "A required field is missing",
    },
    "api.FIELD_INVALID": {
        "kk": "Өрістің мәні дұрыс емес",
        "ru": "Неверное значение поля",
        "en": "A field has a wrong type or value",
    },
    "api.UNSUPPORTED_MEDIA_TYPE": {
        "kk": "Мазмұн түріне қолдау көрсетілмейді",
        "ru": "Тип содержимого не поддерживается",
        "en": "Send application/json or multipart/form-data",
    },
    "api.API_KEY_MISSING": {
        "kk": "API кілті жоқ",
        "ru": "Нет ключа API",
        "en": "An API key is required (X-API-Key header)",
    },
    "api.API_KEY_INVALID": {
        "kk": "API кілті жарамсыз",
        "ru": "Неверный ключ API",
        "en": "The API key is not valid",
    },
    "api.SCOPE_DENIED": {
        "kk": "Бұл әрекетке рұқсат жоқ",
        "ru": "Нет права на это действие",
        "en": "The API key lacks the scope",
    },
    "api.KEY_NOT_GRANTED": {
        "kk": "Бұл кілтпен қол қоюға рұқсат жоқ",
        "ru": "Нет права подписывать этим ключом",
        "en": "The API key may not use this signing key",
    },
    "api.PROVIDER_NOT_GRANTED": {
        "kk": "Бұл API кілті осы көрсетілетін қызметті берушінің атынан әрекет ете алмайды",
        "ru": "Этот API-ключ не может действовать от имени этого услугодателя",
        "en": "The API key may not act for this provider",
    },
    "api.RATE_LIMITED": {
        "kk": "Сұраныстар тым көп",
        "ru": "Слишком много запросов",
        "en": "Too many requests",
    },
    "api.NOT_FOUND": {
        "kk": "Табылмады",
        "ru": "Не найдено",
        "en": "Not found",
    },
    "api.METHOD_NOT_ALLOWED": {
        "kk": "Әдіс рұқсат етілмеген",
        "ru": "Метод не разрешён",
        "en": "Method not allowed",
    },
    "api.CONFLICT": {
        "kk": "Қайшылық",
        "ru": "Конфликт",
        "en": "Conflict with the current state",
    },
    "api.PAYLOAD_TOO_LARGE": {
        "kk": "Сұраныс тым үлкен",
        "ru": "Запрос слишком большой",
        "en": "The request is too large",
    },
    "api.UNPROCESSABLE": {
        "kk": "Сұранысты орындау мүмкін емес",
        "ru": "Запрос не может быть выполнен",
        "en": "The request is well-formed but cannot be processed",
    },
    "api.DEPENDENCY_UNAVAILABLE": {
        "kk": "Қызмет уақытша қолжетімсіз",
        "ru": "Сервис временно недоступен",
        "en": "A dependency is unavailable; try again",
    },
    "api.REGISTRY_BUSY": {
        "kk": "Тізілім бос емес; сәлден кейін қайталаңыз",
        "ru": "Реестр занят; повторите попытку позже",
        "en": "The registry is busy; try again shortly",
    },
    "api.INTERNAL_ERROR": {
        "kk": "Ішкі қате",
        "ru": "Внутренняя ошибка",
        "en": "Internal error",
    },
    "api.KEYS_NOT_ACCEPTED": {
        "kk": "Сұраудағы жабық кілт қабылданбайды: қызмет сақтайтын кілтті keyAlias арқылы атаңыз",
        "ru": "Закрытый ключ в запросе не принимается: укажите ключ, хранимый сервисом, в keyAlias",
        "en": "A private key in the request is not accepted: name a key this service holds by keyAlias",
    },
}
CATALOGUE["api.TOO_COMPLEX"] = CATALOGUE["reason.TOO_COMPLEX"]


def language(wanted: str | None) -> str:
    """``wanted`` when the catalogue speaks it, else English."""
    return wanted if wanted in LANGUAGES else "en"


def text(key: str, lang: str = "en") -> str:
    """The text of ``key`` in ``lang`` (English for a language the catalogue lacks); KeyError for a key it lacks."""
    return CATALOGUE[key][language(lang)]


def texts(key: str) -> dict[str, str]:
    """The text of ``key`` in every language, as the JSON of a report carries it."""
    return dict(CATALOGUE[key])
