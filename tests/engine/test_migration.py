"""Moving running cases to a new version of the diagrams: the dry run, the move, the refusals."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import Actor, Engine, specs
from engine.migration import MigrationRefused, dry_run, migrate, migrate_many
from engine.tables import Event, Instance, OpenTask

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


def drop_acceptance(text: str) -> str:
    """The acceptance step and its gateway taken out: a sealed well goes straight to the recheck."""
    text = re.sub(r'\s*<bpmn:flowNodeRef>(seal_acceptance|acceptance_gw)</bpmn:flowNodeRef>', "", text)
    text = re.sub(r'\s*<bpmn:userTask id="seal_acceptance".*?</bpmn:userTask>', "", text, flags=re.S)
    text = re.sub(r'\s*<bpmn:exclusiveGateway id="acceptance_gw".*?</bpmn:exclusiveGateway>', "", text, flags=re.S)
    text = re.sub(r'\s*<bpmn:sequenceFlow id="flow_acceptance_(gw|failed)"[^>]*/>', "", text)
    text = re.sub(r'\s*<bpmn:sequenceFlow id="flow_accepted_recheck".*?</bpmn:sequenceFlow>', "", text, flags=re.S)
    text = text.replace("<bpmn:incoming>flow_acceptance_failed</bpmn:incoming>", "")
    text = text.replace("<bpmn:incoming>flow_accepted_recheck</bpmn:incoming>",
                        "<bpmn:incoming>flow_sealed_recheck</bpmn:incoming>")
    text = text.replace('sourceRef="seal_obstruct_gw" targetRef="seal_acceptance"',
                        'sourceRef="seal_obstruct_gw" targetRef="merge_recheck"')
    # A hidden well sealed in its penalty's execution likewise goes straight to the recheck.
    text = text.replace("<bpmn:incoming>flow_sealed_recheck</bpmn:incoming>",
                        "<bpmn:incoming>flow_sealed_recheck</bpmn:incoming>\n      "
                        "<bpmn:incoming>flow_hidden_sealed</bpmn:incoming>", 1)
    text = text.replace('sourceRef="hidden_sealed_gw" targetRef="seal_acceptance"',
                        'sourceRef="hidden_sealed_gw" targetRef="merge_recheck"')
    for shape in ("seal_acceptance_di", "acceptance_gw_di"):
        text = re.sub(r'\s*<bpmndi:BPMNShape id="%s".*?</bpmndi:BPMNShape>' % shape, "", text, flags=re.S)
    for edge in ("flow_acceptance_gw_di", "flow_acceptance_failed_di", "flow_accepted_recheck_di"):
        text = re.sub(r'\s*<bpmndi:BPMNEdge id="%s".*?</bpmndi:BPMNEdge>' % edge, "", text, flags=re.S)
    return text


AT_SUPPLY = [("commitment", {}), ("inspect", INSPECTION), ("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5}),
             ("rectify_report", {})]


def test_a_step_the_case_was_only_predicted_to_reach_does_not_stop_the_move(wf, session_factory, loaded_specs):
    """At 接通供水 the engine predicts 封井验收; the new version has none. The case never did it: it moves,
    and goes from the sealing straight to the recheck."""
    at_supply = start(wf, session_factory, 1, AT_SUPPLY)
    files = dict(loaded_specs.files)
    files["well_case.bpmn"] = drop_acceptance(files["well_case.bpmn"])
    newer = Engine(specs.load(files), audit_key=wf.audit_key)
    with session_factory() as s:
        (check,) = dry_run(newer, s)
    assert check.can_move and check.reasons == []
    with session_factory() as s, s.begin():
        migrate(newer, s, at_supply, SUPERVISOR, reason="验收并入封井")
    for spec, data in [("supply_connection", {}), ("seal_well", {"seal_obstructed": False})]:
        with session_factory() as s, s.begin():
            guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == at_supply))
            newer.complete(s, guid, data, WATER)
    with session_factory() as s:
        assert s.scalar(select(OpenTask.task_spec).where(OpenTask.instance_id == at_supply)) == "recheck"


def test_a_case_that_did_the_removed_step_cannot_move(wf, session_factory, loaded_specs):
    at_acceptance = start(wf, session_factory, 1, AT_SUPPLY + [("supply_connection", {}),
                                                               ("seal_well", {"seal_obstructed": False})])
    files = dict(loaded_specs.files)
    files["well_case.bpmn"] = drop_acceptance(files["well_case.bpmn"])
    newer = Engine(specs.load(files), audit_key=wf.audit_key)
    with session_factory() as s:
        (check,) = dry_run(newer, s)
    assert not check.can_move and check.reasons == ["这些已办或在办环节在新版流程图中已删除：封井验收"]
    with session_factory() as s, s.begin(), pytest.raises(MigrationRefused, match="封井验收"):
        migrate(newer, s, at_acceptance, SUPERVISOR, reason="试试")


def test_a_deadline_changed_by_a_supervisor_is_named_before_and_after_the_move(wf, session_factory, loaded_specs):
    from engine import overrides
    at_report = start(wf, session_factory, 1, AT_SUPPLY[:3])
    with session_factory() as s, s.begin():
        guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == at_report))
        overrides.set_deadline(wf, s, guid, datetime(2026, 3, 20, 15, 59, 59, tzinfo=timezone.utc), SUPERVISOR,
                               reason="用户申请延期")
    newer = Engine(new_version(loaded_specs), audit_key=wf.audit_key)
    with session_factory() as s:
        (check,) = dry_run(newer, s)
    assert check.can_move and check.warnings == [
        "督办人员调整过的期限“整改情况报告”（现为 2026年3月20日 23:59）迁移后将按新版流程图重新计算，如仍需延期，请迁移后重新调整。"]
    with session_factory() as s, s.begin():
        moved = migrate(newer, s, at_report, SUPERVISOR, reason="通知书环节改名")
    assert moved.warnings == check.warnings
    with session_factory() as s:
        # Computed afresh: five working days from 2 March.
        assert s.scalar(select(OpenTask.due_at).where(OpenTask.instance_id == at_report)) == datetime(
            2026, 3, 9, 15, 59, 59, tzinfo=timezone.utc)


def test_a_moved_case_gets_the_data_the_new_gateways_read(wf, session_factory, loaded_specs):
    """A case registered before ``seal_accepted`` was start data, moved, then failing its recheck: the
    penalty that finds the well sealed decides on the default (no sealing accepted), not on an error."""
    from engine.timers import run_once

    at_report = start(wf, session_factory, 1, AT_SUPPLY[:3])
    newer = Engine(new_version(loaded_specs), audit_key=wf.audit_key)
    with session_factory() as s, s.begin():
        migrate(newer, s, at_report, SUPERVISOR, reason="新版流程图")

    def complete(spec, data):
        with session_factory() as s, s.begin():
            guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == at_report,
                                                              OpenTask.task_spec == spec))
            assert guid, spec
            newer.complete(s, guid, data, WATER)

    with time_machine.travel(datetime(2026, 3, 10, 2, tzinfo=timezone.utc), tick=False):
        assert run_once(newer, session_factory) == 1  # the 5 working days ran out on 9 March
        complete("recheck", {"recheck_passed": False})
        for spec, data in [("pen_filing", {"filed_on": "2026-03-10"}),
                           ("pen_investigation", {"investigation_conclusion": "penalty"}),
                           ("pen_legal_review", {"review_passed": True}),
                           ("pen_prior_notice", {"proposed_fine": 200_000, "prior_notice_served_on": "2026-03-10"}),
                           ("pen_statement", {"statement_made": False, "hearing_requested": False}),
                           ("pen_decision", {"decided_on": "2026-03-10", "decision_kind": "penalty",
                                             "fine_amount": 200_000}),
                           ("pen_service", {"decision_served_on": "2026-03-10"}),
                           ("pen_payment", {"paid_on": "2026-03-10", "paid_amount": 200_000}),
                           ("pen_seal_check", {"well_sealed": True})]:
            complete(spec, data)
    with session_factory() as s:
        assert s.scalar(select(OpenTask.task_spec).where(OpenTask.instance_id == at_report)) == \
            "penalty_seal_acceptance"


def test_migrate_many_moves_each_case_on_its_own(wf, session_factory, loaded_specs):
    at_notice = start(wf, session_factory, 1, [("commitment", {}), ("inspect", INSPECTION)])
    newer = Engine(new_version(loaded_specs), audit_key=wf.audit_key)
    already_new = start(newer, session_factory, 2, [])
    with session_factory() as s, s.begin():
        result = migrate_many(newer, s, [already_new, at_notice, at_notice], SUPERVISOR, reason="通知书环节改名")
    assert [(i, c.case_id) for i, c in result.moved] == [(at_notice, 1)]
    ((refused_id, refusal),) = result.refused
    assert refused_id == already_new and isinstance(refusal, MigrationRefused) and "最新版" in str(refusal)
    with session_factory() as s:  # the refusal rolled back only its own savepoint
        assert s.get(Instance, at_notice).spec_version == newer.current.version
        assert s.scalar(select(Event.id).where(Event.kind == "override")) is not None
