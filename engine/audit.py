"""The audit trail: append-only, hash-chained events in ``CHAINS`` chains, written when the transaction commits.

Every event carries its chain (``chain``: a case's events all go to the case's chain, other events to
the chain of their actor), its position in that chain (``chain_no``), the previous event's hash and its
own: ``hash = HMAC-SHA256(key, prev_hash + canonical content)``. Each chain's end is a signed head row
(``signature = HMAC(key, "chain|chain_no|last_hash")``).

Why it is built this way (issue 14: every write in the city waited on one head row, locked when a step
was saved and held through the rendering of its Word document until the commit):

- **Deferred**: ``append`` only buffers the events on the session. ``flush`` chains and inserts them
  right before the commit (a ``before_commit`` session event, so no caller can forget it: web requests,
  the timer worker, CLI commands and tests all commit through a session). A head is locked for the
  last two statements of a transaction, never through its work. A rolled-back transaction (or
  savepoint) drops its events with it.
- **Sharded**: ``CHAINS`` independent chains, so two transactions wait for each other only when they
  touch the same chain. A transaction locks the heads it needs in ascending id order in one statement:
  no lock cycles, and instance locks are always taken before (heads are locked last, at the commit).
- **Foreign rows**: a row found beyond a head was not written by this system (the head moves in the
  transaction that inserts). The append does not fail: it records a ``wf_audit_alarm``, logs an error,
  and continues after the foreign rows, linked to the true head's hash (the gap is explained by the
  alarm, and the link proves nothing genuine lies in it). ``verify`` names the foreign rows.

``verify`` walks every chain and names the first event that was altered, removed, inserted or planted
in it; the latest signed checkpoint outside the database (``engine/checkpoint.py``) catches a tail cut
off together with its head set back. With a key the database does not hold, someone who can write the
tables still cannot re-forge a chain or its head.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from datetime import timezone

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from rules.timezone import CHINA

from .tables import AuditAlarm, AuditHead, Event, utcnow

log = logging.getLogger("wells.audit")

GENESIS = "0" * 64
# The number of chains; migration 20261206_0010 made one head row for each (ids 1..CHAINS). Changing it
# needs a migration that adds head rows; events already chained keep their chain.
CHAINS = 16
_event = Event.__table__
_head = AuditHead.__table__
_alarm = AuditAlarm.__table__
# The content fields, in the order they are hashed. The chain is not among them: moving an event to
# another chain breaks the links of both chains, which the signed heads pin down.
CONTENT = ("chain_no", "instance_id", "case_id", "kind", "actor", "actor_department", "task_guid",
           "task_spec", "title", "form_key", "data", "created_at")
_PENDING = "wells.audit.pending"

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


def sign_head(key: bytes, chain: int, chain_no: int, last_hash: str) -> str:
    return hmac.new(key, f"{chain}|{chain_no}|{last_hash}".encode(), hashlib.sha256).hexdigest()


def head_is_genuine(key: bytes, chain: int, chain_no: int, last_hash: str, signature: str | None) -> bool:
    """Signed with the key — or never used (position 0, no signature: no event was ever appended)."""
    if signature is None:
        return chain_no == 0 and last_hash == GENESIS
    return hmac.compare_digest(signature, sign_head(key, chain, chain_no, last_hash))


def event_is_genuine(key: bytes, row: Event) -> bool:
    """The event's own hash matches its content and link (it says nothing about its neighbours)."""
    return row.hash is not None and row.prev_hash is not None and hmac.compare_digest(
        row.hash, seal(key, row.prev_hash, row))


# -- appending: buffered on the session, chained and inserted right before the commit -------------

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


def last_completion(session: Session, task_guid: str) -> Event | None:
    """Who completed a task and when, for the 'already handled' message."""
    return session.scalar(select(Event).where(Event.task_guid == task_guid, Event.kind == "task_completed",
                                              within_heads()).order_by(Event.id.desc()).limit(1))


# -- reading: what the pages may show as the record ---------------------------------------------------

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


# -- verifying ------------------------------------------------------------------------------------

@dataclass
class Problem:
    chain: int | None
    chain_no: int | None
    event_id: int | None
    text: str

    def __str__(self) -> str:
        where = f"第 {self.chain} 条链" if self.chain is not None else "审计记录"
        if self.chain_no is not None:
            where += f"第 {self.chain_no} 号"
        if self.event_id is not None:
            where += f"（事件 id {self.event_id}）"
        return f"{where}：{self.text}"


@dataclass
class Verdict:
    ok: bool
    checked: int
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # explained, harmless findings (skipped positions)

    # The first problem, for callers that name one.
    @property
    def chain(self) -> int | None:
        return self.problems[0].chain if self.problems else None

    @property
    def chain_no(self) -> int | None:
        return self.problems[0].chain_no if self.problems else None

    @property
    def event_id(self) -> int | None:
        return self.problems[0].event_id if self.problems else None

    @property
    def problem(self) -> str:
        return self.problems[0].text if self.problems else ""


def verify(session: Session, key: bytes, checkpoint: dict[int, tuple[int, str]] | None = None,
           checkpoint_label: str = "", batch: int = 5000) -> Verdict:
    """Walk every chain up to its head as it stands now; in each, the first event that does not fit.

    Rejected: a head not signed with the key (or missing), a position outside 1..head (a row beyond the
    head), a gap not explained by an alarm, a broken link or hash, an event of no chain (outside
    1..CHAINS). ``checkpoint`` (chain -> (position, hash), from the latest checkpoint file): each head
    must be at or past it, with that hash at that position — so a tail cut off with its head set back
    (even to an old genuine head) is caught. Events appended while the walk runs lie beyond the heads
    read first: each chain is read after its head, in one snapshot per statement, and only up to it.
    """
    heads = {row.id: row for row in session.execute(select(_head))}
    alarms: dict[int, dict[int, AuditAlarm]] = {}
    for alarm in session.scalars(select(AuditAlarm)):
        alarms.setdefault(alarm.chain, {})[alarm.head_no] = alarm
    problems, notes, checked = [], [], 0
    for row in session.scalars(select(Event).where((Event.chain < 1) | (Event.chain > CHAINS) | Event.chain.is_(None))
                               .order_by(Event.id).limit(20)):
        problems.append(Problem(row.chain, row.chain_no, row.id, f"不属于任何一条审计链（链号应为 1–{CHAINS}），不是本系统写入的记录"))
    for extra in sorted(set(heads) - set(range(1, CHAINS + 1))):
        problems.append(Problem(extra, None, None, "多出的链头，不是本系统写入的"))
    for chain in range(1, CHAINS + 1):
        head = heads.get(chain)
        if head is None:
            problems.append(Problem(chain, None, None, "链头缺失（被删除）"))
            continue
        if not head_is_genuine(key, chain, head.chain_no, head.last_hash, head.signature):
            problems.append(Problem(chain, head.chain_no, None, "链头的签名不符（链头被改动）"))
        mark = (checkpoint or {}).get(chain)
        if mark is not None and head.chain_no < mark[0]:
            problems.append(Problem(chain, head.chain_no, None,
                                    f"链头只到第 {head.chain_no} 号，而{checkpoint_label}检查点记录已到第 {mark[0]} 号："
                                    "末尾的事件被删除，链头被改回"))
            continue
        found, n = _walk(session, key, chain, head, alarms.get(chain, {}), mark, notes, batch)
        checked += n
        if found is not None:
            problems.append(found)
    session.expunge_all()
    return Verdict(not problems, checked, problems, notes)


def _walk(session: Session, key: bytes, chain: int, head, alarms: dict, mark, notes: list, batch: int):
    """(the first problem or None, events checked) of one chain."""
    prev, last, checked, last_id, mark_seen = GENESIS, 0, 0, None, mark is None or mark[0] == 0
    after = None
    while True:
        query = select(Event).where(Event.chain == chain).order_by(Event.chain_no).limit(batch)
        if after is not None:
            query = query.where(Event.chain_no > after)
        rows = list(session.scalars(query))
        if not rows:
            break
        for row in rows:
            after = row.chain_no
            if row.chain_no > head.chain_no:
                if _appended_since(session, key, chain, row.chain_no):
                    break  # the walk ends at the head it started from
                return Problem(chain, row.chain_no, row.id,
                               f"位于链头（第 {head.chain_no} 号）之后，不是本系统写入的记录"), checked
            if row.chain_no < 1:
                return Problem(chain, row.chain_no, row.id, "链序号无效，不是本系统写入的记录"), checked
            genuine = event_is_genuine(key, row)
            alarm = _alarm_covering(alarms, row.chain_no)
            if alarm is not None and row.chain_no <= alarm.skipped_to and not genuine:
                return Problem(chain, row.chain_no, row.id,
                               f"第 {alarm.head_no} 号之后发现非本系统写入的记录（{_when(alarm.found_at)} 已告警），"
                               "请核查后由数据库管理员处理"), checked
            if row.chain_no != last + 1:
                skip = alarms.get(last)
                if not (skip is not None and skip.skipped_to == row.chain_no - 1 and genuine and row.prev_hash == prev):
                    return Problem(chain, last + 1, row.id, f"第 {last + 1} 号事件缺失（被删除）"), checked
                notes.append(f"第 {chain} 条链第 {last + 1}–{row.chain_no - 1} 号曾被非本系统写入的记录占用，"
                             f"已跳过（{_when(skip.found_at)} 告警），前后链接完整")
            if not genuine:
                return Problem(chain, row.chain_no, row.id, "内容与哈希不符（事件被改动或伪造）"), checked
            if row.prev_hash != prev:
                return Problem(chain, row.chain_no, row.id,
                               "与前一事件的链接不符（前面有事件被删除、插入或改动）"), checked
            if not mark_seen and row.chain_no == mark[0]:
                if row.hash != mark[1]:
                    return Problem(chain, row.chain_no, row.id, "与检查点记录的哈希不符（事件被替换）"), checked
                mark_seen = True
            prev, last, checked, last_id = row.hash, row.chain_no, checked + 1, row.id
        else:
            session.expunge_all()
            continue
        break
    if last != head.chain_no or prev != head.last_hash:
        return Problem(chain, last + 1, last_id,
                       f"链尾应为第 {head.chain_no} 号事件（末尾的事件被删除）"), checked
    if not mark_seen:
        return Problem(chain, mark[0], None, "检查点记录的事件不在链中（事件被删除或替换）"), checked
    return None, checked


def _appended_since(session: Session, key: bytes, chain: int, chain_no: int) -> bool:
    """A row beyond the head read at the start may be an event committed since: the head now covers it."""
    head = session.execute(select(_head).where(_head.c.id == chain)).one()
    return chain_no <= head.chain_no and head_is_genuine(key, chain, head.chain_no, head.last_hash, head.signature)


def _alarm_covering(alarms: dict, chain_no: int):
    for alarm in alarms.values():
        if alarm.head_no < chain_no <= alarm.skipped_to:
            return alarm
    return None


def _when(moment) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
