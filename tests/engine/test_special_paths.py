"""The hidden well's strict path and the licensed well's non-renewal, on the real diagrams."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from case_driver import ENFORCEMENT, INSPECTION, CaseDriver, punish_and_collect, remind_then_substitute, sealing_history

from engine import Actor
from engine.timers import run_once

TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 2 March 2026, 10:00 in China
APPROVAL = Actor("approval.clerk", "approval")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


Case = CaseDriver


SEALED = {"seal_obstructed": False, "sealed_on": "2026-03-20", "disposal_type": "standby", "seal_no": "F-1"}
ACCEPTED = {"accepted_on": "2026-03-20", "seal_accepted": True, "signatories": ["water", "enforcement"]}


def _hidden(case):
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "hidden_well": True, "has_permit": True})
    assert case.instance().category == "hidden"
    assert list(case.tasks()) == ["pen_filing"]  # the penalty before anything else


def test_a_hidden_well_is_punished_first_then_sealed(wf, session_factory):
    case = Case(wf, session_factory)
    _hidden(case)
    case.complete("pen_filing", {"filed_on": "2026-03-02"})
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    # Nothing sealed by a penalty: the notice and the sealing path, whatever the permit.
    assert list(case.tasks()) == ["notice"]
    case.complete("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})
    case.complete("rectify_report")
    assert list(case.tasks()) == ["supply_connection"]
    case.complete("supply_connection")
    case.complete("seal_well", SEALED, ENFORCEMENT)
    case.complete("seal_acceptance", ACCEPTED)
    assert list(case.tasks()) == ["recheck"]
    assert sealing_history(session_factory, case.id) == [("seal", "seal_well"), ("accept", "seal_acceptance")]


def test_a_hidden_well_sealed_on_the_owners_behalf_is_accepted_not_sealed_again(wf, session_factory, clock):
    """The penalty's 代履行封井 is the well's sealing: the case goes to 封井验收, never to a second 封井."""
    case = Case(wf, session_factory)
    _hidden(case)
    punish_and_collect(case, "2026-03-02")
    remind_then_substitute(case, clock, TODAY)
    assert [(t.task_spec, t.department, t.form_key) for t in case.tasks().values()] == [
        ("seal_acceptance", "water", "seal_acceptance")]
    case.complete("seal_acceptance", ACCEPTED)
    case.complete("recheck", {"recheck_passed": True})
    assert case.tasks() == {} and [spec for spec, _ in case.timers()] == ["patrol_timer"]  # a sealed well
    assert sealing_history(session_factory, case.id) == [("seal", "pen_substitute_sealing"),
                                                         ("accept", "seal_acceptance")]


def test_a_hidden_well_its_owner_sealed_is_accepted_and_a_failed_acceptance_sealed_once_more(
        wf, session_factory, clock):
    case = Case(wf, session_factory)
    _hidden(case)
    punish_and_collect(case, "2026-03-02")
    remind_then_substitute(case, clock, TODAY, owner_sealed=True)  # sealed by the owner within the 催告
    assert list(case.tasks()) == ["seal_acceptance"]
    case.complete("seal_acceptance", {**ACCEPTED, "seal_accepted": False})
    # Not up to DB37/T 4634-2023: the enforcement bureau seals it properly, and that sealing is accepted.
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("seal_well", "enforcement")]
    case.complete("seal_well", SEALED, ENFORCEMENT)
    case.complete("seal_acceptance", ACCEPTED)
    assert list(case.tasks()) == ["recheck"]
    assert sealing_history(session_factory, case.id) == [
        ("seal", "pen_substitute_decision"), ("accept", "seal_acceptance"),
        ("seal", "seal_well"), ("accept", "seal_acceptance")]


def test_a_hidden_well_found_sealed_at_the_penalty_check_is_accepted(wf, session_factory):
    case = Case(wf, session_factory)
    _hidden(case)
    punish_and_collect(case, "2026-03-02")
    case.complete("pen_seal_check", {"seal_checked_on": "2026-03-02", "well_sealed": True})
    assert list(case.tasks()) == ["seal_acceptance"]
    assert sealing_history(session_factory, case.id) == [("seal", "pen_seal_check")]


def test_a_hidden_well_reported_at_registration_is_strict_too(wf, session_factory):
    case = Case(wf, session_factory, hidden_well=True)
    case.complete("commitment")
    inspection = {k: v for k, v in INSPECTION.items() if k != "hidden_well"}  # not asked again
    case.complete("inspect", inspection)
    assert list(case.tasks()) == ["pen_filing"]


def test_a_licensed_well_in_the_coverage_gets_no_renewal_and_is_sealed_at_expiry(wf, session_factory, clock):
    case = Case(wf, session_factory, permit_valid_to="2026-06-30")
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "has_permit": True, "has_meter": False})
    assert case.instance().category == "covered_licensed"
    case.complete("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})  # meter and tax meanwhile
    case.complete("rectify_report")
    # The decision falls due 60 days before the expiry (1 May, 00:00 China time), ahead of 行政许可法 Art 50.
    assert case.tasks() == {} and case.timers() == [("nr_due_timer", datetime(2026, 4, 30, 16, tzinfo=timezone.utc))]
    clock.move_to(datetime(2026, 5, 1, 1, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    (task,) = case.tasks().values()
    assert (task.task_spec, task.department, task.form_key) == ("nr_decision", "approval", "non_renewal")
    case.complete("nr_decision", {"permit_no": "取水（鲁威乳）字[2021]第009号", "permit_expires_on": "2026-06-30",
                                  "decided_on": "2026-05-01"}, APPROVAL)
    assert case.timers() == [("nr_expiry_timer", datetime(2026, 6, 30, 16, tzinfo=timezone.utc))]
    clock.move_to(datetime(2026, 7, 1, 1, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("supply_connection", "water_group")]


def test_a_permit_of_unknown_expiry_raises_the_decision_at_once(wf, session_factory):
    case = Case(wf, session_factory)  # no permit expiry known at registration
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "has_permit": True})
    case.complete("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})
    case.complete("rectify_report")
    assert list(case.tasks()) == ["nr_decision"]  # the form asks for the expiry date
