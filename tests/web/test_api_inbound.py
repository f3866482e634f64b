"""Events in: each done once per sender and event id, refused with the page's reasons, on the audit trail."""
from __future__ import annotations

from api_support import bearer, make_account
from dashboard_support import walk
from sqlalchemy import func, select
from web_support import REGISTRATION

from engine.tables import Event, Instance, OpenTask
from webapp.core import db
from webapp.models import Case


def _case(app, login, coverage: str) -> str:
    assert login("xiacun.clerk").post("/cases/new", data={**REGISTRATION, "in_coverage": coverage}).status_code == 302
    with app.app_context():
        return db.session().get(Case, 1).number


def _open_specs(app) -> set[str]:
    with app.app_context():
        return set(db.session().scalars(select(OpenTask.task_spec)))


def test_a_tax_registration_completes_the_waiting_step_once(app, login):
    number = _case(app, login, "no")
    walk(app, 1, "2026-03-02", "uncovered", "notice", "rectify_report", "permit_approval", "meter_verification")
    assert "tax_registration" in _open_specs(app)
    token = make_account(app, name="tax_system", scopes=["tasks:complete:tax"])
    client = app.test_client()
    event = {"event_id": "TAX-2026-0001", "case_number": number, "registered_on": "2026-03-02",
             "taxpayer_no": "91371083MA3C00001X"}
    bad = client.post("/api/v1/events-in/tax-registered", json={**event, "registered_on": "明天"}, headers=bearer(token))
    assert bad.status_code == 422 and bad.get_json()["errors"]["registered_on"][0].startswith("登记日期格式不对")
    first = client.post("/api/v1/events-in/tax-registered", json=event, headers=bearer(token))
    assert first.status_code == 201 and first.get_json()["repeated"] is False, first.get_json()
    again = client.post("/api/v1/events-in/tax-registered", json=event, headers=bearer(token))
    assert again.status_code == 200 and again.get_json()["repeated"] is True
    assert again.get_json()["task_id"] == first.get_json()["task_id"]
    assert "tax_registration" not in _open_specs(app)
    with app.app_context():
        done = list(db.session().scalars(select(Event).where(Event.kind == "task_completed",
                                                             Event.form_key == "tax_registration")))
    assert [(e.actor, e.actor_department) for e in done] == [("api:tax_system", "tax")]
    # Another event for a case not waiting for this step: refused with why, nothing written.
    other = client.post("/api/v1/events-in/tax-registered", json={**event, "event_id": "TAX-2026-0002"},
                        headers=bearer(token))
    assert other.status_code == 409 and "不在等待“水资源税登记”" in other.get_json()["message"]
    meter = client.post("/api/v1/events-in/meter-verified", json={**event, "event_id": "M-1"}, headers=bearer(token))
    assert meter.status_code == 403


def test_the_network_arrival_moves_the_waiting_cases_once(app, login):
    number = _case(app, login, "no")
    walk(app, 1, "2026-03-02", "uncovered", "notice", "rectify_report", "permit_approval", "meter_verification",
         "tax_registration", "recheck")
    with app.app_context():
        assert db.session().scalar(select(Instance.waiting_for)) == "network_arrives"
    token = make_account(app, name="water_group_gis", scopes=["coverage:announce"])
    client = app.test_client()
    event = {"event_id": "GIS-77", "towns": ["xiacun"], "villages": "", "effective_on": "2026-03-01",
             "document_no": "乳水供〔2026〕3号", "reason": "夏村镇工业园管网通水"}
    first = client.post("/api/v1/events-in/network-arrived", json=event, headers=bearer(token))
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["cases"] == [number]
    again = client.post("/api/v1/events-in/network-arrived", json=event, headers=bearer(token))
    assert again.status_code == 200 and again.get_json()["cases"] == first.get_json()["cases"]
    with app.app_context():
        session = db.session()
        assert session.scalar(select(func.count()).where(Event.kind == "coverage_announced")) == 1
        assert session.scalar(select(func.count()).where(Event.kind == "message_received")) == 1
        assert session.scalar(select(Instance.waiting_for)) is None  # moved on to closure
    reused = client.post("/api/v1/events-in/network-arrived", json={**event, "towns": []}, headers=bearer(token))
    assert reused.status_code == 200  # same sender, same id: the first answer, whatever the body says now
    fresh = client.post("/api/v1/events-in/network-arrived", json={**event, "event_id": "GIS-78", "towns": []},
                        headers=bearer(token))
    assert fresh.status_code == 422 and fresh.get_json()["errors"]["towns"] == ["请至少选择一个覆盖的镇（街道）"]
    scoped = make_account(app, name="town_gis", scopes=["coverage:announce"], towns=["baishatan"])
    assert client.post("/api/v1/events-in/network-arrived", json={**event, "event_id": "X-1"},
                       headers=bearer(scoped)).status_code == 403


def test_no_inbound_step_issues_a_document():
    """An inbound event's answer is recorded before the commit, and a document's number is only taken at
    the commit (documents.numbering): so no step an inbound event completes may issue one, with any
    answers (api.tasks.complete_task refuses it at run time; this keeps it from ever being deployed)."""
    from webapp.api.inbound import STEP_EVENTS
    from webapp.documents.catalogue import KINDS

    issuing = {kind.form_key for kind in KINDS.values()}
    assert all(form_key not in issuing for form_key, _department in STEP_EVENTS.values())
