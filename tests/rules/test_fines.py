"""The money rules of the penalty (rules/fines.py): hearing threshold and late-payment surcharge."""
from __future__ import annotations

from datetime import date

import pytest

from engine.services import SERVICES
from rules.deadlines import statutory_deadline
from rules.fines import days_late, hearing_applies, late_payment_surcharge


@pytest.mark.parametrize("kind, fine, applies", [
    ("individual", 9_999, False), ("individual", 10_000, True), ("individual", 20_000, True),
    ("enterprise", 79_999.99, False), ("enterprise", 80_000, True), ("enterprise", 500_000, True),
])
def test_hearing_threshold_counts_the_threshold_itself(kind, fine, applies):
    assert hearing_applies(kind, fine) is applies


def test_hearing_threshold_refuses_unknown_kinds_and_negative_fines():
    with pytest.raises(ValueError, match="当事人类型"):
        hearing_applies("company", 100_000)
    with pytest.raises(ValueError, match="不能为负数"):
        hearing_applies("individual", -1)


def test_no_surcharge_when_paid_on_or_before_the_deadline():
    assert late_payment_surcharge(50_000, "2026-03-17", "2026-03-10") == 0
    assert late_payment_surcharge(50_000, "2026-03-17", "2026-03-17") == 0


def test_three_percent_of_the_fine_per_calendar_day_after_the_deadline():
    assert late_payment_surcharge(50_000, "2026-03-17", "2026-03-18") == 1_500
    # 4 days, a weekend among them: the surcharge runs on calendar days.
    assert late_payment_surcharge(50_000, "2026-03-17", "2026-03-21") == 6_000
    assert late_payment_surcharge(12_345, date(2026, 3, 17), date(2026, 3, 19)) == 740.70


def test_surcharge_never_exceeds_the_fine():
    assert late_payment_surcharge(20_000, "2026-03-17", "2026-04-19") == 19_800  # 33 days: 99 %
    assert late_payment_surcharge(20_000, "2026-03-17", "2026-04-20") == 20_000  # 34 days: capped
    assert late_payment_surcharge(20_000, "2026-03-17", "2026-12-31") == 20_000


def test_deadline_as_the_timer_holds_it():
    """The diagram passes the timer's deadline (23:59:59 China time); only its China date counts."""
    due = statutory_deadline("2026-03-02", 15)
    assert due == "2026-03-17T23:59:59+08:00"
    assert days_late(due, "2026-03-17") == 0 and days_late(due, "2026-03-20") == 3
    assert late_payment_surcharge(100_000, due, "2026-03-20") == 9_000


@pytest.mark.parametrize("fine", [-1, "abc", None, True, float("nan")])
def test_bad_fines_are_refused_in_chinese(fine):
    with pytest.raises(ValueError, match="罚款金额"):
        late_payment_surcharge(fine, "2026-03-17", "2026-03-20")


def test_both_rules_are_registered_for_the_diagrams():
    assert SERVICES["late_payment_surcharge"] is late_payment_surcharge
    assert SERVICES["hearing_applies"] is hearing_applies
