"""Task pages that start from what the register holds (issue 10): the commitment letter, the inspection
with the registered facts beside its questions, the sealing with the well's position and "use my location"."""
from __future__ import annotations

import re

from web_support import REGISTRATION, TO_FAILED_RECHECK, complete_steps, task_guid_in


def _value(html: str, name: str) -> str | None:
    match = re.search(r'<input[^>]*name="%s"[^>]*>' % name, html)
    assert match, f"no {name} field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def _checked(html: str, name: str) -> str | None:
    match = re.search(r'<input[^>]*checked[^>]*name="%s"[^>]*value="([^"]*)"|<input[^>]*name="%s"[^>]*value='
                      r'"([^"]*)"[^>]*checked' % (name, name), html)
    return (match.group(1) or match.group(2)) if match else None


def _task_page(login, username, spec):
    client = login(username)
    guid = task_guid_in(client.get("/inbox/").get_data(as_text=True), spec)
    return client.get(f"/tasks/{guid}").get_data(as_text=True)


def test_the_commitment_letter_starts_from_the_legal_representative_and_today(app, login):
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    page = _task_page(login, "xiacun.clerk", "commitment")
    assert _value(page, "signatory") == "法定代表人甲"
    assert _value(page, "signed_on")  # today, China time (the app's clock)


def test_the_inspection_shows_the_registered_facts_and_starts_from_them(app, login):
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data={**REGISTRATION, "has_meter": "yes", "meter_serial": "M-778"}).status_code == 302
    complete_steps(app, [TO_FAILED_RECHECK[0]])
    page = _task_page(login, "task_force.clerk", "inspect")
    assert 'data-testid="known-in_coverage">登记：在管网覆盖范围内（水务集团名录）' in page
    assert 'data-testid="known-has_meter">登记：已安装计量设施（表号 M-778）' in page
    assert 'data-testid="known-has_permit">登记：未办理取水许可' in page
    assert (_checked(page, "in_coverage"), _checked(page, "has_permit"), _checked(page, "has_meter")) == (
        "yes", "no", "yes")
    assert _checked(page, "urban_village") is None  # the register cannot know it: asked afresh


def test_the_sealing_starts_from_the_wells_position_and_offers_the_phones(app, login):
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    complete_steps(app, TO_FAILED_RECHECK[:5])
    response = login("enforcement.clerk").get("/inbox/")
    guid = task_guid_in(response.get_data(as_text=True), "seal_well")
    client = login("enforcement.clerk")
    response = client.get(f"/tasks/{guid}")
    page = response.get_data(as_text=True)
    assert (_value(page, "latitude"), _value(page, "longitude")) == ("36.92", "121.52")
    assert "登记位置：36.92, 121.52" in page
    # The button is hidden until the self-hosted script finds the browser can locate (works without it).
    assert re.search(r'<div[^>]*data-locate[^>]*hidden', page)
    assert '<script src="/static/locate.js' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert client.get("/static/locate.js").status_code == 200


def test_a_town_clerks_town_is_chosen_on_registration(app, login):
    page = login("xiacun.clerk").get("/cases/new").get_data(as_text=True)
    assert re.search(r'<option selected value="xiacun">|<option value="xiacun" selected>', page)
    page = login("water.clerk").get("/cases/new").get_data(as_text=True)
    assert not re.search(r'<option selected value="xiacun">|<option value="xiacun" selected>', page)


def test_the_notices_problem_rows_are_a_table_that_rows_can_be_added_to(app, login):
    from web_support import NOTICE, instance_version, problem_rows, submit, walk_to_notice

    from forms.problems import SPARE_ROWS

    water, guid = walk_to_notice(app, login)
    page = water.get(f"/tasks/{guid}").get_data(as_text=True)
    assert re.search(r'<fieldset[^>]*data-testid="rows-problems"[^>]*data-rows data-max="20"', page)
    assert '<table class="table table-sm rows-table mb-1">' in page
    # One row per problem the inspection found, and the spare blank rows.
    found = len(re.findall(r'<option selected value="[a-z_]+">[^<]*</option>', page.split("</table>")[0]))
    assert found and page.count("data-row>") == found // 2 + SPARE_ROWS  # each row: its kind and its act
    assert re.search(r'<button[^>]*data-add-row[^>]*hidden>添加一行</button>', page)
    assert '<script src="/static/rows.js' in page and water.get("/static/rows.js").status_code == 200
    # A row the script added past the spare ones (index 7) is read like any other; blank rows are ignored.
    rows = {**problem_rows(("no_meter", "未安装取水计量设施", "install_meter", 5)),
            **{k.replace("problems-0-", "problems-7-"): v for k, v in problem_rows(
                ("in_coverage", "位于公共供水管网覆盖范围内", "stop_and_seal", 5)).items()}}
    data = {**{k: v for k, v in NOTICE.items() if not k.startswith("problems-")}, **rows}
    assert submit(water, guid, data, instance_version(app)).status_code == 302
    page = water.get("/cases/1").get_data(as_text=True)
    assert "未安装取水计量设施" in page and "位于公共供水管网覆盖范围内" in page


def test_the_permit_approval_records_the_works_acceptance(app, login):
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data={**REGISTRATION, "in_coverage": "no", "coverage_source": ""}).status_code == 302
    complete_steps(app, [
        ("commitment", "xiacun.clerk", {"signed_on": "2026-03-02"}),
        ("inspect", "task_force.clerk", {"in_coverage": False, "has_permit": False, "purpose": "industrial",
                                         "urban_village": False, "obstructed": False, "hidden_well": False}),
        ("notice", "water.clerk", {"notice_served_on": "2026-03-02", "rectify_days": 5}),
        ("rectify_report", "water.clerk", {})])
    from web_support import instance_version, submit

    approval = login("approval.clerk")
    guid = task_guid_in(approval.get("/inbox/").get_data(as_text=True), "permit_approval")
    page = approval.get(f"/tasks/{guid}").get_data(as_text=True)
    assert "取水工程验收日期" in page and "验收结论：是否合格" in page and "验收人员" in page
    data = {"permit_approved": "yes", "permit_no": "取水（鲁威乳）字[2026]第001号", "permit_valid_from": "2026-03-02",
            "permit_valid_to": "2031-03-01", "works_accepted_on": "2026-03-02", "works_acceptance_passed": "no",
            "works_accepted_by": "市水利局 验收组", "approval_opinion": "准予取水许可。"}
    response = submit(approval, guid, data, instance_version(app))
    assert response.status_code == 422 and "取水工程验收不合格的，不能批准取水许可" in response.get_data(as_text=True)
    response = submit(approval, guid, {**data, "works_acceptance_passed": "yes"}, instance_version(app))
    assert response.status_code == 302
    case_page = approval.get("/cases/1").get_data(as_text=True)
    assert "取水工程验收合格" in case_page and "市水利局 验收组" in case_page
