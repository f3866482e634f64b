"""The relay: delivers the outbox after the commit, safe with any number of relays running at once.

One message at a time, in three steps, so that no database lock is held while the network is slow:

1. **claim** (a short transaction): the earliest due row — ``pending`` and due, or ``sending`` with its
   lease run out (a relay killed mid-send) — locked with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; on SQLite
   the transaction holds the write lock from ``BEGIN IMMEDIATE``, so claims are serialized), marked
   ``sending`` with a fresh claim token and ``next_attempt_at`` = the end of the lease, committed. A second
   relay skips it: two relays never send a message twice while its lease lasts, and the lease (more than
   twice the send timeout) outlasts any send;
2. **send**, outside any transaction, with the message's own idempotency key;
3. **record** (a short transaction): only under the claim's token — sent; or failed again, back to
   ``pending`` after an exponential backoff; or ``failed`` after WELLS_OUTBOX_MAX_ATTEMPTS failures or a
   refusal no retry can mend. Every attempt is an ``outbox_attempt`` row.

A lease that ran out counts as a failed attempt whose outcome is unknown ("lost"): a message that kills
the relay every time ends up ``failed`` instead of looping for ever.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine
from engine.tables import utcnow

from . import endpoints
from .channels import DeliveryFailed, deliver
from .outbox import EMAIL, OutboxAttempt, OutboxMessage
from .settings import RelaySettings

log = logging.getLogger(__name__)
LOST = "上一次发送未完成（发送程序中断或超时），结果不明；以相同幂等键重发"


@dataclass
class Sweep:
    """What one sweep did."""
    sent: int = 0
    retried: int = 0
    failed: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


@dataclass(frozen=True)
class Claim:
    message_id: int
    token: str
    started_at: datetime
    message: OutboxMessage  # detached copy: what is sent
    target: endpoints.Target | None  # None: e-mail
    problem: str | None = None  # the endpoint could not be opened (its secret is unreadable)


def deliverable(session: Session, settings: RelaySettings) -> list[str]:
    """Destinations the relay can deliver now; messages to others wait, ``pending``, until configured."""
    return endpoints.configured(session) + ([EMAIL] if settings.email_configured else [])


def claim(session: Session, settings: RelaySettings, now: datetime | None = None) -> Claim | None:
    """Take the earliest due message (see the module's docstring); the caller commits."""
    now = now or utcnow()
    while True:
        row = session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.destination.in_(deliverable(session, settings)))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True))
        if row is None:
            return None
        if row.status == "sending":  # a relay was killed mid-send (or timed out past its lease)
            session.add(OutboxAttempt(message_id=row.id, started_at=now, finished_at=now, outcome="lost",
                                      detail=LOST))
            row.attempts += 1
            if row.attempts >= settings.max_attempts:
                _fail(row, now, LOST)
                session.flush()
                continue
        row.status, row.claim_token = "sending", str(uuid.uuid4())
        row.next_attempt_at = now + timedelta(seconds=settings.lease)
        session.flush()
        target, problem = None, None
        if row.destination != EMAIL:
            try:
                target = endpoints.target(session, settings.secret_key, row.destination)
            except endpoints.SecretUnreadable as exc:
                problem = str(exc)
        session.expunge(row)  # keep a detached copy to send from after this transaction has ended
        return Claim(row.id, row.claim_token, now, row, target, problem)


def record(session: Session, settings: RelaySettings, claimed: Claim, answer: str | None,
           failure: DeliveryFailed | None, now: datetime | None = None) -> str:
    """Write the attempt's outcome under the claim's token: ``sent``, ``retry``, ``failed`` or ``lost``
    (the lease ran out and another relay took the message: it records, not us)."""
    now = now or utcnow()
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.id == claimed.message_id,
                                                     OutboxMessage.claim_token == claimed.token).with_for_update())
    if row is None:
        return "lost"
    row.claim_token = None
    if failure is None:
        row.status, row.sent_at, row.last_error = "sent", now, None
        outcome, detail = "sent", answer or ""
    else:
        row.attempts += 1
        detail = failure.detail
        if failure.permanent or row.attempts >= settings.max_attempts:
            _fail(row, now, detail)
            outcome = "failed"
        else:
            row.status, row.last_error = "pending", detail
            row.next_attempt_at = now + timedelta(seconds=settings.retry_after(row.attempts))
            outcome = "retry"
    session.add(OutboxAttempt(message_id=row.id, started_at=claimed.started_at, finished_at=now,
                              outcome=outcome, detail=detail[:2000]))
    return outcome


def _fail(row: OutboxMessage, now: datetime, detail: str) -> None:
    row.status, row.failed_at, row.last_error, row.claim_token = "failed", now, detail, None


def send_one(session_factory, settings: RelaySettings) -> str | None:
    """Claim, send and record one message; its outcome, or None when nothing is due."""
    with session_factory() as session, session.begin():
        claimed = claim(session, settings)
    if claimed is None:
        return None
    answer, failure = None, None
    if claimed.problem:
        failure = DeliveryFailed(claimed.problem)
    else:
        try:
            answer = deliver(claimed.message, claimed.target, settings)
        except DeliveryFailed as exc:
            failure = exc
        except Exception as exc:  # a bug in a channel must not stop the other messages: recorded, retried
            log.exception("发送消息 %s 时出错", claimed.message_id)
            failure = DeliveryFailed(f"发送程序出错（{type(exc).__name__}）")
    with session_factory() as session, session.begin():
        return record(session, settings, claimed, answer, failure)


def run_once(session_factory, settings: RelaySettings, limit: int = 1000) -> Sweep:
    """Deliver every message due now (at most ``limit``), one per claim."""
    sweep = Sweep()
    for _ in range(limit):
        outcome = send_one(session_factory, settings)
        if outcome is None:
            break
        if outcome == "sent":
            sweep.sent += 1
        elif outcome == "retry":
            sweep.retried += 1
        elif outcome == "failed":
            sweep.failed += 1
    return sweep


class NotResendable(Exception):
    """The message is not (or no longer) failed: someone resent it meanwhile, or it was delivered."""


def resend(session: Session, engine: Engine, actor: Actor, message_id: int, reason: str) -> OutboxMessage:
    """The office sends a failed message again (with a reason, on the audit trail): back to ``pending``,
    due now, its failures counted afresh, with the same idempotency key — the receiver may have seen it."""
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update())
    if row is None or row.status != "failed":
        raise NotResendable("这条消息当前不是“发送失败”状态（可能已由他人重发），未作改动。")
    before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
    row.status, row.attempts, row.next_attempt_at, row.failed_at = "pending", 0, utcnow(), None
    session.flush()
    engine.record(session, "outbox_resent", actor=actor, case_id=row.case_id,
                  title=f"重发外发消息：{row.kind_label}",
                  data={"message": row.id, "kind": row.kind, "destination": row.destination,
                        "idempotency_key": row.idempotency_key, "reason": reason, "before": before})
    return row
