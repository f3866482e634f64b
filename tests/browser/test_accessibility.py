"""WCAG 2.1 AA in real Chromium: axe-core finds no violation on any page a user can reach, at 390 px and 1366 px.

axe-core is the copy pinned with axe-playwright-python (requirements-test.txt): the test evaluates it in the page
(no CDN, and the app's CSP is left as it is). Each role logs in once per viewport and walks its pages: log-in,
inboxes, task pages of several kinds (also with their errors shown), case page, list and map (its points drawn, a
case's popup open), problems, diagrams,
ledger, dashboard and reports, audit and security log, overrides, coverage, the admin pages, and the error pages
(403, 404, 410). Closed <details> are opened first so that the forms folded inside them are checked too; at 390 px
the collapsed menu is opened once per role. A failure lists every page, rule and element at once.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from browser_support import logged_in, serve_notice
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
AXE = Axe()
# WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (landmarks, headings, one main, …).
OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
           "resultTypes": ["violations"]}


@pytest.fixture(autouse=True)
def spring():
    """March 2026: the notice's periods end within a year the calendar knows."""
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=True):
        yield


class Walk:
    """Visits pages and keeps what axe-core found on each."""

    def __init__(self, base: str, width: int):
        self.base, self.width, self.found, self.checked = base, width, [], []

    def check(self, page, label: str | None = None) -> None:
        page.wait_for_load_state()
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        label = label or page.url.removeprefix(self.base)
        self.checked.append(label)
        for v in AXE.run(page, options=OPTIONS).response["violations"]:
            nodes = v["nodes"]
            targets = ", ".join(" ".join(n["target"]) for n in nodes[:3])
            summary = nodes[0]["failureSummary"].replace("\n", " ")[:240]
            self.found.append(f"{self.width}px {label}: {v['id']} ({v['impact']}) × {len(nodes)}: {targets} — {summary}")

    def visit(self, page, path: str, label: str | None = None) -> None:
        page.goto(self.base + path)
        self.check(page, label)

    def menu(self, page) -> None:
        """On a phone the menu is folded behind its button: open it and check the links' contrast too."""
        if self.width < 768:
            page.click(".navbar-toggler")
            page.wait_for_selector("#nav.show")
            self.check(page, page.url.removeprefix(self.base) + " (menu open)")

    def click(self, page, selector: str, label: str) -> None:
        """Click what loads another page (a link, a form's button), then check that page."""
        with page.expect_navigation():
            page.click(selector)
        self.check(page, label)

    def map(self, page, path: str, popup: bool = False) -> None:
        """A page with the wells map: checked once its points are drawn, and with a case's popup open."""
        page.goto(self.base + path)
        page.wait_for_selector("#wells-map[data-mode]")
        self.check(page, path)
        if popup:
            page.click("#wells-map")  # the test's wells are all at the map's centre
            page.wait_for_selector('[data-testid="map-popup"] a.btn')
            expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in: its real colours
            self.check(page, path + " (popup open)")

    def task_path(self, page, spec: str) -> str:
        return page.get_attribute(f'[data-testid="task-{spec}"]', "href")


@pytest.mark.parametrize("width", [390, 1366])
def test_no_page_has_an_accessibility_violation(serve_case, browser, width):
    # XC-101 at the water bureau's notice, XC-102 at the town's commitment, XC-103 at the task force's inspection.
    base = serve_case(["commitment", "inspect"], [], ["commitment"])
    walk = Walk(base, width)

    def user(name):
        return logged_in(browser, base, name, width, 900)

    # Nobody logged in: the log-in page, with a wrong password, and a page that does not exist.
    page = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN").new_page()
    walk.visit(page, "/login")
    page.fill("#username", "water.clerk")
    page.fill("#password", "wrong password")
    walk.click(page, "#submit", "/login (wrong password)")
    walk.visit(page, "/no-such-page", "404")
    page.context.close()

    # The town's clerk: the commitment (empty, then with its errors), registration, ledger.
    page = user("xiacun.clerk")
    walk.check(page)
    walk.menu(page)
    walk.visit(page, walk.task_path(page, "commitment"), "task: commitment")
    page.fill("#signatory", "")
    walk.click(page, "#submit", "task: commitment (errors)")
    walk.visit(page, "/cases/new")
    walk.click(page, "#submit", "/cases/new (errors)")
    for path in ("/ledger/", "/ledger/import", "/cases/"):
        walk.visit(page, path)
    walk.map(page, "/cases/map?town=nanhuang")  # a town's user: the own town's cases whatever is asked
    page.context.close()

    # The task force: the inspection, empty and with its errors.
    page = user("task_force.clerk")
    walk.visit(page, walk.task_path(page, "inspect"), "task: inspection")
    walk.click(page, "#submit", "task: inspection (errors)")
    page.context.close()

    # The water bureau's clerk: the notice, then the case with its problem list, documents and diagram.
    page = user("water.clerk")
    notice = walk.task_path(page, "notice")
    walk.visit(page, notice, "task: notice")
    page.goto(base + "/inbox/")
    serve_notice(page, base, "2026-03-02")
    walk.check(page, "/inbox/ (after a submission)")
    walk.visit(page, notice, "410 (task already handled)")
    walk.visit(page, "/admin/", "403")
    for path in ("/cases/", "/cases/1", "/cases/1/diagram", "/problems/", "/diagrams/"):
        walk.visit(page, path)
    walk.map(page, "/cases/map", popup=True)
    page.context.close()

    # The leading office's supervisor: dashboard and reports, audit, overrides, coverage, heatmap.
    page = user("leading_office.supervisor")
    walk.menu(page)
    walk.map(page, "/dashboard/")
    walk.visit(page, "/dashboard/reports/")
    walk.visit(page, "/dashboard/reports/preview?kind=weekly")
    walk.click(page, '[data-testid="publish-form"] button', "published report")
    walk.visit(page, "/dashboard/reports/preview?kind=weekly&start=2026-03-02&end=2026-02-01", "report (bad period)")
    for path in ("/supervise/audit", "/supervise/audit?case=1", "/supervise/security", "/overrides/",
                 "/cases/1/overrides", "/cases/1/overrides/correct", "/overrides/migrations", "/diagrams/heatmap"):
        walk.visit(page, path)
    walk.visit(page, "/cases/3/overrides")
    walk.click(page, '[data-testid="skip-filled-inspect"] a', "skip and fill (inspection)")
    walk.visit(page, "/cases/2/overrides")
    walk.click(page, '[data-testid^="override-task-"] a[href$="/move"]', "move a task")
    walk.visit(page, "/coverage/")
    walk.click(page, "#preview", "/coverage/ (errors)")
    page.context.close()

    # The administrator: users, departments, village lists, the working calendar.
    page = user("admin")
    walk.menu(page)
    for path in ("/admin/", "/admin/users", "/admin/users/new", "/admin/users/1", "/admin/departments",
                 "/admin/departments/1", "/admin/villages", "/admin/villages/xiacun", "/admin/calendar",
                 "/admin/calendar/2026", "/admin/calendar/enter"):
        walk.visit(page, path)
    walk.click(page, "#preview", "/admin/calendar/enter (errors)")
    page.context.close()

    assert len(walk.checked) > 45
    assert not walk.found, "\n".join(walk.found)

