"""The request check end to end: signed XML and CMS requests from the test PKI's identities."""

from __future__ import annotations

import pytest

from eds.pki.keys import SigningKey
from eds.pki.revocation import OcspClient
from eds.signatures import cms, tsp, xmldsig
from eds.validation.report import Indication
from eds.validation.request_check import Claims, RequestChecker
from eds.validation.signer_check import SignerChecker


@pytest.fixture(scope="module")
def keys(pki_dir, manifest):
    return {name: SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=name)
            for name, info in manifest["identities"].items() if info["purpose"] in ("SIGN", "AUTH")}


@pytest.fixture(scope="module")
def checker(profile, pki_server):
    return RequestChecker(SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0)))


def request_xml(iin: str | None = None, bin_: str | None = None) -> bytes:
    parts = ["<request><service>scrap_metal_licence</service><applicant>"]
    if iin:
        parts.append(f"<iin>{iin}</iin>")
    if bin_:
        parts.append(f"<bin>{bin_}</bin>")
    parts.append("<name>Тест Қазақ әріптері: ә ғ қ ң ө ұ ү һ і</name></applicant></request>")
    return "".join(parts).encode()


def signed_xml(key: SigningKey, document: bytes) -> bytes:
    return xmldsig.sign_xml(document, key.private_key, key.certificate.der)


EXPECTED = {
    "individual_sign": None, "ec_individual_sign": None, "wrong_cdp": None,
    "individual_auth": "NOT_SIGNING_KEY", "revoked": "CERT_REVOKED", "on_hold": "CERT_REVOKED",
    "ec_revoked": "CERT_REVOKED", "expired": "CERT_EXPIRED", "not_yet_valid": "CERT_NOT_YET_VALID",
    "impostor": "CHAIN_UNTRUSTED",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_individual_requests_xml(checker, keys, name):
    key = keys[name]
    report = checker.check(signed_xml(key, request_xml(iin=key.certificate.iin)), claims=Claims(iin_path="applicant/iin"))
    if EXPECTED[name] is None:
        assert report.passed, report.to_dict()["reasons"]
        assert report.to_dict()["notice"]["kk"] == "ЭЦҚ түпнұсқалылығы расталды"
    else:
        assert not report.passed
        assert report.reasons[0].code == EXPECTED[name]
        assert report.to_dict()["notice"]["ru"] == "Подлинность ЭЦП не подтверждена"


@pytest.mark.parametrize("name, code", [("company_head", None), ("company_signer", None),
                                        ("company_employee", "ROLE_NOT_ALLOWED")])
def test_legal_entity_requests(checker, keys, name, code):
    key = keys[name]
    report = checker.check(signed_xml(key, request_xml(iin=key.certificate.iin, bin_=key.certificate.bin)),
                           claims=Claims(iin_path="applicant/iin", bin_path="applicant/bin"))
    assert [r.code for r in report.reasons] == ([] if code is None else [code])


def test_iin_mismatch_and_malformed_claims(checker, keys):
    key = keys["individual_sign"]
    other = keys["company_head"].certificate.iin
    report = checker.check(signed_xml(key, request_xml(iin=other)), claims=Claims(iin_path="applicant/iin"))
    assert [r.code for r in report.reasons] == ["IIN_MISMATCH"]
    report = checker.check(signed_xml(key, request_xml(iin="12345")), claims=Claims(iin_path="applicant/iin"))
    assert [r.code for r in report.reasons] == ["IDENTITY_MALFORMED"]
    report = checker.check(signed_xml(key, request_xml()), claims=Claims(iin_path="applicant/iin"))
    assert report.reasons[0].code == "DOCUMENT_MALFORMED"
    # a claim passed in wins over the document
    assert checker.check(signed_xml(key, request_xml(iin=other)), claims=Claims(iin=key.certificate.iin)).passed


def test_tampered_request_is_refused_as_changed(checker, keys):
    key = keys["individual_sign"]
    signed = signed_xml(key, request_xml(iin=key.certificate.iin))
    tampered = signed.replace(b"scrap_metal_licence", b"tv_radio_licence")
    report = checker.check(tampered, claims=Claims(iin=key.certificate.iin))
    assert report.indication == Indication.TOTAL_FAILED
    assert report.reasons[0].code == "SIGNATURE_INVALID"
    assert report.sub_indication == "SIG_CRYPTO_FAILURE"


def test_co_signed_xml_reports_every_signer(checker, keys):
    head, employee = keys["company_head"], keys["company_employee"]
    document = request_xml(iin=head.certificate.iin, bin_=head.certificate.bin)
    both = xmldsig.sign_xml(signed_xml(head, document), employee.private_key, employee.certificate.der)
    report = checker.check(both, claims=Claims(iin_path="applicant/iin", bin_path="applicant/bin"))
    assert len(report.signatures) == 2
    assert report.passed, report.to_dict()["reasons"]
    revoked = keys["revoked"]
    with_revoked = xmldsig.sign_xml(signed_xml(head, document), revoked.private_key, revoked.certificate.der)
    report = checker.check(with_revoked, claims=Claims(iin_path="applicant/iin", bin_path="applicant/bin"))
    assert [s.indication for s in report.signatures] == [Indication.TOTAL_PASSED, Indication.TOTAL_FAILED]
    assert report.reasons[0].code == "CERT_REVOKED"


@pytest.mark.parametrize("data, code", [(b"", "DOCUMENT_MALFORMED"), (b"<request/>", "NO_SIGNATURE"),
                                        (b"<a><b></a>", "DOCUMENT_MALFORMED"), (b"\x30\x03\x02\x01\x00", "DOCUMENT_MALFORMED"),
                                        (b"not base64 at all !!!", "DOCUMENT_MALFORMED")])
def test_garbage_is_refused_with_a_reason(checker, data, code):
    report = checker.check(data)
    assert report.indication == Indication.TOTAL_FAILED
    assert report.reasons[0].code == code


def test_cms_attached_and_detached(checker, keys):
    key = keys["individual_sign"]
    content = request_xml(iin=key.certificate.iin)
    attached = cms.sign_cms(content, key.private_key, key.certificate.der)
    assert checker.check(attached, claims=Claims(iin_path="applicant/iin")).passed
    detached = cms.sign_cms(content, key.private_key, key.certificate.der, detached=True)
    assert checker.check(detached, detached_content=content, claims=Claims(iin=key.certificate.iin)).passed
    report = checker.check(detached, detached_content=content + b" ", claims=Claims(iin=key.certificate.iin))
    assert report.reasons[0].code == "SIGNATURE_INVALID"
    missing = checker.check(detached)
    assert missing.reasons[0].code == "DOCUMENT_MALFORMED"


def test_cms_with_two_signers(checker, keys):
    head, signer = keys["company_head"], keys["company_signer"]
    content = request_xml(iin=head.certificate.iin, bin_=head.certificate.bin)
    one = cms.sign_cms(content, head.private_key, head.certificate.der)
    two = cms.add_signer(one, signer.private_key, signer.certificate.der)
    report = checker.check(two, claims=Claims(bin=head.certificate.bin))
    assert len(report.signatures) == 2 and report.passed, report.to_dict()["reasons"]


def test_cms_timestamp_fixes_the_moment(checker, keys, pki_server, profile):
    key = keys["individual_sign"]
    content = request_xml(iin=key.certificate.iin)
    stamped = cms.sign_cms(content, key.private_key, key.certificate.der, timestamp=tsp.signature_timestamper(profile.tsa_url))
    report = checker.check(stamped, claims=Claims(iin=key.certificate.iin))
    assert report.passed, report.to_dict()
    signature = report.signatures[0]
    assert signature.time_source == "timestamp"
    assert any(c.name == "timestamp" and c.status.value == "PASSED" for c in signature.checks)
