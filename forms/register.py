"""The ledger entry that starts a case: a water user, its well, and the facts known at
registration (town survey, the water group's list of users in coverage, or a hidden
well found later)."""

from __future__ import annotations

import unicodedata

from wtforms.fields import SubmitField
from wtforms.validators import Length, Optional

from . import validators as _validators
from .base import ZhForm
from .choices import PURPOSES, USER_KINDS, select_choices
from .common import SHORT_TEXT_MAX, short_text
from .fields import (
    StrippedStringField,
    YesNoField,
    ZhDateField,
    ZhFloatField,
    ZhIntegerField,
    ZhRadioField,
    ZhSelectField,
)
from .validators import (
    NotBefore,
    NumberBetween,
    PartyId,
    Pattern,
    Phone,
    Required,
    RequiredWhen,
    RequiredWithAny,
    WithinCity,
    normalize_code,
)

WELL_NO_MAX = 32
EARLIEST_DRILLING_YEAR = 1950


def _well_no_filter(value):
    # One well, one code: "rs-001 " and "RS-001" must not become two wells.
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFKC", value).strip().upper()


def _current_year() -> int:
    # Looked up through the module at call time: the year changes while the app runs.
    return _validators.today().year


class RegisterWellForm(ZhForm):
    """Register a water user and its well (登记自备井) and start a case.

    The town list comes from the departments table, so the caller supplies it:
    ``RegisterWellForm(town_choices=[(code_or_id, "夏村镇"), ...])`` or
    ``RegisterWellForm.with_towns(choices)``, or sets ``form.town.choices`` before
    rendering/validating. A town clerk should be given only their own town.
    """

    # ---- water user (用水户)
    user_kind = ZhRadioField("用水户类型", choices=USER_KINDS)
    user_name = short_text("用水户名称", description="单位全称（与营业执照一致）或个人姓名")
    party_id = StrippedStringField(
        "统一社会信用代码/身份证号", [Required(), PartyId(kind_field="user_kind")],
        filters=[normalize_code],
        description="单位填写18位统一社会信用代码，个人填写18位居民身份证号")
    legal_rep = StrippedStringField(
        "法定代表人",
        [RequiredWhen("user_kind", "enterprise", "单位用水户须填写{label}"), Length(max=50)],
        description="单位用水户必填")
    user_address = short_text("用水户地址", max_len=200)
    phone = StrippedStringField("联系电话", [Required(), Phone()],
                                description="手机号或固定电话，如 0631-6612345")
    industry = short_text("所属行业（选填）", required=False)

    # ---- well (自备井)
    well_no = StrippedStringField(
        "机井编号",
        [Required(), Length(max=WELL_NO_MAX),
         Pattern(r"[A-Z0-9-]+", "{label}只能由字母、数字和短横线“-”组成")],
        filters=[_well_no_filter], description="一井一码，最长32位")
    town = ZhSelectField("所属镇（街道）")
    village = short_text("村（社区）")
    well_address = short_text("机井具体位置（选填）", required=False, max_len=200)
    latitude = ZhFloatField(
        "纬度（选填）",
        [RequiredWithAny(("longitude",), "填写了经度的，请同时填写{label}"), WithinCity("lat")],
        description="十进制度，如 36.9125")
    longitude = ZhFloatField(
        "经度（选填）",
        [RequiredWithAny(("latitude",), "填写了纬度的，请同时填写{label}"), WithinCity("lon")],
        description="十进制度，如 121.5372")
    depth_m = ZhFloatField("井深（米）（选填）",
                           [Optional(), NumberBetween(0, 1000, min_inclusive=False, unit="米")])
    year_drilled = ZhIntegerField(
        "成井年份（选填）",
        [Optional(), NumberBetween(EARLIEST_DRILLING_YEAR, _current_year,
                                   message="{label}应在{min}年至{max}年之间")])
    purpose = ZhSelectField("取水用途", choices=PURPOSES)
    annual_volume_m3 = ZhFloatField("年取水量（立方米）（选填）",
                                    [Optional(), NumberBetween(0, None, unit="立方米")])
    in_coverage = YesNoField("是否在公共供水管网覆盖范围内")
    coverage_source = short_text("管网供水单位或水源（选填）", required=False)
    in_restricted_zone = YesNoField("是否在地下水超采区或禁采区")
    permit_no = StrippedStringField(
        "取水许可证号（选填）",
        [RequiredWithAny(("permit_valid_from", "permit_valid_to"),
                         "填写了许可有效期的，请同时填写{label}"),
         Length(max=SHORT_TEXT_MAX)])
    permit_issuer = short_text("发证机关（选填）", required=False)
    permit_valid_from = ZhDateField(
        "许可有效期起始日期",
        [RequiredWithAny(("permit_no",), "填写了取水许可证号的，请同时填写{label}")],
        description="有取水许可证的必填")
    permit_valid_to = ZhDateField(
        "许可有效期截止日期",
        [RequiredWithAny(("permit_no",), "填写了取水许可证号的，请同时填写{label}"),
         NotBefore("permit_valid_from", strict=True)],
        description="有取水许可证的必填")
    has_meter = YesNoField("是否安装计量设施")
    meter_serial = short_text("计量设施编号（选填）", required=False)
    hidden_well = YesNoField("是否为隐瞒不报的机井",
                             description="此前未申报、后经排查发现的机井选“是”，将从严处理")

    submit = SubmitField("提交")

    def __init__(self, *args, town_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if town_choices is not None:
            self.town.choices = select_choices(town_choices)

    @classmethod
    def with_towns(cls, town_choices, *args, **kwargs) -> "RegisterWellForm":
        """Build the form with the town choices (``[(value, "夏村镇"), ...]``)."""
        return cls(*args, town_choices=town_choices, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        if self.town.choices is None:
            # A programming error, not a clerk's: fail loudly rather than accept any town.
            raise RuntimeError("RegisterWellForm: set town choices (town_choices=...) first")
        return super().validate(extra_validators)

    # ---- cleaned values for the SQLAlchemy models (dates stay date objects)

    def user_data(self) -> dict:
        """Water-user columns. ``party_id`` is the full normalised code: mask it
        (``validators.mask_party_id``) wherever it is listed."""
        enterprise = self.user_kind.data == "enterprise"
        return {
            "kind": self.user_kind.data,
            "name": self.user_name.data,
            "party_id": self.party_id.data,
            "legal_rep": (self.legal_rep.data or None) if enterprise else None,
            "address": self.user_address.data,
            "phone": self.phone.data,
            "industry": self.industry.data or None,
            "town": self.town.choice_value(),
        }

    def well_data(self) -> dict:
        """Well columns; optional blanks are ``None``; ``town`` is the chosen choice's
        value exactly as the caller supplied it (e.g. a department id or code)."""
        has_permit = bool(self.permit_no.data)
        return {
            "well_no": self.well_no.data,
            "town": self.town.choice_value(),
            "village": self.village.data,
            "address": self.well_address.data or None,
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "depth_m": self.depth_m.data,
            "year_drilled": self.year_drilled.data,
            "purpose": self.purpose.data,
            "annual_volume_m3": self.annual_volume_m3.data,
            "in_coverage": self.in_coverage.as_bool,
            "coverage_source": self.coverage_source.data or None,
            "in_restricted_zone": self.in_restricted_zone.as_bool,
            "permit_no": self.permit_no.data or None,
            "permit_issuer": (self.permit_issuer.data or None) if has_permit else None,
            "permit_valid_from": self.permit_valid_from.data if has_permit else None,
            "permit_valid_to": self.permit_valid_to.data if has_permit else None,
            "has_meter": self.has_meter.as_bool,
            "meter_serial": self.meter_serial.data or None,
            "hidden_well": self.hidden_well.as_bool,
        }
