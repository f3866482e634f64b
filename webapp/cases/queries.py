"""The case list, its export and the case page's reads (instance, open tasks, timers, timeline)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import audit
from engine.tables import Event, Instance, OpenTask, Timer

from ..core.paging import window
from ..models import Case, Document, WaterUser, Well

if TYPE_CHECKING:
    from datetime import datetime

    from .search import CaseFilters

#: The message a permitted well's case waits for when the public network reaches it (/coverage/, the API).
NETWORK_ARRIVES = "network_arrives"


def case_tasks(session: Session, case_id: int) -> list[OpenTask]:
    return list(session.scalars(select(OpenTask).where(OpenTask.case_id == case_id).order_by(OpenTask.id)))


def case_timers(session: Session, instance_id: int | None) -> list[Timer]:
    """What a case waits for besides its open tasks (a patrol, an exemption review, a deadline)."""
    if instance_id is None:
        return []
    return list(session.scalars(select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.due_at)))


def instances_by_id(session: Session, ids: list[int | None]) -> dict[int, Instance]:
    """The instances of a page of cases, in one query (their status shows in the list)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {i.id: i for i in session.scalars(select(Instance).where(Instance.id.in_(wanted)))}


def case_instance(session: Session, case: Case) -> Instance | None:
    return session.get(Instance, case.instance_id) if case.instance_id else None


def case_events(session: Session, case_id: int, audit_key: bytes) -> list[Event]:
    """The case's timeline: its events inside their chain's head (rows planted beyond it are left out),
    in order (ids follow the chain), each with ``audit_warning`` set when its hash does not hold."""
    rows = session.scalars(select(Event).where(Event.case_id == case_id, audit.within_heads()).order_by(Event.id))
    return audit.Marker(session, audit_key).mark(list(rows))


def _cases(town: str | None, q: str | None, stage: str | None = None, filters: CaseFilters | None = None,
           now: datetime | None = None):
    query = select(Case, Well, WaterUser).join(Well, Case.well_id == Well.id).join(
        WaterUser, Well.owner_id == WaterUser.id)
    if filters is not None:
        query = _searched(query, filters, now)
    if stage:
        query = query.where(Case.instance_id.in_(select(Instance.id).where(Instance.stage == stage)))
    if town:
        query = query.where(Case.town == town)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Well.well_no.like(like), WaterUser.name.like(like)))
    return query


def _searched(query, f: CaseFilters, now: datetime | None):
    """The search's other filters (cases/search.py), each a clause on an indexed column or an IN over an
    indexed one: the instance's category, the open tasks (step, department, overdue, due dates: one task
    meeting them all), the documents' numbers. The town, the stage and ``q`` are the caller's arguments."""
    if f.category:
        query = query.where(Case.instance_id.in_(select(Instance.id).where(Instance.category == f.category)))
    if f.on_open_tasks:
        tasks = select(OpenTask.case_id)
        if f.step:
            tasks = tasks.where(OpenTask.task_spec == f.step)
        if f.department:
            tasks = tasks.where(OpenTask.department == f.department)
        if f.overdue:
            tasks = tasks.where(OpenTask.due_at < now)
        if f.due and f.due[0]:
            tasks = tasks.where(OpenTask.due_at >= f.due[0])
        if f.due and f.due[1]:
            tasks = tasks.where(OpenTask.due_at < f.due[1])
        query = query.where(Case.id.in_(tasks))
    if f.registered and f.registered[0]:
        query = query.where(Case.created_at >= f.registered[0])
    if f.registered and f.registered[1]:
        query = query.where(Case.created_at < f.registered[1])
    if f.village:
        query = query.where(Well.village == f.village)
    if f.party:
        # A full credit code / ID number is the party itself (unique index); anything else part of a name.
        query = query.where(or_(WaterUser.party_id == f.party.upper(), WaterUser.name.like(f"%{f.party}%")))
    if f.well_no:
        query = query.where(Well.well_no.like(f"%{f.well_no}%"))
    if f.document:
        query = query.where(Case.id.in_(select(Document.case_id).where(Document.number.like(f"%{f.document}%"))))
    return query


def case_export(session: Session, town: str | None, q: str | None, limit: int, stage: str | None = None,
                filters: CaseFilters | None = None, now: datetime | None = None):
    """The case list's rows for a spreadsheet — (case, well, owner, instance, open tasks) — oldest first;
    None when more than ``limit`` cases match."""
    query = _cases(town, q, stage, filters, now)
    if session.scalar(select(func.count()).select_from(query.subquery())) > limit:
        return None
    rows = session.execute(query.add_columns(Instance).outerjoin(Instance, Instance.id == Case.instance_id)
                           .order_by(Case.id)).all()
    tasks: dict[int, list[OpenTask]] = {}
    case_ids = query.with_only_columns(Case.id).scalar_subquery()
    for task in session.scalars(select(OpenTask).where(OpenTask.case_id.in_(case_ids)).order_by(OpenTask.id)):
        tasks.setdefault(task.case_id, []).append(task)
    return [(case, well, owner, instance, tasks.get(case.id, [])) for case, well, owner, instance in rows]


def case_list(session: Session, town: str | None, q: str | None, page: int, size: int, stage: str | None = None,
              filters: CaseFilters | None = None, now: datetime | None = None):
    """Cases for the case list: (case, well, owner) rows, newest first."""
    query = _cases(town, q, stage, filters, now)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages, offset = window(total, page, size)
    rows = session.execute(query.order_by(Case.id.desc()).limit(size).offset(offset)).all()
    return rows, total, page, pages


def stage_counts(session: Session, town: str | None, q: str | None, filters: CaseFilters | None = None,
                 now: datetime | None = None) -> dict[str, int]:
    """The list's cases per stage under its other filters, in one GROUP BY (the chips show what each
    stage would give)."""
    sub = _cases(town, q, None, filters, now).with_only_columns(Case.instance_id).subquery()
    return dict(session.execute(select(Instance.stage, func.count()).join(sub, sub.c.instance_id == Instance.id)
                                .group_by(Instance.stage)).all())


def waiting_cases(session, towns: list[str], villages: list[str]) -> list[Case]:
    """Cases whose process waits for the network, in the towns (and villages, if named)."""
    query = (select(Case).join(Instance, Instance.id == Case.instance_id).join(Well, Well.id == Case.well_id)
             .where(Instance.status == "running", Instance.waiting_for == NETWORK_ARRIVES, Case.town.in_(towns)))
    if villages:
        query = query.where(Well.village.in_(villages))
    return list(session.scalars(query.order_by(Case.id)))
