"""Issuing documents: number, fill, store, record — inside the caller's transaction.

A document is issued by the step whose form is submitted (same transaction: if the step fails no
number is taken; if the document fails the step is not completed). Regenerating (after a correction
of the case data, say) adds a version under the same number and keeps every earlier one; the deadlines it
prints for the party stay those of the first issue (``party_deadlines``).
"""
from __future__ import annotations

import hashlib

from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from engine import Engine, EngineError
from engine.tables import Event
from rules.timezone import today_in_china

from ..models import Case, Document, User
from . import content, docx_fill, numbering, party_deadlines
from .catalogue import KINDS, Kind, issued_by


class DocumentError(EngineError):
    """A document could not be made (a broken template): the step is refused with this message."""


def render(kind: Kind, context: dict) -> bytes:
    """The filled template (prepared once per template file: ``docx_fill``; StrictUndefined, so that a
    misspelt field in an edited template fails loudly instead of leaving a blank)."""
    try:
        return docx_fill.fill(kind.template, context)
    except (TemplateError, OSError, ValueError, KeyError) as exc:
        raise DocumentError(f"“{kind.name}”模板（{kind.template.name}）无法填写：{exc}。"
                            "请管理员检查模板中的 {{ }} 字段，本次提交未保存。") from exc


def _store(session: Session, engine: Engine, case: Case, kind: Kind, year: int, serial: int, version: int,
           data: dict, task_guid: str | None, user: User, served: dict | None, number: str | None = None,
           deadlines: dict | None = None) -> Document:
    """``number``: a regenerated version keeps the number its document was issued with (an older
    format included), so that the versions stay one group. ``deadlines``: the party's deadlines a new
    version prints (``party_deadlines.for_new_version``); a first issue computes them."""
    today = today_in_china()
    number = number or kind.number(year, serial)
    if deadlines is None:
        deadlines = party_deadlines.compute(kind.code, data)
    body = render(kind, content.build(kind, case, number, today, data, served, task_guid,
                                      deadlines=party_deadlines.dates(deadlines)))
    suffix = f"（第{version}版）" if version > 1 else ""
    doc = Document(case_id=case.id, kind=kind.code, year=year, serial=serial, number=number, version=version,
                   task_guid=task_guid, file_name=f"{kind.name}{number}{suffix}.docx", content=body,
                   sha256=hashlib.sha256(body).hexdigest(), created_by=user.username, deadlines=deadlines or None)
    session.add(doc)
    session.flush()
    engine.record(session, "document_generated", actor=user.actor, case_id=case.id, task_guid=task_guid,
                  title=f"{kind.name} {number}", data={"kind": kind.code, "number": number, "version": version,
                                                      "sha256": doc.sha256,
                                                      **({"deadlines": deadlines} if deadlines else {})})
    return doc


def issue_for_step(session: Session, engine: Engine, case: Case, form_key: str, task_guid: str,
                   data: dict, user: User) -> list[Document]:
    """Issue the documents of the step just completed with ``data``; returns them in issuing order."""
    year = today_in_china().year
    issued, served = [], None
    for kind in issued_by(form_key, data):
        serial = numbering.next_serial(session, kind.code, year)
        doc = _store(session, engine, case, kind, year, serial, 1, data, task_guid, user, served)
        served = served or {"kind_name": kind.name, "number": doc.number}
        issued.append(doc)
    return issued


def step_data(session: Session, task_guid: str | None) -> dict:
    """The values the issuing step was completed with, as the audit log keeps them."""
    if task_guid is None:
        return {}
    return session.scalar(select(Event.data).where(Event.task_guid == task_guid, Event.kind == "task_completed")
                          .order_by(Event.id.desc()).limit(1)) or {}


def regenerate(session: Session, engine: Engine, doc: Document, user: User, reason: str) -> Document:
    """A new version of ``doc``'s number from the case as it is now and the step's recorded values, with the
    deadlines the party was told (``party_deadlines``)."""
    kind = KINDS[doc.kind]
    # Lock the number's versions so that two regenerations at once cannot both take the same version.
    versions = session.execute(select(Document.version, Document.deadlines).where(
        Document.kind == doc.kind, Document.year == doc.year, Document.serial == doc.serial)
        .order_by(Document.version).with_for_update()).all()
    data = step_data(session, doc.task_guid)
    by_step = [] if doc.task_guid is None else session.scalars(select(Document.deadlines).where(
        Document.task_guid == doc.task_guid, Document.kind == doc.kind).order_by(Document.id.desc())).all()
    deadlines = party_deadlines.for_new_version(kind.code, data, versions[-1].deadlines, by_step)
    served = None
    if kind.code == "service_receipt":
        notice = session.scalar(select(Document).where(Document.task_guid == doc.task_guid,
                                                       Document.kind == "rectification_notice").limit(1))
        served = {"kind_name": KINDS["rectification_notice"].name, "number": notice.number} if notice else None
    case = session.get(Case, doc.case_id)
    new = _store(session, engine, case, kind, doc.year, doc.serial, versions[-1].version + 1,
                 data, doc.task_guid, user, served, number=doc.number, deadlines=deadlines)
    engine.record(session, "document_regenerated", actor=user.actor, case_id=case.id, task_guid=doc.task_guid,
                  title=f"{kind.name} {doc.number}", data={"reason": reason, "version": new.version})
    return new


def for_case(session: Session, case_id: int) -> list[list[Document]]:
    """A case's documents grouped by number (in issuing order), each group newest version first.
    The files themselves are not loaded: the list only needs their names."""
    groups: dict[str, list[Document]] = {}
    for doc in session.scalars(select(Document).options(defer(Document.content))
                               .where(Document.case_id == case_id).order_by(Document.id)):
        groups.setdefault(doc.number, []).insert(0, doc)
    return list(groups.values())
