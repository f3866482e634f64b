"""The street office's exemption application (城中村暂缓封停申请), a step added before the office's review:
cases that were already waiting for the review on the diagram without it keep working, and can be moved."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import Actor, Engine, specs
from engine.migration import dry_run, migrate
from engine.tables import Instance, OpenTask

TOWN = Actor("chengqu.clerk", "chengqu")
OFFICE = Actor("leading_office.clerk", "leading_office")
SUPERVISOR = Actor("leading_office.supervisor", "leading_office")
FORCE = Actor("task_force.clerk", "task_force")
VILLAGE = {"in_coverage": True, "has_permit": False, "purpose": "rural_domestic", "urban_village": True,
           "obstructed": False, "hidden_well": False}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=False):
        yield


def without_application(loaded):
    """The diagrams as they were before the application step: 处置方式 led straight to the review."""
    files = dict(loaded.files)
    text = files["well_case.bpmn"]
    text = re.sub(r'\s*<bpmn:flowNodeRef>exemption_apply</bpmn:flowNodeRef>', "", text)
    text = re.sub(r'\s*<bpmn:userTask id="exemption_apply".*?</bpmn:userTask>', "", text, flags=re.S)
    text = re.sub(r'\s*<bpmn:sequenceFlow id="flow_exemption_apply_review"[^>]*/>', "", text)
    text = text.replace('targetRef="exemption_apply"', 'targetRef="exemption_review"')
    text = text.replace("<bpmn:incoming>flow_exemption_apply_review</bpmn:incoming>",
                        "<bpmn:incoming>flow_route_exempt</bpmn:incoming>")
    text = re.sub(r'\s*<bpmndi:BPMNShape id="exemption_apply_di".*?</bpmndi:BPMNShape>', "", text, flags=re.S)
    text = re.sub(r'\s*<bpmndi:BPMNEdge id="flow_exemption_apply_review_di".*?</bpmndi:BPMNEdge>', "", text,
                  flags=re.S)
    assert "exemption_apply" not in text
    files["well_case.bpmn"] = text
    return specs.load(files)


def open_steps(factory, instance_id):
    with factory() as s:
        return [(t.task_spec, t.department) for t in s.scalars(select(OpenTask).where(OpenTask.instance_id == instance_id))]


def walk(engine, factory, case_id, steps):
    with factory() as s, s.begin():
        instance_id = engine.start(s, "well_case", case_id, {"town": "chengqu"}).id
    for spec, data, actor in steps:
        do(engine, factory, instance_id, spec, data, actor)
    return instance_id


def do(engine, factory, instance_id, spec, data, actor):
    with factory() as s, s.begin():
        guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance_id,
                                                          OpenTask.task_spec == spec))
        assert guid, f"no open {spec}"
        engine.complete(s, guid, data, actor)


TO_ROUTE = [("commitment", {}, TOWN), ("inspect", VILLAGE, FORCE)]


def test_a_new_case_goes_to_the_street_office_first(wf, session_factory):
    instance_id = walk(wf, session_factory, 1, TO_ROUTE)
    assert open_steps(session_factory, instance_id) == [("exemption_apply", "chengqu")]
    do(wf, session_factory, instance_id, "exemption_apply", {"applied_on": "2026-03-02", "village_name": "某村",
                                                              "application_reasons": "改造计划内"}, TOWN)
    assert open_steps(session_factory, instance_id) == [("exemption_review", "leading_office")]
    do(wf, session_factory, instance_id, "exemption_review", {"exemption_approved": False}, OFFICE)
    assert open_steps(session_factory, instance_id) == [("notice", "water")]


def test_a_case_waiting_for_the_review_on_the_older_diagram_keeps_working(wf, session_factory, loaded_specs):
    older = Engine(without_application(loaded_specs), audit_key=wf.audit_key)
    assert older.current.version != wf.current.version
    instance_id = walk(older, session_factory, 1, TO_ROUTE)
    assert open_steps(session_factory, instance_id) == [("exemption_review", "leading_office")]
    # Today's engine restores it against its own version: the review is decided without an application.
    do(wf, session_factory, instance_id, "exemption_review", {"exemption_approved": False}, OFFICE)
    assert open_steps(session_factory, instance_id) == [("notice", "water")]
    with session_factory() as s:
        assert s.get(Instance, instance_id).spec_version == older.current.version


def test_a_case_waiting_for_the_review_moves_to_the_new_diagram_and_is_reviewed(wf, session_factory, loaded_specs):
    older = Engine(without_application(loaded_specs), audit_key=wf.audit_key)
    instance_id = walk(older, session_factory, 1, TO_ROUTE)
    with session_factory() as s:
        (check,) = dry_run(wf, s)
    assert check.instance_id == instance_id and check.can_move, check.reasons
    with session_factory() as s, s.begin():
        migrate(wf, s, instance_id, SUPERVISOR, reason="增加街道办事处申请环节")
    # Already at the review: it is not sent back to ask the street office again.
    assert open_steps(session_factory, instance_id) == [("exemption_review", "leading_office")]
    do(wf, session_factory, instance_id, "exemption_review",
       {"exemption_approved": True, "next_review_on": "2026-09-01"}, OFFICE)
    with session_factory() as s:
        assert s.get(Instance, instance_id).spec_version == wf.current.version
    assert open_steps(session_factory, instance_id) == []
