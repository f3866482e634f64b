"""The outbox: what other systems and people must be told, written in the same transaction as the work that
decided it, and delivered after the commit by the relay (``relay.py``, ``flask outbox relay``), never inside
a request. The provincial credit platform is its first reader; the notifications of the clerk's day
(e-mail, 企业微信/钉钉 group robots, SMS) are rows here too: one delivery mechanism.

A row names its ``destination`` (``credit_platform``, ``email``, ``sms`` or ``robot:<department code>``) and,
for people, its ``recipient`` (an address or a mobile number); the office configures where a destination is
delivered (``endpoints.py``). Its life: ``pending`` → (claimed by a relay) ``sending`` → ``sent``; a failed
attempt puts it back to ``pending`` with a later ``next_attempt_at`` (exponential backoff), and after
WELLS_OUTBOX_MAX_ATTEMPTS failures (or a refusal that no retry can mend) it is ``failed`` until the office
resends it. Its ``idempotency_key`` is fixed when it is written and sent with every attempt, so a receiver
that saw an attempt whose answer was lost (a relay killed mid-send) can recognise the repeat.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.tables import utcnow

from ..models import Case
from .tables import (  # noqa: F401  (the outbox's vocabulary, for its users)
    CREDIT_PLATFORM,
    CREDIT_REPAIR,
    CREDIT_REPORT,
    EMAIL,
    KINDS,
    NOTICE,
    ROBOT,
    SMS,
    STATUSES,
    TEST,
    OutboxAttempt,
    OutboxMessage,
)


def destination_label(destination: str, departments: dict[str, str] | None = None) -> str:
    """The destination in words: 省信用平台, 电子邮件, 短信, or the department's group robot."""
    if destination.startswith(ROBOT):
        code = destination[len(ROBOT):]
        return f"{(departments or {}).get(code, code)}工作群机器人"
    return {CREDIT_PLATFORM: "省公共信用信息平台", EMAIL: "电子邮件", SMS: "短信"}.get(destination, destination)


def robot(department_code: str) -> str:
    return ROBOT + department_code


def enqueue(session: Session, kind: str, destination: str, payload: dict, *, case_id: int | None = None,
            recipient: str | None = None, key: str | None = None) -> bool:
    """Write one message in the caller's transaction; the relay sends it after the commit.

    ``key``: the idempotency key. A caller that may write the same message twice (a notification sweep run
    again) gives a key of its own (e.g. ``due:<task guid>:<user id>``): the second write is then dropped
    (``INSERT … ON CONFLICT DO NOTHING``) and False is returned. Without one a random key is taken.
    """
    values = {"kind": kind, "destination": destination, "recipient": recipient, "payload": payload,
              "case_id": case_id, "idempotency_key": key or str(uuid.uuid4()), "status": "pending",
              "attempts": 0, "next_attempt_at": utcnow(), "created_at": utcnow()}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = OutboxMessage.__table__
    inserted = session.execute(dialect.insert(table).values(**values)
                               .on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(table.c.id))
    return inserted.first() is not None


def notify(session: Session, destination: str, subject: str, text: str, *, recipient: str | None = None,
           case_id: int | None = None, mentions: list[str] | None = None, key: str | None = None) -> bool:
    """A message for people (a reminder, a digest): to an e-mail address or a mobile number (``recipient``
    with destination ``email`` / ``sms``) or to a department's group robot (``robot(code)``, ``mentions``:
    mobile numbers to @). The channel configured for the destination decides the wire format."""
    payload = {"subject": subject, "text": text}
    if mentions:
        payload["mentions"] = list(mentions)
    return enqueue(session, NOTICE, destination, payload, case_id=case_id, recipient=recipient, key=key)


def after_credit_step(session: Session, case: Case, form_key: str, task_guid: str, data: dict) -> None:
    """Queue the credit platform's messages a credit step decided (confirmed record, approved repair)."""
    from . import credit_messages

    if form_key == "credit_review" and data.get("credit_confirmed"):
        enqueue(session, CREDIT_REPORT, CREDIT_PLATFORM, credit_messages.report(session, case, task_guid, data),
                case_id=case.id)
    elif form_key == "credit_repair" and data.get("repair_approved"):
        enqueue(session, CREDIT_REPAIR, CREDIT_PLATFORM, credit_messages.repair(session, case, task_guid, data),
                case_id=case.id)


def for_case(session: Session, case_id: int) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)
                                .order_by(OutboxMessage.id)))
