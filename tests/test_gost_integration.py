"""GOST wherever a signature is checked or made: chains, CRLs, OCSP, XMLDSig, CMS, PKCS#12, over the test PKI."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess
import urllib.request

import pytest
from asn1crypto import cms as acms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from lxml import etree

from eds.pki import algorithms
from eds.pki.certificates import Certificate
from eds.pki.gost import (
    OID_KZ_GOST2004_SIGNATURE,
    OID_KZ_GOST2015_512_SIGNATURE,
    OID_KZ_STREEBOG512_HASH,
    gost94_test,
    verify_nca,
)
from eds.pki.gost.curves import CRYPTOPRO_A, TC26_512_A
from eds.pki.gost.keys import GostPrivateKey
from eds.pki.gost.pkcs12 import Pkcs12Error, derive, read_pkcs12, write_pkcs12
from eds.pki.gost.providers import install
from eds.pki.gost.rc2 import encrypt_block
from eds.pki.keys import KeyStoreError, SigningKey
from eds.pki.paths import PathValidator
from eds.pki.revocation import CrlIndex, OcspClient, Policy
from eds.pki.revocation.ocsp import build_request, check_response
from eds.signatures import cms, tsp, xmldsig
from eds.validation.report import Indication
from eds.validation.request_check import Claims, RequestChecker
from eds.validation.signer_check import SignerChecker

GOST_USERS = ("gost_individual_sign", "gost_company_head", "gost_revoked", "gost_on_hold")


def quick_ocsp() -> OcspClient:
    return OcspClient(timeout=1.0, retries=1, retry_delay=0.01)


@pytest.fixture(scope="module")
def keys(pki_dir, manifest) -> dict[str, SigningKey]:
    names = (*GOST_USERS, "individual_sign")
    return {name: SigningKey.from_pkcs12((pki_dir / manifest["identities"][name]["pkcs12"]).read_bytes(),
                                         manifest["password"], key_id=name) for name in names}


@pytest.fixture(scope="module")
def requests(profile, pki_server) -> RequestChecker:
    return RequestChecker(SignerChecker(profile, ocsp_client=quick_ocsp()))


def request_xml(iin: str) -> bytes:
    return (f"<request><service>scrap_metal_licence</service><applicant><iin>{iin}</iin>"
            "<name>Қазақ әріптері: ә ғ қ ң ө ұ ү һ і</name></applicant></request>").encode()


def sign_gost_xml(key: SigningKey, document: bytes) -> bytes:
    """The key picks its own GOST URI: no algorithm is named by the caller."""
    return xmldsig.sign_xml(document, key.private_key, key.certificate.der)


# --- registration ---------------------------------------------------------------------------------------------


def test_install_registers_gost_once_in_the_one_registry_and_is_idempotent():
    before = (dict(algorithms._SIGNATURES), dict(algorithms._DIGESTS), dict(algorithms._BY_KEY))
    install()
    install()
    assert before == (algorithms._SIGNATURES, algorithms._DIGESTS, algorithms._BY_KEY)
    for oid in ("1.2.398.3.10.1.1.2.3.2", "1.2.398.3.10.1.1.2.3.1", "1.2.398.3.10.1.1.1.2"):
        assert algorithms.is_supported(oid) and algorithms.signature(oid).key_type == "gost"
        assert oid in xmldsig.SIGNATURE_URIS.values()  # XMLDSig keeps only its URI -> OID table
    assert algorithms.for_key("1.2.398.3.10.1.1.2.2", algorithms.SHA256) == "1.2.398.3.10.1.1.2.3.2"
    assert not algorithms.is_supported("1.2.643.7.1.1.3.3")  # Russian GOST 2012-512: still unknown here


def test_gost_private_key_never_shows_d():
    key = GostPrivateKey.generate(TC26_512_A, OID_KZ_GOST2015_512_SIGNATURE)
    assert str(key.d) not in repr(key) and format(key.d, "x") not in repr(key)
    assert "GOST 34.10-2015 512" in repr(key)
    with pytest.raises(ValueError):
        GostPrivateKey(CRYPTOPRO_A, key.d % CRYPTOPRO_A.q or 1, OID_KZ_GOST2015_512_SIGNATURE)  # 256-bit curve
    assert GostPrivateKey.from_pkcs8(key.to_pkcs8()).public_point == key.public_point


# --- chains, CRLs, OCSP -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("methods", [("OCSP",), ("CRL",)], ids=["ocsp", "crl"])
def test_gost_chain_validates_with_live_revocation(pki_server, profile, manifest, cert_of, methods):
    checker = SignerChecker(profile, methods=methods, ocsp_client=quick_ocsp())
    valid = checker.check(cert_of("gost_individual_sign"), expect_iin=manifest["identities"]["gost_individual_sign"]
                          ["iin"])
    assert valid.indication == Indication.TOTAL_PASSED, valid.to_dict()["reasons"]
    assert [c["subject"].split("CN=")[-1] for c in valid.to_dict()["chain"]][-1].startswith("НЕГІЗГІ")
    assert {e.type for e in valid.revocation} == set(methods)
    head = manifest["identities"]["gost_company_head"]
    assert checker.check(cert_of("gost_company_head"), expect_iin=head["iin"], expect_bin=head["bin"]).passed
    for name, reason in (("gost_revoked", "key_compromise"), ("gost_on_hold", "certificate_hold")):
        report = checker.check(cert_of(name))
        assert report.indication == Indication.TOTAL_FAILED
        assert report.reasons[0].code == "CERT_REVOKED"
        assert report.reasons[0].details["reason"] == reason


def test_gost_crls_are_gost_signed_full_and_delta(pki_server, manifest, cert_of):
    ca = cert_of("ca_gost")
    base = pki_server.base_url
    full = CrlIndex(urllib.request.urlopen(f"{base}/crl/nca_gost_test_2022.crl").read())
    delta = CrlIndex(urllib.request.urlopen(f"{base}/crl/nca_d_gost_test_2022.crl").read())
    for crl in (full, delta):
        assert crl.crl.signature_algorithm_oid.dotted_string == OID_KZ_GOST2015_512_SIGNATURE
        assert crl.issued_by(ca)
        crl.verify_signature(ca)
    assert delta.is_delta and delta.delta_base == full.number
    assert full.lookup(int(manifest["identities"]["gost_revoked"]["serial"], 16)).reason == "key_compromise"
    assert delta.lookup(int(manifest["identities"]["gost_on_hold"]["serial"], 16)).reason == "certificate_hold"
    tampered = bytearray(full.der)
    tampered[-5] ^= 0x01
    with pytest.raises(Exception) as caught:
        CrlIndex(bytes(tampered)).verify_signature(ca)
    assert getattr(caught.value, "code", None) == "CRL_SIGNATURE_INVALID"
    root_crl = CrlIndex(urllib.request.urlopen(f"{base}/crl/root_gost_test_2022.crl").read())
    with pytest.raises(Exception) as caught:
        root_crl.verify_signature(ca)  # the root's CRL does not verify with the issuing CA's key
    assert getattr(caught.value, "code", None) == "CRL_SIGNATURE_INVALID"


def test_gost_ocsp_answers_like_the_nca(pki_server, cert_of):
    cert, issuer = cert_of("gost_individual_sign"), cert_of("ca_gost")
    for algorithm in (hashes.SHA1(), hashes.SHA256()):
        nonce = b"0123456789abcdef"
        request = build_request(cert, issuer, hash_algorithm=algorithm, nonce=nonce)
        der = urllib.request.urlopen(urllib.request.Request(
            f"{pki_server.base_url}/ocsp/", data=request, headers={"Content-Type": "application/ocsp-request"})).read()
        response = ocsp.load_der_ocsp_response(der)
        assert response.signature_algorithm_oid.dotted_string == OID_KZ_GOST2015_512_SIGNATURE
        assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
        assert response.next_update_utc is None
        assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
        assert response.certificates[0].subject == x509.load_pem_x509_certificate(
            (pki_server.pki.root / "users/ocsp_gost.pem").read_bytes()).subject
        now = dt.datetime.now(dt.timezone.utc)
        answer = check_response(der, cert, issuer, now=now, at=now, max_age=dt.timedelta(minutes=5), nonce=nonce)
        assert answer.status == "GOOD", answer.message
        signature = response.signature
        forged = check_response(der.replace(signature, signature[:-1] + bytes([signature[-1] ^ 1])), cert, issuer,
                                now=now, at=now, max_age=dt.timedelta(minutes=5), nonce=nonce)
        assert forged.code == "OCSP_SIGNATURE_INVALID"


def test_gost_offline_from_crl_files(profile, manifest, cert_of, pki_dir):
    crls = [p.read_bytes() for p in sorted((pki_dir / "crl").glob("*gost*.crl"))]
    checker = SignerChecker(profile, policy=Policy.OFFLINE, crls=crls)
    assert checker.check(cert_of("gost_individual_sign")).passed
    assert checker.check(cert_of("gost_revoked")).reasons[0].code == "CERT_REVOKED"


def _resign(der: bytes, signature_oid: str) -> bytes:
    """The same certificate claiming another signature algorithm (the signature no longer matters)."""
    cert = asn1_x509.Certificate.load(der)
    tbs = cert["tbs_certificate"].copy()
    tbs["signature"] = {"algorithm": signature_oid}
    return asn1_x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": {"algorithm": signature_oid},
                                  "signature_value": cert["signature_value"].native}).dump()


def test_unknown_algorithm_stays_indeterminate_and_a_bad_gost_signature_fails(profile, cert_of):
    checker = SignerChecker(profile, policy=Policy.OFFLINE)
    unknown = Certificate.load(_resign(cert_of("gost_individual_sign").der, "1.2.643.7.1.1.3.3"))
    report = checker.check(unknown)
    assert report.indication == Indication.INDETERMINATE
    assert report.reasons[0].code == "ALGORITHM_UNSUPPORTED"
    with pytest.raises(algorithms.UnsupportedSignatureAlgorithm):
        algorithms.verify(cert_of("ca_gost"), b"data", b"\x00" * 128, "1.2.643.7.1.1.3.3")

    der = bytearray(cert_of("gost_individual_sign").der)
    der[-3] ^= 0x01  # inside the signature value
    forged = Certificate.load(bytes(der))
    now = dt.datetime.now(dt.timezone.utc)
    result = PathValidator(profile).validate(forged, now)
    assert not result.ok and result.code == "CHAIN_INVALID"
    assert PathValidator(profile).validate(cert_of("gost_individual_sign"), now).ok


# --- XMLDSig --------------------------------------------------------------------------------------------------


def test_gost_xml_request_passes_and_tampering_fails(requests, keys):
    key = keys["gost_individual_sign"]
    signed = sign_gost_xml(key, request_xml(key.certificate.iin))
    assert b"gostr34102015-gostr34112015-512" in signed and b"gostr34112015-512" in signed
    report = requests.check(signed, claims=Claims(iin_path="applicant/iin"))
    assert report.passed, report.to_dict()["reasons"]
    assert report.signatures[0].extra["algorithm"] == xmldsig.GOST2015_512
    tampered = signed.replace(key.certificate.iin.encode(), b"000000000000")
    report = requests.check(tampered, claims=Claims(iin="000000000000"))
    assert not report.passed
    assert report.reasons[0].code == "SIGNATURE_INVALID"


def test_gost_xml_signature_value_is_r_s_little_endian(keys):
    key = keys["gost_individual_sign"]
    signed = sign_gost_xml(key, request_xml(key.certificate.iin))
    root = etree.fromstring(signed)
    signature = root.find(f"{{{xmldsig.DS_NS}}}Signature")
    signed_info = etree.tostring(signature.find(f"{{{xmldsig.DS_NS}}}SignedInfo"), method="c14n")
    value = base64.b64decode(signature.findtext(f"{{{xmldsig.DS_NS}}}SignatureValue"))
    assert len(value) == 128
    assert verify_nca(asn1_x509.Certificate.load(key.certificate.der).public_key.dump(), signed_info, value,
                      OID_KZ_GOST2015_512_SIGNATURE)


def test_gost_key_refuses_another_algorithm(keys):
    key = keys["gost_individual_sign"]
    with pytest.raises(xmldsig.XmlDsigError) as caught:
        xmldsig.sign_xml(request_xml("1"), key.private_key, key.certificate.der,
                         signature_algorithm=xmldsig.GOST2015_256)
    assert caught.value.code == "UNSUPPORTED_KEY"


def test_co_signed_xml_rsa_and_gost(requests, keys):
    applicant, co_signer = keys["individual_sign"], keys["gost_company_head"]
    document = request_xml(applicant.certificate.iin)
    first = xmldsig.sign_xml(document, applicant.private_key, applicant.certificate.der)
    both = sign_gost_xml(co_signer, first)
    result = xmldsig.verify_xml(both)
    assert result.intact
    assert [s.signature_algorithm for s in result.signatures] == [xmldsig.RSA_SHA256, xmldsig.GOST2015_512]
    report = requests.check(both, claims=Claims(iin_path="applicant/iin"))
    assert report.passed, report.to_dict()["reasons"]
    assert len(report.signatures) == 2

    reversed_order = xmldsig.sign_xml(sign_gost_xml(co_signer, document), applicant.private_key,
                                      applicant.certificate.der)
    assert xmldsig.verify_xml(reversed_order).intact
    broken = both.replace(b"scrap_metal_licence", b"gold_mining_licence")
    assert [s.failure for s in xmldsig.verify_xml(broken).signatures] == ["DIGEST_MISMATCH", "DIGEST_MISMATCH"]


def _self_signed_2004(key: GostPrivateKey) -> bytes:
    """A minimal self-signed GOST 34.310-2004 certificate for ``key`` (the test PKI issues only GOST-2015)."""
    name = asn1_x509.Name.build({"common_name": "GOST-2004 TEST", "country_name": "KZ"})
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    algorithm = {"algorithm": key.algorithm_oid}
    tbs = asn1_x509.TbsCertificate({
        "version": "v3", "serial_number": 2004, "signature": algorithm, "issuer": name, "subject": name,
        "validity": {"not_before": asn1_x509.Time(name="utc_time", value=now - dt.timedelta(days=1)),
                     "not_after": asn1_x509.Time(name="utc_time", value=now + dt.timedelta(days=30))},
        "subject_public_key_info": asn1_x509.PublicKeyInfo.load(key.spki),
    })
    return asn1_x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": algorithm,
                                  "signature_value": key.sign(tbs.dump())}).dump()


def test_gost_2004_xml_signature_with_test_sbox():
    key = GostPrivateKey.generate(CRYPTOPRO_A, OID_KZ_GOST2004_SIGNATURE)
    certificate = _self_signed_2004(key)
    assert algorithms.verify(Certificate.load(certificate), asn1_x509.Certificate.load(certificate)[
        "tbs_certificate"].dump(), asn1_x509.Certificate.load(certificate)["signature_value"].native,
        OID_KZ_GOST2004_SIGNATURE)
    document = b"<request><iin>123456789012</iin></request>"
    signed = xmldsig.sign_xml(document, key, certificate, signature_algorithm=xmldsig.GOST2004)
    assert b"xmldsig-more#gost34310-gost34311" in signed and b"xmldsig-more#gost34311" in signed
    [signature] = xmldsig.verify_xml(signed).signatures
    assert signature.intact, signature.message
    assert (signature.signature_algorithm, signature.digest_algorithm) == (xmldsig.GOST2004, xmldsig.GOST2004_DIGEST)
    digest = base64.b64decode(etree.fromstring(signed).findtext(f".//{{{xmldsig.DS_NS}}}DigestValue"))
    assert digest == gost94_test(signature.signed_xml).digest()  # the test S-box hash of the document
    tampered = signed.replace(b"123456789012", b"123456789013")
    assert xmldsig.verify_xml(tampered).signatures[0].failure == "DIGEST_MISMATCH"
    other = GostPrivateKey.generate(CRYPTOPRO_A, OID_KZ_GOST2004_SIGNATURE)
    with pytest.raises(xmldsig.XmlDsigError) as caught:  # as for RSA and EC keys: never sign for another's cert
        xmldsig.sign_xml(document, other, certificate, signature_algorithm=xmldsig.GOST2004)
    assert caught.value.code == "CERTIFICATE_KEY_MISMATCH"
    swapped = signed.replace(base64.b64encode(certificate), base64.b64encode(_self_signed_2004(other)))
    assert xmldsig.verify_xml(swapped).signatures[0].failure == "SIGNATURE_INVALID"


# --- CMS ------------------------------------------------------------------------------------------------------


def test_gost_cms_passes_with_streebog_digest(requests, keys):
    key = keys["gost_individual_sign"]
    content = request_xml(key.certificate.iin)
    der = cms.sign_cms(content, key.private_key, key.certificate.der, extra_certs=[c.der for c in key.chain])
    result = tsp.verify_cades(der)
    assert result.intact, result.signers[0].message
    signer = result.signers[0]
    assert (signer.digest_algorithm, signer.signature_algorithm) == (OID_KZ_STREEBOG512_HASH,
                                                                      OID_KZ_GOST2015_512_SIGNATURE)
    signer_info = acms.ContentInfo.load(der)["content"]["signer_infos"][0]
    value = signer_info["signature"].native
    assert len(value) == 128  # r ‖ s little-endian, as in XMLDSig (unconfirmed on an NCALayer sample)
    assert verify_nca(asn1_x509.Certificate.load(key.certificate.der).public_key.dump(),
                      signer_info["signed_attrs"].untag().dump(), value, OID_KZ_GOST2015_512_SIGNATURE)
    report = requests.check(der, claims=Claims(iin_path="applicant/iin"))
    assert report.passed, report.to_dict()["reasons"]
    detached = cms.sign_cms(content, key.private_key, key.certificate.der, detached=True)
    assert tsp.verify_cades(detached, detached_content=content).intact
    assert tsp.verify_cades(detached, detached_content=content + b" ").signers[0].failure == "DIGEST_MISMATCH"


def test_gost_cms_co_signed_and_timestamped(requests, keys, manifest):
    gost, rsa = keys["gost_company_head"], keys["individual_sign"]
    content = request_xml(rsa.certificate.iin)
    first = cms.sign_cms(content, rsa.private_key, rsa.certificate.der)
    both = cms.add_signer(first, gost.private_key, gost.certificate.der, timestamp=tsp.signature_timestamper(f"{manifest['base_url']}/tsp/"))
    result = tsp.verify_cades(both)
    assert [s.intact for s in result.signers] == [True, True]
    assert result.signers[1].timestamp is not None and result.signers[1].timestamp.intact
    digests = {a["algorithm"].dotted for a in acms.ContentInfo.load(both)["content"]["digest_algorithms"]}
    assert digests == {cms.SHA256, OID_KZ_STREEBOG512_HASH}
    report = requests.check(both, claims=Claims(iin_path="applicant/iin"))
    assert report.passed, report.to_dict()["reasons"]


def test_gost_cms_refuses_a_key_that_is_not_the_certificates(keys):
    with pytest.raises(ValueError):
        cms.sign_cms(b"x", keys["gost_individual_sign"].private_key, keys["gost_company_head"].certificate.der)


# --- PKCS#12 --------------------------------------------------------------------------------------------------


def test_gost_pkcs12_opens_and_a_wrong_password_is_told(pki_dir, manifest):
    data = (pki_dir / manifest["identities"]["gost_individual_sign"]["pkcs12"]).read_bytes()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(data, manifest["password"].encode())  # what cryptography makes of it
    key = SigningKey.from_pkcs12(data, manifest["password"])
    assert isinstance(key.private_key, GostPrivateKey)
    assert key.certificate.serial_hex == manifest["identities"]["gost_individual_sign"]["serial"]
    assert [c.common_name for c in key.chain] == ["ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022",
                                                  "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022"]
    assert str(key.private_key.d) not in repr(key) + repr(key.private_key)
    with pytest.raises(KeyStoreError) as caught:
        SigningKey.from_pkcs12(data, "Qwerty13")
    assert caught.value.code == "KEY_BAD_PASSWORD"
    with pytest.raises(KeyStoreError) as caught:
        SigningKey.from_pkcs12((pki_dir / "users/individual_sign.p12").read_bytes(), "wrong")
    assert caught.value.code == "KEY_BAD_PASSWORD"


def test_gost_pkcs12_has_the_nca_legacy_layout(pki_dir, manifest):
    assert shutil.which("openssl"), "the openssl command is needed (Debian package openssl)"
    path = pki_dir / manifest["identities"]["gost_company_head"]["pkcs12"]
    result = subprocess.run(["openssl", "pkcs12", "-info", "-legacy", "-nokeys", "-in", str(path), "-passin",
                             f"pass:{manifest['password']}"], capture_output=True)
    text = (result.stdout + result.stderr).decode()
    assert "MAC: sha1, Iteration 1024" in text
    assert "pbeWithSHA1And40BitRC2-CBC, Iteration 1024" in text
    assert "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024" in text
    ski = x509.load_pem_x509_certificate((pki_dir / manifest["identities"]["gost_company_head"]["certificate"])
                                         .read_bytes()).extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert f"friendlyName: {ski.value.digest.hex()}" in text


def test_pkcs12_round_trip_and_errors():
    key = GostPrivateKey.generate(CRYPTOPRO_A, OID_KZ_GOST2004_SIGNATURE)
    certificate = _self_signed_2004(key)
    data = write_pkcs12(key.to_pkcs8(), certificate, [], "пароль", alias="a")
    contents = read_pkcs12(data, "пароль")
    assert contents.certificates == (certificate,)
    assert GostPrivateKey.from_pkcs8(contents.private_keys[0]).d == key.d
    assert "key" in repr(contents) and str(key.d) not in repr(contents)
    with pytest.raises(Pkcs12Error) as caught:
        read_pkcs12(data, "parol")
    assert caught.value.code == "PKCS12_BAD_PASSWORD"
    with pytest.raises(Pkcs12Error) as caught:
        read_pkcs12(data[:-40], "пароль")
    assert caught.value.code == "PKCS12_MALFORMED"


@pytest.mark.parametrize("key, bits, plaintext, ciphertext", [
    ("0000000000000000", 63, "0000000000000000", "ebb773f993278eff"),
    ("ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"),
    ("3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"),
    ("88", 64, "0000000000000000", "61a8a244adacccf0"),
    ("88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"),
    ("88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"),
    ("88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"),
    ("88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", 129, "0000000000000000",
     "5b78d3a43dfff1f1"),
])
def test_rc2_rfc2268_vectors(key, bits, plaintext, ciphertext):
    assert encrypt_block(bytes.fromhex(key), bytes.fromhex(plaintext), bits).hex() == ciphertext


def test_pkcs12_kdf_matches_cryptography_files():
    """A file cryptography wrote (SHA-1 MAC, 3DES bags) reads back: the KDF, MAC and 3DES agree with OpenSSL's."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        NoEncryption,
        PrivateFormat,
    )
    from cryptography.x509.oid import NameOID

    ec_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kdf")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ec_key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(ec_key, hashes.SHA256()))
    encryption = (PrivateFormat.PKCS12.encryption_builder().kdf_rounds(1024)
                  .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1())
                  .build(b"Qwerty12"))
    data = pkcs12.serialize_key_and_certificates(b"x", ec_key, cert, None, encryption)
    contents = read_pkcs12(data, "Qwerty12")
    assert contents.private_keys == (ec_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()),)
    assert contents.certificates == (cert.public_bytes(Encoding.DER),)
    modern = pkcs12.serialize_key_and_certificates(b"x", ec_key, cert, None, BestAvailableEncryption(b"pw"))
    with pytest.raises(Pkcs12Error) as caught:
        read_pkcs12(modern, "wrong")  # SHA-256 MAC: still told apart
    assert caught.value.code == "PKCS12_BAD_PASSWORD"
    assert len(derive(b"\x00\x00", b"salt", 1, 1, 24)) == 24


def test_sign_xml_picks_the_gost_uri_from_the_key(pki_dir, manifest):
    from eds.signatures import xmldsig
    from eds.pki.keys import SigningKey

    info = manifest["identities"]["gost_individual_sign"]
    key = SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), manifest["password"])
    signed = xmldsig.sign_xml(b"<r>x</r>", key.private_key, key.certificate.der)
    result = xmldsig.verify_xml(signed)
    assert result.intact
    assert result.signatures[0].signature_algorithm.endswith("gostr34102015-gostr34112015-512")


def test_gost_pades_signature_made_here_verifies_and_tampering_fails(keys, profile, pki_server):
    """sign_pdf with a GOST key: pyHanko lays out the signature field, eds.signatures.cms makes the GOST CMS (Streebog
    digest, no signing-time attribute as PAdES wants), the TSA stamps it; the verifier accepts it."""
    import io

    from asn1crypto import cms as asn1_cms
    from pyhanko.pdf_utils.reader import PdfFileReader

    from eds.signatures import pades as pdf
    from eds.issuing.documents import render_pdf, validate
    from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES
    from eds.pki.gost import OID_KZ_GOST2015_512_SIGNATURE, OID_KZ_STREEBOG512_HASH
    from eds.validation.verify import DocumentVerifier

    unsigned = render_pdf(validate("restoration_consent", EXAMPLES["restoration_consent"]), number="CNS-G-1",
                          issued_at=dt.date.today(), verify_url="https://e.kz/verify/CNS-G-1")
    gost = keys["gost_individual_sign"]
    signed = pdf.sign_pdf(unsigned, gost, timestamp_url=profile.tsa_url, reason="restoration_consent CNS-G-1")
    assert signed.startswith(unsigned)  # an incremental update
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    signer_info = signature.signer_info
    assert signer_info["digest_algorithm"]["algorithm"].dotted == OID_KZ_STREEBOG512_HASH
    assert signer_info["signature_algorithm"]["algorithm"].dotted == OID_KZ_GOST2015_512_SIGNATURE
    assert {a["type"].native for a in signer_info["signed_attrs"]} == {
        "content_type", "message_digest", "signing_certificate_v2"}
    assert [a["type"].native for a in signer_info["unsigned_attrs"]] == ["signature_time_stamp_token"]
    assert isinstance(signature.signed_data, asn1_cms.SignedData)
    report = DocumentVerifier(SignerChecker(profile)).verify(signed)
    assert report.passed, report.to_dict()["reasons"]
    assert report.signatures[0].signer.key_algorithm.startswith("GOST")
    assert report.signatures[0].time_source == "timestamp"
    tampered = signed.replace(b"/Producer", b"/Qroducer", 1)
    assert [r.code for r in DocumentVerifier(SignerChecker(profile)).verify(tampered).reasons] == ["SIGNATURE_INVALID"]


def test_a_gost_official_issues_a_long_term_licence_that_verifies_offline(keys, profile, pki_server, tmp_path):
    from eds.issuing.documents.examples import EXAMPLES
    from eds.issuing.issuer import Issuer, IssuingOptions
    from eds.issuing.keystore import KeyStore
    from eds.issuing.registry import Registry
    from eds.pki.revocation import Policy
    from eds.validation.verify import DocumentVerifier

    head = keys["gost_company_head"]
    registry = Registry.open(f"sqlite:///{tmp_path / 'registry.db'}")
    registry.add_provider("GKH", name_kk="Сынақ ЖШС", name_ru="ТОО «Сынақ»", bin="150340001117", place_kk="Тараз қ.",
                          place_ru="г. Тараз", doc_types=["scrap_metal_licence"], actor="admin")
    now = dt.datetime.now(dt.timezone.utc)
    registry.add_signer("GKH", cert_der=head.certificate.der, iin="800220401662",
                        name=head.certificate.common_name, position_kk="Директор", position_ru="Директор",
                        doc_types=["scrap_metal_licence"], valid_from=now - dt.timedelta(days=1),
                        valid_to=head.certificate.not_after, actor="admin")
    store = KeyStore()
    store.add(head)
    issuer = Issuer(registry, SignerChecker(profile), store, IssuingOptions(timestamp_url=profile.tsa_url))
    data = EXAMPLES["scrap_metal_licence"]
    document = issuer.issue("scrap_metal_licence", data, provider_id="GKH", key_id="gost_company_head",
                            actor="test")
    offline = DocumentVerifier(SignerChecker(profile, policy=Policy.OFFLINE))
    report = offline.verify(registry.file(document.number, "pdf"))
    assert report.passed, report.to_dict()["reasons"]
    assert report.signatures[0].signer.key_algorithm.startswith("GOST")
    assert xmldsig.verify_xml(registry.file(document.number, "xml")).intact
