"""Appending to the audit trail: events buffered on the session, chained and inserted right before the commit.

``append`` only buffers the events on the session. ``flush`` chains and inserts them right before the
commit (a ``before_commit`` session event, so no caller can forget it: web requests, the timer worker,
CLI commands and tests all commit through a session): it locks the heads of the chains it needs, in
ascending id order in one statement, links each event to the one before it (``sealing.seal``), and
moves and re-signs the heads. A rolled-back transaction (or savepoint) drops its events with it.

A row found beyond a head was not written by this system (the head moves in the transaction that
inserts): the append does not fail, it records a ``wf_audit_alarm``, logs an error, and continues after
the foreign rows, linked to the true head's hash.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ..tables import AuditAlarm, AuditHead, Event, utcnow
from .sealing import CHAINS, seal, sign_head

log = logging.getLogger("wells.audit")

_event = Event.__table__
_head = AuditHead.__table__
_alarm = AuditAlarm.__table__
_PENDING = "wells.audit.pending"
#: ``session.info`` key: functions called as ``observe(session, events)`` with the transaction's buffered
#: events right before they are chained at the commit (a session factory puts them in its ``info``). The
#: one place where what a transaction did (tasks opened by any path: a step, a timer, an override, a
#: registration, a bulk load…) can be acted on in that same transaction; an observer may write rows.
OBSERVERS = "wells.audit.observers"

_beyond = _event.alias("beyond")
# The heads a commit needs, locked in id order, each with the last position of any row found beyond it
# (index-served by the unique (chain, chain_no) index).
_LOCK_HEADS = (select(_head.c.id, _head.c.chain_no, _head.c.last_hash,
                      select(func.max(_beyond.c.chain_no))
                      .where(_beyond.c.chain == _head.c.id, _beyond.c.chain_no > _head.c.chain_no)
                      .scalar_subquery())
               .where(_head.c.id.in_(bindparam("ids", expanding=True)))
               .order_by(_head.c.id).with_for_update(of=_head))
_UPDATE_HEAD = (update(_head).where(_head.c.id == bindparam("chain"))
                .values(chain_no=bindparam("no"), last_hash=bindparam("hash"), signature=bindparam("sig")))


def event(kind: str, *, instance=None, case_id: int | None = None, actor=None, task_guid: str | None = None,
          task_spec: str | None = None, title: str | None = None, form_key: str | None = None,
          data: dict | None = None) -> dict:
    """One event's values (not yet chained). ``actor`` is an ``engine.actors.Actor`` (None: the system)."""
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


def chain_of(values) -> int:
    """The chain of an event: its case's (so a case's events are in one chain, in order), else its actor's."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    case_id = get("case_id")
    if case_id is not None:
        return case_id % CHAINS + 1
    digest = hashlib.sha256((get("actor") or "system").encode()).digest()
    return int.from_bytes(digest[:4], "big") % CHAINS + 1



@dataclass
class _Pending:
    key: bytes
    entries: list = field(default_factory=list)  # (the transaction it was added in, or None; values)


def append(session: Session, key: bytes, events: list[dict]) -> None:
    """Add events to the transaction: they are chained and inserted when it commits (``flush``).

    Until then they are not in the table: a query in the same transaction does not see them.
    """
    if not events:
        return
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Pending(key)
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        # No statement yet: the session has not begun its transaction, so a rollback now would be no
        # transaction's end and would leave these events for the next commit. Begin it (autobegin).
        session.connection()
        transaction = session.get_transaction()
    pending.entries.extend((transaction, values) for values in events)


def pending(session: Session) -> list[dict]:
    """The events added to the running transaction and not yet written."""
    buffered = session.info.get(_PENDING)
    return [values for _t, values in buffered.entries] if buffered else []


def flush(session: Session) -> None:
    """Chain and write the transaction's buffered events; called right before the commit."""
    buffered = session.info.pop(_PENDING, None)
    if not buffered or not buffered.entries:
        return
    key, by_chain = buffered.key, {}
    for _t, values in buffered.entries:
        values["chain"] = chain_of(values)
        by_chain.setdefault(values["chain"], []).append(values)
    session.flush()  # the ORM's pending rows (a document's bytes…) go first: the heads are locked last
    conn = session.connection()
    heads = conn.execute(_LOCK_HEADS, {"ids": sorted(by_chain)}).all()
    if len(heads) != len(by_chain):
        raise RuntimeError("audit chain heads are missing: run the database migrations (flask db upgrade)")
    now, events, new_heads, alarms = utcnow(), [], [], []
    for chain, chain_no, prev, beyond in heads:
        if beyond is not None:
            # Rows the system did not write occupy the positions after the head: keep them out of the
            # chain (they stay for the investigation), say so, and go on after them.
            alarms.append({"chain": chain, "head_no": chain_no, "skipped_to": beyond, "found_at": now})
            log.error("audit chain %s: rows not written by this system found after position %s (up to %s); "
                      "the chain continues at %s", chain, chain_no, beyond, beyond + 1)
            chain_no = beyond
        for values in by_chain[chain]:
            chain_no += 1
            values["chain_no"] = chain_no
            values["prev_hash"] = prev
            values["hash"] = prev = seal(key, prev, values)
            events.append(values)
        new_heads.append({"chain": chain, "no": chain_no, "hash": prev, "sig": sign_head(key, chain, chain_no, prev)})
    if alarms:
        conn.execute(insert(_alarm), alarms)
    if conn.dialect.name == "postgresql":
        conn.execute(_pg_append_statement(), {"events": _json(events), "heads": _json(new_heads)})
    else:
        conn.execute(insert(_event), events)
        conn.execute(_UPDATE_HEAD, new_heads)


@sa_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.get_nested_transaction() is None:  # the outermost commit, not a savepoint's release
        observers = session.info.get(OBSERVERS)
        if observers:
            events = pending(session)
            if events:
                for observe in observers:
                    observe(session, events)
        flush(session)


@sa_event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    """Events of a rolled-back savepoint (or transaction) go with it."""
    buffered = session.info.get(_PENDING)
    if buffered is None:
        return
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        return
    buffered.entries = [(t, v) for t, v in buffered.entries if not _inside(t, previous_transaction)]


@sa_event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _inside(transaction, ended) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


# PostgreSQL: the events and the heads in one statement (rows travel as JSON, not jsonb: jsonb would
# rewrite numbers such as 1e16, and the events must read back exactly as they were sealed). Inserted
# in chain order, so ids follow each chain's positions.
_EVENT_COLUMNS = [c.name for c in _event.c if c.name != "id"]
_pg_statement = None


def _pg_append_statement():
    global _pg_statement
    if _pg_statement is None:
        from sqlalchemy.dialects import postgresql

        dialect = postgresql.dialect()
        columns = ", ".join(_EVENT_COLUMNS)
        record = ", ".join(f"{c} {_event.c[c].type.compile(dialect=dialect)}" for c in _EVENT_COLUMNS)
        _pg_statement = text(f"""
WITH ins_events AS (
  INSERT INTO wf_event ({columns}) SELECT {columns}
  FROM json_to_recordset(CAST(:events AS json)) AS x({record}) ORDER BY x.chain, x.chain_no)
UPDATE wf_audit_head AS h SET chain_no = x.no, last_hash = x.hash, signature = x.sig
FROM json_to_recordset(CAST(:heads AS json)) AS x(chain integer, no bigint, hash varchar(64), sig varchar(64))
WHERE h.id = x.chain""")
    return _pg_statement


def _json(rows) -> str:
    return json.dumps(rows, default=_encode, ensure_ascii=False)


def _encode(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the audit trail")
