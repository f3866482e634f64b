"""The case stage (engine/stage.py) on the real diagrams: every element a case can be at has one, and a
case walked through the procedure reads the stage it is at after every step (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from case_driver import ENFORCEMENT, INSPECTION, JUSTICE, CaseDriver, punish_and_collect, remind_then_substitute
from sqlalchemy import select, text, update

from engine import Actor, overrides, stage
from engine.tables import Event, Instance
from engine.timers import run_once

TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 2 March 2026, 10:00 in China
SUPERVISOR = Actor("leading_office.supervisor", "leading_office")
SEALED = {"seal_obstructed": False, "sealed_on": "2026-03-02", "disposal_type": "standby", "seal_no": "F-9"}
ACCEPTED = {"accepted_on": "2026-03-02", "seal_accepted": True, "signatories": ["water", "enforcement"]}
PATROL_OK = {"patrolled_on": "2026-04-01", "patrol_obstructed": False, "seal_intact": True,
             "abstraction_resumed": False, "continue_patrol": True}
NOTICE = {"notice_served_on": "2026-03-02", "rectify_days": 5}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


class Case(CaseDriver):
    def stage(self) -> str:
        """The instance's stage, checked to be on each of its open-task rows too (the inbox filters by it)."""
        found = self.instance().stage
        assert {spec: task.stage for spec, task in self.tasks().items()} == dict.fromkeys(self.tasks(), found)
        return found

    def override(self, operation, *args, **kwargs):
        with self.factory() as s, s.begin():
            operation(self.wf, s, *args, actor=SUPERVISOR, **kwargs)

    def guid_done(self, spec) -> str:
        with self.factory() as s:
            return s.scalar(select(Event.task_guid).where(Event.instance_id == self.id, Event.kind == "task_completed",
                                                          Event.task_spec == spec).order_by(Event.id.desc()))


def test_every_element_a_case_can_be_at_has_a_stage(loaded_specs):
    """Each user task, catch event (boundary ones included), end event and call activity of every
    diagram: a new element without a line in engine/stage.py fails here."""
    assert stage.missing(loaded_specs) == {}
    elements = stage.holding_elements(loaded_specs)
    assert {"inspect", "patrol_timer", "wait_network", "end_patrol", "pen_substitute_sealing", "cr_wait_repair",
            "nr_expiry_timer", "tax_registration", "rc_handle"} <= set(elements)
    assert set(stage.ELEMENT_STAGES.values()) <= set(stage.STAGES) and set(stage.PRIORITY) <= set(stage.STAGES)
    # Nothing declared for an element the diagrams do not have (a renamed step would leave its line behind).
    assert set(stage.ELEMENT_STAGES) <= set(elements)


def test_a_sealed_well_from_inspection_to_its_last_patrol(wf, session_factory, clock):
    case = Case(wf, session_factory)
    assert case.stage() == "inspection"
    case.complete("commitment")
    case.complete("inspect", INSPECTION)
    assert case.stage() == "rectifying"
    case.complete("notice", NOTICE)
    case.complete("rectify_report")
    case.complete("supply_connection")
    case.complete("seal_well", SEALED, ENFORCEMENT)
    assert case.stage() == "rectifying"  # sealed, but not accepted nor rechecked yet
    case.complete("seal_acceptance", ACCEPTED)
    case.complete("recheck", {"recheck_passed": True})
    assert case.stage() == "sealed"  # only the patrol timer waits
    clock.move_to(datetime(2026, 4, 1, 2, 0, 1, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    assert case.stage() == "sealed"  # patrolling
    case.complete("patrol", {**PATROL_OK, "continue_patrol": False}, Actor("xiacun.clerk", "xiacun"))
    assert (case.instance().outcome, case.stage()) == ("end_patrol", "closed")


def test_a_broken_seal_is_punished_beside_the_patrol_then_resealed(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", INSPECTION)
    case.complete("notice", NOTICE)
    case.complete("rectify_report")
    case.complete("supply_connection")
    case.complete("seal_well", SEALED, ENFORCEMENT)
    case.complete("seal_acceptance", ACCEPTED)
    case.complete("recheck", {"recheck_passed": True})
    clock.move_to(datetime(2026, 4, 2, 2, tzinfo=timezone.utc))
    run_once(wf, session_factory)
    case.complete("patrol", {**PATROL_OK, "seal_intact": False, "abstraction_resumed": True},
                  Actor("xiacun.clerk", "xiacun"))
    assert list(case.tasks()) == ["pen_filing"] and case.stage() == "penalty"
    case.complete("pen_filing", {"filed_on": "2026-04-02"})
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    assert list(case.tasks()) == ["reseal_well"] and case.stage() == "rectifying"
    case.complete("reseal_well", SEALED, ENFORCEMENT)
    case.complete("reseal_acceptance", {**ACCEPTED, "recheck_passed": True})
    assert case.stage() == "sealed"  # back on patrol


def test_a_hidden_well_is_punished_and_sealed_on_its_owners_behalf(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "hidden_well": True, "has_permit": True})
    assert list(case.tasks()) == ["pen_filing"] and case.stage() == "penalty"
    punish_and_collect(case, "2026-03-02")
    assert case.stage() == "penalty"
    remind_then_substitute(case, clock, TODAY)
    assert list(case.tasks()) == ["seal_acceptance"] and case.stage() == "rectifying"


def test_a_failed_recheck_goes_through_penalty_and_credit_to_the_end(wf, session_factory):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "in_coverage": False, "purpose": "agricultural"})
    case.complete("notice", NOTICE)
    case.complete("rectify_report")
    assert list(case.tasks()) == ["permit_approval"] and case.stage() == "rectifying"  # inside permit.bpmn
    case.complete("permit_approval", {"permit_approved": False}, Actor("approval.clerk", "approval"))
    case.complete("recheck", {"recheck_passed": False})
    assert case.stage() == "penalty"
    case.complete("pen_filing", {"filed_on": "2026-03-02"})
    case.complete("pen_investigation", {"investigation_conclusion": "penalty"})
    case.complete("pen_legal_review", {"review_passed": True}, JUSTICE)
    assert case.stage() == "penalty"  # the proceedings, a call inside the call
    case.complete("pen_prior_notice", {"prior_legal_basis": "water_law_69", "proposed_fine": 20_000,
                                       "prior_notice_served_on": "2026-03-02"})
    case.complete("pen_statement", {"statement_made": False, "hearing_requested": False})
    case.complete("pen_decision", {"decided_on": "2026-03-02", "decision_kind": "no_penalty"})
    assert list(case.tasks()) == ["credit_record"] and case.stage() == "credit"
    case.complete("credit_record", {"notified_on": "2026-03-02"})
    case.complete("cr_window", {"objection_received": False})
    case.complete("credit_review", {"credit_confirmed": False})
    assert (case.instance().outcome, case.stage()) == ("end_sanctioned", "closed")
    # Re-opened at the recheck by the office: the stage follows the case back.
    case.override(overrides.reset, case.id, case.guid_done("recheck"), reason="复议撤销了信用惩戒")
    assert case.stage() == "rectifying"


def test_a_permitted_well_waits_for_the_network(wf, session_factory):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "in_coverage": False, "purpose": "agricultural"})
    case.complete("notice", NOTICE)
    case.complete("rectify_report")
    case.complete("permit_approval", {"permit_approved": True}, Actor("approval.clerk", "approval"))
    case.complete("meter_verification", {"meter_passed": True}, Actor("market.clerk", "market"))
    case.complete("tax_registration", {}, Actor("tax.clerk", "tax"))
    assert case.stage() == "rectifying"
    case.complete("recheck", {"recheck_passed": True})
    assert case.stage() == "permitted"
    with session_factory() as s, s.begin():
        wf.correlate(s, case.id, "network_arrives", {"towns": ["xiacun"]})
    assert list(case.tasks()) == ["notice"] and case.stage() == "rectifying"


def test_an_exempted_well_until_its_review(wf, session_factory, clock):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "urban_village": True, "purpose": "rural_domestic"})
    assert case.stage() == "exempt"
    case.complete("exemption_apply", {"applied_on": "2026-03-02", "village_name": "某村",
                                      "application_reasons": "改造计划内"})
    assert case.stage() == "exempt"
    case.complete("exemption_review", {"exemption_approved": True, "next_review_on": "2026-09-01"})
    assert case.stage() == "exempt"
    clock.move_to(datetime(2026, 9, 1, 1, tzinfo=timezone.utc))
    run_once(wf, session_factory)
    case.complete("exemption_review", {"exemption_approved": False})
    assert case.stage() == "rectifying"


def test_a_licensed_well_in_the_network_waits_for_its_licence_to_end(wf, session_factory):
    case = Case(wf, session_factory, permit_valid_to="2027-06-30")
    case.complete("commitment")
    case.complete("inspect", {**INSPECTION, "has_permit": True})
    assert case.instance().category == "covered_licensed"
    case.complete("notice", NOTICE)
    case.complete("rectify_report")
    assert case.tasks() == {} and case.stage() == "rectifying"  # non_renewal.bpmn's timer


def test_overrides_keep_the_stage_true(wf, session_factory):
    case = Case(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", INSPECTION)
    case.override(overrides.suspend, case.id, reason="等待鉴定")
    assert (case.instance().status, case.stage()) == ("suspended", "rectifying")  # paused where it stands
    case.override(overrides.resume, case.id, reason="鉴定完成")
    assert case.stage() == "rectifying"
    case.complete("notice", NOTICE)
    case.complete("rectify_report")
    case.complete("supply_connection")
    case.complete("seal_well", SEALED, ENFORCEMENT)
    case.complete("seal_acceptance", ACCEPTED)
    # The recheck skipped by the office with its form filled in: the well goes on patrol.
    case.override(overrides.skip, case.tasks()["recheck"].task_guid, reason="现场已复查", data={"recheck_passed": True})
    assert case.stage() == "sealed"
    case.override(overrides.cancel, case.id, reason="重复登记")
    assert case.stage() == "cancelled"
    case.override(overrides.reset, case.id, case.guid_done("inspect"), reason="登记并不重复，恢复办理")
    assert (case.instance().status, case.stage()) == ("running", "inspection")
    assert stage.label(case.stage()) == "待检查"


def test_the_migration_fills_the_stage_of_instances_saved_before_it(wf, session_factory, sa_engine):
    running = Case(wf, session_factory)
    running.complete("commitment")
    running.complete("inspect", INSPECTION)
    cancelled = Case(wf, session_factory)
    cancelled.override(overrides.cancel, cancelled.id, reason="重复登记")
    with sa_engine.begin() as conn:
        conn.execute(update(Instance).values(stage=None))
        assert stage.backfill(conn) == 2
        assert dict(conn.execute(text("SELECT id, stage FROM wf_instance")).all()) == {
            running.id: "rectifying", cancelled.id: "cancelled"}
        assert stage.backfill(conn) == 0  # nothing left without a stage
