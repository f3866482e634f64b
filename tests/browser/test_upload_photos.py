"""Real Chromium on a phone-sized page: photos chosen in the inspection's file box reach the case page, and a
photo opens in the browser (the CSP allows images from the app itself)."""
from __future__ import annotations

import struct
import zlib

import pytest

from rules.timezone import today_in_china
from webapp.directory.departments import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def png(width: int = 3, height: int = 2) -> bytes:
    """A small, valid PNG (red pixels), so the browser really draws it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def page(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()


def test_photos_from_the_phone_reach_the_case_page(serve_case, page):
    live = serve_case(["commitment"])
    page.goto(f"{live}/login")
    page.fill("#username", "task_force.clerk")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.click('[data-testid="task-inspect"]')
    photo = {"name": "井口 照片.png", "mimeType": "image/png", "buffer": png()}
    fake = {"name": "程序.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00" + b"\x00" * 64}

    page.fill("#inspected_on", today_in_china().isoformat())
    page.fill("#inspectors", "执法证 3701001、3701002")
    for name, value in [("in_coverage", "yes"), ("has_permit", "no"), ("urban_village", "no"),
                        ("has_meter", "no"), ("tax_registered", "no"), ("obstructed", "no")]:
        page.check(f'input[name="{name}"][value="{value}"]')
    page.select_option("#purpose", "industrial")
    page.fill("#findings", "未安装计量设施。")
    page.set_input_files("#site_photos", [photo, fake])
    page.click("#submit")
    box = page.inner_text('[data-testid="files-site_photos"]')
    assert "“程序.jpg”的内容不是照片" in box and "已选的文件需要重新选择" in box
    assert page.input_value("#findings") == "未安装计量设施。"  # the typed answers are kept

    page.set_input_files("#site_photos", [photo])
    page.click("#submit")
    page.wait_for_url(f"{live}/inbox/")

    page.goto(f"{live}/cases/1")
    listed = page.inner_text('[data-testid="attachments"]')
    assert "现场检查 · 现场照片" in listed and "井口 照片.png" in listed and "整治专班经办人（整治专班）" in listed  # the uploader by name
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    page.goto(live + page.get_attribute('[data-testid="attachments"] a:text("查看")', "href"))
    assert page.evaluate("document.images.length && document.images[0].naturalWidth") == 3
