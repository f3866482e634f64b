"""Supervisor overrides on the real diagram: deadlines, skip, reset/re-open, suspend/resume, cancel."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from engine import Actor, StaleForm, TaskAlreadyHandled, WorkflowFailure, overrides
from engine.errors import StepDataMissing
from engine.overrides import OverrideRefused
from engine.tables import Event, Instance, OpenTask, Timer
from engine.timers import run_once

SUPERVISOR = Actor("leading_office.supervisor", "leading_office")
WATER = Actor("water.clerk", "water")
INSPECTION = {"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False,
              "obstructed": False, "hidden_well": False}
# What registration starts every case with (webapp.cases.service.register_case): no obstruction yet.
START = {"obstructed": False, "hidden_well": False, "seal_obstructed": False, "patrol_days": 90}
NOTICE = {"notice_served_on": "2026-03-02", "rectify_days": 5}  # due Monday 9 March 2026, 24:00 China time


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=False) as traveller:
        yield traveller


class Case:
    def __init__(self, wf, factory):
        self.wf, self.factory = wf, factory
        with factory() as s, s.begin():
            self.id = wf.start(s, "well_case", 1, {"town": "xiacun"}, data={**START, "in_coverage": True,
                                                                           "has_permit": False,
                                                                           "purpose": "industrial",
                                                                           "urban_village": False}).id

    def tasks(self):
        with self.factory() as s:
            return {t.task_spec: t for t in s.scalars(select(OpenTask).where(OpenTask.instance_id == self.id))}

    def instance(self):
        with self.factory() as s:
            return s.get(Instance, self.id)

    def complete(self, spec, data=None):
        with self.factory() as s, s.begin():
            self.wf.complete(s, self.tasks()[spec].task_guid, data or {}, WATER)

    def override(self, operation, *args, **kwargs):
        with self.factory() as s, s.begin():
            operation(self.wf, s, *args, actor=SUPERVISOR, **kwargs)

    def overrides(self):
        with self.factory() as s:
            return [e.data for e in s.scalars(select(Event).where(Event.kind == "override").order_by(Event.id))]

    def to_report(self):
        self.complete("commitment")
        self.complete("inspect", INSPECTION)
        self.complete("notice", NOTICE)
        return self.tasks()["rectify_report"]


def timers(factory):
    with factory() as s:
        return list(s.scalars(select(Timer)))


def test_extend_a_deadline_moves_the_timer_and_the_inbox_due_date(wf, session_factory, clock):
    case = Case(wf, session_factory)
    report = case.to_report()
    new_due = datetime(2026, 3, 20, 15, 59, 59, tzinfo=timezone.utc)
    case.override(overrides.set_deadline, report.task_guid, new_due, reason="用户申请延期，已提交施工合同")
    assert case.tasks()["rectify_report"].due_at == new_due
    (timer,) = timers(session_factory)
    assert timer.due_at == new_due
    # China time in words for the record, the instants beside them.
    assert case.overrides() == [{"type": "deadline", "reason": "用户申请延期，已提交施工合同",
                                 "before": "2026年3月9日 23:59", "after": "2026年3月20日 23:59",
                                 "before_at": "2026-03-09T15:59:59+00:00", "after_at": new_due.isoformat()}]
    clock.move_to(datetime(2026, 3, 10, 2, tzinfo=timezone.utc))  # past the old deadline
    assert run_once(wf, session_factory) == 0
    assert "rectify_report" in case.tasks()
    clock.move_to(datetime(2026, 3, 21, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    assert list(case.tasks()) == ["recheck"]


def test_shorten_a_deadline_into_the_past_expires_it_now(wf, session_factory):
    case = Case(wf, session_factory)
    report = case.to_report()
    case.override(overrides.set_deadline, report.task_guid, datetime(2026, 3, 1, tzinfo=timezone.utc),
                  reason="用户明确拒绝整改")
    assert list(case.tasks()) == ["recheck"]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "timer_fired")) == 1


def test_deadline_of_a_task_without_one_is_refused(wf, session_factory):
    case = Case(wf, session_factory)
    with pytest.raises(OverrideRefused, match="没有办理期限"):
        case.override(overrides.set_deadline, case.tasks()["commitment"].task_guid,
                      datetime(2026, 4, 1, tzinfo=timezone.utc), reason="试试")


def test_skip_completes_without_the_form(wf, session_factory):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.override(overrides.skip, case.tasks()["inspect"].task_guid, reason="已由执法大队另案检查")
    # Classification used the registration's data: covered and unlicensed, so a notice follows.
    assert list(case.tasks()) == ["notice"]
    assert case.overrides()[0]["type"] == "skip"


def test_skip_that_leaves_a_decision_without_its_data_is_refused_and_changes_nothing(wf, session_factory):
    case = Case(wf, session_factory)
    report = case.to_report()
    case.complete("rectify_report")
    case.complete("supply_connection")
    case.complete("seal_well")
    case.complete("seal_acceptance", {"seal_accepted": True})
    version = case.instance().version
    with pytest.raises(WorkflowFailure, match="recheck_passed"):
        case.override(overrides.skip, case.tasks()["recheck"].task_guid, reason="跳过")
    assert case.instance().version == version and list(case.tasks()) == ["recheck"]
    assert report.task_guid not in {t.task_guid for t in case.tasks().values()}


def test_reset_to_an_earlier_step_and_reopen_a_finished_case(wf, session_factory):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", INSPECTION)
    with session_factory() as s:
        inspect_guid = s.scalar(select(Event.task_guid).where(Event.kind == "task_completed",
                                                              Event.task_spec == "inspect"))
    case.override(overrides.reset, case.id, inspect_guid, reason="检查笔录有误，需重新检查")
    assert list(case.tasks()) == ["inspect"]
    # Finish the case (a failed recheck: credit sanction), then re-open it at the recheck.
    case.complete("inspect", {**INSPECTION, "in_coverage": False, "purpose": "agricultural"})
    case.complete("notice", NOTICE)
    case.complete("rectify_report")
    case.complete("permit_approval", {"permit_approved": False})
    case.complete("recheck", {"recheck_passed": False})
    case.complete("pen_filing", {"filed_on": "2026-03-02"})
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    case.complete("credit_record", {"notified_on": "2026-03-02"})
    case.complete("cr_window", {"objection_received": False})
    case.complete("credit_review", {"credit_confirmed": False})
    assert (case.instance().status, case.instance().outcome) == ("completed", "end_sanctioned")
    with session_factory() as s:
        recheck_guid = s.scalar(select(Event.task_guid).where(Event.kind == "task_completed",
                                                              Event.task_spec == "recheck"))
    case.override(overrides.reset, case.id, recheck_guid, reason="复议撤销了信用惩戒")
    instance = case.instance()
    assert (instance.status, instance.outcome, instance.completed_at) == ("running", None, None)
    assert list(case.tasks()) == ["recheck"]


def test_suspend_and_resume(wf, session_factory, clock):
    case = Case(wf, session_factory)
    report = case.to_report()
    case.override(overrides.suspend, case.id, reason="用户涉诉，等待法院裁定")
    assert case.tasks() == {} and timers(session_factory) == []
    assert case.instance().status == "suspended"
    with session_factory() as s, s.begin(), pytest.raises(Exception):
        wf.complete(s, report.task_guid, {}, WATER)
    clock.move_to(datetime(2026, 3, 10, 2, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 0  # a suspended case's timers do not fire
    case.override(overrides.resume, case.id, reason="法院已裁定")
    # The deadline passed during the suspension: it fires on resuming, not at some later sweep.
    assert list(case.tasks()) == ["recheck"] and timers(session_factory) == []


def test_resume_before_the_deadline_brings_back_task_and_timer(wf, session_factory):
    case = Case(wf, session_factory)
    report = case.to_report()
    case.override(overrides.suspend, case.id, reason="等待鉴定")
    case.override(overrides.resume, case.id, reason="鉴定完成")
    tasks = case.tasks()
    assert list(tasks) == ["rectify_report"] and tasks["rectify_report"].task_guid == report.task_guid
    assert tasks["rectify_report"].due_at == report.due_at
    (timer,) = timers(session_factory)
    assert timer.due_at == report.due_at
    assert [d["type"] for d in case.overrides()] == ["suspend", "resume"]


def test_cancel_then_reopen(wf, session_factory):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.override(overrides.cancel, case.id, reason="重复登记，见案件 2")
    assert case.tasks() == {} and case.instance().status == "cancelled"
    with pytest.raises(OverrideRefused, match="已经结束"):
        case.override(overrides.cancel, case.id, reason="再撤销一次")
    with session_factory() as s:
        guid = s.scalar(select(Event.task_guid).where(Event.kind == "task_completed"))
    case.override(overrides.reset, case.id, guid, reason="登记并不重复，恢复办理")
    assert list(case.tasks()) == ["commitment"] and case.instance().status == "running"


def test_stale_or_moved_on_overrides_are_refused_and_change_nothing(wf, session_factory):
    case = Case(wf, session_factory)
    commitment = case.tasks()["commitment"]
    version = case.instance().version
    with pytest.raises(OverrideRefused, match="理由"):
        case.override(overrides.skip, commitment.task_guid, reason="  ")
    with pytest.raises(StaleForm):
        case.override(overrides.suspend, case.id, reason="x", expected_version=version - 1)
    case.complete("commitment")
    with pytest.raises(TaskAlreadyHandled, match="water.clerk"):
        case.override(overrides.skip, commitment.task_guid, reason="跳过承诺书")
    assert case.overrides() == [] and list(case.tasks()) == ["inspect"]


def test_reset_back_over_a_waiting_deadline(wf, session_factory):
    """The case waits at the report (with its deadline timer); going back to the notice drops the timer."""
    case = Case(wf, session_factory)
    case.to_report()
    with session_factory() as s:
        notice_guid = s.scalar(select(Event.task_guid).where(Event.kind == "task_completed",
                                                             Event.task_spec == "notice"))
    case.override(overrides.reset, case.id, notice_guid, reason="通知书送达方式有误，重新送达")
    assert list(case.tasks()) == ["notice"] and timers(session_factory) == []
    case.complete("notice", {**NOTICE, "notice_served_on": "2026-03-02"})
    assert list(case.tasks()) == ["rectify_report"] and len(timers(session_factory)) == 1


def test_correcting_a_suspended_case_leaves_it_where_it_is(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.to_report()
    case.override(overrides.suspend, case.id, reason="等待裁定")
    clock.move_to(datetime(2026, 3, 20, tzinfo=timezone.utc))  # the deadline passes during the suspension
    case.override(overrides.correct_data, case.id, context={"well_no": "XC-9"},
                  changes={"well.annual_volume_m3": [1e16, 12000.0]}, reason="更正井编号")
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "timer_fired")) == 0
    assert case.instance().status == "suspended" and case.tasks() == {}
    # Numbers such as 1e16 read back as sealed: the chain verifies on both databases.
    from engine import audit
    with session_factory() as s:
        assert audit.verify(s, wf.audit_key).ok


# -- skips over steps whose results later steps need ---------------------------------------------

PENALTY_PATH = [("commitment", {}), ("inspect", {**INSPECTION, "in_coverage": False, "purpose": "agricultural"}),
                ("notice", NOTICE), ("rectify_report", {}), ("permit_approval", {"permit_approved": False}),
                ("recheck", {"recheck_passed": False})]


def walk(case, steps):
    for spec, data in steps:
        case.complete(spec, data)


def english(text: str) -> bool:
    return "Error" in text or "Did you mean" in text or "evaluating" in text


@pytest.mark.parametrize("steps, spec, needed", [
    (PENALTY_PATH[:2], "notice", "notice_served_on"),
    (PENALTY_PATH[:4], "permit_approval", "permit_approved"),
    (PENALTY_PATH, "pen_filing", "filed_on"),
    (PENALTY_PATH + [("pen_filing", {"filed_on": "2026-03-02"})], "pen_investigation", "investigation_conclusion"),
])
def test_a_skip_without_the_data_later_steps_need_is_refused_in_chinese(wf, session_factory, steps, spec, needed):
    case = Case(wf, session_factory)
    walk(case, steps)
    version, guid = case.instance().version, case.tasks()[spec].task_guid
    with pytest.raises(StepDataMissing) as refused:
        case.override(overrides.skip, guid, reason="跳过")
    assert needed in str(refused.value) and "跳过而未填写表单" in str(refused.value)
    assert not english(str(refused.value)) and refused.value.names == (needed,)
    assert case.instance().version == version and guid in {t.task_guid for t in case.tasks().values()}


def test_a_skip_with_the_steps_own_data_completes_it_as_the_supervisors(wf, session_factory):
    case = Case(wf, session_factory)
    walk(case, PENALTY_PATH[:2])
    notice = case.tasks()["notice"]
    case.override(overrides.skip, notice.task_guid, reason="通知书已由执法大队当面送达", data=NOTICE)
    report = case.tasks()["rectify_report"]
    assert report.due_at == datetime(2026, 3, 9, 15, 59, 59, tzinfo=timezone.utc)  # the timer read the data
    with session_factory() as s:
        done = s.scalar(select(Event).where(Event.kind == "task_completed", Event.task_spec == "notice"))
        override = s.scalar(select(Event).where(Event.kind == "override"))
    assert (done.actor, done.title, done.data) == (SUPERVISOR.username, "下达责令限期整改通知书（督办代填）", NOTICE)
    assert override.data == {"type": "skip", "reason": "通知书已由执法大队当面送达", "filled": True, "data": NOTICE}
    # The skipped step is a reset target like any other.
    case.override(overrides.reset, case.id, notice.task_guid, reason="送达地址有误，重新送达")
    assert list(case.tasks()) == ["notice"]


def test_a_plain_skip_is_a_reset_target(wf, session_factory):
    case = Case(wf, session_factory)
    case.to_report()
    report = case.tasks()["rectify_report"]
    case.override(overrides.skip, report.task_guid, reason="当事人口头报告，现场已整改")
    assert list(case.tasks()) == ["supply_connection"]
    case.override(overrides.reset, case.id, report.task_guid, reason="需书面报告")
    assert list(case.tasks()) == ["rectify_report"]


def test_skipping_the_filing_with_its_data_starts_the_90_day_limit_which_can_be_changed(wf, session_factory):
    case = Case(wf, session_factory)
    walk(case, PENALTY_PATH)
    case.override(overrides.skip, case.tasks()["pen_filing"].task_guid, reason="已在执法系统立案",
                  data={"filed_on": "2026-03-02"})
    (limit,) = [t for t in timers(session_factory) if t.task_spec == "pen_decision_timer"]
    # 90 days from 2 March end on Sunday 31 May, moved to the next working day.
    assert limit.due_at == datetime(2026, 6, 1, 15, 59, 59, tzinfo=timezone.utc)
    # The limit belongs to no task: it is changed by its timer, here by working days from its due date.
    case.override(overrides.set_deadline, limit.task_guid, None, reason="案情复杂，经负责人批准延长",
                  working_days=10)
    (limit,) = [t for t in timers(session_factory) if t.task_spec == "pen_decision_timer"]
    # Ten working days after Monday 1 June: Monday 15 June (端午 is the 19th).
    assert limit.due_at == datetime(2026, 6, 15, 15, 59, 59, tzinfo=timezone.utc)
    event = case.overrides()[-1]
    assert (event["type"], event["before"], event["after"], event["working_days"]) == (
        "deadline", "2026年6月1日 23:59", "2026年6月15日 23:59", 10)


def test_a_deadline_needs_a_date_or_working_days(wf, session_factory):
    case = Case(wf, session_factory)
    report = case.to_report()
    with pytest.raises(OverrideRefused, match="二者选一"):
        case.override(overrides.set_deadline, report.task_guid, None, reason="延期")
    with pytest.raises(OverrideRefused, match="至少为 1"):
        case.override(overrides.set_deadline, report.task_guid, None, reason="延期", working_days=0)
    case.override(overrides.set_deadline, report.task_guid, None, reason="延期", working_days=3)
    assert case.tasks()["rectify_report"].due_at == datetime(2026, 3, 12, 15, 59, 59, tzinfo=timezone.utc)


def test_a_move_survives_a_reset_that_restarts_the_called_penalty_process(wf, session_factory):
    from engine import assignment
    case = Case(wf, session_factory)
    walk(case, PENALTY_PATH)
    with session_factory() as s, s.begin():
        assignment.move_to_department(wf, s, case.tasks()["pen_filing"].task_guid, "enforcement", SUPERVISOR,
                                      reason="由执法大队立案")
    assert case.tasks()["pen_filing"].department == "enforcement"
    with session_factory() as s:
        recheck = s.scalar(select(Event.task_guid).where(Event.kind == "task_completed", Event.task_spec == "recheck"))
    case.override(overrides.reset, case.id, recheck, reason="复查结论有误")
    case.complete("recheck", {"recheck_passed": False})
    filing = case.tasks()["pen_filing"]
    assert filing.department == "enforcement"  # the new proceedings' filing, a new task id
    reset_event = [d for d in case.overrides() if d["type"] == "reset"][0]
    assert reset_event["moves_kept"] == {"pen_filing": "enforcement"}


def test_a_penalty_steps_deadline_inside_the_called_process_is_changed_like_any_other(wf, session_factory):
    case = Case(wf, session_factory)
    walk(case, PENALTY_PATH + [("pen_filing", {"filed_on": "2026-03-02"}),
                               ("pen_investigation", {"investigation_conclusion": "penalty"}),
                               ("pen_legal_review", {"review_passed": True}),
                               ("pen_prior_notice", {"prior_legal_basis": "water_law_69", "proposed_fine": 50_000,
                                                     "prior_notice_served_on": "2026-03-02"})])
    statement = case.tasks()["pen_statement"]
    assert statement.due_at == datetime(2026, 3, 9, 15, 59, 59, tzinfo=timezone.utc)
    case.override(overrides.set_deadline, statement.task_guid, None, reason="当事人申请延长陈述期限", working_days=2)
    assert case.tasks()["pen_statement"].due_at == datetime(2026, 3, 11, 15, 59, 59, tzinfo=timezone.utc)
    assert {t.task_spec: t.due_at for t in timers(session_factory)}["pen_statement_timer"] == \
        datetime(2026, 3, 11, 15, 59, 59, tzinfo=timezone.utc)


def test_a_timer_on_a_called_process_spans_every_step_inside_it(wf):
    """The 90-day limit sits on the call of 调查、告知与决定: its steps (and those of processes it calls) are
    the steps it spans; timers on a single step are that step's own deadline and span nothing."""
    spans = overrides.spanning_timers(wf.current)
    assert set(spans) == {"pen_decision_timer"}
    assert {"pen_investigation", "pen_prior_notice", "pen_decision"} <= spans["pen_decision_timer"]
    assert "pen_filing" not in spans["pen_decision_timer"] and "pen_service" not in spans["pen_decision_timer"]
