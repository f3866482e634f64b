"""The case page on a 390 px phone after the notice: nothing scrolls sideways, and the problem list's short
columns (序号, 状态, 销号情况) read on one line instead of one character a line."""
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


def test_the_problem_list_reads_on_a_phone(serve_case, browser):
    base = serve_case(["commitment", "inspect"])
    page = logged_in(browser, base, "water.clerk", 390, 844)
    serve_notice(page, base, "2026-03-02")  # today on the travelled clock
    page.goto(f"{base}/cases/1")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    line = page.eval_on_selector('[data-testid="problems"]', "t => parseFloat(getComputedStyle(t).lineHeight)")
    heights = page.eval_on_selector_all(
        '[data-testid="problems"] thead th:is(:first-child, :nth-child(5), :nth-child(6)),'
        ' [data-testid="problems"] tbody td:nth-child(5)',
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return r.getBoundingClientRect().height; })")
    assert heights and all(h < 1.5 * line for h in heights), (heights, line)
    # The rows keep the notice's order: 序号 1, 2, ….
    numbers = page.eval_on_selector_all('[data-testid="problems"] tbody td:first-child', "c => c.map(x => x.innerText)")
    assert numbers == [str(i) for i in range(1, len(numbers) + 1)]
