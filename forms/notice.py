"""Forms of the notice stage: serving the 责令限期整改通知书 and the user's report on
what was rectified."""

from __future__ import annotations

from wtforms.fields import FieldList, FormField

from engine.calendar import CalendarDataMissing

from .base import TaskForm
from .choices import SERVICE_METHODS
from .common import long_text, past_date
from .fields import ZhSelectField
from .problems import SPARE_ROWS, ProblemRow, derive, describe_rows, notice_rows
from .uploads import evidence_field
from .validators import NotOlderThan

# The usual basis of a notice: unlicensed abstraction (水法 Art 69) and abstraction
# without metering (地下水管理条例 Art 56). The clerk edits it per case (e.g. 地下水管理条例
# Art 58 for a well not sealed when required); legal review checks it before service.
DEFAULT_LEGAL_BASIS = "《中华人民共和国水法》第六十九条\n《地下水管理条例》第五十六条"

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
    hidden_in_timeline = frozenset({"required_acts", "notice_problems"})

    problems = FieldList(FormField(ProblemRow), label="问题清单（每个问题一行；空行不计）",
                         min_entries=1, max_entries=MAX_PROBLEMS)
    notice_served_on = past_date("送达日期", NotOlderThan(MAX_SERVICE_AGE_DAYS),
                                 description="各问题的整改期限自送达之日起计算，期满日为节假日的顺延")
    service_method = ZhSelectField(
        "送达方式", choices=SERVICE_METHODS,
        description="留置送达须有见证人或拍照录像；公告送达自发出公告之日起经过30日视为送达")
    legal_basis = long_text("法律依据", max_len=1000, default=DEFAULT_LEGAL_BASIS)

    @classmethod
    def for_case(cls, case_info) -> "RectificationNoticeForm":
        # Start from the problems the inspection found, plus spare rows for anything else.
        def rows():
            found = dict(case_info.latest("inspection")) if case_info else {}
            if getattr(case_info, "network_arrived", False):
                found["in_coverage"] = True  # a permitted well reached by the network: closure now
            derived = derive(found, case_info.category) if case_info else []
            return {"problems": derived + [{}] * SPARE_ROWS}
        return cls.prefilled(rows)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not any(not entry.form.is_blank() for entry in self.problems.entries):
            self.form_errors.append("请至少填写一个问题：问题类型、问题描述、整改要求和整改期限")
            ok = False
        elif ok:
            try:  # each problem's deadline: a year the holiday calendar lacks is said here, not guessed
                notice_rows(self.problems.entries, self.notice_served_on.data)
            except CalendarDataMissing as exc:
                self.form_errors.append(str(exc))
                ok = False
        return ok

    def clean_task_data(self, data: dict) -> dict:
        # Per problem: its act and deadline. The timer waits for the longest period; the list of
        # acts and problems also travel flat for the notice's text and older readers of the data.
        rows = notice_rows(self.problems.entries, self.notice_served_on.data)
        data["problems"] = rows
        data["rectify_days"] = max(row["rectify_days"] for row in rows)
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
