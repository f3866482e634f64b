"""The department's task inbox."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from engine.overrides import spanning_timers
from engine.stage import STAGES
from engine.tables import utcnow
from forms.assignment import AssignForm

from .. import directory
from ..cases.queries import instances_by_id
from ..core import db, last_view, workflow
from ..directory.departments import TOWN
from ..permissions import is_head_of, is_supervisor
from .assignments import assignee_choices
from .queries import SORTS, VIEWS, InboxFilters, inbox

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
#: The inbox's filters, remembered as the last view (core/last_view.py) under LAST_VIEW in the session.
PARAMS = ("dept", "view", "step", "town", "overdue", "q", "sort", "stage")
LAST_VIEW = "inbox_view"


@bp.get("/")
@login_required
def index():
    back = last_view.recall(LAST_VIEW, PARAMS)
    if back is not None:
        return back
    last_view.remember(LAST_VIEW, PARAMS)
    filters = InboxFilters(
        town=request.args.get("town") or None,
        step=request.args.get("step") or None,
        overdue=request.args.get("overdue") == "1",
        q=(request.args.get("q") or "").strip() or None,
        view=request.args.get("view") if request.args.get("view") in VIEWS else "all",
        sort=request.args.get("sort") if request.args.get("sort") in SORTS else "default",
        stage=request.args.get("stage") if request.args.get("stage") in STAGES else None,
    )
    inboxes = current_user.inboxes
    department = request.args.get("dept") if request.args.get("dept") in inboxes else inboxes[0]
    page = inbox(db.session(), department, current_user.username, filters,
                 page=request.args.get("page", 1, type=int), size=current_app.config["PAGE_SIZE"], now=utcnow(),
                 spans=spanning_timers(workflow.engine().current),
                 after=request.args.get("after") or None, before=request.args.get("before") or None)
    towns = directory.choices(TOWN)
    assign_form = None
    if is_head_of(current_user, department) or is_supervisor(current_user):
        assign_form = AssignForm()
        assign_form.assignee.choices = assignee_choices(department)
    return render_template("inbox/index.html", page=page, filters=filters, towns=towns, now=utcnow(),
                           views=VIEWS, sorts=SORTS, assign_form=assign_form, department=department,
                           inboxes=inboxes, timer_titles=workflow.engine().current.timer_events,
                           instances=instances_by_id(db.session(), [t.instance_id for t in page.rows]))
