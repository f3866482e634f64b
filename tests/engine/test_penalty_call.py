"""The penalty as a reusable sub-process: a parent diagram in another file calls it (calledElement
"penalty"), its data goes in, and ``penalty_outcome`` comes back for the parent's gateway."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from engine import Actor, Engine, specs
from engine.store import Instance, OpenTask
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
