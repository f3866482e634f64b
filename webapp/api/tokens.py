"""Bearer tokens of system accounts: issued once (only the SHA-256 is kept), checked on every API request,
and the identity the services see while a system acts (``Agent``, what ``current_user`` is on a page).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor
from engine.tables import utcnow

from .errors import ApiError
from .tables import ApiAccount

PREFIX = "wsk_"  # recognisable in a leaked log or a secret scanner; 256 random bits follow
HINT_LENGTH = 10


def issue() -> tuple[str, str, str]:
    """A new token: (token shown once, its digest to store, the hint that tells tokens apart)."""
    token = PREFIX + secrets.token_urlsafe(32)
    return token, digest(token), token[:HINT_LENGTH]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def authenticate(session: Session, header: str | None, now: datetime | None = None) -> ApiAccount:
    """The account whose token the request carries; 401 (with why) otherwise."""
    token = bearer(header)
    if not token:
        raise ApiError(401)
    account = session.scalar(select(ApiAccount).where(ApiAccount.token_hash == digest(token)))
    if account is None:
        raise ApiError(401, "访问令牌无效。请核对令牌，或请系统管理员重新签发。", code="unauthorized",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if account.revoked_at is not None:
        raise ApiError(401, "访问令牌已被系统管理员停用，请联系管理员。", code="token_revoked",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if account.expires_at <= (now or utcnow()):
        raise ApiError(401, "访问令牌已过期，请联系系统管理员重新签发。", code="token_expired",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return account


@dataclass(frozen=True)
class Unit:
    """The department a system acts for in one call (a town, a bureau), or none (city-wide reading)."""
    code: str | None
    is_town: bool = False


@dataclass(frozen=True)
class Agent:
    """A system account acting for one department: what the services (step_service, cases_service,
    documents, the engine's actor) read of a user — ``username``, ``department.code``, ``inboxes``."""
    username: str
    department: Unit
    inboxes: tuple[str, ...] = ()

    @property
    def role(self) -> str:
        return "system"

    @property
    def actor(self) -> Actor:
        """Who the engine records as acting, as ``User.actor`` does for a person."""
        return Actor(self.username, self.department.code)


def agent(account: ApiAccount, department: str | None = None, is_town: bool = False,
          inboxes: tuple[str, ...] = ()) -> Agent:
    return Agent(account.actor_name, Unit(department, is_town), inboxes)
