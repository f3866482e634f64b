"""Supervisor overrides: when reality does not follow the diagram.

Each operation locks the case's instance like a completion, refuses when the form it came from is
stale or its task has moved on (nothing changes then), changes the workflow through SpiffWorkflow's
own operations, and saves through the engine, so the open-task index, the timer rows and the version
follow. Each is one ``override`` event on the audit chain with its type, reason and before/after.
Who may override is the web layer's decision (the leading group office's supervisors).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import lru_cache

from lxml import etree
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.deadlines import add_working_days
from rules.timezone import CHINA

from . import audit, persist, specs, task_fate
from .actors import Actor
from .errors import EngineError
from .locked_instance import LockedInstance
from .runtime import Engine
from .tables import OpenTask, Timer, utcnow
from .task_scan import timer_of

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


def _open(engine: Engine, session: Session, *, instance_id: int | None = None, task_guid: str | None = None,
          expected_version: int | None = None) -> LockedInstance:
    """The case locked for one override, refused at once if the page it came from is no longer current."""
    case = engine.open(session, instance_id=instance_id, task_guid=task_guid, expected_version=expected_version)
    case.require_current()
    return case


def _save(case: LockedInstance, actor: Actor, kind: str, reason: str, task=None, timer_rows=None, events=(),
          **change) -> None:
    """Save the override's change with its ``override`` event (type, reason, before/after)."""
    spec = task.task_spec if task is not None else None
    event = audit.event("override", instance=case.instance, actor=actor,
                        task_guid=str(task.id) if task is not None else None,
                        task_spec=spec.name if spec else None, title=spec.bpmn_name if spec else None,
                        data={"type": kind, "reason": reason, **change})
    # Bring a running case up to date: a deadline that passed (while suspended, or moved into the
    # past) fires now rather than at the next sweep. A suspended case stays exactly where it is.
    if case.instance.status == "running":
        case.run(case.workflow.refresh_timers)
        case.run(case.workflow.do_engine_steps)
    case.save(actor, [*events, event], timer_rows=timer_rows)


def _need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise OverrideRefused("请填写操作理由，理由将记入审计记录。")
    return reason


def in_words(moment: datetime) -> str:
    """A deadline as the audit trail and the pages show it: China time, in words (2027年1月5日 23:59)."""
    local = moment.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), CHINA)


def _deadline_timers(case: LockedInstance, guid: str) -> tuple[object, list[tuple]]:
    """The step (a ready task, or the waiting timer itself) and the timers that make its deadline.

    A task's deadline is the boundary timers on it; a deadline that belongs to no task (the 90-day
    limit of a penalty case, attached to the proceedings; the end of a 催告 period) is its own timer.
    """
    task = case.task(guid)
    if task is None:
        raise OverrideRefused("这个期限已经届满或已随环节结束，请刷新页面。")
    if timer_of(task) is not None:
        timers = [(t, due) for t, due in case.before.waiting if t is task]
    else:
        if guid not in case.rows:
            raise case.engine.missing_task_error(case.session, guid)
        timers = [(t, due) for t, due in case.before.waiting if t.parent is task.parent]
    if not timers:
        raise OverrideRefused("这项任务没有办理期限，无法调整。")
    return task, timers


def set_deadline(engine: Engine, session: Session, guid: str, due: datetime | None, actor: Actor, reason: str,
                 expected_version: int | None = None, working_days: int | None = None) -> None:
    """Extend or shorten a deadline: its timer moves; a deadline put in the past expires now.

    ``guid`` is a ready task (its boundary timers) or a waiting timer. The new deadline is a date
    (``due``) or a number of working days added to the current due date, ending
    at 24:00 China time. The audit records before and after in words and as ISO instants.
    """
    reason = _need_reason(reason)
    if (due is None) == (working_days is None):
        raise OverrideRefused("请填写新的期限日期，或填写延长的工作日数，二者选一。")
    instance_id, is_task = _instance_of(engine, session, guid)
    # A task's deadline: "handled by X" beats "the case moved on" when a clerk got there first.
    case = _open(engine, session, task_guid=guid, expected_version=expected_version) if is_task else \
        _open(engine, session, instance_id=instance_id, expected_version=expected_version)
    case.require_running()
    task, timers = _deadline_timers(case, guid)
    old_due = min(old for _t, old in timers)
    if working_days is not None:
        if working_days < 1:
            raise OverrideRefused("延长的工作日数至少为 1；要缩短期限，请直接填写新的日期。")
        due = _end_of_day(add_working_days(old_due.astimezone(CHINA).date(), working_days))
    for timer, _old in timers:
        timer._set_internal_data(event_value=due.isoformat())
    change = {"before": in_words(old_due), "after": in_words(due),
              "before_at": old_due.isoformat(), "after_at": due.isoformat()}
    if working_days is not None:
        change["working_days"] = working_days
    _save(case, actor, "deadline", reason, task, **change)


def _instance_of(engine: Engine, session: Session, guid: str) -> tuple[int, bool]:
    """The instance of an open task or of a waiting timer (not locked yet: ``_open`` locks it), and
    whether ``guid`` is a task."""
    instance_id = session.scalar(select(OpenTask.instance_id).where(OpenTask.task_guid == guid))
    if instance_id is not None:
        return instance_id, True
    instance_id = session.scalar(select(Timer.instance_id).where(Timer.task_guid == guid))
    if instance_id is None:
        raise engine.missing_task_error(session, guid)
    return instance_id, False


def skip(engine: Engine, session: Session, task_guid: str, actor: Actor, reason: str,
         expected_version: int | None = None, data: dict | None = None) -> None:
    """Mark a task done by the supervisor's decision; the case goes on as if it had been completed.

    Without ``data`` nothing of the step runs and nothing is submitted: for steps whose results no
    later step reads (see :func:`names_read_by_diagrams`). With ``data`` (the step's own form, filled
    in by the supervisor and validated like a clerk's) the step completes with it, recorded as a
    ``task_completed`` titled “…（督办代填）” beside the ``override`` event, so gateways, timers and
    documents read it as they would a clerk's. A skip the diagram cannot go on from is refused in
    Chinese and changes nothing.
    """
    reason = _need_reason(reason)
    case = _open(engine, session, task_guid=task_guid, expected_version=expected_version)
    case.require_running()
    task = case.task(task_guid)
    row = case.rows[task_guid]
    events = []
    if data is None:
        case.run(task.complete)  # no run(): nothing of the step is executed or submitted
    else:
        task.data.update(data)
        case.run(task.run)
        events.append(audit.event("task_completed", instance=case.instance, actor=actor, task_guid=task_guid,
                                  task_spec=row["task_spec"], title=row["title"] + task_fate.SUPERVISOR_FILLED,
                                  form_key=row["form_key"], data=data))
    change = {"filled": data is not None}
    if data is not None:
        change["data"] = data
    _save(case, actor, "skip", reason, task, events=events, **change)


# Where diagrams keep code that reads task data: conditions, timers, scripts, DMN inputs and rules.
CODE_TAGS = {"conditionExpression", "timeDate", "timeDuration", "timeCycle", "script", "text",
              "inputExpression", "inputEntry", "outputEntry"}


@lru_cache(maxsize=8)
def _names_in(files: tuple[tuple[str, str], ...]) -> frozenset[str]:
    names: set[str] = set()
    for _name, text in files:
        for element in etree.fromstring(text.encode("utf-8")).iter():
            if isinstance(element.tag, str) and etree.QName(element).localname in CODE_TAGS and element.text:
                names.update(re.findall(r"[A-Za-z_]\w*", element.text))
    return frozenset(names)


def names_read_by_diagrams(loaded: specs.LoadedSpecs) -> frozenset[str]:
    """Every variable name the diagrams' code reads: a step producing one of them cannot be skipped
    without its data (the rule of docs/architecture.md, "Supervisor overrides")."""
    return _names_in(tuple(sorted(loaded.files.items())))


def reset(engine: Engine, session: Session, instance_id: int, task_guid: str, actor: Actor, reason: str,
          expected_version: int | None = None) -> None:
    """Send the case back to a step already done (also re-opens a finished or cancelled case).

    The tasks after it are cancelled in the workflow; the audit trail keeps everything they recorded.
    """
    reason = _need_reason(reason)
    case = _open(engine, session, instance_id=instance_id, expected_version=expected_version)
    task = case.task(task_guid)
    if task is None or task.state != TaskState.COMPLETED or not task.task_spec.manual:
        raise OverrideRefused("只能退回到已经办理过的环节。")
    status_before = case.instance.status
    if status_before == "suspended":
        raise OverrideRefused("案件已暂停，请先恢复再退回。")
    moved_steps = _moved_steps(case)
    case.run(case.workflow.reset_from_task_id, task.id)
    # SpiffWorkflow caches "completed" once the end was reached (or the workflow cancelled) and the
    # reset leaves the flag set; the case has unfinished tasks again.
    case.workflow.completed = False
    # The reset removes the tasks after the target but leaves the waiting events among them (a
    # deadline timer) registered with the event manager, which then fails on the next timer refresh.
    live = {t.id for t in case.workflow.get_tasks()}
    for task_id in [i for i in case.workflow.event_manager.tasks if i not in live]:
        case.workflow.event_manager.tasks.pop(task_id)
    case.instance.status, case.instance.completed_at, case.instance.outcome = "running", None, None
    kept = _keep_moves(case, moved_steps)
    _save(case, actor, "reset", reason, task, status_before=status_before,
              timer_rows={} if status_before != "running" else None, **({"moves_kept": kept} if kept else {}))


def _moved_steps(case: LockedInstance) -> dict[str, dict]:
    """Step (task spec) -> {guid, department} of the case's tasks a supervisor moved."""
    moves = (case.instance.context or {}).get("department_overrides", {})
    steps = {}
    for guid, department in moves.items():
        task = case.task(guid)
        if task is not None:
            steps[task.task_spec.name] = {"guid": guid, "department": department}
    return steps


def _keep_moves(case: LockedInstance, moved_steps: dict[str, dict]) -> dict[str, str]:
    """Moves of tasks the reset removed are kept for their step (``context["step_moves"]``): when the
    step comes back with a new task id — after the step reset to, or in a called process that starts
    again — it goes to the department it was moved to. Returns step -> department, for the record."""
    live = {str(t.id) for t in case.workflow.get_tasks()}
    context = dict(case.instance.context or {})
    moves = context.get("department_overrides", {})
    kept = {spec: move["department"] for spec, move in moved_steps.items() if move["guid"] not in live}
    if not kept:
        return {}
    context["department_overrides"] = {guid: dept for guid, dept in moves.items() if guid in live}
    context["step_moves"] = {**context.get("step_moves", {}), **kept}
    case.instance.context = context
    persist.update_instance_fields(case.session, case.instance.id, context=context)
    return kept


def suspend(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: str,
            expected_version: int | None = None) -> None:
    """Take the case's tasks out of the inboxes and stop its timers until it is resumed."""
    reason = _need_reason(reason)
    case = _open(engine, session, instance_id=instance_id, expected_version=expected_version)
    case.require_running()
    case.instance.status = "suspended"
    _save(case, actor, "suspend", reason)


def resume(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: str,
           expected_version: int | None = None) -> None:
    """Put a suspended case back: its tasks return to the inboxes and its timers run; a deadline that
    passed during the suspension fires at once."""
    reason = _need_reason(reason)
    case = _open(engine, session, instance_id=instance_id, expected_version=expected_version)
    if case.instance.status != "suspended":
        raise OverrideRefused("这个案件没有暂停。")
    case.instance.status = "running"
    _save(case, actor, "resume", reason, timer_rows={})


def cancel(engine: Engine, session: Session, instance_id: int, actor: Actor, reason: str,
           expected_version: int | None = None) -> None:
    """End a case that should not exist (registered twice…); it can be re-opened with ``reset``."""
    reason = _need_reason(reason)
    case = _open(engine, session, instance_id=instance_id, expected_version=expected_version)
    if case.instance.status in ("completed", "cancelled"):
        raise OverrideRefused("案件已经结束，无需撤销。")
    status_before = case.instance.status
    case.run(case.workflow.cancel)
    case.instance.status, case.instance.completed_at, case.instance.outcome = "cancelled", utcnow(), "cancelled"
    _save(case, actor, "cancel", reason, status_before=status_before,
              timer_rows={} if status_before == "suspended" else None)


def correct_data(engine: Engine, session: Session, instance_id: int, context: dict, changes: dict, actor: Actor,
                 reason: str, expected_version: int | None = None) -> None:
    """Record a correction of the case's data (made by the caller in its own tables) with before/after.

    ``context`` holds the corrected values the engine copies into the open-task index (town, well
    number, party name): the index is rewritten, so a change of town moves the town's tasks to the new
    town's inbox. ``changes`` maps each corrected field to ``[before, after]``.
    """
    reason = _need_reason(reason)
    case = _open(engine, session, instance_id=instance_id, expected_version=expected_version)
    case.instance.context = {**(case.instance.context or {}), **context}
    persist.update_instance_fields(session, instance_id, context=case.instance.context)
    _save(case, actor, "correct_data", reason, changes=changes)


@lru_cache(maxsize=8)
def _attachments_in(files: tuple[tuple[str, str], ...]) -> dict[str, str]:
    attached, user_tasks = {}, set()
    for _name, text in files:
        root = etree.fromstring(text.encode("utf-8"))
        user_tasks.update(e.get("id") for e in root.iter("{*}userTask"))
        for boundary in root.iter("{*}boundaryEvent"):
            if boundary.find("{*}timerEventDefinition") is not None:
                attached[boundary.get("id")] = boundary.get("attachedToRef")
    return {timer: step for timer, step in attached.items() if step in user_tasks}


def task_deadline_timers(loaded: specs.LoadedSpecs) -> dict[str, str]:
    """Timer event id -> the user task it is the deadline of. Timers not listed here (the 90-day
    limit on the penalty proceedings, the end of a 催告 period, a patrol's date) are deadlines of
    their own: pages show them and the deadline override changes them by the timer's id."""
    return _attachments_in(tuple(sorted(loaded.files.items())))


@lru_cache(maxsize=8)
def _spans_in(files: tuple[tuple[str, str], ...]) -> dict[str, frozenset[str]]:
    roots = [etree.fromstring(text.encode("utf-8")) for name, text in files if name.endswith(".bpmn")]
    processes = {p.get("id"): p for root in roots for p in root.iter("{*}process")}
    elements = {e.get("id"): e for root in roots for e in root.iter() if isinstance(e.tag, str) and e.get("id")}

    def steps_in(element, seen: frozenset[str]) -> set[str]:
        found = {e.get("id") for e in element.iter("{*}userTask")}
        for call in [element] + list(element.iter("{*}callActivity")):
            called = call.get("calledElement")
            if called in processes and called not in seen:
                found |= steps_in(processes[called], seen | {called})
        return found

    spans = {}
    for root in roots:
        for boundary in root.iter("{*}boundaryEvent"):
            target = elements.get(boundary.get("attachedToRef"))
            if boundary.find("{*}timerEventDefinition") is None or target is None:
                continue
            if etree.QName(target).localname in ("callActivity", "subProcess"):
                spans[boundary.get("id")] = frozenset(steps_in(target, frozenset()))
    return spans


def spanning_timers(loaded: specs.LoadedSpecs) -> dict[str, frozenset[str]]:
    """Timer event id -> the user tasks it spans: a timer on a called process or a sub-process (the 90-day
    limit on the penalty's 调查、告知与决定) is a deadline of every step inside it, the inbox shows it on
    each of them."""
    return _spans_in(tuple(sorted(loaded.files.items())))
