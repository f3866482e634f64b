"""The audit event feed (``events?after=<id>``): every event of the trail in the global order of
``wf_event.id``, for a data warehouse or a supervisor system that reads on from where it stopped.

Events are inserted when their transaction commits (``engine.audit.flush``), and two transactions on
different chains may commit in the other order than their ids: a reader that went on past a gap could
miss the event that fills it a moment later. So a page stops before a gap in the ids while the event
after the gap is younger than ``SETTLE``; an older gap is a rolled-back transaction's and is passed.
Events beyond a chain's signed head (rows the system did not write) are never served.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import audit
from engine.tables import Event, utcnow

from ..core import db
from ..models import Case
from . import schemas
from .base import account, blueprint, refusals
from .lookup import require_scope

blp = blueprint("api_events", "审计事件流：按全局顺序（id）读取，after 为上次读到的最后一个 id。须 events:read。")
SETTLE = timedelta(seconds=30)


@blp.route("/events")
@blp.arguments(schemas.EventQuery, location="query", as_kwargs=True)
@blp.response(200, schemas.EventPage)
@refusals(blp, 403, 422)
def event_feed(after, limit):
    """审计事件（id 大于 after 的，按 id 顺序）"""
    require_scope("events:read")
    session = db.session()
    towns = account().towns
    query = select(Event, Case).outerjoin(Case, Case.id == Event.case_id).where(Event.id > after,
                                                                                  audit.within_heads())
    if towns is not None:  # a town-scoped reader gets its towns' cases' events only
        query = query.where(Case.town.in_(towns))
    rows = session.execute(query.order_by(Event.id).limit(limit)).all()
    rows = _settled(session, after, rows)
    items = [{"id": e.id, "chain": e.chain, "chain_no": e.chain_no, "hash": e.hash, "at": e.created_at,
              "kind": e.kind, "actor": e.actor, "department": e.actor_department,
              "case_number": c.number if c else None, "town": c.town if c else None, "task_id": e.task_guid,
              "step": e.task_spec, "form_key": e.form_key, "title": e.title, "data": e.data}
             for e, c in rows]
    return {"items": items, "last_id": items[-1]["id"] if items else after}


def _settled(session, after: int, rows: list) -> list:
    """The rows up to the first gap in ids that may still fill (see the module's docstring)."""
    if not rows:
        return rows
    ids = [e.id for e, _ in rows]
    # Ids not served but present (another town's, or filtered): they are no gap.
    present = set(session.scalars(select(Event.id).where(Event.id > after, Event.id <= ids[-1])))
    young = utcnow() - SETTLE
    expected, kept = after + 1, []
    for event, case in rows:
        while expected < event.id and expected in present:
            expected += 1
        if expected < event.id and event.created_at > young:
            break  # a hole before a fresh event: its transaction may still commit
        kept.append((event, case))
        expected = event.id + 1
    return kept
