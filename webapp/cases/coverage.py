"""Announcing that the public network covers an area: the permitted wells there go to closure.

The water bureau's head or a supervisor of the office names the towns (and villages) and the document;
the page first lists the wells that will move, then, confirmed, delivers the ``network_arrives``
message to each of their cases in one transaction (all or none), on the audit trail.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forms.coverage import CoverageForm

from .. import directory
from ..core import db, unit_of_work, workflow
from ..directory.departments import TOWN
from ..permissions import can_announce_coverage, require
from .queries import NETWORK_ARRIVES, waiting_cases

bp = Blueprint("coverage", __name__, url_prefix="/coverage")


def init_app(app) -> None:
    app.add_template_global(can_announce_coverage, "may_announce_coverage")


@bp.route("/", methods=["GET", "POST"])
@login_required
def announce():
    require(can_announce_coverage(current_user))
    form = CoverageForm()
    form.towns.choices = directory.choices(TOWN)
    session = db.session()
    cases, status = None, 200
    if form.validate_on_submit():
        cases = waiting_cases(session, form.towns.data, form.village_list())
        if form.submit.data and form.confirmed.data == "1":
            payload = {"towns": form.towns.data, "villages": form.village_list(),
                       "effective_on": form.effective_on.data.isoformat(), "document_no": form.document_no.data}
            engine, actor = workflow.engine(), current_user.actor

            def announce_to_cases():
                for case in cases:
                    engine.correlate(session, case.instance_id, NETWORK_ARRIVES, payload, actor=actor)
                engine.record(session, "coverage_announced", actor=actor, title=form.document_no.data,
                              data={**payload, "reason": form.reason.data, "cases": [c.id for c in cases]})

            done = unit_of_work.run(announce_to_cases)
            if not done:
                flash(f"发布未完成，没有任何案件被改变：{done.error}", "danger")
                status = 422
            else:
                flash(f"已发布管网覆盖（{form.document_no.data}）：{len(cases)} 口已办证自备井转入关闭封井程序。",
                      "success")
                return redirect(url_for("coverage.announce"))
        elif form.submit.data:  # 确认发布 without the preview's confirmation (an old page, a lost field)
            flash("尚未发布，没有任何案件被改变：请先核对下方将转入关闭封井程序的自备井，确认无误后再点“确认发布”。", "warning")
            status = 422
        form.confirmed.data = "1"
    elif form.is_submitted():
        status = 422
    return render_template("coverage/announce.html", form=form, cases=cases), status
