"""Start, complete, advance and correlate process instances, persisted through ``store``.

Every public method runs inside the caller's transaction: it locks the instance row, restores the
workflow against the cached spec of the instance's own diagram version, changes it, and writes the
state, the open-task index, the timer rows and the audit events back, bumping the version counter.
It only flushes; the caller commits once (one transaction per request or job).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import audit, specs, state
from .errors import (
    EngineError,
    InstanceNotRunning,
    StaleForm,
    TaskAlreadyHandled,
    TaskNotFound,
    WorkflowFailure,
)
from .services import SERVICES
from .store import Instance, OpenTask, SpecVersion, Timer, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts: a username and their department code (``system`` for timers and messages)."""

    username: str
    department: str | None = None


SYSTEM = Actor("system", None)


class Engine:
    """The workflow runtime over one current diagram version (older versions are loaded on demand)."""

    def __init__(self, current: specs.LoadedSpecs):
        self.current = current
        self.script_engine = PythonScriptEngine(environment=TaskDataEnvironment(dict(SERVICES)))

    # -- public operations -------------------------------------------------------------------

    def start(self, session: Session, process_id: str, case_id: int, context: dict,
              data: dict | None = None, actor: Actor = SYSTEM) -> Instance:
        """Start a process for a case. ``context`` holds the town and the fields copied for search."""
        self._remember_version(session)
        spec, subprocess_specs = self.current.process(process_id)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data or {})
        self._run(workflow.do_engine_steps)
        instance = Instance(case_id=case_id, process_id=process_id, spec_version=self.current.version,
                            status="running", version=0, context=dict(context), state="")
        session.add(instance)
        session.flush()
        audit.record(session, "started", instance=instance, actor=actor, data=data or {})
        self._save(session, instance, workflow, actor)
        return instance

    def complete(self, session: Session, task_guid: str, data: dict, actor: Actor,
                 expected_version: int | None = None) -> Instance:
        """Complete a ready user task with its form data and run the engine on to the next wait."""
        row = session.scalar(select(OpenTask).where(OpenTask.task_guid == task_guid))
        if row is None:
            raise self.missing_task_error(session, task_guid)
        instance = self.lock(session, row.instance_id)
        # Re-read after the lock: another request may have completed it while we waited.
        row = session.scalar(select(OpenTask).where(OpenTask.task_guid == task_guid)
                             .execution_options(populate_existing=True))
        if row is None:
            raise self.missing_task_error(session, task_guid)
        self._require_running(instance)
        if expected_version is not None and instance.version != expected_version:
            raise StaleForm("这个案件在您打开表单之后已有新的进展，请核对最新情况后重新填写。")
        workflow = self.load(session, instance)
        task = workflow.get_task_from_id(UUID(task_guid))
        if task is None or task.state != TaskState.READY:
            raise self.missing_task_error(session, task_guid)
        task.data.update(data)
        self._run(task.run)
        audit.record(session, "task_completed", instance=instance, actor=actor, task_guid=task_guid,
                     task_spec=row.task_spec, title=row.title, form_key=row.form_key, data=data)
        self._run(workflow.do_engine_steps)
        self._save(session, instance, workflow, actor)
        return instance

    def advance(self, session: Session, instance_id: int, actor: Actor = SYSTEM) -> tuple[Instance, list[str]]:
        """Refresh timers and run engine steps; returns the instance and the timer events that fired."""
        instance = self.lock(session, instance_id)
        if instance.status != "running":
            return instance, []
        workflow = self.load(session, instance)
        waiting = {t.id: t for t in workflow.get_tasks(state=TaskState.WAITING) if _timer_of(t)}
        self._run(workflow.refresh_timers)
        self._run(workflow.do_engine_steps)
        # Spiff clears ``event_fired`` once the event completes; a timer that was waiting and is now
        # COMPLETED (not CANCELLED with its task) is one that fired.
        fired = [t for t in waiting.values() if t.state == TaskState.COMPLETED]
        for task in fired:
            audit.record(session, "timer_fired", instance=instance, actor=actor, task_guid=str(task.id),
                         task_spec=task.task_spec.name, title=task.task_spec.bpmn_name,
                         data={"due": task._get_internal_data("event_value")})
        if fired:
            self._save(session, instance, workflow, actor)
        return instance, [t.task_spec.name for t in fired]

    def correlate(self, session: Session, instance_id: int, message: str, payload: dict | None = None,
                  actor: Actor = SYSTEM) -> Instance:
        """Deliver a named message (with its payload) to an instance waiting for it."""
        instance = self.lock(session, instance_id)
        self._require_running(instance)
        workflow = self.load(session, instance)
        # Camunda's message events carry {payload, result_var}; the payload lands in the task data
        # under the message's name, where gateways and later forms can read it.
        event = BpmnEvent(MessageEventDefinition(message), {"payload": payload or {}, "result_var": message})
        try:
            workflow.send_event(event)
        except SpiffWorkflowException as exc:
            raise InstanceNotRunning(f"案件当前没有在等待消息 “{message}”。") from exc
        audit.record(session, "message_received", instance=instance, actor=actor,
                     data={"message": message, "payload": payload or {}})
        self._run(workflow.do_engine_steps)
        self._save(session, instance, workflow, actor)
        return instance

    # -- loading and saving --------------------------------------------------------------------

    def lock(self, session: Session, instance_id: int) -> Instance:
        """The instance row, locked for this transaction (FOR UPDATE; SQLite locks at BEGIN IMMEDIATE)."""
        instance = session.scalar(select(Instance).where(Instance.id == instance_id).with_for_update()
                                  .execution_options(populate_existing=True))
        if instance is None:
            raise TaskNotFound("找不到这个案件的流程。")
        return instance

    def load(self, session: Session, instance: Instance) -> BpmnWorkflow:
        loaded = self.specs_for(session, instance.spec_version)
        spec, subprocess_specs = loaded.process(instance.process_id)
        return state.loads(instance.state, spec, subprocess_specs, self.script_engine)

    def specs_for(self, session: Session, version: str) -> specs.LoadedSpecs:
        if version == self.current.version:
            return self.current
        stored = session.scalar(select(SpecVersion).where(SpecVersion.version == version))
        if stored is None:
            raise WorkflowFailure(f"找不到流程图版本 {version[:12]}，无法恢复这个案件的流程。")
        return specs.load(stored.files)

    def _remember_version(self, session: Session) -> None:
        exists = session.scalar(select(SpecVersion.id).where(SpecVersion.version == self.current.version))
        if exists is None:
            session.add(SpecVersion(version=self.current.version, files=self.current.files))
            session.flush()

    def _save(self, session: Session, instance: Instance, workflow: BpmnWorkflow, actor: Actor) -> None:
        now = utcnow()
        instance.state = state.dumps(workflow)
        instance.version += 1
        instance.updated_at = now
        timers = _waiting_timers(workflow)
        self._sync_open_tasks(session, instance, workflow, timers, actor, now)
        self._sync_timers(session, instance, timers)
        if workflow.is_completed() and instance.status == "running":
            instance.status = "completed"
            instance.completed_at = now
            instance.outcome = _end_event(workflow)
            audit.record(session, "process_completed", instance=instance, actor=actor,
                         data={"outcome": instance.outcome})
        session.flush()

    def _sync_open_tasks(self, session, instance, workflow, timers, actor, now) -> None:
        """Rewrite the instance's rows in the open-task index, keeping rows of tasks still open."""
        loaded = self.specs_for(session, instance.spec_version)
        ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
        existing = {r.task_guid: r for r in session.scalars(
            select(OpenTask).where(OpenTask.instance_id == instance.id))}
        for guid, row in existing.items():
            if guid not in ready:
                session.delete(row)
        ctx = instance.context or {}
        for guid, task in ready.items():
            info = loaded.user_tasks.get(task.task_spec.name)
            lane = (info.lane if info else task.task_spec.lane) or ""
            due = _due_of(task, timers)
            row = existing.get(guid)
            if row is None:
                row = OpenTask(task_guid=guid, instance_id=instance.id, case_id=instance.case_id,
                               task_spec=task.task_spec.name, created_at=now)
                session.add(row)
                audit.record(session, "task_created", instance=instance, actor=actor, task_guid=guid,
                             task_spec=task.task_spec.name, title=info.title if info else task.task_spec.name,
                             form_key=info.form_key if info else None,
                             data={"department": _department(lane, ctx)})
            row.title = info.title if info else (task.task_spec.bpmn_name or task.task_spec.name)
            row.form_key = info.form_key if info else ""
            row.lane = lane
            row.department = _department(lane, ctx)
            row.town = ctx.get("town", "")
            row.well_no = ctx.get("well_no", "")
            row.party_name = ctx.get("party_name", "")
            row.due_at = due

    def _sync_timers(self, session, instance, timers) -> None:
        session.execute(delete(Timer).where(Timer.instance_id == instance.id))
        for task, due in timers:
            session.add(Timer(instance_id=instance.id, task_guid=str(task.id), task_spec=task.task_spec.name,
                              due_at=due))

    # -- helpers -------------------------------------------------------------------------------

    def missing_task_error(self, session: Session, task_guid: str) -> EngineError:
        """The error for a task that is not open: who handled it and when, or 'not found'."""
        done = audit.last_completion(session, task_guid)
        if done is None:
            return TaskNotFound("找不到这项待办任务，它可能已被撤销。")
        when = done.created_at.astimezone(audit.CHINA).strftime("%Y-%m-%d %H:%M")
        return TaskAlreadyHandled(f"这项任务已由 {done.actor} 于 {when} 办理，无需重复提交。",
                                  actor=done.actor, at=done.created_at)

    @staticmethod
    def _require_running(instance: Instance) -> None:
        if instance.status != "running":
            label = {"completed": "已办结", "suspended": "已暂停", "cancelled": "已撤销"}.get(instance.status,
                                                                                         instance.status)
            raise InstanceNotRunning(f"这个案件{label}，不能再办理任务。")

    @staticmethod
    def _run(step, *args):
        """Run an engine step, turning diagram failures into a message that names the step."""
        try:
            return step(*args)
        except SpiffWorkflowException as exc:
            where = getattr(getattr(exc, "task_spec", None), "bpmn_name", None) or ""
            raise WorkflowFailure(f"流程执行出错{('（' + where + '）') if where else ''}：{exc}") from exc


def _department(lane: str, context: dict) -> str:
    return context.get("town", "") if lane == specs.TOWN_LANE else lane


def _timer_of(task) -> TimerEventDefinition | None:
    spec = task.task_spec
    if isinstance(spec, CatchingEvent) and isinstance(spec.event_definition, TimerEventDefinition):
        return spec.event_definition
    return None


def _waiting_timers(workflow: BpmnWorkflow) -> list[tuple]:
    """(task, due datetime in UTC) for every timer event the workflow waits on."""
    result = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = _timer_of(task)
        if definition is None:
            continue
        value = task._get_internal_data("event_value")
        if value is None:
            continue
        if isinstance(value, dict):  # a cycle timer: the next occurrence
            value = value.get("next")
        result.append((task, TimerEventDefinition.get_datetime(value)))
    return result


def _due_of(task, timers: list[tuple]) -> datetime | None:
    """A user task's due time: the earliest timer attached to it as a boundary event."""
    parent = task.parent
    dues = [due for timer, due in timers if timer.parent is parent]
    return min(dues) if dues else None


def _end_event(workflow: BpmnWorkflow) -> str | None:
    ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if type(t.task_spec).__name__ == "EndEvent" and t.workflow is workflow]
    if not ends:
        return None
    return max(ends, key=lambda t: t.last_state_change).task_spec.name
