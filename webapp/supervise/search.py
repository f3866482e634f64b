"""The audit-trail search: filters, the paged query, the export query and how an event reads.

Dates are days in China time (the configured timezone); ``created_at`` is stored in UTC, so a day
becomes the UTC interval [00:00 of the day, 00:00 of the next day) in that timezone.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from engine import audit
from engine.tables import Event
from forms.choices import PURPOSES, USER_KINDS
from forms.registry import describe, display_value

from .. import directory
from ..core.filters import EVENT_LABELS, OUTCOMES
from ..core.paging import window
from ..documents.catalogue import KINDS as DOCUMENT_KINDS
from ..models import Case

# The department filter's choice for events without one (timers, log-ins of unknown user names).
NO_DEPARTMENT = "none"


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None        # user name, or its beginning
    department: str | None = None   # department code, or NO_DEPARTMENT
    case_id: int | None = None
    kind: str | None = None
    date_from: date | None = None   # inclusive, in ``tz``
    date_to: date | None = None     # inclusive, in ``tz``
    tz: str = "Asia/Shanghai"

    def utc_bounds(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC for the local days date_from … date_to."""
        return day_bounds(self.date_from, self.date_to, self.tz)


def day_bounds(date_from: date | None, date_to: date | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC for the local days date_from … date_to (either may be open)."""
    zone = ZoneInfo(tz)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)

    start = midnight(date_from) if date_from else None
    end = midnight(date_to + timedelta(days=1)) if date_to and date_to < date.max else None
    return start, end


@dataclass
class AuditPage:
    rows: list[tuple[Event, Case | None]]
    total: int
    page: int
    pages: int


def _conditions(filters: AuditFilters) -> list:
    where = [audit.within_heads()]  # rows beyond a chain's head were not written by this system
    if filters.actor:
        # Prefix match (an exact name is its own prefix); "_" and "%" in names are literal.
        where.append(func.lower(Event.actor).startswith(filters.actor.lower(), autoescape=True))
    if filters.department == NO_DEPARTMENT:
        where.append(Event.actor_department.is_(None))
    elif filters.department:
        where.append(Event.actor_department == filters.department)
    if filters.case_id is not None:
        where.append(Event.case_id == filters.case_id)
    if filters.kind:
        where.append(Event.kind == filters.kind)
    start, end = filters.utc_bounds()
    if start is not None:
        where.append(Event.created_at >= start)
    if end is not None:
        where.append(Event.created_at < end)
    return where


def _events(filters: AuditFilters):
    """Matching events with their case (if any), newest first (ids follow each chain's order)."""
    return (select(Event, Case).outerjoin(Case, Case.id == Event.case_id)
            .options(lazyload(Case.well))  # only the case number is shown
            .where(*_conditions(filters)).order_by(Event.id.desc()))


def count_events(session: Session, filters: AuditFilters) -> int:
    return session.scalar(select(func.count()).select_from(Event).where(*_conditions(filters)))


def search_events(session: Session, filters: AuditFilters, page: int, size: int, audit_key: bytes) -> AuditPage:
    """One page of matching events and the total; each event with ``audit_warning`` when it does not hold."""
    total = count_events(session, filters)
    page, pages, offset = window(total, page, size)
    rows = [tuple(r) for r in session.execute(_events(filters).limit(size).offset(offset))]
    audit.Marker(session, audit_key).mark([event for event, _case in rows])
    return AuditPage(rows=rows, total=total, page=page, pages=pages)


def iter_events(session: Session, filters: AuditFilters, limit: int,
                audit_key: bytes) -> Iterator[tuple[Event, Case | None]]:
    """All matching events (at most ``limit``), fetched in batches, for the exports (marked like the page)."""
    marker = audit.Marker(session, audit_key)
    query = _events(filters).limit(limit).execution_options(yield_per=1000)
    for event, case in session.execute(query):
        event.audit_warning = marker(event)
        yield event, case


# -- how an event reads ----------------------------------------------------------------------

KEY_LABELS = {
    "ip": "IP地址", "reason": "原因", "method": "请求方式", "path": "访问地址", "department": "办理部门",
    "outcome": "结果", "due": "期限", "message": "消息", "payload": "消息内容", "well_no": "井编号",
    "town": "镇区", "purpose": "用途", "in_coverage": "管网覆盖", "has_permit": "取水许可",
    "hidden_well": "隐瞒不报",
    # the case's starting data (webapp/cases/service.py)
    "party_kind": "用水户类型", "obstructed": "拒绝或阻挠检查", "seal_obstructed": "阻挠封井",
    "permit_valid_to": "取水许可有效期至", "patrol_days": "巡查周期（日）",
    # a document issued (webapp/documents)
    "kind": "种类", "number": "文号", "version": "版本", "sha256": "文件指纹（SHA-256）",
    # the working-day calendar (webapp/working_calendar)
    "year": "年份", "before": "变更前", "after": "变更后", "source": "日历来源", "holidays": "放假日",
    "workdays": "调休上班日", "changed_days": "变化天数", "recomputed": "重算的期限数",
    "kept": "保留的期限数（督办人员调整过）",
}
REASONS = {"wrong_password": "密码错误", "unknown_user": "用户名不存在", "inactive": "账号已停用"}
CALENDAR_SOURCES = {"office": "管理员录入", "package": "程序内置", "rule": "法定节假日（暂定）"}
VALUE_LABELS = {"outcome": OUTCOMES, "reason": REASONS, "purpose": dict(PURPOSES), "party_kind": dict(USER_KINDS),
                "source": CALENDAR_SOURCES}


def _value(key: str, value) -> str:
    if key == "kind" and isinstance(value, str) and value in DOCUMENT_KINDS:
        return DOCUMENT_KINDS[value].name
    labels = directory.names() if key in ("department", "town") else VALUE_LABELS.get(key)
    if labels and isinstance(value, str):
        return labels.get(value, value)
    if isinstance(value, dict):  # e.g. a calendar year before/after: its parts in words, not JSON
        return "；".join(f"{KEY_LABELS.get(k, str(k))}：{_value(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(_value(key, v) for v in value) or "无"
    return display_value(value)


def event_content(event: Event) -> list[tuple[str, str]]:
    """(label, value) pairs: a completed task as on the case page, anything else key by key."""
    if event.kind == "task_completed":
        return describe(event.form_key or "", event.data)
    return [(KEY_LABELS.get(key, str(key)), _value(key, value)) for key, value in (event.data or {}).items()]


def content_text(event: Event) -> str:
    text = "；".join(f"{label}：{value}" for label, value in event_content(event))
    warning = getattr(event, "audit_warning", None)
    return f"【{warning}】{text}" if warning else text


def kind_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind)


def department_name(code: str | None) -> str:
    return directory.name(code)
