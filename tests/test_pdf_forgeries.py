"""Forged PDFs from the families of issue 13 through ``DocumentVerifier.verify``: each gets its verdict.

The corpus (tests/hostile/pdf/forgeries.py) is made from this project's own licences, signed with the test PKI's
official keys (B-T as the existing hostile corpus's base, and B-LT as the issuer makes them): timestamp-only
forgeries, changes after the last signature, form filling under DocMDP, sneaky signatures, shadow attacks,
incremental saving and signature wrapping, limits, and the genuine controls that must pass.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from eds.pki.revocation import OcspClient
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from hostile.pdf import forgeries
from hostile.pdf.forgeries import CASES, FAMILIES, NOT_PASSED, PASSED


@pytest.fixture(scope="session")
def forgery_material(pki_dir, manifest, profile, pki_server) -> forgeries.Material:
    return forgeries.make_material(pki_dir, manifest, profile)


@pytest.fixture(scope="session")
def forgery_verifier(profile, pki_server) -> DocumentVerifier:
    return DocumentVerifier(SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0)))


def describe(report) -> dict:
    return {"indication": report.indication.value, "codes": [r.code for r in report.reasons],
            "checks": [c.to_dict() for c in report.checks],
            "signatures": [[c.to_dict() for c in s.checks] for s in report.signatures]}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forgery(name, forgery_material, forgery_verifier):
    forgery = CASES[name](forgery_material)
    report = forgery_verifier.verify(forgery.data)
    json.dumps(report.to_dict())  # the API and the CLI render exactly this
    codes = {reason.code for reason in report.reasons}
    if forgery.indication == PASSED:
        assert report.passed, describe(report)
        return
    assert not report.passed, ("FALSE PASS", describe(report))
    if forgery.indication != NOT_PASSED:
        assert report.indication.value == forgery.indication, describe(report)
    assert codes & forgery.codes, (sorted(forgery.codes), describe(report))


def test_every_family_has_several_variants():
    sizes = Counter(FAMILIES.values())
    assert set(sizes) == {"timestamp-only", "after-signing", "form-filling", "sneaky-signature", "shadow", "isa",
                          "swa", "limits", "controls"}
    assert min(sizes.values()) >= 4, sizes
    assert len(CASES) >= 150, len(CASES)
