"""Document numbers: one series per kind and year, without gaps or repeats, taken when the step commits.

The number is taken in one statement: an INSERT of the series' first number that, when the series exists
(the usual case), increments it instead (``ON CONFLICT … DO UPDATE … RETURNING``, PostgreSQL and SQLite
alike). The row stays locked until the transaction ends: a concurrent generation waits and then
increments the committed value, and a transaction that fails rolls its increment back, so no number is
lost. Two first numbers of a new series at once: the second waits for the first's row and increments it.
SQLite serialises writing transactions anyway.

Since every clerk's letter of a year takes a number of the same series, the lock must be held as briefly
as possible (issue 14: with four workers, the waits on it were 9 % of the time). So a step's document is
filled with a placeholder for its number (``placeholder``), and the number is taken at the commit
(``at_commit``): by an observer of the audit events (``engine.audit.OBSERVERS``) that runs after the
others (the new tasks' reminders), right before the events are chained. What follows the number is the
document's placeholder replaced and zipped, its row, the audit chain's two statements and the commit. A
broken template still refuses the step: the filling, which can fail, happens in the step.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine import audit

from ..models import DocumentSeries

_series = DocumentSeries.__table__
#: ``session.info`` key: (the root transaction, {placeholder: what takes its number at the commit}).
_WAITING = "wells.documents.waiting"


def next_serial(session: Session, kind: str, year: int) -> int:
    """Take the next number of ``kind``'s series for ``year`` (1, 2, …) inside the caller's transaction."""
    conn = session.connection()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(_series).values(kind=kind, year=year, last_no=1)
    return conn.execute(insert.on_conflict_do_update(
        index_elements=[_series.c.kind, _series.c.year], set_={"last_no": _series.c.last_no + 1})
        .returning(_series.c.last_no)).scalar_one()


def placeholder() -> str:
    """Text that stands for a number not taken yet: private-use characters around a unique id (valid XML,
    left alone by escaping, never in a case's data)."""
    return f"\ue000{uuid.uuid4().hex}\ue000"


#: Called at the commit with the session and every number taken so far in it ({placeholder: number}),
#: the caller's own among them: it takes its number with ``next_serial`` and adds its rows.
Numbering = Callable[[Session, dict[str, str]], str]


def at_commit(session: Session, token: str, number: Numbering) -> None:
    """Have ``number`` called when the transaction commits, if the audit event that names ``token`` (its
    ``data["number"]``, appended by the caller before) is still in it: a rolled-back savepoint takes
    the event, and so the document, with it. Numbers are taken in the order of the events."""
    root = session.get_transaction()
    waiting = session.info.get(_WAITING)
    if waiting is None or waiting[0] is not root:
        waiting = session.info[_WAITING] = (root, {})
    waiting[1][token] = number
    observers = tuple(session.info.get(audit.OBSERVERS, ()))
    if _take_numbers not in observers:
        session.info[audit.OBSERVERS] = (*observers, _take_numbers)  # the last: after the reminders


def _take_numbers(session: Session, events: list[dict]) -> None:
    waiting = session.info.pop(_WAITING, None)
    if waiting is None or waiting[0] is not session.get_transaction():
        return
    numbers: dict[str, str] = {}
    for event in events:
        token = (event["data"] or {}).get("number") if event["kind"] == "document_generated" else None
        if token in waiting[1]:
            numbers[token] = waiting[1][token](session, numbers)
