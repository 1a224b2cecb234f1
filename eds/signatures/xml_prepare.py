"""What NCANode's signing requests may ask done to an XML before it is signed: drop its signatures, trim it.

``clearSignatures`` removes every ``ds:Signature`` (a document re-signed from scratch); ``trimXml`` removes the
whitespace-only text between elements (indentation and line breaks), so that the signed bytes are compact.
Both parse with the hardened parser of :mod:`eds.signatures.xmldsig`.
"""

from __future__ import annotations

from lxml import etree

from eds.signatures import xmldsig

__all__ = ["prepare"]


def prepare(data: bytes, *, clear_signatures: bool = False, trim: bool = False) -> bytes:
    """``data`` with its signatures removed and/or its blank text trimmed; unchanged when neither is asked.

    Raises :class:`eds.signatures.xmldsig.XmlDsigError` for a document the hardened parser refuses.
    """
    if not clear_signatures and not trim:
        return data
    tree = xmldsig.parse(data)
    root = tree.getroot()
    if clear_signatures:
        for signature in list(root.iter("{%s}Signature" % xmldsig.DS_NS)):
            if signature is not root:
                xmldsig.detach(signature)
    if trim:
        for element in root.iter(etree.Element):
            if len(element) and element.text is not None and not element.text.strip():
                element.text = None
            if element is not root and element.tail is not None and not element.tail.strip():
                element.tail = None
    return etree.tostring(tree, encoding="UTF-8", xml_declaration=True)
