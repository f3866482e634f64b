"""Real Chromium opens the campaign dashboard on a phone-sized screen: charts drawn, nothing wider than it.

The screenshot goes to WELLS_SCREENSHOT_DIR (default /tmp) to look at the charts' labels.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from webapp.directory.departments import DEMO_PASSWORD

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("WELLS_SCREENSHOT_DIR", "/tmp"))


def test_dashboard_fits_a_phone_and_draws_its_charts(serve_case, browser):
    live = serve_case(["commitment", "inspect"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live}/login")
    page.fill("#username", "leading_office.supervisor")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{live}/inbox/")
    page.goto(f"{live}/dashboard/")
    charts = page.locator('[data-testid^="chart-"] svg')
    assert charts.count() >= 3
    for n in range(charts.count()):
        box = charts.nth(n).bounding_box()
        assert box and 200 < box["width"] <= 390 and box["height"] > 100, n  # drawn, and within the screen
    # The page does not scroll sideways (wide tables scroll inside their own box).
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator('[data-testid="kpis"]').is_visible()
    # …and keeps its headings and figures whole: 已办结 on one line, not a character a line.
    broken = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid=table-towns] th, [data-testid=table-towns] td.text-end')].filter(cell => {
          const range = document.createRange(); range.selectNodeContents(cell);
          return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;  // lines of its text
        }).map(cell => cell.innerText)""")
    assert broken == []
    assert blocked == []
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
    context.close()
