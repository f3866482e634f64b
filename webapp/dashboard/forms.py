"""The period chooser (GET, only reads) and the publish form (POST, CSRF). Messages in Chinese.

Both apply ``period_problem``, so a period the preview accepted is the one published, and a period
typed into the URL or a forged post is refused the same way.
"""
from __future__ import annotations

from datetime import date

from wtforms.fields import HiddenField, SubmitField
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput

from forms.base import ZhForm
from forms.fields import ZhDateField, ZhSelectField
from forms.validators import Required

from .figures import Period

EARLIEST = date(2000, 1, 1)
# kind -> (name, longest period in days or None)
KINDS = {"weekly": ("周调度", 7), "monthly": ("月度汇总", 31), "briefing": ("简报", None)}
MISSING = "缺少统计期，请重新生成报告后再发布。"


def period_problem(kind: str | None, start: date, end: date, today: date) -> str | None:
    """Why the period cannot be reported on, or None."""
    if start < EARLIEST:
        return "开始日期的年份有误，请核对。"
    if end < start:
        return "结束日期不能早于开始日期。"
    if end > today:
        return f"结束日期不能晚于今天（{today.isoformat()}）：报告只统计已经过去的日子。"
    longest = KINDS[kind][1] if kind in KINDS else None
    if longest and (end - start).days + 1 > longest:
        return f"{KINDS[kind][0]}的统计期最长{longest}天，请缩短日期范围。"
    return None


class _Period(ZhForm):
    """start/end and the shared rules; ``today`` is China's date, given by the route."""

    kind_code: str | None = None

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_end(self, field) -> None:
        if field.data and self.start.data:
            problem = period_problem(self.kind_code, self.start.data, field.data, self.today)
            if problem:
                raise ValidationError(problem)

    def period(self) -> Period:
        return Period(self.start.data, self.end.data)


class PeriodForm(_Period):
    class Meta:
        csrf = False

    start = ZhDateField("开始日期", [Required()])
    end = ZhDateField("结束日期", [Required()])


class ReportForm(PeriodForm):
    kind = ZhSelectField("报告类型", choices=[(k, v[0]) for k, v in KINDS.items()])

    def validate(self, extra_validators=None) -> bool:
        self.kind_code = self.kind.data if self.kind.data in KINDS else None
        return super().validate(extra_validators)


class PublishForm(_Period):
    """Carries the period the page showed, in hidden fields: their errors go to the top of the page."""

    kind = HiddenField("报告类型")
    start = ZhDateField("开始日期", [Required(MISSING)], widget=HiddenInput())
    end = ZhDateField("结束日期", [Required(MISSING)], widget=HiddenInput())
    submit = SubmitField("发布")

    def validate(self, extra_validators=None) -> bool:
        self.kind_code = self.kind.data if self.kind.data in KINDS else None
        return super().validate(extra_validators)

    def validate_kind(self, field) -> None:
        if field.data not in KINDS:
            raise ValidationError("报告类型无法识别，请重新生成报告后再发布。")
