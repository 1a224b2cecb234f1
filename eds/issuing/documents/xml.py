"""The XML twin of a result document (unsigned): the same data as the PDF, machine-readable, for the XMLDSig
signature that is appended to its document element later.

Layout: ``<document type=".." number=".." issued_at=".." event=".." regulation="..">`` with ``<title>``,
``<verify_url>``, ``<original>`` for a re-issue or duplicate, then one element per field in declaration
order; a bilingual text has ``<kk>`` and ``<ru>``, a list has ``<item>`` children, an IIN/BIN is an ``<iin>``
or ``<bin>`` element, dates are ISO, enums are their codes.  No namespace, no comments, UTF-8.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lxml import etree

from eds.issuing.documents.issuance import check_issuance
from eds.issuing.documents.schema import Bilingual, Field, Kind, ValidatedDocument
from eds.pki.identity import Iin

__all__ = ["render_xml"]


def _bilingual(parent: etree._Element, name: str, value: Bilingual) -> None:
    element = etree.SubElement(parent, name)
    etree.SubElement(element, "kk").text = value.kk
    etree.SubElement(element, "ru").text = value.ru


def _append(parent: etree._Element, spec: Field, value: Any) -> None:
    if spec.kind is Kind.BILINGUAL:
        _bilingual(parent, spec.name, value)
    elif spec.kind is Kind.GROUP:
        group = etree.SubElement(parent, spec.name)
        for sub in spec.fields:
            if sub.name in value:
                _append(group, sub, value[sub.name])
    elif spec.kind is Kind.LIST:
        assert spec.item is not None
        items = etree.SubElement(parent, spec.name)
        for item in value:
            _append(items, spec.item, item)
    elif spec.kind is Kind.IIN_OR_BIN:
        etree.SubElement(parent, "iin" if isinstance(value, Iin) else "bin").text = str(value)
    elif isinstance(value, dt.date):
        etree.SubElement(parent, spec.name).text = value.isoformat()
    else:
        etree.SubElement(parent, spec.name).text = str(value)


def render_xml(
    doc: ValidatedDocument,
    *,
    number: str,
    issued_at: dt.date,
    verify_url: str,
    event: str = "issue",
    original: dict[str, Any] | None = None,
) -> bytes:
    """The unsigned XML twin; takes the same arguments as render_pdf and refuses the same bad ones."""
    issuance = check_issuance(doc, number=number, issued_at=issued_at, verify_url=verify_url, event=event,
                              original=original)
    root = etree.Element("document", {
        "type": doc.type_id,
        "number": issuance.number,
        "issued_at": issuance.issued_at.isoformat(),
        "event": issuance.event,
        "regulation": doc.regulation,
    })
    _bilingual(root, "title", Bilingual(doc.type.title_kk, doc.type.title_ru))
    etree.SubElement(root, "verify_url").text = issuance.verify_url
    if issuance.event != "issue":
        original_element = etree.SubElement(root, "original", {"number": issuance.original_number or ""})
        if issuance.original_issued_at is not None:
            original_element.set("issued_at", issuance.original_issued_at.isoformat())
        if issuance.ground is not None:
            _bilingual(original_element, "ground", issuance.ground)
    for spec in doc.type.fields:
        if spec.name in doc.values:
            _append(root, spec, doc.values[spec.name])
    root.find("signer").set("role", doc.signer_role.code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
