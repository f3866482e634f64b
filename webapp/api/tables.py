"""The API's own tables: system accounts (其他系统的接入账号) with their hashed tokens, and the events other
systems sent in (kept by the sender's event id, so a repeated delivery is answered, not done twice).

Declared on the web models' ``Base`` (imported at the end of ``webapp/models.py``), made by migration
``20261206_0017``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.tables import UTCDateTime, utcnow

from ..models import Base


class ApiAccount(Base):
    """A system that calls the API: what it may do (``scopes``), where (``towns``; None: every town), until
    when, and the SHA-256 of its token. The token itself is shown once, when issued, and never stored."""

    __tablename__ = "api_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(48), unique=True)  # the audit trail's actor is "api:<name>"
    display_name: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list] = mapped_column(JSON)
    towns: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # A token has 256 random bits: a plain SHA-256 is enough to make the stored value useless (no guessing
    # to slow down), and it lets the request find its account with one indexed lookup.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_hint: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell tokens apart
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def actor_name(self) -> str:
        return f"api:{self.name}"


class InboundEvent(Base):
    """An event another system sent (the network arrived, a tax registration, a meter verification): one row
    per sender and event id, written in the transaction that acted on it, with the answer it got."""

    __tablename__ = "api_inbound_event"
    __table_args__ = (UniqueConstraint("account_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("api_account.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[ApiAccount] = relationship()
