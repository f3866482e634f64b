"""Police referral from an obstructed inspection or sealing, the patrol of sealed wells, and the
periodic review of an urban-village exemption, on the real diagram."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine

from engine import Actor
from engine.timers import run_once

from case_driver import INSPECTION, CaseDriver

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


def test_a_broken_seal_found_on_patrol_is_sealed_again_and_patrolled(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.to_patrols()
    clock.move_to(datetime(2026, 4, 2, 2, tzinfo=timezone.utc))
    run_once(wf, session_factory)
    case.complete("patrol", {**PATROL_OK, "seal_intact": False, "abstraction_resumed": True},
                  Actor("xiacun.clerk", "xiacun"))
    # A new act: the penalty first (bpmn/penalty.bpmn), then the well is sealed again.
    assert list(case.tasks()) == ["pen_filing"]
    case.complete("pen_filing", {"filed_on": "2026-04-02"})
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("reseal_well", "enforcement")]
    case.complete("reseal_well", SEALED, Actor("enforcement.clerk", "enforcement"))
    assert case.tasks() == {} and [spec for spec, _ in case.timers()] == ["patrol_timer"]


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
