"""On a 390 px phone: the problem list shows each problem's case stage (the case list's badge), and the audit
search finds a person by name from the 人员 field's list; nothing scrolls sideways. Screenshots go to
/tmp/gaps-*.png for a look."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from browser_support import logged_in, serve_notice

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def spring():
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=True):
        yield


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_problem_rows_show_the_case_stage_on_a_phone(serve_case, browser):
    base = serve_case(["commitment", "inspect"])
    page = logged_in(browser, base, "water.clerk", 390, 844)
    serve_notice(page, base, "2026-03-02")
    page.goto(f"{base}/problems/")
    badges = page.locator("[data-testid=problem-rows] [data-testid=case-stage]")
    assert badges.count() == page.locator("[data-testid=problem-no]").count() >= 1
    assert set(badges.all_inner_texts()) == {"整改中"}
    assert fits(page)
    page.screenshot(path="/tmp/gaps-problems-390.png", full_page=True)
    classes = badges.first.get_attribute("class")
    page.goto(f"{base}/cases/")  # the same badge as the case list's
    assert page.locator("[data-testid=case-stage]").first.get_attribute("class") == classes


def test_audit_search_by_name_on_a_phone(serve_case, browser):
    base = serve_case(["commitment"])
    page = logged_in(browser, base, "leading_office.supervisor", 390, 844)
    page.goto(f"{base}/supervise/audit")
    field = page.locator("#person")
    assert field.get_attribute("list") == "people"
    assert "夏村镇经办人（夏村镇）" in page.locator("#people option").evaluate_all("os => os.map(o => o.value)")
    field.fill("夏村镇经办人（夏村镇）")  # what choosing it from the list puts in the field
    page.click("button:has-text('查询')")
    assert page.locator("[data-testid=people-named]").inner_text() == "人员：夏村镇经办人（夏村镇）"
    assert page.locator("[data-testid=event]").count() >= 2  # the commitment letter: completed, next task
    assert all("夏村镇经办人" in t for t in page.locator("[data-testid=event] .small").first.all_inner_texts())
    assert fits(page)
    page.screenshot(path="/tmp/gaps-audit-390.png", full_page=True)
    field = page.locator("#person")
    field.fill("张三")
    page.click("button:has-text('查询')")
    assert "没有找到姓名含“张三”的人员" in page.locator("[data-testid=filter-errors]").inner_text()
    assert page.locator("[data-testid=event]").count() == 0
    assert fits(page)
    page.screenshot(path="/tmp/gaps-audit-unknown-390.png", full_page=True)
