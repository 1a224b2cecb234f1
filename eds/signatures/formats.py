"""One file is one format: a document is judged as what a viewer opens, and a polyglot is refused.

PDF readers open a file when ``%PDF-`` appears within its first 1,024 bytes, whatever comes before, so such
a file is a PDF here too. A PEM block counts as CMS only when the whole input is that block (whitespace
around it); Base64 only when the whole input is Base64. A file that parses as more than one of PDF, XML and
CMS (a PDF inside an XML comment, a CMS that also opens as a PDF) is ``ambiguous``: the verifier, the request
check, the API and the public page all refuse it with ``AMBIGUOUS_FORMAT`` instead of choosing a reading.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Literal

Format = Literal["pdf", "xml", "cms", "ambiguous"]

__all__ = ["Format", "cms_der", "detect_format", "is_whole_pem", "PDF_HEADER_WINDOW"]

PDF_HEADER_WINDOW = 1024
_BOM = b"\xef\xbb\xbf"
_PEM = re.compile(rb"\s*-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]*)-----END \1-----\s*")
_BASE64 = re.compile(rb"[A-Za-z0-9+/=\s]+")


def is_whole_pem(data: bytes) -> bytes | None:
    """The Base64 body when the whole input is one PEM block, else None."""
    match = _PEM.fullmatch(data)
    return match.group(2) if match else None


def _looks_xml(data: bytes) -> bool:
    head = data[:3] == _BOM and data[3:] or data
    head = head.lstrip(b" \t\r\n")[:1]
    return head == b"<" or data[:2] in (b"\xff\xfe", b"\xfe\xff")


def cms_der(data: bytes) -> bytes | None:
    """The DER of a CMS given as DER, whole-input PEM or whole-input Base64, or None."""
    if data[:1] == b"\x30":
        return data
    body = is_whole_pem(data)
    if body is None and _BASE64.fullmatch(data):
        body = data
    if body is None:
        return None
    try:
        der = base64.b64decode(re.sub(rb"\s+", b"", body), validate=True)
    except (binascii.Error, ValueError):
        return None
    return der if der[:1] == b"\x30" else None


def _parses_as_cms(data: bytes) -> bool:
    from asn1crypto import cms as acms

    der = cms_der(data)
    if der is None:
        return False
    try:
        info = acms.ContentInfo.load(der, strict=True)
        return info["content_type"].native == "signed_data"
    except (ValueError, TypeError, KeyError):
        return False


def _parses_as_xml(data: bytes) -> bool:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return False
    return True


def detect_format(data: bytes) -> Format:
    """What ``data`` is: 'pdf', 'xml', 'cms' (also the reading of anything unrecognised) or 'ambiguous'."""
    pdf = b"%PDF-" in data[:PDF_HEADER_WINDOW]
    if pdf:
        if _looks_xml(data) and _parses_as_xml(data):
            return "ambiguous"
        if _parses_as_cms(data):
            return "ambiguous"
        return "pdf"
    return "xml" if _looks_xml(data) else "cms"


def cms_content(data: bytes) -> bytes | None:
    """The encapsulated content of an attached CMS, unverified: for looking things up, never for trusting."""
    from asn1crypto import cms as acms

    der = cms_der(data)
    if der is None:
        return None
    try:
        content = acms.ContentInfo.load(der)["content"]["encap_content_info"]["content"]
        return content.native if content is not None and content.native is not None else None
    except (ValueError, TypeError, KeyError):
        return None
