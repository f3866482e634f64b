"""What the open-task index and the timer rows say about a workflow: the columns of a ready user task's
row (its department, its due time and whether that is 暂定) and which waiting timers are provisional.

Computed from the workflow when it is saved (``locked_instance.LockedInstance.save``), so the inbox is
read without restoring a single workflow.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from rules import calendar

from . import specs
from .services import OFFICE_DEADLINE
from .task_scan import timer_of


def index_values(loaded: specs.LoadedSpecs, task, context: dict, timers: list[tuple],
                 provisional: set = frozenset()) -> dict:
    """The open-task index columns of a ready user task (``timers``: the waiting (timer, due) pairs)."""
    info = loaded.user_tasks.get(task.task_spec.name)
    lane = (info.lane if info else task.task_spec.lane) or ""
    return {
        "task_spec": task.task_spec.name,
        "title": info.title if info else (task.task_spec.bpmn_name or task.task_spec.name),
        "form_key": info.form_key if info else "",
        "lane": lane,
        "department": department_of(lane, context, str(task.id), task.task_spec.name),
        "town": context.get("town", ""),
        "well_no": context.get("well_no", ""),
        "party_name": context.get("party_name", ""),
        "due_at": due_of(task, timers),
        "due_provisional": due_of(task, timers, provisional),
    }


def department_of(lane: str, context: dict, task_guid: str, step: str = "") -> str:
    """The department whose inbox holds a task: a supervisor's choice (for this task, or for its step
    when a reset removed the task moved), else the lane (``town``: the case's)."""
    moved = context.get("department_overrides", {}).get(task_guid) or context.get("step_moves", {}).get(step)
    if moved:
        return moved
    return context.get("town", "") if lane == specs.TOWN_LANE else lane


def due_of(task, timers: list[tuple], provisional: set | None = None):
    """A user task's due time: the earliest timer attached to it as a boundary event (with
    ``provisional``, the set of provisional timer ids: whether that earliest one is provisional)."""
    parent = task.parent
    dues = [(due, timer.id) for timer, due in timers if timer.parent is parent]
    if provisional is not None:
        return bool(dues) and min(dues, key=lambda d: d[0])[1] in provisional
    return min(dues)[0] if dues else None


def provisional_timers(script_engine: PythonScriptEngine, waiting: list[tuple]) -> set:
    """The ids of the waiting timers whose due time is provisional (暂定): an administration's
    deadline (its expression calls ``office_deadline``) that falls on a year nobody has entered and
    still is what the expression gives (a supervisor's changed deadline is not provisional)."""
    found = set()
    for timer, due in waiting:
        expression = getattr(timer_of(timer), "expression", "") or ""
        if OFFICE_DEADLINE in expression and calendar.is_provisional(due):
            try:
                if timer._get_internal_data("event_value") == script_engine.evaluate(timer, expression):
                    found.add(timer.id)
            except Exception:  # noqa: BLE001 - data changed since: not the computed deadline any more
                continue
    return found
