"""Real Chromium looks at a case's diagram on a phone-sized screen: the current step is drawn and highlighted.

Screenshots go to WELLS_SCREENSHOT_DIR (default /tmp), never into the repository: look at them to check the
drawing (names inside their shapes, arrows pointing the right way, lanes labelled).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

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
SHOTS = Path(os.environ.get("WELLS_SCREENSHOT_DIR", "/tmp"))


@pytest.fixture
def live_server(database_url, tmp_path):
    """The app on localhost with one case of 夏村镇 brought to the water bureau's notice."""
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
        today = today_in_china().isoformat()
        for spec, data, actor in [
                ("commitment", {"signed_on": today, "signatory": "法定代表人甲"}, Actor("xiacun.clerk", "xiacun")),
                ("inspect", {"inspected_on": today, "in_coverage": True, "has_permit": False,
                             "purpose": "industrial", "urban_village": False}, Actor("task_force.clerk", "task_force"))]:
            guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case.id,
                                                                   OpenTask.task_spec == spec))
            workflow.engine().complete(session, guid, data, actor)
        db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make browser-deps)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


def _log_in(page, live_server, username):
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{live_server}/inbox/")


def test_case_diagram_highlights_the_current_step_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    _log_in(page, live_server, "water.clerk")
    page.goto(f"{live_server}/cases/1")
    page.click('[data-testid="diagram-link"]')
    page.wait_for_url(f"{live_server}/cases/1/diagram")

    notice = page.locator('[data-testid="case-diagram"] g[data-element="notice"]')
    assert notice.is_visible()
    # The link above the drawing scrolls the (wide) diagram to the current step.
    page.click('[data-testid="jump-notice"]')
    assert page.evaluate("""() => {
        const r = document.querySelector('[data-element="notice"]').getBoundingClientRect();
        return r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.bottom <= window.innerHeight; }""")
    assert notice.get_attribute("data-state") == "current"
    assert "is-current" in notice.get_attribute("class").split()
    # The stylesheet is applied (served locally, allowed by the CSP): the current step is outlined in orange.
    stroke = notice.locator(".bpmn-body").evaluate("e => getComputedStyle(e).stroke")
    assert stroke == "rgb(253, 126, 20)"
    box = notice.bounding_box()
    assert box and box["width"] > 30 and box["height"] > 20  # readable on the phone, not shrunk to a dot
    assert page.locator('g[data-element="inspect"]').get_attribute("data-state") == "done"
    assert page.locator('g[data-element="flow_commitment_inspect"]').get_attribute("data-state") == "path"
    # The wide diagram scrolls sideways inside its box; the page itself does not.
    scroll = page.locator(".diagram-scroll")
    assert scroll.evaluate("e => e.scrollWidth > e.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(SHOTS / "diagram_case_phone.png"), full_page=True)

    page.click('label[for="zoom-case-fit"]')  # the whole diagram fitted to the screen
    assert not scroll.evaluate("e => e.scrollWidth > e.clientWidth + 1")
    assert notice.is_visible()
    assert blocked == []

    wide = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", device_scale_factor=2)
    desk = wide.new_page()
    _log_in(desk, live_server, "water.clerk")
    desk.goto(f"{live_server}/cases/1/diagram")
    desk.click('label[for="zoom-case-fit"]')
    desk.locator('[data-testid="case-diagram"] .diagram-scroll svg').screenshot(
        path=str(SHOTS / "diagram_case_full.png"))
    wide.close()
    context.close()
