"""Data and small helpers shared by the web tests (imported by name: pytest puts tests/web on the path)."""
from __future__ import annotations

import re
import threading
import time

from sqlalchemy import select

from webapp.core import db, workflow
from webapp.models import User

# A covered, unlicensed well of an enterprise in 夏村镇: the registration form as a clerk fills it.
REGISTRATION = {
    "user_kind": "enterprise", "user_name": "乳山某某食品有限公司", "party_id": "91350100M000100Y43",
    "legal_rep": "法定代表人甲", "user_address": "夏村镇工业园1号", "phone": "0631-6651234",
    "industry": "食品加工", "well_no": "XC-001", "town": "xiacun", "village": "东村", "well_address": "厂区北侧",
    "latitude": "36.92", "longitude": "121.52", "depth_m": "80", "year_drilled": "2008",
    "purpose": "industrial", "annual_volume_m3": "12000", "in_coverage": "yes", "coverage_source": "水务集团名录",
    "in_restricted_zone": "no", "permit_no": "", "permit_issuer": "", "permit_valid_from": "", "permit_valid_to": "",
    "has_meter": "no", "meter_serial": "", "hidden_well": "no",
}


# A covered, unlicensed well sealed and accepted whose recheck finds a problem left open: the steps up to
# the penalty, then the penalty up to its decision (a fine of 50,000 yuan), everything on 2 March 2026.
TO_FAILED_RECHECK = [
    ("commitment", "xiacun.clerk", {"signed_on": "2026-03-02"}),
    ("inspect", "task_force.clerk", {"in_coverage": True, "has_permit": False, "purpose": "industrial",
                                     "urban_village": False, "obstructed": False, "hidden_well": False}),
    ("notice", "water.clerk", {"notice_served_on": "2026-03-02", "rectify_days": 5}),
    ("rectify_report", "water.clerk", {}),
    ("supply_connection", "water_group.clerk", {}),
    ("seal_well", "enforcement.clerk", {"seal_obstructed": False}),
    ("seal_acceptance", "water.clerk", {"seal_accepted": True}),
    ("recheck", "water.clerk", {"recheck_passed": False}),
]
PENALTY_TO_DECISION = [
    ("pen_filing", "water.clerk", {"filed_on": "2026-03-02"}),
    ("pen_investigation", "water.clerk", {"investigation_conclusion": "penalty"}),
    ("pen_legal_review", "justice.clerk", {"review_passed": True}),
    ("pen_prior_notice", "water.clerk", {"prior_legal_basis": "water_law_69", "proposed_fine": 50_000,
                                         "prior_notice_served_on": "2026-03-02"}),
    ("pen_statement", "water.clerk", {"statement_made": False, "hearing_requested": False}),
    ("pen_decision", "water.clerk", {"decided_on": "2026-03-02", "decision_kind": "penalty", "fine_amount": 50_000}),
]


def task_guid_in(html: str, spec: str) -> str:
    """The task id of the inbox row for a step (rows carry data-testid="task-<spec>")."""
    match = re.search(r'href="/tasks/([0-9a-f-]{36})" data-testid="task-%s"' % re.escape(spec), html)
    assert match, f"no {spec} task in the page"
    return match.group(1)


def instance_version(app, case_id: int = 1) -> int:
    """The version of a case's process instance, as a form rendered now would carry it."""
    from engine.tables import Instance
    from webapp.models import Case

    with app.app_context():
        return db.session().get(Instance, db.session().get(Case, case_id).instance_id).version


INSPECTION = {
    "inspected_on": "2026-03-02", "inspectors": "执法证 3701001、3701002", "in_coverage": "yes",
    "has_permit": "no", "purpose": "industrial", "urban_village": "no", "has_meter": "no",
    "tax_registered": "no", "obstructed": "no", "hidden_well": "no", "findings": "未办理取水许可，未安装计量设施。",
}


def problem_rows(*rows) -> dict:
    """Notice form fields for problem rows given as (kind, description, act, days)."""
    fields = {}
    for i, (kind, text, act, days) in enumerate(rows):
        fields.update({f"problems-{i}-kind": kind, f"problems-{i}-description": text,
                       f"problems-{i}-required_act": act, f"problems-{i}-rectify_days": str(days)})
    return fields


# A notice with two problems of five working days (the deadline timer: Monday 9 March 2026).
NOTICE = {
    **problem_rows(("no_meter", "未安装取水计量设施", "install_meter", 5),
                   ("in_coverage", "位于公共供水管网覆盖范围内，仍取用地下水", "stop_and_seal", 5)),
    "notice_served_on": "2026-03-02", "service_method": "direct", "legal_basis": "《中华人民共和国水法》第六十九条",
}


def close_out(*closed: bool, evidence: str = "现场核查照片 ZP-01") -> dict:
    """Recheck form fields for the case's open problems 1..n (ids in notice order), closed or not."""
    fields = {}
    for i, ok in enumerate(closed):
        fields.update({f"problems-{i}-problem_id": str(i + 1), f"problems-{i}-closed": "yes" if ok else "no",
                       f"problems-{i}-evidence": evidence if ok else ""})
    return fields


def submit(client, guid, data, version):
    return client.post(f"/tasks/{guid}", data={**data, "instance_version": version})


def walk_to_notice(app, login):
    """Register the well as the town and move it to the water bureau's notice: (water client, task id)."""
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app))
    force = login("task_force.clerk")
    submit(force, task_guid_in(force.get("/inbox/").get_data(as_text=True), "inspect"), INSPECTION,
           instance_version(app))
    water = login("water.clerk")
    return water, task_guid_in(water.get("/inbox/").get_data(as_text=True), "notice")


def add_user(app, username: str, department: str, role: str = "clerk") -> None:
    """One more account (the demo data has one clerk per unit), with the demo password."""
    from sqlalchemy import select

    from webapp.models import Department, User

    with app.app_context():
        session = db.session()
        unit = session.scalar(select(Department).where(Department.code == department))
        template = session.scalar(select(User).where(User.username == "water.clerk"))
        session.add(User(username=username, display_name=username, department=unit, role=role,
                         password_hash=template.password_hash))
        db.commit()


def complete_steps(app, steps, case_id: int = 1) -> None:
    """Complete a case's steps straight through the engine, as their users, in one commit:
    ``[(task spec, username, task data), ...]`` — to bring a case to the step a test is about."""
    from sqlalchemy import select

    from engine.tables import OpenTask
    from webapp.core import workflow
    from webapp.models import User

    with app.app_context():
        session = db.session()
        for spec, username, values in steps:
            guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case_id,
                                                                   OpenTask.task_spec == spec))
            assert guid, f"case {case_id} has no open {spec} step"
            user = session.scalar(select(User).where(User.username == username))
            workflow.engine().complete(session, guid, values, user.actor)
        db.commit()


def refusals(app, **where) -> list:
    """Security-log rows of refused requests matching ``where`` (column=value), in the order first seen."""
    from sqlalchemy import select

    from webapp.core import db
    from webapp.core.refusals import SecurityLogEntry

    with app.app_context():
        query = select(SecurityLogEntry).filter_by(**where).order_by(SecurityLogEntry.id)
        return list(db.session().scalars(query))


def hold(app, username: str, operation, seconds: float = 0.6):
    """Run ``operation(engine, session, actor)`` as ``username`` in another thread, keeping its transaction
    (and the case's lock) open a moment so that the request made meanwhile waits for it. Returns the thread
    and the list its exception lands in."""
    holding, errors = threading.Event(), []

    def run():
        with app.app_context():
            try:
                session = db.session()
                operation(workflow.engine(), session, session.scalar(select(User).where(
                    User.username == username)).actor)
                holding.set()
                time.sleep(seconds)
                db.commit()
            except Exception as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
            finally:
                holding.set()

    thread = threading.Thread(target=run)
    thread.start()
    holding.wait(10)
    return thread, errors
