"""The inbox on a 390 px phone with a penalty under way: the row of 调查取证 carries the case's 90-day limit
(暂定: December 2026, no 2027 data) and still fits the screen."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
import time_machine
from browser_support import logged_in

from engine import Actor

pytestmark = pytest.mark.browser
FORCE = Actor("task_force.clerk", "task_force")
WATER = Actor("water.clerk", "water")


@pytest.fixture(autouse=True)
def december():
    with time_machine.travel(datetime(2026, 12, 7, 2, tzinfo=timezone.utc), tick=True):
        yield


def test_the_90_day_limit_fits_the_inbox_row_on_a_phone(serve_case, browser, tmp_path):
    base = serve_case(["commitment", ("inspect", lambda today: {
                           "inspected_on": today, "in_coverage": True, "has_permit": False, "purpose": "industrial",
                           "urban_village": False, "hidden_well": True}, FORCE),
                       ("pen_filing", lambda today: {
                           "filed_on": today, "case_source": "inspection", "violation_summary": "未经批准擅自取用地下水",
                           "handling_officers": "甲（执法证号0001）、乙（执法证号0002）",
                           "filing_opinion": "同意立案调查。"}, WATER)])
    page = logged_in(browser, base, "water.clerk", 390, 844)
    span = page.locator('[data-testid="span-deadline"]')
    assert "立案满90日未作决定" in span.inner_text() and "暂定" in span.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    box, row = span.bounding_box(), page.locator('[data-testid="task-pen_investigation"]').bounding_box()
    assert box["x"] + box["width"] <= row["x"] + row["width"] + 0.5
    if os.environ.get("WELLS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["WELLS_SCREENSHOTS"], "inbox-390.png"), full_page=True)
