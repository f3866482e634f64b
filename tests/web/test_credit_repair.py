"""Credit sanction through the web: the reported record waits for repair; the outbox holds the reports."""
from __future__ import annotations

from sqlalchemy import select
from web_support import (
    PENALTY_TO_DECISION,
    REGISTRATION,
    TO_FAILED_RECHECK,
    complete_steps,
    instance_version,
    submit,
    task_guid_in,
)

from engine.tables import Instance
from webapp.core import db
from webapp.integrations.outbox import OutboxMessage
from webapp.models import Case


def to_review(app, login):
    """A case whose recheck failed, penalty not given, record made and no objection: at the office's review."""
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    steps = [*TO_FAILED_RECHECK,
             ("pen_filing", "water.clerk", {"filed_on": "2026-03-02"}),
             ("pen_investigation", "water.clerk", {"investigation_conclusion": "no_penalty"}),
             ("credit_record", "water.clerk", {"recorded_on": "2026-03-02", "notified_on": "2026-03-02"}),
             ("cr_window", "water.clerk", {"objection_received": False})]
    complete_steps(app, steps)


def outbox(app):
    with app.app_context():
        return [(m.kind, m.status, m.payload["party"]["name"]) for m in db.session().scalars(
            select(OutboxMessage).order_by(OutboxMessage.id))]


def test_confirmed_record_is_queued_for_the_platform_and_repair_is_accepted_on_the_case(app, login):
    to_review(app, login)
    office = login("leading_office.supervisor")
    guid = task_guid_in(office.get("/inbox/").get_data(as_text=True), "credit_review")
    assert submit(office, guid, {"credit_confirmed": "yes", "review_opinion": "同意报送"},
                  instance_version(app)).status_code == 302
    assert outbox(app) == [("credit_report", "pending", REGISTRATION["user_name"])]
    water = login("water.clerk")
    page = water.get("/cases/1").get_data(as_text=True)
    assert 'data-testid="credit-repair"' in page and "等待：当事人申请信用修复" in page
    assert 'data-testid="credit-repair"' not in login("xiacun.clerk").get("/cases/1").get_data(as_text=True)
    assert login("xiacun.clerk").post("/cases/1/credit-repair", data={"applied_on": "2026-03-02"}).status_code == 403
    bad = water.post("/cases/1/credit-repair", data={"applied_on": ""}, follow_redirects=True)
    assert "请填写申请日期" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session().get(Instance, db.session().get(Case, 1).instance_id).waiting_for == "credit_repair_applied"
    done = water.post("/cases/1/credit-repair", data={"applied_on": "2026-03-02", "application_note": "已缴款"},
                      follow_redirects=True)
    assert "已受理信用修复申请" in done.get_data(as_text=True)
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "cr_repair")
    page = water.get(f"/tasks/{guid}").get_data(as_text=True)
    assert 'data-testid="form-notes"' in page and "✔ 罚款及加处罚款已缴清：本案未给予罚款" in page
    assert "✔ 自备井已封闭且封存完好：封井已验收合格" in page and 'name="fine_paid"' not in page
    refused = submit(water, guid, {"applied_on": "2026-03-02", "repair_approved": "yes", "review_opinion": "同意"},
                     instance_version(app))
    assert refused.status_code == 422 and "尚缺：已签订信用承诺书" in refused.get_data(as_text=True)
    assert submit(water, guid, {"applied_on": "2026-03-02",
                                "commitment_signed_on": "2026-03-02", "repair_approved": "yes",
                                "review_opinion": "准予修复"}, instance_version(app)).status_code == 302
    assert [k for k, _, _ in outbox(app)] == ["credit_report", "credit_repair"]
    again = water.post("/cases/1/credit-repair", data={"applied_on": "2026-03-02"}, follow_redirects=True)
    assert "不在等待信用修复申请" in again.get_data(as_text=True)  # the case is finished: nothing changes


def test_an_unconfirmed_record_is_not_reported(app, login):
    to_review(app, login)
    office = login("leading_office.supervisor")
    guid = task_guid_in(office.get("/inbox/").get_data(as_text=True), "credit_review")
    assert submit(office, guid, {"credit_confirmed": "no", "review_opinion": "情节轻微"},
                  instance_version(app)).status_code == 302
    assert outbox(app) == []


def test_repair_after_a_short_payment_says_what_is_missing_and_who_supplies_it(app, login):
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    steps = [*TO_FAILED_RECHECK, *PENALTY_TO_DECISION,
             ("pen_service", "water.clerk", {"decision_served_on": "2026-03-02"}),
             ("pen_payment", "water.clerk", {"paid_on": "2026-03-02", "paid_amount": 30_000.0}),
             ("pen_late_payment", "water.clerk", {"fine_paid": False, "court_applied_on": "2026-03-02"}),
             ("pen_seal_check", "water.clerk", {"well_sealed": True, "seal_checked_on": "2026-03-02"}),
             ("credit_record", "water.clerk", {"recorded_on": "2026-03-02", "notified_on": "2026-03-02"}),
             ("cr_window", "water.clerk", {"objection_received": False}),
             ("credit_review", "leading_office.supervisor", {"credit_confirmed": True})]
    complete_steps(app, steps)
    water = login("water.clerk")
    assert "已受理信用修复申请" in water.post("/cases/1/credit-repair", data={"applied_on": "2026-03-02"},
                                         follow_redirects=True).get_data(as_text=True)
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "cr_repair")
    refused = submit(water, guid, {"applied_on": "2026-03-02", "commitment_signed_on": "2026-03-02",
                                   "repair_approved": "yes", "review_opinion": "同意"}, instance_version(app))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "✘ 罚款及加处罚款已缴清：罚款50000元，加处罚款0元，应缴50000元，已缴30000元（2026年3月2日），尚欠20000元" in html
    assert "当事人补缴后，由市水利局在“逾期未缴处理”环节登记" in html
