"""A claim, release or assignment (one or many) and a clerk's submission of the same task at the same
moment, through the real routes, on both databases: the loser's page says what the winner did (409 or
410, never a server error) and nothing of the loser is written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from test_overrides_pages import open_task, to_report
from web_support import add_user, hold
from web_support import instance_version as version

from engine import assignment
from engine.tables import Event, OpenTask
from webapp.core import db, workflow
from webapp.models import User

REPORT = {"reported_on": "2026-03-02", "report_summary": "已停止取水"}
AT = "2026-03-02 10:00"


def events(app, kind) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Event).where(Event.kind == kind))


TAKEN = {
    "claim": ("water.clerk2", lambda g: lambda e, s, a: assignment.claim(e, s, g, a),
              f"已由 water.clerk2 于 {AT} 认领"),
    "assign": ("water.head", lambda g: lambda e, s, a: assignment.assign(e, s, g, "water.clerk2", a),
               f"已由 water.head 于 {AT} 指派给 water.clerk2"),
    "assign_many": ("water.head", lambda g: lambda e, s, a: assignment.assign_many(e, s, [g], "water.clerk2", a),
                    f"已由 water.head 于 {AT} 指派给 water.clerk2"),
}


@pytest.mark.parametrize("kind", list(TAKEN))
def test_the_clerk_who_loses_to_a_claim_or_assignment_is_told_who_has_the_task(app, login, kind):
    report = to_report(app, login)
    add_user(app, "water.clerk2", "water")
    water = login("water.clerk")
    page_version = version(app)
    who, make, message = TAKEN[kind]
    thread, errors = hold(app, who, make(report.task_guid))
    response = water.post(f"/tasks/{report.task_guid}", data={**REPORT, "instance_version": page_version})
    thread.join(30)
    assert errors == []
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and message in text, text[-3000:]
    assert open_task(app, "rectify_report").assignee == "water.clerk2"
    assert events(app, "task_completed") == 3  # commitment, inspection, notice: not the report


def complete_as_clerk(guid):
    return lambda e, s, a: e.complete(s, guid, REPORT, a, departments=("water",))


def _posts(app, guid):
    return {
        "claim": ("water.clerk2", f"/tasks/{guid}/claim", {}, "task_claimed", "无需再认领"),
        "release": ("water.head", f"/tasks/{guid}/release", {}, "task_released", "无需再退回"),
        "assign": ("water.head", f"/tasks/{guid}/assign", {"assignee": "water.clerk2", "priority": "1"},
                   "task_assigned", "无需再指派"),
        "bulk_assign": ("water.head", "/inbox/assign", {"task": [guid], "assignee": "water.clerk2", "priority": "1"},
                        "task_assigned", "没有指派任何任务。“整改情况报告”：这项任务已由 water.clerk"),
    }


@pytest.mark.parametrize("kind", ["claim", "release", "assign", "bulk_assign"])
def test_a_claim_or_assignment_of_a_task_just_completed_is_told_who_handled_it(app, login, kind):
    report = to_report(app, login)
    add_user(app, "water.clerk2", "water")
    if kind == "release":  # the clerk's own claim, which the head releases while the clerk submits
        with app.app_context():
            assignment.claim(workflow.engine(), db.session(), report.task_guid, db.session().scalar(
                select(User).where(User.username == "water.clerk")).actor)
            db.commit()
    who, path, data, kind_of_event, message = _posts(app, report.task_guid)[kind]
    user = login(who)
    before = events(app, kind_of_event)
    thread, errors = hold(app, "water.clerk", complete_as_clerk(report.task_guid))
    response = user.post(path, data=data)
    thread.join(30)
    assert errors == []
    text = response.get_data(as_text=True)
    assert response.status_code == 410, (response.status_code, text[-3000:])
    assert f"已由 water.clerk 于 {AT} 办理" in text and message in text, text[-3000:]
    assert events(app, kind_of_event) == before
    with app.app_context():
        assert db.session().scalar(select(OpenTask).where(OpenTask.task_guid == report.task_guid)) is None


def test_a_clerk_whose_claim_the_head_gave_to_a_colleague_is_told_so_when_releasing(app, login):
    report = to_report(app, login)
    add_user(app, "water.clerk2", "water")
    water = login("water.clerk")
    assert water.post(f"/tasks/{report.task_guid}/claim").status_code == 302
    head = login("water.head")
    assert head.post(f"/tasks/{report.task_guid}/assign",
                     data={"assignee": "water.clerk2", "priority": "0"}).status_code == 302
    response = water.post(f"/tasks/{report.task_guid}/release")
    assert response.status_code == 409
    assert f"已由 water.head 于 {AT} 指派给 water.clerk2" in response.get_data(as_text=True)
    assert open_task(app, "rectify_report").assignee == "water.clerk2"
    # Someone else's claim that was never theirs: a question of rights, as before.
    assert login("water.clerk2").post(f"/tasks/{report.task_guid}/release").status_code == 302
    assert head.post(f"/tasks/{report.task_guid}/assign",
                     data={"assignee": "water.clerk2", "priority": "0"}).status_code == 302
    add_user(app, "water.clerk3", "water")
    assert login("water.clerk3").post(f"/tasks/{report.task_guid}/release").status_code == 403
