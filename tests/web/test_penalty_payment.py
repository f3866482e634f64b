"""The payment step through the web: the money owed on the payment date is computed on the server and shown
back without submitting; a short payment is recorded but leads to 逾期未缴处理 (催告 / enforcement)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine
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

from engine.tables import OpenTask
from rules import deadlines
from webapp.core import db

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


# Served Monday 14 December 2026 with 2027 not yet entered: fifteen days end on Tuesday 29 December, which the
# 2027 元旦 arrangement may still bridge (29 December – 3 January), so the party is told Monday 4 January.
# Entered as 1–3 January only, the true end would be 29 December: the party keeps what it was told.
DECEMBER_14 = datetime(2026, 12, 14, 2, 0, tzinfo=timezone.utc)  # 10:00 in China
TO_DECEMBER_DECISION = [
    (spec, who, {**data, **{k: "2026-12-14" for k, v in data.items() if v == "2026-03-02"}})
    for spec, who, data in TO_FAILED_RECHECK + PENALTY_TO_DECISION]


def test_the_payment_deadline_is_the_one_served_even_after_the_office_enters_next_year(app, login):
    with time_machine.travel(DECEMBER_14, tick=False):
        town = login("xiacun.clerk")
        assert town.post("/cases/new", data=REGISTRATION).status_code == 302
        complete_steps(app, TO_DECEMBER_DECISION)
        water = login("water.clerk")
        service = task_guid_in(water.get("/inbox/").get_data(as_text=True), "pen_service")
        assert submit(water, service, {"decision_served_on": "2026-12-14", "decision_service_method": "direct"},
                      instance_version(app)).status_code == 302
        payment = task_guid_in(water.get("/inbox/").get_data(as_text=True), "pen_payment")
        assert "缴款期限：2027年1月4日" in water.get(f"/tasks/{payment}").get_data(as_text=True)
        saved = login("admin").post("/admin/calendar/enter", data={
            "text": "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n",
            "save": "确认保存"}, follow_redirects=True)
        assert "已保存 2027 年工作日历" in saved.get_data(as_text=True)
        assert deadlines.party_deadline_date(date(2026, 12, 14), 15) == date(2026, 12, 29)  # the true end now
        water = login("water.clerk")
        assert "缴款期限：2027年1月4日" in water.get(f"/tasks/{payment}").get_data(as_text=True)
