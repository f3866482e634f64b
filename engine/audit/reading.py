"""Reading the audit trail for a page: only what lies within the heads, each event marked if it does not hold."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tables import AuditAlarm, AuditHead, Event
from .sealing import event_is_genuine, head_is_genuine

_head = AuditHead.__table__


def within_heads():
    """Condition on ``Event``: inside its chain's head. A row beyond a head was not written by this
    system (the head moves in the transaction that inserts), so the timeline and the search leave it out."""
    return Event.chain_no <= (select(_head.c.chain_no).where(_head.c.id == Event.chain)
                              .correlate(Event).scalar_subquery())


UNTRUSTED_EVENT = "此记录的哈希校验不通过：可能被改动或伪造，不可采信。请领导小组办公室运行审计校验核查"
UNTRUSTED_HEAD = "所在审计链的链头签名不符，此记录无法确认。请领导小组办公室运行审计校验核查"


class Marker:
    """Says what is wrong with an event shown to a user (None: its hash and its chain's head hold).

    Cheap enough for a page: the heads are read once, each event costs one HMAC. It checks the
    event itself, not its neighbours: ``verify`` walks the chains."""

    def __init__(self, session: Session, key: bytes):
        self.key = key
        self.bad_heads = {h.id for h in session.execute(select(_head))
                          if not head_is_genuine(key, h.id, h.chain_no, h.last_hash, h.signature)}

    def __call__(self, row: Event) -> str | None:
        if not event_is_genuine(self.key, row):
            return UNTRUSTED_EVENT
        if row.chain in self.bad_heads:
            return UNTRUSTED_HEAD
        return None

    def mark(self, rows):
        """Set ``audit_warning`` on each event (for the templates); returns the rows."""
        for row in rows:
            row.audit_warning = self(row)
        return rows


def open_alarms(session: Session) -> list[AuditAlarm]:
    return list(session.scalars(select(AuditAlarm).where(AuditAlarm.resolved_at.is_(None)).order_by(AuditAlarm.id)))

