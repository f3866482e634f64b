"""Issue 10, "Small things that show": report shortcuts, the trend chart's labels, the campaign year, the problem
list's numbers, what `flask db upgrade` and `flask timers run` print, the losing double registration.

(The coverage page's unconfirmed post is in test_coverage.py.)
"""
from __future__ import annotations

import re
import threading
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from lxml import html as lxml_html
from sqlalchemy import func, select
from web_support import INSPECTION, NOTICE, REGISTRATION, instance_version, submit, task_guid_in, walk_to_notice

from webapp import create_app
from webapp.core import db
from webapp.dashboard import phases
from webapp.models import Case, Well


def _presets(page: str) -> dict[str, dict]:
    links = lxml_html.fromstring(page).xpath('//div[@data-testid="presets"]/a')
    return {a.get("data-preset"): {k: v[0] for k, v in parse_qs(urlparse(a.get("href")).query).items()} | {
        "href": a.get("href")} for a in links}


def test_report_shortcuts_open_the_kind_of_report_their_period_fits(login):
    office = login("leading_office.supervisor")
    presets = _presets(office.get("/dashboard/reports/?kind=weekly").get_data(as_text=True))
    assert {label: p["kind"] for label, p in presets.items()} == {
        "本周": "weekly", "上周": "weekly", "本月": "monthly", "上月": "monthly", "行动以来": "briefing"}
    for label, preset in presets.items():  # every shortcut gives a report, none a refused period
        response = office.get(preset["href"])
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and 'data-testid="period-errors"' not in page, label
    last_month = presets["上月"]
    assert (last_month["start"], last_month["end"]) == ("2026-02-01", "2026-02-28")
    # The dashboard's shortcuts carry no kind (it has none).
    assert all("kind" not in p for p in _presets(office.get("/dashboard/").get_data(as_text=True)).values())


def test_the_trend_chart_shows_its_week_labels_whole(login):
    page = login("leading_office.supervisor").get("/dashboard/").get_data(as_text=True)
    svg = lxml_html.fromstring(page).xpath('//*[@data-testid="chart-weeks"]//svg')[0]
    labels = [t.text for t in svg.xpath('.//g[contains(@class, "axis") and contains(@class, " x")]//text')]
    assert len(labels) >= 6
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}", label) for label in labels), labels  # "12/15", never "12…"


@pytest.fixture
def no_campaign_year(monkeypatch):
    monkeypatch.delenv("WELLS_CAMPAIGN_YEAR", raising=False)


def _phase_dates(page: str) -> str:
    return lxml_html.fromstring(page).xpath('//tr[@data-phase="supervision_1"]')[0].text_content()


def test_the_campaign_year_defaults_to_the_year_of_the_data(make_app, login, no_campaign_year):
    app = make_app()
    office = login("leading_office.supervisor", on=app)
    # No case yet: this year's campaign (the fixed clock: 2 March 2026).
    assert "2026年7月21日—2026年8月31日" in _phase_dates(office.get("/dashboard/").get_data(as_text=True))
    # The first case, registered on 2 March 2026, belongs to the campaign begun in July 2025.
    assert login("xiacun.clerk", on=app).post("/cases/new", data=REGISTRATION).status_code == 302
    page = office.get("/dashboard/").get_data(as_text=True)
    assert "2025年7月21日—2025年8月31日" in _phase_dates(page) and 'value="2025-07-15"' in page
    # A year set by the office wins over the data.
    pinned = login("leading_office.supervisor", on=make_app(CAMPAIGN_YEAR="2027"))
    assert "2027年7月21日—2027年8月31日" in _phase_dates(pinned.get("/dashboard/").get_data(as_text=True))
    assert phases.year_of(date(2026, 7, 14)) == 2025 and phases.year_of(date(2026, 7, 15)) == 2026


def _to_notice(app, login, well_no: str, case_id: int) -> None:
    """One more well of the same water user, brought to its notice and served (two problems)."""
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data={**REGISTRATION, "well_no": well_no}).status_code == 302
    guid = task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment")
    submit(town, guid, {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app, case_id))
    force = login("task_force.clerk")
    submit(force, task_guid_in(force.get("/inbox/").get_data(as_text=True), "inspect"), INSPECTION,
           instance_version(app, case_id))
    water = login("water.clerk")
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "notice")
    assert submit(water, guid, NOTICE, instance_version(app, case_id)).status_code == 302


def test_the_problem_list_is_numbered_down_the_list_and_across_pages(app, make_app, login):
    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE, instance_version(app)).status_code == 302
    _to_notice(app, login, "XC-002", 2)

    def numbers(client, query=""):
        page = client.get("/problems/" + query).get_data(as_text=True)
        return [n.text for n in lxml_html.fromstring(page).xpath('//*[@data-testid="problem-no"]')], page

    shown, page = numbers(water)
    assert shown == ["1", "2", "3", "4"]  # two notices of two problems each: not 1, 2, 1, 2
    assert page.count("通知书第1项") == 2 and page.count("通知书第2项") == 2
    small_pages = login("water.clerk", on=make_app(PAGE_SIZE=3))
    assert numbers(small_pages)[0] == ["1", "2", "3"] and numbers(small_pages, "?page=2")[0] == ["4"]


def test_db_upgrade_says_it_built_the_schema_of_an_empty_database(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "SECURE_COOKIES": "0",
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0 and re.search(r"已建立数据库结构（版本 \w+）。", first.output), first.output
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0 and "数据库结构已是最新" in again.output and "已建立" not in again.output


def test_timers_run_prints_china_time(app):
    # The fixed clock: 02:00 UTC is 10:00 in China, whatever the server's own zone.
    output = app.test_cli_runner().invoke(args=["timers", "run", "--once"]).output
    assert output.startswith("10:00:00 触发计时器 0 个。"), output


def _register_together(clients: dict, forms: dict) -> dict:
    barrier, responses = threading.Barrier(len(clients)), {}

    def register(name):
        barrier.wait()
        responses[name] = clients[name].post("/cases/new", data=forms[name])

    threads = [threading.Thread(target=register, args=(name,)) for name in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return responses


def test_the_losing_double_registration_is_told_the_same_on_sqlite_and_postgresql(app, login):
    """Pressed twice (two tabs, two colleagues): one case; the other is told the well is registered — the same
    words on both databases (PostgreSQL lets both past the check and the second fails on the unique key)."""
    from web_support import add_user

    add_user(app, "xiacun.clerk2", "xiacun")
    clients = {"xiacun.clerk": login("xiacun.clerk"), "xiacun.clerk2": login("xiacun.clerk2")}
    responses = _register_together(clients, {name: REGISTRATION for name in clients})
    assert sorted(r.status_code for r in responses.values()) == [302, 422]
    loser = next(r for r in responses.values() if r.status_code == 422).get_data(as_text=True)
    assert "井编号 XC-001 已经登记过，不能重复登记。" in loser and "刚刚已被他人登记" not in loser
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Case)) == 1


def test_two_wells_of_one_new_water_user_registered_together_both_succeed(app, login):
    """The water user is new to both: on PostgreSQL the second insert of it collides; checked again, the second
    registration finds the first's water user and uses it, as on SQLite."""
    from web_support import add_user

    add_user(app, "xiacun.clerk2", "xiacun")
    clients = {"xiacun.clerk": login("xiacun.clerk"), "xiacun.clerk2": login("xiacun.clerk2")}
    forms = {"xiacun.clerk": REGISTRATION, "xiacun.clerk2": {**REGISTRATION, "well_no": "XC-002"}}
    responses = _register_together(clients, forms)
    for name, response in responses.items():
        assert response.status_code == 302, (name, response.get_data(as_text=True)[:400])
    with app.app_context():
        owners = set(db.session().scalars(select(Well.owner_id)))
        assert len(owners) == 1 and db.session().scalar(select(func.count()).select_from(Case)) == 2
