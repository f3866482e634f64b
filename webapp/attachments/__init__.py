"""Photos and evidence files (附件) of a case: stored with the steps (``storage.store``, called by
``step_service``), listed on the case page, downloaded or viewed here by whoever may see the case.

Every download and view is on the audit trail (``file_downloaded``), like the documents'. Only photos
are shown in the browser (查看); they are served with the type found in their content and ``nosniff``,
so nothing uploaded is ever run as a page.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attachments", __name__, url_prefix="/attachments")
