"""The real diagram, run through every path of the spine with persistence, without Flask.

Time is fixed with time-machine: SpiffWorkflow compares timers with the real clock, and fixed dates
keep the working-day deadlines inside the years the holiday calendar covers.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from engine import Actor, StaleForm, TaskAlreadyHandled, TaskTaken
from engine.tables import Event, Instance, OpenTask, SpecVersion, Timer
from engine.timers import run_once

# A Monday in March 2026, well inside the calendar data; 5 working days later is Monday 9 March.
TODAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

TOWN_CLERK = Actor("xiacun.clerk", "xiacun")
WATER = Actor("water.clerk", "water")

INSPECTION = {
    "inspected_on": "2026-03-02", "inspectors": "执法证 3701001、3701002", "in_coverage": True,
    "has_permit": False, "purpose": "industrial", "urban_village": False, "has_meter": False,
    "tax_registered": False, "obstructed": False, "hidden_well": False, "findings": "未办理取水许可，未安装计量设施。",
}
SEALED = {"seal_obstructed": False, "sealed_on": "2026-03-06", "disposal_type": "backfill", "seal_no": "F-001",
          "latitude": 36.9, "longitude": 121.5}
NOTICE = {
    "notice_problems": "未安装计量设施", "required_acts": ["install_meter", "stop_and_seal"],
    "rectify_days": 5, "notice_served_on": "2026-03-02", "service_method": "direct",
    "legal_basis": "《中华人民共和国水法》第六十九条",
}


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


class Case:
    """Drive one case through the engine, one transaction per step, as the web layer does."""

    def __init__(self, wf, session_factory, case_id=1, town="xiacun"):
        self.wf, self.factory = wf, session_factory
        with self.factory() as s, s.begin():
            inst = wf.start(s, "well_case", case_id, {"town": town, "well_no": f"XC-{case_id:03d}",
                                                       "party_name": "某某食品有限公司"},
                            data={"well_no": f"XC-{case_id:03d}", "patrol_days": 90}, actor=TOWN_CLERK)
            self.instance_id = inst.id

    def open_tasks(self):
        with self.factory() as s:
            return list(s.scalars(select(OpenTask).where(OpenTask.instance_id == self.instance_id)))

    def steps(self):
        return sorted(t.task_spec for t in self.open_tasks())

    def instance(self):
        with self.factory() as s:
            return s.get(Instance, self.instance_id)

    def complete(self, spec, data=None, actor=WATER):
        (task,) = [t for t in self.open_tasks() if t.task_spec == spec]
        with self.factory() as s, s.begin():
            self.wf.complete(s, task.task_guid, data or {}, actor,
                             expected_version=s.get(Instance, self.instance_id).version)
        return task

    def events(self, kind=None):
        with self.factory() as s:
            q = select(Event).where(Event.instance_id == self.instance_id).order_by(Event.id)
            if kind:
                q = q.where(Event.kind == kind)
            return list(s.scalars(q))

    def to_notice(self, inspection=None):
        self.complete("commitment", {"signed_on": "2026-03-02", "signatory": "法定代表人"}, TOWN_CLERK)
        self.complete("inspect", {**INSPECTION, **(inspection or {})})


def test_start_indexes_first_task_in_the_town_of_the_case(wf, session_factory):
    case = Case(wf, session_factory)
    (task,) = case.open_tasks()
    assert (task.task_spec, task.form_key, task.lane, task.department) == (
        "commitment", "commitment_letter", "town", "xiacun")
    assert task.title == "签订承诺书"
    assert (task.well_no, task.party_name, task.town) == ("XC-001", "某某食品有限公司", "xiacun")
    assert case.instance().version == 1
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(SpecVersion)) == 1
    assert [e.kind for e in case.events()] == ["started", "task_created"]


def test_seal_path_covered_unlicensed(wf, session_factory):
    case = Case(wf, session_factory)
    case.to_notice()
    assert case.steps() == ["notice"]
    with session_factory() as s:
        classify = s.get(Instance, case.instance_id)
    # The DMN's category is copied to the instance row for the dashboard (no workflow restored there).
    assert classify.category == "covered_unlicensed"
    case.complete("notice", NOTICE)
    (report,) = case.open_tasks()
    assert report.task_spec == "rectify_report"
    # 5 working days from Monday 2 March 2026 end on Monday 9 March, 23:59:59 China time.
    assert report.due_at == datetime(2026, 3, 9, 15, 59, 59, tzinfo=timezone.utc)
    with session_factory() as s:
        (timer,) = s.scalars(select(Timer).where(Timer.instance_id == case.instance_id))
        assert timer.task_spec == "deadline_timer" and timer.due_at == report.due_at
    case.complete("rectify_report", {"reported_on": "2026-03-05", "report_summary": "已停止取水"})
    assert case.steps() == ["supply_connection"]
    assert case.open_tasks()[0].department == "water_group"
    case.complete("supply_connection", {"supply_agreement_no": "GS-2026-001", "connected_on": "2026-03-06"})
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("seal_well", "enforcement")]
    case.complete("seal_well", SEALED)
    # The water bureau accepts the sealing (验收) before the recheck.
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("seal_acceptance", "water")]
    case.complete("seal_acceptance", {"seal_accepted": True, "signatories": ["water", "town"]})
    case.complete("recheck", {"rechecked_on": "2026-03-09", "recheck_passed": True, "recheck_findings": "已封填"})
    # A sealed well is then patrolled on schedule (tests/engine/test_field_work.py): the case waits.
    inst = case.instance()
    assert (inst.status, inst.category) == ("running", "covered_unlicensed")
    assert case.open_tasks() == []
    with session_factory() as s:
        (timer,) = s.scalars(select(Timer))
        assert timer.task_spec == "patrol_timer"
    assert classify.version < inst.version


def test_permit_path_failed_recheck_leads_to_credit_sanction(wf, session_factory):
    case = Case(wf, session_factory)
    case.to_notice({"in_coverage": False, "has_permit": False, "purpose": "agricultural"})
    case.complete("notice", {**NOTICE, "required_acts": ["apply_permit"]})
    case.complete("rectify_report", {"reported_on": "2026-03-04", "report_summary": "已提交许可申请"})
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("permit_approval", "approval")]
    case.complete("permit_approval", {"permit_approved": False, "approval_opinion": "材料不全"},
                  Actor("approval.clerk", "approval"))
    case.complete("recheck", {"rechecked_on": "2026-03-09", "recheck_passed": False, "recheck_findings": "仍在取水"})
    # The administrative penalty (bpmn/penalty.bpmn, called; its branches in test_penalty.py), then credit.
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("pen_filing", "water")]
    case.complete("pen_filing", {"filed_on": "2026-03-09"})
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    assert case.steps() == ["credit_record"]
    assert case.instance().status == "running"
    # The credit sanction (bpmn/credit.bpmn, called; objection and repair in test_credit.py).
    case.complete("credit_record", {"credit_fact": "拒不整改", "recorded_on": "2026-03-09",
                                    "notified_on": "2026-03-09"})
    case.complete("cr_window", {"objection_received": False})
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("credit_review", "leading_office")]
    case.complete("credit_review", {"credit_confirmed": False, "review_opinion": "情节轻微，不予报送"},
                  Actor("leading_office.supervisor", "leading_office"))
    assert (case.instance().outcome, case.instance().category) == ("end_sanctioned", "uncovered")


EXEMPTION_APPLICATION = {"applied_on": "2026-03-03", "village_name": "城中村", "application_reasons": "列入改造计划",
                         "applicant_contact": "街道经办人"}


def test_urban_village_exemption_is_applied_for_by_the_street_office_then_reviewed(wf, session_factory):
    """The street office of the case's town (城区街道办事处) applies as its own step; the office then reviews."""
    case = Case(wf, session_factory, case_id=1, town="chengqu")
    case.to_notice({"urban_village": True, "purpose": "rural_domestic", "in_coverage": True})
    (task,) = case.open_tasks()
    assert (task.task_spec, task.form_key, task.lane, task.department, task.title) == (
        "exemption_apply", "exemption_application", "town", "chengqu", "城中村暂缓封停申请")
    case.complete("exemption_apply", EXEMPTION_APPLICATION, Actor("chengqu.clerk", "chengqu"))
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("exemption_review", "leading_office")]
    applied = [e for e in case.events("task_completed") if e.task_spec == "exemption_apply"]
    assert applied[0].actor_department == "chengqu" and applied[0].data["village_name"] == "城中村"


def test_urban_village_exemption_approved_and_rejected(wf, session_factory):
    village = {"urban_village": True, "purpose": "rural_domestic", "in_coverage": True}
    approved = Case(wf, session_factory, case_id=1)
    approved.to_notice(village)
    assert [(t.task_spec, t.department) for t in approved.open_tasks()] == [("exemption_apply", "xiacun")]
    approved.complete("exemption_apply", EXEMPTION_APPLICATION, TOWN_CLERK)
    assert [(t.task_spec, t.department) for t in approved.open_tasks()] == [("exemption_review", "leading_office")]
    assert approved.instance().category == "urban_village"
    approved.complete("exemption_review", {"exemption_approved": True, "review_opinion": "同意暂缓",
                                           "next_review_on": "2026-09-01"})
    # Exempt for now, reviewed again on the date set (tests/engine/test_field_work.py follows it).
    assert approved.steps() == [] and approved.instance().status == "running"
    assert approved.instance().category == "urban_village"

    rejected = Case(wf, session_factory, case_id=2)
    rejected.to_notice(village)
    rejected.complete("exemption_apply", EXEMPTION_APPLICATION, TOWN_CLERK)
    rejected.complete("exemption_review", {"exemption_approved": False, "review_opinion": "不符合条件"})
    assert rejected.steps() == ["notice"]


def test_deadline_expiry_fired_by_the_timer_sweep(wf, session_factory, fixed_clock):
    case = Case(wf, session_factory)
    case.to_notice()
    case.complete("notice", NOTICE)
    assert run_once(wf, session_factory) == 0  # not due yet: nothing moves
    assert case.steps() == ["rectify_report"]

    fixed_clock.move_to(datetime(2026, 3, 9, 16, 0, 1, tzinfo=timezone.utc))  # 00:00:01 on 10 March in China
    assert run_once(wf, session_factory) == 1
    assert case.steps() == ["recheck"]
    (fired,) = case.events("timer_fired")
    assert fired.task_spec == "deadline_timer" and fired.actor == "system"
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Timer)) == 0
    assert run_once(wf, session_factory) == 0  # a second sweep finds nothing left to fire


def test_deadline_already_past_when_notice_is_recorded(wf, session_factory, fixed_clock):
    case = Case(wf, session_factory)
    case.to_notice()
    fixed_clock.move_to(datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc))
    case.complete("notice", NOTICE)  # served on 2 March, 5 working days: long expired
    assert case.steps() == ["recheck"]
    (fired,) = case.events("timer_fired")  # the expiry is on the record even without a sweep
    assert fired.task_spec == "deadline_timer" and fired.data["due"] == "2026-03-09T23:59:59+08:00"
    assert [e.kind for e in case.events()][-3:] == ["task_completed", "timer_fired", "task_created"]


def test_stale_form_is_refused_and_nothing_changes(wf, session_factory):
    case = Case(wf, session_factory)
    (task,) = case.open_tasks()
    version = case.instance().version
    with session_factory() as s, s.begin():
        with pytest.raises(StaleForm):
            wf.complete(s, task.task_guid, {"signed_on": "2026-03-02"}, TOWN_CLERK, expected_version=version - 1)
    assert case.instance().version == version
    assert case.steps() == ["commitment"]
    assert [e.kind for e in case.events()] == ["started", "task_created"]


def test_completing_twice_says_who_handled_it(wf, session_factory):
    case = Case(wf, session_factory)
    (task,) = case.open_tasks()
    case.complete("commitment", {"signed_on": "2026-03-02"}, TOWN_CLERK)
    with session_factory() as s, s.begin():
        with pytest.raises(TaskAlreadyHandled) as info:
            wf.complete(s, task.task_guid, {"signed_on": "2026-03-02"}, TOWN_CLERK)
    assert info.value.actor == "xiacun.clerk"
    assert "xiacun.clerk" in str(info.value) and "2026-03-02 18:00" in str(info.value)


def test_audit_records_completed_values(wf, session_factory):
    case = Case(wf, session_factory)
    case.to_notice()
    completed = case.events("task_completed")
    assert [(e.task_spec, e.actor, e.actor_department) for e in completed] == [
        ("commitment", "xiacun.clerk", "xiacun"), ("inspect", "water.clerk", "water")]
    assert completed[1].data["findings"] == INSPECTION["findings"]
    assert completed[1].case_id == 1


def test_instance_keeps_its_diagram_version(wf, session_factory, loaded_specs):
    """An instance started on an older diagram version is restored with that version's spec."""
    from engine import Engine, specs

    case = Case(wf, session_factory)
    changed = dict(loaded_specs.files)
    changed["well_case.bpmn"] = changed["well_case.bpmn"].replace("签订承诺书", "签订承诺书（新版）")
    newer = Engine(specs.load(changed), audit_key=wf.audit_key)
    assert newer.current.version != loaded_specs.version
    (task,) = case.open_tasks()
    with session_factory() as s, s.begin():
        newer.complete(s, task.task_guid, {"signed_on": "2026-03-02"}, TOWN_CLERK)
    assert case.instance().spec_version == loaded_specs.version
    assert case.steps() == ["inspect"]


def test_a_case_that_cannot_advance_does_not_stop_the_other_timers(wf, session_factory, fixed_clock,
                                                                   monkeypatch):
    first, second = Case(wf, session_factory, case_id=1), Case(wf, session_factory, case_id=2)
    for case in (first, second):
        case.to_notice()
        case.complete("notice", NOTICE)
    real_advance = wf.advance

    def advance(session, instance_id, *args, **kwargs):
        if instance_id == first.instance_id:
            raise RuntimeError("connection lost")
        return real_advance(session, instance_id, *args, **kwargs)

    monkeypatch.setattr(wf, "advance", advance)
    fixed_clock.move_to(datetime(2026, 3, 10, 2, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1  # the second case's deadline fired all the same
    assert first.steps() == ["rectify_report"] and second.steps() == ["recheck"]


def test_completion_rechecks_department_and_claim_under_the_lock(wf, session_factory):
    """The page checked the user's rights a moment ago; a move or a claim since is caught under the lock."""
    from engine import assignment

    case = Case(wf, session_factory)
    (task,) = case.open_tasks()
    with session_factory() as s, s.begin():
        assignment.claim(wf, s, task.task_guid, Actor("xiacun.clerk2", "xiacun"))
    for kwargs, error, message in [({"departments": ("water",)}, TaskAlreadyHandled, "由 xiacun 办理"),
                                   ({"departments": ("xiacun",)}, TaskTaken, "已由 xiacun.clerk2 于 .* 认领")]:
        with session_factory() as s, s.begin(), pytest.raises(error, match=message):
            wf.complete(s, task.task_guid, {}, TOWN_CLERK, **kwargs)
    assert case.steps() == ["commitment"]
    with session_factory() as s, s.begin():  # the head may take a colleague's claimed task over
        wf.complete(s, task.task_guid, {}, TOWN_CLERK, departments=("xiacun",), may_take_over=True)
    assert case.steps() == ["inspect"]


def test_the_open_tasks_a_step_wrote_are_kept_for_its_transaction_as_the_table_has_them(wf, session_factory):
    """What the next step's message and the new tasks' reminders read instead of the table: the rows as the
    step wrote them, in the table's order (created_at, id), each column equal; forgotten when a savepoint
    that wrote them is rolled back, or a claim changes them."""
    from engine import assignment, persist

    columns = [c.name for c in OpenTask.__table__.c]

    def table(s, instance_id):
        return [dict(r._mapping) for r in s.execute(select(OpenTask.__table__).where(
            OpenTask.instance_id == instance_id).order_by(OpenTask.created_at, OpenTask.id))]

    def same(s, instance_id):
        written, rows = persist.written_open_tasks(s, instance_id), table(s, instance_id)
        assert [{k: v for k, v in w.items() if k != "id" or v is not None} for w in written] == [
            {k: r[k] for k in columns if k != "id" or w["id"] is not None} for w, r in zip(written, rows)]
        assert len(written) == len(rows)
        return rows

    case = Case(wf, session_factory)
    (task,) = case.open_tasks()
    with session_factory() as s, s.begin():
        wf.complete(s, task.task_guid, {"signed_on": "2026-03-02", "signatory": "法定代表人"}, TOWN_CLERK)
        assert [r["task_spec"] for r in same(s, case.instance_id)] == ["inspect"]
    (task,) = case.open_tasks()
    with session_factory() as s, s.begin():
        wf.complete(s, task.task_guid, {**INSPECTION}, WATER)
        rows = same(s, case.instance_id)
        assert [r["task_spec"] for r in rows] == ["notice"]
        savepoint = s.begin_nested()
        wf.complete(s, rows[0]["task_guid"], {**NOTICE}, WATER)
        savepoint.rollback()
        assert persist.written_open_tasks(s, case.instance_id) is None
    assert persist.written_open_tasks(s, case.instance_id) is None  # the transaction is over
    with session_factory() as s, s.begin():
        (notice,) = [t for t in case.open_tasks() if t.task_spec == "notice"]
        wf.complete(s, notice.task_guid, {**NOTICE}, WATER)
        rows = same(s, case.instance_id)
        assert [r["task_spec"] for r in rows] == ["rectify_report"] and rows[0]["due_at"] is not None
        assignment.claim(wf, s, rows[0]["task_guid"], WATER)
        assert persist.written_open_tasks(s, case.instance_id) is None
