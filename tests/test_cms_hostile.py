"""Hostile CMS inputs: no exception escapes, nothing hostile is intact, and each fails with its specific code."""

from __future__ import annotations

import hashlib
import random

import pytest

from eds import limits
from eds.pki.revocation import OcspClient
from eds.signatures import cms, tsp
from eds.validation.report import Indication
from eds.validation.request_check import RequestChecker
from eds.validation.signer_check import SignerChecker
from hostile.cms.corpus import (
    CASES,
    CONTENT,
    WITHIN_LIMITS,
    attached_rsa,
    chain_of,
    signer_certificate_1000_times,
    truncations,
    with_certificates,
)


def _check(result: cms.CmsVerification, case) -> None:
    assert not result.intact
    assert result.content is None
    if case.signer is None:
        assert result.failure == case.expected, result.message
        assert result.signers == ()
        if case.limit is not None:
            maximum = getattr(limits.DEFAULT, case.limit)
            assert result.details == {"limit": case.limit, "max": maximum, "found": case.found}, result.message
        return
    assert result.failure is None, result.message
    signer = result.signers[case.signer]
    assert not signer.intact
    assert signer.failure == case.expected, signer.message
    if case.timestamp_failure is not None:
        assert signer.timestamp is not None and not signer.timestamp.intact
        assert signer.timestamp.failure == case.timestamp_failure, signer.timestamp.message


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_case(name: str) -> None:
    case = CASES[name]()
    result = tsp.verify_cades(case.data, detached_content=case.detached_content, max_bytes=case.max_bytes)
    _check(result, case)


@pytest.mark.parametrize("offset", truncations())
def test_truncated_der(offset: int) -> None:
    result = tsp.verify_cades(attached_rsa()[:offset])
    assert result.failure == "CMS_MALFORMED", result.message
    assert not result.intact and result.content is None


def test_second_signer_broken_leaves_first_intact() -> None:
    result = tsp.verify_cades(CASES["second_signer_broken"]().data)
    assert [s.intact for s in result.signers] == [True, False]
    assert result.content is None


def test_gost_signer_is_never_intact_even_with_sha256_registered_digest() -> None:
    """An RSA signature relabelled as GOST, over a SHA-256 message digest: the GOST verifier refuses the RSA key."""
    result = tsp.verify_cades(CASES["gost_signature_with_sha256_digest"]().data)
    assert not result.intact
    assert result.signers[0].failure == "SIGNATURE_INVALID"


def test_random_byte_mutations_never_raise() -> None:
    """Seeded fuzzing: any single-byte change either keeps the CMS parseable or yields a failure code."""
    der = attached_rsa()
    rng = random.Random(3161)
    for _ in range(400):
        mutated = bytearray(der)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        result = tsp.verify_cades(bytes(mutated))
        assert isinstance(result, cms.CmsVerification)
        if result.intact:
            assert result.content == CONTENT
        else:
            assert result.failure is not None or any(s.failure for s in result.signers)


def test_base_document_is_intact() -> None:
    """The corpus breaks a document that is valid to begin with, so each failure is the injected one."""
    result = tsp.verify_cades(attached_rsa())
    assert result.intact and result.content == CONTENT


# --- bounded work: each limit at its value and one past it -----------------------------------------------


@pytest.mark.parametrize("name", sorted(WITHIN_LIMITS))
def test_genuine_cms_at_the_limits_verifies(name: str) -> None:
    result = tsp.verify_cades(WITHIN_LIMITS[name]())
    assert result.failure is None, result.message
    assert result.intact and result.content == CONTENT
    assert len(result.certificates) <= limits.DEFAULT.cms_certificates
    assert len(result.signers) <= limits.DEFAULT.cms_signer_infos


def test_duplicate_certificates_are_dropped_by_der() -> None:
    result = tsp.verify_cades(signer_certificate_1000_times())
    assert result.intact and len(result.certificates) == 2
    assert len(result.signers[0].other_certificates) == 1


def test_the_limits_of_the_running_verification_apply() -> None:
    """The public page runs tighter limits: verify_cms reads them from the budget it runs in."""
    data = with_certificates(attached_rsa(), chain_of(4))
    with limits.budget(limits.DEFAULT.replace(cms_certificates=4, cms_signer_infos=1)):
        assert tsp.verify_cades(data).intact
    with limits.budget(limits.DEFAULT.replace(cms_certificates=3)):
        result = tsp.verify_cades(data)
    assert (result.failure, result.details) == ("TOO_COMPLEX", {"limit": "cms_certificates", "max": 3, "found": 4})
    with limits.budget(limits.DEFAULT.replace(cms_signer_infos=0)):
        result = tsp.verify_cades(attached_rsa())
    assert result.failure == "TOO_COMPLEX" and result.details["limit"] == "cms_signer_infos"


def test_verify_signed_data_refuses_past_a_limit_before_any_signature() -> None:
    signed_data = cms.acms.ContentInfo.load(CASES["certificates_65_distinct"]().data)["content"]
    with pytest.raises(limits.TooComplex) as refused:
        cms.verify_signed_data(signed_data, CONTENT)
    assert refused.value.details == {"limit": "cms_certificates", "max": 64, "found": 65}


# --- the request check: a timestamp from the test PKI's TSA is no signature; limits stay TOO_COMPLEX -----


@pytest.fixture(scope="module")
def checker(profile, pki_server) -> RequestChecker:
    return RequestChecker(SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0)))


def _refused(report, code: str) -> dict:
    assert not report.passed
    assert report.indication == Indication.TOTAL_FAILED
    assert report.reasons[0].code == code, report.to_dict()["reasons"]
    return report.checks[0].details


def test_bare_token_of_the_test_tsa_is_no_signature(checker, profile) -> None:
    token = tsp.request_timestamp(profile.tsa_url, hashlib.sha256(CONTENT).digest())
    assert tsp.verify_timestamp_token(token, data=CONTENT).intact  # a genuine token, only not a signature
    assert tsp.verify_cades(token).failure == "NO_SIGNERS"
    assert _refused(checker.check(token), "NO_SIGNATURE")["cause"] == "NO_SIGNERS"


def test_timestamp_response_of_the_test_tsa_is_no_signature(checker, profile) -> None:
    request, _ = tsp.build_request(hashlib.sha256(CONTENT).digest())
    response = tsp.post_request(profile.tsa_url, request, timeout=5)
    assert tsp.verify_cades(response).failure == "NO_SIGNERS"
    _refused(checker.check(response), "NO_SIGNATURE")


@pytest.mark.parametrize("name", ["certificates_65_distinct", "signer_infos_33"])
def test_request_check_reports_too_complex(checker, name: str) -> None:
    case = CASES[name]()
    details = _refused(checker.check(case.data), "TOO_COMPLEX")
    assert (details["limit"], details["found"]) == (case.limit, case.found)


def test_the_pss_cases_have_an_intact_control() -> None:
    """The PSS cases fail for their parameters alone: with the salt it was made with the same SignerInfo holds."""
    from hostile.cms.corpus import pss_salt

    assert tsp.verify_cades(pss_salt(32)).intact
