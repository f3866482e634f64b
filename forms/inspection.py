"""Forms of the first steps of a case: the commitment letter, the on-site inspection,
and the review of an urban-village exemption (城中村暂缓封停)."""

from __future__ import annotations

from . import validators
from .base import TaskForm
from .choices import PURPOSES
from .common import long_text, past_date, short_text
from .fields import YesNoField, ZhDateField, ZhSelectField
from .uploads import evidence_field
from .validators import InFuture, RequiredWhen, format_date_zh, is_blank


def _yes_no(value) -> str:
    return "yes" if value else "no"


def _letter_defaults(case_info) -> dict:
    """Today and the one who signs for the water user: a unit's legal representative, else the person."""
    owner = getattr(getattr(getattr(case_info, "case", None), "well", None), "owner", None)
    signatory = (owner.legal_rep or owner.name) if owner is not None else None
    return {"signed_on": validators.today(), "signatory": signatory}


class CommitmentLetterForm(TaskForm):
    """签订承诺书: the town has the user sign the commitment letter with the water bureau."""

    form_key = "commitment_letter"
    title = "签订承诺书"

    timeline_labels = {"reuse_letter": "沿用已签订的承诺书", "reused_from": "沿用案件"}

    signed_on = past_date("签订日期")
    signatory = short_text("签字人", description="用水户本人或单位法定代表人（授权代理人）姓名")
    witness_department = short_text("见证单位（选填）", required=False)
    commitment_notes = long_text("备注（选填）", required=False, max_len=1000)

    @classmethod
    def for_case(cls, case_info) -> "CommitmentLetterForm":
        # The letter is the water user's (plan §四(四)): a user who signed for another well may keep it.
        earlier = case_info.owner_commitment() if hasattr(case_info, "owner_commitment") else None
        if earlier is None:
            return cls.prefilled(lambda: _letter_defaults(case_info))
        form = ReusableCommitmentForm.prefilled(lambda: _letter_defaults(case_info))
        form.earlier = earlier
        form.reuse_letter.description = (f"该用水户已在案件 {earlier[0]} 中签订承诺书（{earlier[1].get('signed_on')}，"
                                          f"签字人 {earlier[1].get('signatory')}）；选“是”不再重复签订")
        return form


class ReusableCommitmentForm(CommitmentLetterForm):
    """The commitment step of a user who already signed a letter for another well: keep that letter, or
    sign again (then the date and the signatory are asked as usual)."""

    reuse_letter = YesNoField("沿用该用水户已签订的承诺书", default="yes")
    reuse_letter.creation_counter = -1  # asked first
    signed_on = past_date("签订日期", required=False)
    signatory = short_text("签字人", required=False, description="用水户本人或单位法定代表人（授权代理人）姓名")
    earlier: tuple[str, dict] | None = None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.reuse_letter.data == "no":
            for f, message in ((self.signed_on, "请填写签订日期"), (self.signatory, "请填写签字人")):
                if is_blank(f.data) and not f.errors:
                    f.errors = [message]
                    ok = False
        return ok

    def clean_task_data(self, data: dict) -> dict:
        if data.get("reuse_letter") and self.earlier:
            number, letter = self.earlier
            data.update(signed_on=letter.get("signed_on"), signatory=letter.get("signatory"),
                        witness_department=letter.get("witness_department"), reused_from=number)
        return data


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
        # The inspector confirms or corrects what the register holds (the ledger, a tip-off) rather than
        # answering from nothing; the registered fact stays beside each question.
        well = case_info.case.well if case_info is not None else None
        if well is None:
            return cls()
        form = cls.prefilled(lambda: registered_answers(well))
        form.show_known(registered_facts(well))
        return form


def registered_answers(well) -> dict:
    """The inspection's answers as the register holds them (the questions it has no fact for stay open)."""
    return {"in_coverage": _yes_no(well.in_coverage), "has_permit": _yes_no(well.permit_no),
            "purpose": well.purpose, "has_meter": _yes_no(well.has_meter), "hidden_well": _yes_no(well.hidden_well)}


def registered_facts(well) -> dict[str, str]:
    """What the register says, in words, for each question it answers."""
    purposes = dict(PURPOSES)
    coverage = "在管网覆盖范围内" if well.in_coverage else "不在管网覆盖范围内"
    if well.in_coverage and well.coverage_source:
        coverage += f"（{well.coverage_source}）"
    if well.permit_no:
        permit = f"取水许可证 {well.permit_no}"
        if well.permit_valid_to:
            permit += f"，有效期至 {format_date_zh(well.permit_valid_to)}"
    else:
        permit = "未办理取水许可"
    meter = (f"已安装计量设施（表号 {well.meter_serial}）" if well.meter_serial else "已安装计量设施") \
        if well.has_meter else "未安装计量设施"
    return {"in_coverage": f"登记：{coverage}", "has_permit": f"登记：{permit}",
            "purpose": f"登记：{purposes.get(well.purpose, well.purpose)}", "has_meter": f"登记：{meter}",
            "hidden_well": "登记：隐瞒不报的自备井" if well.hidden_well else "登记：已申报"}


class ExemptionApplicationForm(TaskForm):
    """城中村暂缓封停申请: the street office (城区街道办事处) asks for an urban village's well to be left unsealed
    for now; the leading-group office then reviews the request (ExemptionReviewForm)."""

    form_key = "exemption_application"
    title = "城中村暂缓封停申请"

    applied_on = past_date("申请日期")
    village_name = short_text("城中村名称", description="列入城中村改造计划的村（社区）名称")
    application_reasons = long_text(
        "申请理由", description="暂缓封停的理由：城中村改造计划、居民生活用水保障、公共供水管网接入条件等")
    renovation_plan = long_text("改造计划及预计接通供水时间（选填）", required=False, max_len=1000)
    applicant_contact = short_text("联系人及电话", description="街道办事处经办人姓名和电话")

    @classmethod
    def for_case(cls, case_info) -> "ExemptionApplicationForm":
        # The village the well is registered in, and today.
        well = case_info.case.well if case_info is not None else None
        return cls.prefilled(lambda: {"applied_on": validators.today(),
                                      "village_name": well.village if well is not None else None})


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
