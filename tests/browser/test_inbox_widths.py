"""The header and the inbox's filter row at the widths between a phone and a desktop (a tablet, a small laptop):
the menu is on one line or folded behind its button, never broken word by word, and 只看逾期 stays one line.
Before, at 800 px the menu squeezed 我的任务 and 退出 onto two lines each, and at 1366 px the town clerk's
只看逾期 broke after its third character."""
from __future__ import annotations

import pytest
from browser_support import logged_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 800, 1024, 1280, 1366])
def test_menu_and_filters_keep_their_words_whole(serve_case, browser, width):
    base = serve_case([])  # XC-101 at 承诺书: the town clerk's inbox has a row
    for username in ("xiacun.clerk", "water.clerk"):
        page = logged_in(browser, base, username, width, 800)
        page.goto(f"{base}/inbox/?q=XC")  # with 清除条件 too: the row's fullest form
        line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
        nav = page.locator("nav.navbar")
        if page.is_visible(".navbar-toggler"):
            assert width < 1200
        else:  # laid out: every link on one line
            for link in nav.locator(".nav-link, .navbar-text, .btn").all():
                assert link.bounding_box()["height"] < 2 * line, (username, width, link.inner_text())
        assert page.locator("label[for=overdue]").bounding_box()["height"] < 1.5 * line, (username, width)
        assert page.locator("button:has-text('筛选')").bounding_box()["height"] < 2 * line
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        page.context.close()
