"""The wells map in Chromium at 390 px and 1366 px, offline (no tile server): the points are drawn in their stages'
symbols, a click opens the case's popup and its link the case page; above the cap a grid cell's circle zooms in
(by click and by keyboard); no CSP violation or script error on the way; the dashboard draws it too."""
from __future__ import annotations

import pytest
from browser_support import logged_in
from playwright.sync_api import expect

from webapp.map import queries

pytestmark = pytest.mark.browser


def _watch(page) -> list[str]:
    """Console errors (a CSP violation is one) and uncaught script errors of the page, as they come."""
    found: list[str] = []
    page.on("console", lambda m: found.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: found.append(f"script error: {e}"))
    return found


@pytest.mark.parametrize("width", [390, 1366])
def test_points_open_their_case(serve_case, browser, width):
    # XC-101 at the notice (整改中), XC-102 and XC-103 at the commitment (待检查): all three at 36.92, 121.52.
    base = serve_case(["commitment", "inspect"], [], [])
    page = logged_in(browser, base, "water.clerk", width, 900)
    problems = _watch(page)
    page.goto(f"{base}/cases/")
    page.click('[data-testid="to-map"]')
    page.wait_for_url(f"{base}/cases/map*")
    wells_map = page.locator('#wells-map[data-mode="points"]')
    expect(wells_map).to_have_attribute("data-shown", "3")
    expect(page.locator('[data-testid="map-status"]')).to_contain_text("地图范围内共 3 个案件")
    if width < 768:
        expect(page.locator('[data-testid="map-legend"]')).not_to_have_attribute("open", "")  # folded on a phone
        page.click('[data-testid="map-legend"] summary')
    expect(page.locator('[data-testid="legend-count-inspection"]')).to_have_text("2")
    expect(page.locator('[data-testid="legend-count-rectifying"]')).to_have_text("1")
    expect(page.locator('[data-testid="legend-count-sealed"]')).to_have_text("0")
    # The towns drawn from the data: 夏村镇's name over its outline.
    expect(page.locator(".map-town-name")).to_have_text(["夏村镇"])
    box = wells_map.bounding_box()
    assert box["height"] >= 280 and box["width"] <= width

    wells_map.click()  # the three wells are the map's centre: the top one answers
    link = page.locator('[data-testid="map-popup-case"]')
    expect(link).to_be_visible()
    number = link.inner_text()
    assert number.startswith("乳整2026-")
    expect(page.locator('[data-testid="map-popup"]')).to_contain_text("当前环节")
    expect(page.locator('[data-testid="map-popup"]')).to_contain_text("夏村镇")
    page.locator('[data-testid="map-popup"] a', has_text="打开案件").click()
    page.wait_for_url(f"{base}/cases/*")
    assert page.url.rsplit("/", 1)[1].isdigit()
    expect(page.locator("h1")).to_contain_text(number)
    assert not problems, problems
    page.context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_above_the_cap_a_cell_zooms_in_to_its_cases(serve_case, browser, width, monkeypatch):
    monkeypatch.setattr(queries, "POINT_CAP", 2)  # the server runs in this process
    base = serve_case(["commitment", "inspect"], [], [])
    page = logged_in(browser, base, "leading_office.supervisor", width, 900)
    problems = _watch(page)
    page.goto(f"{base}/cases/map")
    cell = page.locator('[data-testid="map-cell"]')
    expect(cell).to_have_text("3")
    expect(cell).to_have_attribute("aria-label", "此处 3 个案件（待检查 2，整改中 1），点击放大")
    expect(page.locator('[data-testid="map-status"]')).to_contain_text("按区域汇总显示")
    if width < 768:
        cell.click()
    else:
        cell.focus()  # a keyboard user: Enter on the focused circle
        page.keyboard.press("Enter")
    # One spot: zoomed in to the streets, the first cases of the cap come as points.
    expect(page.locator('#wells-map[data-mode="points"]')).to_have_attribute("data-shown", "2")
    expect(page.locator('[data-testid="map-status"]')).to_contain_text("只显示了其中 2 个")
    assert not problems, problems
    page.context.close()


def test_the_dashboard_draws_every_case_on_a_phone(serve_case, browser):
    base = serve_case(["commitment", "inspect"], [])
    page = logged_in(browser, base, "leading_office.supervisor", 390, 900)
    problems = _watch(page)
    page.goto(f"{base}/dashboard/")
    expect(page.locator('#wells-map[data-mode="points"]')).to_have_attribute("data-shown", "2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert not problems, problems
    page.context.close()
