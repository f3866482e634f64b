"""Who may see and do what (checked on the server for every page and form post).

- towns see only the cases of their own area and act on the tasks resolved to their town;
- bureaus (and the task force) see every case and act on the tasks of their own lane;
- the leading group office sees everything and acts on its own lane; its supervisors move tasks
  between departments and assign them to anyone;
- within a department, clerks claim and release tasks, the head assigns them; a task claimed by one
  clerk is completed by that clerk (or the head).
"""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from engine.tables import Event, OpenTask

from .core import db
from .core.refusals import record_refusal
from .documents.catalogue import KINDS
from .models import Case, Document, User

ADMIN_ROLE = "admin"


def can_view_case(user: User, case: Case) -> bool:
    if user.department.is_town:
        return case.town == user.department.code
    return True


def can_act_on(user: User, task: OpenTask) -> bool:
    """The task is in one of the user's inboxes (home department, and the task force if seconded)."""
    return task.department in user.inboxes


def sees_everything(user: User) -> bool:
    """The leading group office: every case and every task page (read-only outside its own lane)."""
    return user.department.code == "leading_office"


def can_view_task(user: User, task: OpenTask) -> bool:
    return can_act_on(user, task) or sees_everything(user)


def is_supervisor(user: User) -> bool:
    return user.department.code == "leading_office" and user.role == "supervisor"


def is_head_of(user: User, department: str) -> bool:
    return user.role == "head" and user.department.code == department


def can_complete(user: User, task: OpenTask) -> bool:
    """Act on the task now: your department's, and not claimed by a colleague (the head may)."""
    return can_act_on(user, task) and (task.assignee in (None, user.username)
                                       or is_head_of(user, task.department))


def can_claim(user: User, task: OpenTask) -> bool:
    return can_act_on(user, task) and task.assignee in (None, user.username)


def can_release(user: User, task: OpenTask) -> bool:
    return task.assignee is not None and (
        task.assignee == user.username or is_head_of(user, task.department) or is_supervisor(user))


def can_assign(user: User, task: OpenTask) -> bool:
    return is_head_of(user, task.department) or is_supervisor(user)


def can_register(user: User) -> bool:
    return user.department.is_town or user.department.code in ("water", "leading_office")


def is_admin(user) -> bool:
    """Accounts and departments (/admin/); administrators gain no right to act on tasks."""
    return user.is_authenticated and user.role == ADMIN_ROLE


def can_note_case(user: User, case: Case) -> bool:
    """办理意见/备注: any department that can see the case (administrators keep accounts, not cases)."""
    return can_view_case(user, case) and not is_admin(user)


def can_mention(user: User) -> bool:
    """@ colleagues in a note: a department head, of the own department."""
    return user.role == "head"


def can_accept_credit_repair(user: User) -> bool:
    """受理信用修复申请 on the case page: the water bureau, or the office's supervisors."""
    return "water" in user.inboxes or is_supervisor(user)


def can_register_reconsideration(user: User) -> bool:
    """登记复议/诉讼 on the case page: the water bureau or justice, or the office's supervisors."""
    return bool({"water", "justice"} & set(user.inboxes)) or is_supervisor(user)


def can_announce_coverage(user: User) -> bool:
    """/coverage/: the network's arrival, announced by a supervisor or the water bureau's head."""
    return is_supervisor(user) or (user.department.code == "water" and user.role == "head")


def can_regenerate_document(user: User, doc: Document) -> bool:
    """The issuing authority, the department that did the step, and the office's supervisors."""
    if is_supervisor(user):
        return True
    step_department = db.session().scalar(select(Event.actor_department).where(
        Event.task_guid == doc.task_guid, Event.kind == "task_completed").limit(1))
    return bool({KINDS[doc.kind].issuer, step_department} & set(user.inboxes))


def require(allowed: bool, case_id: int | None = None) -> None:
    """Refuse with 403 — and count the attempt in the security log (guessed ids in URLs included).

    Not on the audit trail: a refusal must neither flood the case's timeline nor wait for a step."""
    if allowed:
        return
    session = db.session()
    session.rollback()  # nothing the request read or did may ride along with the refusal
    record_refusal(session, current_user.username, current_user.department.code, request.method,
                   request.path, case_id, request.remote_addr)
    db.commit()
    abort(403)
