"""The command-line jobs: seeding and the timer worker."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from engine.tables import OpenTask
from webapp.core import db
from webapp.directory.departments import DEPARTMENTS
from webapp.models import Department, User


def test_seed_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed"])
    assert "未做改动" in result.output
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Department)) == len(DEPARTMENTS) == 33
        usernames = set(db.session().scalars(select(User.username)))
    assert {"water.clerk", "task_force.clerk", "xiacun.clerk", "leading_office.supervisor"} <= usernames
    assert all(f"{code}.clerk" in usernames for code, _, _ in DEPARTMENTS)
    assert {"water.inspector", "task_force.head", "water.head"} <= usernames


def test_timers_run_once_moves_an_expired_case(app, login, fixed_clock):
    from engine import Actor
    from webapp.cases.service import register_case
    from webapp.core import workflow
    from webapp.models import User

    with app.app_context():
        session, engine = db.session(), workflow.engine()
        clerk = session.scalar(select(User).where(User.username == "water.clerk"))
        case = register_case(session, engine, {
            "kind": "individual", "name": "用水户乙", "party_id": "11010519491231002X", "legal_rep": None,
            "address": "南黄镇", "phone": "13800000000", "industry": None, "town": "nanhuang"},
            {"well_no": "NH-001", "town": "nanhuang", "village": "西村", "address": None, "latitude": 36.9,
             "longitude": 121.6, "depth_m": None, "year_drilled": None, "purpose": "commercial",
             "annual_volume_m3": None, "in_coverage": True, "coverage_source": None, "in_restricted_zone": False,
             "permit_no": None, "permit_issuer": None, "permit_valid_from": None, "permit_valid_to": None,
             "has_meter": False, "meter_serial": None, "hidden_well": False}, clerk)
        steps = [("commitment", {"signed_on": "2026-03-02"}), ("inspect", {
            "in_coverage": True, "has_permit": False, "purpose": "commercial", "urban_village": False,
            "obstructed": False, "hidden_well": False}),
            ("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})]
        for spec, data in steps:
            guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case.id,
                                                                     OpenTask.task_spec == spec))
            engine.complete(session, guid, data, Actor("water.clerk", "water"))
        db.commit()

    runner = app.test_cli_runner()
    assert "触发计时器 0 个" in runner.invoke(args=["timers", "run", "--once"]).output
    fixed_clock.move_to(datetime(2026, 3, 10, 1, 0, tzinfo=timezone.utc))
    assert "触发计时器 1 个" in runner.invoke(args=["timers", "run", "--once"]).output
    with app.app_context():
        assert db.session().scalar(select(OpenTask.task_spec).where(OpenTask.case_id == 1)) == "recheck"
    page = login("water.clerk").get("/cases/1").get_data(as_text=True)
    assert "期限届满" in page and "复查（回头看）" in page
