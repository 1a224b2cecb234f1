"""One JSON error shape for every failure: ``{"code", "message", "details"}``, message in the asked language."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from eds.validation import reasons

MESSAGES: dict[str, tuple[int, str, str, str]] = {
    # code: (HTTP status, kk, ru, en)
    "BAD_JSON": (400, "Сұраныс денесі JSON емес", "Тело запроса не является JSON", "The request body is not valid JSON"),
    "BAD_BASE64": (400, "Base64 деректері дұрыс емес", "Неверные данные Base64", "A field is not valid Base64"),
    "FIELD_MISSING": (400, "Міндетті өріс жоқ", "Отсутствует обязательное поле", "A required field is missing"),
    "FIELD_INVALID": (400, "Өрістің мәні дұрыс емес", "Неверное значение поля", "A field has a wrong type or value"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Мазмұн түріне қолдау көрсетілмейді", "Тип содержимого не поддерживается",
                               "Send application/json or multipart/form-data"),
    "API_KEY_MISSING": (401, "API кілті жоқ", "Нет ключа API", "An API key is required (X-API-Key header)"),
    "API_KEY_INVALID": (401, "API кілті жарамсыз", "Неверный ключ API", "The API key is not valid"),
    "SCOPE_DENIED": (403, "Бұл әрекетке рұқсат жоқ", "Нет права на это действие", "The API key lacks the scope"),
    "KEY_NOT_GRANTED": (403, "Бұл кілтпен қол қоюға рұқсат жоқ", "Нет права подписывать этим ключом",
                        "The API key may not use this signing key"),
    "RATE_LIMITED": (429, "Сұраныстар тым көп", "Слишком много запросов", "Too many requests"),
    "NOT_FOUND": (404, "Табылмады", "Не найдено", "Not found"),
    "METHOD_NOT_ALLOWED": (405, "Әдіс рұқсат етілмеген", "Метод не разрешён", "Method not allowed"),
    "CONFLICT": (409, "Қайшылық", "Конфликт", "Conflict with the current state"),
    "PAYLOAD_TOO_LARGE": (413, "Сұраныс тым үлкен", "Запрос слишком большой", "The request is too large"),
    "UNPROCESSABLE": (422, "Сұранысты орындау мүмкін емес", "Запрос не может быть выполнен",
                      "The request is well-formed but cannot be processed"),
    "DEPENDENCY_UNAVAILABLE": (503, "Қызмет уақытша қолжетімсіз", "Сервис временно недоступен",
                               "A dependency is unavailable; try again"),
    "INTERNAL_ERROR": (500, "Ішкі қате", "Внутренняя ошибка", "Internal error"),
    "TOO_COMPLEX": (422, *(reasons.info("TOO_COMPLEX").message(lang) for lang in reasons.LANGUAGES)),
}
LANGUAGES = ("kk", "ru", "en")


def language() -> str:
    """The language of messages: ``?lang=`` or the best of Accept-Language among kk, ru, en (default en)."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        return wanted
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


class ApiError(Exception):
    """Raised by handlers; rendered as the JSON error shape with the code's HTTP status."""

    def __init__(self, code: str, message: str | None = None, *, details: dict | None = None,
                 status: int | None = None) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.details = details or {}
        self.status = status or MESSAGES.get(code, (422,))[0]


def error_response(code: str, message: str | None = None, details: dict | None = None, status: int | None = None):
    entry = MESSAGES.get(code)
    lang = language()
    text = entry[1 + LANGUAGES.index(lang)] if entry else code
    if message and lang == "en":
        text = message
    body = {"code": code, "message": text, "details": details or {}}
    if message and lang != "en":
        body["details"] = {**body["details"], "detail": message}
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["requestId"] = request_id
    return jsonify(body), status or (entry[0] if entry else 422)


def install(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error_response(exc.code, exc.message, exc.details, exc.status)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = {400: "BAD_JSON", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE",
                415: "UNSUPPORTED_MEDIA_TYPE"}.get(exc.code or 500, "INTERNAL_ERROR")
        return error_response(code, exc.description if code != "INTERNAL_ERROR" else None, status=exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        current_app.logger.exception("unhandled error", extra={"request_id": getattr(g, "request_id", None)})
        return error_response("INTERNAL_ERROR")
