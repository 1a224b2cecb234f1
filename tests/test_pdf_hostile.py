"""Hostile PDFs through the document verifier: nothing escapes, nothing passes, and each gets its own code.

The corpus (tests/hostile/pdf/corpus.py) starts from a licence this project renders and signs (PAdES B-T), then
appends, edits in place, cuts or rebuilds it; the controls at the end show that the untouched file and a
legitimate second signature do pass, so every refusal is the attack's doing.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from eds.issuing.documents import render_pdf, validate
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES
from eds.pki.keys import SigningKey
from eds.pki.revocation import OcspClient
from eds.signatures import pades as pdf
from eds.validation.report import DocumentReport
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from hostile.pdf.corpus import CASES, Base, countersigned, truncated_code, truncations


@pytest.fixture(scope="module")
def base(pki_dir, manifest, profile, pki_server) -> Base:
    def key(name: str) -> SigningKey:
        info = manifest["identities"][name]
        return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=name)

    document = validate("scrap_metal_licence", EXAMPLES["scrap_metal_licence"])
    unsigned = render_pdf(document, number="LIC-ZHM-2026-000042", issued_at=dt.date.today(),
                          verify_url="https://eds.example.kz/verify/LIC-ZHM-2026-000042")
    signer = key("official_region")
    return Base(unsigned, pdf.sign_pdf(unsigned, signer, timestamp_url=profile.tsa_url), signer,
                key("company_head"), profile.tsa_url)


@pytest.fixture(scope="module")
def verifier(profile, pki_server) -> DocumentVerifier:
    return DocumentVerifier(SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0)))


def assert_refused(report: DocumentReport, expected: str) -> None:
    codes = [reason.code for reason in report.reasons]
    assert not report.passed, report.to_dict()
    assert expected in codes, (expected, codes, [c.to_dict() for c in report.checks],
                               [[c.to_dict() for c in s.checks] for s in report.signatures])
    json.dumps(report.to_dict())  # the API and the CLI render exactly this


def test_the_untouched_licence_verifies(base, verifier):
    report = verifier.verify(base.signed)
    assert report.passed, [r.code for r in report.reasons]


def test_a_second_signature_over_the_unchanged_licence_verifies(base, verifier):
    """The control for the two-signature attacks: adding a signature alone is allowed."""
    report = verifier.verify(countersigned(base))
    assert report.passed and len(report.signatures) == 2, [r.code for r in report.reasons]


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_pdf(name, base, verifier):
    case = CASES[name](base)
    assert_refused(verifier.verify(case.data), case.expected)


def test_truncated_at_many_offsets(base, verifier):
    cuts = truncations(len(base.signed))
    assert len(cuts) >= 45
    for cut in cuts:
        data = base.signed[:cut]
        assert_refused(verifier.verify(data), truncated_code(data))


def test_a_cut_just_past_the_unsigned_revision_is_malformed_not_unsigned(base, verifier):
    """The signature's update cut off a few bytes in: what is left reads as the unsigned licence plus debris,
    which must be told as a damaged file, not as a document that was never signed."""
    unsigned_end = len(base.unsigned)
    assert base.signed.startswith(base.unsigned)
    for extra in (1, 40, 127):
        assert_refused(verifier.verify(base.signed[:unsigned_end + extra]), "DOCUMENT_MALFORMED")
    assert_refused(verifier.verify(base.unsigned), "NO_SIGNATURE")
    assert_refused(verifier.verify(base.unsigned + b"\r\n\n"), "NO_SIGNATURE")


def test_corpus_size():
    assert len(CASES) >= 60
