"""The dashboard's figures kept for a while and shared by every web worker and host (issue 14).

Computing the figures reads every case and open task: 0.2 s at 100,000 cases, 1.2 s at a province's
1,000,000, on every view. So the dashboard shows the last computation of its period while it is younger
than WELLS_DASHBOARD_MAX_AGE seconds (default 300; 0 = computed on every view), with the time it was
taken ("数据截至 HH:MM") and a link that computes them now; an older one (or none) is computed, stored and
shown by the request that finds it. The timer worker (``flask timers run``) computes the default
period's (the campaign up to today) when its snapshot is half that old, so a view rarely waits.

Snapshots are rows of ``dashboard_snapshot`` (one per period: SQLite and PostgreSQL alike, and every
host reads the same), each exactly what ``figures.compute`` returned — the dashboard shows nothing else —
with the map's box and its count of cases without coordinates (two more scans of every case, taken at the
same time). A newer computation replaces an older one, never the reverse (two workers computing at once).
The charts drawn from a snapshot are kept per process (``charts_of``): pygal takes 40 ms to draw them.

Who may see them: the dashboard is the leading group office's (``sees_everything``, the blueprint's one
gate), whose figures cover every case and depend on the period alone, not on who asks; so one snapshot per
period serves all who may see it. A page of figures for fewer cases (a town's) would need its own key.
The published reports never use a snapshot: a report is computed when it is previewed or published.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.tables import utcnow

from ..core import db
from ..map import view as well_map
from . import charts, figures, reports
from .tables import DashboardSnapshot

_table = DashboardSnapshot.__table__


@dataclass(frozen=True)
class Shown:
    period: figures.Period
    figures: dict
    wells_map: dict      # the map's box and cases without coordinates (map/view.counts), taken with the figures
    taken_at: datetime   # when they were computed (UTC)
    stored: bool         # from a snapshot (True) or computed by this request

    @property
    def label(self) -> str:
        """"数据截至 10:32（北京时间，每 5 分钟更新）": the time the figures were computed (with the day if not
        today), and how often they are."""
        zone = reports.zone()
        taken = self.taken_at.astimezone(zone)
        when = f"{taken:%H:%M}" if taken.date() == utcnow().astimezone(zone).date() else \
            f"{taken.month}月{taken.day}日 {taken:%H:%M}"
        limit = max_age()
        every = "" if not limit else f"，每 {limit // 60} 分钟更新" if limit % 60 == 0 else f"，每 {limit} 秒更新"
        return f"数据截至 {when}（北京时间{every}）"


def max_age() -> int:
    return current_app.config["DASHBOARD_MAX_AGE"]


def figures_for(session: Session, period: figures.Period, *, now_please: bool = False) -> Shown:
    """The period's figures: a snapshot younger than the maximum age, else computed now (and stored:
    the caller commits). ``now_please``: computed now whatever the snapshot's age (the page's 立即更新)."""
    limit = max_age()
    if limit and not now_please:
        row = session.execute(select(_table.c.figures, _table.c.wells_map, _table.c.taken_at).where(
            _table.c.period_start == period.start, _table.c.period_end == period.end)).first()
        if row is not None and _younger(row.taken_at, limit):
            return Shown(period, row.figures, row.wells_map, row.taken_at, True)
    return _computed(session, period, store=bool(limit))


def refresh(app: Flask, *, now_please: bool = False) -> bool:
    """The timer worker's turn: compute the default period's snapshot when it is half the maximum age
    old (or missing; ``now_please``: whatever its age), in a transaction of its own. Returns whether it
    computed."""
    if not app.config["DASHBOARD_MAX_AGE"]:
        return False
    # A request context of its own: the figures name the towns and departments as the department table
    # has them (directory/ reads it once per request; outside one it has the plan's names), and its
    # session and flask.g start empty and are closed at its end.
    with app.app_context(), app.test_request_context("/dashboard/"):
        session = db.session()
        period = reports.default_period(None, reports.today())
        taken_at = session.scalar(select(_table.c.taken_at).where(
            _table.c.period_start == period.start, _table.c.period_end == period.end))
        if not now_please and taken_at is not None and _younger(taken_at, app.config["DASHBOARD_MAX_AGE"] / 2):
            return False
        _computed(session, period, store=True)
        # Older than the largest maximum age (a day) no snapshot is shown again: yesterday's default period,
        # periods someone looked at once.
        session.execute(delete(_table).where(_table.c.taken_at < utcnow() - timedelta(days=1)))
        db.commit()
    return True


def _younger(taken_at: datetime, seconds: float) -> bool:
    age = utcnow() - taken_at
    return timedelta(0) <= age < timedelta(seconds=seconds)  # a snapshot from the future (clock moved): stale


def _computed(session: Session, period: figures.Period, *, store: bool) -> Shown:
    now, started = utcnow(), time.perf_counter()
    shown = Shown(period, reports.live_figures(session, period, now), well_map.counts(session, []), now, False)
    if store:
        _store(session, shown, round((time.perf_counter() - started) * 1000))
    return shown


def _store(session: Session, shown: Shown, compute_ms: int) -> None:
    """Insert the period's snapshot, or replace it if this one is newer (one statement: two workers at once
    both succeed, the later computation stays)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_table).values(
        period_start=shown.period.start, period_end=shown.period.end, figures=shown.figures,
        wells_map=shown.wells_map, taken_at=shown.taken_at, compute_ms=compute_ms)
    session.execute(statement.on_conflict_do_update(
        index_elements=["period_start", "period_end"],
        set_={"figures": statement.excluded.figures, "wells_map": statement.excluded.wells_map,
              "taken_at": statement.excluded.taken_at, "compute_ms": statement.excluded.compute_ms},
        where=_table.c.taken_at < statement.excluded.taken_at))


# The charts drawn from a snapshot's figures, per process: the same figures draw the same charts, and pygal
# takes 40 ms for them (as long as reading a snapshot takes, at any size). A few periods at most.
_charts: dict[tuple, dict] = {}
_charts_lock = threading.Lock()  # gunicorn --threads
_CHARTS_KEPT = 8


def charts_of(shown: Shown) -> dict:
    """The dashboard's charts of ``shown``: drawn once per snapshot and process, or now for a computation."""
    if not shown.stored:
        return charts.dashboard_charts(shown.figures)
    key = (shown.period, shown.taken_at)
    drawn = _charts.get(key)
    if drawn is None:
        drawn = charts.dashboard_charts(shown.figures)
        with _charts_lock:
            while len(_charts) >= _CHARTS_KEPT:
                _charts.pop(next(iter(_charts)))  # the oldest drawn
            _charts[key] = drawn
    return drawn
