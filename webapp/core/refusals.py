"""The security log: refused requests (403), counted per user, method, address and hour.

Refusals used to be audit events: each took an audit chain's head and put an entry on the case's
timeline, so 300 refused GETs put 300 entries on one case and slowed every step. Here a refusal is one
upsert into its own row (user + method + path + hour): it never waits on a step, and the case's
timeline stays the case's story. The leading group office reads the log at 安全日志
(``/supervise/security``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.tables import UTCDateTime, utcnow

from ..models import Base
from .paging import window

KIND_REFUSED = "permission_denied"


class SecurityLogEntry(Base):
    __tablename__ = "security_log"
    __table_args__ = (UniqueConstraint("kind", "actor", "method", "path", "hour", name="uq_security_log_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    actor_department: Mapped[str | None] = mapped_column(String(32), nullable=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    hour: Mapped[datetime] = mapped_column(UTCDateTime)  # the UTC hour the attempts fell in
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the latest attempt's address
    count: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


_log = SecurityLogEntry.__table__


def record_refusal(session: Session, username: str, department: str | None, method: str, path: str,
                   case_id: int | None, ip: str | None) -> None:
    """Count one refused request: a new row for the hour, or one more on it (one statement)."""
    now = utcnow()
    values = {"kind": KIND_REFUSED, "actor": username[:64], "actor_department": department,
              "method": method[:8], "path": path[:255], "hour": now.replace(minute=0, second=0, microsecond=0),
              "case_id": case_id, "ip": (ip or "")[:64] or None, "count": 1, "first_at": now, "last_at": now}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_log).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "actor", "method", "path", "hour"],
        set_={"count": _log.c.count + 1, "last_at": statement.excluded.last_at, "ip": statement.excluded.ip})
    session.execute(statement)


def entries(session: Session, person: str | None, page: int, size: int):
    """The log, latest attempts first (filtered by a user-name prefix): (rows, total, page, pages)."""
    query = select(SecurityLogEntry)
    if person:
        query = query.where(func.lower(SecurityLogEntry.actor).startswith(person.lower(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages, offset = window(total, page, size)
    rows = list(session.scalars(query.order_by(SecurityLogEntry.last_at.desc(), SecurityLogEntry.id.desc())
                                .limit(size).offset(offset)))
    return rows, total, page, pages
