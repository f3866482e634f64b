"""Credit repair applications (信用修复申请): a case whose record was reported waits for the party to
apply; the water bureau records the application here, which delivers ``credit_repair_applied`` to the
case and puts 信用修复审核 in the bureau's inbox."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from forms.credit import CreditRepairApplicationForm

from ..core import db, unit_of_work, workflow
from ..core.feedback import flash_errors
from ..models import Case
from ..permissions import can_accept_credit_repair, can_view_case, require
from .queries import case_instance

bp = Blueprint("credit", __name__)
MESSAGE = "credit_repair_applied"


def waits_for_repair(instance) -> bool:
    return instance is not None and instance.status == "running" and MESSAGE in (instance.waiting_for or "")


@bp.post("/cases/<int:case_id>/credit-repair")
@login_required
def accept(case_id: int):
    session = db.session()
    case = session.get(Case, case_id) or abort(404)
    require(can_view_case(current_user, case) and can_accept_credit_repair(current_user), case_id=case.id)
    form = CreditRepairApplicationForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("cases.show", case_id=case.id))
    if not waits_for_repair(case_instance(session, case)):
        flash("这个案件当前不在等待信用修复申请，未作改动。", "warning")
        return redirect(url_for("cases.show", case_id=case.id))
    done = unit_of_work.run(lambda: workflow.engine().correlate(session, case.instance_id, MESSAGE, {
        "applied_on": form.applied_on.data.isoformat(), "note": form.application_note.data or ""},
        actor=current_user.actor))
    if not done:
        flash(str(done.error), "danger")
    else:
        flash("已受理信用修复申请，“信用修复审核”已转入市水利局待办。", "success")
    return redirect(url_for("cases.show", case_id=case.id))
