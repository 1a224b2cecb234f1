"""What the service shows and to whom: security headers on every answer (and no CSP violation in a real browser),
/metrics behind an admin key or on its own listener, failed API-key attempts limited per source address, and an
Idempotency-Key that belongs to the API key that sent it."""

from __future__ import annotations

import base64
import io
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from api import create_app
from api.app import SECURITY_HEADERS
from api.errors import ApiError
from api.request import FailedAttempts
from api.serving import serve
from eds.issuing.access import ApiKeys
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.registry import Registry
from eds.service import Settings, SettingError
from test_pki import demo

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _licence() -> dict:
    data = {k: v for k, v in EXAMPLES["scrap_metal_licence"].items() if k != "provider"}
    return {"type": "scrap_metal_licence", "providerId": "ZHM", "keyId": "official_region", "data": data}


@pytest.fixture(scope="module")
def site(tmp_path_factory, pki_dir, pki_server):
    """The app with the demo providers, one issued licence and two portals' keys, served on a free port."""
    home = tmp_path_factory.mktemp("surfaces")
    registry = Registry.open(f"sqlite:///{home / 'registry.db'}")
    demo.bootstrap(home, pki_dir, registry)  # keys.json before the app reads it
    registry.close()
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})
    services = app.extensions["eds"]
    document = services.issuer.issue("scrap_metal_licence", _licence()["data"], provider_id="ZHM",
                                     key_id="official_region", actor="test")
    keys = ApiKeys(home / "api-keys.json")
    tokens = {name: keys.create(name, ["issue", "verify"], signing_keys=["official_region"], providers=["ZHM"])
              for name in ("portal_a", "portal_b")}
    tokens["verify"] = keys.create("auditor", ["verify"])
    tokens["admin"] = keys.create("operator", ["admin"])
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"app": app, "url": f"http://127.0.0.1:{port}", "number": document.number, "home": home,
           "tokens": tokens, "pdf": services.registry.file(document.number, "pdf")}
    server.shutdown()


# Headers


def test_every_answer_carries_the_security_headers(site):
    client = site["app"].test_client()
    answers = [client.get("/verify"), client.get(f"/verify/{site['number']}"), client.get("/verify/NO-SUCH-1"),
               client.get("/docs"), client.get("/openapi.json"), client.get("/healthz"),
               client.post("/api/v1/verify", json={}), client.get("/no/such/page"),
               client.post("/verify", data={"file": (io.BytesIO(site["pdf"]), "l.pdf")},
                           content_type="multipart/form-data")]
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (answer.request.path, name)
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and SECURITY_HEADERS["X-Frame-Options"] == "DENY"


def test_no_page_has_an_inline_script(site):
    """CSP allows no inline script, so no page may carry one (it would silently not run)."""
    client = site["app"].test_client()
    for path in ("/verify", f"/verify/{site['number']}", "/docs", "/verify/NO-SUCH-1"):
        html = client.get(path).get_data(as_text=True).lower()
        for start in range(len(html)):
            start = html.find("<script", start)
            if start < 0:
                break
            tag = html[start:html.index(">", start)]
            assert " src=" in tag, (path, tag)
        assert " onload=" not in html and " onclick=" not in html and "javascript:" not in html


def test_pages_in_a_real_browser_break_no_policy(site, tmp_path):
    """Each public page and /docs in headless Chromium under the CSP: no violation reported, nothing blocked, the
    page shows what it showed before (the screenshots are kept in tmp_path for a look)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        page = browser.new_page(locale="ru-RU")
        problems: list[str] = []

        def console(message) -> None:
            if message.type in ("error", "warning") and not message.location.get("url", "").endswith("/favicon.ico"):
                problems.append(f"{message.text} ({message.location.get('url')})")

        page.on("console", console)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                             "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
        page.goto(f"{site['url']}/verify/{site['number']}")
        assert page.locator("#status").inner_text() == "Действителен"
        font = page.eval_on_selector("body", "b => getComputedStyle(b).fontFamily")
        assert "sans-serif" in font  # the page's own <style> applied
        page.screenshot(path=str(tmp_path / "by-number.png"), full_page=True)
        page.goto(f"{site['url']}/verify?lang=kk")
        upload = tmp_path / "licence.pdf"
        upload.write_bytes(site["pdf"])
        page.set_input_files("#file", str(upload))
        page.click("#submit")
        page.wait_for_selector(".report")
        assert "TOTAL_PASSED" in page.inner_text(".report")
        heading = page.eval_on_selector(".report h2", "h => getComputedStyle(h).color")
        assert heading != "rgb(0, 0, 0)"  # the verdict's colour (an inline style attribute) still applies
        page.screenshot(path=str(tmp_path / "upload-result.png"), full_page=True)
        page.goto(f"{site['url']}/docs")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)
        assert "eds" in page.title().lower() or "swagger" in page.title().lower()
        found = list(problems)
        # the control: an inline script injected into a page is refused, and the refusal is seen here
        page.goto(f"{site['url']}/verify")
        with pytest.raises(Exception):
            page.add_script_tag(content="window.injected = 1")
        assert page.evaluate("window.injected") is None
        assert any("CSP violation: script-src" in problem for problem in problems), problems
        browser.close()
    assert found == [], found
    print(f"screenshots in {tmp_path}")


# /metrics


def test_metrics_need_an_admin_key(site):
    client = site["app"].test_client()
    assert client.get("/metrics").get_json()["code"] == "API_KEY_MISSING"
    denied = client.get("/metrics", headers={"X-API-Key": site["tokens"]["verify"]})
    assert denied.status_code == 403 and denied.get_json()["code"] == "SCOPE_DENIED"
    shown = client.get("/metrics", headers={"X-API-Key": site["tokens"]["admin"]})
    assert shown.status_code == 200 and "eds_http_requests_total" in shown.get_data(as_text=True)


def test_metrics_on_their_own_listener_only(site, pki_dir):
    port = _free_port()
    app = create_app({"TESTING": True, "EDS_HOME": str(site["home"]), "EDS_TRUST": str(pki_dir),
                      "EDS_METRICS_BIND": f"127.0.0.1:{port}"})
    client = app.test_client()
    scraper = f"http://127.0.0.1:{port}"
    assert client.get("/metrics", base_url=scraper).status_code == 200  # no key on the metrics listener
    assert "eds_http_requests_total" in client.get("/metrics", base_url=scraper).get_data(as_text=True)
    for path in ("/healthz", "/verify", "/api/v1/documents/X", "/docs"):
        assert client.get(path, base_url=scraper).status_code == 404, path
    hidden = client.get("/metrics", headers={"X-API-Key": site["tokens"]["admin"]})  # the API's own listener
    assert hidden.status_code == 404 and hidden.get_json()["code"] == "NOT_FOUND"
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("value", ["9100", "host:", "host:port", "127.0.0.1:0", "127.0.0.1:70000", ":9100"])
def test_a_bad_metrics_bind_stops_the_start(value):
    with pytest.raises(SettingError) as caught:
        Settings.from_env({"EDS_METRICS_BIND": value})
    assert caught.value.code == "SETTING_INVALID" and caught.value.details == {"variable": "EDS_METRICS_BIND"}


def test_serve_refuses_the_api_port_for_metrics(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("EDS_HOME", str(tmp_path))
    monkeypatch.setenv("EDS_METRICS_BIND", "127.0.0.1:8123")
    assert serve("127.0.0.1", 8123, 1) == 2
    assert capsys.readouterr().err.startswith("eds: error: SETTING_INVALID: EDS_METRICS_BIND must name another port")


def _get(url: str, headers: dict | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:  # not listening (yet)
        return 0


def test_gunicorn_serves_metrics_on_the_second_bind_alone(site, pki_dir, tmp_path):
    """`eds serve` with EDS_METRICS_BIND: gunicorn listens on both; /metrics only on the second, nothing else there."""
    api_port, metrics_port = _free_port(), _free_port()
    env = {**os.environ, "EDS_HOME": str(site["home"]), "EDS_TRUST": str(pki_dir),
           "EDS_METRICS_BIND": f"127.0.0.1:{metrics_port}"}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "eds.cli", "serve", "--port", str(api_port),
                                    "--workers", "1"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while _get(f"http://127.0.0.1:{api_port}/healthz") != 200:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert _get(f"http://127.0.0.1:{metrics_port}/metrics") == 200
        assert _get(f"http://127.0.0.1:{metrics_port}/healthz") == 404
        assert _get(f"http://127.0.0.1:{metrics_port}/verify") == 404
        assert _get(f"http://127.0.0.1:{api_port}/metrics", {"X-API-Key": site["tokens"]["admin"]}) == 404
    finally:
        process.terminate()
        process.wait(timeout=20)


# Failed authentication


def test_failed_keys_are_limited_per_source_address(site, pki_dir):
    app = create_app({"TESTING": True, "EDS_HOME": str(site["home"]), "EDS_TRUST": str(pki_dir),
                      "EDS_AUTH_FAILURES_PER_MINUTE": "3"})
    client = app.test_client()
    attacker, neighbour = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.9"}
    good = {"X-API-Key": site["tokens"]["verify"]}

    def call(headers: dict, source: dict):
        return client.post("/api/v1/verify", json={}, headers=headers, environ_base=source)

    for _ in range(5):  # a missing key guesses nothing and is not counted
        assert call({}, attacker).get_json()["code"] == "API_KEY_MISSING"
    for guess in range(3):
        assert call({"X-API-Key": f"eds_{guess:012d}_guess"}, attacker).get_json()["code"] == "API_KEY_INVALID"
    limited = call({"X-API-Key": "eds_000000000009_guess"}, attacker)
    assert limited.status_code == 429 and limited.get_json()["code"] == "RATE_LIMITED"
    assert 1 <= limited.get_json()["details"]["retryAfter"] <= 20
    # refused before the key is looked at: a right key from that address is refused the same way, telling nothing
    assert call(good, attacker).status_code == 429
    # another address is not affected, and its right key works
    assert call({"X-API-Key": "eds_000000000001_guess"}, neighbour).get_json()["code"] == "API_KEY_INVALID"
    assert call(good, neighbour).get_json()["code"] == "FIELD_MISSING"  # authenticated: on to the body


def test_failed_basic_auth_of_the_ncanode_layer_counts_too(site, pki_dir):
    """NCANode's callers send the key as HTTP Basic's password: a wrong one is a failed attempt as well."""
    app = create_app({"TESTING": True, "EDS_HOME": str(site["home"]), "EDS_TRUST": str(pki_dir),
                      "EDS_AUTH_FAILURES_PER_MINUTE": "2"})
    client = app.test_client()
    source = {"REMOTE_ADDR": "203.0.113.8"}
    wrong = {"Authorization": "Basic " + base64.b64encode(b"eds:eds_000000000000_guess").decode()}
    statuses = [client.post("/ncanode/x509/info", json={"certs": []}, headers=wrong, environ_base=source).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]
    bearer = {"Authorization": f"Bearer {site['tokens']['verify']}"}  # refused before the key is looked at
    assert client.post("/ncanode/x509/info", json={"certs": []}, headers=bearer, environ_base=source).status_code == 429


def test_failed_attempts_refill_with_time(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    attempts = FailedAttempts(per_minute=6)  # one attempt back every 10 s
    for _ in range(6):
        attempts.check("a")
        attempts.failed("a")
    with pytest.raises(ApiError) as caught:
        attempts.check("a")
    assert caught.value.code == "RATE_LIMITED" and caught.value.details["retryAfter"] == 10
    clock[0] += 9.0
    with pytest.raises(ApiError):
        attempts.check("a")
    clock[0] += 1.0
    attempts.check("a")  # one more attempt allowed
    attempts.check("b")


def test_failed_attempts_keep_bounded_memory(monkeypatch):
    monkeypatch.setattr(FailedAttempts, "MAX_ADDRESSES", 100)
    attempts = FailedAttempts(per_minute=2)
    attempts.failed("attacker")
    attempts.failed("attacker")
    for n in range(500):
        attempts.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(attempts._buckets) <= 100
    with pytest.raises(ApiError):  # the address at its limit is the last one forgotten
        attempts.check("attacker")


# Idempotency-Key


def test_an_idempotency_key_belongs_to_the_api_key_that_used_it(site):
    client = site["app"].test_client()
    a = {"X-API-Key": site["tokens"]["portal_a"], "Idempotency-Key": "request-1"}
    b = {"X-API-Key": site["tokens"]["portal_b"], "Idempotency-Key": "request-1"}
    first_a = client.post("/api/v1/documents", json=_licence(), headers=a)
    assert first_a.status_code == 201, first_a.get_json()
    other = _licence()
    other["data"] = dict(other["data"], sites=other["data"]["sites"] + other["data"]["sites"][:1])
    first_b = client.post("/api/v1/documents", json=other, headers=b)  # another body: no 409, its own document
    assert first_b.status_code == 201, first_b.get_json()
    assert first_b.get_json()["number"] != first_a.get_json()["number"]
    again_a = client.post("/api/v1/documents", json=_licence(), headers=a)
    again_b = client.post("/api/v1/documents", json=other, headers=b)
    assert again_a.status_code == 201 and again_a.get_json()["number"] == first_a.get_json()["number"]
    assert again_b.status_code == 201 and again_b.get_json()["number"] == first_b.get_json()["number"]
    stored = site["app"].extensions["eds"].registry.document(first_a.get_json()["number"]).idempotency_key
    assert "request-1" not in stored  # stored as the key id and a digest of the value


def test_prepare_idempotency_is_scoped_too(site, cert_of):
    client = site["app"].test_client()
    body = {**_licence(), "signerCertificate": base64.b64encode(cert_of("official_region").der).decode()}
    body.pop("keyId")
    answers = {}
    for name in ("portal_a", "portal_b", "portal_a"):
        headers = {"X-API-Key": site["tokens"][name], "Idempotency-Key": "prepare-1"}
        response = client.post("/api/v1/documents/prepare", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        answers.setdefault(name, set()).add(response.get_json()["pendingId"])
    assert len(answers["portal_a"]) == 1 and answers["portal_a"] != answers["portal_b"]


def test_an_idempotency_key_too_long_is_a_field_error(site):
    client = site["app"].test_client()
    headers = {"X-API-Key": site["tokens"]["portal_a"], "Idempotency-Key": "k" * 201}
    for path, body in (("/api/v1/documents", _licence()),
                       (f"/api/v1/documents/{site['number']}/events",
                        {"event": "duplicate", "reason": "lost", "keyId": "official_region"})):
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code == 400 and answer.get_json()["details"]["field"] == "Idempotency-Key", path
