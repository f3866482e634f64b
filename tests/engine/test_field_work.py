"""Police referral from an obstructed inspection or sealing, the patrol of sealed wells, and the
periodic review of an urban-village exemption, on the real diagram."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from case_driver import INSPECTION, CaseDriver, sealing_history
from sqlalchemy import select

from engine import Actor
from engine.tables import Event
from engine.timers import run_once

TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 2 March 2026, 10:00 in China
SEALED = {"seal_obstructed": False, "sealed_on": "2026-03-02", "disposal_type": "standby", "seal_no": "F-9"}
POLICE = {"handled_on": "2026-03-02", "police_outcome": "order_restored", "police_measures": "到场制止"}
PATROL_OK = {"patrolled_on": "2026-04-01", "patrol_obstructed": False, "seal_intact": True, "abstraction_resumed": False, "continue_patrol": True}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


class Case(CaseDriver):
    def to_sealing(self):
        self.complete("commitment")
        self.complete("inspect", INSPECTION)
        self.complete("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})
        self.complete("rectify_report")
        self.complete("supply_connection")

    def to_patrols(self):
        """Sealed, accepted and rechecked: the case waits for its first patrol."""
        self.to_sealing()
        self.complete("seal_well", SEALED)
        self.complete("seal_acceptance", {"seal_accepted": True})
        self.complete("recheck", {"recheck_passed": True})


def test_an_obstructed_inspection_goes_to_the_police_and_is_done_again(wf, session_factory):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "obstructed": True})
    (police,) = case.tasks().values()
    assert (police.task_spec, police.department, police.form_key) == ("police_inspect", "police", "police_record")
    case.complete("police_inspect", POLICE, Actor("police.clerk", "police"))
    assert list(case.tasks()) == ["inspect"]  # the task force inspects again, with the police's record
    case.complete("inspect", INSPECTION)
    assert list(case.tasks()) == ["notice"]


def test_an_obstructed_sealing_goes_to_the_police_and_the_well_is_sealed_again(wf, session_factory):
    case = Case(wf, session_factory)
    case.to_sealing()
    case.complete("seal_well", {"seal_obstructed": True, "obstruction_details": "井主阻拦"})
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("police_seal", "police")]
    case.complete("police_seal", POLICE, Actor("police.clerk", "police"))
    assert list(case.tasks()) == ["seal_well"]
    case.complete("seal_well", SEALED)
    assert list(case.tasks()) == ["seal_acceptance"]


def test_a_sealed_well_is_patrolled_on_schedule_until_the_patrols_end(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.to_patrols()
    [(spec, due)] = case.timers()
    # 30 days (the period in force at registration) after the recheck on 2 March 10:00.
    assert spec == "patrol_timer" and due == datetime(2026, 4, 1, 2, 0, tzinfo=timezone.utc)
    assert run_once(wf, session_factory) == 0 and case.tasks() == {}
    clock.move_to(datetime(2026, 4, 1, 2, 0, 1, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    (patrol,) = case.tasks().values()
    assert (patrol.task_spec, patrol.department, patrol.form_key) == ("patrol", "xiacun", "patrol_record")
    case.complete("patrol", PATROL_OK, Actor("xiacun.clerk", "xiacun"))
    [(spec, due)] = case.timers()  # intact: the next patrol is scheduled
    assert spec == "patrol_timer" and due == datetime(2026, 5, 1, 2, 0, 1, tzinfo=timezone.utc)
    clock.move_to(datetime(2026, 5, 2, 2, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    case.complete("patrol", {**PATROL_OK, "continue_patrol": False}, Actor("xiacun.clerk", "xiacun"))
    assert (case.instance().status, case.instance().outcome) == ("completed", "end_patrol")
    assert case.timers() == []


ENFORCEMENT, POLICE_ACTOR = Actor("enforcement.clerk", "enforcement"), Actor("police.clerk", "police")
ACCEPTED = {"accepted_on": "2026-04-03", "seal_accepted": True, "signatories": ["water", "enforcement"]}


def _broken_seal(case, clock, day=2):
    """The patrol finds the seal broken and the well in use again: the penalty (从重) is filed."""
    clock.move_to(datetime(2026, 4, day, 2, tzinfo=timezone.utc))
    run_once(case.wf, case.factory)
    case.complete("patrol", {**PATROL_OK, "seal_intact": False, "abstraction_resumed": True},
                  Actor("xiacun.clerk", "xiacun"))
    assert list(case.tasks()) == ["pen_filing"]
    case.complete("pen_filing", {"filed_on": f"2026-04-{day:02d}"})


def _penalty_to_seal_check(case):
    """The penalty decided, served and paid: its execution checks whether the well is sealed."""
    case.complete("pen_investigation", {"investigation_conclusion": "penalty"})
    case.complete("pen_legal_review", {"review_passed": True}, Actor("justice.clerk", "justice"))
    case.complete("pen_prior_notice", {"prior_legal_basis": "regulation_58", "proposed_fine": 200_000,
                                       "prior_notice_served_on": "2026-04-02"})
    case.complete("pen_statement", {"statement_made": False, "hearing_requested": False})
    case.complete("pen_decision", {"decided_on": "2026-04-03", "decision_kind": "penalty", "fine_amount": 200_000})
    case.complete("pen_service", {"decision_served_on": "2026-04-03"})
    case.complete("pen_payment", {"paid_on": "2026-04-07", "paid_amount": 200_000.0})
    assert list(case.tasks()) == ["pen_seal_check"]


def test_a_broken_seal_without_a_penalty_is_sealed_again_and_accepted(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.to_patrols()
    _broken_seal(case, clock)
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    # No penalty executed: the enforcement bureau seals the well again, then the water bureau accepts it.
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("reseal_well", "enforcement")]
    case.complete("reseal_well", SEALED, ENFORCEMENT)
    assert [(t.task_spec, t.department, t.form_key) for t in case.tasks().values()] == [
        ("reseal_acceptance", "water", "seal_acceptance")]
    assert case.timers() == []  # patrols resume only after the acceptance
    case.complete("reseal_acceptance", ACCEPTED)
    assert case.tasks() == {} and [spec for spec, _ in case.timers()] == ["patrol_timer"]
    assert sealing_history(session_factory, case.id)[2:] == [("seal", "reseal_well"), ("accept", "reseal_acceptance")]


def test_a_penalty_sealed_on_the_owners_behalf_is_the_re_sealing(wf, session_factory, clock):
    """代履行封井 and 重新封井 are one act: after the 代履行 the case goes straight to the acceptance."""
    case = Case(wf, session_factory)
    case.to_patrols()
    _broken_seal(case, clock)
    _penalty_to_seal_check(case)
    case.complete("pen_seal_check", {"well_sealed": False})
    case.complete("pen_reminder", {"reminder_served_on": "2026-04-08", "reminder_days": 3})
    clock.move_to(datetime(2026, 4, 14, 2, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    case.complete("pen_substitute_decision", {"party_performed": False, "substitute_date": "2026-04-20"})
    case.complete("pen_substitute_sealing", {"substitute_sealed_on": "2026-04-20", "substitute_seal_no": "F-10"},
                  ENFORCEMENT)
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("reseal_acceptance", "water")]
    case.complete("reseal_acceptance", ACCEPTED)
    assert case.tasks() == {} and [spec for spec, _ in case.timers()] == ["patrol_timer"]
    with session_factory() as s:
        done = [e.task_spec for e in s.scalars(select(Event).where(
            Event.instance_id == case.id, Event.kind == "task_completed"))]
    assert "reseal_well" not in done and done.count("pen_substitute_sealing") == 1
    # Each sealing followed by its own acceptance: the first sealing's, then the 代履行's.
    assert sealing_history(session_factory, case.id) == [
        ("seal", "seal_well"), ("accept", "seal_acceptance"),
        ("seal", "pen_substitute_sealing"), ("accept", "reseal_acceptance")]


def test_an_owner_who_sealed_during_the_penalty_is_accepted_not_sealed_again(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.to_patrols()
    _broken_seal(case, clock)
    _penalty_to_seal_check(case)
    case.complete("pen_seal_check", {"well_sealed": True})
    assert list(case.tasks()) == ["reseal_acceptance"]
    # Not up to standard: the enforcement bureau redoes the sealing, which is accepted again.
    case.complete("reseal_acceptance", {**ACCEPTED, "seal_accepted": False})
    assert list(case.tasks()) == ["reseal_well"]
    case.complete("reseal_well", SEALED, ENFORCEMENT)
    case.complete("reseal_acceptance", ACCEPTED)
    assert [spec for spec, _ in case.timers()] == ["patrol_timer"]
    assert sealing_history(session_factory, case.id)[2:] == [
        ("seal", "pen_seal_check"), ("accept", "reseal_acceptance"),
        ("seal", "reseal_well"), ("accept", "reseal_acceptance")]


def test_an_obstructed_re_sealing_goes_to_the_police_and_a_second_broken_seal_starts_afresh(
        wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.to_patrols()
    _broken_seal(case, clock)
    _penalty_to_seal_check(case)
    case.complete("pen_seal_check", {"well_sealed": True})
    case.complete("reseal_acceptance", ACCEPTED)
    # Broken again at a later patrol; this time no penalty: the earlier penalty's outcome does not count.
    clock.move_to(datetime(2026, 6, 1, 2, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    case.complete("patrol", {**PATROL_OK, "seal_intact": False, "abstraction_resumed": True},
                  Actor("xiacun.clerk", "xiacun"))
    case.complete("pen_filing", {"filed_on": "2026-06-01"})
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    assert list(case.tasks()) == ["reseal_well"]
    case.complete("reseal_well", {"seal_obstructed": True, "obstruction_details": "井主阻拦"}, ENFORCEMENT)
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("police_reseal", "police")]
    case.complete("police_reseal", POLICE, POLICE_ACTOR)
    assert list(case.tasks()) == ["reseal_well"]
    case.complete("reseal_well", SEALED, ENFORCEMENT)
    assert list(case.tasks()) == ["reseal_acceptance"]


def test_a_permitted_well_waits_for_the_network_and_then_is_closed(wf, session_factory):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "in_coverage": False, "purpose": "agricultural"})
    case.complete("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})
    case.complete("rectify_report")
    case.complete("permit_approval", {"permit_approved": True}, Actor("approval.clerk", "approval"))
    # The permit's own steps (bpmn/permit.bpmn): the meter verified, the tax registered.
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("meter_verification", "market")]
    case.complete("meter_verification", {"meter_passed": True}, Actor("market.clerk", "market"))
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("tax_registration", "tax")]
    case.complete("tax_registration", {}, Actor("tax.clerk", "tax"))
    case.complete("recheck", {"recheck_passed": True})
    instance = case.instance()
    assert (instance.status, instance.waiting_for, case.tasks(), case.timers()) == (
        "running", "network_arrives", {}, [])
    with session_factory() as s, s.begin():
        wf.correlate(s, case.id, "network_arrives", {"towns": ["xiacun"], "notice_no": "乳水供〔2026〕3号"})
    assert case.instance().waiting_for is None
    assert list(case.tasks()) == ["notice"]  # the closure: notice to stop, connect, seal
    case.complete("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})
    case.complete("rectify_report")
    assert list(case.tasks()) == ["supply_connection"]


def test_an_exemption_is_reviewed_again_on_its_review_date(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "urban_village": True, "purpose": "rural_domestic"})
    case.complete("exemption_apply", {"applied_on": "2026-03-03", "village_name": "城中村",
                                      "application_reasons": "列入改造计划", "applicant_contact": "街道经办人"})
    case.complete("exemption_review", {"exemption_approved": True, "next_review_on": "2026-09-01"})
    assert case.tasks() == {}
    # Due at the start of the review day in China: 31 August 16:00 UTC.
    assert case.timers() == [("exemption_timer", datetime(2026, 8, 31, 16, 0, tzinfo=timezone.utc))]
    clock.move_to(datetime(2026, 9, 1, 1, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("exemption_review", "leading_office")]
    case.complete("exemption_review", {"exemption_approved": False})  # the network has come: rectify now
    assert list(case.tasks()) == ["notice"]


def test_an_obstructed_patrol_goes_to_the_police_and_is_done_again(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.to_patrols()
    clock.move_to(datetime(2026, 4, 2, 2, tzinfo=timezone.utc))
    run_once(wf, session_factory)
    case.complete("patrol", {"patrolled_on": "2026-04-02", "patrol_obstructed": True, "seal_intact": None,
                             "abstraction_resumed": None, "continue_patrol": None}, Actor("xiacun.clerk", "xiacun"))
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("police_patrol", "police")]
    case.complete("police_patrol", POLICE, Actor("police.clerk", "police"))
    assert list(case.tasks()) == ["patrol"]  # patrolled again at once, not at the next period
