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
from engine.assignment import PRIORITIES
from engine.overrides import TYPES as OVERRIDE_TYPES
from engine.stage import STAGES
from engine.tables import Event
from forms.choices import PURPOSES, ROLES, USER_KINDS
from forms.registry import describe, display_value

from .. import directory
from ..core.filters import EVENT_LABELS, OUTCOMES
from ..core.paging import window
from ..directory import people
from ..documents.catalogue import KINDS as DOCUMENT_KINDS
from ..models import Case

# The department filter's choice for events without one (timers, log-ins of unknown user names).
NO_DEPARTMENT = "none"


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None        # user name, or its beginning
    actors: tuple[str, ...] | None = None  # exactly these user names (a person picked by name)
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
    if filters.actors is not None:
        where.append(Event.actor.in_(filters.actors))
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
    "permit_valid_to": "取水许可有效期至", "patrol_days": "巡查周期（日）", "seal_accepted": "封井已验收",
    # a document issued (webapp/documents)
    "kind": "种类", "number": "文号", "version": "版本", "sha256": "文件指纹", "deadlines": "当事人期限",
    # the party's deadlines a document printed (webapp/documents/party_deadlines.py)
    "deadline": "限期", "reply_by": "陈述申辩期限", "start": "起算日", "days": "期间（日）", "on": "截止日",
    # the working-day calendar (webapp/working_calendar)
    "year": "年份", "before": "变更前", "after": "变更后", "source": "日历来源", "holidays": "放假日",
    "workdays": "调休上班日", "changed_days": "变化天数", "recomputed": "重算的期限数",
    "kept": "保留的期限数（督办人员调整过）", "computed": "按新日历应为",
    # who works on a task (engine/assignment.py) and the office's overrides (engine/overrides.py, migration.py)
    "assignee": "承办人", "previous": "原承办人", "priority": "优先级", "from": "原办理部门", "to": "转至部门",
    "type": "操作", "filled": "代填办理结果", "before_at": "原期限（时刻）", "after_at": "新期限（时刻）",
    "moves_kept": "保留的转办", "changes": "更正内容", "changed": "定义有变化的环节", "warnings": "提示",
    # files, exports and imports
    "attachment": "附件", "field": "表单栏目", "content_type": "文件类型", "size": "大小", "inline": "在线查看",
    "file": "文件", "rows": "行数", "registered": "新登记", "skipped": "已登记而跳过", "format": "格式",
    "filters": "查询条件", "q": "搜索词", "cases": "案件", "document_no": "文件编号",
    # accounts, departments, system accounts, outbox (webapp/admin, webapp/api, webapp/integrations)
    "username": "用户", "display_name": "姓名", "role": "角色", "task_force_member": "借调专班", "active": "启用",
    "code": "部门", "name": "名称", "scopes": "权限范围", "towns": "镇街范围", "expires_at": "有效期至",
    "token_hint": "令牌前几位", "revoked": "已停用", "event_id": "对方事件编号", "destination": "发送目标",
    "idempotency_key": "消息编号", "channel": "渠道", "note": "备注", "url": "地址", "secret_set": "已设密钥",
    "secret_changed": "密钥已更改", "status": "状态", "attempts": "失败次数", "last_error": "最近一次错误",
    # the dashboard's reports (webapp/dashboard/reports.py)
    "period_start": "起始日", "period_end": "截止日", "report_id": "简报", "issue_no": "期号",
    # contact details (webapp/admin, the profile page), the case list's stage filter, notes on a case
    "mobile": "手机号码", "email": "电子邮箱", "stage": "案件阶段", "query": "查询条件（网址参数）",
    "note_id": "备注编号", "mentions": "提醒的同事",
    # a whole ledger loaded in batches (webapp/ledger/bulk.py, flask ledger load)
    "batch": "批次", "batches": "批次总数", "bulk": "批量装载",
}
REASONS = {"wrong_password": "密码错误", "unknown_user": "用户名不存在", "inactive": "账号已停用",
           "locked_account": "账号连续登录失败已锁定", "locked_address": "该地址登录失败过多已锁定"}
CALENDAR_SOURCES = {"office": "管理员录入", "package": "程序内置", "rule": "法定节假日（暂定）"}
FORMATS = {"csv": "CSV", "xlsx": "Excel（XLSX）"}
OUTBOX_STATUS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}
VALUE_LABELS = {"outcome": OUTCOMES, "reason": REASONS, "purpose": dict(PURPOSES), "party_kind": dict(USER_KINDS),
                "source": CALENDAR_SOURCES, "type": OVERRIDE_TYPES, "priority": PRIORITIES, "role": dict(ROLES),
                "format": FORMATS, "status": OUTBOX_STATUS, "stage": STAGES}
PEOPLE = ("assignee", "previous", "username", "mentions")  # log-in names: shown as 姓名（部门）
DEPARTMENTS = ("department", "town", "from", "to", "code")
HASHES = ("sha256",)  # fingerprints: shortened (the audit pages are the leading office's only)


def _value(key: str, value) -> str:
    if key == "kind" and isinstance(value, str) and value in DOCUMENT_KINDS:
        return DOCUMENT_KINDS[value].name
    if key in PEOPLE and isinstance(value, str):
        return people.name(value)
    if key in HASHES and isinstance(value, str):
        return value[:12] + "…"
    if key == "cases" and isinstance(value, list) and all(isinstance(v, int) for v in value):
        return "、".join(case_numbers(value).get(v, str(v)) for v in value) or "无"
    labels = directory.names() if key in DEPARTMENTS else VALUE_LABELS.get(key)
    if labels and isinstance(value, str):
        return labels.get(value, value)
    if isinstance(value, dict):  # e.g. a calendar year before/after: its parts in words, not JSON
        return "；".join(f"{KEY_LABELS.get(k, str(k))}：{_value(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(_value(key, v) for v in value) or "无"
    return display_value(value)


def case_numbers(ids: list[int]) -> dict[int, str]:
    """乳整2026-00002 for case ids an event names (a coverage announcement lists the cases it reached)."""
    from ..core import db

    return {case.id: case.number for case in db.session().scalars(select(Case).where(Case.id.in_(ids)))}


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
