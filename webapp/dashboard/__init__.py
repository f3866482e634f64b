"""Campaign dashboard, campaign phases, and the weekly dispatch / monthly summary / briefing.

``/dashboard/`` progress by town, category and step, overdue tasks by department, disposal counts and
the weekly trend for a period, with the phases' timeline; ``/dashboard/reports/`` generate a report
for a period (page and DOCX), publish it (kept, versioned) and list what was published. For the
leading group office (``sees_everything``); anyone else gets a recorded 403.

Modules: ``figures`` (the numbers, one function), ``charts`` (pygal), ``phases`` (settings, timeline),
``reports`` (heading, publication), ``docx_render`` + ``build_template`` (the DOCX), ``forms``,
``tables`` (the table), ``routes`` (the pages). This file declares the blueprint and imports none of
them: ``webapp/tables.py`` imports ``tables`` for the metadata, and that must not pull in the pages.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
