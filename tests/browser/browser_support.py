"""Steps the browser tests share (imported by name: pytest puts tests/browser on the path)."""
from __future__ import annotations

from webapp.directory.departments import DEMO_PASSWORD


def logged_in(browser, base: str, username: str, width: int = 1280, height: int = 900):
    """A new page of ``username`` logged in (demo password), on the inbox, at the given viewport."""
    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{base}/inbox/")
    return page


def serve_notice(page, base: str, served_on: str) -> None:
    """The water bureau's clerk serves the open notice from the inbox (direct service, the suggested problems)."""
    page.click('[data-testid="task-notice"]')
    page.wait_for_selector("form.card")
    page.fill("#notice_served_on", served_on)
    page.select_option("#service_method", "direct")
    page.click("#submit")
    page.wait_for_url(f"{base}/inbox/")
