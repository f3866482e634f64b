"""Sequence flows, message flows and associations of a drawing: lines, arrowheads and their labels.

A mixin of the drawing in render.py (it uses its overlays, id prefix, text and extent helpers).
"""
from __future__ import annotations

import math

from .glyphs import INK, add, num
from .model import ACTIVITIES, Edge
from .text import text_width, wrap


class FlowsMixin:
    def _markers(self, defs) -> None:
        """Arrowheads (plain, on the path taken, maybe taken), and the ends of message flows."""
        def marker(name: str, d: str, fill: str, klass: str, ref_x: float = 10, size: float = 11):
            m = add(defs, "marker", id=f"{self.prefix}-{name}", viewBox="0 0 10 10", refX=ref_x, refY=5,
                    markerWidth=size, markerHeight=size, markerUnits="userSpaceOnUse", orient="auto")
            add(m, "path", d=d, fill=fill, stroke=INK, stroke_width=1, class_=klass)
        for state in ("", "path", "maybe"):
            marker(f"arrow{'-' + state if state else ''}", "M0,1 L10,5 L0,9 z", INK,
                   f"bpmn-arrow{' is-' + state if state else ''}")
        marker("open-arrow", "M0,1 L10,5 L0,9 z", "#fff", "bpmn-arrow-open")
        marker("circle", "M1,5 a4,4 0 1 0 8,0 a4,4 0 1 0 -8,0", "#fff", "bpmn-arrow-open", ref_x=1, size=9)
        marker("diamond", "M0,5 L5,1 L10,5 L5,9 z", "#fff", "bpmn-arrow-open", ref_x=0, size=14)

    def _edge(self, layer, edge: Edge) -> None:
        element = edge.element
        overlay = self._overlay(element.id)
        classes = ["bpmn-flow", f"bpmn-{element.kind}"] + ([f"is-{overlay.state}"] if overlay.state else [])
        g = add(layer, "g", class_=" ".join(classes), data_element=element.id, data_state=overlay.state or "none",
                id=self._id(element.id))
        add(g, "title").text = self._tooltip(element, overlay)
        for x, y in edge.points:
            self._grow(x, y)
        points = " ".join(f"{num(x)},{num(y)}" for x, y in edge.points)
        line = {"fill": "none", "stroke": INK, "stroke_width": 1.5, "class_": "bpmn-line",
                "stroke_linejoin": "round"}
        if element.kind == "sequenceFlow":
            suffix = f"-{overlay.state}" if overlay.state in ("path", "maybe") else ""
            line["marker_end"] = f"url(#{self.prefix}-arrow{suffix})"
            source = self.defs.elements.get(element.attrs.get("sourceRef", ""))
            if source is not None and source.attrs.get("default") == element.id:
                self._default_slash(g, edge.points)
            elif element.conditional and source is not None and source.kind in ACTIVITIES:
                line["marker_start"] = f"url(#{self.prefix}-diamond)"
        elif element.kind == "messageFlow":
            line.update(stroke_dasharray="7 4", marker_start=f"url(#{self.prefix}-circle)",
                        marker_end=f"url(#{self.prefix}-open-arrow)")
        else:  # associations (and data associations, which point)
            line.update(stroke_dasharray="2 3")
            if element.kind.startswith("data") or element.attrs.get("associationDirection") == "One":
                line["marker_end"] = f"url(#{self.prefix}-open-arrow)"
        add(g, "polyline", points=points, **line)
        if element.name:
            self._edge_label(g, edge)

    def _default_slash(self, g, points) -> None:
        (x1, y1), (x2, y2) = points[0], points[1]
        length = math.hypot(x2 - x1, y2 - y1) or 1
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        mx, my = x1 + ux * 10, y1 + uy * 10
        nx, ny = -uy, ux
        add(g, "line", x1=mx - 5 * ux + 5 * nx, y1=my - 5 * uy + 5 * ny, x2=mx + 5 * ux - 5 * nx,
            y2=my + 5 * uy - 5 * ny, stroke=INK, stroke_width=1.5, class_="bpmn-line")

    def _edge_label(self, g, edge: Edge) -> None:
        name, lb = edge.element.name, edge.label
        if lb is not None:
            lines = wrap(name, max(lb.width, 30) + 4, 11)
            cx, top = lb.cx, lb.y
        else:
            middle = len(edge.points) // 2
            (x1, y1), (x2, y2) = edge.points[middle - 1], edge.points[middle]
            lines = wrap(name, 90, 11)
            cx, top = (x1 + x2) / 2, (y1 + y2) / 2 - len(lines) * 13 - 2
        self._lines(g, lines, cx, top + 11, 11, "bpmn-flow-label")
        widest = max(text_width(line, 11) for line in lines)
        self._grow(cx - widest / 2, top, widest, len(lines) * 13)
