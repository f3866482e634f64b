"""Forms of the supervisor overrides: every one needs a reason, and carries the page's case version."""
from __future__ import annotations

from wtforms.fields import SubmitField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import HiddenInput

from .base import ZhForm
from .common import long_text
from .fields import ZhDateField, ZhIntegerField, ZhSelectField
from .register import RegisterWellForm
from .validators import Required


class OverrideForm(ZhForm):
    """Suspend, resume, cancel, skip: a reason is all it takes."""

    instance_version = ZhIntegerField("版本", widget=HiddenInput(),
                                      validators=[Required("页面信息不完整，请刷新后重试"), NumberRange(min=0)])
    reason = long_text("理由", max_len=1000, description="写明依据和原因，将记入审计记录")
    submit = SubmitField("确定")


class DeadlineForm(OverrideForm):
    """A new date, or a number of working days added to the current due date: one of the two."""

    due_on = ZhDateField("新的期限（当日24时届满）", [Optional()],
                         description="延长或缩短期限；选择已过去的日期，期限立即届满")
    working_days = ZhIntegerField("或：在现期限基础上延长的工作日数", [Optional(), NumberRange(
        min=1, max=365, message="延长的工作日数应在 1 到 365 之间")],
        description="按工作日计算（节假日顺延），新期限为算得日期的24时")
    submit = SubmitField("调整期限")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and (self.due_on.data is None) == (self.working_days.data is None):
            self.due_on.errors = [*self.due_on.errors, "请填写新的期限日期，或填写延长的工作日数，二者选一"]
            return False
        return ok


class MigrationForm(ZhForm):
    """Move the ticked cases to the current diagram version (the ticks come with the request)."""

    reason = long_text("迁移理由", max_len=1000, description="如：流程图按新规定修改，记入审计记录")
    submit = SubmitField("迁移所选案件")


class ResetForm(OverrideForm):
    """Back to a step already done. The caller sets ``target.choices`` (completed tasks of the case)."""

    target = ZhSelectField("退回到")
    submit = SubmitField("退回")


class CorrectCaseForm(RegisterWellForm):
    """Correct the water user's and the well's data of a case; the caller sets ``town.choices``."""

    instance_version = ZhIntegerField("版本", widget=HiddenInput(),
                                      validators=[Required("页面信息不完整，请刷新后重试"), NumberRange(min=0)])
    reason = long_text("更正理由", max_len=1000, description="写明依据（如营业执照、现场核实），将记入审计记录")
    submit = SubmitField("保存更正")

    @staticmethod
    def data_of(owner, well) -> dict:
        """The form's data from the stored water user and well (the inverse of user_data/well_data)."""
        yes_no = lambda value: "yes" if value else "no"  # noqa: E731
        return {
            "user_kind": owner.kind, "user_name": owner.name, "party_id": owner.party_id,
            "legal_rep": owner.legal_rep, "user_address": owner.address, "phone": owner.phone,
            "industry": owner.industry, "well_no": well.well_no, "town": well.town, "village": well.village,
            "well_address": well.address, "latitude": well.latitude, "longitude": well.longitude,
            "depth_m": well.depth_m, "year_drilled": well.year_drilled, "purpose": well.purpose,
            "annual_volume_m3": well.annual_volume_m3, "in_coverage": yes_no(well.in_coverage),
            "coverage_source": well.coverage_source, "in_restricted_zone": yes_no(well.in_restricted_zone),
            "permit_no": well.permit_no, "permit_issuer": well.permit_issuer,
            "permit_valid_from": well.permit_valid_from, "permit_valid_to": well.permit_valid_to,
            "has_meter": yes_no(well.has_meter), "meter_serial": well.meter_serial,
            "hidden_well": yes_no(well.hidden_well),
        }


# Stored field (as recorded in a correction's changes) -> the form field that edits it.
_FIELD_OF = {"user.kind": "user_kind", "user.name": "user_name", "user.address": "user_address",
             "user.town": "town", "well.address": "well_address"}


def change_label(key: str) -> str:
    """The Chinese label of a corrected field, e.g. ``well.town`` -> ``所属镇（街道）``."""
    prefix, _, name = key.partition(".")
    field = getattr(RegisterWellForm, _FIELD_OF.get(key, name), None)
    label = field.args[0] if field is not None and field.args else key
    owner = "用水户" if prefix == "user" and name == "town" else ""
    return owner + str(label).replace("（选填）", "")


class SkipReasonForm(ZhForm):
    """The reason of a skip whose step's own form the supervisor fills in (posted together with it)."""

    reason = long_text("跳过理由", max_len=1000, description="写明依据和原因，将与代填的内容一并记入审计记录")
