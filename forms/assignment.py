"""Forms for who works on a task: assign to a person (with priority), move to another department."""
from __future__ import annotations

from wtforms.fields import SubmitField

from .base import ZhForm
from .common import long_text
from .fields import ZhRadioField, ZhSelectField

PRIORITY_CHOICES = [("0", "普通"), ("1", "紧急")]


class ActionForm(ZhForm):
    """A button that changes something: CSRF only (claim, release)."""

    submit = SubmitField("确定")


class AssignForm(ZhForm):
    """Assign a task to a person of its department. The caller sets ``assignee.choices``."""

    assignee = ZhSelectField("指派给")
    priority = ZhRadioField("优先级", choices=PRIORITY_CHOICES, default="0")
    submit = SubmitField("指派")


class MoveForm(ZhForm):
    """Move a task to another department (leading group office). The caller sets ``department.choices``."""

    department = ZhSelectField("转办至")
    reason = long_text("转办理由", max_len=500, description="写明转办的原因，将记入审计记录")
    submit = SubmitField("转办")
