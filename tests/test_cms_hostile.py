"""Hostile CMS inputs: no exception escapes, nothing hostile is intact, and each fails with its specific code."""

from __future__ import annotations

import random

import pytest

from eds import cms
from hostile.cms.corpus import CASES, CONTENT, attached_rsa, truncations


def _check(result: cms.CmsVerification, case) -> None:
    assert not result.intact
    assert result.content is None
    if case.signer is None:
        assert result.failure == case.expected, result.message
        assert result.signers == ()
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
    result = cms.verify_cms(case.data, detached_content=case.detached_content, max_bytes=case.max_bytes)
    _check(result, case)


@pytest.mark.parametrize("offset", truncations())
def test_truncated_der(offset: int) -> None:
    result = cms.verify_cms(attached_rsa()[:offset])
    assert result.failure == "CMS_MALFORMED", result.message
    assert not result.intact and result.content is None


def test_second_signer_broken_leaves_first_intact() -> None:
    result = cms.verify_cms(CASES["second_signer_broken"]().data)
    assert [s.intact for s in result.signers] == [True, False]
    assert result.content is None


def test_gost_signer_is_never_intact_even_with_sha256_registered_digest() -> None:
    """An RSA signature relabelled as GOST, over a SHA-256 message digest: the GOST verifier refuses the RSA key."""
    result = cms.verify_cms(CASES["gost_signature_with_sha256_digest"]().data)
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
        result = cms.verify_cms(bytes(mutated))
        assert isinstance(result, cms.CmsVerification)
        if result.intact:
            assert result.content == CONTENT
        else:
            assert result.failure is not None or any(s.failure for s in result.signers)


def test_base_document_is_intact() -> None:
    """The corpus breaks a document that is valid to begin with, so each failure is the injected one."""
    result = cms.verify_cms(attached_rsa())
    assert result.intact and result.content == CONTENT
