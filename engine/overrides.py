"""Supervisor overrides: when reality does not follow the diagram.

Each operation locks the case's instance like a completion, refuses when the form it came from is
stale or its task has moved on (nothing changes then), changes the workflow through SpiffWorkflow's
own operations, and saves through the engine, so the open-task index, the timer rows and the version
follow. Each is one ``override`` event on the audit chain with its type, reason and before/after.
Who may override is the web layer's decision (the leading group office's supervisors).
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.orm import Session
from SpiffWorkflow.util.task import TaskState

from . import audit, persist
from .errors import EngineError, StaleForm
from .runtime import Actor, Engine, _Scan
from .store import utcnow

TYPES = {
    "deadline": "调整期限",
    "skip": "跳过环节",
    "reset": "退回到之前环节",
    "suspend": "暂停案件",
    "resume": "恢复案件",
    "cancel": "撤销案件",
    "migrate": "迁移到新版流程图",
    "correct_data": "更正案件信息",
}


class OverrideRefused(EngineError):
    """The override does not apply to the case as it stands; the message says why."""


class _Open:
    """A locked instance with its workflow, loaded for one override."""

    def __init__(self, engine: Engine, session: Session, *, instance_id: int | None = None,
                 task_guid: str | None = None, expected_version: int | None = None):
        if task_guid is not None:
            instance, _ = persist.lock_by_task(session, task_guid)
            if instance is None:
                raise engine.missing_task_error(session, task_guid)
        else:
            instance = engine.lock(session, instance_id)
        rows = persist.open_tasks(session, instance.id)
        if task_guid is not None and task_guid not in rows:
            raise engine.missing_task_error(session, task_guid)
        if expected_version is not None and instance.version != expected_version:
            raise StaleForm("这个案件在您打开页面之后已有新的进展，请核对最新情况后重新操作。")
        self.engine, self.session, self.instance, self.rows = engine, session, instance, rows
        self.workflow = engine.load(session, instance)
        self.before = _Scan.of(self.workflow)

    def task(self, task_guid: str):
        return self.workflow.get_task_from_id(UUID(task_guid))

    def save(self, actor: Actor, kind: str, reason: str, task=None, timer_rows=None, **change) -> None:
        spec = task.task_spec if task is not None else None
        event = audit.event("override", instance=self.instance, actor=actor,
                            task_guid=str(task.id) if task is not None else None,
                            task_spec=spec.name if spec else None, title=spec.bpmn_name if spec else None,
                            data={"type": kind, "reason": reason, **change})
        # Bring a running case up to date: a deadline that passed (while suspended, or moved into the
        # past) fires now rather than at the next sweep. A suspended case stays exactly where it is.
        if self.instance.status == "running":
            self.engine._run(self.workflow.refresh_timers)
            self.engine._run(self.workflow.do_engine_steps)
        self.engine._save(self.session, self.instance, self.workflow, actor, self.rows, self.before, [event],
                          timer_rows=timer_rows)


def _need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise OverrideRefused("请填写操作理由，理由将记入审计记录。")
    return reason


def set_deadline(engine: Engine, session: Session, task_guid: str, due: datetime, actor: Actor, reason: str,
                 expected_version: int | None = None) -> None:
    """Extend or shorten the deadline of a task: its timer moves; a deadline put in the past expires now."""
    reason = _need_reason(reason)
    case = _Open(engine, session, task_guid=task_guid, expected_version=expected_version)
    engine.require_running(case.instance)
    task = case.task(task_guid)
    timers = [(t, old) for t, old in case.before.waiting if t.parent is task.parent]
    if not timers:
        raise OverrideRefused("这项任务没有办理期限，无法调整。")
    old_due = min(old for _t, old in timers)
    for timer, _old in timers:
        timer._set_internal_data(event_value=due.isoformat())
    case.save(actor, "deadline", reason, task, before=old_due.isoformat(), after=due.isoformat())


def skip(engine: Engine, session: Session, task_guid: str, actor: Actor, reason: str,
         expected_version: int | None = None) -> None:
    """Mark a task done without its form; the case goes on as if it had been completed."""
    reason = _need_reason(reason)
    case = _Open(engine, session, task_guid=task_guid, expected_version=expected_version)
    engine.require_running(case.instance)
    task = case.task(task_guid)
    task.complete()  # no run(): nothing of the step is executed or submitted
    case.save(actor, "skip", reason, task)


def reset(engine: Engine, session: Session, instance_id: int, task_guid: str, actor: Actor, reason: str,
          expected_version: int | None = None) -> None:
    """Send the case back to a step already done (also re-opens a finished or cancelled case).

    The tasks after it are cancelled in the workflow; the audit trail keeps everything they recorded.
    """
    reason = _need_reason(reason)
    case = _Open(engine, session, instance_id=instance_id, expected_version=expected_version)
    task = case.task(task_guid)
    if task is None or task.state != TaskState.COMPLETED or not task.task_spec.manual:
        raise OverrideRefused("只能退回到已经办理过的环节。")
    status_before = case.instance.status
    if status_before == "suspended":
        raise OverrideRefused("案件已暂停，请先恢复再退回。")
    case.workflow.reset_from_task_id(task.id)
    # SpiffWorkflow caches "completed" once the end was reached (or the workflow cancelled) and the
    # reset leaves the flag set; the case has unfinished tasks again.
    case.workflow.completed = False
    # The reset removes the tasks after the target but leaves the waiting events among them (a
    # deadline timer) registered with the event manager, which then fails on the next timer refresh.
    live = {t.id for t in case.workflow.get_tasks()}
    for task_id in [i for i in case.workflow.event_manager.tasks if i not in live]:
        case.workflow.event_manager.tasks.pop(task_id)
    case.instance.status, case.instance.completed_at, case.instance.outcome = "running", None, None
    case.save(actor, "reset", reason, task, status_before=status_before,
              timer_rows={} if status_before != "running" else None)


def suspend(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: str,
            expected_version: int | None = None) -> None:
    """Take the case's tasks out of the inboxes and stop its timers until it is resumed."""
    reason = _need_reason(reason)
    case = _Open(engine, session, instance_id=instance_id, expected_version=expected_version)
    engine.require_running(case.instance)
    case.instance.status = "suspended"
    case.save(actor, "suspend", reason)


def resume(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: str,
           expected_version: int | None = None) -> None:
    """Put a suspended case back: its tasks return to the inboxes and its timers run; a deadline that
    passed during the suspension fires at once."""
    reason = _need_reason(reason)
    case = _Open(engine, session, instance_id=instance_id, expected_version=expected_version)
    if case.instance.status != "suspended":
        raise OverrideRefused("这个案件没有暂停。")
    case.instance.status = "running"
    case.save(actor, "resume", reason, timer_rows={})


def cancel(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: str,
           expected_version: int | None = None) -> None:
    """End a case that should not exist (registered twice…); it can be re-opened with ``reset``."""
    reason = _need_reason(reason)
    case = _Open(engine, session, instance_id=instance_id, expected_version=expected_version)
    if case.instance.status in ("completed", "cancelled"):
        raise OverrideRefused("案件已经结束，无需撤销。")
    status_before = case.instance.status
    case.workflow.cancel()
    case.instance.status, case.instance.completed_at, case.instance.outcome = "cancelled", utcnow(), "cancelled"
    case.save(actor, "cancel", reason, status_before=status_before,
              timer_rows={} if status_before == "suspended" else None)


def correct_data(engine: Engine, session: Session, instance_id: int, context: dict, changes: dict, actor: Actor,
                 reason: str, expected_version: int | None = None) -> None:
    """Record a correction of the case's data (made by the caller in its own tables) with before/after.

    ``context`` holds the corrected values the engine copies into the open-task index (town, well
    number, party name): the index is rewritten, so a change of town moves the town's tasks to the new
    town's inbox. ``changes`` maps each corrected field to ``[before, after]``.
    """
    reason = _need_reason(reason)
    case = _Open(engine, session, instance_id=instance_id, expected_version=expected_version)
    case.instance.context = {**(case.instance.context or {}), **context}
    persist.update_instance_fields(session, instance_id, context=case.instance.context)
    case.save(actor, "correct_data", reason, changes=changes)
