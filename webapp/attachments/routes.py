"""Download or view (photos only) an attachment, for whoever may see its case; on the audit trail."""
from __future__ import annotations

from flask import abort, render_template, send_file
from flask_login import current_user, login_required

from ..core import db, workflow
from ..models import Attachment, Case
from ..permissions import can_view_case, require
from . import bp, storage


@bp.get("/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    return _send(attachment_id, inline=False)


@bp.get("/<int:attachment_id>/view")
@login_required
def view(attachment_id: int):
    return _send(attachment_id, inline=True)


def _send(attachment_id: int, inline: bool):
    session = db.session()
    row = session.get(Attachment, attachment_id) or abort(404)
    case = session.get(Case, row.case_id)
    require(can_view_case(current_user, case), case_id=case.id)
    if inline and not row.is_image:
        abort(404)
    path = storage.path_of(row)
    if path is None:
        return render_template("error.html", code=404, title="文件不存在",
                               text="这个附件的文件已不在服务器上，请联系管理员从备份中恢复。"), 404
    workflow.engine().record(session, "file_downloaded", actor=current_user.actor, case_id=case.id,
                             task_guid=row.task_guid, title=row.file_name[:128],
                             data={"attachment": row.id, "sha256": row.sha256, "inline": inline})
    db.commit()
    response = send_file(path, mimetype=row.content_type, as_attachment=not inline, download_name=row.file_name,
                         conditional=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"  # personal data on shared office PCs
    return response
