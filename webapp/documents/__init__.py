"""Official documents (文书) of a case: issued by the steps, listed on the case, downloaded, regenerated.

``service.issue_for_step`` is called by the task route in the step's transaction; this blueprint
serves the stored files and makes new versions.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")
