"""WTForms validator classes used by the forms, and the date helpers they share.

The pure checks of codes, phone numbers and coordinates live in ``identifiers.py``.

Every message is Simplified Chinese and, where a form has several fields of the same
kind (dates above all), names the field through :func:`field_message`.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from wtforms.validators import StopValidation, ValidationError

# Re-exported: the validator classes below wrap these pure checks, and callers import both from here.
from .identifiers import (  # noqa: F401
    CREDIT_CODE_CHARS,
    CREDIT_CODE_WEIGHTS,
    ID_CHECK_CHARS,
    ID_WEIGHTS,
    RUSHAN_BOUNDS,
    CityBounds,
    credit_code_check_char,
    credit_code_problem,
    id_number_check_char,
    id_number_problem,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_party_id,
    is_valid_phone,
    mask_party_id,
    normalize_code,
    party_id_problem,
    today,
    within_city,
)

# --------------------------------------------------------------------------- today

# China has one time zone and no daylight saving time. A fixed UTC+8 offset keeps
# "today" right on servers running in UTC (where date.today() would still be
# yesterday until 08:00 Beijing time) without depending on the tz database.
def format_date_zh(d: date) -> str:
    """``2022-07-21`` -> ``2022年7月21日``, the way dates are written on official papers."""
    return f"{d.year}年{d.month}月{d.day}日"


# ------------------------------------------------------------------- field messages


def short_label(field) -> str:
    """The field's name as a clerk sees it, without hints.

    Labels may carry an explanation after a full-width colon and optional fields end in
    "（选填）"; neither belongs inside an error sentence.
    """
    return shorten_label(str(getattr(field.label, "text", field.label) or field.name))


def shorten_label(text: str) -> str:
    """Label text without the hint after "：" and without a trailing "（选填）"."""
    return text.split("：", 1)[0].removesuffix("（选填）").strip()


def field_message(field, template: str, **values) -> str:
    """Fill ``{label}`` (and any other placeholder) in a message template, so that
    e.g. two date errors on one form read "签订日期不能晚于今天" and "送达日期……"."""
    return template.format(label=short_label(field), **values)


# ================================================================ WTForms validators


def _number(value) -> float | None:
    """A finite float, or None; Decimal('NaN') would raise on comparison."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class WithinCity:
    """Latitude (``axis="lat"``) or longitude (``axis="lon"``) within the city bounds."""

    def __init__(self, axis: str, bounds: CityBounds = RUSHAN_BOUNDS):
        if axis not in ("lat", "lon"):
            raise ValueError("axis must be 'lat' or 'lon'")
        self.axis, self.bounds = axis, bounds

    def __call__(self, form, field):
        if field.data is None:
            return
        b = self.bounds
        lo, hi, other_lo, other_hi, name = (
            (b.lat_min, b.lat_max, b.lon_min, b.lon_max, "纬度")
            if self.axis == "lat"
            else (b.lon_min, b.lon_max, b.lat_min, b.lat_max, "经度")
        )
        value = _number(field.data)
        if value is not None and lo <= value <= hi:
            return
        message = f"{name}应在{lo:.2f}至{hi:.2f}之间（乳山市范围内），请核对坐标"
        if value is not None and other_lo <= value <= other_hi:
            message += "，是否把经度和纬度填反了"
        raise ValidationError(message)


class CreditCode:
    """The field holds a valid 统一社会信用代码."""

    def __call__(self, form, field):
        if field.data:
            problem = credit_code_problem(field.data)
            if problem:
                raise ValidationError(problem)


class IdNumber:
    """The field holds a valid 居民身份证号."""

    def __call__(self, form, field):
        if field.data:
            problem = id_number_problem(field.data)
            if problem:
                raise ValidationError(problem)


class PartyId:
    """A credit code or an ID number; with ``kind_field``, the one matching the user kind
    chosen in that field ("enterprise" / "individual")."""

    def __init__(self, kind_field: str | None = None):
        self.kind_field = kind_field

    def __call__(self, form, field):
        if not field.data:
            return
        kind = form[self.kind_field].data if self.kind_field else None
        problem = party_id_problem(field.data, kind)
        if problem:
            raise ValidationError(problem)


class Phone:
    """A mainland mobile or landline number."""

    def __call__(self, form, field):
        if field.data and not is_valid_phone(field.data):
            raise ValidationError("联系电话格式不对：手机号为11位，固定电话如 0631-6612345")


class Pattern:
    """``re.fullmatch`` with a Chinese message (WTForms' Regexp says only "invalid input")."""

    def __init__(self, pattern: str, message: str):
        self.regex, self.message = re.compile(pattern), message

    def __call__(self, form, field):
        if field.data and not self.regex.fullmatch(field.data):
            raise ValidationError(field_message(field, self.message))


class NumberBetween:
    """A number within bounds. A bound may be a callable (e.g. "the current year").

    ``min_inclusive=False`` expresses "greater than" (a depth must be more than 0 m).
    """

    def __init__(self, min=None, max=None, *, min_inclusive=True, max_inclusive=True,
                 unit: str = "", message: str | None = None):
        self.min, self.max = min, max
        self.min_inclusive, self.max_inclusive = min_inclusive, max_inclusive
        self.unit, self.message = unit, message

    def __call__(self, form, field):
        if field.data is None:
            return
        lo = self.min() if callable(self.min) else self.min
        hi = self.max() if callable(self.max) else self.max
        value = _number(field.data)
        ok = value is not None
        if ok and lo is not None:
            ok = value >= lo if self.min_inclusive else value > lo
        if ok and hi is not None:
            ok = value <= hi if self.max_inclusive else value < hi
        if ok:
            return
        if self.message:
            raise ValidationError(field_message(field, self.message, min=lo, max=hi))
        u = self.unit
        parts = []
        if lo is not None:
            parts.append(f"{'不小于' if self.min_inclusive else '大于'}{lo}{u}")
        if hi is not None:
            parts.append(f"{'不超过' if self.max_inclusive else '小于'}{hi}{u}")
        raise ValidationError(field_message(field, "{label}应" + "且".join(parts)))


# ------------------------------------------------------------------------- dates


class NotInFuture:
    """The date is today or earlier (something recorded as done cannot be tomorrow)."""

    def __call__(self, form, field):
        now = today()
        if field.data and field.data > now:
            raise ValidationError(
                field_message(field, "{label}不能晚于今天（{today}）", today=format_date_zh(now)))


class InFuture:
    """The date is after today (a planned date)."""

    def __call__(self, form, field):
        now = today()
        if field.data and field.data <= now:
            raise ValidationError(
                field_message(field, "{label}应晚于今天（{today}）", today=format_date_zh(now)))


class NotOlderThan:
    """The date is at most ``days`` days ago (late entries of served notices are
    suspicious and shorten the party's period)."""

    def __init__(self, days: int):
        self.days = days

    def __call__(self, form, field):
        earliest = today() - timedelta(days=self.days)
        if field.data and field.data < earliest:
            raise ValidationError(field_message(
                field, "{label}不能早于{days}天前（{earliest}）",
                days=self.days, earliest=format_date_zh(earliest)))


class DateBetween:
    """A date range check; bounds may be dates or callables returning dates."""

    def __init__(self, min=None, max=None):
        self.min, self.max = min, max

    def __call__(self, form, field):
        if not field.data:
            return
        lo = self.min() if callable(self.min) else self.min
        hi = self.max() if callable(self.max) else self.max
        if lo and field.data < lo:
            raise ValidationError(field_message(field, "{label}不能早于{d}", d=format_date_zh(lo)))
        if hi and field.data > hi:
            raise ValidationError(field_message(field, "{label}不能晚于{d}", d=format_date_zh(hi)))


class NotBefore:
    """The date is not before the date in another field of the same form; with
    ``strict=True`` it must be after it (a permit's valid-to after its valid-from)."""

    def __init__(self, other: str, strict: bool = False):
        self.other, self.strict = other, strict

    def __call__(self, form, field):
        other = form[self.other]
        if not field.data or not other.data:
            return  # the other field reports its own absence or format error
        if field.data < other.data or (self.strict and field.data == other.data):
            template = "{label}应晚于{other}" if self.strict else "{label}不能早于{other}"
            raise ValidationError(field_message(field, template, other=short_label(other)))


# ------------------------------------------------------------ conditional presence


def is_blank(data) -> bool:
    """Nothing filled in: None, an empty or blank string, no ticked box."""
    return data is None or data == "" or data == [] or (isinstance(data, str) and not data.strip())


class Required:
    """The field must be filled in; the message names the field ("请填写检查日期").

    Unlike WTForms' ``DataRequired`` it accepts 0 (a volume of 0 m³ is an answer) and
    stays silent when the value could not be read at all: the format error already
    says what is wrong, a second "please fill in" would only confuse.
    """

    field_flags = {"required": True}

    def __init__(self, message: str = "请填写{label}"):
        self.message = message

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()
        if is_blank(field.data):
            field.errors[:] = []
            raise StopValidation(field_message(field, self.message))


class RequiredWhen:
    """A field that applies only when another field has a given value, and is then required.

    ``RequiredWhen("permit_approved", "yes", "批准的，须填写{label}")``: the message is
    attached to this field, where the clerk has to act. When the condition does not hold
    the field does not apply: whatever was typed there is ignored (no date or range
    complaints) and ``TaskForm.task_data`` stores ``None`` for it, so a value typed before
    the clerk switched the answer to "否" never reaches the case record.
    Put it first in the validator list.
    """

    def __init__(self, other: str, value, message: str = "请填写{label}"):
        self.other, self.value, self.message = other, value, message

    def applies(self, form) -> bool:
        return form[self.other].data == self.value

    def __call__(self, form, field):
        if not self.applies(form):
            field.errors[:] = []
            raise StopValidation()
        if field.process_errors:
            raise StopValidation()  # the format error says enough
        if is_blank(field.data):
            field.errors[:] = []
            raise StopValidation(field_message(field, self.message))


class RequiredWithAny:
    """Required when any of the other fields is filled in (dates of a permit whose
    number was given, or a number for permit dates that were given)."""

    def __init__(self, others: tuple[str, ...], message: str):
        self.others, self.message = tuple(others), message

    def __call__(self, form, field):
        if not is_blank(field.data) or field.process_errors:
            return
        field.errors[:] = []
        if any(not is_blank(form[name].data) for name in self.others):
            raise StopValidation(field_message(field, self.message))
        raise StopValidation()


class AtLeastOne:
    """A multi-choice field with at least one box ticked."""

    def __init__(self, message: str = "请至少选择一项"):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise StopValidation(field_message(field, self.message))
