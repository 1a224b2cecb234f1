"""The rules every verification ends with: one format per file, the CPU budget, expected signers (given, or
the registry's), and the command line's output around them (JSON alone, a reader that leaves early)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys

import pytest

from eds.issuing.documents.examples import EXAMPLES
from eds.limits import Limits
from eds.pki.keys import SigningKey
from eds.signatures import cms, xmldsig
from eds.signatures.formats import detect_format
from eds.validation.request_check import Claims, ExpectedSigner
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier

XML = b'<?xml version="1.0"?><request><applicant><iin>850412300175</iin></applicant></request>'


@pytest.fixture(scope="module")
def key(pki_dir, manifest):
    return SigningKey.from_pkcs12((pki_dir / "users/individual_sign.p12").read_bytes(), manifest["password"])


@pytest.fixture(scope="module")
def other_key(pki_dir, manifest):
    return SigningKey.from_pkcs12((pki_dir / "users/company_head.p12").read_bytes(), manifest["password"])


@pytest.fixture(scope="module")
def verifier(profile, pki_server):
    return DocumentVerifier(SignerChecker(profile))


def test_format_of_each_kind_and_of_polyglots(key):
    signed = cms.sign_cms(b"content", key.private_key, key.certificate.der)
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(signed) + b"-----END CMS-----\n"
    assert detect_format(b"%PDF-1.7\n...") == "pdf"
    assert detect_format(b"\xef\xbb\xbf" + b" " * 1000 + b"%PDF-1.7\n") == "pdf"
    assert detect_format(b" " * 1020 + b"%PDF-1.7\n") == "cms"  # '%PDF-' ends past byte 1,024: not a PDF header
    assert detect_format(XML) == "xml"
    assert detect_format(signed) == "cms"
    assert detect_format(b"\n  " + pem + b"\n") == "cms"
    # a PDF carrying a genuine CMS as a PEM block between objects is a PDF, and only that
    assert detect_format(b"\xef\xbb\xbf%PDF-1.7\n1 0 obj<<>>endobj\n" + pem + b"2 0 obj<<>>endobj\n%%EOF") == "pdf"
    # an XML document whose comment holds a PDF opens in both readers
    assert detect_format(b"<a><!--%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF--></a>") == "ambiguous"
    # an attached CMS whose content is a PDF has '%PDF-' within its first bytes
    assert detect_format(cms.sign_cms(b"%PDF-1.7\n%%EOF\n", key.private_key, key.certificate.der)) == "ambiguous"


def test_pem_with_text_around_it_is_not_the_cms(verifier, key):
    signed = cms.sign_cms(b"content", key.private_key, key.certificate.der)
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(signed) + b"-----END CMS-----\n"
    assert verifier.verify(b"  " + pem).passed
    wrapped = verifier.verify(b"Dear reader,\n" + pem + b"regards\n")
    assert not wrapped.passed and wrapped.reasons[0].code == "DOCUMENT_MALFORMED"


def test_ambiguous_files_are_refused_by_both_checkers(verifier, key):
    polyglot = cms.sign_cms(b"%PDF-1.7\n%%EOF\n", key.private_key, key.certificate.der)
    for report in (verifier.verify(polyglot), verifier.request_checker.check(polyglot)):
        assert report.indication.value == "TOTAL_FAILED" and report.reasons[0].code == "AMBIGUOUS_FORMAT"


def test_cpu_budget_ends_in_too_complex(profile, pki_server, key):
    signed = xmldsig.sign_xml(XML, key.private_key, key.certificate.der)
    generous = DocumentVerifier(SignerChecker(profile)).verify(signed)
    assert generous.passed, generous.to_dict()["reasons"]
    spent = DocumentVerifier(SignerChecker(profile), limits=Limits(cpu_seconds=0)).verify(signed)
    assert spent.indication.value == "TOTAL_FAILED"
    assert spent.reasons[0].code == "TOO_COMPLEX" and spent.reasons[0].details["limit"] == "cpu_seconds"


def test_expected_signers_count_identity_and_order(verifier, key, other_key):
    once = xmldsig.sign_xml(XML, key.private_key, key.certificate.der)
    twice = xmldsig.sign_xml(once, other_key.private_key, other_key.certificate.der)
    first = ExpectedSigner(iin=key.certificate.iin)
    second = ExpectedSigner(iin=other_key.certificate.iin, bin=other_key.certificate.bin)
    assert verifier.verify(twice, claims=Claims(signers=(first, second))).passed
    for wrong in ((first,), (second, first), (first, second, first),
                  (first, ExpectedSigner(iin=other_key.certificate.iin, bin="120340002229"))):
        report = verifier.verify(twice, claims=Claims(signers=wrong))
        assert report.indication.value == "TOTAL_FAILED" and "SIGNERS_MISMATCH" in [r.code for r in report.reasons]
    unchecked = verifier.verify(twice).to_dict()
    assert unchecked["indication"] == "TOTAL_PASSED"
    assert unchecked["signers"]["checked"] is False and [s["iin"] for s in unchecked["signers"]["found"]] == [
        key.certificate.iin, other_key.certificate.iin]


def test_a_registry_document_must_carry_its_recorded_signer(issuing_api, other_key):
    client = issuing_api["client"]
    number = _issue(issuing_api)
    twin = client.get(f"/api/v1/documents/{number}/xml", headers=issuing_api["verify"]).data
    genuine = client.post("/api/v1/verify", headers=issuing_api["verify"],
                          json={"document": base64.b64encode(twin).decode()}).get_json()
    assert genuine["indication"] != "TOTAL_FAILED" and genuine["signers"]["checked"] is True
    assert not [r for r in genuine["reasons"] if r["code"] == "SIGNERS_MISMATCH"]
    cosigned = xmldsig.sign_xml(twin, other_key.private_key, other_key.certificate.der)
    report = client.post("/api/v1/verify", headers=issuing_api["verify"],
                         json={"document": base64.b64encode(cosigned).decode()}).get_json()
    assert report["indication"] == "TOTAL_FAILED" and "SIGNERS_MISMATCH" in [r["code"] for r in report["reasons"]]


def test_expected_signers_field_is_validated(issuing_api):
    client = issuing_api["client"]
    for bad in ("x", [{"iin": "123"}], [{"name": "someone"}], [{}], [{"iin": "850412300175"}] * 33):
        answer = client.post("/api/v1/verify", headers=issuing_api["verify"],
                             json={"document": base64.b64encode(XML).decode(), "expectedSigners": bad})
        assert answer.status_code == 400 and answer.get_json()["details"]["field"] == "expectedSigners"


def _eds(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eds.cli", *args], capture_output=True, **kwargs)


def test_folder_with_json_prints_json_alone(tmp_path, key, pki_dir):
    for index in range(3):
        (tmp_path / f"{index}.xml").write_bytes(xmldsig.sign_xml(XML, key.private_key, key.certificate.der))
    done = _eds("verify", str(tmp_path), "--trust", str(pki_dir), "--offline", "--jobs", "1", "--json")
    summary = json.loads(done.stdout)
    assert len(summary["files"]) == 3 and done.returncode == 3  # offline without CRLs: revocation unknown


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path, key, pki_dir):
    document = tmp_path / "one.xml"
    document.write_bytes(xmldsig.sign_xml(XML, key.private_key, key.certificate.der))
    pipeline = subprocess.run(
        f"{sys.executable} -m eds.cli verify {document} --trust {pki_dir} --offline --json | head -c 10",
        shell=True, capture_output=True)
    assert pipeline.stdout.startswith(b"{") and b"Traceback" not in pipeline.stderr
    assert b"BrokenPipe" not in pipeline.stderr


def test_expect_signer_spelling(tmp_path, key, pki_dir):
    document = tmp_path / "one.xml"
    document.write_bytes(xmldsig.sign_xml(XML, key.private_key, key.certificate.der))
    wrong = _eds("verify", str(document), "--trust", str(pki_dir), "--offline", "--expect-signer", "850412300175")
    assert wrong.returncode == 2 and b"iin=N" in wrong.stderr
    other = _eds("verify", str(document), "--trust", str(pki_dir), "--offline", "--json",
                 "--expect-signer", "iin=850412300175", "--expect-signer", "iin=850412300175")
    assert other.returncode == 1 and "SIGNERS_MISMATCH" in [r["code"] for r in json.loads(other.stdout)["reasons"]]


def _issue(issuing_api) -> str:
    data = dict(EXAMPLES["scrap_metal_licence"])
    issued = issuing_api["client"].post("/api/v1/documents", headers=issuing_api["issue"], json={
        "type": "scrap_metal_licence", "providerId": "ZHM", "keyId": "official_region", "data": data})
    assert issued.status_code == 201, issued.get_json()
    return issued.get_json()["number"]


def test_a_pdf_is_held_to_the_claimed_iin_and_bin(issuing_api, verifier):
    client = issuing_api["client"]
    pdf = client.get(f"/api/v1/documents/{_issue(issuing_api)}/pdf", headers=issuing_api["verify"]).data
    for claims, code in ((Claims(iin="000000000000"), "IIN_MISMATCH"), (Claims(bin="000000000000"), "BIN_MISMATCH"),
                         (Claims(iin_path="applicant/iin"), "DOCUMENT_MALFORMED")):
        report = verifier.verify(pdf, claims=claims)
        assert report.indication.value == "TOTAL_FAILED" and code in [r.code for r in report.reasons], claims


def test_a_path_claim_on_content_that_is_not_xml_is_refused(verifier, key):
    content = b"x" + XML  # one byte in front: not XML, so no IIN can be read where the claim points
    for data in (cms.sign_cms(content, key.private_key, key.certificate.der),
                 cms.sign_cms(b'{"iin": "790305400255"}', key.private_key, key.certificate.der)):
        for report in (verifier.verify(data, claims=Claims(iin_path="applicant/iin")),
                       verifier.request_checker.check(data, claims=Claims(iin_path="applicant/iin"))):
            assert report.indication.value == "TOTAL_FAILED" and report.reasons[0].code == "DOCUMENT_MALFORMED"


def test_a_registry_document_wrapped_in_a_cms_keeps_its_recorded_signer(issuing_api, key):
    client = issuing_api["client"]
    twin = client.get(f"/api/v1/documents/{_issue(issuing_api)}/xml", headers=issuing_api["verify"]).data
    wrapped = cms.sign_cms(twin, key.private_key, key.certificate.der)
    report = client.post("/api/v1/verify", headers=issuing_api["verify"],
                         json={"document": base64.b64encode(wrapped).decode()}).get_json()
    assert report["registry"]["found"] is True
    assert report["indication"] == "TOTAL_FAILED" and "SIGNERS_MISMATCH" in [r["code"] for r in report["reasons"]]


def test_look_alike_ca_certificates_do_not_multiply_the_paths(profile, pki_server, verifier):
    """Eight CA certificates under one subject (fresh keys, or one key eight times) cost certvalidator 8!
    orderings; only those that can have signed something on the path, a few per key, reach it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from eds.pki.certificates import Certificate
    from eds.pki.paths import SAME_KEY_CERTIFICATES, _on_some_path

    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)")])
    ca_key = ec.generate_private_key(ec.SECP256R1())

    def make(subject, public_key, serial, ca=True):
        return Certificate.load(
            x509.CertificateBuilder().subject_name(subject).issuer_name(name).public_key(public_key)
            .serial_number(serial).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))

    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = make(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТ ТЕСТОВ")]), signer_key.public_key(), 7,
                  ca=False)
    strangers = [make(name, ec.generate_private_key(ec.SECP256R1()).public_key(), 100 + i) for i in range(8)]
    copies = [make(name, ca_key.public_key(), 200 + i) for i in range(8)]
    assert _on_some_path(signer, tuple(strangers)) == []
    assert len(_on_some_path(signer, tuple(copies))) == SAME_KEY_CERTIFICATES
    document = xmldsig.sign_xml(XML, signer_key, signer.der)
    for extras in (strangers, copies):
        tree = document.replace(b"</ds:X509Data>", b"".join(
            b"<ds:X509Certificate>" + base64.b64encode(c.der) + b"</ds:X509Certificate>" for c in extras)
            + b"</ds:X509Data>")
        assert tree.count(b"<ds:X509Certificate>") == 9
        report = verifier.verify(tree)
        assert report.indication.value == "TOTAL_FAILED"
        assert [r.code for r in report.reasons] == ["CHAIN_UNTRUSTED"]  # judged, not TOO_COMPLEX
