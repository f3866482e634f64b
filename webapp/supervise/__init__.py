"""Supervision pages of the leading group office (领导小组办公室), which sees everything.

``/supervise/audit``: search the whole audit trail and export it (CSV, XLSX).
"""
from __future__ import annotations

from flask import Blueprint

from ..permissions import sees_everything

bp = Blueprint("supervise", __name__, url_prefix="/supervise")

# Every account of the leading group office, whatever its role ("sees everything"): the rule lives
# with the others in permissions.py.
can_supervise = sees_everything




@bp.app_context_processor
def _audit_alarms():
    """``audit_alarms()`` for the page banner: the open alarms' texts, for the leading group office only
    (a function, so the query runs only on pages that show the banner, for those who may see it)."""
    def audit_alarms() -> list[str]:
        from flask_login import current_user

        from engine import audit as chains

        from ..core import db

        if not (current_user.is_authenticated and can_supervise(current_user)):
            return []
        return [f"审计记录第 {a.chain} 条链第 {a.head_no} 号之后发现非本系统写入的记录"
                f"（{a.found_at.astimezone(chains.CHINA):%Y-%m-%d %H:%M}）。系统已跳过这些记录继续记录，"
                f"请立即通知系统管理员运行审计校验（flask audit verify）核查，核查处理后标记告警 {a.id} 已处理"
                f"（flask audit resolve {a.id}）。" for a in chains.open_alarms(db.session())]
    return {"audit_alarms": audit_alarms}

