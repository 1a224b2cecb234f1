"""Forged PAdES B-LTA licences (tests/hostile/pdf/lta.py) through ``DocumentVerifier.verify``: none is TOTAL_PASSED.

Each case is judged offline (only what the document carries, as an archive is checked) and, unless its point is
the evidence the document carries, online too; the genuine B-LTA controls must pass both ways, now and years
later. The corpus has a PKI of its own: the test PKI with the archive TSA (an EC TSA living eight years).
"""

from __future__ import annotations

import json
import socket
from collections import Counter

import pytest

from eds.pki.revocation import OcspClient, Policy
from eds.pki.trust import load_profile
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from hostile.pdf import lta
from test_pki import archive as pki_archive, generator, services


@pytest.fixture(scope="module")
def lta_world(tmp_path_factory):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pki = tmp_path_factory.mktemp("lta-corpus") / "pki"
    generator.generate(pki, base_url=f"http://127.0.0.1:{port}")
    pki_archive.add_tsa(pki, "tsa_archive", days=8 * 365, issuer="ca_ec", key="ec")
    server = services.start(pki, port=port)
    profile = load_profile(pki)
    yield {"material": lta.make_material(pki, f"http://127.0.0.1:{port}/tsp/tsa_archive/"),
           "offline": DocumentVerifier(SignerChecker(profile, policy=Policy.OFFLINE)),
           "online": DocumentVerifier(SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0)))}
    server.shutdown()
    server.server_close()


def describe(report) -> dict:
    return {"indication": report.indication.value, "codes": [r.code for r in report.reasons],
            "signatures": [[c.to_dict() for c in s.checks] for s in report.signatures]}


@pytest.mark.parametrize("name", sorted(lta.CASES))
def test_lta_forgery(name, lta_world):
    case = lta.CASES[name](lta_world["material"])
    modes = ("offline",) if case.offline_only else ("offline", "online")
    for mode in modes:
        report = lta_world[mode].verify(case.data, at=case.at)
        json.dumps(report.to_dict())
        if not case.codes:  # a control
            assert report.passed, (mode, describe(report))
            continue
        assert not report.passed, ("FALSE PASS", mode, describe(report))
        assert {r.code for r in report.reasons} & case.codes, (mode, sorted(case.codes), describe(report))


def test_every_family_has_several_variants():
    sizes = Counter(lta.FAMILIES.values())
    assert set(sizes) == {"untrusted-tsa", "imprint", "after-timestamp", "no-signature", "forged-evidence", "expired",
                          "controls"}
    assert min(n for family, n in sizes.items() if family != "controls") >= 4, sizes
