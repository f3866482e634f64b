"""村居名单: a town's village list checks registrations and ledger imports; towns without one accept any."""
from __future__ import annotations

from sqlalchemy import select
from test_ledger import _problems, count, ledger, row, upload
from web_support import REGISTRATION

from engine.tables import Event
from webapp.core import db
from webapp.models import Well


def set_villages(login, town: str, names: str):
    return login("admin").post(f"/admin/villages/{town}", data={"names": names}, follow_redirects=True)


def test_only_administrators_keep_the_lists_and_changes_are_recorded(app, login):
    assert login("water.clerk").get("/admin/villages").status_code == 403
    page = set_villages(login, "xiacun", "东村、西村\n东村\n 南村 ").get_data(as_text=True)
    assert "已保存夏村镇的村（社区）名单：3 个" in page
    listing = login("admin").get("/admin/villages").get_data(as_text=True)
    assert "东村、西村、南村" in listing and "未设名单" in listing
    assert "名单没有改动，未保存" in set_villages(login, "xiacun", "东村\n西村\n南村").get_data(as_text=True)
    with app.app_context():
        (event,) = db.session().scalars(select(Event).where(Event.kind == "villages_updated")).all()
        assert event.data == {"town": "xiacun", "before": [], "after": ["东村", "西村", "南村"]}
    assert login("admin").get("/admin/villages/mars").status_code == 404


def test_registration_is_checked_against_the_towns_list(app, login):
    set_villages(login, "xiacun", "东村、西村")
    town = login("xiacun.clerk")
    refused = town.post("/cases/new", data={**REGISTRATION, "village": "北村"})
    assert refused.status_code == 422
    assert "村（社区）“北村”不在夏村镇的村（社区）名单中" in refused.get_data(as_text=True)
    assert count(app, Well) == 0
    assert town.post("/cases/new", data={**REGISTRATION, "village": "西村"}).status_code == 302
    other = {**REGISTRATION, "town": "dagushan", "well_no": "DG-1", "village": "任意村"}  # no list: accepted
    assert login("dagushan.clerk").post("/cases/new", data=other).status_code == 302


def test_the_ledger_names_the_row_of_an_unknown_village_and_imports_nothing(app, login):
    set_villages(login, "xiacun", "东村")
    water = login("water.clerk")
    response = upload(water, ledger([row(1), row(2, **{"村（社区）": "东村村"})]))
    assert response.status_code == 422
    problems = _problems(response.get_data(as_text=True))
    assert "不在夏村镇的村（社区）名单中" in problems[("第3行", "村（社区）")]
    assert count(app, Well) == 0
    set_villages(login, "xiacun", "")  # list cleared: no check any more
    assert upload(water, ledger([row(1), row(2, **{"村（社区）": "东村村"})])).status_code == 200
    assert count(app, Well) == 2
