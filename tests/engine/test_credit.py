"""The credit sanction and repair (bpmn/credit.bpmn) called after the penalty, on the real diagrams."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from case_driver import INSPECTION, CaseDriver

from engine import Actor
from engine.timers import run_once

TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 2 March 2026, 10:00 in China
OFFICE = Actor("leading_office.supervisor", "leading_office")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


class Case(CaseDriver):
    def to_credit(self):
        self.complete("commitment")
        self.complete("inspect", INSPECTION)
        self.complete("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})
        self.complete("rectify_report")
        self.complete("supply_connection")
        self.complete("seal_well", {"seal_obstructed": False})
        self.complete("seal_acceptance", {"seal_accepted": True})
        self.complete("recheck", {"recheck_passed": False})
        self.complete("pen_filing", {"filed_on": "2026-03-02"})
        self.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
        self.complete("credit_record", {"recorded_on": "2026-03-02", "notified_on": "2026-03-02"})


def test_objection_window_closing_sends_the_record_to_review_and_repair_follows(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.to_credit()
    # 7 working days from Monday 2 March: Wednesday 11 March, 24:00 China time.
    assert case.timers() == [("cr_window_timer", datetime(2026, 3, 11, 15, 59, 59, tzinfo=timezone.utc))]
    assert case.tasks()["cr_window"].due_at == datetime(2026, 3, 11, 15, 59, 59, tzinfo=timezone.utc)
    clock.move_to(datetime(2026, 3, 12, 1, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("credit_review", "leading_office")]
    case.complete("credit_review", {"credit_confirmed": True}, OFFICE)
    instance = case.instance()
    assert (instance.status, instance.waiting_for, case.tasks()) == ("running", "credit_repair_applied", {})
    with session_factory() as s, s.begin():
        wf.correlate(s, case.id, "credit_repair_applied", {"applied_on": "2026-03-12"})
    case.complete("cr_repair", {"repair_approved": False})  # not yet: waits for the next application
    assert case.instance().waiting_for == "credit_repair_applied"
    with session_factory() as s, s.begin():
        wf.correlate(s, case.id, "credit_repair_applied", {"applied_on": "2026-03-20"})
    case.complete("cr_repair", {"repair_approved": True})
    assert (case.instance().status, case.instance().outcome) == ("completed", "end_sanctioned")


def test_an_upheld_objection_withdraws_the_record(wf, session_factory):
    case = Case(wf, session_factory)
    case.to_credit()
    case.complete("cr_window", {"objection_received": True, "objection_received_on": "2026-03-03"})
    task = case.tasks()["cr_objection_handling"]
    assert task.due_at == datetime(2026, 3, 12, 15, 59, 59, tzinfo=timezone.utc)  # 7 working days
    case.complete("cr_objection_handling", {"objection_upheld": True})
    assert case.instance().status == "completed" and case.tasks() == {}


def test_a_rejected_objection_goes_to_review_and_a_late_handling_is_recorded(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.to_credit()
    case.complete("cr_window", {"objection_received": True, "objection_received_on": "2026-03-03"})
    clock.move_to(datetime(2026, 3, 13, 1, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1  # non-interrupting: the step stays, the lateness is on record
    assert list(case.tasks()) == ["cr_objection_handling"]
    case.complete("cr_objection_handling", {"objection_upheld": False})
    assert list(case.tasks()) == ["credit_review"]
