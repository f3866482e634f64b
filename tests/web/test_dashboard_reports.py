"""Issue 5, "Dashboard and briefings": weekly dispatch, monthly summary and briefing — page, DOCX, publication."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from dashboard_support import build_campaign, complete, table, totals
from docx import Document
from sqlalchemy import func, select

from engine.tables import Event
from webapp.core import db
from webapp.dashboard import build_template
from webapp.dashboard.docx_render import TEMPLATE
from webapp.dashboard.tables import CampaignReport
from webapp.directory.departments import DEMO_PASSWORD

PERIODS = {"weekly": ("2026-03-02", "2026-03-08"), "monthly": ("2026-02-01", "2026-02-28"),
           "briefing": ("2026-02-01", "2026-03-10")}
TABLES = (("table-towns", "town"), ("table-categories", "category"), ("table-stages", "step"),
          ("table-departments", "department"), ("table-weeks", "week"), ("table-disposal", None))


@pytest.fixture
def campaign(app, login, fixed_clock):
    return build_campaign(app, login, fixed_clock)


def _query(kind: str) -> dict:
    start, end = PERIODS[kind]
    return {"kind": kind, "start": start, "end": end}


def _text(docx_bytes: bytes) -> str:
    """Every paragraph and table cell of a DOCX, as python-docx reads it."""
    document = Document(io.BytesIO(docx_bytes))
    parts = [p.text for p in document.paragraphs]
    for t in document.tables:
        parts += [" | ".join(cell.text for cell in row.cells) for row in t.rows]
    return "\n".join(parts)


def _stored(app) -> tuple[int, int]:
    with app.app_context():
        session = db.session()
        return (session.scalar(select(func.count()).select_from(CampaignReport)),
                session.scalar(select(func.count()).select_from(Event).where(Event.kind == "report_published")))


def _publish(client, kind: str, start: str | None = None, end: str | None = None):
    default_start, default_end = PERIODS.get(kind, PERIODS["weekly"])
    return client.post("/dashboard/reports/publish", data={"kind": kind, "start": start or default_start,
                                                           "end": end or default_end})


def _rows(page: str, testid: str, key: str | None) -> object:
    if key is None:  # the disposal table has no row keys: its cells in order
        tbody = page[page.index(f'data-testid="{testid}"'):]
        return re.findall(r'<td class="text-end">(\d+|—)</td>', tbody[:tbody.index("</table>")])
    return table(page, testid, key)


def test_report_figures_equal_the_dashboards_for_the_same_period(app, login, campaign):
    office = login("leading_office.supervisor")
    for kind in PERIODS:
        report = office.get("/dashboard/reports/preview", query_string=_query(kind))
        assert report.status_code == 200, kind
        report = report.get_data(as_text=True)
        start, end = PERIODS[kind]
        dashboard = office.get("/dashboard/", query_string={"start": start, "end": end}).get_data(as_text=True)
        assert totals(report) == totals(dashboard), kind
        for testid, key in TABLES:
            assert _rows(report, testid, key) == _rows(dashboard, testid, key), (kind, testid)
        assert "未发布稿（预览）" in report
    weekly = office.get("/dashboard/reports/preview", query_string=_query("weekly")).get_data(as_text=True)
    assert re.search(r"全市共登记自备井8眼，其中本期新登记5眼；已办结0件（本期0件），未办结7件，撤销1件", weekly)


def test_docx_contains_the_figures_and_its_download_is_recorded(app, login, campaign):
    office = login("leading_office.supervisor")
    response = office.get("/dashboard/reports/preview.docx", query_string=_query("briefing"))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Cache-Control"] == "no-store"
    text = _text(response.data)
    assert "乳山市地下水专项整治行动简报" in text and "未发布稿（预览）" in text
    assert "统计期：2026年2月1日至2026年3月10日" in text
    assert "全市共登记自备井9眼，其中本期新登记9眼；已办结0件（本期0件），未办结8件，撤销1件" in text
    assert "已封井1眼（本期1眼），已办理取水许可1眼（本期1眼），暂不列入封停1眼" in text
    assert "整改中2件；各部门待办任务5项，其中逾期1项" in text
    page = office.get("/dashboard/", query_string={"start": "2026-02-01", "end": "2026-03-10"}).get_data(as_text=True)
    towns = table(page, "table-towns", "town")
    xiacun = towns["xiacun"]
    assert (f"夏村镇 | {xiacun['town-registered']} | {xiacun['town-new']} | {xiacun['town-closed']} | "
            f"{xiacun['town-open']} | {xiacun['town-sealed']} | {xiacun['town-permitted']} | "
            f"{xiacun['town-exempt']} | {xiacun['town-rate']}") in text
    assert "合计 | 9 | 9 | 0 | 8 | 1 | 1 | 1 | 0%" in text
    assert "整改情况报告 | 1 | 1" in text and "市水利局 | 3 | 1" in text
    assert "3月2日—3月8日 | 5 | 0 | 0" in text and "督查第一阶段 | 2025年7月21日—2025年8月31日 | 已结束" in text
    assert "{{" not in text and "{%" not in text
    with app.app_context():
        event = db.session().scalars(select(Event).where(Event.kind == "report_downloaded")).one()
        assert event.actor == "leading_office.supervisor" and event.actor_department == "leading_office"
        assert event.data == {"kind": "briefing", "period_start": "2026-02-01", "period_end": "2026-03-10"}
        assert event.title == "简报 2026年2月1日至2026年3月10日 预览稿"


def test_publishing_keeps_every_version_and_the_figures_as_they_were(app, login, campaign, fixed_clock):
    office = login("leading_office.supervisor")
    response = _publish(office, "weekly")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/reports/1")
    first = office.get("/dashboard/reports/1").get_data(as_text=True)
    assert "第1期" in first and "已发布周调度" in first
    assert table(first, "table-stages", "step")["rectify_report"]["stage-cases"] == "1"

    # The case moves on (outside the period: only the snapshot changes); publish the same week again.
    complete(app, campaign["rectifying"], "rectify_report", "2026-03-10")
    assert _publish(office, "weekly").headers["Location"].endswith("/dashboard/reports/2")
    second = office.get("/dashboard/reports/2").get_data(as_text=True)
    assert "第1期（第2版）" in second
    assert "rectify_report" not in table(second, "table-stages", "step")
    assert table(second, "table-stages", "step")["supply_connection"]["stage-cases"] == "1"
    # Version 1 is kept as published: its page is drawn from the stored figures, its file is the one sent.
    again = office.get("/dashboard/reports/1").get_data(as_text=True)
    assert table(again, "table-stages", "step") == table(first, "table-stages", "step")
    versions = re.findall(r'data-version="(\d)"', again)
    assert versions == ["2", "1"]
    docs = {n: office.get(f"/dashboard/reports/{n}.docx") for n in (1, 2)}
    assert all(d.status_code == 200 for d in docs.values())
    assert "第1期\n" in _text(docs[1].data) and "第1期（第2版）" in _text(docs[2].data)
    assert "整改情况报告 | 1 | 1" in _text(docs[1].data) and "整改情况报告" not in _text(docs[2].data)

    # Another week gets the next issue number; another kind its own series.
    assert _publish(office, "weekly", "2026-02-02", "2026-02-08").status_code == 302
    assert _publish(office, "monthly").status_code == 302
    with app.app_context():
        rows = db.session().scalars(select(CampaignReport).order_by(CampaignReport.id)).all()
        assert [(r.kind, r.issue_no, r.version) for r in rows] == [
            ("weekly", 1, 1), ("weekly", 1, 2), ("weekly", 2, 1), ("monthly", 1, 1)]
        assert rows[0].figures["totals"]["registered"] == 8 and rows[0].published_by == "leading_office.supervisor"
        assert rows[0].sha256 == hashlib.sha256(docs[1].data).hexdigest() == hashlib.sha256(rows[0].content).hexdigest()
        published = db.session().scalars(select(Event).where(Event.kind == "report_published")
                                         .order_by(Event.id)).all()
        assert [e.data["report_id"] for e in published] == [1, 2, 3, 4]
        assert published[1].data["version"] == 2 and published[1].title == "周调度 2026年3月2日至2026年3月8日 第1期 第2版"
        downloads = db.session().scalars(select(Event).where(Event.kind == "report_downloaded")).all()
        assert sorted(e.data["report_id"] for e in downloads) == [1, 2]
    listing = office.get("/dashboard/reports/").get_data(as_text=True)
    assert listing.count('data-testid="published-report"') == 4
    audit = office.get("/supervise/audit", query_string={"kind": "report_published"}).get_data(as_text=True)
    assert "发布调度简报" in audit


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_publishing_without_the_csrf_token_is_refused_and_nothing_is_stored(make_app, campaign):
    guarded = make_app(WTF_CSRF_ENABLED=True)
    office = guarded.test_client()
    token = _token(office.get("/login").get_data(as_text=True))
    assert office.post("/login", data={"username": "leading_office.supervisor", "password": DEMO_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    response = _publish(office, "weekly")
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    assert _stored(guarded) == (0, 0)
    # With the page's token it goes through: the form is the one the page renders.
    page = office.get("/dashboard/reports/preview", query_string=_query("weekly")).get_data(as_text=True)
    posted = office.post("/dashboard/reports/publish", data={**_query("weekly"), "csrf_token": _token(page)})
    assert posted.status_code == 302 and _stored(guarded) == (1, 1)


@pytest.mark.parametrize("kind, start, end, message", [
    ("weekly", "2026-03-08", "2026-03-02", "结束日期不能早于开始日期"),
    ("weekly", "2026-03-09", "2026-03-11", "结束日期不能晚于今天（2026-03-10）"),
    ("weekly", "2026-03-01", "2026-03-08", "周调度的统计期最长7天"),
    ("monthly", "2026-01-01", "2026-02-28", "月度汇总的统计期最长31天"),
    ("daily", "2026-03-02", "2026-03-08", "报告类型无法识别"),
    ("weekly", "2026-02-30", "2026-03-08", "开始日期格式不对"),
])
def test_a_wrong_period_is_not_published(app, login, campaign, kind, start, end, message):
    office = login("leading_office.supervisor")
    response = _publish(office, kind, start, end)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-testid="publish-errors"' in page and message in page and "没有发布" in page
    assert _stored(app) == (0, 0)
    preview = office.get("/dashboard/reports/preview", query_string={"kind": kind, "start": start, "end": end})
    assert preview.status_code == 422 and 'data-testid="report"' not in preview.get_data(as_text=True)


def test_missing_period_is_not_published(app, login, campaign):
    response = login("leading_office.supervisor").post("/dashboard/reports/publish", data={"kind": "weekly"})
    assert response.status_code == 422 and "缺少统计期，请重新生成报告后再发布" in response.get_data(as_text=True)
    assert _stored(app) == (0, 0)


def test_only_the_office_publishes_or_downloads(app, login, campaign):
    assert _publish(login("leading_office.supervisor"), "weekly").status_code == 302
    for username in ("xiacun.clerk", "water.clerk"):
        client = login(username)
        assert _publish(client, "weekly").status_code == 403
        assert client.get("/dashboard/reports/1.docx").status_code == 403
        assert client.get("/dashboard/reports/1").status_code == 403
    assert _stored(app) == (1, 1)
    assert login("leading_office.supervisor").get("/dashboard/reports/99").status_code == 404


def test_the_committed_template_is_what_the_script_builds(tmp_path):
    rebuilt = build_template.build(tmp_path / "rebuilt.docx")
    with open(TEMPLATE, "rb") as committed, open(rebuilt, "rb") as fresh:
        assert _text(committed.read()) == _text(fresh.read())
