"""What the tests of the official documents share: a served notice, a document's text, the case's documents."""
from __future__ import annotations

import io

from docx import Document as Docx
from sqlalchemy import select
from web_support import instance_version, problem_rows, submit, walk_to_notice

from webapp.core import db
from webapp.models import Document

NOTICE = {**problem_rows(("no_permit", "未办理取水许可", "stop_and_seal", 5),
                        ("no_meter", "未安装取水计量设施", "install_meter", 5)),
          "notice_served_on": "2026-03-02", "service_method": "lodged",
          "legal_basis": "《中华人民共和国水法》第六十九条\n《地下水管理条例》第五十六条"}


def text_of(body: bytes) -> str:
    """All the text of a DOCX, paragraphs and table cells, as a reader sees it."""
    doc = Docx(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def documents(app, case_id=1):
    with app.app_context():
        return [(d.kind, d.number, d.version) for d in db.session().scalars(
            select(Document).where(Document.case_id == case_id).order_by(Document.id))]


def serve_notice(app, login, data=None):
    water, guid = walk_to_notice(app, login)
    response = submit(water, guid, {**NOTICE, **(data or {})}, instance_version(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    return water


def download(client, app, kind, version=1, case_id=1, nth=1):
    """The ``nth`` document of ``kind`` issued for the case (in issuing order), as its download."""
    with app.app_context():
        doc_id = db.session().scalars(select(Document.id).where(Document.case_id == case_id, Document.kind == kind,
                                                                Document.version == version)
                                      .order_by(Document.id)).all()[nth - 1]
    response = client.get(f"/documents/{doc_id}/download")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    return response
