"""Who works on an open task: claim, release, assign to a person, move to another department.

These change the open-task index, not the workflow: the instance version (which guards forms against
double submission) does not move for a claim, release or assignment (a form open on the task stays
valid); it does for a move to another department, which takes the task away from the form's clerks. Each operation takes the instance lock like a completion does, so
it cannot interleave with one, and is appended to the audit chain. Who may do what is the web layer's
decision (``webapp/permissions.py``); the engine checks only what must hold whoever asks.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from . import audit, persist
from .errors import EngineError
from .runtime import Actor, Engine
from .store import Instance, OpenTask, utcnow

_open_task = OpenTask.__table__
_instance = Instance.__table__
PRIORITIES = {0: "普通", 1: "紧急"}


class AssignmentRefused(EngineError):
    """The task's assignment changed meanwhile (claimed by someone else…); the message says how."""


def _locked_task(engine: Engine, session: Session, task_guid: str):
    instance, _rows = persist.lock_by_task(session, task_guid)
    if instance is None:
        raise engine.missing_task_error(session, task_guid)
    row = persist.open_tasks(session, instance.id).get(task_guid)  # current, read after the lock
    if row is None:
        raise engine.missing_task_error(session, task_guid)
    engine.require_running(instance)
    return instance, row


def _set(session: Session, row: dict, **values) -> None:
    session.connection().execute(update(_open_task).where(_open_task.c.id == row["id"]).values(**values))


def _record(engine: Engine, session: Session, kind: str, instance, row: dict, actor: Actor, data: dict) -> None:
    audit.append(session, engine.audit_key, [audit.event(
        kind, instance=instance, actor=actor, task_guid=row["task_guid"], task_spec=row["task_spec"],
        title=row["title"], form_key=row["form_key"], data=data)])


def claim(engine: Engine, session: Session, task_guid: str, actor: Actor) -> None:
    """Take an unassigned task (or one already yours) for yourself."""
    instance, row = _locked_task(engine, session, task_guid)
    if row["assignee"] == actor.username:
        return
    if row["assignee"]:
        raise AssignmentRefused(f"这项任务已由 {row['assignee']} 认领。")
    _set(session, row, assignee=actor.username, assigned_at=utcnow())
    _record(engine, session, "task_claimed", instance, row, actor, {"assignee": actor.username})


def release(engine: Engine, session: Session, task_guid: str, actor: Actor) -> None:
    """Give a task back to the department's pool."""
    instance, row = _locked_task(engine, session, task_guid)
    if not row["assignee"]:
        return
    _set(session, row, assignee=None, assigned_at=None)
    _record(engine, session, "task_released", instance, row, actor, {"previous": row["assignee"]})


def assign(engine: Engine, session: Session, task_guid: str, assignee: str | None, actor: Actor,
           priority: int | None = None, reason: str = "") -> None:
    """Assign a task to a person (``None``: back to the pool), optionally setting its priority."""
    if priority is not None and priority not in PRIORITIES:
        raise AssignmentRefused("优先级只能是“普通”或“紧急”。")
    instance, row = _locked_task(engine, session, task_guid)
    values = {"assignee": assignee, "assigned_at": utcnow() if assignee else None}
    if priority is not None:
        values["priority"] = priority
    _set(session, row, **values)
    _record(engine, session, "task_assigned", instance, row, actor,
            {"assignee": assignee, "previous": row["assignee"], "priority": values.get("priority", row["priority"]),
             "reason": reason})


def move_to_department(engine: Engine, session: Session, task_guid: str, department: str, actor: Actor,
                       reason: str) -> None:
    """Hand a task to another department (a supervisor's decision): it leaves one inbox for another.

    The choice is kept in the instance's context, so rewriting the open-task index after later steps
    keeps the task where the supervisor put it.
    """
    instance, row = _locked_task(engine, session, task_guid)
    if department == row["department"]:
        raise AssignmentRefused("任务已在该部门，无需转办。")
    context = dict(instance.context or {})
    context["department_overrides"] = {**context.get("department_overrides", {}), task_guid: department}
    # Unlike a claim, a move bumps the version: a form opened in the old department is no longer
    # valid, and a completion that waited for this lock reads the moved row again and is refused.
    session.connection().execute(update(_instance).where(_instance.c.id == instance.id)
                                 .values(context=context, version=_instance.c.version + 1))
    _set(session, row, department=department, assignee=None, assigned_at=None)
    _record(engine, session, "task_reassigned", instance, row, actor,
            {"from": row["department"], "to": department, "previous": row["assignee"], "reason": reason})
