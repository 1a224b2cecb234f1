"""The public verification pages, through the Flask app and in a real headless Chromium (Playwright)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from api import create_app
from eds.issuing.documents.examples import EXAMPLES
from test_pki import demo


@pytest.fixture(scope="module")
def site(tmp_path_factory, pki_dir, pki_server):
    """The app with a registry holding one issued licence, served on a free port."""
    home = tmp_path_factory.mktemp("site")
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})
    services = app.extensions["eds"]
    demo.bootstrap(home, pki_dir, services.registry)
    data = dict(EXAMPLES["scrap_metal_licence"])
    document = services.issuer.issue("scrap_metal_licence", data, provider_id="ZHM", key_id="official_region",
                                     actor="test")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"app": app, "url": f"http://127.0.0.1:{port}", "number": document.number,
           "token": services.registry.access_token(document.number),
           "pdf": services.registry.file(document.number, "pdf"), "home": home}
    server.shutdown()


def test_page_by_number_in_three_languages(site):
    client = site["app"].test_client()
    number, token = site["number"], site["token"]
    for lang, status in (("kk", "Жарамды"), ("ru", "Действителен"), ("en", "Valid")):
        html = client.get(f"/verify/{number}?lang={lang}&t={token}").get_data(as_text=True)
        assert status in html and number in html and "ТӨЛЕГЕНОВА" in html  # the signer
        assert "«Тараз Металл Өңдеу»" in html and "130640007817" in html and f"/verify/{number}/pdf?t={token}" in html
        assert f"?lang=kk&amp;t={token}" in html  # switching the language keeps the token
    assert client.get(f"/verify/{number}/pdf?t={token}").data == site["pdf"]
    missing = client.get("/verify/NO-SUCH-1?lang=ru")
    assert missing.status_code == 404 and "не найден" in missing.get_data(as_text=True)


def test_without_the_token_the_page_is_masked(site):
    client = site["app"].test_client()
    number = site["number"]
    for query in ("", "?t=", "?t=guessed-but-wrong-0000000", f"?t={site['token'][:-1]}"):
        response = client.get(f"/verify/{number}{query}{'&' if query else '?'}lang=ru")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Действителен" in html and number in html
        assert "«Т. М. Ө.» ж. ш. с." in html and "********7817" in html  # shortened, masked
        assert "Тараз" not in html and "130640007817" not in html and "ТӨЛЕГЕНОВА" not in html  # nor the signer
        assert "/pdf" not in html and "/xml" not in html and "QR" in html  # no files; how to see them
        for kind in ("pdf", "xml"):
            refused = client.get(f"/verify/{number}/{kind}{query}")
            assert refused.status_code == 403 and refused.data[:5] != b"%PDF-"


def test_upload_is_verified_and_not_stored(site):
    import io

    client = site["app"].test_client()
    before = sorted(p.name for p in Path(site["home"]).rglob("*"))
    response = client.post("/verify?lang=en", data={"file": (io.BytesIO(site["pdf"]), "licence.pdf")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "TOTAL_PASSED" in html and "licence.pdf" in html
    assert site["number"] in html and "Valid" in html  # the registry's record of it
    assert sorted(p.name for p in Path(site["home"]).rglob("*")) == before
    tampered = site["pdf"].replace(b"/Producer", b"/Qroducer", 1)
    for lang, valid, differs in (("ru", "Действителен", "Этот файл не тот"), ("en", "Valid", "This file is not"),
                                 ("kk", "Жарамды", "Бұл файл осы нөмірмен")):
        html = client.post(f"/verify?lang={lang}", data={"file": (io.BytesIO(tampered), "x.pdf")},
                           content_type="multipart/form-data").get_data(as_text=True)
        content = html.split("</h1>", 1)[1]
        assert "TOTAL_FAILED" in content and content.lstrip().startswith('<p id="registry-mismatch">')
        assert differs in content and valid not in content  # said first, and no status of the registered one
    assert client.post("/verify", data={}, content_type="multipart/form-data").status_code == 400


def test_in_a_real_browser(site, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        page = browser.new_page(locale="ru-RU")
        page.goto(f"{site['url']}/verify/{site['number']}")  # someone who only has the number
        assert page.locator("#status").inner_text() == "Действителен"
        assert page.locator("#holder").inner_text() == "«Т. М. Ө.» ж. ш. с. ********7817"
        assert page.locator("#masked").is_visible() and page.locator("#file-pdf").count() == 0
        page.screenshot(path=str(tmp_path / "by-number-masked.png"), full_page=True)
        page.goto(f"{site['url']}/verify/{site['number']}?t={site['token']}")  # the QR code's link
        assert page.locator("#status").inner_text() == "Действителен"
        assert "130640007817" in page.locator("#holder").inner_text() and page.locator("#masked").count() == 0
        page.click("text=KK")  # the language switch keeps the token
        assert page.locator("#status").inner_text() == "Жарамды" and page.locator("#file-pdf").is_visible()
        with page.expect_download() as download:
            page.click("#file-pdf")
        assert Path(download.value.path()).read_bytes() == site["pdf"]
        page.screenshot(path=str(tmp_path / "by-number.png"), full_page=True)
        page.goto(f"{site['url']}/verify?lang=kk")
        upload = tmp_path / "licence.pdf"
        upload.write_bytes(site["pdf"])
        page.set_input_files("#file", str(upload))
        page.click("#submit")
        page.wait_for_selector(".report")
        assert "TOTAL_PASSED" in page.inner_text(".report")
        assert "ЭЦҚ түпнұсқалылығы расталды" in page.content()
        page.screenshot(path=str(tmp_path / "upload-result.png"), full_page=True)
        page.goto(f"{site['url']}/verify?lang=ru")
        changed = tmp_path / "changed.pdf"
        changed.write_bytes(site["pdf"].replace(b"/Producer", b"/Qroducer", 1))
        page.set_input_files("#file", str(changed))
        page.click("#submit")
        page.wait_for_selector(".report")
        assert "Этот файл не тот" in page.inner_text("#registry-mismatch") and page.locator("#registry").count() == 0
        assert "Действителен" not in page.inner_text("body")
        page.screenshot(path=str(tmp_path / "upload-changed.png"), full_page=True)
        assert (tmp_path / "upload-result.png").stat().st_size > 10_000
        browser.close()
