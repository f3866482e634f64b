"""The office's working-day calendar (工作日历): the years the office entered from the State Council's
notice, read into ``rules.calendar`` at start and whenever they change, and the banner that asks for
next year's arrangement from 1 November.

Routes are on the admin blueprint (``webapp/admin/working_calendar.py``); the tables in tables.py.
"""
from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from rules.timezone import today_in_china

SAFE = ("GET", "HEAD", "OPTIONS")
READS_MAX_AGE = 1.0  # seconds
#: The stored years' revision travels as ``core.kept``'s do (``auth.load_user`` reads ``service.REVISION``
#: with the account); the years themselves are installed process-wide (``rules.calendar``), not kept per app.
KEPT = "calendar"


def init_app(app: Flask) -> None:
    from ..core import db, kept
    from ..permissions import is_supervisor
    from . import service

    @app.before_request
    def _calendar_current():
        # A write computes deadlines: a year entered through another worker is used from now on. With an
        # account the stored revision came with it (``seen``, the hooks of auth run first); without one, one
        # indexed query, and a page that only shows deadlines looks at most once a second per worker.
        if request.endpoint and not request.endpoint.endswith("static"):
            service.ensure_current(db.session(), max_age=0 if request.method not in SAFE else READS_MAX_AGE,
                                   revision=kept.revision(KEPT))

    @app.context_processor
    def _calendar_banner():
        def calendar_banner() -> int | None:
            """Next year, when it is missing from 1 November and the user can see to it; else None."""
            if not current_user.is_authenticated:
                return None
            if current_user.role != "admin" and not is_supervisor(current_user):
                return None
            return service.next_year_missing(today_in_china())
        return {"calendar_banner": calendar_banner}
