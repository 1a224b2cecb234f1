"""eds.signatures.xmldsig: NCALayer-profile XMLDSig verify/sign, co-signatures, interop with xmlsec1 and signxml."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree

from eds.pki import algorithms
from eds.signatures import xmldsig
from eds.signatures.xmldsig import (
    C14N_10,
    C14N_10_WITH_COMMENTS,
    DS_NS,
    ECDSA_SHA256,
    ENVELOPED_SIGNATURE,
    GOST2015_512,
    GOST2015_DIGEST_512,
    RSA_SHA256,
    SHA256,
    XmlDsigError,
    find_text,
    find_texts,
    sign_xml,
    verify_xml,
)

DS = "{" + DS_NS + "}"
DOC = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<request xmlns="urn:egov:request" Id="req1">\n'
    "  <applicant><iin>123456789012</iin><name>ТЕСТОВ ТЕСТ</name></applicant>\n"
    '  <service code="001" lang="kk">Анықтама</service>\n'
    "</request>"
).encode()


def make_certificate(key, common_name: str) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def rsa_signer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, make_certificate(key, "RSA signer")


@pytest.fixture(scope="module")
def ec_signer():
    key = ec.generate_private_key(ec.SECP256R1())
    return key, make_certificate(key, "ECDSA signer")


@pytest.fixture(scope="module", params=["rsa", "ecdsa"])
def signer(request, rsa_signer, ec_signer):
    return rsa_signer if request.param == "rsa" else ec_signer


@pytest.fixture(scope="module")
def xmlsec1() -> str:
    path = shutil.which("xmlsec1")
    if path is None:
        pytest.fail("xmlsec1 is required for the interop tests: apt-get install -y xmlsec1")
    return path


def pem(certificate_der: bytes) -> bytes:
    return x509.load_der_x509_certificate(certificate_der).public_bytes(serialization.Encoding.PEM)


def key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def c14n(document: bytes) -> bytes:
    return etree.tostring(etree.fromstring(document).getroottree(), method="c14n", with_comments=False)


def resign_last(document: bytes, key, mutate) -> bytes:
    """Apply ``mutate(signature_element)`` and recompute SignatureValue, so only the profile can object."""
    root = etree.fromstring(document)
    signature = root.findall(DS + "Signature")[-1]
    mutate(signature)
    standalone = etree.fromstring(etree.tostring(signature.find(DS + "SignedInfo"), with_tail=False))
    data = etree.tostring(standalone.getroottree(), method="c14n")  # sub-element C14N in lxml is unreliable
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        value = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    signature.find(DS + "SignatureValue").text = base64.b64encode(value).decode()
    return etree.tostring(root.getroottree())


# ---------------------------------------------------------------------------------------------------------
# Round trip and profile layout


def test_round_trip(signer):
    key, certificate = signer
    signed = sign_xml(DOC, key, certificate)
    result = verify_xml(signed)
    assert result.failure is None and result.intact, result
    [signature] = result.signatures
    assert signature.intact and signature.failure is None
    assert signature.certificate_der == certificate
    assert signature.other_certificates == ()
    expected = RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) else ECDSA_SHA256
    assert signature.signature_algorithm == expected
    assert signature.digest_algorithm == SHA256
    assert signature.signed_xml == c14n(DOC) == result.signed_document


def test_layout_is_the_ncalayer_profile(rsa_signer):
    key, certificate = rsa_signer
    root = etree.fromstring(sign_xml(DOC, key, certificate))
    signature = root[-1]
    assert signature.tag == DS + "Signature" and signature.prefix == "ds"
    assert signature.find(f"{DS}SignedInfo/{DS}CanonicalizationMethod").get("Algorithm") == C14N_10
    reference = signature.find(f"{DS}SignedInfo/{DS}Reference")
    assert reference.get("URI") == ""
    transforms = [t.get("Algorithm") for t in reference.iterfind(f"{DS}Transforms/{DS}Transform")]
    assert transforms == [ENVELOPED_SIGNATURE, C14N_10_WITH_COMMENTS]
    assert reference.find(DS + "DigestMethod").get("Algorithm") == SHA256
    x509_text = signature.find(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate").text
    assert base64.b64decode(x509_text) == certificate


def test_without_comments_transform(rsa_signer):
    key, certificate = rsa_signer
    signed = sign_xml(DOC, key, certificate, with_comments=False)
    assert f'Algorithm="{C14N_10}"/></ds:Transforms>'.encode() in signed
    assert verify_xml(signed).intact


def test_signed_document_keeps_prolog_pi_and_encoding(rsa_signer):
    key, certificate = rsa_signer
    document = ('<?xml version="1.0" encoding="windows-1251"?>\n<?xml-stylesheet href="a.xsl"?>\n'
                "<r><name>ТЕСТОВ</name></r>").encode("cp1251")
    result = verify_xml(sign_xml(document, key, certificate))
    assert result.intact
    assert result.signed_document == '<?xml-stylesheet href="a.xsl"?>\n<r><name>ТЕСТОВ</name></r>'.encode()


def test_inherited_xml_attributes_and_namespaces(signer):
    """C14N 1.0 puts the root's xml:lang / xml:space and namespaces into SignedInfo; lxml alone forgets xml:*."""
    key, certificate = signer
    document = b'<r xmlns="urn:a" xmlns:x="urn:x" xml:lang="ru" xml:space="preserve"><x:a>1</x:a></r>'
    signed = sign_xml(document, key, certificate)
    assert verify_xml(signed).intact


def test_java_style_base64_line_breaks(rsa_signer):
    key, certificate = rsa_signer
    signed = sign_xml(DOC, key, certificate).decode()

    def wrap(match: re.Match) -> str:
        text = match.group(2)
        return match.group(1) + "&#13;\n".join(text[i:i + 76] for i in range(0, len(text), 76)) + match.group(3)

    wrapped = re.sub(r"(<ds:(?:SignatureValue|X509Certificate)>)([^<]+)(</ds:)", wrap, signed)
    assert "&#13;" in wrapped
    assert verify_xml(wrapped.encode()).intact


def test_depth_at_limit_is_accepted(rsa_signer):
    key, certificate = rsa_signer
    document = b"<a>" * 200 + b"x" + b"</a>" * 200
    assert verify_xml(sign_xml(document, key, certificate)).intact


# ---------------------------------------------------------------------------------------------------------
# Tampering


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("123456789012", "123456789013"),  # text
        ('code="001"', 'code="002"'),  # attribute value
        ('lang="kk"', 'lang="kk" extra="1"'),  # added attribute
        ("<applicant>", "<applicant><iin>999999999999</iin>"),  # added element
        ("<name>ТЕСТОВ ТЕСТ</name>", ""),  # removed element
        ("\n  <service", "<service"),  # whitespace is content
    ],
)
def test_tampered_content_is_digest_mismatch(signer, old, new):
    key, certificate = signer
    signed = sign_xml(DOC, key, certificate).decode()
    assert old in signed
    result = verify_xml(signed.replace(old, new, 1).encode())
    assert not result.intact and result.signed_document is None
    assert result.signatures[0].failure == "DIGEST_MISMATCH"


def test_changed_root_namespace_breaks_signature(rsa_signer):
    """The root's namespace declarations are in scope of SignedInfo, so C14N 1.0 signs them there too."""
    signed = sign_xml(DOC, *rsa_signer).replace(b'xmlns="urn:egov:request"', b'xmlns="urn:egov:other"')
    assert verify_xml(signed).signatures[0].failure == "SIGNATURE_INVALID"


def test_element_after_signature_is_digest_mismatch(rsa_signer):
    key, certificate = rsa_signer
    signed = sign_xml(DOC, key, certificate).replace(b"</request>", b"<extra/></request>")
    assert verify_xml(signed).signatures[0].failure == "DIGEST_MISMATCH"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('<ds:Reference URI="">', '<ds:Reference URI="" Id="x">'),
        ("<ds:SignedInfo>", "<ds:SignedInfo> "),
        ("<ds:DigestValue>", "<ds:DigestValue>AAAA"),
    ],
)
def test_tampered_signed_info_is_signature_invalid(signer, old, new):
    key, certificate = signer
    signed = sign_xml(DOC, key, certificate).decode()
    result = verify_xml(signed.replace(old, new, 1).encode())
    assert result.signatures[0].failure == "SIGNATURE_INVALID"
    assert not result.intact


def test_flipped_signature_value_is_signature_invalid(signer):
    key, certificate = signer
    root = etree.fromstring(sign_xml(DOC, key, certificate))
    value_element = root.find(f"{DS}Signature/{DS}SignatureValue")
    value = bytearray(base64.b64decode(value_element.text))
    value[10] ^= 1
    value_element.text = base64.b64encode(bytes(value)).decode()
    result = verify_xml(etree.tostring(root))
    assert result.signatures[0].failure == "SIGNATURE_INVALID"


def test_comments_are_not_signed_and_never_shown(signer):
    """URI="" is the document minus comments (XMLDSig §4.3.3.3; xmlsec1 and Santuario agree), even with the
    WithComments transform: an added comment keeps the signature intact and never reaches signed_document.
    A comment splitting a text node (the SAML comment-truncation trick) cannot change what a reader sees."""
    key, certificate = signer
    signed = sign_xml(DOC, key, certificate)
    injected = signed.replace(b"<iin>123456", b"<iin>123456<!-- x -->").replace(b"</request>",
                                                                              b"<!--added--></request>")
    result = verify_xml(injected)
    assert result.intact
    assert b"<!--" not in result.signed_document
    assert find_text(result.signed_document, "iin") == "123456789012"


@pytest.mark.parametrize("prefix", ["dsig", ""])
def test_other_namespace_prefixes_verify(signer, prefix):
    key, certificate = signer
    signed = sign_xml(DOC, key, certificate).decode()
    body, signature = signed.split("<ds:Signature", 1)
    signature = "<ds:Signature" + signature
    if prefix:
        signature = signature.replace("<ds:", f"<{prefix}:").replace("</ds:", f"</{prefix}:")
        signature = signature.replace("xmlns:ds=", f"xmlns:{prefix}=")
    else:
        signature = signature.replace("<ds:", "<").replace("</ds:", "</").replace("xmlns:ds=", "xmlns=")
    renamed = (body + signature).encode()
    assert verify_xml(renamed).signatures[0].failure == "SIGNATURE_INVALID"  # the prefix is signed
    resigned = resign_last(renamed, key, lambda signature: None)
    result = verify_xml(resigned)
    assert result.intact, result
    assert etree.fromstring(resigned)[-1].prefix == (prefix or None)


# ---------------------------------------------------------------------------------------------------------
# Co-signatures


def test_co_signature_both_verify(rsa_signer, ec_signer):
    first = sign_xml(DOC, *rsa_signer)
    second = sign_xml(first, *ec_signer)
    result = verify_xml(second)
    assert result.intact
    assert [s.index for s in result.signatures] == [0, 1]
    assert [s.certificate_der for s in result.signatures] == [rsa_signer[1], ec_signer[1]]
    assert result.signatures[0].signed_xml == c14n(DOC) == result.signed_document
    assert result.signatures[1].signed_xml == c14n(first)
    assert b"Signature" in result.signatures[1].signed_xml


def test_three_signatures(rsa_signer, ec_signer):
    signed = DOC
    for signer_pair in (rsa_signer, ec_signer, rsa_signer):
        signed = sign_xml(signed, *signer_pair)
    result = verify_xml(signed)
    assert result.intact and len(result.signatures) == 3


def test_changing_first_signature_breaks_both(rsa_signer, ec_signer):
    second = sign_xml(sign_xml(DOC, *rsa_signer), *ec_signer)
    root = etree.fromstring(second)
    value_element = root.findall(DS + "Signature")[0].find(DS + "SignatureValue")
    value_element.text = "AAAA" + value_element.text[4:]
    result = verify_xml(etree.tostring(root))
    assert [s.failure for s in result.signatures] == ["SIGNATURE_INVALID", "DIGEST_MISMATCH"]
    assert result.signed_document is None


def test_changing_last_signature_leaves_first_intact(rsa_signer, ec_signer):
    second = sign_xml(sign_xml(DOC, *rsa_signer), *ec_signer)
    root = etree.fromstring(second)
    value_element = root.findall(DS + "Signature")[1].find(DS + "SignatureValue")
    value_element.text = "AAAA" + value_element.text[4:]
    result = verify_xml(etree.tostring(root))
    assert [s.failure for s in result.signatures] == [None, "SIGNATURE_INVALID"]
    assert not result.intact and result.signed_document is None


def test_reordered_co_signatures_fail(rsa_signer, ec_signer):
    second = sign_xml(sign_xml(DOC, *rsa_signer), *ec_signer)
    root = etree.fromstring(second)
    first_signature = root.findall(DS + "Signature")[0]
    root.remove(first_signature)
    root.append(first_signature)
    assert not verify_xml(etree.tostring(root)).intact


def test_verification_order_is_last_to_first(rsa_signer, ec_signer, monkeypatch):
    third_key = ec.generate_private_key(ec.SECP256R1())
    third = (third_key, make_certificate(third_key, "third"))
    signed = DOC
    for signer_pair in (rsa_signer, ec_signer, third):
        signed = sign_xml(signed, *signer_pair)
    seen: list[bytes] = []

    def spy(real):
        def verify(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
            seen.append(certificate_der)
            return real(certificate_der, data, signature)
        return verify

    monkeypatch.setattr(algorithms, "_SIGNATURES", {
        oid: dataclasses.replace(algorithm, verify=spy(algorithm.verify))
        for oid, algorithm in algorithms._SIGNATURES.items()
    })
    result = verify_xml(signed)
    assert result.intact
    assert seen == [third[1], ec_signer[1], rsa_signer[1]]
    assert [s.certificate_der for s in result.signatures] == [rsa_signer[1], ec_signer[1], third[1]]


def test_multiple_certificates_first_is_signer(rsa_signer, ec_signer):
    signed = sign_xml(DOC, *rsa_signer)
    root = etree.fromstring(signed)
    x509_data = root.find(f"{DS}Signature/{DS}KeyInfo/{DS}X509Data")
    etree.SubElement(x509_data, DS + "X509Certificate").text = base64.b64encode(ec_signer[1]).decode()
    [signature] = verify_xml(etree.tostring(root)).signatures
    assert signature.intact
    assert signature.certificate_der == rsa_signer[1]
    assert signature.other_certificates == (ec_signer[1],)


def test_swapped_certificate_is_signature_invalid(rsa_signer):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_certificate = make_certificate(other_key, "impostor")
    signed = sign_xml(DOC, *rsa_signer).replace(base64.b64encode(rsa_signer[1]),
                                                base64.b64encode(other_certificate))
    [signature] = verify_xml(signed).signatures
    assert signature.failure == "SIGNATURE_INVALID"
    assert signature.certificate_der == other_certificate


# ---------------------------------------------------------------------------------------------------------
# Signing refusals


def test_sign_refusals(rsa_signer, ec_signer):
    key, certificate = rsa_signer
    cases = [
        (lambda: sign_xml(DOC, key, pem(certificate)), "BAD_CERTIFICATE"),
        (lambda: sign_xml(DOC, key, b"\x30\x03\x02\x01\x01"), "BAD_CERTIFICATE"),
        (lambda: sign_xml(DOC, key, ec_signer[1]), "CERTIFICATE_KEY_MISMATCH"),
        (lambda: sign_xml(DOC, ed25519.Ed25519PrivateKey.generate(), certificate), "UNSUPPORTED_KEY"),
        (lambda: sign_xml(DOC, key, certificate, signature_algorithm=GOST2015_512), "UNSUPPORTED_KEY"),
        (lambda: sign_xml(DOC, key, certificate, digest_algorithm="urn:nope"), "UNSUPPORTED_ALGORITHM"),
        (lambda: sign_xml(DOC, key, certificate, signature_algorithm=ECDSA_SHA256), "UNSUPPORTED_KEY"),
        (lambda: sign_xml(b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>', key, certificate),
         "XML_FORBIDDEN_CONSTRUCT"),
        (lambda: sign_xml(b"<r><a/>", key, certificate), "XML_MALFORMED"),
        (lambda: sign_xml(b"<r>" + b"x" * 100 + b"</r>", key, certificate, max_bytes=50), "XML_TOO_LARGE"),
        (lambda: sign_xml(f'<r><a><Signature xmlns="{DS_NS}"/></a></r>'.encode(), key, certificate),
         "SIGNATURE_WRAPPING"),
        (lambda: sign_xml(b'<r xmlns="relative"/>', key, certificate), "XML_FORBIDDEN_CONSTRUCT"),
        (lambda: sign_xml(sign_xml(DOC, key, certificate), key, certificate, max_signatures=1),
         "TOO_MANY_SIGNATURES"),
    ]
    for call, code in cases:
        with pytest.raises(XmlDsigError) as caught:
            call()
        assert caught.value.code == code, (code, caught.value)


# ---------------------------------------------------------------------------------------------------------
# Pluggable (GOST) algorithms


GOST512 = xmldsig.SIGNATURE_URIS[GOST2015_512]
STREEBOG512 = xmldsig.DIGEST_URIS[GOST2015_DIGEST_512]


@pytest.fixture
def isolated_registry(monkeypatch):
    """The one algorithm registry without GOST, restored after the test."""
    monkeypatch.setattr(algorithms, "_SIGNATURES", {oid: a for oid, a in algorithms._SIGNATURES.items()
                                                    if not oid.startswith(algorithms.GOST_ARC)})
    monkeypatch.setattr(algorithms, "_DIGESTS", {oid: d for oid, d in algorithms._DIGESTS.items()
                                                 if not oid.startswith(algorithms.GOST_ARC)})


class _StandInGostKey:
    """Ed25519 held as if it were a GOST 34.10-2015 key: the plumbing is what is tested."""

    key_type = "gost"
    signature_algorithm = GOST512

    def __init__(self, key: ed25519.Ed25519PrivateKey) -> None:
        self.key = key
        self.public_key_info = key.public_key().public_bytes(serialization.Encoding.DER,
                                                             serialization.PublicFormat.SubjectPublicKeyInfo)

    def matches(self, spki_der: bytes) -> bool:
        return spki_der == self.public_key_info

    def sign(self, data: bytes, algorithm: str | None = None) -> bytes:
        return self.key.sign(data)


@pytest.fixture(scope="module")
def stand_in_gost():
    """Ed25519 + SHA-512 standing in for GOST 34.10-2015 / Streebog-512."""
    key = ed25519.Ed25519PrivateKey.generate()
    certificate = make_certificate(key, "GOST stand-in")

    def verify(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
        public_key = x509.load_der_x509_certificate(certificate_der).public_key()
        if not isinstance(public_key, ed25519.Ed25519PublicKey):
            raise algorithms.KeyMismatch("not a GOST key")
        try:
            public_key.verify(signature, data)
        except Exception:
            return False
        return True

    return _StandInGostKey(key), certificate, verify


def _register(verify) -> None:
    algorithms._DIGESTS[STREEBOG512] = algorithms.Digest(STREEBOG512, "stand-in", lambda d: hashlib.sha512(d).digest())
    algorithms._SIGNATURES[GOST512] = algorithms.SignatureAlgorithm(GOST512, "stand-in", "gost", STREEBOG512, verify)


def test_gost_plugin_round_trip_then_unregistered_is_never_valid(isolated_registry, stand_in_gost, monkeypatch):
    key, certificate, verify = stand_in_gost
    _register(verify)
    signed = sign_xml(DOC, key, certificate)
    result = verify_xml(signed)
    assert result.intact
    assert result.signatures[0].signature_algorithm == GOST2015_512
    assert result.signatures[0].digest_algorithm == GOST2015_DIGEST_512
    assert verify_xml(signed.replace(b"123456789012", b"000000000000")).signatures[0].failure == "DIGEST_MISMATCH"

    monkeypatch.delitem(algorithms._SIGNATURES, GOST512)
    [signature] = verify_xml(signed).signatures
    assert not signature.intact and signature.failure == "UNSUPPORTED_ALGORITHM"
    assert "GOST" in signature.message and "not installed" in signature.message


def test_gost_without_provider_is_unsupported(rsa_signer, isolated_registry):
    for uri in (GOST2015_512, xmldsig.GOST2015_256, xmldsig.GOST2004):
        signed = resign_last(sign_xml(DOC, *rsa_signer), rsa_signer[0],
                             lambda s, uri=uri: s.find(f"{DS}SignedInfo/{DS}SignatureMethod").set("Algorithm", uri))
        [signature] = verify_xml(signed).signatures
        assert signature.failure == "UNSUPPORTED_ALGORITHM" and "GOST" in signature.message


def test_plugin_errors_are_contained(isolated_registry, stand_in_gost, rsa_signer):
    key, certificate, verify = stand_in_gost
    _register(verify)
    signed = sign_xml(DOC, key, certificate)

    def broken(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
        raise RuntimeError("native library crashed")

    _register(broken)
    assert verify_xml(signed).signatures[0].failure == "VERIFIER_ERROR"

    _register(verify)
    wrong_certificate = signed.replace(base64.b64encode(certificate), base64.b64encode(rsa_signer[1]))
    assert verify_xml(wrong_certificate).signatures[0].failure == "CERTIFICATE_KEY_MISMATCH"

    _register(lambda *args: "yes")  # truthy is not True
    assert verify_xml(signed).signatures[0].failure == "SIGNATURE_INVALID"


def test_builtins_cannot_be_replaced(isolated_registry):
    with pytest.raises(ValueError):
        algorithms.register(algorithms.SignatureAlgorithm(algorithms.SHA256_WITH_RSA, "x", "rsa", algorithms.SHA256,
                                                          lambda *args: True))
    with pytest.raises(ValueError):
        algorithms.register_digest(algorithms.Digest(algorithms.SHA256, "x", lambda data: b""))


# ---------------------------------------------------------------------------------------------------------
# Reading values from the signed document


def test_find_text(rsa_signer):
    document = verify_xml(sign_xml(DOC, *rsa_signer)).signed_document
    assert find_text(document, "iin") == "123456789012"
    assert find_text(document, "applicant/iin") == "123456789012"
    assert find_text(document, "//applicant/iin") == "123456789012"
    assert find_text(document, "/request/applicant/iin") == "123456789012"
    assert find_text(document, "/request/applicant/req:iin") == "123456789012"
    assert find_text(document, "/request/service/@code") == "001"
    assert find_text(document, "service") == "Анықтама"
    assert find_text(document, "/applicant/iin") is None
    assert find_text(document, "bin") is None
    assert find_texts(document, "/request/*") == ()


def test_find_text_refuses_ambiguity_and_bad_paths():
    document = b"<r><p><iin>1</iin></p><p><iin>2</iin></p></r>"
    assert find_texts(document, "iin") == ("1", "2")
    with pytest.raises(ValueError, match="ambiguous"):
        find_text(document, "iin")
    for path in ("", "/", "a//b", "@x/a", "a/"):
        with pytest.raises(ValueError):
            find_texts(document, path)
    assert find_texts(document, "iin[1]') or true() or ('") == ()  # names are data, never XPath
    with pytest.raises(XmlDsigError) as caught:
        find_text(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "r")
    assert caught.value.code == "XML_FORBIDDEN_CONSTRUCT"


# ---------------------------------------------------------------------------------------------------------
# Interoperability: xmlsec1 and signxml


TEMPLATE = (
    '<?xml-stylesheet href="a.xsl"?>\n'
    "<!-- prolog comment -->\n"
    '<request xmlns="urn:egov:request" xml:lang="ru"><iin>123456789012</iin><!-- inner -->\n'
    '<{p}Signature xmlns{colon}{prefix}="http://www.w3.org/2000/09/xmldsig#"><{p}SignedInfo>'
    '<{p}CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    '<{p}SignatureMethod Algorithm="{algorithm}"/>'
    '<{p}Reference URI=""><{p}Transforms>'
    '<{p}Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '<{p}Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/>'
    '</{p}Transforms><{p}DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
    "<{p}DigestValue/></{p}Reference></{p}SignedInfo><{p}SignatureValue/>"
    "<{p}KeyInfo><{p}X509Data><{p}X509Certificate/></{p}X509Data></{p}KeyInfo></{p}Signature></request>\n"
)


def run_xmlsec1(xmlsec1: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([xmlsec1, *args], capture_output=True, text=True, timeout=60)


def test_xmlsec1_verifies_ours(signer, xmlsec1, tmp_path: Path):
    key, certificate = signer
    document = b'<r xmlns="urn:a" xml:lang="ru"><!-- c --><iin>123456789012</iin>\n</r>'
    (tmp_path / "cert.pem").write_bytes(pem(certificate))
    (tmp_path / "signed.xml").write_bytes(sign_xml(document, key, certificate))
    done = run_xmlsec1(xmlsec1, "--verify", "--trusted-pem", str(tmp_path / "cert.pem"), str(tmp_path / "signed.xml"))
    assert done.returncode == 0, done.stderr
    (tmp_path / "signed.xml").write_bytes(sign_xml(document, key, certificate, with_comments=False))
    done = run_xmlsec1(xmlsec1, "--verify", "--pubkey-cert-pem", str(tmp_path / "cert.pem"),
                       str(tmp_path / "signed.xml"))
    assert done.returncode == 0, done.stderr


def test_xmlsec1_agrees_comments_are_unsigned_and_content_is(rsa_signer, xmlsec1, tmp_path: Path):
    key, certificate = rsa_signer
    (tmp_path / "cert.pem").write_bytes(pem(certificate))
    signed = sign_xml(DOC, key, certificate)
    for changed, expected in ((signed.replace(b"<applicant>", b"<applicant><!-- new -->"), 0),
                              (signed.replace(b"123456789012", b"123456789013"), 1)):
        (tmp_path / "changed.xml").write_bytes(changed)
        done = run_xmlsec1(xmlsec1, "--verify", "--trusted-pem", str(tmp_path / "cert.pem"),
                           str(tmp_path / "changed.xml"))
        assert done.returncode == expected, done.stderr
        assert verify_xml(changed).intact is (expected == 0)


@pytest.mark.parametrize("prefix", ["ds", "dsig", ""])
def test_we_verify_xmlsec1_signatures(signer, xmlsec1, tmp_path: Path, prefix):
    key, certificate = signer
    algorithm = RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) else ECDSA_SHA256
    template = TEMPLATE.format(p=f"{prefix}:" if prefix else "", colon=":" if prefix else "", prefix=prefix,
                               algorithm=algorithm)
    (tmp_path / "template.xml").write_text(template)
    (tmp_path / "key.pem").write_bytes(key_pem(key))
    (tmp_path / "cert.pem").write_bytes(pem(certificate))
    done = run_xmlsec1(xmlsec1, "--sign", "--privkey-pem", f"{tmp_path / 'key.pem'},{tmp_path / 'cert.pem'}",
                       "--output", str(tmp_path / "signed.xml"), str(tmp_path / "template.xml"))
    assert done.returncode == 0, done.stderr
    signed = (tmp_path / "signed.xml").read_bytes()
    result = verify_xml(signed)
    assert result.intact, result
    assert result.signatures[0].certificate_der == certificate
    assert result.signed_document == ('<?xml-stylesheet href="a.xsl"?>\n<request xmlns="urn:egov:request" '
                                      'xml:lang="ru"><iin>123456789012</iin>\n</request>').encode()
    assert verify_xml(signed.replace(b"123456789012", b"1234567890")).signatures[0].failure == "DIGEST_MISMATCH"


def test_we_co_sign_an_xmlsec1_default_namespace_signature(rsa_signer, ec_signer, xmlsec1, tmp_path: Path):
    key, certificate = rsa_signer
    (tmp_path / "template.xml").write_text(TEMPLATE.format(p="", colon="", prefix="", algorithm=RSA_SHA256))
    (tmp_path / "key.pem").write_bytes(key_pem(key))
    (tmp_path / "cert.pem").write_bytes(pem(certificate))
    done = run_xmlsec1(xmlsec1, "--sign", "--privkey-pem", f"{tmp_path / 'key.pem'},{tmp_path / 'cert.pem'}",
                       "--output", str(tmp_path / "signed.xml"), str(tmp_path / "template.xml"))
    assert done.returncode == 0, done.stderr
    co_signed = sign_xml((tmp_path / "signed.xml").read_bytes(), *ec_signer)
    result = verify_xml(co_signed)
    assert result.intact, result
    assert [s.certificate_der for s in result.signatures] == [certificate, ec_signer[1]]


def test_signxml_verifies_ours(signer):
    from signxml import XMLVerifier

    key, certificate = signer
    document = b'<request xmlns="urn:egov:request"><iin>123456789012</iin>\n  <x a="1"/>\n</request>'
    verified = XMLVerifier().verify(sign_xml(document, key, certificate), x509_cert=pem(certificate))
    assert verified.signed_xml is not None
    assert verified.signed_xml.find("{urn:egov:request}iin").text == "123456789012"


def test_we_verify_signxml_signatures(signer):
    from signxml import XMLSigner
    from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

    key, certificate = signer
    method = SignatureMethod.RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) else SignatureMethod.ECDSA_SHA256
    document = b'<request xmlns="urn:egov:request"><iin>123456789012</iin>\n  <x a="1"/>\n</request>'
    signed_root = XMLSigner(signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256,
                            c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0).sign(
        etree.fromstring(document), key=key, cert=pem(certificate).decode())
    result = verify_xml(etree.tostring(signed_root))
    assert result.intact, result
    assert result.signatures[0].certificate_der == certificate
    assert result.signed_document == c14n(document)


@pytest.mark.parametrize("document", [
    '<r xmlns:é="urn:e"><é:x>1</é:x></r>',  # gate open: in place
    '<r xmlns="urn:d" xmlns:é="urn:e"><é:x ж="1">1</é:x></r>',  # a default namespace: the copy
    '<r xml:lang="kk" xmlns:қ="urn:k"><қ:атау>Әлем</қ:атау></r>',  # an inherited xml:lang: the copy
], ids=["in-place", "default-namespace", "inherited-xml-lang"])
def test_non_ascii_names_sign_and_verify_on_both_c14n_paths(rsa_signer, document):
    """SignedInfo's copy is written in UTF-8: in lxml's default ASCII a non-ASCII name became a character
    reference that cannot be read back, and signing and verifying raised XMLSyntaxError (an adversarial review)."""
    key, cert = rsa_signer
    signed = xmldsig.sign_xml(document.encode(), key, cert)
    assert xmldsig.verify_xml(signed).signatures[0].intact
    changed = signed.replace(b">1<", b">2<", 1) if b">1<" in signed else signed.replace("Әлем".encode(), "Әлем!".encode())
    assert xmldsig.verify_xml(changed).signatures[0].failure == "DIGEST_MISMATCH"
    # a name added to SignedInfo after signing: judged, not raised
    hostile = signed.replace(b"<ds:SignedInfo>", "<ds:SignedInfo ж=\"1\">".encode(), 1)
    assert xmldsig.verify_xml(hostile).signatures[0].failure == "SIGNATURE_INVALID"


@pytest.mark.parametrize("declared", ["ISO-8859-1", "windows-1251", "UTF-16", "KOI8-R", "US-ASCII"])
def test_a_byte_order_mark_that_contradicts_the_declaration_is_refused(rsa_signer, declared):
    """XML 1.0 makes a UTF-8 byte order mark with another declared encoding a fatal error; libxml2 reads UTF-8,
    xmlsec1 the declaration, so one verifier's signed text is another's different text (an adversarial review)."""
    key, cert = rsa_signer
    signed = xmldsig.sign_xml("<r><x>Әлем é</x></r>".encode(), key, cert)
    body = signed.split(b"?>", 1)[1]
    hostile = b"\xef\xbb\xbf" + f'<?xml version="1.0" encoding="{declared}"?>'.encode() + body
    result = xmldsig.verify_xml(hostile)
    assert (result.failure, result.signatures) == ("XML_MALFORMED", ())
    with pytest.raises(xmldsig.XmlDsigError, match="byte order mark"):
        xmldsig.sign_xml(hostile, key, cert)
    for agreeing in ("UTF-8", "utf-8", "utf8"):  # the mark and the declaration agree: verified as before
        same = b"\xef\xbb\xbf" + f'<?xml version="1.0" encoding="{agreeing}"?>'.encode() + body
        assert xmldsig.verify_xml(same).signatures[0].intact
