"""Real Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the app served on localhost.

Log in as the task force → inbox → open the inspection → fill and submit → the case page shows the next
step in the water bureau. Run by `.ci/run` (and `make test-browser`); `make test` leaves it out.
"""
from __future__ import annotations

import pytest

from rules.timezone import today_in_china
from webapp.directory.departments import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(serve_case):
    return serve_case(["commitment"])


@pytest.fixture
def page(browser):
    # A phone-sized window: clerks fill these forms in the field.
    return browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()


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
