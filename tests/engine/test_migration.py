"""Moving running cases to a new version of the diagrams: the dry run, the move, the refusals."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import Actor, Engine, specs
from engine.migration import MigrationRefused, dry_run, migrate
from engine.store import Event, Instance, OpenTask

WATER = Actor("water.clerk", "water")
SUPERVISOR = Actor("leading_office.supervisor", "leading_office")
INSPECTION = {"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False,
              "obstructed": False, "hidden_well": False}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=False):
        yield


def start(wf, factory, case_id, steps):
    with factory() as s, s.begin():
        instance_id = wf.start(s, "well_case", case_id, {"town": "xiacun"}).id
    for spec, data in steps:
        with factory() as s, s.begin():
            guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance_id,
                                                              OpenTask.task_spec == spec))
            wf.complete(s, guid, data, WATER)
    return instance_id


def new_version(loaded, renamed=True, drop_commitment=False):
    files = dict(loaded.files)
    text = files["well_case.bpmn"]
    if renamed:
        text = text.replace('name="下达责令限期整改通知书"', 'name="下达责令限期整改通知书（新版）"')
    if drop_commitment:
        # The commitment letter step is taken out: the start leads straight to the inspection.
        text = re.sub(r'\s*<bpmn:flowNodeRef>commitment</bpmn:flowNodeRef>', "", text)
        text = re.sub(r'\s*<bpmn:userTask id="commitment".*?</bpmn:userTask>', "", text, flags=re.S)
        text = re.sub(r'\s*<bpmn:sequenceFlow id="flow_commitment_inspect"[^>]*/>', "", text)
        text = text.replace('targetRef="commitment"', 'targetRef="inspect"')
        text = text.replace("<bpmn:incoming>flow_commitment_inspect</bpmn:incoming>",
                            "<bpmn:incoming>flow_start_commitment</bpmn:incoming>")
        text = re.sub(r'\s*<bpmndi:BPMNShape id="commitment_di".*?</bpmndi:BPMNShape>', "", text, flags=re.S)
        text = re.sub(r'\s*<bpmndi:BPMNEdge id="flow_commitment_inspect_di".*?</bpmndi:BPMNEdge>', "", text, flags=re.S)
    files["well_case.bpmn"] = text
    return specs.load(files)


def test_dry_run_then_move(wf, session_factory, loaded_specs):
    at_notice = start(wf, session_factory, 1, [("commitment", {}), ("inspect", INSPECTION)])
    newer = Engine(new_version(loaded_specs), audit_key=wf.audit_key)
    with session_factory() as s:
        (check,) = dry_run(newer, s)
    assert check.instance_id == at_notice and check.can_move and check.reasons == []
    assert check.from_version == loaded_specs.version
    with session_factory() as s, s.begin():
        migrate(newer, s, at_notice, SUPERVISOR, reason="通知书环节改名")
    with session_factory() as s:
        instance = s.get(Instance, at_notice)
        assert instance.spec_version == newer.current.version
        (task,) = s.scalars(select(OpenTask).where(OpenTask.instance_id == at_notice))
        assert (task.task_spec, task.title) == ("notice", "下达责令限期整改通知书（新版）")
        event = s.scalar(select(Event).where(Event.kind == "override"))
        assert event.data["type"] == "migrate" and event.data["after"] == newer.current.version[:12]
        assert dry_run(newer, s) == []
    # The moved case goes on under the new version.
    with session_factory() as s, s.begin():
        guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == at_notice))
        newer.complete(s, guid, {"notice_served_on": "2026-03-02", "rectify_days": 5}, WATER)
    with session_factory() as s:
        assert s.scalar(select(OpenTask.task_spec).where(OpenTask.instance_id == at_notice)) == "rectify_report"


def test_a_case_that_went_through_a_removed_step_cannot_move(wf, session_factory, loaded_specs):
    past_commitment = start(wf, session_factory, 1, [("commitment", {})])
    newer = Engine(new_version(loaded_specs, drop_commitment=True), audit_key=wf.audit_key)
    with session_factory() as s:
        (check,) = dry_run(newer, s)
    assert not check.can_move and "签订承诺书" in check.reasons[0]
    with session_factory() as s, s.begin(), pytest.raises(MigrationRefused, match="签订承诺书"):
        migrate(newer, s, past_commitment, SUPERVISOR, reason="试试")
    with session_factory() as s:
        assert s.get(Instance, past_commitment).spec_version == loaded_specs.version


def test_no_reason_no_move(wf, session_factory, loaded_specs):
    instance_id = start(wf, session_factory, 1, [])
    newer = Engine(new_version(loaded_specs), audit_key=wf.audit_key)
    with session_factory() as s, s.begin(), pytest.raises(MigrationRefused, match="理由"):
        migrate(newer, s, instance_id, SUPERVISOR, reason=" ")
