"""One JSON error shape for every failure: ``{"code", "message", "details"}``, message in the asked language.

Every refusal is a :class:`~eds.errors.CodedError`: the API's own (:class:`ApiError`, whose code is public) and
the library's, whose code :data:`ANSWERS` turns into the API's public code (and so its HTTP status). One Flask
handler answers them all, so a blueprint just calls the library and lets a refusal go by.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from eds import messages
from eds.errors import CodedError
from eds.issuing.access import AccessError
from eds.issuing.documents import DocumentDataError
from eds.issuing.issuer import IssuingError
from eds.issuing.registry import RegistryError
from eds.issuing.two_step import TwoStepError
from eds.pki.keys import KeyStoreError
from eds.pki.network import NetworkError
from eds.pki.trust import TrustError
from eds.signatures.cms import CmsError
from eds.signatures.pades import PdfSigningError
from eds.signatures.tsp import TimestampError
from eds.validation.report import DocumentReport

# The HTTP status of each public code; its message, in each language, is the catalogue's "api.<code>".
STATUS: dict[str, int] = {
    "BAD_JSON": 400, "BAD_BASE64": 400, "FIELD_MISSING": 400, "FIELD_INVALID": 400, "UNSUPPORTED_MEDIA_TYPE": 415,
    "API_KEY_MISSING": 401, "API_KEY_INVALID": 401, "SCOPE_DENIED": 403, "KEY_NOT_GRANTED": 403,
    "PROVIDER_NOT_GRANTED": 403, "RATE_LIMITED": 429,
    "NOT_FOUND": 404, "METHOD_NOT_ALLOWED": 405, "CONFLICT": 409, "PAYLOAD_TOO_LARGE": 413, "UNPROCESSABLE": 422,
    "DEPENDENCY_UNAVAILABLE": 503, "REGISTRY_BUSY": 503, "INTERNAL_ERROR": 500, "TOO_COMPLEX": 422,
    "KEYS_NOT_ACCEPTED": 403,  # a private key in an NCANode request, not allowed by the operator
}


def language() -> str:
    """The language of messages: ``?lang=`` or the best of Accept-Language among kk, ru, en (default en)."""
    wanted = request.args.get("lang")
    if wanted in messages.LANGUAGES:
        return wanted
    return request.accept_languages.best_match(messages.LANGUAGES, default="en") or "en"


class ApiError(CodedError):
    """A refusal of the API itself (a bad field, a document past a limit): its code is already public."""


@dataclass(frozen=True)
class Answer:
    """How the API answers one kind of library refusal."""

    code: str | None  # the API's public code (STATUS gives its status); None: the library's code is public
    cause: bool = True  # details.cause names the library's code (and the library's own cause becomes detail)
    details: bool = False  # the library's details are passed on
    message: str = "{}"  # the English message; {} is the library's text


_DEPENDENCY = Answer("DEPENDENCY_UNAVAILABLE")
_UNPROCESSABLE = Answer("UNPROCESSABLE")

# Per kind of refusal (the most specific class first wins), its codes that answer otherwise and "*" for the rest.
ANSWERS: dict[type[CodedError], dict[str, Answer]] = {
    ApiError: {"*": Answer(None, cause=False, details=True)},
    AccessError: {"*": Answer(None, cause=False)},
    TrustError: {"*": _DEPENDENCY},  # no trust profile: the service is not configured, not the caller's fault
    KeyStoreError: {"KEY_NOT_FOUND": Answer("NOT_FOUND"), "*": _DEPENDENCY},
    RegistryError: {"NOT_FOUND": Answer("NOT_FOUND"), "CONFLICT": Answer("CONFLICT"),
                    "INVALID_TRANSITION": Answer("CONFLICT"), "EXPIRED": Answer("CONFLICT"),
                    "NUMBER_TAKEN": Answer("CONFLICT"),
                    "DATABASE_UNAVAILABLE": _DEPENDENCY, "DATABASE_BUSY": Answer("REGISTRY_BUSY"), "*": _UNPROCESSABLE},
    TwoStepError: {"PENDING_NOT_FOUND": Answer("NOT_FOUND", details=True),
                   "PENDING_EXPIRED": Answer("CONFLICT", details=True),
                   "ALREADY_COMPLETED": Answer("CONFLICT", details=True),  # completed with other signatures
                   "TIMESTAMP_UNAVAILABLE": Answer("DEPENDENCY_UNAVAILABLE", details=True)},  # else as IssuingError
    IssuingError: {"*": Answer("UNPROCESSABLE", details=True)},
    PdfSigningError: {"TIMESTAMP_UNAVAILABLE": _DEPENDENCY, "*": _UNPROCESSABLE},
    DocumentDataError: {"*": Answer("UNPROCESSABLE", cause=False, details=True,
                                    message="the document data is not valid")},
    TimestampError: {"*": Answer("DEPENDENCY_UNAVAILABLE", cause=False, message="the TSA did not give a timestamp: {}")},
    NetworkError: {"*": _DEPENDENCY},  # evidence that did not come within the request's budget (DEADLINE)
    CmsError: {"*": Answer("UNPROCESSABLE", cause=False)},  # a key not the certificate's, a CMS not co-signable
    CodedError: {"*": _UNPROCESSABLE},  # any other refusal (XmlDsigError, ...)
}


def answer(exc: CodedError) -> tuple[str, str, dict]:
    """The public code, English message and details of a refusal, as :data:`ANSWERS` says."""
    tables = [ANSWERS[kind] for kind in type(exc).__mro__ if kind in ANSWERS]
    found = next(table.get(exc.code) or table["*"] for table in tables if exc.code in table or "*" in table)
    code = found.code or exc.code
    # The official's status could not be established (OCSP and CRLs unreachable): try again, not a refusal.
    if "REVOCATION_UNKNOWN" in exc.details.get("reasons", ()):
        code = "DEPENDENCY_UNAVAILABLE"
    details: dict = {"cause": exc.code} if found.cause else {}
    if found.details:
        details.update({k: v for k, v in exc.details.items() if k != "cause" or not found.cause})
        if found.cause and "cause" in exc.details:
            details["detail"] = exc.details["cause"]
    return code, found.message.format(str(exc)), details


def refuse_too_complex(report: DocumentReport) -> None:
    """A document past a verification limit is refused (422 TOO_COMPLEX naming the limit), not reported on."""
    for reason in report.reasons:
        if reason.code == "TOO_COMPLEX":
            raise ApiError("TOO_COMPLEX", f"the document exceeds the limit {reason.details.get('limit')}",
                           details=reason.details)


def error_body(code: str, message: str | None = None, details: dict | None = None,
               status: int | None = None) -> tuple[dict, int]:
    """The error's body and status: the catalogue's text in the asked language; the English ``message`` otherwise
    as detail, and then what the library's code (``details.cause``) means, in that language, as
    ``details.causeText`` when the catalogue says (a reason or a signature failure), so that the detail a person
    reads is not English only."""
    lang = language()
    key = f"api.{code}"
    text = messages.text(key, lang) if key in messages.CATALOGUE else code
    if message and lang == "en":
        text = message
    body = {"code": code, "message": text, "details": details or {}}
    if message and lang != "en":
        body["details"] = {**body["details"], "detail": message}
    cause = body["details"].get("cause")
    meaning = next((k for k in (f"reason.{cause}", f"cause.{cause}") if k in messages.CATALOGUE), None) \
        if isinstance(cause, str) else None
    if lang != "en" and meaning:
        body["details"] = {**body["details"], "causeText": messages.text(meaning, lang)}
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["requestId"] = request_id
    return body, status or STATUS.get(code, 422)


def error_response(code: str, message: str | None = None, details: dict | None = None,
                   status: int | None = None) -> tuple[Response, int]:
    """The JSON error of this API (:func:`error_body`)."""
    body, status = error_body(code, message, details, status)
    return jsonify(body), status


# An HTTP error werkzeug raises (a route or method that does not exist, a body too large...) -> its code.
HTTP_CODES = {400: "BAD_JSON", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE",
              415: "UNSUPPORTED_MEDIA_TYPE"}

Respond = Callable[[str, "str | None", "dict | None", "int | None"], tuple[Response, int]]


def install(target: Flask | Blueprint, respond: Respond = error_response) -> None:
    """The error handlers of the app (or of a blueprint that answers in its own shape, ``respond``): refusals,
    HTTP errors (404, 405, 413...) and anything unexpected, all as JSON."""

    @target.errorhandler(CodedError)
    def refused(exc: CodedError):
        return respond(*answer(exc), None)

    @target.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = HTTP_CODES.get(exc.code or 500, "INTERNAL_ERROR")
        return respond(code, exc.description if code != "INTERNAL_ERROR" else None, {}, exc.code)

    @target.errorhandler(Exception)
    def unexpected(exc: Exception):
        current_app.logger.exception("unhandled error", extra={"request_id": getattr(g, "request_id", None)})
        return respond("INTERNAL_ERROR", None, {}, None)
