"""Small tables every worker keeps in memory, per app (one app is one database): the departments' names
(``directory``) and the accounts (``directory.people``).

Each is kept under its revision — a number that grows with every change of the table (a trigger counts
each row's ``revision`` up; the revision is the number of rows plus their sum: rows are never deleted;
``revision_column`` writes it in SQL, ``revision_of`` counts it over the rows read).
The revisions come with the account in the request's first statement (``auth.load_user`` calls ``seen``,
for the office calendar's revision too, which ``working_calendar`` reads back with ``revision``),
so a page uses the kept copy while the table is unchanged and reads it again, once, when it changed — a
change made through another worker, or outside the application, is seen from the next request on. A
request without an account (the log-in page, the REST API) reads the table once, kept on ``flask.g``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import func, select

T = TypeVar("T")
_APP_KEY = "wells_kept"  # app.extensions: name -> (revision, value)


def revision_column(table, label: str):
    """The revision of ``table`` (a mapped class with a ``revision`` column), as a column of another statement."""
    return (select(func.count() + func.coalesce(func.sum(table.revision), 0))
            .select_from(table).scalar_subquery().label(label))


def revision_of(rows) -> int:
    """The same revision, counted over the rows read (each with a ``revision``)."""
    return len(rows) + sum(r.revision for r in rows)


def seen(name: str, revision: int | None) -> None:
    """The revision of ``name`` as this request's first statement read it."""
    g.setdefault("kept_revisions", {})[name] = revision


def revision(name: str) -> int | None:
    """What ``seen`` was told in this request, or None (no account: the caller reads it itself)."""
    return g.get("kept_revisions", {}).get(name) if has_request_context() else None


def forget(name: str) -> None:
    """After a change in this request: read the table again (the revision read with the account is older)."""
    g.get("kept_revisions", {}).pop(name, None)
    g.get("kept_values", {}).pop(name, None)


def value(name: str, read: Callable[[], tuple[int, T]]) -> T:
    """This request's copy of ``name``. ``read()`` reads the table: (the revision of the rows it read, the
    value made of them)."""
    assert has_request_context()
    here = g.setdefault("kept_values", {})
    if name in here:
        return here[name]
    revision = g.get("kept_revisions", {}).get(name)
    kept = current_app.extensions.setdefault(_APP_KEY, {}).get(name)
    if revision is not None and kept is not None and kept[0] == revision:
        here[name] = kept[1]
    else:
        read_revision, here[name] = read()
        current_app.extensions[_APP_KEY][name] = (read_revision, here[name])
    return here[name]
