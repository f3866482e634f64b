"""Issue 5, "Dashboard and briefings": the dashboard's numbers against direct counts, charts, permissions."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
from dashboard_support import build_campaign, dashboard_page, instances, table, totals
from lxml import html as lxml_html
from sqlalchemy import select
from web_support import refusals

from engine.tables import Event, OpenTask
from rules.timezone import CHINA
from webapp.core import db
from webapp.dashboard.figures import RECTIFICATION_STEPS
from webapp.directory.departments import NAMES

ALL = {"start": "2026-02-01", "end": "2026-03-10"}


@pytest.fixture
def campaign(app, login, fixed_clock):
    return build_campaign(app, login, fixed_clock)


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(timezone.utc)


def direct_counts(app, start: date, end: date, now: datetime) -> dict:
    """The same figures counted in Python from the rows, one case at a time — not with the app's SQL."""
    lo, hi = _utc(start), _utc(end + timedelta(days=1))
    with app.app_context():
        session = db.session()
        events = list(session.scalars(select(Event).where(Event.kind == "task_completed")))
        tasks = list(session.scalars(select(OpenTask)))
    rows = instances(app)
    town_of = {case.id: case.town for case, _ in rows}
    towns = defaultdict(Counter)
    for case, inst in rows:
        if case.created_at >= hi:
            continue
        t = towns[case.town]
        t["registered"] += 1
        t["new"] += case.created_at >= lo
        finished = inst.completed_at is not None and inst.completed_at < hi
        t["closed"] += inst.status == "completed" and finished
        reviews = sorted((e for e in events if e.case_id == case.id and e.task_spec == "exemption_review"
                          and e.created_at < hi), key=lambda e: e.id)
        t["exempt"] += bool(reviews) and reviews[-1].data.get("exemption_approved") is True \
            and inst.status != "cancelled"
        t["cancelled"] += inst.status == "cancelled" and finished
    for key, counts in (("sealed", lambda e: e.form_key == "seal_acceptance" and e.data.get("seal_accepted") is True),
                        ("permitted", lambda e: e.task_spec == "permit_approval" and e.data.get("permit_approved") is True)):
        for case_id in {e.case_id for e in events if counts(e) and e.created_at < hi}:
            towns[town_of[case_id]][key] += 1
    for case_id in {t.case_id for t in tasks if t.task_spec in RECTIFICATION_STEPS}:
        towns[town_of[case_id]]["in_rectification"] += 1
    for t in towns.values():
        t["open"] = t["registered"] - t["closed"] - t["cancelled"]
    stages = {spec: len({t.instance_id for t in tasks if t.task_spec == spec}) for spec in {t.task_spec for t in tasks}}
    departments = Counter(t.department for t in tasks)
    overdue = Counter(t.department for t in tasks if t.due_at and t.due_at < now)
    categories = Counter((inst.category or "none") for case, inst in rows if case.created_at < hi)
    weeks = Counter()
    for case, _ in rows:
        day = case.created_at.astimezone(CHINA).date()
        if day <= end:
            weeks[(day - timedelta(days=day.weekday())).isoformat()] += 1
    return {"towns": towns, "stages": stages, "departments": departments, "overdue": overdue,
            "categories": categories, "weeks": weeks}


def test_dashboard_numbers_equal_direct_counts(app, login, campaign, fixed_clock):
    page = dashboard_page(login("leading_office.supervisor"), **ALL)
    now = datetime.now(timezone.utc)
    direct = direct_counts(app, date(2026, 2, 1), date(2026, 3, 10), now)

    # The scenario, as a person would count it (see build_campaign).
    # The sealed well is being patrolled, the permitted one waits for the network and the exempt one for
    # its review: none of them is closed.
    assert totals(page) == {"registered": "9", "closed": "0", "open": "8", "sealed": "1", "permitted": "1",
                            "exempt": "1", "in_rectification": "2", "overdue_tasks": "1"}
    towns = table(page, "table-towns", "town")
    assert towns["xiacun"] == {"town-registered": "3", "town-new": "3", "town-closed": "0", "town-open": "2",
                               "town-sealed": "1", "town-permitted": "0", "town-exempt": "0",
                               "town-in_rectification": "1", "town-rate": "0%"}
    assert towns["chengqu"]["town-exempt"] == "1"
    assert towns["nanhuang"]["town-permitted"] == "1"  # the refused permit does not count
    assert len(towns) == 18 and towns["yuli"]["town-registered"] == "0"  # every town, and the total row

    # Every cell equals the direct count.
    for code, row in towns.items():
        if code == "all":
            continue
        counted = direct["towns"].get(code, Counter())
        for key in ("registered", "new", "closed", "open", "sealed", "permitted", "exempt", "in_rectification"):
            assert row[f"town-{key}"] == str(counted[key]), (code, key)
    for key in ("registered", "closed", "sealed", "permitted", "exempt"):
        assert towns["all"][f"town-{key}"] == str(sum(t[key] for t in direct["towns"].values()))
    assert {k: int(v["stage-cases"]) for k, v in table(page, "table-stages", "step").items()} == direct["stages"]
    assert table(page, "table-stages", "step")["rectify_report"]["stage-overdue"] == "1"
    departments = table(page, "table-departments", "department")
    assert {k: int(v["department-open"]) for k, v in departments.items() if k != "all"} == direct["departments"]
    assert {k: int(v["department-overdue"]) for k, v in departments.items()
            if k != "all" and v["department-overdue"] != "0"} == direct["overdue"] == {"water": 1}
    assert {k: int(v["category-cases"]) for k, v in table(page, "table-categories", "category").items()} == \
        direct["categories"]
    weeks = table(page, "table-weeks", "week")
    assert len(weeks) == 12 and list(weeks)[-1] == "2026-03-09"
    assert {k: int(v["week-registered"]) for k, v in weeks.items() if v["week-registered"] != "0"} == direct["weeks"]
    assert weeks["2026-02-02"] == {"week-registered": "3", "week-closed": "0", "week-sealed": "1"}


def test_period_counts_what_happened_before_its_end_and_within_it(app, login, campaign):
    office = login("leading_office.clerk")  # every account of the office, not only supervisors
    february = dashboard_page(office, start="2026-02-01", end="2026-02-28")
    assert {k: totals(february)[k] for k in ("registered", "closed", "sealed", "permitted", "exempt")} == \
        {"registered": "3", "closed": "0", "sealed": "1", "permitted": "1", "exempt": "1"}
    week = dashboard_page(office, start="2026-03-02", end="2026-03-08")
    town_total = table(week, "table-towns", "town")["all"]
    assert (town_total["town-registered"], town_total["town-new"], town_total["town-closed"]) == ("8", "5", "0")
    assert "本期新登记 5" in week and "本期 0，办结率 0%" in week
    for day in ("2026-02-01", "2026-03-10"):
        direct = direct_counts(app, date.fromisoformat(day), date.fromisoformat(day), datetime.now(timezone.utc))
        one_day = table(dashboard_page(office, start=day, end=day), "table-towns", "town")
        assert one_day["all"]["town-new"] == str(sum(t["new"] for t in direct["towns"].values()))


def test_only_the_leading_group_office_sees_the_dashboard(app, login, campaign):
    for username in ("xiacun.clerk", "water.head", "task_force.clerk"):
        client = login(username)
        assert 'data-testid="nav-dashboard"' not in client.get("/inbox/").get_data(as_text=True)
        for url in ("/dashboard/", "/dashboard/reports/", "/dashboard/reports/preview?kind=weekly",
                    "/dashboard/charts.css"):
            assert client.get(url).status_code == 403, (username, url)
    assert refusals(app, actor="task_force.clerk", path="/dashboard/charts.css")
    office = login("leading_office.supervisor")
    assert 'data-testid="nav-dashboard"' in office.get("/inbox/").get_data(as_text=True)
    assert login("admin").get("/dashboard/").status_code == 200
    anonymous = app.test_client().get("/dashboard/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


@pytest.mark.parametrize("period, message", [
    ({"start": "2026-03-05", "end": "2026-03-01"}, "结束日期不能早于开始日期"),
    ({"start": "2026-03-01", "end": "2026-03-20"}, "结束日期不能晚于今天（2026-03-02）"),
    ({"start": "2026-13-01", "end": "2026-03-01"}, "开始日期"),
    ({"start": "2026-03-01", "end": ""}, "请填写结束日期"),
])
def test_a_wrong_period_is_explained_in_chinese(app, login, period, message):
    response = login("leading_office.supervisor").get("/dashboard/", query_string=period)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-testid="period-errors"' in page and message in page
    assert 'data-testid="kpis"' not in page and 'data-testid="timeline"' in page


def test_charts_are_inline_svg_with_the_tables_numbers_and_no_script_or_style(app, login, campaign):
    office = login("leading_office.supervisor")
    response = office.get("/dashboard/", query_string=ALL)
    page = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    main = page[page.index("<main"):page.index("</main>")]
    assert "<script" not in main and "<style" not in main and " style=" not in main
    tree = lxml_html.fromstring(page)
    charts = tree.xpath("//figure[starts-with(@data-testid, 'chart-')]/svg")
    assert len(charts) == 6
    for svg in charts:  # scales to the column; drawn 400 units wide for a 390 px phone
        assert svg.get("viewbox").startswith("0 0 400 ")  # (lxml.html lowercases names) and svg.get("width") is None
        assert "dash-chart" in svg.get("class") and svg.get("aria-label")
    # The bars' values are the table's numbers (pygal keeps each value and its label in <desc>).
    towns = tree.xpath("//figure[@data-testid='chart-towns']/svg")[0]
    drawn = defaultdict(dict)
    for series, name in ((0, "closed"), (1, "open")):
        for bar in towns.xpath(f".//g[contains(@class, 'serie-{series} ')]//g[@class='bar']"):
            label = bar.xpath("./desc[@class='x_label']")[0].text
            drawn[label][name] = bar.xpath("./desc[@class='value']")[0].text
    rows = table(page, "table-towns", "town")
    assert drawn[NAMES["xiacun"]] == {"closed": rows["xiacun"]["town-closed"], "open": rows["xiacun"]["town-open"]}
    assert drawn["滨海新区"] == {"closed": "0", "open": "0"}  # a long name is shortened in the chart only
    css = office.get("/dashboard/charts.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "svg.dash-chart .color-0" in text and "#chart-" not in text
    assert re.search(r'<link rel="stylesheet" href="/dashboard/charts.css">', page)
