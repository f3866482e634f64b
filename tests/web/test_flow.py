"""Registering a well and moving its case from bureau to bureau through the web pages."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import func, select
from web_support import (
    INSPECTION,
    NOTICE,
    REGISTRATION,
    instance_version,
    refusals,
    submit,
    task_guid_in,
    walk_to_notice,
)

from engine.tables import Event, Instance, OpenTask
from webapp.core import db
from webapp.models import Case, WaterUser, Well


def field_names(app, form_cls, **kwargs):
    with app.test_request_context():
        return {f.name for f in form_cls(**kwargs)}


def register(client, **changes):
    return client.post("/cases/new", data={**REGISTRATION, **changes})


def counts(app):
    with app.app_context():
        s = db.session()
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (WaterUser, Well, Case, Instance, Event))


def test_registration_fields_match_the_form(app):
    from forms.register import RegisterWellForm
    assert set(REGISTRATION) <= field_names(app, RegisterWellForm, town_choices=[("xiacun", "夏村镇")])


def test_register_starts_a_case_in_the_towns_inbox(app, login):
    town = login("xiacun.clerk")
    response = register(town)
    assert response.status_code == 302
    page = town.get(response.headers["Location"]).get_data(as_text=True)
    assert "签订承诺书" in page and "夏村镇" in page and "已登记自备井 XC-001" in page
    inbox = town.get("/inbox/").get_data(as_text=True)
    assert "签订承诺书" in inbox and "XC-001" in inbox
    # Another town and a bureau do not see the town's task in their inboxes.
    assert "XC-001" not in login("dagushan.clerk").get("/inbox/").get_data(as_text=True)
    assert "XC-001" not in login("water.clerk").get("/inbox/").get_data(as_text=True)


def test_town_clerk_can_only_register_in_their_own_town(app, login):
    town = login("xiacun.clerk")
    before = counts(app)
    response = register(town, town="dagushan")
    assert response.status_code == 422
    assert "不是一个有效的选项" in response.get_data(as_text=True) or "请选择" in response.get_data(as_text=True)
    assert counts(app) == before


def test_bad_registration_is_explained_and_writes_nothing(app, login):
    water = login("water.clerk")
    before = counts(app)
    response = register(water, party_id="91350100M000100Y44", latitude="39.9", year_drilled="2100")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "没有保存任何内容" in html
    assert html.count("invalid-feedback") >= 3
    assert counts(app) == before


def test_duplicate_well_number_is_refused(app, login):
    water = login("water.clerk")
    assert register(water).status_code == 302
    before = counts(app)
    response = register(water, well_no="xc-001 ")
    assert response.status_code == 422
    assert "已经登记过" in response.get_data(as_text=True)
    assert counts(app) == before


def test_case_moves_from_town_to_task_force_to_water(app, login):
    town = login("xiacun.clerk")
    register(town)
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    page = town.get(f"/tasks/{guid}")
    assert page.status_code == 200 and "XC-001" in page.get_data(as_text=True)
    response = submit(town, guid, {"signed_on": "2026-03-02", "signatory": "法定代表人甲"}, instance_version(app))
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox/")
    assert "已提交" in town.get("/inbox/").get_data(as_text=True)

    force = login("task_force.clerk")
    guid = task_guid_in(force.get("/inbox/").get_data(as_text=True), "inspect")
    assert submit(force, guid, INSPECTION, instance_version(app)).status_code == 302

    water = login("water.clerk")
    inbox = water.get("/inbox/").get_data(as_text=True)
    assert "下达责令限期整改通知书" in inbox
    case_page = water.get("/cases/1").get_data(as_text=True)
    assert "下达责令限期整改通知书" in case_page and "市水利局" in case_page
    # The timeline shows who did what with the submitted values, labelled in Chinese.
    timeline = case_page[case_page.index('data-testid="timeline"'):]
    assert "现场检查" in timeline and "未办理取水许可，未安装计量设施。" in timeline
    assert "task_force.clerk" in timeline and "整治专班" in timeline


def test_another_departments_task_is_forbidden(app, login):
    town = login("xiacun.clerk")
    register(town)
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    # The leading group office sees every task page, read-only outside its own lane.
    office_view = login("leading_office.supervisor").get(f"/tasks/{guid}").get_data(as_text=True)
    assert 'data-testid="read-only"' in office_view and "signatory" not in office_view
    for username in ("dagushan.clerk", "water.clerk", "leading_office.supervisor"):
        other = login(username)
        if username != "leading_office.supervisor":
            assert other.get(f"/tasks/{guid}").status_code == 403
        before = counts(app)
        response = submit(other, guid, {"signed_on": "2026-03-02", "signatory": "某人"}, instance_version(app))
        assert response.status_code == 403
        assert counts(app)[:4] == before[:4] and instance_version(app) == 1  # the case did not move
        [denied] = refusals(app, actor=username, method="POST")
        assert (denied.case_id, denied.path, denied.count) == (1, f"/tasks/{guid}", 1)


def test_town_cannot_open_another_towns_case(app, login):
    register(login("xiacun.clerk"))
    assert login("dagushan.clerk").get("/cases/1").status_code == 403
    assert login("xiacun.clerk").get("/cases/1").status_code == 200
    assert login("housing.clerk").get("/cases/1").status_code == 200  # bureaus see every case
    cases = login("dagushan.clerk").get("/cases/").get_data(as_text=True)
    assert "XC-001" not in cases


def test_stale_form_is_refused_with_a_message(app, login):
    town = login("xiacun.clerk")
    register(town)
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    version = instance_version(app)
    before = counts(app)
    response = submit(town, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, version - 1)
    assert response.status_code == 409
    assert "已有新的进展" in response.get_data(as_text=True)
    assert counts(app) == before and instance_version(app) == version


def test_completed_task_says_who_handled_it(app, login):
    town = login("xiacun.clerk")
    register(town)
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    version = instance_version(app)
    assert submit(town, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, version).status_code == 302
    again = submit(town, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, version)
    assert again.status_code == 410
    assert "已由 xiacun.clerk 于 2026-03-02 10:00 办理" in again.get_data(as_text=True)
    assert town.get(f"/tasks/{guid}").status_code == 410
    assert town.get("/tasks/00000000-0000-0000-0000-000000000000").status_code == 404


def test_bad_task_input_is_rerendered_and_nothing_written(app, login):
    town = login("xiacun.clerk")
    register(town)
    force_guid = None
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    submit(town, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app))
    force = login("task_force.clerk")
    force_guid = task_guid_in(force.get("/inbox/").get_data(as_text=True), "inspect")
    before, version = counts(app), instance_version(app)
    response = submit(force, force_guid, {**INSPECTION, "inspected_on": "2026-03-09", "findings": ""}, version)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "没有保存任何内容" in html
    assert "执法证 3701001、3701002" in html  # what was typed is kept
    assert len(re.findall(r'class="invalid-feedback d-block"', html)) >= 2
    assert counts(app) == before and instance_version(app) == version
    with app.app_context():
        assert db.session().scalar(select(OpenTask.task_spec).where(OpenTask.task_guid == force_guid)) == "inspect"


def test_inbox_filters_counts_and_paging(make_app, login):
    app = make_app(PAGE_SIZE="2")
    water = login("water.clerk", app)
    for n in range(1, 4):
        assert register(water, well_no=f"XC-00{n}", town="xiacun" if n < 3 else "nanhuang").status_code == 302
    xiacun, nanhuang = login("xiacun.clerk", app), login("nanhuang.clerk", app)
    assert xiacun.get("/inbox/").get_data(as_text=True).count('data-testid="task-commitment"') == 2
    assert nanhuang.get("/inbox/").get_data(as_text=True).count('data-testid="task-commitment"') == 1
    # Move both xiacun cases to the task force; the force sees 2 inspections from xiacun, 0 from nanhuang.
    for _ in range(2):
        guid = task_guid_in(xiacun.get("/inbox/").get_data(as_text=True), "commitment")
        with app.app_context():
            case_id = db.session().scalar(select(OpenTask.case_id).where(OpenTask.task_guid == guid))
        submit(xiacun, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app, case_id))
    force = login("task_force.clerk", app)
    page1 = force.get("/inbox/?town=xiacun").get_data(as_text=True)
    assert page1.count('data-testid="task-inspect"') == 2
    assert "共 2 件" in page1
    assert force.get("/inbox/?town=nanhuang").get_data(as_text=True).count('data-testid="task-inspect"') == 0
    assert "暂无待办任务" in force.get("/inbox/?overdue=1").get_data(as_text=True)
    # Paging: 2 per page.
    guid = task_guid_in(nanhuang.get("/inbox/").get_data(as_text=True), "commitment")
    submit(nanhuang, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app, 3))
    all_pages = force.get("/inbox/").get_data(as_text=True)
    assert all_pages.count('data-testid="task-inspect"') == 2 and "共 3 件" in all_pages
    assert force.get("/inbox/?page=2").get_data(as_text=True).count('data-testid="task-inspect"') == 1
    assert 'data-testid="step-inspect"' in all_pages


NOTICE_FORM = NOTICE


def test_notice_sets_the_working_day_deadline_shown_in_the_inbox(app, login):
    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE_FORM, instance_version(app)).status_code == 302
    inbox = water.get("/inbox/").get_data(as_text=True)
    # Served Monday 2 March 2026, 5 working days: the deadline ends on Monday 9 March at 24:00.
    assert "整改情况报告" in inbox and "期限 2026-03-09 23:59" in inbox
    case_page = water.get("/cases/1").get_data(as_text=True)
    assert "未安装取水计量设施" in case_page and "直接送达" in case_page


def test_a_notice_period_into_a_year_nobody_entered_is_served_with_the_conservative_date(app, login, fixed_clock):
    fixed_clock.move_to(datetime(2026, 12, 28, 2, tzinfo=timezone.utc))  # before logging in: sessions expire
    water, guid = walk_to_notice(app, login)
    response = submit(water, guid, {**NOTICE_FORM, "notice_served_on": "2026-12-28"}, instance_version(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    # 2027 not entered: 29 December – 3 January may become 元旦 holidays; five working days end on Friday
    # 8 January 2027, final (a party's deadline is not 暂定 and not moved when 2027 is entered).
    inbox = water.get("/inbox/").get_data(as_text=True)
    assert "期限 2027-01-08 23:59" in inbox and "暂定" not in inbox


def test_register_without_coordinates(app, login):
    """Coordinates are optional at registration (taken on site later): no error, shown as not taken."""
    water = login("water.clerk")
    response = register(water, latitude="", longitude="")
    assert response.status_code == 302
    assert "未采集" in water.get(response.headers["Location"]).get_data(as_text=True)
