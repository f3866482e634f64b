"""People by name: the audit trail, the open-task index and the engine's messages know users by their
log-in name (``approval.inspector``) and systems as ``api:<name>``; pages show "姓名（部门）".

The accounts (a city's few hundred rows) are kept by each worker under their revision, read with the account
in the request's first statement (``core.kept``: the number of accounts plus the sum of
``user_account.revision``, which a trigger counts up on every change, migration 20261206_0029), so a page
naming people costs no statement; the new tasks' reminders take their recipients from the same copy
(``notifications.triggers.department_people``). One more query only when a page names a system account.
"""
from __future__ import annotations

import re

from flask import g, has_request_context
from sqlalchemy import select

from ..core import db, kept
from ..models import Department, User

SYSTEM = "system"
API_PREFIX = "api:"
KEPT = "people"
#: The accounts' revision, as a column of another statement (accounts are never deleted: it only grows).
REVISION = kept.revision_column(User, "people_revision")
# What a page names (display name, department) and what a reminder needs (active, channels, addresses).
_ACCOUNT = (User.id, User.username, User.display_name, Department.code.label("department"), User.active,
            User.task_force_member, User.email, User.mobile, User.notify_email, User.notify_sms,
            User.notify_robot, User.revision)


def _read() -> tuple[int, tuple]:
    rows = db.session().execute(select(*_ACCOUNT).join(User.department).order_by(User.username)).all()
    return kept.revision_of(rows), tuple(rows)


def accounts() -> tuple:
    """Every account (rows of ``_ACCOUNT``, by log-in name): the worker's copy, current for this request."""
    return kept.value(KEPT, _read)


def accounts_through(session) -> tuple | None:
    """``accounts()`` when ``session`` is this request's own (the copy is read through it), else None."""
    if not has_request_context() or db.session() is not session:
        return None
    return accounts()


def _users() -> dict[str, tuple[str, str]]:
    """login → (display name, department code)."""
    if not has_request_context():
        return {}
    if "people" not in g:
        g.people = {r.username: (r.display_name, r.department) for r in accounts()}
    return g.people


def _systems() -> dict[str, str]:
    """api:<name> → the system account's display name."""
    if not has_request_context():
        return {}
    if "api_people" not in g:
        from ..api.tables import ApiAccount  # only pages that name a system account need the table
        g.api_people = {f"{API_PREFIX}{n}": shown for n, shown in db.session().execute(
            select(ApiAccount.name, ApiAccount.display_name))}
    return g.api_people


def name(login: str | None, with_department: bool = True) -> str:
    """"姓名（部门）" for a log-in name; "系统" for the engine; a system account's display name
    ("系统账号：…"); an unknown login is shown as it is (an account renamed outside the app)."""
    from . import name as department_name

    if not login:
        return ""
    if login == SYSTEM:
        return "系统"
    if login.startswith(API_PREFIX):
        shown = _systems().get(login)
        return f"系统账号：{shown}" if shown else f"系统账号：{login[len(API_PREFIX):]}"
    person = _users().get(login)
    if person is None:
        return login
    shown, dept = person
    return f"{shown}（{department_name(dept)}）" if with_department else shown


def short(login: str | None) -> str:
    """The name alone, where the department is shown beside it already."""
    return name(login, with_department=False)


_LOGIN = re.compile(r"(?<![\w.:-])(api:[\w.-]+|[a-z0-9][a-z0-9._-]*[a-z0-9])(?![\w.-])")


def in_message(message: str, *logins: str | None) -> str:
    """An engine message ("已由 approval.inspector 于 T 办理") with the people it names shown by name: the
    logins given, and any other word of the message that is an account's log-in name (a refusal does not
    always carry who it names, e.g. the supervisor who suspended the case). Only whole words are replaced."""
    known = set(_users()) | {x for x in logins if x}

    def shown(match: re.Match) -> str:
        word = match.group(1)
        if word in known or (word.startswith(API_PREFIX) and word in _systems()):
            return name(word)
        return word

    return _LOGIN.sub(shown, message)


def explained(error: Exception) -> str:
    """``str(error)`` of an engine refusal with the people it names shown by name."""
    return in_message(str(error), getattr(error, "actor", None), getattr(error, "assignee", None))


# -- finding people by name (the audit search's 人员 field) -------------------------------------------

_SYSTEM_ACCOUNT = "系统账号："
_LOGIN_TEXT = re.compile(r"[\x21-\x7e]+")  # what a log-in (or api:<name>) is typed with: no Chinese


def picker() -> list[str]:
    """Every choice of a person field's list, as it reads on the pages: "姓名（部门）" of each account
    (deactivated ones too: the trail names them), "系统账号：…" of each system account, and "系统"."""
    from . import name as department_name

    people = sorted(_users().items(), key=lambda item: (department_name(item[1][1]), item[1][0], item[0]))
    return ([f"{shown}（{department_name(dept)}）" for _login, (shown, dept) in people]
            + [f"{_SYSTEM_ACCOUNT}{shown}" for shown in sorted(set(_systems().values()))] + ["系统"])


def looks_like_login(text: str) -> bool:
    """A log-in name or its beginning (``xiacun.clerk``, ``api:tax``): matched as typed, as before."""
    return bool(_LOGIN_TEXT.fullmatch(text))


def find(text: str) -> list[str]:
    """The log-in names a person field's text names: a choice of ``picker()`` exactly, else every account
    (and system account) whose name contains the text. Empty when nobody is called that."""
    from . import name as department_name

    text = text.strip()
    if not text:
        return []
    if text == "系统":
        return [SYSTEM]
    if text.startswith(_SYSTEM_ACCOUNT):
        wanted = text[len(_SYSTEM_ACCOUNT):].strip()
        return sorted(login for login, shown in _systems().items() if shown == wanted)
    chosen = re.fullmatch(r"(.+?)[（(](.+)[）)]", text)
    if chosen:
        shown_wanted, dept_wanted = chosen.group(1).strip(), chosen.group(2).strip()
        exact = sorted(login for login, (shown, dept) in _users().items()
                       if shown == shown_wanted and department_name(dept) == dept_wanted)
        if exact:
            return exact
    part = text.casefold()
    return (sorted(login for login, (shown, _dept) in _users().items() if part in shown.casefold())
            + sorted(login for login, shown in _systems().items() if part in shown.casefold()))
