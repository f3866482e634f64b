"""The audit trail: append-only events, written in the same transaction as the change they record."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .store import Event, Instance, utcnow

CHINA = ZoneInfo("Asia/Shanghai")


def record(session: Session, kind: str, *, instance: Instance | None = None, case_id: int | None = None,
           actor=None, task_guid: str | None = None, task_spec: str | None = None, title: str | None = None,
           form_key: str | None = None, data: dict | None = None) -> Event:
    """Append one event. ``actor`` is an ``engine.runtime.Actor`` (or None for the system)."""
    event = Event(
        instance_id=instance.id if instance is not None else None,
        case_id=case_id if case_id is not None else (instance.case_id if instance is not None else None),
        kind=kind,
        actor=getattr(actor, "username", None) or "system",
        actor_department=getattr(actor, "department", None),
        task_guid=task_guid,
        task_spec=task_spec,
        title=title,
        form_key=form_key,
        data=data or {},
        created_at=utcnow(),
    )
    session.add(event)
    return event


def last_completion(session: Session, task_guid: str) -> Event | None:
    """Who completed a task and when, for the 'already handled' message."""
    return session.scalar(select(Event).where(Event.task_guid == task_guid, Event.kind == "task_completed")
                          .order_by(Event.id.desc()).limit(1))


def case_events(session: Session, case_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id)))
