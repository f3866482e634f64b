"""Each stage's colour and shape on the map: the one source for the points (map.js draws the shapes from these
vertices) and for the legend (the same vertices as SVG), so the two cannot differ.

Colours are Okabe and Ito's palette for colour-blind readers (and grey for 已撤销); each stage also has its own
shape, so colour is never the only cue, and the legend and every popup name the stage in words.
"""
from __future__ import annotations

import math

from engine.stage import STAGES


def _regular(n: int, radius: float, turn: float = -90.0) -> list[tuple[float, float]]:
    return [(radius * math.cos(math.radians(turn + i * 360 / n)), radius * math.sin(math.radians(turn + i * 360 / n)))
            for i in range(n)]


def _star(points: int, outer: float, inner: float) -> list[tuple[float, float]]:
    corners = []
    for i in range(points * 2):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + i * 180 / points)
        corners.append((radius * math.cos(angle), radius * math.sin(angle)))
    return corners


def _plus(arm: float, half: float, turn: float = 0.0) -> list[tuple[float, float]]:
    corners = [(-half, -arm), (half, -arm), (half, -half), (arm, -half), (arm, half), (half, half), (half, arm),
               (-half, arm), (-half, half), (-arm, half), (-arm, -half), (-half, -half)]
    c, s = math.cos(math.radians(turn)), math.sin(math.radians(turn))
    return [(x * c - y * s, x * s + y * c) for x, y in corners]


#: shape name -> corners of a polygon around (0, 0) with radius about 1 (y downwards, as on a screen);
#: None: a circle.
SHAPES: dict[str, list[tuple[float, float]] | None] = {
    "circle": None,
    "triangle": _regular(3, 1.3),
    "square": [(-0.9, -0.9), (0.9, -0.9), (0.9, 0.9), (-0.9, 0.9)],
    "diamond": _regular(4, 1.25),
    "hexagon": _regular(6, 1.1),
    "star": _star(5, 1.35, 0.6),
    "triangle-down": _regular(3, 1.3, 90.0),
    "plus": _plus(1.15, 0.4),
    "cross": _plus(1.2, 0.4, 45.0),
}

#: stage -> (colour, shape)
STAGE_SYMBOLS: dict[str, tuple[str, str]] = {
    "inspection": ("#56B4E9", "circle"),
    "rectifying": ("#E69F00", "triangle"),
    "sealed": ("#009E73", "square"),
    "permitted": ("#0072B2", "diamond"),
    "exempt": ("#F0E442", "hexagon"),
    "penalty": ("#D55E00", "star"),
    "credit": ("#CC79A7", "triangle-down"),
    "closed": ("#000000", "plus"),
    "cancelled": ("#999999", "cross"),
}
#: a case whose process has not started (no stage yet)
UNKNOWN = "none"
UNKNOWN_SYMBOL = ("#FFFFFF", "circle")
UNKNOWN_LABEL = "未启动"


def legend() -> list[dict]:
    """The legend's entries in the stages' order: code, label, colour, shape and the SVG path of the shape
    (a 20 × 20 box; None for a circle)."""
    entries = []
    for code, (colour, shape) in [*STAGE_SYMBOLS.items(), (UNKNOWN, UNKNOWN_SYMBOL)]:
        entries.append({"code": code, "label": STAGES.get(code, UNKNOWN_LABEL), "colour": colour, "shape": shape,
                        "path": svg_path(shape, 10, 10, 6.5)})
    return entries


def svg_path(shape: str, cx: float, cy: float, radius: float) -> str | None:
    corners = SHAPES[shape]
    if corners is None:
        return None
    return "M" + " L".join(f"{cx + x * radius:.2f},{cy + y * radius:.2f}" for x, y in corners) + " Z"


def for_script() -> dict:
    """What map.js draws with: stage -> {colour, corners (None: a circle), label}."""
    symbols = {code: {"colour": colour, "corners": _rounded(SHAPES[shape]), "label": STAGES[code]}
               for code, (colour, shape) in STAGE_SYMBOLS.items()}
    symbols[UNKNOWN] = {"colour": UNKNOWN_SYMBOL[0], "corners": None, "label": UNKNOWN_LABEL}
    return symbols


def _rounded(corners):
    return None if corners is None else [[round(x, 3), round(y, 3)] for x, y in corners]
