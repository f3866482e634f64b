"""Real Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the app served on localhost.

Log in as the task force → inbox → open the inspection → fill and submit → the case page shows the next
step in the water bureau. Run by `.ci/run` (and `make test-browser`); `make test` leaves it out.
"""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from engine import Actor
from engine.calendar import today_in_china
from engine.store import OpenTask
from webapp import create_app, db, workflow
from webapp.cases_service import register_case
from webapp.cli import seed_departments_and_accounts
from webapp.departments import DEMO_PASSWORD
from webapp.models import User

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("WELLS_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def live_server(database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECURE_COOKIES": "0",
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    with app.app_context():
        session = db.session()
        seed_departments_and_accounts(session, True)
        clerk = session.scalar(select(User).where(User.username == "xiacun.clerk"))
        case = register_case(session, workflow.engine(), {
            "kind": "enterprise", "name": "乳山某某食品有限公司", "party_id": "91350100M000100Y43",
            "legal_rep": "法定代表人甲", "address": "夏村镇", "phone": "0631-6651234", "industry": "食品",
            "town": "xiacun"}, {
            "well_no": "XC-101", "town": "xiacun", "village": "东村", "address": None, "latitude": 36.92,
            "longitude": 121.52, "depth_m": 80.0, "year_drilled": 2008, "purpose": "industrial",
            "annual_volume_m3": 12000.0, "in_coverage": True, "coverage_source": None,
            "in_restricted_zone": False, "permit_no": None, "permit_issuer": None, "permit_valid_from": None,
            "permit_valid_to": None, "has_meter": False, "meter_serial": None, "hidden_well": False}, clerk)
        guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case.id))
        workflow.engine().complete(session, guid, {"signed_on": today_in_china().isoformat(),
                                                   "signatory": "法定代表人甲"}, Actor("xiacun.clerk", "xiacun"))
        db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make browser-deps)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        # A phone-sized window: clerks fill these forms in the field.
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def test_task_force_inspects_and_case_moves_to_water(live_server, page):
    page.goto(f"{live_server}/login")
    page.fill("#username", "task_force.clerk")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{live_server}/inbox/")
    assert "整治专班 · 待办任务" in page.inner_text("h1")

    page.click('[data-testid="task-inspect"]')
    page.wait_for_selector("form.card")
    assert "XC-101" in page.inner_text('[data-testid="case-summary"]')
    # Submitting empty first: the page explains what is missing and keeps us on the form.
    page.click("#submit")
    assert "没有保存任何内容" in page.inner_text('[data-testid="form-errors"]')

    page.fill("#inspected_on", today_in_china().isoformat())
    page.fill("#inspectors", "执法证 3701001、3701002")
    for name, value in [("in_coverage", "yes"), ("has_permit", "no"), ("urban_village", "no"),
                        ("has_meter", "no"), ("tax_registered", "no"), ("obstructed", "no")]:
        page.check(f'input[name="{name}"][value="{value}"]')
    page.select_option("#purpose", "industrial")
    page.fill("#findings", "未办理取水许可，未安装计量设施。")
    page.click("#submit")
    page.wait_for_url(f"{live_server}/inbox/")
    assert "已提交" in page.inner_text(".alert-success")

    page.goto(f"{live_server}/cases/1")
    current = page.inner_text('[data-testid="current-tasks"]')
    assert "下达责令限期整改通知书" in current and "市水利局" in current
    assert "未办理取水许可，未安装计量设施。" in page.inner_text('[data-testid="timeline"]')
