"""Pure checks of identifiers, phone numbers and coordinates: no WTForms, no Flask.

``is_valid_credit_code`` (GB 32100-2015), ``is_valid_id_number`` (GB 11643), ``mask_party_id``,
``is_valid_phone`` and ``within_city`` take plain values, so the ledger import, the web layer and
tests can use them without a form. The ``*_problem`` variants return the Chinese reason a value is
refused (or ``None``), so the clerk is told *what* is wrong, not only that something is.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import NamedTuple

from rules.timezone import today_in_china


def today() -> date:
    """Today's date in Beijing time. Validators call it at check time (never at import),
    so a long-running worker never freezes the date and tests may monkeypatch it."""
    return today_in_china()


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
