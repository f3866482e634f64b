"""What a walk through the pages in December 2026 (no 2027 calendar) found, as a user reads it: the banner's
Chinese runs without stray spaces, the supervisor's page marks a provisional deadline 暂定, the override list
names the case by its number and puts the change on its own line, and the problem list keeps the notice's order."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

# the calendar module as test_working_calendar imports it (engine.calendar here, rules.calendar once moved)
from test_working_calendar import FILING, NOTICE_2027, to_filing
from web_support import NOTICE, instance_version, submit, walk_to_notice

from engine.tables import Timer
from webapp.core import db

DECEMBER = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)  # Monday 7 December 2026, 10:00 in China


@pytest.fixture
def december(fixed_clock):
    fixed_clock.move_to(DECEMBER)


def banner(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r'data-testid="calendar-banner">(.*?)</div>', html, re.S).group(1))


def test_the_banner_reads_as_one_chinese_sentence(app, login, december):
    admin = banner(login("admin").get("/admin/calendar").get_data(as_text=True))
    assert admin.strip() == "2027 年的节假日安排尚未录入。国务院办公厅公布后，请在工作日历中录入；录入前，2027 年的办理期限按法定节假日暂定。"
    supervisor = banner(login("leading_office.supervisor").get("/inbox/").get_data(as_text=True))
    assert "请通知管理员在“工作日历”中录入；录入前，" in supervisor


def test_the_supervisor_sees_the_provisional_90_day_limit_and_the_change_by_case_number(app, login, december):
    water, guid = to_filing(app, login)
    assert submit(water, guid, FILING, instance_version(app)).status_code == 302
    supervisor = login("leading_office.supervisor")
    page = supervisor.get("/cases/1/overrides").get_data(as_text=True)
    card = re.search(r'data-testid="override-deadline-([0-9a-f-]{36})">(.*?)</details>', page, re.S)
    assert "立案满90日未作决定" in card.group(2) and "2027-03-08 23:59" in card.group(2) and "暂定" in card.group(2)
    with app.app_context():
        timer = db.session().scalar(select(Timer).where(Timer.task_guid == card.group(1)))
    prefix = f"t{timer.id}-"
    assert supervisor.post(f"/cases/1/overrides/deadline/{card.group(1)}", data={
        prefix + "working_days": "10", prefix + "reason": "案情复杂，延长10个工作日。",
        prefix + "instance_version": instance_version(app)}).status_code == 302
    listed = supervisor.get("/overrides/").get_data(as_text=True)
    assert re.search(r'data-testid="override-case">案件 乳整2026-00001<', listed)
    assert "理由：案情复杂，延长10个工作日。</div>" in listed
    assert re.search(r'data-testid="override-change">原 2027年3月8日 23:59 → 新 2027年3月22日 23:59<', listed)


def test_the_problem_list_keeps_the_notice_order(app, login):
    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    page = water.get("/cases/1").get_data(as_text=True)
    table = page.split('data-testid="problems"')[1].split("</table>")[0]
    assert re.findall(r'<td>(\d+)</td><td>([^<]+)<', table) == [("1", "未安装取水计量设施"),
                                                                ("2", "位于公共供水管网覆盖范围内，仍取用地下水")]
    assert '<td class="text-nowrap">未销号</td>' in table


def test_the_audit_log_reads_the_calendar_the_filing_and_the_documents_in_words(app, login, december):
    water, guid = to_filing(app, login)
    assert submit(water, guid, FILING, instance_version(app)).status_code == 302
    admin = login("admin")
    assert admin.post("/admin/calendar/enter", data={"text": NOTICE_2027, "save": "确认保存"}).status_code == 302
    page = admin.get("/supervise/audit").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", "", page)
    for words in ("年份：2027", "变更前：日历来源：法定节假日（暂定）", "放假日：2027-01-01 元旦、", "调休上班日：2027-02-20 春节",
                  "日历来源：管理员录入", "变化天数：9", "重算的期限数：1", "用水户类型：企业（单位）", "巡查周期（日）：90",
                  "种类：现场检查笔录", "文号：乳水检录〔2026〕1号"):
        assert words in text, words
    for raw in ('{"', "changed_days", "party_kind", "patrol_days", "sha256：", "inspection_record", "source："):
        assert raw not in text, raw
