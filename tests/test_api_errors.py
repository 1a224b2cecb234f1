"""How the API answers a library's refusal: the public code, the HTTP status, the message and the details.

Each refusal is raised by a stand-in for the library inside a real endpoint, so what is checked is the whole
path from the library's error to the JSON a caller reads.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from api import create_app
from eds.issuing.access import AccessError, Client
from eds.issuing.documents import DocumentDataError
from eds.issuing.documents.schema import Issue
from eds.issuing.issuer import IssuingError
from eds.issuing.registry import ErrorCode, RegistryError
from eds.issuing.two_step import TwoStepError
from eds.pki.keys import KeyStoreError
from eds.pki.trust import TrustError
from eds.signatures import cms, xmldsig
from eds.signatures.pades import PdfSigningError
from eds.signatures.tsp import TimestampError

# Where the stand-in raises: the endpoint called and the library call that refuses.
CALLS = {
    "auth": ("/api/v1/certificates/check", {"certificate": "AA=="}),
    "check": ("/api/v1/certificates/check", {"certificate": "AA=="}),
    "issue": ("/api/v1/documents", {"type": "t", "providerId": "P", "keyId": "k", "data": {}}),
    "prepare": ("/api/v1/documents/prepare", {"type": "t", "providerId": "P", "signerCertificate": "AA==",
                                              "data": {}}),
    "key": ("/api/v1/signatures/xml", {"document": "AA==", "keyId": "k"}),
    "sign_xml": ("/api/v1/signatures/xml", {"document": "AA==", "keyId": "k"}),
    "sign_cms": ("/api/v1/signatures/cms", {"content": "AA==", "keyId": "k", "timestamp": True}),
}
_KEY = SimpleNamespace(key_id="k", private_key=None, chain=(),
                       certificate=SimpleNamespace(der=b"", describe=lambda: {"subject": {}}))
_CLIENT = Client("id", "portal", frozenset({"admin"}), frozenset({"*"}), 600)
_TWO_STEP = {"cause": "DIGEST_MISMATCH", "size": 5}

CASES = [
    # (where, error, status, code, details, message)
    ("auth", AccessError("API_KEY_MISSING", "no key"), 401, "API_KEY_MISSING", {}, "no key"),
    ("auth", AccessError("RATE_LIMITED", "slow down"), 429, "RATE_LIMITED", {}, "slow down"),
    ("check", TrustError("TRUST_NO_ANCHORS", "no anchors", {"x": 1}), 503, "DEPENDENCY_UNAVAILABLE",
     {"cause": "TRUST_NO_ANCHORS"}, "no anchors"),
    ("key", KeyStoreError("KEY_NOT_FOUND", "no key k"), 404, "NOT_FOUND", {"field": "keyId"}, "no key k"),
    ("key", KeyStoreError("KEY_UNREADABLE", "unreadable"), 503, "DEPENDENCY_UNAVAILABLE",
     {"cause": "KEY_UNREADABLE"}, "unreadable"),
    ("issue", KeyStoreError("KEY_NOT_FOUND", "no key k"), 404, "NOT_FOUND", {"cause": "KEY_NOT_FOUND"}, "no key k"),
    ("issue", TrustError("TRUST_BAD_ANCHOR", "bad"), 503, "DEPENDENCY_UNAVAILABLE", {"cause": "TRUST_BAD_ANCHOR"},
     "bad"),
    ("issue", DocumentDataError([Issue("licensee.bin", "IDENTITY_CHECKSUM", "wrong check digit")]), 422,
     "UNPROCESSABLE", {"issues": [{"field": "licensee.bin", "code": "IDENTITY_CHECKSUM",
                                   "message": "wrong check digit"}]}, "the document data is not valid"),
    ("issue", IssuingError("PROVIDER_MISMATCH", "not the BIN", {"field": "provider.bin"}), 422, "UNPROCESSABLE",
     {"cause": "PROVIDER_MISMATCH", "field": "provider.bin"}, "not the BIN"),
    ("issue", IssuingError("SIGNER_NOT_AUTHORISED", "may not", {"cause": "SIGNER_NOT_AUTHORISED"}), 422,
     "UNPROCESSABLE", {"cause": "SIGNER_NOT_AUTHORISED", "detail": "SIGNER_NOT_AUTHORISED"}, "may not"),
    ("issue", IssuingError("SIGNER_CHECK_FAILED", "check", {"reasons": ["CERT_REVOKED"]}), 422, "UNPROCESSABLE",
     {"cause": "SIGNER_CHECK_FAILED", "reasons": ["CERT_REVOKED"]}, "check"),
    ("issue", IssuingError("SIGNER_CHECK_FAILED", "check", {"reasons": ["REVOCATION_UNKNOWN"]}), 503,
     "DEPENDENCY_UNAVAILABLE", {"cause": "SIGNER_CHECK_FAILED", "reasons": ["REVOCATION_UNKNOWN"]}, "check"),
    ("issue", PdfSigningError("TIMESTAMP_UNAVAILABLE", "no TSA"), 503, "DEPENDENCY_UNAVAILABLE",
     {"cause": "TIMESTAMP_UNAVAILABLE"}, "no TSA"),
    ("issue", PdfSigningError("SIGNATURE_TOO_LARGE", "too big", {"size": 9}), 422, "UNPROCESSABLE",
     {"cause": "SIGNATURE_TOO_LARGE"}, "too big"),
    *[("issue", RegistryError(code, "said", {"z": 3}), status, public, {"cause": str(code)}, f"{code}: said")
      for code, status, public in [
          (ErrorCode.NOT_FOUND, 404, "NOT_FOUND"), (ErrorCode.CONFLICT, 409, "CONFLICT"),
          (ErrorCode.INVALID_TRANSITION, 409, "CONFLICT"), (ErrorCode.EXPIRED, 409, "CONFLICT"),
          (ErrorCode.INVALID_INPUT, 422, "UNPROCESSABLE"), (ErrorCode.SIGNER_NOT_AUTHORISED, 422, "UNPROCESSABLE"),
          (ErrorCode.DATABASE_BUSY, 503, "REGISTRY_BUSY"),
          (ErrorCode.DATABASE_UNAVAILABLE, 503, "DEPENDENCY_UNAVAILABLE")]],
    ("prepare", TwoStepError("PENDING_NOT_FOUND", "gone", _TWO_STEP), 404, "NOT_FOUND",
     {"cause": "PENDING_NOT_FOUND", "detail": "DIGEST_MISMATCH", "size": 5}, "gone"),
    ("prepare", TwoStepError("PENDING_EXPIRED", "late", _TWO_STEP), 409, "CONFLICT",
     {"cause": "PENDING_EXPIRED", "detail": "DIGEST_MISMATCH", "size": 5}, "late"),
    ("prepare", TwoStepError("TIMESTAMP_UNAVAILABLE", "no TSA", _TWO_STEP), 503, "DEPENDENCY_UNAVAILABLE",
     {"cause": "TIMESTAMP_UNAVAILABLE", "detail": "DIGEST_MISMATCH", "size": 5}, "no TSA"),
    ("prepare", TwoStepError("SIGNATURE_MISMATCH", "other", _TWO_STEP), 422, "UNPROCESSABLE",
     {"cause": "SIGNATURE_MISMATCH", "detail": "DIGEST_MISMATCH", "size": 5}, "other"),
    ("prepare", TwoStepError("SIGNER_CHECK_FAILED", "check", {"reasons": ["REVOCATION_UNKNOWN"]}), 503,
     "DEPENDENCY_UNAVAILABLE", {"cause": "SIGNER_CHECK_FAILED", "reasons": ["REVOCATION_UNKNOWN"]}, "check"),
    ("prepare", RegistryError(ErrorCode.EXPIRED, "expired"), 409, "CONFLICT", {"cause": "EXPIRED"},
     "EXPIRED: expired"),
    ("sign_xml", xmldsig.XmlDsigError("XML_MALFORMED", "bad xml"), 422, "UNPROCESSABLE", {"cause": "XML_MALFORMED"},
     "XML_MALFORMED: bad xml"),
    ("sign_cms", TimestampError("TSA_UNAVAILABLE", "no tsa", {"url": "u"}), 503, "DEPENDENCY_UNAVAILABLE", {},
     "the TSA did not give a timestamp: TSA_UNAVAILABLE: no tsa"),
    ("sign_cms", cms.CmsError("CERTIFICATE_KEY_MISMATCH", "the private key does not belong to the certificate"), 422,
     "UNPROCESSABLE", {}, "CERTIFICATE_KEY_MISMATCH: the private key does not belong to the certificate"),
    ("sign_cms", cms.CmsError("DIGEST_MISMATCH", "the existing signers signed other content"), 422,
     "UNPROCESSABLE", {}, "DIGEST_MISMATCH: the existing signers signed other content"),
]


def _raise(error: Exception):
    def call(*args, **kwargs):
        raise error

    return call


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app({"TESTING": True, "EDS_HOME": str(tmp_path_factory.mktemp("errors"))})
    app.logger.disabled = True
    return app


def _answer(app, monkeypatch, where: str, error: Exception, language: str = "en"):
    refuse = _raise(error)
    app.extensions["eds"] = SimpleNamespace(
        api_keys=SimpleNamespace(authenticate=refuse if where == "auth" else lambda token: _CLIENT),
        signer_checker=SimpleNamespace(check=refuse), issuer=SimpleNamespace(issue=refuse),
        two_step=SimpleNamespace(prepare=refuse), keys=SimpleNamespace(get=refuse if where == "key" else lambda k: _KEY),
        profile=SimpleNamespace(tsa_url="http://tsa.invalid"))
    monkeypatch.setattr(xmldsig, "sign_xml", refuse)
    monkeypatch.setattr(cms, "sign_cms", refuse)
    url, body = CALLS[where]
    response = app.test_client().post(url, json=body, headers={"X-API-Key": "x", "Accept-Language": language})
    answer = response.get_json()
    answer.pop("requestId", None)
    return response.status_code, answer


@pytest.mark.parametrize(("where", "error", "status", "code", "details", "message"), CASES,
                         ids=[f"{c[0]}-{type(c[1]).__name__}-{getattr(c[1], 'code', '')}" for c in CASES])
def test_library_refusals_read_as_public_codes(app, monkeypatch, where, error, status, code, details, message):
    assert _answer(app, monkeypatch, where, error) == (status, {"code": code, "message": message,
                                                                "details": details})


def test_other_languages_read_the_catalogue_and_keep_the_library_text_as_detail(app, monkeypatch):
    status, answer = _answer(app, monkeypatch, "issue", RegistryError(ErrorCode.CONFLICT, "used"), "ru")
    assert (status, answer) == (409, {"code": "CONFLICT", "message": "Конфликт",
                                      "details": {"cause": "CONFLICT", "detail": "CONFLICT: used"}})
    status, answer = _answer(app, monkeypatch, "auth", AccessError("API_KEY_INVALID", "not valid"), "kk")
    assert (status, answer) == (401, {"code": "API_KEY_INVALID", "message": "API кілті жарамсыз",
                                      "details": {"detail": "not valid"}})
    # The library's own cause is the detail in English, and gives way to the library's text in other languages.
    error = IssuingError("SIGNER_NOT_AUTHORISED", "may not", {"cause": "SIGNER_NOT_AUTHORISED"})
    assert _answer(app, monkeypatch, "issue", error, "ru")[1]["details"] == {"cause": "SIGNER_NOT_AUTHORISED",
                                                                            "detail": "may not"}
