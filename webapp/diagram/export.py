"""The diagrams as the app draws them, written to files for the documentation (docs/diagrams/*.svg).

Lane labels are the departments' default names (not what an administrator renamed them to), so the
files depend on the diagrams alone; a test checks the committed files against a fresh drawing.
"""
from __future__ import annotations

from pathlib import Path

from ..directory.departments import NAMES
from .model import parse
from .render import render_svg

TOWN_LANE_LABEL = "所属镇区"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "diagrams"


def drawings(files: dict[str, str]) -> dict[str, str]:
    """File name (``well_case.svg``) -> SVG text, for every .bpmn file of a diagram version."""
    out = {}
    for name in sorted(n for n in files if n.endswith(".bpmn")):
        text, stem = files[name], name.removesuffix(".bpmn")
        title = "、".join(p_name or p_id for p_id, p_name in parse(text).processes) or name
        svg = render_svg(text, None, {**NAMES, "town": TOWN_LANE_LABEL}, prefix=stem, title=title)
        out[f"{stem}.svg"] = '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"
    return out


def write(files: dict[str, str], folder: Path = DOCS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, svg in drawings(files).items():
        (folder / name).write_text(svg, encoding="utf-8")
        written.append(folder / name)
    return written
