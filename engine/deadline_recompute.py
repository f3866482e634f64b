"""Recompute the administration's provisional deadlines when the office enters (or changes) a year.

A deadline that binds the administration (its timer expression calls ``office_deadline``) was computed
with the best calendar known then; on a year nobody had entered that was the rule (weekends and the
law's fixed holidays) and the deadline was marked 暂定. When the office enters the year, every such
timer due from that year on is evaluated again with the new year, under the instance lock, and saved
through the engine like any other change: the timer row, the inbox row (due time and 暂定 flag) and the
case page follow, with one ``deadline_recomputed`` event per changed deadline (before/after in words).

A deadline a supervisor changed by hand (an ``override`` event of type ``deadline`` on the step) is left
as it is; the event says so. Deadlines printed for a party (``party_deadline``) are final and never
recomputed: they were computed so that no arrangement can make them later.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules import calendar
from rules.timezone import CHINA

from . import audit, persist
from .actors import Actor
from .runtime import Engine
from .services import OFFICE_DEADLINE
from .tables import Event, Instance, Timer
from .task_index import provisional_timers
from .task_scan import TaskScan, timer_of

KIND = "deadline_recomputed"


@dataclass
class Recomputed:
    instance_id: int
    case_id: int
    title: str
    before: str  # in words, China time
    after: str
    kept: bool = False  # a supervisor's deadline, left alone


def in_words(value: str | datetime | None) -> str:
    """A moment in China time as a clerk reads it: 2027年3月8日 23:59."""
    if value is None:
        return "无"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _candidates(session: Session, year: int) -> list[int]:
    """Running cases with a timer due from the last days of the year before (they count with this
    year, see ``calendar.is_provisional``), and suspended cases (their timers have no rows)."""
    since = datetime(year - 1, 12, 29, tzinfo=CHINA)
    running = select(Timer.instance_id).join(Instance, Instance.id == Timer.instance_id).where(
        Timer.due_at >= since, Instance.status == "running")
    suspended = select(Instance.id).where(Instance.status == "suspended")
    return sorted(set(session.scalars(running)) | set(session.scalars(suspended)))


def _overridden(session: Session, instance_ids: list[int]) -> dict[int, set[str]]:
    """Per instance, the task guids whose deadline a supervisor changed by hand."""
    found: dict[int, set[str]] = defaultdict(set)
    if instance_ids:
        rows = session.execute(select(Event.instance_id, Event.task_guid, Event.data).where(
            Event.kind == "override", Event.instance_id.in_(instance_ids)))
        for instance_id, task_guid, data in rows:
            if (data or {}).get("type") == "deadline" and task_guid:
                found[instance_id].add(task_guid)
    return found


def recompute(engine: Engine, session: Session, year: int, years: Iterable[calendar.OfficeYear],
              actor: Actor) -> list[Recomputed]:
    """Re-evaluate the administration's deadlines with ``years`` (the office's years including the one
    just entered) in the caller's transaction. Returns what changed (and what was kept)."""
    ids = _candidates(session, year)
    # Every instance lock before the first audit event (which takes the chain's head), in id order.
    persist.lock_all(session, ids)
    overridden = _overridden(session, ids)
    results: list[Recomputed] = []
    with calendar.using(list(years)):
        for instance_id in ids:
            results += _recompute_one(engine, session, instance_id, year, overridden.get(instance_id, set()), actor)
    return results


def _recompute_one(engine: Engine, session: Session, instance_id: int, year: int, overridden: set[str],
                   actor: Actor) -> list[Recomputed]:
    case = engine.open(session, instance_id=instance_id)
    instance = case.instance
    if instance.status not in ("running", "suspended"):
        return []
    workflow = case.workflow
    events, results = [], []
    for timer, _due in case.before.waiting:
        expression = getattr(timer_of(timer), "expression", "") or ""
        if OFFICE_DEADLINE not in expression:
            continue
        old = timer._get_internal_data("event_value")
        try:
            new = engine.script_engine.evaluate(timer, expression)
        except Exception:  # noqa: BLE001 - the data it needs changed since: keep what was computed
            continue
        if new == old:
            continue
        siblings = [t for t in timer.parent.children if t is not timer] if timer.parent else []
        step = next((t for t in siblings if t.task_spec.manual), None)
        title = timer.task_spec.bpmn_name or (step.task_spec.bpmn_name if step else timer.task_spec.name)
        guid = str(step.id) if step is not None else str(timer.id)
        kept = bool(overridden & ({str(t.id) for t in siblings} | {str(timer.id)}))
        data = {"year": year, "before": in_words(old), "after": in_words(old if kept else new)}
        if kept:
            data.update(kept=True, computed=in_words(new),
                        reason=f"督办人员已手动调整此期限，录入 {year} 年工作日历后未重新计算")
        else:
            data["reason"] = f"已录入 {year} 年节假日安排，暂定期限按新日历重新计算"
            timer._set_internal_data(event_value=new)
        events.append(audit.event(KIND, instance=instance, actor=actor, task_guid=guid,
                                  task_spec=timer.task_spec.name, title=title, data=data))
        results.append(Recomputed(instance.id, instance.case_id, title, data["before"],
                                  in_words(new), kept))
    running = instance.status == "running"
    if not events and not (running and _flags_change(engine, session, instance.id, workflow)):
        return results
    case.save(actor, events, timer_rows=None if running else {}, rewrite_timers=True)
    return results


def _flags_change(engine: Engine, session: Session, instance_id: int, workflow) -> bool:
    """Whether a timer's 暂定 flag changes although its due time stays (the rule guessed right)."""
    stored = dict(session.execute(select(Timer.task_guid, Timer.provisional).where(
        Timer.instance_id == instance_id)).all())
    now = {str(t.id) for t in provisional_timers(engine.script_engine, TaskScan.of(workflow).waiting)}
    return any(bool(flag) != (guid in now) for guid, flag in stored.items())


__all__ = ["KIND", "Recomputed", "in_words", "recompute"]
