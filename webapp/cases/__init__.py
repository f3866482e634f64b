"""Cases (整治案件): the list and the case page (routes.py), registration and correction (service.py), the
list's export (export.py), the case page's entries credit.py (信用修复申请), reconsideration.py (复议/诉讼)
and coverage.py (/coverage/: the network's arrival), and the reads (queries.py).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")
