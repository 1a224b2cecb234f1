"""Two-step issuing: the service prepares, the official's device signs (simulated here as NCALayer would), the
service checks and completes; checked by our verifier, pyHanko, poppler and a QR decoder."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from eds.issuing.documents import DocumentDataError
from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS, EXAMPLES
from eds.issuing.issuer import IssuingError, IssuingOptions
from eds.issuing.registry import ErrorCode, Registry, RegistryError, SignedFiles, DocumentStatus
from eds.issuing.two_step import Prepared, TwoStepIssuer
from eds.pki.keys import SigningKey
from eds.pki.revocation import Policy
from eds.signatures import cms, xmldsig
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from ncalayer import device_cms

PUBLIC_URL = "https://eds.example.kz"
DOC_TYPE = "tv_radio_licence"
TTL = dt.timedelta(minutes=10)


class Clock:
    """The registry's clock, which a test can move forward."""

    def __init__(self) -> None:
        self.shift = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.shift


@pytest.fixture(scope="module")
def checker(profile, pki_server) -> SignerChecker:
    return SignerChecker(profile)


@pytest.fixture(scope="module")
def key_of(pki_dir, manifest):
    def load(name: str) -> SigningKey:
        info = manifest["identities"][name]
        return SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"], key_id=name)

    return load


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'registry.sqlite'}"


@pytest.fixture
def registry(db_url, clock, manifest, cert_of):
    opened = Registry.open(db_url, clock=clock)
    now = dt.datetime.now(dt.UTC)
    for provider, identity in (("MCI", "official_ministry"), ("ECO", "ec_company_head"), ("COMP", "company_employee")):
        info = manifest["identities"][identity]
        cert = cert_of(identity)
        opened.add_provider(provider, name_kk=f"{provider} kk", name_ru=f"{provider} ru", bin=info["bin"],
                            place_kk="Астана қ.", place_ru="г. Астана", doc_types=[DOC_TYPE], actor="admin")
        opened.add_signer(provider, cert_der=cert.der, iin=info["iin"], name=cert.common_name, position_kk="басшы",
                          position_ru="руководитель", doc_types=[DOC_TYPE], valid_from=now - dt.timedelta(days=1),
                          valid_to=cert.not_after, actor="admin")
    yield opened
    opened.close()


@pytest.fixture
def issuer(registry, checker, profile) -> TwoStepIssuer:
    return TwoStepIssuer(registry, checker, IssuingOptions(public_url=PUBLIC_URL, timestamp_url=profile.tsa_url),
                         ttl=TTL)


def example(doc_type: str = DOC_TYPE) -> dict:
    """The example's data; its provider block comes from the registry."""
    data = dict(EXAMPLES[doc_type])
    return data


def prepare(issuer: TwoStepIssuer, cert_of, identity: str = "official_ministry", provider: str = "MCI",
            **kwargs) -> Prepared:
    return issuer.prepare(DOC_TYPE, example(), provider_id=provider, signer_certificate_der=cert_of(identity).der,
                          actor="operator", **kwargs)


def device_signs(prepared: Prepared, key: SigningKey) -> tuple[bytes, bytes]:
    """The official's device: the CMS over the digest (Base64, as NCALayer returns it) and the signed XML twin."""
    return (base64.b64encode(device_cms(prepared.digest, key)),
            xmldsig.sign_xml(prepared.xml, key.private_key, key.certificate.der))


def pyhanko_status(pdf: bytes, pki_dir: Path):
    roots = [asn1_x509.Certificate.load(pem.unarmor(p.read_bytes())[2]) for p in (pki_dir / "anchors").glob("*.pem")]
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return asyncio.run(async_validate_pdf_signature(signature, ValidationContext(trust_roots=roots,
                                                                                 allow_fetching=True)))


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(["pdfsig", str(path)], check=False, capture_output=True)  # the test CA is unknown to NSS
    return run.stdout.decode("utf-8", "replace")


def refused(call, *args, **kwargs) -> IssuingError:
    """TwoStepError for the two-step rules; IssuingError for the rules shared with one-step issuing."""
    with pytest.raises(IssuingError) as caught:
        call(*args, **kwargs)
    return caught.value


def assert_nothing_registered(registry: Registry, number: str) -> None:
    with pytest.raises(RegistryError) as caught:
        registry.document(number)
    assert caught.value.code is ErrorCode.NOT_FOUND


def test_prepare_sign_complete_verifies_everywhere(issuer, registry, cert_of, key_of, checker, pki_dir, tmp_path):
    official = key_of("official_ministry")
    prepared = prepare(issuer, cert_of)
    year = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=5))).year
    assert prepared.number == f"LIC-MCI-{year}-000001"
    assert prepared.digest_algorithm == "sha256" and len(base64.b64decode(prepared.digest)) == 32
    token = registry.access_token(prepared.number)  # kept with the pending record, under its number
    assert xmldsig.find_text(prepared.xml, "verify_url") == f"{PUBLIC_URL}/verify/{prepared.number}?t={token}"
    assert [p.id for p in registry.pending_documents()] == [prepared.pending_id]

    cms_signature, signed_xml = device_signs(prepared, official)
    document = issuer.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                               actor="official")

    assert document.number == prepared.number and document.status is DocumentStatus.VALID
    assert document.signer_cert_sha256 == official.certificate.sha256
    assert [e.kind for e in registry.events(document.number)] == ["issued"]
    assert registry.pending_documents() == []
    assert registry.verify_journal().ok
    pdf = registry.file(document.number, "pdf")
    # our verifier, online and offline: B-T (the service's timestamp over the official's signature) and B-LT
    assert DocumentVerifier(checker).verify(pdf).passed
    offline = DocumentVerifier(SignerChecker(checker.profile, policy=Policy.OFFLINE)).verify(pdf)
    assert offline.passed, offline.to_dict()["reasons"]
    assert offline.signatures[0].time_source == "timestamp"
    assert {e.source for e in offline.signatures[0].revocation} == {"document"}
    # pyHanko's own validator: the signature covers its whole revision, and only the DSS was added after it
    status = pyhanko_status(pdf, pki_dir)
    assert status.intact and status.valid and status.trusted and status.bottom_line, status.pretty_print_details()
    assert status.coverage is SignatureCoverageLevel.ENTIRE_REVISION
    assert status.modification_level is ModificationLevel.LTA_UPDATES
    # poppler: valid, and the revision the official signed is signed in full
    assert "Signature Validation: Signature is Valid." in pdfsig(pdf, tmp_path)
    byte_range = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].byte_range
    signed_revision = pdfsig(pdf[:byte_range[2] + byte_range[3]], tmp_path)
    assert "Total document signed" in signed_revision and "Signature is Valid." in signed_revision
    # the XML twin: stored as the device signed it, intact, by the official
    xml = registry.file(document.number, "xml")
    assert xml == signed_xml
    verification = xmldsig.verify_xml(xml)
    assert verification.intact and verification.signatures[0].certificate_der == official.certificate.der
    # the QR code opens the public page of this number
    (tmp_path / "d.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "d.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(str(p) for p in tmp_path.glob("page*.png"))
    qr = subprocess.run(["zbarimg", "--raw", "-q", *pages], check=True, capture_output=True).stdout.decode()
    assert qr.strip() == f"{PUBLIC_URL}/verify/{document.number}?t={registry.access_token(document.number)}"


def test_baseline_signature_covers_the_whole_file(registry, checker, cert_of, key_of, tmp_path):
    plain = TwoStepIssuer(registry, checker, IssuingOptions(public_url=PUBLIC_URL, long_term=False))
    prepared = prepare(plain, cert_of)
    cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    document = plain.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml, actor="o")
    pdf = registry.file(document.number, "pdf")
    report = pdfsig(pdf, tmp_path)
    assert "Total document signed" in report and "Signature is Valid." in report
    assert DocumentVerifier(checker).verify(pdf).passed


def test_ec_official(registry, checker, profile, cert_of, key_of, pki_dir):
    issuer = TwoStepIssuer(registry, checker, IssuingOptions(public_url=PUBLIC_URL, timestamp_url=profile.tsa_url))
    prepared = prepare(issuer, cert_of, "ec_company_head", "ECO")
    cms_signature, signed_xml = device_signs(prepared, key_of("ec_company_head"))
    document = issuer.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml, actor="o")
    pdf = registry.file(document.number, "pdf")
    assert DocumentVerifier(checker).verify(pdf).passed
    assert pyhanko_status(pdf, pki_dir).bottom_line


def test_gost_official_signs_a_streebog_digest(registry, checker, profile, cert_of, key_of, manifest):
    """NCALayer signs the hash it is given with the key's own algorithm: a GOST-2015-512 official gets a
    Streebog-512 digest to sign, and the CMS must carry that digest algorithm."""
    head = cert_of("gost_company_head")
    registry.add_signer("COMP", cert_der=head.der, iin=manifest["identities"]["gost_company_head"]["iin"],
                        name=head.common_name, position_kk="басшы", position_ru="руководитель", doc_types=[DOC_TYPE],
                        valid_from=dt.datetime.now(dt.UTC) - dt.timedelta(days=1), valid_to=head.not_after,
                        actor="admin")
    issuer = TwoStepIssuer(registry, checker, IssuingOptions(public_url=PUBLIC_URL, timestamp_url=profile.tsa_url))
    prepared = prepare(issuer, cert_of, "gost_company_head", "COMP")
    assert prepared.digest_algorithm == "streebog512" and len(base64.b64decode(prepared.digest)) == 64
    key = key_of("gost_company_head")
    # a device that hashed something else signs another digest: refused, nothing registered
    sha_cms = device_cms(base64.b64encode(hashlib.sha512(b"x").digest()).decode(), key)
    _cms, signed_xml = device_signs(prepared, key)
    assert refused(issuer.complete, prepared.pending_id, cms_signature=sha_cms, signed_xml=signed_xml,
                   actor="o").code in ("SIGNATURE_MISMATCH", "SIGNATURE_INVALID")
    cms_signature, signed_xml = device_signs(prepared, key)
    document = issuer.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml, actor="o")
    report = DocumentVerifier(checker).verify(registry.file(document.number, "pdf"))
    assert report.passed, report.to_dict()["reasons"]
    assert report.signatures[0].signer.key_algorithm.startswith("GOST")
    assert report.signatures[0].time_source == "timestamp"


def _ed25519_certificate() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509.oid import NameOID

    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ed25519")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                   .sign(key, None))
    return certificate.public_bytes(serialization.Encoding.DER)


def _other_digest(prepared: Prepared, key_of) -> tuple[bytes, bytes]:
    official = key_of("official_ministry")
    other = base64.b64encode(hashlib.sha256(b"another document").digest()).decode()
    return device_cms(other, official), xmldsig.sign_xml(prepared.xml, official.private_key, official.certificate.der)


def _other_certificate(prepared: Prepared, key_of) -> tuple[bytes, bytes]:
    official = key_of("official_ministry")
    return (device_cms(prepared.digest, key_of("official_region")),
            xmldsig.sign_xml(prepared.xml, official.private_key, official.certificate.der))


def _tampered(prepared: Prepared, key_of) -> tuple[bytes, bytes]:
    signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    der = bytearray(base64.b64decode(signature))
    der[-10] ^= 0x01  # inside the signature value, the last field of the only SignerInfo
    return bytes(der), signed_xml


def _not_a_cms(prepared: Prepared, key_of) -> tuple[bytes, bytes]:
    _signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    return b"not a CMS!", signed_xml


def _xml_other_content(prepared: Prepared, key_of) -> tuple[bytes, bytes]:
    official = key_of("official_ministry")
    changed = prepared.xml.replace(prepared.number.encode(), b"LIC-MCI-1999-999999")
    assert changed != prepared.xml
    return (device_cms(prepared.digest, official),
            xmldsig.sign_xml(changed, official.private_key, official.certificate.der))


def _xml_other_certificate(prepared: Prepared, key_of) -> tuple[bytes, bytes]:
    official, other = key_of("official_ministry"), key_of("official_region")
    return (device_cms(prepared.digest, official),
            xmldsig.sign_xml(prepared.xml, other.private_key, other.certificate.der))


def _xml_tampered(prepared: Prepared, key_of) -> tuple[bytes, bytes]:
    signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    return signature, signed_xml.replace(b"<territory>", b"<territory> ", 1)


@pytest.mark.parametrize(("device", "code", "cause"), [
    (_other_digest, "SIGNATURE_MISMATCH", "DIGEST_MISMATCH"),
    (_other_certificate, "SIGNATURE_MISMATCH", "CERTIFICATE_MISMATCH"),
    (_tampered, "SIGNATURE_INVALID", "SIGNATURE_INVALID"),
    (_not_a_cms, "SIGNATURE_INVALID", "CMS_MALFORMED"),
    (_xml_other_content, "XML_SIGNATURE_INVALID", "CONTENT_MISMATCH"),
    (_xml_other_certificate, "XML_SIGNATURE_INVALID", "CERTIFICATE_MISMATCH"),
    (_xml_tampered, "XML_SIGNATURE_INVALID", "DIGEST_MISMATCH"),
], ids=["other-digest", "other-certificate", "tampered-cms", "not-a-cms", "xml-other-content",
        "xml-other-certificate", "xml-tampered"])
def test_a_wrong_signature_registers_nothing_and_can_be_retried(issuer, registry, cert_of, key_of, device, code,
                                                                cause):
    prepared = prepare(issuer, cert_of)
    cms_signature, signed_xml = device(prepared, key_of)
    head = registry.journal_head()
    error = refused(issuer.complete, prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                    actor="official")
    assert (error.code, error.details.get("cause")) == (code, cause)
    assert_nothing_registered(registry, prepared.number)
    assert registry.journal_head() == head
    assert registry.pending(prepared.pending_id).number == prepared.number
    # the official signs again, correctly
    cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    document = issuer.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                               actor="official")
    assert document.number == prepared.number and registry.verify_journal().ok


def test_the_signer_is_checked_again_at_completion(issuer, registry, profile, pki_server, cert_of, key_of):
    prepared = prepare(issuer, cert_of)
    cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    official = cert_of("official_ministry").sha256
    # the right to sign withdrawn in the registry meanwhile
    registry.set_signer_active(official, False, actor="admin", reason="left the post")
    assert refused(issuer.complete, prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                   actor="official").code == "SIGNER_NOT_AUTHORISED"
    registry.set_signer_active(official, True, actor="admin", reason="back in the post")
    # the certificate revoked meanwhile
    pki_server.pki.revoke("official_ministry", "key_compromise")
    try:
        fresh = TwoStepIssuer(registry, SignerChecker(profile), issuer.options)
        error = refused(fresh.complete, prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                        actor="official")
        assert error.code == "SIGNER_CHECK_FAILED" and error.details["reasons"] == ["CERT_REVOKED"]
    finally:
        state = json.loads((pki_server.pki.root / "state.json").read_text())
        del state["revoked"]["official_ministry"]
        (pki_server.pki.root / "state.json").write_text(json.dumps(state))
    assert_nothing_registered(registry, prepared.number)
    assert issuer.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                           actor="official").number == prepared.number


def test_a_signature_larger_than_the_reserved_room(registry, checker, cert_of, key_of):
    cramped = TwoStepIssuer(registry, checker, IssuingOptions(public_url=PUBLIC_URL), cms_room=1024)
    prepared = prepare(cramped, cert_of)
    cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    error = refused(cramped.complete, prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                    actor="official")
    assert error.code == "SIGNATURE_TOO_LARGE" and error.details["reserved"] == 1024
    assert_nothing_registered(registry, prepared.number)
    assert registry.pending(prepared.pending_id).number == prepared.number


def test_unknown_pending_id(issuer, registry, cert_of, key_of):
    prepared = prepare(issuer, cert_of)
    cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    head = registry.journal_head()
    error = refused(issuer.complete, "0" * 32, cms_signature=cms_signature, signed_xml=signed_xml, actor="official")
    assert error.code == "PENDING_NOT_FOUND"
    assert registry.journal_head() == head
    assert_nothing_registered(registry, prepared.number)
    issuer.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml, actor="official")
    # completed once: the id is gone, and the document stays as it was
    assert refused(issuer.complete, prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                   actor="official").code == "PENDING_NOT_FOUND"
    assert [e.kind for e in registry.events(prepared.number)] == ["issued"]


def test_completed_answers_a_retry_of_complete(issuer, registry, cert_of, key_of):
    official = key_of("official_ministry")
    prepared = prepare(issuer, cert_of)
    cms_signature, signed_xml = device_signs(prepared, official)
    # nothing completed yet: no document came of it (nor of an id that never was)
    for pending_id in (prepared.pending_id, "0" * 32, "%", "x" * 500):
        assert refused(issuer.completed, pending_id, cms_signature=cms_signature,
                       signed_xml=signed_xml).code == "PENDING_NOT_FOUND"
    document = issuer.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml, actor="o")
    head = registry.journal_head()
    # the same signatures, the CMS as DER or Base64: the same document (the service added a timestamp since)
    for given in (cms_signature, base64.b64decode(cms_signature)):
        again = issuer.completed(prepared.pending_id, cms_signature=given, signed_xml=signed_xml)
        assert again == document
    # signed again (at another time, so another signature), or another XML: not what was registered
    resigned = cms.sign_digest(base64.b64decode(prepared.digest), official.private_key, official.certificate.der,
                               signing_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    other = key_of("company_employee")
    other_xml = xmldsig.sign_xml(prepared.xml, other.private_key, other.certificate.der)
    for cms_given, xml_given in ((resigned, signed_xml), (cms_signature, other_xml), (b"garbage", signed_xml),
                                 (cms_signature, b"<a/>")):
        error = refused(issuer.completed, prepared.pending_id, cms_signature=cms_given, signed_xml=xml_given)
        assert error.code == "ALREADY_COMPLETED" and error.details["number"] == document.number
    assert registry.journal_head() == head and [e.kind for e in registry.events(document.number)] == ["issued"]


def test_expired_pending_is_refused_and_its_number_never_reused(issuer, registry, clock, cert_of, key_of):
    prepared = prepare(issuer, cert_of)
    cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    clock.shift = TTL + dt.timedelta(seconds=1)
    error = refused(issuer.complete, prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                    actor="official")
    assert error.code == "PENDING_EXPIRED"
    assert_nothing_registered(registry, prepared.number)
    assert [p.id for p in registry.pending_documents(expired=True)] == [prepared.pending_id]
    assert registry.pending_documents(expired=False) == []
    assert [p.number for p in registry.purge_expired(actor="cron")] == [prepared.number]
    assert registry.pending_documents() == []
    assert refused(issuer.complete, prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                   actor="official").code == "PENDING_NOT_FOUND"
    # the next document takes the next number: the expired one stays a gap, explained by the journal
    later = prepare(issuer, cert_of)
    assert later.number == prepared.number[:-6] + "000002"
    assert registry.verify_journal().ok


def test_abandoned_pending(issuer, registry, cert_of, key_of):
    prepared = prepare(issuer, cert_of)
    cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    assert registry.abandon(prepared.pending_id, actor="operator", reason="data typed wrong").number == prepared.number
    assert refused(issuer.complete, prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                   actor="official").code == "PENDING_NOT_FOUND"
    with pytest.raises(RegistryError) as caught:
        registry.abandon(prepared.pending_id, actor="operator", reason="again")
    assert caught.value.code is ErrorCode.NOT_FOUND
    assert prepare(issuer, cert_of).number.endswith("000002")
    assert registry.verify_journal().ok


def test_who_may_prepare(issuer, registry, cert_of, key_of):
    head = registry.journal_head()
    # not an authorised signer of the ministry
    assert refused(prepare, issuer, cert_of, "company_employee").code == "SIGNER_NOT_AUTHORISED"
    assert refused(prepare, issuer, cert_of, "official_region").code == "SIGNER_NOT_AUTHORISED"
    # registered for its company, but without the right to sign in its certificate
    error = refused(prepare, issuer, cert_of, "company_employee", "COMP")
    assert error.code == "SIGNER_CHECK_FAILED" and error.details["reasons"] == ["ROLE_NOT_ALLOWED"]
    # a key algorithm the NCA does not use (Ed25519)
    assert refused(issuer.prepare, DOC_TYPE, example(), provider_id="MCI",
                   signer_certificate_der=_ed25519_certificate(), actor="operator").code == "ALGORITHM_UNSUPPORTED"
    assert refused(issuer.prepare, DOC_TYPE, example(), provider_id="MCI", signer_certificate_der=b"junk",
                   actor="operator").code == "CERTIFICATE_MALFORMED"
    # data for another provider, and data that is not valid
    official = cert_of("official_ministry").der
    error = refused(issuer.prepare, DOC_TYPE, EXAMPLE_DOCUMENTS[DOC_TYPE], provider_id="MCI",
                    signer_certificate_der=official, actor="operator")
    assert error.code == "PROVIDER_MISMATCH"
    data = example()
    data["licensee"] = dict(data["licensee"], bin="123")
    with pytest.raises(DocumentDataError) as caught:
        issuer.prepare(DOC_TYPE, data, provider_id="MCI", signer_certificate_der=official, actor="operator")
    assert caught.value.as_list()[0]["field"] == "licensee.bin"
    # no number was taken
    assert registry.journal_head() == head and registry.pending_documents() == []
    assert prepare(issuer, cert_of).number.endswith("000001")


def test_restart_between_the_steps(issuer, db_url, checker, cert_of, key_of):
    prepared = prepare(issuer, cert_of)
    issuer.registry.close()
    reopened = Registry.open(db_url)
    try:
        again = TwoStepIssuer(reopened, checker, issuer.options)
        cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
        document = again.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                                  actor="official")
        assert document.number == prepared.number
        assert DocumentVerifier(checker).verify(reopened.file(document.number, "pdf")).passed
        assert reopened.verify_journal().ok
    finally:
        reopened.close()


def test_idempotent_prepare(issuer, registry, cert_of, key_of):
    first = prepare(issuer, cert_of, idempotency_key="req-7")
    assert prepare(issuer, cert_of, idempotency_key="req-7") == first
    with pytest.raises(RegistryError) as caught:
        issuer.prepare("refusal", example("refusal"), provider_id="MCI",
                       signer_certificate_der=cert_of("official_ministry").der, actor="operator",
                       idempotency_key="req-7")
    assert caught.value.code is ErrorCode.CONFLICT
    # a one-step issue cannot take the key of a pending document (it would block its completion)

    def never(_draft) -> SignedFiles:
        raise AssertionError("nothing may be rendered")

    with pytest.raises(RegistryError) as caught:
        registry.issue(doc_type=DOC_TYPE, provider_id="MCI", holder_name="x", holder_id="123456789012", data={},
                       actor="portal", render_and_sign=never, idempotency_key="req-7")
    assert caught.value.code is ErrorCode.CONFLICT
    cms_signature, signed_xml = device_signs(first, key_of("official_ministry"))
    document = issuer.complete(first.pending_id, cms_signature=cms_signature, signed_xml=signed_xml, actor="official")
    assert document.idempotency_key == "req-7"
    with pytest.raises(RegistryError) as caught:
        prepare(issuer, cert_of, idempotency_key="req-7")
    assert caught.value.code is ErrorCode.CONFLICT and document.number in caught.value.message
    assert registry.verify_journal().ok


def test_a_changed_pending_file_is_caught(issuer, registry, db_url, cert_of, key_of):
    prepared = prepare(issuer, cert_of)
    connection = sqlite3.connect(db_url.removeprefix("sqlite:///"))  # as someone editing the database file would
    try:
        (content,) = connection.execute("SELECT content FROM pending_files WHERE kind = 'pdf'").fetchone()
        assert b"/Reason" in content
        connection.execute("UPDATE pending_files SET content = ? WHERE kind = 'pdf'",
                           (content.replace(b"/Reason", b"/Reasox", 1),))
        connection.commit()
    finally:
        connection.close()
    report = registry.verify_journal()
    assert not report.ok and report.reason == "record_edited" and "pending document" in report.detail
    cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    assert refused(issuer.complete, prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml,
                   actor="official").code == "PENDING_CORRUPT"
    assert_nothing_registered(registry, prepared.number)


def test_b_lta_two_step_documents_get_a_document_timestamp(registry, checker, cert_of, key_of, profile, pki_dir):
    """EDS_LONG_TERM=lta for a document the official signs on their device: after the B-LT data, a document timestamp
    and its TSA's evidence (issue 19)."""
    archived = TwoStepIssuer(registry, checker, IssuingOptions(public_url=PUBLIC_URL, timestamp_url=profile.tsa_url,
                                                               archive_timestamp_url=profile.tsa_url), ttl=TTL)
    prepared = prepare(archived, cert_of)
    cms_signature, signed_xml = device_signs(prepared, key_of("official_ministry"))
    document = archived.complete(prepared.pending_id, cms_signature=cms_signature, signed_xml=signed_xml, actor="o")
    pdf = registry.file(document.number, "pdf")
    report = DocumentVerifier(SignerChecker(checker.profile, policy=Policy.OFFLINE)).verify(pdf)
    assert report.passed, report.to_dict()["reasons"]
    assert [s.extra["kind"] for s in report.signatures] == ["signature", "document-timestamp"]
    assert report.signatures[1].extra["proof"]["cause"] == "certificate"
    status = pyhanko_status(pdf, pki_dir)
    assert status.bottom_line and status.modification_level is ModificationLevel.LTA_UPDATES
