"""The JSON of real reports, pinned: key names, key order, which keys are present or null, and every value
that does not change from one generated test PKI to the next.

The API, the CLI and integrators read this JSON; a change to the report's internals must leave it alone.
Values that differ per run (times, fingerprints, the services' port) are masked before comparing with
``golden/report_json.json``; set EDS_PIN_REPORTS=1 to write that file again after a deliberate change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from eds.issuing.documents import render_pdf, validate
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES
from eds.issuing.issuer import long_term_data
from eds.pki.keys import SigningKey
from eds.pki.revocation import OcspClient, Policy
from eds.signatures import cms, tsp, xmldsig
from eds.signatures import pades as pdf
from eds.validation.report import DocumentReport, SignatureReport
from eds.validation.request_check import Claims, ExpectedSigner, RequestChecker
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier

GOLDEN = Path(__file__).parent / "golden" / "report_json.json"
_MASKS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2})?"), "<time>"),
    (re.compile(r"\b[0-9a-f]{16,}\b"), "<hex>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
)


def _masked(value):
    """``value`` with the per-run parts replaced by placeholders; dict key order is kept."""
    if isinstance(value, dict):
        crl = value.get("type") == "CRL"  # the test CAs number their CRLs by the time they make them
        return {key: "<number>" if crl and key == "number" else _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, str):
        for pattern, placeholder in _MASKS:
            value = pattern.sub(placeholder, value)
    return value


def _request(iin: str) -> bytes:
    return f"<request><service>scrap_metal_licence</service><applicant><iin>{iin}</iin></applicant></request>".encode()


@pytest.fixture(scope="module")
def key_of(pki_dir, manifest):
    def load(name: str) -> SigningKey:
        info = manifest["identities"][name]
        return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=name)

    return load


@pytest.fixture(scope="module")
def reports(pki_server, profile, manifest, cert_of, key_of) -> dict[str, SignatureReport | DocumentReport]:
    """A few real reports of every kind, by name."""
    online = SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0))
    by_crl = SignerChecker(profile, methods=("CRL",))
    out: dict[str, SignatureReport | DocumentReport] = {}

    def identity(name: str) -> dict:
        info = manifest["identities"][name]
        return {"expect_iin": info["iin"], "expect_bin": info["bin"]}

    out["pass-ocsp"] = online.check(cert_of("individual_sign"), **identity("individual_sign"))
    out["pass-crl-role"] = by_crl.check(cert_of("company_head"), **identity("company_head"))
    out["revoked-ocsp"] = online.check(cert_of("revoked"), **identity("revoked"))
    out["on-hold-crl"] = by_crl.check(cert_of("on_hold"), **identity("on_hold"))
    out["expired"] = online.check(cert_of("expired"), **identity("expired"))
    out["malformed"] = online.check(b"not a certificate")
    out["requested-time"] = online.check(cert_of("ec_individual_sign"),
                                         at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))

    requests = RequestChecker(online)
    sign = key_of("individual_sign")
    stamped = cms.sign_cms(_request(sign.certificate.iin), sign.private_key, sign.certificate.der,
                           timestamp=tsp.signature_timestamper(profile.tsa_url))
    out["cms-request-timestamped"] = requests.check(stamped, claims=Claims(iin=sign.certificate.iin))
    head, revoked = key_of("company_head"), key_of("revoked")
    document = _request(head.certificate.iin)
    both = xmldsig.sign_xml(xmldsig.sign_xml(document, head.private_key, head.certificate.der),
                            revoked.private_key, revoked.certificate.der)
    out["xml-request-cosigned-revoked"] = requests.check(both, claims=Claims(iin_path="applicant/iin"))

    verifier = DocumentVerifier(online)
    expired = key_of("expired")
    plain = cms.sign_cms(_request(expired.certificate.iin), expired.private_key, expired.certificate.der)
    out["cms-document-expired-no-poe"] = verifier.verify(
        plain, claims=Claims(signers=(ExpectedSigner(iin=expired.certificate.iin),)))

    official = key_of("official_region")
    unsigned = render_pdf(validate("restoration_consent", EXAMPLES["restoration_consent"]),
                          number="CNS-ZHM-2026-000777", issued_at=dt.date(2026, 1, 15),
                          verify_url="https://eds.example.kz/verify/CNS-ZHM-2026-000777")
    signed = pdf.sign_pdf(unsigned, official, timestamp_url=profile.tsa_url)
    out["pdf-timestamped"] = verifier.verify(signed)
    long_term = pdf.add_validation_data(signed, long_term_data(signed, online, official.certificate, official.chain))
    offline = DocumentVerifier(SignerChecker(profile, policy=Policy.OFFLINE))
    out["pdf-long-term-offline"] = offline.verify(long_term)
    return out


def test_report_json_is_pinned(reports):
    found = _masked({name: report.to_dict() for name, report in reports.items()})
    if os.environ.get("EDS_PIN_REPORTS"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert list(found) == list(pinned)
    for name in pinned:  # one report at a time, so that a failure names it
        assert json.dumps(found[name], ensure_ascii=False, indent=1) == json.dumps(pinned[name], ensure_ascii=False,
                                                                                    indent=1), name


def test_signer_and_chain_are_the_certificates_own(reports, cert_of):
    """Unmasked: the signer is the certificate's description and the chain names each certificate exactly."""
    report = reports["pass-crl-role"].to_dict()
    cert = cert_of("company_head")
    assert json.dumps(report["signer"], ensure_ascii=False) == json.dumps(cert.describe(), ensure_ascii=False)
    chain = [cert, cert_of("ca_rsa"), cert_of("root_rsa")]
    assert report["chain"] == [{"subject": c.subject_dn, "serialNumber": c.serial_hex, "sha256": c.sha256,
                                "notBefore": c.not_before.isoformat(), "notAfter": c.not_after.isoformat()}
                               for c in chain]
    assert {e["certificate"] for e in report["revocation"]} == {cert.subject_dn, cert_of("ca_rsa").subject_dn}


def test_a_status_given_as_plain_text_is_judged_by_its_value():
    """The verdict reads PASSED by identity (fast) and everything else by value, so a check made with "FAILED" or
    "INDETERMINATE" as text can never pass for a Status member's sake."""
    from eds.validation.report import Check, DocumentReport, SignatureReport, Status

    ok = Check("chain", Status.PASSED, "fine")
    for text, expected in (("FAILED", "TOTAL_FAILED"), ("INDETERMINATE", "INDETERMINATE"), ("PASSED", "TOTAL_PASSED")):
        signature = SignatureReport((ok, Check("signature", text, "m", "SIGNATURE_INVALID")))
        assert signature.indication.value == expected
        assert DocumentReport("xml", (signature,)).indication.value == expected
