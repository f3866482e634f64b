"""Checks used by the forms: pure functions first, then WTForms validator classes.

The pure functions (``is_valid_credit_code``, ``is_valid_id_number``, ``mask_party_id``,
``is_valid_phone``, ``within_city``) take plain values so the ledger import, the web
layer and tests can use them without a form. The ``*_problem`` variants return the
Chinese reason a value is refused (or ``None``), so the clerk is told *what* is wrong,
not only that something is.

Every message is Simplified Chinese and, where a form has several fields of the same
kind (dates above all), names the field through :func:`field_message`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

from wtforms.validators import StopValidation, ValidationError

# --------------------------------------------------------------------------- today

# China has one time zone and no daylight saving time. A fixed UTC+8 offset keeps
# "today" right on servers running in UTC (where date.today() would still be
# yesterday until 08:00 Beijing time) without depending on the tz database.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def today() -> date:
    """Today's date in Beijing time. Validators call it at check time (never at import),
    so a long-running worker never freezes the date and tests may monkeypatch it."""
    return datetime.now(CHINA_TZ).date()


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


# ------------------------------------------------------------ 统一社会信用代码 / 身份证号


def normalize_code(value) -> str:
    """Upper-case, half-width, without spaces: clerks paste codes typed with a Chinese
    input method (full-width ＡＢＣ１２３) or copied with spaces from a licence."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"\s+", "", text).upper()


# GB 32100-2015: 31 characters (digits and capitals without I, O, Z, S, V).
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Position weights are 3**i mod 31 for i = 0..16.
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(value) -> str | None:
    """Why ``value`` is not a valid 统一社会信用代码, or ``None`` if it is.

    Checked: length, character set, the 6-digit administrative division code in
    positions 3-8, and the check character. The organisation code embedded in
    positions 9-17 is not checked separately: the 18th character already catches
    a mistyped character, and a wrongful refusal would keep a real user off the ledger.
    """
    code = normalize_code(value)
    if not code:
        return "请填写统一社会信用代码"
    if len(code) != 18:
        return f"统一社会信用代码应为18位，现在是{len(code)}位"
    for pos, char in enumerate(code, start=1):
        if char not in CREDIT_CODE_CHARS:
            return f"统一社会信用代码第{pos}位“{char}”有误（代码中不使用字母I、O、Z、S、V）"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位应为6位数字的行政区划代码"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验不通过，请逐位核对是否抄错"
    return None


def is_valid_credit_code(value) -> bool:
    """True for a well-formed 统一社会信用代码 (GB 32100-2015) with a correct check character."""
    return credit_code_problem(value) is None


# GB 11643-1999 居民身份证号码: weights 2**(17-i) mod 11, check "10X98765432".
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def id_number_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 digits of an ID number."""
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def id_number_problem(value) -> str | None:
    """Why ``value`` is not a valid 18-digit 居民身份证号, or ``None`` if it is."""
    number = normalize_code(value)
    if not number:
        return "请填写身份证号"
    if len(number) == 15 and number.isdigit():
        return "15位的旧身份证号已停止使用，请填写18位身份证号"
    if len(number) != 18:
        return f"身份证号应为18位，现在是{len(number)}位"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "身份证号前17位应为数字，最后一位为数字或字母X"
    if number[0] == "0":
        return "身份证号开头的地区码有误，请核对"
    try:
        birth = datetime.strptime(number[6:14], "%Y%m%d").date()
    except ValueError:
        return "身份证号第7至14位的出生日期不是有效日期，请核对"
    if birth.year < 1900 or birth > today():
        return "身份证号第7至14位的出生日期不合理，请核对"
    if id_number_check_char(number[:17]) != number[17]:
        return "身份证号校验不通过，请逐位核对是否抄错"
    return None


def is_valid_id_number(value) -> bool:
    """True for an 18-character 居民身份证号 (GB 11643) with a real birth date and check digit."""
    return id_number_problem(value) is None


def party_id_problem(value, kind: str | None = None) -> str | None:
    """Check a party's identifier: a credit code for ``kind="enterprise"``, an ID number
    for ``kind="individual"``, either one when the kind is not known."""
    # A code of the other kind is the likeliest mistake (kind ticked wrongly, or the
    # legal representative's ID number typed for the company): say so plainly.
    if kind == "enterprise":
        problem = credit_code_problem(value)
        if problem and is_valid_id_number(value):
            return "用水户类型选的是“企业（单位）”，应填写统一社会信用代码，这里填的是身份证号"
        return problem
    if kind == "individual":
        problem = id_number_problem(value)
        if problem and is_valid_credit_code(value):
            return "用水户类型选的是“个人”，应填写身份证号，这里填的是统一社会信用代码"
        return problem
    if is_valid_credit_code(value) or is_valid_id_number(value):
        return None
    return "请填写正确的统一社会信用代码（单位）或身份证号（个人），请逐位核对"


def is_valid_party_id(value) -> bool:
    """True for either a valid credit code or a valid ID number."""
    return party_id_problem(value) is None


def mask_party_id(value) -> str:
    """Mask an identifier for lists: the first 4 and last 4 characters stay, the rest
    become ``*`` (an ID number carries the birth date; lists are seen by many)."""
    code = normalize_code(value)
    if len(code) > 8:
        return code[:4] + "*" * (len(code) - 8) + code[-4:]
    # Too short to keep 8 characters visible without showing all of it.
    return "*" * len(code)


# ------------------------------------------------------------------------- phone

# Mainland mobile: 11 digits starting 13-19, optionally with +86.
_MOBILE_RE = re.compile(r"(?:\+?86-?)?1[3-9]\d{9}")
# Landline: optional area code (0631 for Rushan) in brackets or followed by a hyphen,
# a 7-8 digit local number (never starting with 0 or 1), optional extension.
_LANDLINE_RE = re.compile(r"(?:\(0\d{2,3}\)|0\d{2,3}-?)?[2-9]\d{6,7}(?:-\d{1,6})?")


def is_valid_phone(value) -> bool:
    """True for a mainland mobile number or a landline (with or without area code)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))
    return bool(_MOBILE_RE.fullmatch(text) or _LANDLINE_RE.fullmatch(text))


# ------------------------------------------------------------------- coordinates


class CityBounds(NamedTuple):
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float


# Rushan City's administrative extent (乳山市行政区域) with a margin of a few
# kilometres, so a well on the border or a slightly imprecise GPS reading is not
# refused while a typo (swapped digits, another city's coordinates) is.
RUSHAN_BOUNDS = CityBounds(lat_min=36.70, lat_max=37.20, lon_min=121.15, lon_max=121.90)


def within_city(lat, lon, bounds: CityBounds = RUSHAN_BOUNDS) -> bool:
    """True when the point (WGS-84 decimal degrees) lies inside the city's box."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return False
    return bounds.lat_min <= lat <= bounds.lat_max and bounds.lon_min <= lon <= bounds.lon_max


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
