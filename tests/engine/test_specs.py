"""Loading the diagrams: validation, the project's conventions, versions and the cache."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from engine import Actor, DiagramError, specs
from engine.tables import OpenTask
from forms.registry import FORMS
from webapp.directory.departments import CODES

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


def files():
    return specs.read_directory(BPMN)


def test_every_user_task_has_a_department_lane_and_a_form_both_ways(loaded_specs):
    used = {info.form_key for info in loaded_specs.user_tasks.values()}
    assert used == set(FORMS)  # no task without a form, no form without a task
    for info in loaded_specs.user_tasks.values():
        assert info.lane == "town" or info.lane in CODES, info


def test_every_flow_node_and_flow_has_diagram_interchange():
    text = (BPMN / "well_case.bpmn").read_text(encoding="utf-8")
    ids = set(re.findall(
        r'<bpmn:(?:userTask|scriptTask|businessRuleTask|exclusiveGateway|startEvent|endEvent|boundaryEvent|'
        r'sequenceFlow|lane|participant)\b[^>]*\sid="([^"]+)"', text))
    drawn = set(re.findall(r'bpmnElement="([^"]+)"', text))
    assert ids and ids <= drawn, ids - drawn


def test_version_is_the_content_hash_and_parsing_is_cached():
    first = specs.load(files())
    assert specs.load(files()) is first
    changed = dict(files())
    changed["well_case.bpmn"] = changed["well_case.bpmn"].replace("现场检查", "现场检查 ")
    assert specs.content_version(changed) != first.version


def test_lane_that_is_not_a_department_is_refused_with_file_and_element():
    bad = dict(files())
    bad["well_case.bpmn"] = bad["well_case.bpmn"].replace('name="task_force"', 'name="squad"')
    with pytest.raises(DiagramError) as info:
        specs.load(bad, departments=CODES, form_keys=set(FORMS))
    message = str(info.value)
    assert "well_case.bpmn" in message and "inspect" in message and "squad" in message


def test_unknown_form_key_is_refused():
    bad = dict(files())
    bad["well_case.bpmn"] = bad["well_case.bpmn"].replace('camunda:formKey="recheck"', 'camunda:formKey="recheck_v2"')
    with pytest.raises(DiagramError, match=r"recheck_v2.*没有对应的表单"):
        specs.load(bad, departments=CODES, form_keys=set(FORMS))


def test_schema_violation_names_the_file():
    bad = dict(files())
    bad["well_case.bpmn"] = bad["well_case.bpmn"].replace("<bpmn:userTask ", "<bpmn:userTask bogus=\"1\" ", 1)
    with pytest.raises(DiagramError, match="well_case.bpmn"):
        specs.load(bad)


def test_broken_xml_names_the_file():
    bad = dict(files())
    bad["classify_well.dmn"] = bad["classify_well.dmn"][:-40]
    with pytest.raises(DiagramError, match="classify_well.dmn"):
        specs.load(bad)


def test_empty_directory_is_explained(tmp_path):
    with pytest.raises(DiagramError, match="没有流程图文件"):
        specs.read_directory(tmp_path)


def test_classification_table_outcomes(wf, session_factory):
    """The DMN decision on every combination that matters, through the real engine."""
    cases = [
        ({"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False}, "notice"),
        ({"in_coverage": True, "has_permit": True, "purpose": "commercial", "urban_village": False}, "notice"),
        ({"in_coverage": False, "has_permit": False, "purpose": "agricultural", "urban_village": False}, "notice"),
        ({"in_coverage": True, "has_permit": False, "purpose": "agricultural", "urban_village": True},
         "exemption_apply"),  # the street office applies, then the office reviews
        ({"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": True}, "notice"),
    ]
    actor = Actor("water.clerk", "water")
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=False):
        for n, (inspection, expected) in enumerate(cases, start=1):
            with session_factory() as s, s.begin():
                inst = wf.start(s, "well_case", n, {"town": "xiacun"})
                for spec, data in [("commitment", {}), ("inspect", {**inspection, "obstructed": False, "hidden_well": False})]:
                    guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == inst.id,
                                                                     OpenTask.task_spec == spec))
                    wf.complete(s, guid, data, actor)
                assert s.scalar(select(OpenTask.task_spec).where(OpenTask.instance_id == inst.id)) == expected
