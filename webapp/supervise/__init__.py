"""Supervision pages of the leading group office (领导小组办公室), which sees everything.

``/supervise/audit``: search the whole audit trail and export it (CSV, XLSX).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("supervise", __name__, url_prefix="/supervise")

SUPERVISING_DEPARTMENT = "leading_office"


def can_supervise(user) -> bool:
    """Department-based: every account of the leading group office, whatever its role."""
    return user.department.code == SUPERVISING_DEPARTMENT


from . import audit  # noqa: E402,F401  (registers the routes on bp)
