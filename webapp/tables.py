"""Every table, for Alembic and the tests: the engine's and the web application's, each feature's table
module imported here (and nowhere else only for its side effect), so that ``METADATA`` knows them all.

A new table module is added to this list; ``webapp/models.py`` imports none of them.
"""
from __future__ import annotations

from engine.tables import EngineBase

from .api.tables import ApiAccount, InboundEvent
from .cases.notes.tables import CaseNote
from .core.refusals import SecurityLogEntry
from .dashboard.tables import CampaignReport
from .directory.villages import Village
from .integrations.tables import Endpoint, OutboxAttempt, OutboxMessage
from .models import Base
from .working_calendar.tables import CalendarDay, CalendarYear

#: Both metadata sets, in the order the migrations' environment gives them to Alembic.
METADATA = (EngineBase.metadata, Base.metadata)

#: The feature tables declared outside models.py (named so the imports above are used, and listed).
FEATURE_TABLES = (ApiAccount, CaseNote, InboundEvent, SecurityLogEntry, CampaignReport, Village, Endpoint, OutboxAttempt, OutboxMessage, CalendarDay, CalendarYear)
