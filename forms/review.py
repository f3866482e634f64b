"""Forms of the closing stage: the recheck (回头看) and the credit steps (记入诚信档案,
信用惩戒审核). The city records acts in the water users' integrity file
(地下水管理条例 Art 53); it cannot create a blacklist of its own."""

from __future__ import annotations

from wtforms.fields import FieldList, FormField

from .base import TaskForm
from .common import long_text, past_date
from .fields import YesNoField, ZhDateField
from .problems import CloseOutRow, describe_rows
from .uploads import evidence_field
from .validators import InFuture, NotBefore

MAX_PROBLEMS = 20


class RecheckForm(TaskForm):
    """复查（回头看）: each open problem of the notice closed out (销号) with its evidence, or not.

    The case passes when every problem is closed. A case without a problem list (a notice served
    before lists existed) answers the single question instead.
    """

    form_key = "recheck"
    title = "复查（回头看）"
    timeline_labels = {"problems": "问题销号", "open_problems": "未整改到位问题数"}

    rechecked_on = past_date("复查日期")
    problems = FieldList(FormField(CloseOutRow), label="逐项销号", min_entries=0, max_entries=MAX_PROBLEMS)
    recheck_passed = YesNoField("问题是否全部整改到位")
    recheck_findings = long_text("复查情况", description="逐项说明问题整改情况；未整改到位的写明原因")
    evidence_files = evidence_field("整改证据（选填）", description="整改后的现场照片、缴费凭证、协议等")

    @classmethod
    def for_case(cls, case_info) -> "RecheckForm":
        problems = list(case_info.open_problems) if case_info else []
        form = cls.prefilled(lambda: {"problems": [{"problem_id": str(p.id)} for p in problems]})
        form.open_problems = {str(p.id): p for p in problems}
        if problems:
            del form.recheck_passed
            form.problems.row_titles = [f"{p.seq}. {p.description}（{p.act_label}，期限 {p.deadline_label}）"
                                        for p in problems]
        else:
            del form.problems
        return form

    open_problems: dict = {}  # problem id -> Problem, set by for_case

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.open_problems:
            submitted = [entry.form.problem_id.data for entry in self.problems.entries]
            if sorted(submitted) != sorted(getattr(self, "open_problems", {})):
                self.form_errors.append("这个案件的问题清单已有变化，请刷新页面后重新填写。")
                ok = False
        return ok

    def clean_task_data(self, data: dict) -> dict:
        if not self.open_problems:
            data.pop("problems", None)
            return data
        rows = []
        for entry in self.problems.entries:
            problem = self.open_problems[entry.form.problem_id.data]
            rows.append({"id": problem.id, "no": problem.seq, "description": problem.description,
                         "closed": entry.form.closed.as_bool, "evidence": entry.form.evidence.data or ""})
        data["problems"] = rows
        data["open_problems"] = sum(1 for row in rows if not row["closed"])
        data["recheck_passed"] = data["open_problems"] == 0
        return data

    @classmethod
    def describe_value(cls, name: str, value):
        return describe_rows(value) if name == "problems" else None


class CreditRecordForm(TaskForm):
    """记入诚信档案: the act recorded in the integrity file and the party notified."""

    form_key = "credit_record"
    title = "记入诚信档案"

    credit_fact = long_text("失信行为事实")
    recorded_on = past_date("记录日期")
    # Required: the party's objection window (7 working days) runs from the notification.
    notified_on = past_date("告知当事人日期", NotBefore("recorded_on"),
                            description="书面告知当事人之日；当事人可自告知之日起7个工作日内提出异议")


class CreditReviewForm(TaskForm):
    """信用惩戒审核: confirmation before the record is reported to the provincial platform."""

    form_key = "credit_review"
    title = "信用惩戒审核"

    credit_confirmed = YesNoField("是否确认实施信用惩戒")
    review_opinion = long_text("审核意见")
    # The measure's period as the platform is told it (docs/integrations.md); blank: until the repair.
    sanction_until = ZhDateField("惩戒期限至（选填）", [InFuture()],
                                 description="报送省信用平台的惩戒措施截止日期；不填的，至信用修复之日止")
