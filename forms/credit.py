"""Forms of the credit sanction after the record (bpmn/credit.bpmn): the party's objection, its handling,
and credit repair once the party has corrected, paid and signed a credit commitment.

The objection window and the handling period are 7 working days each (the diagram's timers); the
integrity file is the water users' (地下水管理条例 Art 53), reported to the provincial platform by the
integration through the outbox when the leading office confirms it.
"""
from __future__ import annotations

from wtforms.fields import SubmitField
from wtforms.validators import ValidationError

from .base import TaskForm, ZhForm
from .common import long_text, past_date
from .fields import StrippedTextAreaField, YesNoField, ZhDateField
from .validators import NotBefore, NotInFuture, RequiredWhen


class CreditObjectionForm(TaskForm):
    """异议登记: whether the party objected within the window (the window's end closes the step)."""

    form_key = "credit_objection"
    title = "异议登记"

    objection_received = YesNoField("当事人是否提出异议")
    objection_received_on = ZhDateField(
        "收到异议日期", [RequiredWhen("objection_received", "yes", "提出异议的，须填写{label}"), NotInFuture()])
    objection_content = StrippedTextAreaField(
        "异议内容", [RequiredWhen("objection_received", "yes", "提出异议的，须写明{label}")],
        description="当事人认为记录有误的事项及理由、提交的证明材料")


class CreditObjectionDecisionForm(TaskForm):
    """异议核查处理: verified, then decided; the objection is upheld (the record is withdrawn) or not."""

    form_key = "credit_objection_decision"
    title = "异议核查处理"

    verified_on = past_date("核查日期", description="收到异议后3个工作日内核查")
    objection_upheld = YesNoField("异议是否成立", description="成立的，撤销失信记录；不成立的，报送审核")
    decided_on = past_date("处理决定日期", NotBefore("verified_on"), description="收到异议后7个工作日内作出")
    decision_reason = long_text("处理意见")


class CreditRepairForm(TaskForm):
    """信用修复审核: repair only when the act is corrected, the fine paid and a credit commitment signed."""

    form_key = "credit_repair"
    title = "信用修复审核"

    applied_on = past_date("申请日期")
    corrected = YesNoField("违法行为是否已纠正（已封井或依法办证）")
    fine_paid = YesNoField("罚款及加处罚款是否已缴清")
    commitment_signed_on = ZhDateField("信用承诺书签订日期（选填）", [NotInFuture()])
    repair_approved = YesNoField("是否准予信用修复")
    review_opinion = long_text("审核意见")

    def validate_repair_approved(self, field) -> None:
        if field.data == "yes" and not (self.corrected.data == "yes" and self.fine_paid.data == "yes"
                                        and self.commitment_signed_on.data):
            raise ValidationError("准予信用修复须同时满足：违法行为已纠正、罚款已缴清、已签订信用承诺书。")


class CreditRepairApplicationForm(ZhForm):
    """受理信用修复申请 (on the case page): the party applies; the repair review then reaches the inbox."""

    applied_on = past_date("申请日期")
    application_note = long_text("申请情况（选填）", required=False, max_len=500,
                                 description="当事人提交的材料：整改证明、缴款凭证、信用承诺书等")
    submit = SubmitField("受理信用修复申请")
