"""Forms of the supervisor overrides: every one needs a reason, and carries the page's case version."""
from __future__ import annotations

from wtforms.fields import SubmitField
from wtforms.validators import NumberRange
from wtforms.widgets import HiddenInput

from .base import ZhForm
from .common import long_text
from .fields import ZhDateField, ZhIntegerField, ZhSelectField
from .validators import Required


class OverrideForm(ZhForm):
    """Suspend, resume, cancel, skip: a reason is all it takes."""

    instance_version = ZhIntegerField("版本", widget=HiddenInput(),
                                      validators=[Required("页面信息不完整，请刷新后重试"), NumberRange(min=0)])
    reason = long_text("理由", max_len=1000, description="写明依据和原因，将记入审计记录")
    submit = SubmitField("确定")


class DeadlineForm(OverrideForm):
    due_on = ZhDateField("新的期限（当日24时届满）", [Required()],
                         description="延长或缩短期限；选择已过去的日期，期限立即届满")
    submit = SubmitField("调整期限")


class MigrationForm(ZhForm):
    """Move the ticked cases to the current diagram version (the ticks come with the request)."""

    reason = long_text("迁移理由", max_len=1000, description="如：流程图按新规定修改，记入审计记录")
    submit = SubmitField("迁移所选案件")


class ResetForm(OverrideForm):
    """Back to a step already done. The caller sets ``target.choices`` (completed tasks of the case)."""

    target = ZhSelectField("退回到")
    submit = SubmitField("退回")
