"""docs/procedure.md shows the diagrams as the app draws them: the committed SVGs must be current."""
from __future__ import annotations

from engine import specs
from webapp.core.config import ROOT
from webapp.diagram import export


def test_the_documented_drawings_are_what_the_app_draws_now(app):
    files = specs.read_directory(ROOT / "bpmn")
    fresh = export.drawings(files)
    committed = {p.name: p.read_text(encoding="utf-8") for p in export.DOCS.glob("*.svg")}
    assert set(committed) == set(fresh), "run: flask diagrams export"
    for name, svg in fresh.items():
        assert committed[name] == svg, f"docs/diagrams/{name} is out of date; run: flask diagrams export"


def test_the_cli_writes_one_svg_per_diagram(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["diagrams", "export", "--to", str(tmp_path)])
    assert "well_case.svg" in result.output and "penalty.svg" in result.output
    text = (tmp_path / "well_case.svg").read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "现场检查" in text and "所属镇区" in text and "市公安局" in text
