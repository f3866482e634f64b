"""The table of saved case-list searches: a name and the search's query string (cases/search.py PARAMS)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.tables import UTCDateTime, utcnow

from ...models import Base

MAX_NAME = 40
MAX_QUERY = 1000


class SavedFilter(Base):
    __tablename__ = "saved_filter"
    # The list of one page: the user's own, and the shared ones of the user's department.
    __table_args__ = (Index("ix_saved_filter_department_shared", "department", "shared"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    department: Mapped[str] = mapped_column(String(32))  # the owner's department code when saved
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    query: Mapped[str] = mapped_column(String(MAX_QUERY))
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
