"""The department's task inbox."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from engine.store import utcnow

from . import db
from .departments import DEPARTMENTS, TOWN
from .queries import InboxFilters, inbox

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("/")
@login_required
def index():
    filters = InboxFilters(
        town=request.args.get("town") or None,
        step=request.args.get("step") or None,
        overdue=request.args.get("overdue") == "1",
        q=(request.args.get("q") or "").strip() or None,
    )
    page = inbox(db.session(), current_user.department.code, filters,
                 page=request.args.get("page", 1, type=int), size=current_app.config["PAGE_SIZE"], now=utcnow())
    towns = [(code, name) for code, name, kind in DEPARTMENTS if kind == TOWN]
    return render_template("inbox/index.html", page=page, filters=filters, towns=towns, now=utcnow())
