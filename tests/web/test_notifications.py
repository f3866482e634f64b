"""Reminders through the outbox: written with the step or assignment that caused them, by the sweep (due
soon, overdue, the heads' digest) once a day whatever the reruns, and delivered by the relay to a real
local SMTP server and a real local HTTP robot."""
from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta

from outbox_support import RELAY_SETTINGS, configure, posted, rows, smtp_server, sweep  # noqa: F401
from sqlalchemy import select
from web_support import REGISTRATION

from engine.tables import OpenTask, utcnow
from webapp.core import db, workflow
from webapp.directory.departments import DEMO_PASSWORD
from webapp.models import Case, User
from webapp.notifications import sweep as reminders
from webapp.tasks import service as step_service


def contact(app, username, **values):
    with app.app_context():
        user = db.session().scalar(select(User).where(User.username == username))
        for name, value in values.items():
            setattr(user, name, value)
        db.commit()


def register(app, login):
    assert login("water.clerk").post("/cases/new", data=REGISTRATION).status_code == 302


def open_task(app, spec):
    with app.app_context():
        return db.session().scalar(select(OpenTask).where(OpenTask.task_spec == spec))


def complete(app, spec, username, data):
    with app.app_context():
        session = db.session()
        guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.task_spec == spec))
        user = session.scalar(select(User).where(User.username == username))
        step_service.complete_step(session, workflow.engine(), session.get(Case, 1), spec, guid, data, user,
                                   expected_version=None)
        db.commit()


def notices(app):
    return [r for r in rows(app) if r.kind == "notice"]


def test_a_new_task_is_told_to_its_department_in_the_steps_transaction(app, login):
    register(app, login)
    contact(app, "task_force.clerk", email="tf.clerk@rushan.example.cn", mobile="13800000001", notify_sms=True)
    contact(app, "task_force.head", email=None, notify_email=True, mobile="13800000002", notify_robot=True)
    contact(app, "xiacun.clerk", email="xiacun@rushan.example.cn")  # completes the step: not told
    complete(app, "commitment", "xiacun.clerk", {"signed_on": "2026-03-02"})
    inspect = open_task(app, "inspect")
    told = {(r.destination, r.recipient) for r in notices(app)}
    assert told == {("email", "tf.clerk@rushan.example.cn"), ("sms", "13800000001"), ("robot:task_force", None)}
    for row in notices(app):
        assert row.payload["subject"] == f"新任务：{inspect.title}" and "乳整2026-00001" in row.payload["text"]
        assert row.case_id == 1 and row.status == "pending"
    [robot] = [r for r in notices(app) if r.destination == "robot:task_force"]
    assert robot.payload["mentions"] == ["13800000002"]


def test_an_assignment_is_told_to_the_assignee_once(app, login):
    register(app, login)
    complete(app, "commitment", "xiacun.clerk", {"signed_on": "2026-03-02"})
    contact(app, "task_force.clerk", email="tf.clerk@rushan.example.cn")
    before = len(notices(app))
    guid = open_task(app, "inspect").task_guid
    head = login("task_force.head")
    assert head.post(f"/tasks/{guid}/assign", data={"assignee": "task_force.clerk", "priority": "1"}).status_code == 302
    [assigned] = notices(app)[before:]
    assert (assigned.recipient, assigned.payload["subject"]) == ("tf.clerk@rushan.example.cn",
                                                                 f"【紧急】指派给您的任务：{open_task(app, 'inspect').title}")


def test_sweep_reminds_of_due_and_overdue_tasks_and_digests_once_a_day(app, login, fixed_clock):
    register(app, login)
    complete(app, "commitment", "xiacun.clerk", {"signed_on": "2026-03-02"})
    contact(app, "task_force.clerk", email="tf.clerk@rushan.example.cn")
    contact(app, "task_force.head", email="tf.head@rushan.example.cn")
    with app.app_context():
        task = db.session().scalar(select(OpenTask).where(OpenTask.task_spec == "inspect"))
        task.due_at = utcnow() + timedelta(hours=20)  # Tuesday morning: within one working day
        db.commit()
    start = len(notices(app))

    def run():
        with app.app_context():
            result = reminders.run(db.session(), utcnow(), 8)
            db.commit()
            return result

    first = run()
    assert (first.due_soon, first.overdue, first.digests) == (2, 0, 1)  # clerk and head of the pool; digest
    subjects = sorted(r.payload["subject"] for r in notices(app)[start:])
    assert subjects[0] == "3月2日本部门待办汇总" and all(s.startswith("任务即将到期") for s in subjects[1:])
    again = run()
    assert again.written == 0 and len(notices(app)) == start + 3  # a rerun the same day writes nothing

    fixed_clock.shift(timedelta(days=1))  # Tuesday 10:00: now overdue, reminded again, a new digest
    late = run()
    assert (late.due_soon, late.overdue, late.digests) == (0, 2, 1)
    assert any("已超过办理期限" in r.payload["text"] for r in notices(app)[start + 3:])

    fixed_clock.shift(timedelta(days=4))  # Saturday 7 March 2026: no reminders on a day off
    assert run().skipped and run().written == 0


def test_reminders_reach_a_real_mail_server_and_robot(make_app, login, smtp_server, httpserver):
    controller, inbox = smtp_server
    app = make_app(**RELAY_SETTINGS, SMTP_HOST="127.0.0.1", SMTP_PORT=str(controller.port), SMTP_SECURITY="none",
                   SMTP_FROM="自备井整治 <wells@rushan.example.gov.cn>")
    httpserver.expect_request("/robot", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    configure(app, "robot:task_force", "wecom", httpserver.url_for("/robot?key=abc"), secret=None)
    with app.app_context():
        session = db.session()
        for name, values in (("task_force.clerk", {"email": "tf.clerk@rushan.example.cn", "notify_robot": True,
                                                   "mobile": "13800000001"}),):
            user = session.scalar(select(User).where(User.username == name))
            for key, value in values.items():
                setattr(user, key, value)
        db.commit()
    water = app.test_client()
    assert water.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD}).status_code == 302
    assert water.post("/cases/new", data=REGISTRATION).status_code == 302
    complete(app, "commitment", "xiacun.clerk", {"signed_on": "2026-03-02"})
    sent = sweep(app)
    assert sent.sent == 2 and {r.status for r in notices(app)} == {"sent"}
    [mail] = inbox.envelopes
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert mail.rcpt_tos == ["tf.clerk@rushan.example.cn"] and message["Subject"].startswith("新任务：")
    assert "乳整2026-00001" in message.get_content()
    [posted_robot] = posted(httpserver, "/robot")
    body = json.loads(posted_robot.data)
    assert body["text"]["mentioned_mobile_list"] == ["13800000001"] and body["text"]["content"].startswith("新任务")
