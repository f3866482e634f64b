"""Forms that start from what is known, in real Chromium: the inspection with the registered facts (390 px),
the sealing with the well's position and "用我的位置" (390 px, geolocation allowed), the notice's problem table
with 添加一行 / 删除 (1366 px) and without script. Screenshots go to WELLS_SCREENSHOTS when it is set."""
from __future__ import annotations

import os

import pytest
from browser_support import logged_in
from playwright.sync_api import expect

from engine import Actor
from forms.problems import SPARE_ROWS

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("WELLS_SCREENSHOTS")
FORCE, WATER = Actor("task_force.clerk", "task_force"), Actor("water.clerk", "water")
TO_SEALING = ["commitment", "inspect",
              ("notice", lambda today: {"notice_served_on": today, "rectify_days": 5}, WATER),
              ("rectify_report", lambda today: {}, WATER),
              ("supply_connection", lambda today: {}, Actor("water_group.clerk", "water_group"))]


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_inspection_shows_the_register_beside_each_question_on_a_phone(serve_case, browser):
    base = serve_case(["commitment"])
    page = logged_in(browser, base, "task_force.clerk", 390, 844)
    page.click('[data-testid="task-inspect"]')
    page.wait_for_selector("form.card")
    assert page.inner_text('[data-testid="known-in_coverage"]') == "登记：在管网覆盖范围内"
    assert page.inner_text('[data-testid="known-has_meter"]') == "登记：未安装计量设施"
    assert page.is_checked('input[name="in_coverage"][value="yes"]')
    assert page.is_checked('input[name="has_meter"][value="no"]')
    assert not page.is_checked('input[name="urban_village"][value="no"]')  # not in the register: asked
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "inspection-390")


def test_the_sealing_takes_the_phones_position(serve_case, browser):
    base = serve_case(TO_SEALING)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  geolocation={"latitude": 36.93456, "longitude": 121.54321, "accuracy": 8},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.goto(f"{base}/login")
    from webapp.directory.departments import DEMO_PASSWORD
    page.fill("#username", "enforcement.clerk")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{base}/inbox/")
    page.click('[data-testid="task-seal_well"]')
    page.wait_for_selector("form.card")
    assert page.input_value("#latitude") == "36.92" and page.input_value("#longitude") == "121.52"
    assert page.is_visible('[data-testid="locate"]')
    shot(page, "sealing-390-before")
    page.click('[data-testid="locate"]')
    # A locator wait, not wait_for_function: the app's CSP forbids the eval that polling a string needs.
    expect(page.locator("#latitude")).to_have_value("36.934560")
    assert page.input_value("#longitude") == "121.543210"
    assert "已填入当前位置（精度约 8 米）" in page.inner_text("[data-locate-status]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "sealing-390-located")


def test_without_script_the_sealing_is_typed(serve_case, browser):
    base = serve_case(TO_SEALING)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    from webapp.directory.departments import DEMO_PASSWORD
    page.goto(f"{base}/login")
    page.fill("#username", "enforcement.clerk")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.goto(f"{base}/inbox/")
    page.click('[data-testid="task-seal_well"]')
    page.wait_for_selector("form.card")
    assert not page.is_visible('[data-testid="locate"]')
    assert page.input_value("#latitude") == "36.92"


def test_the_notices_problem_table_adds_and_removes_rows(serve_case, browser):
    base = serve_case(["commitment", "inspect"])
    page = logged_in(browser, base, "water.clerk", 1366, 900)
    page.click('[data-testid="task-notice"]')
    page.wait_for_selector("form.card")
    rows, shown = page.locator("[data-row]"), page.locator("[data-row]:not([hidden])")
    found = rows.count()  # the inspection's problems and the spare rows; one blank row shows
    assert shown.count() == found - SPARE_ROWS + 1
    assert page.is_visible('[data-testid="add-row"]') and page.is_visible("table.rows-table thead")
    shot(page, "notice-1366")
    # 添加一行 shows the next spare row, then copies the last one, renumbered.
    for _ in range(SPARE_ROWS):
        page.click('[data-testid="add-row"]')
    assert rows.count() == found + 1 and shown.count() == found + 1
    assert page.locator("#problems-%d-kind" % found).count() == 1
    assert page.evaluate("document.activeElement.id") == f"problems-{found}-kind"
    last = found
    page.select_option(f"#problems-{last}-kind", index=1)
    page.fill(f"#problems-{last}-description", "井房私接管道")
    page.select_option(f"#problems-{last}-required_act", index=1)
    page.fill(f"#problems-{last}-rectify_days", "10")
    # The first found problem is removed: emptied and hidden, the rows renumbered.
    removed = page.input_value("#problems-0-description")
    rows.nth(0).locator("[data-remove-row]").click()
    assert not rows.nth(0).is_visible()
    assert page.inner_text("[data-row]:not([hidden]) [data-row-no] >> nth=0") == "1"
    from rules.timezone import today_in_china
    page.fill("#notice_served_on", today_in_china().isoformat())
    page.select_option("#service_method", "direct")
    page.click("#submit")
    page.wait_for_url(f"{base}/inbox/")
    page.goto(f"{base}/cases/1")
    problems = page.inner_text("body")
    assert "井房私接管道" in problems and removed not in problems


def test_the_notice_table_is_cards_on_a_phone_and_works_without_script(serve_case, browser):
    base = serve_case(["commitment", "inspect"])
    page = logged_in(browser, base, "water.clerk", 390, 844)
    page.click('[data-testid="task-notice"]')
    page.wait_for_selector("form.card")
    assert not page.is_visible("table.rows-table thead")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "notice-390")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", java_script_enabled=False)
    bare = context.new_page()
    from webapp.directory.departments import DEMO_PASSWORD
    bare.goto(f"{base}/login")
    bare.fill("#username", "water.clerk")
    bare.fill("#password", DEMO_PASSWORD)
    bare.click("#submit")
    bare.goto(f"{base}/inbox/")
    bare.click('[data-testid="task-notice"]')
    bare.wait_for_selector("form.card")
    assert not bare.is_visible('[data-testid="add-row"]')
    blank = [i for i in range(bare.locator("[data-row]").count()) if not bare.input_value(f"#problems-{i}-description")]
    assert len(blank) >= 2  # the spare rows to fill
