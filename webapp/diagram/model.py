"""Read a BPMN 2.0 file into what drawing it needs: the elements (semantics) and their diagram interchange.

Only what the drawing uses is kept: each element's kind (the XML tag), name, a few attributes, its
event definition, and from the DI each shape's bounds and label bounds and each edge's waypoints. The
flow graph (sequence flows between flow nodes) is kept too: the case view infers the path taken on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

# Diagram files come from the repository or the engine's stored versions; still, no entities, no network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)

GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
ACTIVITIES = {"task", "userTask", "scriptTask", "businessRuleTask", "serviceTask", "sendTask", "receiveTask",
              "manualTask", "subProcess", "callActivity", "transaction", "adHocSubProcess"}
FLOW_NODES = GATEWAYS | EVENTS | ACTIVITIES
# Steps a person works on; everything else in a process runs by itself between them.
HUMAN = {"userTask", "manualTask"}


@dataclass(frozen=True)
class Bounds:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2


@dataclass
class Element:
    id: str
    kind: str                     # the BPMN tag without namespace: userTask, exclusiveGateway, lane…
    name: str = ""
    process: str | None = None    # the process (or sub-process) it belongs to
    event: str | None = None      # timer, message, signal, error… for events
    attrs: dict[str, str] = field(default_factory=dict)
    conditional: bool = False     # a sequence flow with a condition expression
    incoming: list[str] = field(default_factory=list)   # sequence flow ids
    outgoing: list[str] = field(default_factory=list)

    @property
    def is_flow_node(self) -> bool:
        return self.kind in FLOW_NODES


@dataclass
class Shape:
    element: Element
    bounds: Bounds
    label: Bounds | None = None
    horizontal: bool = True
    marker_visible: bool = True
    expanded: bool = False


@dataclass
class Edge:
    element: Element
    points: list[tuple[float, float]]
    label: Bounds | None = None


@dataclass
class Diagram:
    id: str
    name: str
    shapes: list[Shape] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


@dataclass
class Definitions:
    elements: dict[str, Element]
    processes: list[tuple[str, str]]           # (id, name) of every process
    diagrams: list[Diagram]

    def flow(self, flow_id: str) -> Element:
        return self.elements[flow_id]

    def start_events(self, process_id: str) -> list[str]:
        return [e.id for e in self.elements.values() if e.kind == "startEvent" and e.process == process_id]

    def flow_nodes(self) -> list[Element]:
        return [e for e in self.elements.values() if e.is_flow_node]

    def sequence_flows(self) -> list[Element]:
        return [e for e in self.elements.values() if e.kind == "sequenceFlow"]


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _bounds(node) -> Bounds | None:
    if node is None:
        return None
    return Bounds(*(float(node.get(a, 0)) for a in ("x", "y", "width", "height")))


def _name(node) -> str:
    if _local(node.tag) == "textAnnotation":
        return "".join(node.findtext(f"{{{BPMN}}}text") or "").strip()
    return (node.get("name") or "").strip()


@lru_cache(maxsize=32)
def parse(text: str) -> Definitions:
    """The elements and diagrams of one BPMN file (cached by content: drawings are made per request)."""
    root = etree.fromstring(text.encode("utf-8"), _PARSER)
    elements: dict[str, Element] = {}
    processes: list[tuple[str, str]] = []
    for node in root.iter(f"{{{BPMN}}}*"):
        kind, node_id = _local(node.tag), node.get("id")
        if not node_id or kind.endswith("EventDefinition") or kind in ("definitions", "laneSet"):
            continue
        owner = next((a for a in node.iterancestors() if _local(a.tag) in ("process", "subProcess")), None)
        element = Element(id=node_id, kind=kind, name=_name(node),
                          process=owner.get("id") if owner is not None else None,
                          attrs={k: v for k, v in node.attrib.items() if "}" not in k})
        if kind == "process":
            processes.append((node_id, element.name))
        if kind in EVENTS:
            definition = next((c for c in node if _local(c.tag).endswith("EventDefinition")), None)
            if definition is not None:
                element.event = _local(definition.tag).removesuffix("EventDefinition")
        if kind == "sequenceFlow":
            element.conditional = node.find(f"{{{BPMN}}}conditionExpression") is not None
        if kind == "lane":
            element.attrs["nodes"] = " ".join(r.text.strip() for r in node.findall(f"{{{BPMN}}}flowNodeRef") if r.text)
        elements[node_id] = element
    for flow in [e for e in elements.values() if e.kind == "sequenceFlow"]:
        source, target = elements.get(flow.attrs.get("sourceRef", "")), elements.get(flow.attrs.get("targetRef", ""))
        if source is not None:
            source.outgoing.append(flow.id)
        if target is not None:
            target.incoming.append(flow.id)
    return Definitions(elements=elements, processes=processes, diagrams=_diagrams(root, elements))


def _diagrams(root, elements: dict[str, Element]) -> list[Diagram]:
    diagrams = []
    for number, node in enumerate(root.iter(f"{{{BPMNDI}}}BPMNDiagram")):
        diagram = Diagram(id=node.get("id") or f"diagram{number}", name=node.get("name") or "")
        for shape in node.iter(f"{{{BPMNDI}}}BPMNShape"):
            element = elements.get(shape.get("bpmnElement", ""))
            bounds = _bounds(shape.find(f"{{{DC}}}Bounds"))
            if element is None or bounds is None:
                continue
            diagram.shapes.append(Shape(
                element=element, bounds=bounds,
                label=_bounds(shape.find(f"{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds")),
                horizontal=shape.get("isHorizontal", "true") != "false",
                marker_visible=shape.get("isMarkerVisible", "true") != "false",
                expanded=shape.get("isExpanded", "false") == "true"))
        for edge in node.iter(f"{{{BPMNDI}}}BPMNEdge"):
            element = elements.get(edge.get("bpmnElement", ""))
            points = [(float(p.get("x", 0)), float(p.get("y", 0))) for p in edge.findall(f"{{{DI}}}waypoint")]
            if element is None or len(points) < 2:
                continue
            diagram.edges.append(Edge(element=element, points=points,
                                      label=_bounds(edge.find(f"{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds"))))
        diagrams.append(diagram)
    return diagrams


def process_file(files: dict[str, str], process_id: str) -> str | None:
    """The name of the .bpmn file (of one diagram version) that defines a process."""
    for name in sorted(files):
        if name.endswith(".bpmn") and process_id in {p for p, _ in parse(files[name]).processes}:
            return name
    return None
