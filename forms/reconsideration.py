"""Administrative reconsideration (行政复议) and suits (行政诉讼) against a decision in a case: the
application registered on the case page, its handling by the justice bureau, and the follow-up when the
decision was changed or revoked. An application does not suspend the decision (行政复议法 Art 42,
行政诉讼法 Art 56): the case goes on meanwhile."""

from __future__ import annotations

from datetime import date

from wtforms.fields import SubmitField

from .base import TaskForm, ZhForm
from .common import long_text, past_date, short_text
from .fields import ZhSelectField
from .validators import NotBefore

KINDS = (("reconsideration", "行政复议"), ("litigation", "行政诉讼"))
OUTCOMES = (("upheld", "维持"), ("changed", "变更"), ("revoked", "撤销（确认违法）"), ("dismissed", "驳回申请或不予受理"))
RECONSIDERATION_DAYS = 60  # 行政复议法 Art 20 (to apply) and Art 62 (to decide)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day): 6 months to sue."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


class ReconsiderationApplicationForm(ZhForm):
    """登记复议/诉讼 (case page): what the party applied against, and when."""

    review_kind = ZhSelectField("类型", choices=KINDS)
    challenged_decision = short_text("被申请（被诉）的决定", max_len=200,
                                     description="如：行政处罚决定书 乳水罚决〔2026〕1号")
    decision_served_on = past_date("该决定送达日期")
    applied_on = past_date("申请（起诉）日期", NotBefore("decision_served_on"))
    review_body = short_text("复议机关或受理法院", description="行政复议：乳山市人民政府（司法局办理）；诉讼：受理的人民法院")
    review_summary = long_text("请求及理由")
    submit = SubmitField("登记")

    def task_data(self) -> dict:
        served, applied = self.decision_served_on.data, self.applied_on.data
        if self.review_kind.data == "reconsideration":
            limit = date.fromordinal(served.toordinal() + RECONSIDERATION_DAYS)
            days = RECONSIDERATION_DAYS
        else:
            limit = add_months(served, 6)
            days = (add_months(applied, 6) - applied).days  # first-instance judgement within 6 months
        return {"review_kind": self.review_kind.data, "challenged_decision": self.challenged_decision.data,
                "decision_served_on": served.isoformat(), "applied_on": applied.isoformat(),
                "review_body": self.review_body.data, "review_summary": self.review_summary.data,
                # Late applications are registered all the same: admissibility is the reviewing body's call.
                "applied_late": applied > limit,
                "review_due_from": applied.isoformat(), "review_days": days}


class ReconsiderationHandlingForm(TaskForm):
    """办理复议/应诉: the outcome as the reviewing body or the court decided it."""

    form_key = "reconsideration_handling"
    title = "办理复议/应诉"

    review_decided_on = past_date("复议决定或判决日期")
    review_decision_no = short_text("文书编号")
    review_outcome = ZhSelectField("结果", choices=OUTCOMES,
                                   description="变更或撤销的，转领导小组办公室依结果处置案件")
    review_reasoning = long_text("结果摘要")


class ReconsiderationFollowUpForm(TaskForm):
    """依复议/判决结果处置: what the office did with the case (e.g. reset a step, correct data, cancel)."""

    form_key = "reconsideration_follow_up"
    title = "依复议/判决结果处置"

    handled_on = past_date("处置日期")
    follow_up_measures = long_text("处置措施", description="如：已督办重置至“下达责令限期整改通知书”重新办理；已更正案件信息")
