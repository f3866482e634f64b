"""The supervisor's audit-trail search (/supervise/audit) and its CSV and XLSX exports.

The expected results are worked out in Python from all events in the database (China-time dates
computed here, not by the query), so a filter that returns the wrong rows fails.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from web_support import REGISTRATION, instance_version, task_guid_in

from engine.tables import Event
from rules.timezone import CHINA as CN
from webapp.core import db
from webapp.core.refusals import SecurityLogEntry

# Copied from test_flow.py (test modules are not importable from one another here).
HEADERS = ["序号", "时间", "事件", "人员", "部门", "案件", "任务", "内容", "审计链", "链序号", "前一哈希", "哈希"]


@pytest.fixture
def app(make_app):
    return make_app(PAGE_SIZE="200")  # every event of a scenario on one page


def register(client, **changes):
    response = client.post("/cases/new", data={**REGISTRATION, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)


def china(*args) -> datetime:
    return datetime(*args, tzinfo=CN)


def all_events(app) -> list[Event]:
    with app.app_context():
        return list(db.session().scalars(select(Event).order_by(Event.id)))


def chains(response) -> list[int]:
    """The ids of the events listed on a result page, in page order."""
    return [int(n) for n in re.findall(r'data-testid="event" data-id="(\d+)"', response.get_data(as_text=True))]


def expected(events, keep) -> list[int]:
    return [e.id for e in sorted(events, key=lambda e: -e.id) if keep(e)]


def local_day(event) -> str:
    return event.created_at.astimezone(CN).date().isoformat()


@pytest.fixture
def trail(app, login, fixed_clock):
    """A day of the campaign, around midnight China time, then the supervisor logs in.

    2026-03-01 23:50  failed log-in of "nobody"        (15:50 UTC on the 1st)
    2026-03-02 07:30  housing.clerk logs in            (23:30 UTC on the 1st)
    2026-03-02 10:00  xiacun.clerk registers case 1 and signs its commitment letter;
                      dagushan.clerk registers case 2; water.clerk is refused the audit page
    2026-03-02 23:30  task_force.clerk logs in          (15:30 UTC on the 2nd)
    2026-03-03 00:30  enforcement.clerk logs in         (16:30 UTC on the 2nd: the same UTC day)
    2026-03-03 00:30  leading_office.supervisor logs in
    """
    fixed_clock.move_to(china(2026, 3, 1, 23, 50))
    app.test_client().post("/login", data={"username": "nobody", "password": "x"})
    fixed_clock.move_to(china(2026, 3, 2, 7, 30))
    login("housing.clerk")
    fixed_clock.move_to(china(2026, 3, 2, 10, 0))
    town = login("xiacun.clerk")
    register(town)
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    response = town.post(f"/tasks/{guid}", data={"signed_on": "2026-03-02", "signatory": "法定代表人甲",
                                                 "instance_version": instance_version(app)})
    assert response.status_code == 302
    register(login("dagushan.clerk"), well_no="DG-001", town="dagushan", village="西村")
    assert login("water.clerk").get("/supervise/audit").status_code == 403
    fixed_clock.move_to(china(2026, 3, 2, 23, 30))
    login("task_force.clerk")
    fixed_clock.move_to(china(2026, 3, 3, 0, 30))
    login("enforcement.clerk")
    supervisor = login("leading_office.supervisor")
    return supervisor, all_events(app)


# -- who may see it ----------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["water.clerk", "xiacun.clerk"])
def test_other_departments_are_refused_and_the_refusal_is_recorded(app, login, username):
    client = login(username)
    for path in ("/supervise/audit", "/supervise/audit.csv", "/supervise/audit.xlsx?kind=login",
                 "/supervise/security"):
        assert client.get(path).status_code == 403
        with app.app_context():
            denied = db.session().scalar(select(SecurityLogEntry).where(SecurityLogEntry.path == path.split("?")[0]))
        assert (denied.kind, denied.actor, denied.method, denied.count) == ("permission_denied", username, "GET", 1)
    assert "permission_denied" not in [e.kind for e in all_events(app)]
    assert "审计日志" not in client.get("/cases/").get_data(as_text=True)  # no menu entry either


@pytest.mark.parametrize("username", ["admin", "leading_office.clerk", "leading_office.supervisor"])
def test_the_leading_office_may_search(app, login, username):
    client = login(username)
    response = client.get("/supervise/audit")
    assert response.status_code == 200
    assert 'href="/supervise/audit">审计日志</a>' in client.get("/cases/").get_data(as_text=True)
    assert "permission_denied" not in [e.kind for e in all_events(app)]
    with app.app_context():
        assert db.session().scalar(select(SecurityLogEntry)) is None


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/supervise/audit.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- searching ---------------------------------------------------------------------------------

def test_without_filters_everything_newest_first(trail):
    supervisor, events = trail
    response = supervisor.get("/supervise/audit")
    assert chains(response) == [e.id for e in reversed(events)]
    html = response.get_data(as_text=True)
    assert f"共 {len(events)} 条" in html
    # The row of the commitment letter: label, time in China, actor, department, case link, the data.
    row = html[html.index('data-id="%d"' % next(e.id for e in events if e.kind == "task_completed")):]
    row = row[:row.index("</div>\n  </div>")]
    assert "办理：签订承诺书" in row and "2026-03-02 10:00:00" in row
    assert "夏村镇经办人 · 夏村镇" in row and '<a href="/cases/1">案件 乳整2026-00001</a>' in row
    assert "签字人：</span>法定代表人甲" in row


def test_person_filter_is_a_prefix_match(trail):
    supervisor, events = trail
    xiacun = expected(events, lambda e: e.actor == "xiacun.clerk")
    assert len(xiacun) >= 5  # log-in, registration, task created, completed, next task created
    assert chains(supervisor.get("/supervise/audit?person=xiacun.clerk")) == xiacun
    assert chains(supervisor.get("/supervise/audit?person=xiacun")) == xiacun
    assert chains(supervisor.get("/supervise/audit?person=+XiaCun.")) == xiacun
    assert chains(supervisor.get("/supervise/audit?person=leading_office.")) == expected(
        events, lambda e: e.actor == "leading_office.supervisor")
    # "_" is a letter here, not a LIKE wildcard: "water_" does not find water.clerk.
    assert chains(supervisor.get("/supervise/audit?person=water")) == expected(events, lambda e: e.actor == "water.clerk")
    assert chains(supervisor.get("/supervise/audit?person=water_")) == []


def test_person_by_name_picked_from_the_list_or_typed_in_part(trail):
    supervisor, events = trail
    xiacun = expected(events, lambda e: e.actor == "xiacun.clerk")
    page = supervisor.get("/supervise/audit").get_data(as_text=True)
    datalist = page[page.index('<datalist id="people"'):page.index("</datalist>")]
    assert 'list="people"' in page and '<option value="夏村镇经办人（夏村镇）">' in datalist
    assert '<option value="系统管理员（领导小组办公室）">' in datalist
    assert '<option value="系统">' in datalist
    # The list's choice, the same typed with ASCII brackets, and a part of the name: the clerk's events.
    for typed in ("夏村镇经办人（夏村镇）", "夏村镇经办人(夏村镇)", "夏村", " 夏村镇经办 "):
        response = supervisor.get("/supervise/audit", query_string={"person": typed})
        assert response.status_code == 200 and chains(response) == xiacun, typed
        assert 'data-testid="people-named">人员：夏村镇经办人（夏村镇）<' in response.get_data(as_text=True)
    # A part several people share: all of them, named above the results.
    clerks = supervisor.get("/supervise/audit", query_string={"person": "经办人"})
    assert chains(clerks) == expected(events, lambda e: e.actor.endswith(".clerk"))
    named = re.search(r'data-testid="people-named">人员：([^<]+)<', clerks.get_data(as_text=True)).group(1)
    assert "夏村镇经办人（夏村镇）" in named and "大孤山镇经办人（大孤山镇）" in named
    # Combined with the other filters, and carried by the pager's and the exports' links.
    html = supervisor.get("/supervise/audit", query_string={"person": "夏村", "kind": "task_completed"}
                          ).get_data(as_text=True)
    assert chains_of(html) == expected(events, lambda e: e.actor == "xiacun.clerk" and e.kind == "task_completed")
    assert 'href="/supervise/audit.csv?person=%E5%A4%8F%E6%9D%91&amp;kind=task_completed"' in html
    exported = read_csv(supervisor.get("/supervise/audit.csv", query_string={"person": "夏村镇经办人（夏村镇）"}))
    assert len(exported) - 1 == len(xiacun)


def test_a_system_account_and_the_system_by_name(app, login):
    from api_support import make_account

    make_account(app, name="tax_system", scopes=["cases:read"])
    supervisor = login("leading_office.supervisor")
    assert '<option value="系统账号：tax_system 系统">' in supervisor.get("/supervise/audit").get_data(as_text=True)
    for typed, shown in (("系统账号：tax_system 系统", "系统账号：tax_system 系统"), ("tax_sys", None), ("系统", "系统")):
        response = supervisor.get("/supervise/audit", query_string={"person": typed})
        assert response.status_code == 200, typed
        html = response.get_data(as_text=True)
        assert (f'data-testid="people-named">人员：{shown}<' in html) if shown else "people-named" not in html


def chains_of(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-testid="event" data-id="(\d+)"', html)]


def test_department_filter(trail):
    supervisor, events = trail
    for code in ("xiacun", "dagushan", "task_force", "water"):
        found = chains(supervisor.get(f"/supervise/audit?department={code}"))
        assert found and found == expected(events, lambda e: e.actor_department == code)
    assert chains(supervisor.get("/supervise/audit?department=none")) == expected(
        events, lambda e: e.actor_department is None)
    assert "登录失败" in supervisor.get("/supervise/audit?department=none").get_data(as_text=True)


def test_case_filter_by_id_and_by_number(trail):
    supervisor, events = trail
    case1 = expected(events, lambda e: e.case_id == 1)
    case2 = expected(events, lambda e: e.case_id == 2)
    # Case 1: started, commitment task created and completed, its 承诺书 generated, inspection created.
    assert len(case1) == 5 and len(case2) == 2 and not set(case1) & set(case2)
    assert "document_generated" in {e.kind for e in events if e.case_id == 1}
    for value in ("1", "00001", "乳整2026-00001", " 乳整２０２６－０００01 "):
        assert chains(supervisor.get("/supervise/audit", query_string={"case": value})) == case1, value
    assert chains(supervisor.get("/supervise/audit", query_string={"case": "乳整2026-00002"})) == case2
    assert chains(supervisor.get("/supervise/audit?case=99")) == []


def test_kind_filter(trail):
    supervisor, events = trail
    for kind in ("login", "task_completed", "login_failed", "started"):
        found = chains(supervisor.get(f"/supervise/audit?kind={kind}"))
        assert found and found == expected(events, lambda e: e.kind == kind)
    # Refusals are in the security log, not on the trail.
    assert chains(supervisor.get("/supervise/audit?kind=permission_denied")) == []


def test_dates_are_china_days(trail):
    supervisor, events = trail
    by_actor = {e.actor: e.id for e in events if e.kind in ("login", "login_failed")}
    second = chains(supervisor.get("/supervise/audit?date_from=2026-03-02&date_to=2026-03-02"))
    assert second == expected(events, lambda e: local_day(e) == "2026-03-02")
    # 07:30 on the 2nd (the 1st in UTC) and 23:30 on the 2nd are in; 00:30 on the 3rd (still the 2nd in UTC) is not.
    assert by_actor["housing.clerk"] in second and by_actor["task_force.clerk"] in second
    assert by_actor["enforcement.clerk"] not in second and by_actor["nobody"] not in second

    third = chains(supervisor.get("/supervise/audit?date_from=2026-03-03"))
    assert third == [by_actor["leading_office.supervisor"], by_actor["enforcement.clerk"]]
    assert chains(supervisor.get("/supervise/audit?date_to=2026-03-01")) == [by_actor["nobody"]]
    assert chains(supervisor.get("/supervise/audit?date_from=2026-03-04")) == []
    # Filters combine.
    assert chains(supervisor.get("/supervise/audit?kind=login&date_from=2026-03-02&date_to=2026-03-02")) == expected(
        events, lambda e: e.kind == "login" and local_day(e) == "2026-03-02")


def test_pages_keep_the_filters(make_app, login, trail):
    _, events = trail
    small = make_app(PAGE_SIZE="3")
    supervisor = login("admin", on=small)
    logins = expected(all_events(small), lambda e: e.kind == "login")
    assert len(logins) > 6
    first = supervisor.get("/supervise/audit?kind=login")
    assert chains(first) == logins[:3] and f"共 {len(logins)} 条" in first.get_data(as_text=True)
    assert 'href="/supervise/audit?page=2&amp;kind=login"' in first.get_data(as_text=True)
    assert chains(supervisor.get("/supervise/audit?kind=login&page=2")) == logins[3:6]
    assert chains(supervisor.get("/supervise/audit?kind=login&page=999")) == logins[-(len(logins) % 3 or 3):]


@pytest.mark.parametrize("query, message", [
    ({"date_from": "2026-13-01"}, "开始日期“2026-13-01”不是有效的日期"),
    ({"date_to": "2026-02-30"}, "结束日期“2026-02-30”不是有效的日期"),
    ({"date_from": "明天"}, "开始日期格式不对"),
    ({"date_from": "2026-03-03", "date_to": "2026-03-02"}, "结束日期不能早于开始日期"),
    ({"case": "乳整-1"}, "案件“乳整-1”无法识别"),
    ({"case": "99999999999"}, "无法识别"),
    ({"case": "0"}, "无法识别"),
    ({"case": "乳整2025-00001"}, "没有编号为 乳整2025-00001 的案件"),
    ({"kind": "deleted"}, "请从列表中选择一项"),
    ({"department": "mars"}, "请从列表中选择一项"),
    ({"person": "x" * 65}, "最多只能填写64个字"),
    ({"person": "张三"}, "没有找到姓名含“张三”的人员。请从下拉列表中选择"),
    ({"person": "夏村镇经办人（市水利局）"}, "没有找到姓名含“夏村镇经办人（市水利局）”的人员"),
])
def test_bad_input_is_explained_without_results(trail, query, message):
    supervisor, _ = trail
    response = supervisor.get("/supervise/audit", query_string=query)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "查询条件有误" in html and message in html
    assert chains(response) == [] and "export-csv" not in html
    # The exports send the clerk back to the page that explains what is wrong.
    export = supervisor.get("/supervise/audit.xlsx", query_string=query)
    assert export.status_code == 302 and export.headers["Location"].startswith("/supervise/audit?")


# -- exports -----------------------------------------------------------------------------------

def read_csv(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Chinese Windows reads UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_export_links_carry_the_filters(trail):
    supervisor, _ = trail
    html = supervisor.get("/supervise/audit?person=xiacun&case=1&date_from=2026-03-02").get_data(as_text=True)
    for fmt in ("csv", "xlsx"):
        assert f'href="/supervise/audit.{fmt}?person=xiacun&amp;case=1&amp;date_from=2026-03-02"' in html


def test_csv_export(trail):
    supervisor, events = trail
    response = supervisor.get("/supervise/audit.csv?case=乳整2026-00001")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    # Named by the China date (the clock is at 00:30 on the 3rd, still the 2nd in UTC).
    assert response.headers["Content-Disposition"] == "attachment; filename=audit-20260303.csv"
    assert response.headers["Cache-Control"] == "no-store"
    table = read_csv(response)
    assert table[0] == HEADERS
    case1 = [e for e in reversed(events) if e.case_id == 1]
    assert [(int(r[8]), int(r[9])) for r in table[1:]] == [(e.chain, e.chain_no) for e in case1]
    assert [r[0] for r in table[1:]] == [str(n) for n in range(1, len(case1) + 1)]
    done = next(r for r in table[1:] if r[2] == "办理")
    event = next(e for e in events if e.kind == "task_completed")
    assert done[1:8] == ["2026-03-02 10:00:00", "办理", "夏村镇经办人", "夏村镇", "乳整2026-00001", "签订承诺书",
                         "签订日期：2026年3月2日；签字人：法定代表人甲；见证单位：未填写；备注：未填写"]
    assert done[10:] == [event.prev_hash, event.hash]
    # Without filters: every event, the refused access with its path.
    everything = read_csv(supervisor.get("/supervise/audit.csv"))
    assert len(everything) == len(events) + 2  # header, the events, and the first export itself
    exported = everything[1]  # newest first: taking a copy is on the trail
    assert exported[2:4] == ["导出审计记录", "领导小组办公室督办员"] and "格式：CSV" in exported[7]
    assert not [r for r in everything if r[2] == "越权访问被拒绝"]  # refusals: the security log


def test_xlsx_export(trail):
    supervisor, events = trail
    response = supervisor.get("/supervise/audit.xlsx?kind=login&date_from=2026-03-02&date_to=2026-03-02")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == "attachment; filename=audit-20260303.xlsx"
    sheet = load_workbook(io.BytesIO(response.data)).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == HEADERS and sheet["A1"].font.b and sheet.freeze_panes == "A2"
    logins = [e for e in reversed(events) if e.kind == "login" and local_day(e) == "2026-03-02"]
    assert len(table) - 1 == len(logins) == 5
    assert [(r[8], r[9]) for r in table[1:]] == [(e.chain, e.chain_no) for e in logins]
    last = table[1]  # newest first: task_force.clerk at 23:30 China time
    assert last[1] == datetime(2026, 3, 2, 23, 30) and last[2:5] == ["登录", "整治专班经办人", "整治专班"]
    assert last[11] == logins[0].hash


def test_formulas_and_control_characters_typed_at_log_in_stay_text(app, login):
    app.test_client().post("/login", data={"username": "=HYPERLINK(\"http://x\")\x07", "password": "x"})
    supervisor = login("admin")
    row = read_csv(supervisor.get("/supervise/audit.csv?kind=login_failed"))[1]
    assert row[3] == "'=HYPERLINK(\"http://x\")\x07"
    sheet = load_workbook(io.BytesIO(supervisor.get("/supervise/audit.xlsx?kind=login_failed").data)).active
    assert sheet["D2"].data_type == "s" and sheet["D2"].value == "=HYPERLINK(\"http://x\")\ufffd"


def test_too_many_rows_are_not_exported(make_app, login, trail):
    _, events = trail
    capped = make_app(AUDIT_EXPORT_LIMIT=3)
    supervisor = login("admin", on=capped)
    response = supervisor.get("/supervise/audit.csv?kind=login")
    assert response.status_code == 302 and response.headers["Location"] == "/supervise/audit?kind=login"
    page = supervisor.get(response.headers["Location"]).get_data(as_text=True)
    assert "超过一次导出的上限 3 条" in page and "export-csv" not in page
    assert "export-too-many" in page
    # A narrower search fits and is exported.
    rows = read_csv(supervisor.get("/supervise/audit.csv?kind=login_failed"))
    assert len(rows) == 2 and rows[1][3] == "nobody"
