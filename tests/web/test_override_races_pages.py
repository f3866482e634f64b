"""A supervisor's override wins the race against a clerk's submission of the same step: the clerk's page
says what the office did (never a server error), through the real routes, on both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from test_overrides_pages import open_task, to_report
from web_support import hold
from web_support import instance_version as version

from engine import assignment, overrides
from engine.tables import Event
from webapp.core import db

REPORT = {"reported_on": "2026-03-02", "report_summary": "已停止取水"}


def notice_guid(app):
    with app.app_context():
        return db.session().scalar(select(Event.task_guid).where(Event.kind == "task_completed",
                                                                 Event.task_spec == "notice"))


CASES = {
    "suspend": (lambda app, t, v: lambda e, s, a: overrides.suspend(e, s, 1, a, "等待裁定", expected_version=v),
                409, "已由督办人员 leading_office.supervisor 于 2026-03-02 10:00 暂停（理由：等待裁定）"),
    "cancel": (lambda app, t, v: lambda e, s, a: overrides.cancel(e, s, 1, a, "重复登记", expected_version=v),
               409, "于 2026-03-02 10:00 撤销（理由：重复登记）"),
    "skip": (lambda app, t, v: lambda e, s, a: overrides.skip(e, s, t, a, "已口头报告", expected_version=v),
             410, "已由督办人员 leading_office.supervisor 于 2026-03-02 10:00 跳过（理由：已口头报告）"),
    "reset": (lambda app, t, v: (lambda g: lambda e, s, a: overrides.reset(e, s, 1, g, a, "通知书有误",
                                                                         expected_version=v))(notice_guid(app)),
              410, "退回到“下达责令限期整改通知书”（理由：通知书有误），这项任务已作废"),
    "move": (lambda app, t, v: lambda e, s, a: assignment.move_to_department(e, s, t, "enforcement", a,
                                                                              reason="由执法大队办理"),
             409, "于 2026-03-02 10:00 转交 市综合执法局 办理（理由：由执法大队办理）"),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_the_clerk_who_loses_to_an_override_is_told_what_the_office_did(app, login, kind):
    report = to_report(app, login)
    make, status, message = CASES[kind]
    water = login("water.clerk")
    page_version = version(app)
    thread, errors = hold(app, "leading_office.supervisor", make(app, report.task_guid, page_version))
    response = water.post(f"/tasks/{report.task_guid}", data={**REPORT, "instance_version": page_version},
                          follow_redirects=True)
    thread.join(30)
    assert errors == []
    text = response.get_data(as_text=True)
    assert response.status_code == status and message in text, text[-3000:]
    with app.app_context():
        assert db.session().scalar(select(Event).where(Event.kind == "task_completed", Event.actor == "water.clerk",
                                                       Event.task_spec == "rectify_report")) is None


def test_a_clerk_posting_after_a_move_is_told_where_the_task_went(app, login):
    report = to_report(app, login)
    water = login("water.clerk")
    page_version = version(app)
    supervisor = login("leading_office.supervisor")
    assert supervisor.post(f"/tasks/{report.task_guid}/move", data={
        "department": "enforcement", "reason": "由执法大队办理"}).status_code == 302
    response = water.post(f"/tasks/{report.task_guid}", data={**REPORT, "instance_version": page_version})
    assert response.status_code == 409
    assert "转交 市综合执法局 办理" in response.get_data(as_text=True)
    assert open_task(app, "rectify_report").department == "enforcement"
