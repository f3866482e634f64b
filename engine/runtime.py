"""Start, complete, advance and correlate process instances, persisted through ``persist``.

Every public method runs inside the caller's transaction: it locks the instance row, restores the
workflow against the cached spec of the instance's own diagram version, changes it, and writes the
state, the open-task index and the timer rows back (bumping the version counter) and adds the audit
events to the transaction (chained and written when it commits: ``audit.flush``).
Rows are written with SQLAlchemy Core through ``persist``; the caller commits once (one transaction
per request or job).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from rules import calendar

from . import audit, form_version, persist, specs, state, task_fate
from .errors import (
    EngineError,
    InstanceNotRunning,
    StaleForm,
    TaskNotFound,
    WorkflowFailure,
    workflow_failure,
)
from .persist import InstanceRow
from .services import OFFICE_DEADLINE, SERVICES
from .tables import SpecVersion, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts: a username and their department code (``system`` for timers and messages)."""

    username: str
    department: str | None = None


SYSTEM = Actor("system", None)


class Engine:
    """The workflow runtime over one current diagram version (older versions are loaded on demand)."""

    def __init__(self, current: specs.LoadedSpecs, audit_key: bytes, category_key: str = "category"):
        self.current = current
        self.audit_key = audit_key
        # The workflow variable copied to ``wf_instance.category`` at every save (the DMN's output).
        self.category_key = category_key
        self.script_engine = PythonScriptEngine(environment=TaskDataEnvironment(dict(SERVICES)))

    # -- public operations -------------------------------------------------------------------

    def start(self, session: Session, process_id: str, case_id: int, context: dict,
              data: dict | None = None, actor: Actor = SYSTEM) -> InstanceRow:
        """Start a process for a case. ``context`` holds the town and the fields copied for search."""
        self._remember_version(session)
        spec, subprocess_specs = self.current.process(process_id)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data or {})
        self._run(workflow.do_engine_steps)
        instance = InstanceRow(id=0, case_id=case_id, process_id=process_id, spec_version=self.current.version,
                               status="running", version=0, context=dict(context))
        instance.id = persist.insert_instance(session, instance, utcnow())
        started = audit.event("started", instance=instance, actor=actor, data=data or {})
        self._save(session, instance, workflow, actor, {}, _Scan(), [started])
        return instance

    def start_many(self, session: Session, process_id: str, starts, actor: Actor = SYSTEM,
                   exemplars: dict | None = None) -> list[int]:
        """Start many instances set-based, each as ``start`` would (``bulk.start_many``); their ids in order."""
        from . import bulk  # bulk builds on the runtime (and overrides): imported when first used

        return bulk.start_many(self, session, process_id, starts, actor, exemplars)

    def complete(self, session: Session, task_guid: str, data: dict, actor: Actor,
                 expected_version: int | None = None, departments: tuple[str, ...] | None = None,
                 may_take_over: bool = False) -> InstanceRow:
        """Complete a ready user task with its form data and run the engine on to the next wait.

        ``departments`` (the actor's inboxes) and the claim are checked again under the lock: a task
        moved to another department, or claimed by or assigned to a colleague a moment ago, is refused
        with who did it and when, not completed (``may_take_over``: the department head may complete a
        colleague's claimed task). A form rendered before claims, releases and assignments that changed
        nothing else is still current (``form_version``).
        """
        instance, open_rows = persist.lock_by_task(session, task_guid)
        if instance is None:
            raise self.missing_task_error(session, task_guid)
        if expected_version is None or instance.version != expected_version:
            # The rows read with the lock may predate a change we waited for (every change, a claim
            # included, bumps the version): read them again.
            open_rows = persist.open_tasks(session, instance.id)
        row = open_rows.get(task_guid)
        if row is None:
            raise self.missing_task_error(session, task_guid)
        self.require_running(instance)
        if departments is not None and row["department"] not in departments:
            raise task_fate.moved(session, task_guid, row["department"])
        if row["assignee"] and row["assignee"] != actor.username and not may_take_over:
            raise task_fate.taken(session, task_guid, row["assignee"])
        if expected_version is not None and not form_version.is_current(instance, expected_version):
            raise StaleForm("这个案件在您打开表单之后已有新的进展，请核对最新情况后重新填写。")
        workflow = self.load(session, instance)
        task = workflow.get_task_from_id(UUID(task_guid))
        if task is None or task.state != TaskState.READY:
            raise self.missing_task_error(session, task_guid)
        before = _Scan.of(workflow)
        task.data.update(data)
        self._run(task.run)
        completed = audit.event("task_completed", instance=instance, actor=actor, task_guid=task_guid,
                                task_spec=row["task_spec"], title=row["title"], form_key=row["form_key"],
                                data=data)
        self._run(workflow.do_engine_steps)
        self._save(session, instance, workflow, actor, open_rows, before, [completed])
        return instance

    def advance(self, session: Session, instance_id: int, actor: Actor = SYSTEM) -> tuple[InstanceRow, list[str]]:
        """Refresh timers and run engine steps; returns the instance and the timer events that fired."""
        instance = self.lock(session, instance_id)
        if instance.status != "running":
            return instance, []
        workflow = self.load(session, instance)
        before = _Scan.of(workflow)
        self._run(workflow.refresh_timers)
        self._run(workflow.do_engine_steps)
        fired = _Scan.of(workflow).fired_since(before)
        if fired:
            self._save(session, instance, workflow, actor, persist.open_tasks(session, instance.id), before, [])
        return instance, [t.task_spec.name for t in fired]

    def correlate(self, session: Session, instance_id: int, message: str, payload: dict | None = None,
                  actor: Actor = SYSTEM) -> InstanceRow:
        """Deliver a named message (with its payload) to an instance waiting for it."""
        instance = self.lock(session, instance_id)
        self.require_running(instance)
        workflow = self.load(session, instance)
        before = _Scan.of(workflow)
        # Camunda's message events carry {payload, result_var}; the payload lands in the task data
        # under the message's name, where gateways and later forms can read it.
        event = BpmnEvent(MessageEventDefinition(message), {"payload": payload or {}, "result_var": message})
        try:
            workflow.send_event(event)
        except SpiffWorkflowException as exc:
            raise InstanceNotRunning(f"案件当前没有在等待消息 “{message}”。") from exc
        received = audit.event("message_received", instance=instance, actor=actor,
                               data={"message": message, "payload": payload or {}})
        self._run(workflow.do_engine_steps)
        self._save(session, instance, workflow, actor, persist.open_tasks(session, instance.id),
                   before, [received])
        return instance

    # -- loading and saving --------------------------------------------------------------------

    def lock(self, session: Session, instance_id: int) -> InstanceRow:
        """The instance row, locked for this transaction."""
        instance = persist.lock(session, instance_id)
        if instance is None:
            raise TaskNotFound("找不到这个案件的流程。")
        return instance

    def load(self, session: Session, instance: InstanceRow) -> BpmnWorkflow:
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
        """Keep the current diagrams, once: the first registrations after a new version race to store it,
        and a check-then-insert let the loser fail on the unique version (``persist.remember_spec_version``)."""
        persist.remember_spec_version(session, self.current.version, self.current.files, utcnow())

    def _save(self, session: Session, instance: InstanceRow, workflow: BpmnWorkflow, actor: Actor,
              open_rows: dict[str, dict], before: "_Scan", events: list[dict],
              timer_rows: dict[str, datetime] | None = None, rewrite_timers: bool = False) -> None:
        """Write state, open-task index, timers and audit events back; bump the version.

        ``open_rows`` are the instance's current index rows and ``before`` its timers when loaded:
        everything to write is computed from them and the workflow, then sent at once. Timers that
        fired meanwhile are recorded, whether a sweep fired them or a deadline was already past
        when the step that sets it completed. ``timer_rows`` (guid -> due) are the instance's timer
        rows when they differ from the timers the workflow waited on (after a suspension).

        A case that is not running (suspended, cancelled) has no open tasks and no timer rows: its
        tasks leave the inboxes and its timers are not swept.
        """
        now = utcnow()
        instance.state = state.dumps(workflow)
        instance.version += 1
        changes = persist.Changes(instance)
        after = _Scan.of(workflow)
        instance.category = _current_value(workflow, after, self.category_key, instance.category)
        # Which message the case waits for, if any: found by the senders without restoring workflows.
        instance.waiting_for = ",".join(sorted(set(after.messages))) or None
        events += [audit.event("timer_fired", instance=instance, actor=SYSTEM, task_guid=str(t.id),
                               task_spec=t.task_spec.name, title=t.task_spec.bpmn_name,
                               data={"due": t._get_internal_data("event_value")})
                   for t in after.fired_since(before)]
        loaded = self.specs_for(session, instance.spec_version)
        active = instance.status == "running"
        provisional = self._provisional_timers(after.waiting) if active else set()
        wanted = {str(t.id): self._index_values(loaded, t, instance.context or {}, after.waiting, provisional)
                  for t in after.ready} if active else {}
        for guid in changes.plan_open_tasks(open_rows, wanted, now):
            values = wanted[guid]
            events.append(audit.event("task_created", instance=instance, actor=actor, task_guid=guid,
                                      task_spec=values["task_spec"], title=values["title"],
                                      form_key=values["form_key"], data={"department": values["department"]}))
        changes.plan_timers({str(t.id): due for t, due in before.waiting} if timer_rows is None else timer_rows,
                            {str(t.id): (t.task_spec.name, due, t.id in provisional) for t, due in after.waiting}
                            if active else {}, rewrite_all=rewrite_timers)
        if workflow.is_completed() and instance.status == "running":
            instance.status = "completed"
            instance.completed_at = now
            instance.outcome = _end_event(workflow)
            events.append(audit.event("process_completed", instance=instance, actor=actor,
                                      data={"outcome": instance.outcome}))
        persist.write(session, changes, now)
        audit.append(session, self.audit_key, events)  # chained and written when the transaction commits

    def _provisional_timers(self, waiting: list[tuple]) -> set:
        """The ids of the waiting timers whose due time is provisional (暂定): an administration's
        deadline (its expression calls ``office_deadline``) that falls on a year nobody has entered and
        still is what the expression gives (a supervisor's changed deadline is not provisional)."""
        found = set()
        for timer, due in waiting:
            expression = getattr(_timer_of(timer), "expression", "") or ""
            if OFFICE_DEADLINE in expression and calendar.is_provisional(due):
                try:
                    if timer._get_internal_data("event_value") == self.script_engine.evaluate(timer, expression):
                        found.add(timer.id)
                except Exception:  # noqa: BLE001 - data changed since: not the computed deadline any more
                    continue
        return found

    @staticmethod
    def _index_values(loaded: specs.LoadedSpecs, task, context: dict, timers: list[tuple],
                      provisional: set = frozenset()) -> dict:
        """The open-task index columns of a ready user task."""
        info = loaded.user_tasks.get(task.task_spec.name)
        lane = (info.lane if info else task.task_spec.lane) or ""
        return {
            "task_spec": task.task_spec.name,
            "title": info.title if info else (task.task_spec.bpmn_name or task.task_spec.name),
            "form_key": info.form_key if info else "",
            "lane": lane,
            "department": _department(lane, context, str(task.id), task.task_spec.name),
            "town": context.get("town", ""),
            "well_no": context.get("well_no", ""),
            "party_name": context.get("party_name", ""),
            "due_at": _due_of(task, timers),
            "due_provisional": _due_of(task, timers, provisional),
        }

    def record(self, session: Session, kind: str, actor: Actor | None = None, **fields) -> None:
        """Add an event that is not a workflow step (log-in, an export…) to the audit trail.

        Written with the transaction's other events when it commits (``audit.flush``)."""
        audit.append(session, self.audit_key, [audit.event(kind, actor=actor, **fields)])

    # -- helpers -------------------------------------------------------------------------------

    def missing_task_error(self, session: Session, task_guid: str) -> EngineError:
        """The error for a task that is not open: what became of it, by whom and when (``task_fate``)."""
        return task_fate.explain(session, task_guid)

    @staticmethod
    def require_running(instance: InstanceRow) -> None:
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
            raise workflow_failure(exc, where) from exc


def _department(lane: str, context: dict, task_guid: str, step: str = "") -> str:
    """The department whose inbox holds a task: a supervisor's choice (for this task, or for its step
    when a reset removed the task moved), else the lane (``town``: the case's)."""
    moved = context.get("department_overrides", {}).get(task_guid) or context.get("step_moves", {}).get(step)
    if moved:
        return moved
    return context.get("town", "") if lane == specs.TOWN_LANE else lane


def _message_of(task) -> str | None:
    spec = task.task_spec
    if isinstance(spec, CatchingEvent) and isinstance(spec.event_definition, MessageEventDefinition):
        return spec.event_definition.name
    return None


def _timer_of(task) -> TimerEventDefinition | None:
    spec = task.task_spec
    if isinstance(spec, CatchingEvent) and isinstance(spec.event_definition, TimerEventDefinition):
        return spec.event_definition
    return None


@dataclass
class _Scan:
    """One pass over a workflow's tasks: its waiting timers, finished timers and ready user tasks.

    Taken when a workflow is loaded and again before it is saved: the difference tells which timers
    fired and which timer rows to rewrite. One pass, because each ``get_tasks`` walks the whole tree.
    """

    waiting: list[tuple] = field(default_factory=list)  # (timer task, due datetime in UTC)
    finished: dict = field(default_factory=dict)  # task id -> completed timer event
    ready: list = field(default_factory=list)  # READY user (manual) tasks
    messages: list = field(default_factory=list)  # names of the messages waited for

    @classmethod
    def of(cls, workflow: BpmnWorkflow) -> "_Scan":
        scan = cls()
        for task in workflow.get_tasks():
            state = task.state
            if state == TaskState.READY and task.task_spec.manual:
                scan.ready.append(task)
            elif state == TaskState.WAITING and (message := _message_of(task)) is not None:
                scan.messages.append(message)
            elif state in (TaskState.WAITING, TaskState.READY, TaskState.COMPLETED) and _timer_of(task) is not None:
                if state == TaskState.COMPLETED:
                    scan.finished[task.id] = task
                # A timer found due by an engine step without refresh_timers stays READY until the
                # sweep runs it: it keeps its row so that the sweep does.
                elif (due := _timer_due(task)) is not None:
                    scan.waiting.append((task, due))
        return scan

    def fired_since(self, before: "_Scan") -> list:
        """Timer events completed since ``before`` (cancelled ones, e.g. with their task, did not fire)."""
        return [task for task_id, task in self.finished.items() if task_id not in before.finished]


def _current_value(workflow: BpmnWorkflow, scan: "_Scan", key: str, previous):
    """A variable's value where the case stands now: the ready tasks' data (they carry what the steps
    before them set, a re-classification included), else the finished workflow's data, else as it was."""
    for task in scan.ready:
        if task.data.get(key) is not None:
            return task.data[key]
    for task, _due in scan.waiting:
        if task.data.get(key) is not None:
            return task.data[key]
    return workflow.data.get(key, previous) if workflow.is_completed() else previous


def _timer_due(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):  # a cycle timer: its next occurrence
        value = value.get("next")
    return TimerEventDefinition.get_datetime(value) if value is not None else None


def _due_of(task, timers: list[tuple], provisional: set | None = None):
    """A user task's due time: the earliest timer attached to it as a boundary event (with
    ``provisional``, the set of provisional timer ids: whether that earliest one is provisional)."""
    parent = task.parent
    dues = [(due, timer.id) for timer, due in timers if timer.parent is parent]
    if provisional is not None:
        return bool(dues) and min(dues, key=lambda d: d[0])[1] in provisional
    return min(dues)[0] if dues else None


def _end_event(workflow: BpmnWorkflow) -> str | None:
    ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if type(t.task_spec).__name__ == "EndEvent" and t.workflow is workflow]
    if not ends:
        return None
    return max(ends, key=lambda t: t.last_state_change).task_spec.name
