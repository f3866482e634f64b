"""A document prints the deadline that was served, always (documents/party_deadlines.py).

With the clock in December 2026 and no 2027 data, a party's deadline reaching into 2027 is computed with the
conservative calendar; the timer keeps that date. Once the office enters 2027 (工作日历), the same period
would end earlier — a regenerated document must still print the date of the first issue, as the timer,
the problem list and the case page do. A step done again with corrected values prints what its timer holds.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone

import pytest
import time_machine
from docx import Document as Docx
from sqlalchemy import select
from web_support import INSPECTION, REGISTRATION, instance_version, problem_rows, submit, task_guid_in

from engine.tables import Timer
from rules import calendar, deadlines
from webapp.core import db
from webapp.documents import party_deadlines
from webapp.models import Document, Problem

SUNDAY_20_DECEMBER = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)  # 10:00 in China
MONDAY_28_DECEMBER = datetime(2026, 12, 28, 2, 0, tzinfo=timezone.utc)
# A 2027 arrangement as the State Council might publish it (made up: the real one is not out yet).
YEAR_2027 = "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
NOTICE = {**problem_rows(("no_meter", "未安装取水计量设施", "install_meter", 5),
                         ("in_coverage", "位于公共供水管网覆盖范围内，仍取用地下水", "stop_and_seal", 5)),
          "notice_served_on": "2026-12-28", "service_method": "direct",
          "legal_basis": "《中华人民共和国水法》第六十九条"}
# Five working days from Monday 28 December 2026 with 2027 unknown: 29–31 December and 1–3 January may be
# holidays (the 元旦 window), so Monday 4 January is the first sure working day and Friday 8 January the
# fifth. With 元旦 entered as 1–3 January the fifth is Tuesday 5 January.
CONSERVATIVE, ENTERED = date(2027, 1, 8), date(2027, 1, 5)
DUE_AT = datetime(2027, 1, 8, 15, 59, 59, tzinfo=timezone.utc)  # 23:59:59 on 8 January in China


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(SUNDAY_20_DECEMBER, tick=False) as traveller:
        yield traveller



def text_of(body: bytes) -> str:
    doc = Docx(io.BytesIO(body))
    return "\n".join([p.text for p in doc.paragraphs]
                     + [cell.text for table in doc.tables for row in table.rows for cell in row.cells])


def serve_notice(app, login, fixed_clock, data=NOTICE):
    """Registered and inspected on 20 December; the notice served on Monday 28 December: the water client."""
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-12-20", "signatory": "甲"}, instance_version(app))
    force = login("task_force.clerk")
    assert submit(force, task_guid_in(force.get("/inbox/").get_data(as_text=True), "inspect"),
                  {**INSPECTION, "inspected_on": "2026-12-20"}, instance_version(app)).status_code == 302
    fixed_clock.move_to(MONDAY_28_DECEMBER)
    water = login("water.clerk")
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "notice")
    response = submit(water, guid, data, instance_version(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    return water


def notices(app) -> list[Document]:
    with app.app_context():
        docs = db.session().scalars(select(Document).where(Document.kind == "rectification_notice")
                                    .order_by(Document.id)).all()
        db.session().expunge_all()
        return docs


def deadline_timer(app) -> Timer:
    with app.app_context():
        return db.session().scalars(select(Timer).where(Timer.task_spec == "deadline_timer")).one()


def problem_deadlines(app) -> list[date]:
    with app.app_context():
        return list(db.session().scalars(select(Problem.deadline).where(Problem.status == "open")
                                         .order_by(Problem.id)))


def enter_2027(login):
    saved = login("admin").post("/admin/calendar/enter", data={"text": YEAR_2027, "save": "确认保存"},
                                follow_redirects=True)
    assert "已保存 2027 年工作日历" in saved.get_data(as_text=True)


def regenerate(client, doc_id: int, reason="更正当事人地址"):
    response = client.post(f"/documents/{doc_id}/regenerate", data={"reason": reason}, follow_redirects=True)
    assert "已重新生成" in response.get_data(as_text=True)


def test_a_regenerated_notice_prints_the_date_served_after_the_year_is_entered(app, login, fixed_clock):
    water = serve_notice(app, login, fixed_clock)
    [first] = notices(app)
    text = text_of(first.content)
    assert "全部问题应于2027年1月8日前（含当日）整改完毕" in text
    assert "未安装取水计量设施：安装计量设施，于2027年1月8日前（含当日）完成（期限5日）" in text
    assert first.deadlines == {"deadline": {"start": "2026-12-28", "days": 5, "on": "2027-01-08"}}
    # The timer, the problem rows and the document say the same.
    assert deadline_timer(app).due_at == DUE_AT
    assert problem_deadlines(app) == [CONSERVATIVE, CONSERVATIVE]

    enter_2027(login)
    # Worked out again now the period would end on 5 January: what the document must not print.
    assert deadlines.party_deadline_date(date(2026, 12, 28), 5) == ENTERED
    regenerate(water, first.id)
    first, second = notices(app)
    assert (second.number, second.version) == (first.number, 2)
    text = text_of(second.content)
    assert "全部问题应于2027年1月8日前（含当日）整改完毕" in text and "2027年1月5日" not in text
    assert "于2027年1月8日前（含当日）完成（期限5日）" in text
    assert second.deadlines == first.deadlines
    # The timer is final (a party's deadline is not recomputed), the problem list and the case page agree.
    assert deadline_timer(app).due_at == DUE_AT
    assert problem_deadlines(app) == [CONSERVATIVE, CONSERVATIVE]
    page = water.get("/cases/1").get_data(as_text=True)
    assert "2027-01-08" in page and "2027-01-05" not in page


def test_a_notice_done_again_with_a_corrected_service_date_prints_what_its_timer_holds(app, login, fixed_clock):
    water = serve_notice(app, login, fixed_clock)
    [first] = notices(app)
    enter_2027(login)
    # The notice was in fact served a day later: the supervisor re-opens the step and it is done again.
    fixed_clock.move_to(datetime(2026, 12, 29, 2, 0, tzinfo=timezone.utc))
    supervisor = login("leading_office.supervisor")
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    target = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>下达责令限期整改通知书', page).group(1)
    assert supervisor.post("/cases/1/overrides/reset", data={
        "reset-target": target, "reset-reason": "送达日期有误", "reset-instance_version": instance_version(app)
    }).status_code == 302
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "notice")
    assert guid == first.task_guid  # the same step, done again
    assert submit(water, guid, {**NOTICE, "notice_served_on": "2026-12-29"},
                  instance_version(app)).status_code == 302
    # Five working days from 29 December with 2027 entered: 30, 31 December, 4, 5, 6 January.
    corrected = date(2027, 1, 6)
    assert deadline_timer(app).due_at == datetime(2027, 1, 6, 15, 59, 59, tzinfo=timezone.utc)
    assert problem_deadlines(app) == [corrected, corrected]
    redone = notices(app)[-1]
    assert redone.number != first.number and "全部问题应于2027年1月6日前（含当日）整改完毕" in text_of(redone.content)
    # A new version of the first number follows the corrected step: the date its timer holds, not 8 January.
    regenerate(water, first.id, "送达日期更正")
    latest = notices(app)[-1]
    assert (latest.number, latest.version) == (first.number, 2)
    assert "全部问题应于2027年1月6日前（含当日）整改完毕" in text_of(latest.content)
    assert latest.deadlines == {"deadline": {"start": "2026-12-29", "days": 5, "on": "2027-01-06"}}


# -- the rules of a new version, without the web ------------------------------------------------------------

NEW_YEAR_2027 = calendar.OfficeYear(2027, holidays={date(2027, 1, 1): "元旦", date(2027, 1, 2): "元旦",
                                                    date(2027, 1, 3): "元旦"})
REMINDER = {"reminder_served_on": "2026-12-28", "reminder_days": 5}
TOLD = {"deadline": {"start": "2026-12-28", "days": 5, "on": "2027-01-08"}}


def test_the_first_issue_fixes_each_period_the_document_prints():
    assert party_deadlines.compute("enforcement_reminder", REMINDER) == TOLD
    assert party_deadlines.compute("penalty_prior_notice", {"prior_notice_served_on": "2026-12-28"}) == {
        "reply_by": {"start": "2026-12-28", "days": 5, "on": "2027-01-08"}}
    assert party_deadlines.compute("service_receipt", {"notice_served_on": "2026-12-28", "rectify_days": 5}) == {}
    with calendar.using([NEW_YEAR_2027]):
        assert party_deadlines.compute("enforcement_reminder", REMINDER)["deadline"]["on"] == "2027-01-05"


def test_a_new_version_keeps_what_the_party_was_told_while_the_step_is_unchanged():
    with calendar.using([NEW_YEAR_2027]):
        assert party_deadlines.for_new_version("enforcement_reminder", REMINDER, TOLD, [TOLD]) == TOLD


def test_a_corrected_step_prints_the_date_of_its_own_document():
    redone = {"deadline": {"start": "2026-12-29", "days": 5, "on": "2027-01-06"}}
    with calendar.using([NEW_YEAR_2027]):
        assert party_deadlines.for_new_version("enforcement_reminder", {**REMINDER, "reminder_served_on": "2026-12-29"},
                                               TOLD, [redone, TOLD]) == redone


def test_a_step_done_again_with_its_first_values_prints_what_its_newest_document_and_timer_say():
    redone = {"deadline": {"start": "2026-12-29", "days": 5, "on": "2027-01-06"}}
    again = {"deadline": {"start": "2026-12-28", "days": 5, "on": "2027-01-05"}}  # done again after 2027 was entered
    assert party_deadlines.for_new_version("enforcement_reminder", REMINDER, TOLD, [again, redone, TOLD]) == again


@pytest.mark.parametrize("corrected, printed", [
    # A later start or a longer period computed afresh would end earlier than told: the party keeps 8 January.
    ({"reminder_served_on": "2026-12-29"}, "2027-01-08"),
    ({"reminder_days": 6}, "2027-01-08"),
    # Computed afresh it ends later than told: the later date.
    ({"reminder_days": 9}, "2027-01-11"),
    # The correction itself gives less time (an earlier service, a shorter period): computed afresh.
    ({"reminder_served_on": "2026-12-24"}, "2026-12-31"),
    ({"reminder_days": 3}, "2026-12-31"),
])
def test_a_correction_without_a_document_of_its_own_is_computed_afresh_but_not_earlier_than_told(corrected, printed):
    with calendar.using([NEW_YEAR_2027]):
        fixed = party_deadlines.for_new_version("enforcement_reminder", {**REMINDER, **corrected}, TOLD, [TOLD])
    assert fixed["deadline"]["on"] == printed


def test_a_document_issued_before_deadlines_were_stored_is_computed_afresh():
    with calendar.using([NEW_YEAR_2027]):
        assert party_deadlines.for_new_version("enforcement_reminder", REMINDER, None, [None]) == {
            "deadline": {"start": "2026-12-28", "days": 5, "on": "2027-01-05"}}


def test_a_regenerated_prior_notice_prints_the_reply_date_its_timer_holds(app, login, fixed_clock):
    from test_working_calendar import FILING, to_filing
    from web_support import complete_steps

    water, guid = to_filing(app, login)
    assert submit(water, guid, FILING, instance_version(app)).status_code == 302
    complete_steps(app, [("pen_investigation", "water.clerk", {"investigation_conclusion": "penalty"}),
                         ("pen_legal_review", "justice.clerk", {"review_passed": True})])
    fixed_clock.move_to(MONDAY_28_DECEMBER)
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "pen_prior_notice")
    response = submit(water, guid, {
        "prior_facts": "未经批准擅自取用地下水", "prior_legal_basis": "water_law_69", "proposed_fine": "50000",
        "prior_basis_reason": "经调查，该井系未经批准擅自取水", "prior_notice_served_on": "2026-12-28",
        "prior_notice_service_method": "direct"}, instance_version(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        timer = db.session().scalars(select(Timer).where(Timer.task_spec == "pen_statement_timer")).one()
        [doc] = db.session().scalars(select(Document).where(Document.kind == "penalty_prior_notice")).all()
        doc_id, first = doc.id, text_of(doc.content)
    assert timer.due_at == DUE_AT
    assert "五个工作日内（即2027年1月8日前，含当日）" in first

    enter_2027(login)
    regenerate(water, doc_id)
    with app.app_context():
        latest = db.session().scalars(select(Document).where(Document.kind == "penalty_prior_notice")
                                      .order_by(Document.version.desc())).first()
        assert latest.version == 2 and "五个工作日内（即2027年1月8日前，含当日）" in text_of(latest.content)
        assert db.session().scalars(select(Timer).where(Timer.task_spec == "pen_statement_timer")).one().due_at \
            == DUE_AT
