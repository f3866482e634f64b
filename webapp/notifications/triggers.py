"""Reminders written in the transaction of the work that caused them (a rolled-back transaction writes none).

One hook, whatever the path: the engine buffers its events on the session until the commit
(``engine.audit``), and calls the session's observers with them right before it chains them
(``audit.OBSERVERS``; ``init_app`` puts :func:`on_commit` into every session of the app's factory). The
``task_created`` events of a transaction are exactly the tasks it opened — by a clerk's step, a supervisor's
override (跳过, 跳过并代填, 重置/重新打开, 恢复), a timer firing in ``flask timers run``, a registration's first
step, a ledger import, the REST API, an inbound event, a coverage announcement — and ``task_assigned`` the
assignments it made. So no path can forget to tell, nothing is told for a rolled-back step, and nothing is
sent inside the request: the rows go to the outbox in the same commit, and the relay sends them after it.

Exactly once per task: the reminder's key is the task (``new:<guid>``), so a task seen again (a resumed
case's tasks come back with their ids) is not told twice. A step a supervisor's reset gives back keeps its
old id but is new work: it is told again, once per reset. Tasks a migration to a new diagram version
re-created under new ids are the same steps and are not told again.

Many tasks at once (a ledger of thousands of wells, a coverage announcement for a whole village): a
department given more than ``SUMMARY_ABOVE`` new tasks by one transaction gets one summary ("新任务 N 项")
instead of one message per task. The bulk loader (``flask ledger load``, batches of 5,000 in transactions
of their own) folds all its batches into one summary per department for the whole load (:class:`Folded`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import audit, persist
from engine.tables import OpenTask

from ..directory import people
from ..models import TASK_FORCE, Case, Department, User
from .messages import Reminder, send
from .wording import due_words, task_line

#: More new tasks than this for one department in one transaction: one summary instead of one each.
SUMMARY_ABOVE = 10
#: ``session.info`` key: a :class:`Folded` that collects this transaction's new tasks instead of telling them.
FOLD = "wells.notify.fold"
#: Step titles named in a summary; the rest are counted.
SUMMARY_TITLES = 5


def on_commit(session: Session, events: list[dict]) -> None:
    """The observer of every commit: new tasks and assignments of this transaction, told once."""
    created = [e for e in events if e["kind"] == "task_created"]
    assigned = [e for e in events if e["kind"] == "task_assigned" and (e["data"] or {}).get("assignee")]
    if created:
        overridden = {(e["instance_id"], (e["data"] or {}).get("type")) for e in events if e["kind"] == "override"}
        created = [e for e in created if (e["instance_id"], "migrate") not in overridden]
        # A reset gives the step back under its old id: new work all the same, told again.
        again = {e["task_guid"] for e in created if (e["instance_id"], "reset") in overridden}
        if created:
            new_tasks(session, created, again)
    if assigned:
        assignments(session, assigned)


@dataclass
class Folded:
    """New tasks of several transactions (a bulk load's batches) to be told as one summary per department."""

    departments: dict[str, "_Pile"] = field(default_factory=dict)

    def add(self, events: list[dict]) -> None:
        for event in events:
            code = (event["data"] or {}).get("department")
            pile = self.departments.setdefault(code, _Pile(event["task_guid"]))
            pile.titles[event["title"] or ""] += 1
            pile.actors.add(event["actor"])

    def merge(self, other: "Folded") -> None:
        for code, pile in other.departments.items():
            mine = self.departments.setdefault(code, _Pile(pile.first))
            mine.titles.update(pile.titles)
            mine.actors |= pile.actors

    def __bool__(self) -> bool:
        return bool(self.departments)


@dataclass
class _Pile:
    first: str                                  # the first task's guid: names the summary (its key)
    titles: Counter = field(default_factory=Counter)
    actors: set = field(default_factory=set)

    @property
    def count(self) -> int:
        return sum(self.titles.values())


def new_tasks(session: Session, created: list[dict], again: set[str] = frozenset()) -> int:
    """Tell each new task to the people of its department (not to whoever opened it, who knows); a task
    that arrives already assigned to its assignee only. Returns the outbox rows written.

    Once per task id, except the ids in ``again`` (a step given back by a reset): once per reset."""
    fold = session.info.get(FOLD)
    if fold is not None:
        fold.add(created)
        return 0
    by_department: dict[str, list[dict]] = {}
    for event in created:
        by_department.setdefault((event["data"] or {}).get("department"), []).append(event)
    written, single = 0, []
    for code, events in by_department.items():
        if len(events) > SUMMARY_ABOVE:
            pile = Folded()
            pile.add(events)
            written += summarize(session, pile)
        else:
            single += events
    if not single:
        return written
    actors = {e["task_guid"]: e["actor"] for e in single}
    keys = {e["task_guid"]: f"new:{e['task_guid']}" + (f":{e['created_at']:%Y%m%d%H%M%S%f}"
                                                        if e["task_guid"] in again else "") for e in single}
    tasks = _written(session, single)
    missing = [guid for guid in actors if guid not in tasks]
    if missing:
        # populate_existing: the engine writes the index with Core; an ORM copy loaded earlier is not current.
        tasks.update((t.task_guid, t) for t in session.scalars(
            select(OpenTask).where(OpenTask.task_guid.in_(missing)).execution_options(populate_existing=True)))
    staff: dict[str, list[User]] = {}  # a department's people, read once for its several new tasks
    for guid, task in tasks.items():
        case = session.get(Case, task.case_id)
        if task.assignee:
            people = _people(session, User.username == task.assignee)
        else:
            if task.department not in staff:
                staff[task.department] = department_people(session, task.department)
            people = staff[task.department]
        people = [u for u in people if u.username != actors[guid]]
        reminder = Reminder(key=keys[guid], subject=f"新任务：{task.title}",
                            text=f"{task_line(task, case)}已到本部门待办，请登录平台认领办理。{due_words(task)}",
                            case_id=task.case_id)
        written += send(session, reminder, people, task.department)
    return written


# What ``messages.send`` reads of a person: plain rows, not ORM users (an ORM user costs several times a
# row here, and a step's reminders are part of every completion and registration).
_PERSON = (User.id, User.username, User.active, User.email, User.mobile, User.notify_email, User.notify_sms,
           User.notify_robot)


def _people(session: Session, *where, of_department: bool = False) -> list:
    query = select(*_PERSON)
    if of_department:
        query = query.join(Department, Department.id == User.department_id)
    return session.execute(query.where(*where).order_by(User.username)).all()


def department_people(session: Session, code: str) -> list:
    """The people ``tasks.queries.department_users`` names (active users who work the department's inbox;
    the task force's seconded members too), as rows of what a reminder needs (tested to be the same). In a
    request, from the worker's copy of the accounts (``directory.people``: no statement)."""
    everyone = people.accounts_through(session)
    if everyone is not None:
        return [r for r in everyone if r.active and (r.department == code or (code == TASK_FORCE and r.task_force_member))]
    works_here = Department.code == code
    if code == TASK_FORCE:
        works_here = or_(works_here, User.task_force_member.is_(True))
    return _people(session, works_here, User.active.is_(True), of_department=True)


def _written(session: Session, created: list[dict]) -> dict:
    """The new tasks' rows as the engine wrote them in this transaction (no statement), by guid, in the
    order of ``created``; a task it did not keep them for is left out (read from the table)."""
    rows = {}
    for instance_id in dict.fromkeys(e["instance_id"] for e in created):
        rows.update((row["task_guid"], row) for row in persist.written_open_tasks(session, instance_id) or ())
    return {e["task_guid"]: SimpleNamespace(**rows[e["task_guid"]]) for e in created if e["task_guid"] in rows}


def summarize(session: Session, folded: Folded) -> int:
    """One summary per department of the new tasks collected in ``folded``."""
    written = 0
    for code, pile in sorted(folded.departments.items(), key=lambda item: item[0] or ""):
        if code is None:
            continue
        people = [u for u in department_people(session, code) if u.username not in pile.actors]
        named = pile.titles.most_common(SUMMARY_TITLES)
        steps = "，".join(f"“{title}” {n} 项" for title, n in named)
        if len(pile.titles) > SUMMARY_TITLES:
            steps += f"，其他 {pile.count - sum(n for _t, n in named)} 项"
        reminder = Reminder(key=f"newsum:{code}:{pile.first}", subject=f"新任务 {pile.count} 项",
                            text=f"本部门待办新增 {pile.count} 项：{steps}。请登录平台查看待办并认领办理。")
        written += send(session, reminder, people, code)
    return written


def assignments(session: Session, assigned: list[dict]) -> int:
    """Tasks assigned in this transaction: told to the assignee (a head assigning to themselves knows)."""
    tasks = {t.task_guid: t for t in session.scalars(
        select(OpenTask).where(OpenTask.task_guid.in_({e["task_guid"] for e in assigned}))
        .execution_options(populate_existing=True))}
    written = 0
    for event in assigned:
        task, assignee = tasks.get(event["task_guid"]), event["data"]["assignee"]
        if task is None or assignee == event["actor"]:
            continue
        people = _people(session, User.username == assignee)
        # From the event: the ORM row loaded before the engine's Core update may still hold the old priority.
        urgent = "【紧急】" if event["data"].get("priority") else ""
        # The key carries the assignment's time: assigned again later, the person is told again.
        when = event["created_at"].strftime("%Y%m%d%H%M%S")
        reminder = Reminder(key=f"asg:{task.task_guid}:{when}", subject=f"{urgent}指派给您的任务：{task.title}",
                            text=f"{task_line(task, session.get(Case, task.case_id))}已指派给您办理。{due_words(task)}",
                            case_id=task.case_id)
        written += send(session, reminder, people, task.department)
    return written


def observe(factory) -> None:
    """Put :func:`on_commit` among the audit observers of every session ``factory`` (a sessionmaker) makes."""
    info = dict(factory.kw.get("info") or {})
    observers = tuple(info.get(audit.OBSERVERS, ()))
    if on_commit not in observers:
        info[audit.OBSERVERS] = (*observers, on_commit)
        factory.configure(info=info)
