"""Working-day calendar and statutory deadlines (China, Asia/Shanghai).

The enforcement workflow sets its deadline timers from here (DOMAIN.md, "The statutory steps",
item 6). The rule applied in this project follows 行政处罚法 Art 85 and 行政许可法 Art 82:

* a period of fewer than 10 days ("二日", "三日", "五日", "七日" ...) counts **working days**:
  Chinese statutory holidays are skipped and 调休 weekend working days are counted;
* a longer period (15-day payment, 60-day reconsideration, ...) counts **calendar days**, and if
  its last day is not a working day the deadline moves to the next working day.

Holidays and 调休 days come from the ``chinesecalendar`` package (import name
``chinese_calendar``), which ships the State Council's published schedule year by year. A date in
a year that package does not cover raises :class:`CalendarDataMissing`; we never fall back to a
"weekends only" guess, because a wrong deadline in an enforcement notice is a legal defect.

All functions are pure (apart from :func:`today_in_china`, which reads the clock) and know nothing
about Flask or SpiffWorkflow, so the BPMN script engine can call :func:`statutory_deadline`
directly from a timer expression with task data.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from .errors import EngineError

__all__ = [
    "TIMEZONE",
    "WORKING_DAY_THRESHOLD",
    "CalendarDataMissing",
    "add_working_days",
    "after_expiry",
    "before_expiry",
    "is_working_day",
    "next_working_day",
    "start_of_day",
    "statutory_deadline",
    "statutory_deadline_date",
    "today_in_china",
]

#: All statutory dates are reckoned in China time, whatever the server's own timezone is.
TIMEZONE = ZoneInfo("Asia/Shanghai")

#: Periods strictly shorter than this many days count working days; longer ones calendar days.
WORKING_DAY_THRESHOLD = 10

_ONE_DAY = timedelta(days=1)


class CalendarDataMissing(EngineError):
    """The installed ``chinesecalendar`` has no holiday data for the year of a date.

    The message is meant for an administrator (shown in the UI / logs): it names the year and
    says how to fix it. ``year`` is kept as an attribute for callers that want to react to it.
    """

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"工作日历缺少 {year} 年的法定节假日数据，"
            "请管理员升级 requirements.txt 中的 chinesecalendar 版本后重新部署。"
        )


def _as_date(value: date) -> date:
    """Reduce a ``date``/``datetime`` to the China-local calendar date.

    ``datetime`` is a subclass of ``date``; without this, ``datetime + timedelta`` would carry a
    time of day along and an aware UTC datetime late in the evening would be counted on the
    wrong calendar day. Naive datetimes are taken to be China local time already.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TIMEZONE)
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"需要日期（date），实际得到 {type(value).__name__}：{value!r}")


def _check_count(value: object, name: str, *, allow_zero: bool) -> int:
    """Validate a day count; ``bool`` is rejected although it is an ``int`` subclass."""
    minimum = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        requirement = "非负整数" if allow_zero else "正整数"
        raise ValueError(f"{name} 必须是{requirement}，实际得到 {value!r}")
    return value


def is_working_day(d: date) -> bool:
    """Return True if ``d`` is a working day in mainland China.

    Ordinary Monday–Friday days are working days unless they are statutory holidays; weekend
    days are working days only when they are 调休 make-up days.

    Raises :class:`CalendarDataMissing` if ``d`` lies outside the years the installed
    ``chinesecalendar`` covers.
    """
    d = _as_date(d)
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError as err:
        # chinese_calendar signals "no data for this year" with NotImplementedError; the type
        # variant of that error cannot happen here because _as_date already checked the type.
        raise CalendarDataMissing(d.year) from err


def next_working_day(d: date) -> date:
    """Return ``d`` itself if it is a working day, otherwise the first working day after it."""
    d = _as_date(d)
    while not is_working_day(d):
        d += _ONE_DAY
    return d


def add_working_days(start: date, n: int) -> date:
    """Return the ``n``-th working day after ``start``.

    ``start`` itself is never counted (the period begins the day after the triggering event,
    as with service of a notice), so ``add_working_days(d, 1)`` is the first working day
    strictly after ``d``. Holidays are skipped and 调休 weekend working days are counted.

    ``n == 0`` returns ``start`` unchanged, even if ``start`` is not a working day: a zero-length
    period has no end to move. Negative or non-integer ``n`` raises ``ValueError``.
    """
    start = _as_date(start)
    n = _check_count(n, "工作日天数 n", allow_zero=True)
    current = start
    remaining = n
    while remaining:
        current += _ONE_DAY
        if is_working_day(current):
            remaining -= 1
    return current


def statutory_deadline_date(start: date, days: int) -> date:
    """Return the last day of a statutory period of ``days`` days that begins after ``start``.

    * ``days < 10``: working days, i.e. ``add_working_days(start, days)``
      (行政处罚法 Art 85, 行政许可法 Art 82).
    * ``days >= 10``: calendar days, ``start + days``; if that day is not a working day the
      deadline moves to the next working day (a 调休 Saturday is a working day and stays).

    ``days`` must be a positive integer (``ValueError`` otherwise).
    """
    start = _as_date(start)
    days = _check_count(days, "期限天数 days", allow_zero=False)
    if days < WORKING_DAY_THRESHOLD:
        return add_working_days(start, days)
    return next_working_day(start + timedelta(days=days))


def _parse_start(start: date | str) -> date:
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
            raise ValueError(
                f"起算日期必须是 ISO 格式的日期字符串（YYYY-MM-DD），实际得到 {start!r}"
            ) from None
    if isinstance(start, date):
        return _as_date(start)
    raise ValueError(
        f"起算日期必须是日期或 ISO 格式的日期字符串（YYYY-MM-DD），实际得到 {start!r}"
    )


def statutory_deadline(start: date | str, days: int) -> str:
    """Return the end of a statutory period as an ISO datetime string in China time.

    This is the function the BPMN timer expression calls with task data, e.g.
    ``statutory_deadline(served_on, 5)``. The result is the last second of the deadline day,
    because the party may still comply at any time on that day, e.g.
    ``statutory_deadline("2025-09-30", 5) == "2025-10-14T23:59:59+08:00"``.

    ``start`` is a ``date``/``datetime`` or an ISO string; ``days`` must be a positive integer.
    Bad input raises ``ValueError`` with a Chinese message; a year without holiday data raises
    :class:`CalendarDataMissing`.
    """
    end = statutory_deadline_date(_parse_start(start), days)
    return datetime.combine(end, time(23, 59, 59), tzinfo=TIMEZONE).isoformat()


def start_of_day(day: date | str) -> str:
    """The first second of a day in China as an ISO datetime: the timer expression of a review fixed
    for a date (e.g. an exemption's next review), ``start_of_day("2026-09-01")``."""
    return datetime.combine(_parse_start(day), time(0, 0, 0), tzinfo=TIMEZONE).isoformat()


def before_expiry(valid_to: date | str | None, days: int) -> str:
    """Start of the day ``days`` before ``valid_to`` (China), e.g. when to raise a non-renewal decision
    ahead of a permit's expiry; with no date known, today (the task then asks for the date)."""
    if not valid_to:
        return datetime.combine(today_in_china(), time(0, 0, 0), tzinfo=TIMEZONE).isoformat()
    return start_of_day(_parse_start(valid_to) - timedelta(days=_check_count(days, "提前天数 days", allow_zero=True)))


def after_expiry(valid_to: date | str) -> str:
    """Start of the day after ``valid_to`` (China): the first day a permit no longer covers."""
    return start_of_day(_parse_start(valid_to) + timedelta(days=1))


def today_in_china() -> date:
    """Today's date in China, independent of the server's timezone (servers often run in UTC)."""
    return datetime.now(TIMEZONE).date()
