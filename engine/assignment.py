"""Who works on an open task: claim, release, assign to a person (one or many), move to another department.

These change the open-task index, not the workflow. Each operation takes the instance lock like a
completion does, so the two are serialized, reads the task's row again under the lock (the request's
page may be a moment old), and is appended to the audit chain. Whoever comes second is told what the
first did: a claim or assignment of a task completed a moment ago is refused with "已由 X 于 T 办理"
(``task_fate.explain``); a completion of a task a colleague claimed or was assigned a moment ago with
"已由 X 于 T 指派给 Y" (``task_fate.taken``, raised by ``Engine.complete``).

Every change bumps the instance version, as ``persist.lock_by_task`` requires of every writer (a
completion waiting for our lock must know that the open-task rows it read are stale), but a claim,
release or assignment is noted as changing only assignments (``form_version``): a form open on the
task stays valid. A move to another department is a change like any other: it takes the task away
from the form's clerks.
Who may do what is the web layer's decision (``webapp/permissions.py``); the engine checks only what
must hold whoever asks.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import audit, form_version, persist, task_fate
from .actors import Actor
from .errors import EngineError
from .persist import InstanceRow
from .runtime import Engine
from .tables import Instance, OpenTask, utcnow

_open_task = OpenTask.__table__
_instance = Instance.__table__
PRIORITIES = {0: "普通", 1: "紧急"}
# What a loser of a race need not do any more, after "已由 X 于 T 办理，…".
_NO_CLAIM, _NO_RELEASE, _NO_ASSIGN = "无需再认领", "无需再退回", "无需再指派"


class AssignmentRefused(EngineError):
    """The assignment cannot apply as asked (an unknown priority, a move to the task's own department).

    A task someone else has is refused with ``TaskTaken``, one no longer open with what became of it."""


def _locked_task(engine: Engine, session: Session, task_guid: str, tail: str,
                 department: str | None = None) -> tuple[InstanceRow, dict]:
    """The task's instance, locked, and its row read after the lock; ``tail``: what the loser of a race
    with its completion need not do; ``department``: where the task must still be."""
    case = engine.open(session, task_guid=task_guid, tail=tail)
    case.require_running()
    row = case.rows[task_guid]
    if department is not None and row["department"] != department:
        raise task_fate.moved(session, task_guid, row["department"])
    return case.instance, row


def _set_row(session: Session, row: dict, **values) -> None:
    session.connection().execute(update(_open_task).where(_open_task.c.id == row["id"]).values(**values))
    persist.forget_written(session, row["instance_id"])  # the rows a step of this transaction wrote are not current


def _set(session: Session, instance: InstanceRow, row: dict, **values) -> None:
    """Change who works on a task, and bump the instance version as a change of assignments only."""
    _set_row(session, row, **values)
    context, version = form_version.after_assignment(instance)
    session.connection().execute(update(_instance).where(_instance.c.id == instance.id)
                                 .values(context=context, version=version))
    instance.context, instance.version = context, version


def _record(engine: Engine, session: Session, kind: str, instance, row: dict, actor: Actor, data: dict) -> None:
    audit.append(session, engine.audit_key, [audit.event(
        kind, instance=instance, actor=actor, task_guid=row["task_guid"], task_spec=row["task_spec"],
        title=row["title"], form_key=row["form_key"], data=data)])


def claim(engine: Engine, session: Session, task_guid: str, actor: Actor) -> None:
    """Take an unassigned task (or one already yours) for yourself."""
    instance, row = _locked_task(engine, session, task_guid, _NO_CLAIM)
    if row["assignee"] == actor.username:
        return
    if row["assignee"]:
        raise task_fate.taken(session, task_guid, row["assignee"])
    _set(session, instance, row, assignee=actor.username, assigned_at=utcnow())
    _record(engine, session, "task_claimed", instance, row, actor, {"assignee": actor.username})


def release(engine: Engine, session: Session, task_guid: str, actor: Actor, assignee: str | None = None) -> None:
    """Give a task back to the department's pool.

    ``assignee``: release only if the task is still theirs (a clerk releases their own claim; if the
    head gave it to a colleague meanwhile, the clerk is told so instead)."""
    instance, row = _locked_task(engine, session, task_guid, _NO_RELEASE)
    if not row["assignee"]:
        return
    if assignee is not None and row["assignee"] != assignee:
        raise task_fate.taken(session, task_guid, row["assignee"])
    _set(session, instance, row, assignee=None, assigned_at=None)
    _record(engine, session, "task_released", instance, row, actor, {"previous": row["assignee"]})


def _check_priority(priority: int | None) -> None:
    if priority is not None and priority not in PRIORITIES:
        raise AssignmentRefused("优先级只能是“普通”或“紧急”。")


def _assign_row(engine: Engine, session: Session, instance: InstanceRow, row: dict, assignee: str | None,
                actor: Actor, priority: int | None, reason: str) -> None:
    values = {"assignee": assignee, "assigned_at": utcnow() if assignee else None}
    if priority is not None:
        values["priority"] = priority
    _set(session, instance, row, **values)
    _record(engine, session, "task_assigned", instance, row, actor,
            {"assignee": assignee, "previous": row["assignee"], "priority": values.get("priority", row["priority"]),
             "reason": reason})


def assign(engine: Engine, session: Session, task_guid: str, assignee: str | None, actor: Actor,
           priority: int | None = None, reason: str = "", department: str | None = None) -> None:
    """Assign a task to a person (``None``: back to the pool), optionally setting its priority.

    ``department``: the department the assignee was chosen from; a task moved elsewhere meanwhile is
    refused (``task_fate.moved``) rather than given to someone who does not work that inbox."""
    _check_priority(priority)
    instance, row = _locked_task(engine, session, task_guid, _NO_ASSIGN, department)
    _assign_row(engine, session, instance, row, assignee, actor, priority, reason)


def assign_many(engine: Engine, session: Session, task_guids: list[str], assignee: str | None, actor: Actor,
                priority: int | None = None, reason: str = "", department: str | None = None) -> None:
    """Assign several tasks (the head's ticks in the inbox): all of them, or none.

    The instances are locked in id order (two bulk assignments over the same cases cannot deadlock);
    every task is checked under the locks before anything is written, so a task completed, moved or
    stopped a moment ago refuses the whole assignment with what became of it (the error's
    ``task_guid`` says which task)."""
    _check_priority(priority)
    guids = list(dict.fromkeys(task_guids))
    instance_ids = session.connection().execute(
        select(_open_task.c.instance_id).where(_open_task.c.task_guid.in_(guids))).scalars().all()
    cases = {iid: engine.open(session, instance_id=iid) for iid in sorted(set(instance_ids))}
    rows = {}
    for case in cases.values():
        rows.update(case.rows)  # current: read after the locks
    checked = []
    for guid in guids:
        try:
            row = rows.get(guid)
            if row is None:  # gone since the page (or never an open task of a case we locked)
                raise task_fate.explain(session, guid, _NO_ASSIGN)
            case = cases[row["instance_id"]]
            case.require_running()
            if department is not None and row["department"] != department:
                raise task_fate.moved(session, guid, row["department"])
        except EngineError as refusal:
            refusal.task_guid = guid  # which of the ticked tasks refuses them all
            raise
        checked.append((case.instance, row))
    for instance, row in checked:
        _assign_row(engine, session, instance, row, assignee, actor, priority, reason)


def move_to_department(engine: Engine, session: Session, task_guid: str, department: str, actor: Actor,
                       reason: str) -> None:
    """Hand a task to another department (a supervisor's decision): it leaves one inbox for another.

    The choice is kept in the instance's context, so rewriting the open-task index after later steps
    keeps the task where the supervisor put it.
    """
    instance, row = _locked_task(engine, session, task_guid, "无需再转办")
    if department == row["department"]:
        raise AssignmentRefused("任务已在该部门，无需转办。")
    context = dict(instance.context or {})
    context["department_overrides"] = {**context.get("department_overrides", {}), task_guid: department}
    # Unlike a claim, a move is a change of the case for the forms: a form opened in the old department
    # is no longer valid, and a completion that waited for this lock reads the moved row again and is
    # refused with where the task went.
    session.connection().execute(update(_instance).where(_instance.c.id == instance.id)
                                 .values(context=context, version=_instance.c.version + 1))
    _set_row(session, row, department=department, assignee=None, assigned_at=None)
    _record(engine, session, "task_reassigned", instance, row, actor,
            {"from": row["department"], "to": department, "previous": row["assignee"], "reason": reason})

