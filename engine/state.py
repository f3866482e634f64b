"""Serialize a workflow's state without its spec.

SpiffWorkflow's serializer embeds the whole parsed spec in every instance and rebuilds it on every
load, which dominates the cost of a load. Our instances record their diagram version instead, and are
restored against the spec cached for that version (see ``specs.py``).
"""
from __future__ import annotations

import json
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG

STATE_FORMAT = "well-case-state/1"


class _StateOnlyConverter(BpmnWorkflowConverter):
    """A top-level workflow converter that leaves the specs out."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore_with_spec(self, dct, spec, subprocess_specs, script_engine):
        workflow = self.target_class(spec, subprocess_specs, script_engine=script_engine, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = {cls: conv for cls, conv in DEFAULT_CONFIG.items() if cls is not BpmnWorkflow}
_registry = BpmnWorkflowSerializer.configure(_config)
_converter = _StateOnlyConverter(BpmnWorkflow, _registry)  # registers itself for BpmnWorkflow
_serializer = BpmnWorkflowSerializer(_registry)


def dumps(workflow: BpmnWorkflow) -> str:
    """The JSON text of the workflow's state (its encoder handles dates in task data)."""
    return _serializer.serialize_json(workflow)


def loads(text: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    dct = json.loads(text)
    dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
    return _converter.restore_with_spec(dct, spec, subprocess_specs, script_engine)


def registry():
    """The serializer registry: SpiffWorkflow's spec diff compares specs through it."""
    return _registry
