"""What each worker keeps in memory — the departments' names, the accounts, the office's calendar — is
checked against the revisions read with the account in the request's first statement (issue 14: statements
per request): a page reads none of these tables unless it changed, and a change made anywhere (another
worker's admin page, a database administrator's UPDATE, an entered year) is used from the next request on."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from outbox_support import RELAY_SETTINGS, configure, rows
from sqlalchemy import event, text
from web_support import REGISTRATION, instance_version, submit, task_guid_in

from engine import Actor
from rules import calendar
from webapp.core import db, workflow
from webapp.working_calendar.parse import parse
from webapp.working_calendar.service import enter_year

NAMES_READ = "FROM department ORDER BY"
TRAIL = '<div class="small text-muted">夏村镇 {}</div>'  # who did it, on the case page's trail
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
"""


@contextmanager
def statements(app):
    with app.app_context():
        bind = db.session().get_bind()
    seen: list[str] = []

    def log(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))
    event.listen(bind, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", log)


def heading(page: str) -> str:
    return page.split('<h1 class="h4 mb-0">')[1].split("</h1>")[0]


def test_a_page_reads_neither_the_names_nor_the_calendar_once_the_worker_has_them(app, login):
    clerk = login("xiacun.clerk")
    clerk.get("/inbox/")  # the worker reads the names once
    with statements(app) as seen:
        page = clerk.get("/inbox/").get_data(as_text=True)
        assert clerk.post("/cases/new", data=REGISTRATION).status_code == 302
        guid = task_guid_in(clerk.get("/inbox/").get_data(as_text=True), "commitment")
        clerk.get(f"/tasks/{guid}")
    assert heading(page) == "夏村镇 · 待办任务"
    assert not [s for s in seen if NAMES_READ in s]
    # The write took the calendar's revision from the account's statement, not a query of its own.
    assert not [s for s in seen if s.startswith("SELECT max(office_calendar_year.revision)")]
    assert sum("calendar_revision" in s for s in seen) == 4  # one per request, with the account
    # The accounts: read once, the worker's first time (the registration's reminders), then the case page's
    # names and the task page come from the worker's copy.
    assert len([s for s in seen if "user_account" in s and "people_revision" not in s]) == 1


def test_a_rename_through_another_worker_shows_on_the_next_page(make_app, login):
    """Two apps on one database are two workers: the one that did not rename reads the names again, once."""
    first, second = make_app(), make_app()
    admin = login("admin", on=first)
    clerk = login("xiacun.clerk", on=second)
    assert heading(clerk.get("/inbox/").get_data(as_text=True)) == "夏村镇 · 待办任务"
    with first.app_context():
        town_id = db.session().execute(text("SELECT id FROM department WHERE code = 'xiacun'")).scalar_one()
    assert admin.post(f"/admin/departments/{town_id}", data={"name": "夏村街道"}).status_code == 302
    with statements(second) as seen:
        assert heading(clerk.get("/inbox/").get_data(as_text=True)) == "夏村街道 · 待办任务"
        assert heading(clerk.get("/inbox/").get_data(as_text=True)) == "夏村街道 · 待办任务"
    assert len([s for s in seen if NAMES_READ in s]) == 1


def test_a_rename_in_the_database_itself_shows_on_the_next_page(app, login):
    """The trigger counts the revision up, so an UPDATE outside the application reaches every worker."""
    clerk = login("xiacun.clerk")
    clerk.get("/inbox/")
    with app.app_context():
        db.session().execute(text("UPDATE department SET name = '夏村镇人民政府' WHERE code = 'xiacun'"))
        db.session().execute(text("UPDATE department SET name = name WHERE code = 'water'"))  # no change: no count
        db.commit()
        revisions = dict(db.session().execute(text(
            "SELECT code, revision FROM department WHERE code IN ('xiacun', 'water')")).all())
    assert revisions == {"xiacun": 1, "water": 0}
    assert heading(clerk.get("/inbox/").get_data(as_text=True)) == "夏村镇人民政府 · 待办任务"


def test_a_year_entered_through_another_worker_is_used_from_the_next_request(app, login):
    clerk = login("xiacun.clerk")
    clerk.get("/inbox/")
    assert 2027 not in calendar.office_years()
    with app.app_context():  # stored by another worker: not installed in this one
        enter_year(db.session(), workflow.engine(), Actor("admin", "leading_office"), parse(NOTICE_2027), NOTICE_2027)
        db.commit()
    assert 2027 not in calendar.office_years()
    with statements(app) as seen:
        clerk.get("/inbox/")  # a page, within a second of the last look: the revision came with the account
    assert 2027 in calendar.office_years()
    assert any(s.startswith("SELECT office_calendar_year") for s in seen)  # the years read once, as changed


def test_a_case_page_names_people_as_another_worker_renamed_them(make_app, login):
    first, second = make_app(), make_app()
    clerk = login("xiacun.clerk", on=second)
    assert clerk.post("/cases/new", data=REGISTRATION).status_code == 302
    assert TRAIL.format("夏村镇经办人") in clerk.get("/cases/1").get_data(as_text=True)  # kept by the second worker
    admin = login("admin", on=first)
    with first.app_context():
        target = db.session().execute(text("SELECT id, revision FROM user_account WHERE username = 'xiacun.clerk'")).one()
    page = admin.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert "夏村镇经办人" in page
    with first.app_context():  # as the admin page would, through the first worker
        db.session().execute(text("UPDATE user_account SET display_name = '夏村镇登记员' WHERE id = :id"), {"id": target.id})
        db.commit()
        assert db.session().execute(text("SELECT revision FROM user_account WHERE id = :id"),
                                    {"id": target.id}).scalar_one() == target.revision + 1
    with statements(second) as seen:
        page = clerk.get("/cases/1").get_data(as_text=True)
        clerk.get("/cases/1")
    assert TRAIL.format("夏村镇登记员") in page and "夏村镇经办人" not in page
    assert len([s for s in seen if "user_account" in s and "people_revision" not in s]) == 1  # read again once


@pytest.fixture
def robot_app(make_app, httpserver):
    app = make_app(**RELAY_SETTINGS)
    httpserver.expect_request("/robot", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    configure(app, "robot:task_force", "wecom", httpserver.url_for("/robot?key=k"), secret=None)
    with app.app_context():
        db.session().execute(text("UPDATE user_account SET mobile = '13800000013', notify_robot = true, email = NULL "
                                  "WHERE username = 'task_force.clerk'"))
        db.commit()
    return app


def test_the_reminders_go_to_whom_another_worker_left_in_the_department(robot_app, make_app, login):
    """The new task's reminder names the department's people from the worker's copy: a clerk deactivated
    through another worker is not named in the next reminder, and one given a mobile number is."""
    other = make_app(**RELAY_SETTINGS)
    town = login("xiacun.clerk", on=robot_app)

    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    with other.app_context():  # the office changes the task force's people through the other worker
        db.session().execute(text("UPDATE user_account SET mobile = '13800000099', notify_robot = true, email = NULL "
                                  "WHERE username = 'task_force.head'"))
        db.session().execute(text("UPDATE user_account SET active = false WHERE username = 'task_force.clerk'"))
        db.commit()
    assert submit(town, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(robot_app)).status_code == 302
    [told] = [r for r in rows(robot_app) if r.destination == "robot:task_force" and r.payload["subject"].startswith("新任务")]
    assert told.payload["mentions"] == ["13800000099"]
