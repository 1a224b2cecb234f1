"""The JSON Schema of a document type's data, made from its declaration (what :mod:`.schema` validates).

The API describes the ``data`` of every type with it, so an integrator sees each field, its kk/ru label, its
limits and the shape of bilingual texts, identities and dates without guessing from refusals. The schema says
what the declaration says about shapes; the checks that need code (IIN/BIN check digits, printable characters,
date order, dates against the day of issue) are named in the descriptions and stay the validator's.
"""

from __future__ import annotations

from typing import Any

from eds.issuing.documents.schema import UNLIMITED, DocumentType, Field, Kind

_IDENTITY = {
    Kind.IIN: "IIN (ЖСН/ИИН) of an individual: 12 digits with a valid check digit",
    Kind.BIN: "BIN (БСН/БИН) of a legal entity: 12 digits with a valid check digit, the fifth 4, 5 or 6",
    Kind.IIN_OR_BIN: "IIN of an individual or BIN of a legal entity (told apart by the fifth digit): 12 digits "
                     "with a valid check digit",
}
_TEXT_RULES = "printable by the document fonts (Kazakh, Russian, Latin, Greek, usual punctuation, ₸ and №); " \
              "no control characters; trimmed"


def _label(spec: Field) -> str:
    return spec.kk if spec.kk == spec.ru else f"{spec.kk} / {spec.ru}"


def _text(spec: Field, required: bool) -> dict[str, Any]:
    return {"type": "string", "maxLength": spec.max_length, **({"minLength": 1} if required else {})}


def _value(spec: Field) -> dict[str, Any]:
    """The schema of one field's value, without its label."""
    if spec.kind is Kind.TEXT:
        return {**_text(spec, spec.required), "description": f"text, at most {spec.max_length} characters"}
    if spec.kind is Kind.BILINGUAL:
        return {"type": "object", "required": ["kk", "ru"], "additionalProperties": False,
                "properties": {"kk": _text(spec, True), "ru": _text(spec, True)},
                "description": f"the same text in Kazakh (kk) and Russian (ru), each at most {spec.max_length} "
                               "characters"}
    if spec.kind in _IDENTITY:
        return {"type": "string", "pattern": "^[0-9]{12}$", "description": _IDENTITY[spec.kind]}
    if spec.kind is Kind.DATE:
        return {"type": "string", "format": "date", "description": "a date, YYYY-MM-DD"}
    if spec.kind is Kind.VALIDITY:
        return {"type": "string", "pattern": f"^([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}|{UNLIMITED})$",
                "description": f'a date, YYYY-MM-DD, or "{UNLIMITED}"'}
    if spec.kind is Kind.ENUM:
        labels = "; ".join(f"{c.value}: {c.ru}" for c in spec.choices)
        return {"type": "string", "enum": [c.value for c in spec.choices], "description": f"one of {labels}"}
    if spec.kind is Kind.LIST and spec.item is not None:
        return {"type": "array", "items": _value(spec.item), "maxItems": spec.max_items,
                **({"minItems": 1} if spec.required else {}),
                "description": f"a list of at most {spec.max_items}: {_value(spec.item).get('description', '')}"}
    if spec.kind is Kind.GROUP:
        return {**fields_schema(spec.fields),
                "description": "an object of " + ", ".join(f"{f.name} ({_label(f)})" for f in spec.fields)}
    return {"description": f"a {spec.kind.value} value"}  # a kind this module does not know yet: left open


def field_schema(spec: Field) -> dict[str, Any]:
    """One field: its value's schema, titled and described with its kk/ru label."""
    value = _value(spec)
    optional = "" if spec.required else " (optional)"
    return {**value, "title": _label(spec), "description": f"{_label(spec)}{optional}: {value.get('description', '')}"}


def fields_schema(fields: tuple[Field, ...]) -> dict[str, Any]:
    """An object of ``fields``: each described, the required ones required, no others."""
    return {"type": "object", "additionalProperties": False,
            "required": [f.name for f in fields if f.required],
            "properties": {f.name: field_schema(f) for f in fields}}


def data_schema(doc_type: DocumentType, *, omit: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON Schema of ``data`` for ``doc_type``, without the fields in ``omit`` (those the issuer fills from
    the registry and the signer's certificate, which a caller does not send)."""
    schema = fields_schema(tuple(f for f in doc_type.fields if f.name not in omit))
    rules = [f"{later} is not before {earlier}" for earlier, later in doc_type.date_order]
    regulation = f" (regulation {doc_type.regulation})" if doc_type.regulation else ""
    schema["title"] = doc_type.title_ru
    schema["description"] = (f"{doc_type.title_kk} / {doc_type.title_ru}{regulation}. Texts: {_TEXT_RULES}"
                             + (f". Dates: {'; '.join(rules)}" if rules else ""))
    return schema
