"""What became of a task that is no longer open, told from the audit trail: the message a clerk reads
when a colleague, a supervisor's override or a deadline got there first.

Every loser of a race ends here (or in :func:`moved`), so the message is true whichever operation won:
handled by X at T, skipped, reset or moved by the office, the case suspended or cancelled, the
deadline passed.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.timezone import CHINA

from .errors import EngineError, InstanceNotRunning, TaskAlreadyHandled, TaskMoved, TaskNotFound, TaskTaken
from .tables import Event, Instance

SUPERVISOR_FILLED = "（督办代填）"  # the title suffix of a step a supervisor skipped with its form filled in
NO_RESUBMIT = "无需重复提交"  # what the loser of a race with a completion need not do, by default


def when(at) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _reason(event: Event) -> str:
    reason = (event.data or {}).get("reason")
    return f"（理由：{reason}）" if reason else ""


def explain(session: Session, task_guid: str, tail: str = NO_RESUBMIT) -> EngineError:
    """Why the task is not open. ``tail`` ends the message when someone handled it: what the loser
    need not do (submit it again; claim, release or assign it)."""
    # A task reset to keeps its id and is created again: only what happened since it last became
    # open counts (its completion before the reset is not why it is gone now).
    created = session.scalar(select(Event).where(Event.task_guid == task_guid, Event.kind == "task_created")
                             .order_by(Event.id.desc()).limit(1))
    since = created.id if created is not None else 0
    done = session.scalar(select(Event).where(Event.task_guid == task_guid, Event.kind == "task_completed",
                                              Event.id > since)
                          .order_by(Event.id.desc()).limit(1))
    if done is not None:
        if (done.title or "").endswith(SUPERVISOR_FILLED):
            return TaskAlreadyHandled(f"这项任务已由督办人员 {done.actor} 于 {when(done.created_at)} 跳过并代填办理结果，"
                                      f"{tail}。", actor=done.actor, at=done.created_at)
        return TaskAlreadyHandled(f"这项任务已由 {done.actor} 于 {when(done.created_at)} 办理，{tail}。",
                                  actor=done.actor, at=done.created_at)
    if created is None:
        return TaskNotFound("找不到这项待办任务，它可能已被撤销。")
    skipped = session.scalar(select(Event).where(Event.task_guid == task_guid, Event.kind == "override",
                                                 Event.id > since)
                             .order_by(Event.id.desc()).limit(1))
    if skipped is not None and (skipped.data or {}).get("type") == "skip":
        return TaskAlreadyHandled(f"这项任务已由督办人员 {skipped.actor} 于 {when(skipped.created_at)} 跳过"
                                  f"{_reason(skipped)}，无需再办理。", actor=skipped.actor, at=skipped.created_at)
    status = session.scalar(select(Instance.status).where(Instance.id == created.instance_id))
    # The latest thing that happened to the case after the task appeared and that ends an open task.
    later = session.scalars(select(Event).where(
        Event.instance_id == created.instance_id, Event.id > created.id,
        Event.kind.in_(("override", "timer_fired"))).order_by(Event.id.desc())).all()
    if status in ("suspended", "cancelled"):
        kind = "suspend" if status == "suspended" else "cancel"
        by = next((e for e in later if e.kind == "override" and (e.data or {}).get("type") == kind), None)
        what = "暂停" if status == "suspended" else "撤销"
        if by is None:
            return InstanceNotRunning(f"这个案件已{what}，不能办理。")
        then = "暂停期间不能办理，恢复后任务回到收件箱。" if status == "suspended" else "不能再办理。"
        return InstanceNotRunning(f"这个案件已由督办人员 {by.actor} 于 {when(by.created_at)} {what}"
                                  f"{_reason(by)}，{then}")
    for event in later:
        kind = (event.data or {}).get("type") if event.kind == "override" else None
        if kind == "reset":
            return TaskAlreadyHandled(f"案件已由督办人员 {event.actor} 于 {when(event.created_at)} 退回到“{event.title}”"
                                      f"{_reason(event)}，这项任务已作废，请按收件箱中的新任务办理。",
                                      actor=event.actor, at=event.created_at)
        if kind == "migrate":
            return TaskAlreadyHandled(f"案件已于 {when(event.created_at)} 由 {event.actor} 迁移到新版流程图，"
                                      f"请从收件箱重新打开这项任务。", actor=event.actor, at=event.created_at)
    fired = next((e for e in later if e.kind == "timer_fired"), None)
    if fired is not None:
        return TaskAlreadyHandled(f"“{fired.title or fired.task_spec}”已于 {when(fired.created_at)} 届满，"
                                  f"这项任务已随之结束。", at=fired.created_at)
    return TaskNotFound("找不到这项待办任务，它可能已被撤销。")


def moved(session: Session, task_guid: str, department: str, department_name: str | None = None) -> TaskMoved:
    """The task now lies with ``department`` (a supervisor moved it): who moved it and when."""
    event = session.scalar(select(Event).where(Event.task_guid == task_guid, Event.kind == "task_reassigned")
                           .order_by(Event.id.desc()).limit(1))
    name = department_name or department
    if event is None:
        return TaskMoved(f"这项任务由 {name} 办理，您不能提交。", department)
    return TaskMoved(f"这项任务已由督办人员 {event.actor} 于 {when(event.created_at)} 转交 {name} 办理"
                     f"{_reason(event)}，您不能再提交。", department, actor=event.actor, at=event.created_at)


_TAKEN = ("task_claimed", "task_assigned")


def taken(session: Session, task_guid: str, assignee: str) -> TaskTaken:
    """The task is ``assignee``'s: who gave it to them and when (their claim, or an assignment)."""
    event = session.scalar(select(Event).where(Event.task_guid == task_guid, Event.kind.in_(_TAKEN))
                           .order_by(Event.id.desc()).limit(1))
    if event is None or (event.data or {}).get("assignee") != assignee:
        return TaskTaken(f"这项任务已由 {assignee} 认领，请与其联系或由科室负责人重新指派。", assignee)
    if event.kind == "task_claimed" or event.actor == assignee:
        how = f"已由 {assignee} 于 {when(event.created_at)} 认领"
    else:
        how = f"已由 {event.actor} 于 {when(event.created_at)} 指派给 {assignee}"
    return TaskTaken(f"这项任务{how}，请与其联系或由科室负责人重新指派。", assignee, actor=event.actor,
                     at=event.created_at)
