"""The supervisors' reads: the list of overrides (the audit search has its own module, search.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.tables import Event

from ..core.paging import window


def override_list(session: Session, supervisor: str | None, kind: str | None, page: int, size: int,
                  since: datetime | None = None, until: datetime | None = None):
    """Override events, newest first, by supervisor (username prefix), override type and time range."""
    query = select(Event).where(Event.kind == "override")
    if since:
        query = query.where(Event.created_at >= since)
    if until:
        query = query.where(Event.created_at < until)
    if supervisor:
        query = query.where(Event.actor.like(f"{supervisor}%"))
    if kind:
        query = query.where(Event.data["type"].as_string() == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages, offset = window(total, page, size)
    rows = list(session.scalars(query.order_by(Event.id.desc()).limit(size).offset(offset)))
    return rows, total, page, pages
