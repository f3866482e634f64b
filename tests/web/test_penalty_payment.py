"""The payment step through the web: the money owed on the payment date is computed on the server and shown
back without submitting; a short payment is recorded but leads to 逾期未缴处理 (催告 / enforcement)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.store import OpenTask
from web_support import PENALTY_TO_DECISION, REGISTRATION, TO_FAILED_RECHECK, complete_steps, instance_version, submit, task_guid_in
from webapp import db

TO_PAYMENT = TO_FAILED_RECHECK + PENALTY_TO_DECISION


@pytest.fixture
def at_payment(app, login):
    town = login("xiacun.clerk")  # the web tests' clock: Monday 2 March 2026
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    complete_steps(app, TO_PAYMENT)
    water = login("water.clerk")
    # The decision is served through the form, as the clerk does: the payment step follows.
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "pen_service")
    assert submit(water, guid, {"decision_served_on": "2026-03-02", "decision_service_method": "direct"},
                  instance_version(app)).status_code == 302
    return water, task_guid_in(water.get("/inbox/").get_data(as_text=True), "pen_payment")


def open_steps(app):
    with app.app_context():
        return sorted(db.session().scalars(select(OpenTask.task_spec)))


def test_the_money_owed_is_computed_and_shown_back_without_submitting(app, at_payment):
    water, guid = at_payment
    page = water.get(f"/tasks/{guid}").get_data(as_text=True)
    assert "罚款金额：50,000元；缴款期限：2026年3月17日（决定书送达之日起十五日）" in page
    assert 'name="compute"' in page
    shown = submit(water, guid, {"paid_on": "2026-03-02", "paid_amount": "30000", "receipt_no": "FS-1",
                                 "compute": "按缴款日期计算应缴金额"}, instance_version(app))
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "逾期0日，加处罚款0元" in html and "应缴合计50,000元" in html
    assert "实缴30,000元，尚欠20,000元：不视为缴清" in html and 'value="30000' in html
    assert open_steps(app) == ["pen_payment"]  # nothing submitted


def test_a_short_payment_leads_to_the_late_payment_step(app, at_payment):
    water, guid = at_payment
    done = submit(water, guid, {"paid_on": "2026-03-02", "paid_amount": "30000", "receipt_no": "FS-1"},
                  instance_version(app))
    assert done.status_code == 302
    assert open_steps(app) == ["pen_late_payment"]
    late = task_guid_in(water.get("/inbox/").get_data(as_text=True), "pen_late_payment")
    page = water.get(f"/tasks/{late}").get_data(as_text=True)
    assert "此前已登记缴款：30,000元，不足应缴金额" in page and 'name="payment_reminder_served_on"' in page
