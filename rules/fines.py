"""Money rules of the administrative penalty, shared by the diagram, the forms and the documents.

Pure functions over task data (numbers, ISO dates), registered in ``engine/services.py`` so that the penalty
diagram's gateways and scripts call the same code the forms and documents use:

* **hearing threshold** (行政处罚法 Art 63 leaves "较大数额罚款" to the rules; 水行政处罚实施办法,
  水利部令第55号, 2023): a party may demand a hearing when the fine is at least 10,000 yuan for an
  individual or 80,000 yuan for an enterprise or other organisation;
* **late-payment surcharge** (行政处罚法 Art 72(1), 行政强制法 Art 45): from the day after the payment
  deadline, 3 % of the fine per calendar day, never more than the fine itself.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .deadlines import parse_day
from .errors import RuleError

#: The least fine (yuan) for which a party may demand a hearing, by party kind (forms.choices.USER_KINDS).
HEARING_THRESHOLDS = {"individual": 10_000, "enterprise": 80_000}

#: Surcharge per day of delay, as a fraction of the fine.
SURCHARGE_RATE = Decimal("0.03")

_CENT = Decimal("0.01")


def _amount(value, what: str = "罚款金额") -> Decimal:
    """A non-negative amount of yuan; bools and non-numbers are refused with a Chinese message."""
    if isinstance(value, bool):
        raise RuleError(f"{what}必须是数字，实际得到 {value!r}")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RuleError(f"{what}必须是数字，实际得到 {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise RuleError(f"{what}不能为负数，实际得到 {value!r}")
    return amount


def hearing_threshold(party_kind: str) -> int:
    """The least fine for which ``party_kind`` ("individual" / "enterprise") may demand a hearing."""
    try:
        return HEARING_THRESHOLDS[party_kind]
    except KeyError:
        raise RuleError(f"当事人类型应为 individual（个人）或 enterprise（单位），实际得到 {party_kind!r}") from None


def hearing_applies(party_kind: str, fine) -> bool:
    """Whether a proposed fine gives the party the right to a hearing (the threshold itself counts)."""
    return _amount(fine) >= hearing_threshold(party_kind)


def days_late(due_date: date | str, paid_on: date | str) -> int:
    """Calendar days from the payment deadline to the day of payment (0 when paid on or before it).

    ``due_date`` may be the deadline as the timer holds it (``statutory_deadline``'s ISO datetime at
    23:59:59 China time); only its China date counts.
    """
    return max(0, (parse_day(paid_on) - parse_day(due_date)).days)


def late_payment_surcharge(fine, due_date: date | str, paid_on: date | str) -> float:
    """The 加处罚款 due with a fine paid on ``paid_on`` whose deadline was ``due_date``, in yuan.

    3 % of the fine for each day after the deadline, capped at the fine (so it stops growing after
    34 days), rounded to the fen. A float, because task data is JSON.
    """
    amount = _amount(fine)
    surcharge = min(amount * SURCHARGE_RATE * days_late(due_date, paid_on), amount)
    return float(surcharge.quantize(_CENT, rounding=ROUND_HALF_UP))
