"""Tables the workflow engine owns.

The engine knows cases only by id: everything the web layer needs to list or search tasks without
deserializing a workflow (town, well number, user name) is copied into the instance's ``context`` at
start and from there into every open-task row.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Alembic-friendly constraint names (the same convention as the web models), so that migrations
# can drop and alter constraints by name on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes on every backend.

    SQLite has no timezone type and returns naive values; storing UTC and re-attaching the zone
    on the way out keeps comparisons between rows and ``utcnow()`` correct on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTCDateTime column")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class EngineBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SpecVersion(EngineBase):
    """One content version of the diagrams a process was started from.

    The diagram files themselves are kept so that an instance started before the diagrams changed can
    still be restored with the exact spec it runs.
    """

    __tablename__ = "wf_spec_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    files: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Instance(EngineBase):
    """A running (or finished) process instance: one per case.

    On PostgreSQL the table's TOAST target is 128 bytes (migration 20261206_0025): ``state`` is kept out of
    line, so the rows the lists and the dashboard scan are narrow."""

    __tablename__ = "wf_instance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    process_id: Mapped[str] = mapped_column(String(64))
    spec_version: Mapped[str] = mapped_column(String(64))
    # running | completed | suspended | cancelled
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    # Bumped on every change; forms carry the version they were rendered with.
    version: Mapped[int] = mapped_column(Integer, default=1)
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The BPMN id of the end event reached (end_done, end_sanctioned…), for ledgers and dashboards.
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The case's classification as the workflow data holds it now (see Engine.category_key): copied
    # here at every save so that dashboards count by category without restoring any workflow.
    category: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # The message(s) the instance waits for now (comma-separated names), e.g. ``network_arrives`` for a
    # permitted well waiting for the public network: whom to deliver an announcement to.
    waiting_for: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # Where the case stands (engine/stage.py STAGES: inspection, rectifying, sealed…), derived from its
    # active elements or end event at every save: lists filter and count by it without a workflow.
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)


class OpenTask(EngineBase):
    """One row per READY human task: the whole inbox is a query over this table."""

    __tablename__ = "wf_open_task"
    # The inbox's orderings, counts and views (migration 20261206_0018; webapp/tasks/queries.py); on
    # PostgreSQL also trigram indexes of well_no and party_name for the search.
    __table_args__ = (
        Index("ix_wf_open_task_department_created", "department", "created_at", "id"),
        Index("ix_wf_open_task_department_due", "department", "due_at", "id"),
        Index("ix_wf_open_task_department_priority", "department", "priority", "due_at", text("created_at DESC"), "id"),
        Index("ix_wf_open_task_department_task_spec", "department", "task_spec"),
        Index("ix_wf_open_task_department_assignee", "department", "assignee"),
        Index("ix_wf_open_task_due_at", "due_at"),  # the case list's overdue and deadline filters (20261206_0025)
        # The inbox's stage filter (20261206_0026): a department's tasks at one stage, newest first.
        Index("ix_wf_open_task_department_stage", "department", "stage", "created_at", "id"),
        # The case list's step filter: the cases with an open task at a step, read from the index alone.
        Index("ix_wf_open_task_task_spec_case", "task_spec", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("wf_instance.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    task_spec: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(128))
    form_key: Mapped[str] = mapped_column(String(64))
    lane: Mapped[str] = mapped_column(String(32))
    # The lane resolved for this case: the lane itself, or the case's town code for lane "town".
    department: Mapped[str] = mapped_column(String(32))
    town: Mapped[str] = mapped_column(String(32), index=True)
    well_no: Mapped[str] = mapped_column(String(64), default="")
    party_name: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The due time is provisional (暂定): computed on a year nobody has entered yet (rules/calendar.py).
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Who works on it (a username; None: the department's pool) and how urgent it is (0 普通, 1 紧急).
    # Not derived from the workflow: rewriting the index after a step keeps them for tasks still open.
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The case's stage (its instance's ``stage``), written with the row at every save, so that the inbox
    # filters by it on this table alone (issue 14: through the instances it cost 36 ms at 100,000).
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Timer(EngineBase):
    """A waiting timer event of an instance, so the sweep finds due work without loading workflows."""

    __tablename__ = "wf_timer"
    __table_args__ = (UniqueConstraint("instance_id", "task_guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("wf_instance.id", ondelete="CASCADE"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36))
    task_spec: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # An administration's deadline on a year nobody has entered yet (暂定): recomputed when it is.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class Event(EngineBase):
    """Append-only audit trail: who did what, when, on which task, with which data.

    Hash-chained in one of ``audit.CHAINS`` chains (see ``engine/audit/``): ``chain`` is the chain (every
    event of a case in the case's chain), ``chain_no`` the position in it without gaps, ``prev_hash``
    the previous event's ``hash`` in that chain, and ``hash`` an HMAC over both and the content. ``id``
    orders all events (within a chain it follows ``chain_no``). The database refuses UPDATE, DELETE and
    TRUNCATE on this table (triggers made by migration 20261206_0010).
    """

    __tablename__ = "wf_event"
    __table_args__ = (UniqueConstraint("chain", "chain_no", name="uq_wf_event_chain"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain: Mapped[int] = mapped_column(SmallInteger)
    chain_no: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    # Workflow: started, task_created, task_completed, timer_fired, message_received, process_completed;
    # people and tasks: login, login_failed, logout, task_claimed/released/assigned/reassigned, override
    # (refused requests go to the web app's security log, not here; older databases hold
    # permission_denied events); copies and administration: audit_exported, cases_exported, user_*,
    # department_updated. Labels in webapp/filters.py.
    kind: Mapped[str] = mapped_column(String(32), index=True)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    actor_department: Mapped[str | None] = mapped_column(String(32), nullable=True)
    task_guid: Mapped[str | None] = mapped_column(String(36), index=True, nullable=True)
    task_spec: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str | None] = mapped_column(String(128), nullable=True)
    form_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditHead(EngineBase):
    """The end of one audit chain (one row per chain, ``id`` = the chain), signed with the audit key.

    Locked only by the statement that appends a committing transaction's events (see ``audit.flush``);
    ``signature`` = HMAC(key, "chain|chain_no|last_hash"), so the end cannot be moved back without the
    key. A verifier compares each chain's last event with its head and the head with the latest
    checkpoint written outside the database.
    """

    __tablename__ = "wf_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_no: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditAlarm(EngineBase):
    """Rows found in a chain beyond its head, written by something other than this system.

    The append that finds them does not fail: it records this alarm and continues the chain after
    them (``skipped_to``), linked to the true head's hash; ``flask audit verify`` names the rows.
    """

    __tablename__ = "wf_audit_alarm"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain: Mapped[int] = mapped_column(SmallInteger)
    head_no: Mapped[int] = mapped_column(BigInteger)      # the true head when the rows were found
    skipped_to: Mapped[int] = mapped_column(BigInteger)   # the last position the foreign rows took
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
