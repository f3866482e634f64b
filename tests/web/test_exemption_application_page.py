"""The urban-village exemption applied for by the street office (城区街道办事处) on its own task page, then
reviewed by the leading group office."""
from __future__ import annotations

import re

from web_support import REGISTRATION, complete_steps, instance_version, submit, task_guid_in

URBAN_VILLAGE = {**REGISTRATION, "town": "chengqu", "village": "城中村甲", "purpose": "rural_domestic"}
INSPECTED = {"in_coverage": True, "has_permit": False, "purpose": "rural_domestic", "urban_village": True,
             "obstructed": False, "hidden_well": False}


def test_the_street_office_applies_and_the_office_reviews(app, login):
    town = login("chengqu.clerk")
    response = town.post("/cases/new", data=URBAN_VILLAGE)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    complete_steps(app, [("commitment", "chengqu.clerk", {"signed_on": "2026-03-02"}),
                         ("inspect", "task_force.clerk", INSPECTED)])
    inbox = town.get("/inbox/").get_data(as_text=True)
    guid = task_guid_in(inbox, "exemption_apply")
    page = town.get(f"/tasks/{guid}").get_data(as_text=True)
    assert "城中村暂缓封停申请" in page
    assert re.search(r'<input[^>]*name="village_name"[^>]*value="城中村甲"', page)  # from the register
    # Without reasons nothing is submitted.
    response = submit(town, guid, {"applied_on": "2026-03-02", "village_name": "城中村甲",
                                   "applicant_contact": "经办人 0631-1234567"}, instance_version(app))
    assert response.status_code == 422 and "请填写申请理由" in response.get_data(as_text=True)
    response = submit(town, guid, {"applied_on": "2026-03-02", "village_name": "城中村甲",
                                   "application_reasons": "列入城中村改造计划，暂无替代水源。",
                                   "applicant_contact": "经办人 0631-1234567"}, instance_version(app))
    assert response.status_code == 302
    # The water bureau and other towns do not get it; the office reviews it.
    assert "exemption_apply" not in login("xiacun.clerk").get("/inbox/").get_data(as_text=True)
    office = login("leading_office.clerk")
    task_guid_in(office.get("/inbox/").get_data(as_text=True), "exemption_review")
    case_page = office.get("/cases/1").get_data(as_text=True)
    assert "城中村暂缓封停申请" in case_page and "列入城中村改造计划，暂无替代水源。" in case_page
