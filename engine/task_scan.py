"""One pass over a workflow's tasks: what it waits for (timers, messages), which user tasks are ready,
which timers have finished.

Taken when a workflow is loaded and again before it is saved: the difference tells which timers fired
and which timer rows to rewrite. One pass, because each ``get_tasks`` walks the whole tree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState


@dataclass
class TaskScan:
    """A workflow's waiting timers, finished timers, ready user tasks and awaited messages."""

    waiting: list[tuple] = field(default_factory=list)  # (timer task, due datetime in UTC)
    finished: dict = field(default_factory=dict)  # task id -> completed timer event
    ready: list = field(default_factory=list)  # READY user (manual) tasks
    messages: list = field(default_factory=list)  # names of the messages waited for

    @classmethod
    def of(cls, workflow: BpmnWorkflow) -> TaskScan:
        scan = cls()
        for task in workflow.get_tasks():
            state = task.state
            if state == TaskState.READY and task.task_spec.manual:
                scan.ready.append(task)
            elif state == TaskState.WAITING and (message := message_of(task)) is not None:
                scan.messages.append(message)
            elif state in (TaskState.WAITING, TaskState.READY, TaskState.COMPLETED) and timer_of(task) is not None:
                if state == TaskState.COMPLETED:
                    scan.finished[task.id] = task
                # A timer found due by an engine step without refresh_timers stays READY until the
                # sweep runs it: it keeps its row so that the sweep does.
                elif (due := timer_due(task)) is not None:
                    scan.waiting.append((task, due))
        return scan

    def fired_since(self, before: TaskScan) -> list:
        """Timer events completed since ``before`` (cancelled ones, e.g. with their task, did not fire)."""
        return [task for task_id, task in self.finished.items() if task_id not in before.finished]


def message_of(task) -> str | None:
    """The name of the message a catching event waits for (None: not a message event)."""
    spec = task.task_spec
    if isinstance(spec, CatchingEvent) and isinstance(spec.event_definition, MessageEventDefinition):
        return spec.event_definition.name
    return None


def timer_of(task) -> TimerEventDefinition | None:
    """The timer definition of a catching timer event (its ``expression`` says how the due time is computed)."""
    spec = task.task_spec
    if isinstance(spec, CatchingEvent) and isinstance(spec.event_definition, TimerEventDefinition):
        return spec.event_definition
    return None


def timer_due(task) -> datetime | None:
    """When a timer event falls due (a cycle timer: its next occurrence)."""
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):  # a cycle timer: its next occurrence
        value = value.get("next")
    return TimerEventDefinition.get_datetime(value) if value is not None else None


def current_value(workflow: BpmnWorkflow, scan: TaskScan, key: str, previous):
    """A variable's value where the case stands now: the ready tasks' data (they carry what the steps
    before them set, a re-classification included), else the finished workflow's data, else as it was."""
    for task in scan.ready:
        if task.data.get(key) is not None:
            return task.data[key]
    for task, _due in scan.waiting:
        if task.data.get(key) is not None:
            return task.data[key]
    return workflow.data.get(key, previous) if workflow.is_completed() else previous


def end_event(workflow: BpmnWorkflow) -> str | None:
    """The end event the top-level process finished at (the latest, if several): the case's outcome."""
    ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if type(t.task_spec).__name__ == "EndEvent" and t.workflow is workflow]
    if not ends:
        return None
    return max(ends, key=lambda t: t.last_state_change).task_spec.name
