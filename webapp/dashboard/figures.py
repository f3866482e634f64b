"""The campaign's figures for one period — the ONE function behind the dashboard, the reports and their DOCX.

What is counted (README "Dashboard and briefings" says the same):

- 登记 registered: cases (``well_case``) created before the period's end; 本期新登记: created within it.
- 已办结 closed: the case's process completed (``wf_instance.status = 'completed'``) before the end,
  whatever its end event; of them 整治完成 ``end_done`` and 纳入信用监管 ``end_sanctioned``. A sealed
  well's case stays open while it is patrolled (巡查), until a patrol ends the patrols (``end_patrol``).
- 暂不列入封停 exempt: cases whose latest urban-village exemption review before the end approved it
  (the case then waits for its next review, so it is not closed).
- 已撤销 cancelled: cancelled by a supervisor before the end. 未办结 open = registered − closed − cancelled.
- 已封井 sealed: cases with a sealing accepted before the end: a 封井验收 (form ``seal_acceptance``: after
  封井, after a sealing in a penalty's execution — the owner's or 代履行 — or after 重新封井) answered 合格.
  Every sealing, whoever did it, is accepted, and no well is sealed twice (docs/procedure.md), so this
  counts each sealed well, and not a sealing attempt that was obstructed or failed its acceptance.
- 已办证 permitted: cases whose ``permit_approval`` step was completed with ``permit_approved`` true.
- "in the period" for these: the completion (or the step) fell within the period.
- Snapshot at generation time (a past state of steps cannot be rebuilt from the index): 整改中 in
  rectification = running cases with an open step in ``RECTIFICATION_STEPS`` (notice being issued,
  the user rectifying, or the well being connected / sealed / permitted: after classification, before
  the recheck); cases per current step; open and overdue tasks (due time past) per department.
- Category: the DMN classification copied to ``wf_instance.category`` (its current value).
- Trend: the ``TREND_WEEKS`` weeks (Monday–Sunday, China time) up to the period's end.

Everything is GROUP BY in SQL (SQLite and PostgreSQL alike); no workflow is loaded. The result is a
plain JSON-ready dict: a published report stores exactly what its page and DOCX showed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import Session

from engine.stage import STAGES
from engine.tables import Event, Instance, OpenTask

from .. import directory
from ..directory.departments import TOWN
from ..models import Case
from . import phases as phases_module

RECTIFICATION_STEPS = ("notice", "rectify_report", "supply_connection", "seal_well", "seal_acceptance",
                       "permit_approval", "meter_verification", "tax_registration")
# The steps in the order of bpmn/well_case.bpmn, so tables read like the procedure.
STEP_ORDER = ("commitment", "inspect", "exemption_apply", "exemption_review", "notice", "rectify_report",
              "supply_connection", "seal_well", "seal_acceptance", "permit_approval", "meter_verification", "tax_registration",
              "recheck", "credit_record", "credit_review")
CATEGORIES = {"covered_unlicensed": "管网覆盖区·无取水许可", "covered_licensed": "管网覆盖区·有取水许可",
              "uncovered": "管网未覆盖区", "urban_village": "城中村", "hidden": "隐瞒不报", None: "尚未分类"}
TREND_WEEKS = 12
# A completed 封井验收 that accepted the sealing (see 已封井 above).
SEALING_ACCEPTED = (Event.form_key == "seal_acceptance", Event.data["seal_accepted"].as_boolean() == true())


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start 00:00, day after end 00:00) China time, as UTC: what the timestamp columns hold."""
        return _utc(self.start, tz), _utc(self.end + timedelta(days=1), tz)

    @property
    def label(self) -> str:
        return f"{_cn(self.start)}至{_cn(self.end)}"


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(timezone.utc)


def compute(session: Session, period: Period, now: datetime, tz: ZoneInfo,
            phases: tuple[phases_module.Phase, ...]) -> dict:
    """All figures of the period; ``now`` is the generation time (for the snapshot and overdue tasks)."""
    start, end = period.bounds(tz)
    towns, groups, stage_groups = _towns(session, start, end)
    totals = {key: sum(t[key] for t in towns) for key in TOWN_KEYS}
    snapshot = _snapshot(session, now)
    totals.update(in_rectification=sum(t["in_rectification"] for t in towns),
                  open_tasks=sum(d["open"] for d in snapshot["departments"]),
                  overdue_tasks=sum(d["overdue"] for d in snapshot["departments"]),
                  rate=_percent(totals["closed"], totals["registered"]))
    today = now.astimezone(tz).date()
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label,
                   "end_label": _cn(period.end)},
        "generated_at": now.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "totals": totals,
        "towns": towns,
        "categories": _categories(groups),
        "stages": snapshot["stages"],
        "case_stages": _case_stages(stage_groups),
        "departments": snapshot["departments"],
        "weeks": _weeks(session, period, tz),
        "phases": [{"name": p.name, "dates": p.dates_label, "status": p.status(today), "work": p.work}
                   for p in phases],
        "current_phases": "、".join(p.name for p in phases_module.current(phases, today)) or "无",
    }


# -- progress by town (also gives the totals: a sum over the towns, so the two cannot disagree) -------

TOWN_KEYS = ("registered", "new", "closed", "closed_in_period", "done", "sanctioned", "exempt", "cancelled",
             "open", "sealed", "sealed_in_period", "permitted", "permitted_in_period")


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _towns(session: Session, start: datetime, end: datetime) -> tuple[list[dict], list, list]:
    registered = Case.created_at < end

    def finished(status: str, *more):
        return and_(registered, Instance.status == status, Instance.completed_at < end, *more)

    counted = {
        "registered": _count_if(registered),
        "new": _count_if(and_(registered, Case.created_at >= start)),
        "closed": _count_if(finished("completed")),
        "closed_in_period": _count_if(finished("completed", Instance.completed_at >= start)),
        "done": _count_if(finished("completed", Instance.outcome == "end_done")),
        "sanctioned": _count_if(finished("completed", Instance.outcome == "end_sanctioned")),
        "cancelled": _count_if(finished("cancelled")),
    }
    # One pass over the cases, by town, category and stage: the towns' figures, the categories' (figures
    # "categories") and the cases by stage now ("case_stages", every case, registered in the period or
    # after it) are all sums of these groups (issue 14: one scan of 100,000 cases and their instances,
    # not three). Groups of cases registered after the period's end count for the stages only.
    every = session.execute(
        select(Case.town, Instance.category, Instance.stage, func.count(Case.id).label("cases"),
               *(expr.label(key) for key, expr in counted.items()))
        .outerjoin(Instance, Instance.id == Case.instance_id)
        .group_by(Case.town, Instance.category, Instance.stage)).all()
    groups = [group for group in every if group.registered]
    rows: dict[str, dict] = {}
    for group in groups:
        town = rows.setdefault(group.town, dict.fromkeys(counted, 0))
        for key in counted:
            town[key] += int(group._mapping[key])
    exempt = _exempt(session, end)
    sealed = _step_cases(session, start, end, *SEALING_ACCEPTED)
    permitted = _step_cases(session, start, end, Event.task_spec == "permit_approval",
                            Event.data["permit_approved"].as_boolean() == true())
    rectifying = dict(session.execute(
        select(Case.town, func.count(func.distinct(OpenTask.instance_id)))
        .join(Case, Case.id == OpenTask.case_id)
        .where(OpenTask.task_spec.in_(RECTIFICATION_STEPS)).group_by(Case.town)).all())
    names = dict(directory.choices(TOWN))
    codes = list(names) + sorted(set(rows) - set(names))  # the plan's order; unknown codes last
    result = []
    for code in codes:
        row = {key: int(rows[code][key]) if code in rows else 0 for key in counted}
        row["open"] = row["registered"] - row["closed"] - row["cancelled"]
        row["exempt"] = exempt.get(code, 0)
        row["sealed"], row["sealed_in_period"] = sealed.get(code, (0, 0))
        row["permitted"], row["permitted_in_period"] = permitted.get(code, (0, 0))
        row["in_rectification"] = int(rectifying.get(code, 0))
        row["rate"] = _percent(row["closed"], row["registered"])
        result.append({"code": code, "name": names.get(code, code), **row})
    return result, groups, every


def _step_cases(session: Session, start: datetime, end: datetime, *conditions) -> dict:
    """town -> (cases with a step completed before the end, … within the period), the step given by
    ``conditions`` on its event; distinct cases, so a step done again (a reset, a re-sealing) counts once."""
    in_period = case((Event.created_at >= start, Event.case_id))
    query = (select(Case.town, func.count(func.distinct(Event.case_id)), func.count(func.distinct(in_period)))
             .join(Case, Case.id == Event.case_id)
             .where(Event.kind == "task_completed", Event.created_at < end, *conditions)
             .group_by(Case.town))
    return {town: (int(total), int(recent)) for town, total, recent in session.execute(query)}


def _exempt(session: Session, end: datetime) -> dict:
    """town -> cases whose latest exemption review before the end approved the exemption (not cancelled)."""
    latest = (select(func.max(Event.id).label("id"))
              .where(Event.kind == "task_completed", Event.task_spec == "exemption_review", Event.created_at < end)
              .group_by(Event.case_id).subquery())
    query = (select(Case.town, func.count(func.distinct(Event.case_id)))
             .join(latest, latest.c.id == Event.id)
             .join(Case, Case.id == Event.case_id)
             .outerjoin(Instance, Instance.id == Case.instance_id)
             .where(Event.data["exemption_approved"].as_boolean() == true(),
                    func.coalesce(Instance.status, "") != "cancelled")
             .group_by(Case.town))
    return {town: int(n) for town, n in session.execute(query)}


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


# -- category -------------------------------------------------------------------------------------

def _categories(groups: list) -> list[dict]:
    """Cases and closed cases by category, from ``_towns``' groups (town × category)."""
    rows: dict = {}
    for group in groups:
        n, done = rows.get(group.category, (0, 0))
        rows[group.category] = (n + int(group.registered), done + int(group.closed))
    keys = [k for k in CATEGORIES if k in rows] + sorted(k for k in rows if k not in CATEGORIES)
    return [{"code": key or "", "name": CATEGORIES.get(key, key), "cases": rows[key][0], "closed": rows[key][1]}
            for key in keys]


# -- snapshot: steps and departments now ------------------------------------------------------------

def _snapshot(session: Session, now: datetime) -> dict:
    overdue = _count_if(OpenTask.due_at < now)
    steps = {spec: (title, int(cases), int(late)) for spec, title, cases, late in session.execute(
        select(OpenTask.task_spec, func.min(OpenTask.title), func.count(func.distinct(OpenTask.instance_id)), overdue)
        .group_by(OpenTask.task_spec))}
    order = [s for s in STEP_ORDER if s in steps] + sorted(set(steps) - set(STEP_ORDER))
    departments = {code: (int(n), int(late)) for code, n, late in session.execute(
        select(OpenTask.department, func.count(OpenTask.id), overdue).group_by(OpenTask.department))}
    known = [code for code, _ in directory.choices()]
    dept_order = [c for c in known if c in departments] + sorted(set(departments) - set(known))
    return {
        "stages": [{"code": s, "name": steps[s][0], "cases": steps[s][1], "overdue": steps[s][2]} for s in order],
        "departments": [{"code": c, "name": directory.name(c), "open": departments[c][0],
                         "overdue": departments[c][1]} for c in dept_order],
    }


def _case_stages(groups: list) -> list[dict]:
    """Cases by where they stand now (wf_instance.stage, engine/stage.py) in the stages' order, from
    ``_towns``' groups (town × category × stage, every case)."""
    counts: dict = {}
    for group in groups:
        counts[group.stage] = counts.get(group.stage, 0) + int(group.cases)
    return [{"code": code, "name": name, "cases": int(counts.get(code, 0))} for code, name in STAGES.items()]


# -- trend by week ------------------------------------------------------------------------------------

def _weeks(session: Session, period: Period, tz: ZoneInfo) -> list[dict]:
    last_monday = period.end - timedelta(days=period.end.weekday())
    mondays = [last_monday - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
    # Bucket edges as UTC instants; the last bucket stops at the period's end, like every other figure.
    edges = [_utc(m, tz) for m in mondays] + [_utc(period.end + timedelta(days=1), tz)]
    registered = _bucketed(session, Case.created_at, edges)
    closed = _bucketed(session, Instance.completed_at, edges, Instance.status == "completed")
    sealed = _bucketed(session, Event.created_at, edges, Event.kind == "task_completed", *SEALING_ACCEPTED)
    weeks = []
    for n, monday in enumerate(mondays):
        last = min(monday + timedelta(days=6), period.end)
        weeks.append({"start": monday.isoformat(), "end": last.isoformat(), "label": f"{monday.month}/{monday.day}",
                      "range": f"{monday.month}月{monday.day}日—{last.month}月{last.day}日",
                      "registered": registered.get(n, 0), "closed": closed.get(n, 0), "sealed": sealed.get(n, 0)})
    return weeks


def _bucketed(session: Session, column, edges: list[datetime], *conditions) -> dict[int, int]:
    """week number -> rows whose ``column`` falls in it: a CASE over the week edges, grouped in SQL.

    The bucket is computed in a subquery and grouped by its plain column, so PostgreSQL does not have
    to match two copies of an expression with parameters.
    """
    bucket = case(*[(column < edges[n + 1], n) for n in range(len(edges) - 1)])
    inner = select(bucket.label("week")).where(column >= edges[0], column < edges[-1], *conditions).subquery()
    return {int(week): int(n) for week, n in session.execute(
        select(inner.c.week, func.count()).group_by(inner.c.week))}
