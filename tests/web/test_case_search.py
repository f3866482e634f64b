"""The case list's search (issue 10): each filter and filters together, bad input refused in Chinese, the
counts and the export following the search, saved searches (own, shared by a head with the department) and
the remembered last view of the case list and the inbox."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from web_support import REGISTRATION, complete_steps, instance_version, submit, task_guid_in

OTHER_PARTY = {"user_name": "乳山另一家饮料有限公司", "party_id": "91371083MA3C7K2N74"}


def _numbers(html: str) -> list[str]:
    """The wells listed on a case-list page, in order."""
    return re.findall(r"<strong>乳整\d{4}-\d{5} · ([\w-]+)</strong>", html)


@pytest.fixture
def three_cases(app, login, fixed_clock):
    """W-001 (夏村镇东村, at 责令整改 in the water bureau, its 承诺书 issued), W-002 (南黄镇西村, another party,
    at 承诺书), both registered on 2 March; W-003 (夏村镇西村, at 承诺书) registered on 5 March."""
    water = login("water.clerk")
    assert water.post("/cases/new", data={**REGISTRATION, "well_no": "W-001"}).status_code == 302
    assert water.post("/cases/new", data={**REGISTRATION, **OTHER_PARTY, "well_no": "W-002", "town": "nanhuang",
                                          "village": "西村"}).status_code == 302
    town = login("xiacun.clerk")
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    assert submit(town, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app)).status_code == 302
    complete_steps(app, [("inspect", "task_force.clerk", {
        "in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False,
        "obstructed": False, "hidden_well": False})], case_id=1)
    fixed_clock.move_to(_later(app, 3))
    assert water.post("/cases/new", data={**REGISTRATION, "well_no": "W-003", "village": "西村"}).status_code == 302
    return water


def _later(app, days):
    from conftest import TODAY
    return TODAY + timedelta(days=days)


def _list(client, query: str) -> list[str]:
    response = client.get(f"/cases/?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return _numbers(response.get_data(as_text=True))


def test_each_filter_alone(three_cases):
    water = three_cases
    assert _list(water, "town=") == ["W-003", "W-002", "W-001"]
    assert _list(water, "town=nanhuang") == ["W-002"]
    assert _list(water, "step=notice") == ["W-001"]
    assert _list(water, "step=commitment") == ["W-003", "W-002"]
    assert _list(water, "category=covered_unlicensed") == ["W-001"]
    assert _list(water, "category=uncovered") == []
    assert _list(water, "department=water") == ["W-001"]
    assert _list(water, "department=xiacun") == ["W-003"]
    assert _list(water, "village=西村") == ["W-003", "W-002"]
    assert _list(water, "party=另一家") == ["W-002"]
    assert _list(water, "party=91350100m000100y43") == ["W-003", "W-001"]  # the full code, any case
    assert _list(water, "well_no=003") == ["W-003"]
    assert _list(water, "document=乳水承诺〔2026〕1号") == ["W-001"]
    assert _list(water, "document=乳水责改") == []
    assert _list(water, "registered_from=2026-03-03") == ["W-003"]
    assert _list(water, "registered_to=2026-03-02") == ["W-002", "W-001"]
    assert _list(water, "registered_from=2026-03-02&registered_to=2026-03-02") == ["W-002", "W-001"]
    assert _list(water, "stage=inspection") == ["W-003", "W-002"]


def test_overdue_and_due_dates(app, three_cases, fixed_clock):
    water = three_cases
    # W-001's notice served on 2 March with 5 days: its 整改情况 step is due on Monday 9 March.
    complete_steps(app, [("notice", "water.clerk", {"notice_served_on": "2026-03-02", "rectify_days": 5})], case_id=1)
    assert _list(water, "due_from=2026-03-09&due_to=2026-03-09") == ["W-001"]
    assert _list(water, "due_from=2026-03-10") == [] and _list(water, "due_to=2026-03-08") == []
    assert _list(water, "due_to=2026-03-09&step=rectify_report&department=water") == ["W-001"]
    assert _list(water, "overdue=y") == []  # 5 March
    fixed_clock.move_to(_later(app, 18))
    assert _list(water, "overdue=y") == ["W-001"]
    assert _list(water, "overdue=y&town=nanhuang") == []


def test_filters_together_and_the_counts_and_export_follow(three_cases):
    water = three_cases
    assert _list(water, "town=xiacun&village=西村&step=commitment") == ["W-003"]
    assert _list(water, "town=xiacun&step=notice&party=某某&department=water") == ["W-001"]
    assert _list(water, "town=nanhuang&step=notice") == []
    assert _list(water, "registered_to=2026-03-02&village=西村&party=91371083MA3C7K2N74") == ["W-002"]
    html = water.get("/cases/?village=西村").get_data(as_text=True)
    assert 'data-testid="case-total">2<' in html
    assert "待检查（2）" in html and "整改中（0）" in html  # the stage counts under the search
    assert re.search(r'data-testid="export-cases"\s+href="/cases/export.xlsx\?village=', html)
    book = load_workbook(io.BytesIO(water.get("/cases/export.xlsx?village=西村&town=xiacun").data))
    wells = [row[1] for row in book["案件"].iter_rows(min_row=2, values_only=True)]
    assert wells == ["W-003"]


def test_bad_input_says_why_in_chinese_and_changes_nothing(three_cases):
    water = three_cases
    assert _list(water, "village=东村") == ["W-001"]
    response = water.get("/cases/?registered_from=2026-03-05&registered_to=2026-03-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "登记日期的起始日期晚于截止日期" in html
    assert _numbers(html) == ["W-003", "W-002", "W-001"]  # the list as without the search
    bad = water.get("/cases/?due_from=明天")
    assert bad.status_code == 422 and "办理期限自格式不对" in bad.get_data(as_text=True)
    assert water.get("/cases/?step=nonsense").status_code == 422
    # The bad searches were not remembered: the last good one is.
    assert _numbers(water.get("/cases/", follow_redirects=True).get_data(as_text=True)) == ["W-001"]
    refused = water.get("/cases/export.xlsx?due_to=2026-13-40")
    assert refused.status_code == 302 and not refused.data.startswith(b"PK")


def test_the_case_list_and_the_inbox_remember_the_last_view(three_cases, login):
    water = three_cases
    assert water.get("/cases/").status_code == 200  # nothing remembered yet: the whole list
    _list(water, "village=西村&step=commitment")
    back = water.get("/cases/")
    assert back.status_code == 302 and back.headers["Location"].endswith("/cases/?step=commitment&village=%E8%A5%BF%E6%9D%91")
    html = water.get(back.headers["Location"]).get_data(as_text=True)
    assert _numbers(html) == ["W-003", "W-002"] and 'data-testid="clear-search"' in html
    cleared = water.get("/cases/?clear=1")
    assert cleared.status_code == 302 and cleared.headers["Location"].endswith("/cases/")
    assert _numbers(water.get("/cases/").get_data(as_text=True)) == ["W-003", "W-002", "W-001"]
    # The search form submitted with every box blank shows every case and forgets the view.
    _list(water, "town=nanhuang")
    assert _list(water, "town=&q=&step=") == ["W-003", "W-002", "W-001"]
    assert water.get("/cases/").status_code == 200

    town = login("xiacun.clerk")
    assert town.get("/inbox/").status_code == 200
    assert town.get("/inbox/?overdue=1").status_code == 200
    back = town.get("/inbox/")
    assert back.status_code == 302 and back.headers["Location"].endswith("/inbox/?overdue=1")
    assert 'data-testid="clear-search"' in town.get(back.headers["Location"]).get_data(as_text=True)
    assert town.get("/inbox/?clear=1").headers["Location"].endswith("/inbox/")
    assert town.get("/inbox/").status_code == 200
    # One person's view is theirs: a colleague's session has none.
    assert login("water.clerk").get("/cases/").status_code == 200


def _saved(html: str) -> list[str]:
    return re.findall(r'data-testid="saved-filter" data-name="([^"]+)"', html)


def test_saved_searches_own_and_shared_by_a_head(app, three_cases, login):
    water = three_cases
    response = water.post("/cases/filters", data={"name": "西村待承诺", "query": "village=西村&step=commitment",
                                                  "shared": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("?step=commitment&village=%E8%A5%BF%E6%9D%91")
    page = water.get("/cases/?clear=1", follow_redirects=True).get_data(as_text=True)
    assert _saved(page) == ["西村待承诺"] and "本部门</span>" not in page  # a clerk's is never shared
    assert 'name="shared"' not in water.get("/cases/?town=xiacun").get_data(as_text=True)
    link = re.search(r'href="(/cases/\?[^"]+)">西村待承诺', page)[1]
    assert _numbers(water.get(link.replace("&amp;", "&")).get_data(as_text=True)) == ["W-003", "W-002"]

    head = login("water.head")
    assert _saved(head.get("/cases/?town=").get_data(as_text=True)) == []  # the clerk's own is the clerk's
    assert 'name="shared"' in head.get("/cases/?town=xiacun").get_data(as_text=True)
    assert head.post("/cases/filters", data={"name": "责令整改中", "query": "step=notice", "shared": "y"}).status_code == 302
    assert head.post("/cases/filters", data={"name": "我的南黄", "query": "town=nanhuang"}).status_code == 302
    assert _saved(head.get("/cases/?town=").get_data(as_text=True)) == ["我的南黄", "责令整改中"]
    clerk_page = water.get("/cases/?town=").get_data(as_text=True)
    assert _saved(clerk_page) == ["西村待承诺", "责令整改中"] and "本部门</span>" in clerk_page
    # Another department sees neither.
    assert _saved(login("task_force.head").get("/cases/?town=").get_data(as_text=True)) == []

    # The clerk cannot delete the head's shared one; the owner can.
    shared_id = _filter_id(app, "责令整改中")
    assert 'data-testid="delete-filter-%d"' % shared_id not in clerk_page
    refused = water.post(f"/cases/filters/{shared_id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "只能删除自己保存的查询" in refused and "责令整改中" in _saved(refused)
    head.post(f"/cases/filters/{shared_id}/delete")
    assert _saved(water.get("/cases/?town=").get_data(as_text=True)) == ["西村待承诺"]


def _filter_id(app, name: str) -> int:
    from webapp.cases.saved.tables import SavedFilter
    from webapp.core import db

    with app.app_context():
        return db.session().query(SavedFilter).filter_by(name=name).one().id


def test_saving_refuses_a_bad_search_or_name(three_cases):
    water = three_cases
    page = water.post("/cases/filters", data={"name": "", "query": "town=xiacun"}, follow_redirects=True)
    assert "请填写查询名称" in page.get_data(as_text=True)
    bad = water.post("/cases/filters", data={"name": "错的", "query": "registered_from=2026-99-01"},
                     follow_redirects=True).get_data(as_text=True)
    assert "查询条件有误，未保存" in bad and _saved(bad) == []
    # Saved again under the same name: replaced, not doubled.
    water.post("/cases/filters", data={"name": "夏村", "query": "town=xiacun"})
    water.post("/cases/filters", data={"name": "夏村", "query": "town=xiacun&village=东村"})
    html = water.get("/cases/?town=").get_data(as_text=True)
    assert _saved(html) == ["夏村"] and "village=%E4%B8%9C%E6%9D%91" in html
