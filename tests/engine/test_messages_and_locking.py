"""Message correlation, and the locking that keeps one task from being completed twice."""
from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from engine import Actor, Engine, EngineError, InstanceNotRunning, specs
from engine.tables import Event, Instance, OpenTask, SpecVersion, Timer
from engine.timers import claim_next_due

DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("WELLS_TEST_DATABASE_URL")
WATER = Actor("water.clerk", "water")


@pytest.fixture
def message_engine():
    return Engine(specs.load({"message_wait.bpmn": (DATA / "message_wait.bpmn").read_text(encoding="utf-8")}),
                  audit_key=b"test audit key")


def test_correlate_delivers_a_message_with_its_payload(message_engine, session_factory):
    with session_factory() as s, s.begin():
        inst = message_engine.start(s, "message_wait", 7, {"town": "xiacun", "well_no": "XC-7"})
        assert s.scalar(select(func.count()).select_from(OpenTask)) == 0  # waiting for the message
    with session_factory() as s, s.begin():
        with pytest.raises(InstanceNotRunning, match="没有在等待消息"):
            message_engine.correlate(s, inst.id, "some_other_message")
    with session_factory() as s, s.begin():
        message_engine.correlate(s, inst.id, "coverage_extended", {"area": "夏村镇东村"})
    with session_factory() as s:
        (task,) = s.scalars(select(OpenTask))
        assert (task.task_spec, task.department, task.well_no) == ("close_well", "water", "XC-7")
        (event,) = s.scalars(select(Event).where(Event.kind == "message_received"))
        assert event.data == {"message": "coverage_extended", "payload": {"area": "夏村镇东村"}}
        workflow = message_engine.load(s, s.get(Instance, inst.id))
        assert workflow.get_tasks(spec_name="close_well")[0].data["coverage_extended"] == {"area": "夏村镇东村"}


def _to_commitment(wf, session_factory):
    with session_factory() as s, s.begin():
        inst = wf.start(s, "well_case", 1, {"town": "xiacun"})
    with session_factory() as s:
        guid = s.scalar(select(OpenTask.task_guid))
        return inst.id, guid, s.get(Instance, inst.id).version


def test_two_simultaneous_submissions_exactly_one_wins(wf, session_factory):
    instance_id, guid, version = _to_commitment(wf, session_factory)
    barrier = threading.Barrier(2)
    results = []

    def submit(username):
        barrier.wait()
        try:
            with session_factory() as s, s.begin():
                wf.complete(s, guid, {"signed_on": "2026-03-02", "signatory": username},
                            Actor(username, "xiacun"), expected_version=version)
            results.append(("ok", username))
        except EngineError as exc:
            results.append(("refused", str(exc)))

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("xiacun.clerk", "xiacun.head")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[0] for r in results) == ["ok", "refused"]
    winner = next(r[1] for r in results if r[0] == "ok")
    refusal = next(r[1] for r in results if r[0] == "refused")
    assert winner in refusal and "已由" in refusal
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "task_completed")) == 1
        assert s.get(Instance, instance_id).version == version + 1


@pytest.mark.skipif(not PG_URL, reason="SKIP LOCKED is PostgreSQL's; SQLite serializes writers at BEGIN IMMEDIATE")
def test_two_timer_workers_never_claim_the_same_timer(wf, session_factory):
    """While one worker holds a due timer, a second worker skips it instead of waiting or firing it."""
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=False):
        for case_id in (1, 2):
            with session_factory() as s, s.begin():
                inst = wf.start(s, "well_case", case_id, {"town": "xiacun"})
                for spec, data in [("commitment", {}), ("inspect", {"obstructed": False, "hidden_well": False, "in_coverage": True, "has_permit": False,
                                                                    "purpose": "industrial", "urban_village": False}),
                                   ("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})]:
                    guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == inst.id))
                    wf.complete(s, guid, data, WATER)
    later = datetime(2026, 3, 11, tzinfo=timezone.utc)
    first, second = session_factory(), session_factory()
    try:
        first.begin()
        second.begin()
        claimed_first = claim_next_due(first, later)
        claimed_second = claim_next_due(second, later)
        assert claimed_first is not None and claimed_second is not None
        assert claimed_first != claimed_second
        with session_factory() as third:
            assert claim_next_due(third, later) is None  # both due timers are held
            third.rollback()
    finally:
        first.close()
        second.close()
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Timer)) == 2


@pytest.mark.skipif(not PG_URL, reason="row locks are PostgreSQL's; SQLite serializes whole transactions")
def test_sweep_skips_a_case_being_completed_and_never_deadlocks_with_it(wf, session_factory):
    """A clerk holds the case (instance lock) while the sweep runs: the sweep passes it by."""
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=timezone.utc), tick=False):
        with session_factory() as s, s.begin():
            inst = wf.start(s, "well_case", 1, {"town": "xiacun"})
            for spec, data in [("commitment", {}), ("inspect", {"obstructed": False, "hidden_well": False, "in_coverage": True, "has_permit": False,
                                                                "purpose": "industrial", "urban_village": False}),
                               ("notice", {"notice_served_on": "2026-03-02", "rectify_days": 5})]:
                guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == inst.id))
                wf.complete(s, guid, data, WATER)
    later = datetime(2026, 3, 11, tzinfo=timezone.utc)
    clerk = session_factory()
    try:
        clerk.begin()
        wf.open(clerk, instance_id=inst.id)  # a completion in progress on the same case
        with session_factory() as sweeper:
            assert claim_next_due(sweeper, later) is None
            sweeper.rollback()
    finally:
        clerk.close()
    with session_factory() as sweeper:
        assert claim_next_due(sweeper, later) == inst.id
        sweeper.rollback()


def test_two_first_starts_on_new_diagrams_both_store_and_succeed(wf, session_factory):
    """The first start on a new diagram version stores it; a second start meanwhile (the first not yet
    committed) waits and then finds it stored, instead of failing on the unique version."""
    first_stored, errors = threading.Event(), []

    def second():
        first_stored.wait()
        try:
            with session_factory() as s, s.begin():
                wf.start(s, "well_case", 2, {"town": "xiacun", "well_no": "XC-002", "party_name": "乙"},
                         data={"well_no": "XC-002", "patrol_days": 90}, actor=Actor("xiacun.clerk", "xiacun"))
        except Exception as exc:  # noqa: BLE001 — the assertion below names it
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    with session_factory() as s, s.begin():
        wf.start(s, "well_case", 1, {"town": "xiacun", "well_no": "XC-001", "party_name": "甲"},
                 data={"well_no": "XC-001", "patrol_days": 90}, actor=Actor("xiacun.clerk", "xiacun"))
        first_stored.set()
        time.sleep(0.5)  # the second start reaches the version (PostgreSQL) or the write lock (SQLite)
    thread.join()
    assert errors == []
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(SpecVersion)) == 1
        assert s.scalar(select(func.count()).select_from(Instance)) == 2
