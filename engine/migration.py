"""Move running cases to the current version of the diagrams, after a dry run says which can move.

A case keeps the diagram version it started with (``wf_instance.spec_version``) until a supervisor
moves it. SpiffWorkflow aligns the old and new specs by BPMN id (``bpmn.util.diff``); a case can move
when every task it has (done, open or waiting) still exists in the new version. Open and waiting tasks
are re-predicted against the new spec, so changed forms, lanes and timers apply from the move on.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow

from . import audit, persist, state
from .errors import EngineError
from .runtime import Actor, Engine, _Scan
from .store import Instance


@dataclass
class MigrationCheck:
    instance_id: int
    case_id: int
    from_version: str
    can_move: bool
    reasons: list[str] = field(default_factory=list)  # why not, in Chinese
    changed: list[str] = field(default_factory=list)  # steps of the case whose definition changed


class MigrationRefused(EngineError):
    """The case cannot move (a step it went through was removed, no reason given…); the message says why."""


def _check(engine: Engine, session: Session, instance, workflow) -> tuple[MigrationCheck, tuple]:
    spec, dependencies = engine.current.process(instance.process_id)
    top, subprocess_diffs = diff_workflow(state.registry(), workflow, spec, dependencies)
    result = MigrationCheck(instance.id, instance.case_id, instance.spec_version, True)
    names = {t.task_spec.bpmn_name or t.task_spec.name for t in top.removed}
    if names:
        result.can_move = False
        result.reasons.append("这些已办或在办环节在新版流程图中已删除：" + "、".join(sorted(names)))
    for sp_id, diff in subprocess_diffs.items():
        if diff is None or diff.removed:
            result.can_move = False
            result.reasons.append("案件中的子流程在新版流程图中已删除或改动过大")
    result.changed = sorted({t.task_spec.bpmn_name or t.task_spec.name for t in top.changed
                             if t.task_spec.bpmn_name})
    return result, (spec, dependencies, top, subprocess_diffs)


def dry_run(engine: Engine, session: Session) -> list[MigrationCheck]:
    """Every unfinished case on an older version, with whether it can move and why not. Changes nothing."""
    instances = session.scalars(select(Instance).where(
        Instance.spec_version != engine.current.version, Instance.status.in_(("running", "suspended")))
        .order_by(Instance.id))
    checks = []
    for instance in instances:
        checks.append(_check(engine, session, instance, engine.load(session, instance))[0])
    return checks


def migrate(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: str) -> MigrationCheck:
    """Move one case to the current version (checked again under the instance lock); recorded."""
    if not (reason or "").strip():
        raise MigrationRefused("请填写迁移理由，理由将记入审计记录。")
    instance = engine.lock(session, instance_id)
    if instance.spec_version == engine.current.version:
        raise MigrationRefused("这个案件已在使用最新版流程图。")
    if instance.status not in ("running", "suspended"):
        raise MigrationRefused("已结束的案件不迁移。")
    engine._remember_version(session)
    workflow = engine.load(session, instance)
    before = _Scan.of(workflow)
    result, (spec, dependencies, top, subprocess_diffs) = _check(engine, session, instance, workflow)
    if not result.can_move:
        raise MigrationRefused("；".join(result.reasons))
    migrate_workflow(top, workflow, spec)
    for sp_id, diff in subprocess_diffs.items():
        migrate_workflow(diff, workflow.subprocesses[sp_id], dependencies[workflow.subprocesses[sp_id].spec.name])
    workflow.subprocess_specs = dependencies
    instance.spec_version = engine.current.version
    if instance.status == "running":  # a suspended case stays where it is until resumed
        engine._run(workflow.do_engine_steps)
    event = audit.event("override", instance=instance, actor=actor, data={
        "type": "migrate", "reason": reason.strip(), "before": result.from_version[:12],
        "after": engine.current.version[:12], "changed": result.changed})
    engine._save(session, instance, workflow, actor, persist.open_tasks(session, instance.id), before, [event])
    persist.update_instance_fields(session, instance.id, spec_version=instance.spec_version)
    return result
