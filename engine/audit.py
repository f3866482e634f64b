"""The audit trail: append-only, hash-chained events, written in the transaction of the change.

Every event carries its position in the chain (``chain_no``), the previous event's hash and its own:
``hash = HMAC-SHA256(key, prev_hash + canonical content)``. Appending locks the single chain-head row
until commit, so positions are handed out in one order with no gaps. ``verify`` walks the chain and
names the first event that was altered, removed or inserted; with a key the database does not hold,
someone who can write the tables still cannot re-forge the chain after editing it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from .store import AuditHead, Event, utcnow

CHINA = ZoneInfo("Asia/Shanghai")
GENESIS = "0" * 64
_event = Event.__table__
_head = AuditHead.__table__
_LOCK_HEAD = select(_head.c.chain_no, _head.c.last_hash).where(_head.c.id == 1).with_for_update()
# The content fields, in the order they are hashed.
CONTENT = ("chain_no", "instance_id", "case_id", "kind", "actor", "actor_department", "task_guid",
           "task_spec", "title", "form_key", "data", "created_at")


def event(kind: str, *, instance=None, case_id: int | None = None, actor=None, task_guid: str | None = None,
          task_spec: str | None = None, title: str | None = None, form_key: str | None = None,
          data: dict | None = None) -> dict:
    """One event's values (not yet chained). ``actor`` is an ``engine.runtime.Actor`` (None: the system)."""
    return {
        "instance_id": instance.id if instance is not None else None,
        "case_id": case_id if case_id is not None else (instance.case_id if instance is not None else None),
        "kind": kind,
        "actor": getattr(actor, "username", None) or "system",
        "actor_department": getattr(actor, "department", None),
        "task_guid": task_guid,
        "task_spec": task_spec,
        "title": title,
        "form_key": form_key,
        "data": data or {},
        "created_at": utcnow(),
    }


def _content(values) -> bytes:
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    fields = []
    for name in CONTENT:
        value = get(name)
        if name == "created_at":
            value = value.astimezone(timezone.utc).isoformat(timespec="microseconds")
        fields.append(value)
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal(key: bytes, prev_hash: str, values) -> str:
    return hmac.new(key, prev_hash.encode() + _content(values), hashlib.sha256).hexdigest()


def chain(session: Session, key: bytes, events: list[dict]) -> tuple[int, str]:
    """Lock the chain head and link ``events`` to it in place; returns the new (chain_no, last hash).

    The caller inserts the events and moves the head in the same transaction (``append`` does both;
    the engine's PostgreSQL write folds them into its one statement).
    """
    chain_no, prev = session.connection().execute(_LOCK_HEAD).one()
    for values in events:
        chain_no += 1
        values["chain_no"] = chain_no
        values["prev_hash"] = prev
        values["hash"] = prev = seal(key, prev, values)
    return chain_no, prev


def append(session: Session, key: bytes, events: list[dict]) -> None:
    """Chain and insert events, and move the head."""
    if not events:
        return
    chain_no, last_hash = chain(session, key, events)
    conn = session.connection()
    conn.execute(insert(_event), events)
    conn.execute(update(_head).where(_head.c.id == 1).values(chain_no=chain_no, last_hash=last_hash))


def last_completion(session: Session, task_guid: str) -> Event | None:
    """Who completed a task and when, for the 'already handled' message."""
    return session.scalar(select(Event).where(Event.task_guid == task_guid, Event.kind == "task_completed")
                          .order_by(Event.chain_no.desc()).limit(1))


@dataclass
class Verdict:
    ok: bool
    checked: int
    chain_no: int | None = None  # where the chain first breaks
    event_id: int | None = None
    problem: str = ""


def verify(session: Session, key: bytes, batch: int = 5000) -> Verdict:
    """Walk the chain up to its end as it stands now; the first event that does not fit is reported.

    The head is read first: events appended while the walk runs lie beyond it and are left for the
    next check, instead of making the end look cut off.
    """
    head = session.execute(select(_head.c.chain_no, _head.c.last_hash).where(_head.c.id == 1)).one()
    prev, expected_no, checked = GENESIS, 1, 0
    last_id = None
    while True:
        query = select(Event).where(Event.chain_no <= head.chain_no).order_by(Event.chain_no).limit(batch)
        if checked:
            query = query.where(Event.chain_no >= expected_no)
        rows = list(session.scalars(query))
        if not rows:
            break
        for row in rows:
            if row.chain_no != expected_no:  # chain_no is unique: a gap means removed events
                return Verdict(False, checked, expected_no, row.id, f"第 {expected_no} 号事件缺失（被删除）")
            if row.prev_hash != prev:
                return Verdict(False, checked, row.chain_no, row.id, "与前一事件的链接不符（前面有事件被删除、插入或改动）")
            if not hmac.compare_digest(row.hash, seal(key, prev, row)):
                return Verdict(False, checked, row.chain_no, row.id, "内容与哈希不符（事件被改动）")
            prev, expected_no, checked, last_id = row.hash, expected_no + 1, checked + 1, row.id
        session.expunge_all()
    if head.chain_no != checked or head.last_hash != prev:
        return Verdict(False, checked, checked + 1, last_id, f"链尾应为第 {head.chain_no} 号事件（末尾的事件被删除）")
    return Verdict(True, checked)
