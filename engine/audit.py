"""The audit trail: append-only events, written in the same transaction as the change they record."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .store import Event, utcnow

CHINA = ZoneInfo("Asia/Shanghai")
_event = Event.__table__


def event(kind: str, *, instance=None, case_id: int | None = None, actor=None, task_guid: str | None = None,
          task_spec: str | None = None, title: str | None = None, form_key: str | None = None,
          data: dict | None = None) -> dict:
    """One event's values. ``actor`` is an ``engine.runtime.Actor`` (None for the system)."""
    return {
        "instance_id": instance.id if instance is not None else None,
        "case_id": case_id if case_id is not None else (instance.case_id if instance is not None else None),
        "kind": kind,
        "actor": getattr(actor, "username", None) or "system",
        "actor_department": getattr(actor, "department", None),
        "task_guid": task_guid,
        "task_spec": task_spec,
        "title": title,
        "form_key": form_key,
        "data": data or {},
        "created_at": utcnow(),
    }


def append(session: Session, events: list[dict]) -> None:
    """Append events in one statement (rows are never updated or deleted)."""
    if events:
        session.execute(insert(_event), events)


def record(session: Session, kind: str, **fields) -> None:
    """Append a single event (see ``event`` for the fields)."""
    append(session, [event(kind, **fields)])


def last_completion(session: Session, task_guid: str) -> Event | None:
    """Who completed a task and when, for the 'already handled' message."""
    return session.scalar(select(Event).where(Event.task_guid == task_guid, Event.kind == "task_completed")
                          .order_by(Event.id.desc()).limit(1))
