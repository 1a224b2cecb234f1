"""Hostile requests through the real Flask app: each gets its documented status and error code, in the
``{code, message, details}`` shape, and none gets a 500."""

from __future__ import annotations


import pytest

from api import create_app
from hostile.api.corpus import REQUESTS, Request, make_tokens, send
from test_pki import demo


@pytest.fixture(scope="module")
def env(tmp_path_factory, pki_dir, manifest, pki_server):
    home = tmp_path_factory.mktemp("api-hostile")
    demo.write_keys(home, pki_dir, {name: pki_dir / f"users/official_{name}.p12" for name in ("ministry", "region")})
    # the corpus sends hundreds of wrong keys from one address: each must be answered, not rate limited
    settings = {"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir), "EDS_AUTH_FAILURES_PER_MINUTE": 10**9}
    apps = {"main": create_app(settings), "small": create_app({**settings, "EDS_MAX_BODY": "2000"})}
    return apps, make_tokens(home)


@pytest.mark.parametrize("request_", REQUESTS, ids=[r.name for r in REQUESTS])
def test_hostile_request(env, request_: Request):
    apps, tokens = env
    response = send(apps, tokens, request_)
    body = response.get_json(silent=True)
    assert response.status_code == request_.status, (response.status_code, response.get_data(as_text=True)[:300])
    assert isinstance(body, dict) and set(body) >= {"code", "message", "details"}, body
    assert body["code"] == request_.code and isinstance(body["details"], dict) and body["message"]
    if request_.field is not None:
        assert body["details"].get("field") == request_.field, body
    assert "Traceback" not in response.get_data(as_text=True)


def test_corpus_covers_every_endpoint_and_error():
    statuses = {r.status for r in REQUESTS}
    assert statuses == {400, 401, 403, 404, 405, 413, 415, 429}
    assert len(REQUESTS) >= 400
