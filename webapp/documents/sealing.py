"""What a 封井验收单 accepts: the sealing done last before the acceptance, and who signs.

A well is sealed in one of four ways, each a step of its own: the enforcement bureau's 封井 / 重新封井
(form ``sealing_record``, with its 封井记录), the 代履行封井 of a penalty (``penalty_substitute_sealing``,
with its 代履行封井记录), or the owner sealing it during a penalty (``penalty_seal_check`` answered 已封停,
or ``penalty_substitute_decision`` answered 已自行封井). The acceptance reads them from the audit trail,
the newest before the acceptance's own step, so a document regenerated later still names its sealing.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.tables import Event
from forms.choices import ACCEPTANCE_SIGNATORIES, DISPOSAL_TYPES
from forms.validators import format_date_zh

from .. import directory
from ..models import Case, Document

SEALING_FORMS = ("sealing_record", "penalty_substitute_sealing", "penalty_seal_check", "penalty_substitute_decision")
NONE = "—"


def _day(value: str | None) -> str:
    return format_date_zh(date.fromisoformat(value)) if value else NONE


def _record(session: Session, task_guid: str | None, kind: str) -> str:
    number = session.scalar(select(Document.number).where(Document.task_guid == task_guid, Document.kind == kind)
                            .order_by(Document.version).limit(1))
    return number or NONE


def _describe(session: Session, event: Event) -> dict | None:
    """The sealing an event records, as the 验收单 prints it; None when the event sealed nothing."""
    data, disposal = event.data or {}, dict(DISPOSAL_TYPES)
    if event.form_key == "sealing_record" and not data.get("seal_obstructed"):
        position = (f"北纬 {data['latitude']}，东经 {data['longitude']}"
                    if data.get("latitude") is not None and data.get("longitude") is not None else NONE)
        return {"how": "执法部门封井", "record": _record(session, event.task_guid, "sealing_record"),
                "sealed_on": _day(data.get("sealed_on")), "seal_no": data.get("seal_no") or NONE,
                "disposal_type": disposal.get(data.get("disposal_type"), NONE), "position": position}
    if event.form_key == "penalty_substitute_sealing":
        return {"how": "代履行封井（《中华人民共和国行政强制法》第五十条）",
                "record": _record(session, event.task_guid, "substitute_sealing_record"),
                "sealed_on": _day(data.get("substitute_sealed_on")), "seal_no": data.get("substitute_seal_no") or NONE,
                "disposal_type": disposal.get(data.get("substitute_disposal_type"), NONE), "position": NONE}
    owner = {"how": "当事人自行封井", "record": NONE, "seal_no": NONE, "disposal_type": NONE, "position": NONE}
    if event.form_key == "penalty_seal_check" and data.get("well_sealed"):
        return {**owner, "sealed_on": f"{_day(data.get('seal_checked_on'))}核查时已封停"}
    if event.form_key == "penalty_substitute_decision" and data.get("party_performed"):
        return {**owner, "sealed_on": f"催告期限内（{_day(data.get('substitute_decided_on'))}核实）"}
    return None


def accepted_sealing(session: Session, case: Case, task_guid: str | None) -> dict:
    """The sealing the acceptance step ``task_guid`` accepts (the newest before it)."""
    query = select(Event).where(Event.case_id == case.id, Event.kind == "task_completed",
                                Event.form_key.in_(SEALING_FORMS))
    acceptance = session.scalar(select(Event.chain_no).where(
        Event.task_guid == task_guid, Event.kind == "task_completed").limit(1)) if task_guid else None
    if acceptance is not None:
        query = query.where(Event.chain_no < acceptance)
    for event in session.scalars(query.order_by(Event.chain_no.desc())):
        found = _describe(session, event)
        if found:
            return found
    return {"how": NONE, "record": NONE, "sealed_on": NONE, "seal_no": NONE, "disposal_type": NONE,
            "position": NONE}


def signatories(codes: list[str] | None, case: Case) -> list[str]:
    """The units the clerk ticked, by name: the case's town and the water user by their own names."""
    names = dict(ACCEPTANCE_SIGNATORIES)
    named = {"town": directory.name(case.town), "party": f"用水户 {case.well.owner.name}"}
    return [named.get(code) or names.get(code, code) for code in codes or []]
