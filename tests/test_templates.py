"""The HTML report and the public pages are templates: escaped, and the report is one template wherever it shows."""

from __future__ import annotations

import io
from types import SimpleNamespace

from api import create_app
from eds import messages
from eds.validation.rendering import render_html, render_html_fragment
from eds.validation.report import Check, DocumentReport, SignatureReport, Status

HOSTILE = '<script>alert("x")</script>'


def _report() -> DocumentReport:
    signature = SignatureReport((Check("signature", Status.FAILED, f"bad {HOSTILE}", "SIGNATURE_INVALID"),))
    return DocumentReport("pdf", (signature,))


def test_the_report_escapes_what_documents_carry():
    page = render_html(_report(), "kk", title=HOSTILE)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "<title>&lt;script&gt;" in page and "ЭЦҚ түпнұсқалылығы расталмады" in page
    assert messages.text("reason.SIGNATURE_INVALID", "kk") in page  # the reason's meaning, from the catalogue
    assert render_html_fragment(_report(), "de") == render_html_fragment(_report(), "en")


def test_the_public_page_shows_the_report_template_itself(tmp_path):
    app = create_app({"TESTING": True, "EDS_HOME": str(tmp_path)})
    report = _report()
    app.extensions["eds"] = SimpleNamespace(verify_document=lambda data, public: (report, {"found": False}))
    response = app.test_client().post("/verify?lang=ru", data={"file": (io.BytesIO(b"%PDF-"), f"{HOSTILE}.pdf")},
                                      content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and render_html_fragment(report, "ru") in html
    assert HOSTILE not in html and "Этот документ не выдавался данным реестром." in html
