"""Real Chromium looks at a case's diagram on a phone-sized screen: the current step is drawn and highlighted.

Screenshots go to WELLS_SCREENSHOT_DIR (default /tmp), never into the repository: look at them to check the
drawing (names inside their shapes, arrows pointing the right way, lanes labelled).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from webapp.directory.departments import DEMO_PASSWORD

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("WELLS_SCREENSHOT_DIR", "/tmp"))


@pytest.fixture
def live_server(serve_case):
    """One case of 夏村镇 brought to the water bureau's notice."""
    return serve_case(["commitment", "inspect"])


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
