"""Document numbers: ``{TYPE}-{PROVIDER}-{YEAR}-{NNNNNN}``, e.g. ``LIC-ZHM-2026-000123``.

The type prefix says what the document is (LIC licence, CRT certificate, CNS consent, REG registration, REF
refusal), the provider code who issued it, then the year (Kazakhstan time) and a counter of at least six
digits. Each prefix has its own counter row; different prefixes cannot collide, so numbers are unique by
construction. A duplicate keeps its licence's number and adds ``-D{n}``.

The counter is advanced by ``UPDATE ... RETURNING`` inside the issuing transaction: the row stays locked until
that transaction ends (PostgreSQL's row lock; SQLite's database write lock), so two issuers never get the same
value, and a rolled-back issue gives its value back: no number is ever used without its document.
"""

from __future__ import annotations

import datetime as _dt
import re

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from eds.issuing.documents.wording import KAZAKHSTAN
from eds.issuing.registry.errors import ErrorCode, RegistryError
from eds.issuing.registry.lifecycle import life_cycle
from eds.issuing.registry.models import SeriesRow

# Kazakhstan keeps one zone, UTC+5, since 1 March 2024; numbers take the year there (Asia/Almaty), not in UTC.
KAZAKHSTAN_TIME = KAZAKHSTAN
PROVIDER_CODE = re.compile(r"[A-Z][A-Z0-9]{1,7}")


def year_of(moment: _dt.datetime) -> int:
    return moment.astimezone(KAZAKHSTAN_TIME).year


def series_prefix(provider_id: str, doc_type: str, year: int) -> str:
    if not PROVIDER_CODE.fullmatch(provider_id):
        raise RegistryError(ErrorCode.INVALID_INPUT, f"provider code {provider_id!r} is not 2-8 capital letters/digits")
    return f"{life_cycle(doc_type).prefix}-{provider_id}-{year:04d}"


def duplicate_number(original: str, count: int) -> str:
    """The number of the ``count``-th duplicate of ``original``."""
    return f"{original}-D{count}"


def next_number(session: Session, provider_id: str, doc_type: str, year: int) -> str:
    """Take the next number of the series in the caller's transaction, which keeps the series locked until it ends.
    The two statements run on the session's connection as they are (Core): through the ORM they cost 0.5 ms."""
    prefix = series_prefix(provider_id, doc_type, year)
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(insert(SeriesRow).values(prefix=prefix, last_value=0)
                       .on_conflict_do_nothing(index_elements=[SeriesRow.prefix]))
    value = connection.execute(update(SeriesRow).where(SeriesRow.prefix == prefix)
                               .values(last_value=SeriesRow.last_value + 1)
                               .returning(SeriesRow.last_value)).scalar_one()
    return f"{prefix}-{value:06d}"
