"""Document numbers: one series per kind and year, without gaps or repeats.

The series row is created if missing (a conflict with a concurrent creator is ignored) and then
incremented with UPDATE … RETURNING, which holds the row lock until the request's transaction ends:
a concurrent generation waits and then reads the incremented value, and a transaction that fails
rolls its increment back, so no number is lost. SQLite serialises writing transactions anyway.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import DocumentSeries

_series = DocumentSeries.__table__


def next_serial(session: Session, kind: str, year: int) -> int:
    """Take the next number of ``kind``'s series for ``year`` (1, 2, …) inside the caller's transaction."""
    conn = session.connection()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(_series).values(kind=kind, year=year, last_no=0).on_conflict_do_nothing())
    return conn.execute(update(_series).where(_series.c.kind == kind, _series.c.year == year)
                        .values(last_no=_series.c.last_no + 1).returning(_series.c.last_no)).scalar_one()
