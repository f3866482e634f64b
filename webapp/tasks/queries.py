"""The inbox's reads: it never loads a workflow, it reads the open-task index (and the badge counts,
the users a task may be assigned to)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from engine.tables import OpenTask, Timer
from forms.assignment import PRIORITY_CHOICES

from ..core import keyset
from ..models import TASK_FORCE, Department, User

VIEWS = {"all": "部门全部", "pool": "待认领", "mine": "我的任务"}
SORTS = {"default": "逾期优先", "due": "按办理期限", "priority": "紧急优先", "oldest": "最早在前"}
PRIORITIES = sorted((int(code) for code, _label in PRIORITY_CHOICES), reverse=True)  # 紧急 before 普通


@dataclass
class InboxFilters:
    town: str | None = None
    step: str | None = None
    overdue: bool = False
    q: str | None = None
    view: str = "all"  # all | pool (unassigned) | mine (assigned to me)
    sort: str = "default"
    stage: str | None = None  # the case's stage (engine/stage.py)


@dataclass
class InboxPage:
    rows: list[OpenTask]
    total: int              # counted up to keyset.CAP (a larger count shows as 999+)
    page: int               # the page's number, for the heading (the links carry cursors)
    after: str | None       # cursor of the next page (None: the last)
    before: str | None      # cursor of the previous page (None: the first)
    step_counts: list[tuple[str, str, int]]  # (task spec, title, count up to keyset.CAP)
    overdue_count: int
    # Open-task id -> the case's deadlines over several steps that this step is one of (the penalty's
    # 90-day limit on 调查取证 … 作出决定), earliest first.
    spans: dict[int, list[Timer]] = field(default_factory=dict)


def inbox(session: Session, department: str, username: str, filters: InboxFilters, page: int, size: int,
          now: datetime, spans: dict[str, frozenset[str]] | None = None, after: str | None = None,
          before: str | None = None) -> InboxPage:
    """The open tasks of a department (or of one person in it): filtered, counted, sorted and paged.

    Built to cost the same at 100,000 open tasks as at 1,000 (issue 14): every sort is a few segments in
    orders an index serves and a page is found by its neighbour's cursor (``core.keyset``); the counts
    per step and of overdue tasks are one statement, each count stopping at ``keyset.CAP``; the steps
    are found by skipping through the (department, step) index, not by reading every row.

    ``spans``: timer event id -> the steps it spans (``engine.overrides.spanning_timers``); their waiting
    timers are read for the whole page in one query (wf_timer by instance), not per row. The 只看逾期 filter
    and the sorts use the step's own deadline only: a spanning timer fires when due (办案超期督办), so it is
    never overdue on a page for longer than the timer sweep takes."""
    conditions = [OpenTask.department == department]
    if filters.view == "mine":
        conditions.append(OpenTask.assignee == username)
    elif filters.view == "pool":
        conditions.append(OpenTask.assignee.is_(None))
    if filters.town:
        conditions.append(OpenTask.town == filters.town)
    if filters.stage:
        conditions.append(OpenTask.stage == filters.stage)
    if filters.q:
        like = f"%{filters.q.strip()}%"
        conditions.append(or_(OpenTask.well_no.like(like), OpenTask.party_name.like(like)))
    chosen = [OpenTask.task_spec == filters.step] if filters.step else []
    segments = _segments(filters.sort, now)
    skip = 0 if (after or before) else (max(page, 1) - 1) * size
    if filters.q or filters.view == "mine":
        # A search or one person's tasks: usually a handful. Read once (at most CAP rows), then counted,
        # ordered and paged here, rather than searched again for every count and segment.
        loaded = session.scalars(select(OpenTask).where(*conditions).limit(keyset.CAP)).all()
        if len(loaded) < keyset.CAP:
            return _small(loaded, filters, page, size, now, spans, after, before, skip, segments, session)
    # Counts per step ignore the step filter itself, so the chips show what each choice would give.
    step_counts, overdue_count = _counts(session, department, conditions, chosen, now)
    if filters.overdue:
        total = overdue_count
    elif filters.step:
        total = next((count for spec, _title, count in step_counts if spec == filters.step), 0)
    else:
        total = min(keyset.CAP, sum(count for _spec, _title, count in step_counts))
    query = select(OpenTask).where(*conditions, *chosen, *([OpenTask.due_at < now] if filters.overdue else []))
    # A step, a town or a stage is a column of the task itself, checked as the index is walked (the stage
    # has its own, (department, stage, created_at, id)); collecting their keys in any order cost more than
    # it saved when they are most of the inbox.
    window = keyset.fetch(session, query, segments, size, key=lambda row: row, entity=OpenTask,
                          after=after, before=before, skip=skip)
    return InboxPage(rows=window.rows, total=total, page=max(page, 1), after=window.after, before=window.before,
                     step_counts=step_counts, overdue_count=overdue_count,
                     spans=_spanning_deadlines(session, window.rows, spans or {}))


def _small(loaded: list[OpenTask], filters: InboxFilters, page: int, size: int, now: datetime, spans, after, before,
           skip: int, segments, session: Session) -> InboxPage:
    """The page of a set of fewer than CAP tasks already loaded: the same counts, order and cursors."""
    steps: dict[str, list] = {}
    for task in loaded:
        steps.setdefault(task.task_spec, []).append(task)
    step_counts = sorted((spec, tasks[0].title, len(tasks)) for spec, tasks in steps.items())
    rows = steps.get(filters.step, []) if filters.step else loaded
    overdue = [t for t in rows if t.due_at is not None and t.due_at < now]
    rows = overdue if filters.overdue else rows
    window = keyset.page_of_loaded(rows, segments, size, after=after, before=before, skip=skip)
    return InboxPage(rows=window.rows, total=len(rows), page=max(page, 1), after=window.after, before=window.before,
                     step_counts=step_counts, overdue_count=len(overdue),
                     spans=_spanning_deadlines(session, window.rows, spans or {}))


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


def _counts(session: Session, department: str, conditions: list, chosen: list, now: datetime):
    """([(step, title, count)], overdue count) in one statement, every count stopping at keyset.CAP.

    The steps present are found by skipping through the (department, task_spec) index — the smallest
    step, then the smallest after it… (a recursive query: one index probe per step) — not by grouping
    every row."""
    other = aliased(OpenTask)
    first = select(func.min(OpenTask.task_spec).label("spec")).where(OpenTask.department == department)
    steps = first.cte("steps", recursive=True)
    steps = steps.union_all(select(
        select(func.min(other.task_spec)).where(other.department == department, other.task_spec > steps.c.spec)
        .scalar_subquery()).where(steps.c.spec.is_not(None)))
    title = (select(OpenTask.title).where(OpenTask.department == department, OpenTask.task_spec == steps.c.spec)
             .limit(1).scalar_subquery())
    per_step = select(steps.c.spec, title, keyset.capped(*conditions, OpenTask.task_spec == steps.c.spec,
                                                         table=OpenTask, outer=(steps,))).where(steps.c.spec.is_not(None))
    overdue = select(literal(None), literal(None), keyset.capped(*conditions, *chosen, OpenTask.due_at < now,
                                                                 table=OpenTask))
    rows = session.execute(per_step.union_all(overdue)).all()
    counts = [(spec, title, count) for spec, title, count in rows if spec is not None and count]
    return sorted(counts), next(count for spec, _title, count in rows if spec is None)


def _segments(sort: str, now: datetime) -> list[keyset.Segment]:
    """Each sort as segments whose orders the (department, …) indexes serve (migration 20261206_0018);
    ``holds`` is each segment's condition on a loaded task (``_small``)."""
    t, Segment = OpenTask, keyset.Segment
    if sort == "due":  # by deadline, those without one last
        return [Segment((t.due_at.is_not(None),), ((t.due_at, False), (t.id, False)), lambda r: r.due_at is not None),
                Segment((t.due_at.is_(None),), ((t.id, False),), lambda r: r.due_at is None)]
    if sort == "priority":  # urgent first; within a priority by deadline (none last), then newest
        segments = []
        for level in PRIORITIES:
            segments += [Segment((t.priority == level, t.due_at.is_not(None)),
                                 ((t.due_at, False), (t.created_at, True), (t.id, False)),
                                 lambda r, level=level: r.priority == level and r.due_at is not None),
                         Segment((t.priority == level, t.due_at.is_(None)), ((t.created_at, True), (t.id, False)),
                                 lambda r, level=level: r.priority == level and r.due_at is None)]
        return segments
    if sort == "oldest":
        return [Segment((), ((t.created_at, False), (t.id, False)), lambda r: True)]
    # 逾期优先: the overdue ones, newest first, then the others, newest first.
    newest = ((t.created_at, True), (t.id, True))
    return [Segment((t.due_at < now,), newest, lambda r: r.due_at is not None and r.due_at < now),
            Segment((or_(t.due_at >= now, t.due_at.is_(None)),), newest, lambda r: r.due_at is None or r.due_at >= now)]


# Built once (every page's navigation runs it: building the statement cost as much Python as running it).
_BADGES = select(
    keyset.capped(OpenTask.department == bindparam("department"), OpenTask.assignee == bindparam("username"),
                  table=OpenTask),
    keyset.capped(OpenTask.department == bindparam("department"), OpenTask.assignee.is_(None), table=OpenTask))


def badge_counts(session: Session, department: str, username: str) -> dict[str, int]:
    """For the navigation: tasks assigned to me, and unassigned tasks of my department, each counted up to
    keyset.CAP (999+) in the (department, assignee) index."""
    mine, pool = session.execute(_BADGES, {"department": department, "username": username}).one()
    return {"mine": mine, "pool": pool}


def department_users(session: Session, department_code: str) -> list[User]:
    """Active users who work a department's inbox (for the task force: its seconded members too)."""
    works_here = Department.code == department_code
    if department_code == TASK_FORCE:
        works_here = or_(works_here, User.task_force_member.is_(True))
    return list(session.scalars(select(User).join(Department).where(works_here, User.active.is_(True))
                                .order_by(User.username)))
