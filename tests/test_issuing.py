"""Issuing every document type and life event, checked by pyHanko, poppler, xmlsec1 and a QR decoder."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import subprocess

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from eds.issuing.documents import DocumentDataError
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.issuer import Issuer, IssuingError, IssuingOptions
from eds.issuing.keystore import load_keys
from eds.issuing.registry import Registry, RegistryError
from eds.pki.revocation import Policy
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from test_pki import demo



@pytest.fixture(scope="module")
def issuer(tmp_path_factory, pki_dir, profile, pki_server):
    home = tmp_path_factory.mktemp("issuing")
    registry = Registry.open(f"sqlite:///{home / 'registry.db'}")
    demo.bootstrap(home, pki_dir, registry)
    keys = load_keys(home / "keys.json")
    return Issuer(registry, SignerChecker(profile), keys,
                  IssuingOptions(public_url="https://eds.example.kz", timestamp_url=profile.tsa_url))


def example(doc_type: str) -> dict:
    return copy.deepcopy(EXAMPLES[doc_type])


def issue(issuer, doc_type: str, **kwargs):
    provider, key = demo.issuer_of(doc_type, EXAMPLES[doc_type])  # each service under its own provider
    return issuer.issue(doc_type, example(doc_type), provider_id=provider, key_id=key, actor="test", **kwargs)


def pyhanko_status(pdf: bytes, pki_dir):
    roots = [asn1_x509.Certificate.load(pem.unarmor(p.read_bytes())[2]) for p in (pki_dir / "anchors").glob("*.pem")]
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    context = ValidationContext(trust_roots=roots, allow_fetching=True)
    return asyncio.run(async_validate_pdf_signature(signature, context))


@pytest.mark.parametrize("doc_type", sorted(EXAMPLES))
def test_every_type_issues_and_verifies_everywhere(issuer, doc_type, pki_dir, tmp_path):
    document = issue(issuer, doc_type)
    assert str(document.status) == "valid"
    pdf = issuer.registry.file(document.number, "pdf")
    xml = issuer.registry.file(document.number, "xml")
    # our verifier, online and offline (B-LT evidence embedded)
    assert DocumentVerifier(issuer.signer_checker).verify(pdf).passed
    offline = DocumentVerifier(SignerChecker(issuer.signer_checker.profile, policy=Policy.OFFLINE)).verify(pdf)
    assert offline.passed, offline.to_dict()["reasons"]
    assert offline.signatures[0].time_source == "timestamp"
    assert {e.source for e in offline.signatures[0].revocation} == {"document"}
    # pyHanko's own validator
    status = pyhanko_status(pdf, pki_dir)
    assert status.intact and status.valid and status.bottom_line, status.pretty_print_details()
    # poppler
    (tmp_path / "d.pdf").write_bytes(pdf)
    pdfsig = subprocess.run(["pdfsig", str(tmp_path / "d.pdf")], capture_output=True).stdout.decode("utf-8", "replace")
    assert "Signature Validation: Signature is Valid." in pdfsig
    # xmlsec1 on the XML twin
    (tmp_path / "d.xml").write_bytes(xml)
    xmlsec = subprocess.run(["xmlsec1", "--verify", "--trusted-pem", str(pki_dir / "anchors/root_rsa.pem"),
                             "--untrusted-pem", str(pki_dir / "ca/ca_rsa.pem"), str(tmp_path / "d.xml")],
                            capture_output=True, text=True)
    assert xmlsec.returncode == 0, xmlsec.stderr
    # the QR code opens the public page of this number, with the record's own unguessable token
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "d.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(str(p) for p in tmp_path.glob("page*.png"))
    qr = subprocess.run(["zbarimg", "--raw", "-q", *pages], capture_output=True).stdout.decode("utf-8", "replace")
    qr = qr.strip()
    token = issuer.registry.access_token(document.number)
    assert len(token) >= 22 and qr == f"https://eds.example.kz/verify/{document.number}?t={token}"


def test_life_events(issuer):
    licence = issue(issuer, "scrap_metal_licence")
    duplicate = issuer.duplicate(licence.number, key_id="official_region", actor="test", reason="lost")
    assert duplicate.original_number == licence.number
    pdf = issuer.registry.file(duplicate.number, "pdf")
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "ТЕЛНҰСҚА / ДУБЛИКАТ" in out and licence.number in out
    renewed = issuer.reissue(licence.number, key_id="official_region", actor="test", reason="address_change")
    assert renewed.supersedes == licence.number
    assert str(issuer.registry.document(licence.number).status) == "superseded"
    assert str(issuer.suspend(renewed.number, actor="test", reason="inspection").status) == "suspended"
    assert str(issuer.resume(renewed.number, actor="test", reason="done").status) == "valid"
    assert str(issuer.terminate(renewed.number, actor="test", reason="request").status) == "terminated"
    with pytest.raises(RegistryError) as exc:
        issuer.resume(renewed.number, actor="test", reason="again")
    assert exc.value.code == "INVALID_TRANSITION"
    assert [str(e.kind) for e in issuer.registry.events(renewed.number)][-3:] == ["suspended", "resumed", "terminated"]
    assert issuer.registry.verify_journal().ok


def test_idempotent_issue(issuer):
    first = issue(issuer, "restoration_consent", idempotency_key="req-42")
    again = issue(issuer, "restoration_consent", idempotency_key="req-42")
    assert again.number == first.number


def test_who_may_sign(issuer):
    # the region's official is not authorised for the ministry's TV licences
    with pytest.raises(IssuingError) as exc:
        issuer.issue("tv_radio_licence", example("tv_radio_licence"), provider_id="MCI", key_id="official_region",
                     actor="test")
    assert exc.value.code == "SIGNER_NOT_AUTHORISED"
    data = dict(example("scrap_metal_licence"), provider={"name": {"kk": "x", "ru": "x"}, "bin": "000000000000"})
    with pytest.raises(IssuingError) as exc:
        issuer.issue("scrap_metal_licence", data, provider_id="ZHM", key_id="official_region", actor="test")
    assert exc.value.code == "PROVIDER_MISMATCH"


def test_an_unknown_provider_or_a_registry_outage_is_not_a_refused_signer(issuer, monkeypatch):
    key = issuer.keys.get("official_region")
    with pytest.raises(RegistryError) as exc:
        issuer.authorise("NOPE", "scrap_metal_licence", {}, key)
    assert exc.value.code == "NOT_FOUND"

    def outage(*args, **kwargs):
        raise RegistryError("DATABASE_UNAVAILABLE", "the registry database cannot be reached or failed")

    monkeypatch.setattr(issuer.registry, "signing_authority", outage)
    with pytest.raises(RegistryError) as exc:
        issuer.authorise("ZHM", "scrap_metal_licence", {}, key)
    assert exc.value.code == "DATABASE_UNAVAILABLE"


def test_revoked_official_cannot_sign(issuer, pki_server):
    pki_server.pki.revoke("official_region", "key_compromise")
    try:
        checker = SignerChecker(issuer.signer_checker.profile)
        blocked = Issuer(issuer.registry, checker, issuer.keys, issuer.options)
        before = len(issuer.registry.events(issue(issuer, "scrap_metal_licence").number))
        with pytest.raises(IssuingError) as exc:
            blocked.issue("scrap_metal_licence", example("scrap_metal_licence"), provider_id="ZHM",
                          key_id="official_region", actor="test")
        assert exc.value.code == "SIGNER_CHECK_FAILED" and exc.value.details["reasons"] == ["CERT_REVOKED"]
        assert before == 1
    finally:
        state = json.loads((pki_server.pki.root / "state.json").read_text())
        del state["revoked"]["official_region"]
        (pki_server.pki.root / "state.json").write_text(json.dumps(state))


def test_bad_data_names_the_field(issuer):
    data = example("scrap_metal_licence")
    data["licensee"] = dict(data["licensee"], bin="123")
    with pytest.raises(DocumentDataError) as exc:
        issuer.issue("scrap_metal_licence", data, provider_id="ZHM", key_id="official_region", actor="test")
    assert exc.value.as_list()[0]["field"] == "licensee.bin"


def test_embedded_evidence_is_younger_than_the_timestamp(issuer):
    """Evidence proves the status at the trusted time for years only if it was produced after that time: cached
    answers from before signing (the signer check before issuing) must not be embedded."""
    from cryptography.x509 import ocsp

    from eds.issuing.issuer import _signature_timestamp
    from eds.validation.verify import read_dss

    first = issue(issuer, "restoration_consent")
    second = issue(issuer, "restoration_consent")  # the OCSP answers of the first are in the cache now
    for document in (first, second):
        signed = issuer.registry.file(document.number, "pdf")
        stamp = _signature_timestamp(signed)
        embedded = read_dss(PdfFileReader(io.BytesIO(signed)))
        assert len(embedded.ocsp_responses) >= 2  # the signer's and the TSA's
        for der in embedded.ocsp_responses:
            assert ocsp.load_der_ocsp_response(der).this_update_utc >= stamp.gen_time
