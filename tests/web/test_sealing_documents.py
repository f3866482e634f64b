"""The sealing record and the acceptance form: what the sealing, the acceptance and substitute performance put on paper."""
from __future__ import annotations

import io

from documents_support import documents, download, serve_notice, text_of
from docx import Document as Docx
from sqlalchemy import select
from web_support import REGISTRATION, instance_version, submit, task_guid_in

from webapp.core import db
from webapp.models import Document

SEALING = {"seal_obstructed": "no", "sealed_on": "2026-02-27", "disposal_type": "standby", "seal_no": "F-0007",
           "latitude": "36.9125", "longitude": "121.5372", "sealing_notes": "井口加装钢板焊封"}


def _by_web(app, login, steps) -> None:
    for user, spec, data in steps:
        client = login(user)
        response = submit(client, task_guid_in(client.get("/inbox/").get_data(as_text=True), spec), data,
                          instance_version(app))
        assert response.status_code == 302, response.get_data(as_text=True)


def _seal(app, login):
    serve_notice(app, login)
    _by_web(app, login, [
        ("water.clerk", "rectify_report", {"reported_on": "2026-03-02", "report_summary": "已停止取水"}),
        ("water_group.clerk", "supply_connection", {"supply_agreement_no": "GS-2026-001", "connected_on": "2026-03-02"}),
        ("enforcement.clerk", "seal_well", SEALING)])


def test_sealing_record_with_disposal_seal_number_and_position_and_no_acceptance_yet(app, login):
    _seal(app, login)
    assert documents(app)[-1] == ("sealing_record", "乳水封记〔2026〕1号", 1)
    text = text_of(download(login("enforcement.clerk"), app, "sealing_record").data)
    assert "乳山市综合执法局" in text and "封井记录" in text and "封存备用" in text and "F-0007" in text
    assert "北纬 36.9125，东经 121.5372" in text and "DB37/T 4634-2023" in text and "夏村镇" in text
    assert "井口加装钢板焊封" in text and "执法人员签名" in text
    # The acceptance has not happened: the record states no opinion on it.
    assert "验收意见" not in text and "验收合格" not in text and "封井验收单" in text


def test_the_acceptance_issues_its_own_form_with_its_opinion_and_signatories(app, login):
    _seal(app, login)
    water = login("water.clerk")
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "seal_acceptance")
    opinion = "井口封闭严密，封条完好，封填深度符合规范"
    response = submit(water, guid, {"accepted_on": "2026-03-02", "seal_accepted": "yes",
                                    "signatories": ["water", "enforcement", "town", "party"],
                                    "acceptance_opinion": opinion}, instance_version(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert documents(app)[-2:] == [("sealing_record", "乳水封记〔2026〕1号", 1),
                                   ("seal_acceptance", "乳水验收〔2026〕1号", 1)]
    text = text_of(download(water, app, "seal_acceptance").data)
    assert "封井验收单" in text and "乳水验收〔2026〕1号" in text and opinion in text
    assert "2026年3月2日" in text and "2026年2月27日" in text and "合格" in text and "不合格" not in text
    # The sealing it accepts, by its record's number and values.
    assert "乳水封记〔2026〕1号" in text and "执法部门封井" in text and "F-0007" in text and "封存备用" in text
    # One row with room to sign per unit that took part, by name.
    doc = Docx(io.BytesIO(download(water, app, "seal_acceptance").data))
    signing = [row.cells[0].text for row in doc.tables[-1].rows]
    assert signing == ["参加验收单位", "市水利局", "市综合执法局", "夏村镇", "用水户 乳山某某食品有限公司"]


def test_a_failed_acceptance_is_on_its_form_and_the_well_is_sealed_again(app, login):
    _seal(app, login)
    _by_web(app, login, [("water.clerk", "seal_acceptance", {
        "accepted_on": "2026-03-02", "seal_accepted": "no", "signatories": ["water"],
        "acceptance_opinion": "封填深度不足，退回重新封井"})])
    text = text_of(download(login("water.clerk"), app, "seal_acceptance").data)
    assert "不合格，退回重新封井" in text and "封填深度不足" in text
    _by_web(app, login, [("enforcement.clerk", "seal_well", {**SEALING, "sealed_on": "2026-03-02", "seal_no": "F-0008"}),
                         ("water.clerk", "seal_acceptance", {"accepted_on": "2026-03-02", "seal_accepted": "yes",
                                                             "signatories": ["water"], "acceptance_opinion": "合格"})])
    assert [d for d in documents(app) if d[0] in ("sealing_record", "seal_acceptance")] == [
        ("sealing_record", "乳水封记〔2026〕1号", 1), ("seal_acceptance", "乳水验收〔2026〕1号", 1),
        ("sealing_record", "乳水封记〔2026〕2号", 1), ("seal_acceptance", "乳水验收〔2026〕2号", 1)]
    with app.app_context():
        second = db.session().scalar(select(Document).where(Document.number == "乳水验收〔2026〕2号"))
        text = text_of(second.content)
    assert "乳水封记〔2026〕2号" in text and "F-0008" in text and "F-0007" not in text


def test_a_broken_seal_sealed_by_substitute_performance_is_accepted_as_the_re_sealing(app, login, fixed_clock):
    """代履行封井 issues its record (行政强制法 Art 51(3)); the re-sealing's acceptance names it, and
    no 重新封井 step (no second 封井记录) comes between."""
    from datetime import datetime, timezone

    from web_support import complete_steps

    _seal(app, login)
    _by_web(app, login, [("water.clerk", "seal_acceptance", {"accepted_on": "2026-03-02", "seal_accepted": "yes",
                                                             "signatories": ["water"], "acceptance_opinion": "合格"})])
    complete_steps(app, [("recheck", "water.clerk", {"recheck_passed": True})])
    fixed_clock.move_to(datetime(2026, 6, 1, 2, tzinfo=timezone.utc))
    app.test_cli_runner().invoke(args=["timers", "run", "--once"])
    complete_steps(app, [
        ("patrol", "xiacun.clerk", {"patrolled_on": "2026-06-01", "patrol_obstructed": False, "seal_intact": False,
                                    "abstraction_resumed": True, "continue_patrol": True}),
        ("pen_filing", "water.clerk", {"filed_on": "2026-06-01"}),
        ("pen_investigation", "water.clerk", {"investigation_conclusion": "penalty"}),
        ("pen_legal_review", "justice.clerk", {"review_passed": True}),
        ("pen_prior_notice", "water.clerk", {"proposed_fine": 200_000, "prior_notice_served_on": "2026-06-01"}),
        ("pen_statement", "water.clerk", {"statement_made": False, "hearing_requested": False}),
        ("pen_decision", "water.clerk", {"decided_on": "2026-06-02", "decision_kind": "penalty", "fine_amount": 200_000}),
        ("pen_service", "water.clerk", {"decision_served_on": "2026-06-02"}),
        ("pen_payment", "water.clerk", {"paid_on": "2026-06-03", "paid_amount": 200_000.0}),
        ("pen_seal_check", "water.clerk", {"well_sealed": False}),
        ("pen_reminder", "water.clerk", {"reminder_served_on": "2026-06-03", "reminder_days": 3})])
    fixed_clock.move_to(datetime(2026, 6, 9, 2, tzinfo=timezone.utc))
    app.test_cli_runner().invoke(args=["timers", "run", "--once"])
    complete_steps(app, [("pen_substitute_decision", "water.clerk", {"party_performed": False,
                                                                      "substitute_date": "2026-06-12"})])
    fixed_clock.move_to(datetime(2026, 6, 12, 2, tzinfo=timezone.utc))
    _by_web(app, login, [("enforcement.clerk", "pen_substitute_sealing", {
        "substitute_sealed_on": "2026-06-12", "substitute_seal_no": "F-0100", "substitute_disposal_type": "backfill",
        "supervising_officer": "执法人员甲、乙", "substitute_witness": "村委会见证人", "substitute_cost": "3500"})])
    record = text_of(download(login("water.clerk"), app, "substitute_sealing_record").data)
    assert "代履行封井记录" in record and "乳水代封〔2026〕1号" in record and "F-0100" in record
    assert "机井封填" in record and "到场监督的执法人员签名" in record and "当事人或者见证人签名或者盖章" in record
    water = login("water.clerk")
    inbox = water.get("/inbox/").get_data(as_text=True)
    assert 'data-testid="task-reseal_acceptance"' in inbox and 'data-testid="task-reseal_well"' not in inbox
    _by_web(app, login, [("water.clerk", "reseal_acceptance", {
        "accepted_on": "2026-06-12", "seal_accepted": "yes", "signatories": ["water", "enforcement"],
        "acceptance_opinion": "代履行封井符合规范"})])
    text = text_of(download(water, app, "seal_acceptance", version=1, case_id=1, nth=2).data)
    assert "代履行封井" in text and "乳水代封〔2026〕1号" in text and "F-0100" in text and "代履行封井符合规范" in text
    assert [d[1] for d in documents(app) if d[0] == "sealing_record"] == ["乳水封记〔2026〕1号"]  # sealed once more, not twice


def test_a_hidden_well_sealed_by_substitute_performance_is_accepted_not_sealed_again(app, login, fixed_clock):
    """A hidden well is punished first (plan §四(四)); the penalty's 代履行封井 is the well's sealing, so the
    case goes from it to 封井验收 (not to the notice and a second 封井), and the 验收单 names the
    代履行封井记录. The forms a clerk posts for the well, the sealing and the acceptance go through the
    pages; the penalty's proceedings in between are completed through the engine (their forms have tests
    of their own)."""
    from datetime import datetime, timezone

    from dashboard_support import totals
    from web_support import INSPECTION, complete_steps

    def sealed_on_the_dashboard() -> str:
        page = login("leading_office.clerk").get("/dashboard/", query_string={"start": "2026-03-01",
                                                                              "end": "2026-03-11"})
        return totals(page.get_data(as_text=True))["sealed"]

    town = login("xiacun.clerk")
    assert town.post("/cases/new", data={**REGISTRATION, "hidden_well": "yes"}).status_code == 302
    _by_web(app, login, [("xiacun.clerk", "commitment", {"signed_on": "2026-03-02", "signatory": "甲"}),
                         ("task_force.clerk", "inspect", {**INSPECTION, "hidden_well": "yes"})])
    water = login("water.clerk")
    assert 'data-testid="task-pen_filing"' in water.get("/inbox/").get_data(as_text=True)
    complete_steps(app, [
        ("pen_filing", "water.clerk", {"filed_on": "2026-03-02"}),
        ("pen_investigation", "water.clerk", {"investigation_conclusion": "penalty"}),
        ("pen_legal_review", "justice.clerk", {"review_passed": True}),
        ("pen_prior_notice", "water.clerk", {"proposed_fine": 100_000, "prior_notice_served_on": "2026-03-02"}),
        ("pen_statement", "water.clerk", {"statement_made": False, "hearing_requested": False}),
        ("pen_decision", "water.clerk", {"decided_on": "2026-03-02", "decision_kind": "penalty", "fine_amount": 100_000}),
        ("pen_service", "water.clerk", {"decision_served_on": "2026-03-02"}),
        ("pen_payment", "water.clerk", {"paid_on": "2026-03-02", "paid_amount": 100_000}),
        ("pen_seal_check", "water.clerk", {"seal_checked_on": "2026-03-02", "well_sealed": False}),
        ("pen_reminder", "water.clerk", {"reminder_served_on": "2026-03-02", "reminder_days": 3})])
    fixed_clock.move_to(datetime(2026, 3, 6, 2, tzinfo=timezone.utc))  # the 催告 ran out on 5 March
    app.test_cli_runner().invoke(args=["timers", "run", "--once"])
    complete_steps(app, [("pen_substitute_decision", "water.clerk", {"substitute_decided_on": "2026-03-06",
                                                                      "party_performed": False,
                                                                      "substitute_date": "2026-03-11"})])
    fixed_clock.move_to(datetime(2026, 3, 11, 2, tzinfo=timezone.utc))
    _by_web(app, login, [("enforcement.clerk", "pen_substitute_sealing", {
        "substitute_sealed_on": "2026-03-11", "substitute_seal_no": "F-0200", "substitute_disposal_type": "backfill",
        "supervising_officer": "执法人员甲、乙", "substitute_witness": "村委会见证人", "substitute_cost": "3000"})])
    inbox = water.get("/inbox/").get_data(as_text=True)
    assert 'data-testid="task-seal_acceptance"' in inbox and 'data-testid="task-notice"' not in inbox
    assert 'data-testid="task-seal_well"' not in login("enforcement.clerk").get("/inbox/").get_data(as_text=True)
    assert sealed_on_the_dashboard() == "0"  # counted once its sealing is accepted
    _by_web(app, login, [("water.clerk", "seal_acceptance", {
        "accepted_on": "2026-03-11", "seal_accepted": "yes", "signatories": ["water", "enforcement", "town"],
        "acceptance_opinion": "代履行回填封井符合规范"})])
    text = text_of(download(water, app, "seal_acceptance").data)
    assert "代履行封井" in text and "乳水代封〔2026〕1号" in text and "F-0200" in text and "代履行回填封井符合规范" in text
    # One sealing, one acceptance: no 封井记录 and no 责令限期整改通知书 after the penalty's sealing.
    assert [d[:2] for d in documents(app) if d[0] in ("sealing_record", "substitute_sealing_record",
                                                      "seal_acceptance", "rectification_notice")] == [
        ("substitute_sealing_record", "乳水代封〔2026〕1号"), ("seal_acceptance", "乳水验收〔2026〕1号")]
    assert 'data-testid="task-recheck"' in water.get("/inbox/").get_data(as_text=True)
    assert sealed_on_the_dashboard() == "1"
