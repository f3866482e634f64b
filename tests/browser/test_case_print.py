"""The case page printed (案卷): Chromium's print media and its PDF. No menu, buttons or forms; a heading
with the case number; the problem table whole (no scrolling box to clip it); links print as text."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from browser_support import logged_in, serve_notice

from rules.timezone import today_in_china

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def spring():
    """The server's clock in March 2026: the notice's periods end within a year the calendar knows."""
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=True):
        yield


@pytest.fixture
def case_page(serve_case, browser, tmp_path):
    """The water bureau's view of a case after its notice (problem list, documents, timeline)."""
    base = serve_case(["commitment", "inspect"])
    page = logged_in(browser, base, "water.clerk", 1280, 900)
    serve_notice(page, base, today_in_china().isoformat())
    page.goto(f"{base}/cases/1")
    return page


def test_the_case_page_prints_without_controls_and_with_its_number(case_page, tmp_path):
    page = case_page
    number = page.inner_text("h1").removeprefix("案件 ").strip()
    # On screen: the menu and the controls, no print heading.
    assert page.is_visible("nav.navbar") and not page.is_visible('[data-testid="print-heading"]')
    page.emulate_media(media="print")
    heading = page.inner_text('[data-testid="print-heading"]')
    assert f"案件 {number}" in heading and "乳山某某食品有限公司" in heading and "XC-101" in heading
    for hidden in ("nav.navbar", "form", "button", ".btn", "details", '[data-testid="diagram-link"]'):
        assert all(not element.is_visible() for element in page.query_selector_all(hidden)), hidden
    # The problem table is printed whole: its box does not scroll or clip, its header repeats per page.
    assert page.is_visible('[data-testid="problems"]')
    box = page.eval_on_selector('[data-testid="problems"]', "t => getComputedStyle(t.parentElement).overflowX")
    assert box == "visible"
    assert page.eval_on_selector('[data-testid="problems"] thead',
                                 "h => getComputedStyle(h).display") == "table-header-group"
    # Links print as their text, without an address after them.
    link = '[data-testid="documents"] a'
    assert page.eval_on_selector(link, "a => getComputedStyle(a, '::after').content") in ("none", "normal")
    assert page.eval_on_selector(link, "a => getComputedStyle(a).textDecorationLine") == "none"
    # Party and well side by side; the documents and the record are there.
    assert page.is_visible('[data-testid="documents"]') and page.is_visible('[data-testid="timeline"]')
    pdf = page.pdf(path=str(tmp_path / "case.pdf"), format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
