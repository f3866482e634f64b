"""Fill the report template (``report_template.docx``, built by ``build_template.py``) with docxtpl."""
from __future__ import annotations

import io
from pathlib import Path

from docxtpl import DocxTemplate

TEMPLATE = Path(__file__).with_name("report_template.docx")


def render(context: dict, template: Path = TEMPLATE) -> bytes:
    """The DOCX bytes. Autoescape: a town or department name with ``&`` or ``<`` stays text, not XML."""
    document = DocxTemplate(str(template))
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
