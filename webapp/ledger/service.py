"""Registering a checked ledger: every new row of it in the request's one transaction, or none.

Used by the ledger page and the REST API's import alike, so both register, record and refuse the same way.
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from engine import Engine

from ..cases.service import RETRY, RegistrationRefused, is_duplicate_registration, register_case
from ..models import Case
from .checks import Checked

#: What ``unit_of_work.run`` hands back instead of raising: a registration refused, or a well or water
#: user registered by someone else meanwhile (the unique constraints).
REFUSALS = (RegistrationRefused, IntegrityError)


def register_ledger(session, engine: Engine, result: Checked, agent, filename: str) -> list[Case]:
    """Register the ledger's new rows as ``agent`` (a user, or a system account's agent) and record the import."""
    cases = [register_case(session, engine, row.user_data, row.well_data, agent) for _number, row in result.new]
    engine.record(session, "ledger_imported", actor=agent.actor, data={
        "file": filename, "rows": result.rows, "registered": len(result.new), "skipped": len(result.skipped)})
    return cases


def refusal_text(exc: Exception) -> str:
    """Why nothing of the file was registered, in words for the one who imported it."""
    if isinstance(exc, RegistrationRefused):
        return exc.message
    if isinstance(exc, IntegrityError):
        return "其中有机井或用水户刚刚已被他人登记" if is_duplicate_registration(exc) else RETRY
    return str(exc)
