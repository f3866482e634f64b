"""The working-day calendar: which days are working days, and where a year's arrangement comes from.

Where a year's holidays and 调休 days come from, first match wins:

1. **office** — a year the office entered from the State Council's notice (工作日历 page or
   ``flask calendar import``), installed into this module with :func:`install_office_years` as one
   immutable snapshot (replaced atomically, so a request never sees half a year);
2. **package** — the ``chinesecalendar`` package (import name ``chinese_calendar``) for the years it
   ships;
3. **rule** — for any other year, the holidays the law fixes by date (全国年节及纪念日放假办法, as
   amended 2024): 元旦 1/1, 春节 农历除夕 and 正月初一–初三, 清明 (the solar term), 劳动节 5/1–5/2,
   端午 农历五月初五, 中秋 农历八月十五, 国庆 10/1–10/3, plus weekends. The yearly notice may add bridge
   days and 调休 Saturdays, so a rule year is only provisional (:func:`is_provisional`).

Two calendars follow (``deadlines.py`` counts periods with them; docs/procedure.md, "The working-day
calendar"): the best known (:func:`is_working_day`: office, package, rule) for what binds the
administration, and for a party's period :func:`is_party_working_day`, which on a provisional day is the
*conservative* calendar: weekends never work and every weekday in a generous window around each
statutory holiday (:func:`possible_holidays`) counts as a possible holiday. Its working days are a
subset of those of every possible arrangement, so a deadline counted with it is never earlier than the
true one.

Pure apart from the installed office snapshot; knows nothing about Flask, SpiffWorkflow or the engine.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar
from chinese_calendar import get_solar_terms
from lunardate import LunarDate

from .errors import RuleError
from .timezone import china_date

__all__ = [
    "PACKAGE_YEARS",
    "CalendarDataMissing",
    "OfficeYear",
    "install_office_years",
    "is_party_working_day",
    "is_provisional",
    "is_working_day",
    "office_years",
    "possible_holidays",
    "statutory_holidays",
    "using",
    "year_source",
]

_ONE_DAY = timedelta(days=1)

#: The years the installed chinesecalendar ships the State Council's arrangement for.
PACKAGE_YEARS = frozenset(d.year for d in chinese_calendar.holidays) & frozenset(
    d.year for d in chinese_calendar.workdays)


class CalendarDataMissing(RuleError):
    """Kept for the callers that still catch it: a missing year is no longer an error.

    Every year has a calendar now (office, package or the rule), so nothing raises this for a missing
    year. The message, should anything still raise it, is for a clerk and names the page to use.
    """

    def __init__(self, year: int):
        self.year = year
        super().__init__(f"{year} 年的节假日安排尚未录入，请联系管理员在“工作日历”中录入后再办理。")


@dataclass(frozen=True)
class OfficeYear:
    """A year's arrangement as the office entered it from the State Council's notice.

    ``holidays`` are the days off that are not ordinary weekends or that are named (date -> holiday
    name); ``workdays`` the 调休 weekend days that are worked (date -> the holiday they make up for).
    Every other day follows the week: Monday–Friday working, Saturday and Sunday off.
    """

    year: int
    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: Mapping[date, str] = field(default_factory=dict)

    def is_working_day(self, d: date) -> bool:
        if d in self.holidays:
            return False
        if d in self.workdays:
            return True
        return d.weekday() < 5


# The process-wide snapshot of the office's years: replaced as a whole (one assignment is atomic), never
# changed in place. A context variable can stand in for it in one thread of work (see ``using``), so
# the recompute after an entry sees the new year before the transaction that stores it commits.
_office: Mapping[int, OfficeYear] = MappingProxyType({})
_pending: contextvars.ContextVar[Mapping[int, OfficeYear] | None] = contextvars.ContextVar(
    "office_calendar_pending", default=None)


def install_office_years(years: Iterable[OfficeYear]) -> None:
    """Replace the office's years this process computes with (the web app does it at start and when
    the stored revision changes)."""
    global _office
    _office = MappingProxyType({y.year: y for y in years})


def office_years() -> Mapping[int, OfficeYear]:
    """The office's years in force for this thread of work."""
    pending = _pending.get()
    return pending if pending is not None else _office


@contextlib.contextmanager
def using(years: Iterable[OfficeYear]) -> Iterator[None]:
    """Compute with these office years inside the block (this thread only), e.g. to recompute deadlines
    with a year about to be stored, while other requests keep the installed snapshot."""
    token = _pending.set(MappingProxyType({y.year: y for y in years}))
    try:
        yield
    finally:
        _pending.reset(token)


def year_source(year: int) -> str:
    """Where the year's arrangement comes from: ``office``, ``package`` or ``rule``."""
    if year in office_years():
        return "office"
    if year in PACKAGE_YEARS:
        return "package"
    return "rule"


# -- the law's fixed holidays and the windows the yearly notice stays within ---------------------

@lru_cache(maxsize=256)
def _lunar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


@lru_cache(maxsize=256)
def _qingming(year: int) -> date:
    """The 清明 solar term (4–6 April), from chinesecalendar's astronomical solar-term table."""
    for day, name in get_solar_terms(date(year, 4, 1), date(year, 4, 10)):
        if str(name) == "清明" or getattr(name, "value", [None, None])[1] == "清明":
            return day
    raise RuleError(f"无法确定 {year} 年的清明日期")


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> Mapping[date, str]:
    """The days off the law fixes by date for ``year`` (全国年节及纪念日放假办法 Art 2, as amended
    2024): 13 days, whatever the yearly notice later adds around them."""
    new_year = _lunar(year, 1, 1)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    days.update({d: "春节" for d in _span(new_year - _ONE_DAY, new_year + 2 * _ONE_DAY)})
    days[_qingming(year)] = "清明节"
    days.update({date(year, 5, 1): "劳动节", date(year, 5, 2): "劳动节"})
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    days.update({date(year, 10, d): "国庆节" for d in (1, 2, 3)})
    return MappingProxyType(days)


#: How far around each statutory holiday a yearly notice has placed days off (docs/procedure.md
#: records the check against every year chinesecalendar ships; tests/rules/test_calendar_bound.py
#: repeats it): (first day, last day) relative to the holiday's anchor.
WINDOWS = {
    "元旦": (-3, 2),     # 12/29 – 1/3 around 1 January
    "春节": (-3, 8),     # 除夕−2 … 初一+8 around 正月初一
    "清明节": (-3, 3),
    "劳动节": (-2, 5),   # 4/29 – 5/6 around 1 May
    "端午节": (-3, 3),
    "中秋节": (-3, 3),
    "国庆节": (-3, 7),   # 9/28 – 10/8 around 1 October
}


@lru_cache(maxsize=64)
def possible_holidays(year: int) -> frozenset[date]:
    """Every day a State Council notice for ``year`` could plausibly give off: the windows above
    around the law's holidays (the 元旦 window reaches back into December of the year before)."""
    anchors = {
        "元旦": date(year, 1, 1), "春节": _lunar(year, 1, 1), "清明节": _qingming(year),
        "劳动节": date(year, 5, 1), "端午节": _lunar(year, 5, 5), "中秋节": _lunar(year, 8, 15),
        "国庆节": date(year, 10, 1),
    }
    days: set[date] = set()
    for name, anchor in anchors.items():
        before, after = WINDOWS[name]
        days.update(_span(anchor + timedelta(days=before), anchor + timedelta(days=after)))
    return frozenset(days)


# -- which days are working days -----------------------------------------------------------------

def _rule_working(d: date) -> bool:
    return d.weekday() < 5 and d not in statutory_holidays(d.year)


def _conservative_working(d: date) -> bool:
    """Surely a working day whatever the notice says: a weekday outside every holiday window."""
    # 29–31 December belong to the next year's 元旦 window.
    return d.weekday() < 5 and d not in possible_holidays(d.year) and not (d.month == 12 and d.day >= 29)


def is_working_day(d: date) -> bool:
    """Whether ``d`` is a working day by the best calendar known: the office's year, the package's, or
    the rule (weekends and the law's fixed holidays) for a year neither has."""
    d = china_date(d)
    if d.month == 12 and (following := office_years().get(d.year + 1)) is not None and (
            d in following.holidays or d in following.workdays):
        return following.is_working_day(d)  # the next year's 元旦 arrangement reaching back into December
    source = year_source(d.year)
    if source == "office":
        return office_years()[d.year].is_working_day(d)
    if source == "package":
        return chinese_calendar.is_workday(d)
    return _rule_working(d)


def is_provisional(d: date) -> bool:
    """True when ``d`` lies in a year whose arrangement nobody has entered (nor the package ships): a
    date computed there may still move. The last days of December count with the next year, whose
    notice places the 元旦 holiday and may reach back into them."""
    d = china_date(d)
    if year_source(d.year) == "rule":
        return True
    return d.month == 12 and d.day >= 29 and year_source(d.year + 1) == "rule"


def is_party_working_day(d: date) -> bool:
    """Whether ``d`` surely is a working day for a period printed for a party: by the best calendar on a
    year someone entered (or the package ships), by the conservative one on a provisional day."""
    return _conservative_working(d) if is_provisional(d) else is_working_day(d)
