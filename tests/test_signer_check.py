"""Every identity of the test PKI through the signer check: live OCSP, live CRL, offline files, faults."""

from __future__ import annotations

import datetime as dt

import pytest

from eds.pki.revocation import OcspClient, Policy
from eds.validation.report import Indication, Status
from eds.validation.signer_check import SignerChecker
from test_pki.authority import TestPki

EXPECTED_CODE = {"REVOKED": "CERT_REVOKED", "HOLD": "CERT_REVOKED", "EXPIRED": "CERT_EXPIRED",
                 "NOT_YET_VALID": "CERT_NOT_YET_VALID", "UNTRUSTED": "CHAIN_UNTRUSTED"}
SPECIAL = {"individual_auth": "NOT_SIGNING_KEY", "company_employee": "ROLE_NOT_ALLOWED",
           "ocsp_rsa": "NOT_SIGNING_KEY", "ocsp_ec": "NOT_SIGNING_KEY", "tsa": "NOT_SIGNING_KEY"}


def quick_ocsp() -> OcspClient:
    return OcspClient(timeout=1.0, retries=1, retry_delay=0.01)


def expected_outcome(name: str, info: dict) -> str | None:
    """None for TOTAL_PASSED, else the first reason code a correct checker must give."""
    return SPECIAL.get(name) or EXPECTED_CODE.get(info["expected"])


def run_check(checker, manifest, cert_of, name):
    info = manifest["identities"][name]
    return checker.check(cert_of(name), expect_iin=info["iin"], expect_bin=info["bin"])


def assert_outcome(report, expected_code, name):
    if expected_code is None:
        assert report.indication == Indication.TOTAL_PASSED, (name, report.to_dict()["reasons"])
        assert report.reasons == ()
    else:
        assert report.indication == Indication.TOTAL_FAILED, (name, report.to_dict())
        assert report.reasons[0].code == expected_code, (name, [r.code for r in report.reasons])


@pytest.mark.parametrize("methods", [("OCSP",), ("CRL",)], ids=["ocsp", "crl"])
def test_every_identity_online(pki_server, profile, manifest, cert_of, methods):
    checker = SignerChecker(profile, methods=methods, ocsp_client=quick_ocsp())
    for name, info in manifest["identities"].items():
        report = run_check(checker, manifest, cert_of, name)
        assert_outcome(report, expected_outcome(name, info), name)
        if info["expected"] == "VALID" and name not in SPECIAL:
            assert {e.type for e in report.revocation} == set(methods)
            assert all(e.source == "network" for e in report.revocation)


def test_every_identity_offline_from_crl_files(profile, manifest, cert_of, pki_dir):
    crls = [p.read_bytes() for p in sorted((pki_dir / "crl").glob("*.crl"))]
    checker = SignerChecker(profile, policy=Policy.OFFLINE, crls=crls)
    for name, info in manifest["identities"].items():
        report = run_check(checker, manifest, cert_of, name)
        assert_outcome(report, expected_outcome(name, info), name)


def test_offline_from_ocsp_response_files(profile, manifest, cert_of, pki_dir, now):
    pki = TestPki.load(pki_dir)
    from eds.pki.revocation.ocsp import build_request

    responses = []
    for name in ("individual_sign", "revoked", "on_hold"):
        cert = cert_of(name)
        issuer = cert_of(manifest["identities"][name]["issuer"])
        responses.append(pki.ocsp_response(build_request(cert, issuer), now))
    # the issuing CA's own status comes from the root's CRL
    root_crl = (pki_dir / "crl" / "root_rsa_test.crl").read_bytes()
    checker = SignerChecker(profile, policy=Policy.OFFLINE, methods=("OCSP", "CRL"), ocsp_responses=responses,
                            crls=[root_crl])
    assert run_check(checker, manifest, cert_of, "individual_sign").passed
    assert run_check(checker, manifest, cert_of, "revoked").reasons[0].code == "CERT_REVOKED"
    hold = run_check(checker, manifest, cert_of, "on_hold")
    assert hold.reasons[0].code == "CERT_REVOKED"
    assert hold.reasons[0].details["reason"] == "certificate_hold"
    # a certificate for which no evidence was given is not "good"
    report = run_check(checker, manifest, cert_of, "company_head")
    assert report.indication == Indication.INDETERMINATE
    assert report.reasons[0].code == "REVOCATION_UNKNOWN"


def test_offline_without_evidence_is_indeterminate(profile, manifest, cert_of):
    checker = SignerChecker(profile, policy=Policy.OFFLINE)
    report = run_check(checker, manifest, cert_of, "individual_sign")
    assert report.indication == Indication.INDETERMINATE
    assert report.sub_indication == "TRY_LATER"


def test_impersonation_chain_fails_even_with_matching_iin(pki_server, profile, manifest, cert_of):
    checker = SignerChecker(profile, ocsp_client=quick_ocsp())
    real, fake = cert_of("individual_sign"), cert_of("impostor")
    assert real.subject_dn == fake.subject_dn
    report = checker.check(fake, expect_iin=manifest["identities"]["impostor"]["iin"])
    assert report.indication == Indication.TOTAL_FAILED
    assert report.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"
    assert next(c for c in report.checks if c.name == "revocation").status == Status.SKIPPED


@pytest.mark.parametrize("expect, code", [
    ({"expect_iin": "000000000000"}, "IIN_MISMATCH"),
    ({"expect_iin": "12345"}, "IDENTITY_MALFORMED"),
    ({"expect_iin": "85041230017X"}, "IDENTITY_MALFORMED"),
    ({"expect_iin": "850412300171"}, "IDENTITY_CHECKSUM"),
    ({"expect_bin": "150340001117"}, "BIN_MISMATCH"),
])
def test_identity_claims(pki_server, profile, cert_of, manifest, expect, code):
    checker = SignerChecker(profile, ocsp_client=quick_ocsp())
    cert = cert_of("individual_sign")
    if code == "IDENTITY_CHECKSUM":
        assert manifest["identities"]["individual_sign"]["iin"] != expect["expect_iin"]
    report = checker.check(cert, **expect)
    assert report.indication == Indication.TOTAL_FAILED
    assert code in [r.code for r in report.reasons]


def test_legal_entity_roles(pki_server, profile, cert_of, manifest):
    checker = SignerChecker(profile, ocsp_client=quick_ocsp())
    bin_ = manifest["identities"]["company_head"]["bin"]
    assert checker.check(cert_of("company_head"), expect_bin=bin_).passed
    assert checker.check(cert_of("company_signer"), expect_bin=bin_).passed
    employee = checker.check(cert_of("company_employee"), expect_bin=bin_)
    assert [r.code for r in employee.reasons] == ["ROLE_NOT_ALLOWED"]
    # the employee may still sign as a person (no BIN claimed)
    assert checker.check(cert_of("company_employee"),
                         expect_iin=manifest["identities"]["company_employee"]["iin"]).passed


def test_judged_at_a_past_moment(pki_server, profile, cert_of, manifest, now):
    checker = SignerChecker(profile, ocsp_client=quick_ocsp())
    expired = cert_of("expired")
    inside = expired.not_after - dt.timedelta(days=10)
    report = checker.check(expired, at=inside, expect_iin=manifest["identities"]["expired"]["iin"])
    assert report.passed, report.to_dict()["reasons"]
    assert report.time_source == "requested"
    revoked = cert_of("revoked")
    before = now - dt.timedelta(days=20)  # revoked 10 days ago
    assert checker.check(revoked, at=before).passed
    assert checker.check(revoked, at=now).reasons[0].code == "CERT_REVOKED"


@pytest.mark.parametrize("fault", ["down", "garbage", "try_later", "stale", "wrong_nonce", "bad_signature"])
def test_ocsp_faults_never_pass_under_require(pki_server, profile, cert_of, faults, fault):
    faults(ocsp=fault)
    checker = SignerChecker(profile, methods=("OCSP",), ocsp_client=quick_ocsp())
    report = checker.check(cert_of("individual_sign"))
    assert report.indication == Indication.INDETERMINATE, report.to_dict()
    assert report.reasons[0].code == "REVOCATION_UNKNOWN"


@pytest.mark.parametrize("fault", ["down", "expired", "bad_signature", "garbage"])
def test_crl_faults_never_pass_under_require(pki_server, profile, cert_of, faults, fault):
    faults(crl=fault)
    checker = SignerChecker(profile, methods=("CRL",))
    report = checker.check(cert_of("individual_sign"))
    assert report.indication == Indication.INDETERMINATE, report.to_dict()


def test_crl_fallback_when_ocsp_is_down(pki_server, profile, cert_of, faults):
    faults(ocsp="down")
    checker = SignerChecker(profile, ocsp_client=quick_ocsp())
    report = checker.check(cert_of("individual_sign"))
    assert report.passed
    assert {e.type for e in report.revocation} == {"CRL"}
    assert checker.check(cert_of("on_hold")).reasons[0].code == "CERT_REVOKED"


def test_soft_fail_passes_with_warning_only_when_unreachable(pki_server, profile, cert_of, faults):
    faults(ocsp="down", crl="down")
    checker = SignerChecker(profile, policy=Policy.SOFT_FAIL, ocsp_client=quick_ocsp())
    report = checker.check(cert_of("individual_sign"))
    assert report.passed
    assert any(w.name == "revocation" for w in report.warnings)
    faults(ocsp="wrong_nonce", crl="bad_signature")
    report = SignerChecker(profile, policy=Policy.SOFT_FAIL, ocsp_client=quick_ocsp()).check(
        cert_of("individual_sign"))
    assert report.indication == Indication.INDETERMINATE


def test_slow_ocsp_times_out_and_is_not_good(pki_server, profile, cert_of, faults):
    faults(ocsp="slow")
    client = OcspClient(timeout=0.5, retries=0)
    report = SignerChecker(profile, methods=("OCSP",), ocsp_client=client).check(cert_of("individual_sign"))
    assert report.indication == Indication.INDETERMINATE


def test_revocation_appears_live(pki_server, profile, cert_of, pki_dir, manifest):
    """A certificate revoked now is reported as revoked by OCSP and by the next CRL."""
    checker = SignerChecker(profile, methods=("OCSP",), ocsp_client=quick_ocsp())
    assert checker.check(cert_of("official_region")).passed
    pki_server.pki.revoke("official_region", "key_compromise")
    try:
        fresh = SignerChecker(profile, methods=("OCSP",), ocsp_client=quick_ocsp())
        assert fresh.check(cert_of("official_region")).reasons[0].code == "CERT_REVOKED"
        by_crl = SignerChecker(profile, methods=("CRL",))
        assert by_crl.check(cert_of("official_region")).reasons[0].code == "CERT_REVOKED"
    finally:
        import json

        state = json.loads((pki_dir / "state.json").read_text())
        del state["revoked"]["official_region"]
        (pki_dir / "state.json").write_text(json.dumps(state))


def test_report_is_json_ready_with_three_languages(pki_server, profile, cert_of):
    report = SignerChecker(profile, ocsp_client=quick_ocsp()).check(cert_of("individual_auth"))
    data = report.to_dict()
    assert data["indication"] == "TOTAL_FAILED"
    assert data["subIndication"] == "SIG_CONSTRAINTS_FAILURE"
    messages = data["reasons"][0]["messages"]
    assert set(messages) == {"kk", "ru", "en"} and all(messages.values())
    assert data["signer"]["subject"]["iin"]
    assert len(data["chain"]) == 3


def test_a_delta_made_on_a_newer_complete_crl_still_counts(profile, manifest, cert_of, pki_dir):
    """The complete CRL held is older than the base its delta names (fetched across a CA's publication): the
    delta's entries are still signed revocations, so a certificate on hold only there is never passed."""
    pki = TestPki.load(pki_dir)
    issuer = manifest["identities"]["on_hold"]["issuer"]
    moment = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30)
    full = pki.crl(issuer, moment)
    pki._full_numbers[issuer] += 1000  # the CA has issued a newer complete CRL since
    delta = pki.crl(issuer, moment + dt.timedelta(seconds=10), delta=True)
    checker = SignerChecker(profile, policy=Policy.OFFLINE, methods=("CRL",), crls=[full, delta])
    report = checker.check(cert_of("on_hold"))
    assert report.indication == Indication.TOTAL_FAILED
    assert report.reasons[0].code == "CERT_REVOKED" and report.reasons[0].details["reason"] == "certificate_hold"
