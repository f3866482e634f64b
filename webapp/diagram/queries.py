"""Read-side queries of the diagram pages: a case's history, open tasks and timers; the heat per step."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from engine.tables import Event, Instance, OpenTask, Timer

from .overlays import Happening

HISTORY_KINDS = ("started", "task_created", "task_completed", "timer_fired", "process_completed", "override")


def case_history(session: Session, instance_id: int) -> list[Happening]:
    rows = session.execute(select(Event.id, Event.kind, Event.task_spec, Event.data)
                           .where(Event.instance_id == instance_id, Event.kind.in_(HISTORY_KINDS))
                           .order_by(Event.id))
    return [Happening(order=r.id, kind=r.kind, task_spec=r.task_spec, data=r.data) for r in rows]


def case_open_tasks(session: Session, instance_id: int) -> list[OpenTask]:
    return list(session.scalars(select(OpenTask).where(OpenTask.instance_id == instance_id).order_by(OpenTask.id)))


def case_timers(session: Session, instance_id: int) -> list[Timer]:
    return list(session.scalars(select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.due_at)))


@dataclass
class StepHeat:
    task_spec: str
    open_count: int = 0
    completed: int = 0            # task_created → task_completed pairs measured
    average_seconds: float | None = None


@dataclass
class Heat:
    steps: dict[str, StepHeat]
    other_versions: int           # open tasks of cases still on an older diagram version (not counted)


def step_heat(session: Session, version: str) -> Heat:
    """Open tasks per step (cases on ``version`` only) and the average time from creation to completion."""
    steps: dict[str, StepHeat] = {}
    on_version = session.execute(
        select(OpenTask.task_spec, func.count()).join(Instance, Instance.id == OpenTask.instance_id)
        .where(Instance.spec_version == version).group_by(OpenTask.task_spec))
    for spec, count in on_version:
        steps.setdefault(spec, StepHeat(spec)).open_count = count
    other = session.scalar(select(func.count()).select_from(OpenTask).join(Instance, Instance.id == OpenTask.instance_id)
                           .where(Instance.spec_version != version)) or 0
    created, completed = aliased(Event), aliased(Event)
    seconds = _seconds_between(session, created.created_at, completed.created_at)
    pairs = session.execute(
        select(completed.task_spec, func.avg(seconds), func.count())
        .join(created, and_(created.task_guid == completed.task_guid, created.kind == "task_created"))
        .where(completed.kind == "task_completed", completed.task_spec.is_not(None))
        .group_by(completed.task_spec))
    for spec, average, count in pairs:
        step = steps.setdefault(spec, StepHeat(spec))
        step.completed, step.average_seconds = count, float(average) if average is not None else None
    return Heat(steps=steps, other_versions=other)


def _seconds_between(session: Session, start, end):
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    # SQLite keeps UTC timestamps as text; julianday reads them.
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def heat_levels(counts: dict[str, int]) -> dict[str, int]:
    """Shade 0–5 for each step, relative to the busiest step (0 only when nothing is open there)."""
    top = max(counts.values(), default=0)
    return {spec: (0 if not n or not top else max(1, -(-5 * n // top))) for spec, n in counts.items()}


def describe_duration(seconds: float | None) -> str:
    """“2.3 天”, or hours / minutes for short stays."""
    if seconds is None:
        return ""
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} 天"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} 小时"
    if seconds >= 60:
        return f"{seconds / 60:.0f} 分钟"
    return "不足 1 分钟"

