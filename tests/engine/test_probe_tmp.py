import re, sys
from datetime import datetime, timezone
import time_machine
from sqlalchemy import select
from engine import Actor, Engine, specs
from engine.migration import dry_run
from engine.store import OpenTask
from test_migration import start, INSPECTION


def drop_acceptance(text):
    """The acceptance step and its gateway taken out: a sealed well goes straight to the recheck."""
    text = re.sub(r'\s*<bpmn:flowNodeRef>(seal_acceptance|acceptance_gw)</bpmn:flowNodeRef>', "", text)
    text = re.sub(r'\s*<bpmn:userTask id="seal_acceptance".*?</bpmn:userTask>', "", text, flags=re.S)
    text = re.sub(r'\s*<bpmn:exclusiveGateway id="acceptance_gw".*?</bpmn:exclusiveGateway>', "", text, flags=re.S)
    text = re.sub(r'\s*<bpmn:sequenceFlow id="flow_acceptance_gw"[^>]*/>', "", text)
    text = re.sub(r'\s*<bpmn:sequenceFlow id="flow_acceptance_failed"[^>]*/>', "", text)
    text = re.sub(r'\s*<bpmn:sequenceFlow id="flow_accepted_recheck".*?</bpmn:sequenceFlow>', "", text, flags=re.S)
    text = text.replace('<bpmn:incoming>flow_acceptance_failed</bpmn:incoming>', "")
    text = text.replace('<bpmn:incoming>flow_accepted_recheck</bpmn:incoming>', '<bpmn:incoming>flow_sealed_recheck</bpmn:incoming>')
    text = text.replace('sourceRef="seal_obstruct_gw" targetRef="seal_acceptance"', 'sourceRef="seal_obstruct_gw" targetRef="merge_recheck"')
    for el in ("seal_acceptance_di", "acceptance_gw_di"):
        text = re.sub(r'\s*<bpmndi:BPMNShape id="%s".*?</bpmndi:BPMNShape>' % el, "", text, flags=re.S)
    for el in ("flow_acceptance_gw_di", "flow_acceptance_failed_di", "flow_accepted_recheck_di"):
        text = re.sub(r'\s*<bpmndi:BPMNEdge id="%s".*?</bpmndi:BPMNEdge>' % el, "", text, flags=re.S)
    return text


def test_probe(wf, session_factory, loaded_specs):
    with time_machine.travel(datetime(2026, 6, 15, 2, tzinfo=timezone.utc), tick=False):
        iid = start(wf, session_factory, 1, [("commitment", {}), ("inspect", INSPECTION), ("notice", {"notice_served_on": "2026-06-15", "rectify_days": 5}), ("rectify_report", {})])
        files = dict(loaded_specs.files)
        files["well_case.bpmn"] = drop_acceptance(files["well_case.bpmn"])
        newer = Engine(specs.load(files), audit_key=wf.audit_key)
        with session_factory() as s:
            print([t.task_spec for t in s.scalars(select(OpenTask))])
            (check,) = dry_run(newer, s)
            print(check)
