"""The office's years: loaded into ``rules.calendar``, previewed, entered (with the recompute of the
administration's provisional deadlines and one audit event), all in the caller's transaction.

Every worker keeps the revision it installed; ``ensure_current`` compares it with the stored maximum
(``REVISION``: read with the account in a request's first statement, or one indexed query of its own — a
request without an account, the timer sweep) and reloads only when a year changed, so a year entered
through one worker is used by every other one from its next request.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from engine import Actor, Engine
from engine.deadline_recompute import Recomputed, recompute
from engine.tables import utcnow
from rules import calendar

from .parse import ParsedYear
from .tables import HOLIDAY, WORKDAY, CalendarDay, CalendarYear

SOURCE_LABELS = {"office": "已录入", "package": "程序内置", "rule": "未录入（按法定节假日暂定）"}

_lock = threading.Lock()
_installed_revision: int | None = None
_checked_at = float("-inf")  # time.monotonic() of the last look at the stored revision
#: The stored years' revision, as a column of another statement (``auth.load_user``).
REVISION = select(func.max(CalendarYear.revision)).scalar_subquery().label("calendar_revision")


def load_years(session: Session) -> list[calendar.OfficeYear]:
    rows = session.scalars(select(CalendarYear).options(selectinload(CalendarYear.days)))
    return [office_year(row) for row in rows]


def office_year(row: CalendarYear) -> calendar.OfficeYear:
    return calendar.OfficeYear(row.year, {d.day: d.name for d in row.days if d.kind == HOLIDAY},
                               {d.day: d.name for d in row.days if d.kind == WORKDAY})


def ensure_current(session: Session, max_age: float = 0.0, revision: int | None = None) -> None:
    """Install the stored years into this process if they changed since it last looked.

    ``revision``: the stored revision when the caller read it already (with the account): no query.
    ``max_age``: otherwise, a request that only reads (a page) skips the query when this process looked less
    than that many seconds ago — a year entered through another worker reaches its pages within that time;
    writes (which compute deadlines) and the timer sweep always look (issue 14: one query less per page)."""
    global _installed_revision, _checked_at
    now = time.monotonic()
    if revision is None:
        if max_age and _installed_revision is not None and now - _checked_at < max_age:
            return
        revision = session.scalar(select(func.max(CalendarYear.revision))) or 0
    _checked_at = now
    if revision == _installed_revision:
        return
    years = load_years(session)
    with _lock:
        calendar.install_office_years(years)
        _installed_revision = revision


def forget() -> None:
    """Make the next ``ensure_current`` reload (after a commit that changed a year)."""
    global _installed_revision
    _installed_revision = None


@dataclass
class ChangedDay:
    day: date
    before: bool  # working day before
    after: bool
    name: str

    @property
    def weekday(self) -> str:
        return "星期" + "一二三四五六日"[self.day.weekday()]


def _span(year: int):
    day = date(year - 1, 12, 25)
    while day <= date(year, 12, 31):
        yield day
        day += timedelta(days=1)


def _with(parsed: ParsedYear) -> list[calendar.OfficeYear]:
    years = {y.year: y for y in calendar.office_years().values()}
    years[parsed.year] = calendar.OfficeYear(parsed.year, dict(parsed.holidays), dict(parsed.workdays))
    return list(years.values())


def preview(parsed: ParsedYear) -> list[ChangedDay]:
    """Every day whose working status the entry changes, against the calendar in force now."""
    before = {day: calendar.is_working_day(day) for day in _span(parsed.year)}
    names = {**parsed.workdays, **parsed.holidays}
    with calendar.using(_with(parsed)):
        return [ChangedDay(day, before[day], after, names.get(day, ""))
                for day in _span(parsed.year) if (after := calendar.is_working_day(day)) != before[day]]


def _listing(holidays: dict, workdays: dict) -> dict:
    return {"holidays": [f"{d.isoformat()} {n}".strip() for d, n in sorted(holidays.items())],
            "workdays": [f"{d.isoformat()} {n}".strip() for d, n in sorted(workdays.items())]}


@dataclass
class Entry:
    year: int
    changed_days: int
    recomputed: list[Recomputed]

    @property
    def moved(self) -> list[Recomputed]:
        return [r for r in self.recomputed if not r.kept]

    @property
    def kept(self) -> list[Recomputed]:
        return [r for r in self.recomputed if r.kept]


def enter_year(session: Session, engine: Engine, actor: Actor, parsed: ParsedYear, source_text: str) -> Entry:
    """Store the year (replacing an earlier entry), recompute the provisional deadlines, record it."""
    changed = preview(parsed)
    row = session.scalar(select(CalendarYear).where(CalendarYear.year == parsed.year)
                         .options(selectinload(CalendarYear.days)))
    before = ({"source": "office", **_listing(office_year(row).holidays, office_year(row).workdays)}
              if row is not None else {"source": calendar.year_source(parsed.year)})
    revision = (session.scalar(select(func.max(CalendarYear.revision))) or 0) + 1
    if row is None:
        row = CalendarYear(year=parsed.year)
        session.add(row)
    row.source_text, row.entered_by, row.revision = source_text, actor.username, revision
    row.entered_at = utcnow()
    row.days = [CalendarDay(day=d, kind=HOLIDAY, name=n[:32]) for d, n in sorted(parsed.holidays.items())] + \
               [CalendarDay(day=d, kind=WORKDAY, name=n[:32]) for d, n in sorted(parsed.workdays.items())]
    session.flush()
    results = recompute(engine, session, parsed.year, _with(parsed), actor)
    entry = Entry(parsed.year, len(changed), results)
    engine.record(session, "calendar_entered", actor=actor, title=f"工作日历 {parsed.year}年", data={
        "year": parsed.year, "before": before, "after": {"source": "office",
                                                         **_listing(parsed.holidays, parsed.workdays)},
        "changed_days": len(changed), "recomputed": len(entry.moved), "kept": len(entry.kept)})
    return entry




@dataclass
class YearStatus:
    year: int
    source: str
    row: CalendarYear | None

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self.source]


def year_list(session: Session, today: date) -> list[YearStatus]:
    """This year, next year and every year the office entered, newest first."""
    rows = {row.year: row for row in session.scalars(select(CalendarYear))}
    years = sorted(set(rows) | {today.year, today.year + 1}, reverse=True)
    return [YearStatus(y, "office" if y in rows else calendar.year_source(y), rows.get(y)) for y in years]


def next_year_missing(today: date) -> int | None:
    """From 1 November: next year, when neither the office nor the package has it (the banner)."""
    if (today.month, today.day) >= (11, 1) and calendar.year_source(today.year + 1) == "rule":
        return today.year + 1
    return None


def current_source(year: int) -> str:
    return SOURCE_LABELS[calendar.year_source(year)]
