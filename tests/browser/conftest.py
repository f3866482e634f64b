"""Browser-test fixtures: the app served on localhost with one case, and Debian's Chromium.

Chromium is /usr/bin/chromium (WELLS_CHROMIUM to change) driven by Playwright; Playwright's own browser
download does not work here.
"""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from engine import Actor
from engine.tables import OpenTask
from rules.timezone import today_in_china
from webapp import create_app
from webapp.cases.service import register_case
from webapp.cli import seed_departments_and_accounts
from webapp.core import db, workflow
from webapp.models import User

CHROMIUM = os.environ.get("WELLS_CHROMIUM", "/usr/bin/chromium")
STEPS = {  # what the case's first steps are completed with, and by whom
    "commitment": (lambda today: {"signed_on": today, "signatory": "法定代表人甲"}, Actor("xiacun.clerk", "xiacun")),
    "inspect": (lambda today: {"inspected_on": today, "in_coverage": True, "has_permit": False,
                               "purpose": "industrial", "urban_village": False},
                Actor("task_force.clerk", "task_force")),
}


@pytest.fixture
def serve_case(database_url, tmp_path):
    """serve_case(["commitment", …]) -> base URL of the app, with well XC-101 of 夏村镇 past those steps (a step
    is a name in STEPS or a tuple (task spec, data(today), actor)); each further list of steps is one more well
    of the same water user (XC-102, XC-103, …), its case past those steps."""
    servers = []

    def serve(steps: list[str], *more: list[str]) -> str:
        app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECURE_COOKIES": "0",
                          "UPLOAD_DIR": str(tmp_path / "uploads")})
        with app.app_context():
            session = db.session()
            seed_departments_and_accounts(session, True)
            clerk = session.scalar(select(User).where(User.username == "xiacun.clerk"))
            for number, case_steps in enumerate([steps, *more], start=101):
                _register(session, clerk, f"XC-{number}", case_steps)
            db.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()


def _register(session, clerk, well_no: str, steps: list) -> None:
    case = register_case(session, workflow.engine(), {
        "kind": "enterprise", "name": "乳山某某食品有限公司", "party_id": "91350100M000100Y43",
        "legal_rep": "法定代表人甲", "address": "夏村镇", "phone": "0631-6651234", "industry": "食品",
        "town": "xiacun"}, {
        "well_no": well_no, "town": "xiacun", "village": "东村", "address": None, "latitude": 36.92,
        "longitude": 121.52, "depth_m": 80.0, "year_drilled": 2008, "purpose": "industrial",
        "annual_volume_m3": 12000.0, "in_coverage": True, "coverage_source": None,
        "in_restricted_zone": False, "permit_no": None, "permit_issuer": None, "permit_valid_from": None,
        "permit_valid_to": None, "has_meter": False, "meter_serial": None, "hidden_well": False}, clerk)
    today = today_in_china().isoformat()
    for step in steps:  # a task spec of STEPS, or (task spec, data(today), actor)
        spec, data, actor = (step, *STEPS[step]) if isinstance(step, str) else step
        guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case.id,
                                                               OpenTask.task_spec == spec))
        workflow.engine().complete(session, guid, data(today), actor)


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make browser-deps)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()

