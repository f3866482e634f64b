"""Forms of the disposal stage: connection to public supply, sealing the well, and the
abstraction-permit decision (the two ways a case can end with the well dealt with)."""

from __future__ import annotations

from wtforms.validators import Length, ValidationError

from .base import TaskForm
from .choices import ACCEPTANCE_SIGNATORIES, DISPOSAL_TYPES
from .common import SHORT_TEXT_MAX, long_text, past_date, short_text
from .fields import (
    MultiCheckboxField,
    StrippedStringField,
    StrippedTextAreaField,
    YesNoField,
    ZhDateField,
    ZhFloatField,
    ZhSelectField,
)
from .uploads import evidence_field
from .validators import AtLeastOne, NotBefore, NotInFuture, Required, RequiredWhen, WithinCity, is_blank

# The usual grounds; the clerk may adapt them to the case.
DEFAULT_NON_RENEWAL_GROUNDS = (
    "你（单位）的取水工程位于乳山市公共供水管网覆盖范围内。依据《山东省水资源条例》第三十条、《取水许可和"
    "水资源费征收管理条例》第二十条第（五）项及乳山市地下水专项整治行动方案，取水许可有效期届满后不予延续。")


class SupplyConnectionForm(TaskForm):
    """接通公共供水并签订供水协议: the water group connects the user before sealing."""

    form_key = "supply_connection"
    title = "接通公共供水并签订供水协议"

    supply_agreement_no = short_text("供水协议编号")
    connected_on = past_date("接水日期")


class SealingRecordForm(TaskForm):
    """封井记录: the sealing record with GPS position (封井验收), or the obstruction that stopped it
    (then the police handle it and the sealing is done again)."""

    form_key = "sealing_record"
    title = "封井记录"

    seal_obstructed = YesNoField("封井时是否遭遇阻挠或暴力抗法", default="no",
                                 description="选“是”将立即转公安机关处置，处置后重新封井")
    obstruction_details = StrippedTextAreaField(
        "受阻情况", [RequiredWhen("seal_obstructed", "yes", "封井受阻的，须写明{label}"), Length(max=1000)],
        description="阻挠人员、经过、是否有暴力行为，现场照片或录像编号")
    sealed_on = ZhDateField("封井日期", [RequiredWhen("seal_obstructed", "no"), NotInFuture()])
    disposal_type = ZhSelectField("处置方式", choices=DISPOSAL_TYPES, required=False,
                                  description="按DB37/T 4634-2023《机井封停与启用技术规范》")
    seal_no = StrippedStringField("封条（封井）编号", [RequiredWhen("seal_obstructed", "no"),
                                                Length(max=SHORT_TEXT_MAX)])
    latitude = ZhFloatField("纬度", [RequiredWhen("seal_obstructed", "no"), WithinCity("lat")],
                            description="十进制度，如 36.9125")
    longitude = ZhFloatField("经度", [RequiredWhen("seal_obstructed", "no"), WithinCity("lon")],
                             description="十进制度，如 121.5372")
    sealing_notes = long_text("备注（选填）", required=False, max_len=1000)
    sealing_photos = evidence_field("封井照片（选填）", description="封井前后、封条、井口封填情况；受阻的，现场情况")

    locate = True  # the page offers "use my location" beside the coordinates
    scripts = ("locate.js",)

    @classmethod
    def for_case(cls, case_info) -> "SealingRecordForm":
        # The sealing team confirms the registered position or replaces it with the phone's own.
        well = case_info.case.well if case_info is not None else None
        if well is None or well.latitude is None or well.longitude is None:
            return cls()
        form = cls.prefilled(lambda: {"latitude": well.latitude, "longitude": well.longitude})
        form.show_known({"latitude": f"登记位置：{well.latitude}, {well.longitude}"})
        return form

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # A drop-down cannot carry RequiredWhen (its own check runs first): asked here instead.
        if self.seal_obstructed.data == "no" and is_blank(self.disposal_type.data) and not self.disposal_type.errors:
            self.disposal_type.errors = ["请选择处置方式"]
            ok = False
        return ok

    def clean_task_data(self, data: dict) -> dict:
        if data["seal_obstructed"]:
            data["disposal_type"] = None  # nothing was sealed
        return data


class PermitApprovalForm(TaskForm):
    """取水许可审批: the approval bureau's decision on an abstraction-permit application."""

    form_key = "permit_approval"
    title = "取水许可审批"

    permit_approved = YesNoField("是否批准取水许可")
    permit_no = StrippedStringField(
        "取水许可证号",
        [RequiredWhen("permit_approved", "yes", "批准取水许可的，须填写{label}"),
         Length(max=SHORT_TEXT_MAX)])
    permit_valid_from = ZhDateField(
        "有效期起始日期",
        [RequiredWhen("permit_approved", "yes", "批准取水许可的，须填写{label}")])
    permit_valid_to = ZhDateField(
        "有效期截止日期",
        [RequiredWhen("permit_approved", "yes", "批准取水许可的，须填写{label}"),
         NotBefore("permit_valid_from", strict=True)])
    # 取水工程验收 (取水许可管理办法 Art 24-25): a permit is issued only after the works passed acceptance.
    works_accepted_on = ZhDateField(
        "取水工程验收日期",
        [RequiredWhen("permit_approved", "yes", "批准取水许可的，须填写{label}"), NotInFuture()],
        description="批准取水许可前，须对取水工程（设施）组织验收")
    works_acceptance_passed = YesNoField("验收结论：是否合格", required=False,
                                         description="不合格的，不予批准，待整改后重新验收")
    works_accepted_by = StrippedStringField(
        "验收人员", [RequiredWhen("permit_approved", "yes", "批准取水许可的，须填写{label}"),
                 Length(max=SHORT_TEXT_MAX)],
        description="验收组成员姓名及单位")
    approval_opinion = long_text("审批意见")

    timeline_labels = {"works_acceptance_passed": "取水工程验收合格"}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # A radio group cannot carry RequiredWhen (its own check runs first): asked here instead.
        if self.permit_approved.data == "yes" and not self.works_acceptance_passed.errors:
            if is_blank(self.works_acceptance_passed.data):
                self.works_acceptance_passed.errors = ["批准取水许可的，须填写验收结论"]
                ok = False
            elif self.works_acceptance_passed.data == "no":
                self.works_acceptance_passed.errors = ["取水工程验收不合格的，不能批准取水许可"]
                ok = False
        return ok


class NonRenewalForm(TaskForm):
    """作出不予延续决定: a licensed well inside the network's coverage gets no renewal (plan §三(一));
    the written decision must come before the permit expires, else renewal is deemed granted
    (行政许可法 Art 50)."""

    form_key = "non_renewal"
    title = "作出不予延续决定"

    permit_no = short_text("取水许可证号")
    permit_expires_on = ZhDateField(
        "许可有效期截止日期", [Required()],
        description="许可证上载明的有效期截止日；届满次日起转入接通公共供水和封井")
    decided_on = past_date("决定日期")
    non_renewal_grounds = long_text("不予延续的理由", max_len=1000, default=DEFAULT_NON_RENEWAL_GROUNDS)

    def validate_decided_on(self, field) -> None:
        if field.data and self.permit_expires_on.data and field.data >= self.permit_expires_on.data:
            raise ValidationError("不予延续决定须在许可有效期届满前作出：届满时未作决定的，视为准予延续"
                                  "（《行政许可法》第五十条）。")

    @classmethod
    def for_case(cls, case_info) -> "NonRenewalForm":
        well = case_info.case.well if case_info else None
        return cls.prefilled(lambda: well and {
            "permit_no": well.permit_no, "permit_expires_on": well.permit_valid_to,
            "non_renewal_grounds": DEFAULT_NON_RENEWAL_GROUNDS})


class MeterVerificationForm(TaskForm):
    """计量设施检定: the market regulator verifies the meter of a permitted well (plan §五(七))."""

    form_key = "meter_verification"
    title = "计量设施检定"

    verified_on = past_date("检定日期")
    meter_serial = short_text("计量设施编号")
    certificate_no = short_text("检定证书编号")
    meter_passed = YesNoField("检定是否合格", description="不合格的，写明问题，由复查核实整改")
    verification_notes = long_text("备注（选填）", required=False, max_len=1000)


class TaxRegistrationForm(TaskForm):
    """水资源税登记: the tax bureau registers the permitted user for water resource tax (plan §五(十))."""

    form_key = "tax_registration"
    title = "水资源税登记"

    registered_on = past_date("登记日期")
    taxpayer_no = short_text("纳税人识别号")
    tax_notes = long_text("备注（选填）", required=False, max_len=1000,
                          description="申报缴纳期限、污水处理费征收等")


class SealAcceptanceForm(TaskForm):
    """封井验收: the water bureau accepts the sealing with the units that sign the 验收单; a sealing not up
    to DB37/T 4634-2023 is sent back to be done again."""

    form_key = "seal_acceptance"
    title = "封井验收"

    accepted_on = past_date("验收日期")
    seal_accepted = YesNoField("封井是否验收合格", description="不合格的，退回重新封井")
    signatories = MultiCheckboxField("参加验收并签字的单位", choices=ACCEPTANCE_SIGNATORIES,
                                     validators=[AtLeastOne("请勾选参加验收并签字的单位")])
    acceptance_opinion = long_text("验收意见", description="井口封闭、封条、封填材料与深度等是否符合规范")
