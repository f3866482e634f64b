"""Forms of the credit sanction after the record (bpmn/credit.bpmn): the party's objection, its handling,
and credit repair once the party has corrected, paid and signed a credit commitment.

The objection window and the handling period are 7 working days each (the diagram's timers); the
integrity file is the water users' (地下水管理条例 Art 53), reported to the provincial platform by the
integration through the outbox when the leading office confirms it.
"""
from __future__ import annotations

from dataclasses import dataclass

from wtforms.fields import SubmitField
from wtforms.validators import ValidationError

from rules.fines import late_payment_surcharge

from .base import TaskForm, ZhForm
from .common import long_text, past_date
from .fields import StrippedTextAreaField, YesNoField, ZhDateField
from .validators import NotBefore, NotInFuture, RequiredWhen, format_date_zh


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


@dataclass(frozen=True)
class RepairCheck:
    """One condition of credit repair as the case record shows it; ``supplier`` says who can supply it."""

    label: str
    ok: bool
    detail: str
    supplier: str = ""


def repair_checks(record: dict) -> list[RepairCheck]:
    """The conditions of credit repair (DOMAIN.md, "credit"; 山东省社会信用条例 Art 41) read from the record
    (``steps.CaseInfo.repair_record``): the fine and its 加处罚款 paid per the penalty's recorded payment,
    the act corrected (every problem closed out, the well sealed and still sealed where it had to be)."""
    checks = []
    fine = record.get("fine_amount")
    if fine is None:
        checks.append(RepairCheck("罚款及加处罚款已缴清", True, "本案未给予罚款"))
    else:
        paid, paid_on, due = record.get("paid_amount"), record.get("paid_on"), record.get("payment_due_on")
        surcharge = late_payment_surcharge(fine, due, paid_on) if paid_on and due else 0
        owed = round(fine + surcharge, 2)
        if paid is None:
            checks.append(RepairCheck("罚款及加处罚款已缴清", False, f"罚款{fine:g}元，未登记缴款",
                                      "市水利局在“登记缴纳罚款”或“逾期未缴处理”环节登记缴款凭证"))
        else:
            ok = round(paid, 2) >= owed
            checks.append(RepairCheck(
                "罚款及加处罚款已缴清", ok,
                f"罚款{fine:g}元，加处罚款{surcharge:g}元，应缴{owed:g}元，已缴{paid:g}元（{format_date_zh(paid_on)}）"
                + ("" if ok else f"，尚欠{round(owed - paid, 2):g}元"),
                "" if ok else "当事人补缴后，由市水利局在“逾期未缴处理”环节登记"))
    open_problems = record.get("open_problems") or []
    checks.append(RepairCheck(
        "问题清单已全部销号", not open_problems,
        "无未销号问题" if not open_problems else "未销号：" + "；".join(open_problems),
        "" if not open_problems else "市水利局复查（回头看）时逐项销号"))
    if record.get("must_seal"):
        sealed = record.get("sealed")
        checks.append(RepairCheck(
            "自备井已封闭且封存完好", bool(sealed), record.get("seal_detail") or ("已封井" if sealed else "未封井"),
            "" if sealed else "市综合执法局或水务集团封井、市水利局验收；巡查发现启封的，重新封井后方可修复"))
    return checks


class CreditRepairForm(TaskForm):
    """信用修复审核: repair only when the record shows the act corrected and the fine and surcharge paid,
    and the party has signed a credit commitment (the date of the signed letter is entered here)."""

    form_key = "credit_repair"
    title = "信用修复审核"
    hidden_in_timeline = frozenset({"repair_checks"})

    applied_on = past_date("申请日期")
    commitment_signed_on = ZhDateField("信用承诺书签订日期", [NotInFuture()],
                                       description="当事人签订信用承诺书的日期；未签订的留空，不得准予修复")
    repair_approved = YesNoField("是否准予信用修复")
    review_opinion = long_text("审核意见")

    checks: list = []  # RepairCheck rows, set by for_case from the case record

    @classmethod
    def for_case(cls, case_info) -> "CreditRepairForm":
        form = cls()
        form.checks = repair_checks(case_info.repair_record()) if case_info else []
        return form

    def notes(self) -> list[str]:
        return ["信用修复条件（据案件记录核对）："] + [
            f"{'✔' if c.ok else '✘'} {c.label}：{c.detail}" + (f"。由{c.supplier}" if c.supplier else "")
            for c in self.checks]

    def validate_repair_approved(self, field) -> None:
        if field.data != "yes":
            return
        missing = [f"{c.label}（{c.detail}；由{c.supplier}）" for c in self.checks if not c.ok]
        if not self.commitment_signed_on.data:
            missing.append("已签订信用承诺书（由当事人签订后，在本页填写签订日期）")
        if missing:
            raise ValidationError("不能准予信用修复，尚缺：" + "；".join(missing))

    def clean_task_data(self, data: dict) -> dict:
        # What the decision rested on, on the record (the timeline hides the rows; the audit keeps them).
        data["repair_checks"] = [{"label": c.label, "ok": c.ok, "detail": c.detail} for c in self.checks]
        data["corrected"] = all(c.ok for c in self.checks if c.label != "罚款及加处罚款已缴清")
        data["fine_paid"] = all(c.ok for c in self.checks if c.label == "罚款及加处罚款已缴清")
        return data


class CreditRepairApplicationForm(ZhForm):
    """受理信用修复申请 (on the case page): the party applies; the repair review then reaches the inbox."""

    applied_on = past_date("申请日期")
    application_note = long_text("申请情况（选填）", required=False, max_len=500,
                                 description="当事人提交的材料：整改证明、缴款凭证、信用承诺书等")
    submit = SubmitField("受理信用修复申请")
