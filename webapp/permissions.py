"""Who may see and do what (checked on the server for every page and form post).

- towns see only the cases of their own area and act on the tasks resolved to their town;
- bureaus (and the task force) see every case and act on the tasks of their own lane;
- the leading group office sees everything and acts on its own lane (overrides come later).
"""
from __future__ import annotations

from flask import abort

from engine.store import OpenTask

from .models import Case, User


def can_view_case(user: User, case: Case) -> bool:
    if user.department.is_town:
        return case.town == user.department.code
    return True


def can_act_on(user: User, task: OpenTask) -> bool:
    return task.department == user.department.code


def can_register(user: User) -> bool:
    return user.department.is_town or user.department.code in ("water", "leading_office")


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)
