"""Issue 10, "Accessible to everyone who works here": help text and errors are tied to their fields
(aria-describedby, aria-invalid) and the error summary links to the fields (templates/_macros.html)."""
from __future__ import annotations

from lxml import html as lxml_html
from web_support import REGISTRATION, walk_to_notice


def _check_ties(page: str) -> tuple[list, list]:
    """Every described control names ids that exist; every invalid control says so and is described by its
    error; every summary link leads to a control. Returns (invalid controls, summary links)."""
    doc = lxml_html.fromstring(page)
    by_id = {e.get("id"): e for e in doc.xpath("//*[@id]")}
    for control in doc.xpath("//*[@aria-describedby]"):
        for ref in control.get("aria-describedby").split():
            assert ref in by_id, (control.get("name"), ref)
    invalid = doc.xpath('//*[contains(concat(" ", @class, " "), " is-invalid ")]')
    for control in invalid:
        assert control.get("aria-invalid") == "true", control.get("name")
        described = [by_id[ref] for ref in control.get("aria-describedby").split()]
        assert any("invalid-feedback" in e.get("class") for e in described), control.get("name")
    links = doc.xpath('//*[@data-testid="form-errors"]//a[starts-with(@href, "#")]')
    for link in links:
        target = by_id[link.get("href")[1:]]
        assert target.tag in ("input", "select", "textarea"), link.get("href")
    return invalid, links


def test_registration_errors_are_tied_to_their_fields_and_linked_from_the_summary(login):
    town = login("xiacun.clerk")
    form = {**REGISTRATION, "party_id": "123", "well_no": "", "latitude": "99"}
    del form["in_coverage"]  # a group of choices (是/否) left unanswered
    response = town.post("/cases/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    invalid, links = _check_ties(page)
    assert {c.get("name") for c in invalid} >= {"party_id", "well_no", "latitude"}
    linked = {a.get("href") for a in links}
    assert {"#party_id", "#well_no", "#latitude", "#in_coverage-0"} <= linked  # choices: their first option
    # The link reads as the error, with the field's label first where the error does not name it.
    text = {a.get("href"): a.text_content() for a in links}
    assert text["#well_no"] == "请填写机井编号"
    assert text["#latitude"].startswith("纬度应在"), text["#latitude"]
    assert text["#party_id"].startswith("统一社会信用代码/身份证号："), text["#party_id"]  # the error does not name it
    # Help text without an error is tied too.
    doc = lxml_html.fromstring(page)
    helped = [c for c in doc.xpath("//input[@aria-describedby]") if c.get("aria-invalid") is None]
    assert helped and all(ref.endswith("-help") for c in helped for ref in c.get("aria-describedby").split())


def test_a_task_forms_row_and_choice_errors_link_to_the_row_field_and_the_first_option(app, login):
    water, guid = walk_to_notice(app, login)
    response = water.post(f"/tasks/{guid}", data={
        "problems-0-kind": "no_meter", "problems-0-description": "", "problems-0-required_act": "install_meter",
        "problems-0-rectify_days": "5", "notice_served_on": "2026-03-02", "legal_basis": "《中华人民共和国水法》第六十九条"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    _invalid, links = _check_ties(page)
    text = {a.get("href"): a.text_content() for a in links}
    assert text["#problems-0-description"] == "第1项 · 请填写问题描述"
    assert text["#service_method"] == "请选择送达方式"
