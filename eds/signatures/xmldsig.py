"""Crypto-level XMLDSig in exactly the NCALayer / Kalkan profile (NCA_PROFILE.md §6).

Answers two questions only: is each enveloped signature cryptographically intact, and exactly which bytes
did it sign.  Judging the signer's certificate (chain, revocation, IIN/BIN, key usage) is left to the caller,
who gets the certificate DER from each result.

Profile enforced: ``ds:Signature`` elements are direct children of the document element (co-signatures are
siblings, each later one covering the earlier ones); one ``Reference URI=""`` with exactly the transforms
enveloped-signature + C14N 1.0 (with or without comments); SignedInfo canonicalised with inclusive C14N 1.0;
the signer's certificate in ``KeyInfo/X509Data/X509Certificate``.

Comments are never signed: XMLDSig §4.3.3.3 defines ``URI=""`` as the document *minus comment nodes*, so the
``#WithComments`` transform has nothing to keep.  xmlsec1 and Apache Santuario (the library under
NCALayer/Kalkan) do the same, so a comment added after signing does not break a signature; it is also absent
from ``signed_xml`` / ``signed_document``, so nobody can be shown unsigned text as signed.

Algorithms are looked up by OID in :mod:`eds.pki.algorithms`; this module keeps only the table of XMLDSig URIs
to OIDs, and the raw r‖s encoding ECDSA takes in XML (RFC 4050). A GOST URI whose algorithm is not installed
is reported as ``UNSUPPORTED_ALGORITHM``, never as intact.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from lxml import etree

from eds import limits
from eds.errors import CodedError
from eds.pki import algorithms
from eds.pki.keys import belongs_to, held_key

__all__ = [
    "C14N_10",
    "C14N_10_WITH_COMMENTS",
    "DS_NS",
    "ECDSA_SHA256",
    "ENVELOPED_SIGNATURE",
    "GOST2004",
    "GOST2004_DIGEST",
    "GOST2015_256",
    "GOST2015_512",
    "GOST2015_DIGEST_256",
    "GOST2015_DIGEST_512",
    "RSA_SHA256",
    "SHA256",
    "DIGEST_URIS",
    "SIGNATURE_URIS",
    "XmlDsigError",
    "XmlSignatureResult",
    "XmlVerification",
    "detach",
    "find_text",
    "find_texts",
    "hardened_parser",
    "parse",
    "sign_xml",
    "verify_xml",
]

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_10_WITH_COMMENTS = C14N_10 + "#WithComments"
ENVELOPED_SIGNATURE = DS_NS + "enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
_PKIGOVKZ = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:"
GOST2015_512 = _PKIGOVKZ + "gostr34102015-gostr34112015-512"
GOST2015_256 = _PKIGOVKZ + "gostr34102015-gostr34112015-256"
GOST2015_DIGEST_512 = _PKIGOVKZ + "gostr34112015-512"
GOST2015_DIGEST_256 = _PKIGOVKZ + "gostr34112015-256"
GOST2004 = "http://www.w3.org/2001/04/xmldsig-more#gost34310-gost34311"
GOST2004_DIGEST = "http://www.w3.org/2001/04/xmldsig-more#gost34311"

_DS = "{" + DS_NS + "}"
_DS_SIGNATURE = _DS + "Signature"
_XML_ATTR = "{http://www.w3.org/XML/1998/namespace}"
_XINCLUDE_TAGS = ("{http://www.w3.org/2001/XInclude}*", "{http://www.w3.org/2003/XInclude}*")
_C14N_METHODS = frozenset({C14N_10, C14N_10_WITH_COMMENTS})
_GOST_URIS = frozenset({GOST2015_512, GOST2015_256, GOST2015_DIGEST_512, GOST2015_DIGEST_256, GOST2004,
                        GOST2004_DIGEST})
_BASE64_WHITESPACE = str.maketrans("", "", " \t\r\n")

class XmlDsigError(CodedError, ValueError):
    """Refusal to sign or read a document; ``code`` is the same machine code :func:`verify_xml` uses."""

    code_in_message = True


@dataclass(frozen=True, slots=True)
class XmlSignatureResult:
    """Outcome for one ``ds:Signature`` (``index`` counts signatures in document order from 0).

    ``signed_xml`` is the canonical (C14N 1.0, comment-free) document this signature covers: the document
    with this and every later signature removed.  Empty when the signature is too malformed to say.
    ``certificate_der`` is the first ``X509Certificate`` in KeyInfo, taken as the signer's; any further ones
    are in ``other_certificates`` (possible chain members, unverified).
    """

    index: int
    intact: bool
    failure: str | None
    message: str
    certificate_der: bytes | None
    other_certificates: tuple[bytes, ...]
    signature_algorithm: str | None
    digest_algorithm: str | None
    signed_xml: bytes


@dataclass(frozen=True, slots=True)
class XmlVerification:
    """Outcome for a document.

    ``failure`` is set for document-level problems (then ``signatures`` is empty).  ``signed_document`` is
    the canonical document with all signatures removed, given only when every signature is intact: it is the
    only thing a caller may read as signed.
    """

    failure: str | None
    message: str
    signatures: tuple[XmlSignatureResult, ...]
    signed_document: bytes | None
    details: dict[str, Any] | None = None
    """For ``TOO_COMPLEX``: the limit, its maximum and what the document needs (``eds.limits``)."""

    @property
    def intact(self) -> bool:
        """True when the document has signatures and every one of them is intact."""
        return self.signed_document is not None


class _Failure(Exception):
    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.details = details


# ---------------------------------------------------------------------------------------------------------
# Algorithms: XMLDSig URIs of the NCA profile (NCA_PROFILE.md §6) and the OIDs eds.pki.algorithms knows them by

SIGNATURE_URIS: dict[str, str] = {
    RSA_SHA256: algorithms.SHA256_WITH_RSA,
    ECDSA_SHA256: algorithms.ECDSA_WITH_SHA256,
    GOST2015_512: "1.2.398.3.10.1.1.2.3.2",
    GOST2015_256: "1.2.398.3.10.1.1.2.3.1",
    GOST2004: "1.2.398.3.10.1.1.1.2",
}
DIGEST_URIS: dict[str, str] = {
    SHA256: algorithms.SHA256,
    GOST2015_DIGEST_512: "1.2.398.3.10.1.3.3",
    GOST2015_DIGEST_256: "1.2.398.3.10.1.3.2",
    GOST2004_DIGEST: "1.2.398.3.10.1.3.1",
}
_URI_FOR_SIGNATURE = {oid: uri for uri, oid in SIGNATURE_URIS.items()}
_URI_FOR_DIGEST = {oid: uri for uri, oid in DIGEST_URIS.items()}
_RAW_ECDSA = frozenset({ECDSA_SHA256})
"""Signature URIs whose value is r‖s big-endian (RFC 4050) rather than the DER that X.509 and CMS use."""


@lru_cache(maxsize=256)
def _certificate(der: bytes) -> x509.Certificate:
    """Parse once per distinct certificate: the same signer's certificate recurs across documents."""
    return x509.load_der_x509_certificate(der)


def _signature_algorithm(uri: str) -> algorithms.SignatureAlgorithm:
    oid = SIGNATURE_URIS.get(uri)
    if oid is None or not algorithms.is_supported(oid):
        raise _unsupported("signature", uri)
    return algorithms.signature(oid)


def _digest(uri: str) -> algorithms.Digest:
    digest = algorithms.digest(DIGEST_URIS.get(uri, ""))
    if digest is None:
        raise _unsupported("digest", uri)
    return digest


def _unsupported(kind: str, uri: str) -> _Failure:
    if uri in _GOST_URIS:
        return _Failure("UNSUPPORTED_ALGORITHM",
                        f"GOST {kind} algorithm {uri} is recognised but GOST is not installed")
    return _Failure("UNSUPPORTED_ALGORITHM", f"{kind} algorithm {uri!r} is not supported")


def _raw_to_der(certificate_der: bytes, value: bytes) -> bytes | None:
    """XMLDSig's r‖s as DER, or None when its length does not fit the certificate's curve."""
    key = algorithms.public_key(certificate_der)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise algorithms.KeyMismatch("ecdsa-sha256 needs an EC certificate")
    size = (key.curve.key_size + 7) // 8
    if len(value) != 2 * size:
        return None
    return encode_dss_signature(int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big"))


def _der_to_raw(certificate_der: bytes, value: bytes) -> bytes:
    size = (algorithms.public_key(certificate_der).curve.key_size + 7) // 8  # type: ignore[attr-defined]
    r, s = decode_dss_signature(value)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


# ---------------------------------------------------------------------------------------------------------
# Safe parsing


class _ExternalResourceRefused(Exception):
    pass


class _RefuseAll(etree.Resolver):
    """libxml2 still fetches external parameter entities and DTD subsets with load_dtd=False: refuse them."""

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        raise _ExternalResourceRefused(system_url)


_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread: lxml serialises concurrent use of a shared parser."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                 collect_ids=False, remove_blank_text=False)
        parser.resolvers.add(_RefuseAll())
        _local.parser = parser
    return parser


def _fragment_parser() -> etree.XMLParser:
    """This thread's parser for what lxml itself serialised from a document ``_parse`` accepted (SignedInfo
    copied out for C14N): the same settings without the resolver, which such text cannot need (an element's
    serialisation has no DOCTYPE, so nothing external to resolve) and which costs a parse microseconds."""
    parser = getattr(_local, "fragment_parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                 collect_ids=False, remove_blank_text=False)
        _local.fragment_parser = parser
    return parser


def _prolog_has_doctype(data: bytes) -> bool:
    """Find a DOCTYPE before parsing, so entity tricks never reach the parser."""
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while pos < len(data) and data[pos] in b" \t\r\n":
            pos += 1
        if data.startswith(b"<?", pos):
            end, skip = data.find(b"?>", pos + 2), 2
        elif data.startswith(b"<!--", pos):
            end, skip = data.find(b"-->", pos + 4), 3
        else:
            return data.startswith(b"<!DOCTYPE", pos)
        if end < 0:
            return False
        pos = end + skip


_ENCODING_DECLARATION = re.compile(rb"<\?xml[ \t\r\n][^>]*?encoding[ \t\r\n]*=[ \t\r\n]*[\"']([A-Za-z0-9._-]+)[\"']")


def _declared_encoding(data: bytes) -> str | None:
    """The encoding the XML declaration names, read from the bytes after a UTF-8 byte order mark."""
    match = _ENCODING_DECLARATION.match(data, 3)
    return match.group(1).decode("ascii") if match else None


@lru_cache(maxsize=8)
def _deeper_than(max_depth: int) -> etree.XPath:
    return etree.XPath("boolean(" + "/*" * (max_depth + 1) + ")")


# Encodings in which the bytes of markup are plain ASCII: a start tag is a "<" byte, a namespace declaration
# the bytes "xmlns" (others, UTF-7 among them, can spell markup otherwise, and UTF-16/32 hold NUL bytes).
_PLAIN_ENCODINGS = frozenset({"UTF-8", "UTF8", "US-ASCII", "ASCII"})


def _markup_bounds(data: bytes, tree: etree._ElementTree) -> tuple[int, int] | None:
    """(elements, namespace declarations) at most, counted in the bytes of a parsed document, or None when
    its bytes cannot be read so (another encoding, NUL bytes, anything before the first "<" but a UTF-8 BOM).

    In UTF-8 or ASCII every start tag begins with a "<" byte and every namespace declaration is spelled
    "xmlns": comments, text, CDATA and processing instructions only add to the counts, character references
    make text, never markup, and entities are refused before parsing. A document under both bounds is
    under the limits without walking it (``_bound_namespaces``, the depth check)."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if data[start:start + 1] != b"<" or b"\x00" in data or \
            (tree.docinfo.encoding or "").upper() not in _PLAIN_ENCODINGS:
        return None
    return data.count(b"<"), data.count(b"xmlns")


def _parse(data: bytes, max_bytes: int, max_depth: int) -> etree._ElementTree:
    return _parse_bounded(data, max_bytes, max_depth)[0]


def _parse_bounded(data: bytes, max_bytes: int,
                   max_depth: int) -> tuple[etree._ElementTree, tuple[int, int] | None]:
    """The hardened parse, and the document's ``_markup_bounds``."""
    if not isinstance(data, bytes):
        raise _Failure("XML_MALFORMED", f"expected bytes, got {type(data).__name__}")
    if not data or data.isspace():
        raise _Failure("XML_MALFORMED", "the input is empty")
    if len(data) > max_bytes:
        raise _Failure("XML_TOO_LARGE", f"the document is {len(data)} bytes; the limit is {max_bytes}")
    if _prolog_has_doctype(data):
        raise _Failure("XML_FORBIDDEN_CONSTRUCT", "a DOCTYPE (DTD, entity declarations) is not allowed")
    declared = _declared_encoding(data) if data.startswith(b"\xef\xbb\xbf") else None
    if declared is not None and declared.upper().replace("-", "").replace("_", "") != "UTF8":
        # XML 1.0 (4.3.3) makes this a fatal error; libxml2 reads UTF-8, xmlsec1 and others the declared
        # encoding: the same bytes would be other text, and another digest, elsewhere
        raise _Failure("XML_MALFORMED", f"a UTF-8 byte order mark, but the declaration says {declared}")
    try:
        root = etree.fromstring(data, _parser())
    except _ExternalResourceRefused as exc:
        raise _Failure("XML_FORBIDDEN_CONSTRUCT", f"the document refers to an external resource {exc}") from None
    except etree.XMLSyntaxError as exc:
        if exc.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            if "depth" in exc.msg:
                raise _Failure("XML_TOO_DEEP", f"elements are nested deeper than {max_depth}") from None
            raise _Failure("XML_TOO_LARGE", f"a parser resource limit was exceeded: {exc.msg}") from None
        raise _Failure("XML_MALFORMED", f"not well-formed XML: {exc.msg}") from None
    tree = root.getroottree()
    info = tree.docinfo  # a new object at each reading
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise _Failure("XML_FORBIDDEN_CONSTRUCT", "a DOCTYPE (DTD, entity declarations) is not allowed")
    bounds = _markup_bounds(data, tree)
    if (bounds is None or bounds[0] > max_depth) and _deeper_than(max_depth)(tree):  # fewer elements: not deeper
        raise _Failure("XML_TOO_DEEP", f"elements are nested deeper than {max_depth}")
    return tree, bounds


def parse(data: bytes, *, max_bytes: int = 10_000_000, max_depth: int = 200,
          canonicalisations: int = 0) -> etree._ElementTree:
    """The hardened parse every XML signature format here starts from (WS-Security too): no DOCTYPE, entities,
    external resources or XInclude, bounded size and depth; with ``canonicalisations``, the elements and
    namespace work of that many C14N passes are bounded as for signatures (TOO_COMPLEX). Raises
    :class:`XmlDsigError`."""
    try:
        tree, bounds = _parse_bounded(data, max_bytes, max_depth)
        if canonicalisations:
            _bound_namespaces(tree.getroot(), canonicalisations, bounds)
        return tree
    except _Failure as failure:
        raise XmlDsigError(failure.code, failure.message, failure.details) from None


def hardened_parser() -> etree.XMLParser:
    """This thread's parser with the settings of :func:`parse` (for re-reading a fragment already parsed)."""
    return _parser()


FREE_NAMESPACES = 8
"""Namespaces in scope that cost nothing extra: a genuine request has a handful, however many elements."""


def _bound_namespaces(root: etree._Element, passes: int, bounds: tuple[int, int] | None = None) -> None:
    """Refuse a namespace flood before C14N, whose cost is elements x namespaces in scope, once per pass.

    One linear walk: each element's in-scope count is its parent's plus its own declarations (a redeclared
    prefix counts again, an upper bound that C14N also pays for); the work is what exceeds
    ``FREE_NAMESPACES`` per element, so a large genuine document with a few namespaces is never refused. ``nsmap`` is not used: it walks every
    ancestor of every element, the very cost being bounded. The document is canonicalised once per signature
    (``passes``), so that is what the work limit is held against; the walk stops once a limit is passed.
    A document whose ``_markup_bounds`` (elements, declarations) show it under every limit, with no more
    declarations in all than are free, is not walked: nothing in it could be refused.
    """
    found = bounds
    bounds = limits.current()
    if found is not None and found[1] <= FREE_NAMESPACES and found[0] <= bounds.xml_elements and \
            found[1] <= bounds.xml_namespace_declarations and bounds.xml_namespace_work >= 0:
        return
    passes = max(passes, 1)
    declarations = work = pending = elements = 0
    in_scope = [0]
    for event, _ in etree.iterwalk(root, events=("start-ns", "start", "end")):
        if event == "start-ns":
            pending += 1
        elif event == "start":
            elements += 1
            declarations += pending
            in_scope.append(in_scope[-1] + pending)
            work += max(0, in_scope[-1] - FREE_NAMESPACES)
            pending = 0
            if declarations > bounds.xml_namespace_declarations or work * passes > bounds.xml_namespace_work \
                    or elements > bounds.xml_elements:
                break
        else:
            in_scope.pop()
    try:
        limits.require("xml_elements", elements)
        limits.require("xml_namespace_declarations", declarations)
        limits.require("xml_namespace_work", work * passes)
    except limits.TooComplex as exc:
        message = exc.message
        if exc.details.get("limit") == "xml_namespace_work" and passes > 1:
            message += f" ({work} per canonicalisation, one for each of {passes} signatures)"
        raise _Failure(exc.code, message, exc.details) from None


def _signature_elements(root: etree._Element, max_signatures: int) -> list[etree._Element]:
    """The profile's signatures, or a refusal when any ds:Signature sits elsewhere (signature wrapping)."""
    signatures = []
    for element in root.iter(_DS_SIGNATURE, *_XINCLUDE_TAGS):
        if element.tag != _DS_SIGNATURE:
            raise _Failure("XML_FORBIDDEN_CONSTRUCT", "XInclude elements are not allowed (they are never processed)")
        if element.getparent() is not root:
            where = "is the document element" if element is root else "is not a direct child of the document element"
            raise _Failure("SIGNATURE_WRAPPING", f"a ds:Signature {where}; this profile only allows enveloped "
                                                 "signatures appended to the document element")
        signatures.append(element)
    if len(signatures) > max_signatures:
        raise _Failure("TOO_MANY_SIGNATURES", f"{len(signatures)} signatures; the limit is {max_signatures}")
    return signatures


# ---------------------------------------------------------------------------------------------------------
# Canonicalisation


def _c14n_document(tree: etree._ElementTree) -> bytes:
    """What ``URI=""`` + enveloped-signature + C14N 1.0 yields once the signatures are detached."""
    try:
        return etree.tostring(tree, method="c14n", with_comments=False)
    except etree.C14NError:
        raise _Failure("XML_FORBIDDEN_CONSTRUCT", "the document cannot be canonicalised "
                                                  "(C14N 1.0 forbids relative namespace URIs)") from None


# A namespace declaration as its bytes spell it in a document ``_markup_bounds`` can read (UTF-8 or ASCII, no
# entities): "xmlns", an optional ":prefix", then "=" (the group is that prefix, b"" for the default namespace).
# Text, comments and attribute values only add matches.
_DECLARATION = re.compile(rb"xmlns(:[^=\s]*)?\s*=")


def _unshadowed(data: bytes, bounds: tuple[int, int] | None) -> bool:
    """Whether every namespace declaration of the parsed ``data`` binds a prefix of its own: no default
    namespace anywhere, no prefix declared twice (so none is shadowed or declared again to the same URI).
    That is when lxml's C14N of a sub-element is right as it stands (``_c14n_signed_info``)."""
    if bounds is None:
        return False
    if bounds[1] == 1:  # one "xmlns" in all (NCALayer's ds:Signature alone): it declares a prefix or the default
        return data[data.find(b"xmlns") + 5:][:1] == b":"
    found = _DECLARATION.findall(data)
    return b"" not in found and len(set(found)) == len(found)


def _c14n_signed_info(signed_info: etree._Element, with_comments: bool, unshadowed: bool = False) -> bytes:
    """Inclusive C14N 1.0 of SignedInfo as it stands in its document.

    lxml's C14N of a sub-element is wrong with default namespaces (it emits stray ``xmlns=""``), keeps a
    prefix declared again to the URI it already has, and forgets inherited xml:* attributes, so canonicalise a
    standalone copy that carries every in-scope namespace (serialisation declares them) and the xml:*
    attributes C14N 1.0 inherits from ancestors. In a document that is ``unshadowed`` and whose SignedInfo
    inherits no xml:* attribute, none of that can happen and the sub-element is canonicalised directly: the
    same bytes (tests/test_xmldsig_fast_paths.py compares the two over generated documents), a third of the time.
    """
    inherits = any(name.startswith(_XML_ATTR) for ancestor in signed_info.iterancestors()
                   for name in ancestor.attrib)
    try:
        if unshadowed and not inherits and signed_info.prefix is not None:
            return etree.tostring(signed_info, method="c14n", with_comments=with_comments)
        # UTF-8, not lxml's default ASCII: ASCII writes a non-ASCII name as a character reference, which no
        # parser reads back as a name
        copy = etree.fromstring(etree.tostring(signed_info, with_tail=False, encoding="UTF-8"), _fragment_parser())
        if inherits:
            for ancestor in signed_info.iterancestors():
                for name, value in ancestor.attrib.items():
                    if name.startswith(_XML_ATTR) and copy.get(name) is None:
                        copy.set(name, value)
        return etree.tostring(copy.getroottree(), method="c14n", with_comments=with_comments)
    except etree.C14NError:
        raise _Failure("XML_FORBIDDEN_CONSTRUCT", "the document cannot be canonicalised "
                                                  "(C14N 1.0 forbids relative namespace URIs)") from None
    except etree.XMLSyntaxError as exc:  # the copy cannot be read back: no C14N to check a signature over
        raise _Failure("XML_MALFORMED", f"ds:SignedInfo cannot be canonicalised: {exc.msg}") from None


def detach(element: etree._Element) -> None:
    """Remove exactly the element: lxml's remove() would also take the text that follows it."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
        element.tail = None
    parent.remove(element)


# ---------------------------------------------------------------------------------------------------------
# Reading a ds:Signature


@dataclass(frozen=True, slots=True)
class _Parts:
    signed_info: etree._Element
    c14n_method: str
    signature_method: str
    reference_uri: str
    transforms: tuple[tuple[str, bool], ...]
    digest_method: str
    digest_value: str
    signature_value: str
    certificates: tuple[str, ...]


def _ds_name(element: etree._Element) -> str | None:
    tag = element.tag
    return tag[len(_DS):] if isinstance(tag, str) and tag.startswith(_DS) else None


def _children(parent: etree._Element) -> list[etree._Element]:
    return [child for child in parent if isinstance(child.tag, str)]


def _names(elements: list[etree._Element]) -> list[str]:
    return [_ds_name(e) or f"foreign element {e.tag}" for e in elements]


def _text(element: etree._Element) -> str:
    if len(element) and _children(element):
        raise _Failure("MALFORMED_SIGNATURE", f"ds:{_ds_name(element)} must contain only text")
    return element.text or ""


def _algorithm(element: etree._Element) -> str:
    algorithm = element.get("Algorithm")
    if algorithm is None:
        raise _Failure("MALFORMED_SIGNATURE", f"ds:{_ds_name(element)} has no Algorithm attribute")
    if len(element) and _children(element):
        raise _Failure("MALFORMED_SIGNATURE", f"ds:{_ds_name(element)} takes no parameters in this profile")
    return algorithm


_PLAIN_SIGNATURE = ([_DS + "SignedInfo", _DS + "SignatureValue", _DS + "KeyInfo"],
                    [_DS + "SignedInfo", _DS + "SignatureValue"])
_PLAIN_SIGNED_INFO = [_DS + "CanonicalizationMethod", _DS + "SignatureMethod", _DS + "Reference"]
_PLAIN_REFERENCE = [_DS + "Transforms", _DS + "DigestMethod", _DS + "DigestValue"]
_DS_TRANSFORM = _DS + "Transform"


def _ncalayer_layout(certificates: int) -> tuple[tuple[str, int], ...]:
    """The element tree of NCALayer's signature in document order, each element as (tag, number of children):
    with KeyInfo/X509Data holding ``certificates`` certificates, or without KeyInfo (0)."""
    key_info = ((_DS + "KeyInfo", 1), (_DS + "X509Data", certificates),
                *((_DS + "X509Certificate", 0),) * certificates) if certificates else ()
    return ((_DS_SIGNATURE, 3 if certificates else 2), (_DS + "SignedInfo", 3), (_DS + "CanonicalizationMethod", 0),
            (_DS + "SignatureMethod", 0), (_DS + "Reference", 3), (_DS + "Transforms", 2), (_DS_TRANSFORM, 0),
            (_DS_TRANSFORM, 0), (_DS + "DigestMethod", 0), (_DS + "DigestValue", 0), (_DS + "SignatureValue", 0),
            *key_info)


# Elements in document order with their child counts give the tree itself: a layout found here is NCALayer's.
_NCALAYER_LAYOUTS = {_ncalayer_layout(count): count for count in range(5)}


def _read_plain(signature: etree._Element) -> _Parts | None:
    """The values of a signature laid out exactly as NCALayer writes it, read in one pass; None for any other
    layout (a comment or processing instruction anywhere in it, an element with children where the profile
    has text, a missing Algorithm or URI...), which :func:`_read_signature` then reads and judges step by
    step. Whatever this returns is what that reading returns for the same element. NCALayer's own layout
    (two transforms, up to four certificates) is recognised from its elements in document order, in one
    comparison; any other goes through :func:`_read_plain_walk`."""
    nodes = list(signature.iter())
    certificates = _NCALAYER_LAYOUTS.get(tuple([(node.tag, len(node)) for node in nodes]))
    if certificates is None:
        return _read_plain_walk(signature)
    c14n_method, signature_method, reference_uri, first, second, digest_uri = (
        nodes[2].get("Algorithm"), nodes[3].get("Algorithm"), nodes[4].get("URI"), nodes[6].get("Algorithm"),
        nodes[7].get("Algorithm"), nodes[8].get("Algorithm"))
    if c14n_method is None or signature_method is None or digest_uri is None or reference_uri is None or \
            first is None or second is None:
        return None
    return _Parts(
        signed_info=nodes[1],
        c14n_method=c14n_method,
        signature_method=signature_method,
        reference_uri=reference_uri,
        transforms=((first, False), (second, False)),
        digest_method=digest_uri,
        digest_value=nodes[9].text or "",
        signature_value=nodes[10].text or "",
        certificates=tuple(node.text or "" for node in nodes[13:]),
    )


def _read_plain_walk(signature: etree._Element) -> _Parts | None:
    """:func:`_read_plain` for any plain layout, walked level by level."""
    kids = list(signature)
    if [k.tag for k in kids] not in _PLAIN_SIGNATURE:
        return None
    info = list(kids[0])
    if [k.tag for k in info] != _PLAIN_SIGNED_INFO:
        return None
    c14n, method, reference = info
    ref = list(reference)
    if [k.tag for k in ref] != _PLAIN_REFERENCE:
        return None
    transforms_element, digest_method, digest_value = ref
    transforms = list(transforms_element)
    leaves = (c14n, method, digest_method, digest_value, kids[1], *transforms)
    if any(len(leaf) for leaf in leaves) or any(t.tag != _DS_TRANSFORM for t in transforms):
        return None
    c14n_method, signature_method, digest_uri = c14n.get("Algorithm"), method.get("Algorithm"), \
        digest_method.get("Algorithm")
    algorithms_of_transforms = tuple(t.get("Algorithm") for t in transforms)
    reference_uri = reference.get("URI")
    if c14n_method is None or signature_method is None or digest_uri is None or reference_uri is None or \
            None in algorithms_of_transforms:
        return None
    return _Parts(
        signed_info=kids[0],
        c14n_method=c14n_method,
        signature_method=signature_method,
        reference_uri=reference_uri,
        transforms=tuple((algorithm, False) for algorithm in algorithms_of_transforms),
        digest_method=digest_uri,
        digest_value=digest_value.text or "",
        signature_value=kids[1].text or "",
        certificates=_certificate_texts(kids[2]) if len(kids) == 3 else (),
    )


def _read_signature(signature: etree._Element) -> _Parts:
    """Check the element layout of the profile and pick out the values; no value is judged here."""
    plain = _read_plain(signature)
    if plain is not None:
        return plain
    kids = _children(signature)
    names = _names(kids)
    for required in ("SignedInfo", "SignatureValue"):
        if names.count(required) != 1:
            raise _Failure("MALFORMED_SIGNATURE",
                           f"ds:Signature must contain exactly one ds:{required} (found {names.count(required)})")
    if "Object" in names:
        raise _Failure("MALFORMED_SIGNATURE", "ds:Object is not allowed in this profile")
    if names[:2] != ["SignedInfo", "SignatureValue"] or names[2:] not in ([], ["KeyInfo"]):
        raise _Failure("MALFORMED_SIGNATURE",
                       f"ds:Signature must be SignedInfo, SignatureValue, KeyInfo; found {', '.join(names)}")
    signed_info = kids[0]
    certificates = _certificate_texts(kids[2]) if len(kids) == 3 else ()

    info_kids = _children(signed_info)
    info_names = _names(info_kids)
    references = info_names.count("Reference")
    if references != 1:
        raise _Failure("BAD_REFERENCE", f"this profile needs exactly one ds:Reference (found {references})")
    if info_names != ["CanonicalizationMethod", "SignatureMethod", "Reference"]:
        raise _Failure("MALFORMED_SIGNATURE", "ds:SignedInfo must be CanonicalizationMethod, SignatureMethod, "
                                              f"Reference; found {', '.join(info_names)}")
    c14n_method = _algorithm(info_kids[0])
    signature_method = _algorithm(info_kids[1])
    reference = info_kids[2]
    reference_uri = reference.get("URI")
    if reference_uri is None:
        raise _Failure("BAD_REFERENCE", "ds:Reference has no URI; this profile needs URI=\"\"")

    ref_kids = _children(reference)
    ref_names = _names(ref_kids)
    if ref_names[:1] == ["Transforms"]:
        transforms_element, ref_kids, ref_names = ref_kids[0], ref_kids[1:], ref_names[1:]
    else:
        transforms_element = None
    if ref_names != ["DigestMethod", "DigestValue"]:
        raise _Failure("MALFORMED_SIGNATURE",
                       f"ds:Reference must be Transforms, DigestMethod, DigestValue; found {', '.join(ref_names)}")
    transforms = []
    if transforms_element is not None:
        for transform in _children(transforms_element):
            if _ds_name(transform) != "Transform" or transform.get("Algorithm") is None:
                raise _Failure("MALFORMED_SIGNATURE", "ds:Transforms must hold only ds:Transform with Algorithm")
            transforms.append((transform.get("Algorithm"), bool(_children(transform))))
    return _Parts(
        signed_info=signed_info,
        c14n_method=c14n_method,
        signature_method=signature_method,
        reference_uri=reference_uri,
        transforms=tuple(transforms),
        digest_method=_algorithm(ref_kids[0]),
        digest_value=_text(ref_kids[1]),
        signature_value=_text(kids[1]),
        certificates=certificates,
    )


def _certificate_texts(key_info: etree._Element) -> tuple[str, ...]:
    """X509Certificate texts in document order; other KeyInfo content is ignored, never dereferenced."""
    return tuple(
        _text(certificate)
        for x509_data in _children(key_info) if _ds_name(x509_data) == "X509Data"
        for certificate in _children(x509_data) if _ds_name(certificate) == "X509Certificate"
    )


def _base64(text: str, what: str) -> bytes:
    """Strict Base64, allowing the line breaks (and Java's &#13;) that signers put into long values."""
    try:
        value = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        try:
            value = base64.b64decode(text.translate(_BASE64_WHITESPACE), validate=True)
        except (binascii.Error, ValueError):
            raise _Failure("BAD_BASE64", f"{what} is not valid Base64") from None
    if not value:
        raise _Failure("MALFORMED_SIGNATURE", f"{what} is empty")
    return value


_CERTIFICATE_TEXTS: dict[str, bytes] = {}  # X509Certificate text -> its bytes, for the signers met lately


def _certificate_bytes(text: str, number: int) -> bytes:
    """The bytes of the ``number``-th X509Certificate text. The same signer's certificate arrives again and
    again: it is decoded once and the same bytes object is given back, so the caches keyed by a certificate's
    bytes below (its parsed form, its public key) find it without hashing a new copy."""
    found = _CERTIFICATE_TEXTS.get(text)
    if found is None:
        found = _base64(text, f"X509Certificate #{number}")
        if len(text) > 16_384:  # no certificate of a real signer is this long: nothing worth keeping
            return found
        if len(_CERTIFICATE_TEXTS) >= 256:
            _CERTIFICATE_TEXTS.clear()
        _CERTIFICATE_TEXTS[text] = found
    return found


def _check_profile(parts: _Parts) -> tuple[algorithms.SignatureAlgorithm, algorithms.Digest]:
    if parts.c14n_method not in _C14N_METHODS:
        raise _Failure("UNSUPPORTED_CANONICALIZATION", f"SignedInfo canonicalisation {parts.c14n_method!r} is not "
                                                       "inclusive C14N 1.0 as this profile requires")
    if parts.reference_uri != "":
        raise _Failure("BAD_REFERENCE", f"Reference URI={parts.reference_uri!r}: this profile signs the whole "
                                        "document (URI=\"\") and follows no other reference")
    algorithms = tuple(algorithm for algorithm, _ in parts.transforms)
    if (len(algorithms) != 2 or algorithms[0] != ENVELOPED_SIGNATURE or algorithms[1] not in _C14N_METHODS
            or any(has_parameters for _, has_parameters in parts.transforms)):
        raise _Failure("BAD_TRANSFORMS", "transforms must be exactly enveloped-signature then C14N 1.0; found "
                                         f"{', '.join(algorithms) or 'none'}")
    return _signature_algorithm(parts.signature_method), _digest(parts.digest_method)


def _check_signature(algorithm: algorithms.SignatureAlgorithm, uri: str, certificate_der: bytes,
                     signed_info: bytes, signature_value: bytes) -> None:
    try:
        value = _raw_to_der(certificate_der, signature_value) if uri in _RAW_ECDSA else signature_value
        valid = value is not None and algorithm.verify(certificate_der, signed_info, value)
    except ValueError as exc:
        raise _Failure("CERTIFICATE_KEY_MISMATCH", f"the certificate's key does not fit the algorithm: {exc}") from None
    except Exception as exc:  # a registered third-party verifier must not take the whole verification down
        raise _Failure("VERIFIER_ERROR", f"the signature verifier failed: {type(exc).__name__}: {exc}") from None
    if valid is not True:
        raise _Failure("SIGNATURE_INVALID", "SignatureValue does not verify over SignedInfo with the key of "
                                            "the certificate in KeyInfo")


def _verify_one(tree: etree._ElementTree, index: int, element: etree._Element,
                unshadowed: bool = False) -> XmlSignatureResult:
    """Check one signature (every later one already detached), then detach it for the earlier ones;
    ``unshadowed`` is the document's ``_unshadowed``."""
    try:
        parts = _read_signature(element)
    except _Failure as failure:
        detach(element)
        return XmlSignatureResult(index, False, failure.code, failure.message, None, (), None, None, b"")
    signed_info = _c14n_signed_info(parts.signed_info, parts.c14n_method == C14N_10_WITH_COMMENTS, unshadowed)
    detach(element)
    covered = _c14n_document(tree)
    certificates: list[bytes] = []
    try:
        algorithm, digest = _check_profile(parts)
        if not parts.certificates:
            raise _Failure("NO_CERTIFICATE", "KeyInfo/X509Data/X509Certificate with the signer's certificate "
                                             "is missing")
        for number, text in enumerate(parts.certificates, 1):
            certificates.append(_certificate_bytes(text, number))
        try:
            _certificate(certificates[0])
        except (ValueError, x509.InvalidVersion):
            raise _Failure("BAD_CERTIFICATE", "the first X509Certificate is not a DER X.509 certificate") from None
        digest_value = _base64(parts.digest_value, "DigestValue")
        signature_value = _base64(parts.signature_value, "SignatureValue")
        _check_signature(algorithm, parts.signature_method, certificates[0], signed_info, signature_value)
        if digest.hash(covered) != digest_value:
            raise _Failure("DIGEST_MISMATCH", "the document was changed after signing: its digest does not "
                                              "match DigestValue")
    except _Failure as failure:
        code, message, intact = failure.code, failure.message, False
    else:
        code, message, intact = None, "signature intact", True
    return XmlSignatureResult(
        index=index,
        intact=intact,
        failure=code,
        message=message,
        certificate_der=certificates[0] if certificates else None,
        other_certificates=tuple(certificates[1:]),
        signature_algorithm=parts.signature_method,
        digest_algorithm=parts.digest_method,
        signed_xml=covered,
    )


# ---------------------------------------------------------------------------------------------------------
# Public API


def verify_xml(data: bytes, *, max_bytes: int = 10_000_000, max_depth: int = 200,
               max_signatures: int = 32) -> XmlVerification:
    """Check every enveloped signature and say what each covers; never raises on hostile input.

    Co-signatures are checked from last to first, detaching each after its check, because each one was made
    over the document including the earlier ones. A document past a limit of ``eds.limits`` (namespace
    declarations, elements x namespaces in scope, the CPU budget) fails ``TOO_COMPLEX`` with ``details``
    naming the limit, before any canonicalisation.
    """
    try:
        tree, bounds = _parse_bounded(data, max_bytes, max_depth)
        elements = _signature_elements(tree.getroot(), max_signatures)
        if not elements:
            raise _Failure("NO_SIGNATURE", "the document has no ds:Signature")
        _bound_namespaces(tree.getroot(), len(elements), bounds)
        unshadowed = _unshadowed(data, bounds)
        results = []
        for index, element in reversed(list(enumerate(elements))):
            limits.checkpoint()
            results.append(_verify_one(tree, index, element, unshadowed))
    except _Failure as failure:
        return XmlVerification(failure.code, failure.message, (), None, failure.details)
    except limits.TooComplex as exc:
        return XmlVerification(exc.code, exc.message, (), None, exc.details)
    results.reverse()
    failed = sum(not result.intact for result in results)
    if failed:
        message = f"{failed} of {len(results)} signature(s) failed"
        return XmlVerification(None, message, tuple(results), None)
    return XmlVerification(None, f"{len(results)} signature(s) intact", tuple(results), results[0].signed_xml)


def _signing_setup(key: object, certificate_der: bytes, signature_uri: str,
                   digest_uri: str) -> tuple[algorithms.SignatureAlgorithm, algorithms.Digest]:
    """Refuse before touching the document: unknown algorithm, PEM or broken certificate, key not the cert's."""
    try:
        algorithm = _signature_algorithm(signature_uri)
    except _Failure:
        raise _Failure("UNSUPPORTED_ALGORITHM", f"no signer registered for {signature_uri}") from None
    try:
        digest = _digest(digest_uri)
    except _Failure:
        raise _Failure("UNSUPPORTED_ALGORITHM", f"no digest registered for {digest_uri!r}") from None
    if certificate_der.lstrip().startswith(b"-----BEGIN"):
        raise _Failure("BAD_CERTIFICATE", "the certificate is PEM; pass DER bytes")
    try:
        _certificate(certificate_der)
    except ValueError:
        raise _Failure("BAD_CERTIFICATE", "certificate_der is not a DER X.509 certificate") from None
    if algorithm.key_type != key.key_type:  # type: ignore[attr-defined]
        raise _Failure("UNSUPPORTED_KEY", f"{signature_uri} needs a {algorithm.key_type} key, not "
                                          f"{key.key_type}")  # type: ignore[attr-defined]
    if not belongs_to(key, certificate_der):  # type: ignore[arg-type]
        raise _Failure("CERTIFICATE_KEY_MISMATCH", "the private key does not belong to the certificate")
    return algorithm, digest


def sign_xml(data: bytes, private_key: Any, certificate_der: bytes, *, with_comments: bool = True,
             signature_algorithm: str | None = None, digest_algorithm: str | None = None,
             max_bytes: int = 10_000_000, max_depth: int = 200, max_signatures: int = 32) -> bytes:
    """Append an NCALayer-profile enveloped signature; over existing signatures it co-signs them.

    ``private_key`` is any key :func:`eds.pki.keys.held_key` takes; it signs with its own algorithm (RSA:
    rsa-sha256, EC: ecdsa-sha256, GOST: its GOST URI) and that algorithm's digest unless ``signature_algorithm``
    / ``digest_algorithm`` (URIs) say otherwise. ``with_comments`` only picks the C14N transform URI that
    NCALayer writes; comments are never signed (see the module docstring).  Raises :class:`XmlDsigError`.
    """
    try:
        key = held_key(private_key)
    except TypeError as exc:
        raise XmlDsigError("UNSUPPORTED_KEY", f"{exc}; pass a key eds.pki.keys can hold") from None
    if signature_algorithm is None:
        signature_algorithm = _URI_FOR_SIGNATURE.get(key.signature_algorithm)
        if signature_algorithm is None:
            raise XmlDsigError("UNSUPPORTED_KEY", f"no XMLDSig URI for the {key.key_type} key's algorithm")
    if digest_algorithm is None:
        oid = SIGNATURE_URIS.get(signature_algorithm)
        registered = algorithms.is_supported(oid) if oid else False
        digest_algorithm = _URI_FOR_DIGEST.get(algorithms.signature(oid).digest_oid or "", "") if registered else ""
    try:
        algorithm, digest = _signing_setup(key, certificate_der, signature_algorithm, digest_algorithm)
        tree = _parse(data, max_bytes, max_depth)
        root = tree.getroot()
        _bound_namespaces(root, 1)
        if len(_signature_elements(root, max_signatures)) == max_signatures:
            raise _Failure("TOO_MANY_SIGNATURES", f"the document already has {max_signatures} signatures")
        digest_value = digest.hash(_c14n_document(tree))
        signature = etree.SubElement(root, _DS_SIGNATURE, nsmap={"ds": DS_NS})
        signed_info = etree.SubElement(signature, _DS + "SignedInfo")
        etree.SubElement(signed_info, _DS + "CanonicalizationMethod", Algorithm=C14N_10)
        etree.SubElement(signed_info, _DS + "SignatureMethod", Algorithm=signature_algorithm)
        reference = etree.SubElement(signed_info, _DS + "Reference", URI="")
        transforms = etree.SubElement(reference, _DS + "Transforms")
        etree.SubElement(transforms, _DS + "Transform", Algorithm=ENVELOPED_SIGNATURE)
        etree.SubElement(transforms, _DS + "Transform",
                         Algorithm=C14N_10_WITH_COMMENTS if with_comments else C14N_10)
        etree.SubElement(reference, _DS + "DigestMethod", Algorithm=digest_algorithm)
        etree.SubElement(reference, _DS + "DigestValue").text = base64.b64encode(digest_value).decode()
        signature_value = etree.SubElement(signature, _DS + "SignatureValue")
        key_info = etree.SubElement(signature, _DS + "KeyInfo")
        x509_data = etree.SubElement(key_info, _DS + "X509Data")
        etree.SubElement(x509_data, _DS + "X509Certificate").text = base64.b64encode(certificate_der).decode()
        to_sign = _c14n_signed_info(signed_info, with_comments=False)
    except _Failure as failure:
        raise XmlDsigError(failure.code, failure.message, failure.details) from None
    try:
        value = key.sign(to_sign, algorithm.oid)
    except algorithms.KeyMismatch as exc:
        raise XmlDsigError("UNSUPPORTED_KEY", f"{signature_algorithm}: {exc}") from None
    if signature_algorithm in _RAW_ECDSA:
        value = _der_to_raw(certificate_der, value)
    signature_value.text = base64.b64encode(value).decode()
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(tree, encoding="UTF-8")


@lru_cache(maxsize=64)
def _path_query(absolute: bool, steps: int, attribute: bool) -> etree.XPath:
    """Local-name path as XPath with variables, so no caller text is ever spliced into an expression."""
    expression = "" if absolute else "/"
    expression += "".join(f"/*[local-name()=$n{i}]" for i in range(steps))
    if attribute:
        expression += f"/@*[local-name()=$n{steps}]"
    return etree.XPath(expression)


def find_texts(document: bytes, path: str) -> tuple[str, ...]:
    """Every value at a simple local-name path, namespace-agnostic, in document order.

    ``"iin"`` or ``"applicant/iin"`` match anywhere; ``"/request/applicant/iin"`` is anchored at the document
    element; a final ``"@name"`` step selects an attribute.  Prefixes (``"a:iin"``) are ignored.  Element
    values are their whitespace-stripped text content.  Meant for ``XmlVerification.signed_document``.
    """
    absolute = path.startswith("/") and not path.startswith("//")
    steps = path.lstrip("/").split("/")
    attribute = steps[-1].startswith("@")
    names = [step.removeprefix("@").rpartition(":")[2] for step in steps]
    if not all(names) or any(step.startswith("@") for step in steps[:-1]):
        raise ValueError(f"not a simple element path: {path!r}")
    try:
        tree = _parse(document, 10_000_000, 200)
    except _Failure as failure:
        raise XmlDsigError(failure.code, failure.message) from None
    query = _path_query(absolute, len(names) - attribute, attribute)
    found = query(tree, **{f"n{i}": name for i, name in enumerate(names)})
    if attribute:
        return tuple(str(value) for value in found)
    return tuple("".join(element.itertext()).strip() for element in found)


def find_text(document: bytes, path: str) -> str | None:
    """The single value at ``path`` (see :func:`find_texts`), or None.

    Raises ``ValueError`` when the path matches more than once: picking one of two IINs would let the
    document's author choose which one a caller sees.
    """
    values = find_texts(document, path)
    if len(values) > 1:
        raise ValueError(f"{path!r} matches {len(values)} values; the document is ambiguous")
    return values[0] if values else None
