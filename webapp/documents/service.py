"""Issuing documents: fill, number, store, record — inside the caller's transaction.

A document is issued by the step whose form is submitted (same transaction: if the step fails no
number is taken; if the document fails the step is not completed). It is filled in the step and numbered
when the step commits (``numbering``), so that its series is locked only for the commit. Regenerating
(after a correction of the case data, say) adds a version under the same number and keeps every earlier
one; the deadlines it prints for the party stay those of the first issue (``party_deadlines``).
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from functools import partial

from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from engine import Engine, EngineError, audit
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
    with _refusal(kind):
        return docx_fill.fill(kind.template, context)


@contextmanager
def _refusal(kind: Kind):
    try:
        yield
    except (TemplateError, OSError, ValueError, KeyError) as exc:
        raise DocumentError(f"“{kind.name}”模板（{kind.template.name}）无法填写：{exc}。"
                            "请管理员检查模板中的 {{ }} 字段，本次提交未保存。") from exc


def _file_name(kind: Kind, number: str, version: int) -> str:
    return f"{kind.name}{number}" + (f"（第{version}版）" if version > 1 else "") + ".docx"


def _event_data(kind: Kind, number: str, version: int, sha256: str | None, deadlines: dict | None) -> dict:
    return {"kind": kind.code, "number": number, "version": version, "sha256": sha256,
            **({"deadlines": deadlines} if deadlines else {})}


def _store(session: Session, engine: Engine, case: Case, kind: Kind, year: int, serial: int, version: int,
           data: dict, task_guid: str | None, user: User, served: dict | None, number: str,
           deadlines: dict) -> Document:
    """A new version of a document whose number is known (``regenerate``). ``number``: the number its
    document was issued with (an older format included), so that the versions stay one group.
    ``deadlines``: the party's deadlines it prints (``party_deadlines.for_new_version``)."""
    body = render(kind, content.build(kind, case, number, today_in_china(), data, served, task_guid,
                                      deadlines=party_deadlines.dates(deadlines)))
    doc = Document(case_id=case.id, kind=kind.code, year=year, serial=serial, number=number, version=version,
                   task_guid=task_guid, file_name=_file_name(kind, number, version), content=body,
                   sha256=hashlib.sha256(body).hexdigest(), created_by=user.username, deadlines=deadlines or None)
    session.add(doc)
    session.flush()
    engine.record(session, "document_generated", actor=user.actor, case_id=case.id, task_guid=task_guid,
                  title=f"{kind.name} {number}", data=_event_data(kind, number, version, doc.sha256, deadlines))
    return doc


def issue_for_step(session: Session, engine: Engine, case: Case, form_key: str, task_guid: str,
                   data: dict, user: User) -> list[Document]:
    """Issue the documents of the step just completed with ``data``; returns them in issuing order.

    Each is filled now (a broken template refuses the step) with a placeholder for its number; the
    number, the file and the row come at the commit (``numbering``: the series stays locked only
    from there). Until then the documents are not in the session and their numbers are not known."""
    today = today_in_china()
    year, issued, served, tokens = today.year, [], None, ()
    for kind in issued_by(form_key, data):
        token = numbering.placeholder()
        tokens += (token,)  # a 送达回证 prints its notice's number too
        deadlines = party_deadlines.compute(kind.code, data)
        context = content.build(kind, case, token, today, data, served, task_guid,
                                deadlines=party_deadlines.dates(deadlines))
        with _refusal(kind):
            filled = docx_fill.fill_parts(kind.template, context, tokens)
        doc = Document(case_id=case.id, kind=kind.code, year=year, version=1, task_guid=task_guid,
                       created_by=user.username, deadlines=deadlines or None)
        event = audit.event("document_generated", actor=user.actor, case_id=case.id, task_guid=task_guid,
                            title=f"{kind.name} {token}", data=_event_data(kind, token, 1, None, deadlines))
        audit.append(session, engine.audit_key, [event])
        numbering.at_commit(session, token, partial(_number, kind, doc, filled, event, token))
        served = served or {"kind_name": kind.name, "number": token}
        issued.append(doc)
    return issued


def _number(kind: Kind, doc: Document, filled: docx_fill.Filled, event: dict, token: str, session: Session,
            numbers: dict[str, str]) -> str:
    """At the commit: the number taken, written into the document (and into the 送达回证 of a notice issued
    with it: ``numbers``), its row added and its audit event completed."""
    doc.serial = numbering.next_serial(session, kind.code, doc.year)
    doc.number = numbers[token] = kind.number(doc.year, doc.serial)
    doc.content = filled.docx(numbers)
    doc.sha256 = hashlib.sha256(doc.content).hexdigest()
    doc.file_name = _file_name(kind, doc.number, 1)
    session.add(doc)
    event["title"] = f"{kind.name} {doc.number}"
    event["data"].update(number=doc.number, sha256=doc.sha256)
    return doc.number


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
