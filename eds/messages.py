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
    "reason.HOLDER_MISMATCH": {
        "kk": "Көрсетілген ЖСН/БСН құжат иесінікі емес",
        "ru": "Указанный ИИН/БИН не принадлежит владельцу документа",
        "en": "The IIN/BIN given is not the document holder's",
    },
    "reason.HOLDER_UNCONFIRMED": {
        "kk": "Құжат иесін растау мүмкін емес: бұл файлды тізілім растамады және онда қол қойылған иесі жоқ",
        "ru": "Владельца документа подтвердить нельзя: реестр не подтвердил файл, и в нём нет подписанного владельца",
        "en": "The document holder cannot be confirmed: no registry confirmed this file and it names no signed holder",
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
    "reason.TIMESTAMP_EXPIRED": {
        "kk": "Уақыт белгісі енді дәлел емес: TSA сертификатының немесе алгоритмінің мерзімі өтті, оны кейінгі уақыт белгісі қорғамайды",
        "ru": "Метка времени больше не доказательство: срок сертификата или алгоритма TSA истёк, более поздняя метка её не защищает",
        "en": "The timestamp is no longer proof: its TSA certificate or algorithm has expired and no later timestamp protects it",
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


# The report as people read it, line by line (issue 17: kk/ru/en everywhere). Each check of a report carries
# a phrase (eds.validation.report.Phrase): its key here and the values it is filled with. Where a check's
# English JSON message quotes a library's exception (certvalidator, cryptography, asn1crypto, pyHanko), the
# phrase says it in these words and the exception's text is the check's details.cause. An English text of a
# check.* key that a check is made with (Check.of) is that check's JSON message as well, so it stays as it was.
CATALOGUE.update({
    # Labels of the text report (eds verify / eds cert) and the HTML report.
    "line.reason": {"kk": "себебі", "ru": "причина", "en": "reason"},
    "line.signature": {"kk": "қолтаңба", "ru": "подпись", "en": "signature"},
    "line.signer": {"kk": "қол қоюшы", "ru": "подписант", "en": "signer"},
    "line.purpose": {"kk": "кілттің мақсаты", "ru": "назначение ключа", "en": "purpose"},
    "line.roles": {"kk": "рөлдері", "ru": "роли", "en": "roles"},
    "line.judged_at": {"kk": "тексерілген сәт", "ru": "проверено на момент", "en": "judged at"},
    "line.claimed": {"kk": "мәлімделген (дәлелденбеген) қол қою уақыты",
                     "ru": "заявленное (не доказанное) время подписания",
                     "en": "claimed (unproven) signing time"},
    "idname.IIN": {"kk": "ЖСН", "ru": "ИИН", "en": "IIN"},
    "idname.BIN": {"kk": "БСН", "ru": "БИН", "en": "BIN"},
    # A check's status.
    "checkstatus.PASSED": {"kk": "өтті", "ru": "пройдена", "en": "passed"},
    "checkstatus.FAILED": {"kk": "өтпеді", "ru": "не пройдена", "en": "failed"},
    "checkstatus.INDETERMINATE": {"kk": "анықталмады", "ru": "не определено", "en": "indeterminate"},
    "checkstatus.WARNING": {"kk": "ескерту", "ru": "предупреждение", "en": "warning"},
    "checkstatus.SKIPPED": {"kk": "орындалмады", "ru": "пропущена", "en": "skipped"},
    # What the moment a signer was judged at rests on; where a revocation answer came from.
    "timesource.timestamp": {"kk": "уақыт белгісі дәлелдейді", "ru": "подтверждено меткой времени",
                             "en": "proven by a timestamp"},
    "timesource.requested": {"kk": "сұрау бойынша берілген сәт", "ru": "момент, указанный в запросе",
                             "en": "the moment asked for"},
    "timesource.now": {"kk": "қазір: ерте уақытты ештеңе дәлелдемейді",
                       "ru": "сейчас: более раннее время ничем не доказано",
                       "en": "now: nothing proves an earlier time"},
    "evidencesource.network": {"kk": "желіден алынды", "ru": "получено по сети", "en": "fetched"},
    "evidencesource.cache": {"kk": "бұрын алынған", "ru": "получено ранее", "en": "fetched earlier"},
    "evidencesource.file": {"kk": "файлмен берілді", "ru": "передано файлом", "en": "given as a file"},
    "evidencesource.document": {"kk": "құжаттың ішінде", "ru": "из самого документа", "en": "in the document"},
    # A certificate's purpose.
    "purpose.SIGN": {"kk": "қол қою", "ru": "подписание", "en": "signing"},
    "purpose.AUTH": {"kk": "аутентификация", "ru": "аутентификация", "en": "authentication"},
    "purpose.OTHER": {"kk": "басқа мақсаттар", "ru": "другие цели", "en": "other uses"},
    "purpose.UNKNOWN": {"kk": "көрсетілмеген", "ru": "не указано", "en": "not stated"},
    # The name of each check.
    "checkname.document": {"kk": "құжат", "ru": "документ", "en": "document"},
    "checkname.format": {"kk": "пішім", "ru": "формат", "en": "format"},
    "checkname.claims": {"kk": "сұраудағы деректер", "ru": "данные запроса", "en": "claims"},
    "checkname.certificate": {"kk": "сертификат", "ru": "сертификат", "en": "certificate"},
    "checkname.chain": {"kk": "сертификаттар тізбегі", "ru": "цепочка сертификатов", "en": "chain"},
    "checkname.validity": {"kk": "қолданылу мерзімі", "ru": "срок действия", "en": "validity"},
    "checkname.revocation": {"kk": "кері қайтарып алу", "ru": "отзыв", "en": "revocation"},
    "checkname.purpose": {"kk": "кілттің мақсаты", "ru": "назначение ключа", "en": "purpose"},
    "checkname.role": {"kk": "қол қою құқығы", "ru": "право подписи", "en": "role"},
    "checkname.iin": {"kk": "ЖСН", "ru": "ИИН", "en": "IIN"},
    "checkname.bin": {"kk": "БСН", "ru": "БИН", "en": "BIN"},
    "checkname.signature": {"kk": "қолтаңба", "ru": "подпись", "en": "signature"},
    "checkname.timestamp": {"kk": "уақыт белгісі", "ru": "метка времени", "en": "timestamp"},
    "checkname.signing-time": {"kk": "қол қою уақыты", "ru": "время подписания", "en": "signing time"},
    "checkname.signers": {"kk": "қол қоюшылар", "ru": "подписанты", "en": "signers"},
    "checkname.coverage": {"kk": "қолтаңбаның қамтуы", "ru": "охват подписи", "en": "coverage"},
    "checkname.changes": {"kk": "қол қойылғаннан кейінгі өзгерістер", "ru": "изменения после подписания",
                          "en": "changes"},
    "checkname.integrity": {"kk": "тұтастық", "ru": "целостность", "en": "integrity"},
    # The lines of the signer check.
    "check.certificate.CERT_MALFORMED": {
        "kk": "сертификат X.509 ретінде оқылмайды",
        "ru": "сертификат не читается как X.509",
        "en": "not a valid X.509 certificate",
    },
    "check.identity.IDENTITY_MALFORMED": {
        "kk": "сұраудағы {label} 12 цифрдан тұрмайды",
        "ru": "{label} в запросе не состоит из 12 цифр",
        "en": "the {label} in the request is not 12 digits",
    },
    "check.identity.IDENTITY_CHECKSUM": {
        "kk": "сұраудағы {label} бақылау цифры дұрыс емес",
        "ru": "у {label} в запросе неверная контрольная цифра",
        "en": "the {label} in the request has a wrong check digit",
    },
    "check.identity.mismatch": {
        "kk": "сұрауда {label} {value}, ал сертификатта {actual}",
        "ru": "в запросе {label} {value}, а в сертификате {actual}",
        "en": "the request says {label} {value}, the certificate says {actual}",
    },
    "check.identity.absent": {
        "kk": "сұрауда {label} {value}, ал сертификатта {label} жоқ",
        "ru": "в запросе {label} {value}, а в сертификате {label} нет",
        "en": "the request says {label} {value}, the certificate carries no {label}",
    },
    "check.identity.matches": {
        "kk": "{label} {value} сертификаттағымен сәйкес келеді",
        "ru": "{label} {value} совпадает с сертификатом",
        "en": "{label} {value} matches the certificate",
    },
    "check.validity.not_yet": {
        "kk": "{at} дейін жарамсыз",
        "ru": "недействителен до {at}",
        "en": "not valid before {at}",
    },
    "check.validity.expired": {
        "kk": "мерзімі {at} өтті",
        "ru": "срок истёк {at}",
        "en": "expired at {at}",
    },
    "check.validity.valid": {
        "kk": "{at} дейін жарамды",
        "ru": "действителен до {at}",
        "en": "valid until {at}",
    },
    "check.chain.CHAIN_NOT_CHECKED": {
        "kk": "тексерілмеді: сенім профилі жоқ; --trust NAME немесе FOLDER көрсетіңіз",
        "ru": "не проверялась: нет профиля доверия; укажите --trust NAME или FOLDER",
        "en": "not checked: there is no trust profile; give --trust NAME or FOLDER",
    },
    "check.chain.ALGORITHM_UNSUPPORTED": {
        "kk": "сертификатқа {algorithm} алгоритмімен қол қойылған, оны мұнда әзірше тексеру мүмкін емес",
        "ru": "сертификат подписан алгоритмом {algorithm}, который здесь пока нельзя проверить",
        "en": "the certificate is signed with {algorithm}, which cannot be verified here yet",
    },
    "check.chain.CERT_UNKNOWN_CRITICAL_EXTENSION": {
        "kk": "белгісіз сындарлы кеңейту(лер): {extensions}",
        "ru": "неизвестные критические расширения: {extensions}",
        "en": "unknown critical extension(s): {extensions}",
    },
    "check.chain.CHAIN_UNTRUSTED": {
        "kk": "{profile} профилінің бекітілген сенімді түбірлік сертификатына дейін тізбек жоқ",
        "ru": "нет цепочки до закреплённого доверенного корня профиля {profile}",
        "en": "no chain to a pinned trust anchor of profile {profile}",
    },
    "check.chain.SELF_SIGNED": {
        "kk": "өзі қол қойған сертификат, бірақ бекітілген сенімді түбірлік сертификат емес",
        "ru": "самоподписанный сертификат, не являющийся закреплённым доверенным корнем",
        "en": "a self-signed certificate that is not a pinned trust anchor",
    },
    "check.chain.CHAIN_EXPIRED": {
        "kk": "тізбектегі КО сертификатының мерзімі өтті",
        "ru": "истёк срок сертификата УЦ в цепочке",
        "en": "a CA certificate in the chain has expired",
    },
    "check.chain.CHAIN_NOT_YET_VALID": {
        "kk": "тізбектегі КО сертификатының мерзімі әлі басталмаған",
        "ru": "срок сертификата УЦ в цепочке ещё не начался",
        "en": "a CA certificate in the chain is not yet valid",
    },
    "check.chain.ALGORITHM_NOT_ALLOWED": {
        "kk": "тізбектегі алгоритмге рұқсат етілмеген",
        "ru": "алгоритм в цепочке не разрешён",
        "en": "an algorithm in the chain is not allowed",
    },
    "check.chain.CHAIN_INVALID": {
        "kk": "тізбектегі сертификаттар бір-бірін растамайды (қолтаңбасы, шектеулері немесе құрылымы дұрыс емес)",
        "ru": "сертификаты цепочки не подтверждают друг друга (подпись, ограничения или структура неверны)",
        "en": "the certificates of the chain do not confirm each other (a signature, constraint or structure is wrong)",
    },
    "check.chain.trusted": {
        "kk": "бекітілген сенімді түбірлік сертификатқа жетеді: {anchor}",
        "ru": "ведёт к закреплённому доверенному корню {anchor}",
        "en": "chains to pinned anchor {anchor}",
    },
    "check.revocation.untrusted": {
        "kk": "сенімді тізбексіз тексерілмеді",
        "ru": "не проверялся без доверенной цепочки",
        "en": "not checked without a trusted chain",
    },
    "check.revocation.no_chain": {
        "kk": "тексерілмеді: сенімді тізбек жоқ",
        "ru": "не проверялся: нет доверенной цепочки",
        "en": "not checked: no trusted chain",
    },
    "check.revocation.good": {
        "kk": "кері қайтарып алынбаған ({kinds})",
        "ru": "не отозван ({kinds})",
        "en": "not revoked ({kinds})",
    },
    "check.revocation.soft_failed": {
        "kk": "кері қайтарып алу тексерілмеді: CRL және OCSP қызметтері қолжетімсіз (soft-fail саясаты)",
        "ru": "отзыв не проверен: службы CRL и OCSP недоступны (политика soft-fail)",
        "en": "revocation not checked: the CRL and OCSP services were unreachable (soft-fail policy)",
    },
    "check.revocation.who_signer": {"kk": "сертификат", "ru": "сертификат", "en": "the certificate"},
    "check.revocation.who_ca": {"kk": "{name} КО сертификаты", "ru": "сертификат УЦ {name}",
                                "en": "CA certificate {name}"},
    "check.revocation.revoked": {
        "kk": "{who}: {at} кері қайтарып алынған (күші жойылған), себебі: {reason}",
        "ru": "{who}: отозван {at}, причина: {reason}",
        "en": "{who}: revoked at {at}, reason: {reason}",
    },
    "check.revocation.unknown_time": {"kk": "белгісіз уақытта", "ru": "в неизвестное время", "en": "an unknown time"},
    "check.revocation.unknown": {
        "kk": "{who}: мәртебесін (кері қайтарып алынған-алынбағанын) анықтау мүмкін болмады",
        "ru": "{who}: не удалось установить, отозван ли он",
        "en": "{who}: the revocation status could not be established",
    },
    "check.revocation.no_evidence": {
        "kk": "{who}: мәртебесін анықтау мүмкін болмады, CRL де, OCSP жауабы да жоқ",
        "ru": "{who}: статус не установлен, нет ни CRL, ни ответа OCSP",
        "en": "{who}: the revocation status could not be established (no CRL or OCSP evidence available)",
    },
    "crlreason.unspecified": {"kk": "көрсетілмеген", "ru": "не указана", "en": "unspecified"},
    "crlreason.key_compromise": {"kk": "кілттің құпиялылығы бұзылған", "ru": "компрометация ключа",
                                 "en": "key compromise"},
    "crlreason.ca_compromise": {"kk": "КО кілтінің құпиялылығы бұзылған", "ru": "компрометация ключа УЦ",
                                "en": "CA key compromise"},
    "crlreason.affiliation_changed": {"kk": "иесі туралы деректер өзгерген", "ru": "изменились сведения о владельце",
                                      "en": "affiliation changed"},
    "crlreason.superseded": {"kk": "жаңа сертификатпен ауыстырылған", "ru": "заменён новым сертификатом",
                             "en": "superseded"},
    "crlreason.cessation_of_operation": {"kk": "қызметі тоқтатылған", "ru": "прекращение деятельности",
                                         "en": "cessation of operation"},
    "crlreason.certificate_hold": {"kk": "қолданылуы уақытша тоқтатылған", "ru": "действие приостановлено",
                                   "en": "certificate on hold"},
    "crlreason.privilege_withdrawn": {"kk": "өкілеттігі қайтарылып алынған", "ru": "полномочия отозваны",
                                      "en": "privilege withdrawn"},
    "crlreason.aa_compromise": {"kk": "атрибуттар орталығы кілтінің құпиялылығы бұзылған",
                                "ru": "компрометация ключа центра атрибутов", "en": "attribute authority compromise"},
    "check.purpose.ca": {
        "kk": "КО сертификатымен құжаттарға қол қоюға болмайды",
        "ru": "сертификатом УЦ нельзя подписывать документы",
        "en": "a CA certificate cannot sign documents",
    },
    "check.purpose.SIGN": {"kk": "қол қою кілті", "ru": "ключ подписания", "en": "sign key"},
    "check.purpose.AUTH": {"kk": "аутентификация кілті", "ru": "ключ аутентификации", "en": "auth key"},
    "check.purpose.OTHER": {"kk": "басқа мақсаттарға арналған кілт", "ru": "ключ для других целей", "en": "other key"},
    "check.purpose.UNKNOWN": {"kk": "мақсаты көрсетілмеген кілт", "ru": "ключ без указанного назначения",
                              "en": "unknown key"},
    "check.purpose.unstated": {
        "kk": "сертификатта оның мақсаты көрсетілмеген (ҰКО-ның кеңейтілген кілт қолданысы жоқ)",
        "ru": "в сертификате не указано назначение (нет расширенного использования ключа НУЦ)",
        "en": "the certificate does not state its purpose (no NCA extended key usage)",
    },
    "check.purpose.cannot_sign.AUTH": {
        "kk": "аутентификация кілтімен құжаттарға қол қоюға болмайды",
        "ru": "ключом аутентификации нельзя подписывать документы",
        "en": "an authentication key cannot sign documents",
    },
    "check.purpose.cannot_sign.OTHER": {
        "kk": "басқа мақсаттарға арналған кілтпен құжаттарға қол қоюға болмайды",
        "ru": "ключом для других целей нельзя подписывать документы",
        "en": "a key for other uses cannot sign documents",
    },
    "check.purpose.wrong": {
        "kk": "кілттің мақсаты: {given}, ал талап етілетіні: {required}",
        "ru": "назначение ключа: {given}, а требуется: {required}",
        "en": "a key for {given} was given where one for {required} is required",
    },
    "check.role.none_required": {"kk": "рөл талап етілмейді", "ru": "роль не требуется", "en": "no role required"},
    "check.role.holds": {"kk": "рөлі бар: {roles}", "ru": "есть роль: {roles}", "en": "holds {roles}"},
    "check.role.not_allowed": {
        "kk": "{roles} рөлдері ұйымның атынан қол қою құқығын бермейді ({required} рөлдерінің бірі қажет)",
        "ru": "роли {roles} не дают права подписи за организацию (нужна одна из ролей {required})",
        "en": "roles {roles} give no right to sign for the organisation (one of {required} is required)",
    },
    "check.role.no_roles": {
        "kk": "сертификатта рөл жоқ: ұйымның атынан қол қою құқығы жоқ ({required} рөлдерінің бірі қажет)",
        "ru": "в сертификате нет ролей: права подписи за организацию нет (нужна одна из ролей {required})",
        "en": "roles none give no right to sign for the organisation (one of {required} is required)",
    },
    # The lines of the signature and document checks.
    "check.format.AMBIGUOUS_FORMAT": {
        "kk": "файл PDF, XML және CMS пішімдерінің бірнешеуі ретінде оқылады: қарау бағдарламасы мен осы "
              "тексеру әртүрлі құжаттарды көруі мүмкін",
        "ru": "файл читается как несколько форматов из PDF, XML и CMS: программа просмотра и эта проверка могут "
              "увидеть разные документы",
        "en": "the file reads as more than one of PDF, XML and CMS; a viewer and this check could see different "
              "documents",
    },
    "check.format.pdf_request": {
        "kk": "PDF қол қойылған сұрау емес: сұрауларға XML немесе CMS түрінде қол қойылады",
        "ru": "PDF не является подписанным запросом: запросы подписываются в XML или CMS",
        "en": "a PDF is not a signed request: requests are signed XML or CMS",
    },
    "check.signers.mismatch": {
        "kk": "осы ретпен {expected} қол қоюшы күтілген, табылған {found} қол қоюшы өзгеше",
        "ru": "ожидалось подписантов в этом порядке: {expected}, найдено {found}, и они отличаются",
        "en": "expected {expected} signer(s) in this order, found {found} that differ",
    },
    "check.signers.match": {
        "kk": "күтілген {count} қол қоюшы, күтілген ретпен",
        "ru": "ожидаемые подписанты ({count}), в ожидаемом порядке",
        "en": "the {count} expected signer(s), in order",
    },
    "check.signers.unchecked": {
        "kk": "{count} қол қоюшы табылды; кім және қанша адам қол қоюы тиіс екені тексерілмеді",
        "ru": "найдено подписантов: {count}; кто и сколько должны были подписать, не проверялось",
        "en": "{count} signer(s) found; who and how many should have signed was not checked",
    },
    "check.no_poe.expired": {
        "kk": "{line}; қолтаңбаның мерзім өткенге дейін қойылғанын ешбір уақыт белгісі дәлелдемейді",
        "ru": "{line}; ни одна метка времени не доказывает, что подпись создана до истечения срока",
        "en": "{line}; no timestamp proves the signature was made before expiry",
    },
    "check.no_poe.revoked": {
        "kk": "{line}; қолтаңбаның кері қайтарып алынғанға дейін қойылғанын ешбір уақыт белгісі дәлелдемейді",
        "ru": "{line}; ни одна метка времени не доказывает, что подпись создана до отзыва",
        "en": "{line}; no timestamp proves the signature was made before revocation",
    },
    "check.signature.intact": {
        "kk": "қолтаңба бүтін: қол қойылған деректер өзгермеген",
        "ru": "подпись цела: подписанные данные не изменены",
        "en": "the signature is intact: the signed data is unchanged",
    },
    "check.signature.failed": {
        "kk": "қолтаңба жарамсыз ({cause})",
        "ru": "подпись недействительна ({cause})",
        "en": "the signature is invalid ({cause})",
    },
    "check.signature.byte_range_outside": {
        "kk": "ByteRange файлдан тыс жерді көрсетеді",
        "ru": "ByteRange указывает за пределы файла",
        "en": "the ByteRange points outside the file",
    },
    "check.document.failed": {
        "kk": "құжат оқылмайды ({cause})",
        "ru": "документ не читается ({cause})",
        "en": "the document cannot be read ({cause})",
    },
    "check.document.empty": {"kk": "құжат берілмеген", "ru": "документ не передан", "en": "no document given"},
    "check.document.too_complex": {
        "kk": "{limit} шегі: {max}",
        "ru": "предел {limit}: {max}",
        "en": "{limit} is limited to {max}",
    },
    "check.document.too_complex_found": {
        "kk": "{limit} шегі: {max}, ал бұл құжатқа {found} қажет",
        "ru": "предел {limit}: {max}, а этому документу нужно {found}",
        "en": "{limit} is limited to {max}; this document needs {found}",
    },
    "check.document.pdf_unreadable": {
        "kk": "PDF оқылмайды",
        "ru": "PDF не читается",
        "en": "the PDF cannot be read",
    },
    "check.document.pdf_cut_off": {
        "kk": "файл соңғы аяқталу белгісінен кейін жалғасады: жаңарту үзілген немесе файл бүлінген",
        "ru": "файл продолжается после последнего маркера конца: обновление обрезано или файл повреждён",
        "en": "the file goes on after its last end-of-file marker: an update was cut off or the file is damaged",
    },
    "check.document.pdf_unsigned": {
        "kk": "PDF-те қолтаңба жоқ",
        "ru": "в PDF нет подписи",
        "en": "the PDF carries no signature",
    },
    "check.document.timestamps_only": {
        "kk": "PDF-те тек құжаттың уақыт белгілері бар: уақыт белгісі қашан екенін дәлелдейді, бірақ кім екенін "
              "ешқашан дәлелдемейді; бұл құжатқа ешкім қол қоймаған",
        "ru": "в PDF только метки времени документа: метка времени доказывает когда, но никогда не кто; этот "
              "документ никто не подписал",
        "en": "the PDF carries only document timestamps: a timestamp proves when, never who; nobody signed this "
              "document",
    },
    "check.integrity.unreadable": {
        "kk": "қолтаңбаны тексеру мүмкін емес: PDF құрылымы оқылмайды",
        "ru": "подпись нельзя проверить: структура PDF не читается",
        "en": "the signature cannot be checked: the PDF's structure cannot be read",
    },
    "check.claims.not_xml": {
        "kk": "қол қойылған мазмұн XML емес: {path} жолы бойынша {label} оқу мүмкін емес",
        "ru": "подписанное содержимое не XML: {label} нельзя прочитать по пути {path}",
        "en": "the signed content is not XML: no {label} can be read at {path}",
    },
    "check.claims.bad_path": {
        "kk": "{label} жолы {path} дұрыс емес",
        "ru": "путь {label} {path} неверен",
        "en": "the {label} path {path} is not valid",
    },
    "check.claims.missing": {
        "kk": "қол қойылған құжатта {path} жолы бойынша {label} жоқ",
        "ru": "в подписанном документе нет {label} по пути {path}",
        "en": "the signed document has no {label} at {path}",
    },
    "check.claims.pdf_path": {
        "kk": "ЖСН/БСН жолы қол қойылған XML-ді оқиды; PDF үшін ЖСН/БСН-нің өзін көрсетіңіз",
        "ru": "путь ИИН/БИН читает подписанный XML; для PDF укажите сам ИИН/БИН",
        "en": "an IIN/BIN path reads a signed XML; give the IIN/BIN itself for a PDF",
    },
    "check.signing_time.future": {
        "kk": "қолтаңба {claimed} қойылды деп мәлімдейді, бұл {reference} кейін",
        "ru": "подпись заявляет, что создана {claimed}, то есть после {reference}",
        "en": "the signature claims to be made at {claimed}, after {reference}",
    },
    "check.timestamp.failed": {
        "kk": "уақыт белгісі жарамсыз ({cause})",
        "ru": "метка времени недействительна ({cause})",
        "en": "the timestamp is invalid ({cause})",
    },
    "check.timestamp.trusted": {
        "kk": "сенімді уақыт белгісі {at} (саясаты {policy})",
        "ru": "доверенная метка времени {at} (политика {policy})",
        "en": "trusted timestamp {at} (policy {policy})",
    },
    "check.timestamp.tsa_untrusted": {
        "kk": "уақыт белгісі қызметінің (TSA) сертификаты сенімді емес ({code})",
        "ru": "сертификат службы меток времени (TSA) не доверен ({code})",
        "en": "the timestamp's TSA certificate is not trusted ({code})",
    },
    "check.timestamp.expired_certificate": {
        "kk": "уақыт белгісі {until} дейін ғана дәлел: TSA тізбегінің сертификаты мерзімі өтті, ал {at} кезінде оны кейінгі уақыт белгісі қорғамайды",
        "ru": "метка времени служит доказательством только до {until}: срок сертификата цепочки TSA истёк, а на {at} её не защищает более поздняя метка времени",
        "en": "the timestamp is proof only until {until}: a certificate of its TSA chain expired, and no later timestamp protects it at {at}",
    },
    "check.timestamp.expired_algorithm": {
        "kk": "уақыт белгісі {until} дейін ғана дәлел: оның алгоритмі (TSA кілті немесе хэш) ескірді, ал {at} кезінде оны кейінгі уақыт белгісі қорғамайды",
        "ru": "метка времени служит доказательством только до {until}: её алгоритм (ключ TSA или хэш) устарел, а на {at} её не защищает более поздняя метка времени",
        "en": "the timestamp is proof only until {until}: its algorithm (the TSA key or the hash) has aged, and no later timestamp protects it at {at}",
    },
    "check.timestamp.document": {
        "kk": "құжаттың уақыт белгісі {at}",
        "ru": "метка времени документа {at}",
        "en": "document timestamp {at}",
    },
    "check.coverage.file": {
        "kk": "қолтаңба бүкіл файлды қамтиды",
        "ru": "подпись охватывает весь файл",
        "en": "the signature covers the whole file",
    },
    "check.coverage.trailing": {
        "kk": "қол қойылған нұсқадан кейін ешбір нұсқаға жатпайтын байттар бар",
        "ru": "после подписанной ревизии идут байты, не относящиеся ни к одной ревизии",
        "en": "bytes follow the signed revision that belong to no revision",
    },
    "check.coverage.partial": {
        "kk": "қол қойылған ByteRange бүкіл нұсқаны қамтымайды",
        "ru": "подписанный ByteRange не охватывает всю ревизию",
        "en": "the signed ByteRange does not cover the whole revision",
    },
    "check.coverage.revision": {
        "kk": "қолтаңба өз нұсқасын толық қамтиды",
        "ru": "подпись охватывает всю свою ревизию",
        "en": "the signature covers its whole revision",
    },
    "check.changes.modified": {
        "kk": "құжат қол қойылғаннан кейін өзгертілген: {changes}",
        "ru": "документ изменён после подписания: {changes}",
        "en": "the document was changed after it was signed: {changes}",
    },
    "check.changes.change": {
        "kk": "{kind} (объектілер: {objects}; {revision}-нұсқа)",
        "ru": "{kind} (объекты {objects}, ревизия {revision})",
        "en": "{kind} (objects {objects}, revision {revision})",
    },
    "check.changes.unexplained": {
        "kk": "айырмашылықтарды талдау қабылдамайтын өзгерістер",
        "ru": "изменения, отвергнутые анализом различий",
        "en": "changes the difference analysis rejects",
    },
    "check.changes.form_filled": {
        "kk": "қол қойылғаннан кейін нысан өрістері толтырылған: {fields}",
        "ru": "после подписания заполнены поля формы: {fields}",
        "en": "form fields were filled in after signing: {fields}",
    },
    "check.changes.cosigned": {
        "kk": "қол қойылғаннан кейін басқа қолтаңбалар (және тексеру деректері) қосылған",
        "ru": "после подписания добавлены другие подписи (и данные для проверки)",
        "en": "further signatures (and validation data) were added after signing",
    },
    "check.changes.validation_data": {
        "kk": "қол қойылғаннан кейін тек тексеру деректері немесе құжаттың уақыт белгілері қосылған",
        "ru": "после подписания добавлены только данные для проверки или метки времени документа",
        "en": "only validation data or document timestamps were added after signing",
    },
    "check.changes.none": {
        "kk": "қол қойылғаннан кейін ештеңе қосылмаған",
        "ru": "после подписания ничего не добавлено",
        "en": "nothing was added after signing",
    },
    # Kinds of change after signing (eds.signatures.pdf_changes).
    "change.acroform": {"kk": "нысан сөздігі", "ru": "словарь формы", "en": "form dictionary"},
    "change.actions": {"kk": "әрекеттер", "ru": "действия", "en": "actions"},
    "change.annotation": {"kk": "аннотация", "ru": "аннотация", "en": "annotation"},
    "change.array": {"kk": "массив", "ru": "массив", "en": "array"},
    "change.catalog": {"kk": "құжат каталогы", "ru": "каталог документа", "en": "document catalog"},
    "change.certified-no-changes": {"kk": "куәландыру тыйым салған өзгеріс", "ru": "изменение, запрещённое "
                                    "сертификацией", "en": "a change the certification forbids"},
    "change.dangling-reference": {"kk": "кейін толтырылған сілтеме (көлеңкелі шабуыл)",
                                  "ru": "ссылка, заполненная позже (теневая атака)",
                                  "en": "a reference filled in later (shadow attack)"},
    "change.encryption": {"kk": "шифрлау", "ru": "шифрование", "en": "encryption"},
    "change.font": {"kk": "қаріп", "ru": "шрифт", "en": "font"},
    "change.form-field": {"kk": "нысан өрісі", "ru": "поле формы", "en": "form field"},
    "change.freed-object": {"kk": "жойылған объект", "ru": "удалённый объект", "en": "deleted object"},
    "change.generation-reuse": {"kk": "қайта жазылған объект нөмірі", "ru": "повторно записанный номер объекта",
                                "en": "object number written again"},
    "change.metadata": {"kk": "метадеректер", "ru": "метаданные", "en": "metadata"},
    "change.names": {"kk": "атаулар", "ru": "имена", "en": "names"},
    "change.new-root": {"kk": "жаңа құжат каталогы", "ru": "новый каталог документа", "en": "new document catalog"},
    "change.object": {"kk": "объект", "ru": "объект", "en": "object"},
    "change.optional-content": {"kk": "қосымша мазмұн", "ru": "необязательное содержимое", "en": "optional content"},
    "change.outlines": {"kk": "бетбелгілер", "ru": "закладки", "en": "bookmarks"},
    "change.page": {"kk": "бет", "ru": "страница", "en": "page"},
    "change.page-content": {"kk": "бет мазмұны", "ru": "содержимое страницы", "en": "page content"},
    "change.pages": {"kk": "беттер ағашы", "ru": "дерево страниц", "en": "page tree"},
    "change.permissions": {"kk": "рұқсаттар", "ru": "разрешения", "en": "permissions"},
    "change.resources": {"kk": "ресурстар", "ru": "ресурсы", "en": "resources"},
    "change.signature-dictionary": {"kk": "қолтаңба сөздігі", "ru": "словарь подписи", "en": "signature dictionary"},
    "change.signature-field": {"kk": "қолтаңба өрісі", "ru": "поле подписи", "en": "signature field"},
    "change.stream": {"kk": "ағын", "ru": "поток", "en": "stream"},
    "change.trailing-bytes": {"kk": "файл соңынан кейінгі байттар", "ru": "байты после конца файла",
                              "en": "bytes after the end of the file"},
    "change.unexplained": {"kk": "түсіндірілмеген өзгеріс", "ru": "необъяснённое изменение",
                           "en": "unexplained change"},
    "change.xobject": {"kk": "XObject", "ru": "XObject", "en": "XObject"},
    # What a lower layer's failure code means (details.cause of a signature, document or timestamp line).
    # A signing key on a PKCS#11 token that cannot sign now (details.cause of a 503; eds.pki.pkcs11_keys).
    "cause.KEY_UNAVAILABLE": {
        "kk": "қол қою кілті бар токен қазір қолжетімсіз: ол алынған немесе жауап бермейді",
        "ru": "токен с ключом подписи сейчас недоступен: он извлечён или не отвечает",
        "en": "the token holding the signing key is unavailable now: pulled out or not answering",
    },
    "cause.KEY_MODULE_UNAVAILABLE": {
        "kk": "токеннің PKCS#11 кітапханасы табылмады немесе жүктелмейді",
        "ru": "библиотека PKCS#11 токена не найдена или не загружается",
        "en": "the token's PKCS#11 library is missing or does not load",
    },
    "cause.KEY_BAD_PIN": {"kk": "токен PIN-кодты қабылдамады", "ru": "токен не принял PIN-код",
                          "en": "the token refused the PIN"},
    "cause.KEY_PIN_LOCKED": {"kk": "токен қате PIN-кодтардан кейін бұғатталған",
                             "ru": "токен заблокирован после неверных PIN-кодов", "en": "the token is locked after wrong PINs"},
    "cause.KEY_LABEL_NOT_FOUND": {"kk": "токенде мұндай белгісі бар жабық кілт жоқ",
                                  "ru": "на токене нет закрытого ключа с такой меткой",
                                  "en": "the token holds no private key with this label"},
    "cause.DIGEST_MISMATCH": {
        "kk": "қол қойылған деректер өзгертілген: олардың хэш-мәні қолтаңбадағымен сәйкес келмейді",
        "ru": "подписанные данные изменены: их хеш не совпадает с хешем в подписи",
        "en": "the signed data was changed: its digest does not match the signature's",
    },
    "cause.SIGNATURE_INVALID": {
        "kk": "қолтаңба мәні сертификаттың кілтімен расталмайды",
        "ru": "значение подписи не подтверждается ключом сертификата",
        "en": "the signature value does not verify with the certificate's key",
    },
    "cause.SIGNING_CERTIFICATE_MISMATCH": {
        "kk": "қол қойылған атрибуттарда басқа сертификат көрсетілген",
        "ru": "в подписанных атрибутах указан другой сертификат",
        "en": "the signed attributes name another certificate",
    },
    "cause.CERTIFICATE_KEY_MISMATCH": {
        "kk": "сертификаттың кілті қолтаңбаға сәйкес келмейді",
        "ru": "ключ сертификата не соответствует подписи",
        "en": "the certificate's key does not fit the signature",
    },
    "cause.CONTENT_TYPE_MISMATCH": {
        "kk": "қол қойылған мазмұнның түрі сәйкес келмейді",
        "ru": "тип подписанного содержимого не совпадает",
        "en": "the signed content type does not match",
    },
    "cause.UNSUPPORTED_ALGORITHM": {
        "kk": "қолтаңба алгоритмін мұнда тексеру мүмкін емес",
        "ru": "алгоритм подписи здесь проверить нельзя",
        "en": "the signature's algorithm cannot be verified here",
    },
    "cause.ALGORITHM_MISMATCH": {
        "kk": "қолтаңбада көрсетілген алгоритмдер бір-біріне қайшы келеді",
        "ru": "указанные в подписи алгоритмы противоречат друг другу",
        "en": "the algorithms the signature names contradict each other",
    },
    "cause.CMS_MALFORMED": {"kk": "CMS құрылымы оқылмайды", "ru": "структура CMS не читается",
                            "en": "the CMS cannot be read"},
    "cause.CONTENTS_NOT_ZERO_PADDED": {
        "kk": "/Contents ішінде қолтаңбадан кейін нөлдік толтыру емес байттар бар",
        "ru": "в /Contents после подписи есть байты, не являющиеся нулевым заполнением",
        "en": "in /Contents the signature is followed by bytes that are not zero padding",
    },
    "cause.NOT_SIGNED_DATA": {"kk": "CMS SignedData құрылымы емес", "ru": "CMS не является SignedData",
                              "en": "the CMS is not SignedData"},
    "cause.SIGNER_INFO_MALFORMED": {"kk": "SignerInfo құрылымы дұрыс емес", "ru": "структура SignerInfo неверна",
                                    "en": "the SignerInfo is malformed"},
    "cause.NO_SIGNERS": {"kk": "CMS-те қол қоюшы жоқ", "ru": "в CMS нет подписантов", "en": "the CMS has no signer"},
    "cause.NO_SIGNATURE": {"kk": "құжатта қолтаңба жоқ", "ru": "в документе нет подписи",
                           "en": "the document carries no signature"},
    "cause.NO_CERTIFICATE": {"kk": "қолтаңбада сертификат жоқ", "ru": "в подписи нет сертификата",
                             "en": "the signature carries no certificate"},
    "cause.SIGNER_CERTIFICATE_NOT_FOUND": {"kk": "қол қоюшының сертификаты құжатта жоқ",
                                           "ru": "сертификата подписанта нет в документе",
                                           "en": "the signer's certificate is not in the document"},
    "cause.SIGNER_CERTIFICATE_AMBIGUOUS": {"kk": "қол қоюшыға бірнеше сертификат сәйкес келеді",
                                           "ru": "подписанту соответствует больше одного сертификата",
                                           "en": "more than one certificate fits the signer"},
    "cause.MISSING_SIGNED_ATTRIBUTES": {"kk": "қолтаңбада қол қойылған атрибуттар жоқ",
                                        "ru": "у подписи нет подписанных атрибутов",
                                        "en": "the signature has no signed attributes"},
    "cause.MALFORMED_SIGNED_ATTRIBUTES": {"kk": "қол қойылған атрибуттар дұрыс құрылмаған",
                                          "ru": "подписанные атрибуты сформированы неверно",
                                          "en": "the signed attributes are malformed"},
    "cause.MISSING_SIGNING_CERTIFICATE": {"kk": "қол қойылған атрибуттарда қол қоюшының сертификаты көрсетілмеген",
                                          "ru": "подписанные атрибуты не называют сертификат подписанта",
                                          "en": "the signed attributes do not name the signer's certificate"},
    "cause.DETACHED_CONTENT_MISSING": {"kk": "қолтаңба бөлек, ал қол қойылған деректер берілмеген",
                                       "ru": "подпись отсоединённая, а подписанные данные не переданы",
                                       "en": "the signature is detached and the signed data was not given"},
    "cause.CONTENT_CONFLICT": {"kk": "берілген деректер CMS ішіндегі деректерден өзгеше",
                               "ru": "переданные данные отличаются от данных внутри CMS",
                               "en": "the data given differs from the data inside the CMS"},
    "cause.UNSUPPORTED_VERSION": {"kk": "құрылымның бұл нұсқасына қолдау көрсетілмейді",
                                  "ru": "эта версия структуры не поддерживается",
                                  "en": "this version of the structure is not supported"},
    "cause.XML_MALFORMED": {"kk": "XML оқылмайды", "ru": "XML не читается", "en": "the XML cannot be read"},
    "cause.XML_FORBIDDEN_CONSTRUCT": {
        "kk": "XML қауіпсіздік үшін тыйым салынған құрылымды (DOCTYPE, сыртқы ресурстар) пайдаланады",
        "ru": "XML использует запрещённую из соображений безопасности конструкцию (DOCTYPE, внешние ресурсы)",
        "en": "the XML uses a construct refused for safety (DOCTYPE, external resources)",
    },
    "cause.XML_TOO_LARGE": {"kk": "XML тым үлкен", "ru": "XML слишком большой", "en": "the XML is too large"},
    "cause.XML_TOO_DEEP": {"kk": "XML элементтері тым терең кірістірілген", "ru": "элементы XML вложены слишком глубоко",
                           "en": "the XML is nested too deeply"},
    "cause.TOO_LARGE": {"kk": "құжат тым үлкен", "ru": "документ слишком большой", "en": "the document is too large"},
    "cause.TOO_MANY_SIGNATURES": {"kk": "құжатта қолтаңбалар тым көп", "ru": "в документе слишком много подписей",
                                  "en": "the document carries too many signatures"},
    "cause.TOO_COMPLEX": {"kk": "құжат өңдеу шегінен асады", "ru": "документ превышает пределы обработки",
                          "en": "the document exceeds a processing limit"},
    "cause.MALFORMED_SIGNATURE": {"kk": "қолтаңба элементі дұрыс құрылмаған", "ru": "элемент подписи сформирован неверно",
                                  "en": "the signature element is malformed"},
    "cause.BAD_REFERENCE": {"kk": "қолтаңбаның сілтемесі профиль рұқсат ететін сілтеме емес",
                            "ru": "ссылка подписи не та, которую допускает профиль",
                            "en": "the signature's reference is not the one the profile allows"},
    "cause.BAD_TRANSFORMS": {"kk": "қолтаңбаның түрлендірулері профильге сәйкес емес",
                             "ru": "преобразования подписи не соответствуют профилю",
                             "en": "the signature's transforms are not the profile's"},
    "cause.UNSUPPORTED_CANONICALIZATION": {"kk": "канондау әдісі профильге сәйкес емес",
                                           "ru": "метод канонизации не соответствует профилю",
                                           "en": "the canonicalisation method is not the profile's"},
    "cause.SIGNATURE_WRAPPING": {"kk": "қолтаңба басқа мазмұнды қамтитындай етіп орналастырылған",
                                 "ru": "подпись размещена так, чтобы охватывать другое содержимое",
                                 "en": "the signature is placed to cover other content than it seems to"},
    "cause.BAD_BASE64": {"kk": "Base64 мәні оқылмайды", "ru": "значение Base64 не читается",
                         "en": "a Base64 value cannot be read"},
    "cause.VERIFIER_ERROR": {"kk": "қолтаңбаны тексеру мүмкін болмады", "ru": "подпись не удалось проверить",
                             "en": "the signature could not be verified"},
    "cause.IMPRINT_MISMATCH": {"kk": "уақыт белгісі басқа деректерге қойылған",
                               "ru": "метка времени поставлена на другие данные",
                               "en": "the timestamp covers other data"},
    "cause.TOKEN_MALFORMED": {"kk": "уақыт белгісі оқылмайды", "ru": "метка времени не читается",
                              "en": "the timestamp token cannot be read"},
    "cause.NOT_TST_INFO": {"kk": "уақыт белгісінде TSTInfo жоқ", "ru": "в метке времени нет TSTInfo",
                           "en": "the timestamp token carries no TSTInfo"},
    "cause.TIMESTAMP_INVALID": {"kk": "уақыт белгісі жарамсыз", "ru": "метка времени недействительна",
                                "en": "the timestamp is invalid"},
    "cause.POLICY_MISMATCH": {"kk": "уақыт белгісінің саясаты талап етілгенге сәйкес емес",
                              "ru": "политика метки времени не та, что требуется",
                              "en": "the timestamp's policy is not the one required"},
})

CATALOGUE.update({
    # The holder check of an issued document (eds.service.held_to_holder).
    "checkname.holder": {"kk": "құжат иесі", "ru": "владелец документа", "en": "holder"},
    "holdersource.registry": {"kk": "тізілім бойынша", "ru": "по реестру", "en": "registry"},
    "holdersource.signed XML": {"kk": "қол қойылған XML бойынша", "ru": "по подписанному XML", "en": "signed XML"},
    "check.holder.unconfirmed": {
        "kk": "құжат иесін растау мүмкін емес: бұл файлды ешбір тізілім өз жазбасымен сәйкестендірмеді және онда қол "
              "қойылған иесі көрсетілмеген (оның қол қойылған XML-нұсқасында көрсетілген)",
        "ru": "владельца документа подтвердить нельзя: ни один реестр не сопоставил этот файл со своей записью, и в нём "
              "не указан подписанный владелец (он указан в его подписанном XML-двойнике)",
        "en": "the document's holder cannot be confirmed: no registry matched this file to its record and it names no "
              "signed holder (its signed XML twin does)",
    },
    "check.holder.mismatch": {
        "kk": "құжат иесі ({source}) {claimed} емес",
        "ru": "владелец документа ({source}) не {claimed}",
        "en": "the document's holder ({source}) is not {claimed}",
    },
    "check.holder.matches": {
        "kk": "құжат иесі ({source}): {kind} {value}",
        "ru": "владелец документа ({source}): {kind} {value}",
        "en": "the document's holder ({source}) is {kind} {value}",
    },
})

CATALOGUE.update({
    # What the command line prints besides the report (eds.cli), in its --lang.
    "cli.offline_hint": {
        "kk": "кеңес: желісіз тексеру, ал кері қайтарып алу дәлелдері берілмеген: берушінің CRL тізімін --crl FILE "
              "арқылы немесе OCSP жауабын --ocsp-response FILE арқылы беріңіз",
        "ru": "подсказка: проверка без сети, а данных об отзыве нет: передайте CRL издателя через --crl FILE или "
              "ответ OCSP через --ocsp-response FILE",
        "en": "hint: offline, and no revocation evidence was given: pass the issuer's CRL with --crl FILE or an OCSP "
              "response with --ocsp-response FILE",
    },
    "cli.batch_summary": {
        "kk": "{count} құжат: {passed} TOTAL_PASSED, {failed} TOTAL_FAILED, {indeterminate} INDETERMINATE",
        "ru": "документов: {count}; {passed} TOTAL_PASSED, {failed} TOTAL_FAILED, {indeterminate} INDETERMINATE",
        "en": "{count} documents: {passed} TOTAL_PASSED, {failed} TOTAL_FAILED, {indeterminate} INDETERMINATE",
    },
    "cli.report_written": {
        "kk": "есеп {path} файлына жазылды",
        "ru": "отчёт записан в {path}",
        "en": "report written to {path}",
    },
})
