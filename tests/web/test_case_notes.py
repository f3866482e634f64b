"""Notes on a case (办理意见/备注): written by any department that sees the case, on the timeline and the
audit trail; a head @-s colleagues of the own department, who get a notification through the outbox."""
from __future__ import annotations

from sqlalchemy import func, select
from web_support import REGISTRATION, add_user, refusals

from engine.tables import Event
from webapp.cases.notes.tables import CaseNote
from webapp.core import db
from webapp.integrations.tables import OutboxMessage
from webapp.models import Department, User


def _registered(login):
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    return town


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model).where(*where))


def test_a_department_that_sees_the_case_adds_a_note_on_the_timeline_and_the_trail(app, login):
    _registered(login)
    water = login("water.clerk")
    page = water.get("/cases/1").get_data(as_text=True)
    assert 'data-testid="note-form"' in page and "提醒同事" not in page  # a clerk mentions no one
    response = water.post("/cases/1/notes", data={"body": "用水户称下月接通自来水，请专班核实。", "mentions": ["water.head"]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cases/1#notes")
    page = water.get("/cases/1").get_data(as_text=True)
    assert "已添加办理意见。" in page
    assert "办理意见：用水户称下月接通自来水，请专班核实。</strong>" in page  # a short note is its own title
    long_note = "用水户称" + "情况说明" * 12
    assert water.post("/cases/1/notes", data={"body": long_note}).status_code == 302
    page = water.get("/cases/1").get_data(as_text=True)
    assert f'<div class="small pre-line text-break" data-testid="note">{long_note}</div>' in page
    assert f"办理意见：{long_note[:40]}…</strong>" in page
    with app.app_context():
        note = db.session().scalar(select(CaseNote).order_by(CaseNote.id))
        assert (note.case_id, note.author, note.department, note.mentions) == (1, "water.clerk", "water", [])
        event = db.session().scalar(select(Event).where(Event.kind == "case_note").order_by(Event.id))
        assert (event.case_id, event.actor, event.actor_department) == (1, "water.clerk", "water")
        assert event.data["note"] == "用水户称下月接通自来水，请专班核实。" and event.data["mentions"] == []
    # The town of the case writes one too.
    town = login("xiacun.clerk")
    assert town.post("/cases/1/notes", data={"body": "已电话通知用水户。"}).status_code == 302
    assert _count(app, CaseNote) == 3


def test_a_blank_or_too_long_note_is_refused_and_nothing_is_written(app, login):
    _registered(login)
    water = login("water.clerk")
    water.post("/cases/1/notes", data={"body": "   "})
    assert "请填写办理意见/备注" in water.get("/cases/1").get_data(as_text=True)
    water.post("/cases/1/notes", data={"body": "长" * 2001})
    assert "2000" in water.get("/cases/1").get_data(as_text=True)
    assert _count(app, CaseNote) == 0 and _count(app, Event, Event.kind == "case_note") == 0


def test_a_town_cannot_note_another_towns_case(app, login):
    _registered(login)
    with app.app_context():
        towns = [d.code for d in db.session().scalars(select(Department).where(Department.kind == "town"))]
    stranger = next(code for code in towns if code != "xiacun")
    client = login(f"{stranger}.clerk")
    assert client.post("/cases/1/notes", data={"body": "不该写入"}).status_code == 403
    assert _count(app, CaseNote) == 0
    assert refusals(app, path="/cases/1/notes")


def test_a_head_mentions_a_colleague_who_is_notified(app, login):
    _registered(login)
    add_user(app, "water.clerk2", "water")
    with app.app_context():  # the colleague chose e-mail; water.clerk has no contact details
        colleague = db.session().scalar(select(User).where(User.username == "water.clerk2"))
        colleague.email, colleague.notify_email = "clerk2@example.cn", True
        db.commit()
    head = login("water.head")
    page = head.get("/cases/1").get_data(as_text=True)
    assert "提醒同事" in page and 'value="water.clerk2"' in page and 'value="enforcement.clerk"' not in page
    response = head.post("/cases/1/notes", data={"body": "请尽快送达整改通知书。", "mentions": ["water.clerk2", "water.clerk"]})
    assert response.status_code == 302
    assert "已添加办理意见，已提醒 2 位同事。" in head.get("/cases/1").get_data(as_text=True)
    with app.app_context():
        session = db.session()
        assert session.scalar(select(CaseNote)).mentions == ["water.clerk2", "water.clerk"]
        assert session.scalar(select(Event).where(Event.kind == "case_note")).data["mentions"] == [
            "water.clerk2", "市水利局经办人"]
        (message,) = session.scalars(select(OutboxMessage))  # none for the colleague without a channel
        assert (message.case_id, message.status, message.destination, message.recipient) == (
            1, "pending", "email", "clerk2@example.cn")
        assert "请尽快送达整改通知书。" in message.payload["text"] and "乳整2026-00001" in message.payload["subject"]
    assert "提醒：@water.clerk2、@市水利局经办人" in head.get("/cases/1").get_data(as_text=True)


def test_a_head_cannot_mention_someone_outside_the_department(app, login):
    _registered(login)
    head = login("water.head")
    head.post("/cases/1/notes", data={"body": "请协助。", "mentions": ["enforcement.clerk"]})
    assert _count(app, CaseNote) == 0 and _count(app, OutboxMessage) == 0
    assert "所选内容不在可选范围内，请重新选择" in head.get("/cases/1").get_data(as_text=True)
