"""Where a case stands on its diagram, from its audit trail: what is done, current, waiting, and the path.

The audit trail records the steps people do (``task_completed``), the deadlines that passed
(``timer_fired``), the start and the end reached (``process_completed``), skips and resets by
supervisors. Gateways and automatic tasks (the classification, "记录逾期") leave no event of their own:
they are taken as passed when they lie between two recorded steps — on the way from the step done
last before the next one was reached. Where two branches both fit (two flows between the same
gateways, say) and the record cannot tell which one was taken, both are marked ``maybe``.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import HUMAN, Definitions
from .render import Overlay

MAX_CHAIN = 40  # automatic elements in a row between two recorded steps (a guard against odd diagrams)


@dataclass(frozen=True)
class Happening:
    """One audit event of the case, reduced to what the diagram needs (in chain order)."""

    order: int            # the event's id (ids follow a case's chain)
    kind: str             # started | task_created | task_completed | timer_fired | process_completed | override
    task_spec: str | None = None
    data: dict | None = None


@dataclass
class CaseState:
    done: dict[str, int]      # element id -> order of its (last) completion
    arrived: dict[str, int]   # element id -> order at which it was (last) reached
    current: set[str]


def replay(definitions: Definitions, process_id: str, events: list[Happening], current: set[str]) -> CaseState:
    done: dict[str, int] = {}
    arrived: dict[str, int] = {}
    for e in sorted(events, key=lambda e: e.order):
        data = e.data or {}
        if e.kind == "started":
            for start in definitions.start_events(process_id):
                done[start] = arrived[start] = e.order
        elif e.kind == "task_created" and e.task_spec:
            arrived[e.task_spec] = e.order
        elif e.kind == "task_completed" and e.task_spec:
            done[e.task_spec] = e.order
        elif e.kind == "timer_fired" and e.task_spec:
            done[e.task_spec] = arrived[e.task_spec] = e.order
        elif e.kind == "process_completed" and data.get("outcome"):
            done[data["outcome"]] = arrived[data["outcome"]] = e.order
        elif e.kind == "override" and e.task_spec and data.get("type") == "skip":
            done[e.task_spec] = e.order
        elif e.kind == "override" and e.task_spec and data.get("type") == "reset":
            # Back to an earlier step: it and everything done after it are undone.
            cut = done.get(e.task_spec)
            if cut is not None:
                done = {k: v for k, v in done.items() if v < cut}
                arrived = {k: v for k, v in arrived.items() if v < cut}
            arrived[e.task_spec] = e.order
    return CaseState(done=done, arrived=arrived, current=set(current))


def case_overlays(definitions: Definitions, process_id: str, events: list[Happening], current: set[str],
                  timers: dict[str, str]) -> dict[str, Overlay]:
    """Overlays for a case: ``current`` task specs open now, ``timers`` boundary id -> due-time note."""
    # Only this file's elements: a case's trail also holds the steps of processes it called (other files).
    known = definitions.elements
    state = replay(definitions, process_id, [e for e in events if not e.task_spec or e.task_spec in known
                                              or e.kind in ("started", "process_completed")],
                   {c for c in current if c in known})
    state.done = {k: v for k, v in state.done.items() if k in known}
    state.arrived = {k: v for k, v in state.arrived.items() if k in known}
    timers = {k: v for k, v in timers.items() if k in known}
    overlays: dict[str, Overlay] = {}
    for element_id in state.done:
        overlays[element_id] = Overlay("done")
    # Steps reached but neither done nor open (a report cut short by its deadline) still had a way in.
    for target in sorted(set(state.done) | set(state.arrived) | state.current):
        reached = state.arrived.get(target, state.done.get(target))
        if reached is None:
            continue
        for element_id, mark in _way_in(definitions, state, target, reached).items():
            if element_id not in overlays or overlays[element_id].state == "maybe":
                overlays[element_id] = Overlay(mark)
    for element_id in state.current:
        overlays[element_id] = Overlay("current")
    for element_id, note in timers.items():
        overlays[element_id] = Overlay("waiting", note=note)
    return overlays


def _way_in(definitions: Definitions, state: CaseState, target: str, reached: int) -> dict[str, str]:
    """The flows (and automatic elements) by which ``target`` was reached: id -> path / done / maybe."""
    chains = list(_chains_back(definitions, state, target, reached))
    if not chains:
        return {}
    latest = max(state.done[chain[-1]] for chain, _ in chains)
    chains = [(nodes, flows) for nodes, flows in chains if state.done[nodes[-1]] == latest]
    marks: dict[str, str] = {}
    common_flows = set.intersection(*(set(flows) for _, flows in chains))
    common_nodes = set.intersection(*(set(nodes[1:-1]) for nodes, _ in chains))
    for nodes, flows in chains:
        for flow in flows:
            marks[flow] = "path" if flow in common_flows else "maybe"
        for node in nodes[1:-1]:
            marks[node] = "done" if node in common_nodes else "maybe"
    return marks


def _chains_back(definitions: Definitions, state: CaseState, target: str, reached: int):
    """Walk back from ``target`` over automatic elements to a step recorded as done before it was reached.

    Yields (nodes from the target back to the source, flows on the way).
    """
    elements = definitions.elements
    stack = [([target], [])]
    while stack:
        nodes, flows = stack.pop()
        for flow_id in elements[nodes[-1]].incoming:
            source = elements[flow_id].attrs.get("sourceRef", "")
            if source not in elements or source in nodes:
                continue
            if source in state.done and state.done[source] <= reached:
                yield nodes + [source], flows + [flow_id]
            elif _automatic(elements[source]) and len(nodes) < MAX_CHAIN:
                stack.append((nodes + [source], flows + [flow_id]))


def _automatic(element) -> bool:
    """Elements that run by themselves and so leave no event of their own on the trail."""
    if element.kind in HUMAN or element.kind in ("startEvent", "endEvent", "boundaryEvent"):
        return False
    return element.is_flow_node
