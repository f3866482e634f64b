"""The published reports' table (revision 0003) and the dashboard's snapshots (revision 0027).

Declared on ``webapp.models.Base`` and imported at the end of ``webapp/models.py``, so that every user
of that metadata — the Alembic environment, the tests' truncation, the app — knows the table. This
module imports nothing of the blueprint, so that import has no side effects.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.tables import UTCDateTime, utcnow

from ..models import Base


class CampaignReport(Base):
    """A published weekly dispatch, monthly summary or briefing: the figures as shown and the DOCX as sent.

    Rows are never changed or deleted. Publishing the same kind and period again adds a version; a
    period keeps the issue number (第N期) it got when first published. The unique constraints make two
    simultaneous publications of the same version (or issue) fail instead of both being kept.
    """

    __tablename__ = "campaign_report"
    __table_args__ = (
        UniqueConstraint("kind", "period_start", "period_end", "version", name="uq_campaign_report_period_version"),
        UniqueConstraint("kind", "issue_no", "version", name="uq_campaign_report_issue_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # weekly | monthly | briefing
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    issue_no: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(128))
    figures: Mapped[dict] = mapped_column(JSON)
    file_name: Mapped[str] = mapped_column(String(128))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str] = mapped_column(String(64))
    published_by_department: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DashboardSnapshot(Base):
    """The dashboard's figures of one period as ``figures.compute`` returned them, and when (issue 14):
    shown instead of computing them again while younger than WELLS_DASHBOARD_MAX_AGE (snapshots.py).

    One row per period, replaced by a newer computation (never by an older one); shared by every web
    worker and host through the database. Not a record: the published reports are (``CampaignReport``).
    """

    __tablename__ = "dashboard_snapshot"
    __table_args__ = (UniqueConstraint("period_start", "period_end", name="uq_dashboard_snapshot_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict] = mapped_column(JSON)
    wells_map: Mapped[dict] = mapped_column(JSON)  # the map's box and cases without coordinates (map/view.counts)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    compute_ms: Mapped[int] = mapped_column(Integer)  # how long the computation took: what a snapshot saves
