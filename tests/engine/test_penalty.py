"""The administrative penalty (bpmn/penalty.bpmn) run through every branch with persistence, no Flask.

The clock is fixed in March 2026 (the holiday data ends with 2026); deadlines are checked against the
working-day calendar and fired by the timer sweep, as in production.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import Actor
from engine.tables import Event, Instance, OpenTask, Timer
from engine.timers import run_once

TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 2 March 2026, 10:00 in China
WATER, JUSTICE = Actor("water.clerk", "water"), Actor("justice.clerk", "justice")
OFFICE, ENFORCEMENT = Actor("leading_office.supervisor", "leading_office"), Actor("enforcement.clerk", "enforcement")


def china(y, m, d):
    """The end of a deadline day (23:59:59 China time) as the UTC datetime the index stores."""
    return datetime(y, m, d, 15, 59, 59, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


class Penalty:
    """One penalty started directly, driven one transaction per step as the web layer does."""

    def __init__(self, wf, session_factory, party_kind="enterprise", case_id=1):
        self.wf, self.factory = wf, session_factory
        with self.factory() as s, s.begin():
            self.instance_id = wf.start(s, "penalty", case_id, {"town": "xiacun", "well_no": "XC-001"},
                                        data={"party_kind": party_kind, "well_no": "XC-001",
                                              "findings": "未经批准擅自取用地下水"}).id

    def open_tasks(self):
        with self.factory() as s:
            return list(s.scalars(select(OpenTask).where(OpenTask.instance_id == self.instance_id)))

    def steps(self):
        return sorted(t.task_spec for t in self.open_tasks())

    def task(self, spec):
        (task,) = [t for t in self.open_tasks() if t.task_spec == spec]
        return task

    def complete(self, spec, data=None, actor=WATER):
        task = self.task(spec)
        with self.factory() as s, s.begin():
            self.wf.complete(s, task.task_guid, data or {}, actor)

    def instance(self):
        with self.factory() as s:
            return s.get(Instance, self.instance_id)

    def data(self):
        """The process's data when it has finished (what a calling diagram receives)."""
        with self.factory() as s:
            return self.wf.load(s, s.get(Instance, self.instance_id)).last_task.data

    def timers(self):
        with self.factory() as s:
            rows = s.scalars(select(Timer).where(Timer.instance_id == self.instance_id))
            return {t.task_spec: t.due_at for t in rows}

    def fired(self):
        with self.factory() as s:
            return [e.task_spec for e in s.scalars(select(Event).where(
                Event.instance_id == self.instance_id, Event.kind == "timer_fired").order_by(Event.id))]

    # -- the usual steps --------------------------------------------------------------------------

    def to_prior_notice(self, filed_on="2026-03-02"):
        self.complete("pen_filing", {"filed_on": filed_on})
        self.complete("pen_investigation", {"investigation_conclusion": "penalty"})
        self.complete("pen_legal_review", {"review_passed": True}, JUSTICE)

    def notify(self, fine=50_000, basis="water_law_69", served="2026-03-02"):
        self.complete("pen_prior_notice", {"prior_legal_basis": basis, "proposed_fine": fine,
                                           "prior_notice_served_on": served})

    def decide(self, fine=50_000, decided="2026-03-02"):
        self.complete("pen_decision", {"decided_on": decided, "decision_kind": "penalty", "fine_amount": fine})

    def to_payment(self, fine=50_000, served="2026-03-02"):
        self.to_prior_notice()
        self.notify(fine)
        self.complete("pen_statement", {"statement_made": False, "hearing_requested": False})
        self.decide(fine)
        self.complete("pen_service", {"decision_served_on": served})


def test_no_hearing_paid_on_time_and_well_sealed(wf, session_factory):
    case = Penalty(wf, session_factory)
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("pen_filing", "water")]
    case.complete("pen_filing", {"filed_on": "2026-03-02"})
    # The 90 days of 行政处罚法 Art 60 run from filing: 31 May 2026 is a Sunday, so Monday 1 June.
    assert case.timers() == {"pen_decision_timer": china(2026, 6, 1)}
    case.complete("pen_investigation", {"investigation_conclusion": "penalty"})
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("pen_legal_review", "justice")]
    case.complete("pen_legal_review", {"review_passed": True}, JUSTICE)
    case.notify()
    # Five working days for statement and a hearing request: Monday 2 March -> Monday 9 March.
    assert case.task("pen_statement").due_at == china(2026, 3, 9)
    case.complete("pen_statement", {"statement_made": True, "hearing_requested": False})
    case.decide(decided="2026-03-02")
    assert case.timers() == {"pen_service_timer": china(2026, 3, 11)}  # service within 7 working days
    assert case.task("pen_service").due_at == china(2026, 3, 11)
    case.complete("pen_service", {"decision_served_on": "2026-03-02"})
    assert case.task("pen_payment").due_at == china(2026, 3, 17)  # 15 calendar days from service
    case.complete("pen_payment", {"paid_on": "2026-03-10", "paid_amount": 50_000.0, "receipt_no": "FS-001"})
    assert case.steps() == ["pen_seal_check"]
    case.complete("pen_seal_check", {"well_sealed": True})
    assert (case.instance().status, case.instance().outcome) == ("completed", "pen_end_done")
    data = case.data()
    assert (data["penalty_outcome"], data["late_fee"], data["fine_paid"]) == ("paid", 0, True)
    assert case.fired() == [] and case.timers() == {}


def test_hearing_requested_below_the_threshold_is_not_held(wf, session_factory):
    case = Penalty(wf, session_factory, party_kind="enterprise")
    case.to_prior_notice()
    case.notify(fine=50_000)  # an enterprise's hearing threshold is 80,000 yuan
    case.complete("pen_statement", {"statement_made": True, "hearing_requested": True})
    assert case.steps() == ["pen_decision"]
    case.decide()
    case.complete("pen_service", {"decision_served_on": "2026-03-02"})
    case.complete("pen_payment", {"paid_on": "2026-03-02", "paid_amount": 50_000.0})
    case.complete("pen_seal_check", {"well_sealed": True})
    assert case.data()["hearing_refused"] is True


@pytest.mark.parametrize("kind, fine, basis", [("enterprise", 200_000, "gw_regulation_56"),
                                               ("individual", 20_000, "water_law_69")])
def test_hearing_requested_at_or_above_the_threshold_is_held(wf, session_factory, kind, fine, basis):
    case = Penalty(wf, session_factory, party_kind=kind)
    case.to_prior_notice()
    case.notify(fine=fine, basis=basis)
    case.complete("pen_statement", {"statement_made": True, "hearing_requested": True})
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("pen_hearing_notice", "water")]
    case.complete("pen_hearing_notice", {"hearing_notified_on": "2026-03-02", "hearing_date": "2026-03-11"})
    case.complete("pen_hearing", {"hearing_held_on": "2026-03-11", "party_attended": True})
    assert case.steps() == ["pen_decision"]


def test_statement_window_closing_unanswered_goes_to_the_decision(wf, session_factory, fixed_clock):
    case = Penalty(wf, session_factory)
    case.to_prior_notice()
    case.notify(served="2026-03-02")
    assert run_once(wf, session_factory) == 0
    fixed_clock.move_to(datetime(2026, 3, 9, 16, 0, 1, tzinfo=timezone.utc))  # 00:00:01 on 10 March in China
    assert run_once(wf, session_factory) == 1
    assert case.steps() == ["pen_decision"] and case.fired() == ["pen_statement_timer"]
    case.decide(decided="2026-03-10")
    case.complete("pen_service", {"decision_served_on": "2026-03-10"})
    case.complete("pen_payment", {"paid_on": "2026-03-10", "paid_amount": 50_000.0})
    case.complete("pen_seal_check", {"well_sealed": True})
    data = case.data()
    assert (data["statement_waived"], data["hearing_requested"]) == (True, False)


def test_paid_late_with_the_surcharge_computed(wf, session_factory, fixed_clock):
    case = Penalty(wf, session_factory)
    case.to_payment(fine=50_000, served="2026-03-02")  # due Tuesday 17 March
    fixed_clock.move_to(datetime(2026, 3, 18, 2, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    assert case.steps() == ["pen_late_payment"] and case.fired() == ["pen_payment_timer"]
    case.complete("pen_late_payment", {"fine_paid": True, "paid_on": "2026-03-20", "paid_amount": 54_500.0})
    case.complete("pen_seal_check", {"well_sealed": True})
    data = case.data()
    # Three days late: 3 % of 50,000 yuan a day.
    assert (data["penalty_outcome"], data["late_fee"], data["payment_due_on"]) == (
        "paid", 4_500, "2026-03-17T23:59:59+08:00")


def test_unpaid_and_unsealed_well_is_sealed_on_the_owners_behalf(wf, session_factory, fixed_clock):
    case = Penalty(wf, session_factory)
    case.to_payment()
    fixed_clock.move_to(datetime(2026, 3, 18, 2, tzinfo=timezone.utc))
    run_once(wf, session_factory)
    case.complete("pen_late_payment", {"fine_paid": False, "court_applied_on": "2026-03-18"})
    case.complete("pen_seal_check", {"well_sealed": False})
    case.complete("pen_reminder", {"reminder_served_on": "2026-03-18", "reminder_days": 3})
    assert case.steps() == [] and case.timers() == {"pen_reminder_timer": china(2026, 3, 23)}  # 3 working days
    fixed_clock.move_to(datetime(2026, 3, 23, 16, 0, 1, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    case.complete("pen_substitute_decision", {"party_performed": False, "substitute_date": "2026-03-27"})
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [("pen_substitute_sealing", "enforcement")]
    case.complete("pen_substitute_sealing", {"substitute_sealed_on": "2026-03-27"}, ENFORCEMENT)
    assert case.instance().outcome == "pen_end_enforced"
    data = case.data()
    assert (data["penalty_outcome"], data["substitute_sealed"], data["fine_paid"]) == ("enforced", True, False)
    assert "late_fee" not in data


def test_owner_who_seals_after_the_reminder_needs_no_substitute(wf, session_factory, fixed_clock):
    case = Penalty(wf, session_factory)
    case.to_payment()
    case.complete("pen_payment", {"paid_on": "2026-03-02", "paid_amount": 50_000.0})
    case.complete("pen_seal_check", {"well_sealed": False})
    case.complete("pen_reminder", {"reminder_served_on": "2026-03-02", "reminder_days": 5})
    fixed_clock.move_to(datetime(2026, 3, 10, 2, tzinfo=timezone.utc))
    run_once(wf, session_factory)
    case.complete("pen_substitute_decision", {"party_performed": True})
    assert (case.instance().outcome, case.data()["penalty_outcome"]) == ("pen_end_done", "paid")


def test_no_penalty_after_investigation_and_review_returned_for_more(wf, session_factory):
    case = Penalty(wf, session_factory)
    case.complete("pen_filing", {"filed_on": "2026-03-02"})
    case.complete("pen_investigation", {"investigation_conclusion": "penalty"})
    case.complete("pen_legal_review", {"review_passed": False}, JUSTICE)
    assert case.steps() == ["pen_investigation"]  # 退回补充调查
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    assert (case.instance().outcome, case.data()["penalty_outcome"]) == ("pen_end_no_penalty", "no_penalty")
    assert case.timers() == {}


def test_decision_of_no_penalty_after_the_statement(wf, session_factory):
    case = Penalty(wf, session_factory)
    case.to_prior_notice()
    case.notify()
    case.complete("pen_statement", {"statement_made": True, "hearing_requested": False})
    case.complete("pen_decision", {"decided_on": "2026-03-02", "decision_kind": "no_penalty"})
    assert case.data()["penalty_outcome"] == "no_penalty"


def test_ninety_days_without_a_decision_raise_a_supervision_task(wf, session_factory, fixed_clock):
    case = Penalty(wf, session_factory)
    case.complete("pen_filing", {"filed_on": "2026-03-02"})
    fixed_clock.move_to(datetime(2026, 6, 1, 16, 0, 1, tzinfo=timezone.utc))  # 2 June in China
    assert run_once(wf, session_factory) == 1
    # The investigation goes on; the leading office is asked to supervise it (non-interrupting).
    assert [(t.task_spec, t.department) for t in case.open_tasks()] == [
        ("pen_investigation", "water"), ("pen_overdue_review", "leading_office")]
    case.complete("pen_overdue_review", {"overdue_measure": "urged"}, OFFICE)
    case.complete("pen_investigation", {"investigation_conclusion": "penalty"})
    case.complete("pen_legal_review", {"review_passed": True}, JUSTICE)
    case.notify(served="2026-06-02")
    assert case.fired() == ["pen_decision_timer"]


def test_a_case_closed_while_supervision_is_open_withdraws_it(wf, session_factory, fixed_clock):
    case = Penalty(wf, session_factory)
    case.complete("pen_filing", {"filed_on": "2026-03-02"})
    fixed_clock.move_to(datetime(2026, 6, 2, 2, tzinfo=timezone.utc))
    run_once(wf, session_factory)
    assert case.steps() == ["pen_investigation", "pen_overdue_review"]
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    # The end events of the case terminate the process: the supervision of a closed case is moot.
    assert case.steps() == [] and case.instance().status == "completed"
    assert case.data()["penalty_outcome"] == "no_penalty"


def test_late_service_is_recorded_and_the_task_stays(wf, session_factory, fixed_clock):
    case = Penalty(wf, session_factory)
    case.to_prior_notice()
    case.notify()
    case.complete("pen_statement", {"statement_made": False, "hearing_requested": False})
    case.decide(decided="2026-03-02")
    fixed_clock.move_to(datetime(2026, 3, 12, 2, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    assert case.steps() == ["pen_service"] and case.fired() == ["pen_service_timer"]
    case.complete("pen_service", {"decision_served_on": "2026-03-12"})
    assert case.task("pen_payment").due_at == china(2026, 3, 27)
