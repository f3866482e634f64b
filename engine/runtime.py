"""The engine: start, complete, advance and correlate process instances; open one for any other change.

Every operation runs inside the caller's transaction and goes through :meth:`Engine.open`: it locks the
instance row, restores the workflow against the cached spec of the instance's own diagram version,
changes it, and saves (``locked_instance``): state, open-task index and timer rows written back, the
version counter bumped, the audit events added to the transaction. The caller commits once (one
transaction per request or job).
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, persist, specs, state, task_fate
from .actors import SYSTEM, Actor
from .errors import EngineError, InstanceNotRunning, TaskNotFound, WorkflowFailure
from .locked_instance import LockedInstance, run_step
from .persist import InstanceRow
from .services import SERVICES
from .tables import SpecVersion, utcnow
from .task_scan import TaskScan


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
        self.remember_version(session)
        spec, subprocess_specs = self.current.process(process_id)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data or {})
        run_step(workflow.do_engine_steps)
        instance = InstanceRow(id=0, case_id=case_id, process_id=process_id, spec_version=self.current.version,
                               status="running", version=0, context=dict(context))
        instance.id = persist.insert_instance(session, instance, utcnow())
        started = audit.event("started", instance=instance, actor=actor, data=data or {})
        # Inserted by this transaction, so no one else sees it: nothing to lock, no rows, no timers yet.
        LockedInstance(self, session, instance, rows={}, workflow=workflow, before=TaskScan()).save(actor, [started])
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
        case = self.open(session, task_guid=task_guid, expected_version=expected_version)
        row = case.rows[task_guid]
        case.require_running()
        if departments is not None and row["department"] not in departments:
            raise task_fate.moved(session, task_guid, row["department"])
        if row["assignee"] and row["assignee"] != actor.username and not may_take_over:
            raise task_fate.taken(session, task_guid, row["assignee"])
        case.require_current()
        task = case.task(task_guid)
        if task is None or task.state != TaskState.READY:
            raise self.missing_task_error(session, task_guid)
        task.data.update(data)
        case.run(task.run)
        completed = audit.event("task_completed", instance=case.instance, actor=actor, task_guid=task_guid,
                                task_spec=row["task_spec"], title=row["title"], form_key=row["form_key"],
                                data=data)
        case.run(case.workflow.do_engine_steps)
        case.save(actor, [completed])
        return case.instance

    def advance(self, session: Session, instance_id: int, actor: Actor = SYSTEM) -> tuple[InstanceRow, list[str]]:
        """Refresh timers and run engine steps; returns the instance and the timer events that fired."""
        case = self.open(session, instance_id=instance_id)
        if case.instance.status != "running":
            return case.instance, []
        workflow = case.workflow
        case.run(workflow.refresh_timers)
        case.run(workflow.do_engine_steps)
        fired = TaskScan.of(workflow).fired_since(case.before)
        if fired:
            case.save(actor, [])
        return case.instance, [t.task_spec.name for t in fired]

    def correlate(self, session: Session, instance_id: int, message: str, payload: dict | None = None,
                  actor: Actor = SYSTEM) -> InstanceRow:
        """Deliver a named message (with its payload) to an instance waiting for it."""
        case = self.open(session, instance_id=instance_id)
        case.require_running()
        # Camunda's message events carry {payload, result_var}; the payload lands in the task data
        # under the message's name, where gateways and later forms can read it.
        event = BpmnEvent(MessageEventDefinition(message), {"payload": payload or {}, "result_var": message})
        try:
            case.workflow.send_event(event)
        except SpiffWorkflowException as exc:
            raise InstanceNotRunning(f"案件当前没有在等待消息 “{message}”。") from exc
        received = audit.event("message_received", instance=case.instance, actor=actor,
                               data={"message": message, "payload": payload or {}})
        case.run(case.workflow.do_engine_steps)
        case.save(actor, [received])
        return case.instance

    def record(self, session: Session, kind: str, actor: Actor | None = None, **fields) -> None:
        """Add an event that is not a workflow step (log-in, an export…) to the audit trail.

        Written with the transaction's other events when it commits (``audit.flush``)."""
        audit.append(session, self.audit_key, [audit.event(kind, actor=actor, **fields)])

    # -- opening, loading and storing ----------------------------------------------------------

    def open(self, session: Session, *, instance_id: int | None = None, task_guid: str | None = None,
             expected_version: int | None = None, tail: str = task_fate.NO_RESUBMIT) -> LockedInstance:
        """Lock an instance for this transaction, by its id or by one of its tasks, which must be open.

        A task no longer open is refused with what became of it (``task_fate.explain``; ``tail``: what
        the loser of the race need not do). ``expected_version`` is the instance version of the page the
        request came from: the open-task rows read with the lock are trusted when it is still the
        instance's version (they may predate a change the lock waited for, and every change bumps the
        version), and ``LockedInstance.require_current`` refuses a page that is no longer current.
        """
        if task_guid is None:
            instance = persist.lock(session, instance_id)
            if instance is None:
                raise TaskNotFound("找不到这个案件的流程。")
            return LockedInstance(self, session, instance, expected_version=expected_version)
        instance, rows = persist.lock_by_task(session, task_guid)
        if instance is None:
            raise task_fate.explain(session, task_guid, tail)
        if expected_version is None or instance.version != expected_version:
            rows = persist.open_tasks(session, instance.id)  # read after the lock: current
        if task_guid not in rows:
            raise task_fate.explain(session, task_guid, tail)
        return LockedInstance(self, session, instance, rows, expected_version)

    def load(self, session: Session, instance: InstanceRow) -> BpmnWorkflow:
        """An instance's workflow (not locked: ``open`` locks), restored against its version's spec."""
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

    def remember_version(self, session: Session) -> None:
        """Keep the current diagrams, once: the first registrations after a new version race to store it,
        and a check-then-insert let the loser fail on the unique version (``persist.remember_spec_version``)."""
        persist.remember_spec_version(session, self.current.version, self.current.files, utcnow())

    def missing_task_error(self, session: Session, task_guid: str) -> EngineError:
        """The error for a task that is not open: what became of it, by whom and when (``task_fate``)."""
        return task_fate.explain(session, task_guid)
