"""Public verification pages (no API key): /verify to upload a file, /verify/<number> from a QR code.

Uploads are verified in memory and never stored. Pages speak Kazakh, Russian and English (``?lang=``
or the browser's Accept-Language).
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, current_app, request, url_for

from api.errors import language
from eds.validation.rendering import REPORT_CSS, render_html_fragment
from eds.pki.trust import TrustError

pages = Blueprint("pages", __name__)

TEXT = {
    "title": {"kk": "Электрондық құжатты тексеру", "ru": "Проверка электронного документа",
              "en": "Verify an electronic document"},
    "upload": {"kk": "Қол қойылған файлды таңдаңыз (PDF, XML, CMS)", "ru": "Выберите подписанный файл (PDF, XML, CMS)",
               "en": "Choose a signed file (PDF, XML, CMS)"},
    "check": {"kk": "Тексеру", "ru": "Проверить", "en": "Verify"},
    "number": {"kk": "Құжат нөмірі", "ru": "Номер документа", "en": "Document number"},
    "find": {"kk": "Нөмір бойынша табу", "ru": "Найти по номеру", "en": "Find by number"},
    "not_stored": {"kk": "Жүктелген файл сақталмайды.", "ru": "Загруженный файл не сохраняется.",
                   "en": "Uploaded files are not stored."},
    "no_file": {"kk": "Файл таңдалмады.", "ru": "Файл не выбран.", "en": "No file was chosen."},
    "unavailable": {"kk": "Тексеру қызметі уақытша қолжетімсіз.", "ru": "Сервис проверки временно недоступен.",
                    "en": "The verification service is temporarily unavailable."},
    "not_issued": {"kk": "Бұл құжатты осы тізілім бермеген.", "ru": "Этот документ не выдавался данным реестром.",
                   "en": "This registry did not issue this document."},
    "not_found": {"kk": "Мұндай нөмірмен құжат табылмады.", "ru": "Документ с таким номером не найден.",
                  "en": "No document with this number was issued."},
}


def _t(key: str, lang: str) -> str:
    return TEXT[key][lang]


def page(title: str, body: str, lang: str, status: int = 200) -> Response:
    switch = " | ".join(f'<a href="?lang={code}">{code.upper()}</a>' for code in ("kk", "ru", "en"))
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            "<style>body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}"
            f"{REPORT_CSS}nav{{float:right}}form{{margin:1rem 0;padding:1rem;border:1px solid #ddd;border-radius:.5rem}}"
            "dt{font-weight:bold}</style></head>"
            f"<body><nav>{switch}</nav><h1>{escape(title)}</h1>{body}</body></html>")
    return Response(html, status=status, mimetype="text/html")


def _forms(lang: str) -> str:
    return (f'<form method="post" action="{url_for("pages.upload")}?lang={lang}" enctype="multipart/form-data">'
            f'<label>{_t("upload", lang)}<br><input type="file" name="file" id="file" required></label> '
            f'<button type="submit" id="submit">{_t("check", lang)}</button><p><small>{_t("not_stored", lang)}'
            f'</small></p></form><form method="get" action="{url_for("pages.upload")}">'
            f'<label>{_t("number", lang)} <input name="number" id="number"></label>'
            f'<input type="hidden" name="lang" value="{lang}"> <button type="submit">{_t("find", lang)}</button></form>')


@pages.get("/verify")
def upload_form():
    lang = language()
    number = request.args.get("number", "").strip()
    if number:
        from flask import redirect

        return redirect(url_for("pages.by_number", number=number, lang=lang))
    return page(_t("title", lang), _forms(lang), lang)


@pages.post("/verify")
def upload():
    lang = language()
    file = request.files.get("file")
    data = file.read() if file is not None else b""
    if not data:
        return page(_t("title", lang), f"<p>{_t('no_file', lang)}</p>{_forms(lang)}", lang, 400)
    try:
        report, found = current_app.extensions["eds"].verify_document(data, public=True)
    except TrustError:
        return page(_t("title", lang), f"<p>{_t('unavailable', lang)}</p>", lang, 503)
    name = escape(file.filename or "")
    if any(r.code == "TOO_COMPLEX" for r in report.reasons):
        return page(_t("title", lang), f"<p><code>{name}</code></p>{render_html_fragment(report, lang)}"
                    f"{_forms(lang)}", lang, 422)
    registry = _registry_line(found, lang)
    return page(_t("title", lang), f"<p><code>{name}</code></p>{registry}{render_html_fragment(report, lang)}"
                f"{_forms(lang)}", lang)


def _registry_line(found: dict, lang: str) -> str:
    if found.get("found"):
        status = STATUS.get(found["status"], {}).get(lang, found["status"])
        return (f'<p id="registry">{LABELS["number"][lang]}: <a href="/verify/{escape(found["number"])}?lang={lang}">'
                f'{escape(found["number"])}</a> — {LABELS["status"][lang]}: <strong>{escape(status)}</strong></p>')
    return f'<p id="registry">{_t("not_issued", lang)}</p>'



@pages.get("/verify/<path:number>")
def by_number(number: str):
    lang = language()
    record = current_app.extensions["eds"].document_record(number)
    if record is None:
        return page(_t("title", lang), f"<p>{_t('not_found', lang)}</p>{_forms(lang)}", lang, 404)
    return page(_t("title", lang), record_html(record, lang) + _forms(lang), lang)


@pages.get("/verify/<path:number>/<any(pdf, xml):kind>")
def signed_file(number: str, kind: str):
    """The signed files of an issued document, for anyone holding its number (as the printout does)."""
    from eds.issuing.registry import RegistryError

    try:
        data = current_app.extensions["eds"].registry.file(number, kind)
    except RegistryError:
        lang = language()
        return page(_t("title", lang), f"<p>{_t('not_found', lang)}</p>", lang, 404)
    return Response(data, mimetype="application/pdf" if kind == "pdf" else "application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{number}.{kind}"'})


LABELS = {
    "number": TEXT["number"],
    "status": {"kk": "Мәртебесі", "ru": "Статус", "en": "Status"},
    "type": {"kk": "Құжат түрі", "ru": "Тип документа", "en": "Document type"},
    "holder": {"kk": "Иесі", "ru": "Владелец", "en": "Holder"},
    "issuer": {"kk": "Берген", "ru": "Выдал", "en": "Issued by"},
    "signer": {"kk": "Қол қойған", "ru": "Подписал", "en": "Signed by"},
    "issued": {"kk": "Берілген күні", "ru": "Дата выдачи", "en": "Issued"},
    "files": {"kk": "Қол қойылған файлдар", "ru": "Подписанные файлы", "en": "Signed files"},
}
STATUS = {
    "valid": {"kk": "Жарамды", "ru": "Действителен", "en": "Valid"},
    "superseded": {"kk": "Қайта ресімделген (ауыстырылған)", "ru": "Переоформлен (заменён)", "en": "Superseded by re-issue"},
    "suspended": {"kk": "Тоқтатыла тұрған", "ru": "Приостановлен", "en": "Suspended"},
    "terminated": {"kk": "Тоқтатылған", "ru": "Прекращён", "en": "Terminated"},
}


def record_html(record: dict, lang: str) -> str:
    """The registry record of a document, as the QR code's landing page shows it."""
    status = record.get("status", "")
    rows = [
        ("number", escape(record["number"])),
        ("status", f'<strong id="status">{escape(STATUS.get(status, {}).get(lang, status))}</strong>'),
        ("type", escape(record.get("title", {}).get(lang if lang != "en" else "ru", record.get("type", "")))),
        ("holder", escape(" ".join(str(v) for v in (record.get("holder_name"), record.get("holder_id")) if v))),
        ("issuer", escape(record.get("provider_name", ""))),
        ("signer", escape(record.get("signer_name", ""))),
        ("issued", escape(str(record.get("issued_at", "")))),
    ]
    links = " ".join(f'<a id="file-{kind}" href="/verify/{escape(record["number"])}/{kind}">{kind.upper()}</a>'
                     for kind in ("pdf", "xml"))
    rows.append(("files", links))
    return "<dl>" + "".join(f"<dt>{LABELS[key][lang]}</dt><dd>{value}</dd>" for key, value in rows) + "</dl>"
