"""A note on a case in Chromium at 390 px: the water bureau's head writes one and @-s a colleague; the note is
on the timeline with the mention."""
from __future__ import annotations

import os

import pytest
from browser_support import logged_in

pytestmark = pytest.mark.browser


def test_a_head_writes_a_note_and_mentions_a_colleague(serve_case, browser):
    base = serve_case(["commitment"])
    page = logged_in(browser, base, "water.head", 390, 844)
    page.goto(f"{base}/cases/1")
    page.click('[data-testid="note-form"] summary')
    page.fill("#body", "请尽快安排现场检查。")
    page.check('input[name="mentions"][value="water.clerk"]')
    page.click('[data-testid="note-form"] input[type="submit"]')
    page.wait_for_selector(".alert-success")
    assert "已添加办理意见，已提醒 1 位同事。" in page.inner_text(".alert-success")
    assert "请尽快安排现场检查。" in page.inner_text('[data-testid="timeline"]')
    assert "提醒：@市水利局经办人" in page.inner_text('[data-testid="timeline"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("WELLS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["WELLS_SCREENSHOTS"], "case-notes-390.png"), full_page=True)
