"""Forms of the first steps of a case: the commitment letter, the on-site inspection,
and the review of an urban-village exemption (城中村暂缓封停)."""

from __future__ import annotations

from .base import TaskForm
from .choices import PURPOSES
from .common import long_text, past_date, short_text
from .fields import YesNoField, ZhDateField, ZhSelectField
from .uploads import evidence_field
from .validators import InFuture, RequiredWhen


class CommitmentLetterForm(TaskForm):
    """签订承诺书: the town has the user sign the commitment letter with the water bureau."""

    form_key = "commitment_letter"
    title = "签订承诺书"

    signed_on = past_date("签订日期")
    signatory = short_text("签字人", description="用水户本人或单位法定代表人（授权代理人）姓名")
    witness_department = short_text("见证单位（选填）", required=False)
    commitment_notes = long_text("备注（选填）", required=False, max_len=1000)


class InspectionForm(TaskForm):
    """现场检查: what the task force found on site; the answers feed the classification
    table (hidden well × coverage × permit × purpose × urban village)."""

    form_key = "inspection"
    title = "现场检查"

    inspected_on = past_date("检查日期")
    inspectors = short_text(
        "检查人员", max_len=200,
        description="执法人员姓名及执法证号，不少于2人，如：张某（执法证号××××）")
    in_coverage = YesNoField("是否在公共供水管网覆盖范围内")
    has_permit = YesNoField("是否办理取水许可")
    purpose = ZhSelectField("取水用途", choices=PURPOSES)
    urban_village = YesNoField("是否属于城中村")
    hidden_well = YesNoField("是否为隐瞒不报的自备井", default="no",
                             description="未按要求申报、经检查查实的，依法从严处罚后封停")
    has_meter = YesNoField("是否安装计量设施")
    tax_registered = YesNoField("是否已登记缴纳水资源税和污水处理费")
    obstructed = YesNoField("是否拒绝或阻挠检查",
                            description="选“是”将同时记录为违法情形，必要时移送公安机关")
    findings = long_text("检查情况", description="现场检查笔录的主要内容：取水设施、计量、用途、存在的问题等")
    site_photos = evidence_field("现场照片（选填）", description="井口、取水设施、计量设施、周边管网等")

    @classmethod
    def for_case(cls, case_info) -> "InspectionForm":
        form = cls()
        well = getattr(getattr(case_info, "case", None), "well", None)
        if not form.is_submitted() and well is not None and well.hidden_well:
            # Registered as hidden (a tip-off, the ledger): the inspector confirms it rather than re-enters it.
            form.process(data={"hidden_well": "yes"})
        return form


class ExemptionReviewForm(TaskForm):
    """城中村暂缓封停审查: the leading-group office decides a street office's request."""

    form_key = "exemption_review"
    title = "城中村暂缓封停审查"

    exemption_approved = YesNoField("是否同意暂缓封停")
    review_opinion = long_text("审查意见")
    next_review_on = ZhDateField(
        "下次复核日期",
        [RequiredWhen("exemption_approved", "yes", "同意暂缓封停的，须填写{label}"), InFuture()],
        description="同意暂缓封停时必填，须晚于今天；到期后重新审查")
