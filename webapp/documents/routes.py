"""Download a document's stored file (on the audit trail) and regenerate it (a new version)."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, send_file, url_for
from flask_login import current_user, login_required

from ..core import db, unit_of_work, workflow
from ..core.feedback import flash_errors
from ..models import Case, Document
from ..permissions import can_regenerate_document, can_view_case, require
from . import bp
from .forms import RegenerateForm
from .service import DocumentError, regenerate

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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
    workflow.engine().record(db.session(), "document_downloaded", actor=current_user.actor, case_id=case.id,
                             title=doc.file_name, data={"number": doc.number, "version": doc.version})
    db.commit()
    return send_file(io.BytesIO(doc.content), mimetype=DOCX, as_attachment=True, download_name=doc.file_name)


@bp.route("/<int:document_id>/regenerate", methods=["POST"])
@login_required
def regenerate_document(document_id: int):
    doc, case = _document(document_id)
    require(can_regenerate_document(current_user, doc), case_id=case.id)
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
