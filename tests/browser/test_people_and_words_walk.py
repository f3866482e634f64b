"""People by name and the message after a submission, in Chromium at 390 px and 1366 px: the head assigns the
notice by name, the clerk serves it and reads the next step with links to the documents and the case, the
office reads the audit trail in words. No page overflows sideways; no log-in name shows."""
from __future__ import annotations

import os

import pytest
from browser_support import logged_in, serve_notice

pytestmark = pytest.mark.browser
LOGINS = ("water.clerk", "water.head", "xiacun.clerk", "task_force.clerk")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _shot(page, name: str) -> None:
    if os.environ.get("WELLS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["WELLS_SCREENSHOTS"], name), full_page=True)


@pytest.mark.parametrize("width", [390, 1366])
def test_names_next_step_and_audit_words(serve_case, browser, width):
    base = serve_case(["commitment", "inspect"])
    head = logged_in(browser, base, "water.head", width, 844)
    head.click('[data-testid="task-notice"]')
    head.select_option("#assignee", "water.clerk")
    head.click('[data-testid="assign-form"] button[type="submit"]')
    head.goto(f"{base}/inbox/")
    row = head.locator('[data-testid="assignee"]').first.inner_text()
    assert row == "市水利局经办人" and _fits(head)
    assert not [x for x in LOGINS if x in head.inner_text("body")]
    _shot(head, f"people-inbox-{width}.png")

    clerk = logged_in(browser, base, "water.clerk", width, 844)
    serve_notice(clerk, base, clerk.evaluate("new Date().toISOString().slice(0, 10)"))
    flash = clerk.locator('[data-testid="flash"]').first
    text = flash.inner_text()
    assert "已提交。下一步：" in text and "（" in text, text
    assert flash.locator('[data-testid="flash-document"]').count() >= 1
    assert flash.locator('[data-testid="flash-case"]').inner_text().startswith("查看案件 乳整")
    assert _fits(clerk)
    _shot(clerk, f"people-submitted-{width}.png")
    clerk.locator('[data-testid="flash-case"]').click()
    clerk.wait_for_selector('[data-testid="timeline"]')
    assert not [x for x in LOGINS if x in clerk.inner_text("body")] and _fits(clerk)

    office = logged_in(browser, base, "leading_office.clerk", width, 844)
    office.goto(f"{base}/supervise/audit?kind=document_generated")
    body = office.inner_text("body")
    assert "文件指纹" in body and "sha256" not in body and "市水利局经办人" in body and "water.clerk" not in body
    assert _fits(office)
    _shot(office, f"people-audit-{width}.png")
