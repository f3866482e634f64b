"""A town clerk who types another town's party ID number or well number learns only that it is registered
in another town and whom to ask — never the water user's name (issue 12); on the registration page and in
the ledger import (2,000 probes a file). Within the clerk's own town, and for city-wide units, the
message names the registered water user as before."""
from __future__ import annotations

from test_ledger import _problems, credit_code, ledger, upload
from test_ledger import row as ledger_row
from web_support import REGISTRATION

NAME = REGISTRATION["user_name"]  # registered in 夏村镇 (xiacun) by the water bureau
PARTY = REGISTRATION["party_id"]


def _register(client, **changes):
    return client.post("/cases/new", data={**REGISTRATION, **changes})


def test_another_towns_party_id_does_not_reveal_its_name(login):
    assert _register(login("water.clerk")).status_code == 302
    nanhuang = login("nanhuang.clerk")
    response = _register(nanhuang, town="nanhuang", village="西村", well_no="NH-001", user_name="某某另一公司")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "已在其他镇（街道）登记为用水户" in page and "请联系夏村镇核实" in page
    assert NAME not in page
    same_well = _register(nanhuang, town="nanhuang", village="西村", user_name="某某另一公司", party_id=credit_code(7))
    page = same_well.get_data(as_text=True)
    assert "机井编号 XC-001 已在其他镇（街道）登记" in page and "夏村镇" in page and NAME not in page


def test_within_the_own_town_and_city_wide_the_name_is_given(login):
    assert _register(login("water.clerk")).status_code == 302
    for clerk in ("xiacun.clerk", "water.clerk"):
        page = _register(login(clerk), well_no="XC-002", user_name="某某另一公司").get_data(as_text=True)
        assert f"该证件号码已登记为用水户“{NAME}”" in page, clerk


def test_a_party_with_a_well_in_the_clerks_town_is_no_secret_there(login):
    water = login("water.clerk")
    assert _register(water).status_code == 302
    assert _register(water, town="nanhuang", village="西村", well_no="NH-001").status_code == 302
    page = _register(login("nanhuang.clerk"), town="nanhuang", village="西村", well_no="NH-002",
                     user_name="某某另一公司").get_data(as_text=True)
    assert f"该证件号码已登记为用水户“{NAME}”" in page


def test_the_ledger_import_cannot_probe_another_towns_parties_or_wells(login):
    assert _register(login("water.clerk")).status_code == 302
    nanhuang = login("nanhuang.clerk")
    town = {"所属镇（街道）": "南黄镇", "村（社区）": "西村"}
    rows = [ledger_row(1, **town, **{"统一社会信用代码/身份证号": PARTY, "用水户名称": "猜测的名称"}),
            ledger_row(2, **town, **{"机井编号": "XC-001"})]
    response = upload(nanhuang, ledger(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    problems = _problems(page)
    assert "已在其他镇（街道）登记为用水户" in problems[("第2行", "统一社会信用代码/身份证号")]
    assert "请联系夏村镇核实" in problems[("第2行", "统一社会信用代码/身份证号")]
    assert "已在其他镇（街道）登记" in problems[("第3行", "机井编号")]
    assert NAME not in page.split('data-testid="ledger-problems"', 1)[1]
    # The right pairing of that well and its owner is not confirmed either (it is not "skipped").
    pairing = ledger_row(3, **town, **{"机井编号": "XC-001", "统一社会信用代码/身份证号": PARTY, "用水户名称": NAME})
    problems = _problems(upload(nanhuang, ledger([pairing])).get_data(as_text=True))
    assert "已在其他镇（街道）登记" in problems[("第2行", "机井编号")]
