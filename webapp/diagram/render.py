"""Draw a BPMN diagram from its diagram interchange as an SVG string, on the server.

Every element is drawn where the DI puts it: pools and lanes (the lane header names the department),
tasks with an icon for their type, events (end events thicker, timers with a clock), gateways,
sequence flows with arrowheads, and the names wrapped to their shapes. ``overlays`` (element id →
``Overlay``) mark the state of a case or the heat of a step; they only add classes (coloured by
static/diagram.css), ``data-state`` attributes and short notes, so one drawing serves every view.

The SVG is built as an lxml tree, so every name is escaped; element ids are prefixed so several
drawings can share a page.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from lxml import etree

from . import glyphs
from .flows import FlowsMixin
from .glyphs import INK, SVG, add, num
from .model import ACTIVITIES, EVENTS, GATEWAYS, Bounds, Definitions, Shape, parse
from .text import text_width, wrap

FONT = "system-ui, 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
HEADER = 30       # width of a pool's or lane's name strip
PAD = 12          # space around the drawing


@dataclass
class Overlay:
    """What one element shows in a view. States: current, done, waiting (a timer), path, maybe (flows)."""

    state: str = ""
    note: str = ""             # printed next to the element: a timer's due time
    count: int | None = None   # heatmap: open tasks at this step
    level: int = 0             # heatmap: shade 0–5
    average: str = ""          # heatmap: average time spent, e.g. "平均 2.3 天"


STATES = {"current": "当前环节", "done": "已办理", "waiting": "计时中", "path": "已走过", "maybe": "可能经过"}
KINDS = {"userTask": "用户任务", "scriptTask": "脚本任务", "businessRuleTask": "业务规则任务",
         "serviceTask": "服务任务", "manualTask": "人工任务", "sendTask": "发送任务", "receiveTask": "接收任务",
         "task": "任务", "subProcess": "子流程", "callActivity": "调用活动", "startEvent": "开始事件",
         "endEvent": "结束事件", "boundaryEvent": "边界事件", "intermediateCatchEvent": "中间事件",
         "intermediateThrowEvent": "中间事件", "exclusiveGateway": "排他网关", "parallelGateway": "并行网关",
         "inclusiveGateway": "包容网关", "eventBasedGateway": "事件网关", "complexGateway": "复杂网关",
         "sequenceFlow": "顺序流", "messageFlow": "消息流"}
EVENT_KINDS = {"timer": "定时", "message": "消息", "signal": "信号", "error": "错误", "terminate": "终止",
               "escalation": "升级", "conditional": "条件", "link": "链接", "cancel": "取消", "compensate": "补偿"}


class NoDiagram(ValueError):
    """The file has no diagram interchange to draw."""


def render_svg(text: str, overlays: dict[str, Overlay] | None = None, lane_names: dict[str, str] | None = None,
               prefix: str = "bpmn", title: str = "", diagram: int = 0) -> str:
    """The SVG (a string) of one diagram of a BPMN file. ``lane_names`` maps lane names to labels."""
    definitions = parse(text)
    if len(definitions.diagrams) <= diagram:
        raise NoDiagram("这个文件没有流程图布局信息（BPMN DI），无法绘制。")
    return _Drawing(definitions, overlays or {}, lane_names or {}, prefix).draw(diagram, title)


class _Drawing(FlowsMixin):
    def __init__(self, definitions: Definitions, overlays: dict[str, Overlay], lane_names: dict[str, str],
                 prefix: str):
        self.defs, self.overlays, self.lane_names, self.prefix = definitions, overlays, lane_names, prefix
        self.box = [math.inf, math.inf, -math.inf, -math.inf]

    # -- the whole drawing ----------------------------------------------------------------------------

    def draw(self, index: int, title: str) -> str:
        diagram = self.defs.diagrams[index]
        root = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG})
        root.set("role", "img")
        root.set("aria-label", title or diagram.name or "流程图")
        root.set("font-family", FONT)
        self._markers(add(root, "defs"))
        layers = {name: add(root, "g", class_=f"bpmn-layer-{name}") for name in ("pools", "boxes", "flows", "nodes")}
        shapes = sorted(diagram.shapes, key=lambda s: (s.element.kind == "boundaryEvent", s.element.kind == "lane"))
        for shape in shapes:
            kind = shape.element.kind
            if kind in ("participant", "lane"):
                self._pool_or_lane(layers["pools"], shape)
            elif kind in ("subProcess", "transaction", "adHocSubProcess") and shape.expanded:
                self._node(layers["boxes"], shape)
            else:
                self._node(layers["nodes"], shape)
        for edge in diagram.edges:
            self._edge(layers["flows"], edge)
        x0, y0, x1, y1 = self.box if self.box[0] < math.inf else (0, 0, 100, 100)
        width, height = x1 - x0 + 2 * PAD, y1 - y0 + 2 * PAD
        root.set("viewBox", f"{num(x0 - PAD)} {num(y0 - PAD)} {num(width)} {num(height)}")
        root.set("width", "100%")
        # On a phone the drawing is not shrunk below ~75 % of its size: the container scrolls instead
        # (diagram.css; its "全图" switch lifts the limit).
        min_width = min(2400, max(300, math.ceil(width * 0.75 / 100) * 100))
        root.set("class", f"bpmn-svg bpmn-minw-{min_width}")
        return etree.tostring(root, encoding="unicode")

    def _grow(self, x: float, y: float, w: float = 0, h: float = 0) -> None:
        b = self.box
        b[0], b[1], b[2], b[3] = min(b[0], x), min(b[1], y), max(b[2], x + w), max(b[3], y + h)

    # -- pools and lanes ------------------------------------------------------------------------------

    def _pool_or_lane(self, layer, shape: Shape) -> None:
        element, b = shape.element, shape.bounds
        self._grow(b.x, b.y, b.width, b.height)
        label = element.name if element.kind == "participant" else self.lane_names.get(element.name, element.name)
        g = add(layer, "g", class_=f"bpmn-{element.kind}", data_element=element.id, id=self._id(element.id))
        add(g, "title").text = label
        add(g, "rect", x=b.x, y=b.y, width=b.width, height=b.height, fill="none", stroke=INK, stroke_width=1.5,
            class_="bpmn-body")
        if shape.horizontal:
            add(g, "rect", x=b.x, y=b.y, width=HEADER, height=b.height, fill="#f1f3f5", stroke=INK,
                stroke_width=1.5, class_="bpmn-header")
            self._vertical_text(g, label, b.x + HEADER / 2, b.y, b.height)
        else:
            add(g, "rect", x=b.x, y=b.y, width=b.width, height=HEADER, fill="#f1f3f5", stroke=INK,
                stroke_width=1.5, class_="bpmn-header")
            self._lines(g, wrap(label, b.width - 8, 13, 1), b.cx, b.y + HEADER / 2 + 5, 13, "bpmn-lane-name")

    def _vertical_text(self, g, text: str, cx: float, top: float, height: float) -> None:
        """A lane name down its header, one character under the other (two columns if it must)."""
        chars = [c for c in text if not c.isspace()]
        for size in (13, 12, 11, 10):
            per_column = max(1, int((height - 8) // (size + 1)))
            if len(chars) <= 2 * per_column:
                break
        columns = [chars[i:i + per_column] for i in range(0, len(chars), per_column)][:2]
        if len(chars) > 2 * per_column:
            columns[-1][-1] = "…"
        offsets = [0.0] if len(columns) == 1 else [(size + 1) / 2, -(size + 1) / 2]  # right column first
        t = add(g, "text", class_="bpmn-lane-name", font_size=size, fill=INK, text_anchor="middle")
        for column, dx in zip(columns, offsets):
            y = top + (height - len(column) * (size + 1)) / 2 + size * 0.88
            for k, ch in enumerate(column):
                add(t, "tspan", x=cx + dx, y=y + k * (size + 1)).text = ch

    # -- flow nodes and other shapes ------------------------------------------------------------------

    def _node(self, layer, shape: Shape) -> None:
        element, b = shape.element, shape.bounds
        overlay = self._overlay(element.id)
        category = ("task" if element.kind in ACTIVITIES else "event" if element.kind in EVENTS
                    else "gateway" if element.kind in GATEWAYS else "artifact")
        classes = ["bpmn-node", f"bpmn-{category}", f"bpmn-{element.kind}"]
        if overlay.state:
            classes.append(f"is-{overlay.state}")
        if overlay.count is not None:
            classes.append(f"heat-{overlay.level}")
        g = add(layer, "g", class_=" ".join(classes), data_element=element.id,
                data_state=overlay.state or "none", id=self._id(element.id))
        add(g, "title").text = self._tooltip(element, overlay)
        self._grow(b.x, b.y, b.width, b.height)
        if category == "task":
            self._task(g, shape, overlay)
        elif category == "event":
            self._event(g, shape)
        elif category == "gateway":
            self._gateway(g, shape)
        else:
            self._artifact(g, shape)
        if overlay.note:
            self._note(g, shape, overlay.note)

    def _task(self, g, shape: Shape, overlay: Overlay) -> None:
        element, b = shape.element, shape.bounds
        thick = 4 if element.kind == "callActivity" else 2
        add(g, "rect", x=b.x, y=b.y, width=b.width, height=b.height, rx=10, ry=10, fill="#fff", stroke=INK,
            stroke_width=thick, class_="bpmn-body")
        glyphs.task_icon(g, element.kind, b.x, b.y)
        if element.kind in ("subProcess", "callActivity") and not shape.expanded:
            glyphs.collapsed_marker(g, b)
        if shape.expanded:  # an expanded sub-process: its name at the top, its contents drawn over it
            self._lines(g, wrap(element.name, b.width - 40, 12, 1), b.x + b.width / 2, b.y + 18, 12)
            return
        bottom = b.bottom - (16 if overlay.count is not None else 4)
        lines = wrap(element.name, b.width - 12, 12, max(1, int((bottom - b.y - 16) // 14)))
        top = b.y + (bottom - b.y - len(lines) * 14) / 2
        if len(lines) >= 4:
            top = max(top, b.y + 16)  # below the type icon
        self._lines(g, lines, b.cx, top + 11, 12)
        if overlay.count is not None:
            self._heat(g, b, overlay)

    def _heat(self, g, b: Bounds, overlay: Overlay) -> None:
        if overlay.average:
            self._lines(g, [overlay.average], b.cx, b.bottom - 6, 10, "bpmn-heat-average")
        if not overlay.count:
            return  # no badge for an empty step: the busy ones stand out
        text = str(overlay.count)
        w = max(22.0, text_width(text, 12) + 12)
        badge = add(g, "g", class_="bpmn-heat-count")
        add(badge, "rect", x=b.right - w + 8, y=b.y - 10, width=w, height=20, rx=10, ry=10, fill=INK)
        self._lines(badge, [text], b.right - w / 2 + 8, b.y + 4, 12, fill="#fff")
        self._grow(b.right - w + 8, b.y - 10, w, 20)

    def _event(self, g, shape: Shape) -> None:
        element, b = shape.element, shape.bounds
        cx, cy, r = b.cx, b.cy, min(b.width, b.height) / 2
        dashed = "4 3" if (element.attrs.get("cancelActivity") == "false"
                           or element.attrs.get("isInterrupting") == "false") else None
        width = {"startEvent": 2, "endEvent": 4}.get(element.kind, 1.5)
        add(g, "circle", cx=cx, cy=cy, r=r, fill="#fff", stroke=INK, stroke_width=width, stroke_dasharray=dashed,
            class_="bpmn-body")
        if element.kind not in ("startEvent", "endEvent"):
            add(g, "circle", cx=cx, cy=cy, r=r - 3, fill="none", stroke=INK, stroke_width=1.5,
                stroke_dasharray=dashed, class_="bpmn-inner")
        glyphs.event_mark(g, element.event, cx, cy, r,
                          throwing=element.kind in ("endEvent", "intermediateThrowEvent"))
        self._label(g, shape)

    def _gateway(self, g, shape: Shape) -> None:
        element, b = shape.element, shape.bounds
        points = f"{num(b.cx)},{num(b.y)} {num(b.right)},{num(b.cy)} {num(b.cx)},{num(b.bottom)} {num(b.x)},{num(b.cy)}"
        add(g, "polygon", points=points, fill="#fff", stroke=INK, stroke_width=2, class_="bpmn-body")
        if element.kind != "exclusiveGateway" or shape.marker_visible:
            glyphs.gateway_marker(g, element.kind, b.cx, b.cy, min(b.width, b.height))
        self._label(g, shape)

    def _artifact(self, g, shape: Shape) -> None:
        element, b = shape.element, shape.bounds
        if element.kind == "textAnnotation":
            add(g, "path", d=f"M{num(b.x + 10)},{num(b.y)} H{num(b.x)} V{num(b.bottom)} H{num(b.x + 10)}",
                fill="none", stroke=INK, stroke_width=1.2, class_="bpmn-body")
            lines = wrap(element.name, b.width - 8, 11)
            self._lines(g, lines, b.x + 5, b.y + 13, 11, anchor="start")
            self._grow(b.x, b.y, b.width, len(lines) * 13 + 4)
            return
        if element.kind == "dataStoreReference":
            add(g, "path", d=f"M{num(b.x)},{num(b.y + 8)} a{num(b.width / 2)},8 0 0 0 {num(b.width)},0 "
                             f"a{num(b.width / 2)},8 0 0 0 -{num(b.width)},0 V{num(b.bottom - 8)} "
                             f"a{num(b.width / 2)},8 0 0 0 {num(b.width)},0 V{num(b.y + 8)}",
                fill="#fff", stroke=INK, stroke_width=1.5, class_="bpmn-body")
        elif element.kind in ("dataObjectReference", "dataObject", "dataInput", "dataOutput"):
            fold = min(12.0, b.width / 3)
            add(g, "path", d=f"M{num(b.x)},{num(b.y)} H{num(b.right - fold)} L{num(b.right)},{num(b.y + fold)} "
                             f"V{num(b.bottom)} H{num(b.x)} Z M{num(b.right - fold)},{num(b.y)} V{num(b.y + fold)} "
                             f"H{num(b.right)}", fill="#fff", stroke=INK, stroke_width=1.5, class_="bpmn-body")
        else:  # a group, or anything this drawing does not know: a dashed box with its name
            add(g, "rect", x=b.x, y=b.y, width=b.width, height=b.height, rx=8, ry=8, fill="none", stroke=INK,
                stroke_width=1.2, stroke_dasharray="6 3 1 3", class_="bpmn-body")
        self._label(g, shape)

    def _label(self, g, shape: Shape) -> None:
        """An event's, gateway's or artifact's name: in its DI label bounds, or under the shape."""
        name, b, lb = shape.element.name, shape.bounds, shape.label
        if not name:
            return
        if lb is not None:
            lines = wrap(name, max(lb.width, 36) + 4, 11)
            self._lines(g, lines, lb.cx, lb.y + 11, 11, "bpmn-label")
            self._grow(lb.cx - max(text_width(line, 11) for line in lines) / 2, lb.y, 0, len(lines) * 13)
            self._grow(lb.x, lb.y, lb.width, lb.height)
        else:
            lines = wrap(name, max(b.width, 90), 11)
            self._lines(g, lines, b.cx, b.bottom + 15, 11, "bpmn-label")
            self._grow(b.cx - max(b.width, 90) / 2, b.bottom, max(b.width, 90), len(lines) * 13 + 6)

    def _note(self, g, shape: Shape, note: str) -> None:
        """A short note (a timer's due time) in a pill under the element's label."""
        b, lb = shape.bounds, shape.label
        lines = wrap(shape.element.name, max(lb.width, 36) + 4, 11) if lb is not None and shape.element.name else []
        x = lb.x if lb is not None else b.x
        y = (lb.y + max(len(lines), 1) * 13 + 4) if lb is not None else b.bottom + 4 + (20 if shape.element.name else 0)
        w = text_width(note, 11) * 1.1 + 12  # the note is set in semibold
        pill = add(g, "g", class_="bpmn-note")
        add(pill, "rect", x=x, y=y, width=w, height=18, rx=9, ry=9, fill="#fff3cd", stroke="#997404", stroke_width=1)
        self._lines(pill, [note], x + 6, y + 13, 11, anchor="start")
        self._grow(x, y, w, 18)

    # -- helpers --------------------------------------------------------------------------------------

    def _lines(self, g, lines: list[str], x: float, baseline: float, size: float, klass: str = "bpmn-text",
               anchor: str = "middle", fill: str = INK) -> None:
        if not lines:
            return
        t = add(g, "text", class_=klass, font_size=size, fill=fill, text_anchor=anchor)
        for k, line in enumerate(lines):
            add(t, "tspan", x=x, y=baseline + k * (size + 2)).text = line

    def _overlay(self, element_id: str) -> Overlay:
        return self.overlays.get(element_id) or Overlay()

    def _id(self, element_id: str) -> str:
        return f"{self.prefix}-{element_id}"

    def _tooltip(self, element, overlay: Overlay) -> str:
        kind = KINDS.get(element.kind, element.kind)
        if element.event:
            kind = f"{kind}（{EVENT_KINDS.get(element.event, element.event)}）"
        parts = [element.name or element.id, kind]
        if overlay.state:
            parts.append(STATES.get(overlay.state, overlay.state))
        parts += [p for p in (overlay.note, f"待办 {overlay.count} 件" if overlay.count is not None else "",
                              overlay.average) if p]
        return " · ".join(parts)
