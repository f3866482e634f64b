"""The case list's search on a 390 px phone and a 1366 px desktop: 更多条件 opens, a step is chosen, the list
narrows, nothing scrolls sideways; the search is saved and comes back from its button; 清除条件 shows all."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from browser_support import logged_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def spring():
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=True):
        yield


@pytest.mark.parametrize("width", [390, 1366])
def test_search_save_and_clear(serve_case, browser, width):
    base = serve_case(["commitment", "inspect"], [])  # XC-101 at 责令整改, XC-102 at 承诺书
    page = logged_in(browser, base, "water.clerk", width, 844)
    page.goto(f"{base}/cases/")
    assert page.locator("[data-testid=case-total]").inner_text() == "2"
    page.click("text=更多条件")
    page.select_option("#step", "notice")
    page.click("button:has-text('查询')")
    assert page.locator("[data-testid=case-total]").inner_text() == "1"
    assert "XC-101" in page.inner_text(".list-group") and "XC-102" not in page.inner_text(".list-group")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    page.click("text=保存当前查询")
    page.fill("#name", "待责令整改")
    page.click("input[type=submit][value='保存当前查询']")
    assert "已保存查询" in page.inner_text("body")
    page.click("[data-testid=clear-search]")
    assert page.locator("[data-testid=case-total]").inner_text() == "2"
    page.goto(f"{base}/cases/")  # nothing remembered after 清除条件
    assert page.locator("[data-testid=case-total]").inner_text() == "2"
    page.click("[data-testid=saved-filter] a:has-text('待责令整改')")
    assert page.locator("[data-testid=case-total]").inner_text() == "1"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
