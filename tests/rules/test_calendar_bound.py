"""The calendar rule without a State Council notice: the law's fixed holidays, and the conservative bound
for a party's deadline checked against every year chinesecalendar ships (docs/procedure.md)."""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from rules import calendar, deadlines
from rules.calendar import OfficeYear

# The years the law in its present form (since 2008: 劳动节 no longer a week) governs and the package has.
CHECKED = sorted(y for y in calendar.PACKAGE_YEARS if y >= 2008)
# A holiday the State Council decided once, outside the law's list: no rule can foresee it.
ONE_OFF = {date(2015, 9, 3), date(2015, 9, 4)}  # 中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日



def _days(year):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def test_the_law_fixes_thirteen_days_a_year():
    days = calendar.statutory_holidays(2027)
    assert len(days) == 13
    # 春节 2027: 除夕 5 February, 正月初一 6 February; 清明 5 April; 端午 9 June; 中秋 15 September.
    assert [d for d, n in days.items() if n == "春节"] == [date(2027, 2, d) for d in (5, 6, 7, 8)]
    assert days[date(2027, 4, 5)] == "清明节" and days[date(2027, 6, 9)] == "端午节"
    assert days[date(2027, 9, 15)] == "中秋节" and days[date(2027, 10, 3)] == "国庆节"


@pytest.mark.parametrize("year", CHECKED)
def test_the_laws_holidays_match_the_package_where_they_are_weekdays(year):
    # Every weekday the law fixes was off in the published arrangement: the rule only ever misses bridge
    # days, it never counts a statutory holiday as a working day. 除夕 and 2 May became statutory
    # holidays in 2025 (before, 除夕 was bridged in most years, not all).
    holidays = calendar.statutory_holidays(year)
    new_in_2025 = {min(d for d, n in holidays.items() if n == "春节"), date(year, 5, 2)}
    for day, name in holidays.items():
        if day.weekday() < 5 and (year >= 2025 or day not in new_in_2025):
            assert not chinese_calendar.is_workday(day), (day, name)


@pytest.mark.parametrize("year", CHECKED)
def test_every_published_weekday_holiday_lies_in_a_window(year):
    outside = [d for d in _days(year) if d.weekday() < 5 and not chinese_calendar.is_workday(d)
               and d not in calendar.possible_holidays(year) and not (d.month == 12 and d.day >= 29)
               and d not in ONE_OFF]
    assert outside == []


@pytest.mark.parametrize("year", CHECKED)
def test_a_party_deadline_in_a_missing_year_is_never_earlier_than_the_true_one(year, monkeypatch):
    starts = [date(year - 1, 12, 20) + timedelta(days=i) for i in range(0, 380, 3)]
    periods = (1, 2, 3, 5, 7, 9, 10, 15, 30, 60, 90)
    true = {(s, n): deadlines.party_deadline_date(s, n) for s in starts for n in periods}
    # The same computation with the year "missing": neither entered nor shipped by the package.
    monkeypatch.setattr(calendar, "PACKAGE_YEARS", calendar.PACKAGE_YEARS - {year})
    earlier = [(s, n, true[s, n]) for s in starts for n in periods
               if deadlines.party_deadline_date(s, n) < true[s, n]
               and not any(d in ONE_OFF for d in _between(s, true[s, n]))]
    assert earlier == []


def _between(first, last):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_office_years_take_precedence_over_the_package():
    assert calendar.is_working_day(date(2026, 3, 2))
    calendar.install_office_years([OfficeYear(2026, {date(2026, 3, 2): "试验"}, {})])
    assert not calendar.is_working_day(date(2026, 3, 2))
    assert calendar.year_source(2026) == "office" and not calendar.is_provisional(date(2026, 3, 2))


def test_a_rule_year_is_provisional_and_so_are_the_last_days_before_it():
    assert calendar.year_source(2027) == "rule" and calendar.is_provisional(date(2027, 5, 6))
    assert calendar.is_provisional(date(2026, 12, 30)) and not calendar.is_provisional(date(2026, 12, 28))
    calendar.install_office_years([OfficeYear(2027, {date(2026, 12, 31): "元旦"}, {})])
    assert not calendar.is_provisional(date(2026, 12, 30))
    assert not calendar.is_working_day(date(2026, 12, 31))  # the next year's notice reaching back
