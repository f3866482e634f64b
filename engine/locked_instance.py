"""A case's process instance, locked for the caller's transaction: how every engine operation changes it.

``Engine.open`` locks the instance row (by id, or by one of its open tasks, which must still be open)
and returns a :class:`LockedInstance`: the row, its open-task rows (read under the lock), the workflow
restored against the spec of the instance's own diagram version (loaded on first use, and scanned
then), ``run`` for an engine step and ``save`` to write everything back. Completing a task, the timer
sweep, a message, the supervisor's overrides, a migration, an assignment and a deadline recomputation
all go through it, so the checks that refuse a late request (the task no longer open, the case not
running, the page no longer current) and their messages exist once.

``save`` writes the state, the open-task index, the timer rows and the audit events (chained and
written when the transaction commits: ``audit``) with SQLAlchemy Core through ``persist``, and bumps
the version counter; the caller commits once (one transaction per request or job).
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import audit, form_version, persist, state
from . import stage as stages
from .actors import SYSTEM, Actor
from .errors import InstanceNotRunning, StaleForm, workflow_failure
from .persist import InstanceRow
from .tables import utcnow
from .task_index import index_values, provisional_timers
from .task_scan import TaskScan, current_value, end_event

if TYPE_CHECKING:
    from .runtime import Engine

#: The answer to a page rendered before the case changed (a step, an override, a move; not a claim).
STALE = "这个案件在您打开页面之后已有新的进展，请核对最新情况后重新提交。"
_NOT_RUNNING = {"completed": "已办结", "suspended": "已暂停", "cancelled": "已撤销"}


def run_step(step, *args):
    """Run an engine step, turning diagram failures into a message that names the step."""
    try:
        return step(*args)
    except SpiffWorkflowException as exc:
        where = getattr(getattr(exc, "task_spec", None), "bpmn_name", None) or ""
        raise workflow_failure(exc, where) from exc


class LockedInstance:
    """One instance row locked for this transaction, with its open-task rows and its workflow."""

    def __init__(self, engine: Engine, session, instance: InstanceRow, rows: dict[str, dict] | None = None,
                 expected_version: int | None = None, workflow: BpmnWorkflow | None = None,
                 before: TaskScan | None = None):
        self.engine, self.session, self.instance = engine, session, instance
        # The version of the page the request came from (None: no page, e.g. the timer sweep).
        self.expected_version = expected_version
        self._rows, self._workflow, self._before = rows, workflow, before

    @property
    def rows(self) -> dict[str, dict]:
        """The open-task rows by task guid, current (read under the lock, on first use unless ``open``
        could trust the rows it read with the lock)."""
        if self._rows is None:
            self._rows = persist.open_tasks(self.session, self.instance.id)
        return self._rows

    @property
    def workflow(self) -> BpmnWorkflow:
        """The workflow, restored on first use against the spec of the instance's diagram version."""
        if self._workflow is None:
            self._load()
        return self._workflow

    @property
    def before(self) -> TaskScan:
        """The workflow's tasks as loaded: what ``save`` compares with to find fired timers and rewrites."""
        if self._before is None:
            self._load()
        return self._before

    def _load(self) -> None:
        self._workflow = self.engine.load(self.session, self.instance)
        self._before = TaskScan.of(self._workflow)

    def task(self, task_guid: str):
        """The workflow's task with this id (None if the workflow has none)."""
        return self.workflow.get_task_from_id(UUID(task_guid))

    # -- the checks that refuse a late request ------------------------------------------------------

    def require_running(self) -> None:
        status = self.instance.status
        if status != "running":
            raise InstanceNotRunning(f"这个案件{_NOT_RUNNING.get(status, status)}，不能再办理任务。")

    def require_current(self) -> None:
        """Refuse a page rendered before the case changed. Claims, releases and assignments alone do
        not count (``form_version``): a form open on the task stays valid across them."""
        if self.expected_version is not None and not form_version.is_current(self.instance, self.expected_version):
            raise StaleForm(STALE)

    # -- running and saving -------------------------------------------------------------------------

    run = staticmethod(run_step)

    def save(self, actor: Actor, events: list[dict], *, timer_rows: dict[str, datetime] | None = None,
             rewrite_timers: bool = False) -> None:
        """Write state, open-task index, timers and audit events back; bump the version.

        Everything to write is computed from the open-task rows, the timers as loaded (``before``) and
        the workflow, then sent at once. Timers that fired meanwhile are recorded, whether a sweep fired
        them or a deadline was already past when the step that sets it completed. ``timer_rows``
        (guid -> due) are the instance's timer rows when they differ from the timers the workflow waited
        on (after a suspension); ``rewrite_timers`` rewrites every timer row (a year entered: the 暂定
        flag may change while the time stays).

        A case that is not running (suspended, cancelled) has no open tasks and no timer rows: its
        tasks leave the inboxes and its timers are not swept.
        """
        engine, instance, workflow, before = self.engine, self.instance, self.workflow, self.before
        now = utcnow()
        events = list(events)
        instance.state = state.dumps(workflow)
        instance.version += 1
        changes = persist.Changes(instance)
        after = TaskScan.of(workflow)
        instance.category = current_value(workflow, after, engine.category_key, instance.category)
        # Which message the case waits for, if any: found by the senders without restoring workflows.
        instance.waiting_for = ",".join(sorted(set(after.messages))) or None
        events += [audit.event("timer_fired", instance=instance, actor=SYSTEM, task_guid=str(t.id),
                               task_spec=t.task_spec.name, title=t.task_spec.bpmn_name,
                               data={"due": t._get_internal_data("event_value")})
                   for t in after.fired_since(before)]
        loaded = engine.specs_for(self.session, instance.spec_version)
        active = instance.status == "running"
        finished = workflow.is_completed() and active
        if finished:
            instance.status = "completed"
            instance.completed_at = now
            instance.outcome = end_event(workflow)
        # Before the open-task rows: each carries the case's stage (the inbox filters by it).
        instance.stage = stages.derive(workflow, instance.status, instance.outcome, instance.stage)
        provisional = provisional_timers(engine.script_engine, after.waiting) if active else set()
        wanted = {str(t.id): {**index_values(loaded, t, instance.context or {}, after.waiting, provisional),
                              "stage": instance.stage}
                  for t in after.ready} if active else {}
        for guid in changes.plan_open_tasks(self.rows, wanted, now):
            values = wanted[guid]
            events.append(audit.event("task_created", instance=instance, actor=actor, task_guid=guid,
                                      task_spec=values["task_spec"], title=values["title"],
                                      form_key=values["form_key"], data={"department": values["department"]}))
        changes.plan_timers({str(t.id): due for t, due in before.waiting} if timer_rows is None else timer_rows,
                            {str(t.id): (t.task_spec.name, due, t.id in provisional) for t, due in after.waiting}
                            if active else {}, rewrite_all=rewrite_timers)
        if finished:
            events.append(audit.event("process_completed", instance=instance, actor=actor,
                                      data={"outcome": instance.outcome}))
        persist.write(self.session, changes, now)
        audit.append(self.session, engine.audit_key, events)  # chained and written when the transaction commits
