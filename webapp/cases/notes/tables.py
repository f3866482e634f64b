"""The table of notes on a case. The note is also an event on the case's audit chain (its timeline entry);
the row is for reading the notes and the mentions without scanning the trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.tables import UTCDateTime, utcnow

from ...models import Base

MAX_NOTE = 2000


class CaseNote(Base):
    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("well_case.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))  # user name
    department: Mapped[str] = mapped_column(String(32))  # the author's department code when written
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list] = mapped_column(JSON, default=list)  # user names of the colleagues @-ed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
