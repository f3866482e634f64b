"""Engine.start_many (engine/bulk.py): every case it starts is the case Engine.start gives, row for row.

Each bulk-started case is compared with a case started by ``Engine.start`` from the same context and
data in the same database: the state (task ids numbered by first appearance), the open-task and timer
rows, the audit events and the instance's columns must be equal. Time is fixed, so instants compare too.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from engine import Actor, Engine, audit, specs
from engine.bulk import NewInstance
from engine.tables import Event, Instance, OpenTask, Timer

DATA = Path(__file__).parent / "data"
TODAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
TOWN_CLERK = Actor("xiacun.clerk", "xiacun")
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def test_engine():
    files = {name: (DATA / name).read_text(encoding="utf-8") for name in ("bulk_start.bpmn", "bulk_start_reads.bpmn")}
    return Engine(specs.load(files), audit_key=b"test audit key")


def start_data(n: int, town: str = "xiacun", purpose: str = "industrial", party: str = "某某食品有限公司"):
    """A registration's context and data (webapp.cases_service.case_start) for well n."""
    well_no = f"XC-{n:04d}"
    return ({"town": town, "well_no": well_no, "party_name": party},
            {"well_no": well_no, "town": town, "purpose": purpose, "in_coverage": True, "has_permit": False,
             "hidden_well": False, "party_kind": "enterprise", "obstructed": False, "seal_obstructed": False,
             "seal_accepted": False, "permit_valid_to": None, "patrol_days": 90})


def picture(session, instance_id: int) -> dict:
    """Everything a start wrote for an instance, with task ids numbered by their first appearance."""
    instance = session.get(Instance, instance_id)
    numbers: dict[str, str] = {}

    def plain(value):
        if isinstance(value, str):
            return GUID.sub(lambda m: numbers.setdefault(m.group(0), f"<task{len(numbers)}>"), value)
        if isinstance(value, dict):
            return {plain(k): plain(v) for k, v in value.items() if k != "last_state_change"}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    state = plain(json.loads(instance.state))
    tasks = [plain({c: getattr(t, c) for c in ("task_guid", "task_spec", "title", "form_key", "lane", "department",
                                                 "town", "well_no", "party_name", "created_at", "due_at",
                                                 "due_provisional", "assignee", "assigned_at", "priority")})
             for t in session.scalars(select(OpenTask).where(OpenTask.instance_id == instance_id).order_by(OpenTask.id))]
    timers = [plain({"task_guid": t.task_guid, "task_spec": t.task_spec, "due_at": t.due_at, "provisional": t.provisional})
              for t in session.scalars(select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.id))]
    events = [plain({c: getattr(e, c) for c in ("kind", "actor", "actor_department", "task_guid", "task_spec", "title",
                                                  "form_key", "data", "created_at", "chain")})
              for e in session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.id))]
    columns = {c.name: getattr(instance, c.name) for c in Instance.__table__.c if c.name not in ("id", "case_id", "state")}
    return {"state": state, "tasks": tasks, "timers": timers, "events": events, "instance": columns}


def start_both(engine, factory, process_id, cases: dict[int, tuple[dict, dict]], exemplars=None, offset=1000):
    """Start ``cases`` with start_many, then each again from the same context and data with Engine.start
    (as case id + ``offset``); returns the instance ids of both, by case."""
    with factory() as s, s.begin():
        ids = engine.start_many(s, process_id, [NewInstance(c, ctx, data) for c, (ctx, data) in cases.items()],
                                TOWN_CLERK, exemplars=exemplars)
    with factory() as s, s.begin():
        references = {c: engine.start(s, process_id, c + offset, context=dict(ctx), data=dict(data),
                                      actor=TOWN_CLERK).id for c, (ctx, data) in cases.items()}
    return dict(zip(cases, ids)), references


def same_but_chain(bulk: dict, reference: dict) -> None:
    for event in (*bulk["events"], *reference["events"]):
        event.pop("chain")
    assert bulk == reference


def test_bulk_started_cases_equal_cases_started_one_by_one(wf, session_factory):
    cases = {n: start_data(n, town=("xiacun", "nanhuang")[n % 2], party=f"用水户{n}") for n in range(1, 9)}
    cases[9] = start_data(9, purpose="agricultural")       # another shape, of one case: started on its own
    kept: dict = {}
    ids, references = start_both(wf, session_factory, "well_case", cases, exemplars=kept)
    # Nothing on the way to the first step reads the towns, numbers or names: one exemplar for eight cases.
    assert [(e.usable, e.reads) for e in kept.values()] == [(True, frozenset())]
    with session_factory() as s:
        assert [s.get(Instance, ids[n]).case_id for n in cases] == list(cases)  # ids in the order given
        for n in cases:
            bulk, reference = picture(s, ids[n]), picture(s, references[n])
            assert bulk["tasks"][0]["department"] == cases[n][0]["town"] and bulk["tasks"][0]["well_no"] == f"XC-{n:04d}"
            same_but_chain(bulk, reference)
        # The exemplars' rows were rolled back with their savepoints: two events per case, no stray instance.
        assert s.scalar(select(func.count()).select_from(Instance)) == 2 * len(cases)
        assert s.scalar(select(func.count()).select_from(Event)) == 2 * 2 * len(cases)
        assert s.scalar(select(func.count()).select_from(Instance).where(Instance.case_id < 0)) == 0
        assert audit.verify(s, wf.audit_key).ok


def test_values_read_on_the_way_make_shapes_and_copied_ones_reach_rows_timers_and_state(test_engine, session_factory):
    cases = {n: start_data(n, town=("xiacun", "nanhuang")[n > 10], purpose="agricultural" if n % 2 else "industrial")
             for n in range(1, 15)}
    kept: dict = {}
    ids, references = start_both(test_engine, session_factory, "bulk_start", cases, exemplars=kept)
    # The first exemplar found the script reading the town and the gateway the purpose: one exemplar
    # per town and purpose, each copied for its cases (well numbers and party names marked); 南黄镇's two
    # cases of each purpose are started one by one.
    assert sorted(e.reads for e in kept.values() if e.reads) == [frozenset({"purpose", "town"})]
    assert sum(e.usable for e in kept.values()) == 2
    with session_factory() as s:
        for n, (context, data) in cases.items():
            bulk = picture(s, ids[n])
            same_but_chain(bulk, picture(s, references[n]))
            (task,) = bulk["tasks"]
            assert task["well_no"] == f"XC-{n:04d}"
            if n % 2:  # the agricultural wells took the other branch
                assert (task["task_spec"], task["department"], bulk["timers"]) == ("review", "water", [])
            else:
                assert (task["task_spec"], task["department"]) == ("sign", context["town"])
                assert [t["due_at"] for t in bulk["timers"]] == [TODAY + timedelta(days=5)]
            labels = [t["delta"]["updates"]["label"] for t in bulk["state"]["tasks"].values()
                      if "label" in t.get("delta", {}).get("updates", {})]
            assert labels == [f"机井所在：{context['town']}"]


def test_a_value_read_on_the_way_is_never_marked(test_engine, session_factory):
    """The gateway reads the well number: every case is its own shape, started on its own."""
    cases = {}
    for n in range(1, 7):
        context, data = start_data(n)
        well_no = ("A" if n % 2 else "B") + f"-{n}"
        context["well_no"] = data["well_no"] = well_no
        cases[n] = (context, data)
    kept: dict = {}
    ids, references = start_both(test_engine, session_factory, "bulk_start_reads", cases, exemplars=kept)
    assert [e.reads for e in kept.values()] == [frozenset({"well_no"})] and not any(e.usable for e in kept.values())
    with session_factory() as s:
        for n in cases:
            bulk = picture(s, ids[n])
            assert [t["task_spec"] for t in bulk["tasks"]] == ["task_a" if n % 2 else "task_b"]
            same_but_chain(bulk, picture(s, references[n]))


def test_a_bulk_started_case_is_completed_like_any_other(wf, session_factory):
    with session_factory() as s, s.begin():
        ids = wf.start_many(s, "well_case", [NewInstance(n, *start_data(n)) for n in range(1, 5)], TOWN_CLERK)
    with session_factory() as s, s.begin():
        guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == ids[2]))
        instance = wf.complete(s, guid, {"signed_on": "2026-03-02"}, TOWN_CLERK, expected_version=1)
        assert instance.version == 2
    with session_factory() as s:
        steps = s.scalars(select(OpenTask.task_spec).where(OpenTask.instance_id == ids[2])).all()
        assert steps == ["inspect"]
        assert s.scalars(select(OpenTask.task_spec).where(OpenTask.instance_id == ids[1])).all() == ["commitment"]
        kinds = s.scalars(select(Event.kind).where(Event.instance_id == ids[2]).order_by(Event.id)).all()
        assert kinds == ["started", "task_created", "task_completed", "task_created"]
        assert audit.verify(s, wf.audit_key).ok


def test_exemplars_are_kept_across_batches(wf, session_factory):
    """A load's later batches reuse the exemplars of the first (one per shape) and still give the cases a
    single start gives."""
    kept: dict = {}
    for first in (1, 11):
        cases = {n: start_data(n) for n in range(first, first + 5)}
        ids, references = start_both(wf, session_factory, "well_case", cases, exemplars=kept)
        with session_factory() as s:
            for n in cases:
                same_but_chain(picture(s, ids[n]), picture(s, references[n]))
    assert len(kept) == 1
