"""Template filters and globals: Chinese labels and China-time dates."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_login import current_user

from engine.assignment import PRIORITIES
from engine.overrides import TYPES as OVERRIDE_TYPES
from engine.stage import STAGES
from forms.choices import PURPOSES, ROLES
from forms.identifiers import mask_party_id
from forms.overrides import change_label
from forms.registry import describe
from forms.uploads import Limits

from .. import directory
from ..directory import people
from ..permissions import can_register, is_supervisor
from ..tasks.queries import badge_counts
from . import db, keyset

EVENT_LABELS = {
    "started": "登记立案",
    "task_created": "生成待办",
    "task_completed": "办理",
    "timer_fired": "期限届满",
    "message_received": "收到消息",
    "process_completed": "办结",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "permission_denied": "越权访问被拒绝",
    "task_claimed": "认领任务",
    "task_released": "退回任务",
    "task_assigned": "指派任务",
    "task_reassigned": "转办任务",
    "override": "督办操作",
    "audit_exported": "导出审计记录",
    "cases_exported": "导出案件台账",
    "ledger_imported": "导入台账",
    "user_created": "新建用户",
    "user_updated": "修改用户",
    "user_password_reset": "重设密码",
    "login_unlocked": "解除登录锁定",
    "api_account_created": "建立系统账号",
    "api_account_revoked": "停用系统账号令牌",
    "api_token_reissued": "重新签发系统账号令牌",
    "department_updated": "修改部门名称",
    "document_generated": "生成文书",
    "document_regenerated": "重新生成文书",
    "document_downloaded": "下载文书",
    "file_uploaded": "上传附件",
    "file_downloaded": "下载附件",
    "problems_exported": "导出问题清单",
    "coverage_announced": "发布管网覆盖扩展",
    "case_note": "办理意见",
    "villages_updated": "修改村居名单",
    "report_published": "发布调度简报",
    "report_downloaded": "下载调度简报",
    "calendar_entered": "录入工作日历",
    "deadline_recomputed": "按工作日历重算期限",
    "outbox_resent": "重发外发消息", "outbox_endpoint_saved": "修改接收端配置", "outbox_test_queued": "发送测试消息",
}
OUTCOMES = {
    "end_done": "整治完成",
    "end_sanctioned": "纳入信用监管",
    "end_patrol": "封井巡查结束",
    "end_exempt": "暂不列入封停",  # ended cases of diagram versions before the periodic review
}
STATUS = {"running": "办理中", "completed": "已办结", "suspended": "已暂停", "cancelled": "已撤销"}


def local_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


def local_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_dt(value, "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def field_kind(field) -> str:
    """How the form macro draws a field, decided by its widget (the forms use their own field classes)."""
    from wtforms import widgets
    from wtforms.fields import FieldList

    if isinstance(field, FieldList):
        return "rows"
    widget = field.widget
    option = getattr(field, "option_widget", None)
    if isinstance(widget, widgets.HiddenInput) or getattr(widget, "input_type", None) == "hidden":
        return "hidden"
    if isinstance(widget, widgets.SubmitInput):
        return "submit"
    if getattr(widget, "input_type", None) == "file":
        return "file"
    if getattr(option, "input_type", None) in ("radio", "checkbox"):
        return "choices"
    if getattr(widget, "input_type", None) == "checkbox":
        return "checkbox"
    if isinstance(widget, widgets.Select):
        return "select"
    if isinstance(widget, widgets.TextArea):
        return "textarea"
    return "input"


def file_size(size: int) -> str:
    """Bytes as a clerk reads them: 850 KB, 3.2 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def nav_counts() -> dict[str, int]:
    """Badge counts for the navigation of the logged-in user (two indexed counts)."""
    return badge_counts(db.session(), current_user.department.code, current_user.username)


def case_status(instance) -> str:
    if instance is None:
        return "未启动"
    if instance.status == "completed":
        return OUTCOMES.get(instance.outcome or "", "已办结")
    return STATUS.get(instance.status, instance.status)


def case_stage(instance) -> str:
    """Where a case stands (engine/stage.py), the words every list and page shows; a paused case says so."""
    if instance is None:
        return "未启动"
    label = STAGES.get(instance.stage or "") or case_status(instance)
    return f"{label}（已暂停）" if instance.status == "suspended" else label


def init_app(app: Flask) -> None:
    app.add_template_filter(case_stage, "case_stage")
    app.add_template_global(STAGES, "STAGES")
    app.add_template_filter(local_dt, "dt")
    app.add_template_filter(local_date, "d")
    app.add_template_filter(directory.name, "dept")
    app.add_template_filter(people.name, "person")  # a login as "姓名（部门）"
    app.add_template_filter(people.short, "person_short")  # where the department is shown beside it
    app.add_template_filter(lambda kind: EVENT_LABELS.get(kind, kind), "event_label")
    app.add_template_filter(lambda code: dict(PURPOSES).get(code, code or ""), "purpose")
    app.add_template_filter(lambda code: dict(ROLES).get(code, code or ""), "role")
    app.add_template_filter(lambda b: "是" if b else "否", "yesno")
    app.add_template_filter(keyset.count_label, "count_label")  # a count that stopped at keyset.CAP: 999+
    app.add_template_filter(case_status, "case_status")
    app.add_template_filter(lambda end: OUTCOMES.get(end, end or ""), "outcome")
    app.add_template_filter(mask_party_id, "mask")
    app.add_template_global(describe, "describe")
    app.add_template_global(nav_counts, "nav_counts")
    app.add_template_global(is_supervisor, "is_supervisor")
    app.add_template_global(can_register, "can_register")  # the ledger keepers: towns, water, the office
    app.add_template_global(lambda kind: OVERRIDE_TYPES.get(kind, kind), "override_label")
    app.add_template_filter(lambda p: PRIORITIES.get(p, p), "priority")
    app.add_template_global(field_kind, "field_kind")
    app.add_template_global(Limits.current, "upload_limits")
    app.add_template_filter(file_size, "filesize")
    app.add_template_global(change_label, "change_label")
