"""The inbox and the case list built to cost the same at 100,000 open cases as at 1,000 (issue 14):
every sort as index-served segments paged by cursor, counts that stop at 1,000 (999+), steps found by
skipping through the index. What these tests hold: the orders, pages and counts are exactly the
documented ones, whichever way the pages are walked."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from test_ledger import ledger, row
from web_support import INSPECTION

from engine import assignment
from engine.tables import OpenTask
from webapp.core import db, workflow
from webapp.core.keyset import CAP
from webapp.models import Case, User

NEXT = re.compile(r'rel="next" data-testid="next-page" href="([^"]+)"')
PREVIOUS = re.compile(r'rel="prev" data-testid="previous-page" href="([^"]+)"')
ROW = re.compile(r'href="/tasks/([0-9a-f-]{36})" data-testid="task-')


def load(app, tmp_path, rows):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger(rows))
    result = app.test_cli_runner().invoke(args=["ledger", "load", str(path), "--as", "water.clerk"])
    assert result.exit_code == 0, result.output


def complete(app, guid, data, username):
    with app.app_context():
        session = db.session()
        user = session.scalar(select(User).where(User.username == username))
        instance = workflow.engine().complete(session, guid, data, user.actor)
        db.commit()
        return session.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance.id))


def tasks(app, **where):
    with app.app_context():
        return db.session().scalars(select(OpenTask).filter_by(**where).order_by(OpenTask.id)).all()


def walk(client, url):
    """Every page from ``url`` on by the 下一页 links, then back by 上一页: (rows forwards, rows backwards)."""
    pages, html = [], client.get(url).get_data(as_text=True)
    while True:
        pages.append(ROW.findall(html))
        found = NEXT.search(html)
        if not found:
            break
        html = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
    back = [ROW.findall(html)]
    while (found := PREVIOUS.search(html)):
        html = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
        back.insert(0, ROW.findall(html))
    return pages, back


@pytest.fixture
def water_inbox(make_app, tmp_path, fixed_clock):
    """The water bureau's inbox with 8 notices (no deadline) and 6 rectification reports (deadlines of 1–6
    working days from different days, two of them 紧急), looked at when some are overdue."""
    app = make_app(PAGE_SIZE=3)
    load(app, tmp_path, [row(n) for n in range(1, 15)])
    for n, task in enumerate(tasks(app, task_spec="commitment")):
        fixed_clock.shift(timedelta(minutes=7))
        guid = complete(app, task.task_guid, {"signed_on": "2026-03-02", "signatory": "甲"}, "xiacun.clerk")
        guid = complete(app, guid, {**INSPECTION, "in_coverage": True, "has_permit": False, "urban_village": False,
                                    "obstructed": False, "hidden_well": False, "has_meter": False,
                                    "tax_registered": False}, "task_force.clerk")
        if n % 7 < 3 and n < 12:
            complete(app, guid, {"notice_problems": "未安装计量设施", "required_acts": ["install_meter"],
                                 "rectify_days": 1 + n % 5, "notice_served_on": "2026-03-02",
                                 "service_method": "direct", "legal_basis": "《中华人民共和国水法》第六十九条"},
                     "water.clerk")
    urgent = tasks(app, task_spec="rectify_report")[:2]
    with app.app_context():
        session = db.session()
        head = session.scalar(select(User).where(User.username == "water.head")).actor
        for task in urgent:
            assignment.assign(workflow.engine(), session, task.task_guid, "water.clerk", head, priority=1)
        db.commit()
    fixed_clock.move_to(datetime(2026, 3, 6, 12, 0, tzinfo=timezone.utc))  # a Friday: the one- to three-day deadlines have passed
    return app


EXPECTED = {
    "default": lambda t, now: (0 if t.due_at and t.due_at < now else 1, -t.created_at.timestamp(), -t.id),
    "due": lambda t, now: (t.due_at is None, t.due_at.timestamp() if t.due_at else 0, t.id),
    "priority": lambda t, now: (-t.priority, t.due_at is None, t.due_at.timestamp() if t.due_at else 0,
                                -t.created_at.timestamp(), t.id),
    "oldest": lambda t, now: (t.created_at.timestamp(), t.id),
}


@pytest.mark.parametrize("sort", sorted(EXPECTED))
@pytest.mark.parametrize("view", ["", "&q=L-0", "&view=mine"])
def test_every_sort_pages_forwards_and_backwards_in_its_documented_order(water_inbox, login, sort, view):
    """In the database (segments walked by cursor) and, for a search or one person's tasks (fewer than
    1,000: read once), in memory — the same order either way."""
    from engine.tables import utcnow
    if view == "&view=mine":  # every task the clerk's: the two urgent ones and the rest
        with water_inbox.app_context():
            session = db.session()
            head = session.scalar(select(User).where(User.username == "water.head")).actor
            for task in session.scalars(select(OpenTask).where(OpenTask.assignee.is_(None),
                                                               OpenTask.department == "water")).all():
                assignment.assign(workflow.engine(), session, task.task_guid, "water.clerk", head)
            db.commit()
    client = login("water.clerk", water_inbox)
    rows = tasks(water_inbox, department="water")
    assert {t.task_spec for t in rows} == {"notice", "rectify_report"} and len(rows) == 14
    expected = [t.task_guid for t in sorted(rows, key=lambda t: EXPECTED[sort](t, utcnow()))]
    forwards, backwards = walk(client, f"/inbox/?sort={sort}{view}")
    assert [len(p) for p in forwards] == [3, 3, 3, 3, 2]
    assert [g for page in forwards for g in page] == expected
    assert backwards == forwards
    # An old link's page number still finds its page (the rows before it counted in the index).
    third = client.get(f"/inbox/?sort={sort}{view}&page=3").get_data(as_text=True)
    assert ROW.findall(third) == expected[6:9] and PREVIOUS.search(third) and NEXT.search(third)


def test_counts_per_step_overdue_and_filters(water_inbox, login):
    from engine.tables import utcnow
    client = login("water.clerk", water_inbox)
    rows = tasks(water_inbox, department="water")
    overdue = [t for t in rows if t.due_at and t.due_at < utcnow()]
    assert 0 < len(overdue) < 6
    page = client.get("/inbox/").get_data(as_text=True)
    assert "共 14 件" in page and f"逾期 {len(overdue)} 件" in page
    chips = dict(re.findall(r'data-testid="step-(\w+)"[^>]*>[^<]*<span class="badge text-bg-light">(\d+)</span>', page))
    assert chips == {"notice": "8", "rectify_report": "6"}
    only_overdue, _ = walk(client, "/inbox/?overdue=1")
    assert sorted(g for p in only_overdue for g in p) == sorted(t.task_guid for t in overdue)
    reports = client.get("/inbox/?step=rectify_report").get_data(as_text=True)
    assert "共 6 件" in reports and 'data-testid="step-notice"' in reports  # the chips ignore the step chosen
    mine, _ = walk(client, "/inbox/?view=mine")
    assert len([g for p in mine for g in p]) == 2
    pool = client.get("/inbox/?view=pool").get_data(as_text=True)
    assert "共 12 件" in pool
    one = rows[4]
    found = client.get(f"/inbox/?q={one.well_no}").get_data(as_text=True)
    assert ROW.findall(found) == [one.task_guid] and "共 1 件" in found
    nav = re.search(r'data-testid="badge-mine">(\d+)<', page)
    assert nav and nav.group(1) == "2"


def test_a_thousand_open_tasks_and_more_show_as_999_plus(app, login, tmp_path):
    load(app, tmp_path, [row(n) for n in range(1, CAP + 6)])
    page = login("xiacun.clerk").get("/inbox/").get_data(as_text=True)
    assert "共 999+ 件" in page
    assert re.search(r'data-testid="step-commitment"[^>]*>[^<]*<span class="badge text-bg-light">999\+</span>', page)
    assert re.search(r'data-testid="badge-pool">999\+<', page)
    assert len(ROW.findall(page)) == 20 and NEXT.search(page)
    cases = login("water.clerk").get("/cases/").get_data(as_text=True)
    assert 'data-testid="case-total">999+<' in cases


def test_the_case_list_pages_newest_first_and_searches_numbers_and_names(make_app, login, tmp_path):
    app = make_app(PAGE_SIZE=4)
    load(app, tmp_path, [row(n, **({"所属镇（街道）": "南黄镇"} if n % 3 == 0 else {})) for n in range(1, 11)])
    client = login("water.clerk", app)
    listed, html = [], client.get("/cases/").get_data(as_text=True)
    while True:
        listed.append(list(dict.fromkeys(re.findall(r"L-\d{3}", html))))
        found = NEXT.search(html)
        if not found:
            break
        html = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert listed == [["L-010", "L-009", "L-008", "L-007"], ["L-006", "L-005", "L-004", "L-003"], ["L-002", "L-001"]]
    back = client.get(PREVIOUS.search(html).group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert list(dict.fromkeys(re.findall(r"L-\d{3}", back))) == listed[1]
    nanhuang = client.get("/cases/?town=nanhuang").get_data(as_text=True)
    assert list(dict.fromkeys(re.findall(r"L-\d{3}", nanhuang))) == ["L-009", "L-006", "L-003"]
    assert 'data-testid="case-total">3<' in nanhuang
    by_name = client.get("/cases/?q=某某公司7").get_data(as_text=True)
    assert list(dict.fromkeys(re.findall(r"L-\d{3}", by_name))) == ["L-007"]
    by_number = client.get("/cases/?q=L-00").get_data(as_text=True)
    assert 'data-testid="case-total">9<' in by_number


STAGE_CHIP = re.compile(r'data-stage="(\w+)"[^>]*>[^<]*<span class="badge text-bg-light">([\d+]+)</span>')


def test_the_case_list_past_a_thousand_cases_by_page_number_and_its_stage_counts(app, login, tmp_path):
    """Over CAP cases: an old link's page number far into the list shows the cases a walk would reach there
    (the skipped ones passed over in the index), and the stage counts are the same whether the list's
    count let them be grouped (a search: fewer than CAP) or they were counted per stage (999+)."""
    load(app, tmp_path, [row(n) for n in range(1, CAP + 6)])
    client = login("water.clerk")
    with app.app_context():
        newest_first = [c.well.well_no for c in db.session().scalars(select(Case).order_by(Case.id.desc()))]
    page = client.get("/cases/?page=50").get_data(as_text=True)
    assert list(dict.fromkeys(re.findall(r"L-\d+", page))) == newest_first[49 * 20:50 * 20]
    everything = client.get("/cases/").get_data(as_text=True)
    assert dict(STAGE_CHIP.findall(everything)) == {"inspection": "999+"}
    searched = client.get("/cases/?q=L-100").get_data(as_text=True)  # L-100, L-1000 … L-1005
    assert 'data-testid="case-total">7<' in searched
    assert dict(STAGE_CHIP.findall(searched)) == {"inspection": "7"}
    with_stage = client.get("/cases/?q=L-100&stage=inspection").get_data(as_text=True)  # counted per stage
    assert dict(STAGE_CHIP.findall(with_stage)) == {"inspection": "7"}
    # A filter on another table (the wells' village) with over CAP matches: their order keys read in any
    # order and sorted here (keyset.COLLECT), the same pages as the walk in order gives.
    village = client.get("/cases/?village=东村&page=2").get_data(as_text=True)
    assert list(dict.fromkeys(re.findall(r"L-\d+", village))) == newest_first[20:40]
    assert dict(STAGE_CHIP.findall(village)) == {"inspection": "999+"}
    town = login("xiacun.clerk")
    walked = ROW.findall(town.get("/inbox/").get_data(as_text=True))  # walked in order: no filter
    assert len(walked) == 20 and ROW.findall(town.get("/inbox/?stage=inspection").get_data(as_text=True)) == walked
