"""The note form's post on the case page (cases blueprint): a thin route over service.add_note."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from ...core import db, unit_of_work, workflow
from ...core.feedback import flash_errors
from ...models import Case
from ...permissions import can_mention, can_note_case, require
from .. import bp
from . import service
from .forms import CaseNoteForm


def note_form(session, user, **kwargs) -> CaseNoteForm:
    """The form as this user gets it: with the colleagues to @ for a head."""
    return CaseNoteForm.for_user(service.colleagues(session, user) if can_mention(user) else None, **kwargs)


@bp.post("/<int:case_id>/notes")
@login_required
def add_note(case_id: int):
    session = db.session()
    case = session.get(Case, case_id) or abort(404)
    require(can_note_case(current_user, case), case_id=case.id)
    form = note_form(session, current_user)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("cases.show", case_id=case.id, _anchor="notes"))
    mentions = form.mentions.data if "mentions" in form else []
    done = unit_of_work.run(lambda: service.add_note(session, workflow.engine(), case, current_user,
                                                     form.body.data, mentions or []))
    if not done:
        flash(str(done.error), "danger")
    else:
        told = f"，已提醒 {len(mentions)} 位同事" if mentions else ""
        flash(f"已添加办理意见{told}。", "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="notes"))
