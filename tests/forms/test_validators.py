"""The forms package's validators on their own (credit codes, ID numbers, phones, the city's bounds, dates).

"Today" is pinned to 2022-08-15 by tests/forms/conftest.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from forms import validators as v

# ============================================================== pure validators

VALID_CREDIT_CODES = [
    "91350100M000100Y43",   # widely published example
    "91371083MA3C7K2N74",   # computed: enterprise registered in 乳山市 (371083)
    "12371083493071527H",   # computed: public institution (事业单位) in 乳山市
]


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_credit_code_accepted_and_check_char_matches(code):
    assert v.is_valid_credit_code(code)
    assert v.credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_credit_code_any_single_changed_character_is_refused(code):
    for pos in range(18):
        for replacement in ("0", "7", "A", "Y"):
            if replacement == code[pos]:
                continue
            changed = code[:pos] + replacement + code[pos + 1:]
            assert not v.is_valid_credit_code(changed), changed


def test_credit_code_normalised_and_explained():
    assert v.is_valid_credit_code("91350100m000100y43")
    assert v.is_valid_credit_code(" 9135 0100 M000 100Y43 ")
    assert v.is_valid_credit_code("９１３５０１００Ｍ０００１００Ｙ４３")  # full-width input
    assert v.credit_code_problem("91350100M000100Y4") == "统一社会信用代码应为18位，现在是17位"
    assert "第9位“I”" in v.credit_code_problem("91350100I000100Y43")
    assert v.credit_code_problem("91350100M000100Y44") == "统一社会信用代码校验不通过，请逐位核对是否抄错"
    assert v.credit_code_problem("") == "请填写统一社会信用代码"


def _id_with_check(first17):
    return first17 + v.id_number_check_char(first17)


def test_id_number_valid_examples():
    assert v.is_valid_id_number("11010519491231002X")
    assert v.is_valid_id_number("11010519491231002x")
    generated = _id_with_check("37108319800101123")
    assert v.is_valid_id_number(generated)


def test_id_number_refusals_explained():
    assert v.id_number_problem("110105194912310021") == "身份证号校验不通过，请逐位核对是否抄错"
    assert not v.is_valid_id_number("11010519491231003X")
    # Correct check digit but impossible / future birth dates.
    assert "出生日期" in v.id_number_problem(_id_with_check("11010519490230002"))
    assert "出生日期" in v.id_number_problem(_id_with_check("11010520300101002"))
    assert "15位" in v.id_number_problem("110105491231002")
    assert v.id_number_problem("1101051949123100") == "身份证号应为18位，现在是16位"


def test_party_id_accepts_either_and_checks_kind():
    assert v.is_valid_party_id("91350100M000100Y43")
    assert v.is_valid_party_id("11010519491231002X")
    assert not v.is_valid_party_id("123456789012345679")
    assert "身份证号" in v.party_id_problem("11010519491231002X", "enterprise")
    assert "统一社会信用代码" in v.party_id_problem("91350100M000100Y43", "individual")
    assert v.party_id_problem("91350100M000100Y43", "enterprise") is None


def test_mask_party_id():
    assert v.mask_party_id("11010519491231002X") == "1101**********002X"
    assert v.mask_party_id("91350100M000100Y43") == "9135**********0Y43"
    assert v.mask_party_id("12345678") == "********"
    assert v.mask_party_id(None) == ""


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "0631-6612345",
                                   "06316612345", "(0631)6612345", "6612345",
                                   "010-62345678-801"])
def test_phone_accepted(phone):
    assert v.is_valid_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "1380013800", "12800138000", "0631-123",
                                   "abc", ""])
def test_phone_refused(phone):
    assert not v.is_valid_phone(phone)


def test_within_city_bounds():
    assert v.RUSHAN_BOUNDS == (36.70, 37.20, 121.15, 121.90)
    assert v.within_city(36.91, 121.54)        # the city centre
    assert not v.within_city(37.50, 121.54)    # north of the city (Weihai)
    assert not v.within_city(36.91, 120.38)    # Qingdao's longitude
    assert not v.within_city(float("nan"), 121.54)
    assert not v.within_city("abc", 121.54)


def test_today_is_beijing_date(monkeypatch):
    monkeypatch.undo()  # the real clock
    expected = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    assert v.today() == expected


def test_date_range_validator_names_the_field(bind):
    from forms.base import ZhForm
    from forms.fields import ZhDateField

    class CampaignForm(ZhForm):
        class Meta:
            csrf = False

        found_on = ZhDateField("发现日期", [v.DateBetween(dt.date(2022, 7, 15), v.today)])

    form = bind(CampaignForm, {"found_on": "2022-07-14"})
    assert not form.validate()
    assert form.errors == {"found_on": ["发现日期不能早于2022年7月15日"]}
    form = bind(CampaignForm, {"found_on": "2022-08-16"})
    assert not form.validate()
    assert form.errors == {"found_on": ["发现日期不能晚于2022年8月15日"]}
    form = bind(CampaignForm, {"found_on": "2022-07-15"})
    assert form.validate(), form.errors
