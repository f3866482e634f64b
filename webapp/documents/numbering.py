"""Document numbers: one series per kind and year, without gaps or repeats.

The number is taken in one statement: an INSERT of the series' first number that, when the series exists
(the usual case), increments it instead (``ON CONFLICT … DO UPDATE … RETURNING``, PostgreSQL and SQLite
alike). The row stays locked until the request's transaction ends: a concurrent generation waits and then
increments the committed value, and a transaction that fails rolls its increment back, so no number is
lost. Two first numbers of a new series at once: the second waits for the first's row and increments it.
SQLite serialises writing transactions anyway.
"""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import DocumentSeries

_series = DocumentSeries.__table__


def next_serial(session: Session, kind: str, year: int) -> int:
    """Take the next number of ``kind``'s series for ``year`` (1, 2, …) inside the caller's transaction."""
    conn = session.connection()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(_series).values(kind=kind, year=year, last_no=1)
    return conn.execute(insert.on_conflict_do_update(
        index_elements=[_series.c.kind, _series.c.year], set_={"last_no": _series.c.last_no + 1})
        .returning(_series.c.last_no)).scalar_one()
