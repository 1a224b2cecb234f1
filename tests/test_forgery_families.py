"""The forgery families of issue 13 (tests/hostile/documents/corpus.py) through every public entry point.

Each case carries the verdict ``DocumentVerifier.verify`` must give (and ``RequestChecker.check`` where a
received request or a PDF is judged otherwise). Family 1 (one file is one format) and the claim-free cases of
family 2 also go through ``POST /api/v1/verify``, ``POST /api/v1/requests/verify`` and the public page
``POST /verify``: the same reading everywhere, and never a 500.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re

import pytest

from api import create_app
from eds.issuing.access import ApiKeys
from eds.pki.revocation import OcspClient
from eds.signatures import cms, xmldsig
from eds.validation.request_check import RequestChecker
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from hostile.documents.corpus import CASES, FAMILIES, Case, Expect, Material, make_material

NAMES = sorted(CASES)
THROUGH_HTTP = [n for n in NAMES if "certificate" not in n]  # the API names
# expected signers by IIN/BIN only
ON_THE_PAGE = [n for n in NAMES if n.startswith(("f1_", "f2_")) or n.endswith("_no_expectations")]


@pytest.fixture(scope="session")
def material(pki_dir, manifest, pki_server, profile) -> Material:
    return make_material(pki_dir, manifest, profile)


@pytest.fixture(scope="session")
def built(material):
    cache: dict[str, Case] = {}

    def get(name: str) -> Case:
        if name not in cache:
            cache[name] = CASES[name](material)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def checker(profile, pki_server) -> SignerChecker:
    return SignerChecker(profile, ocsp_client=OcspClient(timeout=2, retries=0))


@pytest.fixture(scope="session")
def verifier(checker) -> DocumentVerifier:
    return DocumentVerifier(checker)


@pytest.fixture(scope="session")
def requests(checker) -> RequestChecker:
    return RequestChecker(checker)


@pytest.fixture(scope="session")
def http(tmp_path_factory, pki_dir, pki_server):
    home = tmp_path_factory.mktemp("forgery-families")
    app = create_app({"TESTING": True, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir)})
    token = ApiKeys(home / "api-keys.json").create("families", ["verify"])
    return app.test_client(), {"X-API-Key": token}


def _codes(report: dict) -> list[str]:
    return [reason["code"] for reason in report["reasons"]]


def _explain(report: dict) -> str:
    return json.dumps({"indication": report["indication"], "reasons": _codes(report), "format": report.get("format"),
                       "checks": [(c["name"], c["status"], c.get("code")) for c in report.get("checks", [])],
                       "signatures": [[(c["name"], c["status"], c.get("code")) for c in s["checks"]]
                                      for s in report.get("signatures", [])]}, ensure_ascii=False)


def assert_verdict(report: dict, expect: Expect) -> None:
    assert report["indication"] == expect.indication, _explain(report)
    if expect.reasons:
        assert set(_codes(report)) & expect.reasons, _explain(report)
    if expect.format is not None:
        assert report["format"] == expect.format, _explain(report)
    assert report["accepted"] is (expect.indication == "TOTAL_PASSED")


def assert_times(report: dict, case: Case) -> None:
    """A claimed time is shown only as claimed; a timestamp's time is the signing time."""
    for signature in report["signatures"]:
        if signature.get("timeSource") == "timestamp":
            assert signature["signingTime"] is not None
        else:
            assert signature["signingTime"] is None, signature
        if case.claimed_time:
            assert signature["signingTime"] is None and signature.get("claimedSigningTime"), signature


def assert_signers(report: dict, case: Case) -> None:
    signers = report.get("signers")
    if not report["signatures"]:
        return
    assert signers is not None and signers["checked"] is (case.claims.signers is not None), signers
    assert len(signers["found"]) == len([s for s in report["signatures"] if s.get("kind") != "document-timestamp"])
    if case.signers_found is not None:
        assert len(signers["found"]) == case.signers_found and all(s["iin"] for s in signers["found"]), signers


@pytest.mark.parametrize("name", NAMES)
def test_document_verifier(name, built, verifier):
    case = built(name)
    report = verifier.verify(case.data, at=case.at, detached_content=case.detached, claims=case.claims).to_dict()
    json.dumps(report)
    assert_verdict(report, case.verify)
    assert_times(report, case)
    assert_signers(report, case)


@pytest.mark.parametrize("name", NAMES)
def test_request_checker(name, built, requests):
    case = built(name)
    report = requests.check(case.data, at=case.at, detached_content=case.detached, claims=case.claims).to_dict()
    assert_verdict(report, case.on_request)
    assert_times(report, case)


def _api_body(case: Case) -> dict:
    body = {"document": base64.b64encode(case.data).decode()}
    if case.detached is not None:
        body["detachedContent"] = base64.b64encode(case.detached).decode()
    if case.at is not None:
        body["at"] = case.at.isoformat()
    if case.claims.signers is not None:
        assert all(s.certificates is None for s in case.claims.signers)
        body["expectedSigners"] = [s.to_dict() for s in case.claims.signers]
    return body


@pytest.mark.parametrize("name", THROUGH_HTTP)
def test_api_verify(name, built, http):
    case = built(name)
    client, headers = http
    response = client.post("/api/v1/verify", json=_api_body(case), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert_verdict(response.get_json(), case.verify)
    assert_times(response.get_json(), case)


@pytest.mark.parametrize("name", THROUGH_HTTP)
def test_api_request_verify(name, built, http):
    case = built(name)
    client, headers = http
    response = client.post("/api/v1/requests/verify", json=_api_body(case), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert_verdict(response.get_json(), case.on_request)


@pytest.mark.parametrize("name", [n for n in THROUGH_HTTP if n.startswith("f1_")])
def test_api_multipart_upload(name, built, http):
    """The raw file as a multipart upload: no transport encoding between the bytes and the verifier."""
    case = built(name)
    client, headers = http
    response = client.post("/api/v1/verify", headers=headers, content_type="multipart/form-data",
                           data={"document": (io.BytesIO(case.data), "upload.bin")})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert_verdict(response.get_json(), case.verify)


def _page_verdict(client, case) -> None:
    response = client.post("/verify?lang=en", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(case.data), "upload.bin")})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    heading = re.search(r'<section class="report"><h2[^>]*>([^<]*)</h2>', page)
    assert heading, page[:2000]
    assert html.unescape(heading.group(1)).split(" / ")[0] == case.verify.indication, heading.group(1)
    shown = set(re.findall(r'<ul class="reasons">.*?</ul>', page, re.S) and
                re.findall(r"<li><code>([A-Z_]+)</code>", page))
    if case.verify.reasons:
        assert shown & case.verify.reasons, (shown, case.verify.reasons)


def test_public_page(built, http):
    """Every case the page can take (one file, verified now) gets the verifier's verdict there too."""
    client, _headers = http
    taken = [case for case in map(built, ON_THE_PAGE) if case.detached is None and case.at is None]
    assert len(taken) >= len(ON_THE_PAGE) - 4
    for case in taken:
        _page_verdict(client, case)


def test_polyglots_are_genuine_in_their_other_reading(built):
    """What makes a polyglot dangerous: refused as ambiguous, it would verify as the XML or CMS it also is."""
    polyglots = [case for case in map(built, [n for n in NAMES if n.startswith("f1_")])
                 if case.verify.reasons == {"AMBIGUOUS_FORMAT"}]
    assert len(polyglots) >= 8
    for case in polyglots:
        if case.data.startswith((b"<", "\ufeff<".encode(), b"\xff\xfe", b"\xfe\xff")):
            assert xmldsig.verify_xml(case.data).intact
        else:
            assert cms.verify_cms(case.data).intact


def test_every_family_has_cases_and_controls():
    for prefix in FAMILIES:
        names = [n for n in NAMES if n.startswith(prefix + "_")]
        assert len(names) >= 5, prefix
        assert any("control" in n or "exact" in n for n in names), prefix
