"""Cases in several towns, steps and outcomes for the dashboard tests, and reading the pages' tables.

Wells are registered through the registration page; the steps after it are completed with the app's own
engine (``workflow.engine().complete``, the call the task page makes), with the task data the forms
produce. The figures depend only on what the engine records (case rows, instance status/outcome/category,
open-task rows, ``task_completed`` events), and the step forms are tested — and reshaped — elsewhere.
"""
from __future__ import annotations

from datetime import datetime, timezone

from lxml import html as lxml_html
from sqlalchemy import select
from web_support import REGISTRATION

from engine import overrides as engine_overrides
from engine.tables import Instance, OpenTask
from webapp.core import db, workflow
from webapp.models import Case, User

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def china(month: int, day: int, hour: int = 10) -> datetime:
    """A moment of 2026 in China time, as UTC (what the clock is moved to)."""
    return datetime(2026, month, day, hour - 8, tzinfo=timezone.utc)


def id_number(n: int) -> str:
    """A valid 18-digit resident ID number (GB 11643 check digit), different for each n."""
    body = f"37108319800101{n:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]
    return body + check


def register(client, n: int, town: str) -> int:
    """Register well DB-<n> of an individual in ``town`` through the page; the new case's id."""
    data = {**REGISTRATION, "user_kind": "individual", "user_name": f"用水户{n:02d}", "party_id": id_number(n),
            "legal_rep": "", "well_no": f"DB-{n:03d}", "town": town}
    response = client.post("/cases/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


INSPECT = {"inspectors": "执法证 3701001、3701002", "has_meter": False, "tax_registered": False,
           "obstructed": False, "hidden_well": False, "findings": "现场检查记录。"}
CATEGORY_INPUT = {
    "covered_unlicensed": {"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False},
    "covered_licensed": {"in_coverage": True, "has_permit": True, "purpose": "industrial", "urban_village": False},
    "uncovered": {"in_coverage": False, "has_permit": False, "purpose": "commercial", "urban_village": False},
    "urban_village": {"in_coverage": True, "has_permit": False, "purpose": "agricultural", "urban_village": True},
}
# spec -> (account that completes it, task data); "{town}" is the case's town, "{day}" the day of completion.
STEPS = {
    "commitment": ("{town}.clerk", {"signed_on": "{day}", "signatory": "用水户本人"}),
    "inspect": ("task_force.clerk", {"inspected_on": "{day}", **INSPECT}),
    "exemption_apply": ("{town}.clerk", {"applied_on": "{day}", "village_name": "城中村",
                                         "application_reasons": "列入城中村改造计划。", "applicant_contact": "街道经办人"}),
    "exemption_review": ("leading_office.clerk", {"exemption_approved": True, "review_opinion": "同意暂缓封停。",
                                                  "next_review_on": "2026-09-01"}),
    "notice": ("water.clerk", {"notice_served_on": "{day}", "rectify_days": 5, "service_method": "direct",
                               "required_acts": ["stop_and_seal"], "notice_problems": "未经许可取用地下水",
                               "legal_basis": "《中华人民共和国水法》第六十九条"}),
    "rectify_report": ("water.clerk", {"reported_on": "{day}", "report_summary": "已按通知整改。"}),
    "supply_connection": ("water_group.clerk", {"supply_agreement_no": "GS-001", "connected_on": "{day}"}),
    "seal_well": ("enforcement.clerk", {"sealed_on": "{day}", "disposal_type": "backfill", "seal_no": "FJ-001",
                                        "latitude": 36.91, "longitude": 121.53, "sealing_notes": ""}),
    "permit_approval": ("approval.clerk", {"permit_approved": True, "permit_no": "取水（鲁威乳）字[2026]第001号",
                                           "permit_valid_from": "{day}", "permit_valid_to": "2031-01-01",
                                           "approval_opinion": "经验收合格，准予取水许可。"}),
    "meter_verification": ("market.clerk", {"verified_on": "{day}", "meter_serial": "SB-001", "certificate_no": "JD-1",
                                             "meter_passed": True}),
    "tax_registration": ("tax.clerk", {"registered_on": "{day}", "taxpayer_no": "91371083MA3C00001X"}),
    "seal_acceptance": ("water.clerk", {"accepted_on": "{day}", "seal_accepted": True, "signatories": ["water"],
                                        "acceptance_opinion": "合格"}),
    "recheck": ("water.clerk", {"rechecked_on": "{day}", "recheck_passed": True, "recheck_findings": "已整改到位。"}),
}


def complete(app, case_id: int, spec: str, day: str, **changes) -> None:
    """Complete the case's open ``spec`` step as the task page does (same engine call, one commit)."""
    who, data = STEPS[spec]
    data = {k: (v.format(day=day) if isinstance(v, str) else v) for k, v in {**data, **changes}.items()}
    with app.app_context():
        session = db.session()
        case = session.get(Case, case_id)
        guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case_id, OpenTask.task_spec == spec))
        assert guid, f"case {case_id} has no open {spec} step"
        user = session.scalar(select(User).where(User.username == who.format(town=case.town)))
        workflow.engine().complete(session, guid, data, user.actor)
        db.commit()


def walk(app, case_id: int, day: str, category: str, *steps: str, **changes) -> None:
    """Commitment and inspection (classified as ``category``), then ``steps`` in order, all on ``day``."""
    complete(app, case_id, "commitment", day)
    complete(app, case_id, "inspect", day, **CATEGORY_INPUT[category])
    for spec in steps:
        complete(app, case_id, spec, day, **changes.get(spec, {}))


def cancel(app, case_id: int) -> None:
    with app.app_context():
        session = db.session()
        supervisor = session.scalar(select(User).where(User.username == "leading_office.supervisor"))
        engine_overrides.cancel(workflow.engine(), session, session.get(Case, case_id).instance_id,
                                supervisor.actor, "重复登记")
        db.commit()


def build_campaign(app, login, clock) -> dict[str, int]:
    """Nine cases; the clock ends on Tuesday 10 March 2026, 10:00 China time. Returns name -> case id.

    Week of 2 February: sealed (夏村镇), permitted (南黄镇), exempt (城区) — all three finished.
    Week of 2 March: rectifying with a deadline of 9 March, overdue on the 10th (夏村镇); only registered
    (大孤山镇); at the notice, covered and licensed (南黄镇); permit refused, at the recheck (南黄镇);
    registered and cancelled (夏村镇). Week of 9 March: registered (城区).
    """
    ids = {}
    clock.move_to(china(2, 2))
    water = login("water.clerk")  # after each move of the clock: a session from "the future" is refused
    for name, town in (("sealed", "xiacun"), ("permitted", "nanhuang"), ("exempt", "chengqu")):
        ids[name] = register(water, len(ids) + 1, town)
    clock.move_to(china(2, 4))
    walk(app, ids["sealed"], "2026-02-04", "covered_unlicensed", "notice", "rectify_report", "supply_connection",
         "seal_well", "seal_acceptance", "recheck")
    walk(app, ids["permitted"], "2026-02-04", "uncovered", "notice", "rectify_report", "permit_approval",
         "meter_verification", "tax_registration", "recheck")
    walk(app, ids["exempt"], "2026-02-04", "urban_village", "exemption_apply", "exemption_review")
    clock.move_to(china(3, 2))
    water = login("water.clerk")
    for name, town in (("rectifying", "xiacun"), ("registered", "dagushan"), ("at_notice", "nanhuang"),
                       ("refused", "nanhuang"), ("cancelled", "xiacun")):
        ids[name] = register(water, len(ids) + 1, town)
    walk(app, ids["rectifying"], "2026-03-02", "covered_unlicensed", "notice")
    walk(app, ids["at_notice"], "2026-03-02", "covered_licensed")
    walk(app, ids["refused"], "2026-03-02", "uncovered", "notice", "rectify_report", "permit_approval",
         permit_approval={"permit_approved": False, "permit_no": None, "permit_valid_from": None,
                          "permit_valid_to": None, "approval_opinion": "验收不合格。"})
    cancel(app, ids["cancelled"])
    clock.move_to(china(3, 10))
    water = login("water.clerk")
    ids["new_this_week"] = register(water, len(ids) + 1, "chengqu")
    return ids


# -- reading the pages ----------------------------------------------------------------------------

def table(page: str, testid: str, key: str) -> dict[str, dict[str, str]]:
    """Rows of a table (by data-testid) keyed by the rows' ``data-<key>``: {row: {cell testid: text}}."""
    tree = lxml_html.fromstring(page)
    found = tree.xpath(f"//table[@data-testid='{testid}']")
    assert found, f"no table {testid}"
    return {row.get(f"data-{key}"): {cell.get("data-testid"): cell.text_content().strip()
                                     for cell in row.xpath("./td[@data-testid]")}
            for row in found[0].xpath(f".//tr[@data-{key}]")}


def totals(page: str) -> dict[str, str]:
    tree = lxml_html.fromstring(page)
    return {node.get("data-testid")[len("total-"):]: node.text_content().strip()
            for node in tree.xpath("//*[starts-with(@data-testid, 'total-')]")}


def instances(app) -> list[tuple[Case, Instance]]:
    with app.app_context():
        session = db.session()
        return [(case, session.get(Instance, case.instance_id)) for case in session.scalars(select(Case))]


def dashboard_page(client, **query) -> str:
    """The dashboard's HTML (of a period: ``start``/``end``, or ``refresh``), asserting a 200."""
    response = client.get("/dashboard/", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.get_data(as_text=True)
