"""The outbox: what other systems must be told, written in the same transaction as the step that decided
it, and sent after the commit by the integration (the provincial credit platform is its first reader).

A row is ``pending`` until the sender marks it ``sent``; nothing here talks to the network.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.tables import UTCDateTime, utcnow

from ..models import Base, Case

CREDIT_REPORT, CREDIT_REPAIR = "credit_report", "credit_repair"
KINDS = {CREDIT_REPORT: "报送省信用平台：失信记录", CREDIT_REPAIR: "报送省信用平台：信用修复"}


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("well_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def after_credit_step(session: Session, case: Case, form_key: str, task_guid: str, data: dict) -> None:
    """Queue the credit platform's messages a credit step decided (confirmed record, approved repair)."""
    owner = case.well.owner
    party = {"name": owner.name, "party_id": owner.party_id, "kind": owner.kind}
    if form_key == "credit_review" and data.get("credit_confirmed"):
        session.add(OutboxMessage(case_id=case.id, kind=CREDIT_REPORT, payload={
            "case": case.number, "party": party, "task": task_guid, "review_opinion": data.get("review_opinion")}))
    elif form_key == "credit_repair" and data.get("repair_approved"):
        session.add(OutboxMessage(case_id=case.id, kind=CREDIT_REPAIR, payload={
            "case": case.number, "party": party, "task": task_guid, "applied_on": data.get("applied_on"),
            "commitment_signed_on": data.get("commitment_signed_on")}))


def for_case(session: Session, case_id: int) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)
                                .order_by(OutboxMessage.id)))
