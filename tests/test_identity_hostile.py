"""Hostile IIN/BIN values: the parsers raise IdentityError with the exact code, and a claim made of one never
reaches the comparison with the certificate in the signer check."""

from __future__ import annotations

import pytest

from eds.pki.identity import IdentityError, parse_bin, parse_iin
from eds.pki.revocation import OcspClient
from eds.validation.signer_check import SignerChecker
from hostile.identity.corpus import CHECKSUM, VALID, VALUES, Value


@pytest.fixture(scope="module")
def signers(profile, pki_server) -> SignerChecker:
    return SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0))


@pytest.mark.parametrize("value", VALUES, ids=[v.name for v in VALUES])
def test_parsers_refuse_with_the_code(value: Value):
    for parse in (parse_iin, parse_bin):
        with pytest.raises(IdentityError) as caught:
            parse(value.value)
        assert caught.value.code == value.expected


@pytest.mark.parametrize("value", VALUES, ids=[v.name for v in VALUES])
def test_switching_the_checksum_off_forgives_only_the_checksum(value: Value):
    for parse in (parse_iin, parse_bin):
        if value.expected == CHECKSUM:
            assert parse(value.value, verify_checksum=False).value == value.value
        else:
            with pytest.raises(IdentityError):
                parse(value.value, verify_checksum=False)


@pytest.mark.parametrize("name, spelling, number", VALID, ids=[v[0] for v in VALID])
def test_valid_spellings(name, spelling, number):
    assert parse_iin(spelling).value == number and parse_bin(spelling).value == number


def test_claims_in_the_signer_check(signers, cert_of):
    """Every hostile value as the claimed IIN and as the claimed BIN: refused with its code, never passed."""
    cert = cert_of("individual_sign")
    for value in (v for v in VALUES if v.claim):
        for claim in ("expect_iin", "expect_bin"):
            report = signers.check(cert, **{claim: value.value})
            codes = [reason.code for reason in report.reasons]
            assert not report.passed and value.expected in codes, (value.name, claim, codes)
    assert signers.check(cert, expect_iin=f" {cert.iin} ").passed
