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


def _png() -> bytes:
    """A 256-pixel tile of one colour."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes((200, 225, 200)) * 256 for _ in range(256))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_with_a_tile_service_its_tiles_alone_may_load(serve_case, browser, monkeypatch):
    """天地图 configured: its tiles are drawn (answered here by the browser's request interception, so nothing
    leaves the machine), they are asked for with the page's origin alone as the referrer (天地图 checks a browser
    key's domain; no case address leaves), and an image from any other host is refused by the CSP."""
    url = ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default"
           "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY")
    for name, value in (("MAP_TILE_URL", url), ("MAP_LABEL_URL", url.replace("vec", "cva")),
                        ("MAP_TILE_SUBDOMAINS", "01234567"), ("MAP_TILE_ATTRIBUTION", "©天地图 <b>审图号</b>")):
        monkeypatch.setenv(f"WELLS_{name}", value)
    base = serve_case(["commitment", "inspect"], [])
    page = logged_in(browser, base, "water.clerk", 1366, 900)
    asked: list[tuple[str, str | None]] = []

    def tile(route):
        asked.append((route.request.url, route.request.headers.get("referer")))
        route.fulfill(status=200, content_type="image/png", body=_png())

    page.route("https://*.tianditu.gov.cn/**", tile)
    page.route("https://elsewhere.example.com/**", lambda route: route.fulfill(status=200, body=_png()))
    problems = _watch(page)
    page.goto(f"{base}/cases/map?town=xiacun")
    expect(page.locator('#wells-map[data-mode="points"]')).to_have_attribute("data-shown", "2")
    expect(page.locator(".leaflet-tile-loaded").first).to_be_visible()
    assert asked and {referrer for _, referrer in asked} == {f"{base}/"}
    assert {u.split("/")[3] for u, _ in asked} == {"vec_w", "cva_w"}  # the map and its place names
    expect(page.locator(".leaflet-control-attribution")).to_have_text("©天地图 <b>审图号</b>")  # text, not markup
    expect(page.locator(".map-town-name")).to_have_count(0)  # the tiles are the base: no outlines drawn
    assert not problems, problems
    page.evaluate("() => { const i = new Image(); i.src = 'https://elsewhere.example.com/x.png'; document.body.append(i); }")
    for _ in range(20):  # the refusal is reported as the image is tried
        if any("elsewhere.example.com" in p for p in problems):
            break
        page.wait_for_timeout(100)
    assert any("Content Security Policy" in p and "elsewhere.example.com" in p for p in problems), problems
    page.context.close()
