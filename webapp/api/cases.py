"""Cases: the list (the case list's filters, newest first, cursor paging) and one case with where it
stands, its problems, documents and timeline — what the case page shows."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import or_, select

from engine.tables import utcnow

from ..cases.queries import case_events, case_instance, case_tasks, case_timers, instances_by_id
from ..core import db, workflow
from ..documents import service as documents
from ..models import Case, WaterUser, Well
from ..problems import service as problems
from . import present, schemas
from .base import account, blueprint, decode_cursor, encode_cursor, refusals
from .lookup import case_by_number, refuse, require_scope

blp = blueprint("api_cases", "案件：列表（按镇、关键词筛选，游标分页）和单个案件的详情。须 cases:read。")


def visible_towns(town: str | None) -> list[str] | None:
    """The towns a list may show: the asked one (if the account sees it), else the account's (None: all)."""
    towns = account().towns
    if town:
        if towns is not None and town not in towns:
            refuse("该系统账号只能访问授权镇（街道）的案件、机井和用水户。")
        return [town]
    return towns


@blp.route("/cases")
@blp.arguments(schemas.CaseListQuery, location="query", as_kwargs=True)
@blp.response(200, schemas.CasePage)
@refusals(blp, 403, 422)
def case_list(cursor, limit, town, q, stage):
    """案件列表（新登记的在前）"""
    require_scope("cases:read")
    session = db.session()
    query = select(Case, Well, WaterUser).join(Well, Case.well_id == Well.id).join(
        WaterUser, Well.owner_id == WaterUser.id)
    towns = visible_towns(town)
    if towns is not None:
        query = query.where(Case.town.in_(towns))
    if q and q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(Well.well_no.like(like), WaterUser.name.like(like)))
    if stage:
        query = query.where(Case.stage == stage)  # the case summary's copy of its instance's (models.Case)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(Case.id < after)
    rows = session.execute(query.order_by(Case.id.desc()).limit(limit + 1)).all()
    more, rows = len(rows) > limit, rows[:limit]
    instances = instances_by_id(session, [c.instance_id for c, _, _ in rows])
    return {"items": [present.case_summary(c, w, o, instances.get(c.instance_id)) for c, w, o in rows],
            "next_cursor": encode_cursor(rows[-1][0].id) if more else None}


@blp.route("/cases/<string:number>")
@blp.response(200, schemas.CaseDetail)
@refusals(blp, 403, 404)
def case_detail(number):
    """一个案件：状态、当前环节、问题清单、文书、时间线"""
    require_scope("cases:read")
    session = db.session()
    case = case_by_number(session, number)
    instance = case_instance(session, case)
    now = utcnow()
    tasks = case_tasks(session, case.id)
    timer_titles = workflow.engine().current.timer_events
    data = present.case_summary(case, case.well, case.well.owner, instance)
    data.update(
        outcome=instance.outcome if instance else None, category=instance.category if instance else None,
        instance_version=instance.version if instance else None, step_titles=[t.title for t in tasks],
        well=present.well(case.well, case.number), party=present.party(case.well.owner),
        current_steps=[present.task(t, case.number, now) for t in tasks],
        waiting=[{"title": timer_titles.get(t.task_spec, t.task_spec), "due_at": t.due_at,
                  "provisional": bool(t.provisional)} for t in case_timers(session, case.instance_id)],
        problems=[present.problem(p) for p in problems.for_case(session, case.id)],
        documents=[present.document(d) for group in documents.for_case(session, case.id) for d in group],
        timeline=[present.timeline_entry(e) for e in case_events(session, case.id, current_app.config["AUDIT_KEY"])
                  if e.kind not in present.HIDDEN_IN_TIMELINE])
    return data
