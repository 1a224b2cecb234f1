"""Each verdict of the document verifier on real PDFs made by this project's rendering and signing code."""

from __future__ import annotations

import datetime as dt
import io
import json
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from eds.issuing.documents import render_pdf, validate
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES
from eds.issuing.issuer import long_term_data
from eds.pki.certificates import Certificate
from eds.pki.keys import SigningKey
from eds.pki.revocation import OcspClient, Policy
from eds.signatures import pades as pdf
from eds.validation.report import Indication
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    doc = validate("restoration_consent", EXAMPLES["restoration_consent"])
    return render_pdf(doc, number="CNS-ZHM-2026-000777", issued_at=dt.date.today(),
                      verify_url="https://eds.example.kz/verify/CNS-ZHM-2026-000777")


@pytest.fixture(scope="module")
def key_of(pki_dir, manifest):
    def load(name: str) -> SigningKey:
        info = manifest["identities"][name]
        return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=name)

    return load


def verifier(profile, **kwargs) -> DocumentVerifier:
    return DocumentVerifier(SignerChecker(profile, ocsp_client=OcspClient(timeout=1, retries=0), **kwargs))


@pytest.fixture(scope="module")
def signed(unsigned, key_of, profile, pki_server) -> bytes:
    return pdf.sign_pdf(unsigned, key_of("official_region"), timestamp_url=profile.tsa_url)


def codes(report) -> list[str]:
    return [r.code for r in report.reasons]


def test_intact(signed, profile):
    report = verifier(profile).verify(signed)
    assert report.passed, codes(report)
    assert report.signatures[0].time_source == "timestamp"


def test_incremental_update_changing_content(signed, profile):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 400 Td (FORGED) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = verifier(profile).verify(out.getvalue())
    assert report.indication == Indication.TOTAL_FAILED and "MODIFIED_AFTER_SIGNING" in codes(report)


def test_extra_page_appended(signed, profile):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    pages = writer.root["/Pages"]
    new_page = generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/Page"),
                                         generic.NameObject("/Parent"): writer.root.raw_get("/Pages"),
                                         generic.NameObject("/MediaBox"): generic.ArrayObject(
                                             [generic.NumberObject(v) for v in (0, 0, 595, 842)])})
    pages["/Kids"].append(writer.add_object(new_page))
    pages["/Count"] = generic.NumberObject(int(pages["/Count"]) + 1)
    writer.update_container(pages)
    out = io.BytesIO()
    writer.write(out)
    report = verifier(profile).verify(out.getvalue())
    assert report.indication == Indication.TOTAL_FAILED and "MODIFIED_AFTER_SIGNING" in codes(report)


def test_bytes_changed_inside_the_signed_range(signed, profile):
    position = signed.index(b"/Producer")
    tampered = signed[:position] + b"/Producer" .replace(b"P", b"Q") + signed[position + 9:]
    report = verifier(profile).verify(tampered)
    assert report.indication == Indication.TOTAL_FAILED and "SIGNATURE_INVALID" in codes(report)


def test_byte_range_not_covering_the_file(signed, profile):
    report = verifier(profile).verify(signed + b"\n% trailing bytes outside any signature\n")
    assert not report.passed


def test_impersonation_chain(unsigned, key_of, profile):
    forged = pdf.sign_pdf(unsigned, key_of("impostor"))
    report = verifier(profile).verify(forged)
    assert report.indication == Indication.TOTAL_FAILED and codes(report)[0] == "CHAIN_UNTRUSTED"


def _unrevoke(pki_server, name):
    state = json.loads((pki_server.pki.root / "state.json").read_text())
    state["revoked"].pop(name, None)
    (pki_server.pki.root / "state.json").write_text(json.dumps(state))


def test_revoked_signer_with_and_without_a_timestamp_from_before(unsigned, key_of, profile, pki_server):
    key = key_of("company_signer")
    stamped = pdf.sign_pdf(unsigned, key, timestamp_url=profile.tsa_url)
    bare = pdf.sign_pdf(unsigned, key)
    time.sleep(1.1)
    pki_server.pki.revoke("company_signer", "key_compromise")
    try:
        later = verifier(profile).verify(stamped)
        assert later.passed, codes(later)  # revoked after the trusted time: still a valid signature
        unproven = verifier(profile).verify(bare)
        assert unproven.indication == Indication.INDETERMINATE and codes(unproven) == ["REVOKED_NO_POE"], unproven.to_dict()["signatures"][0]["checks"]
        after = pdf.sign_pdf(unsigned, key, timestamp_url=profile.tsa_url)
        assert codes(verifier(profile).verify(after)) == ["CERT_REVOKED"]
    finally:
        _unrevoke(pki_server, "company_signer")


def test_expired_signer_with_a_timestamp_from_when_it_was_valid(unsigned, pki_server, profile, manifest):
    ca = pki_server.pki.signers["ca_rsa"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc)
    template = Certificate.load((pki_server.pki.root / manifest["identities"]["official_region"]["certificate"])
                                .read_bytes()).x509
    builder = (x509.CertificateBuilder().subject_name(template.subject).issuer_name(ca.cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(seconds=3)))
    for extension in template.extensions:
        if extension.oid != x509.oid.ExtensionOID.SUBJECT_KEY_IDENTIFIER:
            builder = builder.add_extension(extension.value, extension.critical)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    cert = builder.sign(ca.key, hashes.SHA256())
    short = SigningKey("short", key, Certificate.from_x509(cert), (Certificate.from_x509(ca.cert),))
    stamped = pdf.sign_pdf(unsigned, short, timestamp_url=profile.tsa_url)
    time.sleep(max(0.0, (cert.not_valid_after_utc - dt.datetime.now(dt.timezone.utc)).total_seconds()) + 1)
    report = verifier(profile, methods=("CRL",)).verify(stamped)  # its serial is in no OCSP database: ask the CRL
    assert report.passed, codes(report)
    assert report.signatures[0].time_source == "timestamp"


def test_offline_with_and_without_embedded_evidence(signed, key_of, profile, pki_server):
    offline = verifier(profile, policy=Policy.OFFLINE)
    bare = offline.verify(signed)
    assert bare.indication == Indication.INDETERMINATE and "REVOCATION_UNKNOWN" in codes(bare)
    long_term = pdf.add_validation_data(signed, long_term_data(signed, SignerChecker(profile), key_of("official_region").certificate, key_of("official_region").chain))
    report = offline.verify(long_term)
    assert report.passed, codes(report)


def test_not_a_pdf_and_unsigned(profile, unsigned):
    assert codes(verifier(profile).verify(unsigned)) == ["NO_SIGNATURE"]
    assert codes(verifier(profile).verify(b"%PDF-1.7\n garbage")) in (["DOCUMENT_MALFORMED"], ["NO_SIGNATURE"])
