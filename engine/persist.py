"""An instance's rows read and written with SQLAlchemy Core: the hot path of every task.

Completing a task is the request that matters most; the ORM's unit of work cost more than the
workflow itself here (see bench/engine.py), so the engine reads and writes its own tables as plain
rows: one SELECT that locks the instance and reads its open tasks, then one statement that writes
everything (PostgreSQL; one per part on SQLite).
Statements go to the session's connection directly: the ORM's execute adds nothing for Core
statements but its own overhead. The web layer still reads these tables through the ORM classes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from .tables import Instance, OpenTask, SpecVersion, Timer, UTCDateTime

_instance = Instance.__table__
_open_task = OpenTask.__table__
_timer = Timer.__table__
_spec_version = SpecVersion.__table__

# The open-task columns the engine derives from the workflow (the rest are set once at insert).
DERIVED = ("title", "form_key", "lane", "department", "town", "well_no", "party_name", "due_at", "due_provisional",
           "stage")
# What a rewrite of a row that stays open sets: the derived columns, and the claim (kept, or dropped
# when the task changes department).
REWRITTEN = (*DERIVED, "assignee", "assigned_at")


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
    category: str | None = None
    waiting_for: str | None = None
    stage: str | None = None


# Statements are built once, with bound parameters: building a statement costs more than running
# it on SQLite, and prebuilt statements hit SQLAlchemy's compiled cache every time.
_FIELDS = list(InstanceRow.__dataclass_fields__)
_TASK_FIELDS = [c.name for c in _open_task.c]
_LOCK = select(*[_instance.c[n] for n in _FIELDS]).where(_instance.c.id == bindparam("id")).with_for_update()
_LOCK_BY_TASK = (
    select(*[_instance.c[n] for n in _FIELDS], *[c.label(f"t_{c.name}") for c in _open_task.c])
    .select_from(_instance.outerjoin(_open_task, _open_task.c.instance_id == _instance.c.id))
    .where(_instance.c.id == select(_open_task.c.instance_id)
           .where(_open_task.c.task_guid == bindparam("guid")).scalar_subquery())
    .with_for_update(of=_instance))
_OPEN_TASKS = select(_open_task).where(_open_task.c.instance_id == bindparam("id"))
_UPDATE_INSTANCE = update(_instance).where(_instance.c.id == bindparam("iid"))
_DELETE_TASKS = delete(_open_task).where(_open_task.c.id.in_(bindparam("ids", expanding=True)))
_UPDATE_TASK = update(_open_task).where(_open_task.c.id == bindparam("tid"))
_DELETE_TIMERS = delete(_timer).where(_timer.c.instance_id == bindparam("iid"),
                                      _timer.c.task_guid.in_(bindparam("guids", expanding=True)))
_UPDATE_TIMER = (update(_timer).where(_timer.c.instance_id == bindparam("iid"),
                                      _timer.c.task_guid == bindparam("guid"))
                 .values(due_at=bindparam("due"), provisional=bindparam("provisional")))


def lock(session: Session, instance_id: int) -> InstanceRow | None:
    """The instance row, locked for this transaction (FOR UPDATE; SQLite locks at BEGIN IMMEDIATE)."""
    row = session.connection().execute(_LOCK, {"id": instance_id}).first()
    return InstanceRow(*row) if row is not None else None


def lock_all(session: Session, instance_ids) -> None:
    """Lock several instances in id order (two bulk operations over the same cases cannot deadlock).

    The audit chains' heads are locked only when the transaction commits (``audit.flush``), after
    every instance lock, so they never take part in a lock cycle with instances.
    """
    ids = sorted(set(instance_ids))
    if ids:
        session.connection().execute(select(_instance.c.id).where(_instance.c.id.in_(ids))
                                     .order_by(_instance.c.id).with_for_update())


def lock_by_task(session: Session, task_guid: str) -> tuple[InstanceRow | None, dict[str, dict]]:
    """Find and lock the instance of a task, and read its open tasks, in one statement.

    The open tasks come from the statement's snapshot, taken before the lock was granted: they are
    current only if nobody changed the instance meanwhile. The caller checks that with the version
    the form was rendered with and calls ``open_tasks`` again otherwise. So every writer of these
    rows bumps the version under this lock, claims and assignments included (``assignment``).
    """
    rows = session.connection().execute(_LOCK_BY_TASK, {"guid": task_guid}).all()
    if not rows:
        return None, {}
    width = len(_FIELDS)
    instance = InstanceRow(*rows[0][:width])
    tasks = {}
    for row in rows:
        task = dict(zip(_TASK_FIELDS, row[width:]))
        if task["id"] is not None:
            tasks[task["task_guid"]] = task
    return instance, tasks


def open_tasks(session: Session, instance_id: int) -> dict[str, dict]:
    """The instance's open-task rows by task guid. Read after the lock, so they are current."""
    rows = session.connection().execute(_OPEN_TASKS, {"id": instance_id}).mappings()
    return {row["task_guid"]: dict(row) for row in rows}


def insert_instance(session: Session, row: InstanceRow, now: datetime) -> int:
    values = {k: v for k, v in vars(row).items() if k != "id"}
    return session.connection().execute(insert(_instance).values(**values, created_at=now, updated_at=now)
                                        .returning(_instance.c.id)).scalar_one()


def update_instance_fields(session: Session, instance_id: int, **values) -> None:
    """Columns of an instance that no step changes (diagram version, case context): rare overrides only."""
    session.connection().execute(update(_instance).where(_instance.c.id == instance_id).values(**values))


#: ``session.info`` key: {instance id: (the transaction, its open-task rows as ``write`` left them)}, so that
#: what reads them again in that transaction (the message naming the next step, the new tasks' reminders at
#: the commit) need not: ``written_open_tasks``.
_WRITTEN = "wells.engine.open_tasks_written"


def written_open_tasks(session: Session, instance_id: int) -> list[dict] | None:
    """The instance's open-task rows as this transaction wrote them (rows inserted by it have no ``id``
    yet), in the order ``ORDER BY created_at, id`` reads them; None when it did not write them, or when
    the savepoint that did was rolled back or released, or when a claim or an assignment changed them since
    (``forget_written``): then read the table."""
    transaction, rows = session.info.get(_WRITTEN, {}).get(instance_id, (None, None))
    return rows if transaction is not None and transaction.is_active else None


def forget_written(session: Session, instance_id: int) -> None:
    session.info.get(_WRITTEN, {}).pop(instance_id, None)


@dataclass
class Changes:
    """Everything one engine operation writes, computed before anything is sent."""

    instance: InstanceRow
    open_after: list[dict] | None = None  # the open-task rows once written (``plan_open_tasks``)
    delete_task_ids: list[int] = field(default_factory=list)
    insert_tasks: list[dict] = field(default_factory=list)
    update_tasks: list[tuple[int, dict]] = field(default_factory=list)
    delete_timers: list[str] = field(default_factory=list)  # task guids
    insert_timers: list[dict] = field(default_factory=list)
    update_timers: list[tuple[str, datetime, bool]] = field(default_factory=list)

    def plan_open_tasks(self, existing: dict[str, dict], wanted: dict[str, dict], now: datetime) -> list[str]:
        """Make the index rows equal ``wanted`` (guid -> values); returns the guids of new tasks.

        Rows of tasks still open keep their id and creation time, so inbox links stay valid.
        """
        instance = self.instance
        self.delete_task_ids = [row["id"] for guid, row in existing.items() if guid not in wanted]
        new = [guid for guid in wanted if guid not in existing]
        self.insert_tasks = [{**wanted[guid], "task_guid": guid, "instance_id": instance.id,
                              "case_id": instance.case_id, "created_at": now,
                              "assignee": None, "assigned_at": None, "priority": 0} for guid in new]
        for guid, values in wanted.items():
            row = existing.get(guid)
            if row is not None and any(row[k] != values[k] for k in DERIVED):
                # A task that changes department (its case's town corrected…) leaves the claim of a
                # person who no longer works that inbox.
                moved = row["department"] != values["department"]
                self.update_tasks.append((row["id"], {
                    **{k: values[k] for k in DERIVED},
                    "assignee": None if moved else row["assignee"],
                    "assigned_at": None if moved else row["assigned_at"]}))
        updated = dict(self.update_tasks)
        kept = sorted((row for guid, row in existing.items() if guid in wanted),
                      key=lambda row: (row["created_at"], row["id"]))
        self.open_after = [{**row, **updated.get(row["id"], {})} for row in kept] + [
            {"id": None, **row} for row in self.insert_tasks]
        return new

    def plan_timers(self, before: dict[str, datetime], after: dict[str, tuple[str, datetime, bool]],
                    rewrite_all: bool = False) -> None:
        """Timer rows by task guid: ``before`` guid -> due, ``after`` guid -> (task spec, due, provisional).

        A row is rewritten when its due time changed (its provisional flag is computed with it), or
        every row with ``rewrite_all`` (a year entered: the flag may change while the time stays)."""
        self.delete_timers = [guid for guid in before if guid not in after]
        self.insert_timers = [{"instance_id": self.instance.id, "task_guid": guid, "task_spec": spec,
                               "due_at": due, "provisional": provisional}
                              for guid, (spec, due, provisional) in after.items() if guid not in before]
        self.update_timers = [(guid, due, provisional) for guid, (_spec, due, provisional) in after.items()
                              if guid in before and (rewrite_all or before[guid] != due)]


def write(session: Session, changes: Changes, now: datetime) -> None:
    """Send the changes: one statement on PostgreSQL, one per changed part on SQLite.

    The audit events are not part of it: they are buffered on the session (``audit.append``) and
    written when the transaction commits.
    """
    conn = session.connection()
    if changes.open_after is not None:
        transaction = session.get_nested_transaction() or session.get_transaction()
        session.info.setdefault(_WRITTEN, {})[changes.instance.id] = (transaction, changes.open_after)
    if conn.dialect.name == "postgresql":
        conn.execute(_pg_write_statement(), _pg_write_params(changes, now))
        return
    iid = changes.instance.id
    if changes.delete_task_ids:
        conn.execute(_DELETE_TASKS, {"ids": changes.delete_task_ids})
    if changes.insert_tasks:
        conn.execute(insert(_open_task), changes.insert_tasks)
    for task_id, values in changes.update_tasks:
        conn.execute(_UPDATE_TASK.values(values), {"tid": task_id})
    if changes.delete_timers:
        conn.execute(_DELETE_TIMERS, {"iid": iid, "guids": changes.delete_timers})
    if changes.insert_timers:
        conn.execute(insert(_timer), changes.insert_timers)
    for guid, due, provisional in changes.update_timers:
        conn.execute(_UPDATE_TIMER, {"iid": iid, "guid": guid, "due": due, "provisional": provisional})
    conn.execute(_UPDATE_INSTANCE, {"iid": iid, **_instance_values(changes.instance, now)})


def _instance_values(row: InstanceRow, now: datetime) -> dict:
    return {"state": row.state, "version": row.version, "status": row.status, "updated_at": now,
            "completed_at": row.completed_at, "outcome": row.outcome, "category": row.category,
            "waiting_for": row.waiting_for, "stage": row.stage}


# -- PostgreSQL: every write in one statement ---------------------------------------------------
#
# On PostgreSQL the round trips, not the work, dominate a task completion, so all writes ride on the
# instance UPDATE as data-modifying CTEs. The statement has a fixed shape (rows travel as JSON arrays
# expanded by json_to_recordset), so it is prepared once instead of compiled for every request.
# The parts never touch the same row twice (rows are diffed by id or guid), as PostgreSQL requires
# of sibling CTEs. Column lists come from the table definitions, so they follow the models.

_TASK_INSERT = [c.name for c in _open_task.c if c.name != "id"]
_TIMER_INSERT = [c.name for c in _timer.c if c.name != "id"]
_pg_statement = None


def _record_def(table, names) -> str:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    return ", ".join(f"{name} {table.c[name].type.compile(dialect=dialect)}" for name in names)


def _pg_write_statement():
    global _pg_statement
    if _pg_statement is None:
        tasks, timers = ", ".join(_TASK_INSERT), ", ".join(_TIMER_INSERT)
        derived = ", ".join(f"{name} = x.{name}" for name in REWRITTEN)
        _pg_statement = text(f"""
WITH del_tasks AS (
  DELETE FROM wf_open_task WHERE id = ANY(CAST(:delete_task_ids AS integer[]))),
ins_tasks AS (
  INSERT INTO wf_open_task ({tasks}) SELECT {tasks}
  FROM json_to_recordset(CAST(:insert_tasks AS json)) AS x({_record_def(_open_task, _TASK_INSERT)})),
upd_tasks AS (
  UPDATE wf_open_task SET {derived}
  FROM json_to_recordset(CAST(:update_tasks AS json)) AS x({_record_def(_open_task, ["id", *REWRITTEN])})
  WHERE wf_open_task.id = x.id),
del_timers AS (
  DELETE FROM wf_timer WHERE instance_id = :id AND task_guid = ANY(CAST(:delete_timers AS varchar[]))),
ins_timers AS (
  INSERT INTO wf_timer ({timers}) SELECT {timers}
  FROM json_to_recordset(CAST(:insert_timers AS json)) AS x({_record_def(_timer, _TIMER_INSERT)})),
upd_timers AS (
  UPDATE wf_timer SET due_at = x.due_at, provisional = x.provisional
  FROM json_to_recordset(CAST(:update_timers AS json)) AS x({_record_def(_timer, ["task_guid", "due_at", "provisional"])})
  WHERE wf_timer.instance_id = :id AND wf_timer.task_guid = x.task_guid)
UPDATE wf_instance SET state = :state, version = :version, status = :status, updated_at = :updated_at,
  completed_at = :completed_at, outcome = :outcome, category = :category,
  waiting_for = :waiting_for, stage = :stage
WHERE id = :id""").bindparams(bindparam("completed_at", type_=UTCDateTime()),
                                  bindparam("updated_at", type_=UTCDateTime()))
    return _pg_statement


def _json(rows) -> str:
    return json.dumps(rows, default=_encode, ensure_ascii=False)


def _encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the workflow tables")


def _pg_write_params(changes: Changes, now: datetime) -> dict:
    return {
        "id": changes.instance.id,
        **_instance_values(changes.instance, now),
        "delete_task_ids": changes.delete_task_ids,
        "insert_tasks": _json(changes.insert_tasks),
        "update_tasks": _json([{"id": task_id, **values} for task_id, values in changes.update_tasks]),
        "delete_timers": changes.delete_timers,
        "insert_timers": _json(changes.insert_timers),
        "update_timers": _json([{"task_guid": guid, "due_at": due, "provisional": provisional}
                                for guid, due, provisional in changes.update_timers]),
    }


def remember_spec_version(session: Session, version: str, files: dict, now: datetime) -> None:
    """Store a diagram version unless it is stored: ``INSERT … ON CONFLICT DO NOTHING`` on both databases.

    Idempotent under concurrency: on PostgreSQL a second transaction inserting the same version waits
    for the first and then does nothing (or inserts, if the first rolled back); SQLite writes one
    transaction at a time. A check-then-insert instead failed the later of two simultaneous
    registrations on the unique version."""
    conn = session.connection()
    # Checked first: the files are large and every registration passes here once the version is stored.
    if conn.execute(select(_spec_version.c.id).where(_spec_version.c.version == version)).first() is not None:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    conn.execute(dialect_insert(_spec_version).values(version=version, files=files, created_at=now)
                 .on_conflict_do_nothing(index_elements=["version"]))
