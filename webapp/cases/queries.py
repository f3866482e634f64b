"""The case list, its export and the case page's reads (instance, open tasks, timers, timeline)."""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import Integer, any_, cast, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, defer

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
    """The list's filters as conditions on ``well_case`` alone, so that counting needs no join: the case's
    summary columns (stage, category, village, well number, party: copies the database keeps, see
    ``models.Case``) and its indexes.

    With ``session``, a filter that may match few cases anywhere in the list (a search, a party, a well
    number, a document, the open tasks asked for) is run once per request (kept in ``session.info``): when it
    matches fewer than its limit, their ids are the condition, so the counts and the page that follow are
    look-ups by key, not the search again (and ``_few_cases`` reads the list's keys once). ``filters`` adds
    the search form's other fields (``_searched``)."""
    conditions = []
    if stage:
        conditions.append(Case.stage == stage)
    if town:
        conditions.append(Case.town == town)
    if q:
        conditions.append(_by_ids(session, ("q", q), _matching(q), keyset.CAP))
    if filters is not None:
        conditions += _searched(filters, now, session)
    return conditions


def case_conditions(session: Session, filters: CaseFilters, now: datetime) -> list:
    """The case list's conditions on ``well_case`` for validated search filters (town, stage, ``q`` and the
    rest): what another page showing "the cases of this search" (the map) must use to show the same cases."""
    return _case_conditions(filters.town, filters.q, filters.stage, session, filters, now)


def _matching(q: str):
    """The cases whose well number, or whose water user's name, contains ``q``: two conditions each an index
    can serve (a trigram index on PostgreSQL)."""
    like = f"%{q.strip()}%"
    return or_(Case.well_no.like(like), Case.party_name.like(like))


def _by_ids(session: Session | None, key: tuple, condition, limit: int, source=None):
    """``condition`` (on ``well_case``) as the ids of the cases it gives, read once per request, when they are
    fewer than ``limit``; else the condition itself. ``source``: a query of those case ids (distinct) cheaper
    than well_case's (``Case.id IN source``: read from the other table's index alone)."""
    ids = _ids_of(session, key, source if source is not None else select(Case.id).where(condition), limit) \
        if session is not None else None
    return condition if ids is None else _among(session, Case.id, ids)


def _ids_of(session: Session, key: tuple, source, limit: int) -> list[int] | None:
    known = session.info.setdefault("case_list_ids", {})
    if key not in known:
        found = source.limit(limit).subquery()
        if session.get_bind().dialect.name == "postgresql":  # one row, one array: not a row per id
            ids = session.scalar(select(func.array_agg(found.c[0]))) or []
        else:
            ids = session.scalars(select(found.c[0])).all()
        known[key] = sorted(ids) if len(ids) < limit else None
    return known[key]


def _among(session: Session | None, column, ids: list[int]):
    """``column IN ids``; on PostgreSQL one array parameter (``= ANY``), not thousands of parameters each
    bound and sent again for every statement of the page."""
    if session is not None and session.get_bind().dialect.name == "postgresql":
        return column == any_(cast(ids, ARRAY(Integer)))
    return column.in_(ids)


def _id_keys(q: str | None, f: CaseFilters | None, now: datetime | None) -> list[tuple]:
    """The keys under which this search's filters keep their ids for the request (``_by_ids``)."""
    keys = [("q", q)] if q else []
    if f is not None:
        keys += [("party", f.party)] if f.party else []
        keys += [("well_no", f.well_no)] if f.well_no else []
        keys += [("document", f.document)] if f.document else []
        keys += [("tasks", f.step, f.department, f.overdue, f.due, now)] if f.on_open_tasks else []
    return keys


def _open_tasks(f: CaseFilters, now: datetime | None):
    """The case ids of the open tasks meeting all of the open-task fields (step, department, overdue, due
    dates) together: one task meeting them all."""
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
    return tasks


def _searched(f: CaseFilters, now: datetime | None, session: Session | None = None) -> list:
    """The search's other filters (cases/search.py) as conditions on ``well_case``: its summary columns
    (category, village, well number, party name or code), its registration time, and an IN over an indexed
    column for the open tasks (step, department, overdue, due dates: one task meeting them all), the
    documents' numbers and the wells without coordinates. The town, the stage and ``q`` are the caller's
    arguments.

    The open tasks' cases are read by id when fewer than keyset.COLLECT (the overdue ones, a bureau's);
    more (a step most cases are at) stay a semi-join, which the walk of the list in its order satisfies at
    once. A party, a well number, a document: by id when fewer than keyset.CAP / COLLECT."""
    conditions = []
    if f.category:
        conditions.append(Case.category == f.category)
    if f.on_open_tasks:
        tasks = _open_tasks(f, now)
        conditions.append(_by_ids(session, ("tasks", f.step, f.department, f.overdue, f.due, now),
                                  Case.id.in_(tasks), keyset.COLLECT, source=tasks.distinct()))
    if f.registered and f.registered[0]:
        conditions.append(Case.created_at >= f.registered[0])
    if f.registered and f.registered[1]:
        conditions.append(Case.created_at < f.registered[1])
    if f.village:
        conditions.append(Case.village == f.village)
    if f.well_no:
        conditions.append(_by_ids(session, ("well_no", f.well_no), Case.well_no.like(f"%{f.well_no}%"), keyset.CAP))
    if f.party:
        # A full credit code / ID number is the party itself; anything else part of a name.
        conditions.append(_by_ids(session, ("party", f.party), or_(
            Case.party_id == f.party.upper(), Case.party_name.like(f"%{f.party}%")), keyset.CAP))
    if f.unlocated:
        conditions.append(Case.well_id.in_(select(Well.id).where(or_(Well.latitude.is_(None),
                                                                     Well.longitude.is_(None)))))
    if f.document:
        documents = select(Document.case_id).where(Document.number.like(f"%{f.document}%"))
        conditions.append(_by_ids(session, ("document", f.document), Case.id.in_(documents), keyset.COLLECT,
                                  source=documents.distinct()))
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
    """Cases for the case list, newest first, a page by its neighbour's cursor (keyset on the case id, the
    (town, id) index for a town); the total counted up to keyset.CAP. The rows are ``well_case`` alone: what
    the list shows of the well and its owner (number, village, name) is the case's summary, so no join and
    a third of the columns (issue 14)."""
    skip = 0 if (after or before) else (max(page, 1) - 1) * size
    few = _few_cases(session, town, q, filters, now)
    if few is not None:
        # A few cases (a search's, the overdue ones…): their keys read once, counted, paged and grouped by
        # stage here (``stage_counts``), and only the page's rows read.
        ids, stages = few
        keys = sorted((i for i, at in zip(ids, stages) if not stage or at == stage), reverse=True)
        window = keyset.page_of_keys(keys, _NEWEST, size, after=after, before=before, skip=skip)
        # By their ids alone: the ids already meet the conditions (and the planner, given both, read every case).
        window.rows = list(session.scalars(select(Case).where(Case.id.in_(window.rows)).order_by(
            Case.id.desc()))) if window.rows else []
        window.total = len(keys)
        return window.rows, min(len(keys), keyset.CAP), max(page, 1), window
    conditions = _case_conditions(town, q, stage, session, filters, now)
    total = session.scalar(select(keyset.capped(*conditions, table=Case)))
    # Every filter is a column of well_case with an index ending in id (or a few ids): walked in the list's
    # order, never a semi-join the planner cannot estimate.
    window = keyset.fetch(session, select(Case).where(*conditions), [_NEWEST], size, key=lambda case: case,
                          entity=Case, after=after, before=before, skip=skip, counted=total)
    return window.rows, total, max(page, 1), window


def stage_counts(session: Session, town: str | None, q: str | None, filters: CaseFilters | None = None,
                 now: datetime | None = None, total: int | None = None) -> dict[str, int]:
    """The list's cases per stage under its other filters (the chips show what each stage would give), in
    one statement: each stage counted up to keyset.CAP (999+) through the stage index, not a GROUP BY
    over every case. ``total``: how many cases these filters give, when the caller knows it (counted up
    to keyset.CAP, or all of them: ``keyset.Window.total``): fewer than keyset.COLLECT (a search, a
    department's cases) are grouped by stage in one pass instead, with their conditions written once rather
    than once per stage; a few cases whose keys the list read (``_few_cases``) are grouped here."""
    few = _few_cases(session, town, q, filters, now)
    if few is not None:
        found = Counter(few[1])
        return {code: found[code] for code in STAGES if found.get(code)}
    cases = select(Case.id).where(*_case_conditions(town, q, session=session, filters=filters, now=now))
    if total is not None and total < keyset.COLLECT:
        found = dict(session.execute(cases.with_only_columns(Case.stage, func.count()).group_by(Case.stage)).all())
        return {code: found[code] for code in STAGES if found.get(code)}
    counts = [select(func.count()).select_from(cases.where(Case.stage == code).limit(keyset.CAP).subquery())
              .scalar_subquery().label(code) for code in STAGES]
    row = session.execute(select(*counts)).one()
    return {code: n for code, n in zip(STAGES, row) if n}


#: The case list's one order: newest first (keyset on the case id).
_NEWEST = keyset.Segment((), ((Case.id, True),), lambda row: True)


def _few_cases(session: Session, town: str | None, q: str | None, filters: CaseFilters | None,
               now: datetime | None) -> tuple[list[int], list[str | None]] | None:
    """The ids and the stages of every case the list's conditions but the stage give, when those conditions
    include a set of ids read for this request (fewer than keyset.COLLECT cases): read once per request, for
    the page and the stage chips alike, as two lists of plain values (``keyset.page_of_keys``: no rows for
    the garbage collector). None: not known to be few."""
    conditions = _case_conditions(town, q, session=session, filters=filters, now=now)
    if not _few(session, q, filters, now):
        return None
    known = session.info.setdefault("case_list_few", {})
    key = (town, q, filters, now)
    if key not in known:
        if session.get_bind().dialect.name == "postgresql":  # one row of two arrays
            ids, stages = session.execute(select(func.array_agg(Case.id), func.array_agg(Case.stage))
                                          .where(*conditions)).one()
            known[key] = (ids or [], stages or [])
        else:
            rows = session.execute(select(Case.id, Case.stage).where(*conditions)).all()
            known[key] = ([i for i, _stage in rows], [at for _id, at in rows])
    return known[key]


def _few(session: Session, q: str | None, filters: CaseFilters | None, now: datetime | None) -> bool:
    """Whether the conditions include a set of ids read for this request (a search's matches, the cases of
    the open tasks asked for…), so that the list has fewer than keyset.COLLECT cases."""
    known = session.info.get("case_list_ids", {})
    return any(known.get(key) is not None for key in _id_keys(q, filters, now))


def waiting_cases(session, towns: list[str], villages: list[str]) -> list[Case]:
    """Cases whose process waits for the network, in the towns (and villages, if named)."""
    query = (select(Case).join(Instance, Instance.id == Case.instance_id).join(Well, Well.id == Case.well_id)
             .where(Instance.status == "running", Instance.waiting_for == NETWORK_ARRIVES, Case.town.in_(towns)))
    if villages:
        query = query.where(Well.village.in_(villages))
    return list(session.scalars(query.order_by(Case.id)))
