"""工作日历 through the web, with the clock in December 2026 and no 2027 data in the package: a penalty is
filed with a 暂定 90-day limit, entering 2027 on the admin page moves it (on the audit trail), a bad line is
refused by name, the preview lists the changed days, the CLI imports a file, the banner asks for next year."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select
from web_support import INSPECTION, REGISTRATION, instance_version, submit, task_guid_in

from engine.tables import Event, Timer
from webapp.core import db
from webapp.working_calendar.tables import CalendarYear

DECEMBER = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)  # Monday 7 December 2026, 10:00 in China
OFFICERS = "甲（执法证号0001）、乙（执法证号0002）"
FILING = {"filed_on": "2026-12-07", "case_source": "inspection", "violation_summary": "未经批准擅自取用地下水",
          "handling_officers": OFFICERS, "filing_opinion": "同意立案调查。"}
# A 2027 arrangement in the notice's own words (made up: the real one is not published yet); 8 March a day
# off, so that the 90-day limit from 7 December 2026 (Monday 8 March 2027 by the rule) moves.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至11日（农历正月初七、周四）放假调休，共7天。2月20日（周六）上班。
三、试验：3月8日（周一）放假，共1天。
"""


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(DECEMBER, tick=False) as traveller:
        yield traveller



def to_filing(app, login):
    """A hidden well found on site goes straight to 立案: (water client, pen_filing task id)."""
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-12-07", "signatory": "甲"}, instance_version(app))
    force = login("task_force.clerk")
    assert submit(force, task_guid_in(force.get("/inbox/").get_data(as_text=True), "inspect"),
                  {**INSPECTION, "inspected_on": "2026-12-07", "hidden_well": "yes"},
                  instance_version(app)).status_code == 302
    water = login("water.clerk")
    return water, task_guid_in(water.get("/inbox/").get_data(as_text=True), "pen_filing")


def decision_timer(app):
    with app.app_context():
        return db.session().scalars(select(Timer).where(Timer.task_spec == "pen_decision_timer")).one()


def test_filing_goes_through_with_a_provisional_limit_moved_by_entering_2027(app, login):
    water, guid = to_filing(app, login)
    response = submit(water, guid, FILING, instance_version(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    timer = decision_timer(app)
    assert (timer.due_at, timer.provisional) == (datetime(2027, 3, 8, 15, 59, 59, tzinfo=timezone.utc), True)
    page = water.get("/cases/1").get_data(as_text=True)
    assert "立案满90日未作决定" in page and "暂定" in page

    admin = login("admin")
    preview = admin.post("/admin/calendar/enter", data={"text": NOTICE_2027, "preview": "预览变化"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-testid="calendar-preview"' in html
    # Against the rule (weekends and the law's holidays): 9–11 February bridged, 20 February worked,
    # 8 March off; and this short list leaves out 清明, 端午, 中秋 and 国庆, which the preview shows as
    # working days now: every changed day is listed before anything is saved.
    changed = [line.split("<")[0] for line in html.split('data-testid="changed-day">')[1:]]
    assert changed == ["2027-02-09 星期二：上班 → ", "2027-02-10 星期三：上班 → ", "2027-02-11 星期四：上班 → ",
                       "2027-02-20 星期六：休息 → ", "2027-03-08 星期一：上班 → ", "2027-04-05 星期一：休息 → ",
                       "2027-06-09 星期三：休息 → ", "2027-09-15 星期三：休息 → ", "2027-10-01 星期五：休息 → "]
    with app.app_context():
        assert db.session().scalar(select(CalendarYear)) is None  # a preview saves nothing

    saved = admin.post("/admin/calendar/enter", data={"text": NOTICE_2027, "save": "确认保存"},
                       follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert "已保存 2027 年工作日历" in text and "重新计算了 1 个暂定期限" in text
    assert 'data-testid="calendar-year-2027"' in text and "已录入" in text
    timer = decision_timer(app)
    assert (timer.due_at, timer.provisional) == (datetime(2027, 3, 9, 15, 59, 59, tzinfo=timezone.utc), False)
    with app.app_context():
        kinds = [(e.kind, e.data.get("before"), e.data.get("after")) for e in db.session().scalars(
            select(Event).where(Event.kind.in_(("deadline_recomputed", "calendar_entered"))).order_by(Event.id))]
    assert kinds[0] == ("deadline_recomputed", "2027年3月8日 23:59", "2027年3月9日 23:59")
    assert kinds[1][0] == "calendar_entered" and kinds[1][1] == {"source": "rule"}
    assert "2027-03-08 试验" in kinds[1][2]["holidays"] and kinds[1][2]["workdays"] == ["2027-02-20 春节"]
    page = water.get("/cases/1").get_data(as_text=True)
    assert "已录入 2027 年节假日安排" in page and "2027年3月9日 23:59" in page


def test_a_bad_line_is_refused_by_its_number_and_nothing_is_saved(app, login):
    admin = login("admin")
    response = admin.post("/admin/calendar/enter", data={
        "text": "2027-01-01 休 元旦\n2027-02-30 休 春节\n", "save": "确认保存"})
    assert response.status_code == 422
    assert "第 2 行“2027-02-30 休 春节”无法识别：2027年2月30日不是有效日期" in response.get_data(as_text=True)
    response = admin.post("/admin/calendar/enter", data={"text": "2027-01-01 休 元旦\n元旦放三天", "preview": "1"})
    assert response.status_code == 422 and "第 2 行“元旦放三天”无法识别" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(select(CalendarYear)) is None


def test_an_uploaded_file_is_read_like_pasted_text(app, login):
    from io import BytesIO

    admin = login("admin")
    body = "2027-01-01 休 元旦\n2027-02-20 班 春节\n".encode("gb18030")
    response = admin.post("/admin/calendar/enter", data={"upload": (BytesIO(body), "2027.txt"), "preview": "1"},
                          content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2027-02-20 星期六：休息 → <strong>上班</strong>" in html


def test_only_administrators_open_the_calendar(app, login):
    assert login("water.clerk").get("/admin/calendar").status_code == 403
    assert login("admin").get("/admin/calendar").status_code == 200


def test_cli_import(app, tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "已导入 2027 年工作日历：11 天放假、1 天调休上班" in result.output
    assert "2027-03-08 星期一：上班 → 休息 试验" in result.output
    with app.app_context():
        row = db.session().scalar(select(CalendarYear))
        assert (row.year, row.entered_by, len(row.days)) == (2027, "cli", 12)
    bad = tmp_path / "bad.txt"
    bad.write_text("2027-01-04 班\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(bad), "--year", "2027"])
    assert result.exit_code == 1 and "第 1 行" in result.output


@pytest.mark.parametrize("moment, shown", [
    (datetime(2026, 10, 31, 8, 0, tzinfo=timezone.utc), False),   # 31 October in China
    (datetime(2026, 10, 31, 16, 30, tzinfo=timezone.utc), True),  # 00:30 on 1 November in China
])
def test_the_banner_from_1_november(app, login, fixed_clock, moment, shown):
    fixed_clock.move_to(moment)
    for username, sees in (("admin", shown), ("leading_office.supervisor", shown), ("water.clerk", False)):
        page = login(username).get("/inbox/" if username != "admin" else "/admin/calendar").get_data(as_text=True)
        assert ('data-testid="calendar-banner"' in page) is sees, username


def test_no_banner_once_next_year_is_entered(app, login):
    admin = login("admin")
    assert 'data-testid="calendar-banner"' in admin.get("/admin/calendar").get_data(as_text=True)
    admin.post("/admin/calendar/enter", data={"text": "2027-01-01 休 元旦", "save": "1"})
    assert 'data-testid="calendar-banner"' not in admin.get("/admin/calendar").get_data(as_text=True)


def test_an_administration_deadline_is_marked_provisional_in_the_inbox_and_on_the_task(app, login):
    from web_support import complete_steps

    water, guid = to_filing(app, login)
    assert submit(water, guid, FILING, instance_version(app)).status_code == 302
    complete_steps(app, [
        ("pen_investigation", "water.clerk", {"investigation_conclusion": "penalty"}),
        ("pen_legal_review", "justice.clerk", {"review_passed": True}),
        ("pen_prior_notice", "water.clerk", {"prior_legal_basis": "water_law_69", "proposed_fine": 50_000,
                                             "prior_notice_served_on": "2026-12-07"}),
        ("pen_statement", "water.clerk", {"statement_made": False, "hearing_requested": False}),
        ("pen_decision", "water.clerk", {"decided_on": "2026-12-28", "decision_kind": "penalty",
                                         "fine_amount": 50_000})])
    # Service within 7 working days of 28 December 2026: Thursday 7 January 2027 by the rule, 暂定.
    inbox = water.get("/inbox/").get_data(as_text=True)
    assert "期限 2027-01-07 23:59" in inbox and "暂定" in inbox
    task = water.get(f"/tasks/{task_guid_in(inbox, 'pen_service')}").get_data(as_text=True)
    assert 'data-testid="due-provisional"' in task
    admin = login("admin")
    admin.post("/admin/calendar/enter", data={"text": "2027-01-01 休 元旦", "save": "1"})
    inbox = water.get("/inbox/").get_data(as_text=True)
    assert "期限 2027-01-07 23:59" in inbox and "暂定" not in inbox  # the rule was right: the flag goes


def test_the_inbox_row_of_a_penalty_step_shows_the_provisional_90_day_limit(app, login):
    """The 90-day limit is the called process's timer, not the step's own deadline: the inbox row of the
    step inside it (调查取证) shows it, 暂定, read with one query for the whole page."""
    from sqlalchemy import event
    water, guid = to_filing(app, login)
    assert submit(water, guid, FILING, instance_version(app)).status_code == 302
    with app.app_context():
        engine = db.session().get_bind()
    timer_reads = []

    def count(conn, cursor, statement, *args):
        if "FROM wf_timer" in statement:
            timer_reads.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = water.get("/inbox/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    row = page.split('data-testid="task-pen_investigation"')[1].split('list-group-item')[0]
    assert "案件期限：立案满90日未作决定，2027-03-08 23:59" in row and "暂定" in row
    assert len(timer_reads) == 1
    assert 'data-testid="span-deadline"' not in page.split('data-testid="task-pen_investigation"')[0]
