"""The named functions diagrams may call from expressions, script tasks and timers.

Only what is registered here is visible to diagram code: a diagram cannot import modules or reach
the database, so a diagram edited in a modeler cannot do more than the procedure needs.
"""
from __future__ import annotations

from rules.deadlines import (
    after_expiry,
    before_expiry,
    office_deadline,
    party_deadline,
    start_of_day,
    statutory_deadline,
)
from rules.fines import hearing_applies, late_payment_surcharge

#: The service name that makes a timer an administration's deadline (provisional, recomputed).
OFFICE_DEADLINE = "office_deadline"

SERVICES = {
    # party_deadline(start "YYYY-MM-DD", days) -> ISO datetime at the end of the deadline day
    # (working days under 10 days, calendar days otherwise; see rules/deadlines.py): a period printed for a
    # party, never earlier than the true one (conservative on a year nobody has entered), final.
    "party_deadline": party_deadline,
    # office_deadline(start, days): the same count for a period that binds the administration (the
    # 90-day decision limit, reviews): provisional (暂定) on a year nobody has entered, recomputed when
    # the office enters it (engine/deadline_recompute.py; a timer is of this kind when its expression
    # calls office_deadline).
    "office_deadline": office_deadline,
    # The old name, kept with the party's meaning so that cases on older diagram versions run on.
    "statutory_deadline": statutory_deadline,
    # start_of_day("YYYY-MM-DD") -> ISO datetime at 00:00 China time (a review due on a date).
    "start_of_day": start_of_day,
    # before_expiry(valid_to, days) / after_expiry(valid_to) -> ISO datetimes at 00:00 China time: when a
    # permit's non-renewal falls due (today if the expiry date is unknown) and the day after it expires.
    "before_expiry": before_expiry,
    "after_expiry": after_expiry,
    # hearing_applies(party_kind, fine) -> whether the fine reaches the hearing threshold (fines.py).
    "hearing_applies": hearing_applies,
    # late_payment_surcharge(fine, due_date, paid_on) -> yuan: 3 % a day after the deadline, at most
    # the fine (行政处罚法 Art 72).
    "late_payment_surcharge": late_payment_surcharge,
}
