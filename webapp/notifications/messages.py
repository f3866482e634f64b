"""One reminder, to the people it concerns, by the channels each of them chose.

Every row gets an idempotency key made of the reminder's own key (kind, task, China day…) and the
person and channel: the outbox drops a second row with the same key (``INSERT … ON CONFLICT DO
NOTHING``), so a sweep run twice, or a step and a sweep that both see a new task, write it once.
Robot messages are one per department and reminder, mentioning the mobiles of the people who chose it.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..integrations import outbox
from ..models import User

KEY_MAX = 64  # outbox_message.idempotency_key


@dataclass(frozen=True)
class Reminder:
    key: str           # e.g. "due:<task guid>:2026-03-02"; made unique per person and channel below
    subject: str
    text: str
    case_id: int | None = None


def _key(*parts: str) -> str:
    key = "n:" + ":".join(parts)
    if len(key) <= KEY_MAX:
        return key
    return "n:" + hashlib.sha256(key.encode()).hexdigest()[:KEY_MAX - 2]  # same input, same key


def send(session: Session, reminder: Reminder, people: Iterable[User], robot_department: str | None) -> int:
    """Write the reminder for ``people``; returns the rows written (0 when all were written before)."""
    written, mentions = 0, []
    for user in people:
        if not user.active:
            continue
        if user.notify_email and user.email:
            written += outbox.notify(session, outbox.EMAIL, reminder.subject, reminder.text, recipient=user.email,
                                     case_id=reminder.case_id, key=_key(reminder.key, str(user.id), "email"))
        if user.notify_sms and user.mobile:
            written += outbox.notify(session, outbox.SMS, reminder.subject, reminder.text, recipient=user.mobile,
                                     case_id=reminder.case_id, key=_key(reminder.key, str(user.id), "sms"))
        if user.notify_robot and user.mobile:
            mentions.append(user.mobile)
    if mentions and robot_department:
        written += outbox.notify(session, outbox.robot(robot_department), reminder.subject, reminder.text,
                                 case_id=reminder.case_id, mentions=sorted(set(mentions)),
                                 key=_key(reminder.key, "robot", robot_department))
    return written
