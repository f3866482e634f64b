"""Tests for rules.calendar and rules.deadlines against the real chinesecalendar data (no mocks).

Every fixed date below was checked against chinese_calendar 1.11.0 (is_workday /
get_holiday_detail) before being asserted; the comment next to each says why it is what it is.
"""

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.calendar import CalendarDataMissing, is_working_day
from rules.deadlines import add_working_days, next_working_day, statutory_deadline, statutory_deadline_date
from rules.timezone import CHINA, today_in_china

# --- is_working_day / next_working_day ------------------------------------------------------


def test_national_day_2025_holidays_and_makeup_days():
    # 2025 National Day + Mid-autumn: Oct 1 (Wed) – Oct 8 (Wed) off; made up on
    # Sun 2025-09-28 and Sat 2025-10-11.
    for day in range(1, 9):
        assert not is_working_day(date(2025, 10, day))
    assert is_working_day(date(2025, 9, 28))  # 调休 Sunday
    assert is_working_day(date(2025, 10, 11))  # 调休 Saturday
    assert not is_working_day(date(2025, 9, 27))  # ordinary Saturday
    assert not is_working_day(date(2025, 10, 12))  # ordinary Sunday
    assert is_working_day(date(2025, 10, 9))  # Thursday, first day back


def test_makeup_saturday_2026_is_working_day():
    # 2026 National Day: Oct 1–7 off, Sat 2026-10-10 is a 调休 working day.
    assert date(2026, 10, 10).weekday() == 5
    assert is_working_day(date(2026, 10, 10))


def test_is_working_day_accepts_datetime():
    # A datetime is reduced to its date: 2025-10-11 is the 调休 Saturday.
    assert is_working_day(datetime(2025, 10, 11, 9, 30))


def test_next_working_day():
    assert next_working_day(date(2025, 10, 9)) == date(2025, 10, 9)  # already a working day
    assert next_working_day(date(2025, 10, 1)) == date(2025, 10, 9)  # skips the whole holiday
    assert next_working_day(date(2025, 9, 27)) == date(2025, 9, 28)  # Sat → 调休 Sunday
    assert next_working_day(date(2025, 10, 12)) == date(2025, 10, 13)  # Sun → Mon


# --- add_working_days -----------------------------------------------------------------------


def test_five_working_days_across_national_day_2025():
    # From Tue 2025-09-30: Oct 1–8 are holidays, so the working days are
    # 10-09 (1), 10-10 (2), 10-11 调休 Sat (3), 10-13 (4), 10-14 (5); 10-12 Sunday is skipped.
    assert add_working_days(date(2025, 9, 30), 5) == date(2025, 10, 14)


def test_makeup_saturday_is_counted():
    # Fri 2025-10-10 + 1 working day: the next day is the 调休 Saturday 2025-10-11.
    assert add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)
    # Fri 2025-09-26 + 1: Sat 09-27 is off, Sun 09-28 is a 调休 working day.
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)


def test_makeup_saturday_2026_is_counted():
    # From Wed 2026-09-30: Oct 1–7 off; 10-08 (1), 10-09 (2), 10-10 调休 Sat (3), 10-12 (4),
    # 10-13 (5), 10-14 (6), 10-15 (7).
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 15)


def test_add_zero_working_days_returns_start_unchanged():
    # Documented choice: a zero-length period has no end to move, even from a holiday.
    assert add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 1)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None, True])
def test_add_working_days_rejects_bad_n(bad):
    with pytest.raises(ValueError):
        add_working_days(date(2025, 9, 30), bad)


# --- statutory_deadline_date ----------------------------------------------------------------


def test_short_period_counts_working_days():
    # 5 < 10, so working days: same as test_five_working_days_across_national_day_2025.
    assert statutory_deadline_date(date(2025, 9, 30), 5) == date(2025, 10, 14)
    # 9 is the longest working-day period: 10-09, 10, 11, 13, 14, 15, 16, 17, 20
    # (10-12 and 10-18/19 are ordinary weekend days).
    assert statutory_deadline_date(date(2025, 9, 30), 9) == date(2025, 10, 20)


def test_ten_days_counts_calendar_days():
    # 10 is not "fewer than 10": 2025-09-30 + 10 = Fri 2025-10-10, a working day.
    assert statutory_deadline_date(date(2025, 9, 30), 10) == date(2025, 10, 10)


def test_fifteen_days_ending_on_holiday_moves_to_next_working_day():
    # 2025-09-16 + 15 = Wed 2025-10-01 (National Day); next working day is Thu 2025-10-09.
    assert statutory_deadline_date(date(2025, 9, 16), 15) == date(2025, 10, 9)
    # 2026-09-18 + 15 = Sat 2026-10-03 (National Day); next working day is Thu 2026-10-08.
    assert statutory_deadline_date(date(2026, 9, 18), 15) == date(2026, 10, 8)


def test_fifteen_days_ending_on_ordinary_weekend_moves_to_monday():
    # 2025-03-01 + 15 = Sun 2025-03-16, an ordinary weekend day → Mon 2025-03-17.
    assert statutory_deadline_date(date(2025, 3, 1), 15) == date(2025, 3, 17)


def test_fifteen_days_ending_on_makeup_saturday_stays():
    # 2025-09-26 + 15 = Sat 2025-10-11, a 调休 working day, so the deadline does not move.
    assert statutory_deadline_date(date(2025, 9, 26), 15) == date(2025, 10, 11)


def test_sixty_days_ending_on_normal_weekday_stays():
    # 2025-01-06 + 60 = Fri 2025-03-07: no holiday, not a weekend.
    assert statutory_deadline_date(date(2025, 1, 6), 60) == date(2025, 3, 7)


@pytest.mark.parametrize("bad", [0, -1, -15, 1.5, 5.0, "5", None, True])
def test_statutory_deadline_date_rejects_bad_days(bad):
    with pytest.raises(ValueError):
        statutory_deadline_date(date(2025, 9, 30), bad)


# --- statutory_deadline (the BPMN timer entry point) ----------------------------------------


def test_statutory_deadline_format_and_timezone():
    result = statutory_deadline("2025-09-30", 5)
    assert result == "2025-10-14T23:59:59+08:00"
    parsed = datetime.fromisoformat(result)
    assert parsed.utcoffset() == timedelta(hours=8)
    expected_utc = datetime(2025, 10, 14, 15, 59, 59, tzinfo=timezone.utc)
    assert parsed.astimezone(timezone.utc) == expected_utc


def test_statutory_deadline_accepts_date_object():
    assert statutory_deadline(date(2025, 9, 16), 15) == "2025-10-09T23:59:59+08:00"


def test_statutory_deadline_datetime_string_uses_china_date():
    # 2025-09-29 17:00 UTC is 2025-09-30 01:00 in China, so the period starts from 09-30
    # (→ 10-14), not from the UTC date 09-29 (which would give 10-13).
    assert statutory_deadline("2025-09-29T17:00:00+00:00", 5) == "2025-10-14T23:59:59+08:00"


@pytest.mark.parametrize("days", [0, -3, 2.5, "5", None, False])
def test_statutory_deadline_rejects_bad_days(days):
    with pytest.raises(ValueError) as excinfo:
        statutory_deadline("2025-09-30", days)
    assert "正整数" in str(excinfo.value)


@pytest.mark.parametrize("start", ["", "2025-13-01", "30/09/2025", "not a date", 20250930, None])
def test_statutory_deadline_rejects_bad_start(start):
    with pytest.raises(ValueError):
        statutory_deadline(start, 5)


# --- years without data: never an error --------------------------------------------------------


def test_a_year_nobody_entered_is_the_rule_year():
    # 2099: weekends and the law's fixed holidays (国庆 1–3 Oct); nothing is refused.
    assert not is_working_day(date(2099, 10, 1))
    assert is_working_day(date(2099, 10, 5))  # a Monday: the rule knows no bridge days
    assert not is_working_day(date(2099, 6, 6))  # a Saturday


def test_counting_into_a_missing_year_never_raises():
    # The party's 15-day period runs into 2099 and is computed (conservatively), not refused.
    assert statutory_deadline("2098-12-20", 15).startswith("2099-01-")
    assert add_working_days(date(2098, 12, 31), 1) > date(2099, 1, 1)


def test_calendar_data_missing_stays_importable_with_a_clerk_message():
    message = str(CalendarDataMissing(2027))
    assert "2027" in message and "工作日历" in message
    assert "requirements" not in message and "chinesecalendar" not in message
    assert not issubclass(CalendarDataMissing, NotImplementedError)


# --- helpers --------------------------------------------------------------------------------


def test_timezone_and_today_in_china():
    assert str(CHINA) == "Asia/Shanghai"
    before = datetime.now(CHINA).date()
    today = today_in_china()
    after = datetime.now(CHINA).date()
    assert before <= today <= after


# --- properties -----------------------------------------------------------------------------

# Start dates whose results (at most 30 working days / 200 calendar days later) stay inside
# the years chinesecalendar 1.11.0 covers (2004–2026).
covered_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 12, 31))
working_day_counts = st.integers(min_value=1, max_value=30)
modest = settings(max_examples=200, deadline=None, database=None)


@modest
@given(start=covered_dates, n=working_day_counts)
def test_add_working_days_lands_after_start_on_a_working_day(start, n):
    end = add_working_days(start, n)
    assert end > start
    assert is_working_day(end)


@modest
@given(start=covered_dates, n=working_day_counts)
def test_add_working_days_counts_exactly_n_working_days(start, n):
    end = add_working_days(start, n)
    counted = sum(
        is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )
    assert counted == n


@modest
@given(start=covered_dates, n=st.integers(min_value=1, max_value=29))
def test_add_working_days_is_strictly_monotonic(start, n):
    assert add_working_days(start, n) < add_working_days(start, n + 1)


@modest
@given(start=covered_dates, days=st.integers(min_value=1, max_value=200))
def test_statutory_deadline_date_lands_on_a_working_day(start, days):
    end = statutory_deadline_date(start, days)
    assert end > start
    assert is_working_day(end)
    if days < 10:
        assert end == add_working_days(start, days)
    else:
        # Calendar-day period: never earlier than start + days, and anything skipped over
        # between that day and the deadline is a non-working day.
        nominal = start + timedelta(days=days)
        assert end >= nominal
        assert not any(
            is_working_day(nominal + timedelta(days=i)) for i in range((end - nominal).days)
        )


@modest
@given(start=covered_dates, days=st.integers(min_value=1, max_value=200))
def test_statutory_deadline_string_matches_date(start, days):
    result = datetime.fromisoformat(statutory_deadline(start.isoformat(), days))
    assert result.date() == statutory_deadline_date(start, days)
    assert (result.hour, result.minute, result.second) == (23, 59, 59)
    assert result.utcoffset() == timedelta(hours=8)
