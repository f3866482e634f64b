"""The inbox's reads: it never loads a workflow, it reads the open-task index (and the badge counts,
the users a task may be assigned to)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from engine.tables import OpenTask, Timer

from ..core.paging import window
from ..models import TASK_FORCE, Department, User

VIEWS = {"all": "部门全部", "pool": "待认领", "mine": "我的任务"}
SORTS = {"default": "逾期优先", "due": "按办理期限", "priority": "紧急优先", "oldest": "最早在前"}


@dataclass
class InboxFilters:
    town: str | None = None
    step: str | None = None
    overdue: bool = False
    q: str | None = None
    view: str = "all"  # all | pool (unassigned) | mine (assigned to me)
    sort: str = "default"


@dataclass
class InboxPage:
    rows: list[OpenTask]
    total: int
    page: int
    pages: int
    step_counts: list[tuple[str, str, int]]  # (task spec, title, count)
    overdue_count: int
    # Open-task id -> the case's deadlines over several steps that this step is one of (the penalty's
    # 90-day limit on 调查取证 … 作出决定), earliest first.
    spans: dict[int, list[Timer]] = field(default_factory=dict)


def inbox(session: Session, department: str, username: str, filters: InboxFilters, page: int, size: int,
          now: datetime, spans: dict[str, frozenset[str]] | None = None) -> InboxPage:
    """The open tasks of a department (or of one person in it): filtered, counted, sorted and paged.

    ``spans``: timer event id -> the steps it spans (``engine.overrides.spanning_timers``); their waiting
    timers are read for the whole page in one query (wf_timer by instance), not per row. The 只看逾期 filter
    and the sorts use the step's own deadline only: a spanning timer fires when due (办案超期督办), so it is
    never overdue on a page for longer than the timer sweep takes."""
    base = select(OpenTask).where(OpenTask.department == department)
    if filters.view == "mine":
        base = base.where(OpenTask.assignee == username)
    elif filters.view == "pool":
        base = base.where(OpenTask.assignee.is_(None))
    if filters.town:
        base = base.where(OpenTask.town == filters.town)
    if filters.q:
        like = f"%{filters.q.strip()}%"
        base = base.where(or_(OpenTask.well_no.like(like), OpenTask.party_name.like(like)))
    # Counts per step ignore the step filter itself, so the chips show what each choice would give.
    step_counts = _step_counts(session, base)
    filtered = base
    if filters.step:
        filtered = filtered.where(OpenTask.task_spec == filters.step)
    overdue_count = session.scalar(select(func.count()).select_from(
        filtered.where(OpenTask.due_at < now).subquery()))
    if filters.overdue:
        filtered = filtered.where(OpenTask.due_at < now)
    total = session.scalar(select(func.count()).select_from(filtered.subquery()))
    page, pages, offset = window(total, page, size)
    rows = list(session.scalars(filtered.order_by(*_order(filters.sort, now))
                                .limit(size).offset(offset)))
    return InboxPage(rows=rows, total=total, page=page, pages=pages, step_counts=step_counts,
                     overdue_count=overdue_count, spans=_spanning_deadlines(session, rows, spans or {}))


def _spanning_deadlines(session: Session, rows: list[OpenTask], spans: dict[str, frozenset[str]]) -> dict:
    wanted = [timer for timer, steps in spans.items() if any(row.task_spec in steps for row in rows)]
    if not wanted:
        return {}
    timers = list(session.scalars(select(Timer).where(Timer.instance_id.in_({row.instance_id for row in rows}),
                                                      Timer.task_spec.in_(wanted)).order_by(Timer.due_at)))
    found = {}
    for row in rows:
        mine = [t for t in timers if t.instance_id == row.instance_id and row.task_spec in spans[t.task_spec]]
        if mine:
            found[row.id] = mine
    return found


def _order(sort: str, now: datetime) -> list:
    no_due_last = case((OpenTask.due_at.is_(None), 1), else_=0)
    if sort == "due":
        return [no_due_last, OpenTask.due_at, OpenTask.id]
    if sort == "priority":
        return [OpenTask.priority.desc(), no_due_last, OpenTask.due_at, OpenTask.created_at.desc(), OpenTask.id]
    if sort == "oldest":
        return [OpenTask.created_at, OpenTask.id]
    is_overdue = case((OpenTask.due_at < now, 0), else_=1)
    return [is_overdue, OpenTask.created_at.desc(), OpenTask.id.desc()]


def badge_counts(session: Session, department: str, username: str) -> dict[str, int]:
    """For the navigation: tasks assigned to me, and unassigned tasks of my department."""
    mine, pool = session.execute(select(
        func.count().filter(OpenTask.assignee == username),
        func.count().filter(OpenTask.assignee.is_(None)),
    ).where(OpenTask.department == department)).one()
    return {"mine": mine, "pool": pool}


def department_users(session: Session, department_code: str) -> list[User]:
    """Active users who work a department's inbox (for the task force: its seconded members too)."""
    works_here = Department.code == department_code
    if department_code == TASK_FORCE:
        works_here = or_(works_here, User.task_force_member.is_(True))
    return list(session.scalars(select(User).join(Department).where(works_here, User.active.is_(True))
                                .order_by(User.username)))


def _step_counts(session: Session, base) -> list[tuple[str, str, int]]:
    sub = base.subquery()
    return [tuple(r) for r in session.execute(
        select(sub.c.task_spec, func.min(sub.c.title), func.count()).group_by(sub.c.task_spec)
        .order_by(sub.c.task_spec))]
