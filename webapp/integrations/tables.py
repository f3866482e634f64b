"""The outbox's tables: messages, their delivery attempts, and the endpoints the office configures.

``webapp/models.py`` imports this module at its end, so the migrations and the tests see the tables.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.tables import UTCDateTime, utcnow

from ..models import Base

CREDIT_REPORT, CREDIT_REPAIR, NOTICE, TEST = "credit_report", "credit_repair", "notice", "test"
KINDS = {CREDIT_REPORT: "报送省信用平台：失信记录", CREDIT_REPAIR: "报送省信用平台：信用修复",
         NOTICE: "工作提醒", TEST: "测试消息"}
CREDIT_PLATFORM, EMAIL, SMS, ROBOT = "credit_platform", "email", "sms", "robot:"  # destinations
STATUSES = {"pending": "待发送", "sending": "发送中", "sent": "已送达", "failed": "发送失败"}
CHANNELS = {"webhook": "HTTPS 接口（JSON，签名）", "sms": "短信网关（HTTPS，签名）",
            "wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人", "email": "电子邮件（SMTP）"}


class OutboxMessage(Base):
    __tablename__ = "outbox"
    # The relay's claim reads the due rows of one status in due order: served by this index alone.
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("well_case.id"), index=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    destination: Mapped[str] = mapped_column(String(64), default=CREDIT_PLATFORM)
    recipient: Mapped[str | None] = mapped_column(String(200), nullable=True)  # e-mail address, mobile number
    payload: Mapped[dict] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: str(uuid.uuid4()))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # STATUSES
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed deliveries since written or resent
    # When a relay may take it: due (``pending``), or the end of a claim's lease (``sending``): a relay killed
    # mid-send leaves the row ``sending``, and once its lease has run out the next relay takes it again.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # While ``sending``: the claim's token; a relay writes its result only under its own token.
    claim_token: Mapped[str | None] = mapped_column(String(36), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


class OutboxAttempt(Base):
    """One delivery attempt: when, by which relay's claim, and what came of it (for the office's page)."""

    __tablename__ = "outbox_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # sent | retry | failed
    detail: Mapped[str] = mapped_column(Text, default="")


class Endpoint(Base):
    __tablename__ = "outbox_endpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(100), default="")
    url_shown: Mapped[str] = mapped_column(String(300))  # scheme, host and path: no query, no token
    url_sealed: Mapped[str] = mapped_column(Text)
    secret_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)
