"""Hostile certificates through the signer check: nothing escapes, nothing passes, and each gets its own code.

Controls: certificates that are unusual but valid (names far over X.520's 64 characters, no EKU, critical
extensions the service knows) must pass, so long names never crash and never cost a genuine signer.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization

from eds.pki.certificates import Certificate, CertificateError, Purpose
from eds.pki.revocation import OcspClient
from eds.validation.report import SignatureReport, Status
from eds.validation.signer_check import SignerChecker
from hostile.certificates.corpus import CASES, CONTROLS, Material, truncations

pytestmark = pytest.mark.filterwarnings("ignore:Parsed a serial number:cryptography.utils.CryptographyDeprecationWarning")


@pytest.fixture(scope="module")
def material(pki_dir) -> Material:
    return Material.load(pki_dir)


@pytest.fixture(scope="module")
def checker(profile, pki_server) -> SignerChecker:
    return SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0))


def assert_refused(report: SignatureReport, expected: str) -> None:
    codes = [reason.code for reason in report.reasons]
    assert not report.passed, report.to_dict()
    assert expected in codes, (expected, codes, [c.to_dict() for c in report.checks])
    json.dumps(report.to_dict())


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_certificate(name, material, checker):
    case = CASES[name](material)
    assert_refused(checker.check(case.data, extra_certs=case.extra_certs, **case.kwargs), case.expected)


def test_truncated_der_and_pem(material, checker):
    der = material.template.public_bytes(serialization.Encoding.DER)
    pem = material.template.public_bytes(serialization.Encoding.PEM)
    cuts = truncations(len(der))
    assert len(cuts) >= 35
    for cut in cuts:
        assert_refused(checker.check(der[:cut]), "CERT_MALFORMED")
    end_marker = pem.index(b"-----END")
    for cut in (c for c in truncations(len(pem)) if 27 < c < end_marker):
        assert_refused(checker.check(pem[:cut]), "CERT_MALFORMED")


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_unusual_but_valid_certificates_pass(name, material, checker):
    report = checker.check(CONTROLS[name](material).data)
    assert report.passed, [c.to_dict() for c in report.checks if c.status != Status.PASSED]
    json.dumps(report.to_dict())


def test_long_names_are_described_whole(material):
    data = CONTROLS["long_names_as_pem"](material).data
    described = Certificate.load(data).describe()
    assert described["subject"]["commonName"] == "Т" * 3000
    assert described["subject"]["iin"] == material.manifest["identities"]["individual_sign"]["iin"]


def test_no_eku_is_described_with_purpose_unknown(material, checker):
    report = checker.check(CONTROLS["no_extended_key_usage"](material).data)
    assert report.signer.purpose == Purpose.UNKNOWN and report.signer.extended_key_usage == ()
    assert [c.name for c in report.warnings] == ["purpose"]


def test_load_refuses_with_its_own_error_type(material):
    """Certificate.load raises CertificateError(CERT_MALFORMED) for anything that is not a certificate."""
    for name in ("garbage_list", "garbage_dict", "garbage_none", "negative_serial", "duplicate_extension"):
        with pytest.raises(CertificateError) as caught:
            Certificate.load(CASES[name](material).data)
        assert caught.value.code == "CERT_MALFORMED", name
