"""What the start's path reads: the names read by the code of every element a started workflow reached.

The bulk start (``engine.bulk``) copies a started exemplar for every case of its shape, with each case's
own text values in place of markers; that holds only if no code on the exemplar's path reads a marked
value. The code tags are ``overrides.names_read_by_diagrams``' own; the element a piece of code belongs to
is the flow node that holds it (a flow's condition belongs to its source, a DMN to its business rule task).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from lxml import etree

# Task states of a task the workflow never reached (MAYBE, LIKELY, FUTURE): its code has not run.
_NOT_REACHED = (1, 2, 4)
# The flow elements code belongs to (a flow's condition belongs to its source, a DMN to its business rule task).
_FLOW_NODES = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
               "task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "sendTask",
               "receiveTask", "callActivity", "subProcess", "exclusiveGateway", "inclusiveGateway",
               "parallelGateway", "eventBasedGateway", "complexGateway"}


def reached_reads(loaded, state_text: str) -> set[str]:
    """The names read by the code of every element the workflow reached (its sub-workflows' too)."""
    reads = _element_reads(tuple(sorted(loaded.files.items())))
    names: set[str] = set()
    state = json.loads(state_text)
    for tasks in [state["tasks"], *(sub.get("tasks", {}) for sub in state.get("subprocesses", {}).values())]:
        for task in tasks.values():
            if task["state"] not in _NOT_REACHED:
                names |= reads.get(task["task_spec"], frozenset())
    return names


@lru_cache(maxsize=8)
def _element_reads(files: tuple[tuple[str, str], ...]) -> dict[str, frozenset[str]]:
    """Element id → the names its code reads (``overrides``' code tags), from the diagram files."""
    from .overrides import CODE_TAGS

    own: dict[str, set[str]] = {}
    decisions: dict[str, set[str]] = {}
    rule_tasks: dict[str, str] = {}
    for _name, text_ in files:
        root = etree.fromstring(text_.encode("utf-8"))
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            local = etree.QName(element).localname
            if local == "businessRuleTask":
                ref = next((v for k, v in element.attrib.items() if k.endswith("decisionRef")), None)
                if ref:
                    rule_tasks[element.get("id")] = ref
            if local not in CODE_TAGS or not element.text:
                continue
            names = set(re.findall(r"[A-Za-z_]\w*", element.text))
            owner = element.getparent()
            while owner is not None:
                kind = etree.QName(owner).localname
                if kind == "sequenceFlow":
                    own.setdefault(owner.get("sourceRef"), set()).update(names)
                    break
                if kind == "decision":
                    decisions.setdefault(owner.get("id"), set()).update(names)
                    break
                if kind in _FLOW_NODES:
                    own.setdefault(owner.get("id"), set()).update(names)
                    break
                owner = owner.getparent()
    for task_id, decision in rule_tasks.items():
        own.setdefault(task_id, set()).update(decisions.get(decision, set()))
    return {element: frozenset(names) for element, names in own.items()}
