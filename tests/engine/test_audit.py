"""The hash-chained audit trail: clean chains verify; every kind of tampering is named.

The attacks are made as an attacker with the database's superuser rights would: the append-only
guard switched off (PostgreSQL: replica mode for the transaction; SQLite: the triggers dropped and put
back), rows written directly. Each must then be caught by ``verify`` — some only with the checkpoint
written outside the database, which these tests show too.
"""
from __future__ import annotations

import importlib.util
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from engine import Actor, audit, checkpoint
from engine.tables import AuditAlarm, AuditHead, Event, OpenTask

WATER = Actor("water.clerk", "water")
ROOT = Path(__file__).resolve().parents[2]


def _migration():
    path = next((ROOT / "migrations" / "versions").glob("*_audit_chain_shards_and_guards.py"))
    spec = importlib.util.spec_from_file_location("audit_guards_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GUARDS = _migration()


@contextmanager
def attacker(factory):
    """A transaction of someone who switched the append-only guard off (superuser rights)."""
    with factory() as s, s.begin():
        postgres = s.bind.dialect.name == "postgresql"
        if postgres:
            s.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            s.execute(text("DROP TRIGGER wf_event_no_update"))
            s.execute(text("DROP TRIGGER wf_event_no_delete"))
        yield s
        if not postgres:
            for statement in GUARDS.SQLITE_GUARDS:
                s.execute(text(statement))


@pytest.fixture
def chained(wf, session_factory):
    """Two cases moved a few steps, and a log-in: events in three chains."""
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


def events(factory, chain: int | None = None):
    with factory() as s:
        query = select(Event).order_by(Event.id)
        if chain is not None:
            query = query.where(Event.chain == chain)
        return list(s.scalars(query))


def head(factory, chain: int) -> AuditHead:
    with factory() as s:
        return s.get(AuditHead, chain)


CASE1 = audit.chain_of({"case_id": 1})


def test_clean_chains_verify(wf, chained):
    rows = events(chained)
    assert {r.chain for r in rows if r.case_id == 1} == {CASE1}
    assert {r.chain for r in rows if r.case_id is None} == {audit.chain_of({"case_id": None, "actor": "water.clerk"})}
    chains = {r.chain for r in rows}
    assert len(chains) == 3
    for chain in chains:
        own = [r for r in rows if r.chain == chain]
        assert [r.chain_no for r in own] == list(range(1, len(own) + 1))  # ids follow the positions
        assert own[0].prev_hash == audit.GENESIS
        assert all(b.prev_hash == a.hash for a, b in zip(own, own[1:]))
        top = head(chained, chain)
        assert (top.chain_no, top.last_hash) == (own[-1].chain_no, own[-1].hash)
        assert top.signature == audit.sign_head(wf.audit_key, chain, top.chain_no, top.last_hash)
    result = verdict(wf, chained)
    assert result.ok and result.checked == len(rows) >= 10 and not result.notes


def test_events_are_written_at_the_commit_and_leave_with_a_rollback(wf, session_factory):
    with session_factory() as s:
        wf.record(s, "login", actor=WATER)
        assert s.scalar(select(func.count()).select_from(Event)) == 0  # buffered until the commit
        assert [e["kind"] for e in audit.pending(s)] == ["login"]
        s.rollback()
        s.commit()
    with session_factory() as s:
        s.begin()
        wf.record(s, "login", actor=WATER, data={"n": 1})
        savepoint = s.begin_nested()
        wf.record(s, "logout", actor=WATER)
        savepoint.rollback()
        kept = s.begin_nested()
        wf.record(s, "login", actor=WATER, data={"n": 2})
        kept.commit()
        s.commit()
    assert [(e.kind, e.data) for e in events(session_factory)] == [("login", {"n": 1}), ("login", {"n": 2})]
    with session_factory() as s:
        wf.record(s, "logout", actor=WATER)  # before any statement: no transaction had begun yet
        s.rollback()
        wf.record(s, "login", actor=WATER, data={"n": 3})
        s.commit()
    assert [e.data for e in events(session_factory)][-1:] == [{"n": 3}]
    assert [e.kind for e in events(session_factory)].count("logout") == 0
    assert verdict(wf, session_factory).ok


def test_observers_see_a_committing_transactions_events_once_before_they_are_chained(wf, sa_engine):
    """What the web layer's reminders rely on: every outermost commit with events calls the session's
    observers once with those events (a savepoint's rolled-back ones gone), before they are written, so an
    observer's rows commit with them; a rollback calls nothing."""
    seen = []

    def observe(session, events):
        in_table = session.scalar(select(func.count()).select_from(Event))
        seen.append(([(e["kind"], e["task_spec"]) for e in events], in_table))

    factory = sessionmaker(sa_engine, expire_on_commit=False, info={audit.OBSERVERS: (observe,)})
    with factory() as s:
        wf.record(s, "login", actor=WATER)  # the first thing in the session: the rollback still drops it
        s.rollback()
        s.commit()  # nothing buffered: not called
    assert seen == []
    with factory() as s, s.begin():
        wf.start(s, "well_case", 1, {"town": "xiacun"}, actor=WATER)
        savepoint = s.begin_nested()
        wf.record(s, "logout", actor=WATER)
        savepoint.rollback()
        kept = s.begin_nested()
        wf.record(s, "login", actor=WATER)
        kept.commit()  # a savepoint's release is no commit: not called
        assert seen == []
    assert seen == [([("started", None), ("task_created", "commitment"), ("login", None)], 0)]
    assert len(events(factory)) == 3


def test_a_transaction_does_not_hold_the_chain_while_it_works(wf, session_factory):
    """Before, the head was locked when the step was saved and held to the commit (through the Word
    document's rendering): any other write in the city waited. Now it is locked only at the commit."""
    if session_factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite serializes every writer at BEGIN IMMEDIATE")
    with session_factory() as slow:
        slow.begin()
        wf.start(slow, "well_case", 1, {"town": "xiacun"}, actor=WATER)  # saved, not committed
        with session_factory() as other, other.begin():
            other.execute(text("SET LOCAL lock_timeout = '2s'"))
            wf.record(other, "file_downloaded", actor=WATER, case_id=1 + audit.CHAINS)  # the same chain
        slow.commit()
    rows = events(session_factory, CASE1)
    assert rows[0].kind == "file_downloaded" and rows[1].kind == "started"
    assert [r.chain_no for r in rows] == list(range(1, len(rows) + 1))
    assert verdict(wf, session_factory).ok


# -- alterations ----------------------------------------------------------------------------------

def test_the_database_refuses_to_change_or_remove_events(wf, chained):
    target = events(chained)[0]
    for statement in (update(Event).where(Event.id == target.id).values(actor="admin"),
                      delete(Event).where(Event.id == target.id)):
        with chained() as s:
            with pytest.raises(DBAPIError) as refused:
                s.execute(statement)
            assert "审计记录只能追加" in str(refused.value)
    if chained.kw["bind"].dialect.name == "postgresql":
        with chained() as s:
            with pytest.raises(DBAPIError) as refused:
                s.execute(text("TRUNCATE wf_event"))
            assert "审计记录只能追加" in str(refused.value)
    assert verdict(wf, chained).ok


def test_altered_event_is_named(wf, chained):
    target = next(r for r in events(chained) if r.kind == "task_completed")
    with attacker(chained) as s:
        s.execute(update(Event).where(Event.id == target.id).values(data={"findings": "已安装计量设施"}))
    result = verdict(wf, chained)
    assert not result.ok and result.event_id == target.id and "改动" in result.problem
    assert (result.chain, result.chain_no) == (target.chain, target.chain_no)


def test_removed_event_is_named(wf, chained):
    rows = events(chained, CASE1)
    with attacker(chained) as s:
        s.execute(delete(Event).where(Event.id == rows[2].id))
    result = verdict(wf, chained)
    assert not result.ok and (result.chain, result.chain_no) == (CASE1, 3) and "缺失" in result.problem


def test_removed_event_renumbered_is_still_caught(wf, chained):
    """Closing the gap by renumbering breaks the hash links instead."""
    rows = events(chained, CASE1)
    with attacker(chained) as s:
        s.execute(delete(Event).where(Event.id == rows[2].id))
        for row in rows[3:]:
            s.execute(update(Event).where(Event.id == row.id).values(chain_no=row.chain_no - 1))
    result = verdict(wf, chained)
    assert not result.ok and result.event_id == rows[3].id


def test_event_moved_to_another_chain_is_caught(wf, chained):
    rows = events(chained, CASE1)
    empty = min(set(range(1, audit.CHAINS + 1)) - {r.chain for r in events(chained)})
    with attacker(chained) as s:
        s.execute(update(Event).where(Event.id == rows[-1].id).values(chain=empty, chain_no=1))
    result = verdict(wf, chained)
    assert not result.ok and {p.chain for p in result.problems} == {CASE1, empty}


def test_inserted_event_is_caught(wf, chained):
    rows = events(chained, CASE1)
    forged = {c: getattr(rows[2], c) for c in audit.CONTENT}
    forged.update(kind="task_completed", actor="intruder", data={"fake": True}, chain=CASE1)
    with attacker(chained) as s:
        # Make room after event 2, then insert a forged event 3 that links to event 2.
        for row in reversed(rows[2:]):
            s.execute(update(Event).where(Event.id == row.id).values(chain_no=row.chain_no + 1))
        forged.update(chain_no=3, prev_hash=rows[1].hash)
        forged["hash"] = audit.seal(b"a guessed key", rows[1].hash, forged)
        s.execute(insert(Event).values(**forged))
    result = verdict(wf, chained)
    assert not result.ok and (result.chain, result.chain_no) == (CASE1, 3)


def test_event_of_no_chain_is_caught(wf, chained):
    forged = {c: getattr(events(chained)[0], c) for c in audit.CONTENT}
    with attacker(chained) as s:
        s.execute(insert(Event).values(**forged, chain=audit.CHAINS + 1, prev_hash=audit.GENESIS, hash="0" * 64))
    result = verdict(wf, chained)
    assert not result.ok and "不属于任何一条审计链" in result.problem


# -- the four attacks of issue 12 ---------------------------------------------------------------------

def _forged_after_head(factory, chain: int, distance: int) -> int:
    top = head(factory, chain)
    model = events(factory, chain)[-1]
    forged = {c: getattr(model, c) for c in audit.CONTENT}
    forged.update(chain=chain, chain_no=top.chain_no + distance, prev_hash=top.last_hash,
                  kind="task_completed", actor="intruder", data={"findings": "已整改"})
    forged["hash"] = audit.seal(b"a guessed key", top.last_hash, forged)
    with attacker(factory) as s:
        return s.execute(insert(Event).values(**forged).returning(Event.id)).scalar_one()


@pytest.mark.parametrize("distance", [1, 40], ids=["one-past-the-head", "far-beyond-the-head"])
def test_forged_event_beyond_the_head_is_caught(wf, chained, distance):
    top = head(chained, CASE1).chain_no
    forged = _forged_after_head(chained, CASE1, distance)
    result = verdict(wf, chained)
    assert not result.ok and (result.chain, result.chain_no, result.event_id) == (CASE1, top + distance, forged)
    assert "链头" in result.problem and "不是本系统写入" in result.problem


def test_tail_cut_with_the_head_set_back_is_caught(wf, chained, tmp_path):
    rows = events(chained, CASE1)
    with chained() as s:
        checkpoint.write(s, wf.audit_key, tmp_path)
    with attacker(chained) as s:
        s.execute(delete(Event).where(Event.id.in_([r.id for r in rows[-2:]])))
        s.execute(update(AuditHead).where(AuditHead.id == CASE1).values(
            chain_no=rows[-3].chain_no, last_hash=rows[-3].hash))
    result = verdict(wf, chained)
    assert not result.ok and result.chain == CASE1 and "签名不符" in result.problem


def test_tail_cut_with_an_old_genuine_head_put_back_is_caught_by_the_checkpoint(wf, chained, tmp_path):
    """The attacker kept a copy of an older head (signature included): only the checkpoint outside the
    database can tell."""
    rows = events(chained, CASE1)
    old = head(chained, CASE1)
    with chained() as s, s.begin():
        wf.record(s, "file_downloaded", actor=WATER, case_id=1)
    with chained() as s:
        checkpoint.write(s, wf.audit_key, tmp_path)
    with attacker(chained) as s:
        s.execute(delete(Event).where(Event.chain == CASE1, Event.chain_no > rows[-1].chain_no))
        s.execute(update(AuditHead).where(AuditHead.id == CASE1).values(
            chain_no=old.chain_no, last_hash=old.last_hash, signature=old.signature))
    assert verdict(wf, chained).ok  # the database alone is consistent again…
    with chained() as s:
        result = checkpoint.verify(s, wf.audit_key, tmp_path)
    assert not result.ok and result.chain == CASE1 and "检查点" in result.problem and "末尾的事件被删除" in result.problem
    with chained() as s, pytest.raises(checkpoint.CheckpointRefused):
        checkpoint.write(s, wf.audit_key, tmp_path)  # …and no new checkpoint blesses it


def test_table_emptied_with_the_heads_reset_is_caught_by_the_checkpoint(wf, chained, tmp_path):
    with chained() as s:
        checkpoint.write(s, wf.audit_key, tmp_path)
    with attacker(chained) as s:
        if s.bind.dialect.name == "postgresql":
            s.execute(text("TRUNCATE wf_event"))
        else:
            s.execute(delete(Event))
        s.execute(update(AuditHead).values(chain_no=0, last_hash=audit.GENESIS, signature=None))
    with chained() as s:
        result = checkpoint.verify(s, wf.audit_key, tmp_path)
    assert not result.ok and len(result.problems) == 3  # the three chains that had events
    assert all("末尾的事件被删除" in p.text for p in result.problems)


def test_without_any_checkpoint_the_trail_is_not_called_complete(wf, chained, tmp_path):
    with chained() as s:
        result = checkpoint.verify(s, wf.audit_key, tmp_path / "none")
    assert not result.ok and "没有检查点" in result.problem


# -- checkpoints ----------------------------------------------------------------------------------

def test_checkpoints_are_signed_linked_and_written_only_on_change(wf, chained, tmp_path):
    # Every checkpoint at a clock the test sets: a file is named by its time, and the series is read in that order.
    with time_machine.travel(datetime(2026, 12, 6, 2, tzinfo=timezone.utc), tick=False):
        with chained() as s:
            first = checkpoint.write(s, wf.audit_key, tmp_path)
            assert checkpoint.write(s, wf.audit_key, tmp_path) is None  # nothing new
        with chained() as s, s.begin():
            wf.record(s, "login", actor=WATER)
    with time_machine.travel(datetime(2026, 12, 6, 3, tzinfo=timezone.utc), tick=False):
        with chained() as s:
            second = checkpoint.write(s, wf.audit_key, tmp_path)
    with time_machine.travel(datetime(2026, 12, 6, 4, tzinfo=timezone.utc), tick=False):
        with chained() as s, s.begin():
            wf.record(s, "logout", actor=WATER)
        with chained() as s:
            third = checkpoint.write(s, wf.audit_key, tmp_path)
    with chained() as s:
        assert checkpoint.verify(s, wf.audit_key, tmp_path).ok
    # A checkpoint removed from the middle of the series, or one forged, is noticed.
    second.path.unlink()
    latest, problems = checkpoint.load(tmp_path, wf.audit_key)
    assert latest.path == third.path and "不相连" in problems[0]
    third.path.write_text(third.path.read_text().replace('"chains"', '"chains" ', 1))
    forged = third.path.read_text().replace(f'"{head(chained, CASE1).chain_no}', '"1', 1)
    third.path.write_text(forged)
    _latest, problems = checkpoint.load(tmp_path, wf.audit_key)
    assert any("签名不符" in p or "无法读取" in p for p in problems)
    assert first.path.exists()


# -- rows planted beyond a head ------------------------------------------------------------------------

def test_a_planted_row_does_not_stop_appends_and_raises_an_alarm(wf, chained, tmp_path, caplog):
    top = head(chained, CASE1)
    planted = _forged_after_head(chained, CASE1, 1)
    with chained() as s, s.begin():  # before: a unique violation, and every later append failed
        wf.record(s, "file_downloaded", actor=WATER, case_id=1)
    with chained() as s, s.begin():
        wf.record(s, "file_downloaded", actor=WATER, case_id=1, data={"n": 2})
    assert "not written by this system" in caplog.text
    rows = events(chained, CASE1)
    first, second = rows[-2], rows[-1]
    # The chain goes on after the planted row, linked to the true head.
    assert (first.chain_no, first.prev_hash) == (top.chain_no + 2, top.last_hash)
    assert (second.chain_no, second.prev_hash) == (top.chain_no + 3, first.hash)
    with chained() as s:
        [alarm] = s.scalars(select(AuditAlarm)).all()
        assert (alarm.chain, alarm.head_no, alarm.skipped_to) == (CASE1, top.chain_no, top.chain_no + 1)
    result = verdict(wf, chained)
    assert not result.ok and (result.chain, result.chain_no, result.event_id) == (CASE1, top.chain_no + 1, planted)
    assert "非本系统写入" in result.problem and "已告警" in result.problem
    # Once the database's administrators have removed it, the chain verifies, the skip explained.
    with attacker(chained) as s:
        s.execute(delete(Event).where(Event.id == planted))
    result = verdict(wf, chained)
    assert result.ok and "已跳过" in result.notes[0]


def test_a_gap_without_an_alarm_is_not_excused(wf, chained):
    """A gap is accepted only where the system itself skipped planted rows (an alarm says so)."""
    rows = events(chained, CASE1)
    with attacker(chained) as s:
        s.execute(delete(Event).where(Event.id == rows[1].id))
        s.execute(update(Event).where(Event.id == rows[2].id).values(prev_hash=rows[0].hash))
    result = verdict(wf, chained)
    assert not result.ok and result.chain_no == 2


# -- concurrency ----------------------------------------------------------------------------------

def test_concurrent_appends_keep_every_chain_unbroken(wf, session_factory):
    def record(n):
        with session_factory() as s, s.begin():
            wf.record(s, "login", actor=Actor(f"user{n}", "water"))
            wf.record(s, "file_downloaded", actor=Actor(f"user{n}", "water"), case_id=n % 3)
    threads = [threading.Thread(target=record, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verdict(wf, session_factory)
    assert result.ok and result.checked == 24
    with session_factory() as s:
        assert s.execute(text("SELECT sum(chain_no) FROM wf_audit_head")).scalar() == 24


def test_chain_of_is_stable():
    assert audit.chain_of({"case_id": 17}) == 2 and audit.chain_of({"case_id": 16}) == 1
    one = audit.chain_of({"case_id": None, "actor": "water.clerk"})
    assert one == audit.chain_of({"case_id": None, "actor": "water.clerk"}) and 1 <= one <= audit.CHAINS


# -- the migration from the single chain --------------------------------------------------------------

def test_an_older_single_chain_becomes_chain_1_with_a_signed_head(tmp_path, wf):
    """Migration 20261206_0010 keeps the events (positions and hashes) as chain 1 and signs its head
    with the key `flask db upgrade` hands over; appends then go on in the new chains."""
    from alembic import command
    from sqlalchemy.orm import sessionmaker

    from engine.database import connect
    from webapp.cli import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0008")
    engine = connect(url)
    prev, old = audit.GENESIS, []
    for n, kind in enumerate(("login", "started", "logout"), start=1):
        values = audit.event(kind, actor=WATER, case_id=5 if kind == "started" else None)
        values.update(chain_no=n, prev_hash=prev)
        values["hash"] = prev = audit.seal(wf.audit_key, prev, values)
        old.append(values)
    with engine.begin() as conn:
        conn.execute(insert(Event.__table__).values([{k: v for k, v in e.items() if k != "chain"} for e in old]))
        conn.execute(text("UPDATE wf_audit_head SET chain_no = 3, last_hash = :h WHERE id = 1"), {"h": prev})
    engine.dispose()
    config = alembic_config(url)
    config.attributes["audit_key"] = wf.audit_key
    command.upgrade(config, "head")
    engine = connect(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s, s.begin():
        wf.record(s, "file_downloaded", actor=WATER, case_id=5)
    with factory() as s:
        assert [(e.chain, e.chain_no) for e in s.scalars(select(Event).order_by(Event.id))] == [
            (1, 1), (1, 2), (1, 3), (audit.chain_of({"case_id": 5}), 1)]
        assert s.scalar(select(func.count()).select_from(AuditHead)) == audit.CHAINS
        result = audit.verify(s, wf.audit_key)
    assert result.ok and result.checked == 4
    with engine.connect() as conn:  # and the new table is append-only
        with pytest.raises(DBAPIError):
            conn.execute(delete(Event.__table__))
    engine.dispose()
