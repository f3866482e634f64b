"""Departments as the database holds them: names an administrator may have changed, and choice lists.

``departments.py`` has the plan's units, used to seed an empty database. Each worker keeps the table's rows
(``core.kept``) under the directory's revision, ``REVISION``: the number of departments plus the sum of
their revisions, which a trigger counts up on every change (migration 20261206_0028), read with the account
in the request's first statement. So a renamed unit shows under its new name everywhere at once, through
every worker, and a page costs no statement for it.
"""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from ..core import db, kept
from ..models import Department
from .departments import DEPARTMENTS, NAMES

KEPT = "directory"
#: The directory's revision, as a column of another statement (departments are never deleted: it only grows).
REVISION = kept.revision_column(Department, "directory_revision")


def _read() -> tuple[int, tuple[tuple[str, str, str], ...]]:
    read = db.session().execute(
        select(Department.code, Department.name, Department.kind, Department.revision).order_by(Department.id)).all()
    return kept.revision_of(read), tuple((code, name, kind) for code, name, kind, _ in read)


def _rows() -> tuple[tuple[str, str, str], ...]:
    if not has_request_context():  # CLI jobs and the like: the plan's names
        return tuple(DEPARTMENTS)
    return kept.value(KEPT, _read) or tuple(DEPARTMENTS)


def names() -> dict[str, str]:
    """code → name (a new dict: callers may add to it)."""
    return dict(_names())


def _names() -> dict[str, str]:
    if not has_request_context():  # the plan's names (``_rows``)
        return NAMES
    rows = _rows()
    if g.get("department_names", (None,))[0] is not rows:  # built once per set of rows
        g.department_names = (rows, {code: name for code, name, _ in rows})
    return g.department_names[1]


def name(code: str | None) -> str:
    if not code:
        return ""
    return _names().get(code) or NAMES.get(code, code)


def choices(kind: str | None = None, exclude: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the departments (of one kind), in the plan's order."""
    return [(code, label) for code, label, k in _rows() if (kind is None or k == kind) and code != exclude]


def forget() -> None:
    """After a rename in this request: read the table again."""
    kept.forget(KEPT)
    g.pop("department_names", None)
