"""An instance's rows read and written with SQLAlchemy Core: the hot path of every task.

Completing a task is the request that matters most; the ORM's unit of work cost more than the
workflow itself here (see bench/engine.py), so the engine reads and writes its own tables as plain
rows: one locking SELECT, one SELECT of the open tasks, then one statement per table that changed.
The web layer still reads these tables through the ORM classes of ``store``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from .store import Instance, OpenTask, Timer

_instance = Instance.__table__
_open_task = OpenTask.__table__
_timer = Timer.__table__

# The open-task columns the engine derives from the workflow (the rest are set once at insert).
DERIVED = ("title", "form_key", "lane", "department", "town", "well_no", "party_name", "due_at")


@dataclass
class InstanceRow:
    """A locked ``wf_instance`` row as the engine works on it."""

    id: int
    case_id: int
    process_id: str
    spec_version: str
    status: str
    version: int
    context: dict = field(default_factory=dict)
    state: str = ""
    completed_at: datetime | None = None
    outcome: str | None = None


_columns = [_instance.c[name] for name in InstanceRow.__dataclass_fields__]


def _row(result) -> InstanceRow | None:
    return InstanceRow(**result._mapping) if result is not None else None


def lock(session: Session, instance_id: int) -> InstanceRow | None:
    """The instance row, locked for this transaction (FOR UPDATE; SQLite locks at BEGIN IMMEDIATE)."""
    return _row(session.execute(select(*_columns).where(_instance.c.id == instance_id)
                                .with_for_update()).first())


def lock_by_task(session: Session, task_guid: str) -> InstanceRow | None:
    """Find and lock the instance of an open task in one statement."""
    return _row(session.execute(
        select(*_columns).join(_open_task, _open_task.c.instance_id == _instance.c.id)
        .where(_open_task.c.task_guid == task_guid).with_for_update(of=_instance)).first())


def open_tasks(session: Session, instance_id: int) -> dict[str, dict]:
    """The instance's open-task rows by task guid. Read after the lock, so they are current."""
    rows = session.execute(select(_open_task).where(_open_task.c.instance_id == instance_id)).mappings()
    return {row["task_guid"]: dict(row) for row in rows}


def insert_instance(session: Session, row: InstanceRow, now: datetime) -> int:
    values = {k: v for k, v in vars(row).items() if k != "id"}
    return session.execute(insert(_instance).values(**values, created_at=now, updated_at=now)
                           .returning(_instance.c.id)).scalar_one()


def update_instance(session: Session, row: InstanceRow, now: datetime) -> None:
    session.execute(update(_instance).where(_instance.c.id == row.id).values(
        state=row.state, version=row.version, status=row.status, updated_at=now,
        completed_at=row.completed_at, outcome=row.outcome))


def sync_open_tasks(session: Session, instance: InstanceRow, existing: dict[str, dict],
                    wanted: dict[str, dict], now: datetime) -> list[str]:
    """Make the index rows of the instance equal ``wanted`` (guid -> derived values); returns new guids.

    Rows of tasks still open keep their id and creation time, so inbox links stay valid.
    """
    gone = [row["id"] for guid, row in existing.items() if guid not in wanted]
    if gone:
        session.execute(delete(_open_task).where(_open_task.c.id.in_(gone)))
    new = [guid for guid in wanted if guid not in existing]
    if new:
        session.execute(insert(_open_task), [
            {**wanted[guid], "task_guid": guid, "instance_id": instance.id, "case_id": instance.case_id,
             "created_at": now} for guid in new])
    for guid, values in wanted.items():
        row = existing.get(guid)
        if row is not None and any(row[k] != values[k] for k in DERIVED):
            session.execute(update(_open_task).where(_open_task.c.id == row["id"])
                            .values({k: values[k] for k in DERIVED}))
    return new


def replace_timers(session: Session, instance_id: int, timers: list[tuple[str, str, datetime]],
                   had_timers: bool) -> None:
    """Rewrite the instance's timer rows: (task guid, task spec, due) for each waiting timer."""
    if had_timers:
        session.execute(delete(_timer).where(_timer.c.instance_id == instance_id))
    if timers:
        session.execute(insert(_timer), [{"instance_id": instance_id, "task_guid": guid, "task_spec": spec,
                                          "due_at": due} for guid, spec, due in timers])
