"""Supervision pages of the leading group office (领导小组办公室), which sees everything.

``/supervise/audit``: search the whole audit trail and export it (CSV, XLSX).
"""
from __future__ import annotations

from flask import Blueprint

from ..permissions import sees_everything

bp = Blueprint("supervise", __name__, url_prefix="/supervise")

# Every account of the leading group office, whatever its role ("sees everything"): the rule lives
# with the others in permissions.py.
can_supervise = sees_everything


from . import audit  # noqa: E402,F401  (registers the routes on bp)
