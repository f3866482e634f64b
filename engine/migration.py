"""Move running cases to the current version of the diagrams, after a dry run says which can move.

A case keeps the diagram version it started with (``wf_instance.spec_version``) until a supervisor
moves it. SpiffWorkflow aligns the old and new specs by BPMN id (``bpmn.util.diff``). Whether a case
can move is decided from what the case did — its completed, open (ready, started) and waiting tasks —
never from the engine's prediction of the steps still to come: a removed step the case was only
predicted to reach is re-predicted on the new spec. Open and waiting tasks are re-predicted against
the new spec, so changed forms, lanes and timers apply from the move on; a deadline a supervisor
changed by hand is computed afresh from its expression, which the dry run and the move warn about.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, persist, state
from .actors import Actor
from .errors import EngineError
from .runtime import Engine
from .tables import Event, Instance, OpenTask, Timer

# What a case did (or does now): the states that stand for history, not prediction.
_DID = TaskState.COMPLETED | TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR
# Data that registration gives a case today (webapp.cases_service.register_case) and that gateways of the
# current diagrams read, which a case registered under an older version may lack: a moved case gets it on
# its open tasks, unless it already has a value (an accepted 封井验收 wrote seal_accepted = True).
DATA_DEFAULTS = {"seal_accepted": False}


@dataclass
class MigrationCheck:
    instance_id: int
    case_id: int
    from_version: str
    can_move: bool
    reasons: list[str] = field(default_factory=list)  # why not, in Chinese
    changed: list[str] = field(default_factory=list)  # steps of the case whose definition changed
    warnings: list[str] = field(default_factory=list)  # what the move will change that a supervisor set


class MigrationRefused(EngineError):
    """The case cannot move (a step it went through was removed, no reason given…); the message says why."""


def _name(task) -> str:
    return task.task_spec.bpmn_name or task.task_spec.name


def _check(engine: Engine, session: Session, instance, workflow) -> tuple[MigrationCheck, tuple]:
    spec, dependencies = engine.current.process(instance.process_id)
    top, subprocess_diffs = diff_workflow(state.registry(), workflow, spec, dependencies)
    result = MigrationCheck(instance.id, instance.case_id, instance.spec_version, True)
    did = {_name(t) for t in top.removed if t.has_state(_DID)}
    for sp_id, diff in subprocess_diffs.items():
        if diff is None:
            result.can_move = False
            result.reasons.append(f"案件正在办理的子流程“{workflow.subprocesses[sp_id].spec.name}”在新版流程图中已删除")
        else:
            did |= {_name(t) for t in diff.removed if t.has_state(_DID)}
    if did:
        result.can_move = False
        result.reasons.append("这些已办或在办环节在新版流程图中已删除：" + "、".join(sorted(did)))
    result.changed = sorted({t.task_spec.bpmn_name for t in top.changed if t.task_spec.bpmn_name})
    result.warnings = _changed_deadlines(session, instance.id)
    return result, (spec, dependencies, top, subprocess_diffs)


def _changed_deadlines(session: Session, instance_id: int) -> list[str]:
    """Deadlines of the case's open steps and waiting timers that a supervisor changed by hand: the
    move computes them again from the diagram."""
    open_guids = set(session.scalars(select(OpenTask.task_guid).where(OpenTask.instance_id == instance_id))) | \
        set(session.scalars(select(Timer.task_guid).where(Timer.instance_id == instance_id)))
    latest: dict[str, Event] = {}
    for event in session.scalars(select(Event).where(Event.instance_id == instance_id, Event.kind == "override")
                                 .order_by(Event.id)):
        if (event.data or {}).get("type") == "deadline" and event.task_guid in open_guids:
            latest[event.task_guid] = event
    return [f"督办人员调整过的期限“{e.title or e.task_spec}”（现为 {e.data.get('after')}）迁移后将按新版流程图重新计算，"
            f"如仍需延期，请迁移后重新调整。" for e in latest.values()]


def _apply(workflow, spec, dependencies, top, subprocess_diffs) -> list[str]:
    """Move the workflow onto the new specs; returns the steps left on a spec the new version lacks."""
    migrate_workflow(top, workflow, spec)
    for sp_id, diff in subprocess_diffs.items():
        migrate_workflow(diff, workflow.subprocesses[sp_id], dependencies[workflow.subprocesses[sp_id].spec.name])
    workflow.subprocess_specs = dependencies
    left = set()
    for task in workflow.get_tasks():
        specs_now = task.workflow.spec.task_specs
        if specs_now.get(task.task_spec.name) is not task.task_spec:
            left.add(_name(task))
    return sorted(left)


def dry_run(engine: Engine, session: Session) -> list[MigrationCheck]:
    """Every unfinished case on an older version, with whether it can move and why not. Changes nothing:
    each case is moved on a copy of its workflow that is thrown away."""
    instances = session.scalars(select(Instance).where(
        Instance.spec_version != engine.current.version, Instance.status.in_(("running", "suspended")))
        .order_by(Instance.id)).all()
    checks = []
    for instance in instances:
        workflow = engine.load(session, instance)
        result, (spec, dependencies, top, subprocess_diffs) = _check(engine, session, instance, workflow)
        if result.can_move:
            _refuse_if_left(result, _apply(workflow, spec, dependencies, top, subprocess_diffs))
        checks.append(result)
    return checks


def _refuse_if_left(result: MigrationCheck, left: list[str]) -> None:
    if left:
        result.can_move = False
        result.reasons.append("这些环节无法对应到新版流程图：" + "、".join(left))


@dataclass
class BulkMigration:
    """What ``migrate_many`` did: (instance id, check) of each case moved, (instance id, refusal) of each not."""
    moved: list[tuple[int, MigrationCheck]] = field(default_factory=list)
    refused: list[tuple[int, EngineError]] = field(default_factory=list)


def migrate_many(engine: Engine, session: Session, instance_ids, actor: Actor, reason: str) -> BulkMigration:
    """Move several cases, each on its own: all are locked first in id order (two supervisors ticking
    overlapping cases cannot deadlock), and one case's refusal leaves the others moved (a savepoint each)."""
    ids = sorted(set(instance_ids))
    persist.lock_all(session, ids)
    result = BulkMigration()
    for instance_id in ids:
        savepoint = session.begin_nested()
        try:
            check = migrate(engine, session, instance_id, actor, reason)
        except EngineError as exc:
            savepoint.rollback()
            result.refused.append((instance_id, exc))
        else:
            savepoint.commit()
            result.moved.append((instance_id, check))
    return result


def migrate(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: str) -> MigrationCheck:
    """Move one case to the current version (checked again under the instance lock); recorded."""
    if not (reason or "").strip():
        raise MigrationRefused("请填写迁移理由，理由将记入审计记录。")
    case = engine.open(session, instance_id=instance_id)
    instance = case.instance
    if instance.spec_version == engine.current.version:
        raise MigrationRefused("这个案件已在使用最新版流程图。")
    if instance.status not in ("running", "suspended"):
        raise MigrationRefused("已结束的案件不迁移。")
    engine.remember_version(session)
    workflow = case.workflow  # restored on the version it runs on, before the move
    result, (spec, dependencies, top, subprocess_diffs) = _check(engine, session, instance, workflow)
    if result.can_move:
        _refuse_if_left(result, _apply(workflow, spec, dependencies, top, subprocess_diffs))
    if not result.can_move:
        raise MigrationRefused("；".join(result.reasons))
    instance.spec_version = engine.current.version
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING):
        for name, value in DATA_DEFAULTS.items():
            task.data.setdefault(name, value)
    if instance.status == "running":  # a suspended case stays where it is until resumed
        case.run(workflow.do_engine_steps)
    event = audit.event("override", instance=instance, actor=actor, data={
        "type": "migrate", "reason": reason.strip(), "before": result.from_version[:12],
        "after": engine.current.version[:12], "changed": result.changed, "warnings": result.warnings})
    case.save(actor, [event])
    persist.update_instance_fields(session, instance.id, spec_version=instance.spec_version)
    return result
