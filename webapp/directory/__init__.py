"""Departments as the database holds them: names an administrator may have changed, and choice lists.

``departments.py`` has the plan's units, used to seed an empty database; pages read the table, once
per request (kept on ``flask.g``), so a renamed unit shows under its new name everywhere at once.
"""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from ..core import db
from ..models import Department
from .departments import DEPARTMENTS, NAMES


def _rows() -> list[tuple[str, str, str]]:
    if not has_request_context():  # CLI jobs and the like: the plan's names
        return DEPARTMENTS
    if "departments" not in g:
        g.departments = [tuple(r) for r in db.session().execute(
            select(Department.code, Department.name, Department.kind).order_by(Department.id))] or DEPARTMENTS
    return g.departments


def names() -> dict[str, str]:
    return {code: name for code, name, _ in _rows()}


def name(code: str | None) -> str:
    if not code:
        return ""
    return names().get(code) or NAMES.get(code, code)


def choices(kind: str | None = None, exclude: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the departments (of one kind), in the plan's order."""
    return [(code, label) for code, label, k in _rows() if (kind is None or k == kind) and code != exclude]


def forget() -> None:
    """After a rename in this request: read the table again."""
    g.pop("departments", None)
