"""The deadlines a document prints for a party, fixed when the document is first issued.

A deadline printed for a party is final (``rules.deadlines.party_deadline``): the diagram's timer keeps the
date computed when the step was done — in a year nobody has entered yet, with the conservative calendar.
Worked out again later, after the office has entered the year (工作日历), the same period can end days
earlier, and a regenerated document would then tell the party less time than the first one and than the
timer waits. So each version of a document stores the deadlines it printed, with the start and the period
they were computed from (``Document.deadlines``), and a new version of the same number (docs/procedure.md,
"Documents and their layout") prints the date of the newest document its step issued with the step's
current start date and period — the date the step's timer holds:

1. while the step is unchanged, the date of the first issue, whatever the calendar says now;
2. after the step itself was corrected (reset and done again, or filled in by a supervisor: the same task,
   new values), the date of the document the corrected step issued;
3. when no document has those values (one issued before dates were stored), a date computed afresh with
   the calendar of the day, never earlier than the date the newest version told the party unless the
   correction itself gives less time (an earlier start or a shorter period).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from rules.deadlines import party_deadline_date

# 行政处罚法 Art 44, 45, 64: five working days from service of the prior notice to state a defence or ask
# for a hearing; the diagram's pen_statement_timer waits the same party_deadline(prior_notice_served_on, 5).
STATEMENT_DAYS = 5


@dataclass(frozen=True)
class Period:
    """One deadline a document prints: the step's field it runs from and its length (a field or a count)."""

    name: str
    start_field: str
    days: str | int

    def of(self, data: Mapping) -> tuple[str, int] | None:
        """(start as ISO date, days) from the step's values; None when the step has not given them."""
        start = data.get(self.start_field)
        days = data.get(self.days) if isinstance(self.days, str) else self.days
        if not start or not days:
            return None
        return date.fromisoformat(str(start)[:10]).isoformat(), int(days)


# Each with the timer that waits for the same period (bpmn/well_case.bpmn, bpmn/penalty.bpmn).
PERIODS: dict[str, tuple[Period, ...]] = {
    "rectification_notice": (Period("deadline", "notice_served_on", "rectify_days"),),  # deadline_timer
    "penalty_prior_notice": (Period("reply_by", "prior_notice_served_on", STATEMENT_DAYS),),  # pen_statement_timer
    "enforcement_reminder": (Period("deadline", "reminder_served_on", "reminder_days"),),  # pen_reminder_timer
}


def _entry(start: str, days: int, on: date) -> dict:
    return {"start": start, "days": days, "on": on.isoformat()}


def compute(kind_code: str, data: Mapping) -> dict[str, dict]:
    """The deadlines of a first issue, with today's calendar (as the step's timer computed them in the same
    transaction): ``{name: {"start": "2026-12-28", "days": 5, "on": "2027-01-08"}}``."""
    fixed = {}
    for period in PERIODS.get(kind_code, ()):
        given = period.of(data)
        if given is not None:
            fixed[period.name] = _entry(*given, party_deadline_date(date.fromisoformat(given[0]), given[1]))
    return fixed


def for_new_version(kind_code: str, data: Mapping, told: Mapping | None,
                    issued_by_step: Iterable[Mapping | None]) -> dict[str, dict]:
    """The deadlines of a regenerated version (rules 1–3 above).

    ``told``: what the newest version of the number stored (None for a document issued before deadlines
    were stored); ``issued_by_step``: what the documents of this kind issued by the same step stored (every
    version, this number's included), newest first — the newest with the step's values is the one issued
    with the timer that waits now.
    """
    issued = [entry for entry in [*issued_by_step, told] if entry]
    fixed = {}
    for period in PERIODS.get(kind_code, ()):
        given = period.of(data)
        if given is None:
            continue
        start, days = given
        before = (told or {}).get(period.name)
        printed = (entry.get(period.name) for entry in issued)
        same = next((p for p in printed if p and (p["start"], p["days"]) == (start, days)), None)
        if same is not None:  # rules 1 and 2
            fixed[period.name] = _entry(start, days, date.fromisoformat(same["on"]))
            continue
        on = party_deadline_date(date.fromisoformat(start), days)
        if before and start >= before["start"] and days >= before["days"]:  # rule 3: no less time than told
            on = max(on, date.fromisoformat(before["on"]))
        fixed[period.name] = _entry(start, days, on)
    return fixed


def dates(fixed: Mapping | None) -> dict[str, date]:
    """``{name: date}`` as the document's content reads them."""
    return {name: date.fromisoformat(entry["on"]) for name, entry in (fixed or {}).items()}
