"""Tasks: the inbox (inbox.py), the task page (routes.py), claim/release/assign/move (assignments.py), the
step service that completes or skips a step with its after-step writes (service.py), what a form may
start from (steps.py), the answer when a task changed under a request (answers.py), the reads (queries.py).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
