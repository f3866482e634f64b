"""Reminders written in the transaction of the work that caused them (a rolled-back step writes none).

The engine buffers its events on the session until the commit (``engine.audit.pending``): the
``task_created`` events of this transaction are exactly the tasks the step opened, and ``task_assigned``
the assignments it made, whatever path did it (a clerk's step, a supervisor's 跳过并代填, the REST API,
a head's assignment, one by one or ticked in the inbox). So the hooks need no before/after comparison of
the open-task rows and cannot miss a task or announce an old one.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.tables import OpenTask

from ..models import Case, User
from ..tasks.queries import department_users
from .messages import Reminder, send
from .wording import due_words, task_line


def _open_tasks(session: Session, guids: list[str]) -> dict[str, OpenTask]:
    if not guids:
        return {}
    return {t.task_guid: t for t in session.scalars(select(OpenTask).where(OpenTask.task_guid.in_(guids)))}


def after_step(session: Session, actor_username: str) -> int:
    """New tasks of this transaction: told to the people of the task's department (not to whoever just
    completed the step, who knows). A task that arrives already assigned is told to its assignee only."""
    session.flush()
    created = [e for e in audit.pending(session) if e["kind"] == "task_created"]
    tasks = _open_tasks(session, [e["task_guid"] for e in created])
    written = 0
    for guid, task in tasks.items():
        case = session.get(Case, task.case_id)
        if task.assignee:
            people = list(session.scalars(select(User).where(User.username == task.assignee)))
        else:
            people = department_users(session, task.department)
        people = [u for u in people if u.username != actor_username]
        reminder = Reminder(key=f"new:{guid}", subject=f"新任务：{task.title}",
                            text=f"{task_line(task, case)}已到本部门待办，请登录平台认领办理。{due_words(task)}",
                            case_id=task.case_id)
        written += send(session, reminder, people, task.department)
    return written


def after_assignment(session: Session, actor_username: str) -> int:
    """Tasks assigned in this transaction: told to the assignee (a head assigning to themselves knows)."""
    assigned = [e for e in audit.pending(session) if e["kind"] == "task_assigned" and (e["data"] or {}).get("assignee")]
    tasks = _open_tasks(session, [e["task_guid"] for e in assigned])
    written = 0
    for event in assigned:
        task, assignee = tasks.get(event["task_guid"]), event["data"]["assignee"]
        if task is None or assignee == actor_username:
            continue
        people = list(session.scalars(select(User).where(User.username == assignee)))
        # From the event: the ORM row loaded before the engine's Core update may still hold the old priority.
        urgent = "【紧急】" if event["data"].get("priority") else ""
        # The key carries the assignment's time: assigned again later, the person is told again.
        when = event["created_at"].strftime("%Y%m%d%H%M%S")
        reminder = Reminder(key=f"asg:{task.task_guid}:{when}", subject=f"{urgent}指派给您的任务：{task.title}",
                            text=f"{task_line(task, session.get(Case, task.case_id))}已指派给您办理。{due_words(task)}",
                            case_id=task.case_id)
        written += send(session, reminder, people, task.department)
    return written
