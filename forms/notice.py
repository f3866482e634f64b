"""Forms of the notice stage: serving the 责令限期整改通知书 and the user's report on
what was rectified."""

from __future__ import annotations

from wtforms.fields import FieldList, FormField

from rules.articles import notice_articles, notice_basis
from rules.calendar import CalendarDataMissing

from .base import TaskForm
from .choices import SERVICE_METHODS
from .common import long_text, past_date
from .fields import ZhSelectField
from .problems import SPARE_ROWS, PermitExpiryMissing, ProblemRow, derive, describe_rows, notice_rows, timer_days
from .uploads import evidence_field
from .validators import NotOlderThan

# Service recorded later than this is refused: the deadline runs from service, and a
# late entry usually means a wrong date.
MAX_SERVICE_AGE_DAYS = 30
MAX_PROBLEMS = 20


class RectificationNoticeForm(TaskForm):
    """下达责令限期整改通知书: the problem list (each problem with its required act and deadline),
    service and legal basis."""

    form_key = "rectification_notice"
    title = "下达责令限期整改通知书"
    timeline_labels = {"problems": "问题清单", "rectify_days": "最长整改期限（日）"}
    # Flat copies of the problem list kept in the task data; the timeline shows the list itself.
    hidden_in_timeline = frozenset({"required_acts", "notice_problems", "basis_articles"})

    problems = FieldList(FormField(ProblemRow), label="问题清单（每个问题一行；空行不计）",
                         min_entries=1, max_entries=MAX_PROBLEMS)
    notice_served_on = past_date("送达日期", NotOlderThan(MAX_SERVICE_AGE_DAYS),
                                 description="各问题的整改期限自送达之日起计算，期满日为节假日的顺延")
    service_method = ZhSelectField(
        "送达方式", choices=SERVICE_METHODS,
        description="留置送达须有见证人或拍照录像；公告送达自发出公告之日起经过30日视为送达")
    # Starts from the articles of the derived problems; whatever the clerk leaves here, the notice cites the
    # union of its listed problems' articles (rules.articles, see clean_task_data) plus these lines.
    legal_basis = long_text("法律依据", required=False, max_len=1000,
                            description="按问题类型自动列出违反的条款和处罚条款，每行一条；通知书引用问题清单"
                                        "全部问题对应的条款，此处可增补其他依据")
    permit_expires_on = None  # the well's permit expiry (set by for_case): the non-renewal row's deadline
    scripts = ("rows.js",)  # 添加一行 / 删除 on the problem table; without it the spare rows are there

    @classmethod
    def for_case(cls, case_info) -> "RectificationNoticeForm":
        # Start from the problems the inspection found, plus spare rows for anything else.
        def rows():
            if not case_info:
                return {"problems": [{}] * SPARE_ROWS}
            derived = derive(case_info.latest("inspection"), case_info.category, case_info.network_arrived)
            return {"problems": derived + [{}] * SPARE_ROWS,
                    "legal_basis": "\n".join(notice_articles(row["kind"] for row in derived))}
        form = cls.prefilled(rows)
        form.problems.editable = True  # drawn as a table whose rows can be added and removed
        form.permit_expires_on = getattr(case_info, "permit_expires_on", None)
        return form

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not any(not entry.form.is_blank() for entry in self.problems.entries):
            self.form_errors.append("请至少填写一个问题：问题类型、问题描述、整改要求和整改期限")
            ok = False
        elif ok:
            try:  # each problem's deadline: a year the holiday calendar lacks is said here, not guessed
                notice_rows(self.problems.entries, self.notice_served_on.data, self.permit_expires_on)
            except (CalendarDataMissing, PermitExpiryMissing) as exc:
                self.form_errors.append(str(exc))
                ok = False
        return ok

    def clean_task_data(self, data: dict) -> dict:
        # Per problem: its act and deadline. The timer waits for the longest period; the list of
        # acts and problems also travel flat for the notice's text and older readers of the data.
        rows = notice_rows(self.problems.entries, self.notice_served_on.data, self.permit_expires_on)
        data["problems"] = rows
        data["rectify_days"] = timer_days(rows)
        # What the notice cites: the union of its problems' articles, then the clerk's own additions.
        data["basis_articles"] = notice_basis((row["kind"] for row in rows), (data.get("legal_basis") or "").splitlines())
        data["required_acts"] = list(dict.fromkeys(row["required_act"] for row in rows))
        data["notice_problems"] = "\n".join(row["description"] for row in rows)
        return data

    @classmethod
    def describe_value(cls, name: str, value):
        return describe_rows(value) if name == "problems" else None


class RectificationReportForm(TaskForm):
    """整改情况报告: what the user reports having done by the deadline."""

    form_key = "rectification_report"
    title = "整改情况报告"

    reported_on = past_date("报告日期")
    report_summary = long_text("整改情况", description="用水户报告的整改措施、完成情况及证明材料")
    report_files = evidence_field("证明材料（选填）", description="用水户提交的整改报告、照片、票据等")
