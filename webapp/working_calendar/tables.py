"""The office's calendar tables (revision 20261206_0009).

Declared on ``webapp.models.Base`` and imported at the end of ``webapp/models.py`` so that the
migrations' environment, the tests' truncation and the app know them. No imports of the blueprint.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.tables import UTCDateTime, utcnow

from ..models import Base

HOLIDAY, WORKDAY = "holiday", "workday"


class CalendarYear(Base):
    """A year whose arrangement the office entered. Replaced as a whole when entered again.

    ``revision`` is the highest revision of all years plus one at every save: every worker compares
    ``max(revision)`` with the one it installed (once per request, once per timer sweep).
    """

    __tablename__ = "office_calendar_year"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    source_text: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, index=True)
    days: Mapped[list["CalendarDay"]] = relationship(back_populates="year_row", cascade="all, delete-orphan",
                                                     order_by="CalendarDay.day")


class CalendarDay(Base):
    """One listed day of an entered year: a day off (``holiday``) or a 调休 working day (``workday``)."""

    __tablename__ = "office_calendar_day"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("office_calendar_year.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(32), default="")
    year_row: Mapped[CalendarYear] = relationship(back_populates="days")
