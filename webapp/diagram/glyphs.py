"""Small drawings inside shapes: task-type icons, event-definition marks and gateway markers.

Each function adds SVG elements to a parent group; colours come from classes (see static/diagram.css)
with presentation attributes as the fallback, so an SVG saved on its own still looks right.
"""
from __future__ import annotations

import math

from lxml import etree

SVG = "http://www.w3.org/2000/svg"
INK = "#212529"


def num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def add(parent, tag: str, **attrs):
    """A child element; ``class_`` for class, underscores in other names become hyphens."""
    clean = {}
    for key, value in attrs.items():
        if value is None:
            continue
        key = "class" if key == "class_" else key.replace("_", "-")
        clean[key] = num(value) if isinstance(value, float) else str(value)
    return etree.SubElement(parent, f"{{{SVG}}}{tag}", clean)


def path(parent, d: str, fill: str = "none", **attrs):
    return add(parent, "path", d=d, fill=fill, stroke=attrs.pop("stroke", INK), **attrs)


# -- task icons (top-left corner of the task) --------------------------------------------------------

def task_icon(parent, kind: str, x: float, y: float) -> None:
    g = add(parent, "g", class_=f"bpmn-icon bpmn-icon-{kind}", stroke=INK, fill="none", stroke_width=1.2)
    x0, y0 = x + 6, y + 5
    if kind == "userTask":
        add(g, "circle", cx=x0 + 7, cy=y0 + 4.5, r=3.2, fill="#fff")
        path(g, f"M{num(x0 + 1)},{num(y0 + 15)} v-2.5 a6,5 0 0 1 12,0 v2.5 z", fill="#fff")
    elif kind == "scriptTask":
        path(g, f"M{num(x0 + 3)},{num(y0)} h10 q-3.5,3.5 0,7.5 t0,7.5 h-10 q3.5,-3.5 0,-7.5 t0,-7.5 z")
        for dy in (4, 7.5, 11):
            add(g, "line", x1=x0 + 4.5, y1=y0 + dy, x2=x0 + 10.5, y2=y0 + dy)
    elif kind == "businessRuleTask":
        add(g, "rect", x=x0, y=y0 + 1, width=16, height=12)
        add(g, "rect", x=x0, y=y0 + 1, width=16, height=3.5, fill=INK, class_="bpmn-icon-fill")
        add(g, "line", x1=x0, y1=y0 + 8.7, x2=x0 + 16, y2=y0 + 8.7)
        add(g, "line", x1=x0 + 5, y1=y0 + 4.5, x2=x0 + 5, y2=y0 + 13)
    elif kind == "serviceTask":
        add(g, "circle", cx=x0 + 7, cy=y0 + 7, r=5.2, stroke_width=3, stroke_dasharray="2.04 2.04")
        add(g, "circle", cx=x0 + 7, cy=y0 + 7, r=3.6, fill="#fff")
        add(g, "circle", cx=x0 + 7, cy=y0 + 7, r=1.5)
    elif kind in ("sendTask", "receiveTask"):
        envelope(g, x0 + 8, y0 + 7, 15, filled=kind == "sendTask")
    elif kind == "manualTask":
        path(g, f"M{num(x0)},{num(y0 + 6)} h11 a1.5,1.5 0 0 1 0,3 h-4 h5 a1.5,1.5 0 0 1 0,3 h-5 "
                f"h4 a1.5,1.5 0 0 1 0,3 h-11 z")


def collapsed_marker(parent, bounds) -> None:
    """The ⊞ at the bottom of a collapsed sub-process or call activity."""
    x, y = bounds.cx - 7, bounds.bottom - 16
    g = add(parent, "g", class_="bpmn-icon", stroke=INK, fill="none", stroke_width=1.2)
    add(g, "rect", x=x, y=y, width=14, height=14)
    add(g, "path", d=f"M{num(x + 3)},{num(y + 7)} h8 M{num(x + 7)},{num(y + 3)} v8")


def envelope(parent, cx: float, cy: float, width: float, filled: bool = False) -> None:
    w, h = width, width * 0.68
    x, y = cx - w / 2, cy - h / 2
    fill = INK if filled else "#fff"
    add(parent, "rect", x=x, y=y, width=w, height=h, fill=fill, stroke=INK,
        class_="bpmn-icon-fill" if filled else None)
    path(parent, f"M{num(x)},{num(y)} L{num(cx)},{num(cy + h * 0.1)} L{num(x + w)},{num(y)}",
         stroke="#fff" if filled else INK)


# -- event marks ------------------------------------------------------------------------------------

def event_mark(parent, event: str | None, cx: float, cy: float, r: float, throwing: bool) -> None:
    if not event:
        return
    g = add(parent, "g", class_=f"bpmn-mark bpmn-mark-{event}", stroke=INK, fill="none", stroke_width=1.3)
    fill = INK if throwing else "none"
    if event == "timer":
        add(g, "circle", cx=cx, cy=cy, r=r * 0.62, fill="#fff")
        for k in range(12):
            a = k * math.pi / 6
            inner = r * (0.46 if k % 3 == 0 else 0.52)
            add(g, "line", x1=cx + inner * math.sin(a), y1=cy - inner * math.cos(a),
                x2=cx + r * 0.6 * math.sin(a), y2=cy - r * 0.6 * math.cos(a), stroke_width=0.8)
        path(g, f"M{num(cx)},{num(cy - r * 0.42)} L{num(cx)},{num(cy)} L{num(cx + r * 0.3)},{num(cy + r * 0.12)}",
             stroke_width=1.6, class_="bpmn-clock-hands")
    elif event == "message":
        envelope(g, cx, cy, r * 1.15, filled=throwing)
    elif event == "signal":
        s = r * 0.62
        path(g, f"M{num(cx)},{num(cy - s)} L{num(cx + s * 0.87)},{num(cy + s * 0.5)} "
                f"L{num(cx - s * 0.87)},{num(cy + s * 0.5)} z", fill=fill)
    elif event == "error":
        s = r * 0.55
        path(g, f"M{num(cx - s)},{num(cy + s)} L{num(cx - s * 0.4)},{num(cy - s)} L{num(cx + s * 0.2)},{num(cy + s * 0.2)} "
                f"L{num(cx + s)},{num(cy - s)} L{num(cx + s * 0.4)},{num(cy + s)} L{num(cx - s * 0.2)},{num(cy - s * 0.2)} z",
             fill=fill)
    elif event == "escalation":
        s = r * 0.6
        path(g, f"M{num(cx)},{num(cy - s)} L{num(cx + s * 0.6)},{num(cy + s)} L{num(cx)},{num(cy + s * 0.3)} "
                f"L{num(cx - s * 0.6)},{num(cy + s)} z", fill=fill)
    elif event == "terminate":
        add(g, "circle", cx=cx, cy=cy, r=r * 0.6, fill=INK, class_="bpmn-icon-fill")
    elif event == "conditional":
        s = r * 0.5
        add(g, "rect", x=cx - s * 0.8, y=cy - s, width=s * 1.6, height=s * 2, fill="#fff")
        for k in range(4):
            add(g, "line", x1=cx - s * 0.5, y1=cy - s * 0.6 + k * s * 0.4, x2=cx + s * 0.5, y2=cy - s * 0.6 + k * s * 0.4)
    elif event == "link":
        s = r * 0.55
        path(g, f"M{num(cx - s)},{num(cy - s * 0.3)} h{num(s)} v-{num(s * 0.4)} l{num(s)},{num(s * 0.7)} "
                f"l-{num(s)},{num(s * 0.7)} v-{num(s * 0.4)} h-{num(s)} z", fill=fill)
    elif event == "cancel":
        s = r * 0.4
        path(g, f"M{num(cx - s)},{num(cy - s)} L{num(cx + s)},{num(cy + s)} M{num(cx + s)},{num(cy - s)} "
                f"L{num(cx - s)},{num(cy + s)}", stroke_width=3)
    elif event == "compensate":
        s = r * 0.45
        path(g, f"M{num(cx - s * 1.2)},{num(cy)} l{num(s * 1.1)},-{num(s)} v{num(s * 2)} z "
                f"M{num(cx)},{num(cy)} l{num(s * 1.1)},-{num(s)} v{num(s * 2)} z", fill=fill)


# -- gateway markers --------------------------------------------------------------------------------

def gateway_marker(parent, kind: str, cx: float, cy: float, size: float) -> None:
    g = add(parent, "g", class_="bpmn-mark", stroke=INK, fill="none", stroke_width=3, stroke_linecap="round")
    s = size * 0.2
    if kind == "exclusiveGateway":
        path(g, f"M{num(cx - s)},{num(cy - s)} L{num(cx + s)},{num(cy + s)} M{num(cx + s)},{num(cy - s)} "
                f"L{num(cx - s)},{num(cy + s)}")
    elif kind == "parallelGateway":
        s *= 1.25
        path(g, f"M{num(cx)},{num(cy - s)} V{num(cy + s)} M{num(cx - s)},{num(cy)} H{num(cx + s)}")
    elif kind == "inclusiveGateway":
        add(g, "circle", cx=cx, cy=cy, r=s * 1.2, stroke_width=2.5)
    elif kind == "complexGateway":
        t = s * 0.75
        path(g, f"M{num(cx)},{num(cy - s * 1.2)} V{num(cy + s * 1.2)} M{num(cx - s * 1.2)},{num(cy)} H{num(cx + s * 1.2)} "
                f"M{num(cx - t)},{num(cy - t)} L{num(cx + t)},{num(cy + t)} M{num(cx + t)},{num(cy - t)} L{num(cx - t)},{num(cy + t)}",
             stroke_width=2.5)
    elif kind == "eventBasedGateway":
        add(g, "circle", cx=cx, cy=cy, r=s * 1.4, stroke_width=1)
        add(g, "circle", cx=cx, cy=cy, r=s * 1.15, stroke_width=1)
        points = " ".join(f"{num(cx + s * 0.75 * math.sin(k * 2 * math.pi / 5))},"
                          f"{num(cy - s * 0.75 * math.cos(k * 2 * math.pi / 5))}" for k in range(5))
        add(g, "polygon", points=points, stroke_width=1.2)
