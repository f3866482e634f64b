"""Forms of the penalty's execution (bpmn/penalty.bpmn after the decision): service of the decision,
payment and late payment, the check of the well, and compulsory sealing on the owner's behalf (代履行,
行政强制法 Arts 35, 37, 50, 51)."""
from __future__ import annotations

import sys
from datetime import date, timedelta

from wtforms.fields import SubmitField
from wtforms.validators import Length, NumberRange, ValidationError

from rules.deadlines import party_deadline_date
from rules.fines import days_late, late_payment_surcharge

from .base import TaskForm
from .choices import DISPOSAL_TYPES, SERVICE_METHODS
from .common import SHORT_TEXT_MAX, long_text, past_date, short_text
from .fields import StrippedStringField, YesNoField, ZhDateField, ZhFloatField, ZhIntegerField, ZhSelectField
from .penalty_rules import MAX_SERVICE_AGE_DAYS, ConditionalFields, WorkingDaysAfter
from .uploads import evidence_field
from .validators import (
    InFuture,
    NotInFuture,
    NotOlderThan,
    NumberBetween,
    Required,
    RequiredWhen,
    field_message,
    format_date_zh,
)

AMOUNT = NumberBetween(0, min_inclusive=False, message="{label}应大于0")
COST = NumberRange(min=0, message="费用不能为负数")
PAID, UNPAID = "已缴纳的，须填写{label}", "未缴纳的，须填写{label}"


class PenaltyServiceForm(TaskForm):
    """送达处罚决定书 (行政处罚法 Art 61): within seven (working) days of the decision; the fifteen days
    for payment run from service."""

    form_key = "penalty_service"
    title = "送达处罚决定书"

    decision_served_on = past_date("送达日期", NotOlderThan(MAX_SERVICE_AGE_DAYS),
                                   description="当事人应自收到决定书之日起十五日内缴纳罚款")
    decision_service_method = ZhSelectField("送达方式", choices=SERVICE_METHODS)
    decision_receiver = short_text("签收人（选填）", required=False,
                                   description="留置送达的，写明见证人；公告送达的，写明公告方式")
    timeline_labels = {"payment_due_on": "缴款期限"}

    def clean_task_data(self, data: dict) -> dict:
        # The payment deadline as the party is told it, fixed now: the diagram's script computes the same
        # (party_deadline) in this transaction, and the payment and credit-repair pages read it back from
        # this step's record rather than recompute it after the office has entered a new year's calendar.
        data["payment_due_on"] = party_deadline_date(self.decision_served_on.data, PAYMENT_DAYS).isoformat()
        return data


# 行政处罚法 Art 67(3): fifteen days from service of the decision; Art 72(1)(1): 3 % a day after it.
PAYMENT_DAYS = 15


def payment_due(service: dict) -> date | None:
    """The payment deadline of a served decision (the penalty_service step's data): as recorded when it was
    served; for a step recorded before the deadline was kept, computed by the same party rule."""
    if service.get("payment_due_on"):
        return date.fromisoformat(service["payment_due_on"])
    served = service.get("decision_served_on")
    return party_deadline_date(date.fromisoformat(served), PAYMENT_DAYS) if served else None
# 行政强制法 Art 54: the court may be asked ten days after the reminder (催告书) was served.
REMINDER_DAYS_BEFORE_COURT = 10


def _yuan(amount: float) -> str:
    return f"{amount:,.2f}".rstrip("0").rstrip(".") + "元"


class _MoneyOwed:
    """What a payment step shows from the decision: the fine, the deadline and, for the payment date the
    clerk entered, the days late, the 加处罚款 and the total owed — computed on the server with the
    function the diagram uses (rules.fines), shown back by the 计算应缴金额 button without submitting."""

    compute = SubmitField("按缴款日期计算应缴金额")
    compute.creation_counter = sys.maxsize - 1  # just before 提交

    fine_amount: float | None = None  # set by for_case from the decision
    due_on: date | None = None
    paid_before: float | None = None  # an earlier (short) payment, shown on the late-payment step

    @classmethod
    def for_case(cls, case_info):
        form = cls()
        decision = case_info.latest("penalty_decision") if case_info else {}
        service = case_info.latest("penalty_service") if case_info else {}
        served = service.get("decision_served_on")
        form.fine_amount = decision.get("fine_amount")
        form.due_on = payment_due(service)
        if cls.form_key == "penalty_late_payment" and case_info:
            earlier = case_info.latest("penalty_payment")
            form.paid_before = earlier.get("paid_amount") if earlier.get("paid_on") and (
                earlier.get("paid_on") >= (served or "")) else None
        return form

    def wants_preview(self) -> bool:
        return bool(self.compute.data)

    def owed_on(self, paid_on: date) -> tuple[int, float, float] | None:
        """(days late, surcharge, total owed) for a payment on ``paid_on``; None when the decision is unknown."""
        if self.fine_amount is None or self.due_on is None:
            return None
        surcharge = late_payment_surcharge(self.fine_amount, self.due_on, paid_on)
        return days_late(self.due_on, paid_on), surcharge, round(self.fine_amount + surcharge, 2)

    def notes(self) -> list[str]:
        if self.fine_amount is None:
            return []
        lines = [f"罚款金额：{_yuan(self.fine_amount)}；缴款期限：" + (
            f"{format_date_zh(self.due_on)}（决定书送达之日起十五日）" if self.due_on else "—")]
        if self.paid_before:
            lines.append(f"此前已登记缴款：{_yuan(self.paid_before)}，不足应缴金额")
        paid_on = self.paid_on.data
        owed = self.owed_on(paid_on) if paid_on else None
        if owed:
            late, surcharge, total = owed
            lines.append(f"按缴款日期{format_date_zh(paid_on)}：逾期{late}日，加处罚款{_yuan(surcharge)}"
                         f"（每日按罚款数额的3%，不超过罚款数额），应缴合计{_yuan(total)}")
            paid = self.paid_amount.data
            if paid is not None and round(paid, 2) < total:
                lines.append(f"实缴{_yuan(paid)}，尚欠{_yuan(round(total - paid, 2))}：不视为缴清，提交后转入"
                             "“逾期未缴处理”，依法催告并申请人民法院强制执行，或登记补缴")
        elif self.due_on:
            lines.append("填写缴款日期后点击“按缴款日期计算应缴金额”，显示逾期天数和加处罚款")
        return lines


class PenaltyPaymentForm(_MoneyOwed, TaskForm):
    """登记缴纳罚款: the bank's confirmation of payment (罚缴分离, 行政处罚法 Art 67). A payment short of the
    fine (and of the surcharge once late) is recorded but not "paid": the diagram sends it to enforcement."""

    form_key = "penalty_payment"
    title = "登记缴纳罚款"

    paid_on = past_date("缴款日期")
    paid_amount = ZhFloatField("实缴金额（元）", [Required(), AMOUNT])
    receipt_no = short_text("缴款凭证号")


class PenaltyLatePaymentForm(_MoneyOwed, TaskForm):
    """逾期未缴处理: after the fifteen days or a short payment, either the payment (the total paid so far,
    checked by the diagram against fine + surcharge at that date) or, after a reminder (催告, 行政强制法
    Art 54) served at least ten days before, the application to the court for compulsory enforcement."""

    form_key = "penalty_late_payment"
    title = "逾期未缴处理"

    fine_paid = YesNoField("当事人是否已补缴", description="逾期缴纳的，每日按罚款数额的3%加处罚款，加处罚款不超过罚款数额")
    paid_on = ZhDateField("缴款日期", [RequiredWhen("fine_paid", "yes", PAID), NotInFuture()])
    paid_amount = ZhFloatField("累计实缴金额（元，含此前已缴部分和加处罚款）",
                               [RequiredWhen("fine_paid", "yes", PAID), AMOUNT])
    receipt_no = StrippedStringField("缴款凭证号", [RequiredWhen("fine_paid", "yes", PAID), Length(max=SHORT_TEXT_MAX)])
    payment_reminder_served_on = ZhDateField(
        "催告书送达日期", [RequiredWhen("fine_paid", "no", UNPAID), NotInFuture()],
        description="申请人民法院强制执行前，应当催告当事人履行义务（行政强制法第五十四条）")
    court_applied_on = ZhDateField(
        "申请人民法院强制执行日期",
        [RequiredWhen("fine_paid", "no", UNPAID), NotInFuture()],
        description="催告书送达十日后仍未履行的，可以申请；法定期限内不申请复议或提起诉讼又不履行的，"
                    "自期限届满之日起三个月内申请（行政强制法第五十三条、第五十四条）")
    court_name = StrippedStringField(
        "受理法院", [RequiredWhen("fine_paid", "no", UNPAID), Length(max=SHORT_TEXT_MAX)],
        default="乳山市人民法院")

    def validate_court_applied_on(self, field) -> None:
        served = self.payment_reminder_served_on.data
        if self.fine_paid.data == "no" and field.data and served:
            earliest = served + timedelta(days=REMINDER_DAYS_BEFORE_COURT)
            if field.data < earliest:
                raise ValidationError(field_message(
                    field, "催告书送达十日后当事人仍未履行的，方可申请强制执行：{label}不得早于{earliest}",
                    earliest=format_date_zh(earliest)))


class PenaltySealCheckForm(TaskForm):
    """核查封井情况: whether the well the decision ordered sealed has been sealed by its owner."""

    form_key = "penalty_seal_check"
    title = "核查封井情况"

    seal_checked_on = past_date("核查日期")
    well_sealed = YesNoField("自备井是否已封停", description="选“否”的，依法催告后实施代履行")
    seal_check_notes = long_text("核查情况")


class PenaltyReminderForm(TaskForm):
    """催告履行 (行政强制法 Art 35): the written reminder with the period to seal the well; 代履行 comes
    only after it expires, and no earlier than three days after the reminder (Art 51(2))."""

    form_key = "penalty_reminder"
    title = "催告履行"

    reminder_served_on = past_date("催告书送达日期", NotOlderThan(MAX_SERVICE_AGE_DAYS))
    reminder_days = ZhIntegerField(
        "履行期限（日）：不少于3日，不足10日按工作日计算",
        [Required(), NumberBetween(3, 30, message="{label}应为3至30之间的整数")], default=5)
    reminder_obligation = long_text("催告履行的义务", max_len=1000,
                                    default="停止取用地下水，自行封闭自备井并报请验收。")
    reminder_service_method = ZhSelectField("送达方式", choices=SERVICE_METHODS)


class PenaltySubstituteDecisionForm(ConditionalFields, TaskForm):
    """代履行决定 (行政强制法 Art 37, 51(1)): after the reminder expired, unless the owner has sealed."""

    form_key = "penalty_substitute_decision"
    title = "代履行决定"
    conditional = {"substitute_method": ("party_performed", "no", "实施代履行的，请选择{label}")}

    substitute_decided_on = past_date("决定日期")
    party_performed = YesNoField("当事人是否已在催告期限内自行封井", description="已自行封井的，不再实施代履行")
    substitute_date = ZhDateField(
        "代履行日期",
        [RequiredWhen("party_performed", "no", "实施代履行的，须填写{label}"), InFuture(),
         WorkingDaysAfter("substitute_decided_on", 3, "{label}应在{other}三个工作日之后，不得早于{earliest}")],
        description="代履行决定书送达后，于代履行三日前催告当事人履行（行政强制法第五十一条）")
    substitute_executor = StrippedStringField(
        "代履行人", [RequiredWhen("party_performed", "no", "实施代履行的，须填写{label}"),
                    Length(max=SHORT_TEXT_MAX)], default="乳山市综合执法局")
    substitute_method = ZhSelectField("封井方式", choices=DISPOSAL_TYPES, required=False,
                                      description="按DB37/T 4634-2023《机井封停与启用技术规范》")
    substitute_cost_estimate = ZhFloatField(
        "代履行费用预算（元）", [RequiredWhen("party_performed", "no", "实施代履行的，须填写{label}"), COST],
        description="代履行的费用按照成本合理确定，由当事人承担")


class PenaltySubstituteSealingForm(TaskForm):
    """代履行封井: the on-site record, signed by the supervising officer, the executor and the owner or a
    witness (行政强制法 Art 51(3)(4))."""

    form_key = "penalty_substitute_sealing"
    title = "代履行封井"

    substitute_sealed_on = past_date("封井日期")
    substitute_seal_no = short_text("封条（封井）编号")
    substitute_disposal_type = ZhSelectField("处置方式", choices=DISPOSAL_TYPES)
    supervising_officer = short_text("到场监督的执法人员", description="作出决定的市水利局派员到场监督")
    substitute_witness = short_text("当事人或见证人")
    substitute_cost = ZhFloatField("实际代履行费用（元）", [Required(), COST])
    substitute_notes = long_text("现场情况（选填）", required=False, max_len=1000)
    substitute_photos = evidence_field("封井照片（选填）", description="代履行前后、封条和现场记录")
