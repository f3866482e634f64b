"""Announcing that the public network covers an area: permitted wells there move to closure, all or none."""
from __future__ import annotations

from sqlalchemy import select
from web_support import REGISTRATION, complete_steps, task_guid_in

from engine.tables import Event, Instance
from webapp.core import db
from webapp.models import Case

ANNOUNCE = {"towns": ["xiacun"], "villages": "", "effective_on": "2026-03-02", "document_no": "乳水供〔2026〕3号",
            "reason": "城区管网延伸至夏村镇"}


def permitted_case(app, login, well_no: str, town: str = "xiacun", village: str = "东村") -> int:
    """Register an uncovered well and drive it to "permitted, waiting for the network" through the engine."""
    client = login(f"{town}.clerk")
    data = {**REGISTRATION, "well_no": well_no, "town": town, "village": village, "in_coverage": "no"}
    response = client.post("/cases/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    steps = [("commitment", f"{town}.clerk", {"signed_on": "2026-03-02"}),
             ("inspect", "task_force.clerk", {"in_coverage": False, "has_permit": False, "purpose": "agricultural",
                                              "urban_village": False, "obstructed": False, "hidden_well": False}),
             ("notice", "water.clerk", {"notice_served_on": "2026-03-02", "rectify_days": 5}),
             ("rectify_report", "water.clerk", {}),
             ("permit_approval", "approval.clerk", {"permit_approved": True}),
             ("meter_verification", "market.clerk", {"meter_passed": True}),
             ("tax_registration", "tax.clerk", {}),
             ("recheck", "water.clerk", {"recheck_passed": True})]
    complete_steps(app, steps, case_id)
    return case_id


def waiting(app, case_id):
    with app.app_context():
        case = db.session().get(Case, case_id)
        return db.session().get(Instance, case.instance_id).waiting_for


def test_only_the_office_supervisors_and_the_water_head_announce(app, login):
    assert login("water.clerk").get("/coverage/").status_code == 403
    assert login("xiacun.clerk").get("/coverage/").status_code == 403
    assert login("water.head").get("/coverage/").status_code == 200
    page = login("leading_office.supervisor").get("/coverage/").get_data(as_text=True)
    assert "管网覆盖扩展" in page and 'data-testid="nav-coverage"' in page


def test_preview_then_confirm_moves_only_the_permitted_wells_of_the_area(app, login):
    east = permitted_case(app, login, "XC-101")
    west = permitted_case(app, login, "XC-102", village="西村")
    elsewhere = permitted_case(app, login, "DG-101", town="dagushan")
    head = login("water.head")
    preview = head.post("/coverage/", data={**ANNOUNCE, "villages": "东村", "preview": "1"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-testid="coverage-count">1<' in html and "XC-101" in html
    assert waiting(app, east) == "network_arrives"  # a preview changes nothing
    done = head.post("/coverage/", data={**ANNOUNCE, "villages": "东村、北村", "confirmed": "1", "submit": "1"},
                     follow_redirects=True)
    assert "1 口已办证自备井转入关闭封井程序" in done.get_data(as_text=True)
    assert (waiting(app, east), waiting(app, west), waiting(app, elsewhere)) == (None, "network_arrives",
                                                                                 "network_arrives")
    water = login("water.clerk")
    assert task_guid_in(water.get("/inbox/").get_data(as_text=True), "notice")
    with app.app_context():
        event = db.session().scalars(select(Event).where(Event.kind == "coverage_announced")).one()
        assert event.data["cases"] == [east] and event.title == "乳水供〔2026〕3号"
        received = db.session().scalars(select(Event).where(Event.kind == "message_received")).one()
        assert received.case_id == east and received.data["payload"]["document_no"] == "乳水供〔2026〕3号"
    # The closure notice starts from "in the network's coverage now": stop and seal, and only that (the
    # meter and tax were rectified when the well was permitted).
    notice = task_guid_in(water.get("/inbox/").get_data(as_text=True), "notice")
    page = water.get(f"/tasks/{notice}").get_data(as_text=True)
    assert 'value="公共供水管网已覆盖，依法应当停止取用地下水并封井"' in page
    assert 'name="problems-0-kind"' in page and 'name="problems-3-kind"' not in page  # one row and two spare
    assert 'value="未安装取水计量设施"' not in page and 'value="未登记缴纳水资源税和污水处理费"' not in page


def test_bad_input_and_an_unconfirmed_post_change_nothing(app, login):
    case_id = permitted_case(app, login, "XC-103")
    head = login("water.head")
    refused = head.post("/coverage/", data={**ANNOUNCE, "towns": [], "document_no": "", "submit": "1"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请至少选择一个覆盖的镇（街道）" in html and "请填写依据文件或通知编号" in html
    # Not previewed (no confirmation field): the list is shown, nothing moves, and the page says why.
    unconfirmed = head.post("/coverage/", data={**ANNOUNCE, "submit": "1"})
    html = unconfirmed.get_data(as_text=True)
    assert unconfirmed.status_code == 422 and "尚未发布，没有任何案件被改变" in html and "确认无误后再点“确认发布”" in html
    assert 'data-testid="coverage-count">1<' in html
    assert waiting(app, case_id) == "network_arrives"
