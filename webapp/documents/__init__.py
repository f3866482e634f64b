"""Official documents (文书) of a case: issued by the steps, listed on the case, downloaded, regenerated.

``service.issue_for_step`` is called by the task route in the step's transaction; this blueprint
serves the stored files and makes new versions.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields import SubmitField

from engine.tables import Event
from forms.base import ZhForm
from forms.common import long_text

from .. import db, unit_of_work, workflow
from ..cases_service import actor_of
from ..feedback import flash_errors
from ..models import Case, Document
from ..permissions import can_view_case, is_supervisor, require
from .catalogue import KINDS
from .service import DocumentError, regenerate

bp = Blueprint("documents", __name__, url_prefix="/documents")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class RegenerateForm(ZhForm):
    reason = long_text("重新生成的原因", max_len=500, description="如：更正了当事人名称，需重新出具")
    submit = SubmitField("重新生成")


def may_regenerate(user, doc: Document) -> bool:
    """The issuing authority, the department that did the step, and the office's supervisors."""
    if is_supervisor(user):
        return True
    step_department = db.session().scalar(select(Event.actor_department).where(
        Event.task_guid == doc.task_guid, Event.kind == "task_completed").limit(1))
    return bool({KINDS[doc.kind].issuer, step_department} & set(user.inboxes))


def _document(document_id: int) -> tuple[Document, Case]:
    session = db.session()
    doc = session.get(Document, document_id) or abort(404)
    case = session.get(Case, doc.case_id)
    require(can_view_case(current_user, case), case_id=case.id)
    return doc, case


@bp.route("/<int:document_id>/download")
@login_required
def download(document_id: int):
    doc, case = _document(document_id)
    workflow.engine().record(db.session(), "document_downloaded", actor=actor_of(current_user), case_id=case.id,
                             title=doc.file_name, data={"number": doc.number, "version": doc.version})
    db.commit()
    return send_file(io.BytesIO(doc.content), mimetype=DOCX, as_attachment=True, download_name=doc.file_name)


@bp.route("/<int:document_id>/regenerate", methods=["POST"])
@login_required
def regenerate_document(document_id: int):
    doc, case = _document(document_id)
    require(may_regenerate(current_user, doc), case_id=case.id)
    form = RegenerateForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("cases.show", case_id=case.id, _anchor="documents"))
    done = unit_of_work.run(lambda: regenerate(db.session(), workflow.engine(), doc, current_user, form.reason.data),
                            DocumentError)
    if done:
        flash(f"已重新生成“{done.value.file_name}”，原版本仍保留。", "success")
    else:
        flash(str(done.error), "danger")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="documents"))
