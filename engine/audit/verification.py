"""Verifying the audit trail: every chain walked up to its head, the first event that does not fit named.

The latest signed checkpoint outside the database (``engine/checkpoint.py``) is checked against too, so a
tail cut off together with its head set back is caught.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.timezone import CHINA

from ..tables import AuditAlarm, AuditHead, Event
from .sealing import CHAINS, GENESIS, event_is_genuine, head_is_genuine

_head = AuditHead.__table__


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
