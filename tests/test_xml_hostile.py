"""Hostile inputs for eds.signatures.xmldsig.verify_xml: nothing escapes, nothing is intact, and the code is exact.

Static files live in tests/hostile/xml/ (named ``CODE__description.xml``); attacks that need a real signature
are generated here.  Signature-level tampering re-signs SignedInfo with the genuine key, so only the profile
rule under test can be what rejects it.
"""

from __future__ import annotations

import base64
import codecs
import copy
import datetime
import gzip
import os
from pathlib import Path
from typing import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree

from eds import limits
from eds.signatures import xmldsig
from eds.signatures.xmldsig import DS_NS, GOST2015_512, XmlVerification, sign_xml, verify_xml

CORPUS = Path(__file__).parent / "hostile" / "xml"
DS = "{" + DS_NS + "}"
DOCUMENT_CODES = {"XML_MALFORMED", "XML_FORBIDDEN_CONSTRUCT", "XML_TOO_LARGE", "XML_TOO_DEEP", "NO_SIGNATURE",
                  "SIGNATURE_WRAPPING", "TOO_MANY_SIGNATURES", "TOO_COMPLEX"}
DOC = (b'<request xmlns="urn:egov:request" Id="req1"><applicant Id="app"><iin>123456789012</iin></applicant>'
       b'<service code="001">x</service></request>')
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
PASSWD_MARKERS = (b"root:x:0", b"/bin/bash", b"/usr/sbin/nologin")


def make_certificate(key, common_name: str) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_CERT = make_certificate(RSA_KEY, "victim")
EC_KEY = ec.generate_private_key(ec.SECP256R1())
EC_CERT = make_certificate(EC_KEY, "co-signer")
SIGNED = sign_xml(DOC, RSA_KEY, RSA_CERT)
EC_SIGNED = sign_xml(DOC, EC_KEY, EC_CERT)
CO_SIGNED = sign_xml(SIGNED, EC_KEY, EC_CERT)


def assert_rejected(result: XmlVerification, code: str) -> None:
    assert not result.intact and result.signed_document is None
    if code in DOCUMENT_CODES:
        assert (result.failure, result.signatures) == (code, ()), result
    else:
        assert result.failure is None, result
        assert code in [signature.failure for signature in result.signatures], result
        assert all(signature.message for signature in result.signatures)
    everything = repr(result).encode()
    assert not any(marker in everything for marker in PASSWD_MARKERS)


# ---------------------------------------------------------------------------------------------------------
# Static corpus


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.xml")), ids=lambda path: path.stem)
def test_static_corpus(path: Path):
    code = path.stem.split("__")[0]
    assert_rejected(verify_xml(path.read_bytes()), code)


def test_corpus_is_there():
    assert len(list(CORPUS.glob("*.xml"))) >= 25


# ---------------------------------------------------------------------------------------------------------
# Generated documents: size, depth, encodings, binary junk


def deep(depth: int) -> bytes:
    return b"<a>" * depth + b"</a>" * depth


# Namespace floods: C14N costs elements x namespaces in scope, once per signature, so each is refused with
# TOO_COMPLEX (naming the limit) before any canonicalisation. Built from a request like the signed sample and
# signed under raised limits, so the signature itself is genuine and only the limit can refuse the document.
UNBOUNDED = limits.DEFAULT.replace(xml_namespace_declarations=10**9, xml_namespace_work=10**12)


def declarations(count: int, prefix: str = "p", uri: str = "urn:ns:") -> bytes:
    return b"".join(f' xmlns:{prefix}{i}="{uri}{i}"'.encode() for i in range(count))


def signed_unbounded(document: bytes) -> bytes:
    with limits.budget(UNBOUNDED):
        return sign_xml(document, RSA_KEY, RSA_CERT)


def flood_on_root(count: int, elements: int) -> bytes:
    return signed_unbounded(b'<request xmlns="urn:egov:request"' + declarations(count) + b">"
                            + b"<x/>" * elements + b"</request>")


def chain_with_declarations(depth: int, per_element: int, leaves: int) -> bytes:
    opening = b"".join(b"<e" + declarations(per_element, f"d{level}p") + b">" for level in range(depth))
    return signed_unbounded(b'<request xmlns="urn:egov:request">' + opening + b"<x/>" * leaves + b"</e>" * depth
                            + b"</request>")


def redeclared_per_element(prefixes: int, elements: int, nested: bool = False) -> bytes:
    again = b"<e" + declarations(prefixes, uri="urn:other:") + (b">" if nested else b"/>")
    body = again * elements + (b"</e>" * elements if nested else b"")
    return signed_unbounded(b'<request xmlns="urn:egov:request"' + declarations(prefixes) + b">" + body
                            + b"</request>")


def default_namespace_per_element(elements: int) -> bytes:
    return signed_unbounded(b'<request xmlns="urn:egov:request">' + b'<x xmlns="urn:x"/>' * elements
                            + b"</request>")


def flood_times_signatures(count: int, elements: int, signatures: int) -> bytes:
    """Few enough namespaces for one C14N, but the document is canonicalised once per signature."""
    one = flood_on_root(count, elements)
    signature = one[one.index(b"<ds:Signature"):one.index(b"</request>")]
    return one.replace(b"</request>", signature * (signatures - 1) + b"</request>")


NAMESPACE_FLOODS: list[tuple[str, Callable[[], bytes], str]] = [
    ("ns_root_257_declarations", lambda: flood_on_root(255, 1), "xml_namespace_declarations"),
    ("ns_root_1500_declarations", lambda: flood_on_root(1500, 10), "xml_namespace_declarations"),
    ("ns_root_250_declarations_x_1000_elements", lambda: flood_on_root(250, 1000), "xml_namespace_work"),
    ("ns_root_60_declarations_x_5000_elements", lambda: flood_on_root(60, 5000), "xml_namespace_work"),
    ("ns_deep_chain_one_per_element", lambda: chain_with_declarations(150, 1, 1500), "xml_namespace_work"),
    ("ns_deep_chain_two_per_element", lambda: chain_with_declarations(190, 2, 1), "xml_namespace_declarations"),
    ("ns_prefixes_redeclared_on_siblings", lambda: redeclared_per_element(20, 20), "xml_namespace_declarations"),
    ("ns_prefixes_redeclared_nested", lambda: redeclared_per_element(13, 19, nested=True),
     "xml_namespace_declarations"),
    ("ns_default_redeclared_per_element", lambda: default_namespace_per_element(300), "xml_namespace_declarations"),
    ("ns_flood_times_32_signatures", lambda: flood_times_signatures(150, 100, 32), "xml_namespace_work"),
]

PARAMETER_ENTITY_UTF16 = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY % p SYSTEM '
                        '"file:///etc/passwd">%p;]><r/>')
GENERATED: list[tuple[str, Callable[[], bytes], str]] = [
    ("huge_document", lambda: b"<r>" + b"<a>x</a>" * 1_250_001 + b"</r>", "XML_TOO_LARGE"),
    ("huge_signed_document", lambda: SIGNED.replace(b"<service", b"<pad>" + b"p" * 10_000_000 + b"</pad><service"),
     "XML_TOO_LARGE"),
    ("deep_100k", lambda: deep(100_000), "XML_TOO_DEEP"),
    ("deep_just_over_limit", lambda: deep(201), "XML_TOO_DEEP"),
    ("deep_inside_signed", lambda: SIGNED.replace(b"<iin>", deep(230)[:690] + b"<iin>", 1).replace(
        b"</iin>", b"</iin>" + deep(230)[690:], 1), "XML_TOO_DEEP"),
    ("quadratic_blowup", lambda: (b'<!DOCTYPE r [<!ENTITY a "' + b"a" * 50_000 + b'">]><r>' + b"&a;" * 5_000
                                  + b"</r>"), "XML_FORBIDDEN_CONSTRUCT"),
    ("doctype_after_bom", lambda: codecs.BOM_UTF8 + b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                                    b"<r>&x;</r>", "XML_FORBIDDEN_CONSTRUCT"),
    ("utf16_xxe", lambda: '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM '
                          '"file:///etc/passwd">]><r>&x;</r>'.encode("utf-16"), "XML_FORBIDDEN_CONSTRUCT"),
    ("utf16_parameter_entity", lambda: PARAMETER_ENTITY_UTF16.encode("utf-16"), "XML_FORBIDDEN_CONSTRUCT"),
    ("utf16be_external_dtd", lambda: ('<?xml version="1.0" encoding="UTF-16BE"?>'
                                     '<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>').encode("utf-16-be"),
     "XML_FORBIDDEN_CONSTRUCT"),
    ("dtd_before_signed_document", lambda: b'<!DOCTYPE request [<!ENTITY e "x">]>' + SIGNED.split(b"?>", 1)[1],
     "XML_FORBIDDEN_CONSTRUCT"),
    ("xinclude_in_signed_document", lambda: SIGNED.replace(
        b"<iin>", b'<iin><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>'),
     "XML_FORBIDDEN_CONSTRUCT"),
    ("random_binary", lambda: os.urandom(4096), "XML_MALFORMED"),
    ("png_header", lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(64), "XML_MALFORMED"),
    ("gzip_of_signed", lambda: gzip.compress(SIGNED), "XML_MALFORMED"),
    ("base64_of_signed", lambda: base64.b64encode(SIGNED), "XML_MALFORMED"),
    ("truncated_signed", lambda: SIGNED[: len(SIGNED) // 2], "XML_MALFORMED"),
    ("signed_plus_garbage", lambda: SIGNED + b"<x/>", "XML_MALFORMED"),
    ("two_signed_roots", lambda: SIGNED + SIGNED.split(b"?>", 1)[1], "XML_MALFORMED"),
    ("text_instead_of_bytes", lambda: SIGNED.decode(), "XML_MALFORMED"),
    ("many_signatures", lambda: SIGNED.replace(b"</request>", SIGNED[SIGNED.index(b"<ds:Signature"):
                                                                     SIGNED.index(b"</request>")] * 100
                                               + b"</request>"), "TOO_MANY_SIGNATURES"),
    ("ns_flood_deeper_than_depth_limit", lambda: b'<r xmlns:a="urn:a">' + b'<a:e xmlns:b="urn:b">' * 201
     + b"</a:e>" * 201 + b"</r>", "XML_TOO_DEEP"),
    ("ns_flood_past_size_limit", lambda: b"<r" + declarations(700_000) + b"/>", "XML_TOO_LARGE"),
    *((name, build, "TOO_COMPLEX") for name, build, _ in NAMESPACE_FLOODS),
]


@pytest.mark.parametrize(("name", "build", "code"), GENERATED, ids=[case[0] for case in GENERATED])
def test_generated_documents(name: str, build: Callable[[], bytes], code: str):
    assert_rejected(verify_xml(build()), code)


def test_huge_text_node_past_parser_limit():
    data = b"<r>" + b"a" * 11_000_000 + b"</r>"
    assert_rejected(verify_xml(data, max_bytes=20_000_000), "XML_TOO_LARGE")


# ---------------------------------------------------------------------------------------------------------
# Signature wrapping and structure tricks on real signatures


def tree_of(document: bytes) -> etree._Element:
    return etree.fromstring(document)


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root.getroottree())


def resign(signature: etree._Element, key) -> None:
    """Recompute SignatureValue over the (modified) SignedInfo with the genuine key."""
    signed_info = signature.find(DS + "SignedInfo")
    standalone = etree.fromstring(etree.tostring(signed_info, with_tail=False))
    data = etree.tostring(standalone.getroottree(), method="c14n")
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        value = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    signature.find(DS + "SignatureValue").text = base64.b64encode(value).decode()


def signed_info_case(edit: Callable[[etree._Element], None], document: bytes = SIGNED, key=RSA_KEY) -> bytes:
    """Edit the last signature's SignedInfo (given the ds:Signature element) and re-sign it properly."""
    root = tree_of(document)
    signature = root.findall(DS + "Signature")[-1]
    edit(signature)
    resign(signature, key)
    return serialise(root)


def signature_case(edit: Callable[[etree._Element], None], document: bytes = SIGNED) -> bytes:
    """Edit the last signature outside SignedInfo (no re-signing needed: those parts are not signed)."""
    root = tree_of(document)
    edit(root.findall(DS + "Signature")[-1])
    return serialise(root)


def el(tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.Element(DS + tag, attributes, nsmap={"ds": DS_NS})
    element.text = text
    return element


def reference(signature: etree._Element) -> etree._Element:
    return signature.find(f"{DS}SignedInfo/{DS}Reference")


def transforms(signature: etree._Element) -> etree._Element:
    return reference(signature).find(DS + "Transforms")


def set_transforms(*algorithms: str) -> Callable[[etree._Element], None]:
    def edit(signature: etree._Element) -> None:
        holder = transforms(signature)
        for child in list(holder):
            holder.remove(child)
        for algorithm in algorithms:
            holder.append(el("Transform", Algorithm=algorithm))
    return edit


def set_uri(uri: str | None) -> Callable[[etree._Element], None]:
    def edit(signature: etree._Element) -> None:
        if uri is None:
            del reference(signature).attrib["URI"]
        else:
            reference(signature).set("URI", uri)
    return edit


def set_algorithm(path: str, uri: str) -> Callable[[etree._Element], None]:
    return lambda signature: signature.find(path.replace("ds:", DS)).set("Algorithm", uri)


def set_text(path: str, text: str) -> Callable[[etree._Element], None]:
    def edit(signature: etree._Element) -> None:
        signature.find(path.replace("ds:", DS)).text = text
    return edit


def move_signature_into_child() -> bytes:
    root = tree_of(SIGNED)
    signature = root.find(DS + "Signature")
    root.find("{urn:egov:request}applicant").append(signature)
    return serialise(root)


def wrap_original_under_new_root() -> bytes:
    evil = etree.fromstring(b'<request xmlns="urn:egov:request"><iin>999999999999</iin></request>')
    evil.append(tree_of(SIGNED))
    return serialise(evil)


def hoist_signature_to_new_root() -> bytes:
    original = tree_of(SIGNED)
    signature = original.find(DS + "Signature")
    original.remove(signature)
    evil = etree.fromstring(b'<request xmlns="urn:egov:request"><iin>999999999999</iin></request>')
    evil.append(original)
    evil.append(signature)
    return serialise(evil)


def signature_inside_key_info() -> bytes:
    root = tree_of(SIGNED)
    signature = root.find(DS + "Signature")
    signature.find(DS + "KeyInfo").append(copy.deepcopy(signature))
    return serialise(root)


def second_signature_referencing_id() -> bytes:
    return signed_info_case(set_uri("#app"), CO_SIGNED, key=EC_KEY)


XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"


def xpath_transform(signature: etree._Element) -> None:
    holder = transforms(signature)
    for child in list(holder):
        holder.remove(child)
    transform = el("Transform", Algorithm=XPATH)
    transform.append(el("XPath", "not(ancestor-or-self::ds:Signature)"))
    holder.append(transform)
    holder.append(el("Transform", Algorithm=C14N))


def xslt_transform(signature: etree._Element) -> None:
    transform = el("Transform", Algorithm=XSLT)
    transform.append(etree.fromstring(
        b'<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">'
        b'<xsl:template match="/"><xsl:copy-of select="document(\'/etc/passwd\')"/></xsl:template>'
        b"</xsl:stylesheet>"))
    transforms(signature).insert(1, transform)


def c14n_with_parameters(signature: etree._Element) -> None:
    etree.SubElement(transforms(signature)[1], "{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces",
                     PrefixList="ds")


def duplicate(tag: str) -> Callable[[etree._Element], None]:
    def edit(signature: etree._Element) -> None:
        original = signature.find(DS + tag)
        original.addnext(copy.deepcopy(original))
    return edit


def remove(path: str) -> Callable[[etree._Element], None]:
    def edit(signature: etree._Element) -> None:
        target = signature.find(path.replace("ds:", DS))
        target.getparent().remove(target)
    return edit


def append_to(path: str, element_factory: Callable[[], etree._Element]) -> Callable[[etree._Element], None]:
    def edit(signature: etree._Element) -> None:
        (signature.find(path.replace("ds:", DS)) if path else signature).append(element_factory())
    return edit


def swap_signed_info_children(signature: etree._Element) -> None:
    signed_info = signature.find(DS + "SignedInfo")
    signed_info.insert(0, signed_info[1])


def certificate_text(der: bytes) -> Callable[[etree._Element], None]:
    return set_text("ds:KeyInfo/ds:X509Data/ds:X509Certificate", base64.b64encode(der).decode())


def replace_key_info(*children: Callable[[], etree._Element]) -> Callable[[etree._Element], None]:
    def edit(signature: etree._Element) -> None:
        key_info = signature.find(DS + "KeyInfo")
        for child in list(key_info):
            key_info.remove(child)
        for child in children:
            key_info.append(child())
    return edit


def ecdsa_as_der(signature: etree._Element) -> None:
    value = signature.find(DS + "SignatureValue")
    raw = base64.b64decode(value.text)
    value.text = base64.b64encode(encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                                       int.from_bytes(raw[32:], "big"))).decode()


def truncate_signature_value(signature: etree._Element) -> None:
    value = signature.find(DS + "SignatureValue")
    value.text = base64.b64encode(base64.b64decode(value.text)[:-1]).decode()


SV = "ds:SignatureValue"
DV = "ds:SignedInfo/ds:Reference/ds:DigestValue"
SM = "ds:SignedInfo/ds:SignatureMethod"
CM = "ds:SignedInfo/ds:CanonicalizationMethod"
DM = "ds:SignedInfo/ds:Reference/ds:DigestMethod"
SIGNED_CASES: list[tuple[str, Callable[[], bytes], str]] = [
    # signature wrapping
    ("signature_moved_into_child", move_signature_into_child, "SIGNATURE_WRAPPING"),
    ("signed_root_wrapped_by_new_root", wrap_original_under_new_root, "SIGNATURE_WRAPPING"),
    ("signature_hoisted_to_new_root", hoist_signature_to_new_root, "DIGEST_MISMATCH"),
    ("signature_inside_key_info", signature_inside_key_info, "SIGNATURE_WRAPPING"),
    ("second_signature_references_id", second_signature_referencing_id, "BAD_REFERENCE"),
    # references
    ("reference_to_root_id", lambda: signed_info_case(set_uri("#req1")), "BAD_REFERENCE"),
    ("reference_to_other_element", lambda: signed_info_case(set_uri("#app")), "BAD_REFERENCE"),
    ("reference_xpointer_root", lambda: signed_info_case(set_uri("#xpointer(/)")), "BAD_REFERENCE"),
    ("reference_xpointer_id", lambda: signed_info_case(set_uri("#xpointer(id('app'))")), "BAD_REFERENCE"),
    ("reference_external_http", lambda: signed_info_case(set_uri("http://127.0.0.1:9/doc.xml")), "BAD_REFERENCE"),
    ("reference_local_file", lambda: signed_info_case(set_uri("file:///etc/passwd")), "BAD_REFERENCE"),
    ("reference_blank", lambda: signed_info_case(set_uri(" ")), "BAD_REFERENCE"),
    ("reference_without_uri", lambda: signed_info_case(set_uri(None)), "BAD_REFERENCE"),
    ("two_references", lambda: signed_info_case(lambda s: reference(s).addnext(copy.deepcopy(reference(s)))),
     "BAD_REFERENCE"),
    ("no_reference", lambda: signed_info_case(lambda s: s.find(DS + "SignedInfo").remove(reference(s))),
     "BAD_REFERENCE"),
    # transforms
    ("xpath_transform", lambda: signed_info_case(xpath_transform), "BAD_TRANSFORMS"),
    ("xslt_transform", lambda: signed_info_case(xslt_transform), "BAD_TRANSFORMS"),
    ("xpath_filter2_transform", lambda: signed_info_case(set_transforms(
        "http://www.w3.org/2002/06/xmldsig-filter2", C14N)), "BAD_TRANSFORMS"),
    ("exclusive_c14n_transform", lambda: signed_info_case(set_transforms(
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#")),
     "BAD_TRANSFORMS"),
    ("base64_transform", lambda: signed_info_case(set_transforms(
        "http://www.w3.org/2000/09/xmldsig#base64", C14N)), "BAD_TRANSFORMS"),
    ("only_enveloped", lambda: signed_info_case(set_transforms(
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature")), "BAD_TRANSFORMS"),
    ("no_transforms", lambda: signed_info_case(lambda s: reference(s).remove(transforms(s))), "BAD_TRANSFORMS"),
    ("transforms_reversed", lambda: signed_info_case(set_transforms(
        C14N, "http://www.w3.org/2000/09/xmldsig#enveloped-signature")), "BAD_TRANSFORMS"),
    ("extra_transform", lambda: signed_info_case(set_transforms(
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature", C14N, C14N)), "BAD_TRANSFORMS"),
    ("c14n_transform_with_parameters", lambda: signed_info_case(c14n_with_parameters), "BAD_TRANSFORMS"),
    # structure
    ("duplicate_signed_info", lambda: signature_case(duplicate("SignedInfo")), "MALFORMED_SIGNATURE"),
    ("missing_signed_info", lambda: signature_case(remove("ds:SignedInfo")), "MALFORMED_SIGNATURE"),
    ("duplicate_signature_value", lambda: signature_case(duplicate("SignatureValue")), "MALFORMED_SIGNATURE"),
    ("missing_signature_value", lambda: signature_case(remove(SV)), "MALFORMED_SIGNATURE"),
    ("ds_object", lambda: signature_case(append_to("", lambda: el("Object", "unsigned text", Id="o"))),
     "MALFORMED_SIGNATURE"),
    ("duplicate_key_info", lambda: signature_case(duplicate("KeyInfo")), "MALFORMED_SIGNATURE"),
    ("signed_info_wrong_order", lambda: signed_info_case(swap_signed_info_children), "MALFORMED_SIGNATURE"),
    ("foreign_element_in_signed_info", lambda: signed_info_case(append_to(
        "ds:SignedInfo", lambda: etree.Element("{urn:evil}Extra"))), "MALFORMED_SIGNATURE"),
    ("hmac_output_length", lambda: signed_info_case(append_to(SM, lambda: el("HMACOutputLength", "8"))),
     "MALFORMED_SIGNATURE"),
    ("missing_digest_value", lambda: signed_info_case(remove(DV)), "MALFORMED_SIGNATURE"),
    ("signature_method_without_algorithm", lambda: signed_info_case(
        lambda s: s.find(SM.replace("ds:", DS)).attrib.pop("Algorithm")), "MALFORMED_SIGNATURE"),
    ("element_inside_signature_value", lambda: signature_case(append_to(SV, lambda: el("X"))),
     "MALFORMED_SIGNATURE"),
    ("empty_signature_value", lambda: signature_case(set_text(SV, "")), "MALFORMED_SIGNATURE"),
    # canonicalisation and algorithms
    ("exclusive_c14n_signed_info", lambda: signed_info_case(set_algorithm(
        CM, "http://www.w3.org/2001/10/xml-exc-c14n#")), "UNSUPPORTED_CANONICALIZATION"),
    ("c14n_11_signed_info", lambda: signed_info_case(set_algorithm(
        CM, "http://www.w3.org/2006/12/xml-c14n11")), "UNSUPPORTED_CANONICALIZATION"),
    ("garbage_c14n_uri", lambda: signed_info_case(set_algorithm(CM, "urn:evil:c14n")),
     "UNSUPPORTED_CANONICALIZATION"),
    ("unknown_signature_algorithm", lambda: signed_info_case(set_algorithm(SM, "urn:evil:sig")),
     "UNSUPPORTED_ALGORITHM"),
    ("rsa_sha1", lambda: signed_info_case(set_algorithm(SM, "http://www.w3.org/2000/09/xmldsig#rsa-sha1")),
     "UNSUPPORTED_ALGORITHM"),
    ("hmac_sha256_with_public_key", lambda: signed_info_case(set_algorithm(
        SM, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256")), "UNSUPPORTED_ALGORITHM"),
    ("gost_with_rsa_certificate", lambda: signed_info_case(set_algorithm(SM, GOST2015_512)),
     "CERTIFICATE_KEY_MISMATCH"),
    ("digest_sha1", lambda: signed_info_case(set_algorithm(DM, "http://www.w3.org/2000/09/xmldsig#sha1")),
     "UNSUPPORTED_ALGORITHM"),
    ("digest_unknown", lambda: signed_info_case(set_algorithm(DM, "urn:evil:digest")), "UNSUPPORTED_ALGORITHM"),
    # values
    ("signature_value_not_base64", lambda: signature_case(set_text(SV, "not*base64!")), "BAD_BASE64"),
    ("signature_value_bad_padding", lambda: signature_case(set_text(SV, "AAA=A")), "BAD_BASE64"),
    ("signature_value_non_ascii", lambda: signature_case(set_text(SV, "АБВГ")), "BAD_BASE64"),
    ("digest_value_not_base64", lambda: signed_info_case(set_text(DV, "%%%")), "BAD_BASE64"),
    ("certificate_not_base64", lambda: signature_case(set_text(
        "ds:KeyInfo/ds:X509Data/ds:X509Certificate", "-----BEGIN CERTIFICATE-----")), "BAD_BASE64"),
    ("certificate_not_der", lambda: signature_case(certificate_text(b"definitely not DER")), "BAD_CERTIFICATE"),
    ("certificate_pem_inside", lambda: signature_case(certificate_text(
        x509.load_der_x509_certificate(RSA_CERT).public_bytes(serialization.Encoding.PEM))), "BAD_CERTIFICATE"),
    ("certificate_truncated", lambda: signature_case(certificate_text(RSA_CERT[:200])), "BAD_CERTIFICATE"),
    ("certificate_trailing_bytes", lambda: signature_case(certificate_text(RSA_CERT + b"\x00")), "BAD_CERTIFICATE"),
    ("no_key_info", lambda: signature_case(remove("ds:KeyInfo")), "NO_CERTIFICATE"),
    ("key_value_only", lambda: signature_case(replace_key_info(lambda: el("KeyName", "victim"))),
     "NO_CERTIFICATE"),
    ("retrieval_method", lambda: signature_case(replace_key_info(lambda: el(
        "RetrievalMethod", URI="http://127.0.0.1:9/cert.der",
        Type="http://www.w3.org/2000/09/xmldsig#rawX509Certificate"))), "NO_CERTIFICATE"),
    ("ec_certificate_for_rsa_signature", lambda: signature_case(certificate_text(EC_CERT)),
     "CERTIFICATE_KEY_MISMATCH"),
    ("rsa_certificate_for_ecdsa_signature", lambda: signature_case(certificate_text(RSA_CERT), EC_SIGNED),
     "CERTIFICATE_KEY_MISMATCH"),
    ("certificate_with_unknown_key_algorithm", lambda: signature_case(certificate_text(RSA_CERT.replace(
        bytes.fromhex("06092a864886f70d010101"), bytes.fromhex("06092a864886f70d010163")))),
     "CERTIFICATE_KEY_MISMATCH"),
    ("ecdsa_value_der_encoded", lambda: signature_case(ecdsa_as_der, EC_SIGNED), "SIGNATURE_INVALID"),
    ("ecdsa_value_truncated", lambda: signature_case(truncate_signature_value, EC_SIGNED), "SIGNATURE_INVALID"),
    ("rsa_value_truncated", lambda: signature_case(set_text(SV, base64.b64encode(b"\x01" * 255).decode())),
     "SIGNATURE_INVALID"),
    ("signature_value_of_other_document", lambda: signature_case(set_text(
        SV, tree_of(sign_xml(b"<other/>", RSA_KEY, RSA_CERT)).find(f"{DS}Signature/{DS}SignatureValue").text)),
     "SIGNATURE_INVALID"),
    # content around the signature
    ("element_after_signature", lambda: SIGNED.replace(b"</request>", b"<evil/></request>"), "DIGEST_MISMATCH"),
    ("text_after_signature", lambda: SIGNED.replace(b"</request>", b"evil</request>"), "DIGEST_MISMATCH"),
    ("pi_before_root_added", lambda: SIGNED.replace(b"?>\n", b'?>\n<?xml-stylesheet href="evil.xsl"?>', 1),
     "DIGEST_MISMATCH"),
    ("first_of_two_signatures_replaced", lambda: CO_SIGNED.replace(
        tree_of(CO_SIGNED).find(f"{DS}Signature/{DS}SignatureValue").text.encode(),
        tree_of(sign_xml(DOC, RSA_KEY, RSA_CERT, with_comments=False)).find(
            f"{DS}Signature/{DS}SignatureValue").text.encode()), "DIGEST_MISMATCH"),
]


@pytest.mark.parametrize(("name", "build", "code"), SIGNED_CASES, ids=[case[0] for case in SIGNED_CASES])
def test_signed_cases(name: str, build: Callable[[], bytes], code: str):
    data = build()
    assert_rejected(verify_xml(data), code)


def test_second_signature_with_id_reference_does_not_taint_the_first():
    result = verify_xml(second_signature_referencing_id())
    assert [signature.failure for signature in result.signatures] == [None, "BAD_REFERENCE"]
    assert not result.intact


def test_sanity_the_untouched_documents_verify():
    for document in (SIGNED, EC_SIGNED, CO_SIGNED):
        assert verify_xml(document).intact


# ---------------------------------------------------------------------------------------------------------
# Bounded work: each namespace limit at its value and one past it (the refusal code, never a timing)


@pytest.mark.parametrize(("name", "build", "limit"), NAMESPACE_FLOODS, ids=[case[0] for case in NAMESPACE_FLOODS])
def test_namespace_flood_names_its_limit(name: str, build: Callable[[], bytes], limit: str):
    data = build()
    result = verify_xml(data)
    assert_rejected(result, "TOO_COMPLEX")
    assert result.details["limit"] == limit and result.details["max"] == getattr(limits.DEFAULT, limit)
    assert result.details["found"] > result.details["max"]


@pytest.mark.parametrize("name", ["ns_root_257_declarations", "ns_deep_chain_one_per_element",
                                  "ns_prefixes_redeclared_on_siblings"])
def test_namespace_floods_carry_genuine_signatures(name: str):
    """Only the limit refuses them: with the limits raised, the (small) floods verify."""
    build = {case[0]: case[1] for case in NAMESPACE_FLOODS}[name]
    with limits.budget(UNBOUNDED):
        assert verify_xml(build()).intact


def namespace_work(document: bytes) -> int:
    """The reference count: the sum over elements of their in-scope namespaces beyond the free ones (nsmap is
    fine on samples)."""
    return sum(max(0, len(element.nsmap) - xmldsig.FREE_NAMESPACES) for element in tree_of(document).iter(etree.Element))


def test_genuine_document_with_reasonable_namespaces_verifies():
    """What real requests look like: a handful of namespaces, a few hundred elements, two signatures."""
    document = (b'<r:request xmlns:r="urn:egov:request" xmlns:a="urn:egov:applicant" xmlns:s="urn:egov:service" '
                b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><a:applicant><a:iin>123456789012</a:iin>'
                + b'<a:item xmlns:c="urn:egov:common"><c:code>1</c:code></a:item>' * 150
                + b'</a:applicant><s:service xmlns="urn:egov:default" code="001"><x/></s:service></r:request>')
    signed = sign_xml(sign_xml(document, RSA_KEY, RSA_CERT), EC_KEY, EC_CERT)
    result = verify_xml(signed)
    assert result.intact, result
    assert 2 * namespace_work(signed) < limits.DEFAULT.xml_namespace_work


def test_declarations_at_the_limit_and_one_past():
    at_limit = flood_on_root(254, 1)  # + the default namespace + ds on the signature = 256
    assert verify_xml(at_limit).intact
    past = verify_xml(flood_on_root(255, 1))
    assert (past.failure, past.details) == ("TOO_COMPLEX", {"limit": "xml_namespace_declarations", "max": 256,
                                                            "found": 257})


def work_document(target: int, extra: int = 0) -> bytes:
    """A signed request whose namespace work is exactly ``target`` (+ ``extra``), one signature."""
    signature_work = namespace_work(SIGNED) - namespace_work(DOC)
    inner = 99  # <a> declares 99 prefixes: 100 in scope for it and each of its leaves
    per = 1 + inner - xmldsig.FREE_NAMESPACES
    leaves, rest = divmod(target - signature_work - per, per)
    rest += extra  # <b> declares enough prefixes for exactly ``rest`` beyond the free ones
    tail = b"<b" + declarations(rest + xmldsig.FREE_NAMESPACES - 1, prefix="q") + b"/>" if rest else b""
    document = (b'<request xmlns="urn:egov:request"><a' + declarations(inner) + b">" + b"<y/>" * leaves + b"</a>"
                + tail + b"</request>")
    return signed_unbounded(document)


def test_namespace_work_at_the_limit_and_one_past():
    maximum = limits.DEFAULT.xml_namespace_work
    at_limit = work_document(maximum)
    assert namespace_work(at_limit) == maximum
    assert verify_xml(at_limit).intact
    past = verify_xml(work_document(maximum, extra=1))
    assert (past.failure, past.details) == ("TOO_COMPLEX", {"limit": "xml_namespace_work", "max": maximum,
                                                            "found": maximum + 1})


def test_namespace_work_counts_one_canonicalisation_per_signature():
    single, double = namespace_work(SIGNED), namespace_work(CO_SIGNED)
    with limits.budget(limits.DEFAULT.replace(xml_namespace_work=single)):
        assert verify_xml(SIGNED).intact
    with limits.budget(limits.DEFAULT.replace(xml_namespace_work=single - 1)):
        assert verify_xml(SIGNED).details["found"] == single
    with limits.budget(limits.DEFAULT.replace(xml_namespace_work=2 * double)):
        assert verify_xml(CO_SIGNED).intact
    with limits.budget(limits.DEFAULT.replace(xml_namespace_work=2 * double - 1)):
        result = verify_xml(CO_SIGNED)
    assert (result.failure, result.details["found"]) == ("TOO_COMPLEX", 2 * double)


def test_sign_xml_refuses_a_flood_too():
    with pytest.raises(ValueError) as refused:
        sign_xml(b"<r" + declarations(300) + b"/>", RSA_KEY, RSA_CERT)
    assert refused.value.code == "TOO_COMPLEX" and refused.value.details["limit"] == "xml_namespace_declarations"


def test_request_check_reports_too_complex(profile):
    from eds.validation.request_check import RequestChecker
    from eds.validation.signer_check import SignerChecker

    report = RequestChecker(SignerChecker(profile)).check(flood_on_root(250, 1000))
    assert not report.passed and report.indication.value == "TOTAL_FAILED"
    assert report.reasons[0].code == "TOO_COMPLEX", report.to_dict()["reasons"]
    assert report.checks[0].details["limit"] == "xml_namespace_work"


def test_large_genuine_document_with_few_namespaces_is_not_refused():
    """Namespaces up to FREE_NAMESPACES in scope cost nothing: 120,000 elements under three namespaces verify."""
    document = (b'<r:request xmlns:r="urn:egov:request" xmlns:a="urn:egov:applicant" xmlns="urn:egov:default">'
                + b"<a:x>1</a:x>" * 120_000 + b"</r:request>")
    assert verify_xml(sign_xml(document, RSA_KEY, RSA_CERT)).intact


def test_elements_at_the_limit_and_one_past():
    """Parsing and canonicalisation run in one step each, so the element count is bounded before them."""
    small = limits.DEFAULT.replace(xml_elements=1000)
    signed = signed_unbounded(b'<request xmlns="urn:egov:request">' + b"<x/>" * 10 + b"</request>")
    used = sum(1 for _ in tree_of(signed).iter())
    padded = signed_unbounded(b'<request xmlns="urn:egov:request">' + b"<x/>" * (10 + 1000 - used) + b"</request>")
    past = signed_unbounded(b'<request xmlns="urn:egov:request">' + b"<x/>" * (11 + 1000 - used) + b"</request>")
    with limits.budget(small):
        assert verify_xml(padded).intact
        refused = verify_xml(past)
    assert (refused.failure, refused.details) == ("TOO_COMPLEX", {"limit": "xml_elements", "max": 1000, "found": 1001})
