"""The fast paths of the XML signature check give what the general ones give.

* SignedInfo's C14N taken directly from its document (``xmldsig._c14n_signed_info``) is byte for byte the C14N of
  the standalone copy, on every generated document the gate lets through; and the gate is not idle: outside it
  the two differ, so the copy stays needed there.
* NCALayer's layout recognised in one comparison (``xmldsig._read_plain``) reads the same values as the walk
  level by level (``_read_plain_walk``), on the layout itself and on every variant of it generated here.
"""

from __future__ import annotations

import random

import pytest
from lxml import etree

from eds.signatures import xmldsig

DS = "http://www.w3.org/2000/09/xmldsig#"
XML_ATTR = "{http://www.w3.org/XML/1998/namespace}"
URIS = ("urn:a", "urn:b", DS, "http://x.example/", "")
ATTRIBUTES = (' id="1"', ' xml:lang="kk"', ' xml:space="preserve"', ' xml:base="http://e/"', ' z="a&#9;b"',
              ' q="&amp;&#13;"')


class _Generator:
    """Random documents with a ds:Signature/ds:SignedInfo under the document element: namespaces declared,
    redeclared, shadowed and defaulted on every level, inherited and own xml:* attributes, comments, PIs,
    CDATA, character references."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)

    def declarations(self, most: int, prefixes: tuple[str, ...] = ("a", "b", "ds", "c", "")) -> str:
        out, used = [], set()
        for _ in range(self.rnd.randint(0, most)):
            prefix = self.rnd.choice(prefixes)
            if prefix in used:
                continue
            used.add(prefix)
            uri = self.rnd.choice(URIS)
            if prefix == "ds" and self.rnd.random() < 0.7:
                uri = DS
            if prefix and not uri:
                uri = "urn:q"  # a prefix cannot be undeclared in XML 1.0
            out.append(f' xmlns{":" + prefix if prefix else ""}="{uri}"')
        return "".join(out)

    def attributes(self) -> str:
        return "".join(self.rnd.sample(ATTRIBUTES, self.rnd.randint(0, 3)))

    def content(self, depth: int, prefix: str) -> str:
        parts = []
        for _ in range(self.rnd.randint(0, 3)):
            roll = self.rnd.random()
            if roll < 0.3:
                parts.append(self.rnd.choice(["t", "&amp;&lt;", "&#13;\n", "<![CDATA[ <x> ]]>", " "]))
            elif roll < 0.4:
                parts.append("<!-- c -->")
            elif roll < 0.45:
                parts.append("<?pi d?>")
            elif depth < 3:
                tag = f"{prefix}Reference" if self.rnd.random() < 0.5 else self.rnd.choice(["v", "b:w"])
                declared = self.declarations(2)
                if tag.startswith("b:") and "xmlns:b=" not in declared:
                    declared += ' xmlns:b="urn:b"'
                parts.append(f"<{tag}{declared}{self.attributes()}>{self.content(depth + 1, prefix)}</{tag}>")
        return "".join(parts)

    def document(self) -> str:
        prefix = self.rnd.choice(["ds:", "", "s:"])
        own = f' xmlns:{prefix[:-1]}="{DS}"' if prefix else f' xmlns="{DS}"'
        signature = own + self.declarations(2, ("a", "b", "c"))
        return (f"<r{self.declarations(3)}{self.attributes()}>x<k/>{'<!--c-->' if self.rnd.random() < 0.3 else ''}"
                f"<{prefix}Signature{signature}{self.attributes()}>"
                f"<{prefix}SignedInfo{self.declarations(2)}{self.attributes()}>{self.content(0, prefix)}"
                f"</{prefix}SignedInfo></{prefix}Signature></r>")


def _cases(seed: int, count: int):
    generator = _Generator(seed)
    for _ in range(count):
        text = generator.document()
        data = text.encode()
        try:
            tree = xmldsig.parse(data)
        except xmldsig.XmlDsigError:
            continue  # an unbound prefix and the like: not a document
        signed_info = tree.getroot().find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
        if signed_info is not None:
            yield data, signed_info, xmldsig._markup_bounds(data, tree)


def _inherits_xml_attribute(element: etree._Element) -> bool:
    return any(name.startswith(XML_ATTR) for ancestor in element.iterancestors() for name in ancestor.attrib)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_direct_c14n_is_the_copys_wherever_the_gate_allows_it(seed):
    through, differ_outside = 0, 0
    for data, signed_info, bounds in _cases(seed, 5000):
        unshadowed = xmldsig._unshadowed(data, bounds)
        for with_comments in (False, True):
            copy = xmldsig._c14n_signed_info(signed_info, with_comments)  # unshadowed=False: always the copy
            fast = xmldsig._c14n_signed_info(signed_info, with_comments, unshadowed)
            assert fast == copy, data
            direct = etree.tostring(signed_info, method="c14n", with_comments=with_comments)
            if unshadowed and not _inherits_xml_attribute(signed_info):
                through += 1
                assert direct == copy, data
            elif direct != copy:
                differ_outside += 1
    assert through >= 100  # the gate lets real variety through...
    assert differ_outside >= 50  # ...and what it keeps out would have been canonicalised wrongly


@pytest.mark.parametrize("document, expected", [
    (b'<r><ds:Signature xmlns:ds="urn:d"/></r>', True),
    (b'<r xmlns:a="urn:a" xmlns:b="urn:b"><ds:Signature xmlns:ds="urn:d"/></r>', True),
    (b'<r xmlns="urn:x"><ds:Signature xmlns:ds="urn:d"/></r>', False),  # a default namespace
    (b'<r xmlns = "urn:x"><ds:Signature xmlns:ds="urn:d"/></r>', False),  # spelled with spaces
    (b'<r xmlns:ds="urn:d"><ds:Signature xmlns:ds="urn:d"/></r>', False),  # declared again, same URI
    (b'<r xmlns:a="urn:a"><ds:Signature xmlns:ds="urn:d"><a:x xmlns:a="urn:b"/></ds:Signature></r>', False),
    (b'<r><Signature xmlns="urn:d"/></r>', False),  # the one declaration is the default namespace
])
def test_unshadowed_reads_the_declarations(document, expected):
    tree = xmldsig.parse(document)
    assert xmldsig._unshadowed(document, xmldsig._markup_bounds(document, tree)) is expected


def test_a_document_whose_bytes_cannot_be_read_so_is_never_unshadowed():
    document = '<?xml version="1.0" encoding="UTF-16"?><r><ds:Signature xmlns:ds="urn:d"/></r>'.encode("utf-16")
    tree = xmldsig.parse(document)
    assert xmldsig._markup_bounds(document, tree) is None
    assert xmldsig._unshadowed(document, None) is False


# --- the plain layout ---------------------------------------------------------------------------------------

def _ncalayer_signature(certificates: int) -> str:
    key_info = ("<ds:KeyInfo><ds:X509Data>" + "<ds:X509Certificate>QUJD</ds:X509Certificate>" * certificates
                + "</ds:X509Data></ds:KeyInfo>") if certificates else ""
    return (f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'
            '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
            '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
            '<ds:Reference URI=""><ds:Transforms>'
            '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
            '<ds:Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/>'
            '</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
            '<ds:DigestValue>ZGlnZXN0</ds:DigestValue></ds:Reference></ds:SignedInfo>'
            f'<ds:SignatureValue>c2lnbmF0dXJl</ds:SignatureValue>{key_info}</ds:Signature>')


_TAGS = ("<ds:X509Certificate>", "<ds:Transform ", "<ds:DigestValue>", "<ds:SignatureValue>", "<ds:KeyInfo>",
         "<ds:X509Data>", "<ds:Reference ", "</ds:SignedInfo>", "</ds:Transforms>", "<ds:SignedInfo>")
_INSERTS = ("<!-- c -->", "<?pi x?>", "<ds:Object/>", "<x/>", "<ds:Transform Algorithm='urn:t'/>", " ", "text",
            "<ds:X509Certificate>REVG</ds:X509Certificate>", "<ds:X509Data/>", "<ds:KeyName>k</ds:KeyName>")


def _layout_variants(seed: int, count: int):
    rnd = random.Random(seed)
    for certificates in range(7):
        yield _ncalayer_signature(certificates)
    for _ in range(count):
        text = _ncalayer_signature(rnd.randint(0, 6))
        for _ in range(rnd.randint(1, 3)):
            roll = rnd.random()
            if roll < 0.5:  # something inserted after a tag
                tag = rnd.choice(_TAGS)
                at = text.find(tag)
                if at >= 0:
                    at = text.find(">", at) + 1
                    text = text[:at] + rnd.choice(_INSERTS) + text[at:]
            elif roll < 0.75:  # an attribute gone or renamed
                name = rnd.choice(('Algorithm="', 'URI="'))
                at = text.find(name, rnd.randrange(len(text)))
                if at >= 0:
                    text = text[:at] + rnd.choice(("X", "Algorithm2=", "")) + text[at + len(name) - 2:]
            else:  # an element moved to the end of the signature
                tag = rnd.choice(("ds:SignatureValue", "ds:KeyInfo", "ds:DigestValue"))
                start, end = text.find(f"<{tag}"), text.find(f"</{tag}>")
                if start >= 0 and end >= 0:
                    element = text[start:end + len(tag) + 3]
                    text = text[:start] + text[start + len(element):]
                    text = text.replace("</ds:Signature>", element + "</ds:Signature>")
        yield text


def _outcome(reader, signature):
    try:
        return reader(signature)
    except xmldsig._Failure as failure:  # the walk refuses some layouts outright (text with children)
        return failure.code, failure.message


@pytest.mark.parametrize("seed", [1, 2])
def test_the_layout_read_in_one_comparison_is_the_walks(seed):
    recognised = walked = 0
    for text in _layout_variants(seed, 3000):
        try:
            root = etree.fromstring(f"<r>x{text}</r>".encode())
        except etree.XMLSyntaxError:
            continue
        signature = root[0]
        layout = tuple((node.tag, len(node)) for node in signature.iter())
        fast, walk = _outcome(xmldsig._read_plain, signature), _outcome(xmldsig._read_plain_walk, signature)
        assert fast == walk, text
        if layout in xmldsig._NCALAYER_LAYOUTS:
            recognised += 1
        elif walk is not None and not isinstance(walk, tuple):
            walked += 1  # a plain layout the table does not hold: still read, by the walk
    assert recognised >= 300 and walked >= 100, (recognised, walked)
