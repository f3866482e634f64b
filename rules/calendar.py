"""Working-day calendar and statutory deadlines (China time, see ``timezone.py``).

The enforcement workflow sets its deadline timers from here (DOMAIN.md, "The statutory steps",
item 6). The rule applied in this project follows 行政处罚法 Art 85 and 行政许可法 Art 82:

* a period of fewer than 10 days ("二日", "三日", "五日", "七日" ...) counts **working days**:
  Chinese statutory holidays are skipped and 调休 weekend working days are counted;
* a longer period (15-day payment, 60-day reconsideration, ...) counts **calendar days**, and if
  its last day is not a working day the deadline moves to the next working day.

Where a year's holidays and 调休 days come from, first match wins:

1. **office** — a year the office entered from the State Council's notice (工作日历 page or
   ``flask calendar import``), installed into this module with :func:`install_office_years` as one
   immutable snapshot (replaced atomically, so a request never sees half a year);
2. **package** — the ``chinesecalendar`` package (import name ``chinese_calendar``) for the years it
   ships;
3. **rule** — for any other year, the holidays the law fixes by date (全国年节及纪念日放假办法, as
   amended 2024): 元旦 1/1, 春节 农历除夕 and 正月初一–初三, 清明 (the solar term), 劳动节 5/1–5/2,
   端午 农历五月初五, 中秋 农历八月十五, 国庆 10/1–10/3, plus weekends. The yearly notice may add bridge
   days and 调休 Saturdays, so a rule year is only provisional.

Two kinds of deadline follow (docs/procedure.md, "The working-day calendar"):

* a deadline **printed for a party** (:func:`party_deadline`, also the old name
  :func:`statutory_deadline`) must never be earlier than the true one. On a day whose year is only
  rule-based it uses the *conservative* calendar: weekends never work and every weekday in a
  generous window around each statutory holiday (:func:`possible_holidays`) counts as a possible
  holiday. Its working days are a subset of those of every possible arrangement, so the n-th of them
  is never earlier; such a deadline is final once printed.
* a deadline that **binds the administration** (:func:`office_deadline`) uses the best calendar known
  (office, package, rule); when that is a rule year it is provisional (:func:`is_provisional`, shown
  as 暂定) and recomputed when the office enters the year (``engine/deadline_recompute.py``).

All functions are pure (apart from :func:`before_expiry` without a date, which reads the clock, and the
installed office snapshot) and know nothing about Flask, SpiffWorkflow or the engine, so the BPMN script
engine calls the deadline functions directly from a timer expression with task data
(``engine/services.py``), and forms and documents print the same dates. Bad input raises
:class:`~rules.errors.RuleError` with a Chinese message.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar
from chinese_calendar import get_solar_terms
from lunardate import LunarDate

from .errors import RuleError
from .timezone import CHINA, today_in_china

__all__ = [
    "WORKING_DAY_THRESHOLD",
    "CalendarDataMissing",
    "OfficeYear",
    "add_working_days",
    "after_expiry",
    "before_expiry",
    "install_office_years",
    "is_provisional",
    "is_working_day",
    "next_working_day",
    "office_years",
    "office_deadline",
    "office_deadline_date",
    "parse_day",
    "party_deadline",
    "party_deadline_date",
    "possible_holidays",
    "start_of_day",
    "statutory_deadline",
    "statutory_deadline_date",
    "statutory_holidays",
    "using",
    "year_source",
]

#: Periods strictly shorter than this many days count working days; longer ones calendar days.
WORKING_DAY_THRESHOLD = 10

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
    d = _as_date(d)
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
    d = _as_date(d)
    if year_source(d.year) == "rule":
        return True
    return d.month == 12 and d.day >= 29 and year_source(d.year + 1) == "rule"


def _party_working(d: date) -> bool:
    return _conservative_working(d) if is_provisional(d) else is_working_day(d)


# -- counting --------------------------------------------------------------------------------------

def _as_date(value: date) -> date:
    """Reduce a ``date``/``datetime`` to the China-local calendar date.

    ``datetime`` is a subclass of ``date``; without this, ``datetime + timedelta`` would carry a
    time of day along and an aware UTC datetime late in the evening would be counted on the
    wrong calendar day. Naive datetimes are taken to be China local time already.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(CHINA)
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"需要日期（date），实际得到 {type(value).__name__}：{value!r}")


def _check_count(value: object, name: str, *, allow_zero: bool) -> int:
    """Validate a day count; ``bool`` is rejected although it is an ``int`` subclass."""
    minimum = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        requirement = "非负整数" if allow_zero else "正整数"
        raise RuleError(f"{name} 必须是{requirement}，实际得到 {value!r}")
    return value


def _next_working(d: date, working) -> date:
    while not working(d):
        d += _ONE_DAY
    return d


def _add_working(start: date, n: int, working) -> date:
    current = start
    while n:
        current += _ONE_DAY
        if working(current):
            n -= 1
    return current


def _deadline(start: date, days: int, working) -> date:
    start = _as_date(start)
    days = _check_count(days, "期限天数 days", allow_zero=False)
    if days < WORKING_DAY_THRESHOLD:
        return _add_working(start, days, working)
    return _next_working(start + timedelta(days=days), working)


def next_working_day(d: date) -> date:
    """``d`` itself if it is surely a working day, otherwise the first such day after it (on a
    provisional day: the first weekday outside every holiday window, see :func:`party_deadline_date`)."""
    return _next_working(_as_date(d), _party_working)


def add_working_days(start: date, n: int) -> date:
    """Return the ``n``-th working day after ``start``, for a period that protects a party (the
    earliest hearing date after its notice…): on provisional days the conservative calendar counts.

    ``start`` itself is never counted (the period begins the day after the triggering event,
    as with service of a notice), so ``add_working_days(d, 1)`` is the first working day
    strictly after ``d``. Holidays are skipped and 调休 weekend working days are counted.

    ``n == 0`` returns ``start`` unchanged, even if ``start`` is not a working day: a zero-length
    period has no end to move. Negative or non-integer ``n`` raises ``RuleError`` (a ``ValueError``).
    """
    start = _as_date(start)
    return _add_working(start, _check_count(n, "工作日天数 n", allow_zero=True), _party_working)


def party_deadline_date(start: date, days: int) -> date:
    """The last day of a period printed for a party, never earlier than the true one.

    * ``days < 10``: the ``days``-th working day after ``start`` (行政处罚法 Art 85, 行政许可法 Art 82);
    * ``days >= 10``: ``start + days`` calendar days, moved to the next working day if it is not one
      (a 调休 Saturday is a working day and stays).

    On a day of a year nobody has entered (nor the package ships) the conservative calendar decides
    (weekdays outside every holiday window, :func:`possible_holidays`), so no arrangement the State
    Council may still publish can make the true deadline later. ``days`` must be a positive integer.
    """
    return _deadline(start, days, _party_working)


def office_deadline_date(start: date, days: int) -> date:
    """The last day of a period that binds the administration, by the best calendar known; on a rule
    year it is provisional (:func:`is_provisional`) and is recomputed once the year is entered."""
    return _deadline(start, days, is_working_day)


#: The old name, with the party's meaning (forms and documents print it).
statutory_deadline_date = party_deadline_date


def parse_day(start: date | str) -> date:
    """Accept a date/datetime or an ISO string as stored in BPMN task data.

    Task data is JSON, so dates arrive as strings: normally "YYYY-MM-DD", but a field holding a
    moment (e.g. the time of service) may be a full ISO datetime, which is reduced to its
    China-local date.
    """
    if isinstance(start, str):
        text = start.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            ...  # not a plain date: perhaps a date and time, tried next
        try:
            return _as_date(datetime.fromisoformat(text))
        except ValueError:
            raise RuleError(
                f"起算日期必须是 ISO 格式的日期字符串（YYYY-MM-DD），实际得到 {start!r}"
            ) from None
    if isinstance(start, date):
        return _as_date(start)
    raise RuleError(
        f"起算日期必须是日期或 ISO 格式的日期字符串（YYYY-MM-DD），实际得到 {start!r}"
    )


def _end_of(day: date) -> str:
    # The last second of the deadline day: the party may still comply at any time on that day.
    return datetime.combine(day, time(23, 59, 59), tzinfo=CHINA).isoformat()


def party_deadline(start: date | str, days: int) -> str:
    """The end of a period printed for a party as an ISO datetime in China time, e.g.
    ``party_deadline("2025-09-30", 5) == "2025-10-14T23:59:59+08:00"``: the diagram's timer for a
    notice period, a statement of defence, a payment, an objection (see :func:`party_deadline_date`).

    ``start`` is a ``date``/``datetime`` or an ISO string; ``days`` must be a positive integer.
    Bad input raises ``RuleError`` (a ``ValueError``) with a Chinese message.
    """
    return _end_of(party_deadline_date(parse_day(start), days))


def office_deadline(start: date | str, days: int) -> str:
    """The end of a period that binds the administration (the 90-day decision limit, a review…) as an
    ISO datetime in China time; provisional on a rule year (see :func:`office_deadline_date`)."""
    return _end_of(office_deadline_date(parse_day(start), days))


#: The old diagram name, with the party's (conservative) meaning: cases on older diagram versions run on.
statutory_deadline = party_deadline


def start_of_day(day: date | str) -> str:
    """The first second of a day in China as an ISO datetime: the timer expression of a review fixed
    for a date (e.g. an exemption's next review), ``start_of_day("2026-09-01")``."""
    return datetime.combine(parse_day(day), time(0, 0, 0), tzinfo=CHINA).isoformat()


def before_expiry(valid_to: date | str | None, days: int) -> str:
    """Start of the day ``days`` before ``valid_to`` (China), e.g. when to raise a non-renewal decision
    ahead of a permit's expiry; with no date known, today (the task then asks for the date)."""
    if not valid_to:
        return datetime.combine(today_in_china(), time(0, 0, 0), tzinfo=CHINA).isoformat()
    return start_of_day(parse_day(valid_to) - timedelta(days=_check_count(days, "提前天数 days", allow_zero=True)))


def after_expiry(valid_to: date | str) -> str:
    """Start of the day after ``valid_to`` (China): the first day a permit no longer covers."""
    return start_of_day(parse_day(valid_to) + timedelta(days=1))
