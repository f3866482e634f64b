"""The case list's summary (issue 14): the copies on well_case (stage, category, village, well number, party) and
the stage on each open-task row stay what they summarise through every path that changes a case, its well or
its party; and the list's answers through the summary are the answers of the originals, field by field and
together (SQLite and PostgreSQL)."""
from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from test_ledger import credit_code, ledger, row, upload
from test_ledger_bulk import load
from test_reconsideration_web import APPLICATION
from web_support import REGISTRATION, complete_steps

from engine import Actor, overrides
from engine.tables import Event, Instance, OpenTask, utcnow
from engine.timers import run_once
from webapp.cases.queries import case_list, stage_counts
from webapp.cases.search import CaseFilters
from webapp.core import db, workflow
from webapp.models import Case, WaterUser, Well

SUPERVISOR = Actor("leading_office.supervisor", "leading_office")
OTHER_PARTY = {"user_name": "乳山另一家饮料有限公司", "party_id": "91371083MA3C7K2N74"}
NOTICE = {"notice_served_on": "2026-03-02", "rectify_days": 5}
INSPECTION = {"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False,
              "obstructed": False, "hidden_well": False}


def summary_holds(app) -> int:
    """Every case's summary equals what it summarises, and every open task carries its instance's stage;
    returns how many cases were checked."""
    with app.app_context():
        session = db.session()
        session.expire_all()
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        for case in cases:
            instance = session.get(Instance, case.instance_id) if case.instance_id else None
            owner = case.well.owner
            assert (case.stage, case.category) == ((instance.stage, instance.category) if instance else (None, None))
            assert (case.village, case.well_no, case.party_id, case.party_name) == (
                case.well.village, case.well.well_no, owner.party_id, owner.name), case.id
        for task in session.scalars(select(OpenTask)):
            assert task.stage == session.get(Instance, task.instance_id).stage, task.task_spec
        return len(cases)


def _guid(app, case_id: int, spec: str) -> str:
    with app.app_context():
        return db.session().scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case_id,
                                                                    OpenTask.task_spec == spec))


def _override(app, operation, *args, **kwargs) -> None:
    with app.app_context():
        operation(workflow.engine(), db.session(), *args, actor=SUPERVISOR, **kwargs)
        db.commit()


def _instance_of(app, case_id: int) -> int:
    with app.app_context():
        return db.session().get(Case, case_id).instance_id


def _version(app, case_id: int) -> int:
    with app.app_context():
        return db.session().get(Instance, _instance_of(app, case_id)).version


def test_the_summary_follows_every_path_that_changes_a_case(app, login, fixed_clock, tmp_path):
    water = login("water.clerk")
    # Registration: W-001 and W-003 of one party, W-002 of another.
    assert water.post("/cases/new", data={**REGISTRATION, "well_no": "W-001"}).status_code == 302
    assert water.post("/cases/new", data={**REGISTRATION, **OTHER_PARTY, "well_no": "W-002",
                                          "village": "西村"}).status_code == 302
    assert water.post("/cases/new", data={**REGISTRATION, "well_no": "W-003"}).status_code == 302
    assert summary_holds(app) == 3
    # Steps: the classification (category) and the stage move.
    complete_steps(app, [("commitment", "xiacun.clerk", {"signed_on": "2026-03-02", "signatory": "甲"}),
                         ("inspect", "task_force.clerk", INSPECTION), ("notice", "water.clerk", NOTICE)])
    assert summary_holds(app) == 3
    with app.app_context():
        assert db.session().get(Case, 1).stage == "rectifying" and db.session().get(Case, 1).category
    # The timer sweep: the rectification period of W-001 runs out.
    fixed_clock.shift(timedelta(days=30))
    with app.app_context():
        fired = run_once(workflow.engine(), app.extensions["sa_sessionmaker"])
    assert fired >= 1
    assert summary_holds(app) == 3
    # Overrides: skip, suspend, resume, cancel, reset (W-002).
    _override(app, overrides.skip, _guid(app, 2, "commitment"), reason="承诺书已线下签订",
              data={"signed_on": "2026-03-02", "signatory": "乙"})
    assert summary_holds(app) == 3
    for operation, reason in ((overrides.suspend, "用户涉诉"), (overrides.resume, "裁定已出"),
                              (overrides.cancel, "重复登记")):
        _override(app, operation, _instance_of(app, 2), reason=reason)
        assert summary_holds(app) == 3
    with app.app_context():
        assert db.session().get(Case, 2).stage == "cancelled"
        done = db.session().scalar(select(Event.task_guid).where(Event.case_id == 2, Event.kind == "task_completed",
                                                                 Event.task_spec == "commitment"))
    _override(app, overrides.reset, _instance_of(app, 2), done, reason="并非重复登记")
    assert summary_holds(app) == 3
    with app.app_context():
        assert db.session().get(Case, 2).stage == "inspection"
    # A reconsideration beside W-001: its own instance's stage is not the case's.
    assert water.post("/cases/1/reconsideration", data=APPLICATION).status_code == 302
    assert summary_holds(app) == 3
    with app.app_context():
        assert db.session().get(Case, 1).stage == "rectifying"
    # The correction page: W-003's village and its party's name (W-001 is the same party's).
    supervisor = login("leading_office.supervisor")
    assert supervisor.post("/cases/3/overrides/correct", data={
        **REGISTRATION, "well_no": "W-013", "village": "西村", "user_name": "乳山某某食品集团有限公司",
        "instance_version": _version(app, 3), "reason": "现场核实"}).status_code == 302
    assert summary_holds(app) == 3
    with app.app_context():
        session = db.session()
        assert [(c.well_no, c.village, c.party_name) for c in session.scalars(select(Case).order_by(Case.id))] == [
            ("W-001", "东村", "乳山某某食品集团有限公司"), ("W-002", "西村", OTHER_PARTY["user_name"]),
            ("W-013", "西村", "乳山某某食品集团有限公司")]
    # A well given to another owner, and a party's code corrected, straight in the tables.
    with app.app_context():
        session = db.session()
        other = session.scalar(select(WaterUser).where(WaterUser.party_id == OTHER_PARTY["party_id"]))
        session.get(Well, session.get(Case, 3).well_id).owner_id = other.id
        session.flush()
        other.party_id = "91371083MA3C7K2N82"
        db.commit()
    assert summary_holds(app) == 3
    # The ledger import page and the bulk loader.
    assert upload(water, ledger([row(1), row(2, **{"村（社区）": "西村"})])).status_code == 200
    assert summary_holds(app) == 5
    result = load(app, tmp_path, [row(n, **{"所属镇（街道）": ("夏村镇", "南黄镇")[n % 2]}) for n in range(3, 9)])
    assert result.exit_code == 0, result.output
    assert summary_holds(app) == 11
    with app.app_context():
        assert db.session().scalar(select(Case.party_id).where(Case.well_no == "L-008")) == credit_code(8)


def _expected(session, f: CaseFilters, now, by_stage: bool = True) -> list[int]:
    """The cases a search gives, decided from the originals (the instance, the open tasks, the well, the
    party) in Python: what the list gave before the summary. Newest first."""
    found = []
    for case in session.scalars(select(Case).order_by(Case.id.desc())):
        instance = session.get(Instance, case.instance_id)
        well, owner = case.well, case.well.owner
        tasks = session.scalars(select(OpenTask).where(OpenTask.case_id == case.id)).all()

        def task_fits(t):
            return ((not f.step or t.task_spec == f.step) and (not f.department or t.department == f.department)
                    and (not f.overdue or (t.due_at is not None and t.due_at < now))
                    and (not f.due or ((not f.due[0] or (t.due_at is not None and t.due_at >= f.due[0]))
                                       and (not f.due[1] or (t.due_at is not None and t.due_at < f.due[1])))))
        fits = [
            not f.town or case.town == f.town,
            not by_stage or not f.stage or instance.stage == f.stage,
            not f.category or instance.category == f.category,
            not f.on_open_tasks or any(task_fits(t) for t in tasks),
            not f.village or well.village == f.village,
            not f.well_no or f.well_no in well.well_no,
            not f.party or owner.party_id == f.party.upper() or f.party in owner.name,
            not f.q or f.q in well.well_no or f.q in owner.name,
            not f.registered or ((not f.registered[0] or case.created_at >= f.registered[0])
                                 and (not f.registered[1] or case.created_at < f.registered[1])),
        ]
        if all(fits):
            found.append(case.id)
    return found


def test_every_field_and_their_combinations_give_what_the_originals_give(app, login, fixed_clock):
    water = login("water.clerk")
    wells = [("W-001", {}), ("W-002", {**OTHER_PARTY, "town": "nanhuang", "village": "西村"}),
             ("W-003", {"village": "西村"}), ("W-004", {}), ("W-005", {**OTHER_PARTY, "village": "西村"})]
    for number, changes in wells:
        assert water.post("/cases/new", data={**REGISTRATION, "well_no": number, **changes}).status_code == 302
    commitment = ("commitment", "xiacun.clerk", {"signed_on": "2026-03-02", "signatory": "甲"})
    # W-001 at the notice; W-004 at the rectification report (due in 5 working days); W-005 cancelled;
    # W-001 also has the justice bureau's reconsideration task: two open tasks, in two departments.
    complete_steps(app, [commitment, ("inspect", "task_force.clerk", INSPECTION)], case_id=1)
    complete_steps(app, [commitment, ("inspect", "task_force.clerk", INSPECTION),
                         ("notice", "water.clerk", NOTICE)], case_id=4)
    _override(app, overrides.cancel, _instance_of(app, 5), reason="重复登记")
    assert water.post("/cases/1/reconsideration", data=APPLICATION).status_code == 302
    fixed_clock.shift(timedelta(days=3))
    assert summary_holds(app) == 5
    with app.app_context():
        session, now = db.session(), utcnow()
        due = session.scalar(select(OpenTask.due_at).where(OpenTask.task_spec == "rectify_report"))
        steps = sorted(set(session.scalars(select(OpenTask.task_spec))))
        departments = sorted(set(session.scalars(select(OpenTask.department))))
        values = {
            "town": ["xiacun", "nanhuang"], "stage": ["inspection", "rectifying", "cancelled", "penalty"],
            "category": ["covered_unlicensed", "uncovered"], "step": [*steps, "recheck"],
            "department": [*departments, "enforcement"], "overdue": [True],
            "village": ["东村", "西村"], "party": ["另一家", "91350100m000100y43", "食品"], "well_no": ["00", "W-004"],
            "q": ["另一家", "W-002"],
            "registered": [(now - timedelta(days=10), None), (None, now - timedelta(days=10))],
            "due": [(due - timedelta(days=1), due + timedelta(days=1)), (None, due - timedelta(days=1)),
                    (due + timedelta(seconds=1), None)],
        }
        choices = [CaseFilters(**{name: value}) for name, options in values.items() for value in options]
        choices += [CaseFilters(**{a: x, b: y}) for a, b in itertools.combinations(values, 2)
                    for x in values[a][:2] for y in values[b][:2]]
        choices += [CaseFilters(step="rectify_report", department="water", due=values["due"][0]),
                    CaseFilters(step="notice", department="justice"),  # two tasks, not one task meeting both
                    CaseFilters(step="rc_handle", department="justice", overdue=True),
                    CaseFilters(town="xiacun", category="covered_unlicensed", step="notice", village="东村",
                                party="食品", stage="rectifying")]
        for f in choices:
            session.info.clear()  # a request of its own
            rows, total, _page, _window = case_list(session, f.town, f.q, 1, 100, stage=f.stage, filters=f, now=now)
            expected = _expected(session, f, now)
            assert [case.id for case in rows] == expected, f
            assert total == len(expected), f
            counts = stage_counts(session, f.town, f.q, f, now, total=None)
            assert counts == dict(Counter(session.get(Case, i).stage for i in _expected(session, f, now, False))), f
            # Two at a time: forwards by the cursors, back from the last page, and an old link's page 2.
            pages, after, before = [], None, None
            while True:
                session.info.clear()
                rows, _total, _page, window = case_list(session, f.town, f.q, 1, 2, stage=f.stage, filters=f,
                                                        now=now, after=after)
                pages.append([case.id for case in rows])
                before, after = window.before, window.after
                if after is None:
                    break
            assert [i for page in pages for i in page] == expected, f
            if len(pages) > 1:
                session.info.clear()
                rows, *_rest = case_list(session, f.town, f.q, 1, 2, stage=f.stage, filters=f, now=now, before=before)
                assert [case.id for case in rows] == pages[-2], f
                session.info.clear()
                rows, *_rest = case_list(session, f.town, f.q, 2, 2, stage=f.stage, filters=f, now=now)
                assert [case.id for case in rows] == pages[1], f
