"""The case list, its export and the case page's reads (instance, open tasks, timers, timeline)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session, contains_eager, defer

from engine import audit
from engine.stage import STAGES
from engine.tables import Event, Instance, OpenTask, Timer

from ..core import keyset
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
    """The instances of a page of cases, in one query (their status and stage show in the list), without
    their workflow state and context: a list never reads them, and the state is kilobytes a row."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {i.id: i for i in session.scalars(select(Instance).where(Instance.id.in_(wanted))
                                             .options(defer(Instance.state), defer(Instance.context)))}


def case_instance(session: Session, case: Case) -> Instance | None:
    return session.get(Instance, case.instance_id) if case.instance_id else None


def case_events(session: Session, case_id: int, audit_key: bytes) -> list[Event]:
    """The case's timeline: its events inside their chain's head (rows planted beyond it are left out),
    in order (ids follow the chain), each with ``audit_warning`` set when its hash does not hold."""
    rows = session.scalars(select(Event).where(Event.case_id == case_id, audit.within_heads()).order_by(Event.id))
    return audit.Marker(session, audit_key).mark(list(rows))


def _cases(town: str | None, q: str | None, stage: str | None = None, session: Session | None = None,
           filters: CaseFilters | None = None, now: datetime | None = None):
    return select(Case, Well, WaterUser).join(Well, Case.well_id == Well.id).join(
        WaterUser, Well.owner_id == WaterUser.id).where(*_case_conditions(town, q, stage, session, filters, now))


def _case_conditions(town: str | None, q: str | None, stage: str | None = None,
                     session: Session | None = None, filters: CaseFilters | None = None,
                     now: datetime | None = None) -> list:
    """The list's filters as conditions on ``well_case`` alone, so that counting needs no join.

    With ``session``, a search is run once per request (kept in ``session.info``): when it matches fewer
    than keyset.CAP wells their ids are the condition, so the counts and the page that follow are index
    look-ups, not the search again. ``filters`` adds the search form's other fields (``_searched``)."""
    conditions = []
    if stage:
        conditions.append(Case.instance_id.in_(select(Instance.id).where(Instance.stage == stage)))
    if town:
        conditions.append(Case.town == town)
    if q:
        found = _search(session, q) if session is not None else None
        conditions.append(Case.well_id.in_(found if found is not None else _matching_wells(q)))
    if filters is not None:
        conditions += _searched(filters, now)
    return conditions


def case_conditions(session: Session, filters: CaseFilters, now: datetime) -> list:
    """The case list's conditions on ``well_case`` for validated search filters (town, stage, ``q`` and the
    rest): what another page showing "the cases of this search" (the map) must use to show the same cases."""
    return _case_conditions(filters.town, filters.q, filters.stage, session, filters, now)


def _search(session: Session, q: str) -> list[int] | None:
    searches = session.info.setdefault("case_list_searches", {})
    if q not in searches:
        ids = session.scalars(select(_matching_wells(q).subquery().c.id).limit(keyset.CAP)).all()
        searches[q] = ids if len(ids) < keyset.CAP else None
    return searches[q]


def _matching_wells(q: str):
    """The wells whose number, or whose water user's name, contains ``q``: two searches each an index can
    serve (a trigram index on PostgreSQL), not one over the joined rows."""
    like = f"%{q.strip()}%"
    return union(select(Well.id).where(Well.well_no.like(like)),
                 select(Well.id).where(Well.owner_id.in_(select(WaterUser.id).where(WaterUser.name.like(like)))))


def _searched(f: CaseFilters, now: datetime | None) -> list:
    """The search's other filters (cases/search.py) as conditions on ``well_case``, each an IN over an
    indexed column: the instance's category, the open tasks (step, department, overdue, due dates: one task
    meeting them all), the well (village, number, coordinates missing), the party (name or code), the documents' numbers. The
    town, the stage and ``q`` are the caller's arguments."""
    conditions = []
    if f.category:
        conditions.append(Case.instance_id.in_(select(Instance.id).where(Instance.category == f.category)))
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
        conditions.append(Case.id.in_(tasks))
    if f.registered and f.registered[0]:
        conditions.append(Case.created_at >= f.registered[0])
    if f.registered and f.registered[1]:
        conditions.append(Case.created_at < f.registered[1])
    wells = []
    if f.village:
        wells.append(Well.village == f.village)
    if f.well_no:
        wells.append(Well.well_no.like(f"%{f.well_no}%"))
    if f.unlocated:
        wells.append(or_(Well.latitude.is_(None), Well.longitude.is_(None)))
    if f.party:
        # A full credit code / ID number is the party itself (unique index); anything else part of a name.
        wells.append(Well.owner_id.in_(select(WaterUser.id).where(
            or_(WaterUser.party_id == f.party.upper(), WaterUser.name.like(f"%{f.party}%")))))
    if wells:
        conditions.append(Case.well_id.in_(select(Well.id).where(*wells)))
    if f.document:
        conditions.append(Case.id.in_(select(Document.case_id).where(Document.number.like(f"%{f.document}%"))))
    return conditions


def case_export(session: Session, town: str | None, q: str | None, limit: int, stage: str | None = None,
                filters: CaseFilters | None = None, now: datetime | None = None):
    """The case list's rows for a spreadsheet — (case, well, owner, instance, open tasks) — oldest first;
    None when more than ``limit`` cases match."""
    query = _cases(town, q, stage, session, filters, now)
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
              after: str | None = None, before: str | None = None, filters: CaseFilters | None = None,
              now: datetime | None = None):
    """Cases for the case list: (case, well, owner) rows, newest first, a page by its neighbour's cursor
    (keyset on the case id, the (town, id) index for a town); the total counted up to keyset.CAP."""
    conditions = _case_conditions(town, q, stage, session, filters, now)
    # The page's rows with their well and owner from the joins themselves (not joined a second time for the
    # relationships); the counts on well_case alone: every case has one well and the well one owner.
    query = _cases(town, q, stage, session, filters, now).options(contains_eager(Case.well).contains_eager(Well.owner))
    total = session.scalar(select(keyset.capped(*conditions, table=Case)))
    window = keyset.fetch(session, query, [keyset.Segment((), ((Case.id, True),))], size, key=lambda row: row[0],
                          after=after, before=before, skip=0 if (after or before) else (max(page, 1) - 1) * size,
                          narrow=select(Case).where(*conditions), counted=total,
                          # any filter but the town may select cases anywhere in the order (keyset.fetch)
                          collect=keyset.COLLECT if len(conditions) > bool(town) else 0)
    return window.rows, total, max(page, 1), window


def stage_counts(session: Session, town: str | None, q: str | None, filters: CaseFilters | None = None,
                 now: datetime | None = None, total: int | None = None) -> dict[str, int]:
    """The list's cases per stage under its other filters (the chips show what each stage would give), in
    one statement: each stage counted up to keyset.CAP (999+) through the stage index, not a GROUP BY
    over every case. ``total``: how many cases these filters give, when the caller knows it (counted up
    to keyset.CAP, or all of them: ``keyset.Window.total``): fewer than keyset.COLLECT (a search, a
    department's cases) are grouped by stage in one pass instead, with their conditions (a search's well
    ids, a subquery) written once rather than once per stage."""
    cases = select(Case.id).join(Instance, Instance.id == Case.instance_id).where(
        *_case_conditions(town, q, session=session, filters=filters, now=now))
    if total is not None and total < keyset.COLLECT:
        found = dict(session.execute(cases.with_only_columns(Instance.stage, func.count(), maintain_column_froms=True)
                                     .group_by(Instance.stage)).all())
        return {code: found[code] for code in STAGES if found.get(code)}
    counts = [select(func.count()).select_from(cases.where(Instance.stage == code).limit(keyset.CAP).subquery())
              .scalar_subquery().label(code) for code in STAGES]
    row = session.execute(select(*counts)).one()
    return {code: n for code, n in zip(STAGES, row) if n}


def waiting_cases(session, towns: list[str], villages: list[str]) -> list[Case]:
    """Cases whose process waits for the network, in the towns (and villages, if named)."""
    query = (select(Case).join(Instance, Instance.id == Case.instance_id).join(Well, Well.id == Case.well_id)
             .where(Instance.status == "running", Instance.waiting_for == NETWORK_ARRIVES, Case.town.in_(towns)))
    if villages:
        query = query.where(Well.village.in_(villages))
    return list(session.scalars(query.order_by(Case.id)))
