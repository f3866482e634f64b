"""Statutory deadlines: how a period is counted from a start day (China time, see ``timezone.py``).

The enforcement workflow sets its deadline timers from here (DOMAIN.md, "The statutory steps",
item 6). The rule applied in this project follows 行政处罚法 Art 85 and 行政许可法 Art 82:

* a period of fewer than 10 days ("二日", "三日", "五日", "七日" ...) counts **working days**:
  Chinese statutory holidays are skipped and 调休 weekend working days are counted;
* a longer period (15-day payment, 60-day reconsideration, ...) counts **calendar days**, and if
  its last day is not a working day the deadline moves to the next working day.

Which days are working days is ``calendar.py``'s answer. Two kinds of deadline follow
(docs/procedure.md, "The working-day calendar"):

* a deadline **printed for a party** (:func:`party_deadline`, also the old name
  :func:`statutory_deadline`) must never be earlier than the true one: it counts with
  :func:`calendar.is_party_working_day` (the conservative calendar on a provisional day), and is
  final once printed.
* a deadline that **binds the administration** (:func:`office_deadline`) uses the best calendar known
  (office, package, rule); when that is a rule year it is provisional (:func:`calendar.is_provisional`,
  shown as 暂定) and recomputed when the office enters the year (``engine/deadline_recompute.py``).

All functions are pure (apart from :func:`before_expiry` without a date, which reads the clock, and the
installed office calendar) and know nothing about Flask, SpiffWorkflow or the engine, so the BPMN script
engine calls the deadline functions directly from a timer expression with task data
(``engine/services.py``), and forms and documents print the same dates. Bad input raises
:class:`~rules.errors.RuleError` with a Chinese message.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from .calendar import is_party_working_day, is_working_day
from .errors import RuleError
from .timezone import CHINA, china_date, today_in_china

__all__ = [
    "WORKING_DAY_THRESHOLD",
    "add_working_days",
    "after_expiry",
    "before_expiry",
    "next_working_day",
    "office_deadline",
    "office_deadline_date",
    "parse_day",
    "party_deadline",
    "party_deadline_date",
    "start_of_day",
    "statutory_deadline",
    "statutory_deadline_date",
]

#: Periods strictly shorter than this many days count working days; longer ones calendar days.
WORKING_DAY_THRESHOLD = 10

_ONE_DAY = timedelta(days=1)


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
    start = china_date(start)
    days = _check_count(days, "期限天数 days", allow_zero=False)
    if days < WORKING_DAY_THRESHOLD:
        return _add_working(start, days, working)
    return _next_working(start + timedelta(days=days), working)


def next_working_day(d: date) -> date:
    """``d`` itself if it is surely a working day, otherwise the first such day after it (on a
    provisional day: the first weekday outside every holiday window, see :func:`party_deadline_date`)."""
    return _next_working(china_date(d), is_party_working_day)


def add_working_days(start: date, n: int) -> date:
    """Return the ``n``-th working day after ``start``, for a period that protects a party (the
    earliest hearing date after its notice…): on provisional days the conservative calendar counts.

    ``start`` itself is never counted (the period begins the day after the triggering event,
    as with service of a notice), so ``add_working_days(d, 1)`` is the first working day
    strictly after ``d``. Holidays are skipped and 调休 weekend working days are counted.

    ``n == 0`` returns ``start`` unchanged, even if ``start`` is not a working day: a zero-length
    period has no end to move. Negative or non-integer ``n`` raises ``RuleError`` (a ``ValueError``).
    """
    start = china_date(start)
    return _add_working(start, _check_count(n, "工作日天数 n", allow_zero=True), is_party_working_day)


def party_deadline_date(start: date, days: int) -> date:
    """The last day of a period printed for a party, never earlier than the true one.

    * ``days < 10``: the ``days``-th working day after ``start`` (行政处罚法 Art 85, 行政许可法 Art 82);
    * ``days >= 10``: ``start + days`` calendar days, moved to the next working day if it is not one
      (a 调休 Saturday is a working day and stays).

    On a day of a year nobody has entered (nor the package ships) the conservative calendar decides
    (weekdays outside every holiday window, :func:`possible_holidays`), so no arrangement the State
    Council may still publish can make the true deadline later. ``days`` must be a positive integer.
    """
    return _deadline(start, days, is_party_working_day)


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
            return china_date(datetime.fromisoformat(text))
        except ValueError:
            raise RuleError(
                f"起算日期必须是 ISO 格式的日期字符串（YYYY-MM-DD），实际得到 {start!r}"
            ) from None
    if isinstance(start, date):
        return china_date(start)
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
