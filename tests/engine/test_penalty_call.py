"""The penalty as a reusable sub-process: a parent diagram in another file calls it (calledElement
"penalty"), its data goes in, and ``penalty_outcome`` comes back for the parent's gateway."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from engine import Actor, Engine, specs
from engine.tables import Instance, OpenTask
from engine.timers import run_once

ROOT = Path(__file__).resolve().parents[2]
WATER = Actor("water.clerk", "water")


@pytest.fixture
def parent_engine():
    files = {"penalty.bpmn": (ROOT / "bpmn/penalty.bpmn").read_text(encoding="utf-8"),
             "penalty_parent.bpmn": (ROOT / "tests/engine/data/penalty_parent.bpmn").read_text(encoding="utf-8")}
    return Engine(specs.load(files), audit_key=b"test audit key")


def test_specs_resolve_a_call_activity_in_another_file(parent_engine):
    _spec, subprocesses = parent_engine.current.process("penalty_parent")
    assert {"penalty", "penalty_proceedings"} <= set(subprocesses)
    assert parent_engine.current.user_tasks["pen_legal_review"].lane == "justice"


def test_parent_data_goes_in_and_the_outcome_comes_back(parent_engine, session_factory):
    wf = parent_engine
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=False) as clock:
        with session_factory() as s, s.begin():
            instance_id = wf.start(s, "penalty_parent", 7, {"town": "xiacun", "well_no": "XC-007"},
                                   data={"party_kind": "individual", "well_no": "XC-007"}).id

        def complete(spec, data):
            with session_factory() as s:
                guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance_id,
                                                                 OpenTask.task_spec == spec))
            assert guid, spec
            with session_factory() as s, s.begin():
                wf.complete(s, guid, data, WATER)

        def steps():
            with session_factory() as s:
                return sorted(s.scalars(select(OpenTask.task_spec).where(OpenTask.instance_id == instance_id)))

        complete("recheck", {"recheck_passed": False})
        assert steps() == ["pen_filing"]  # the called process's first step, in the parent case's index
        complete("pen_filing", {"filed_on": "2026-03-02"})
        complete("pen_investigation", {"investigation_conclusion": "penalty"})
        complete("pen_legal_review", {"review_passed": True})
        complete("pen_prior_notice", {"proposed_fine": 20_000, "prior_notice_served_on": "2026-03-02"})
        # The parent's party_kind reached the hearing gateway: an individual's 20,000 yuan allows a hearing.
        complete("pen_statement", {"statement_made": True, "hearing_requested": True})
        assert steps() == ["pen_hearing_notice"]
        complete("pen_hearing_notice", {"hearing_notified_on": "2026-03-02", "hearing_date": "2026-03-11"})
        complete("pen_hearing", {"hearing_held_on": "2026-03-11"})
        complete("pen_decision", {"decided_on": "2026-03-11", "decision_kind": "penalty", "fine_amount": 20_000})
        complete("pen_service", {"decision_served_on": "2026-03-11"})
        # A timer two levels down (parent -> penalty) is swept like any other: due Thursday 26 March.
        clock.move_to(datetime(2026, 3, 27, 2, tzinfo=timezone.utc))
        assert run_once(wf, session_factory) == 1
        complete("pen_late_payment", {"fine_paid": True, "paid_on": "2026-03-27", "paid_amount": 20_600.0})
        complete("pen_seal_check", {"well_sealed": True})
    with session_factory() as s:
        instance = s.get(Instance, instance_id)
        assert (instance.status, instance.outcome) == ("completed", "end_paid")
        data = wf.load(s, instance).data
    assert (data["penalty_outcome"], data["late_fee"], data["recheck_passed"]) == ("paid", 600, False)


# --- The penalty after a failed recheck, on the real case diagram: a sealing done in the penalty's
# execution is accepted (封井验收（处罚执行）) before the credit steps; one already accepted is not accepted twice.

from case_driver import ENFORCEMENT, INSPECTION, CaseDriver, punish_and_collect, remind_then_substitute, sealing_history  # noqa: E402

MONDAY = datetime(2026, 3, 2, 2, tzinfo=timezone.utc)  # 2 March 2026, 10:00 in China
SEALED = {"seal_obstructed": False, "sealed_on": "2026-03-05", "disposal_type": "standby", "seal_no": "F-2"}
ACCEPTED = {"accepted_on": "2026-03-20", "seal_accepted": True, "signatories": ["water", "enforcement"]}


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def _overdue_and_failed(case, clock):
    """Notice served, the 5 working days run out unreported (9 March): the recheck fails, the penalty starts."""
    case.complete("commitment")
    case.complete("inspect", INSPECTION)
    case.complete("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})
    clock.move_to(datetime(2026, 3, 10, 2, tzinfo=timezone.utc))
    assert run_once(case.wf, case.factory) == 1
    case.complete("recheck", {"recheck_passed": False})
    assert list(case.tasks()) == ["pen_filing"]


def test_a_failed_recheck_sealed_on_the_owners_behalf_is_accepted_before_the_credit_steps(
        wf, session_factory, clock):
    case = CaseDriver(wf, session_factory)
    _overdue_and_failed(case, clock)
    punish_and_collect(case, "2026-03-10")
    remind_then_substitute(case, clock, datetime(2026, 3, 11, 2, tzinfo=timezone.utc))
    assert [(t.task_spec, t.department, t.form_key) for t in case.tasks().values()] == [
        ("penalty_seal_acceptance", "water", "seal_acceptance")]
    case.complete("penalty_seal_acceptance", ACCEPTED)
    assert list(case.tasks()) == ["credit_record"]  # 信用惩戒 as before, now after the acceptance
    assert sealing_history(session_factory, case.id) == [("seal", "pen_substitute_sealing"),
                                                         ("accept", "penalty_seal_acceptance")]


def test_a_failed_acceptance_of_the_penalty_sealing_is_sealed_again_then_goes_to_the_credit_steps(
        wf, session_factory, clock):
    case = CaseDriver(wf, session_factory)
    _overdue_and_failed(case, clock)
    punish_and_collect(case, "2026-03-10")
    remind_then_substitute(case, clock, datetime(2026, 3, 11, 2, tzinfo=timezone.utc), owner_sealed=True)
    case.complete("penalty_seal_acceptance", {**ACCEPTED, "seal_accepted": False})
    assert [(t.task_spec, t.department) for t in case.tasks().values()] == [("reseal_well", "enforcement")]
    case.complete("reseal_well", SEALED, ENFORCEMENT)
    case.complete("reseal_acceptance", ACCEPTED)
    # Not to the patrols of a broken seal: this case goes on to its credit steps.
    assert list(case.tasks()) == ["credit_record"] and case.timers() == []
    assert sealing_history(session_factory, case.id) == [
        ("seal", "pen_substitute_decision"), ("accept", "penalty_seal_acceptance"),
        ("seal", "reseal_well"), ("accept", "reseal_acceptance")]


def test_a_well_sealed_and_accepted_before_the_failed_recheck_is_not_accepted_twice(wf, session_factory, clock):
    """The recheck failed on another problem (tax, say): the penalty's check finds the accepted sealing."""
    case = CaseDriver(wf, session_factory)
    case.complete("commitment")
    case.complete("inspect", INSPECTION)
    case.complete("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})
    case.complete("rectify_report")
    case.complete("supply_connection")
    case.complete("seal_well", SEALED, ENFORCEMENT)
    case.complete("seal_acceptance", ACCEPTED)
    case.complete("recheck", {"recheck_passed": False})
    punish_and_collect(case, "2026-03-10")
    case.complete("pen_seal_check", {"seal_checked_on": "2026-03-10", "well_sealed": True})
    assert list(case.tasks()) == ["credit_record"]
    assert [kind for kind, _ in sealing_history(session_factory, case.id)].count("accept") == 1


def test_a_well_its_owner_sealed_after_the_missed_deadline_is_accepted(wf, session_factory, clock):
    case = CaseDriver(wf, session_factory)
    _overdue_and_failed(case, clock)
    punish_and_collect(case, "2026-03-10")
    case.complete("pen_seal_check", {"seal_checked_on": "2026-03-10", "well_sealed": True})
    assert list(case.tasks()) == ["penalty_seal_acceptance"]


def test_a_failed_recheck_without_a_penalty_goes_to_the_credit_steps_unsealed(wf, session_factory, clock):
    case = CaseDriver(wf, session_factory)
    _overdue_and_failed(case, clock)
    case.complete("pen_filing", {"filed_on": "2026-03-10"})
    case.complete("pen_investigation", {"investigation_conclusion": "no_penalty"})
    assert list(case.tasks()) == ["credit_record"] and sealing_history(session_factory, case.id) == []
