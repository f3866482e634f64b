"""Downloading a case's official document (文书) by its number and version; on the audit trail as the
case page's download is."""
from __future__ import annotations

import io

from flask import send_file
from sqlalchemy import select

from ..core import db, workflow
from ..models import Case, Document
from . import tokens
from .base import account, blueprint, refusals
from .errors import ApiError
from .lookup import require_scope, require_town

blp = blueprint("api_documents", "文书下载。须 documents:read。")
#: Versions are counted from 1 in an INTEGER column; a larger number cannot exist.
MAX_VERSION = 2**31 - 1
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@blp.route("/documents/<string:number>/<int:version>")
@blp.response(200, description="文书文件（Word）", content_type=DOCX)
@refusals(blp, 403, 404)
def download(number, version):
    """下载一份文书的某个版本（版本见案件详情的 documents）"""
    require_scope("documents:read")
    if version > MAX_VERSION:  # a number no database column holds: no such version, not a server error
        raise ApiError(404, f"找不到文书“{number}”的第 {version} 版。")
    session = db.session()
    doc = session.scalar(select(Document).where(Document.number == number, Document.version == version))
    if doc is None:
        raise ApiError(404, f"找不到文书“{number}”的第 {version} 版。")
    case = session.get(Case, doc.case_id)
    require_town(case.town, case.id)
    workflow.engine().record(session, "document_downloaded", actor=tokens.agent(account()).actor,
                             case_id=case.id, title=doc.file_name, data={"number": doc.number, "version": doc.version})
    db.commit()
    return send_file(io.BytesIO(doc.content), mimetype=DOCX, as_attachment=True, download_name=doc.file_name)
