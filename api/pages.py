"""Public verification pages (no API key): /verify to upload a file, /verify/<number> from a QR code.

The QR code's link carries the record's token (``?t=``): with it the page shows the whole record and offers the
signed files; without it (someone walking the numbers) only what ``Services.public_record`` discloses. Uploads
are verified in memory and never stored; the registry's status is shown only for the registered file itself.
Pages speak Kazakh, Russian and English (``?lang=`` or the browser's Accept-Language); their texts are the
catalogue's (eds.messages), their markup the templates in api/templates/, which include the report's own
template (eds/validation/templates/report.html).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from api.errors import language
from eds import messages
from eds.issuing.registry import RegistryError
from eds.pki.trust import TrustError
from eds.validation.rendering import report_context

pages = Blueprint("pages", __name__)


def _status(value: str, lang: str) -> str:
    """A registry document's status as people read it (an unknown one as itself)."""
    key = f"status.{value}"
    return messages.text(key, lang) if key in messages.CATALOGUE else value


def _page(template: str, lang: str, status: int = 200, /, **context: Any) -> Response:
    """A page in ``lang``: every text the templates show is looked up in the catalogue in that language."""
    texts = {"lang": lang, "languages": messages.LANGUAGES, "t": lambda key: messages.text(key, lang),
             "document_status": lambda value: _status(value, lang)}
    return Response(render_template(template, **(context | texts)), status=status, mimetype="text/html")


def _answer(notice: str, lang: str, status: int, *, forms: bool = True) -> Response:
    """A short answer (the catalogue's ``notice``), with the forms when trying again can help."""
    return _page("verify.html", lang, status, notice=notice, forms=forms)


@pages.get("/verify")
def upload_form():
    lang = language()
    number = request.args.get("number", "").strip()
    if number:
        return redirect(url_for("pages.by_number", number=number, lang=lang))
    return _page("verify.html", lang, notice=None, forms=True)


@pages.post("/verify")
def upload():
    lang = language()
    file = request.files.get("file")
    data = file.read() if file is not None else b""
    if not data:
        return _answer("page.no_file", lang, 400)
    try:
        report, found = current_app.extensions["eds"].verify_document(data, public=True)
    except TrustError:
        return _answer("page.unavailable", lang, 503, forms=False)
    too_complex = any(r.code == "TOO_COMPLEX" for r in report.reasons)
    return _page("result.html", lang, 422 if too_complex else 200, filename=file.filename or "",
                 found=None if too_complex else found, **report_context(report, lang))


@pages.get("/verify/<path:number>")
def by_number(number: str):
    lang = language()
    record = current_app.extensions["eds"].public_record(number, request.args.get("t"))
    if record is None:
        return _answer("page.not_found", lang, 404)
    return _page("record.html", lang, record=record, token=record["token"])


@pages.get("/verify/<path:number>/<any(pdf, xml):kind>")
def signed_file(number: str, kind: str):
    """The signed files of an issued document, for whoever holds its QR code's link (number and token)."""
    services = current_app.extensions["eds"]
    record = services.public_record(number, request.args.get("t"))
    if record is None:
        return _answer("page.not_found", language(), 404, forms=False)
    if not record["full"]:
        return _answer("page.masked", language(), 403, forms=False)
    try:
        data = services.registry.file(number, kind)
    except RegistryError:
        return _answer("page.not_found", language(), 404, forms=False)
    return Response(data, mimetype="application/pdf" if kind == "pdf" else "application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{number}.{kind}"'})
