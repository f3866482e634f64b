"""The hash-chained audit trail: a clean chain verifies; every kind of tampering is named."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import delete, insert, select, text, update

from engine import Actor, audit
from engine.store import Event, OpenTask

WATER = Actor("water.clerk", "water")


@pytest.fixture
def chained(wf, session_factory):
    """Two cases moved a few steps: about a dozen chained events."""
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=False):
        for case_id in (1, 2):
            with session_factory() as s, s.begin():
                inst = wf.start(s, "well_case", case_id, {"town": "xiacun"}, actor=WATER)
            for spec, data in [("commitment", {"signed_on": "2026-03-02"}),
                               ("inspect", {"obstructed": False, "hidden_well": False, "in_coverage": True, "has_permit": False, "purpose": "industrial",
                                            "urban_village": False, "findings": "未安装计量设施"})]:
                with session_factory() as s, s.begin():
                    guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == inst.id))
                    wf.complete(s, guid, data, WATER)
        with session_factory() as s, s.begin():
            wf.record(s, "login", actor=WATER, data={"ip": "127.0.0.1"})
    return session_factory


def verdict(wf, factory):
    with factory() as s:
        return audit.verify(s, wf.audit_key)


def events(factory):
    with factory() as s:
        return list(s.scalars(select(Event).order_by(Event.chain_no)))


def test_clean_chain_verifies(wf, chained):
    rows = events(chained)
    assert [r.chain_no for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))
    result = verdict(wf, chained)
    assert result.ok and result.checked == len(rows) >= 10


def test_altered_event_is_named(wf, chained):
    target = next(r for r in events(chained) if r.kind == "task_completed")
    with chained() as s, s.begin():
        s.execute(update(Event).where(Event.id == target.id).values(data={"findings": "已安装计量设施"}))
    result = verdict(wf, chained)
    assert not result.ok and result.event_id == target.id and "改动" in result.problem


def test_altered_actor_is_named(wf, chained):
    target = events(chained)[3]
    with chained() as s, s.begin():
        s.execute(update(Event).where(Event.id == target.id).values(actor="someone.else"))
    assert verdict(wf, chained).chain_no == target.chain_no


def test_removed_event_is_named(wf, chained):
    rows = events(chained)
    with chained() as s, s.begin():
        s.execute(delete(Event).where(Event.id == rows[4].id))
    result = verdict(wf, chained)
    assert not result.ok and result.chain_no == rows[4].chain_no and "缺失" in result.problem


def test_removed_event_renumbered_is_still_caught(wf, chained):
    """Closing the gap by renumbering breaks the hash links instead."""
    rows = events(chained)
    with chained() as s, s.begin():
        s.execute(delete(Event).where(Event.id == rows[4].id))
        for row in rows[5:]:
            s.execute(update(Event).where(Event.id == row.id).values(chain_no=row.chain_no - 1))
    result = verdict(wf, chained)
    assert not result.ok and result.event_id == rows[5].id


def test_removed_last_event_is_caught_by_the_head(wf, chained):
    rows = events(chained)
    with chained() as s, s.begin():
        s.execute(delete(Event).where(Event.id == rows[-1].id))
    result = verdict(wf, chained)
    assert not result.ok and "末尾" in result.problem


def test_inserted_event_is_caught(wf, chained):
    rows = events(chained)
    forged = {c: getattr(rows[2], c) for c in audit.CONTENT}
    forged.update(kind="task_completed", actor="intruder", data={"fake": True})
    with chained() as s, s.begin():
        # Make room after event 2, then insert a forged event 3 that links to event 2.
        for row in reversed(rows[2:]):
            s.execute(update(Event).where(Event.id == row.id).values(chain_no=row.chain_no + 1))
        forged.update(chain_no=3, prev_hash=rows[1].hash)
        forged["hash"] = audit.seal(b"a guessed key", rows[1].hash, forged)
        s.execute(insert(Event).values(**forged))
    result = verdict(wf, chained)
    assert not result.ok and result.chain_no == 3


def test_concurrent_appends_keep_one_unbroken_chain(wf, session_factory):
    import threading

    def record(n):
        with session_factory() as s, s.begin():
            wf.record(s, "login", actor=Actor(f"user{n}", "water"))
    threads = [threading.Thread(target=record, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verdict(wf, session_factory)
    assert result.ok and result.checked == 8
    with session_factory() as s:
        assert s.execute(text("SELECT chain_no FROM wf_audit_head")).scalar() == 8
