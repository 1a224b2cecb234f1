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

from sqlalchemy import bindparam, update
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


_SERIES = SeriesRow.__table__
_OPEN_SERIES = {name: dialect.insert(_SERIES).values(prefix=bindparam("series"), last_value=0)
                .on_conflict_do_nothing(index_elements=[_SERIES.c.prefix])
                for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
_ADVANCE_SERIES = (update(_SERIES).where(_SERIES.c.prefix == bindparam("series"))
                   .values(last_value=_SERIES.c.last_value + 1).returning(_SERIES.c.last_value))


def next_number(session: Session, provider_id: str, doc_type: str, year: int) -> str:
    """Take the next number of the series in the caller's transaction, which keeps the series locked until it ends.
    The two statements are made once and run on the session's connection as they are (Core): built and run
    through the ORM at each call they cost a millisecond."""
    prefix = series_prefix(provider_id, doc_type, year)
    connection = session.connection()
    connection.execute(_OPEN_SERIES[connection.dialect.name], {"series": prefix})
    value = connection.execute(_ADVANCE_SERIES, {"series": prefix}).scalar_one()
    return f"{prefix}-{value:06d}"
