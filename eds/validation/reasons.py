"""The catalogue of reason codes: what each means in Kazakh, Russian and English, and its ETSI sub-indication.

Every refusal a caller must tell apart (../shared/domain/SERVICE.md) has its own code here; the API, the
CLI and the web page all render from this table, so a code always reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

# The notice the regulations prescribe when a request's signature check fails.
NOTICE_NOT_CONFIRMED = {
    "kk": "ЭЦҚ түпнұсқалылығы расталмады",
    "ru": "Подлинность ЭЦП не подтверждена",
    "en": "The authenticity of the applicant's EDS is not confirmed",
}
NOTICE_ACCEPTED = {
    "kk": "ЭЦҚ түпнұсқалылығы расталды",
    "ru": "Подлинность ЭЦП подтверждена",
    "en": "The authenticity of the EDS is confirmed",
}

LANGUAGES = ("kk", "ru", "en")


@dataclass(frozen=True)
class ReasonInfo:
    code: str
    indication: str  # TOTAL_FAILED or INDETERMINATE
    sub_indication: str
    kk: str
    ru: str
    en: str

    def message(self, language: str = "en") -> str:
        return getattr(self, language if language in LANGUAGES else "en")


_F, _I = "TOTAL_FAILED", "INDETERMINATE"

_TABLE = [
    ReasonInfo("CERT_MALFORMED", _F, "FORMAT_FAILURE",
               "Сертификат оқылмайды", "Сертификат не читается", "The certificate cannot be read"),
    ReasonInfo("SIGNATURE_INVALID", _F, "SIG_CRYPTO_FAILURE",
               "Қолтаңба жарамсыз: құжат өзгертілген", "Подпись недействительна: документ изменён",
               "The signature is invalid: the document was changed"),
    ReasonInfo("DOCUMENT_MALFORMED", _F, "FORMAT_FAILURE",
               "Құжат пішімі дұрыс емес", "Неверный формат документа", "The document is malformed"),
    ReasonInfo("NO_SIGNATURE", _F, "SIGNED_DATA_NOT_FOUND",
               "Құжатта қолтаңба жоқ", "В документе нет подписи", "The document carries no signature"),
    ReasonInfo("CERT_NOT_YET_VALID", _F, "NOT_YET_VALID",
               "Сертификаттың қолданылу мерзімі әлі басталмаған", "Срок действия сертификата ещё не начался",
               "The certificate is not yet valid"),
    ReasonInfo("CERT_EXPIRED", _F, "EXPIRED",
               "Сертификаттың қолданылу мерзімі өтті", "Срок действия сертификата истёк",
               "The certificate has expired"),
    ReasonInfo("CERT_REVOKED", _F, "REVOKED",
               "Сертификат кері қайтарылған", "Сертификат отозван", "The certificate is revoked"),
    ReasonInfo("REVOKED_NO_POE", _I, "REVOKED_NO_POE",
               "Сертификат кері қайтарылған; қолтаңбаның одан бұрын қойылғаны дәлелденбеген",
               "Сертификат отозван; не доказано, что подпись создана до отзыва",
               "The certificate was revoked and nothing proves the signature is older"),
    ReasonInfo("REVOCATION_UNKNOWN", _I, "TRY_LATER",
               "Сертификаттың мәртебесін анықтау мүмкін болмады",
               "Не удалось установить статус сертификата (отзыв не проверен)",
               "The certificate's revocation status could not be established"),
    ReasonInfo("CHAIN_UNTRUSTED", _F, "NO_CERTIFICATE_CHAIN_FOUND",
               "Сертификат сенімді ҰКО түбірлік сертификатына жетпейді",
               "Сертификат не ведёт к доверенному корневому сертификату НУЦ",
               "The certificate does not chain to a trusted NCA root"),
    ReasonInfo("CHAIN_INVALID", _F, "CHAIN_CONSTRAINTS_FAILURE",
               "Сертификаттар тізбегі жарамсыз", "Цепочка сертификатов недействительна",
               "The certificate chain is invalid"),
    ReasonInfo("CHAIN_EXPIRED", _F, "OUT_OF_BOUNDS_NO_POE",
               "Тізбектегі сертификаттың мерзімі өтті", "Истёк срок сертификата в цепочке",
               "A certificate in the chain has expired"),
    ReasonInfo("CHAIN_NOT_YET_VALID", _F, "NOT_YET_VALID",
               "Тізбектегі сертификаттың мерзімі әлі басталмаған", "Сертификат в цепочке ещё не действует",
               "A certificate in the chain is not yet valid"),
    ReasonInfo("ALGORITHM_NOT_ALLOWED", _F, "CRYPTO_CONSTRAINTS_FAILURE",
               "Алгоритмге рұқсат етілмейді", "Алгоритм не допускается", "The algorithm is not allowed"),
    ReasonInfo("ALGORITHM_UNSUPPORTED", _I, "SIGNATURE_ALGORITHM_NOT_SUPPORTED",
               "Қолтаңба алгоритмі әзірге қолдау көрсетілмейді", "Алгоритм подписи пока не поддерживается",
               "The signature algorithm is not supported yet"),
    ReasonInfo("CERT_UNKNOWN_CRITICAL_EXTENSION", _F, "CHAIN_CONSTRAINTS_FAILURE",
               "Сертификатта белгісіз сыни кеңейтім бар", "В сертификате неизвестное критическое расширение",
               "The certificate has an unknown critical extension"),
    ReasonInfo("NOT_SIGNING_KEY", _F, "SIG_CONSTRAINTS_FAILURE",
               "Бұл аутентификация кілті, қол қою кілті емес",
               "Это ключ аутентификации, а не ключ подписи",
               "This is an authentication key, not a signing key"),
    ReasonInfo("CA_CERTIFICATE", _F, "SIG_CONSTRAINTS_FAILURE",
               "КО сертификаты соңғы пайдаланушы ретінде қолданылған",
               "Сертификат УЦ использован как сертификат пользователя",
               "A CA certificate was used as an end-entity certificate"),
    ReasonInfo("IIN_MISMATCH", _F, "SIG_CONSTRAINTS_FAILURE",
               "Өтініштегі ЖСН сертификаттағы ЖСН-мен сәйкес келмейді",
               "ИИН в заявлении не совпадает с ИИН в сертификате",
               "The IIN in the request does not match the IIN in the certificate"),
    ReasonInfo("BIN_MISMATCH", _F, "SIG_CONSTRAINTS_FAILURE",
               "Өтініштегі БСН сертификаттағы БСН-мен сәйкес келмейді",
               "БИН в заявлении не совпадает с БИН в сертификате",
               "The BIN in the request does not match the BIN in the certificate"),
    ReasonInfo("IDENTITY_MALFORMED", _F, "FORMAT_FAILURE",
               "ЖСН/БСН пішімі дұрыс емес (12 цифр)", "ИИН/БИН имеет неверный формат (12 цифр)",
               "The IIN/BIN is malformed (12 digits expected)"),
    ReasonInfo("IDENTITY_CHECKSUM", _F, "FORMAT_FAILURE",
               "ЖСН/БСН бақылау саны дұрыс емес", "Неверная контрольная цифра ИИН/БИН",
               "The IIN/BIN check digit is wrong"),
    ReasonInfo("ROLE_NOT_ALLOWED", _F, "SIG_CONSTRAINTS_FAILURE",
               "Қол қоюшының ұйым атынан қол қою құқығы жоқ",
               "У подписанта нет права подписи от имени организации",
               "The signer has no right to sign on behalf of the organisation"),
    ReasonInfo("MODIFIED_AFTER_SIGNING", _F, "SIG_CONSTRAINTS_FAILURE",
               "Құжат қол қойылғаннан кейін көрінетіндей өзгертілген",
               "Документ изменён после подписания (изменено то, что видит читатель)",
               "The document was changed after it was signed (what a reader sees changed)"),
    ReasonInfo("FORM_FILLED_AFTER_SIGNING", _I, "SIG_CONSTRAINTS_FAILURE",
               "Қол қойылғаннан кейін пішін өрістері толтырылған",
               "После подписания заполнены поля формы",
               "Form fields were filled in after the document was signed"),
    ReasonInfo("AMBIGUOUS_FORMAT", _F, "FORMAT_FAILURE",
               "Файлды бірнеше пішімде оқуға болады (PDF, XML, CMS)",
               "Файл читается сразу в нескольких форматах (PDF, XML, CMS)",
               "The file reads as more than one format (PDF, XML, CMS)"),
    ReasonInfo("TOO_COMPLEX", _F, "FORMAT_FAILURE",
               "Құжат тексеру шегінен асады", "Документ превышает пределы проверки",
               "The document exceeds a verification limit"),
    ReasonInfo("OUT_OF_BOUNDS_NO_POE", _I, "OUT_OF_BOUNDS_NO_POE",
               "Сертификаттың мерзімі өтті; қолтаңбаның одан бұрын қойылғаны уақыт белгісімен дәлелденбеген",
               "Срок сертификата истёк; меткой времени не доказано, что подпись создана раньше",
               "The certificate has expired and no timestamp proves the signature is older"),
    ReasonInfo("SIGNING_TIME_IN_FUTURE", _I, "SIG_CONSTRAINTS_FAILURE",
               "Қолтаңбада көрсетілген уақыт болашақта", "Заявленное время подписи в будущем",
               "The signing time the signature claims lies in the future"),
    ReasonInfo("SIGNERS_MISMATCH", _F, "SIG_CONSTRAINTS_FAILURE",
               "Қол қоюшылар күтілгендермен сәйкес келмейді",
               "Подписанты не совпадают с ожидаемыми",
               "The signers are not the ones expected"),
    ReasonInfo("BYTE_RANGE_INVALID", _F, "FORMAT_FAILURE",
               "Қолтаңба бүкіл файлды қамтымайды", "Подпись не охватывает весь файл",
               "The signature does not cover the whole file"),
    ReasonInfo("TIMESTAMP_INVALID", _F, "TIMESTAMP_FAILURE",
               "Уақыт белгісі жарамсыз", "Метка времени недействительна", "The timestamp is invalid"),
]

REASONS: dict[str, ReasonInfo] = {r.code: r for r in _TABLE}


def info(code: str) -> ReasonInfo:
    """The catalogue entry for ``code``; unknown codes read as a generic failure, never as success."""
    return REASONS.get(code) or ReasonInfo(code, _F, "GENERIC", code, code, code)
