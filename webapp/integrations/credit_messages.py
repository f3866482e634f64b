"""What the provincial credit platform is told: the record reported (失信记录) and its repair (信用修复).

Built in the step's transaction from the case's record — the party as registered, the act as the credit
record states it, the decision the party did not comply with (the penalty decision when one was given, else
the rectification notice) with its number, date and legal basis, the measure and its period, and the
issuing unit — so the message is complete on its own; the platform never calls back. docs/integrations.md
describes every field.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.articles import PENALTIES
from rules.timezone import CHINA, today_in_china

from ..directory.departments import NAMES
from ..models import Case, Department, Document

SCHEMA = "wells.credit/1"
# The measure itself: the integrity file of water users (地下水管理条例 Art 53), reported to the platform.
MEASURE = {"code": "integrity_file", "name": "记入用水户诚信档案并报送省公共信用信息平台",
           "basis": "《地下水管理条例》第五十三条"}
REPAIR_BASIS = "《山东省社会信用条例》第四十一条"
CITY = "乳山市"
ISSUER = "water"  # the water bureau records the act, decides the penalty and grants the repair


def _latest(session: Session, case_id: int, form_key: str) -> dict:
    from ..tasks.steps import CaseInfo

    case = session.get(Case, case_id)
    return CaseInfo(session, case).latest(form_key)


def _document(session: Session, case_id: int, kind: str) -> Document | None:
    """The case's latest document of this kind (its latest version carries the number it was issued with)."""
    return session.scalar(select(Document).where(Document.case_id == case_id, Document.kind == kind)
                          .order_by(Document.year.desc(), Document.serial.desc(), Document.version.desc()).limit(1))


def _unit(session: Session, code: str) -> dict:
    """A unit as the platform files it: its full name (市水利局 → 乳山市水利局) and its code here."""
    name = session.scalar(select(Department.name).where(Department.code == code)) or NAMES.get(code, code)
    full = name if name.startswith(CITY) else CITY[:2] + name if name.startswith("市") else CITY + name
    return {"code": code, "name": full}


def party(case: Case) -> dict:
    owner = case.well.owner
    enterprise = owner.kind == "enterprise"
    return {"kind": owner.kind, "kind_label": "法人和非法人组织" if enterprise else "自然人",
            "name": owner.name, "id_type": "统一社会信用代码" if enterprise else "居民身份证号码",
            "id": owner.party_id, "legal_representative": owner.legal_rep or None, "address": owner.address or None}


def decision(session: Session, case: Case) -> dict | None:
    """The decision behind the record: the penalty decision if the case has one that punished, else the
    rectification notice the party did not comply with (None if neither was made)."""
    penalty = _latest(session, case.id, "penalty_decision")
    if penalty.get("decision_kind") == "penalty":
        document = _document(session, case.id, "penalty_decision")
        basis = PENALTIES.get(penalty.get("decision_legal_basis") or "")
        return {"kind": "penalty_decision", "name": "行政处罚决定书", "number": document.number if document else None,
                "date": penalty.get("decided_on"), "facts": penalty.get("decision_facts"),
                "legal_basis": [basis.citation] if basis else [], "fine_amount": penalty.get("fine_amount"),
                "order": penalty.get("rectify_order")}
    notice = _latest(session, case.id, "rectification_notice")
    if not notice:
        return None
    document = _document(session, case.id, "rectification_notice")
    return {"kind": "rectification_notice", "name": "责令限期整改通知书",
            "number": document.number if document else None,
            "date": document.created_at.astimezone(CHINA).date().isoformat() if document else None,
            "served_on": notice.get("notice_served_on"), "facts": notice.get("notice_problems"),
            "legal_basis": list(notice.get("basis_articles") or []), "fine_amount": None, "order": None}


def report(session: Session, case: Case, task_guid: str, data: dict) -> dict:
    """The 失信记录 message of a confirmed credit review (form ``credit_review``)."""
    record = _latest(session, case.id, "credit_record")
    confirmed_on = today_in_china().isoformat()
    return {
        "schema": SCHEMA, "type": "credit_report", "case": case.number, "task": task_guid,
        "party": party(case),
        "act": {"description": record.get("credit_fact"), "recorded_on": record.get("recorded_on"),
                "notified_on": record.get("notified_on")},
        "decision": decision(session, case),
        "measure": {**MEASURE, "starts_on": record.get("recorded_on") or confirmed_on,
                    "ends_on": data.get("sanction_until"),
                    "ends": "期满之日" if data.get("sanction_until") else "信用修复之日"},
        "review": {"confirmed_on": confirmed_on, "opinion": data.get("review_opinion")},
        "issuing_unit": _unit(session, ISSUER),
        "reviewing_unit": _unit(session, "leading_office"),
    }


def repair(session: Session, case: Case, task_guid: str, data: dict) -> dict:
    """The 信用修复 message of an approved repair (form ``credit_repair``): it ends the reported measure."""
    record = _latest(session, case.id, "credit_record")
    approved_on = today_in_china().isoformat()
    return {
        "schema": SCHEMA, "type": "credit_repair", "case": case.number, "task": task_guid,
        "party": party(case),
        "act": {"description": record.get("credit_fact"), "recorded_on": record.get("recorded_on")},
        "decision": decision(session, case),
        "measure": {**MEASURE, "starts_on": record.get("recorded_on"), "ends_on": approved_on, "ends": "信用修复之日"},
        "repair": {"applied_on": data.get("applied_on"), "commitment_signed_on": data.get("commitment_signed_on"),
                   "approved_on": approved_on, "opinion": data.get("review_opinion"), "basis": REPAIR_BASIS,
                   "corrected": data.get("corrected"), "fine_paid": data.get("fine_paid"),
                   "checks": data.get("repair_checks") or []},
        "issuing_unit": _unit(session, ISSUER),
    }
