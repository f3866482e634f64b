"""The registration form of a water user and well (RegisterWellForm), as the page and the ledger use it.

"Today" is pinned to 2022-08-15 by tests/forms/conftest.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from forms import RegisterWellForm

# ============================================================== register form

TOWNS = [(7, "夏村镇"), (8, "乳山口镇")]

GOOD_WELL = {
    "user_kind": "enterprise", "user_name": "乳山市某某食品有限公司",
    "party_id": "91371083ma3c7k2n74", "legal_rep": "赵某", "user_address": "夏村镇工业园1号",
    "phone": "0631-6612345", "industry": "食品加工",
    "well_no": " rs-xc-001 ", "town": "7", "village": "夏村", "well_address": "厂区东北角",
    "latitude": "36.9125", "longitude": "121.5372", "depth_m": "80", "year_drilled": "2005",
    "purpose": "industrial", "annual_volume_m3": "12000", "in_coverage": "yes",
    "coverage_source": "水务集团", "in_restricted_zone": "no", "permit_no": "",
    "permit_issuer": "", "permit_valid_from": "", "permit_valid_to": "",
    "has_meter": "no", "meter_serial": "", "hidden_well": "no",
}


def well(**changes):
    data = dict(GOOD_WELL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_register_enterprise(bind):
    form = bind(RegisterWellForm, well(), town_choices=TOWNS)
    assert form.validate(), form.errors
    assert form.user_data() == {
        "kind": "enterprise", "name": "乳山市某某食品有限公司",
        "party_id": "91371083MA3C7K2N74", "legal_rep": "赵某",
        "address": "夏村镇工业园1号", "phone": "0631-6612345", "industry": "食品加工",
        "town": 7,
    }
    w = form.well_data()
    assert w["well_no"] == "RS-XC-001"
    assert w["town"] == 7  # the caller's value type is kept
    assert (w["latitude"], w["longitude"], w["depth_m"], w["year_drilled"]) == (
        36.9125, 121.5372, 80.0, 2005)
    assert w["in_coverage"] is True and w["in_restricted_zone"] is False
    assert w["has_meter"] is False and w["hidden_well"] is False
    assert w["permit_no"] is None and w["permit_valid_from"] is None
    assert w["meter_serial"] is None


def test_register_individual_with_permit(bind):
    # The classmethod path.
    form = bind(RegisterWellForm.with_towns, well(
        user_kind="individual", user_name="王某", party_id="11010519491231002x",
        legal_rep="不适用", phone="13800138000", purpose="agricultural",
        permit_no="取水（鲁威乳）字[2020]第9号", permit_valid_from="2020-01-01",
        permit_valid_to="2024-12-31", latitude="", longitude="", depth_m="",
        year_drilled="", annual_volume_m3="0", in_coverage="no"), town_choices=TOWNS)
    assert form.validate(), form.errors
    u, w = form.user_data(), form.well_data()
    assert u["party_id"] == "11010519491231002X" and u["legal_rep"] is None
    assert w["permit_valid_from"] == dt.date(2020, 1, 1)
    assert w["permit_valid_to"] == dt.date(2024, 12, 31)
    assert w["latitude"] is None and w["depth_m"] is None and w["year_drilled"] is None
    assert w["annual_volume_m3"] == 0.0


def test_register_town_choices_set_by_attribute(bind):
    form = bind(RegisterWellForm, well(town="xiacun"))
    form.town.choices = [("xiacun", "夏村镇")]
    assert form.validate(), form.errors
    assert form.well_data()["town"] == "xiacun"
    html = form.town()
    assert '<option selected value="xiacun">夏村镇</option>' in html


def test_register_without_town_choices_is_a_programming_error(bind):
    form = bind(RegisterWellForm, well())
    with pytest.raises(RuntimeError):
        form.validate()


@pytest.mark.parametrize("changes,errors", [
    ({"party_id": "11010519491231002X"},
     {"party_id": ["用水户类型选的是“企业（单位）”，应填写统一社会信用代码，这里填的是身份证号"]}),
    ({"party_id": "91371083MA3C7K2N75"},
     {"party_id": ["统一社会信用代码校验不通过，请逐位核对是否抄错"]}),
    ({"user_kind": "individual"},
     {"party_id": ["用水户类型选的是“个人”，应填写身份证号，这里填的是统一社会信用代码"]}),
    ({"legal_rep": ""}, {"legal_rep": ["单位用水户须填写法定代表人"]}),
    ({"phone": "6612"}, {"phone": ["联系电话格式不对：手机号为11位，固定电话如 0631-6612345"]}),
    ({"well_no": "RS 001"}, {"well_no": ["机井编号只能由字母、数字和短横线“-”组成"]}),
    ({"well_no": "A" * 33}, {"well_no": ["最多只能填写32个字"]}),
    ({"well_no": ""}, {"well_no": ["请填写机井编号"]}),
    ({"town": "99"}, {"town": ["请从列表中选择一项"]}),
    ({"town": ""}, {"town": ["请选择所属镇（街道）"]}),
    ({"depth_m": "0"}, {"depth_m": ["井深（米）应大于0米且不超过1000米"]}),
    ({"depth_m": "1000.5"}, {"depth_m": ["井深（米）应大于0米且不超过1000米"]}),
    ({"year_drilled": "1949"}, {"year_drilled": ["成井年份应在1950年至2022年之间"]}),
    ({"year_drilled": "2023"}, {"year_drilled": ["成井年份应在1950年至2022年之间"]}),
    ({"annual_volume_m3": "-1"}, {"annual_volume_m3": ["年取水量（立方米）应不小于0立方米"]}),
    ({"longitude": ""}, {"longitude": ["填写了纬度的，请同时填写经度"]}),
    ({"latitude": "36.5"},
     {"latitude": ["纬度应在36.70至37.20之间（乳山市范围内），请核对坐标"]}),
    ({"permit_no": "取水（鲁威乳）字[2020]第9号"},
     {"permit_valid_from": ["填写了取水许可证号的，请同时填写许可有效期起始日期"],
      "permit_valid_to": ["填写了取水许可证号的，请同时填写许可有效期截止日期"]}),
    ({"permit_valid_from": "2020-01-01", "permit_valid_to": "2024-12-31"},
     {"permit_no": ["填写了许可有效期的，请同时填写取水许可证号"]}),
    ({"permit_no": "X-1", "permit_valid_from": "2024-01-01", "permit_valid_to": "2020-12-31"},
     {"permit_valid_to": ["许可有效期截止日期应晚于许可有效期起始日期"]}),
    ({"hidden_well": None}, {"hidden_well": ["是否为隐瞒不报的机井：请选择“是”或“否”"]}),
    ({"user_kind": None}, {"user_kind": ["请选择用水户类型"]}),
])
def test_register_refusals(bind, changes, errors):
    form = bind(RegisterWellForm, well(**changes), town_choices=TOWNS)
    assert not form.validate()
    assert form.errors == errors
