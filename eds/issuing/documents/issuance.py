"""What the registry adds to validated data when a document is issued: number, date, verification URL and
the life event (issue, re-issue with its ground, duplicate).  Both renderers check it here, so the PDF and its
XML twin can never disagree about it, and neither prints dates that cannot be true on the day of issue."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from eds.issuing.documents.schema import (
    Bilingual,
    DocumentDataError,
    Field,
    Issue,
    Kind,
    Problems,
    ValidatedDocument,
    check_fields,
    issue_date_problems,
)

_NUMBER = re.compile(r"[\w\-/.№ ]{1,64}")
_URL = re.compile(r"https?://[!-~]{1,490}", re.ASCII)
_ORIGINAL = (
    Field("number", "Нөмірі", "Номер", Kind.TEXT, required=False, max_length=64),
    Field("issued_at", "Берілген күні", "Дата выдачи", Kind.DATE, required=False),
    Field("ground", "Қайта рәсімдеу негізі", "Основание переоформления", Kind.BILINGUAL, required=False,
          max_length=400),
)


@dataclass(frozen=True)
class Issuance:
    number: str
    issued_at: dt.date
    verify_url: str
    event: str
    original_number: str | None = None
    original_issued_at: dt.date | None = None
    ground: Bilingual | None = None  # of a re-issue


def check_issuance(
    doc: ValidatedDocument,
    *,
    number: Any,
    issued_at: Any,
    verify_url: Any,
    event: Any,
    original: Any,
) -> Issuance:
    """The issuance details, or DocumentDataError naming each bad argument (``number``, ``original.number``...)."""
    issues: list[Issue] = []
    if isinstance(number, str):
        number = number.strip()
    if not (isinstance(number, str) and _NUMBER.fullmatch(number)):
        issues.append(Issue("number", "INVALID_NUMBER", "1-64 letters, digits, spaces or - / . №"))
    if isinstance(issued_at, dt.datetime):
        issued_at = issued_at.date()
    if not isinstance(issued_at, dt.date):
        issues.append(Issue("issued_at", "WRONG_TYPE", "expected a date"))
    if not (isinstance(verify_url, str) and _URL.fullmatch(verify_url)):
        issues.append(Issue("verify_url", "INVALID_URL", "an http(s) URL of printable ASCII, at most 500 characters"))
    if event not in doc.type.events:
        issues.append(Issue("event", "EVENT_NOT_ALLOWED",
                            f"{doc.type_id} allows the events {', '.join(doc.type.events)}", doc.type.events))
        raise DocumentDataError(issues)
    original_number, original_issued_at, ground = _check_original(event, original, number, issues)
    if isinstance(issued_at, dt.date) and original_issued_at is not None and original_issued_at > issued_at:
        issues.append(Issue("original.issued_at", "DATE_ORDER", "the original cannot be later than this document"))
    if isinstance(issued_at, dt.date):
        issues.extend(issue_date_problems(doc.type, doc.values, issued_at))
    if issues:
        raise DocumentDataError(issues)
    return Issuance(number, issued_at, verify_url, event, original_number, original_issued_at, ground)


def _check_original(event: str, original: Any, number: Any,
                    issues: list[Issue]) -> tuple[str | None, dt.date | None, Bilingual | None]:
    """The number, date (and a re-issue's ground) of the document a re-issue replaces or a duplicate copies;
    problems go to issues."""
    if event == "issue":
        if original is not None:
            issues.append(Issue("original", "UNEXPECTED", "a first issue refers to no original"))
        return None, None, None
    if original is None:
        issues.append(Issue("original", "REQUIRED", f"a {event} must refer to the original document"))
        return None, None, None
    problems = Problems()
    values = check_fields(_ORIGINAL, original, "original", problems)
    if values is None:
        issues.extend(problems.issues)
        return None, None, None
    original_number, original_issued_at, ground = values.get("number"), values.get("issued_at"), values.get("ground")
    if event == "reissue":
        if original_number is None:
            issues.append(Issue("original.number", "REQUIRED", "the number of the document re-issued"))
        elif original_number == number:
            issues.append(Issue("original.number", "NUMBER_NOT_CHANGED", "a re-issued document gets a new number"))
        return original_number, original_issued_at, ground
    if ground is not None:
        issues.append(Issue("original.ground", "UNEXPECTED", "only a re-issue has a ground"))
    if original_issued_at is None:
        issues.append(Issue("original.issued_at", "REQUIRED", "the date of the original"))
    if original_number not in (None, number):
        issues.append(Issue("original.number", "NUMBER_MISMATCH", "a duplicate carries the original's number"))
    return number, original_issued_at, None
