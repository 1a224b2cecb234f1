"""WS-Security signatures of SOAP envelopes as SmartBridge (the e-government service bus) exchanges them.

The profile (NCA_PROFILE.md §6, NCANode's /wsse): the SOAP Body carries a ``wsu:Id``; a ``ds:Signature`` in
``Header/wsse:Security`` has one Reference to ``#<that Id>`` with the exclusive C14N transform (no
comments), SignedInfo is canonicalised with exclusive C14N, and the signer's certificate is a
``wsse:SecurityTokenReference/wsse:KeyIdentifier`` (X509v3, Base64) in KeyInfo, as NCANode writes it. Verifying
also reads a ``wsse:Reference`` to a ``wsse:BinarySecurityToken`` and a plain ``ds:X509Data``.

Like :mod:`eds.signatures.xmldsig`, this answers only whether the signature is intact and what it covers; the
signer's certificate is judged by the caller. Wrapping is refused: every Id in the envelope must be unique,
the signature must live in the Envelope's own Header and must cover the Envelope's own Body, and only that
Body (canonical, as signed) is returned as signed content.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from lxml import etree

from eds import limits
from eds.errors import CodedError
from eds.pki import algorithms
from eds.pki.keys import belongs_to, held_key
from eds.signatures import xmldsig

__all__ = ["EXC_C14N", "WSSE_NS", "WSU_NS", "WsseError", "WsseVerification", "sign_envelope", "verify_envelope"]

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64_BINARY = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
DS_NS = xmldsig.DS_NS

_DS, _WSSE, _WSU = "{" + DS_NS + "}", "{" + WSSE_NS + "}", "{" + WSU_NS + "}"
_ID = _WSU + "Id"
_RAW_ECDSA = frozenset({xmldsig.ECDSA_SHA256})
MAX_REFERENCES = 4
"""References one signature may have (the Body, and a Timestamp or the like): each costs a canonicalisation."""


class WsseError(CodedError, ValueError):
    """A refusal to sign: not a SOAP envelope, a key that cannot sign, a key not the certificate's."""

    code_in_message = True


@dataclass(frozen=True)
class WsseVerification:
    """The verdict on an envelope's signature. ``signed_body`` (the Body, exclusive C14N) only when intact."""

    intact: bool
    failure: str | None
    message: str
    certificate_der: bytes | None = None
    signature_algorithm: str | None = None
    signed_body: bytes | None = None
    other_certificates: tuple[bytes, ...] = ()
    """Further certificates of KeyInfo (possible chain members, unverified)."""


class _Failure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _exc_c14n(element: etree._Element, prefixes: tuple[str, ...] = ()) -> bytes:
    """Exclusive C14N (no comments) of ``element`` as it stands in its document.

    Canonicalised from a standalone copy, which carries every namespace in scope: lxml's C14N of a sub-element
    emits stray default-namespace declarations. Exclusive C14N inherits nothing else from ancestors.
    """
    copy = etree.fromstring(etree.tostring(element, with_tail=False), xmldsig.hardened_parser())
    try:
        return etree.tostring(copy.getroottree(), method="c14n", exclusive=True, with_comments=False,
                              inclusive_ns_prefixes=list(prefixes) or None)
    except etree.C14NError:
        raise _Failure("XML_FORBIDDEN_CONSTRUCT", "the envelope cannot be canonicalised") from None


def _envelope(tree: etree._ElementTree) -> tuple[etree._Element, str, etree._Element]:
    """(Envelope, SOAP namespace, Body): the Body is the Envelope's own child, exactly one."""
    root = tree.getroot()
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "Envelope" or namespace not in (SOAP11_NS, SOAP12_NS):
        raise _Failure("NOT_SOAP", "the document is not a SOAP 1.1 or 1.2 Envelope")
    bodies = root.findall("{%s}Body" % namespace)
    if len(bodies) != 1:
        raise _Failure("NOT_SOAP", f"the Envelope has {len(bodies)} Body elements; one is required")
    return root, namespace, bodies[0]


def _ids(root: etree._Element) -> dict[str, etree._Element]:
    """Every ``wsu:Id`` / ``Id`` in the envelope; an Id that appears twice is refused (signature wrapping)."""
    found: dict[str, etree._Element] = {}
    for element in root.iter(etree.Element):
        for name in (_ID, "Id"):
            value = element.get(name)
            if value is None:
                continue
            if value in found:
                raise _Failure("DUPLICATE_ID", f"the Id {value!r} appears more than once")
            found[value] = element
    return found


def _algorithm_of(signature_uri: str) -> algorithms.SignatureAlgorithm:
    oid = xmldsig.SIGNATURE_URIS.get(signature_uri)
    if oid is None or not algorithms.is_supported(oid):
        raise _Failure("UNSUPPORTED_ALGORITHM", f"signature algorithm {signature_uri!r} is not supported")
    return algorithms.signature(oid)


def _digest_of(digest_uri: str) -> algorithms.Digest:
    digest = algorithms.digest(xmldsig.DIGEST_URIS.get(digest_uri, ""))
    if digest is None:
        raise _Failure("UNSUPPORTED_ALGORITHM", f"digest algorithm {digest_uri!r} is not supported")
    return digest


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _Failure("BAD_BASE64", f"{what} is not valid Base64") from None


def _one(parent: etree._Element, tag: str, what: str) -> etree._Element:
    found = parent.findall(tag)
    if len(found) != 1:
        raise _Failure("PROFILE_VIOLATION", f"{what}: expected exactly one, found {len(found)}")
    return found[0]


def _prefixes(transform_or_method: etree._Element) -> tuple[str, ...]:
    """The InclusiveNamespaces PrefixList of an exclusive C14N transform (xmldsig-exc-c14n §3)."""
    inclusive = transform_or_method.find("{%s}InclusiveNamespaces" % EXC_C14N)
    return tuple((inclusive.get("PrefixList") or "").split()) if inclusive is not None else ()


def _certificate(key_info: etree._Element, security: etree._Element,
                 ids: dict[str, etree._Element]) -> tuple[bytes, tuple[bytes, ...]]:
    """The signer's certificate and any others: a KeyIdentifier (X509v3), a Reference to a BinarySecurityToken,
    or X509Data."""
    reference = key_info.find(_WSSE + "SecurityTokenReference")
    if reference is not None:
        identifier = reference.find(_WSSE + "KeyIdentifier")
        if identifier is not None:
            if identifier.get("ValueType") != X509V3:
                raise _Failure("UNSUPPORTED_KEY_INFO", f"KeyIdentifier of type {identifier.get('ValueType')!r}: only "
                                                       "an X509v3 certificate identifies the signer here")
            return _b64(identifier.text, "KeyIdentifier"), ()
        pointer = reference.find(_WSSE + "Reference")
        uri = pointer.get("URI", "") if pointer is not None else ""
        token = ids.get(uri[1:]) if uri.startswith("#") else None
        if token is None or token.tag != _WSSE + "BinarySecurityToken" or token.getparent() is not security:
            raise _Failure("NO_CERTIFICATE", "the SecurityTokenReference names no BinarySecurityToken of this header")
        if token.get("ValueType") != X509V3:
            raise _Failure("UNSUPPORTED_KEY_INFO", "the BinarySecurityToken is not an X509v3 certificate")
        return _b64(token.text, "BinarySecurityToken"), ()
    certificates = [_b64(c.text, "X509Certificate") for c in key_info.findall(f"{_DS}X509Data/{_DS}X509Certificate")]
    if not certificates:
        raise _Failure("NO_CERTIFICATE", "KeyInfo names no certificate")
    leaf = _leaf(certificates)
    return leaf, tuple(c for c in certificates if c != leaf)


def _leaf(certificates: list[bytes]) -> bytes:
    """The signer's certificate among X509Data's (xmlsec1 writes a PKCS#12's CA certificates first): the one
    that issued none of the others. The signature check then proves it is the signer's."""
    try:
        parsed = [x509.load_der_x509_certificate(der) for der in certificates]
    except ValueError:
        raise _Failure("BAD_CERTIFICATE", "an X509Certificate is not a DER X.509 certificate") from None
    issuers = {c.issuer.public_bytes() for c in parsed}
    leaves = [der for der, c in zip(certificates, parsed)
              if c.subject.public_bytes() not in issuers or len(parsed) == 1]
    if len(leaves) != 1:
        raise _Failure("PROFILE_VIOLATION", "X509Data holds certificates of more than one signer")
    return leaves[0]


def _check_value(algorithm: algorithms.SignatureAlgorithm, uri: str, certificate_der: bytes, signed: bytes,
                 value: bytes) -> None:
    try:
        if uri in _RAW_ECDSA:
            key = algorithms.public_key(certificate_der)
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise algorithms.KeyMismatch("ecdsa-sha256 needs an EC certificate")
            size = (key.curve.key_size + 7) // 8
            if len(value) != 2 * size:
                raise _Failure("SIGNATURE_INVALID", "the ECDSA SignatureValue has the wrong length")
            value = encode_dss_signature(int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big"))
        valid = algorithm.verify(certificate_der, signed, value)
    except _Failure:
        raise
    except ValueError as exc:
        raise _Failure("CERTIFICATE_KEY_MISMATCH", f"the certificate's key does not fit the algorithm: {exc}") from None
    if valid is not True:
        raise _Failure("SIGNATURE_INVALID", "SignatureValue does not verify over SignedInfo with the signer's key")


def _verify(tree: etree._ElementTree) -> WsseVerification:
    root, namespace, body = _envelope(tree)
    ids = _ids(root)
    header = root.find("{%s}Header" % namespace)
    securities = header.findall(_WSSE + "Security") if header is not None else []
    signatures = [s for security in securities for s in security.findall(_DS + "Signature")]
    if len(signatures) != 1 or len(list(root.iter(_DS + "Signature"))) != 1:
        code = "NO_SIGNATURE" if not signatures else "PROFILE_VIOLATION"
        raise _Failure(code, "one ds:Signature in the Envelope's Header/wsse:Security is required")
    signature = signatures[0]
    security = signature.getparent()
    signed_info = _one(signature, _DS + "SignedInfo", "SignedInfo")
    method = _one(signed_info, _DS + "CanonicalizationMethod", "CanonicalizationMethod")
    if method.get("Algorithm") != EXC_C14N:
        raise _Failure("PROFILE_VIOLATION", "SignedInfo must be canonicalised with exclusive C14N")
    signature_uri = _one(signed_info, _DS + "SignatureMethod", "SignatureMethod").get("Algorithm", "")
    algorithm = _algorithm_of(signature_uri)
    references = signed_info.findall(_DS + "Reference")
    if not 0 < len(references) <= MAX_REFERENCES:
        raise _Failure("PROFILE_VIOLATION", f"SignedInfo must have 1 to {MAX_REFERENCES} References")
    key_info = _one(signature, _DS + "KeyInfo", "KeyInfo")
    certificate_der, others = _certificate(key_info, security, ids)
    try:
        value = _b64(_one(signature, _DS + "SignatureValue", "SignatureValue").text, "SignatureValue")
        _check_value(algorithm, signature_uri, certificate_der, _exc_c14n(signed_info, _prefixes(method)), value)
        covers_body = False
        for reference in references:
            limits.checkpoint()
            uri = reference.get("URI", "")
            target = ids.get(uri[1:]) if uri.startswith("#") else None
            if target is None:
                raise _Failure("REFERENCE_NOT_FOUND", f"Reference URI {uri!r} names no element of the envelope")
            transforms = reference.findall(f"{_DS}Transforms/{_DS}Transform")
            if [t.get("Algorithm") for t in transforms] != [EXC_C14N]:
                raise _Failure("PROFILE_VIOLATION",
                               f"Reference {uri!r}: exactly one exclusive C14N transform is allowed")
            digest = _digest_of(_one(reference, _DS + "DigestMethod", "DigestMethod").get("Algorithm", ""))
            expected = _b64(_one(reference, _DS + "DigestValue", "DigestValue").text, "DigestValue")
            if digest.hash(_exc_c14n(target, _prefixes(transforms[0]))) != expected:
                raise _Failure("DIGEST_MISMATCH", f"the element {uri!r} was changed after signing")
            covers_body |= target is body
        if not covers_body:
            raise _Failure("BODY_NOT_SIGNED", "the signature does not cover the Envelope's Body")
    except _Failure as failure:  # the signer is known: the caller reports who signed what does not verify
        return WsseVerification(False, failure.code, failure.message, certificate_der, signature_uri, None, others)
    return WsseVerification(True, None, "signature intact", certificate_der, signature_uri, _exc_c14n(body), others)


def verify_envelope(data: bytes) -> WsseVerification:
    """Check the WS-Security signature of a SOAP envelope; never raises on hostile input."""
    try:
        tree = xmldsig.parse(data, canonicalisations=MAX_REFERENCES + 1)
        return _verify(tree)
    except xmldsig.XmlDsigError as exc:
        return WsseVerification(False, exc.code, exc.message)
    except _Failure as failure:
        return WsseVerification(False, failure.code, failure.message)
    except limits.TooComplex as exc:
        return WsseVerification(False, exc.code, exc.message)


def _with_namespace(element: etree._Element, prefix: str, namespace: str) -> etree._Element:
    """``element`` with ``prefix`` bound to ``namespace`` on it (lxml cannot add a declaration to an element in
    place): a copy with the same name, attributes, text and children takes its position."""
    if element.nsmap.get(prefix) == namespace:
        return element
    replacement = etree.Element(element.tag, nsmap={**(element.nsmap or {}), prefix: namespace})
    for name, value in element.attrib.items():
        replacement.set(name, value)
    replacement.text, replacement.tail = element.text, element.tail
    for child in list(element):
        replacement.append(child)
    parent = element.getparent()
    parent.replace(element, replacement)
    return replacement


def sign_envelope(data: bytes, private_key: object, certificate_der: bytes, *,
                  token: str = "key-identifier") -> bytes:
    """Sign a SOAP envelope's Body as SmartBridge expects; ``token`` is ``key-identifier`` (as NCANode writes
    the certificate) or ``binary-security-token`` (a wsse:BinarySecurityToken referenced from KeyInfo).

    A Body that already has a ``wsu:Id`` keeps it. Raises :class:`WsseError`.
    """
    if token not in ("key-identifier", "binary-security-token"):
        raise ValueError(f"token must be key-identifier or binary-security-token, not {token!r}")
    try:
        key = held_key(private_key)
    except TypeError as exc:
        raise WsseError("UNSUPPORTED_KEY", str(exc)) from None
    signature_uri = next((u for u, oid in xmldsig.SIGNATURE_URIS.items() if oid == key.signature_algorithm), None)
    if signature_uri is None or not algorithms.is_supported(key.signature_algorithm):
        raise WsseError("UNSUPPORTED_KEY", f"no XML signature algorithm for the {key.key_type} key")
    algorithm = algorithms.signature(key.signature_algorithm)
    digest_uri = next((u for u, oid in xmldsig.DIGEST_URIS.items() if oid == algorithm.digest_oid), None)
    if digest_uri is None:
        raise WsseError("UNSUPPORTED_KEY", f"no XML digest for {algorithm.name}")
    if not belongs_to(key, certificate_der):
        raise WsseError("CERTIFICATE_KEY_MISMATCH", "the private key does not belong to the certificate")
    try:
        tree = xmldsig.parse(data, canonicalisations=2)
        root, namespace, body = _envelope(tree)
        ids = _ids(root)
        if list(root.iter(_DS + "Signature")):
            raise _Failure("ALREADY_SIGNED", "the envelope already carries a ds:Signature")
        body = _with_namespace(body, "wsu", WSU_NS)
        body_id = body.get(_ID) or f"id-{uuid.uuid4()}"
        if body_id in ids and ids[body_id] is not body and body.get(_ID) is None:
            raise _Failure("DUPLICATE_ID", f"the Id {body_id!r} is taken")
        body.set(_ID, body_id)
        header = root.find("{%s}Header" % namespace)
        if header is None:
            header = etree.Element("{%s}Header" % namespace)
            root.insert(0, header)
        security = etree.SubElement(header, _WSSE + "Security", nsmap={"wsse": WSSE_NS, "wsu": WSU_NS})
        security.set("{%s}mustUnderstand" % namespace, "1" if namespace == SOAP11_NS else "true")
        certificate_text = base64.b64encode(certificate_der).decode()
        token_id = f"X509-{uuid.uuid4()}"
        if token == "binary-security-token":
            binary = etree.SubElement(security, _WSSE + "BinarySecurityToken", EncodingType=BASE64_BINARY,
                                      ValueType=X509V3)
            binary.set(_ID, token_id)
            binary.text = certificate_text
        signature = etree.SubElement(security, _DS + "Signature", nsmap={"ds": DS_NS})
        signed_info = etree.SubElement(signature, _DS + "SignedInfo")
        etree.SubElement(signed_info, _DS + "CanonicalizationMethod", Algorithm=EXC_C14N)
        etree.SubElement(signed_info, _DS + "SignatureMethod", Algorithm=signature_uri)
        reference = etree.SubElement(signed_info, _DS + "Reference", URI="#" + body_id)
        transforms = etree.SubElement(reference, _DS + "Transforms")
        etree.SubElement(transforms, _DS + "Transform", Algorithm=EXC_C14N)
        etree.SubElement(reference, _DS + "DigestMethod", Algorithm=digest_uri)
        digest = algorithms.digest(algorithm.digest_oid or "")
        etree.SubElement(reference, _DS + "DigestValue").text = base64.b64encode(digest.hash(_exc_c14n(body))).decode()
        value_element = etree.SubElement(signature, _DS + "SignatureValue")
        key_info = etree.SubElement(signature, _DS + "KeyInfo")
        reference_element = etree.SubElement(key_info, _WSSE + "SecurityTokenReference")
        if token == "binary-security-token":
            etree.SubElement(reference_element, _WSSE + "Reference", URI="#" + token_id, ValueType=X509V3)
        else:
            etree.SubElement(reference_element, _WSSE + "KeyIdentifier", EncodingType=BASE64_BINARY,
                             ValueType=X509V3).text = certificate_text
        value = key.sign(_exc_c14n(signed_info), algorithm.oid)
    except xmldsig.XmlDsigError as exc:
        raise WsseError(exc.code, exc.message) from None
    except _Failure as failure:
        raise WsseError(failure.code, failure.message) from None
    if signature_uri in _RAW_ECDSA:
        size = (algorithms.public_key(certificate_der).curve.key_size + 7) // 8  # type: ignore[attr-defined]
        r, s = decode_dss_signature(value)
        value = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    value_element.text = base64.b64encode(value).decode()
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(tree, encoding="UTF-8")
