"""The due-timer sweep, safe with any number of workers.

Each call handles one instance in the caller's transaction: it claims the instance of the earliest due
timer with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; on SQLite the transaction already holds the write
lock), so two workers never fire the same timer, then advances that instance. The worker commits after each
call, which keeps one slow case from holding locks on others.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .runtime import Engine
from .tables import Instance, Timer, utcnow

log = logging.getLogger(__name__)


def claim_next_due(session: Session, now: datetime | None = None, skip: set[int] | None = None) -> int | None:
    """Lock the instance of the earliest due timer and return its id (or None when nothing is due).

    The claim locks the *instance* row, not the timer row: every operation takes the instance lock
    first and the rows under it after, so a sweep and a clerk completing a task of the same case
    queue on one lock instead of each holding what the other needs (a deadlock). An instance that is
    being worked on right now is skipped and picked up by the next sweep.
    """
    now = now or utcnow()
    query = (select(Timer.instance_id)
             .join(Instance, Instance.id == Timer.instance_id)
             .where(Timer.due_at <= now, Instance.status == "running")
             .order_by(Timer.due_at, Timer.id)
             .limit(1)
             .with_for_update(skip_locked=True, of=Instance))
    if skip:
        query = query.where(Timer.instance_id.notin_(skip))
    return session.scalar(query)


def fire_next_due(engine: Engine, session: Session, now: datetime | None = None,
                  skip: set[int] | None = None, claimed: list[int] | None = None) -> tuple[int, list[str]] | None:
    """Advance one instance with a due timer. Returns (instance id, fired timer ids) or None when idle.

    ``claimed`` receives the instance id as soon as it is claimed, so a caller knows which case failed.
    """
    instance_id = claim_next_due(session, now, skip)
    if instance_id is None:
        return None
    if claimed is not None:
        claimed.append(instance_id)
    _instance, fired = engine.advance(session, instance_id)
    return instance_id, fired


def run_once(engine: Engine, session_factory, now: datetime | None = None, limit: int = 1000) -> int:
    """Fire every timer due now, one instance per transaction. Returns how many timers fired."""
    seen: set[int] = set()
    fired_total = 0
    for _ in range(limit):
        claimed: list[int] = []
        try:
            with session_factory() as session, session.begin():
                result = fire_next_due(engine, session, now, seen, claimed)
        except Exception:
            # One case that cannot advance (a diagram error, a lost connection, a deadlock victim)
            # must not stop every other case's deadlines: log it, skip it in this sweep, go on.
            if not claimed:
                raise
            log.exception("计时器处理失败，已跳过流程 %s，下次巡检重试", claimed[0])
            seen.add(claimed[0])
            continue
        if result is None:
            break
        instance_id, fired = result
        # An instance whose timer row is due but whose workflow did not fire (a clock difference of a
        # few seconds) is not retried in this sweep; the next sweep sees it again.
        seen.add(instance_id)
        fired_total += len(fired)
    return fired_total
