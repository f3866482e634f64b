"""The rectification problem list (问题清单): written by the notice and closed out by the recheck
(service.py), listed across cases and exported (routes.py).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("problems", __name__, url_prefix="/problems")
