"""The building blocks of a document type declaration, and the validation of data against one.

A type is pure data (a frozen :class:`DocumentType` with a tuple of :class:`Field`), so adding a type means
adding a declaration, not code.  Validation never trusts its input: any JSON value (or any Python object)
yields either normalised, immutable values or a :class:`DocumentDataError` listing every problem with its
field path and a stable code, never another exception.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, NamedTuple

from eds.errors import CodedError
from eds.issuing.documents.repertoire import unprintable
from eds.pki.identity import Bin, IdentityError, Iin, parse_bin, parse_iin

# Stop collecting after this many problems: the error stays small whatever the caller sends.
MAX_ISSUES = 100
UNLIMITED = "unlimited"
EVENTS = ("issue", "reissue", "duplicate")


class Kind(enum.Enum):
    """What a field holds; the comments give the JSON shape where it is not a plain string."""

    TEXT = "text"
    BILINGUAL = "bilingual"  # {"kk": text, "ru": text}
    IIN = "iin"
    BIN = "bin"
    IIN_OR_BIN = "iin_or_bin"
    DATE = "date"  # "YYYY-MM-DD"
    VALIDITY = "validity"  # "YYYY-MM-DD" or "unlimited"
    ENUM = "enum"
    LIST = "list"  # a list of ``item`` values
    GROUP = "group"  # an object of ``fields``


class SignerRole(enum.Enum):
    """Who signs a result, as the regulations name them (checked against the signer's certificate role)."""

    HEAD = ("head", "Басшы", "Руководитель")
    AUTHORISED_PERSON = ("authorised_person", "Уәкілетті тұлға", "Уполномоченное лицо")

    def __init__(self, code: str, kk: str, ru: str) -> None:
        self.code = code
        self.kk = kk
        self.ru = ru


class Bilingual(NamedTuple):
    kk: str
    ru: str


@dataclass(frozen=True)
class Choice:
    """One value of an enum field with its labels."""

    value: str
    kk: str
    ru: str


@dataclass(frozen=True)
class Field:
    """One field of a type: its JSON name, its kk/ru labels, and what it accepts.

    ``max_length`` bounds text (each language of a bilingual text), ``max_items`` bounds a list, and
    ``section`` renders the field as its own block under the table (special conditions, refusal reasons).
    """

    name: str
    kk: str
    ru: str
    kind: Kind
    required: bool = True
    max_length: int = 500
    max_items: int = 20
    item: Field | None = None
    fields: tuple[Field, ...] = ()
    choices: tuple[Choice, ...] = ()
    section: bool = False

    def choice(self, value: str) -> Choice:
        return next(c for c in self.choices if c.value == value)


@dataclass(frozen=True)
class DocumentType:
    """A result document of a state service.

    ``signer`` and ``regulation`` are None for a type that takes them from the service it refers to (the
    refusal: "same signer as a positive result"); ``service_field`` names that reference.  ``holder_field``
    names the group that identifies to whom the document is issued.  ``closing`` is a fixed sentence printed
    after the fields.  ``date_order`` lists (earlier, later) pairs of top-level date fields.

    Dates that can be true: the dotted date fields in ``after_issue`` must be later than the date of issue (a
    return date, the end of works, a licence's validity), those in ``from_issue`` not earlier (the start of
    works), those in ``until_issue`` not later (the date of the request a refusal answers).
    ``reissue_grounds`` is the closed list of grounds a re-issue may give (plus "other: text").
    ``external_number`` is the shape of a number another system assigns (the state e-licensing system's
    licence numbers), which may be given instead of the registry's own.
    """

    type_id: str
    title_kk: str
    title_ru: str
    service_kk: str
    service_ru: str
    regulation: str | None
    signer: SignerRole | None
    fields: tuple[Field, ...]
    holder_field: str
    events: tuple[str, ...] = ("issue",)
    service_field: str | None = None
    closing: Bilingual | None = None
    date_order: tuple[tuple[str, str], ...] = ()
    after_issue: tuple[str, ...] = ()
    from_issue: tuple[str, ...] = ()
    until_issue: tuple[str, ...] = ()
    reissue_grounds: tuple[Choice, ...] = ()
    external_number: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Issue:
    """One problem in the data: where (dotted path, ``[i]`` for list items), a stable code, a message."""

    field: str
    code: str
    message: str
    allowed: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"field": self.field, "code": self.code, "message": self.message}
        if self.allowed:
            result["allowed"] = list(self.allowed)
        return result


class DocumentDataError(CodedError, ValueError):
    """The data cannot make a document; ``issues`` lists every problem found (``details["issues"]`` as JSON).

    A refusal like any other (code DOCUMENT_DATA_INVALID), so callers that answer CodedErrors answer this one.
    """

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = tuple(issues)
        summary = "; ".join(f"{i.field or '(document)'}: {i.code}" for i in self.issues[:10])
        more = f" and {len(self.issues) - 10} more" if len(self.issues) > 10 else ""
        super().__init__("DOCUMENT_DATA_INVALID", f"invalid document data: {summary}{more}",
                         {"issues": self.as_list()})

    def __reduce__(self) -> tuple[Any, ...]:  # whole across process pools, as eds.errors explains
        return type(self), (list(self.issues),)

    def as_list(self) -> list[dict[str, Any]]:
        return [issue.as_dict() for issue in self.issues]


@dataclass(frozen=True)
class ValidatedDocument:
    """Data that passed validation: normalised, immutable, ready to render.

    ``values`` maps field names to str, :class:`Bilingual`, :class:`~eds.pki.identity.Iin` /
    :class:`~eds.pki.identity.Bin`, :class:`datetime.date`, ``"unlimited"``, tuples (lists) and read-only
    mappings (groups).  ``service_type`` is the type whose service this is: the type itself, or for a
    refusal the refused service's type.
    """

    type: DocumentType
    values: Mapping[str, Any]
    service_type: DocumentType = field(repr=False)

    @property
    def type_id(self) -> str:
        return self.type.type_id

    @property
    def signer_role(self) -> SignerRole:
        return self.type.signer or self.service_type.signer  # type: ignore[return-value]

    @property
    def regulation(self) -> str:
        return self.type.regulation or self.service_type.regulation  # type: ignore[return-value]

    @property
    def holder(self) -> tuple[str, Iin | Bin]:
        """Name and IIN/BIN of the person or entity the document is issued to (for the registry)."""
        group = self.values[self.type.holder_field]
        return group["name"], next(v for v in group.values() if isinstance(v, (Iin, Bin)))

    def as_json(self) -> dict[str, Any]:
        """The values as JSON-ready data; validating it again gives the same document."""
        return _to_json(self.values)


def _to_json(value: Any) -> Any:
    if isinstance(value, Bilingual):
        return {"kk": value.kk, "ru": value.ru}
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (Iin, Bin)):
        return value.value
    return value


class Problems:
    """Collects issues up to MAX_ISSUES, then one TOO_MANY_ISSUES, and tells the walk to stop."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    @property
    def full(self) -> bool:
        return len(self.issues) > MAX_ISSUES

    def add(self, path: str, code: str, message: str, allowed: tuple[str, ...] = ()) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(Issue(path, code, message, allowed))
        elif len(self.issues) == MAX_ISSUES:
            self.issues.append(Issue("", "TOO_MANY_ISSUES", f"more than {MAX_ISSUES} problems; stopped"))


_ABSENT = object()
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# C0/C1 controls other than newline and tab, and lone surrogates: XML cannot carry them and they never
# belong in a document.
_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _text(spec: Field, value: Any, path: str, problems: Problems) -> Any:
    if not isinstance(value, str):
        problems.add(path, "WRONG_TYPE", f"expected a string, got {_type_name(value)}")
        return _ABSENT
    if _BAD_CHARS.search(value):
        problems.add(path, "INVALID_CHARACTERS", "control characters are not allowed")
        return _ABSENT
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        return None
    missing = unprintable(text)
    if missing:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:5])
        problems.add(path, "UNPRINTABLE_CHARACTERS",
                     f"the document fonts cannot print {shown}{' ...' if len(missing) > 5 else ''}")
        return _ABSENT
    if len(text) > spec.max_length:
        problems.add(path, "TOO_LONG", f"at most {spec.max_length} characters, got {len(text)}")
        return _ABSENT
    return text


def _identity(spec: Field, value: Any, path: str, problems: Problems) -> Any:
    if not isinstance(value, str):
        problems.add(path, "WRONG_TYPE", f"expected a string of 12 digits, got {_type_name(value)}")
        return _ABSENT
    digits = value.strip()
    if not digits:
        return None
    # The fifth digit of a BIN is the entity type (4, 5 or 6); in an IIN it is the tens of the birth day (0-3).
    is_bin = len(digits) == 12 and digits[4] in "456"
    try:
        if spec.kind is Kind.IIN or (spec.kind is Kind.IIN_OR_BIN and not is_bin):
            number: Iin | Bin = parse_iin(digits)
        else:
            number = parse_bin(digits)
    except IdentityError as exc:
        problems.add(path, exc.code, str(exc))
        return _ABSENT
    if spec.kind is Kind.IIN and is_bin:
        problems.add(path, "IDENTITY_KIND", "this is a BIN (legal entity); an IIN is required")
        return _ABSENT
    if spec.kind is Kind.BIN and not is_bin:
        problems.add(path, "IDENTITY_KIND", "this is an IIN (individual); a BIN is required")
        return _ABSENT
    return number


def _date(spec: Field, value: Any, path: str, problems: Problems) -> Any:
    if spec.kind is Kind.VALIDITY and value == UNLIMITED:
        return UNLIMITED
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    expected = "an ISO date YYYY-MM-DD" + (' or "unlimited"' if spec.kind is Kind.VALIDITY else "")
    if not isinstance(value, str):
        problems.add(path, "WRONG_TYPE", f"expected {expected}, got {_type_name(value)}")
        return _ABSENT
    if not value.strip():
        return None
    if _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.add(path, "INVALID_DATE", f"expected {expected}, got {value[:40]!r}")
    return _ABSENT


def _enum(spec: Field, value: Any, path: str, problems: Problems) -> Any:
    allowed = tuple(c.value for c in spec.choices)
    if not isinstance(value, str):
        problems.add(path, "WRONG_TYPE", f"expected one of {', '.join(allowed)}, got {_type_name(value)}")
        return _ABSENT
    if not value.strip():
        return None
    if value not in allowed:
        problems.add(path, "INVALID_CHOICE", f"{value[:40]!r} is not one of {', '.join(allowed)}", allowed)
        return _ABSENT
    return value


def _bilingual(spec: Field, value: Any, path: str, problems: Problems) -> Any:
    if not isinstance(value, dict):
        problems.add(path, "WRONG_TYPE", f'expected an object {{"kk": ..., "ru": ...}}, got {_type_name(value)}')
        return _ABSENT
    if not value:
        return None
    languages = tuple(replace(spec, name=language, kind=Kind.TEXT, required=True) for language in ("kk", "ru"))
    parts = check_fields(languages, value, path, problems)
    if parts is None:
        return _ABSENT
    return Bilingual(parts["kk"], parts["ru"])


def _list(spec: Field, value: Any, path: str, problems: Problems) -> Any:
    if not isinstance(value, list):
        problems.add(path, "WRONG_TYPE", f"expected an array, got {_type_name(value)}")
        return _ABSENT
    if not value:
        return None
    if len(value) > spec.max_items:
        problems.add(path, "TOO_MANY_ITEMS", f"at most {spec.max_items} items, got {len(value)}")
        return _ABSENT
    assert spec.item is not None
    items = []
    for index, item in enumerate(value):
        if problems.full:
            return _ABSENT
        checked = _value(spec.item, item, f"{path}[{index}]", problems)
        if checked is None:
            problems.add(f"{path}[{index}]", "REQUIRED", "an empty item is not allowed")
        items.append(checked)
    if any(item is None or item is _ABSENT for item in items):
        return _ABSENT
    return tuple(items)


def _group(spec: Field, value: Any, path: str, problems: Problems) -> Any:
    if not isinstance(value, dict):
        problems.add(path, "WRONG_TYPE", f"expected an object, got {_type_name(value)}")
        return _ABSENT
    if not value:
        return None
    values = check_fields(spec.fields, value, path, problems)
    return _ABSENT if values is None else values


_CHECKS = {
    Kind.TEXT: _text,
    Kind.BILINGUAL: _bilingual,
    Kind.IIN: _identity,
    Kind.BIN: _identity,
    Kind.IIN_OR_BIN: _identity,
    Kind.DATE: _date,
    Kind.VALIDITY: _date,
    Kind.ENUM: _enum,
    Kind.LIST: _list,
    Kind.GROUP: _group,
}


def _value(spec: Field, value: Any, path: str, problems: Problems) -> Any:
    """The normalised value, None when empty, or _ABSENT after recording a problem."""
    if value is None:
        return None
    return _CHECKS[spec.kind](spec, value, path, problems)


def check_fields(
    fields: tuple[Field, ...], data: Any, path: str, problems: Problems
) -> Mapping[str, Any] | None:
    """Check an object against fields; the read-only values, or None when a problem was recorded."""
    if not isinstance(data, dict):
        problems.add(path, "WRONG_TYPE", f"expected an object, got {_type_name(data)}")
        return None
    before = len(problems.issues)
    known = {spec.name for spec in fields}
    for key in data:
        if key not in known:
            problems.add(_join(path, str(key)[:80]), "UNKNOWN_FIELD", "this field is not part of the document")
            if problems.full:
                return None
    values: dict[str, Any] = {}
    for spec in fields:
        if problems.full:
            return None
        where = _join(path, spec.name)
        value = _value(spec, data.get(spec.name), where, problems)
        if value is None and spec.required:
            problems.add(where, "REQUIRED", "this field is required")
        elif value is not None and value is not _ABSENT:
            values[spec.name] = value
    if len(problems.issues) > before:
        return None
    return MappingProxyType(values)


OTHER_GROUND = "other"


def _dated(values: Mapping[str, Any], path: str) -> dt.date | None:
    """The date at a dotted path of validated values, or None (absent, or "unlimited")."""
    value: Any = values
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value if isinstance(value, dt.date) else None


def issue_date_problems(doc_type: DocumentType, values: Mapping[str, Any], issued_on: dt.date) -> list[Issue]:
    """What makes the dates of a document untrue on the day it is issued (Kazakhstan's date)."""
    issues = []
    rules = ((doc_type.after_issue, lambda d: d > issued_on, "after"),
             (doc_type.from_issue, lambda d: d >= issued_on, "on or after"),
             (doc_type.until_issue, lambda d: d <= issued_on, "on or before"))
    for paths, holds, relation in rules:
        for path in paths:
            found = _dated(values, path)
            if found is not None and not holds(found):
                issues.append(Issue(path, "DATE_NOT_TRUE", f"{found.isoformat()} must be {relation} the date of "
                                                           f"issue {issued_on.isoformat()}"))
    return issues


def reissue_ground(doc_type: DocumentType, ground: Any) -> Bilingual:
    """The printed ground of a re-issue: one of the type's grounds by code, or ``other: <text>`` as given (in
    both languages, the Russian marked «Иное основание»); DocumentDataError (field ``reason``) otherwise."""
    allowed = tuple(c.value for c in doc_type.reissue_grounds) + (f"{OTHER_GROUND}: <text>",)
    if isinstance(ground, str):
        code, colon, text = ground.partition(":")
        if not colon:
            for choice in doc_type.reissue_grounds:
                if choice.value == ground.strip():
                    return Bilingual(choice.kk, choice.ru)
        elif code.strip() == OTHER_GROUND:
            problems = Problems()
            given = _text(Field("reason", "", "", Kind.TEXT, max_length=300), text, "reason", problems)
            if problems.issues:
                raise DocumentDataError(problems.issues)
            if given:
                return Bilingual(f"Басқа негіз: {given}", f"Иное основание: {given}")
    raise DocumentDataError([Issue("reason", "INVALID_GROUND", "a re-issue gives one of the grounds "
                                   f"{', '.join(allowed)}", allowed)])


def validate_fields(doc_type: DocumentType, data: Any) -> Mapping[str, Any]:
    """The validated values of ``data`` for ``doc_type``, or DocumentDataError with every problem."""
    problems = Problems()
    values = check_fields(doc_type.fields, data, "", problems)
    if values is None:
        raise DocumentDataError(problems.issues)
    for earlier, later in doc_type.date_order:
        if earlier in values and later in values and values[later] < values[earlier]:
            problems.add(later, "DATE_ORDER", f"must not be before {earlier}")
    if problems.issues:
        raise DocumentDataError(problems.issues)
    return values
