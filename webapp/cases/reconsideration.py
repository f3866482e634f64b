"""Registering a party's application for reconsideration or its suit (登记复议/诉讼) on the case page.

Each application is a process of its own (bpmn/reconsideration.bpmn) for the same case: the justice
bureau handles it while the case goes on, as the law wants (the decision is not suspended).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from forms.reconsideration import KINDS, ReconsiderationApplicationForm

from ..core import db, unit_of_work, workflow
from ..core.feedback import flash_errors
from ..models import Case
from ..permissions import can_register_reconsideration, can_view_case, require

bp = Blueprint("reconsideration", __name__)
PROCESS = "reconsideration"


@bp.post("/cases/<int:case_id>/reconsideration")
@login_required
def register(case_id: int):
    session = db.session()
    case = session.get(Case, case_id) or abort(404)
    require(can_view_case(current_user, case) and can_register_reconsideration(current_user), case_id=case.id)
    form = ReconsiderationApplicationForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("cases.show", case_id=case.id, _anchor="reconsideration"))
    data = form.task_data()
    well = case.well
    done = unit_of_work.run(lambda: workflow.engine().start(
        session, PROCESS, case.id, context={"town": case.town, "well_no": well.well_no, "party_name": well.owner.name},
        data=data, actor=current_user.actor))
    if not done:
        flash(str(done.error), "danger")
    else:
        late = "（申请已超过法定期限，由复议机关或法院决定是否受理）" if data["applied_late"] else ""
        flash(f"已登记{dict(KINDS)[data['review_kind']]}，“办理复议/应诉”已转入市司法局待办；"
              f"原决定不停止执行{late}。", "success")
    return redirect(url_for("cases.show", case_id=case.id))
