"""The OpenAPI description is complete (every body, answer and field described, the per-type data schemas with
their examples, the error codes per status), and /docs is Swagger UI served from the app itself: in a real
Chromium it shows every operation and asks nothing of any other host."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import jsonschema_rs
import pytest
from werkzeug.serving import make_server

from api import create_app
from api.errors import STATUS
from api.openapi import SPEC, codes
from eds.issuing.documents import DOCUMENT_TYPES
from eds.issuing.documents.examples import EXAMPLES

SCHEMAS = SPEC["components"]["schemas"]
SHOTS = Path(os.environ["EDS_SCREENSHOTS"]) if os.environ.get("EDS_SCREENSHOTS") else None  # to look at them


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _operations():
    for path, methods in SPEC["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _validator(name: str) -> jsonschema_rs.Validator:
    """A validator of one component that resolves the spec's other components."""
    document = {"components": {"schemas": SCHEMAS}, **SCHEMAS[name]}
    return jsonschema_rs.Draft202012Validator(document, validate_formats=True)


def test_every_operation_describes_its_body_and_answers():
    for path, method, operation in _operations():
        assert operation.get("summary") and operation.get("tags"), (method, path)
        for status, answer in operation["responses"].items():
            assert answer.get("description"), (method, path, status)
            for media, content in answer.get("content", {}).items():
                assert "schema" in content, (method, path, status, media)
            if int(status) >= 400 and path.startswith("/api/"):  # /readyz answers 503 with its checks
                assert answer["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/Error{status}"}
        body = operation.get("requestBody")
        if body is None:
            continue
        for media, content in body["content"].items():
            schema = _resolve(content["schema"])
            variants = [_resolve(v) for v in schema.get("oneOf", [schema])]
            for variant in variants:
                for name, field in variant["properties"].items():
                    assert _resolve(field).get("description"), (method, path, media, name)


def test_binary_fields_say_how_they_travel():
    for name, field, raw in (("VerifyRequest", "document", ("XML", "PEM")), ("CompleteRequest", "signedXml", ("XML",)),
                             ("CertificateCheckRequest", "certificate", ("PEM",)), ("SignCmsRequest", "content", ()),
                             ("CompleteRequest", "cms", ()), ("RequestVerifyRequest", "detachedContent", ())):
        text = SCHEMAS[name]["properties"][field]["description"]
        assert "Base64" in text and "multipart form: a file" in text, (name, field)
        assert ("XML itself" in text) == ("XML" in raw) and ("PEM text itself" in text) == ("PEM" in raw), text
    form = SPEC["paths"]["/api/v1/verify"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["document"]["format"] == "binary"


@pytest.mark.parametrize("type_id", list(DOCUMENT_TYPES))
def test_each_type_has_its_data_schema_and_example(type_id):
    data = SCHEMAS[f"DocumentData.{type_id}"]
    assert data["examples"] == [EXAMPLES[type_id]]
    for name, field in data["properties"].items():
        assert field["title"] and field["description"], name
    validator = _validator(f"DocumentData.{type_id}")
    assert validator.is_valid(EXAMPLES[type_id])
    assert not validator.is_valid({**EXAMPLES[type_id], "no_such_field": "x"})
    holder = DOCUMENT_TYPES[type_id].holder_field
    assert not validator.is_valid({**EXAMPLES[type_id], holder: {**EXAMPLES[type_id][holder], "name": 5}})
    # the whole request, with its example, picks this type's variant
    issue = _validator("IssueRequest")
    example = SPEC["paths"]["/api/v1/documents"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert issue.is_valid(example[type_id]["value"])
    assert not issue.is_valid({**example[type_id]["value"], "type": "no_such_type"})


def test_each_error_status_lists_its_codes():
    listed = set()
    for name, schema in SCHEMAS.items():
        if name.startswith("Error") and name != "Error":
            enum = schema["allOf"][1]["properties"]["code"]["enum"]
            assert enum == codes(int(name[5:])) and enum
            listed.update(enum)
    assert listed == {code for code, status in STATUS.items() if status not in (405, 500)}
    complete = SPEC["paths"]["/api/v1/documents/prepared/{pending_id}/complete"]["post"]
    assert {"200", "201", "409"} <= set(complete["responses"]) and "ALREADY_COMPLETED" in complete["description"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = create_app({"TESTING": True, "EDS_HOME": str(tmp_path_factory.mktemp("docs"))})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"app": app, "url": f"http://127.0.0.1:{port}"}
    server.shutdown()


def test_the_page_and_swagger_ui_files_come_from_the_app(site):
    client = site["app"].test_client()
    html = client.get("/docs").get_data(as_text=True)
    assert "/docs/static/swagger-ui-bundle.js" in html and "/docs/static/swagger-ui.css" in html
    assert "http" not in html.replace('lang="en"', "")  # no absolute URL: nothing from elsewhere
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/static/../../../etc/passwd").status_code == 404


def test_swagger_ui_in_a_real_browser_asks_no_other_host(site, tmp_path):
    from playwright.sync_api import sync_playwright

    operations = sum(1 for _ in _operations())
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{site['url']}/docs")
        page.wait_for_selector(".opblock-summary")
        assert page.locator(".opblock").count() == operations
        assert "eds API" in page.inner_text(".info .title")
        page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
        # the issuing operation: its per-type examples and the data schema of the type
        page.locator("#operations-documents-post_api_v1_documents .opblock-summary").click()
        page.wait_for_selector("#operations-documents-post_api_v1_documents .examples-select")
        choices = page.locator("#operations-documents-post_api_v1_documents .examples-select option").all_inner_texts()
        assert len(choices) == len(DOCUMENT_TYPES) and any("scrap_metal_licence" in c for c in choices)
        operation = "#operations-documents-post_api_v1_documents"
        scrap = next(c for c in choices if "scrap_metal_licence" in c)
        page.locator(f"{operation} .examples-select select").select_option(label=scrap)
        body = page.inner_text(f"{operation} .body-param__example")
        assert '"type": "scrap_metal_licence"' in body and '"sites"' in body
        page.locator(operation).screenshot(path=str(tmp_path / "docs-issue.png"))
        if SHOTS:
            for name in ("docs.png", "docs-issue.png"):
                (SHOTS / name).write_bytes((tmp_path / name).read_bytes())
        browser.close()
    assert requested and all(url.startswith(site["url"] + "/") for url in requested), requested
    assert (tmp_path / "docs-issue.png").stat().st_size > 20_000
